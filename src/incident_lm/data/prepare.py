"""Prepare stage: read an export chunk by chunk, validate it, de-identify every free-text field, clean,
deduplicate and write one row per report.

Output ``reports.parquet`` columns: ``id`` (str), ``date`` (datetime64[ns], NaT when unknown), ``text``
(str, the joined de-identified free text) and one ``str`` column per label role the preset maps
(``category``, ``harm``, ``setting``, ...). Memory stays bounded: chunks are streamed to a temporary
Parquet file, and a second pass merges rare labels into ``"Other"`` while writing the final file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from incident_lm.data import vaers as vaers_mod
from incident_lm.data.load import (
    ReadStats,
    detect_encoding,
    file_format,
    iter_csv,
    iter_parquet,
    parquet_columns,
    read_header,
    resolve_sources,
)
from incident_lm.data.presets import PRESETS, Preset, get_preset
from incident_lm.deid import (
    DEFAULT_TARGETS,
    TYPES,
    Deidentifier,
    contains_value,
    score_redactions,
    spans_frame,
)
from incident_lm.io import atomic_path, write_json
from incident_lm.params import ParamsError, Section
from incident_lm.stage import DataError

log = logging.getLogger("incident_lm.prepare")

OTHER = "Other"
UNKNOWN = "Unknown"
DROP_REASONS = ("unreadable", "missing_id", "empty_text", "too_short", "duplicate_text", "duplicate_id")
TEXT_KEY = "data.columns.text_fields or data.text_fields"
DATA_KEYS = frozenset({"source", "format", "encoding", "preset", "columns", "text_fields", "labels", "date_column",
                       "date_format", "dayfirst", "field_labels", "field_label_names", "min_text_words",
                       "min_label_count", "rare_exempt", "max_bad_row_fraction", "chunksize", "max_rows", "years"})
DEID_KEYS = frozenset({"truth", "types", "gazetteer", "extra_names", "not_names", "placeholder", "targets",
                       "enforce_targets"})


# --------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------
@dataclass
class DataConfig:
    """The ``data`` params section, resolved against the preset.

    ``text_fields`` must exist in every file; ``optional_text_fields`` are joined when present.
    ``labels`` maps role -> column (must exist); ``optional_labels`` likewise when present.
    """

    source: str
    preset: Preset
    format: str = "auto"
    encoding: str = "auto"
    id_column: str | None = None
    date_column: str | None = None
    date_format: str | None = None
    dayfirst: bool = True
    text_fields: list[str] = field(default_factory=list)
    optional_text_fields: list[str] = field(default_factory=list)
    field_labels: bool = False
    field_label_names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    optional_labels: dict[str, str] = field(default_factory=dict)
    min_text_words: int = 3
    min_label_count: int = 20
    rare_exempt: list[str] = field(default_factory=list)
    max_bad_row_fraction: float = 0.01
    chunksize: int = 50_000
    max_rows: int | None = None
    years: list[int] | None = None
    text_keys: dict[str, str] = field(default_factory=dict)  # column -> params key to fix it

    @classmethod
    def from_section(cls, s: Section) -> DataConfig:
        """Build from the ``data`` section; ParamsError names the dotted key of any bad value."""
        preset = get_preset(s.choice("preset", list(PRESETS), "nrls"))
        columns = s.sub("columns", {})
        raw, raw_columns = s.to_dict(), columns.to_dict()
        source = s.str("source")
        fmt = s.choice("format", ["auto", "csv", "parquet"], "auto")
        encoding = s.str("encoding", None) or preset.encoding

        def col(key: str, default: str | None) -> str | None:
            if key in raw_columns:
                value = raw_columns[key]
                if value is not None and not isinstance(value, str):
                    raise columns.error(key, "expected a column name or null")
                return value
            return default

        id_column = col("id", preset.id)
        unknown = sorted(set(raw) - DATA_KEYS)
        if unknown:
            raise ParamsError(f"{s.source}: unknown key(s) {', '.join('data.' + k for k in unknown)}; "
                              f"allowed: {', '.join(sorted(DATA_KEYS))}")
        date_column = s.str("date_column", None) or col("date", preset.date)
        text_keys: dict[str, str] = {}
        if raw.get("text_fields") is not None:
            text_fields = [str(c) for c in s.list("text_fields")]
            optional: list[str] = []
            text_keys = dict.fromkeys(text_fields, "data.text_fields")
        elif raw_columns.get("text_fields") is not None:
            text_fields = [str(c) for c in columns.list("text_fields")]
            optional = []
            text_keys = dict.fromkeys(text_fields, "data.columns.text_fields")
        else:
            text_fields, optional = list(preset.text_fields), list(preset.optional_text_fields)
        if not text_fields:
            raise ParamsError(f"{s.source}: preset '{preset.name}' needs the free-text columns: set "
                              f"{TEXT_KEY} (a list of column names)")

        labels = dict(preset.labels)
        optional_labels = dict(preset.optional_labels)
        label_overrides: dict[str, Any] = {}
        for key, value in raw_columns.items():
            if key not in ("id", "date", "text_fields"):
                label_overrides[key] = value
        label_overrides.update(s.sub("labels", {}).to_dict())
        for role, value in label_overrides.items():
            if role in ("id", "date", "text", "split"):
                raise s.sub("labels", {}).error(role, f"'{role}' is reserved and cannot be a label role")
            labels.pop(role, None)
            optional_labels.pop(role, None)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ParamsError(f"{s.source}: 'data.labels.{role}' = {value!r}: expected a column name")
            labels[role] = value
        years = s.list("years", None)
        if years is not None and not all(isinstance(y, int) for y in years):
            raise s.error("years", "expected a list of integer years")
        return cls(
            source=source, preset=preset, format=fmt, encoding=encoding, id_column=id_column,
            date_column=date_column, date_format=s.str("date_format", None) or preset.date_format,
            dayfirst=s.bool("dayfirst", True),
            text_fields=text_fields, optional_text_fields=optional,
            field_labels=s.bool("field_labels", False),
            field_label_names={**preset.field_labels, **s.sub("field_label_names", {}).to_dict()},
            labels=labels, optional_labels=optional_labels,
            min_text_words=s.int("min_text_words", 3, min=0),
            min_label_count=s.int("min_label_count", 20, min=1),
            rare_exempt=[str(r) for r in s.list("rare_exempt", [])],
            max_bad_row_fraction=s.float("max_bad_row_fraction", 0.01, min=0.0, max=1.0),
            chunksize=s.int("chunksize", 50_000, min=1),
            max_rows=s.int("max_rows", None, min=1),
            years=years, text_keys=text_keys,
        )

    def key_for(self, what: str, column: str = "") -> str:
        """The params key to set when ``what`` ('id', 'date', 'text', or a label role) is wrong."""
        if what == "id":
            return "data.columns.id"
        if what == "date":
            return "data.date_column or data.columns.date"
        if what == "text":
            return self.text_keys.get(column, TEXT_KEY)
        return f"data.labels.{what} (or data.columns.{what})"


@dataclass
class DeidSettings:
    """The ``deid`` params section: de-identifier options plus ground truth and targets."""

    options: dict[str, Any]
    truth: str | None = None
    targets: dict[str, float] = field(default_factory=dict)
    enforce_targets: bool = False

    @classmethod
    def from_section(cls, s: Section) -> DeidSettings:
        opts = s.to_dict()
        unknown = sorted(set(opts) - DEID_KEYS)
        if unknown:
            raise ParamsError(f"{s.source}: unknown key(s) {', '.join('deid.' + k for k in unknown)}; "
                              f"allowed: {', '.join(sorted(DEID_KEYS))}")
        truth = s.str("truth", None)
        tsec = s.sub("targets", {})
        bad_targets = sorted(set(tsec) - set(DEFAULT_TARGETS))
        if bad_targets:
            raise tsec.error(bad_targets[0], f"unknown target; choose from {', '.join(DEFAULT_TARGETS)}")
        targets = {k: tsec.float(k, min=0.0, max=1.0) for k in tsec}
        enforce = s.bool("enforce_targets", False)
        for k in ("truth", "targets", "enforce_targets"):
            opts.pop(k, None)
        types = opts.get("types")
        if types is not None:
            bad = [t for t in types if t not in TYPES]
            if bad:
                raise s.error("types", f"unknown identifier type(s) {bad}; choose from {', '.join(TYPES)}")
        return cls(options=opts, truth=truth, targets=targets, enforce_targets=enforce)


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------
@dataclass
class _Source:
    path: Path
    fmt: str
    encoding: str
    header: list[str]


def _missing_column_error(cfg: DataConfig, path: Path, column: str, what: str, header: list[str]) -> DataError:
    shown = ", ".join(header[:25]) + (" ..." if len(header) > 25 else "")
    return DataError(f"{path}: column '{column}' not found (preset '{cfg.preset.name}', set "
                     f"{cfg.key_for(what, column)}); columns are: {shown}")


def _open_sources(cfg: DataConfig) -> tuple[list[_Source], dict[str, str] | None]:
    """Resolve, detect encodings and read headers; VAERS also builds the id -> vaccine type map."""
    vax_map = None
    if cfg.preset.reader == "vaers":
        pairs = vaers_mod.data_files(cfg.source, cfg.years)
        t0 = time.perf_counter()
        vax_map, _ = vaers_mod.vax_categories([v for _, v in pairs], cfg.encoding)
        log.info("vaers: %d vaccine-type records from %d VAX files in %.1fs", len(vax_map), len(pairs),
                 time.perf_counter() - t0)
        paths = [d for d, _ in pairs]
    else:
        paths = resolve_sources(cfg.source, cfg.format)
    sources = []
    for p in paths:
        fmt = file_format(p, cfg.format)
        if fmt == "parquet":
            if p.stat().st_size == 0:
                raise DataError(f"{p}: file is empty (check data.source)")
            sources.append(_Source(p, fmt, "parquet", parquet_columns(p)))
        else:
            enc = detect_encoding(p, cfg.encoding)
            sources.append(_Source(p, fmt, enc, read_header(p, enc)))
    return sources, vax_map


def _needed_columns(cfg: DataConfig, src: _Source) -> tuple[list[str], list[str], dict[str, str], list[str]]:
    """Validate ``src``'s header; return (columns to read, text fields present, label roles present,
    optional columns missing)."""
    header = src.header
    missing_optional: list[str] = []
    if cfg.id_column and cfg.id_column not in header:
        raise _missing_column_error(cfg, src.path, cfg.id_column, "id", header)
    if cfg.date_column and cfg.date_column not in header:
        raise _missing_column_error(cfg, src.path, cfg.date_column, "date", header)
    for c in cfg.text_fields:
        if c not in header:
            raise _missing_column_error(cfg, src.path, c, "text", header)
    texts = list(cfg.text_fields)
    for c in cfg.optional_text_fields:
        if c in header:
            texts.append(c)
        else:
            missing_optional.append(c)
    roles: dict[str, str] = {}
    for role, c in cfg.labels.items():
        if c not in header:
            raise _missing_column_error(cfg, src.path, c, role, header)
        roles[role] = c
    for role, c in cfg.optional_labels.items():
        if c in header:
            roles[role] = c
        else:
            missing_optional.append(c)
    cols = [c for c in (cfg.id_column, cfg.date_column) if c]
    cols += texts + list(roles.values())
    if cfg.preset.reader == "vaers":
        from incident_lm.data.presets import VAERS_FLAGS

        flags = [f for f in VAERS_FLAGS if f in header]
        if not flags:
            raise DataError(f"{src.path}: none of the VAERS outcome flags {', '.join(VAERS_FLAGS)} found "
                            f"(preset 'vaers' derives harm from them)")
        cols += flags
    return list(dict.fromkeys(cols)), texts, roles, missing_optional


# --------------------------------------------------------------------------------------------------
# Cleaning helpers
# --------------------------------------------------------------------------------------------------
_WS = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_NL = re.compile(r"\s*\n\s*")


def clean_text(s: pd.Series) -> pd.Series:
    """Normalise whitespace of texts: CR/LF -> LF, runs of blanks -> one space, blank lines dropped."""
    s = s.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
    s = s.str.replace(_WS, " ", regex=True).str.replace(_NL, "\n", regex=True)
    return s.str.strip()


def clean_label(s: pd.Series, column: str) -> pd.Series:
    """Label values as tidy strings: whitespace collapsed, a leading copy of the column name removed
    ("Event Type\\xa0 Injury" -> "Injury"), empty -> "Unknown"."""
    s = s.str.replace(_WS, " ", regex=True).str.strip()
    prefix = re.sub(r"\s+", " ", column.replace("\xa0", " ")).strip()
    if prefix:
        s = s.str.replace(re.compile(r"^" + re.escape(prefix) + r"(?:\s*:)?\s+", re.I), "", regex=True)
    return s.where(s != "", UNKNOWN)


def _clean_date_strings(s: pd.Series, column: str) -> pd.Series:
    s = s.str.replace(_WS, " ", regex=True).str.strip()
    prefix = column.replace("\xa0", " ").strip()
    if prefix:
        s = s.str.replace(re.compile(r"^" + re.escape(prefix) + r"\s*:?\s*", re.I), "", regex=True)
    return s


def parse_dates(s: pd.Series, column: str, fmt: str | None, dayfirst: bool = True) -> pd.Series:
    """Parse a date column (``fmt`` or mixed formats); unparseable or empty -> NaT. dtype datetime64[ns]."""
    s = _clean_date_strings(s, column)
    s = s.where(s != "", None)
    if fmt:
        out = pd.to_datetime(s, format=fmt, errors="coerce")
        if out.isna().any():  # a date with a time part ("2023-04-01 14:30") still parses
            rest = s[out.isna() & s.notna()].str.slice(0, len(pd.Timestamp(2000, 12, 31).strftime(fmt)))
            out.loc[rest.index] = pd.to_datetime(rest, format=fmt, errors="coerce")
    else:
        # ISO dates first (dayfirst would read 2024-05-04 as 5 April), then anything else, day first
        out = pd.to_datetime(s, format="ISO8601", errors="coerce")
        rest = s[out.isna() & s.notna()]
        if len(rest):
            out.loc[rest.index] = pd.to_datetime(rest, format="mixed", dayfirst=dayfirst, errors="coerce")
    return out.astype("datetime64[ns]")


def _hash(fields: tuple[str, ...]) -> bytes:
    """Hash of a report's field texts, whitespace-normalised and order-free, so that the same text with
    its fields swapped between columns (a known scrape fault) is still an exact duplicate."""
    parts = sorted(" ".join(f.split()) for f in fields if f)
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).digest()


# --------------------------------------------------------------------------------------------------
# The stage
# --------------------------------------------------------------------------------------------------
@dataclass
class _State:
    rows_read: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    seen_text: set[bytes] = field(default_factory=set)
    seen_ids: set[str] = field(default_factory=set)
    labels: dict[str, Counter[str]] = field(default_factory=dict)
    words: list[np.ndarray] = field(default_factory=list)
    redactions_by_field: dict[str, Counter[str]] = field(default_factory=dict)
    pred_spans: list[tuple[str, str, int, int, str]] = field(default_factory=list)
    docs_scored: set[str] = field(default_factory=set)
    rows_with_text: int = 0
    dates_missing: int = 0
    synthetic_id: int = 0
    timing: Counter[str] = field(default_factory=Counter)
    kept: int = 0


def _process_chunk(raw: pd.DataFrame, cfg: DataConfig, texts: list[str], roles: dict[str, str],
                   deid: Deidentifier, state: _State, truth_docs: set[str] | None,
                   vax_map: dict[str, str] | None) -> pd.DataFrame:
    n = len(raw)
    state.rows_read += n
    t0 = time.perf_counter()
    if cfg.id_column:
        ids = raw[cfg.id_column].str.replace(_WS, " ", regex=True).str.strip()
    else:
        ids = pd.Series([f"row{state.synthetic_id + i}" for i in range(n)], index=raw.index, dtype="str")
        state.synthetic_id += n
    id_list = ids.tolist()

    # 1. de-identify every free-text field on its raw text (offsets match the source)
    parts: list[pd.Series] = []
    contents: list[list[str]] = []
    words = np.zeros(n, dtype=np.int64)
    t_clean = 0.0
    for col in texts:
        raw_text = raw[col].fillna("")
        redacted, spans = deid.redact_series(raw_text)
        tc = time.perf_counter()
        by_field = state.redactions_by_field.setdefault(col, Counter())
        for row_id, row_spans in zip(id_list, spans, strict=True):
            if not row_spans:
                continue
            types = [t for _, _, t in row_spans]
            by_field.update(types)
            if truth_docs is not None and row_id in truth_docs:
                state.pred_spans.extend((row_id, col, s, e, t) for s, e, t in row_spans)
        if truth_docs is not None:
            state.docs_scored.update(i for i in id_list if i in truth_docs)
        cleaned = clean_text(redacted)
        contents.append(cleaned.tolist())
        words += cleaned.str.count(r"\S+").fillna(0).to_numpy(dtype=np.int64)
        if cfg.field_labels:
            label = cfg.field_label_names.get(col, col)
            cleaned = cleaned.where(cleaned == "", label + ": " + cleaned)
        parts.append(cleaned)
        t_clean += time.perf_counter() - tc
    state.timing["deid"] += time.perf_counter() - t0 - t_clean
    t1 = time.perf_counter() - t_clean
    text = pd.Series(["\n".join(p for p in row if p) for row in zip(*[p.tolist() for p in parts], strict=True)],
                     index=raw.index, dtype="str")
    state.rows_with_text += int((words > 0).sum())

    # 2. drop, in order of reason
    keep = np.ones(n, dtype=bool)

    def drop(mask: np.ndarray, reason: str) -> None:
        hit = mask & keep
        state.dropped[reason] += int(hit.sum())
        keep[hit] = False

    drop((ids == "").to_numpy(), "missing_id")
    drop(words == 0, "empty_text")
    drop(words < cfg.min_text_words, "too_short")
    dup_text = np.zeros(n, dtype=bool)
    dup_id = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(keep):
        h = _hash(tuple(c[i] for c in contents))
        if h in state.seen_text:
            dup_text[i] = True
            continue
        if id_list[i] in state.seen_ids:
            dup_id[i] = True
            continue
        state.seen_text.add(h)
        state.seen_ids.add(id_list[i])
    drop(dup_text, "duplicate_text")
    drop(dup_id, "duplicate_id")

    # 3. the kept rows, with dates and labels
    out = pd.DataFrame({"id": ids[keep].to_numpy(), "text": text[keep].to_numpy()})
    out["id"] = out["id"].astype("str")
    out["text"] = out["text"].astype("str")
    kept_raw = raw[keep]
    if cfg.date_column:
        dates = parse_dates(kept_raw[cfg.date_column], cfg.date_column, cfg.date_format, cfg.dayfirst)
        state.dates_missing += int(dates.isna().sum())
        out["date"] = dates.to_numpy()
    else:
        out["date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        state.dates_missing += len(out)
    out = out[["id", "date", "text"]]
    label_cols: dict[str, pd.Series] = {}
    if vax_map is not None:
        label_cols["category"] = vaers_mod.category_from_vax(out["id"], vax_map)
        label_cols["harm"] = vaers_mod.harm_from_flags(kept_raw.reset_index(drop=True))
    for role, col in roles.items():
        values = clean_label(kept_raw[col].reset_index(drop=True), col)
        if role == "harm" and cfg.preset.harm is not None:
            values = values.map(cfg.preset.harm).astype("str")
        label_cols[role] = values
    for role, values in label_cols.items():
        out[role] = values.to_numpy()
        out[role] = out[role].astype("str")
        state.labels.setdefault(role, Counter()).update(values.tolist())
    state.words.append(words[keep])
    state.kept += len(out)
    state.timing["clean"] += time.perf_counter() - t1
    return out


def _schema(roles: list[str]) -> pa.Schema:
    return pa.schema([("id", pa.string()), ("date", pa.timestamp("ns")), ("text", pa.string())]
                     + [(r, pa.string()) for r in roles])


def label_mapping(counts: Counter[str], min_count: int, exempt: bool = False) -> tuple[dict[str, str], list[str]]:
    """Map raw label values to final ones: spellings differing only by case are merged into the most
    frequent one, then values with fewer than ``min_count`` reports become ``"Other"``.

    Returns (mapping raw -> final, values merged into Other).
    """
    by_fold: dict[str, Counter[str]] = {}
    for v, c in counts.items():
        by_fold.setdefault(v.casefold(), Counter())[v] += c
    canon: dict[str, str] = {}
    merged: Counter[str] = Counter()
    for spellings in by_fold.values():
        best = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        for v in spellings:
            canon[v] = best
        merged[best] += sum(spellings.values())
    rare = sorted(v for v, c in merged.items() if c < min_count and v != OTHER) if not exempt else []
    rare_set = set(rare)
    return {v: (OTHER if canon[v] in rare_set else canon[v]) for v in counts}, rare


def _quantiles(words: np.ndarray) -> dict[str, float | None]:
    keys = {"min": 0, "p5": 5, "p25": 25, "median": 50, "p75": 75, "p95": 95, "max": 100}
    if words.size == 0:
        return dict.fromkeys(keys)
    return {k: float(np.percentile(words, q)) for k, q in keys.items()}


def load_truth(path: str | Path, id_column: str | None) -> pd.DataFrame:
    """Ground-truth identifier spans as columns doc, field, start, end, type, value."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: ground truth not found (set deid.truth to the identifiers CSV, or "
                                f"null for real data)")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    doc_col = next((c for c in ("doc", "id", id_column, "RP01") if c and c in df.columns), None)
    missing = [c for c in ("field", "start", "end", "type") if c not in df.columns]
    if doc_col is None or missing:
        raise DataError(f"{path}: ground truth needs columns RP01 (or id), field, start, end, type "
                        f"(missing {missing or ['RP01']}); check deid.truth")
    out = df.rename(columns={doc_col: "doc"})
    out["start"] = out["start"].astype(int)
    out["end"] = out["end"].astype(int)
    if "value" not in out.columns:
        out["value"] = ""
    return out[["doc", "field", "start", "end", "type", "value"]]


