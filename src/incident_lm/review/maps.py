"""2-D maps of reports for the report: a stratified sample, projected by t-SNE (or PCA).

A map of every report is neither needed nor affordable (t-SNE grows as n log n and a page with a million
points does not open), so each map is drawn from a sample of fixed size, stratified by category, the same
reports for every representation. Sparse features are reduced by truncated SVD and dense ones by PCA to
``pre_dim`` dimensions first, on L2-normalised rows, as is usual before t-SNE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.manifold import TSNE
from sklearn.preprocessing import normalize

from incident_lm.core.params import param


@dataclass(frozen=True)
class MapConfig:
    """``report.map``: the 2-D maps of reports.

    Parameters
    ----------
    points : int
        Reports in the preferred representation's map (a stratified sample; all when fewer).
    small_points : int
        Reports in each other representation's small map (the first ``small_points`` of the same sample).
    method : {"tsne", "pca"}
        Projection to 2-D. t-SNE keeps neighbourhoods (themes show as islands); PCA is linear and instant.
    perplexity : float
        t-SNE perplexity (capped below a third of the sample).
    max_iter : int
        t-SNE iterations (at least 250).
    pre_dim : int
        Dimensions kept by SVD/PCA before t-SNE.
    others : bool
        Draw the small multiples of the other representations.
    seed : int
    """

    points: int = param(2000, min=10)
    small_points: int = param(800, min=10)
    method: str = param("tsne", choices=("tsne", "pca"))
    perplexity: float = param(30.0, min=2)
    max_iter: int = param(500, min=250)
    pre_dim: int = param(50, min=2)
    others: bool = True
    seed: int = 0


def stratified_sample(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Positions of ``n`` rows drawn in proportion to ``labels`` (at least one of every label when possible),
    in a random order, so that any prefix is itself a roughly proportional sample.

    Returns
    -------
    idx : (min(n, len(labels)),) int ndarray
    """
    labels = np.asarray(labels)
    total = len(labels)
    if n >= total:
        return np.random.default_rng(seed).permutation(total)
    rng = np.random.default_rng(seed)
    values, inverse = np.unique(labels, return_inverse=True)
    want = np.maximum(1, np.floor(np.bincount(inverse) / total * n)).astype(int)
    picked = [rng.choice(np.flatnonzero(inverse == v), size=min(w, int((inverse == v).sum())), replace=False)
              for v, w in enumerate(want)]
    idx = np.concatenate(picked)
    if len(idx) < n:  # top up from the rest
        rest = np.setdiff1d(np.arange(total), idx)
        idx = np.concatenate([idx, rng.choice(rest, size=n - len(idx), replace=False)])
    return rng.permutation(idx)[:n]


def project(X, cfg: MapConfig) -> np.ndarray:
    """``X`` (n, dim), dense or sparse, as (n, 2) float32 map coordinates scaled to [0, 1]."""
    X = normalize(X.tocsr() if sp.issparse(X) else np.asarray(X, dtype=np.float32))
    n, dim = X.shape
    if n < 3:
        return np.zeros((n, 2), dtype=np.float32)
    k = min(cfg.pre_dim if cfg.method == "tsne" else 2, dim - 1 if sp.issparse(X) else dim, n - 1)
    if sp.issparse(X):
        Y = TruncatedSVD(max(2, k), random_state=cfg.seed).fit_transform(X)
    else:
        Y = PCA(max(2, k), random_state=cfg.seed).fit_transform(X) if dim > k else X
    if cfg.method == "tsne" and n > 5:
        Y = TSNE(2, init="pca", learning_rate="auto", perplexity=min(cfg.perplexity, (n - 1) / 3),
                 max_iter=cfg.max_iter, random_state=cfg.seed).fit_transform(np.asarray(Y, dtype=np.float32))
    Y = np.asarray(Y[:, :2], dtype=np.float64)
    span = np.ptp(Y, axis=0)
    return ((Y - Y.min(axis=0)) / np.where(span > 0, span, 1)).astype(np.float32)
