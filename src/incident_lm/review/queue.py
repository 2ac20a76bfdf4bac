"""The review queue: reports unlike the rest, the most harmful first, each with the reason it is there.

Three novelty scores are computed and measured:

- ``theme_distance``: distance from every theme (one minus the cosine similarity to the nearest kept
  theme centre, in the review representation's space);
- ``rare_terms``: vocabulary that only a handful of reports share (the summed IDF of the report's terms
  used by at least 2 and at most ``rare_share`` of all reports: a recurring new device, drug or kind of
  event, not a one-off misspelling);
- ``knn_density``: low local density (one minus the mean cosine similarity to the ``k`` nearest reports).

A rare new kind of incident has no theme of its own, but its reports are mostly ordinary words (what
happened to whom, what was done), so in a pooled embedding it sits near some theme; the words that make
it new are the ones almost no other report uses. The default ``combined`` score is the mean of the
percentile ranks of ``theme_distance`` and ``rare_terms``; it was chosen on a development corpus (the
synthetic generator with another seed), not on the default corpus whose figures are reported. Local
density misses them because a new kind of incident rarely comes alone: its few reports are each other's
nearest neighbours.

The queue lists the ``flag_share`` most novel reports first, ordered by harm (most severe first) and then
novelty, and every other report after them by novelty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.feature_extraction.text import CountVectorizer

from incident_lm.core.params import param
from incident_lm.evaluate.retrieval import cosine_neighbours
from incident_lm.review.themes import TERM_PATTERN, ThemeFit

QUEUE_COLUMNS = ("rank", "id", "date", "harm", "category", "theme", "novelty", "novelty_pct", "reason", "excerpt")
SCORES = ("theme_distance", "rare_terms", "knn_density", "combined")


@dataclass(frozen=True)
class QueueConfig:
    """``review.queue``: which reports a clinician should read first.

    Parameters
    ----------
    score : {"combined", "theme_distance", "rare_terms", "knn_density"}
        The novelty score that orders the queue (all of them are measured).
    k : int
        Neighbours for the local-density score.
    flag_share : float
        Share of reports, the most novel, that form the head of the queue (ordered harm first).
    top : int
        Rows written to ``review_queue.csv``.
    reference : int
        Local density is measured against at most this many reports (a seeded sample beyond).
    rare_share : float
        Terms used by at most this share of reports (and by at least 2) are rare (at least 3 reports).
    """

    score: Literal["combined", "theme_distance", "rare_terms", "knn_density"] = "combined"
    k: int = param(10, min=1)
    flag_share: float = param(0.02, min=0.0001, max=0.5)
    top: int = param(500, min=1)
    reference: int = param(50_000, min=100)
    rare_share: float = param(0.0005, min=0.0, max=0.1)


def rare_term_scores(texts: Sequence[str], rare_share: float = 0.0005) -> np.ndarray:
    """``(n,)`` summed IDF of each text's terms that at least 2 and at most ``rare_share`` of texts use."""
    n = len(texts)
    most = max(3, int(round(rare_share * n)))
    vec = CountVectorizer(binary=True, stop_words="english", token_pattern=TERM_PATTERN, min_df=2, max_df=most,
                          dtype=np.float32)
    try:
        B = vec.fit_transform(texts)
    except ValueError:  # no term is that rare (tiny corpus)
        return np.zeros(n)
    df = np.asarray(B.sum(axis=0)).ravel()
    return np.asarray(B @ np.log(n / df)).ravel()


