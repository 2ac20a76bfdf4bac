"""End to end: dvc repro, dvc exp run, dvc status and dvc metrics diff on a small copy of the repository."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from bench.dvcfile import enable_blocks
from incident_lm.report.html import SECTIONS, external_references
from incident_lm.represent.fusion import PARTS_FOLDER
from incident_lm.represent.registry import load
from tests.browser import open_page
from tests.conftest import ROOT, TINY_BERT_DIM, env, sh

pytestmark = pytest.mark.slow


def reps() -> list[str]:
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    return list(dvc["vars"][0]["reps"])


def ran(out) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", out.stdout + out.stderr))


def changed_stages(repo: Path) -> set[str]:
    return set(json.loads(sh(["dvc", "status", "--json"], repo).stdout or "{}"))


def commit(repo: Path, message: str) -> None:
    sh(["git", "add", "-A"], repo)
    sh(["git", "commit", "-q", "--allow-empty", "-m", message], repo)


def test_repro_writes_metrics_for_every_representation(pipeline_repo: Path) -> None:
    for name in reps():
        metrics = json.loads((pipeline_repo / "metrics" / "eval" / f"{name}.json").read_text())
        assert metrics["representation"] == name
        for target in ("category", "harm"):
            probe = metrics["probe"][target]
            lo, hi = probe["macro_f1_ci"]
            assert lo <= probe["macro_f1"] <= hi
            assert 0 < metrics["cluster"][target]["v_measure_mean"] <= 1
            assert metrics["retrieval"][target]["k"] == 10 and "precision_at_k" in metrics["retrieval"][target]
        assert metrics["dim"] > 0
        cost = json.loads((pipeline_repo / "metrics" / "cost" / "represent" / f"{name}.json").read_text())
        assert cost["dim"] == metrics["dim"] and cost["transform_docs_per_second"] > 0 and cost["wall_seconds"] > 0
    compare = json.loads((pipeline_repo / "metrics" / "compare.json").read_text())
    assert set(reps()) | {"fasttext_supervised"} == set(compare["representations"])
    assert compare["baseline"] == "tfidf" and compare["retrieval_k"] == 10
    for name in set(compare["representations"]) - {"tfidf"}:
        assert "vs_tfidf_ci" in compare["representations"][name]["category"]
    for path in ("plots/compare/macro_f1.csv", "plots/compare/confusion.csv", "reports/results.md",
                 "features/tfidf/ids.parquet"):
        assert (pipeline_repo / path).stat().st_size > 0


def test_review_writes_themes_signals_queue_and_duplicates(pipeline_repo: Path) -> None:
    review = json.loads((pipeline_repo / "metrics" / "review.json").read_text())
    compare = json.loads((pipeline_repo / "metrics" / "compare.json").read_text())
    assert review["representation"] in compare["representations"] and "auto" in review["reason"]
    assert [r["representation"] for r in review["candidates"] if r["candidate"]]
    themes = pd.read_csv(pipeline_repo / "reports" / "themes.csv")
    assigned = pd.read_parquet(pipeline_repo / "reports" / "themes.parquet")
    n = review["n_reports"]
    assert len(assigned) == n and assigned["id"].is_unique
    assert themes["size"].sum() == n and set(themes["theme"]) == set(assigned["theme"])
    assert review["themes"]["n_themes"] == (themes["theme"] >= 0).sum() >= 8
    assert 0 <= review["themes"]["unassigned_share"] < 0.5 and -1 <= review["themes"]["stability_ari"] <= 1
    kept = themes[themes["theme"] >= 0]
    assert kept["top_terms"].str.len().gt(0).all() and kept["excerpt_1"].str.len().gt(0).all()
    assert (kept["monthly"].map(lambda m: sum(json.loads(m))) <= kept["size"]).all()
    emerging = pd.read_csv(pipeline_repo / "reports" / "emerging.csv")
    assert {"month", "theme", "observed", "expected", "threshold", "p", "q", "flagged"} <= set(emerging.columns)
    assert review["emerging"]["months_tested"] == emerging["month"].nunique() > 0
    assert review["emerging"]["planted"]["onset"] == "2023-01"
    queue = pd.read_csv(pipeline_repo / "reports" / "review_queue.csv")
    assert queue["rank"].tolist() == list(range(1, len(queue) + 1)) and queue["reason"].str.len().gt(0).all()
    planted = review["queue"]["planted"]
    assert planted["planted"] == 40 and planted["recall_top"] > planted["random_floor"]
    dups = pd.read_csv(pipeline_repo / "reports" / "duplicates.csv")
    assert review["duplicates"]["pairs"] == len(dups)
    assert review["duplicates"]["planted"]["planted"] > 0 and "precision" in review["duplicates"]["planted"]
    assert 0 <= review["search"]["twin_top1"] <= review["search"]["twin_top10"] <= 1
    assert review["search"]["queries"] > 0


def test_search_command_finds_a_planted_re_reports_twin(pipeline_repo: Path) -> None:
    dups = pd.read_csv(pipeline_repo / "data" / "raw" / "synthetic" / "duplicates.csv")
    raw = pd.read_csv(pipeline_repo / "data" / "raw" / "synthetic" / "incidents.csv", dtype=str).set_index("RP01")
    split_ids = set(pd.read_parquet(pipeline_repo / "data" / "split" / "reports.parquet")["id"])
    found = 0
    tried = 0
    for a, b in zip(dups["RP01_a"], dups["RP01_b"], strict=True):
        if a not in split_ids or b not in split_ids or tried == 3:
            continue
        tried += 1
        out = sh(["python", "-m", "incident_lm.search", raw.loc[b, "IN07"], "-k", "5", "--json"], pipeline_repo)
        hits = [json.loads(line) for line in out.stdout.splitlines()]
        assert len(hits) == 5 and [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
        assert hits[0]["similarity"] >= hits[-1]["similarity"]
        found += a in {h["id"] for h in hits} or b in {h["id"] for h in hits}
    assert tried == 3 and found >= 2
    table = sh(["python", "-m", "incident_lm.search", "insulin dose missed on the ward", "-k", "3"],
               pipeline_repo).stdout
    assert "similarity" in table.splitlines()[0] and len(table.splitlines()) == 4
    bad = sh(["python", "-m", "incident_lm.search", "   "], pipeline_repo, check=False)
    assert bad.returncode == 2 and "empty query" in bad.stderr


def test_quality_metrics_hold_no_timing(pipeline_repo: Path) -> None:
    """Cost figures change on every run: they live in metrics/cost/, never in a quality metrics file."""
    timing = re.compile(r"seconds|per_second|rss|_bytes")
    for path in [*(pipeline_repo / "metrics").glob("*.json"), *(pipeline_repo / "metrics" / "eval").glob("*.json")]:
        def keys(obj: object, prefix: str = "") -> list[str]:
            if isinstance(obj, dict):
                return [k for key, v in obj.items() for k in [f"{prefix}{key}", *keys(v, f"{prefix}{key}.")]]
            return []
        bad = [k for k in keys(json.loads(path.read_text())) if timing.search(k.split(".")[-1])]
        bad = [k for k in bad if not k.endswith("model_size_bytes")]  # a size, fixed by the params
        assert not bad, f"{path.name}: {bad}"


def test_tfidf_beats_majority_floor_on_category(pipeline_repo: Path) -> None:
    probe = json.loads((pipeline_repo / "metrics" / "eval" / "tfidf.json").read_text())["probe"]["category"]
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
                 "reports/fasttext_neighbours.md", "reports/results.md", "metrics/deid.json", "metrics/review.json",
                 "reports/themes.csv", "reports/review_queue.csv", "reports/duplicates.csv", "reports/emerging.csv",
                 "results/tfidf/predictions.parquet", "features/tfidf/ids.parquet", "reports/index.html",
                 "reports/summary.md", "metrics/audit.json", "plots/report/map.csv"):
        assert must in scanned, must
    # only numbers are skipped: feature matrices, and float-only model state (the fusion's part means)
    assert all(path.startswith("features/") or why.startswith("numeric arrays")
               for path, why in audit["files_skipped"].items()), audit["files_skipped"]


def test_report_page_opens_offline_with_every_section(pipeline_repo: Path) -> None:
    page, summary = pipeline_repo / "reports" / "index.html", pipeline_repo / "reports" / "summary.md"
    html, md = page.read_text(encoding="utf-8"), summary.read_text(encoding="utf-8")
    assert not external_references(html) and not external_references(md)
    opened = open_page(page, "report-pipeline.png", height=5000)
    check = opened.selfcheck()
    assert opened.console == [] and check["errors"] == "0", (opened.console, check)
    assert int(check["sections"]) == len(SECTIONS) and int(check["figures"]) >= 5
    themes = pd.read_csv(pipeline_repo / "reports" / "themes.csv")
    assert int(check["theme-rows"]) == len(themes) > 8
    review = json.loads((pipeline_repo / "metrics" / "review.json").read_text())
    assert f"Used for review: **{review['representation']}**" in md and review["reason"] in md
    audit = json.loads((pipeline_repo / "metrics" / "audit.json").read_text())
    assert audit["clean"] and audit["n_files_scanned"] > 50 and "nothing found" in html
    cost = json.loads((pipeline_repo / "metrics" / "cost" / "report.json").read_text())
    assert cost["self_audit"] == "clean" and cost["map_points"] == 400


def test_dvc_plots_show_renders_the_report_plots(pipeline_repo: Path) -> None:
    shown = json.loads(sh(["dvc", "plots", "show", "--json"], pipeline_repo).stdout)
    shown = shown.get("data", shown)
    for plot in ("plots/compare/macro_f1.csv", "plots/compare/confusion.csv", "plots/report/cost_quality.csv",
                 "plots/report/map.csv", "plots/report/emerging.csv"):
        assert plot in shown and shown[plot], plot
    assert not json.loads(sh(["dvc", "plots", "show", "--json"], pipeline_repo).stdout).get("errors")


def test_nothing_to_reproduce_after_repro(pipeline_repo: Path) -> None:
    assert changed_stages(pipeline_repo) == set()


def test_summary_prints_the_comparison_table(pipeline_repo: Path) -> None:
    out = sh(["python", "-m", "incident_lm.report.summary"], pipeline_repo).stdout
    assert out.startswith("Best on category: ")
    assert "| representation | category macro-F1 (95% CI) |" in out and "`tfidf`" in out and "baseline" in out
    assert "reports/results.md" in out and "metrics/cost/" in out
    assert max(len(line) for line in out.splitlines()) < 250  # a table a person reads, not hundreds of columns


#: One file of each layer (and a stage script, and a data file), and the stages that must become stale when it
#: changes: those whose deps hold it. Written out by hand, from the architecture, not computed from dvc.yaml.
def _expected() -> dict[str, set[str]]:
    every = {"generate", "prepare", "check", "split", "train_fasttext", "fasttext_supervised", "tune_lm", "compare",
             "review", "audit", "report"} | {f"{s}@{n}" for s in ("represent", "evaluate") for n in reps()}
    # audit and report declare what the audit imports (core, text, deid, encoders, wordvec) and every artefact
    checks = {"audit", "report"}
    represent = {f"represent@{n}" for n in reps()}
    evaluate = {f"evaluate@{n}" for n in reps()}
    # the pooled fastText rows, and the fusion, whose dense part is fastText SIF
    fasttext = {f"represent@{n}" for n in reps() if n.startswith("fasttext_") or n == "fusion"}
    return {
        "src/incident_lm/core/io.py": every,
        "src/incident_lm/text/tokenize.py": {"prepare", "train_fasttext", "fasttext_supervised", "review"} | represent
        | checks,
        # review prepares search queries with the training text's recipe: it declares deid and data too
        "src/incident_lm/deid/names.py": {"prepare", "review"} | checks,
        "src/incident_lm/deid/gazetteer/surnames.txt": {"prepare", "review"} | checks,
        "src/incident_lm/data/presets.py": {"prepare", "check", "split", "review"},
        "src/incident_lm/synthetic/generator.py": {"generate"},
        "src/incident_lm/encoders/hf.py": {"tune_lm", "represent@bert", "represent@bert_tuned", "review"} | checks,
        "src/incident_lm/wordvec/vectors.py": {"train_fasttext", "fasttext_supervised", "review"} | fasttext | checks,
        "src/incident_lm/represent/base.py": represent | {"review"},
        "src/incident_lm/lm/loop.py": {"tune_lm"},
        "src/incident_lm/evaluate/probe.py": evaluate | {"fasttext_supervised", "compare", "review", "report"},
        "src/incident_lm/review/themes.py": {"review", "report"},
        "src/incident_lm/report/tables.py": {"compare", "report"},
        "src/incident_lm/report/assets/report.js": {"compare", "report"},  # compare declares the report folder
        "src/incident_lm/audit.py": checks,
        "stages/evaluate.py": evaluate,
    }


@pytest.mark.parametrize("rel", sorted(_expected()))
def test_changing_one_file_marks_exactly_its_stages(pipeline_repo: Path, rel: str) -> None:
    path = pipeline_repo / rel
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# changed by test_changing_one_file_marks_exactly_its_stages\n")
        assert changed_stages(pipeline_repo) == _expected()[rel]
    finally:
        path.write_bytes(original)


def _kill_midway(repo: Path, stage: str, started: Callable[[], bool], timeout: float = 300) -> None:
    """Start ``dvc repro -f -s stage`` and SIGKILL its whole process group once ``started()`` says the stage's
    command is under way (no handler runs: what a power cut or ``kill -9`` leaves)."""
    proc = subprocess.Popen(["dvc", "repro", "-f", "-s", stage], cwd=repo, env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.monotonic()
    try:
        while not started():
            assert proc.poll() is None, f"{stage} finished before it could be killed"
            assert time.monotonic() - t0 < timeout, f"{stage} did not start within {timeout} s"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _quality_metrics(repo: Path) -> dict[str, bytes]:
    return {str(p.relative_to(repo)): p.read_bytes() for p in sorted((repo / "metrics").rglob("*.json"))
            if "cost" not in p.relative_to(repo).parts}


def _prepare_started(repo: Path) -> Callable[[], bool]:
    return lambda: any((repo / "data" / "prepared").glob(".reports.parquet.stage1.*"))


def _represent_started(repo: Path) -> Callable[[], bool]:
    gone: list[float] = []

    def started() -> bool:  # DVC deletes the outputs just before the command; kill it while it imports and fits
        if not gone and not (repo / "features" / "tfidf").exists():
            gone.append(time.monotonic())
        return bool(gone) and time.monotonic() - gone[0] > 0.5
    return started


@pytest.mark.parametrize(("stage", "probe"), [("prepare", _prepare_started), ("represent@tfidf", _represent_started)])
def test_a_kill_mid_stage_then_repro_gives_the_same_metrics_and_no_leftovers(
        pipeline_repo: Path, stage: str, probe: Callable[[Path], Callable[[], bool]]) -> None:
    before = _quality_metrics(pipeline_repo)
    _kill_midway(pipeline_repo, stage, probe(pipeline_repo))
    assert changed_stages(pipeline_repo), "the kill left nothing to redo"
    sh(["dvc", "repro"], pipeline_repo)
    assert changed_stages(pipeline_repo) == set()
    after = _quality_metrics(pipeline_repo)
    assert after.keys() == before.keys()
    assert [k for k in before if before[k] != after[k]] == []
    leftovers = [str(p.relative_to(pipeline_repo)) for top in ("data", "features", "models", "metrics", "results")
                 for p in (pipeline_repo / top).rglob(".*") if p.name != ".gitignore"]
    assert leftovers == [], leftovers
    scratch = pipeline_repo / ".dvc" / "tmp" / "incident-lm" / "scratch"
    assert not scratch.exists() or not any(scratch.rglob("*")), list(scratch.rglob("*"))
    if stage.startswith("represent@"):  # the rerun's cost figures are there, and apart from the quality metrics
        cost = f"metrics/cost/represent/{stage.split('@')[1]}.json"
        diff = json.loads(sh(["dvc", "metrics", "diff", "--json", "--targets", cost], pipeline_repo).stdout or "{}")
        assert "wall_seconds" in diff.get(cost, {}), diff


def test_a_tfidf_param_reruns_only_tfidf_stages_and_shows_in_exp_show_and_metrics_diff(pipeline_repo: Path) -> None:
    commit(pipeline_repo, "state A")
    out = sh(["dvc", "exp", "run", "-S", "tfidf.ngram_max=1"], pipeline_repo)
    assert ran(out) == {"represent@tfidf", "evaluate@tfidf", "compare", "review", "audit", "report"}, out.stdout
    table = sh(["dvc", "exp", "show", "--md"], pipeline_repo).stdout
    assert "tfidf.ngram_max" in table or "ngram_max" in table
    commit(pipeline_repo, "state B: unigrams")  # the experiment's results are in the workspace
    diff = json.loads(sh(["dvc", "metrics", "diff", "HEAD~1", "HEAD", "--json"], pipeline_repo).stdout)
    assert "metrics/eval/tfidf.json" in diff
    change = diff["metrics/eval/tfidf.json"]["dim"]
    assert change["new"] < change["old"]
    assert "metrics/eval/count.json" not in diff


def test_compare_is_never_stale_after_an_evaluate_param_change(pipeline_repo: Path) -> None:
    """The issue's reproduction: a change to evaluate.retrieval.k reran the evaluate stages but not compare."""
    commit(pipeline_repo, "before retrieval k")
    out = sh(["dvc", "exp", "run", "-S", "evaluate.retrieval.k=5"], pipeline_repo)
    assert {f"evaluate@{n}" for n in reps()} | {"compare", "review", "audit", "report"} == ran(out), out.stdout
    compare = json.loads((pipeline_repo / "metrics" / "compare.json").read_text())
    assert compare["retrieval_k"] == 5
    assert json.loads((pipeline_repo / "metrics" / "eval" / "tfidf.json").read_text())["retrieval"]["harm"]["k"] == 5
    assert changed_stages(pipeline_repo) == set()


