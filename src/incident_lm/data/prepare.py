"""Prepare stage: read an export chunk by chunk, validate it, de-identify every free-text field, clean,
de-duplicate and write one row per report.

Output ``reports.parquet`` columns: ``id`` (str), ``date`` (datetime64[ns], NaT when unknown), ``text``
(str, the joined de-identified free text) and one ``str`` column per label role the preset maps
(``category``, ``harm``, ``setting``, ...). The per-row work is :func:`~incident_lm.data.records.prepare_records`,
a pure function of each chunk; this module holds what needs the whole export: checking every file's
columns first, exact de-duplication, merging rare labels into ``"Other"``, the metrics, and writing the
outputs atomically. Memory stays bounded: chunks are streamed to a temporary Parquet file, and a second
pass merges rare labels while writing the final file.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from incident_lm.core.errors import DataError
from incident_lm.core.io import atomic_path, write_json
from incident_lm.core.params import Section, read_section
from incident_lm.data import vaers
from incident_lm.data.config import TEXT_KEY, DataConfig
from incident_lm.data.load import (
    MIXED,
    ReadStats,
    check_parquet_types,
    detect_encoding,
    file_format,
    iter_csv,
    iter_parquet,
    parquet_schema,
    read_header,
    resolve_sources,
)
from incident_lm.data.presets import VAERS_FLAGS
from incident_lm.data.records import ROW_DROP_REASONS, Records, RecordSpec, field_label_names, prepare_records
from incident_lm.deid import TYPES, DeidConfig, Deidentifier
from incident_lm.deid.evalset import independent_evaluation
from incident_lm.deid.residual import ResidualScan, lower_case_words, ordinary_words
from incident_lm.deid.score import contains_value, load_truth, score_redactions, spans_frame

#: The prepared column holding an export's own split (``data.split_column``), carried like a label role.
SPLIT = "split"

log = logging.getLogger("incident_lm.prepare")

OTHER = "Other"
DROP_REASONS = ("unreadable", *ROW_DROP_REASONS, "duplicate_text", "duplicate_id")


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------
@dataclass
class _Source:
    path: Path
    fmt: str
    encoding: str
    header: list[str]
    types: dict[str, str] | None = None  # Parquet: column -> Arrow type


def _missing_column_error(cfg: DataConfig, path: Path, column: str, what: str, header: list[str]) -> DataError:
    shown = ", ".join(header[:25]) + (" ..." if len(header) > 25 else "")
    return DataError(f"{path}: column '{column}' not found (preset '{cfg.preset.name}', set "
                     f"{cfg.key_for(what, column)}); columns are: {shown}")


def _open_sources(cfg: DataConfig) -> tuple[list[_Source], dict[str, str] | None]:
    """Resolve, detect encodings and read headers; VAERS also builds the id -> vaccine type map."""
    vax_map = None
    if cfg.preset.reader == "vaers":
        pairs = vaers.data_files(cfg.source, cfg.years)
        t0 = time.perf_counter()
        vax_map, _ = vaers.vax_categories([v for _, v in pairs], cfg.encoding)
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
            types = parquet_schema(p)
            sources.append(_Source(p, fmt, "parquet", list(types), types))
        else:
            enc = detect_encoding(p, cfg.encoding, cfg.mixed_encoding)
            if enc == MIXED:
                log.warning("%s: mixed encodings; each line read as UTF-8, the others as cp1252 "
                            "(data.mixed_encoding: per_line)", p)
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
    if cfg.split_column:  # the export's own train/test split, carried as the prepared "split" column
        if cfg.split_column not in header:
            raise _missing_column_error(cfg, src.path, cfg.split_column, "split", header)
        roles[SPLIT] = cfg.split_column
    if src.types is not None:
        check_parquet_types(src.path, src.types, texts, cfg.date_column, cfg.text_keys)
    cols = [c for c in (cfg.id_column, cfg.date_column) if c]
    cols += texts + list(roles.values())
    if cfg.preset.reader == "vaers":
        flags = [f for f in VAERS_FLAGS if f in header]
        if not flags:
            raise DataError(f"{src.path}: none of the VAERS outcome flags {', '.join(VAERS_FLAGS)} found "
                            f"(preset 'vaers' derives harm from them)")
        cols += flags
    return list(dict.fromkeys(cols)), texts, roles, missing_optional


def _spec(cfg: DataConfig, texts: list[str], roles: dict[str, str], vax_map: dict[str, str] | None) -> RecordSpec:
    return RecordSpec(text_fields=tuple(texts),
                      field_labels=field_label_names(texts, cfg.field_label_names, cfg.field_labels),
                      roles=roles, id_column=cfg.id_column, date_column=cfg.date_column,
                      date_format=cfg.date_format, dayfirst=cfg.dayfirst, harm_map=cfg.preset.harm,
                      min_text_words=cfg.min_text_words, vax_map=vax_map)


# --------------------------------------------------------------------------------------------------
# Aggregates over the whole export
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
    dates: Counter[str] = field(default_factory=Counter)  # empty, unparsed and day/month order evidence
    unparsed_dates: list[str] = field(default_factory=list)
    date_range: list[pd.Timestamp] = field(default_factory=list)  # first and last date of the kept reports
    timing: Counter[str] = field(default_factory=Counter)
    kept: int = 0
    lower_words: Counter[str] = field(default_factory=Counter)

    def add(self, rec: Records, truth_docs: set[str] | None) -> pd.DataFrame:
        """Fold one chunk's records into the totals; return its kept rows (duplicates of earlier rows dropped)."""
        df = rec.frame
        self.rows_read += len(df)
        self.timing["deid"] += rec.deid_seconds
        self.timing["clean"] += rec.clean_seconds
        for col, counts in rec.redactions.items():
            self.redactions_by_field.setdefault(col, Counter()).update(counts)
        self.pred_spans.extend(rec.spans)
        self.dates.update(rec.dates)
        self.unparsed_dates.extend(rec.unparsed_dates[:max(0, 10 - len(self.unparsed_dates))])
        if truth_docs is not None:
            self.docs_scored.update(i for i in df["id"] if i in truth_docs)
        words = df["words"].to_numpy()
        self.rows_with_text += int((words > 0).sum())
        drop = df["drop"].to_numpy(dtype=object).copy()
        for reason in ROW_DROP_REASONS:
            self.dropped[reason] += int((drop == reason).sum())
        for i in np.flatnonzero(drop == ""):  # exact duplicates: by content first, then by id
            h, rid = df["hash"].iat[i], df["id"].iat[i]
            if h in self.seen_text:
                drop[i] = "duplicate_text"
            elif rid in self.seen_ids:
                drop[i] = "duplicate_id"
            else:
                self.seen_text.add(h)
                self.seen_ids.add(rid)
        for reason in ("duplicate_text", "duplicate_id"):
            self.dropped[reason] += int((drop == reason).sum())
        keep = drop == ""
        out = df.loc[keep, ["id", "date", "text", *rec.roles]].reset_index(drop=True)
        self.dates_missing += int(out["date"].isna().sum())
        known = out["date"].dropna()
        if len(known):
            self.date_range = [min([known.min(), *self.date_range[:1]]), max([known.max(), *self.date_range[1:]])]
        for role in rec.roles:
            self.labels.setdefault(role, Counter()).update(out[role].tolist())
        self.words.append(words[keep])
        self.kept += len(out)
        lower_case_words(out["text"].tolist(), self.lower_words)  # the residual scan's ordinary words
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