def novelty_scores(Z: np.ndarray, fit: ThemeFit, texts: Sequence[str] | None = None, k: int = 10,
                   reference: int = 50_000, seed: int = 0, rare_share: float = 0.0005) -> dict[str, np.ndarray]:
    """``(n, d)`` unit vectors (and the texts) -> the ``(n,)`` novelty scores of :data:`SCORES`.

    Local density is measured against all reports, or against a seeded sample of ``reference`` of them
    when there are more (exact neighbours of a million reports among a million are out of reach).
    """
    C = fit.centroids[fit.kept] if fit.kept.any() else fit.centroids
    dist = 1.0 - (Z @ C.T).max(axis=1)
    n = len(Z)
    ref = np.arange(n) if n <= reference else np.sort(np.random.default_rng(seed).choice(n, reference, replace=False))
    R = Z[ref]
    kk = min(k + 1, len(ref))
    chunk = int(max(16, min(1024, 2e8 // max(len(ref), 1))))
    dens = np.empty(n)
    start = 0
    for idx in cosine_neighbours(Z, R, k=kk, chunk=chunk):
        rows = np.arange(start, start + len(idx))
        sims = np.einsum("ij,ikj->ik", Z[rows], R[idx])
        self_hit = ref[idx] == rows[:, None]
        # drop the report itself (or, when it is not among them, the farthest neighbour)
        drop = np.where(self_hit.any(axis=1), self_hit.argmax(axis=1), kk - 1)
        mask = np.ones_like(sims, dtype=bool)
        mask[np.arange(len(rows)), drop] = False
        dens[rows] = 1.0 - (sims * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
        start += len(idx)
    rare = rare_term_scores(texts, rare_share) if texts is not None else np.zeros(n)
    combined = (rankdata(dist) + rankdata(rare)) / (2.0 * n)
    return {"theme_distance": dist, "rare_terms": rare, "knn_density": dens, "combined": combined}


_HARM_DIGIT = re.compile(r"^\s*(\d+)")


def harm_severity(harm: pd.Series | None, n: int) -> np.ndarray:
    """Order of severity of every report's harm grade (higher = worse; 0 = unknown).

    NRLS and LFPSE grades start with their rank ("1 No harm" ... "5 Death"); other grades are ranked
    by the order of their sorted distinct values.
    """
    if harm is None:
        return np.zeros(n)
    values = harm.astype("string").fillna("")
    digits = values.str.extract(_HARM_DIGIT)[0]
    if digits.notna().mean() > 0.5:
        return pd.to_numeric(digits, errors="coerce").fillna(0).to_numpy(dtype=float)
    order = {v: i + 1 for i, v in enumerate(sorted(x for x in values.unique() if x))}
    return values.map(lambda x: order.get(x, 0)).to_numpy(dtype=float)


def queue_order(novelty: np.ndarray, severity: np.ndarray, flag_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Report positions in queue order and whether each report is in the flagged head.

    The head is the ``flag_share`` most novel reports, ordered by severity (worst first), then novelty;
    the rest follow by novelty. Ties break by position, so the order is deterministic.
    """
    n = len(novelty)
    n_flag = max(1, int(round(flag_share * n)))
    by_novelty = np.lexsort((np.arange(n), -novelty))
    head = np.zeros(n, dtype=bool)
    head[by_novelty[:n_flag]] = True
    key_head = np.where(head, 0, 1)
    order = np.lexsort((np.arange(n), -novelty, np.where(head, -severity, 0), key_head))
    return order, head


def score_queue(order: np.ndarray, ids: np.ndarray, truth: set[str], top_share: float = 0.01) -> dict:
    """Share of the planted novel reports in the top ``top_share`` of the queue, against chance."""
    n = len(order)
    top = max(1, int(round(top_share * n)))
    hits = sum(1 for i in order[:top] if str(ids[i]) in truth)
    planted = sum(1 for x in ids if str(x) in truth)
    pos = {str(ids[i]): r for r, i in enumerate(order)}
    ranks = sorted(pos[t] + 1 for t in truth if t in pos)
    return {"planted": planted, "top_n": top, "in_top": hits,
            "recall_top": hits / planted if planted else None,
            "random_floor": top / n if n else None,
            "median_rank": float(np.median(ranks)) if ranks else None}
