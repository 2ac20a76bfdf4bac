"""Cluster quality against known labels.

How inputs are clustered: every matrix is L2-normalised first, so Euclidean k-means
on the unit sphere orders points as cosine similarity does (an approximation to
spherical k-means). Sparse matrices (count, TF-IDF) are first reduced by LSA
(TruncatedSVD to ``lsa_components`` dimensions) and normalised again, since k-means
on tens of thousands of sparse dimensions is slow and dominated by noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import (
    adjusted_rand_score,
    homogeneity_completeness_v_measure,
    normalized_mutual_info_score,
    silhouette_score,
)
from sklearn.preprocessing import normalize


def prepare_for_clustering(X: np.ndarray | sp.spmatrix, lsa_components: int = 100,
                           seed: int = 0) -> np.ndarray:
    """``(n, d)`` input -> dense, L2-normalised ``(n, d')`` float32 array (LSA for sparse)."""
    if sp.issparse(X):
        X = normalize(X)
        n = min(lsa_components, X.shape[1] - 1, X.shape[0] - 1)
        X = TruncatedSVD(n_components=max(n, 1), random_state=seed).fit_transform(X)
    out = np.empty(X.shape, dtype=np.float32)
    for start in range(0, X.shape[0], 65536):  # float64 a block at a time: memory of one float32 copy
        out[start:start + 65536] = normalize(np.asarray(X[start:start + 65536], dtype=np.float64))
    return out


def cluster_scores(X: np.ndarray | sp.spmatrix, labels: Mapping[str, np.ndarray], *,
                   extra_k: Sequence[int] = (), seeds: Sequence[int] = (0, 1, 2, 3, 4),
                   lsa_components: int = 100, silhouette_sample: int = 2000,
                   seed: int = 0) -> dict[str, Any]:
    """k-means with k = number of classes of each target (and any ``extra_k``), several seeds.

    Parameters
    ----------
    X : (n_docs, dim) array or sparse matrix
    labels : mapping of target name -> (n_docs,) labels

    Returns
    -------
    dict
        Per target: ``k`` and mean/std over seeds of V-measure, NMI, ARI, homogeneity and
        completeness; ``silhouette_cosine`` mean/std on a fixed seeded sample; with
        ``extra_k``, the same scores under ``k<k>`` keys.
    """
    Z = prepare_for_clustering(X, lsa_components=lsa_components, seed=seed)
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(Z), size=min(silhouette_sample, len(Z)), replace=False)
    ks = {name: len(set(map(str, y))) for name, y in labels.items()}
    all_k = sorted(set(ks.values()) | set(extra_k))
    assignments: dict[int, list[np.ndarray]] = {}
    silhouettes: dict[int, list[float]] = {}
    for k in all_k:
        assignments[k], silhouettes[k] = [], []
        for s in seeds:
            pred = KMeans(n_clusters=k, n_init=1, random_state=s).fit_predict(Z)
            assignments[k].append(pred)
            sil = (silhouette_score(Z[sample], pred[sample], metric="cosine")
                   if len(set(pred[sample])) > 1 else float("nan"))
            silhouettes[k].append(sil)

    def scores(y: np.ndarray, k: int) -> dict[str, Any]:
        y = np.asarray(y).astype(str)
        rows = []
        for pred in assignments[k]:
            h, c, v = homogeneity_completeness_v_measure(y, pred)
            rows.append({"v_measure": v, "nmi": normalized_mutual_info_score(y, pred),
                         "ari": adjusted_rand_score(y, pred), "homogeneity": h, "completeness": c})
        out: dict[str, Any] = {"k": k}
        for key in rows[0]:
            vals = np.array([r[key] for r in rows])
            out[f"{key}_mean"] = float(vals.mean())
            out[f"{key}_std"] = float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
        sil = np.array(silhouettes[k])
        out["silhouette_cosine_mean"] = float(np.nanmean(sil))
        out["silhouette_cosine_std"] = float(np.nanstd(sil, ddof=1)) if len(sil) > 1 else 0.0
        return out

    result: dict[str, Any] = {}
    for name, y in labels.items():
        result[name] = scores(y, ks[name])
        for k in extra_k:
            result[name][f"k{k}"] = scores(y, k)
    result["n_seeds"] = len(seeds)
    result["method"] = "L2-normalised k-means (LSA first for sparse inputs)"
    return result
