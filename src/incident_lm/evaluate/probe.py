"""Downstream prediction: a linear probe on frozen representations, with floors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from incident_lm.core.params import ParamsError
from incident_lm.evaluate.stats import bootstrap_ci, encode, macro_f1


@dataclass
class ProbeResult:
    """Predictions on the test set and their scores."""

    y_pred: np.ndarray
    metrics: dict[str, Any] = field(default_factory=dict)


def check_target(y: np.ndarray, target: str, split: str) -> None:
    """Stop with a clear message when a target cannot be learnt."""
    n_classes = len(set(map(str, y)))
    if n_classes < 2:
        raise ParamsError(
            f"target '{target}' has {n_classes} class(es) in the {split} split: nothing to predict "
            f"(remove it from evaluate.targets or check data.labels)"
        )


def classification_scores(y_true: np.ndarray, y_pred: np.ndarray, *, n_boot: int = 1000,
                          seed: int = 0) -> dict[str, Any]:
    """Macro-F1 (with a bootstrap CI), weighted-F1, balanced accuracy and per-class F1."""
    y_true = np.asarray(y_true).astype(str)
    y_pred = np.asarray(y_pred).astype(str)
    (t, p), classes = encode(y_true, y_pred)
    lo, hi = bootstrap_ci(t, p, len(classes), n_boot=n_boot, seed=seed)
    labels = sorted(set(y_true))
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {
        "macro_f1": macro_f1(t, p, len(classes)),
        "macro_f1_ci": [lo, hi],
        "weighted_f1": float(f1_score(y_true, y_pred, average="weighted", zero_division=0)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "per_class_f1": {c: float(f) for c, f in zip(labels, per_class, strict=True)},
    }


def floors(y_train: np.ndarray, y_test: np.ndarray, seed: int = 0, n_seeds: int = 5) -> dict[str, float]:
    """Macro-F1 of a majority-class predictor and of stratified random guessing (mean of seeds)."""
    X_dummy = np.zeros((len(y_train), 1))
    X_test = np.zeros((len(y_test), 1))
    y_test = np.asarray(y_test).astype(str)
    majority = DummyClassifier(strategy="most_frequent").fit(X_dummy, y_train).predict(X_test)
    strat = [
        f1_score(y_test, DummyClassifier(strategy="stratified", random_state=seed + s)
                 .fit(X_dummy, y_train).predict(X_test).astype(str), average="macro", zero_division=0)
        for s in range(n_seeds)
    ]
    return {
        "floor_majority_macro_f1": float(f1_score(y_test, majority.astype(str), average="macro",
                                                  zero_division=0)),
        "floor_stratified_macro_f1": float(np.mean(strat)),
    }


def probe_model(sparse: bool, *, C: float = 1.0, max_iter: int = 2000, solver: str = "newton-cg",
                seed: int = 0) -> LogisticRegression | Pipeline:
    """The probe estimator (unfitted): class-balanced logistic regression, after standardising dense inputs."""
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=max_iter, solver=solver, random_state=seed)
    return clf if sparse else make_pipeline(StandardScaler(), clf)


def probe_sample(y: np.ndarray, max_train: int | None, seed: int = 0) -> np.ndarray:
    """Sorted indices of the training reports a probe is fitted on: all of them when there are at most
    ``max_train`` (or it is ``None``), else a seeded sample stratified by class: each class keeps its share of
    ``max_train``, rounded up, so no class is lost (about ``max_train`` in all, at most one more per class)."""
    y = np.asarray(y)
    n = len(y)
    if max_train is None or n <= max_train:
        return np.arange(n)
    order = np.random.default_rng(seed).permutation(n)
    _, cls = np.unique(y[order], return_inverse=True)
    counts = np.bincount(cls)
    keep = np.ceil(counts * (max_train / n)).astype(np.int64)
    by_class = np.argsort(cls, kind="stable")  # within a class, in the permutation's order
    rank = np.empty(n, dtype=np.int64)
    rank[by_class] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.sort(order[rank < keep[cls]])


def linear_probe(X_train: np.ndarray | sp.spmatrix, y_train: np.ndarray,
                 X_test: np.ndarray | sp.spmatrix, y_test: np.ndarray, *, C: float = 1.0,
                 max_iter: int = 2000, solver: str = "newton-cg", n_boot: int = 1000,
                 seed: int = 0, max_train: int | None = None) -> ProbeResult:
    """Fit a class-balanced logistic regression on train, score it on test.

    Parameters
    ----------
    X_train : (n_train, dim) array or sparse matrix
    y_train : (n_train,) labels
    X_test : (n_test, dim) array or sparse matrix
    y_test : (n_test,) labels

    Dense inputs are standardised first (embedding dimensions have very different
    scales); sparse TF-IDF/count inputs are used as they are.

    ``solver``: the L2-penalised multinomial objective is the same for every solver; ``newton-cg`` (Newton
    steps from Hessian-vector products) reaches its optimum in 7-15 iterations where ``lbfgs`` stops after
    hundreds on raw counts, a little short of it, and its iterations grow with the corpus (bench/bench_probe.py).

    ``max_train``: fit on at most this many training reports (:func:`probe_sample`); the metrics record how many
    (``n_fit``). The floors use every training label.
    """
    y_train = np.asarray(y_train).astype(str)
    y_test = np.asarray(y_test).astype(str)
    model = probe_model(sp.issparse(X_train), C=C, max_iter=max_iter, solver=solver, seed=seed)
    fit = probe_sample(y_train, max_train, seed)
    if len(fit) < len(y_train):
        model.fit(X_train[fit], y_train[fit])
    else:
        model.fit(X_train, y_train)
    y_pred = model.predict(X_test).astype(str)
    metrics = classification_scores(y_test, y_pred, n_boot=n_boot, seed=seed)
    metrics.update(floors(y_train, y_test, seed=seed))
    metrics["n_fit"] = int(len(fit))
    return ProbeResult(y_pred=y_pred, metrics=metrics)
