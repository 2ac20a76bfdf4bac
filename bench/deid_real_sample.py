"""Sample the de-identifier's redactions on real public narratives, for a by-hand precision review.

Usage: ``python bench/deid_real_sample.py [--out keys.csv] [--per-type 40] [--seed 0] [--n-vaers 0]``

Runs :class:`~incident_lm.deid.Deidentifier` over a fixed, seeded sample of real report text from
``../shared/data`` (the SYMPTOM_TEXT of ``--n-vaers`` VAERS 1990-1996 reports drawn with ``--seed`` from
all years, 0 = all 63,828 of them, the default: the rare types need the whole set to be seen at all; and
every MAUDE "Event Description" and "Manufacturer Narrative"), collects every redaction span, and draws a
stratified sample of up to ``--per-type`` spans per identifier type (all of them when fewer). A span
whose type and +-60 characters of context repeat an earlier one (MAUDE's multi-device reports copy
narratives, sometimes into the other column) is counted once. Each sampled span is printed to stdout with +-60 characters of context, for review only; the
CSV written to ``--out`` holds the sample's keys and NO text (source, file, report_id, field, start,
end, type, sha1 = first 12 hex digits of the sha1 of the matched string), so it may be labelled and
kept as a fixture (``tests/fixtures/deid_real_precision.csv``) without copying real text into the
repository.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from incident_lm.deid import DeidConfig, Deidentifier

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
VAERS_DIR = DATA / "vaers-1990-1996"
MAUDE_CSV = DATA / "maude-device-events" / "combined_df.csv"
VAERS_FILES = tuple(f"{year}VAERSDATA.csv" for year in range(1990, 1997))
MAUDE_FIELDS = ("Event Description", "Manufacturer Narrative")
KEYS = ("source", "file", "report_id", "field", "start", "end", "type", "sha1")
CONTEXT = 60


def sha1_12(s: str) -> str:
    """First 12 hex digits of the sha1 of ``s`` (utf-8): identifies a matched string without holding it."""
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:12]


def read_vaers(name: str, vaers_dir: Path = VAERS_DIR) -> pd.DataFrame:
    """VAERS_ID and SYMPTOM_TEXT of one year's data file, all as text."""
    return pd.read_csv(vaers_dir / name, dtype=str, keep_default_na=False, encoding="latin-1",
                       usecols=["VAERS_ID", "SYMPTOM_TEXT"])


def read_maude(path: Path = MAUDE_CSV) -> pd.DataFrame:
    """MDRFOI ID and the two narrative columns of the MAUDE scrape, all as text."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8",
                       usecols=["MDRFOI ID", *MAUDE_FIELDS])


def texts(n_vaers: int, seed: int) -> Iterator[tuple[str, str, str, str, str]]:
    """``(source, file, report_id, field, text)`` for the sampled VAERS reports and all MAUDE texts."""
    frames = [read_vaers(name).assign(file=name) for name in VAERS_FILES]
    vaers = pd.concat(frames, ignore_index=True)
    if 0 < n_vaers < len(vaers):
        vaers = vaers.sample(n=n_vaers, random_state=seed)
    vaers = vaers.sort_values(["file", "VAERS_ID"], kind="stable")
    for file, rid, text in zip(vaers["file"], vaers["VAERS_ID"], vaers["SYMPTOM_TEXT"], strict=True):
        yield "vaers", file, rid, "SYMPTOM_TEXT", text
    maude = read_maude()
    for field in MAUDE_FIELDS:
        for rid, text in zip(maude["MDRFOI ID"], maude[field], strict=True):
            yield "maude", MAUDE_CSV.name, rid, field, text


def collect(deid: Deidentifier, n_vaers: int, seed: int) -> tuple[list[dict], dict[tuple, str]]:
    """Every redaction span (as a key dict) and the texts they came from, keyed by (source, file, id, field).

    A span whose type and +-CONTEXT characters repeat an earlier span's (a narrative copied into another
    report or column) is kept once, under its first report, so the sample does not hold it several times.
    """
    spans: list[dict] = []
    store: dict[tuple, str] = {}
    seen: set[tuple[str, str]] = set()
    for source, file, rid, field, text in texts(n_vaers, seed):
        if not text:
            continue
        key = (source, file, rid, field)
        for start, end, typ in deid.find(text):
            window = (typ, text[max(0, start - CONTEXT):end + CONTEXT])
            if window in seen:
                continue
            seen.add(window)
            store[key] = text
            spans.append(dict(source=source, file=file, report_id=rid, field=field, start=start, end=end,
                              type=typ, sha1=sha1_12(text[start:end])))
    return spans, store


def stratified(spans: list[dict], per_type: int, seed: int) -> list[dict]:
    """Up to ``per_type`` spans of each type (all when fewer), drawn with ``seed``; in a stable order."""
    by_type: dict[str, list[dict]] = defaultdict(list)
    for s in spans:
        by_type[s["type"]].append(s)
    rng = random.Random(seed)
    out: list[dict] = []
    for typ in sorted(by_type):
        group = by_type[typ]
        out.extend(group if len(group) <= per_type else rng.sample(group, per_type))
    return out


def show(i: int, span: dict, text: str) -> str:
    """One sampled span, for review: type, matched text and +-CONTEXT characters around it."""
    s, e = span["start"], span["end"]
    left = text[max(0, s - CONTEXT):s].replace("\n", " ")
    right = text[e:e + CONTEXT].replace("\n", " ")
    return (f"[{i}] {span['type']} {span['source']}:{span['report_id']}:{span['field']}:{s}-{e}\n"
            f"    MATCH: {text[s:e]!r}\n    CONTEXT: ...{left}<<{text[s:e]}>>{right}...")


def main(argv: list[str] | None = None) -> int:
    """Sample the spans, print them with context and write their keys (no text) to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/deid_real_sample_keys.csv"),
                        help="CSV of the sampled spans' keys, without text (default: %(default)s)")
    parser.add_argument("--per-type", type=int, default=40, help="spans sampled per type (default: 40)")
    parser.add_argument("--seed", type=int, default=0, help="seed of both samples (default: 0)")
    parser.add_argument("--n-vaers", type=int, default=0,
                        help="VAERS reports drawn with --seed and scanned, 0 = all (default: 0)")
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"no shared data at {DATA.resolve()}", file=sys.stderr)
        return 2

    deid = Deidentifier(DeidConfig())
    spans, store = collect(deid, args.n_vaers, args.seed)
    sample = stratified(spans, args.per_type, args.seed)
    totals = Counter(s["type"] for s in spans)
    print(f"{len(store)} texts with spans, {len(spans)} distinct spans: " +
          ", ".join(f"{t}={n}" for t, n in sorted(totals.items())))
    for i, span in enumerate(sample):
        print(show(i, span, store[(span["source"], span["file"], span["report_id"], span["field"])]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=KEYS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: s[k] for k in KEYS} for s in sample)
    print(f"wrote {len(sample)} keys to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