def _iter_chunks(sources: list[_Source], cfg: DataConfig, stats_out: list[ReadStats]
                 ) -> Iterator[tuple[pd.DataFrame, list[str], dict[str, str]]]:
    remaining = cfg.max_rows
    for src in sources:
        cols, texts, roles, missing_optional = _needed_columns(cfg, src)
        if missing_optional:
            log.warning("%s: optional columns not present, skipped: %s", src.path, ", ".join(missing_optional))
        stats = ReadStats(str(src.path), src.encoding)
        stats_out.append(stats)
        if src.fmt == "parquet":
            it = iter_parquet(src.path, cols, cfg.chunksize, stats, remaining)
        else:
            it = iter_csv(src.path, src.encoding, src.header, cols, cfg.chunksize, stats, remaining)
        for chunk in it:
            yield chunk, texts, roles
            if remaining is not None:
                remaining -= len(chunk)
        if remaining is not None and remaining <= 0:
            break


def prepare(cfg: DataConfig, deid_settings: DeidSettings, out_path: str | Path = "data/prepared/reports.parquet",
            data_metrics: str | Path = "metrics/data.json",
            deid_metrics: str | Path = "metrics/deid.json") -> dict[str, Any]:
    """Run the prepare stage and write its three outputs atomically (all or none are replaced).

    Parameters
    ----------
    cfg : DataConfig
        Resolved ``data`` section.
    deid_settings : DeidSettings
        Resolved ``deid`` section.
    out_path : path
        Prepared reports Parquet (columns id, date, text, label roles).
    data_metrics, deid_metrics : path
        JSON metrics files.

    Returns
    -------
    dict
        ``{"data": data metrics, "deid": deid metrics}``.
    """
    t_start = time.perf_counter()
    out_path = Path(out_path)
    deid = Deidentifier(deid_settings.options)
    truth = load_truth(deid_settings.truth, cfg.id_column) if deid_settings.truth else None
    truth_docs = set(truth["doc"]) if truth is not None else None

    t0 = time.perf_counter()
    sources, vax_map = _open_sources(cfg)
    for src in sources:  # validate every file's columns before reading any rows
        _needed_columns(cfg, src)
    t_open = time.perf_counter() - t0
    log.info("reading %d file(s), preset %s: %s", len(sources), cfg.preset.name,
             ", ".join(f"{s.path.name} [{s.encoding}]" for s in sources))

    state = _State()
    read_stats: list[ReadStats] = []
    roles_seen: list[str] | None = None
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.stage1.", suffix=".parquet", dir=out_path.parent)
    os.close(fd)
    tmp1 = Path(tmp_name)
    writer: pq.ParquetWriter | None = None
    try:
        t_read = time.perf_counter()
        chunks = _iter_chunks(sources, cfg, read_stats)
        for chunk, texts, roles in tqdm(chunks, desc="prepare", unit="chunk", mininterval=2.0):
            state.timing["read"] += time.perf_counter() - t_read
            out = _process_chunk(chunk, cfg, texts, roles, deid, state, truth_docs, vax_map)
            t_w = time.perf_counter()
            these_roles = [c for c in out.columns if c not in ("id", "date", "text")]
            if roles_seen is None:
                roles_seen = these_roles
                writer = pq.ParquetWriter(tmp1, _schema(roles_seen))
            elif these_roles != roles_seen:
                raise DataError(f"{cfg.source}: files map different label roles ({roles_seen} vs "
                                f"{these_roles}); give every file the same columns or set data.labels")
            if len(out):
                assert writer is not None
                writer.write_table(pa.Table.from_pandas(out, schema=_schema(roles_seen), preserve_index=False))
            state.timing["write"] += time.perf_counter() - t_w
            t_read = time.perf_counter()
        if writer is not None:
            writer.close()
            writer = None

        _check_read(cfg, sources, read_stats, state)
        data_m, deid_m = _finalise(cfg, deid_settings, state, read_stats, sources, roles_seen or [], tmp1,
                                   out_path, truth, data_metrics, deid_metrics)
    finally:
        if writer is not None:
            writer.close()
        if tmp1.exists():
            tmp1.unlink()
    total = time.perf_counter() - t_start
    log.info("timing: open %.1fs, read %.1fs, de-identify %.1fs (%.0f reports/s), clean %.1fs, write %.1fs, "
             "total %.1fs", t_open, state.timing["read"], state.timing["deid"],
             state.rows_read / max(state.timing["deid"], 1e-9), state.timing["clean"],
             state.timing["write"] + state.timing["final"], total)
    return {"data": data_m, "deid": deid_m}


