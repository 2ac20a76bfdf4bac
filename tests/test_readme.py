"""The README's promises: its two commands, CI running the same test command, a generated results table."""

from __future__ import annotations

import json
import re

import pytest

from incident_lm.report.readme import current_block, render_block, replace_block
from incident_lm.report.tables import load_costs
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)", quick_start, flags=re.M)
    assert commands == ["make pipeline", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.M)


def test_results_table_is_generated_from_committed_metrics() -> None:
    compare = ROOT / "metrics" / "compare.json"
    if not compare.exists():
        pytest.skip("no committed metrics/compare.json yet")
    summary = json.loads(compare.read_text())
    costs = load_costs(ROOT / "metrics" / "cost" / "represent")
    assert costs, "no committed cost figures in metrics/cost/represent"
    assert current_block(README) == render_block(summary, costs), "run `make readme` after `dvc repro`"
    for name in summary["representations"]:
        assert f"`{name}`" in current_block(README)


def test_replace_block_only_touches_the_marked_block() -> None:
    summary = {"baseline": "tfidf", "targets": ["category"], "retrieval_k": 10, "best": {"category": "tfidf"},
               "representations": {"tfidf": {"category": {"macro_f1": 0.5, "macro_f1_ci": [0.4, 0.6]}, "dim": 3}}}
    text = "intro\n<!-- results:start -->\nold\n<!-- results:end -->\noutro\n"
    new = replace_block(text, summary, {"tfidf": {"fit_seconds": 2.0, "transform_docs_per_second": 99.0}})
    assert new.startswith("intro\n") and new.endswith("\noutro\n")
    assert "old" not in new and "`tfidf`" in new and "0.500 (0.400–0.600)" in new
    assert "| 3 | 2.0 | 99 |" in new
    with pytest.raises(ValueError):
        replace_block("no markers", summary)
