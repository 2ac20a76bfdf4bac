"""Finding and reading source files in bounded-memory chunks, with encoding detection and bad-row counts.

CSV is parsed with the :mod:`csv` module (strict quoting) so that every unreadable record, whether a
quoting error or a wrong field count, is counted with its line number instead of silently shifting
columns. A record that swallows several physical lines (an unterminated quote) is counted as bad on its
first line and the lines after it are parsed again, so one stray quote cannot eat the rest of a file.
"""

from __future__ import annotations

import codecs
import csv
import glob
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd

from incident_lm.core.errors import DataError

ENCODINGS_AUTO: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")
_BLOCK = 1 << 20

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class BadRow:
    """One unreadable CSV record: file, first physical line (1-based, header = line 1) and reason."""

    file: str
    line: int
    reason: str


@dataclass
class ReadStats:
    """Per-file reading counts, filled in while a file's chunks are consumed."""

    file: str
    encoding: str
    records: int = 0          # data records seen (good + bad)
    lines: int = 0            # physical data lines (excluding the header)
    bad: list[BadRow] = field(default_factory=list)
    bad_lines: int = 0        # physical lines inside bad records


def resolve_sources(source: str | Path, fmt: str, pattern: str | None = None) -> list[Path]:
    """Files named by ``data.source``: a file, a directory (its files of the format), or a glob.

    Parameters
    ----------
    source : str or Path
        File, directory or glob pattern.
    fmt : {"csv", "parquet", "auto"}
        With a directory, which extensions to take (auto: .csv, .parquet and .pq).
    pattern : str, optional
        Glob within a directory (e.g. ``"*VAERSDATA.csv"``), overriding the extension rule.

    Returns
    -------
    list of Path, sorted (so yearly files are read in order).
    """
    src = str(source)
    p = Path(src)
    if p.is_file():
        return [p]
    if p.is_dir():
        if pattern:
            files = sorted(p.glob(pattern))
        else:
            exts = {"csv": (".csv",), "parquet": (".parquet", ".pq")}.get(fmt, (".csv", ".parquet", ".pq"))
            files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in exts)
        if not files:
            what = pattern or f"{fmt} files"
            raise DataError(f"{src}: directory has no {what} (set data.source to a file, directory or glob)")
        return files
    if any(ch in src for ch in "*?["):
        files = sorted(Path(f) for f in glob.glob(src) if Path(f).is_file())
        if not files:
            raise DataError(f"{src}: glob matches no file (set data.source)")
        return files
    raise FileNotFoundError(f"{src}: input not found (set data.source to a file, directory or glob)")


def file_format(path: Path, fmt: str) -> str:
    """``csv`` or ``parquet`` for ``path`` given ``data.format`` (auto: by extension)."""
    if fmt in ("csv", "parquet"):
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".txt", ".tsv", ""):
        return "csv"
    raise DataError(f"{path}: cannot tell the format from the extension '{suffix}' (set data.format)")


def _decodes(path: Path, encoding: str) -> tuple[bool, int]:
    """Whether the whole file decodes; on failure, the byte offset of the first bad byte."""
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            try:
                dec.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return False, offset + exc.start
            if not block:
                return True, -1
            offset += len(block)


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def detect_encoding(path: Path, setting: str) -> str:
    """The encoding to read ``path`` with.

    ``setting`` ``"auto"`` tries utf-8 (utf-8-sig when the file starts with a BOM), then cp1252, then
    latin-1 (which decodes anything). A set encoding is checked over the whole file; a file that does
    not decode raises :class:`DataError` naming the file, the line and ``data.encoding``.
    """
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty (check data.source)")
    with path.open("rb") as fh:
        head = fh.read(4)
    if setting == "auto":
        if head.startswith(codecs.BOM_UTF8):
            ok, _ = _decodes(path, "utf-8-sig")
            if ok:
                return "utf-8-sig"
        for enc in ENCODINGS_AUTO:
            ok, _ = _decodes(path, enc)
            if ok:
                return enc
        return "latin-1"  # pragma: no cover - latin-1 decodes every byte
    try:
        codecs.lookup(setting)
    except LookupError:
        raise DataError(f"{path}: unknown encoding {setting!r} (set data.encoding to auto, utf-8, cp1252 "
                        f"or latin-1)") from None
    enc = "utf-8-sig" if setting.lower().replace("_", "-") in ("utf-8", "utf8") and \
        head.startswith(codecs.BOM_UTF8) else setting
    ok, offset = _decodes(path, enc)
    if not ok:
        raise DataError(f"{path}: not valid {setting} (first bad byte at offset {offset}, line "
                        f"{_line_of(path, offset)}); set data.encoding to the file's encoding "
                        f"(e.g. cp1252 or latin-1) or to auto")
    return enc


