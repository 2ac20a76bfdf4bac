# Two entry points: `make pipeline` (whole DVC pipeline on the embedded synthetic corpus)
# and `make test` (the test suite). Both create the virtual environment on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(PATH)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: env pipeline test lint readme audit restore

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

pipeline: $(STAMP)
	dvc repro
	$(PY) -m incident_lm.report.summary
	$(PY) -m incident_lm.audit --out reports/audit.json

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	ruff check src stages tests bench

# search every artefact for the identifiers planted in the synthetic corpus (exit 1 if any is found;
# skipped when deid.truth is null)
audit: $(STAMP)
	$(PY) -m incident_lm.audit --out reports/audit.json

readme: $(STAMP)
	$(PY) -m incident_lm.report.readme README.md metrics/compare.json metrics/cost/represent

# after a run that was killed outright: put every stage's last good outputs back, as dvc.lock records them
restore: $(STAMP)
	$(PY) -m incident_lm.restore
