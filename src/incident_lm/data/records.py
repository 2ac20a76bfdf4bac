"""The per-row part of the prepare stage: a pure function of a chunk of rows.

:func:`prepare_records` de-identifies every free-text field of a chunk on its raw text (so span offsets
match the source), normalises it, joins the fields (with their labels), derives the label values and the
date, counts words, marks rows to drop for per-row reasons and hashes each report's content for
de-duplication. It keeps no state between chunks: de-duplication and rare-label merging are aggregates
over the whole export and live in :mod:`incident_lm.data.prepare`. The same function is what a
distributed engine maps over partitions and what similar-incident search applies to a new query.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from incident_lm.data import vaers
from incident_lm.deid import Deidentifier
from incident_lm.text.normalise import (
    WHITESPACE,
    clean_label,
    clean_text,
    content_hash,
    date_order_evidence,
    join_fields,
    label_fields,
    parse_dates,
    word_counts,
)

#: Per-row reasons to drop a report, in the order they are checked.
ROW_DROP_REASONS = ("missing_id", "empty_text", "too_short")


@dataclass(frozen=True)
class RecordSpec:
    """How to read one source file's rows (resolved from the ``data`` section and the file's header).

    Parameters
    ----------
    text_fields : tuple of str
        Free-text columns present in the file, joined in this order.
    field_labels : tuple of str or None
        Label put before each text field ("What happened: ..."), or ``None`` for none.
    roles : mapping role -> column
        Label columns.
    id_column, date_column, date_format, dayfirst
        As in :class:`~incident_lm.data.config.DataConfig`; no id column: ids ``row<N>`` by position.
    harm_map : mapping or None
        The preset's harm value mapping, applied to the ``harm`` role.
    min_text_words : int
        Reports with fewer words are dropped (``too_short``).
    vax_map : mapping or None
        VAERS only: report id -> vaccine category (``category`` and ``harm`` are derived, not read).
    """

    text_fields: tuple[str, ...]
    field_labels: tuple[str, ...] | None = None
    roles: Mapping[str, str] = field(default_factory=dict)
    id_column: str | None = None
    date_column: str | None = None
    date_format: str | None = None
    dayfirst: bool = True
    harm_map: Callable[[str], str] | Mapping[str, str] | None = None
    min_text_words: int = 0
    vax_map: Mapping[str, str] | None = None


@dataclass
class Records:
    """What :func:`prepare_records` makes of a chunk.

    Attributes
    ----------
    frame : DataFrame, one row per input row, in input order
        ``id``, ``date`` (datetime64[ns]), ``text`` (joined, de-identified), one column per label role,
        ``words`` (int64, words of the de-identified fields), ``drop`` (``""`` or a per-row reason of
        :data:`ROW_DROP_REASONS`) and ``hash`` (content hash as bytes, ``None`` for dropped rows).
    redactions : dict field -> Counter of identifier type
    spans : list of (id, field, start, end, type)
        Redacted spans of the rows whose id is in ``spans_for`` (offsets into the raw field text).
    deid_seconds, clean_seconds : float
        Time spent de-identifying and cleaning.
    dates : Counter
        Over the rows of the chunk: ``empty`` and ``unparsed`` date values, and the day/month order
        evidence of numeric dates (see :func:`~incident_lm.text.normalise.date_order_evidence`).
    unparsed_dates : list of str
        The first few date values that did not parse.
    """

    frame: pd.DataFrame
    redactions: dict[str, Counter[str]]
    spans: list[tuple[str, str, int, int, str]]
    deid_seconds: float = 0.0
    clean_seconds: float = 0.0
    dates: Counter[str] = field(default_factory=Counter)
    unparsed_dates: list[str] = field(default_factory=list)

    @property
    def roles(self) -> list[str]:
        return [c for c in self.frame.columns if c not in ("id", "date", "text", "words", "drop", "hash")]


def prepare_records(raw: pd.DataFrame, spec: RecordSpec, deid: Deidentifier, *, first_row: int = 0,
                    spans_for: Container[str] | None = None) -> Records:
    """De-identify, clean and label a chunk of raw rows (strings), with no state kept between calls.

    Parameters
    ----------
    raw : DataFrame of str, shape (n_rows, n_columns)
        A chunk of the export with at least the columns named in ``spec``.
    spec : RecordSpec
    deid : Deidentifier
    first_row : int
        Position of the chunk's first row in the export (names id-less rows ``row<N>``).
    spans_for : container of str, optional
        Report ids whose redacted spans to return (those with planted ground truth).

    Returns
    -------
    Records
    """
    n = len(raw)
    t0 = time.perf_counter()
    if spec.id_column:
        ids = raw[spec.id_column].str.replace(WHITESPACE, " ", regex=True).str.strip()
    else:
        ids = pd.Series([f"row{first_row + i}" for i in range(n)], index=raw.index, dtype="str")
    id_list = ids.tolist()

    parts: list[pd.Series] = []
    contents: list[list[str]] = []
    redactions: dict[str, Counter[str]] = {}
    spans_out: list[tuple[str, str, int, int, str]] = []
    words = np.zeros(n, dtype=np.int64)
    t_clean = 0.0
    for col in spec.text_fields:
        redacted, spans = deid.redact_series(raw[col].fillna(""))
        tc = time.perf_counter()
        by_type = redactions.setdefault(col, Counter())
        for row_id, row_spans in zip(id_list, spans, strict=True):
            if row_spans:
                by_type.update(t for _, _, t in row_spans)
                if spans_for is not None and row_id in spans_for:
                    spans_out.extend((row_id, col, s, e, t) for s, e, t in row_spans)
        cleaned = clean_text(redacted)
        contents.append(cleaned.tolist())
        words += word_counts(cleaned).to_numpy()
        parts.append(cleaned)
        t_clean += time.perf_counter() - tc
    deid_seconds = time.perf_counter() - t0 - t_clean

    t1 = time.perf_counter()
    text = join_fields(label_fields(parts, spec.field_labels))
    drop = np.full(n, "", dtype=object)
    for reason, mask in zip(ROW_DROP_REASONS, ((ids == "").to_numpy(), words == 0, words < spec.min_text_words),
                            strict=True):
        drop[(drop == "") & mask] = reason
    hashes = [content_hash(tuple(c[i] for c in contents)) if drop[i] == "" else None for i in range(n)]
    frame = pd.DataFrame({"id": ids.to_numpy(), "text": text.to_numpy()})
    frame["id"] = frame["id"].astype("str")
    frame["text"] = frame["text"].astype("str")
    dates: Counter[str] = Counter()
    unparsed: list[str] = []
    if spec.date_column:
        raw_dates = raw[spec.date_column].reset_index(drop=True)
        parsed = parse_dates(raw_dates, spec.date_column, spec.date_format, spec.dayfirst)
        given = raw_dates.str.strip() != ""
        bad = given & parsed.isna()
        dates.update({"empty": int((~given).sum()), "unparsed": int(bad.sum())})
        dates.update(date_order_evidence(raw_dates[given]))
        unparsed = raw_dates[bad].head(5).tolist()
        frame["date"] = parsed.to_numpy()
    else:
        frame["date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame = frame[["id", "date", "text"]]
    for role, values in _labels(raw.reset_index(drop=True), frame["id"], spec).items():
        frame[role] = values.to_numpy()
        frame[role] = frame[role].astype("str")
    frame["words"] = words
    frame["drop"] = drop
    frame["hash"] = pd.Series(hashes, dtype=object)
    return Records(frame=frame, redactions=redactions, spans=spans_out, deid_seconds=deid_seconds,
                   clean_seconds=t_clean + time.perf_counter() - t1, dates=dates, unparsed_dates=unparsed)


def _labels(raw: pd.DataFrame, ids: pd.Series, spec: RecordSpec) -> dict[str, pd.Series]:
    """Label values per role (VAERS's derived category and harm first), cleaned, as str Series."""
    out: dict[str, pd.Series] = {}
    if spec.vax_map is not None:
        out["category"] = vaers.category_from_vax(ids, dict(spec.vax_map))
        out["harm"] = vaers.harm_from_flags(raw)
    for role, col in spec.roles.items():
        if role == "split":  # an export's own train/test column: checked and mapped by prepare
            out[role] = raw[col].str.replace(WHITESPACE, " ", regex=True).str.strip()
            continue
        values = clean_label(raw[col], col)
        if role == "harm" and spec.harm_map is not None:
            values = values.map(spec.harm_map).astype("str")
        out[role] = values
    return out


def field_label_names(text_fields: Sequence[str], names: Mapping[str, str], enabled: bool) -> tuple[str, ...] | None:
    """The label of each text field, as ``names`` (the preset's and ``data.field_label_names``) gives it, or
    ``None`` when off or when no field has a label. A field ``names`` does not know is left unlabelled: a raw
    column name ("narrative: ...", "IN07: ...") would become a word of every report."""
    if not enabled or not any(c in names for c in text_fields):
        return None
    return tuple(names.get(c, "") for c in text_fields)
