"""Compare representations: headline figures and paired bootstrap tests against the baseline.

Inputs are what the evaluate stages wrote: ``results/<name>/predictions.parquet`` (test predictions) and
``metrics/eval/<name>.json`` (their scores). Every representation is compared with the baseline on the
same test reports, by a paired bootstrap of macro-F1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from incident_lm.core.errors import DataError, ParamsError
from incident_lm.core.io import read_json
from incident_lm.core.params import param
from incident_lm.evaluate.stats import bootstrap_ci, encode, macro_f1, paired_bootstrap


@dataclass(frozen=True)
class CompareConfig:
    """The ``compare`` params section."""

    baseline: str = "tfidf"
    n_boot: int = param(1000, min=10)
    seed: int = 0


def load_results(results_dir: str | Path, metrics_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Every ``<results_dir>/<name>/predictions.parquet`` with its ``<metrics_dir>/<name>.json``.

    Raises
    ------
    DataError
        When a representation has predictions but no metrics, or metrics but no predictions (a stale
        file of a representation removed from the pipeline: delete it).
    """
    preds = {p.parent.name: p for p in sorted(Path(results_dir).glob("*/predictions.parquet"))}
    metrics = {p.stem: p for p in sorted(Path(metrics_dir).glob("*.json"))}
    for name in sorted(set(preds) ^ set(metrics)):
        have, lack = ((preds[name], metrics_dir) if name in preds else (metrics[name], results_dir))
        raise DataError(f"{have}: representation '{name}' has no counterpart in {lack}; rerun its stages, or "
                        f"delete {have} if '{name}' was removed from the pipeline")
    return {name: {"predictions": pd.read_parquet(preds[name]), "metrics": read_json(metrics[name])}
            for name in preds}


def _retrieval(metrics: dict[str, Any], target: str) -> tuple[float | None, tuple[int, int | None] | None]:
    """Precision@k of one target and the settings it was measured with, ``(k, n_queries)``."""
    entry = metrics.get("retrieval", {}).get(target, {})
    return entry.get("precision_at_k"), (entry["k"], entry.get("n_queries")) if "k" in entry else None


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
    retrieval_k: set[tuple[int, int | None]] = set()
    for name, res in results.items():
        pred, metrics = res["predictions"], res["metrics"]
        row: dict[str, Any] = {}
        for target, group in pred.groupby("target", sort=False):
            b = base[base["target"] == target].set_index("id")
            g = group.set_index("id")
            if not g.index.equals(b.index):
                g = g.reindex(b.index)
                if g["y_pred"].isna().any():
                    raise DataError(f"representation '{name}': its test reports differ from {baseline}'s for "
                                    f"target {target}, so its results are from another data set or split (a "
                                    f"representation no longer in dvc.yaml keeps its old files): rerun its stages, "
                                    f"or delete results/{name} and metrics/eval/{name}.json")
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
                entry["precision_at_k"], k = _retrieval(metrics, target)
                cluster = metrics.get("cluster", {}).get(target, {})
                entry["v_measure"] = cluster.get("v_measure_mean")
                if "ari_mean" in cluster:  # k-means over seeds: spread of V-measure, and ARI
                    entry.update({"v_measure_std": cluster.get("v_measure_std"), "ari": cluster["ari_mean"],
                                  "ari_std": cluster.get("ari_std")})
                if k is not None:
                    retrieval_k.add(k)
            row[target] = entry
        if metrics.get("dim") is not None and "cluster" in metrics:
            row["dim"] = metrics["dim"]
        table[name] = row
    targets = list(dict.fromkeys(base["target"]))
    best = {t: max(table, key=lambda n, t=t: table[n].get(t, {}).get("macro_f1", -1)) for t in targets}
    if len(retrieval_k) > 1:
        raise DataError(f"representations were evaluated with different retrieval settings (k, queries) "
                        f"{sorted(retrieval_k, key=str)}: rerun the evaluate stages")
    k = next(iter(retrieval_k), (None, None))[0]
    return {"baseline": baseline, "targets": targets, "retrieval_k": k, "best": best,
            "representations": table}