#: Values of an export's own split column (case and spacing ignored) and what they mean.
SPLIT_VALUES: dict[str, str] = {"train": "train", "training": "train", "trn": "train",
                                "test": "test", "testing": "test", "tst": "test", "holdout": "test",
                                "held out": "test", "held-out": "test", "eval": "test", "evaluation": "test"}


def split_mapping(counts: Counter[str]) -> dict[str, str]:
    """Raw split-column value -> ``train`` / ``test`` (unknown values are left out)."""
    return {v: SPLIT_VALUES[v.strip().lower()] for v in counts if v.strip().lower() in SPLIT_VALUES}


def _mapped_counts(counts: Counter[str], mapping: dict[str, str]) -> Counter[str]:
    """``counts`` of raw values folded into the values ``mapping`` gives them."""
    out: Counter[str] = Counter()
    for v, c in counts.items():
        out[mapping[v]] += c
    return out


def _files(sources: list[_Source]) -> str:
    return ", ".join(str(s.path) for s in sources)


def _check_split_column(cfg: DataConfig, sources: list[_Source], state: _State) -> None:
    """An export's own split column must say train or test for every kept report, and hold both."""
    if not cfg.split_column:
        return
    counts = state.labels.get(SPLIT, Counter())
    known = split_mapping(counts)
    where = f"{_files(sources)}: split column '{cfg.split_column}'"
    odd = {v: c for v, c in counts.items() if v not in known}
    if odd:
        shown = ", ".join(f"{v!r} ({c})" for v, c in sorted(odd.items(), key=lambda kv: -kv[1])[:10])
        raise DataError(f"{where}: value(s) that are neither train nor test: {shown} (accepted, any case: "
                        f"{', '.join(sorted(set(SPLIT_VALUES)))}); fix the export or set data.split_column: null "
                        f"and split by split.method")
    final = _mapped_counts(counts, known)
    for name in ("train", "test"):
        if not final[name]:
            raise DataError(f"{where}: no kept report is '{name}' ({dict(final)}); the split needs both "
                            f"(set data.split_column: null to split by split.method)")