def read_header(path: Path, encoding: str) -> list[str]:
    """Column names of a CSV file (BOM and surrounding whitespace stripped); DataError when empty."""
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError(f"{path}: file is empty (no header row; check data.source)") from None
        except csv.Error as exc:
            raise DataError(f"{path}: header row is unreadable ({exc})") from None
    header = [h.replace("\ufeff", "").replace("\xa0", " ").strip() for h in header]
    if not any(header):
        raise DataError(f"{path}: file is empty (blank header row; check data.source)")
    return header


def parquet_columns(path: Path) -> list[str]:
    """Column names of a Parquet file."""
    import pyarrow.parquet as pq

    return list(pq.ParquetFile(path).schema_arrow.names)


class _Lines:
    """Line iterator for ``csv.reader`` that remembers the raw lines of the current record and can push
    lines back, so that the lines swallowed by a bad record can be parsed again."""

    def __init__(self, fh: TextIO):
        self._fh = fh
        self._pending: deque[tuple[int, str]] = deque()
        self.lineno = 1  # header already read
        self.current: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            item = self._pending.popleft()
        else:
            line = self._fh.readline()
            if not line:
                raise StopIteration
            self.lineno += 1
            item = (self.lineno, line)
        self.current.append(item)
        return item[1]

    def push_back(self, items: Sequence[tuple[int, str]]) -> None:
        self._pending.extendleft(reversed(items))


def iter_csv(path: Path, encoding: str, header: list[str], columns: Sequence[str], chunksize: int,
             stats: ReadStats, max_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of ``columns`` (all ``str``; missing values ``""``) from a CSV file.

    Records with the wrong number of fields or broken quoting are counted in ``stats`` (with line
    numbers) and skipped. ``max_rows`` stops after that many good records.
    """
    idx = [header.index(c) for c in columns]
    width = len(header)
    rows: list[list[str]] = []
    good = 0
    with path.open(encoding=encoding, newline="") as fh:
        fh.readline()  # header (a multi-line quoted header is not supported)
        lines = _Lines(fh)
        reader = csv.reader(lines, strict=True)
        while True:
            lines.current = []
            try:
                rec = next(reader)
                err = None
            except StopIteration:
                break
            except csv.Error as exc:
                rec, err = None, str(exc)
            consumed = lines.current
            if rec is not None and not rec and len(consumed) <= 1:
                stats.lines += len(consumed)
                continue  # blank line
            if err is None and rec is not None and len(rec) != width:
                if len(rec) == width + 1 and rec[-1] == "":
                    rec = rec[:-1]  # trailing delimiter
                else:
                    err = f"wrong field count: {len(rec)} fields, expected {width}"
            if err is not None:
                first_line = consumed[0][0] if consumed else lines.lineno
                stats.records += 1
                stats.lines += 1
                stats.bad_lines += 1
                stats.bad.append(BadRow(str(path), first_line, err))
                if len(consumed) > 1:  # re-read the lines a stray quote swallowed
                    lines.push_back(consumed[1:])
                continue
            stats.records += 1
            stats.lines += len(consumed)
            rows.append([rec[i] for i in idx])
            good += 1
            if len(rows) >= chunksize:
                yield pd.DataFrame(rows, columns=list(columns), dtype="str")
                rows = []
            if max_rows is not None and good >= max_rows:
                break
    if rows:
        yield pd.DataFrame(rows, columns=list(columns), dtype="str")


def iter_parquet(path: Path, columns: Sequence[str], chunksize: int, stats: ReadStats,
                 max_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of ``columns`` (as ``str``, nulls ``""``) from a Parquet file, in batches."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    seen = 0
    for batch in pf.iter_batches(batch_size=chunksize, columns=list(dict.fromkeys(columns))):
        df = batch.to_pandas()
        out = pd.DataFrame({c: df[c].astype("str").where(df[c].notna(), "") for c in columns})
        if max_rows is not None and seen + len(out) > max_rows:
            out = out.iloc[: max_rows - seen]
        seen += len(out)
        stats.records += len(out)
        stats.lines += len(out)
        if len(out):
            yield out.reset_index(drop=True)
        if max_rows is not None and seen >= max_rows:
            break
