"""Shared tokenisation for the word-based representations.

Lower-cases, keeps word characters, clinical shorthand (``a&e``, ``news2``) and the
de-identification placeholders (``[person]``) as single tokens.
"""

from __future__ import annotations

import re

TOKEN_PATTERN = r"\[[a-z_]+\]|[a-z0-9]+(?:[&'/][a-z0-9]+)*"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens of ``text``."""
    return _TOKEN_RE.findall(text.lower())


class WordNgrams:
    """A picklable scikit-learn ``analyzer``: the tokens of :func:`tokenize` and their n-grams up to
    ``ngram_max``, joined by single spaces.

    It gives the same features as ``CountVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=(1, ngram_max))``
    with less Python per text (bigrams by ``zip`` rather than slicing), which is most of a vectoriser's time.

    Parameters
    ----------
    ngram_max : int
        Longest n-gram (1 = words only).
    """

    def __init__(self, ngram_max: int = 1):
        self.ngram_max = ngram_max

    def __call__(self, text: str) -> list[str]:
        tokens = _TOKEN_RE.findall(text.lower())
        if self.ngram_max == 1:
            return tokens
        out = list(tokens)
        out.extend(map(" ".join, zip(tokens, tokens[1:], strict=False)))
        for n in range(3, self.ngram_max + 1):
            out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        return out

    def __repr__(self) -> str:
        return f"WordNgrams(ngram_max={self.ngram_max})"
