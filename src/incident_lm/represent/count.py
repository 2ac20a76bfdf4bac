"""Bag-of-words counts: the simplest baseline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from incident_lm.represent.base import Representation, check_texts, to_float32
from incident_lm.represent.registry import register
from incident_lm.text.tokenize import WordNgrams


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

    def check_params(self) -> None:
        check_vocabulary_params(self)
        self._check_bool("binary")

    def fit(self, X: Iterable[str], y: Any = None) -> CountRepresentation:
        """Learn the vocabulary from the training texts ``X``; ``y`` is ignored."""
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None) -> sp.csr_matrix:
        """Learn the vocabulary and return the ``(n_texts, vocabulary_size)`` counts of ``X``, in one pass
        over the texts (the same matrix as ``fit(X).transform(X)``)."""
        self.check_params()
        texts = check_texts(X)
        self.vectorizer_ = CountVectorizer(
            analyzer=WordNgrams(self.ngram_max), token_pattern=None, min_df=self.min_df, max_df=self.max_df,
            max_features=self.max_features, binary=self.binary,
            dtype="float32",
        )
        with vocabulary_errors(self, len(texts)):
            counts = self.vectorizer_.fit_transform(texts)
        return to_float32(counts)

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Returns a CSR float32 matrix of shape ``(n_texts, vocabulary_size)``."""
        self.check_fitted()
        return to_float32(self.vectorizer_.transform(check_texts(X)))

    @property
    def dim(self) -> int:
        return len(self.vectorizer_.vocabulary_)


@contextmanager
def vocabulary_errors(rep: Representation, n_texts: int) -> Iterator[None]:
    """scikit-learn's vocabulary errors of a fit ("max_df corresponds to < documents than min_df", "empty
    vocabulary") as the representation's own, naming the key to change and the number of training texts."""
    try:
        yield
    except ValueError as exc:
        msg = str(exc)
        if "min_df" in msg or "max_df" in msg:
            raise rep._invalid("min_df", f"with max_df = {rep.max_df!r} and {n_texts} training texts no term is "
                                         f"left ({msg}); lower min_df or raise max_df") from None
        if "empty vocabulary" in msg:
            raise rep._invalid("min_df", f"no term is left in the vocabulary of the {n_texts} training texts "
                                         f"({msg}); lower min_df or check the text") from None
        raise


def check_vocabulary_params(rep: Representation) -> None:
    """Checks shared by the count and TF-IDF vocabularies (``min_df``, ``max_df``, ``ngram_max``, ``max_features``)."""
    for name in ("min_df", "max_df"):
        value = getattr(rep, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise rep._invalid(name, "expected a count (integer >= 1) or a fraction of documents in (0, 1]")
        if isinstance(value, float) and not 0.0 < value <= 1.0:
            raise rep._invalid(name, "a fraction of documents must lie in (0, 1]")
        if isinstance(value, int) and value < 1:
            raise rep._invalid(name, "a document count must be >= 1")
    rep._check_int("ngram_max", 1)
    rep._check_int("max_features", 1, allow_none=True)
