"""Unit tests for incident_lm.evaluate.compare (paired comparison against the baseline) and report.tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from incident_lm.core.errors import DataError, ParamsError
from incident_lm.core.io import write_json, write_parquet
from incident_lm.evaluate.compare import compare, load_results
from incident_lm.report.tables import bar_rows, confusion_rows, results_table

N = 300
IDS = [f"r{i:03d}" for i in range(N)]
CATS = ["fall", "medication", "delay"]
HARMS = ["low", "high"]


def truth(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"category": rng.choice(CATS, size=N), "harm": rng.choice(HARMS, size=N)}


def noisy(y: np.ndarray, classes: list[str], flip: float, rng: np.random.Generator) -> np.ndarray:
    out = y.copy()
    mask = rng.random(len(y)) < flip
    out[mask] = rng.choice(classes, size=mask.sum())
    return out


def predictions(flip: float, seed: int, targets: tuple[str, ...] = ("category", "harm")) -> pd.DataFrame:
    y = truth()
    rng = np.random.default_rng(seed)
    parts = []
    for t in targets:
        classes = CATS if t == "category" else HARMS
        parts.append(pd.DataFrame({"target": t, "id": IDS, "y_true": y[t],
                                   "y_pred": noisy(y[t], classes, flip, rng)}))
    return pd.concat(parts, ignore_index=True)


def metrics(p_at_k: float, v: float, dim: int) -> dict:
    return {
        "dim": dim,
        "retrieval": {"category": {"k": 10, "precision_at_k": p_at_k, "precision_at_k_ci": [0.0, 1.0],
                                   "chance": 0.3}},
        "cluster": {"category": {"v_measure_mean": v}},
    }


COSTS = {"tfidf": {"fit_seconds": 1.25, "transform_docs_per_second": 1234.0, "peak_rss_mb": 100.0},
         "count": {"fit_seconds": 0.5, "transform_docs_per_second": 4321.0}}


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return {
        "count": {"predictions": predictions(0.7, seed=2), "metrics": metrics(0.4, 0.2, 500)},
        "tfidf": {"predictions": predictions(0.5, seed=1), "metrics": metrics(0.5, 0.3, 1000)},
        "good": {"predictions": predictions(0.05, seed=3), "metrics": {}},
    }


@pytest.fixture(scope="module")
def summary(results: dict[str, dict]) -> dict:
    return compare(results, baseline="tfidf", n_boot=200, seed=0)


def test_summary_structure(summary: dict) -> None:
    assert summary["baseline"] == "tfidf"
    assert summary["targets"] == ["category", "harm"]
    assert set(summary["representations"]) == {"count", "tfidf", "good"}


def test_baseline_entry_has_no_diff(summary: dict) -> None:
    for t in ("category", "harm"):
        entry = summary["representations"]["tfidf"][t]
        assert not any(k.startswith("vs_") for k in entry)
        lo, hi = entry["macro_f1_ci"]
        assert lo <= entry["macro_f1"] <= hi


def test_macro_f1_matches_sklearn(results: dict, summary: dict) -> None:
    for name, res in results.items():
        for t in ("category", "harm"):
            p = res["predictions"][res["predictions"]["target"] == t]
            expected = f1_score(p["y_true"], p["y_pred"], average="macro", zero_division=0)
            assert summary["representations"][name][t]["macro_f1"] == pytest.approx(expected)


def test_better_representation_has_positive_diff(summary: dict) -> None:
    good = summary["representations"]["good"]["category"]
    base = summary["representations"]["tfidf"]["category"]
    assert good["vs_tfidf_diff"] == pytest.approx(good["macro_f1"] - base["macro_f1"])
    assert good["vs_tfidf_diff"] > 0.2
    lo, hi = good["vs_tfidf_ci"]
    assert 0 < lo <= good["vs_tfidf_diff"] <= hi
    assert good["vs_tfidf_p"] < 0.01
    worse = summary["representations"]["count"]["category"]
    assert worse["vs_tfidf_diff"] < 0 and worse["vs_tfidf_ci"][1] < 0


def test_best_picks_highest_macro_f1(summary: dict) -> None:
    assert summary["best"] == {"category": "good", "harm": "good"}


def test_metrics_carried_over_and_no_cost_in_the_quality_summary(summary: dict) -> None:
    tfidf = summary["representations"]["tfidf"]
    assert tfidf["category"]["precision_at_k"] == 0.5
    assert tfidf["category"]["v_measure"] == 0.3
    assert tfidf["harm"]["precision_at_k"] is None and tfidf["harm"]["v_measure"] is None
    assert tfidf["dim"] == 1000 and "cost" not in tfidf
    assert summary["retrieval_k"] == 10
    good = summary["representations"]["good"]
    assert "precision_at_k" not in good["category"] and "dim" not in good


@pytest.mark.parametrize(("key", "value"), [("k", 5), ("n_queries", 1234)])
def test_different_retrieval_settings_are_an_error(results: dict, key: str, value: int) -> None:
    """Precisions at another k, or over another sample of queries, are not comparable."""
    other = metrics(0.4, 0.2, 500)
    other["retrieval"]["category"][key] = value
    res = {"tfidf": results["tfidf"], "count": {"predictions": results["count"]["predictions"], "metrics": other}}
    with pytest.raises(DataError, match="different retrieval settings"):
        compare(res, n_boot=20)


def test_identical_predictions_give_zero_diff(results: dict) -> None:
    same = {"tfidf": results["tfidf"], "copy": {"predictions": results["tfidf"]["predictions"].copy(),
                                                  "metrics": {}}}
    entry = compare(same, baseline="tfidf", n_boot=100)["representations"]["copy"]["category"]
    assert entry["vs_tfidf_diff"] == 0.0
    assert entry["vs_tfidf_ci"] == [0.0, 0.0]
    assert entry["vs_tfidf_p"] == 1.0


def test_row_order_does_not_matter(results: dict, summary: dict) -> None:
    shuffled = results["good"]["predictions"].sample(frac=1.0, random_state=0).reset_index(drop=True)
    res = {"tfidf": results["tfidf"], "good": {"predictions": shuffled, "metrics": {}}}
    out = compare(res, baseline="tfidf", n_boot=200, seed=0)["representations"]["good"]
    assert out["category"] == summary["representations"]["good"]["category"]
    assert out["harm"] == summary["representations"]["good"]["harm"]


def test_mismatched_ids_raise(results: dict) -> None:
    bad = results["good"]["predictions"].copy()
    bad.loc[bad["target"] == "harm", "id"] = [f"x{i}" for i in range(N)]
    with pytest.raises(DataError, match=r"'good': its test reports differ from tfidf's for target harm.*"
                                        r"delete results/good and metrics/eval/good.json"):
        compare({"tfidf": results["tfidf"], "good": {"predictions": bad, "metrics": {}}}, n_boot=20)


def test_missing_ids_raise(results: dict) -> None:
    short = results["good"]["predictions"].iloc[:-5]
    with pytest.raises(DataError, match="test reports differ"):
        compare({"tfidf": results["tfidf"], "good": {"predictions": short, "metrics": {}}}, n_boot=20)


def test_unknown_baseline_names_key(results: dict) -> None:
    with pytest.raises(ParamsError) as exc:
        compare(results, baseline="bert", n_boot=20)
    msg = str(exc.value)
    assert "'compare.baseline' = 'bert'" in msg
    assert "count" in msg and "tfidf" in msg and "good" in msg
    with pytest.raises(ParamsError, match="have: none"):
        compare({}, baseline="tfidf")


def test_representation_missing_a_target(results: dict) -> None:
    res = dict(results)
    res["cat_only"] = {"predictions": predictions(0.0, seed=4, targets=("category",)), "metrics": {}}
    s = compare(res, baseline="tfidf", n_boot=50)
    assert "harm" not in s["representations"]["cat_only"]
    assert s["best"]["category"] == "cat_only"  # perfect predictions
    assert s["best"]["harm"] == "good"
    table = results_table(s)
    row = next(line for line in table.splitlines() if line.startswith("| `cat_only`"))
    assert row.count("–") >= 2  # harm cells shown as dashes


# --- rendering ----------------------------------------------------------------------

def test_results_table_rows_and_baseline_label(summary: dict) -> None:
    table = results_table(summary, COSTS)
    lines = table.strip().splitlines()
    assert lines[0].startswith("| representation | category macro-F1 (95% CI) | Δ vs tfidf (95% CI) |")
    assert lines[1] == "|" + "---|" * lines[0].count(" | ") + "---|"
    rows = lines[2:]
    assert len(rows) == 3
    names = [r.split("|")[1].strip() for r in rows]
    assert names == ["`good`", "`tfidf`", "`count`"]  # best first on the primary target
    base_row = rows[1]
    cells = [c.strip() for c in base_row.strip("|").split("|")]
    assert cells[2] == "baseline" and cells[4] == "baseline"
    assert "baseline" not in rows[0] and "baseline" not in rows[2]
    good = summary["representations"]["good"]["category"]
    assert f"{good['vs_tfidf_diff']:+.3f}" in rows[0]
    assert f"{good['macro_f1']:.3f}" in rows[0]
    assert all(len(r.split("|")) == len(lines[0].split("|")) for r in rows)
    assert "1000" in base_row and "0.500" in base_row and "0.300" in base_row
    assert cells[-2:] == ["1.2", "1234"]  # fit seconds and docs/s from the cost figures
    assert [c.strip() for c in rows[0].strip("|").split("|")][-3:] == ["–", "–", "–"]  # no dim, no cost
    assert "P@10" in lines[0]


def test_bar_rows(summary: dict) -> None:
    df = bar_rows(summary)
    assert list(df.columns) == ["representation", "target", "macro_f1", "ci_low", "ci_high"]
    assert len(df) == 6
    assert (df["ci_low"] <= df["macro_f1"]).all() and (df["macro_f1"] <= df["ci_high"]).all()


def test_confusion_rows(results: dict) -> None:
    df = confusion_rows(results, "good", "harm")
    p = results["good"]["predictions"]
    p = p[p["target"] == "harm"]
    assert list(df.columns) == ["actual", "predicted"]
    assert df["actual"].tolist() == p["y_true"].tolist()
    assert df["predicted"].tolist() == p["y_pred"].tolist()


def test_load_results(tmp_path: Path, results: dict) -> None:
    for name in ("tfidf", "good"):
        write_parquet(results[name]["predictions"], tmp_path / "results" / name / "predictions.parquet")
    write_json(tmp_path / "metrics" / "tfidf.json", results["tfidf"]["metrics"])
    write_json(tmp_path / "metrics" / "good.json", {"probe": {}})
    loaded = load_results(tmp_path / "results", tmp_path / "metrics")
    assert list(loaded) == ["good", "tfidf"]
    assert loaded["good"]["metrics"] == {"probe": {}}
    assert loaded["tfidf"]["metrics"] == results["tfidf"]["metrics"]


def test_load_results_refuses_a_stale_file(tmp_path: Path, results: dict) -> None:
    write_parquet(results["tfidf"]["predictions"], tmp_path / "results" / "tfidf" / "predictions.parquet")
    write_json(tmp_path / "metrics" / "tfidf.json", results["tfidf"]["metrics"])
    write_json(tmp_path / "metrics" / "removed.json", results["tfidf"]["metrics"])
    with pytest.raises(DataError, match=r"removed\.json: representation 'removed' has no counterpart"):
        load_results(tmp_path / "results", tmp_path / "metrics")


def test_cluster_spread_and_ari_carried_and_shown(results: dict) -> None:
    res = dict(results)
    m = metrics(0.4, 0.25, 100)
    m["cluster"]["category"].update({"v_measure_std": 0.012, "ari_mean": 0.111, "ari_std": 0.004})
    res["seeded"] = {"predictions": res["count"]["predictions"], "metrics": m}
    s = compare(res, baseline="tfidf", n_boot=20)
    e = s["representations"]["seeded"]["category"]
    assert (e["v_measure"], e["v_measure_std"], e["ari"], e["ari_std"]) == (0.25, 0.012, 0.111, 0.004)
    assert "ari" not in s["representations"]["tfidf"]["category"]  # older metrics without ARI: none invented
    table = results_table(s)
    assert "V-measure (± sd) | category ARI (± sd)" in table.splitlines()[0]
    row = next(line for line in table.splitlines() if line.startswith("| `seeded`"))
    assert "| 0.250 (± 0.012) | 0.111 (± 0.004) | 100 |" in row
    tfidf = next(line for line in table.splitlines() if line.startswith("| `tfidf`"))
    assert "| 0.300 | – | 1000 |" in tfidf
