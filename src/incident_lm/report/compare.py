"""Compare representations: headline figures and paired bootstrap tests against the baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incident_lm.evaluate.stats import bootstrap_ci, encode, macro_f1, paired_bootstrap
from incident_lm.io import read_json
from incident_lm.params import ParamsError


def load_results(results_dir: str | Path, metrics_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Every ``results/<name>/predictions.parquet``, with ``metrics/<name>.json`` when present."""
    out: dict[str, dict[str, Any]] = {}
    for pred_path in sorted(Path(results_dir).glob("*/predictions.parquet")):
        name = pred_path.parent.name
        metrics_path = Path(metrics_dir) / f"{name}.json"
        out[name] = {
            "predictions": pd.read_parquet(pred_path),
            "metrics": read_json(metrics_path) if metrics_path.exists() else {},
        }
    return out


def _retrieval(metrics: dict[str, Any], target: str) -> float | None:
    for key, value in metrics.get("retrieval", {}).get(target, {}).items():
        if key.startswith("precision_at_") and not key.endswith("_ci"):
            return value
    return None


def _retrieval_k(results: dict[str, dict[str, Any]]) -> int | None:
    """The k of precision@k in the evaluation metrics (set by evaluate.retrieval.k)."""
    for res in results.values():
        for per_target in res["metrics"].get("retrieval", {}).values():
            for key in per_target:
                if key.startswith("precision_at_") and not key.endswith("_ci"):
                    return int(key.removeprefix("precision_at_"))
    return None


def compare(results: dict[str, dict[str, Any]], baseline: str = "tfidf", n_boot: int = 1000,
            seed: int = 0) -> dict[str, Any]:
    """Headline figures of every representation and its paired macro-F1 difference from ``baseline``.

    Parameters
    ----------
    results : mapping name -> {"predictions": DataFrame(target, id, y_true, y_pred), "metrics": dict}
    """
    if baseline not in results:
        raise ParamsError(f"params.yaml: 'compare.baseline' = {baseline!r}: no results for it "
                          f"(have: {', '.join(results) or 'none'})")
    base = results[baseline]["predictions"]
    table: dict[str, Any] = {}
    for name, res in results.items():
        pred, metrics = res["predictions"], res["metrics"]
        row: dict[str, Any] = {}
        for target, group in pred.groupby("target", sort=False):
            b = base[base["target"] == target].set_index("id")
            g = group.set_index("id")
            if not g.index.equals(b.index):
                g = g.reindex(b.index)
                if g["y_pred"].isna().any():
                    raise ValueError(f"{name}: test ids differ from {baseline}'s for target {target}; "
                                     "rerun both on the same split")
            (t, p, pb), classes = encode(b["y_true"], g["y_pred"], b["y_pred"])
            k = len(classes)
            lo, hi = bootstrap_ci(t, p, k, n_boot=n_boot, seed=seed)
            entry: dict[str, Any] = {"macro_f1": macro_f1(t, p, k), "macro_f1_ci": [lo, hi]}
            if name != baseline:
                diff = paired_bootstrap(t, p, pb, k, n_boot=n_boot, seed=seed)
                entry.update({f"vs_{baseline}_diff": diff["diff"],
                              f"vs_{baseline}_ci": [diff["ci_low"], diff["ci_high"]],
                              f"vs_{baseline}_p": diff["p_value"]})
            if metrics:
                entry["precision_at_k"] = _retrieval(metrics, target)
                entry["v_measure"] = metrics.get("cluster", {}).get(target, {}).get("v_measure_mean")
            row[target] = entry
        cost = metrics.get("cost", {})
        row["cost"] = {k: cost.get(k) for k in ("dim", "fit_seconds", "transform_docs_per_second",
                                                 "peak_rss_mb", "model_bytes") if k in cost}
        table[name] = row
    targets = list(dict.fromkeys(base["target"]))
    best = {t: max(table, key=lambda n, t=t: table[n].get(t, {}).get("macro_f1", -1)) for t in targets}
    return {"baseline": baseline, "targets": targets, "retrieval_k": _retrieval_k(results), "best": best,
            "representations": table}


def bar_rows(summary: dict[str, Any]) -> pd.DataFrame:
    """Long table (representation, target, macro_f1, ci_low, ci_high) for the bar plot."""
    rows = []
    for name, row in summary["representations"].items():
        for t in summary["targets"]:
            if t in row:
                lo, hi = row[t]["macro_f1_ci"]
                rows.append({"representation": name, "target": t, "macro_f1": row[t]["macro_f1"],
                             "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def confusion_rows(results: dict[str, dict[str, Any]], name: str, target: str) -> pd.DataFrame:
    """(actual, predicted) pairs of one representation's probe for DVC's confusion template."""
    pred = results[name]["predictions"]
    pred = pred[pred["target"] == target]
    return pd.DataFrame({"actual": pred["y_true"].to_numpy(), "predicted": pred["y_pred"].to_numpy()})


def results_table(summary: dict[str, Any]) -> str:
    """Markdown table of headline figures, best first, made only from the comparison summary."""
    targets = summary["targets"]
    baseline = summary["baseline"]
    primary = targets[0]
    names = sorted(summary["representations"],
                   key=lambda n: -summary["representations"][n].get(primary, {}).get("macro_f1", -1))
    head = ["representation"]
    for t in targets:
        head += [f"{t} macro-F1 (95% CI)", f"Δ vs {baseline} (95% CI)"]
    head += [f"{primary} P@{summary.get('retrieval_k') or 'k'}", f"{primary} V-measure", "dim", "fit s", "docs/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def fmt(x: Any, nd: int = 3) -> str:
        return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{nd}f}"

    for n in names:
        row = summary["representations"][n]
        cells = [f"`{n}`"]
        for t in targets:
            e = row.get(t, {})
            if not e:
                cells += ["–", "–"]
                continue
            lo, hi = e["macro_f1_ci"]
            cells.append(f"{fmt(e['macro_f1'])} ({fmt(lo)}–{fmt(hi)})")
            if f"vs_{baseline}_diff" in e:
                dlo, dhi = e[f"vs_{baseline}_ci"]
                cells.append(f"{e[f'vs_{baseline}_diff']:+.3f} ({dlo:+.3f}, {dhi:+.3f})")
            else:
                cells.append("baseline" if n == baseline else "–")
        e = row.get(primary, {})
        cost = row.get("cost", {})
        cells += [fmt(e.get("precision_at_k")), fmt(e.get("v_measure")), str(cost.get("dim", "–")),
                  fmt(cost.get("fit_seconds"), 1), fmt(cost.get("transform_docs_per_second"), 0)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
