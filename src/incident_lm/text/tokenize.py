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
