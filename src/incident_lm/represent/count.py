"""Bag-of-words counts: the simplest baseline."""

from __future__ import annotations

from collections.abc import Sequence

import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from incident_lm.represent.base import Representation, register, to_float32
from incident_lm.represent.text import TOKEN_PATTERN


@register("count")
class CountRepresentation(Representation):
    """Term counts over a vocabulary learnt on the training texts.

    Parameters
    ----------
    min_df : int or float
        Minimum document frequency of a kept term.
    max_df : float
        Drop terms in more than this fraction of documents.
    ngram_max : int
        Longest n-gram (1 = words only).
    max_features : int or None
        Keep the most frequent terms only.
    binary : bool
        Presence (1) instead of counts.

    Attributes
    ----------
    vectorizer_ : CountVectorizer
    """

    sparse_output = True

    def __init__(self, min_df: int | float = 2, max_df: float = 1.0, ngram_max: int = 1,
                 max_features: int | None = None, binary: bool = False):
        self.min_df = min_df
        self.max_df = max_df
        self.ngram_max = ngram_max
        self.max_features = max_features
        self.binary = binary

    def fit(self, texts: Sequence[str]) -> CountRepresentation:
        texts = self.check_texts(texts)
        self.vectorizer_ = CountVectorizer(
            lowercase=True, token_pattern=TOKEN_PATTERN, min_df=self.min_df, max_df=self.max_df,
            ngram_range=(1, self.ngram_max), max_features=self.max_features, binary=self.binary,
            dtype="float32",
        ).fit(texts)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Returns a CSR float32 matrix of shape ``(n_texts, vocabulary_size)``."""
        self.check_fitted()
        return to_float32(self.vectorizer_.transform(self.check_texts(texts)))

    @property
    def dim(self) -> int:
        return len(self.vectorizer_.vocabulary_)
