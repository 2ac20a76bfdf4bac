"""Themes: every report clustered at the granularity a reviewer works at, labelled by class-based TF-IDF.

Composed as BERTopic composes a topic model, from swappable parts: precomputed document vectors (any
representation's features, L2-normalised; sparse ones reduced by LSA as the evaluation protocol does), a
clusterer (k-means; mini-batch k-means above ``minibatch_above`` reports, so it holds at a million), an
outlier rule (reports far from their theme's centre, and themes too small to act on, become "unassigned",
theme ``-1``) and a vectorizer plus class-based TF-IDF weighting for each theme's distinguishing terms
(Grootendorst 2022, BERTopic):

    W(t, c) = tf(t, c) / |c| * log(1 + A / f(t))

with ``tf(t, c)`` the count of term ``t`` in theme ``c``'s reports, ``|c|`` the theme's term count,
``A`` the mean term count per theme and ``f(t)`` the count of ``t`` over all themes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from incident_lm.core.params import param
from incident_lm.evaluate.cluster import prepare_for_clustering

UNASSIGNED = -1
#: Terms: a letter, then letters, digits, "+" or "-" (so "[PERSON]" placeholders give no bracket terms).
TERM_PATTERN = r"(?u)\b[A-Za-z][A-Za-z0-9+\-]+\b"


@dataclass(frozen=True)
class ThemeConfig:
    """``review.themes``: how reports are grouped into themes.

    Parameters
    ----------
    n_themes : int or None
        Number of k-means centres; ``None`` grows with the corpus: ``sqrt(N / 2)`` within 8..500
        (100 at 20k reports, 500 from 500k).
    min_size : int
        Themes with fewer reports are dissolved into "unassigned" (too small to be a theme).
    outlier_quantile : float
        Reports whose cosine similarity to their theme's centre is below this quantile of all such
        similarities are "unassigned" (0 keeps everyone in a theme).
    lsa_components : int
        Dimensions of the LSA reduction applied to sparse features before clustering.
    n_init : int
        k-means restarts (the best inertia is kept).
    minibatch_above : int
        Corpora larger than this are clustered by mini-batch k-means (bounded memory and time); smaller
        ones by full k-means, which is both faster and exact there.
    batch_size : int
        Mini-batch size of k-means.
    top_terms, excerpts : int
        Distinguishing terms and representative excerpts listed per theme.
    excerpt_chars : int
        Length of each excerpt (the de-identified text, cut at a word boundary).
    min_df : int
        Minimum report frequency of a term for the c-TF-IDF vocabulary.
    ngram_max : int
        Longest phrase (in words) among the terms.
    stability_seed : int
        Seed of the second clustering used to measure stability (ARI between two seeds).
    """

    n_themes: int | None = param(None, min=2)
    min_size: int = param(5, min=1)
    outlier_quantile: float = param(0.05, min=0.0, max=0.5)
    lsa_components: int = param(100, min=2)
    n_init: int = param(3, min=1)
    minibatch_above: int = param(100_000, min=0)
    batch_size: int = param(4096, min=64)
    top_terms: int = param(8, min=1)
    excerpts: int = param(3, min=1)
    excerpt_chars: int = param(240, min=40)
    min_df: int = param(5, min=1)
    ngram_max: int = param(2, min=1, max=3)
    stability_seed: int = 1


def default_n_themes(n_reports: int) -> int:
    """``sqrt(N / 2)`` themes, at least 8 and at most 500 (never more than a fifth of the reports)."""
    k = int(round(math.sqrt(max(n_reports, 1) / 2)))
    return max(2, min(500, max(8, k), max(2, n_reports // 5)))


def theme_space(X: np.ndarray | sp.spmatrix, cfg: ThemeConfig, seed: int = 0) -> np.ndarray:
    """``(n, d)`` features -> ``(n, d')`` dense unit vectors the themes are found in."""
    return prepare_for_clustering(X, lsa_components=cfg.lsa_components, seed=seed)


@dataclass
class ThemeFit:
    """A fitted theme model over ``n`` reports.

    Attributes
    ----------
    labels : (n,) int array
        Theme of every report, ``-1`` for unassigned.
    raw_labels : (n,) int array
        Nearest k-means centre of every report (before the outlier rule).
    centroids : (k, d) float32 array
        Unit-length centre of every k-means cluster (rows of dissolved themes included).
    similarity : (n,) float array
        Cosine similarity of every report to its nearest centre.
    kept : (k,) bool array
        Which centres are themes (not dissolved for size).
    cut : float
        Least similarity to a centre of an assigned report (the outlier rule's quantile).
    """

    labels: np.ndarray
    raw_labels: np.ndarray
    centroids: np.ndarray
    similarity: np.ndarray
    kept: np.ndarray
    cut: float = -np.inf

    @property
    def n_themes(self) -> int:
        return int(self.kept.sum())

    def assign(self, Z: np.ndarray, min_similarity: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Assign new ``(m, d)`` unit vectors to the kept themes: (labels, similarity to nearest theme).

        Reports less similar than ``min_similarity`` (default: the fit's own ``cut``) are unassigned."""
        if min_similarity is None:
            min_similarity = self.cut
        C = self.centroids[self.kept]
        ids = np.flatnonzero(self.kept)
        S = Z @ C.T
        best = S.argmax(axis=1)
        sim = S[np.arange(len(Z)), best]
        return np.where(sim >= min_similarity, ids[best], UNASSIGNED), sim


def fit_themes(Z: np.ndarray, cfg: ThemeConfig, seed: int = 0, n_themes: int | None = None,
               init: np.ndarray | None = None) -> ThemeFit:
    """Cluster ``(n, d)`` unit vectors into themes (k-means, then the outlier rule).

    ``init`` (``(k, d)`` centres, e.g. last month's) starts k-means from them, once, instead of from
    ``n_init`` k-means++ draws: refits over a growing history then keep their themes and cost little.
    """
    n = len(Z)
    k = len(init) if init is not None else n_themes or cfg.n_themes or default_n_themes(n)
    k = max(1, min(k, n))
    start: dict = {"init": init[:k], "n_init": 1} if init is not None else {"n_init": cfg.n_init}
    if n > cfg.minibatch_above:
        km = MiniBatchKMeans(n_clusters=k, batch_size=cfg.batch_size, random_state=seed, max_no_improvement=20,
                             reassignment_ratio=0.01, **start)
        X = Z
    else:
        km = KMeans(n_clusters=k, random_state=seed, **start)
        # float64: scikit-learn's k-means++ upcasts float32 distances block by block, which costs more than the
        # copy (bench: k-means on 50,000 x 100 with 447 centres 2x faster)
        X = np.asarray(Z, dtype=np.float64)
    raw = km.fit_predict(X).astype(int)
    C = normalize(km.cluster_centers_).astype(np.float32)
    sim = np.einsum("ij,ij->i", Z, C[raw])
    sizes = np.bincount(raw, minlength=k)
    kept = sizes >= cfg.min_size
    cut = float(np.quantile(sim, cfg.outlier_quantile)) if cfg.outlier_quantile > 0 else -np.inf
    labels = np.where(kept[raw] & (sim >= cut), raw, UNASSIGNED)
    # a theme left with too few members once its outliers are removed is dissolved too
    after = np.bincount(labels[labels >= 0], minlength=k)
    kept &= after >= cfg.min_size
    labels = np.where(kept[np.maximum(labels, 0)] & (labels >= 0), labels, UNASSIGNED)
    return ThemeFit(labels=labels, raw_labels=raw, centroids=C, similarity=sim, kept=kept, cut=cut)


def renumber(labels: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Themes renumbered 0.. by decreasing size (ties by first appearance); -1 stays -1."""
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    mapping = {int(old): new for new, old in enumerate(order)}
    out = np.array([mapping.get(int(x), UNASSIGNED) for x in labels], dtype=int)
    return out, mapping


def term_vectorizer(cfg: ThemeConfig, n_docs: int) -> CountVectorizer:
    """The c-TF-IDF vocabulary: English stop words out, de-identification placeholders out."""
    return CountVectorizer(stop_words="english", ngram_range=(1, cfg.ngram_max), min_df=min(cfg.min_df, n_docs),
                           token_pattern=TERM_PATTERN, lowercase=True,
                           max_features=200_000)


def class_tfidf(counts: sp.spmatrix, labels: np.ndarray, n_classes: int) -> sp.csr_matrix:
    """Class-based TF-IDF (BERTopic): ``(n_docs, n_terms)`` counts and labels -> ``(n_classes, n_terms)``.

    Rows of unassigned reports (label -1) take no part. Sparse: at a million reports the review has 500
    themes (the emerging back-test 1,000) over 200,000 terms, so a dense result would be 0.8-1.6 GB a copy.
    Counts are integers, so every sum is exact and the weights are those of the dense formula bit for bit.
    """
    keep = labels >= 0
    onehot = sp.csr_matrix((np.ones(int(keep.sum())), (labels[keep], np.flatnonzero(keep))),
                           shape=(n_classes, counts.shape[0]))
    tf = sp.csr_matrix(onehot @ counts, dtype=np.float64)                   # (n_classes, n_terms)
    tf.sum_duplicates()
    tf.sort_indices()
    f_t = np.asarray(tf.sum(axis=0)).ravel()
    A = tf.sum() / max(n_classes, 1)
    idf = np.log1p(A / np.maximum(f_t, 1e-12))
    row_totals = np.repeat(np.asarray(tf.sum(axis=1)).ravel(), np.diff(tf.indptr))
    W = tf.copy()
    W.data = tf.data / np.maximum(row_totals, 1e-12) * idf[tf.indices]
    return W


def top_terms(weights: np.ndarray | sp.spmatrix, vocabulary: Sequence[str], n: int) -> list[list[str]]:
    """The ``n`` highest-weighted terms of every class (ties: the earlier term), a phrase hiding the words it
    contains; ``weights`` is ``(n_classes, n_terms)``, dense or sparse."""
    vocab = np.asarray(vocabulary, dtype=object)
    sparse = sp.issparse(weights)
    if sparse:
        weights = sp.csr_matrix(weights)
    out = []
    for r in range(weights.shape[0]):
        if sparse:
            row = weights.getrow(r)
            by_weight = np.lexsort((row.indices, -row.data))
            order, ordered = row.indices[by_weight], row.data[by_weight]
        else:
            order = np.argsort(-weights[r], kind="stable")
            ordered = weights[r][order]
        picked: list[str] = []
        for j, w in zip(order[: n * 4], ordered[: n * 4], strict=True):
            if w <= 0:
                break
            term = str(vocab[j])
            if any(term in p.split() or term == p for p in picked):
                continue
            picked = [p for p in picked if not (" " in term and p in term.split())]
            picked.append(term)
            if len(picked) == n:
                break
        out.append(picked)
    return out


def excerpt(text: str, chars: int) -> str:
    """The first ``chars`` characters of a (de-identified) text, cut at a word boundary."""
    text = " ".join(str(text).split())
    if len(text) <= chars:
        return text
    cut = text[:chars].rsplit(" ", 1)[0]
    return cut + " ..."
