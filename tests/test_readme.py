"""The README's promises: its two commands, CI running the same test command, a generated results table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from incident_lm.report.readme import current_block, named_block, render_block, replace_block, replace_named
from incident_lm.report.review import cost_table, review_table
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


def test_finding_block_is_generated_from_the_committed_comparison() -> None:
    from incident_lm.report.tables import finding_text

    summary = json.loads((ROOT / "metrics" / "compare.json").read_text())
    block = named_block(README, "finding")
    assert block == named_block(replace_named(README, "finding", finding_text(summary)), "finding"), \
        "run `make readme` after `dvc repro`"
    assert all(f"on {t} the best other representation" in block for t in summary["targets"])


def test_per_class_block_is_generated_from_the_committed_evaluations() -> None:
    from incident_lm.report.readme import eval_metrics
    from incident_lm.report.tables import per_class_table

    summary = json.loads((ROOT / "metrics" / "compare.json").read_text())
    evals = eval_metrics(ROOT / "metrics" / "eval")
    block = named_block(README, "per-class")
    assert block == named_block(replace_named(README, "per-class", per_class_table(summary, evals)), "per-class"), \
        "run `make readme` after `dvc repro`"
    best = max(summary["representations"],
               key=lambda r: summary["representations"][r].get(summary["targets"][0], {}).get("macro_f1", -1))
    assert f"`{best}` F1" in block


def test_per_class_table_shows_the_two_best_and_their_difference() -> None:
    from incident_lm.report.tables import per_class_table

    summary = _summary((0.0, 0.02), 0.4)
    evals = {r: {"probe": {"category": {"per_class_f1": f1}}} for r, f1 in
             {"tfidf": {"falls": 0.9, "meds": 0.5}, "fusion": {"falls": 0.8, "meds": 0.7},
              "bert": {"falls": 0.1, "meds": 0.1}}.items()}
    table = per_class_table(summary, evals)
    assert table.splitlines()[0] == "| category | `fusion` F1 | `tfidf` F1 | `tfidf` − `fusion` |"
    assert "| meds | 0.700 | 0.500 | -0.200 |" in table and "bert" not in table


def _summary(diff_ci: tuple[float, float], v: float) -> dict:
    return {"baseline": "tfidf", "targets": ["category"], "representations": {
        "tfidf": {"category": {"macro_f1": 0.70, "v_measure": 0.10}},
        "fusion": {"category": {"macro_f1": 0.71, "vs_tfidf_diff": 0.01, "vs_tfidf_ci": list(diff_ci),
                                "v_measure": v}},
        "bert": {"category": {"macro_f1": 0.50, "vs_tfidf_diff": -0.2, "vs_tfidf_ci": [-0.22, -0.18],
                              "v_measure": 0.05}}}}


@pytest.mark.parametrize(("ci", "verdict"), [((0.002, 0.02), "beats"), ((-0.01, 0.03), "ties with"),
                                             ((-0.03, -0.001), "is below")])
def test_finding_says_beats_only_when_the_paired_interval_is_above_zero(ci: tuple, verdict: str) -> None:
    from incident_lm.report.tables import finding_text

    text = finding_text(_summary(ci, 0.4))
    assert f"`fusion`, {verdict} `tfidf` (macro-F1 0.710 against 0.700" in text
    assert "`fusion` agrees best with the category labels (k-means V-measure 0.400 against 0.100" in text
    assert "`tfidf` agrees best" in finding_text(_summary(ci, 0.01))


def test_review_and_cost_blocks_are_generated_from_committed_metrics() -> None:
    review = ROOT / "metrics" / "review.json"
    if not review.exists():
        pytest.skip("no committed metrics/review.json yet")
    metrics = json.loads(review.read_text())
    block = named_block(README, "review")
    assert block == named_block(replace_named(README, "review", review_table(metrics)), "review"), \
        "run `make readme` after `dvc repro`"
    assert f"`{metrics['representation']}`" in block and "months from onset to flag" in block
    assert named_block(README, "cost") == named_block(replace_named(README, "cost", cost_table(ROOT / "metrics" /
                                                                                                 "cost")), "cost")


def test_cost_table_states_the_transformer_stages_share(tmp_path: Path) -> None:
    for rel, rec in {"tune_lm.json": {"stage": "tune_lm", "wall_seconds": 120.0},
                     "represent/bert.json": {"stage": "represent", "type": "bert", "wall_seconds": 60.0},
                     "represent/tfidf.json": {"stage": "represent", "type": "tfidf", "wall_seconds": 30.0},
                     "evaluate/bert.json": {"stage": "evaluate", "wall_seconds": 30.0}}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(json.dumps(rec))
    text = cost_table(tmp_path)
    assert "4.0 min over 4 stages" in text
    assert "(`tune_lm`, `represent@bert`) take 3.0 min of it, the other 2 stages 1.0 min." in text
    assert "| `tune_lm` | 120 |" in text.splitlines()[4]  # longest first


def test_review_table_marks_targets_met_and_missed() -> None:
    m = {"representation": "tfidf", "reason": "named", "n_reports": 100, "themes": {"n_themes": 9},
         "emerging": {"months_tested": 5, "flagged_per_month": {"median": 0, "max": 1},
                      "planted": {"onset": "2023-01", "first_flag": "2023-03", "months_to_flag": 2, "rank_at_flag": 2,
                                  "false_alarms_per_month": {"median": 0, "max": 1}}},
         "queue": {"planted": {"top_n": 1, "in_top": 1, "planted": 4, "recall_top": 0.25, "random_floor": 0.01}}}
    table = review_table(m)
    assert "| months from onset to flag | 2 | <= 3 | met |" in table
    assert "| its rank that month (by p-value) | 2 | 1 | **not met** |" in table
    assert "1 of 4 (25%)" in table and "0 / 1 | 0 / <= 1 | met" in table


def test_report_libraries_block_is_generated_from_the_benchmark() -> None:
    from incident_lm.report.readme import libraries_table

    bench = json.loads((ROOT / "bench" / "results" / "report_libs.json").read_text())
    block = named_block(README, "report-libs")
    assert block == named_block(replace_named(README, "report-libs", libraries_table(bench)), "report-libs"), \
        "run `make readme` after bench/bench_report_libs.py"
    assert "matplotlib" in block and "plotly" in block


def test_scale_block_is_generated_from_the_benchmark() -> None:
    from incident_lm.report.readme import scale_table

    bench = ROOT / "bench" / "results"
    if not (bench / "scale.json").exists():
        pytest.skip("bench/bench_scale.py has not been run yet")
    scale = json.loads((bench / "scale.json").read_text())
    rep = json.loads((bench / "represent.json").read_text())
    probe = json.loads((bench / "probe.json").read_text()) if (bench / "probe.json").exists() else None
    block = named_block(README, "scale")
    assert block == named_block(replace_named(README, "scale", scale_table(scale, rep, probe)), "scale"), \
        "run `make readme` after bench/bench_scale.py"
    assert f"| synthetic | {scale['runs'][-1]['n_reports']:,} |" in block or "| vaers |" in block


def test_scale_table_names_the_stages_that_grow_too_fast() -> None:
    from incident_lm.report.readme import scale_table

    def run(n: int, prepare: float, evaluate: float) -> dict:
        return {"corpus": "synthetic", "n_reports": n, "with_lm": False, "repro_wall_seconds": 600.0,
                "stages": {"prepare": {"wall_seconds": prepare, "peak_rss_mb": 300.0},
                           "evaluate@tfidf": {"wall_seconds": evaluate, "peak_rss_mb": 900.0}}}

    failed = {**run(30_000, 30.0, 50.0), "error": "ERROR: failed to reproduce 'audit': failed to run: python ..."}
    scale = {"runs": [run(10_000, 10.0, 5.0), failed, run(100_000, 100.0, 500.0)],
             "exponents": {"prepare": {"time_exponent": 1.0, "memory_exponent": 0.0},
                           "evaluate@tfidf": {"time_exponent": 2.0, "memory_exponent": 0.0}}}
    table = scale_table(scale, {"n_docs": 20000, "results": {"tfidf": {"speed_ratio_ours_vs_raw": 1.04}}})
    assert "| synthetic | 100,000 | no | 10.0 | `evaluate@tfidf` (500) | `evaluate@tfidf` (900) | complete |" in table
    assert "| synthetic | 30,000 | no | 10.0 | `evaluate@tfidf` (50) | `evaluate@tfidf` (900) | failed at `audit` |" \
        in table
    assert "time faster than N^1.15 in `evaluate@tfidf` (2.00); memory faster than N^1.15 in no stage" in table
    assert "tfidf 1.04x" in table
    probe = {"solvers": ["lbfgs", "newton-cg"], "rows": [
        {"root": ".", "solver": "lbfgs", "n_train": 16000, "wall_s": 30.0, "objective_gap": 1e-4},
        {"root": ".", "solver": "newton-cg", "n_train": 16000, "wall_s": 10.0, "objective_gap": 0.0}]}
    line = scale_table(scale, None, probe).splitlines()[-1]
    assert "16,000 training reports, lbfgs 30 s vs newton-cg 10 s (3.0x)" in line
    assert "`newton-cg` reached the lowest objective in every fit" in line
    probe["rows"][1]["objective_gap"] = 1e-3
    assert "did not always reach" in scale_table(scale, None, probe)


def test_encoder_compute_line_states_each_setting_against_its_own_arithmetic() -> None:
    from incident_lm.report.readme import encoder_compute_line

    bert = {"texts": {"n": 1000}, "settings": {"threads": 2},
            "compute": {"gflop_total": 2100.4, "matmul_gflops_best": {"float32": 200.0, "bfloat16": 400.0, "int8": 800.0},
                        "settings": {"bert_float32": {"gflops": 150.0, "against": "float32", "share_of_matmul": 0.75},
                                     "bert_int8": {"gflops": 320.0, "against": "int8", "share_of_matmul": 0.4}}}}
    line = encoder_compute_line(bert)
    assert "1,000 texts, 2 threads, 2,100 GFLOP of encoder work" in line
    assert "float32 150 GFLOP/s, 75% of a bare float32 matrix multiply (200 GFLOP/s)" in line
    assert "int8 320 GFLOP/s, 40% of a bare int8 matrix multiply (800 GFLOP/s)" in line
    assert "bfloat16" not in line  # a setting not measured is not described
    bert["settings"]["threads"] = 1
    assert "1 thread," in encoder_compute_line(bert)


def test_encoder_compute_block_is_generated_from_the_benchmark() -> None:
    from incident_lm.report.readme import encoder_compute_line

    path = ROOT / "bench" / "results" / "bert.json"
    bert = json.loads(path.read_text()) if path.exists() else {}
    if "compute" not in bert:
        pytest.skip("bench/bench_bert.py has not recorded its compute figures yet")
    block = named_block(README, "encoder-compute")
    assert block == named_block(replace_named(README, "encoder-compute", encoder_compute_line(bert)),
                                "encoder-compute"), "run `make readme` after bench/bench_bert.py"


def test_deid_block_is_generated_from_the_committed_metrics() -> None:
    from incident_lm.report.readme import deid_table

    deid = json.loads((ROOT / "metrics" / "deid.json").read_text())
    real_path = ROOT / "bench" / "results" / "deid_real_precision.json"
    real = json.loads(real_path.read_text()) if real_path.exists() else None
    block = named_block(README, "deid")
    assert block == named_block(replace_named(README, "deid", deid_table(deid, real)), "deid"), \
        "run `make readme` after `dvc repro` (and bench/deid_real_precision.py)"
    assert "independent: hard cases" in block and "Forms that still leak" in block


def test_bench_results_page_is_written_from_its_json_records(tmp_path: Path) -> None:
    """bench/results.md is bench/write_results.py's output from bench/results/*.json, never edited by hand."""
    out = tmp_path / "results.md"
    subprocess.run([sys.executable, str(ROOT / "bench" / "write_results.py"), "--out", str(out)], check=True,
                   capture_output=True, cwd=ROOT)
    assert out.read_text() == (ROOT / "bench" / "results.md").read_text(), "run python bench/write_results.py"
    text = out.read_text()
    assert "## Fusion weight on held-out training reports" in text and "Chosen dense weight" in text
    assert "## Experiments `label_aware`" in text and "| supcon-240 |" in text