def _check_read(cfg: DataConfig, sources: list[_Source], read_stats: list[ReadStats], state: _State) -> None:
    bad = [b for s in read_stats for b in s.bad]
    lines = sum(s.lines for s in read_stats)
    bad_lines = sum(s.bad_lines for s in read_stats)
    state.dropped["unreadable"] = len(bad)
    frac = bad_lines / lines if lines else 0.0
    if bad and frac > cfg.max_bad_row_fraction:
        shown = "; ".join(f"{Path(b.file).name} line {b.line}: {b.reason}" for b in bad[:10])
        more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
        raise DataError(f"{len(bad)} unreadable row(s) = {frac:.2%} of lines, above "
                        f"data.max_bad_row_fraction = {cfg.max_bad_row_fraction}: {shown}{more}")
    for b in bad[:20]:
        log.warning("unreadable row skipped: %s line %d: %s", b.file, b.line, b.reason)
    files = ", ".join(str(s.path) for s in sources)
    if state.rows_read == 0:
        raise DataError(f"{files}: no data rows (only a header?); check data.source")
    if state.rows_with_text == 0:
        cols = ", ".join(cfg.text_fields + cfg.optional_text_fields)
        raise DataError(f"{files}: every report has empty text in the text columns {cols} (preset "
                        f"'{cfg.preset.name}'; set {TEXT_KEY})")
    if state.kept == 0:
        raise DataError(f"{files}: no report left after cleaning (dropped: {dict(state.dropped)}); check "
                        f"data.min_text_words and the text columns ({TEXT_KEY})")


