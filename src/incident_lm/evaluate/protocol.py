"""The evaluation protocol: one representation's features scored on every target (probe, clusters, retrieval).

Features are read through :func:`incident_lm.core.artefacts.read_features`, which checks their report ids
against the split, so a stale feature folder is an error rather than a silently shifted score.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from incident_lm.core.artefacts import read_features
from incident_lm.core.errors import ParamsError
from incident_lm.core.params import Section, param
from incident_lm.evaluate.cluster import cluster_scores
from incident_lm.evaluate.probe import check_target, linear_probe
from incident_lm.evaluate.retrieval import precision_at_k
from incident_lm.evaluate.stats import mean_ci

log = logging.getLogger(__name__)

#: Columns of the split file that are not labels.
NOT_LABELS = ("id", "text", "date", "split")


@dataclass(frozen=True)
class ProbeConfig:
    """``evaluate.probe``: the class-balanced logistic-regression probe.

    ``max_train`` caps the training reports it is fitted on at a seeded sample stratified by class (null, the
    default where the key is absent, = all; the same sample for every representation, so their scores stay
    paired). Above the cap the probe's cost stops growing: with C fixed, the penalty's share of the objective falls
    as N grows, so each Newton step needs more conjugate-gradient iterations and the fit grew faster than N (N^1.6
    on raw counts from 100k to 1M reports).
    """

    C: float = param(1.0, min=1e-9)
    max_iter: int = param(2000, min=10)
    solver: str = param("newton-cg", choices=("newton-cg", "lbfgs", "saga"))
    max_train: int | None = param(None, min=100)


@dataclass(frozen=True)
class ClusterConfig:
    """``evaluate.cluster``: k-means with k = number of classes (and ``extra_k``), over seeds."""

    seeds: int = param(5, min=1)
    extra_k: tuple[int, ...] = param((), item_min=2)
    lsa_components: int = param(100, min=2)
    silhouette_sample: int = param(2000, min=10)


@dataclass(frozen=True)
class RetrievalConfig:
    """``evaluate.retrieval``: precision@k of cosine nearest training reports.

    Every query is compared with every training report, so the cost is queries x corpus: ``max_queries``
    caps the queries at a seeded sample of the test reports (null = all), which keeps the stage linear in the
    number of reports; the interval widens accordingly and the metrics record ``n_queries``.
    """

    k: int = param(10, min=1)
    max_queries: int | None = param(5000, min=10)


@dataclass(frozen=True)
class EvalConfig:
    """The ``evaluate`` params section."""

    targets: tuple[str, ...] = param()
    seed: int = 0
    n_boot: int = param(1000, min=10)
    probe: ProbeConfig = param(default_factory=ProbeConfig)
    cluster: ClusterConfig = param(default_factory=ClusterConfig)
    retrieval: RetrievalConfig = param(default_factory=RetrievalConfig)

    def check(self, section: Section) -> None:
        """At least one target (called by the params reader)."""
        if not self.targets:
            raise section.error("targets", "list at least one label column")


def chance_precision(y_query: np.ndarray, y_corpus: np.ndarray) -> float:
    """Expected precision@k of random neighbours: sum over labels of p_query(c) * p_corpus(c)."""
    q = pd.Series(y_query).value_counts(normalize=True)
    c = pd.Series(y_corpus).value_counts(normalize=True)
    return float((q * c.reindex(q.index).fillna(0)).sum())


def retrieval_queries(n_test: int, max_queries: int | None, seed: int = 0) -> np.ndarray:
    """Sorted positions of the test reports used as retrieval queries: all of them, or a seeded sample of
    ``max_queries`` (the same sample for every representation, so their precisions stay paired)."""
    if max_queries is None or n_test <= max_queries:
        return np.arange(n_test)
    return np.sort(np.random.default_rng(seed).choice(n_test, size=max_queries, replace=False))


def evaluate_features(features_dir: str | Path, split_df: pd.DataFrame, cfg: EvalConfig,
                      timings: dict[str, float] | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    """Score the features in ``features_dir`` against ``split_df``'s labels.

    Parameters
    ----------
    features_dir : path
        A feature folder (matrices and ids, see :mod:`incident_lm.core.artefacts`).
    split_df : DataFrame
        The split reports (``id``, ``split`` and the label columns).
    cfg : EvalConfig
    timings : dict, optional
        Filled with the wall seconds of each part (``load_s``, ``probe_s``, ``retrieval_s``, ``cluster_s``),
        for the stage's cost record (never the metrics: they change on every run).

    Returns
    -------
    (metrics, predictions)
        ``metrics``: ``n_train``, ``n_test``, ``dim``, and per target ``probe`` (macro-F1 with CI,
        floors...), ``retrieval`` (``precision_at_k`` with CI, ``k``, chance) and ``cluster``;
        ``predictions`` (``target, id, y_true, y_pred``) for paired comparisons across representations.
    """
    timings = {} if timings is None else timings
    t0 = time.perf_counter()

    def lap(part: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        timings[part] = round(timings.get(part, 0.0) + now - t0, 3)
        t0 = now

    feats = read_features(features_dir, split_df)
    train = split_df[split_df["split"] == "train"].reset_index(drop=True)
    test = split_df[split_df["split"] == "test"].reset_index(drop=True)
    missing = [t for t in cfg.targets if t not in split_df.columns]
    if missing:
        raise ParamsError(f"params.yaml: 'evaluate.targets' lists {missing} but the prepared data has "
                          f"label columns {[c for c in split_df.columns if c not in NOT_LABELS]}")
    X_train, X_test = feats.train, feats.test
    metrics: dict[str, Any] = {"n_train": len(train), "n_test": len(test), "dim": feats.dim,
                               "probe": {}, "retrieval": {}}
    predictions = []
    queries = retrieval_queries(len(test), cfg.retrieval.max_queries, cfg.seed)
    X_queries = X_test[queries]
    lap("load_s")
    for target in cfg.targets:
        y_train, y_test = train[target].astype(str).to_numpy(), test[target].astype(str).to_numpy()
        check_target(y_train, target, "train")
        check_target(y_test, target, "test")
        log.info("probe %s", target)
        res = linear_probe(X_train, y_train, X_test, y_test, C=cfg.probe.C, max_iter=cfg.probe.max_iter,
                           solver=cfg.probe.solver, n_boot=cfg.n_boot, seed=cfg.seed, max_train=cfg.probe.max_train)
        metrics["probe"][target] = res.metrics
        lap("probe_s")
        predictions.append(pd.DataFrame({"target": target, "id": feats.test_ids,
                                         "y_true": y_test, "y_pred": res.y_pred}))
        log.info("retrieval %s (%d queries)", target, len(queries))
        p_at_k = precision_at_k(X_queries, y_test[queries], X_train, y_train, k=cfg.retrieval.k)
        lo, hi = mean_ci(p_at_k, n_boot=cfg.n_boot, seed=cfg.seed)
        metrics["retrieval"][target] = {"k": cfg.retrieval.k, "precision_at_k": float(p_at_k.mean()),
                                        "precision_at_k_ci": [lo, hi], "n_queries": len(queries),
                                        "chance": chance_precision(y_test[queries], y_train)}
        lap("retrieval_s")
    log.info("clustering (%d seeds)", cfg.cluster.seeds)
    X_all = sp.vstack([X_train, X_test]).tocsr() if sp.issparse(X_train) else np.vstack([X_train, X_test])
    all_df = pd.concat([train, test], ignore_index=True)
    metrics["cluster"] = cluster_scores(
        X_all, {t: all_df[t].astype(str).to_numpy() for t in cfg.targets},
        extra_k=cfg.cluster.extra_k, seeds=range(cfg.seed, cfg.seed + cfg.cluster.seeds),
        lsa_components=cfg.cluster.lsa_components, silhouette_sample=cfg.cluster.silhouette_sample,
        seed=cfg.seed,
    )
    lap("cluster_s")
    return metrics, pd.concat(predictions, ignore_index=True)
