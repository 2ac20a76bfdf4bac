"""Precision of the de-identifier on real public narratives, against a hand-labelled sample of its redactions.

``tests/fixtures/deid_real_precision.csv`` holds keys only (no text): two stratified samples of up to 40
redaction spans per type drawn by ``bench/deid_real_sample.py`` from all VAERS 1990-1996 SYMPTOM_TEXT and all
MAUDE narratives (seed 0 of the de-identifier before the fixes it led to, seed 2 of the one after, so that the
new rules' own redactions are labelled too), each labelled by reading its context: ``identifier`` (a date, a person's name,
an e-mail address ...) or ``not_identifier`` (a lot or report number, a temperature, a specialty, a
disease ...). The tests re-read each labelled report's text from ``../shared/data`` (skipped when absent),
check that the fixture still points at the same strings (sha1), re-run the Deidentifier on those texts
and measure precision over the labelled spans it still redacts. A labelled span counts as still redacted
when any current span overlaps it (whatever its type). A ``not_identifier`` span no longer redacted is an
improvement; an ``identifier`` span no longer redacted is a lost true positive.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from incident_lm.deid import DeidConfig, Deidentifier

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
VAERS_DIR = SHARED / "vaers-1990-1996"
MAUDE_CSV = SHARED / "maude-device-events" / "combined_df.csv"
FIXTURE = ROOT / "tests" / "fixtures" / "deid_real_precision.csv"
TARGET = 0.95

pytestmark = pytest.mark.skipif(not (VAERS_DIR.exists() and MAUDE_CSV.exists()),
                                reason="shared VAERS / MAUDE data not present in ../shared/data")


@dataclass(frozen=True)
class Labelled:
    """One labelled span of the fixture, with what the current Deidentifier makes of its text."""

    key: str
    type: str
    label: str
    note: str
    hash_ok: bool
    redacted: bool


def sha1_12(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:12]


def fixture_rows() -> list[dict[str, str]]:
    with FIXTURE.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def source_texts(source: str, file: str) -> dict[tuple[str, str], str]:
    """``(report_id, field) -> text`` of one source file, read once per test session."""
    if source == "vaers":
        df = pd.read_csv(VAERS_DIR / file, dtype=str, keep_default_na=False, encoding="latin-1",
                         usecols=["VAERS_ID", "SYMPTOM_TEXT"])
        return {(rid, "SYMPTOM_TEXT"): text for rid, text in zip(df["VAERS_ID"], df["SYMPTOM_TEXT"], strict=True)}
    if source == "maude":
        fields = ["Event Description", "Manufacturer Narrative"]
        df = pd.read_csv(MAUDE_CSV.parent / file, dtype=str, keep_default_na=False, encoding="utf-8",
                         usecols=["MDRFOI ID", *fields])
        return {(rid, field): text for field in fields for rid, text in zip(df["MDRFOI ID"], df[field], strict=True)}
    raise ValueError(f"unknown source {source!r}")


@pytest.fixture(scope="module")
def labelled() -> list[Labelled]:
    deid = Deidentifier(DeidConfig())
    found: dict[tuple[str, str, str, str], list] = {}
    out: list[Labelled] = []
    for row in fixture_rows():
        doc = (row["source"], row["file"], row["report_id"], row["field"])
        text = source_texts(row["source"], row["file"]).get((row["report_id"], row["field"]), "")
        if doc not in found:
            found[doc] = deid.find(text)
        s, e = int(row["start"]), int(row["end"])
        out.append(Labelled(key=":".join((*doc, f"{s}-{e}")), type=row["type"], label=row["label"],
                            note=row["note"], hash_ok=sha1_12(text[s:e]) == row["sha1"],
                            redacted=any(cs < e and s < ce for cs, ce, _ in found[doc])))
    return out


def precision_table(rows: list[Labelled]) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Per type ``(identifiers still redacted, labelled spans still redacted)``, and the overall pair."""
    tp: Counter[str] = Counter()
    n: Counter[str] = Counter()
    for r in rows:
        if r.redacted:
            n[r.type] += 1
            tp[r.type] += r.label == "identifier"
    return {t: (tp[t], n[t]) for t in sorted(n)}, sum(tp.values()), sum(n.values())


def test_fixture_is_consistent_with_the_shared_data(labelled: list[Labelled]) -> None:
    rows = fixture_rows()
    assert rows, "empty fixture"
    assert {r["label"] for r in rows} <= {"identifier", "not_identifier"}
    assert all(r["note"] and len(r["note"].split()) <= 6 for r in rows)
    keys = [(r["source"], r["file"], r["report_id"], r["field"], r["start"], r["end"]) for r in rows]
    assert len(set(keys)) == len(keys), "duplicate fixture rows"
    bad = [r.key for r in labelled if not r.hash_ok]
    assert not bad, f"{len(bad)} fixture span(s) no longer match their text (sha1): {bad[:10]}"


def test_precision_on_real_text(labelled: list[Labelled]) -> None:
    table, tp, n = precision_table([r for r in labelled if r.hash_ok])
    assert n, "no labelled span is redacted any more"
    lines = [f"{t}: {a}/{b} = {a / b:.3f}" for t, (a, b) in table.items()]
    fps = Counter(f"{r.type} {r.note}" for r in labelled if r.redacted and r.label == "not_identifier")
    assert tp / n >= TARGET, (f"precision {tp}/{n} = {tp / n:.3f} < {TARGET}; per type: {'; '.join(lines)}; "
                              f"false positives by kind: {dict(fps.most_common())}")


def test_no_labelled_identifier_is_lost(labelled: list[Labelled]) -> None:
    lost = [f"{r.key} ({r.type}, {r.note})" for r in labelled if r.hash_ok and r.label == "identifier"
            and not r.redacted]
    assert not lost, f"{len(lost)} labelled identifier(s) no longer redacted: {lost}"
