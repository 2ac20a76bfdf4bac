"""End to end: dvc repro, dvc exp run and dvc metrics diff on a small copy of the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, sh

pytestmark = pytest.mark.slow


def reps() -> list[str]:
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    return list(dvc["vars"][0]["reps"])


def test_repro_writes_metrics_for_every_representation(pipeline_repo: Path) -> None:
    for name in reps():
        metrics = json.loads((pipeline_repo / "metrics" / f"{name}.json").read_text())
        assert metrics["representation"] == name
        for target in ("category", "harm"):
            probe = metrics["probe"][target]
            lo, hi = probe["macro_f1_ci"]
            assert lo <= probe["macro_f1"] <= hi
            assert 0 < metrics["cluster"][target]["v_measure_mean"] <= 1
        assert metrics["cost"]["dim"] > 0 and metrics["cost"]["transform_docs_per_second"] > 0
    compare = json.loads((pipeline_repo / "metrics" / "compare.json").read_text())
    assert set(reps()) <= set(compare["representations"])
    assert compare["baseline"] == "tfidf"
    for name in set(reps()) - {"tfidf"}:
        assert "vs_tfidf_ci" in compare["representations"][name]["category"]
    for path in ("plots/compare/macro_f1.csv", "plots/compare/confusion.csv", "reports/results.md"):
        assert (pipeline_repo / path).stat().st_size > 0


def test_tfidf_beats_majority_floor_on_category(pipeline_repo: Path) -> None:
    probe = json.loads((pipeline_repo / "metrics" / "tfidf.json").read_text())["probe"]["category"]
    assert probe["macro_f1_ci"][0] > probe["floor_majority_macro_f1"]
    assert probe["macro_f1"] > probe["floor_stratified_macro_f1"] + 0.1


def test_data_and_deid_metrics_written(pipeline_repo: Path) -> None:
    data = json.loads((pipeline_repo / "metrics" / "data.json").read_text())
    assert data["preset"] == "nrls" and 1400 < data["rows_kept"] <= data["rows_read"] == 1500
    deid = json.loads((pipeline_repo / "metrics" / "deid.json").read_text())
    assert deid["targets"]["all_pass"] is True
    assert deid["leaked_truth_values"]["checked_in_kept_reports"] > 50
    assert deid["leaked_truth_values"]["leaked"] == 0


def test_no_planted_identifier_in_any_artefact(pipeline_repo: Path, tmp_path: Path) -> None:
    """Every file under the data outputs, models, features, results, reports, metrics, plots and DVCLive folders is
    read as text where it can hold text; none holds a planted identifier (see incident_lm.audit)."""
    out = tmp_path / "audit.json"
    res = sh(["python", "-m", "incident_lm.audit", "--out", str(out)], pipeline_repo, check=False)
    audit = json.loads(out.read_text())
    assert res.returncode == 0, res.stdout
    assert audit["clean"] and audit["n_findings"] == 0
    assert audit["n_planted_values"] > 50 and audit["n_distinctive_tokens"] > 20
    scanned = set(audit["files_scanned"])
    for must in ("data/prepared/reports.parquet", "data/split/reports.parquet", "models/tfidf/state.pkl",
                 "models/count/state.pkl", "models/fasttext/model.bin", "models/lm/bert_tuned/tokenizer.json",
                 "reports/fasttext_neighbours.md", "reports/results.md", "metrics/deid.json",
                 "results/tfidf/predictions.parquet"):
        assert must in scanned, must
    assert all(path.startswith("features/") for path in audit["files_skipped"])


def test_nothing_to_reproduce_after_repro(pipeline_repo: Path) -> None:
    status = sh(["dvc", "status", "--json"], pipeline_repo).stdout
    assert json.loads(status or "{}") == {}


def test_exp_run_on_tfidf_param_reruns_only_tfidf_stages(pipeline_repo: Path) -> None:
    sh(["git", "add", "-A"], pipeline_repo)
    sh(["git", "commit", "-q", "-m", "baseline results"], pipeline_repo)
    out = sh(["dvc", "exp", "run", "-S", "tfidf.min_df=3"], pipeline_repo)
    ran = set(re.findall(r"Running stage '([^']+)'", out.stdout + out.stderr))
    assert ran == {"represent@tfidf", "evaluate@tfidf", "compare"}, out.stdout
    table = sh(["dvc", "exp", "show", "--md"], pipeline_repo).stdout
    assert "tfidf.min_df" in table or "min_df" in table


def test_metrics_diff_between_commits_shows_changed_metric(pipeline_repo: Path) -> None:
    sh(["git", "add", "-A"], pipeline_repo)
    sh(["git", "commit", "-q", "--allow-empty", "-m", "state A"], pipeline_repo)
    params = yaml.safe_load((pipeline_repo / "params.yaml").read_text())
    params["tfidf"]["ngram_max"] = 1
    (pipeline_repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh(["dvc", "repro"], pipeline_repo)
    sh(["git", "add", "-A"], pipeline_repo)
    sh(["git", "commit", "-q", "-m", "state B: unigrams"], pipeline_repo)
    diff = json.loads(sh(["dvc", "metrics", "diff", "HEAD~1", "HEAD", "--json"], pipeline_repo).stdout)
    assert "metrics/tfidf.json" in diff
    assert "dim" in diff["metrics/tfidf.json"]
    change = diff["metrics/tfidf.json"]["dim"]
    assert change["new"] < change["old"]
    assert "metrics/count.json" not in diff


def test_exp_run_on_fasttext_param_reruns_only_fasttext_stages(pipeline_repo: Path) -> None:
    sh(["git", "add", "-A"], pipeline_repo)
    sh(["git", "commit", "-q", "--allow-empty", "-m", "before fastText experiment"], pipeline_repo)
    out = sh(["dvc", "exp", "run", "-S", "fasttext.epoch=2"], pipeline_repo)
    ran = set(re.findall(r"Running stage '([^']+)'", out.stdout + out.stderr))
    pooled = {n for n in reps() if n.startswith("fasttext_")}
    expected = {"train_fasttext", "compare"} | {f"represent@{n}" for n in pooled} | {
        f"evaluate@{n}" for n in pooled}
    assert ran == expected, out.stdout
