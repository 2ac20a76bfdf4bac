"""Governance audit: search every artefact the pipeline wrote for the identifiers planted in the raw data.

On the synthetic corpus the generator records every identifier it planted (``identifiers.csv``: report id,
field, character span, type, value). The audit reads each artefact in a form that exposes its text
(Parquet string columns, JSON strings, Markdown/CSV/TSV text, the strings inside pickles, fastText
vocabularies, tokenizer vocabularies, safetensors headers, string arrays) and reports two kinds of finding:

``value``
    A planted value (e.g. ``"Doreen Price-Jones"``, ``"16 March 1945"``) found, case-insensitively, with no
    letter or digit either side and any run of white space matching any other, in the text of *its own*
    report inside a document-level table (a Parquet file with an ``id`` column).
``token``
    A *distinctive identifier token* anywhere: a word (at least 3 characters, at least one letter) that occurs
    in the raw text only inside planted identifier spans, never outside them (``"lindqvist"``, ``"f0016297"``,
    ``"hassan3"``). Such a word can reach a vocabulary, a report or a metric file only through a leak.

Numeric arrays and model weights hold no text and are listed as skipped; any other file type is listed as
unscanned, so a new kind of artefact cannot slip past silently. A tokenizer vocabulary copied from the base
model is not learnt from the data: its tokens that are in ``exempt_tokens`` are ignored.

    python -m incident_lm.audit --out reports/audit.json   # exit status 1 when anything is found

``--raw`` and ``--truth`` default to ``data.source`` and ``deid.truth`` in params.yaml.

Residual-risk scan
    Whether or not anything was planted, the strings of every artefact also go through the residual-risk scan
    (:mod:`incident_lm.deid.residual`: valid-checksum NHS numbers whatever their separators, postcode-,
    phone- and email-shaped strings, dates, record numbers, capitalised words after titles and roles), with the
    prepared corpus's lower-case words as ordinary words. On real data (``deid.truth: null``) this is the
    audit; above ``deid.max_residual`` hits it fails (``null``: counted and sampled, never failed).
"""

from __future__ import annotations

import argparse
import json
import pickletools
import re
import struct
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from incident_lm.deid.residual import ResidualScan, lower_case_words, ordinary_words
from incident_lm.deid.score import contains_value, load_truth
from incident_lm.encoders.hf import resolve_model_dir

DEFAULT_ROOTS = ("data/prepared", "data/split", "models", "features", "results", "reports", "metrics", "plots",
                 "dvclive")
TEXT_SUFFIXES = frozenset({".md", ".csv", ".tsv", ".txt", ".yaml", ".yml", ".html", ".svg", ".log", ".vec"})
HTML_SUFFIXES = frozenset({".html", ".svg"})
TOKENIZER_FILES = frozenset({"tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"})
NUMERIC_SUFFIXES = frozenset({".pt", ".pth", ".ckpt", ".onnx"})  # weights: numbers only
FASTTEXT_FILES = frozenset({"model.bin", "model.gensim"})

_TOKEN_RE = re.compile(r"[0-9A-Za-z]+")
_PICKLE_STRING_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING",
                                "BINSTRING", "STRING", "SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "BYTEARRAY8"})


_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]*")
_STYLE_OR_CODE = re.compile(r"<style\b[^>]*>.*?</style>|<script\b(?![^>]*application/json)[^>]*>.*?</script>",
                            re.S | re.I)


# vector-graphics geometry and attributes: path data, point lists, transforms, inline CSS and element ids are what
# the plotting library wrote, never report text ("M 0 538.568577 L ..." reads as a phone number to the residual
# scan, "font-size: 8px" as a postcode's inward code)
_SVG_GEOMETRY = re.compile(r"""\s(?:d|points|transform|viewBox|style|clip-path|id)=(?:"[^"<>]*"|'[^'<>]*')""")


def page_text(text: str, html: bool = True) -> str:
    """What of a page can carry report text: without embedded images (base64 payloads, where any short run of
    letters is chance) and, for HTML, without style sheets and scripts (the report's own code: autoescaping
    keeps report text out of both; JSON data blocks are kept) and without SVG geometry attributes."""
    text = _DATA_URI.sub(" ", text)
    return _SVG_GEOMETRY.sub(" ", _STYLE_OR_CODE.sub(" ", text)) if html else text


