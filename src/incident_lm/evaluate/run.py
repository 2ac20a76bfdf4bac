"""Evaluate one representation's features against every target: probe, clusters, retrieval."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from incident_lm.evaluate.cluster import cluster_scores
from incident_lm.evaluate.probe import check_target, linear_probe
from incident_lm.evaluate.retrieval import precision_at_k
from incident_lm.evaluate.stats import mean_ci
from incident_lm.io import load_matrix
from incident_lm.params import ParamsError, Section

log = logging.getLogger(__name__)


@dataclass
class EvalConfig:
    """Settings of the evaluation protocol (params section ``evaluate``)."""

    targets: list[str] = field(default_factory=lambda: ["category", "harm"])
    seed: int = 0
    n_boot: int = 1000
    probe_C: float = 1.0
    probe_max_iter: int = 2000
    cluster_seeds: int = 5
    cluster_extra_k: list[int] = field(default_factory=list)
    lsa_components: int = 100
    silhouette_sample: int = 2000
    retrieval_k: int = 10

    @classmethod
    def from_section(cls, p: Section) -> EvalConfig:
        probe, cluster, retrieval = p.sub("probe", {}), p.sub("cluster", {}), p.sub("retrieval", {})
        targets = p.list("targets")
        if not targets:
            raise p.error("targets", "list at least one label column")
        return cls(
            targets=[str(t) for t in targets],
            seed=p.int("seed", 0),
            n_boot=p.int("n_boot", 1000, min=10),
            probe_C=probe.float("C", 1.0, min=1e-9),
            probe_max_iter=probe.int("max_iter", 2000, min=10),
            cluster_seeds=cluster.int("seeds", 5, min=1),
            cluster_extra_k=[int(k) for k in cluster.list("extra_k", [])],
            lsa_components=cluster.int("lsa_components", 100, min=2),
            silhouette_sample=cluster.int("silhouette_sample", 2000, min=10),
            retrieval_k=retrieval.int("k", 10, min=1),
        )


def chance_precision(y_query: np.ndarray, y_corpus: np.ndarray) -> float:
    """Expected precision@k of random neighbours: sum over labels of p_query(c) * p_corpus(c)."""
    q = pd.Series(y_query).value_counts(normalize=True)
    c = pd.Series(y_corpus).value_counts(normalize=True)
    return float((q * c.reindex(q.index).fillna(0)).sum())


def evaluate_features(features_dir: str | Path, split_df: pd.DataFrame,
                      cfg: EvalConfig) -> tuple[dict[str, Any], pd.DataFrame]:
    """Score the features in ``features_dir`` against ``split_df``'s labels.

    Returns the metrics dict and a predictions frame (``target, id, y_true, y_pred``) for
    paired comparisons across representations.
    """
    features_dir = Path(features_dir)
    X_train, X_test = load_matrix(features_dir / "train"), load_matrix(features_dir / "test")
    train = split_df[split_df["split"] == "train"].reset_index(drop=True)
    test = split_df[split_df["split"] == "test"].reset_index(drop=True)
    if X_train.shape[0] != len(train) or X_test.shape[0] != len(test):
        raise ValueError(f"{features_dir}: features have {X_train.shape[0]}/{X_test.shape[0]} rows but the "
                         f"split has {len(train)}/{len(test)}: rerun the represent stage")
    missing = [t for t in cfg.targets if t not in split_df.columns]
    if missing:
        raise ParamsError(f"params.yaml: 'evaluate.targets' lists {missing} but the prepared data has "
                          f"label columns {[c for c in split_df.columns if c not in ('id', 'text', 'date', 'split')]}")
    metrics: dict[str, Any] = {"n_train": len(train), "n_test": len(test), "dim": int(X_train.shape[1]),
                               "probe": {}, "retrieval": {}}
    predictions = []
    for target in cfg.targets:
        y_train, y_test = train[target].astype(str).to_numpy(), test[target].astype(str).to_numpy()
        check_target(y_train, target, "train")
        check_target(y_test, target, "test")
        log.info("probe %s", target)
        res = linear_probe(X_train, y_train, X_test, y_test, C=cfg.probe_C, max_iter=cfg.probe_max_iter,
                           n_boot=cfg.n_boot, seed=cfg.seed)
        metrics["probe"][target] = res.metrics
        predictions.append(pd.DataFrame({"target": target, "id": test["id"].astype(str),
                                         "y_true": y_test, "y_pred": res.y_pred}))
        log.info("retrieval %s", target)
        p_at_k = precision_at_k(X_test, y_test, X_train, y_train, k=cfg.retrieval_k)
        lo, hi = mean_ci(p_at_k, n_boot=cfg.n_boot, seed=cfg.seed)
        metrics["retrieval"][target] = {
            f"precision_at_{cfg.retrieval_k}": float(p_at_k.mean()),
            f"precision_at_{cfg.retrieval_k}_ci": [lo, hi],
            "chance": chance_precision(y_test, y_train),
        }
    log.info("clustering (%d seeds)", cfg.cluster_seeds)
    X_all = sp.vstack([X_train, X_test]).tocsr() if sp.issparse(X_train) else np.vstack([X_train, X_test])
    all_df = pd.concat([train, test], ignore_index=True)
    metrics["cluster"] = cluster_scores(
        X_all, {t: all_df[t].astype(str).to_numpy() for t in cfg.targets},
        extra_k=cfg.cluster_extra_k, seeds=range(cfg.seed, cfg.seed + cfg.cluster_seeds),
        lsa_components=cfg.lsa_components, silhouette_sample=cfg.silhouette_sample, seed=cfg.seed,
    )
    return metrics, pd.concat(predictions, ignore_index=True)
