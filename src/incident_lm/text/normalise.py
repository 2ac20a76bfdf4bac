"""Normalising free text, labels and dates: the one recipe the prepare stage applies to every report and
that similar-incident search applies to a query, so both see text the same way.

Every function works on a pandas Series of strings (missing values become ``""`` first where noted).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import pandas as pd

#: Label value given to an empty label.
UNKNOWN = "Unknown"

WHITESPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def clean_text(s: pd.Series) -> pd.Series:
    """Normalise whitespace of texts: CR/LF -> LF, runs of blanks -> one space, blank lines dropped."""
    s = s.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
    s = s.str.replace(WHITESPACE, " ", regex=True).str.replace(_NEWLINES, "\n", regex=True)
    return s.str.strip()


def word_counts(s: pd.Series) -> pd.Series:
    """Number of white-space separated words of each text (int64; 0 for empty)."""
    return s.str.count(r"\S+").fillna(0).astype("int64")


def label_fields(parts: Sequence[pd.Series], labels: Sequence[str] | None) -> list[pd.Series]:
    """Prefix each non-empty field text with its label ("What happened: ..."); ``None`` (or an empty label)
    leaves them."""
    if labels is None:
        return list(parts)
    return [p.where(p == "", label + ": " + p) if label else p for p, label in zip(parts, labels, strict=True)]


def join_fields(parts: Sequence[pd.Series]) -> pd.Series:
    """One text per row: the non-empty fields joined by newlines (a Series with the parts' index)."""
    if not parts:
        raise ValueError("join_fields needs at least one field")
    rows = zip(*[p.tolist() for p in parts], strict=True)
    return pd.Series(["\n".join(x for x in row if x) for row in rows], index=parts[0].index, dtype="str")


def content_hash(fields: Sequence[str]) -> bytes:
    """Hash of a report's field texts, whitespace-normalised and order-free, so that the same text with its
    fields swapped between columns (a known scrape fault) still counts as an exact duplicate."""
    parts = sorted(" ".join(f.split()) for f in fields if f)
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).digest()


def _strip_prefix(s: pd.Series, column: str, pattern: str) -> pd.Series:
    prefix = re.sub(r"\s+", " ", column.replace("\xa0", " ")).strip()
    if prefix:
        s = s.str.replace(re.compile(r"^" + re.escape(prefix) + pattern, re.I), "", regex=True)
    return s


def clean_label(s: pd.Series, column: str) -> pd.Series:
    """Label values as tidy strings: whitespace collapsed, a leading copy of the column name removed
    ("Event Type\\xa0 Injury" -> "Injury"), empty -> ``"Unknown"``."""
    s = _strip_prefix(s.str.replace(WHITESPACE, " ", regex=True).str.strip(), column, r"(?:\s*:)?\s+")
    return s.where(s != "", UNKNOWN)


_NUMERIC_DATE = re.compile(r"^\s*(?:[A-Za-z][\w ]*:\s*)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\b")


def date_order_evidence(s: pd.Series) -> dict[str, int]:
    """What numeric day/month/year dates ``7/4/16`` say about their order, counted over ``s``:
    ``day_first`` (first number above 12, e.g. 25/12/16), ``month_first`` (second above 12, 12/25/16) and
    ``ambiguous`` (both 12 or less and different: 7/4/16 is 7 April or 4 July)."""
    parts = s.astype("str").str.extract(_NUMERIC_DATE).dropna()
    if parts.empty:
        return {"day_first": 0, "month_first": 0, "ambiguous": 0}
    a, b = parts[0].astype(int), parts[1].astype(int)
    return {"day_first": int(((a > 12) & (b <= 12)).sum()), "month_first": int(((b > 12) & (a <= 12)).sum()),
            "ambiguous": int(((a <= 12) & (b <= 12) & (a != b)).sum())}


def parse_dates(s: pd.Series, column: str, fmt: str | None, dayfirst: bool = True) -> pd.Series:
    """Parse a date column (``fmt`` or mixed formats); unparseable or empty -> NaT. dtype datetime64[ns].

    A leading copy of the column name ("Event date: 03/04/2023") is removed first. Without ``fmt``,
    ISO dates are read first (day-first parsing would read 2024-05-04 as 5 April), then anything else.
    """
    s = s.str.replace(WHITESPACE, " ", regex=True).str.strip()
    prefix = column.replace("\xa0", " ").strip()
    if prefix:
        s = s.str.replace(re.compile(r"^" + re.escape(prefix) + r"\s*:?\s*", re.I), "", regex=True)
    s = s.where(s != "", None)
    if fmt:
        out = pd.to_datetime(s, format=fmt, errors="coerce")
        if out.isna().any():  # a date with a time part ("2023-04-01 14:30") still parses
            rest = s[out.isna() & s.notna()].str.slice(0, len(pd.Timestamp(2000, 12, 31).strftime(fmt)))
            out.loc[rest.index] = pd.to_datetime(rest, format=fmt, errors="coerce")
    else:
        out = pd.to_datetime(s, format="ISO8601", errors="coerce")
        rest = s[out.isna() & s.notna()]
        if len(rest):
            out.loc[rest.index] = pd.to_datetime(rest, format="mixed", dayfirst=dayfirst, errors="coerce")
    return out.astype("datetime64[ns]")