def test_experiments_block_is_generated_from_the_experiment_records() -> None:
    """Every dvc exp variant of bench/results/experiments_*.json is in the README's table, as make readme writes it."""
    from incident_lm.report.readme import experiments_table, is_baseline, record_corpus

    every = [json.loads(p.read_text()) for p in sorted((ROOT / "bench" / "results").glob("experiments_*.json"))]
    records = [d for d in every if record_corpus(d) == "default"]
    if not records:
        pytest.skip("bench/experiments.py has not been run yet")
    block = named_block(README, "experiments")
    assert block == named_block(replace_named(README, "experiments", experiments_table(records)), "experiments"), \
        "run `make readme` after bench/experiments.py"
    for d in records:
        for r in d["rows"]:
            if not is_baseline(r):
                assert f"| {d['name']}: {r['experiment']} | `{d['representation']}` |" in block
    vaers = [d for d in every if record_corpus(d) == "vaers"]
    if vaers:  # the VAERS copy's experiments, its own baseline rows included, in a block of their own
        block = named_block(README, "experiments-vaers")
        assert block == named_block(replace_named(README, "experiments-vaers", experiments_table(
            vaers, with_baseline=True)), "experiments-vaers"), "run `make readme` after bench/experiments.py"
        for d in vaers:
            for r in d["rows"]:
                if is_baseline(r):  # written once per representation and figures, under the first record's name
                    assert f"{r['experiment']} | `{d['representation']}` |" in block
                else:
                    assert f"| {d['name']}: {r['experiment']} | `{d['representation']}` |" in block
                assert f"{d['name']}: {r['experiment']}" not in named_block(README, "experiments")


