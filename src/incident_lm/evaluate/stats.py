"""Bootstrap confidence intervals and paired bootstrap tests for classification metrics.

Metrics are computed from integer-coded labels with ``np.bincount`` so that a
thousand resamples of a few thousand predictions take well under a second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

MetricFn = Callable[[np.ndarray, np.ndarray, int], float]


def encode(*arrays: Sequence[str]) -> tuple[list[np.ndarray], list[str]]:
    """Integer-code several label arrays over their joint sorted label set."""
    classes = sorted(set().union(*[set(map(str, a)) for a in arrays]))
    index = {c: i for i, c in enumerate(classes)}
    return [np.array([index[str(v)] for v in a], dtype=np.int64) for a in arrays], classes


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` counts, rows true, columns predicted."""
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """Macro-averaged F1 over the classes present in ``y_true`` or ``y_pred`` (as scikit-learn)."""
    cm = confusion(y_true, y_pred, n_classes)
    tp = np.diag(cm).astype(float)
    support, predicted = cm.sum(1), cm.sum(0)
    present = (support + predicted) > 0
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return float(f1[present].mean()) if present.any() else 0.0


def bootstrap_ci(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, metric: MetricFn = macro_f1,
                 n_boot: int = 1000, seed: int = 0, alpha: float = 0.05) -> tuple[float, float]:
    """Percentile bootstrap ``(low, high)`` interval of ``metric`` over resampled test items."""
    rng = np.random.default_rng(seed)
    n = len(y_true)
    stats = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        stats[b] = metric(y_true[idx], y_pred[idx], n_classes)
    return float(np.quantile(stats, alpha / 2)), float(np.quantile(stats, 1 - alpha / 2))


def paired_bootstrap(y_true: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, n_classes: int,
                     metric: MetricFn = macro_f1, n_boot: int = 1000, seed: int = 0,
                     alpha: float = 0.05) -> dict[str, float]:
    """Difference ``metric(a) - metric(b)`` on the same test items, resampled jointly.

    Returns
    -------
    dict
        ``diff`` (observed), ``ci_low``, ``ci_high`` (percentile interval) and
        ``p_value`` (two-sided: twice the smaller tail of bootstrap differences around 0).
    """
    rng = np.random.default_rng(seed)
    n = len(y_true)
    diffs = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        diffs[b] = metric(y_true[idx], pred_a[idx], n_classes) - metric(y_true[idx], pred_b[idx], n_classes)
    observed = metric(y_true, pred_a, n_classes) - metric(y_true, pred_b, n_classes)
    tail = min((diffs <= 0).mean(), (diffs >= 0).mean())
    return {
        "diff": float(observed),
        "ci_low": float(np.quantile(diffs, alpha / 2)),
        "ci_high": float(np.quantile(diffs, 1 - alpha / 2)),
        "p_value": float(min(1.0, 2 * tail)),
    }


def mean_ci(values: np.ndarray, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05) -> tuple[float, float]:
    """Bootstrap interval of the mean of per-item scores (e.g. per-query precision@k)."""
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    n = len(values)
    block = max(1, (1 << 22) // max(n, 1))  # resamples drawn a block at a time: about 32 MB of indices
    means = np.concatenate([values[rng.integers(0, n, (min(block, n_boot - b), n))].mean(axis=1)
                            for b in range(0, n_boot, block)])
    return float(np.quantile(means, alpha / 2)), float(np.quantile(means, 1 - alpha / 2))