def tokens(text: str) -> Iterator[str]:
    """Lower-cased runs of letters and digits."""
    for m in _TOKEN_RE.finditer(text):
        yield m.group().lower()


def _distinctive(token: str) -> bool:
    return len(token) >= 3 and any(c.isalpha() for c in token)


def distinctive_tokens(raw: pd.DataFrame, truth: pd.DataFrame, id_column: str,
                       text_fields: Sequence[str]) -> dict[str, str]:
    """Tokens found in the raw text only inside planted identifier spans, mapped to their identifier type.

    ``raw``: the raw export (``id_column`` and ``text_fields``); ``truth``: one row per planted identifier
    with columns ``id_column``, ``field``, ``start``, ``end``, ``type`` (character offsets into the field).
    """
    spans: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for doc, fld, start, end, typ in truth[[id_column, "field", "start", "end", "type"]].itertuples(
            index=False, name=None):
        spans.setdefault((str(doc), str(fld)), []).append((int(start), int(end), str(typ)))
    inside: dict[str, str] = {}
    outside: set[str] = set()
    for row in raw[[id_column, *text_fields]].itertuples(index=False, name=None):
        doc = str(row[0])
        for fld, text in zip(text_fields, row[1:], strict=True):
            if not isinstance(text, str):
                continue
            pos = 0
            for start, end, typ in sorted(spans.get((doc, fld), ())):
                outside.update(tokens(text[pos:start]))
                for t in tokens(text[start:end]):
                    inside.setdefault(t, typ)
                pos = max(pos, end)
            outside.update(tokens(text[pos:]))
    return {t: typ for t, typ in sorted(inside.items()) if t not in outside and _distinctive(t)}


@dataclass
class Finding:
    file: str
    kind: str          # "value" or "token"
    type: str          # identifier type, e.g. PERSON
    where: str         # report id and column, or the part of the file
    masked: str        # the identifier, masked: first character and length


@dataclass
class AuditResult:
    files_scanned: dict[str, str] = field(default_factory=dict)    # path -> how it was read
    files_skipped: dict[str, str] = field(default_factory=dict)    # path -> why it holds no text
    files_unscanned: dict[str, str] = field(default_factory=dict)  # path -> unknown format
    findings: list[Finding] = field(default_factory=list)
    n_values: int = 0
    n_distinctive_tokens: int = 0

    @property
    def clean(self) -> bool:
        return not self.findings and not self.files_unscanned

    def to_dict(self) -> dict[str, Any]:
        by_type: dict[str, int] = {}
        for f in self.findings:
            by_type[f.type] = by_type.get(f.type, 0) + 1
        return {"clean": self.clean, "n_planted_values": self.n_values,
                "n_distinctive_tokens": self.n_distinctive_tokens, "n_findings": len(self.findings),
                "findings_by_type": by_type, "n_files_scanned": len(self.files_scanned),
                "files_scanned": self.files_scanned, "files_skipped": self.files_skipped,
                "files_unscanned": self.files_unscanned,
                "findings": [f.__dict__ for f in self.findings]}


def _mask(s: str) -> str:
    return f"{s[:1]}{'*' * 3} ({len(s)} chars)"


def _json_strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k)
            yield from _json_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _json_strings(v)


def _printable(text: str, nul: bool = True) -> bool:
    return all(c.isprintable() or c in "\t\n\r" or (nul and c == "\x00") for c in text)


def _decode(blob: bytes) -> tuple[str, str] | None:
    """(kind, text) of a byte string that holds text, or None when it is binary (numbers, weights).

    Text is stored as UTF-32-LE (the raw buffer of a NumPy ``U`` array: ``kind`` ``"U"``) or as UTF-8 (a
    ``bytes`` constant, a NumPy ``S`` array padded with NULs: ``kind`` ``"S"``); either decodes strictly to
    printable characters. The raw buffer of a numeric array does neither (a float's exponent byte makes an
    invalid UTF-8 sequence and a code point past U+10FFFF), so it is not read as text: reading it leniently finds
    letter runs such as ``3An`` in the bytes of float32 values, which are not in the data.
    """
    for kind, encoding in (("U", "utf-32-le"), ("S", "utf-8")):
        if kind == "U" and len(blob) % 4:
            continue
        try:
            text = blob.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _printable(text):
            return kind, text
    return None


