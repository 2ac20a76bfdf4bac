"""Benchmark bookkeeping: the scale benchmark's stage parts (kept from cost records, their growth exponents, their
table) and the experiment records' per-class table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import earlier_wall, fit_exponents, stage_costs  # noqa: E402
from write_results import parts_table, per_class_section, ratio_section  # noqa: E402


def write_cost(repo: Path, rel: str, record: dict) -> None:
    path = repo / "metrics" / "cost" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


def test_stage_costs_keep_the_seconds_parts_of_a_record(tmp_path: Path) -> None:
    write_cost(tmp_path, "review.json", {"wall_seconds": 10.0, "cpu_seconds": 12.0, "peak_rss_mb": 300.0,
                                         "themes_s": 2.5, "emerging_s": 6, "n_reports": 1000,
                                         "search": {"latency_ms": 3.0}, "machine": {"load_1min": 0.5}})
    write_cost(tmp_path, "evaluate/tfidf.json", {"wall_seconds": 4.0})
    costs = stage_costs(tmp_path)
    assert costs["review"]["parts"] == {"themes_s": 2.5, "emerging_s": 6}  # counts and nested figures left out
    assert costs["review"]["load_1min"] == 0.5
    assert "parts" not in costs["evaluate@tfidf"]


def run(n: int, parts: dict | None) -> dict:
    stage = {"wall_seconds": n / 100, "peak_rss_mb": 100.0}
    if parts is not None:
        stage["parts"] = parts
    return {"corpus": "synthetic", "n_reports": n, "stages": {"review": stage}}


def test_part_exponents_are_fitted_over_the_sizes_that_recorded_them() -> None:
    runs = [run(1_000, None), run(10_000, {"themes_s": 1.0, "emerging_s": 2.0}),
            run(100_000, {"themes_s": 10.0, "emerging_s": 200.0})]
    exps = fit_exponents(runs)["review"]
    assert exps["time_exponent"] == pytest.approx(1.0)
    assert exps["parts"] == {"emerging_s": pytest.approx(2.0), "themes_s": pytest.approx(1.0)}
    table = "\n".join(parts_table(runs, fit_exponents(runs)))  # runs without parts get no column
    assert "| `review` | emerging | 2.0 | 200.0 | 2.00 |" in table
    assert "| `review` | themes | 1.0 | 10.0 | 1.00 |" in table
    assert parts_table([run(1_000, None)], {}) == []  # no run recorded parts: no table


def test_per_class_table_sets_each_row_beside_the_baseline() -> None:
    d = {"baseline_per_class_f1": {"harm": {"death": 0.8, "minor": 0.6}},
         "rows": [{"experiment": "baseline (committed params)", "per_class_f1": {"harm": {"death": 0.7, "minor": 0.5}}},
                  {"experiment": "x", "per_class_f1": {"harm": {"death": 0.9}}},
                  {"experiment": "old", "per_class_f1": None}]}  # recorded before per-class figures were kept
    text = "\n".join(per_class_section(d, "tfidf"))
    assert "| class | `tfidf` | baseline (committed params) | x |" in text
    assert "| death | 0.800 | 0.700 | 0.900 |" in text and "| minor | 0.600 | 0.500 | – |" in text
    assert text.index("| death") < text.index("| minor")  # best class of the baseline first
    assert per_class_section({"rows": d["rows"]}, "tfidf") == []


def test_a_resumed_run_counts_each_stage_once() -> None:
    before = {"prepare": {"wall_seconds": 100.0}, "represent@tfidf": {"wall_seconds": 40.0},
              "evaluate@tfidf": {"wall_seconds": 900.0}}
    after = {"prepare": {"wall_seconds": 100.0}, "represent@tfidf": {"wall_seconds": 38.0},  # reran now
             "evaluate@tfidf": {"wall_seconds": 300.0}, "compare": {"wall_seconds": 5.0}}  # reran; ran first now
    assert earlier_wall({"repro_wall_seconds": 1050.0, "stages": before}, after) == pytest.approx(110.0)
    assert earlier_wall({"repro_wall_seconds": 1050.0, "stages": before}, before) == pytest.approx(1050.0)
    assert earlier_wall({"repro_wall_seconds": 70.0}, after) == pytest.approx(70.0)  # no snapshot: all of it


def test_encoder_compute_table_sets_each_setting_against_its_own_ceiling() -> None:
    bert = {"texts": {"n": 10}, "throughput": {"plain_transformers_loop": {"docs_per_second_best": 5.0}},
            "compute": {"gflop_total": 20.0, "windows": 12, "tokens_padded": 900, "matmul_shape": [4096, 384, 1536],
                        "matmul_gflops_best": {"float32": 100.0, "bfloat16": 200.0, "int8": 400.0},
                        "settings": {"bert_bfloat16": {"gflops": 120.0, "against": "bfloat16",
                                                       "share_of_matmul": 0.6}}}}
    text = "\n".join(ratio_section(None, None, bert))
    assert "feed-forward shape 4096 x 384 x 1536" in text
    assert "| `bert` bfloat16 | 120.0 | 200.0 (bfloat16) | 60% |" in text
    assert "encoder GFLOP/s" not in "\n".join(ratio_section(None, None, {**bert, "compute": None}))