def test_exp_run_on_fasttext_param_reruns_only_fasttext_stages(pipeline_repo: Path) -> None:
    commit(pipeline_repo, "before fastText experiment")
    out = sh(["dvc", "exp", "run", "-S", "fasttext.epoch=2"], pipeline_repo)
    pooled = {n for n in reps() if n.startswith("fasttext_") or n == "fusion"}  # fusion's dense part is fastText
    expected = {"train_fasttext", "compare", "review", "audit", "report"} | {f"represent@{n}" for n in pooled} | {
        f"evaluate@{n}" for n in pooled}
    assert ran(out) == expected, out.stdout


def test_readme_recipe_for_a_bert_trained_from_scratch(pipeline_repo: Path) -> None:
    """README "A BERT trained from scratch": uncomment the two marked blocks of dvc.yaml, then dvc repro."""
    dvc_yaml = pipeline_repo / "dvc.yaml"
    dvc_yaml.write_text(enable_blocks(dvc_yaml.read_text(), ["bert_scratch", "train_scratch_lm"]))
    params = yaml.safe_load((pipeline_repo / "params.yaml").read_text())
    params["scratch_lm"].update(eval_max_reports=16, model={
        "vocab_size": 300, "hidden_size": 32, "layers": 1, "heads": 2, "intermediate_size": 64, "max_length": 64},
        mlm={"steps": 3, "batch_size": 8, "max_length": 64, "warmup": 1})
    params["bert_scratch"].update(max_length=64, stride=16)
    (pipeline_repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    out = sh(["dvc", "repro"], pipeline_repo)
    assert {"train_scratch_lm", "represent@bert_scratch", "evaluate@bert_scratch", "compare"} <= ran(out)
    compare = json.loads((pipeline_repo / "metrics" / "compare.json").read_text())
    assert "bert_scratch" in compare["representations"]
    assert json.loads((pipeline_repo / "metrics" / "scratch_lm.json").read_text())["vocab_size"] > 50
    assert changed_stages(pipeline_repo) == set()


def test_readme_recipe_for_fusion_with_the_tuned_transformer(pipeline_repo: Path) -> None:
    """README "Fusion with the fine-tuned transformer": uncomment the fusion_lm line of dvc.yaml, then dvc repro.
    The fused representation reads tune_lm's model, so it is compared like the others and reruns when tune_lm does."""
    dvc_yaml = pipeline_repo / "dvc.yaml"
    dvc_yaml.write_text(enable_blocks(dvc_yaml.read_text(), ["fusion_lm"]))
    out = sh(["dvc", "repro"], pipeline_repo)
    assert {"represent@fusion_lm", "evaluate@fusion_lm", "compare"} <= ran(out)
    assert "tune_lm" not in ran(out)  # the tuned model is reused, not retrained
    reps = json.loads((pipeline_repo / "metrics" / "compare.json").read_text())["representations"]
    row = reps["fusion_lm"]
    # its own TF-IDF part (fusion_lm.parts.tfidf's params, not the tfidf row's) beside the tuned transformer's
    # vectors (the tests' tiny BERT: TINY_BERT_DIM wide)
    tfidf_part = load(pipeline_repo / "models" / "fusion_lm" / PARTS_FOLDER / "tfidf")
    assert row["dim"] == tfidf_part.dim + TINY_BERT_DIM and tfidf_part.dim > TINY_BERT_DIM
    lo, hi = row["category"]["vs_tfidf_ci"]
    assert lo <= row["category"]["vs_tfidf_diff"] <= hi  # tested against TF-IDF like any other row
    assert changed_stages(pipeline_repo) == set()
    dag = sh(["dvc", "dag", "--dot", "evaluate@fusion_lm"], pipeline_repo).stdout
    assert '"tune_lm" -> "represent@fusion_lm"' in dag


