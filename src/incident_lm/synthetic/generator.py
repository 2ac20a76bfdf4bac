"""Generate a synthetic NRLS-like incident corpus with planted ground truth.

Coded fields (category, harm, dates, setting, ...) are drawn in vectorised numpy
from distributions near published NRLS figures; free text is built per report
from the template grammar in :mod:`incident_lm.synthetic.lexicon`. Ground truth
is planted and recorded for identifiers, an emerging theme and near-duplicate
re-reports. All randomness comes from ``numpy.random.default_rng`` streams
derived from the seed, so the same config gives the same corpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incident_lm.core.io import atomic_dir, write_csv, write_text
from incident_lm.core.params import ParamsError, Section, param, read_section
from incident_lm.synthetic import lexicon as lx
from incident_lm.synthetic import vocab as v
from incident_lm.synthetic.grammar import Context, Grammar, Sentence, Stream, Style, render
from incident_lm.synthetic.identifiers import FEMALE, IDENTIFIER_SLOTS, MALE, MONTHS, SURNAMES

SECTION = "synthetic"
REPORT_COLUMNS: tuple[str, ...] = (
    "RP01", "IN01", "CREATEDDT", "ORG", "RP02", "IN03_LVL1", "IN05_LVL1", "IN05_LVL2", "PD05_LVL1", "PD09",
    "DV01", "PD02", "IN07", "IN10", "IN11",
)
TEXT_FIELDS: tuple[str, ...] = ("IN07", "IN10", "IN11")

# Internal difficulty knobs (tuned so a TF-IDF probe lands in the calibrated band).
_BRIDGE_RATE = 0.30        # chance that a report's event is one shared with a neighbouring category
_SHORT_RATE = 0.015        # reports of 1-5 words
_BRIEF_RATE = 0.10         # reports of one core sentence and little else
_CUE_RATE = 0.60           # chance of an explicit harm outcome sentence
_HINT_RATE = 0.20          # chance of a weak harm hint
_CUE_SLIP = 0.15           # chance that a harm cue belongs to the adjacent level
_FORBIDDEN = frozenset(w.lower() for w in (*FEMALE, *MALE, *SURNAMES, *MONTHS, *(m[:3] for m in MONTHS)))
_IN10_EMPTY = 0.5
_IN11_EMPTY = 0.55
_ID_FIELD_P = (0.85, 0.08, 0.07)   # where a planted identifier sentence goes: IN07, IN10, IN11


@dataclass(frozen=True)
class EmergingConfig:
    """The planted emerging theme: reports start at ``start`` and grow each month.

    Parameters
    ----------
    start : str
        First day of the theme, ``YYYY-MM-DD`` (counts are per calendar month from its month).
    initial_per_month : int
        Theme reports in the first month (0 disables the theme).
    monthly_growth : float
        Multiplicative growth per month (>= 1; counts strictly increase when > 1).
    """

    start: str = param("2023-01-01", date=True)
    initial_per_month: int = param(2, min=0)
    monthly_growth: float = param(1.25, min=1.0)


@dataclass(frozen=True)
class NovelConfig:
    """Planted rare novel incidents: types of incident written nowhere else in the corpus.

    Parameters
    ----------
    types : int
        How many of the lexicon's novel incident types to plant (0 disables; at most ``len(NOVEL)``).
    per_type : int
        Reports of each type, at random dates over the whole range.
    """

    types: int = param(8, min=0, max=len(lx.NOVEL))
    per_type: int = param(5, min=1)


@dataclass(frozen=True)
class SyntheticConfig:
    """Parameters of the synthetic corpus (params.yaml section ``synthetic``).

    Parameters
    ----------
    n_reports : int
        Total rows, including emerging-theme reports and planted re-reports.
    seed : int
        Seed for every random draw.
    start_date, end_date : str
        Incident date range, ``YYYY-MM-DD``, inclusive.
    identifier_rate : float
        Share of reports carrying planted identifiers.
    label_noise : float
        Share of category labels coded as a plausible neighbouring category.
    misspelling_rate : float
        Average share of word tokens misspelt.
    duplicate_rate : float
        Share of rows that are planted near-duplicate re-reports.
    secondary_theme_rate : float
        Share of reports with a sentence from a second category.
    n_orgs : int
        Number of reporting organisations (at least one per care setting).
    emerging : EmergingConfig
        The planted emerging theme.
    novel : NovelConfig
        The planted rare novel incidents (the review queue's ground truth).
    """

    n_reports: int = param(20000, min=100)
    seed: int = param(42, min=0)
    start_date: str = param("2019-01-01", date=True)
    end_date: str = param("2023-12-31", date=True)
    identifier_rate: float = param(0.05, min=0.0, max=1.0)
    label_noise: float = param(0.10, min=0.0, max=1.0)
    misspelling_rate: float = param(0.02, min=0.0, max=0.2)
    duplicate_rate: float = param(0.01, min=0.0, max=0.2)
    secondary_theme_rate: float = param(0.20, min=0.0, max=1.0)
    n_orgs: int = param(60, min=len(v.CARE_SETTINGS))
    emerging: EmergingConfig = param(default_factory=EmergingConfig)
    novel: NovelConfig = param(default_factory=NovelConfig)

    def __post_init__(self) -> None:
        def bad(key: str, value: Any, msg: str) -> ParamsError:
            return ParamsError(f"'{SECTION}.{key}' = {value!r}: {msg}")

        if not isinstance(self.n_reports, int) or self.n_reports < 100:
            raise bad("n_reports", self.n_reports, "must be an integer >= 100")
        for key in ("identifier_rate", "label_noise", "duplicate_rate", "secondary_theme_rate"):
            value = getattr(self, key)
            if not 0.0 <= value <= 1.0:
                raise bad(key, value, "must be within 0..1")
        if not 0.0 <= self.misspelling_rate <= 0.2:
            raise bad("misspelling_rate", self.misspelling_rate, "must be within 0..0.2")
        if self.n_orgs < len(v.CARE_SETTINGS):
            raise bad("n_orgs", self.n_orgs, f"must be >= {len(v.CARE_SETTINGS)} (one per care setting)")
        start, end = _parse_date(self.start_date, "start_date"), _parse_date(self.end_date, "end_date")
        if end <= start:
            raise bad("end_date", self.end_date, "must be after start_date")
        em = self.emerging
        em_start = _parse_date(em.start, "emerging.start")
        if em.initial_per_month < 0:
            raise bad("emerging.initial_per_month", em.initial_per_month, "must be >= 0")
        if em.monthly_growth < 1.0:
            raise bad("emerging.monthly_growth", em.monthly_growth, "must be >= 1 (the theme grows)")
        if em.initial_per_month and not start <= em_start <= end:
            raise bad("emerging.start", em.start, "must lie between start_date and end_date")
        if not 0 <= self.novel.types <= len(lx.NOVEL):
            raise bad("novel.types", self.novel.types, f"must be within 0..{len(lx.NOVEL)} (the lexicon's types)")
        n_special = int(self.emerging_counts().sum()) + self.n_duplicates + self.n_novel
        if n_special > self.n_reports // 2:
            raise bad("emerging.initial_per_month", em.initial_per_month,
                      f"emerging ({int(self.emerging_counts().sum())}), duplicate ({self.n_duplicates}) and novel "
                      f"({self.n_novel}) reports exceed half of n_reports; lower them or raise n_reports")

    @property
    def n_novel(self) -> int:
        """Number of planted novel-incident reports."""
        return self.novel.types * self.novel.per_type

    @property
    def n_duplicates(self) -> int:
        """Number of planted re-reports."""
        return int(round(self.duplicate_rate * self.n_reports))

    def emerging_months(self) -> list[str]:
        """Months (``YYYY-MM``) from the theme's start to ``end_date``."""
        if self.emerging.initial_per_month == 0:
            return []
        a, b = _parse_date(self.emerging.start, "emerging.start"), _parse_date(self.end_date, "end_date")
        months = []
        y, m = a.year, a.month
        while (y, m) <= (b.year, b.month):
            months.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return months

    def emerging_counts(self) -> np.ndarray:
        """Theme reports per month in :meth:`emerging_months` (strictly increasing when growth > 1)."""
        em = self.emerging
        counts: list[int] = []
        for k in range(len(self.emerging_months())):
            c = int(round(em.initial_per_month * em.monthly_growth ** k))
            if counts and em.monthly_growth > 1.0:
                c = max(c, counts[-1] + 1)
            counts.append(c)
        return np.array(counts, dtype=int)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data (as it would appear in params.yaml)."""
        return asdict(self)

    @classmethod
    def from_section(cls, section: Section) -> SyntheticConfig:
        """Build from the ``synthetic`` params section; errors name the dotted key."""
        return read_section(cls, section)


def _parse_date(value: str, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParamsError(f"'{SECTION}.{key}' = {value!r}: expected a date YYYY-MM-DD") from None


@dataclass
class Corpus:
    """A generated corpus and its ground truth.

    Attributes
    ----------
    reports : DataFrame
        One row per report, columns :data:`REPORT_COLUMNS`.
    identifiers : DataFrame
        Planted identifiers: RP01, field, start, end, type, value.
    emerging : DataFrame
        Emerging-theme reports: RP01, month.
    duplicates : DataFrame
        Planted re-reports: RP01_a (original), RP01_b (re-report).
    novel : DataFrame
        Planted novel-incident reports: RP01, type.
    labels : DataFrame
        The labels each report's text was written from, before coding noise: RP01, category, harm (the coded
        labels in ``reports`` differ by ``label_noise`` and the organisations' harm-coding bias).
    config : SyntheticConfig
        The config that produced it.
    """

    reports: pd.DataFrame
    identifiers: pd.DataFrame
    emerging: pd.DataFrame
    duplicates: pd.DataFrame
    novel: pd.DataFrame
    labels: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["RP01", "category", "harm"]))
    config: SyntheticConfig = field(default_factory=SyntheticConfig)


# ---------------------------------------------------------------------------
# Compiled template banks (built once per process)
# ---------------------------------------------------------------------------


class _Bank:
    """Compiled grammar and sentence pools."""

    def __init__(self) -> None:
        lexicon: dict[str, Any] = dict(lx.LEXICON)
        lexicon.update(IDENTIFIER_SLOTS)
        for slot, groups in lx.SETTING_SLOTS.items():
            for group, templates in groups.items():
                lexicon[f"{slot}@{group}"] = templates
        g = Grammar(lexicon, override_names=lx.OVERRIDE_NAMES)
        self.g = g
        comp = self.pool
        self.core = {sub: comp(t, sub) for sub, t in lx.CORE.items()}
        self.shared = {c: comp(t, c) for c, t in lx.CORE_SHARED.items()}
        self.bridges: dict[str, list[tuple]] = {c: [] for c in v.CATEGORIES}
        for (a, b), templates in lx.BRIDGES.items():
            pool = comp(templates, f"bridge {a[:20]}/{b[:20]}")
            self.bridges[a].append(pool)
            self.bridges[b].append(pool)
        self.short = {c: comp(t, c) for c, t in lx.SHORT.items()}
        self.generic = comp(lx.GENERIC, "GENERIC")
        self.outcome = [comp(t, f"OUTCOME[{i}]") for i, t in enumerate(lx.OUTCOME)]
        self.hint = [comp(t, f"HINT[{i}]") for i, t in enumerate(lx.HARM_HINT)]
        self.in10_generic = comp(lx.IN10_GENERIC, "IN10")
        self.in10_cat = {c: comp(t, c) for c, t in lx.IN10_CATEGORY.items()}
        self.in11_generic = comp(lx.IN11_GENERIC, "IN11")
        self.in11_cat = {c: comp(t, c) for c, t in lx.IN11_CATEGORY.items()}
        self.emerging = comp(lx.EMERGING, "EMERGING")
        self.novel = {name: comp(t, f"NOVEL[{name}]") for name, (_, t) in lx.NOVEL.items()}
        self.ident = (comp(lx.IDENT_IN07, "IDENT_IN07"), comp(lx.IDENT_IN10, "IDENT_IN10"),
                      comp(lx.IDENT_IN11, "IDENT_IN11"))
        self.dup_intro = comp(lx.DUP_INTRO, "DUP_INTRO")
        self.background = {grp: g.slots[f"background@{grp}"] for grp in lx.SETTING_SLOTS["background"]}
        self.setting_over = {
            grp: {slot: g.slots[f"{slot}@{grp}"] for slot in lx.SETTING_SLOTS}
            for grp in lx.SETTING_SLOTS["place"]
        }
        self.subs_of = {c: [s for s, _ in v.SUBCATEGORIES[c]] for c in v.CATEGORIES}
        self.core_sentence = compile_one(g, "{background}")

    def pool(self, templates: Sequence[str], where: str) -> tuple:
        seqs = self.g.compile_all(templates)
        for seq in seqs:
            self.g.check(seq, where)
        return seqs


def compile_one(g: Grammar, template: str) -> tuple:
    """Compile and check one template."""
    seqs = g.compile_all([template])
    g.check(seqs[0])
    return seqs[0]


@lru_cache(maxsize=1)
def _bank() -> _Bank:
    return _Bank()


# ---------------------------------------------------------------------------
# Vectorised coded fields
# ---------------------------------------------------------------------------

_ORG_TYPE_SHARE: dict[str, float] = {
    v.ACUTE: 0.42, v.MENTAL: 0.12, v.COMMUNITY: 0.10, v.AMBULANCE: 0.05, v.GP: 0.14, v.PHARMACY: 0.09,
    v.LEARNING: 0.04, v.OPTOM: 0.04,
}
_LETTERS = "ABCDEFGHJKLMNPQRTVWXY"


@dataclass
class _Orgs:
    code: np.ndarray
    setting: np.ndarray        # index into CARE_SETTINGS
    weight: np.ndarray
    up: np.ndarray             # probability of coding harm one level higher
    down: np.ndarray           # probability of coding harm one level lower


def _make_orgs(rng: np.random.Generator, n_orgs: int) -> _Orgs:
    settings = list(v.CARE_SETTINGS)
    shares = np.array([_ORG_TYPE_SHARE[s] for s in settings])
    counts = np.maximum(1, np.floor(shares * n_orgs).astype(int))
    while counts.sum() > n_orgs:
        counts[int(np.argmax(counts))] -= 1
    while counts.sum() < n_orgs:
        counts[int(np.argmax(shares * n_orgs - counts))] += 1
    codes: list[str] = []
    seen: set[str] = set()
    org_setting: list[int] = []
    for si, c in enumerate(counts):
        setting = settings[si]
        for _ in range(int(c)):
            while True:
                a, b = rng.integers(len(_LETTERS), size=2)
                num = int(rng.integers(1, 100))
                if setting == v.GP:
                    code = f"{_LETTERS[a]}8{num:04d}"
                elif setting == v.PHARMACY:
                    code = f"F{_LETTERS[a]}{_LETTERS[b]}{num:02d}"
                elif setting == v.OPTOM:
                    code = f"TP{_LETTERS[a]}{num:02d}"
                else:
                    code = f"R{_LETTERS[a]}{_LETTERS[b]}{num % 10:01d}{1 + num % 9:01d}"
                if code not in seen:
                    break
            seen.add(code)
            codes.append(code)
            org_setting.append(si)
    n = len(codes)
    weight = rng.lognormal(0.0, 0.6, size=n)
    kind = rng.random(n)
    up = rng.uniform(0.0, 0.04, size=n)
    down = rng.uniform(0.0, 0.04, size=n)
    high = kind < 0.2
    low = (kind >= 0.2) & (kind < 0.35)
    up[high] = rng.uniform(0.2, 0.45, size=int(high.sum()))
    down[low] = rng.uniform(0.2, 0.45, size=int(low.sum()))
    return _Orgs(np.array(codes), np.array(org_setting), weight, up, down)


def _choice_by_group(rng: np.random.Generator, groups: np.ndarray, n_groups: int,
                     probs: dict[int, np.ndarray]) -> np.ndarray:
    """For each row draw an option index from ``probs[group]`` (groups visited in sorted order)."""
    out = np.zeros(len(groups), dtype=int)
    for gi in range(n_groups):
        idx = np.flatnonzero(groups == gi)
        if len(idx):
            p = probs[gi]
            out[idx] = rng.choice(len(p), size=len(idx), p=p)
    return out


def _norm(w: Sequence[float]) -> np.ndarray:
    a = np.asarray(w, dtype=float)
    return a / a.sum()


def _noise_matrix(noise: float) -> np.ndarray:
    k = len(v.CATEGORIES)
    m = np.eye(k) * (1.0 - noise)
    for i, c in enumerate(v.CATEGORIES):
        nb = v.NEIGHBOURS[c]
        for n in nb:
            m[i, v.CATEGORIES.index(n)] += noise / len(nb)
    return m


def _true_category_shares(noise: float) -> np.ndarray:
    """Shares of true categories such that noisy coding reproduces the published shares."""
    target = np.array([v.CATEGORY_SHARES[c] for c in v.CATEGORIES])
    m = _noise_matrix(noise)
    t = target.copy()
    for _ in range(200):
        t = np.clip(t * target / (t @ m), 1e-6, None)
        t /= t.sum()
    return t


def _setting_probs() -> dict[int, np.ndarray]:
    base = np.array([v.SETTING_BASE[s] for s in v.CARE_SETTINGS])
    out = {}
    for ci, c in enumerate(v.CATEGORIES):
        boost = np.array([v.SETTING_BOOST.get(c, {}).get(s, 1.0) for s in v.CARE_SETTINGS])
        out[ci] = _norm(base * boost)
    return out


def _harm_probs(cat_shares: np.ndarray, up: float, down: float) -> dict[int, np.ndarray]:
    """True-harm distribution per category so coded marginals meet :data:`vocab.HARM_TARGET`."""
    target = np.array(v.HARM_TARGET)
    tilt = np.array([v.HARM_TILT[c] for c in v.CATEGORIES])
    code = np.eye(5)
    for h in range(3):
        code[h, h] -= up
        code[h, h + 1] += up
    for h in (1, 2):
        code[h, h] -= down
        code[h, h - 1] += down
    base = target.copy()
    for _ in range(200):
        rows = base * tilt
        rows /= rows.sum(axis=1, keepdims=True)
        achieved = (cat_shares @ rows) @ code
        base = np.clip(base * target / achieved, 1e-9, None)
    rows = base * tilt
    rows /= rows.sum(axis=1, keepdims=True)
    return {ci: rows[ci] for ci in range(len(v.CATEGORIES))}


_DOW_WEIGHT = np.array([1.05, 1.05, 1.03, 1.02, 1.0, 0.82, 0.8])


def _day_weights(start: dt.date, end: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Day ordinals in range and sampling weights (winter peak, weekday effect, growth)."""
    days = np.arange(start.toordinal(), end.toordinal() + 1)
    doy = np.array([dt.date.fromordinal(int(d)).timetuple().tm_yday for d in days])
    season = 1.0 + 0.13 * np.cos(2.0 * np.pi * (doy - 15) / 365.25)
    years = (days - days[0]) / 365.25
    growth = 1.0 + 0.07 * years
    dow = _DOW_WEIGHT[(days + 6) % 7]   # date.fromordinal(1) is a Monday: ordinal % 7 == 1
    w = season * growth * dow
    return days, w / w.sum()


def _ages(rng: np.random.Generator, profile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    profiles = [v.AGE_ADULT, v.AGE_OLDER, v.AGE_CHILD, v.AGE_YOUNG, v.AGE_MATERNITY]
    band = _choice_by_group(rng, profile, len(profiles), {i: _norm(p) for i, p in enumerate(profiles)})
    lo = np.array([v.AGE_RANGES[b][0] for b in v.AGE_BANDS])[band]
    hi = np.array([v.AGE_RANGES[b][1] for b in v.AGE_BANDS])[band]
    age = lo + np.floor(rng.random(len(band)) * (hi - lo + 1)).astype(int)
    return band, age


_CHILD_SPECS = {"Paediatrics", "Child and adolescent mental health", "Health visiting"}
_OLDER_SPECS = {"Elderly care", "Older adult mental health", "Palliative care", "District nursing"}
_LOCATION_BOOST: dict[str, dict[str, float]] = {
    v.TREAT: {"Operating theatre": 5.0, "Day surgery unit": 3.0, "X-ray / imaging department": 2.0},
    v.ACCESS: {"A&E": 3.0}, v.ASSESS: {"A&E": 3.0, "X-ray / imaging department": 4.0, "Outpatient clinic": 2.0},
    v.DISRUPT: {"A&E": 3.0, "Section 136 suite": 3.0}, v.ACCIDENT: {"Inpatient ward": 1.5, "Care home": 1.5},
    v.DEVICE: {"Intensive care unit": 3.0, "Operating theatre": 2.0},
}


@dataclass
class _Coded:
    true_cat: np.ndarray
    cat: np.ndarray
    true_sub: list[str]
    sub: list[str]
    setting: np.ndarray
    location: list[str]
    specialty: list[str]
    org: np.ndarray
    band: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    true_harm: np.ndarray
    harm: np.ndarray
    day: np.ndarray
    created: np.ndarray


def _draw_subs(rng: np.random.Generator, cat: np.ndarray) -> list[str]:
    probs = {ci: _norm([w for _, w in v.SUBCATEGORIES[c]]) for ci, c in enumerate(v.CATEGORIES)}
    idx = _choice_by_group(rng, cat, len(v.CATEGORIES), probs)
    names = {ci: [s for s, _ in v.SUBCATEGORIES[c]] for ci, c in enumerate(v.CATEGORIES)}
    return [names[int(c)][int(i)] for c, i in zip(cat, idx, strict=True)]


def _draw_context(rng: np.random.Generator, orgs: _Orgs, true_cat: np.ndarray,
                  cat: np.ndarray, setting: np.ndarray, days: np.ndarray, true_harm: np.ndarray) -> _Coded:
    """Location, specialty, organisation, age, sex, coded harm and reported date for given labels."""
    n = len(cat)
    n_set = len(v.CARE_SETTINGS)
    n_cat = len(v.CATEGORIES)
    # location and specialty depend on (setting, category)
    combo = setting * n_cat + true_cat
    loc_probs, spec_probs, loc_names, spec_names = {}, {}, {}, {}
    for si, s in enumerate(v.CARE_SETTINGS):
        for ci, c in enumerate(v.CATEGORIES):
            k = si * n_cat + ci
            locs = v.LOCATIONS[s]
            lb = _LOCATION_BOOST.get(c, {})
            loc_probs[k] = _norm([w * lb.get(name, 1.0) for name, w in locs])
            loc_names[k] = [name for name, _ in locs]
            specs = v.SPECIALTIES[s]
            sb = v.SPECIALTY_BOOST.get(v.CATEGORIES[int(ci)], {})
            spec_probs[k] = _norm([w * sb.get(name, 1.0) for name, w in specs])
            spec_names[k] = [name for name, _ in specs]
    li = _choice_by_group(rng, combo, n_set * n_cat, loc_probs)
    pi = _choice_by_group(rng, combo, n_set * n_cat, spec_probs)
    location = [loc_names[int(k)][int(i)] for k, i in zip(combo, li, strict=True)]
    specialty = [spec_names[int(k)][int(i)] for k, i in zip(combo, pi, strict=True)]
    # organisation serving that setting, by size
    org_probs = {}
    for si in range(n_set):
        members = np.flatnonzero(orgs.setting == si)
        org_probs[si] = _norm(orgs.weight[members])
    oi = _choice_by_group(rng, setting, n_set, org_probs)
    org = np.zeros(n, dtype=int)
    for si in range(n_set):
        mask = setting == si
        org[mask] = np.flatnonzero(orgs.setting == si)[oi[mask]]
    # age and sex
    spec_arr = np.array(specialty, dtype=object)
    profile = np.zeros(n, dtype=int)
    profile[np.isin(true_cat, [v.CATEGORIES.index(v.ACCIDENT)])] = 1
    profile[np.isin(true_cat, [v.CATEGORIES.index(v.SELFHARM), v.CATEGORIES.index(v.DISRUPT)])] = 3
    profile[np.isin(spec_arr, list(_OLDER_SPECS))] = 1
    profile[np.isin(spec_arr, list(_CHILD_SPECS))] = 2
    profile[spec_arr == "Obstetrics and gynaecology"] = 4
    band, age = _ages(rng, profile)
    sex = rng.choice(3, size=n, p=[0.52, 0.46, 0.02])
    sex[profile == 4] = 0
    # harm as coded by the organisation
    u = rng.random(n)
    harm = true_harm.copy()
    upm = (u < orgs.up[org]) & (true_harm <= 2)
    harm[upm] += 1
    downm = (~upm) & (u > 1.0 - orgs.down[org]) & (true_harm >= 1) & (true_harm <= 2)
    harm[downm] -= 1
    lag = np.minimum(np.floor(rng.lognormal(1.2, 1.1, size=n)).astype(int), 120)
    return _Coded(true_cat, cat, [], [], setting, location, specialty, org, band, age, sex, true_harm, harm,
                  days, days + lag)


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def _pronouns(sex: int, s: Stream) -> tuple[str, str, str]:
    if sex == 0:
        return "she", "her", "her"
    if sex == 1:
        return "he", "his", "him"
    return s.pick(("pt", "the patient")), "their", "them"


def _pt_desc(age: int, sex: int, s: Stream) -> str:
    if age < 2:
        return s.pick(("baby", "infant", f"{age or 9} month old baby", "neonate"))
    if age < 18:
        kid = ("girl", "boy", "child")[sex]
        return s.pick((f"{age} y/o {kid}", f"{age} year old {kid}", f"{age}yo", f"{age} year old"))
    if sex == 2:
        return s.pick((f"{age} y/o pt", f"{age} year old patient", f"{age}yo patient", "patient"))
    fem = sex == 0
    r = s.u()
    if r < 0.3:
        return f"{age} y/o {'lady' if fem else 'gentleman'}" if age >= 60 else f"{age} y/o {'female' if fem else 'male'}"
    if r < 0.5:
        return f"{age}yo {'F' if fem else 'M'}"
    if r < 0.7:
        return f"{age} year old {'woman' if fem else 'man'}"
    if r < 0.8 and age >= 75:
        return f"elderly {'lady' if fem else 'gentleman'}"
    if r < 0.9:
        return f"{age}{'F' if fem else 'M'}"
    return f"{'female' if fem else 'male'} patient aged {age}"


class _Writer:
    """Builds the sentences of one report's free-text fields."""

    def __init__(self, bank: _Bank, stream: Stream, cfg: SyntheticConfig) -> None:
        self.b = bank
        self.s = stream
        self.cfg = cfg
        self.cat_names = list(v.CATEGORIES)

    def context(self, setting: int, sex: int, age: int, day: int, voice: int, abbr: float) -> Context:
        s = self.s
        she, pos, obj = _pronouns(sex, s)
        group = lx.SETTING_GROUP[v.CARE_SETTINGS[setting]]
        over: dict[str, Any] = dict(self.b.setting_over[group])
        over.update({
            "she": she, "pt_pos": pos, "pt_obj": obj, "pt_desc": _pt_desc(age, sex, s),
            "agent": "I" if voice == 0 else over["agent3"], "_sex": v.SEXES[sex], "_age": age,
            "_date": dt.date.fromordinal(int(day)),
        })
        return Context(s, over, abbr)

    def sent(self, pool: tuple, ctx: Context) -> Sentence:
        return self.b.g.sentence(self.s.pick(pool), ctx)

    def core_pool(self, cat: str, sub: str, shared: float = 0.2) -> tuple:
        if self.s.u() < shared:
            return self.b.shared[cat]
        return self.b.core[sub]

    def other_category(self, cat: str) -> str:
        s = self.s
        if s.u() < 0.7:
            return s.pick(v.NEIGHBOURS[cat])
        while True:
            c = s.pick(self.cat_names)
            if c != cat:
                return c

    def in07(self, cat: str, sub: str, harm: int, ctx: Context, short: bool, brief: bool,
             secondary: bool, n_extra: int, emerging: tuple | None) -> list[Sentence]:
        """IN07 sentences; ``emerging`` is a special pool (the emerging theme's or a novel type's) or None."""
        s = self.s
        if short and not emerging:
            text = "".join(p for p in self.sent(self.b.short[cat], ctx) if type(p) is str)
            r = s.u()
            if r < 0.4:
                text = f"{text} {s.pick(('@ ', 'at ', '', 'approx ', 'at ', '~'))}{_clock(s)}"
            elif r < 0.65:
                text += s.pick((" overnight", " ?harm", " - no harm", " on nights", " again", " in bay",
                                " on ward", " this am", " this pm", " today", " x2", " - see notes", " pm shift",
                                " at weekend", " - DNACPR", " on day shift", " - 2nd time"))
            elif r < 0.8:
                text = s.pick(("?", "Re: ", "Pt - ", "URGENT ", "FYI ", "Bay - ", "Night - ")) + text
            return [[text]]
        core: list[Sentence] = []
        bridges = self.b.bridges[cat]
        ambiguous = not emerging and bool(bridges) and s.u() < _BRIDGE_RATE
        if emerging:
            n_core = 1 + (s.u() < 0.6) + (s.u() < 0.2)
            for _ in range(n_core):
                core.append(self.sent(emerging, ctx))
        elif ambiguous:
            # an event that could honestly be coded either way: only shared-event sentences
            pool = s.pick(bridges)
            for _ in range(1 + (s.u() < 0.4)):
                core.append(self.sent(pool, ctx))
        else:
            n_core = 1 + (s.u() < 0.45) + (s.u() < 0.12)
            for _ in range(n_core):
                core.append(self.sent(self.core_pool(cat, sub), ctx))
            if cat == v.OTHER and s.u() < 0.7:
                oc = s.pick(self.cat_names)
                core[s.below(len(core))] = self.sent(self.b.core[s.pick(self.b.subs_of[oc])], ctx)
        if brief:
            out = [core[0] if emerging or ambiguous else self.sent(self.b.core[sub], ctx)]
            if s.u() < 0.5:
                out.append(self.sent(self.b.outcome[_slip(harm, s)], ctx))
            elif s.u() < 0.5:
                out.append(self.sent(self.b.generic, ctx))
            return out
        sents: list[Sentence] = []
        if s.u() < 0.6:
            sents.append(self.b.g.sentence(self.b.core_sentence, ctx))
        sents.extend(core)
        for _ in range(n_extra):
            if ambiguous or s.u() < 0.75:
                sents.append(self.sent(self.b.generic, ctx))
            elif emerging:
                sents.append(self.sent(emerging, ctx))
            else:
                sents.append(self.sent(self.core_pool(cat, sub), ctx))
        if secondary:
            oc = self.other_category(cat)
            for _ in range(1 + (s.u() < 0.35)):
                sec = self.sent(self.b.core[s.pick(self.b.subs_of[oc])], ctx)
                sents.insert(s.below(len(sents) + 1), sec)
        if s.u() < _CUE_RATE:
            sents.append(self.sent(self.b.outcome[_slip(harm, s)], ctx))
        if s.u() < _HINT_RATE:
            sents.append(self.sent(self.b.hint[_slip(harm, s)], ctx))
        return sents

    def in10(self, cat: str, ctx: Context) -> list[Sentence]:
        s = self.s
        if s.u() < _IN10_EMPTY:
            return []
        out = []
        for _ in range(1 + (s.u() < 0.3)):
            pool = self.b.in10_cat.get(cat)
            out.append(self.sent(pool if pool and s.u() < 0.45 else self.b.in10_generic, ctx))
        return out

    def in11(self, cat: str, ctx: Context) -> list[Sentence]:
        s = self.s
        if s.u() < _IN11_EMPTY:
            return []
        pool = self.b.in11_cat.get(cat)
        return [self.sent(pool if pool and s.u() < 0.4 else self.b.in11_generic, ctx)]

    def plant_identifiers(self, fields: list[list[Sentence]], ctx: Context) -> None:
        s = self.s
        k = 1 + (s.u() < 0.4) + (s.u() < 0.1)
        for _ in range(k):
            r = s.u()
            fi = 0 if r < _ID_FIELD_P[0] else 1 if r < _ID_FIELD_P[0] + _ID_FIELD_P[1] else 2
            sent = self.sent(self.b.ident[fi], ctx)
            target = fields[fi]
            pos = 0 if (fi == 0 and s.u() < 0.4) else s.below(len(target) + 1)
            target.insert(pos, sent)


def _clock(s: Stream) -> str:
    h, m = s.below(24), s.pick((0, 5, 10, 15, 20, 30, 40, 45, 50))
    return f"{h:02d}:{m:02d}" if s.u() < 0.6 else f"{h:02d}{m:02d}"


def _slip(harm: int, s: Stream) -> int:
    if s.u() < _CUE_SLIP:
        return max(0, harm - 1) if (harm == 4 or s.u() < 0.5) else min(4, harm + 1)
    return harm


def _style(s: Stream, case: int, runon: float, rate: float) -> Style:
    return Style(case=case, runon=runon, misspell_rate=rate, final_stop=s.u() < 0.85, forbidden=_FORBIDDEN)


def _paraphrase(sents: list[Sentence], ctx: Context, bank: _Bank, s: Stream) -> list[Sentence]:
    """Lightly edit a report's sentences as a second reporter would."""
    out: list[Sentence] = []
    for sent in sents:
        if len(sents) > 2 and len(out) > 0 and s.u() < 0.15:
            continue
        new: Sentence = []
        for piece in sent:
            if type(piece) is str:
                words = piece.split(" ")
                for k, w in enumerate(words):
                    alts = lx.PARAPHRASE.get(w)
                    if alts and s.u() < 0.35:
                        words[k] = s.pick(alts)
                new.append(" ".join(words))
            else:
                new.append(piece)
        out.append(new)
    if len(out) > 2 and s.u() < 0.3:
        i = s.below(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    if s.u() < 0.7 or len(out) == 1:
        out.insert(0, bank.g.sentence(s.pick(bank.dup_intro), ctx))
    return out


# ---------------------------------------------------------------------------
# Main entry points
# ---------------------------------------------------------------------------


def generate_corpus(cfg: SyntheticConfig | None = None) -> Corpus:
    """Generate the corpus described by ``cfg`` (deterministic for ``cfg.seed``).

    Parameters
    ----------
    cfg : SyntheticConfig, optional
        Parameters; defaults to :class:`SyntheticConfig()`.

    Returns
    -------
    Corpus
        Reports plus ground truth for identifiers, the emerging theme and re-reports.
    """
    cfg = cfg or SyntheticConfig()
    bank = _bank()
    seq = np.random.SeedSequence(cfg.seed)
    label_rng, text_rng = (np.random.default_rng(x) for x in seq.spawn(2))
    stream = Stream(text_rng)
    start, end = _parse_date(cfg.start_date, "start_date"), _parse_date(cfg.end_date, "end_date")
    orgs = _make_orgs(label_rng, cfg.n_orgs)

    em_counts = cfg.emerging_counts()
    em_months = cfg.emerging_months()
    n_em = int(em_counts.sum())
    n_dup = cfg.n_duplicates
    n_nov = cfg.n_novel
    n_reg = cfg.n_reports - n_em - n_dup - n_nov
    n_cat = len(v.CATEGORIES)

    # --- regular reports: labels ---
    true_shares = _true_category_shares(cfg.label_noise)
    true_cat = label_rng.choice(n_cat, size=n_reg, p=true_shares)
    true_sub = _draw_subs(label_rng, true_cat)
    noisy = label_rng.random(n_reg) < cfg.label_noise
    cat = true_cat.copy()
    nb_probs = {ci: np.full(len(v.NEIGHBOURS[c]), 1.0 / len(v.NEIGHBOURS[c])) for ci, c in enumerate(v.CATEGORIES)}
    nb_idx = _choice_by_group(label_rng, true_cat, n_cat, nb_probs)
    for ci, c in enumerate(v.CATEGORIES):
        m = noisy & (true_cat == ci)
        names = [v.CATEGORIES.index(x) for x in v.NEIGHBOURS[c]]
        cat[m] = np.array(names)[nb_idx[m]]
    redraw = _draw_subs(label_rng, cat)
    sub = [r if f else t for t, r, f in zip(true_sub, redraw, noisy, strict=True)]
    setting = _choice_by_group(label_rng, true_cat, n_cat, _setting_probs())
    day_ord, day_p = _day_weights(start, end)
    days = day_ord[label_rng.choice(len(day_ord), size=n_reg, p=day_p)]
    w_org = orgs.weight / orgs.weight.sum()
    harm_p = _harm_probs(true_shares, float(w_org @ orgs.up), float(w_org @ orgs.down))
    true_harm = _choice_by_group(label_rng, true_cat, n_cat, harm_p)
    reg = _draw_context(label_rng, orgs, true_cat, cat, setting, days, true_harm)
    reg.true_sub, reg.sub = true_sub, sub

    # --- emerging theme ---
    em_day = np.zeros(n_em, dtype=int)
    em_month: list[str] = []
    pos = 0
    em_start = _parse_date(cfg.emerging.start, "emerging.start")
    for month, c in zip(em_months, em_counts, strict=True):
        y, mth = int(month[:4]), int(month[5:])
        first = max(dt.date(y, mth, 1), em_start).toordinal()
        nxt = dt.date(y + (mth == 12), 1 if mth == 12 else mth + 1, 1).toordinal()
        last = min(nxt - 1, end.toordinal())
        em_day[pos:pos + c] = label_rng.integers(first, last + 1, size=c)
        em_month.extend([month] * int(c))
        pos += int(c)
    dev, med, care = (v.CATEGORIES.index(x) for x in (v.DEVICE, v.MEDS, v.CARE))
    em_cat = label_rng.choice(np.array([dev, med, care]), size=n_em, p=[0.8, 0.1, 0.1])
    em_sub_map = {dev: ("Device failure / malfunction", "Incorrect set-up / programming"),
                  med: ("Wrong dose / strength", "Monitoring / high-risk medicine"),
                  care: ("Failure to monitor / escalate", "Failure to monitor / escalate")}
    em_sub_pick = label_rng.random(n_em) < 0.75
    em_sub = [em_sub_map[int(c)][0 if p else 1] for c, p in zip(em_cat, em_sub_pick, strict=True)]
    em_setting = np.where(label_rng.random(n_em) < 0.9, v.CARE_SETTINGS.index(v.ACUTE),
                          v.CARE_SETTINGS.index(v.COMMUNITY))
    em_harm = label_rng.choice(5, size=n_em, p=[0.45, 0.36, 0.15, 0.035, 0.005])
    emc = _draw_context(label_rng, orgs, np.full(n_em, dev), em_cat, em_setting, em_day, em_harm)
    emc.true_sub, emc.sub = em_sub, em_sub

    # --- rare novel incidents: a handful of reports of each type, at random dates ---
    nov_types = [name for name in lx.NOVEL][:cfg.novel.types]
    nov_type = np.repeat(np.array(nov_types, dtype=object), cfg.novel.per_type)
    nov_cat = np.array([v.CATEGORIES.index(lx.NOVEL[t][0]) for t in nov_type], dtype=int)
    nov_sub = [v.SUBCATEGORIES[v.CATEGORIES[c]][0][0] for c in nov_cat]
    nov_setting = _choice_by_group(label_rng, nov_cat, n_cat, _setting_probs())
    nov_day = day_ord[label_rng.choice(len(day_ord), size=n_nov, p=day_p)]
    nov_harm = label_rng.choice(5, size=n_nov, p=[0.30, 0.35, 0.25, 0.08, 0.02])
    nvc = _draw_context(label_rng, orgs, nov_cat, nov_cat, nov_setting, nov_day, nov_harm)
    nvc.true_sub, nvc.sub = nov_sub, nov_sub

    # --- duplicates: sources among regular reports ---
    dup_src = np.sort(label_rng.choice(n_reg, size=n_dup, replace=False)) if n_dup else np.zeros(0, dtype=int)
    dup_shift = label_rng.integers(-1, 2, size=n_dup)
    dup_lag = np.minimum(np.floor(label_rng.lognormal(1.4, 1.0, size=n_dup)).astype(int), 120)
    dup_harm_change = label_rng.random(n_dup) < 0.2
    dup_harm_dir = label_rng.choice([-1, 1], size=n_dup)

    # --- per-report writing style (vectorised draws) ---
    n_text = n_reg + n_em + n_nov + n_dup
    voice = label_rng.choice(3, size=n_text, p=[0.3, 0.45, 0.25])
    abbr = np.where(voice == 2, label_rng.uniform(0.7, 0.95, size=n_text), label_rng.uniform(0.1, 0.7, size=n_text))
    case = label_rng.choice(4, size=n_text, p=[0.82, 0.11, 0.03, 0.04])
    runon = np.where(label_rng.random(n_text) < 0.6, 0.0, label_rng.uniform(0.2, 0.8, size=n_text))
    rate = cfg.misspelling_rate / 0.55 * label_rng.uniform(0.0, 2.0, size=n_text)
    length_r = label_rng.random(n_text)
    short = length_r < _SHORT_RATE
    brief = (~short) & (length_r < _SHORT_RATE + _BRIEF_RATE)
    n_extra = np.minimum(np.floor(label_rng.lognormal(1.15, 0.8, size=n_text)).astype(int), 60)
    secondary = label_rng.random(n_text) < cfg.secondary_theme_rate
    has_ident = label_rng.random(n_text) < cfg.identifier_rate

    writer = _Writer(bank, stream, cfg)
    texts: list[tuple[str, str, str]] = []
    spans: list[list[tuple[str, int, int, str, str]]] = []
    dup_set = {int(i): k for k, i in enumerate(dup_src)}
    kept: dict[int, tuple[list[Sentence], Context]] = {}

    def write(i: int, cat_name: str, sub_name: str, harm: int, cx: _Coded, j: int, emerging: tuple | None) -> None:
        ctx = writer.context(int(cx.setting[j]), int(cx.sex[j]), int(cx.age[j]), int(cx.day[j]),
                             int(voice[i]), float(abbr[i]))
        fields = [
            writer.in07(cat_name, sub_name, harm, ctx, bool(short[i]), bool(brief[i]), bool(secondary[i]),
                        int(n_extra[i]), emerging),
            writer.in10(cat_name, ctx) if not short[i] or stream.u() < 0.2 else [],
            writer.in11(cat_name, ctx) if not short[i] or stream.u() < 0.2 else [],
        ]
        if has_ident[i]:
            writer.plant_identifiers(fields, ctx)
        if not emerging and i in dup_set:
            kept[i] = (fields[0], ctx)
        style = _style(stream, int(case[i]), float(runon[i]), float(rate[i]))
        out, rec = [], []
        for fname, sents in zip(TEXT_FIELDS, fields, strict=True):
            text, sp = render(sents, style, stream) if sents else ("", [])
            out.append(text)
            rec.extend((fname, a, b, t, val) for a, b, t, val in sp)
        texts.append((out[0], out[1], out[2]))
        spans.append(rec)

    for i in range(n_reg):
        tc = v.CATEGORIES[int(true_cat[i])]
        write(i, tc, true_sub[i], int(true_harm[i]), reg, i, None)
    for j in range(n_em):
        write(n_reg + j, v.DEVICE, em_sub[j], int(em_harm[j]), emc, j, bank.emerging)
    for j in range(n_nov):
        write(n_reg + n_em + j, v.CATEGORIES[int(nov_cat[j])], nov_sub[j], int(nov_harm[j]), nvc, j,
              bank.novel[nov_type[j]])
    for k, src in enumerate(dup_src):
        i = n_reg + n_em + n_nov + k
        src = int(src)
        sents, ctx0 = kept[src]
        ctx = writer.context(int(reg.setting[src]), int(reg.sex[src]), int(reg.age[src]), int(reg.day[src]),
                             int(voice[i]), float(abbr[i]))
        ctx.overrides["pt_desc"] = ctx0.overrides["pt_desc"]
        tc = v.CATEGORIES[int(true_cat[src])]
        in07 = _paraphrase(sents, ctx, bank, stream)
        fields = [in07, writer.in10(tc, ctx), writer.in11(tc, ctx)]
        style = _style(stream, int(case[i]), float(runon[i]), float(rate[i]))
        out, rec = [], []
        for fname, fs in zip(TEXT_FIELDS, fields, strict=True):
            text, sp = render(fs, style, stream) if fs else ("", [])
            out.append(text)
            rec.extend((fname, a, b, t, val) for a, b, t, val in sp)
        if out[0] == texts[src][0]:
            intro = bank.g.sentence(stream.pick(bank.dup_intro), ctx)
            text, sp = render([intro, *in07], style, stream)
            out[0] = text
            rec = [r for r in rec if r[0] != "IN07"] + [("IN07", a, b, t, val) for a, b, t, val in sp]
        texts.append((out[0], out[1], out[2]))
        spans.append(rec)

    # --- assemble ---
    src = dup_src.astype(int)
    dup_harm = np.clip(reg.harm[src] + np.where(dup_harm_change, dup_harm_dir, 0), 0, 4)
    dup_day = np.clip(reg.day[src] + dup_shift, start.toordinal(), end.toordinal())
    col = {
        "IN01": np.concatenate([reg.day, emc.day, nvc.day, dup_day]),
        "CREATEDDT": np.concatenate([reg.created, emc.created, nvc.created, np.maximum(dup_day, reg.day[src]) + dup_lag]),
        "ORG": np.concatenate([orgs.code[reg.org], orgs.code[emc.org], orgs.code[nvc.org],
                            orgs.code[reg.org[src]]]),
        "RP02": np.array(v.CARE_SETTINGS, dtype=object)[np.concatenate([reg.setting, emc.setting, nvc.setting,
                                                                         reg.setting[src]])],
        "IN03_LVL1": reg.location + emc.location + nvc.location + [reg.location[i] for i in src],
        "IN05_LVL1": np.array(v.CATEGORIES, dtype=object)[np.concatenate([reg.cat, emc.cat, nvc.cat, reg.cat[src]])],
        "IN05_LVL2": reg.sub + emc.sub + nvc.sub + [reg.sub[i] for i in src],
        "PD05_LVL1": reg.specialty + emc.specialty + nvc.specialty + [reg.specialty[i] for i in src],
        "PD09": np.array(v.HARM_LEVELS, dtype=object)[np.concatenate([reg.harm, emc.harm, nvc.harm, dup_harm])],
        "DV01": np.array(v.AGE_BANDS, dtype=object)[np.concatenate([reg.band, emc.band, nvc.band, reg.band[src]])],
        "PD02": np.array(v.SEXES, dtype=object)[np.concatenate([reg.sex, emc.sex, nvc.sex, reg.sex[src]])],
    }
    order = np.lexsort((np.arange(n_text), col["IN01"], col["CREATEDDT"]))
    rank = np.empty(n_text, dtype=int)
    rank[order] = np.arange(n_text)
    ids = np.array([f"SYN{k + 1:07d}" for k in range(n_text)], dtype=object)
    rp01 = ids[rank]

    def iso(ords: np.ndarray) -> np.ndarray:
        base = np.datetime64("0001-01-01")
        return (base + (ords - 1).astype("timedelta64[D]")).astype(str)

    frame = pd.DataFrame({
        "RP01": rp01,
        "IN01": iso(col["IN01"]),
        "CREATEDDT": iso(col["CREATEDDT"]),
        **{k: col[k] for k in ("ORG", "RP02", "IN03_LVL1", "IN05_LVL1", "IN05_LVL2", "PD05_LVL1", "PD09", "DV01",
                               "PD02")},
        "IN07": [t[0] for t in texts],
        "IN10": [t[1] for t in texts],
        "IN11": [t[2] for t in texts],
    })
    reports = frame.iloc[order].reset_index(drop=True)[list(REPORT_COLUMNS)]
    id_rows = [(rp01[i], f, a, b, t, val) for i in order for (f, a, b, t, val) in spans[i]]
    identifiers = pd.DataFrame(id_rows, columns=["RP01", "field", "start", "end", "type", "value"])
    emerging = pd.DataFrame({"RP01": rp01[n_reg:n_reg + n_em], "month": em_month})
    emerging = emerging.sort_values("RP01", kind="stable").reset_index(drop=True)
    duplicates = pd.DataFrame({"RP01_a": rp01[src], "RP01_b": rp01[n_reg + n_em + n_nov + np.arange(n_dup)]})
    duplicates = duplicates.sort_values("RP01_a", kind="stable").reset_index(drop=True)
    novel = pd.DataFrame({"RP01": rp01[n_reg + n_em:n_reg + n_em + n_nov], "type": nov_type.astype(str)})
    novel = novel.sort_values("RP01", kind="stable").reset_index(drop=True)
    # the labels the text was written from: a re-report's are its original's; the emerging theme is a device fault
    true_cat = np.concatenate([reg.true_cat, emc.true_cat, nvc.true_cat, reg.true_cat[src]])
    true_harm = np.concatenate([reg.true_harm, emc.true_harm, nvc.true_harm, reg.true_harm[src]])
    labels = pd.DataFrame({
        "RP01": rp01[order],
        "category": np.array(v.CATEGORIES, dtype=object)[true_cat[order]],
        "harm": np.array(v.HARM_LEVELS, dtype=object)[true_harm[order]],
    })
    return Corpus(reports, identifiers.astype({"start": int, "end": int}), emerging, duplicates, novel, labels, cfg)


_README = """SYNTHETIC DATA - NOT REAL PATIENT SAFETY INCIDENTS
====================================================

Every report in this folder is SYNTHETIC. It was generated by incident-lm
(incident_lm.synthetic) from a template grammar; no real patient, member of
staff, organisation or incident is described. Names, NHS numbers (valid
Modulus 11 check digits, randomly drawn), phone numbers (Ofcom drama ranges),
postcodes, hospital numbers, emails and dates of birth are fictitious and were
planted on purpose so that de-identification can be scored. Report ids start
with "SYN".

Seed: {seed}
Parameters (params.yaml section 'synthetic'):
{params}

Files
-----
incidents.csv    one row per report, columns named by NRLS codes ({n_reports} rows)
identifiers.csv  ground truth of every planted identifier: RP01, field, start, end,
                 type, value (text[start:end] == value; titles and roles such as
                 "Mrs" or "staff nurse" are outside PERSON spans) ({n_ident} rows)
emerging.csv     reports of the planted emerging theme (a fictitious "Volumed Alto"
                 infusion pump free-flow fault): RP01, month ({n_emerging} rows)
duplicates.csv   planted near-duplicate re-reports: RP01_a original, RP01_b
                 re-report ({n_dup} rows)
novel.csv        planted rare novel incidents, types written nowhere else in the
                 corpus (an MRI projectile, crossed medical gas outlets, ...):
                 RP01, type ({n_novel} rows)
labels_true.csv  the category and degree of harm each report's text was written
                 from, before the coding noise below: RP01, category, harm

Category labels carry deliberate coding noise (label_noise) and harm grades an
organisation-level coding bias, as real reporter coding does.
"""


def _yaml_lines(d: dict[str, Any], indent: int = 2) -> str:
    lines = []
    for k, val in d.items():
        if isinstance(val, dict):
            lines.append(" " * indent + f"{k}:")
            lines.append(_yaml_lines(val, indent + 2))
        else:
            lines.append(" " * indent + f"{k}: {val}")
    return "\n".join(lines)


def write_corpus(corpus: Corpus, out_dir: str | Path) -> Path:
    """Write the corpus and a README into ``out_dir`` atomically; return the directory.

    Parameters
    ----------
    corpus : Corpus
        The corpus to write.
    out_dir : str or Path
        Destination directory (replaced as a whole on success).
    """
    out_dir = Path(out_dir)
    cfg = corpus.config
    with atomic_dir(out_dir) as tmp:
        write_csv(corpus.reports, tmp / "incidents.csv")
        write_csv(corpus.identifiers, tmp / "identifiers.csv")
        write_csv(corpus.emerging, tmp / "emerging.csv")
        write_csv(corpus.duplicates, tmp / "duplicates.csv")
        write_csv(corpus.novel, tmp / "novel.csv")
        write_csv(corpus.labels, tmp / "labels_true.csv")
        write_text(tmp / "README.txt", _README.format(
            seed=cfg.seed, params=_yaml_lines(cfg.to_dict()), n_reports=len(corpus.reports),
            n_ident=len(corpus.identifiers), n_emerging=len(corpus.emerging), n_dup=len(corpus.duplicates),
            n_novel=len(corpus.novel)))
    return out_dir


__all__ = [
    "Corpus", "EmergingConfig", "NovelConfig", "SyntheticConfig", "generate_corpus", "write_corpus", "REPORT_COLUMNS",
    "TEXT_FIELDS",
]