def _quantiles(words: np.ndarray) -> dict[str, float | None]:
    keys = {"min": 0, "p5": 5, "p25": 25, "median": 50, "p75": 75, "p95": 95, "max": 100}
    if words.size == 0:
        return dict.fromkeys(keys)
    return {k: float(np.percentile(words, q)) for k, q in keys.items()}


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


def prepare(cfg: DataConfig, deid_cfg: DeidConfig, out_path: str | Path = "data/prepared/reports.parquet",
            data_metrics: str | Path = "metrics/data.json",
            deid_metrics: str | Path = "metrics/deid.json") -> dict[str, Any]:
    """Run the prepare stage and write its three outputs atomically (all or none are replaced).

    Parameters
    ----------
    cfg : DataConfig
        Resolved ``data`` section.
    deid_cfg : DeidConfig
        The ``deid`` section.
    out_path : path
        Prepared reports Parquet (columns id, date, text, label roles).
    data_metrics, deid_metrics : path
        JSON metrics files.

    Returns
    -------
    dict
        ``{"data": data metrics, "deid": deid metrics, "cost": timings and rates}``.
    """
    t_start = time.perf_counter()
    out_path = Path(out_path)
    deid = Deidentifier(deid_cfg)
    if deid.ner is not None:
        model = deid.ner_info()["model"]
        log.info("deid.ner: %s %s (folder %s) pooled with the name rules, guard %s", model["name"],
                 model["version"], model["folder"], "on" if deid_cfg.ner_guard else "off")
    truth = load_truth(deid_cfg.truth, cfg.id_column) if deid_cfg.truth else None
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
            rec = prepare_records(chunk, _spec(cfg, texts, roles, vax_map), deid, first_row=state.rows_read,
                                  spans_for=truth_docs)
            out = state.add(rec, truth_docs)
            t_w = time.perf_counter()
            if roles_seen is None:
                roles_seen = rec.roles
                writer = pq.ParquetWriter(tmp1, _schema(roles_seen))
            elif rec.roles != roles_seen:
                raise DataError(f"{cfg.source}: files map different label roles ({roles_seen} vs "
                                f"{rec.roles}); give every file the same columns or set data.labels")
            if len(out):
                assert writer is not None
                writer.write_table(pa.Table.from_pandas(out, schema=_schema(roles_seen), preserve_index=False))
            state.timing["write"] += time.perf_counter() - t_w
            t_read = time.perf_counter()
        if writer is not None:
            writer.close()
            writer = None

        _check_read(cfg, sources, read_stats, state)
        _check_dates(cfg, sources, state)
        _check_split_column(cfg, sources, state)
        _check_truth_matches(deid_cfg, sources, state, truth_docs)
        data_m, deid_m = _finalise(cfg, deid_cfg, state, read_stats, sources, roles_seen or [], tmp1,
                                   out_path, truth, data_metrics, deid_metrics, deid)
    finally:
        if writer is not None:
            writer.close()
        if tmp1.exists():
            tmp1.unlink()
    total = time.perf_counter() - t_start
    rate = state.rows_read / max(state.timing["deid"], 1e-9)
    log.info("timing: open %.1fs, read %.1fs, de-identify %.1fs (%.0f reports/s), clean %.1fs, write %.1fs, "
             "total %.1fs", t_open, state.timing["read"], state.timing["deid"], rate, state.timing["clean"],
             state.timing["write"] + state.timing["final"], total)
    cost = {"rows_read": state.rows_read, "open_seconds": round(t_open, 3),
            **{f"{k}_seconds": round(state.timing[k], 3)
               for k in ("read", "deid", "clean", "write", "final", "residual", "independent")},
            "deid_reports_per_second": round(rate, 1), "seconds": round(total, 3)}
    return {"data": data_m, "deid": deid_m, "cost": cost}


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
    for s in read_stats:
        if s.fallback_lines:
            log.warning("%s: %d line(s) not UTF-8, read as cp1252 (first: %s)", s.file, len(s.fallback_lines),
                        ", ".join(map(str, s.fallback_lines[:10])))
    files = _files(sources)
    if state.rows_read == 0:
        raise DataError(f"{files}: no data rows (only a header?); check data.source")
    if state.rows_with_text == 0:
        cols = ", ".join(cfg.text_fields + cfg.optional_text_fields)
        raise DataError(f"{files}: every report has empty text in the text columns {cols} (preset "
                        f"'{cfg.preset.name}'; set {TEXT_KEY})")
    if state.kept == 0:
        raise DataError(f"{files}: no report left after cleaning (dropped: {dict(state.dropped)}); check "
                        f"data.min_text_words and the text columns ({TEXT_KEY})")