_ARRAY_DTYPE = re.compile(r"^[<>|=]?([US])(\d+)$")


def _fixed_width_items(blob: bytes, text: str, kind: str, width: int) -> str:
    """A NumPy string array's items, space-separated (a full-width item has no NUL after it)."""
    if kind == "U":
        items = [text[k:k + width] for k in range(0, len(text), width)]
    else:
        items = [blob[k:k + width].decode("utf-8", "replace") for k in range(0, len(blob), width)]
    return " ".join(item.replace("\x00", " ") for item in items)


def _string_constants(data: bytes) -> tuple[list[str | bytes], set[int]]:
    """The string constants of a pickle in order, with memo references to them (their positions in ``refs``)."""
    consts: list[str | bytes] = []
    refs: set[int] = set()
    memo: dict[int, str | bytes | None] = {}
    last: str | bytes | None = None
    for op, arg, _ in pickletools.genops(data):
        if op.name in _PICKLE_STRING_OPS and arg is not None:
            last = arg
            consts.append(arg)
        elif op.name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            memo[len(memo) if op.name == "MEMOIZE" else arg] = last
        else:
            last = None
            if op.name in ("GET", "BINGET", "LONG_BINGET") and memo.get(arg) is not None:
                refs.add(len(consts))
                consts.append(memo[arg])
    return consts, refs


def pickle_strings(data: bytes) -> Iterator[str]:
    """The string constants inside a pickle, read with :mod:`pickletools` (nothing is unpickled or run).

    Byte constants (and, in protocol 2, the latin-1 strings that stand for bytes) count as strings only where
    they decode as text (:func:`_decode`); the raw buffers of numeric arrays are skipped. A NumPy string
    array's buffer is also split into its items, by the width of the nearest ``U``/``S`` dtype constant of its
    kind.
    """
    consts, refs = _string_constants(data)
    for i, arg in enumerate(consts):
        if i in refs:
            continue
        # protocol 2 stores a byte string as _codecs.encode(<its latin-1 decoding>, "latin1")
        latin1 = isinstance(arg, str) and i + 1 < len(consts) and consts[i + 1] == "latin1"
        if isinstance(arg, str) and not latin1 and _printable(arg, nul=False):
            yield arg
            continue
        try:
            blob = arg.encode("latin-1") if isinstance(arg, str) else bytes(arg)
        except UnicodeEncodeError:
            continue
        decoded = _decode(blob)
        if decoded is None:
            continue
        kind, text = decoded
        yield text.replace("\x00", " ")
        near = sorted(range(max(0, i - 4), min(len(consts), i + 5)), key=lambda k: abs(k - i))
        for k in near:
            m = _ARRAY_DTYPE.match(consts[k]) if isinstance(consts[k], str) else None
            if m and m[1] == kind:
                yield _fixed_width_items(blob, text, kind, int(m[2]))
                break


