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
#: Pseudo-encoding of a file read line by line: UTF-8 where a line decodes, cp1252 (latin-1 for its five
#: undefined bytes) where it does not; the fallback lines are counted.
MIXED = "utf-8/cp1252 per line"
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
    fallback_lines: list[int] = field(default_factory=list)  # lines read as cp1252 in a mixed-encoding file


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


def line_encodings(path: Path) -> tuple[int, list[int]]:
    """How many lines of ``path`` are UTF-8 with non-ASCII characters, and the numbers (1-based) of the
    lines that are not valid UTF-8."""
    utf8, bad = 0, []
    with path.open("rb") as fh:
        for i, line in enumerate(fh, 1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8 += 1
            except UnicodeDecodeError:
                bad.append(i)
    return utf8, bad


def detect_encoding(path: Path, setting: str, mixed: str = "error") -> str:
    """The encoding to read ``path`` with.

    ``setting`` ``"auto"`` tries utf-8 (utf-8-sig when the file starts with a BOM), then cp1252, then
    latin-1 (which decodes anything). A file whose lines are partly UTF-8 and partly not (an export
    pieced together from two systems) is an error naming the lines, unless ``mixed`` (``data.mixed_encoding``)
    is ``"per_line"``: then :data:`MIXED` is returned and each line is decoded on its own. A set encoding is
    checked over the whole file; a file that does not decode raises :class:`DataError` naming the file, the
    line and ``data.encoding``.
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
        ok, _ = _decodes(path, "utf-8")
        if ok:
            return "utf-8"
        utf8_lines, bad_lines = line_encodings(path)
        if utf8_lines and bad_lines:  # some lines UTF-8, some not: read whole, either way garbles one kind
            if mixed == "per_line":
                return MIXED
            shown = ", ".join(map(str, bad_lines[:10])) + (" ..." if len(bad_lines) > 10 else "")
            raise DataError(f"{path}: mixed encodings: {utf8_lines} line(s) hold UTF-8 text but {len(bad_lines)} "
                            f"line(s) are not valid UTF-8 (lines {shown}); read whole as cp1252 every UTF-8 "
                            f"accent would become mojibake. Fix those lines, or set data.mixed_encoding: per_line "
                            f"to read each line as UTF-8 and the others as cp1252 (counted in metrics/data.json)")
        for enc in ENCODINGS_AUTO[1:]:
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


class _PerLine:
    """A text file read line by line from bytes: UTF-8 where the line decodes, else cp1252 (counted)."""

    def __init__(self, path: Path, fallback: list[int] | None = None):
        self._fh = path.open("rb")
        self._lineno = 0
        self.fallback = fallback if fallback is not None else []

    def readline(self) -> str:
        raw = self._fh.readline()
        if not raw:
            return ""
        self._lineno += 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fallback.append(self._lineno)
            return _cp1252(raw)

    def __iter__(self) -> Iterator[str]:
        while line := self.readline():
            yield line

    def __enter__(self) -> _PerLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


_CP1252_UNDEFINED = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))


def _cp1252(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # cp1252's five undefined bytes: as latin-1
        return "".join(chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in raw)


def open_text(path: Path, encoding: str, fallback: list[int] | None = None) -> TextIO | _PerLine:
    """``path`` opened for the CSV reader in ``encoding`` (:data:`MIXED`: line by line, fallback lines
    appended to ``fallback``)."""
    if encoding == MIXED:
        return _PerLine(path, fallback)
    return path.open(encoding=encoding, newline="")


def read_header(path: Path, encoding: str) -> list[str]:
    """Column names of a CSV file (BOM and surrounding whitespace stripped); DataError when empty or when a
    name appears twice (the second column would be silently ignored)."""
    with open_text(path, encoding) as fh:
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
    check_unique_columns(path, header)
    return header


def check_unique_columns(path: Path, names: Sequence[str]) -> None:
    """DataError naming every column name that appears more than once, with its positions (1-based)."""
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names, 1):
        positions.setdefault(name, []).append(i)
    dups = {n: pos for n, pos in positions.items() if len(pos) > 1}
    if dups:
        shown = "; ".join(f"'{n}' at columns {', '.join(map(str, pos))}" for n, pos in dups.items())
        raise DataError(f"{path}: duplicated column name(s): {shown}. Only one of each would be read and the "
                        f"other silently ignored; rename them in the export")


def parquet_schema(path: Path) -> dict[str, str]:
    """Column name -> Arrow type (as a string) of a Parquet file; DataError naming the file when it cannot be
    read (truncated, still being written, not Parquet) or a column name appears twice."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.ParquetFile(path).schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc}); is it truncated or still being written? "
                        f"check data.source (and data.format)") from None
    check_unique_columns(path, schema.names)
    return {f.name: str(f.type) for f in schema}


def parquet_columns(path: Path) -> list[str]:
    """Column names of a Parquet file (see :func:`parquet_schema`)."""
    return list(parquet_schema(path))


_TEXT_TYPES = ("string", "large_string", "null", "dictionary<values=string", "dictionary<values=large_string")
_DATE_TYPES = ("timestamp", "date32", "date64", *_TEXT_TYPES)


def check_parquet_types(path: Path, types: dict[str, str], text: Sequence[str], date: str | None,
                        keys: dict[str, str]) -> None:
    """DataError naming every column whose Arrow type would be read wrongly: free text that is not text
    (booleans or numbers would be joined into the report), or a date column of numbers (epoch integers would
    become empty dates). ``keys``: column -> params key to fix it."""
    problems = []
    for col in text:
        if not types[col].startswith(_TEXT_TYPES):
            problems.append(f"text column '{col}' is {types[col]}, not text (set {keys.get(col, 'data.text_fields')})")
    if date and not types[date].startswith(_DATE_TYPES):
        hint = " (epoch numbers? convert them to timestamps in the export)" if "int" in types[date] else ""
        problems.append(f"date column '{date}' is {types[date]}, not a date, timestamp or text{hint} (set "
                        f"data.date_column, or null for none)")
    if problems:
        raise DataError(f"{path}: " + "; ".join(problems))


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
    with open_text(path, encoding, stats.fallback_lines) as fh:
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
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    seen = 0
    batches = pf.iter_batches(batch_size=chunksize, columns=list(dict.fromkeys(columns)))
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{path}: Parquet data unreadable after {seen} rows ({exc}); is the file truncated? "
                            f"check data.source") from None
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