def _check_dates(cfg: DataConfig, sources: list[_Source], state: _State) -> None:
    """Fail on a date column that does not parse, or whose day/month order the params leave to chance."""
    col = cfg.date_column
    if not col:
        return
    where = f"{_files(sources)}: date column '{col}'"
    d = state.dates
    given = state.rows_read - d["empty"]
    unparsed = d["unparsed"]
    shown = ", ".join(repr(v) for v in state.unparsed_dates[:5])
    fmt = f"data.date_format = {cfg.date_format!r}" if cfg.date_format else "data.date_format (null: inferred)"
    if given and unparsed == given:
        raise DataError(f"{where}: none of the {given} date value(s) parses ({shown}) with {fmt}; set "
                        f"data.date_format to the export's strftime format (e.g. '%d/%m/%Y'), or data.date_column "
                        f"to the right column")
    frac = unparsed / given if given else 0.0
    if frac > cfg.max_bad_date_fraction:
        raise DataError(f"{where}: {unparsed} of {given} date value(s) ({frac:.1%}) do not parse with {fmt}, above "
                        f"data.max_bad_date_fraction = {cfg.max_bad_date_fraction} (e.g. {shown}); fix data.date_format "
                        f"or raise data.max_bad_date_fraction to keep them as missing dates")
    if unparsed:
        log.warning("%s: %d of %d date value(s) do not parse and are kept as missing dates (e.g. %s)",
                    where, unparsed, given, shown)
    if cfg.date_format:
        return  # the format decides the order
    day, month, amb = d["day_first"], d["month_first"], d["ambiguous"]
    if day and month:
        raise DataError(f"{where}: both day-first ({day}, e.g. 25/12/2016) and month-first ({month}, e.g. "
                        f"12/25/2016) dates; the order of the other {amb} cannot be known. Set data.date_format "
                        f"to the export's format (values in the other order then count as unparsed)")
    if month and cfg.dayfirst and amb:
        raise DataError(f"{where}: {month} month-first date(s) (second number above 12, e.g. 12/25/2016) but "
                        f"dates are read day first, so {amb} ambiguous date(s) such as 7/4/2016 would be read as "
                        f"7 April; set data.dayfirst: false or data.date_format: '%m/%d/%Y'")
    if day and not cfg.dayfirst and amb:
        raise DataError(f"{where}: {day} day-first date(s) (first number above 12, e.g. 25/12/2016) but "
                        f"data.dayfirst is false, so {amb} ambiguous date(s) such as 7/4/2016 would be read as "
                        f"July 4; set data.dayfirst: true or data.date_format: '%d/%m/%Y'")
    if amb and not (day or month) and not cfg.dayfirst_known:
        raise DataError(f"{where}: {amb} numeric date(s) such as 7/4/2016 could be day or month first and none "
                        f"says which (preset '{cfg.preset.name}' does not know); set data.dayfirst (true for UK "
                        f"exports) or data.date_format")


