"""TF-IDF, optionally reduced by LSA (TruncatedSVD): the baseline to beat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from incident_lm.represent.base import Matrix, Representation, check_texts, to_float32
from incident_lm.represent.count import check_vocabulary_params, vocabulary_errors
from incident_lm.represent.registry import register
from incident_lm.text.tokenize import WordNgrams


@register("tfidf")
class TfidfRepresentation(Representation):
    """L2-normalised TF-IDF over word n-grams, with optional LSA.

    Parameters
    ----------
    min_df, max_df, ngram_max, max_features
        As in :class:`~incident_lm.represent.count.CountRepresentation`.
    sublinear_tf : bool
        Use ``1 + log(tf)``.
    lsa_components : int or None
        If set, project onto this many TruncatedSVD components and L2-normalise,
        giving a dense ``(n_texts, lsa_components)`` array instead of a sparse matrix.
    seed : int
        Seed of the randomised SVD.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
    svd_ : TruncatedSVD or None
    """

    def __init__(self, min_df: int | float = 2, max_df: float = 0.95, ngram_max: int = 2,
                 max_features: int | None = None, sublinear_tf: bool = True,
                 lsa_components: int | None = None, seed: int = 0):
        self.min_df = min_df
        self.max_df = max_df
        self.ngram_max = ngram_max
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.lsa_components = lsa_components
        self.seed = seed

    @property
    def sparse_output(self) -> bool:  # type: ignore[override]
        return not self.lsa_components

    def check_params(self) -> None:
        check_vocabulary_params(self)
        self._check_bool("sublinear_tf")
        self._check_int("lsa_components", 1, allow_none=True)
        self._check_int("seed", 0)

    def fit(self, X: Iterable[str], y: Any = None) -> TfidfRepresentation:
        """Learn the vocabulary (and IDF, LSA) from the training texts ``X``; ``y`` is ignored."""
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None) -> Matrix:
        """Fit on ``X`` and return its features, tokenising the texts once (the same matrix as
        ``fit(X).transform(X)``)."""
        self.check_params()
        texts = check_texts(X)
        self.vectorizer_ = TfidfVectorizer(
            analyzer=WordNgrams(self.ngram_max), token_pattern=None, min_df=self.min_df, max_df=self.max_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf, dtype=np.float32,
        )
        with vocabulary_errors(self, len(texts)):
            weights = self.vectorizer_.fit_transform(texts)
        self.svd_ = None
        if not self.lsa_components:
            return to_float32(weights)
        n = max(1, min(self.lsa_components, weights.shape[1] - 1, weights.shape[0] - 1))
        self.svd_ = TruncatedSVD(n_components=n, random_state=self.seed).fit(weights)
        return to_float32(normalize(self.svd_.transform(weights)))

    def transform(self, X: Iterable[str]) -> Matrix:
        """CSR ``(n_texts, n_terms)``, or dense float32 ``(n_texts, lsa_components)`` with LSA."""
        self.check_fitted()
        weights = self.vectorizer_.transform(check_texts(X))
        if self.svd_ is None:
            return to_float32(weights)
        return to_float32(normalize(self.svd_.transform(weights)))

    @property
    def dim(self) -> int:
        return self.svd_.components_.shape[0] if self.svd_ is not None else len(self.vectorizer_.vocabulary_)
