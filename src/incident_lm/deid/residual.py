"""Residual-risk scan: identifier-shaped strings left in de-identified text, found without ground truth.

On real exports nothing is planted, so recall cannot be measured; what can be measured is how much of the
kept text still *looks like* an identifier. This scan is a second line of defence, written apart from the
de-identifier's own patterns and deliberately broader than them:

``NHS_NUMBER``       any run of 10 digits, whatever separates them (spaces, dashes, dots, line breaks), that
                     passes the Modulus 11 check.
``PHONE``            digit runs of a UK number (0 or +44 / 0044 then 9-10 digits), any separators.
``POSTCODE``         postcode-shaped tokens in any case, validated against the UK format (letters allowed
                     per position, "SW1A 1AA", "ls1 4ap", "M11AE").
``EMAIL``            addresses, also obfuscated ("j.smith at nhs dot net", "jsmith[at]nhs.net").
``DATE``             numeric day/month/year dates with a valid day and month, and written dates with a year.
``HOSPITAL_NUMBER``  a record-number cue (MRN, hospital/unit/case/patient number) followed by a number.
``PERSON``           a capitalised word (or a shouted one) straight after a title or a staff / relative role.

A placeholder (``[PERSON]``) is never a hit. A capitalised word that the corpus also writes in lower case is
an ordinary word, not a name (see :func:`ordinary_words`). The scan reports counts per type, the share of reports with
any hit, and a small sample with each hit masked (first character and length) in its de-identified
context, for a human to review. The prepare stage scans every kept report (``metrics/deid.json["residual"]``,
failing above ``deid.max_residual``); the artefact audit scans the strings of every artefact
(:func:`incident_lm.audit.residual_audit`), and the report stage the excerpts it shows.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from incident_lm.deid.config import Span
from incident_lm.deid.names import word_list
from incident_lm.deid.structured import nhs_number_valid

RESIDUAL_TYPES: tuple[str, ...] = ("NHS_NUMBER", "PHONE", "POSTCODE", "EMAIL", "DATE", "HOSPITAL_NUMBER",
                                   "PERSON")

# digit runs: digits joined by at most two separator characters (space, tab, line break, dash, dot, slash)
_RUN_RE = re.compile(r"(?<![\w.,])(?:\+|\(?)?\d(?:[\s().\-/]{0,2}\d)+(?![\w]|[.,]\d)")
_NON_DIGIT = re.compile(r"\D")

_PC_OUT = r"(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)"
_POSTCODE_RE = re.compile(r"(?<![\w\[])(" + _PC_OUT + r")[ \t]{0,2}(\d[ABD-HJLNP-UW-Z]{2})(?![\w\]])",
                          re.IGNORECASE)
_PC_OUTWARD_OK = re.compile(r"^(?:[A-PR-UWYZ]\d{1,2}|[A-PR-UWYZ][A-HK-Y]\d{1,2}|[A-PR-UWYZ]\d[A-HJKPSTUW]|"
                            r"[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRVWXY])$")

_TLD = r"(?:com|net|org|uk|nhs|gov|ac|co|edu|info|io|me)"
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])", re.IGNORECASE)
_EMAIL_OBF_RE = re.compile(
    r"(?<![\w.+-])[\w.%+-]+\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|\s+at\s+|@)\s*[\w-]+"
    r"(?:\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\s+dot\s+|\.)\s*[\w-]+)*"
    r"\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\s+dot\s+|\.)\s*" + _TLD + r"(?![\w-])", re.IGNORECASE)
# a top-level domain ends the address: "obs @ 2010. Co-amoxiclav" and "ran fast at 2315hrs. co-codamol" are not

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec")
_DATE_NUM_RE = re.compile(r"(?<![\w/.:-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w]|[/.-]\d)")
_DATE_WORD_RE = re.compile(r"(?i)\b(?:\d{1,2}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:" + _MONTHS + r")\.?,?\s+(?:19|20)\d{2}"
                           r"|(?:" + _MONTHS + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2})\b")

_HOSP_RE = re.compile(r"(?i)\b(?:mrn|rxn|crn|k\s*number|(?:hospital|hosp|unit|case|patient|pas|record)\.?\s*"
                      r"(?:no|number|num|id|ref)\b\.?)\s*[:#]?\s*(?:is\s+)?([A-Z]{0,3}\d{5,10}[A-Z]?)(?![\w])")

_TITLES = r"(?:mr|mrs|ms|miss|mx|dr|prof|professor|sister|sr)"
_ROLES = (r"(?:staff\s+nurse|nurse|charge\s+nurse|consultant|registrar|surgeon|anaesthetist|midwife|hca|"
          r"doctor|physio(?:therapist)?|pharmacist|paramedic|matron|porter|daughter|son|wife|husband|"
          r"mother|father|mum|dad|sister-in-law|brother|partner|carer|student\s+nurse)")
_PERSON_RE = re.compile(r"(?<![\w\[])((?i:" + _TITLES + r"))(\.?)[ \t]+([A-Z][a-z'’-]+|[A-Z]{2,}[A-Z'’-]*)(?![\w\]])"
                        r"|(?<![\w\[])(?i:" + _ROLES + r")[ \t]+([A-Z][a-z'’-]{2,})(?![\w\]])")
#: titles that are also ordinary words: never followed by a full stop when they are titles ("Near miss. Reflected")
_WORD_TITLES = frozenset({"miss", "sister", "sr"})
_DOSE_BEFORE = re.compile(r"(?i)(?:\d|mg|mcg|micrograms?|ml|units?|tablets?|caps|capsules|xl|la)\.?\s*$")
_LOWER_WORD = re.compile(r"(?<![A-Za-z])[a-z][a-z'’-]+")
_NOT_NAMES = frozenset(w.lower() for w in word_list("not_names")) | frozenset(
    {"ward", "unit", "team", "hospital", "practitioner", "nurse", "bank", "agency", "on", "in", "at", "and", "was",
     "the", "who", "to", "had", "has", "is", "reviewed", "called", "informed", "aware", "advised", "present",
     "attended", "stated", "said", "from", "for", "with", "of", "a", "an", "as", "also", "then", "did", "not",
     "person", "patient", "pt", "on-call", "oncall", "bleeped", "contacted", "spoke", "asked", "came", "saw",
     "checked", "gave", "felt", "noted", "confirmed", "found", "explained", "administered", "prescribed"})


def _valid_dm(a: int, b: int) -> bool:
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


class ResidualScanner:
    """Find identifier-shaped strings in (de-identified) text; see the module docstring for the types.

    Examples
    --------
    >>> ResidualScanner().find("NHS 943.476.5919, seen by Dr Okafor")
    [(4, 16, 'NHS_NUMBER'), (29, 35, 'PERSON')]
    """

    def __init__(self, ordinary: frozenset[str] | set[str] = frozenset()):
        self.ordinary = ordinary

    def find(self, text: str) -> list[Span]:
        """Hits ``(start, end, type)`` in ``text``, sorted, without overlaps (the first type found wins)."""
        if not text:
            return []
        hits: list[Span] = []
        if any(c.isdigit() for c in text):
            self._digits(text, hits)
            for m in _POSTCODE_RE.finditer(text):
                if _PC_OUTWARD_OK.match(m.group(1).upper()):
                    hits.append((m.start(), m.end(), "POSTCODE"))
            for m in _DATE_NUM_RE.finditer(text):
                if _valid_dm(int(m.group(1)), int(m.group(3))):
                    hits.append((m.start(), m.end(), "DATE"))
            for m in _DATE_WORD_RE.finditer(text):
                hits.append((m.start(), m.end(), "DATE"))
            for m in _HOSP_RE.finditer(text):
                hits.append((m.start(1), m.end(1), "HOSPITAL_NUMBER"))
        if "@" in text or " at " in text.lower() or "[at]" in text.lower() or "(at)" in text.lower():
            for rx in (_EMAIL_RE, _EMAIL_OBF_RE):
                for m in rx.finditer(text):
                    hits.append((m.start(), m.end(), "EMAIL"))
        self._persons(text, hits)
        return _first_wins(hits)

    def _persons(self, text: str, hits: list[Span]) -> None:
        for m in _PERSON_RE.finditer(text):
            g = 3 if m.group(3) else 4
            word = m.group(g)
            if g == 3:
                title, stop = m.group(1), m.group(2)
                if title.lower() in _WORD_TITLES and stop:
                    continue  # "Near miss. Reflected": a sentence end, not a title
                if word.isupper() and not title.isupper():
                    continue  # "dr. BM 16.8": a shouted word after an unshouted title is an abbreviation
                if title.lower() == "mr" and _DOSE_BEFORE.search(text, 0, m.start()):
                    continue  # "oxycodone 10mg MR": modified release
            folded = word.lower().strip("'’-")
            if folded not in _NOT_NAMES and folded not in self.ordinary:
                hits.append((m.start(g), m.end(g), "PERSON"))

    @staticmethod
    def _digits(text: str, hits: list[Span]) -> None:
        for m in _RUN_RE.finditer(text):
            run = m.group()
            digits = _NON_DIGIT.sub("", run)
            if "/" in run and not re.fullmatch(r"\d{3}/\d{3}/\d{4}", run):
                continue  # dates, doses and scores use slashes; NHS numbers only as 3/3/4
            if ":" in run or (run.count(".") == 1 and re.fullmatch(r"\d+\.\d+", run)):
                continue  # times and decimals
            if len(digits) == 10 and nhs_number_valid(digits):
                hits.append((m.start(), m.end(), "NHS_NUMBER"))
                continue
            rest = digits[2:] if run.startswith("+44") else digits[4:] if run.lstrip("(").startswith("0044") else None
            national = digits if rest is None else rest if rest.startswith("0") else "0" + rest
            if national.startswith("0") and len(national) in (10, 11) and national[1] in "1235789":
                hits.append((m.start(), m.end(), "PHONE"))


def lower_case_words(texts: Iterable[str], counts: Counter[str] | None = None) -> Counter[str]:
    """Counts of the words written in lower case in ``texts`` (added to ``counts`` when given)."""
    counts = Counter() if counts is None else counts
    for text in texts:
        if isinstance(text, str):
            counts.update(_LOWER_WORD.findall(text))
    return counts


def ordinary_words(counts: Counter[str], min_count: int = 3) -> frozenset[str]:
    """Words seen in lower case at least ``min_count`` times: ordinary words, not names, wherever they are
    capitalised ("DR. BLOOD CULTURE", "the consultant Handed over"). Names are rarely written in lower case;
    a name that is also a word ("Rose", "Hope") is missed by the scan, which is the price of its precision."""
    return frozenset(w for w, c in counts.items() if c >= min_count)


def _first_wins(hits: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e, t in sorted(hits, key=lambda h: (h[0], -(h[1] - h[0]))):
        if not out or s >= out[-1][1]:
            out.append((s, e, t))
    return out


def mask(value: str) -> str:
    """A hit as a reviewer sees it: its first character, then ``*`` for every other letter or digit."""
    return value[:1] + re.sub(r"[0-9A-Za-z]", "*", value[1:])


@dataclass
class ResidualScan:
    """Running totals of a scan over many reports (see :meth:`add` and :meth:`to_dict`)."""

    sample_size: int = 20
    seed: int = 0
    context: int = 30
    counts: Counter[str] = field(default_factory=Counter)
    n_reports: int = 0
    reports_with_any: int = 0
    _reservoir: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    _seen: Counter[str] = field(default_factory=Counter)
    ordinary: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._scanner = ResidualScanner(self.ordinary)

    def add(self, ids: Iterable[str], texts: Iterable[str]) -> None:
        """Scan one batch of reports (ids and kept texts)."""
        for doc, text in zip(ids, texts, strict=True):
            self.n_reports += 1
            hits = self._scanner.find(text if isinstance(text, str) else "")
            if not hits:
                continue
            self.reports_with_any += 1
            masked = text
            for s, e, _ in hits:  # masks keep lengths, so offsets hold
                masked = masked[:s] + mask(text[s:e]) + masked[e:]
            for s, e, t in hits:
                self.counts[t] += 1
                self._seen[t] += 1
                item = {"id": str(doc), "type": t, "excerpt": self._excerpt(masked, s, e)}
                box = self._reservoir.setdefault(t, [])
                if len(box) < self.sample_size:  # reservoir sampling: an even sample of every hit of the type
                    box.append(item)
                else:
                    j = self._rng.randrange(self._seen[t])
                    if j < self.sample_size:
                        box[j] = item

    def _excerpt(self, masked: str, s: int, e: int) -> str:
        """The hit in its context, from the text with every hit masked."""
        lo, hi = max(0, s - self.context), min(len(masked), e + self.context)
        return (("…" if lo else "") + masked[lo:s] + "⟦" + masked[s:e] + "⟧" + masked[e:hi]
                + ("…" if hi < len(masked) else "")).replace("\n", " ")

    def to_dict(self, max_residual: int | None = None) -> dict[str, Any]:
        """JSON-ready totals: counts per type, the share of reports with any hit, the masked sample and the
        pass/fail against ``max_residual`` (``None``: reported, never failed)."""
        total = int(sum(self.counts.values()))
        return {
            "n_reports": self.n_reports,
            "hits": total,
            "by_type": {t: int(self.counts.get(t, 0)) for t in RESIDUAL_TYPES},
            "reports_with_any": self.reports_with_any,
            "per_10k_reports": round(1e4 * total / self.n_reports, 2) if self.n_reports else None,
            "max_residual": max_residual,
            "pass": max_residual is None or total <= max_residual,
            "sample": [it for t in RESIDUAL_TYPES for it in sorted(self._reservoir.get(t, []),
                                                                    key=lambda d: d["id"])],
        }
