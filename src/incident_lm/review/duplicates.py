"""Likely re-reports of one incident: pairs of reports that are each other's nearest neighbour, very similar
and dated within a few days of each other.

Two staff members often report the same event; counting both inflates a theme, and reading both wastes a
reviewer's time. A pair is kept when the two reports are mutual nearest neighbours (each is the other's
most similar report), their cosine similarity is at least ``min_similarity`` and their incident dates are
at most ``max_days`` apart (undated reports pair on similarity alone).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from incident_lm.core.params import param
from incident_lm.evaluate.retrieval import cosine_neighbours

DUPLICATE_COLUMNS = ("id_a", "id_b", "similarity", "days_apart", "date_a", "date_b", "excerpt_a", "excerpt_b")


@dataclass(frozen=True)
class DuplicateConfig:
    """``review.duplicates``: how re-reports of one incident are found.

    Parameters
    ----------
    min_similarity : float
        Least cosine similarity of a pair, in the review representation's space.
    max_days : int
        Most days between the two incident dates.
    block_above : int
        Above this many reports, nearest neighbours are searched within each report's k-means cluster
        only (blocking: near-identical reports share a cluster), so the search grows with
        ``N^2 / k`` rather than ``N^2``.
    """

    min_similarity: float = param(0.8, min=-1.0, max=1.0)
    max_days: int = param(3, min=0)
    block_above: int = param(50_000, min=2)


def _nearest_other(Z: np.ndarray) -> np.ndarray:
    """The row of the most similar other row of every row of ``Z`` (itself when alone)."""
    n = len(Z)
    if n < 2:
        return np.arange(n)
    chunk = int(max(16, min(1024, 2e8 // n)))
    nearest = np.empty(n, dtype=int)
    start = 0
    for idx in cosine_neighbours(Z, Z, k=2, chunk=chunk):
        rows = np.arange(start, start + len(idx))
        nearest[rows] = np.where(idx[:, 0] == rows, idx[:, 1], idx[:, 0])
        start += len(idx)
    return nearest


def find_duplicates(Z: np.ndarray, dates: pd.Series, cfg: DuplicateConfig,
                    blocks: np.ndarray | None = None) -> pd.DataFrame:
    """Pairs ``(i, j)``, ``i < j``, of likely re-reports among the rows of ``(n, d)`` unit vectors ``Z``.

    ``blocks`` (``(n,)`` cluster labels) limits the search to within a block when ``n`` exceeds
    ``cfg.block_above``.

    Returns
    -------
    DataFrame
        Columns ``i``, ``j`` (row positions), ``similarity``, ``days_apart`` (NaN when a date is missing),
        sorted by decreasing similarity.
    """
    n = len(Z)
    if n < 2:
        return pd.DataFrame(columns=["i", "j", "similarity", "days_apart"])
    if blocks is not None and n > cfg.block_above:
        nearest = np.arange(n)
        for b in np.unique(blocks):
            rows = np.flatnonzero(blocks == b)
            nearest[rows] = rows[_nearest_other(Z[rows])]
    else:
        nearest = _nearest_other(Z)
    i = np.arange(n)
    j = nearest
    mutual = (nearest[j] == i) & (i < j)
    i, j = i[mutual], j[mutual]
    sim = np.einsum("ij,ij->i", Z[i], Z[j])
    d = pd.to_datetime(dates, errors="coerce").to_numpy()
    days = np.abs((d[i] - d[j]) / np.timedelta64(1, "D")).astype(float)
    keep = (sim >= cfg.min_similarity) & (np.isnan(days) | (days <= cfg.max_days))
    out = pd.DataFrame({"i": i[keep], "j": j[keep], "similarity": sim[keep], "days_apart": days[keep]})
    return out.sort_values(["similarity", "i"], ascending=[False, True], kind="stable").reset_index(drop=True)


def score_duplicates(pairs: pd.DataFrame, ids: np.ndarray, truth: pd.DataFrame) -> dict:
    """Precision and recall of found pairs against planted ``(RP01_a, RP01_b)`` pairs (order ignored)."""
    known = {frozenset((str(a), str(b))) for a, b in zip(truth.iloc[:, 0], truth.iloc[:, 1], strict=True)}
    present = set(map(str, ids))
    known = {p for p in known if p <= present}
    found = {frozenset((str(ids[a]), str(ids[b]))) for a, b in zip(pairs["i"], pairs["j"], strict=True)}
    tp = len(found & known)
    return {"found": len(found), "planted": len(known), "true_positives": tp,
            "precision": tp / len(found) if found else None, "recall": tp / len(known) if known else None}
