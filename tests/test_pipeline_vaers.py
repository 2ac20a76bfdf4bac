"""End to end on real data: the whole DVC pipeline on the public VAERS files, switched on by params alone.

Uses ``../shared/data/vaers-1990-1996`` (skipped when absent) with the small settings of the synthetic e2e run
and one year of reports, so it takes a few minutes on two cores.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SHARED, SMALL_PARAMS, copy_repo, merge, sh

VAERS_DIR = SHARED / "data" / "vaers-1990-1996"
HARM_LEVELS = {"0 Non-serious", "1 ER/doctor visit", "2 Hospitalised", "3 Disability", "4 Life-threatening",
               "5 Death"}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not VAERS_DIR.exists(), reason="shared VAERS data not present")]


def reps() -> list[str]:
    return list(yaml.safe_load((ROOT / "dvc.yaml").read_text())["vars"][0]["reps"])


@pytest.fixture(scope="module")
def vaers_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository with the README's VAERS params change (plus the small test settings), reproduced."""
    vaers = {"data": {"preset": "vaers", "source": str(VAERS_DIR), "years": [1990]}, "deid": {"truth": None},
             "review": {"truth": None}}
    repo = copy_repo(tmp_path_factory.mktemp("vaers"), merge(json.loads(json.dumps(SMALL_PARAMS)), vaers))
    sh(["dvc", "repro"], repo)
    return repo


def test_only_params_differ_from_the_repository(vaers_repo: Path) -> None:
    changed = subprocess.run(["git", "diff", "--name-only", "HEAD"], cwd=vaers_repo, capture_output=True,
                             text=True, check=True).stdout.split()
    assert "params.yaml" not in changed  # the copy was committed with the VAERS params
    committed = yaml.safe_load((vaers_repo / "params.yaml").read_text())
    assert committed["data"]["preset"] == "vaers" and committed["deid"]["truth"] is None
    for rel in ("dvc.yaml", "stages/prepare.py", "src/incident_lm/data/prepare.py", "src/incident_lm/data/records.py"):
        assert (vaers_repo / rel).read_bytes() == (ROOT / rel).read_bytes()


def test_vaers_reports_were_read_and_labelled(vaers_repo: Path) -> None:
    data = json.loads((vaers_repo / "metrics" / "data.json").read_text())
    assert data["preset"] == "vaers"
    assert data["files_read"] == [str(VAERS_DIR / "1990VAERSDATA.csv")]
    assert 1500 < data["rows_kept"] <= data["rows_read"]
    assert set(data["labels"]["harm"]) <= HARM_LEVELS and "0 Non-serious" in data["labels"]["harm"]
    assert "DTP" in data["labels"]["category"]
    deid = json.loads((vaers_repo / "metrics" / "deid.json").read_text())
    assert deid["reports_deidentified"] >= data["rows_kept"]
    assert "per_type" not in deid  # no planted truth on real data: nothing to score against


def test_every_representation_evaluated_on_vaers(vaers_repo: Path) -> None:
    for name in reps():
        metrics = json.loads((vaers_repo / "metrics" / "eval" / f"{name}.json").read_text())
        assert metrics["representation"] == name
        for target in ("category", "harm"):
            lo, hi = metrics["probe"][target]["macro_f1_ci"]
            assert lo <= metrics["probe"][target]["macro_f1"] <= hi
    compare = json.loads((vaers_repo / "metrics" / "compare.json").read_text())
    assert set(reps()) <= set(compare["representations"])
    tfidf = json.loads((vaers_repo / "metrics" / "eval" / "tfidf.json").read_text())["probe"]["category"]
    assert tfidf["macro_f1"] > tfidf["floor_stratified_macro_f1"]
    split = sh(["python", "-c", "import pandas as pd; d = pd.read_parquet('data/split/reports.parquet'); "
                "print(d['id'].str.fullmatch(r'\\d{6}').all(), d['split'].value_counts().to_dict())"],
               vaers_repo).stdout
    assert split.startswith("True")


def test_review_runs_on_vaers_without_truth(vaers_repo: Path) -> None:
    review = json.loads((vaers_repo / "metrics" / "review.json").read_text())
    assert review["truth"] is None and review["n_reports"] > 1500
    assert "planted" not in review["queue"] and review["search"] == {}
    assert review["themes"]["n_themes"] >= 8
    # one year of reports: too short a history for the three-year Farrington baseline, so nothing is tested
    assert review["emerging"]["months_tested"] == 0
    out = sh(["python", "-m", "incident_lm.search", "fever and rash after vaccination", "-k", "3", "--json"],
             vaers_repo).stdout
    assert len(out.splitlines()) == 3


def test_nothing_to_reproduce_after_vaers_repro(vaers_repo: Path) -> None:
    status = sh(["dvc", "status", "--json"], vaers_repo).stdout
    assert json.loads(status or "{}") == {}


def test_without_planted_truth_the_audit_is_the_residual_scan(vaers_repo: Path) -> None:
    res = sh(["python", "-m", "incident_lm.audit"], vaers_repo)
    assert "deid.truth is null" in res.stdout and "the residual-risk scan is the audit" in res.stdout
    deid = json.loads((vaers_repo / "metrics" / "deid.json").read_text())
    data = json.loads((vaers_repo / "metrics" / "data.json").read_text())
    assert deid["residual"]["n_reports"] == data["rows_kept"]


def test_report_builds_on_vaers_without_truth(vaers_repo: Path) -> None:
    audit = json.loads((vaers_repo / "metrics" / "audit.json").read_text())
    assert audit["truth"] is None and audit["clean"] is None
    residual = audit["residual"]
    assert residual["n_files"] > 10 and residual["pass"] is True  # no limit set: counted, never failed
    assert sum(residual["by_type"].values()) == residual["hits"]
    assert sum(sum(h.values()) for h in residual["by_file"].values()) == residual["hits"]
    cost = json.loads((vaers_repo / "metrics" / "cost" / "report.json").read_text())
    assert cost["self_audit"].startswith("no planted truth; residual-risk scan") and cost["themes"] >= 8
    html = (vaers_repo / "reports" / "index.html").read_text(encoding="utf-8")
    assert "No planted truth (real data)" in html and "No month had enough history to test." in html
    assert "DTP" in html  # the vaccine types are VAERS's categories