def test_experiments_table_leaves_out_baseline_rows_and_marks_missing_figures() -> None:
    from incident_lm.report.readme import experiments_table

    row = {"category": {"macro_f1": 0.6, "vs_tfidf_diff": -0.1, "vs_tfidf_ci": [-0.12, -0.08], "v_measure": 0.4}}
    d = {"name": "n", "representation": "bert_tuned", "rows": [
        {"experiment": "baseline (committed params)", "set": [], "row": row, "targets": ["category"]},
        {"experiment": "x", "set": ["a.b=1"], "row": row, "targets": ["category"], "baseline": "tfidf",
         "costs": {"tune_lm": 99.6}},
        {"experiment": "block-on", "set": [], "row": row, "targets": ["category"]}]}
    table = experiments_table([d])
    assert "baseline (committed" not in table
    assert "| n: x | `bert_tuned` | `a.b=1` | 0.600 | -0.100 (-0.120, -0.080) | 0.400 | – | 100 |" in table
    assert "| n: block-on | `bert_tuned` | committed params | 0.600 |" in table  # e.g. an optional block switched on
    assert experiments_table([]).startswith("No experiment")
    other = {**d, "name": "m", "rows": d["rows"][:1]}  # a second record sharing the same baseline row
    kept = experiments_table([d, other], with_baseline=True)
    assert "| n: baseline (committed params) | `bert_tuned` |" in kept and "| m: baseline" not in kept
    changed = {**other, "rows": [{**d["rows"][0], "row": {"category": {"macro_f1": 0.5}}}]}
    assert "| m: baseline" in experiments_table([d, changed], with_baseline=True)


def test_label_noise_block_is_generated_from_its_record() -> None:
    from incident_lm.report.readme import label_noise_table

    path = ROOT / "bench" / "results" / "label_noise.json"
    if not path.exists():
        pytest.skip("bench/label_noise.py has not been run yet")
    d = json.loads(path.read_text())
    block = named_block(README, "label-noise")
    assert block == named_block(replace_named(README, "label-noise", label_noise_table(d)), "label-noise"), \
        "run `make readme` after bench/label_noise.py"
    assert "**ceiling**" in block and f"`{d['baseline']}`" in block