def _safetensors_header(path: Path) -> Iterator[str]:
    with path.open("rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        yield from _json_strings(json.loads(fh.read(n)))


def _array_strings(arr: np.ndarray) -> Iterator[str] | None:
    if arr.dtype.kind in "US":
        return (str(x) for x in arr.ravel())
    return None


class Auditor:
    """Scan artefacts for planted identifiers.

    Parameters
    ----------
    truth : DataFrame
        Planted identifiers: columns ``doc`` (report id), ``type``, ``value``.
    distinctive : dict
        Distinctive identifier tokens (see :func:`distinctive_tokens`), token -> type.
    exempt_tokens : set of str
        Tokens a tokenizer vocabulary may hold without being learnt from the data (the base model's vocabulary).
    """

    def __init__(self, truth: pd.DataFrame, distinctive: dict[str, str],
                 exempt_tokens: Iterable[str] = ()):
        self.values: dict[str, list[tuple[str, str]]] = {}
        for doc, typ, value in truth[["doc", "type", "value"]].itertuples(index=False, name=None):
            if isinstance(value, str) and value.strip():
                self.values.setdefault(str(doc), []).append((str(typ), value))
        self.distinctive = distinctive
        self.exempt = {t.lower() for t in exempt_tokens}

    def scan(self, roots: Iterable[str | Path], base: str | Path = ".") -> AuditResult:
        """Scan every file under ``roots`` (paths relative to ``base``; missing roots are ignored)."""
        base = Path(base)
        res = AuditResult(n_values=sum(map(len, self.values.values())), n_distinctive_tokens=len(self.distinctive))
        for root in roots:
            top = base / root
            files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
            for path in files:
                self._scan_file(path, path.relative_to(base).as_posix(), res)
        return res

    def scan_texts(self, texts: Iterable[tuple[str | None, str]], rel: str) -> AuditResult:
        """Scan text not yet written (a page being rendered): every ``(report id or None, text)`` for
        distinctive tokens, and, where the report id is given, for that report's planted values."""
        res = AuditResult(n_values=sum(map(len, self.values.values())), n_distinctive_tokens=len(self.distinctive))
        texts = list(texts)
        self._check_tokens((t for _, t in texts), rel, "rendered text", res)
        for doc, text in texts:
            for typ, value in self.values.get(str(doc), ()) if doc is not None else ():
                if contains_value(text, value):
                    res.findings.append(Finding(rel, "value", typ, f"report {doc}", _mask(value)))
        res.files_scanned[rel] = "rendered text"
        return res

    def _check_tokens(self, strings: Iterable[str], rel: str, where: str, res: AuditResult,
                      exempt: bool = False) -> None:
        seen: set[str] = set()
        for s in strings:
            for t in tokens(s):
                if t in self.distinctive and t not in seen and not (exempt and t in self.exempt):
                    seen.add(t)
                    res.findings.append(Finding(rel, "token", self.distinctive[t], where, _mask(t)))

    def _scan_file(self, path: Path, rel: str, res: AuditResult) -> None:
        art = read_artefact(path)
        if art.how is None:
            (res.files_unscanned if art.unknown else res.files_skipped)[rel] = art.why
            return
        for part in art.parts:
            self._check_tokens(part.strings, rel, part.where, res, exempt=part.exempt)
            if part.ids is None:
                continue
            for doc, text in zip(part.ids, part.strings, strict=True):
                for typ, value in self.values.get(doc, ()):
                    if contains_value(text, value):
                        res.findings.append(Finding(rel, "value", typ, f"report {doc}, {part.where}", _mask(value)))
        res.files_scanned[rel] = art.how


@dataclass
class Part:
    """Strings of one part of an artefact (a column, the JSON strings, a vocabulary)."""

    where: str
    strings: list[str]
    ids: list[str] | None = None   # the report id of each string (document-level tables)
    exempt: bool = False           # a tokenizer vocabulary: base-model tokens are not leaks


@dataclass
class Artefact:
    """What :func:`read_artefact` found: how the file was read and its text parts, or why it holds none."""

    how: str | None
    parts: list[Part] = field(default_factory=list)
    why: str = ""
    unknown: bool = False


def read_artefact(path: Path) -> Artefact:
    """The strings of one artefact, read in the form that exposes its text (see the module docstring)."""
    suffix, name = path.suffix.lower(), path.name
    if suffix == ".parquet":
        table = pq.read_table(path)
        cols = [f.name for f in table.schema if str(f.type) in ("string", "large_string")]
        df = table.select(cols).to_pandas()
        ids = df["id"].astype(str).tolist() if "id" in df.columns else None
        parts = [Part(f"column {c}", df[c].astype(object).where(df[c].notna(), "").tolist(),
                      ids if c != "id" else None) for c in cols]
        return Artefact(f"parquet string columns {cols}", parts)
    if suffix == ".json":
        strings = list(_json_strings(json.loads(path.read_text(encoding="utf-8"))))
        return Artefact("json strings and keys", [Part("json", strings, exempt=name in TOKENIZER_FILES)])
    if suffix in TEXT_SUFFIXES:
        html = suffix in HTML_SUFFIXES
        text = page_text(path.read_text(encoding="utf-8", errors="replace"), html=html)
        return Artefact("text (without embedded images, styles and scripts)" if html else "text",
                        [Part("text", [text], exempt=name in TOKENIZER_FILES)])
    if suffix == ".pkl":
        return Artefact("pickle string constants", [Part("pickle strings", list(pickle_strings(path.read_bytes())))])
    if name in FASTTEXT_FILES:
        from incident_lm.wordvec.vectors import load_word_vectors

        return Artefact("fastText vocabulary", [Part("fastText vocabulary", list(load_word_vectors(path.parent).words))])
    if suffix == ".safetensors":
        return Artefact("safetensors header (weights are numbers)",
                        [Part("safetensors header", list(_safetensors_header(path)))])
    if suffix in (".npy", ".npz"):
        return _read_arrays(path)
    if suffix in NUMERIC_SUFFIXES:
        return Artefact(None, why="model weights (numbers only)")
    return Artefact(None, why=f"unknown format {suffix or name!r}", unknown=True)


def _read_arrays(path: Path) -> Artefact:
    try:
        loaded = np.load(path, allow_pickle=False, mmap_mode="r" if path.suffix == ".npy" else None)
    except ValueError:  # object arrays need pickle: read their string constants without unpickling
        return Artefact("object array strings", [Part("array strings", list(pickle_strings(path.read_bytes())))])
    arrays = [loaded] if isinstance(loaded, np.ndarray) else [loaded[k] for k in loaded.files]
    strings = [list(s) for a in arrays if (s := _array_strings(a)) is not None]
    if strings:
        return Artefact("string arrays", [Part("string array", s) for s in strings])
    return Artefact(None, why="numeric arrays: " + ", ".join(str(a.dtype) for a in arrays))


def residual_audit(roots: Iterable[str | Path], base: str | Path = ".", ordinary: frozenset[str] = frozenset(),
                   max_residual: int | None = None, sample_size: int = 20) -> dict[str, Any]:
    """The residual-risk scan (:mod:`incident_lm.deid.residual`) over the strings of every artefact under
    ``roots``: it needs no planted truth, so it is the audit that holds on real exports.

    Returns the scan's totals, masked sample and pass flag (against ``max_residual``), with the hits of each
    file in ``by_file`` and the files read.
    """
    base = Path(base)
    scan = ResidualScan(sample_size=sample_size, ordinary=ordinary)
    by_file: dict[str, dict[str, int]] = {}
    scanned: list[str] = []
    for root in roots:
        top = base / root
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(base).as_posix()
            art = read_artefact(path)
            if art.how is None:
                continue
            scanned.append(rel)
            before = Counter(scan.counts)
            for part in art.parts:
                ids = part.ids or [f"{rel} {part.where}"] * len(part.strings)
                scan.add(ids, part.strings)
            hits = {t: c for t, c in (scan.counts - before).items() if c}
            if hits:
                by_file[rel] = hits
    return {**scan.to_dict(max_residual), "by_file": by_file, "n_files": len(scanned)}


def corpus_ordinary_words(prepared: str | Path) -> frozenset[str]:
    """Words the prepared corpus writes in lower case (the residual scan's ordinary words); empty when the
    file is absent."""
    path = Path(prepared)
    if not path.is_file():
        return frozenset()
    texts = pq.read_table(path, columns=["text"]).column("text").to_pylist()
    return ordinary_words(lower_case_words(texts))


def base_vocabulary(model_dir: str | Path | None = None) -> set[str]:
    """Tokens of the base model's tokenizer vocabulary (the bundled MiniLM when ``model_dir`` is None)."""
    directory = resolve_model_dir(str(model_dir) if model_dir else None)
    vocab = directory / "vocab.txt"
    if vocab.is_file():
        return {line.strip() for line in vocab.read_text(encoding="utf-8").splitlines() if line.strip()}
    tok = json.loads((directory / "tokenizer.json").read_text(encoding="utf-8"))
    return set(tok["model"]["vocab"])


def auditor(raw: str | Path, truth_path: str | Path, id_column: str = "RP01",
            text_fields: Sequence[str] = ("IN07", "IN10", "IN11"), base_model: str | Path | None = None) -> Auditor:
    """An :class:`Auditor` for the identifiers planted in ``raw`` (recorded in ``truth_path``)."""
    truth = load_truth(truth_path, id_column)
    raw_df = pd.read_csv(raw, dtype=str, usecols=[id_column, *text_fields], keep_default_na=False)
    dist = distinctive_tokens(raw_df, truth.rename(columns={"doc": id_column}), id_column, text_fields)
    return Auditor(truth, dist, base_vocabulary(base_model))


def audit(raw: str | Path, truth_path: str | Path, roots: Sequence[str | Path] = DEFAULT_ROOTS,
          base: str | Path = ".", id_column: str = "RP01", text_fields: Sequence[str] = ("IN07", "IN10", "IN11"),
          base_model: str | Path | None = None) -> AuditResult:
    """Audit the artefacts under ``roots`` against the identifiers planted in ``raw`` (see module docstring)."""
    return auditor(raw, truth_path, id_column, text_fields, base_model).scan(roots, base)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", default="params.yaml", help="where --raw, --truth and the limit default from")
    ap.add_argument("--raw", default=None, help="raw export with planted identifiers (default: data.source)")
    ap.add_argument("--truth", default=None, help="planted identifiers (default: deid.truth; null: real data)")
    ap.add_argument("--roots", nargs="+", default=list(DEFAULT_ROOTS), help="artefact folders or files")
    ap.add_argument("--id-column", default="RP01", help="report id column of the raw export and the truth")
    ap.add_argument("--text-fields", nargs="+", default=["IN07", "IN10", "IN11"], help="raw free-text columns")
    ap.add_argument("--base-model", default=None, help="base model whose tokenizer vocabulary is exempt")
    ap.add_argument("--prepared", default="data/prepared/reports.parquet",
                    help="prepared corpus whose lower-case words are ordinary words for the residual scan")
    ap.add_argument("--out", default=None, help="write the audit as JSON here (identifiers masked)")
    args = ap.parse_args(argv)
    from incident_lm.core.params import load_params

    params = load_params(args.params) if Path(args.params).is_file() else {}
    deid = params.get("deid") or {}
    if args.truth is None:
        args.truth = deid.get("truth")
    if args.raw is None:
        args.raw = (params.get("data") or {}).get("source")
    max_residual = deid.get("max_residual")
    residual = residual_audit(args.roots, ordinary=corpus_ordinary_words(args.prepared), max_residual=max_residual)
    print(f"audit: residual-risk scan of {residual['n_files']} files: {residual['hits']} identifier-shaped "
          f"string(s) {({t: c for t, c in residual['by_type'].items() if c})}; deid.max_residual = {max_residual}")
    for rel, hits in list(residual["by_file"].items())[:20]:
        print(f"  residual {rel}: {hits}")
    if not args.truth:
        print(f"audit: {args.params} has no planted truth (deid.truth is null: real data); the residual-risk scan "
              f"is the audit")
        out: dict[str, Any] = {"truth": None, "clean": None, "residual": residual}
        status = 0 if residual["pass"] else 1
    else:
        res = audit(args.raw, args.truth, args.roots, id_column=args.id_column, text_fields=args.text_fields,
                    base_model=args.base_model)
        out = {"truth": str(args.truth), **res.to_dict(), "residual": residual}
        print(f"audit: {len(res.files_scanned)} files scanned, {len(res.files_skipped)} numeric files skipped, "
              f"{len(res.files_unscanned)} unscanned; {res.n_values} planted values and "
              f"{res.n_distinctive_tokens} distinctive tokens searched; {len(res.findings)} found")
        for f in res.findings[:50]:
            print(f"  {f.file}: {f.kind} {f.type} {f.masked} ({f.where})")
        for rel, why in res.files_unscanned.items():
            print(f"  unscanned {rel}: {why}")
        status = 0 if res.clean and residual["pass"] else 1
    if not residual["pass"]:
        print(f"audit: FAILED: {residual['hits']} residual hit(s), above deid.max_residual = {max_residual}; the "
              f"masked sample is in {args.out or 'the --out file'}")
    if args.out:
        from incident_lm.core.io import write_json

        write_json(args.out, out)
    return status


if __name__ == "__main__":
    sys.exit(main())