def _finalise(cfg: DataConfig, deid_settings: DeidSettings, state: _State, read_stats: list[ReadStats],
              sources: list[_Source], roles: list[str], tmp1: Path, out_path: Path, truth: pd.DataFrame | None,
              data_metrics: str | Path, deid_metrics: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    t0 = time.perf_counter()
    mappings: dict[str, dict[str, str]] = {}
    merged_other: dict[str, list[str]] = {}
    final_counts: dict[str, dict[str, int]] = {}
    for role in roles:
        mapping, rare = label_mapping(state.labels.get(role, Counter()), cfg.min_label_count,
                                      role in cfg.rare_exempt)
        mappings[role] = mapping
        merged_other[role] = rare
        fc: Counter[str] = Counter()
        for v, c in state.labels.get(role, Counter()).items():
            fc[mapping[v]] += c
        final_counts[role] = dict(sorted(fc.items(), key=lambda kv: (-kv[1], kv[0])))

    leak_values: dict[str, list[tuple[str, str]]] = {}
    if truth is not None:
        for doc, typ, value in truth[["doc", "type", "value"]].itertuples(index=False, name=None):
            if value and doc in state.docs_scored:
                leak_values.setdefault(doc, []).append((typ, value))
    leaked: Counter[str] = Counter()
    checked = 0

    schema = _schema(roles)
    # all three outputs are renamed into place only after every one was written
    with atomic_path(out_path, ".parquet") as tmp_final, atomic_path(data_metrics, ".json") as tmp_dm, \
            atomic_path(deid_metrics, ".json") as tmp_deid:
        writer = pq.ParquetWriter(tmp_final, schema)
        try:
            for batch in pq.ParquetFile(tmp1).iter_batches(batch_size=cfg.chunksize):
                df = batch.to_pandas()
                for role in roles:
                    df[role] = df[role].map(mappings[role]).astype("str")
                if leak_values:
                    for doc, text in zip(df["id"], df["text"], strict=True):
                        for typ, value in leak_values.get(doc, ()):
                            checked += 1
                            if contains_value(text, value):
                                leaked[typ] += 1
                df["date"] = df["date"].astype("datetime64[ns]")
                writer.write_table(pa.Table.from_pandas(df, schema=schema, preserve_index=False))
        finally:
            writer.close()

        words = np.concatenate(state.words) if state.words else np.zeros(0, dtype=np.int64)
        redactions = {t: int(sum(c.get(t, 0) for c in state.redactions_by_field.values())) for t in TYPES}
        bad = [b for s in read_stats for b in s.bad]
        dups = state.dropped["duplicate_text"] + state.dropped["duplicate_id"]
        data_m: dict[str, Any] = {
            "preset": cfg.preset.name,
            "source": str(cfg.source),
            "files_read": [str(s.path) for s in sources],
            "encoding": {str(s.path): s.encoding for s in sources},
            "text_fields": list(dict.fromkeys(c for s in sources for c in _needed_columns(cfg, s)[1])),
            "rows_read": state.rows_read + len(bad),
            "rows_kept": state.kept,
            "rows_dropped": {r: int(state.dropped.get(r, 0)) for r in DROP_REASONS},
            "duplicates": {"text": int(state.dropped["duplicate_text"]), "id": int(state.dropped["duplicate_id"]),
                           "total": int(dups)},
            "unreadable_rows": {"count": len(bad),
                                "fraction_of_lines": round(sum(s.bad_lines for s in read_stats)
                                                           / max(1, sum(s.lines for s in read_stats)), 6),
                                "max_fraction": cfg.max_bad_row_fraction,
                                "first": [{"file": b.file, "line": b.line, "reason": b.reason} for b in bad[:50]]},
            "dates": {"column": cfg.date_column, "missing_or_unparsed": int(state.dates_missing)},
            "labels": final_counts,
            "labels_merged_into_other": merged_other,
            "min_label_count": cfg.min_label_count,
            "text_words": _quantiles(words),
            "redactions": redactions,
            "redactions_by_field": {f: {t: int(c.get(t, 0)) for t in TYPES}
                                    for f, c in state.redactions_by_field.items()},
        }
        deid_m: dict[str, Any] = {"truth": None, "redactions": redactions,
                                  "reports_deidentified": state.rows_read,
                                  "reports_per_second": round(state.rows_read / max(state.timing["deid"], 1e-9), 1)}
        if truth is not None:
            pred = spans_frame(state.pred_spans)
            pred.attrs["docs"] = state.docs_scored
            scores = score_redactions(pred, truth, deid_settings.targets)
            deid_m = {"truth": str(deid_settings.truth), "docs_scored": len(state.docs_scored), **scores,
                      "leaked_truth_values": {"checked_in_kept_reports": checked,
                                              "leaked": int(sum(leaked.values())),
                                              "leaked_by_type": dict(leaked)},
                      **{k: v for k, v in deid_m.items() if k != "truth"}}
            ov = scores["overall"]
            log.info("deid vs truth: recall %s precision %s (%d docs); targets pass: %s", ov["recall"],
                     ov["precision"], len(state.docs_scored), scores["targets"]["all_pass"])
            if deid_settings.enforce_targets and not scores["targets"]["all_pass"]:
                raise DataError(f"de-identification misses its targets ({scores['targets']}); "
                                f"deid.enforce_targets is true")
        write_json(tmp_dm, data_m)
        write_json(tmp_deid, deid_m)
    state.timing["final"] += time.perf_counter() - t0
    log.info("kept %d of %d rows; dropped %s", state.kept, data_m["rows_read"],
             {k: v for k, v in data_m["rows_dropped"].items() if v})
    return data_m, deid_m


def run(data: Section, deid: Section, out_path: str | Path = "data/prepared/reports.parquet",
        data_metrics: str | Path = "metrics/data.json", deid_metrics: str | Path = "metrics/deid.json"
        ) -> dict[str, Any]:
    """Parse the ``data`` and ``deid`` sections and run :func:`prepare`."""
    return prepare(DataConfig.from_section(data), DeidSettings.from_section(deid), out_path, data_metrics,
                   deid_metrics)