def _check_truth_matches(deid_cfg: DeidConfig, sources: list[_Source], state: _State,
                         truth_docs: set[str] | None) -> None:
    """Planted truth that names none of the export's reports (the synthetic default left on real data) would
    score nothing and report every target as met."""
    if truth_docs is not None and not state.docs_scored:
        raise DataError(f"deid.truth = {str(deid_cfg.truth)!r}: none of its {len(truth_docs)} document ids is a "
                        f"report of {_files(sources)}, so nothing could be scored; set "
                        f"deid.truth: null for a real export (the residual-risk scan then checks the output)")


def _iso(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%d")


def _masked(value: str) -> str:
    return re.sub(r"\d", "#", value)[:40]


def residual_error(residual: dict[str, Any], where: str | Path) -> str:
    """The message of a failed residual scan: counts per type and a few masked excerpts to review."""
    counts = ", ".join(f"{t} {c}" for t, c in residual["by_type"].items() if c)
    shown = "; ".join(f"{it['id']} {it['type']}: {it['excerpt']}" for it in residual["sample"][:5])
    return (f"{where}: the residual-risk scan found {residual['hits']} identifier-shaped string(s) left after "
            f"de-identification ({counts}), above deid.max_residual = {residual['max_residual']}. Masked "
            f"examples: {shown}. Add local names to deid.extra_names, or raise deid.max_residual after review")


def _finalise(cfg: DataConfig, deid_cfg: DeidConfig, state: _State, read_stats: list[ReadStats],
              sources: list[_Source], roles: list[str], tmp1: Path, out_path: Path, truth: pd.DataFrame | None,
              data_metrics: str | Path, deid_metrics: str | Path, deid: Deidentifier
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    t0 = time.perf_counter()
    mappings: dict[str, dict[str, str]] = {}
    split_counts: Counter[str] | None = None
    merged_other: dict[str, list[str]] = {}
    final_counts: dict[str, dict[str, int]] = {}
    for role in roles:
        if role == SPLIT:
            mappings[role] = split_mapping(state.labels.get(role, Counter()))
            split_counts = _mapped_counts(state.labels.get(role, Counter()), mappings[role])
            continue
        mapping, rare = label_mapping(state.labels.get(role, Counter()), cfg.min_label_count,
                                      role in cfg.rare_exempt)
        mappings[role] = mapping
        merged_other[role] = rare
        fc = _mapped_counts(state.labels.get(role, Counter()), mapping)
        final_counts[role] = dict(sorted(fc.items(), key=lambda kv: (-kv[1], kv[0])))

    leak_values: dict[str, list[tuple[str, str]]] = {}
    if truth is not None:
        for doc, typ, value in truth[["doc", "type", "value"]].itertuples(index=False, name=None):
            if value and doc in state.docs_scored:
                leak_values.setdefault(doc, []).append((typ, value))
    leaked: Counter[str] = Counter()
    checked = 0
    scan = ResidualScan(ordinary=ordinary_words(state.lower_words))

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
                t_scan = time.perf_counter()
                scan.add(df["id"].tolist(), df["text"].tolist())
                state.timing["residual"] += time.perf_counter() - t_scan
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
            "encoding_fallback_lines": {"count": sum(len(s.fallback_lines) for s in read_stats),
                                        "first": {s.file: s.fallback_lines[:20] for s in read_stats
                                                  if s.fallback_lines}},
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
            "dates": {"column": cfg.date_column, "missing_or_unparsed": int(state.dates_missing),
                      "empty": int(state.dates["empty"]), "unparsed": int(state.dates["unparsed"]),
                      "max_unparsed_fraction": cfg.max_bad_date_fraction,
                      "unparsed_examples": [_masked(v) for v in state.unparsed_dates[:5]],
                      "first": _iso(state.date_range[0]) if state.date_range else None,
                      "last": _iso(state.date_range[1]) if state.date_range else None,
                      "format": cfg.date_format, "dayfirst": cfg.dayfirst,
                      "order_evidence": {k: int(state.dates[k]) for k in ("day_first", "month_first", "ambiguous")}},
            "labels": final_counts,
            "split_column": None if split_counts is None else {"column": cfg.split_column,
                                                               "counts": dict(sorted(split_counts.items()))},
            "labels_merged_into_other": merged_other,
            "min_label_count": cfg.min_label_count,
            "text_words": _quantiles(words),
            "redactions": redactions,
            "redactions_by_field": {f: {t: int(c.get(t, 0)) for t in TYPES}
                                    for f, c in state.redactions_by_field.items()},
        }
        deid_m: dict[str, Any] = {"truth": None, "redactions": redactions,
                                  "reports_deidentified": state.rows_read,
                                  "ner": deid.ner_info()}  # deid.ner: off, or the model's name and version
        if truth is not None:
            pred = spans_frame(state.pred_spans)
            pred.attrs["docs"] = state.docs_scored
            scores = score_redactions(pred, truth, asdict(deid_cfg.targets))
            deid_m = {"truth": str(deid_cfg.truth), "docs_scored": len(state.docs_scored), **scores,
                      "leaked_truth_values": {"checked_in_kept_reports": checked,
                                              "leaked": int(sum(leaked.values())),
                                              "leaked_by_type": dict(leaked)},
                      **{k: v for k, v in deid_m.items() if k != "truth"}}
            ov = scores["overall"]
            log.info("deid vs truth: recall %s precision %s (%d docs); targets pass: %s", ov["recall"],
                     ov["precision"], len(state.docs_scored), scores["targets"]["all_pass"])
            if deid_cfg.enforce_targets and not scores["targets"]["all_pass"]:
                raise DataError(f"de-identification misses its targets ({scores['targets']}); "
                                f"deid.enforce_targets is true")
        t_ind = time.perf_counter()
        # the de-identifier on identifier forms the synthetic generator never plants (deid/evalset.py)
        deid_m["independent"] = independent_evaluation(deid)
        state.timing["independent"] += time.perf_counter() - t_ind
        deid_m["residual"] = residual = scan.to_dict(deid_cfg.max_residual)
        log.info("residual scan: %d identifier-shaped hit(s) in %d kept reports %s", residual["hits"],
                 residual["n_reports"], {t: c for t, c in residual["by_type"].items() if c})
        if not residual["pass"]:
            raise DataError(residual_error(residual, out_path))
        write_json(tmp_dm, data_m)
        write_json(tmp_deid, deid_m)
    state.timing["final"] += time.perf_counter() - t0
    log.info("kept %d of %d rows; dropped %s", state.kept, data_m["rows_read"],
             {k: v for k, v in data_m["rows_dropped"].items() if v})
    return data_m, deid_m


def run(data: Section, deid: Section, out_path: str | Path = "data/prepared/reports.parquet",
        data_metrics: str | Path = "metrics/data.json", deid_metrics: str | Path = "metrics/deid.json"
        ) -> dict[str, Any]:
    """Read the ``data`` and ``deid`` sections and run :func:`prepare`."""
    return prepare(DataConfig.from_section(data), read_section(DeidConfig, deid), out_path, data_metrics,
                   deid_metrics)
