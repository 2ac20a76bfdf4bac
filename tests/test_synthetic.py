"""Tests of the synthetic NRLS-like corpus (issue #3): realism, ground truth, determinism, params."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from incident_lm.core.params import ParamsError, Section
from incident_lm.synthetic import (
    IDENTIFIER_TYPES,
    REPORT_COLUMNS,
    Corpus,
    EmergingConfig,
    NovelConfig,
    SyntheticConfig,
    generate_corpus,
    is_valid_nhs_number,
    write_corpus,
)
from incident_lm.synthetic import vocab as v
from incident_lm.synthetic.identifiers import FEMALE, MALE, MONTHS, SURNAMES, nhs_check_digit

TEXT = ("IN07", "IN10", "IN11")


@pytest.fixture(scope="module")
def big() -> Corpus:
    """The default-size corpus (20k reports) with a non-default seed."""
    return generate_corpus(SyntheticConfig(seed=11))


@pytest.fixture(scope="module")
def small() -> Corpus:
    return generate_corpus(SyntheticConfig(n_reports=3000, seed=5))


def _words(s: pd.Series) -> pd.Series:
    return s.str.split().str.len().fillna(0)


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_frames_and_different_seed_differs(small: Corpus) -> None:
    again = generate_corpus(SyntheticConfig(n_reports=3000, seed=5))
    for name in ("reports", "identifiers", "emerging", "duplicates", "novel"):
        pd.testing.assert_frame_equal(getattr(small, name), getattr(again, name))
    other = generate_corpus(SyntheticConfig(n_reports=3000, seed=6))
    assert (other.reports.IN07 != small.reports.IN07).mean() > 0.95
    assert not other.reports.IN05_LVL1.equals(small.reports.IN05_LVL1)


# --------------------------------------------------------------------------- structure


def test_columns_ids_and_dates(big: Corpus) -> None:
    r = big.reports
    assert list(r.columns) == list(REPORT_COLUMNS)
    assert len(r) == 20000
    assert r.RP01.is_unique and r.RP01.str.fullmatch(r"SYN\d{7}").all()
    assert r.RP01.is_monotonic_increasing
    inc, rep = pd.to_datetime(r.IN01, format="%Y-%m-%d"), pd.to_datetime(r.CREATEDDT, format="%Y-%m-%d")
    assert inc.min() >= pd.Timestamp("2019-01-01") and inc.max() <= pd.Timestamp("2023-12-31")
    lag = (rep - inc).dt.days
    assert (lag >= 0).all() and lag.median() <= 14 and (lag > 14).mean() > 0.05  # days to weeks later
    assert set(r.IN05_LVL1) == set(v.CATEGORIES)
    assert set(r.PD09) <= set(v.HARM_LEVELS)
    assert set(r.RP02) <= set(v.CARE_SETTINGS)
    assert set(r.DV01) <= set(v.AGE_BANDS) and set(r.PD02) <= set(v.SEXES)
    assert r.ORG.str.fullmatch(r"[A-Z0-9]{5,6}").all() and r.ORG.nunique() > 30
    assert (r.IN07.str.len() > 0).all()


def test_subcategory_specialty_and_location_consistent_with_labels(big: Corpus) -> None:
    r = big.reports
    subs = {c: {s for s, _ in v.SUBCATEGORIES[c]} for c in v.CATEGORIES}
    assert all(s in subs[c] for c, s in zip(r.IN05_LVL1, r.IN05_LVL2, strict=True))
    specs = {s: {x for x, _ in v.SPECIALTIES[s]} for s in v.CARE_SETTINGS}
    assert all(p in specs[s] for s, p in zip(r.RP02, r.PD05_LVL1, strict=True))
    locs = {s: {x for x, _ in v.LOCATIONS[s]} for s in v.CARE_SETTINGS}
    assert all(loc in locs[s] for s, loc in zip(r.RP02, r.IN03_LVL1, strict=True))
    sh = r[r.IN05_LVL1 == v.SELFHARM]
    assert sh.RP02.isin([v.MENTAL, v.LEARNING]).mean() > 0.5
    treat = r[(r.IN05_LVL1 == v.TREAT) & (r.RP02 == v.ACUTE)]
    acc = r[(r.IN05_LVL1 == v.ACCIDENT) & (r.RP02 == v.ACUTE)]
    assert (treat.IN03_LVL1 == "Operating theatre").mean() > 3 * (acc.IN03_LVL1 == "Operating theatre").mean()
    obs = r[r.PD05_LVL1 == "Obstetrics and gynaecology"]
    assert (obs.PD02 == "Female").all()


# --------------------------------------------------------------------------- marginals


def test_category_shares_near_nrls(big: Corpus) -> None:
    share = big.reports.IN05_LVL1.value_counts(normalize=True)
    for cat, target in v.CATEGORY_SHARES.items():
        tol = max(0.012, 0.15 * target)
        assert abs(share[cat] - target) <= tol, (cat, share[cat], target)
    assert share.idxmax() == v.ACCIDENT


def test_harm_shares(big: Corpus) -> None:
    share = big.reports.PD09.value_counts(normalize=True)
    assert abs(share["1 No harm"] - 0.68) < 0.03
    assert abs(share["2 Low"] - 0.25) < 0.03
    assert abs(share["3 Moderate"] - 0.06) < 0.015
    severe_death = share.get("4 Severe", 0) + share.get("5 Death", 0)
    assert 0.004 < severe_death < 0.02
    assert share.get("5 Death", 0) > 0


def test_dates_span_years_with_growth_and_winter_peak(big: Corpus) -> None:
    inc = pd.to_datetime(big.reports.IN01)
    per_year = inc.dt.year.value_counts().sort_index()
    assert list(per_year.index) == [2019, 2020, 2021, 2022, 2023]
    assert per_year[2023] > 1.15 * per_year[2019]
    month = inc.dt.month
    winter = month.isin([12, 1, 2]).mean()
    summer = month.isin([6, 7, 8]).mean()
    assert winter > 1.1 * summer


def test_text_lengths_long_tailed_and_optional_fields(big: Corpus) -> None:
    r = big.reports
    w = _words(r.IN07)
    assert 30 <= w.median() <= 60
    assert 0.005 < (w <= 5).mean() < 0.06
    assert (w > 300).sum() >= 1 and (w > 300).mean() < 0.002
    for col in ("IN10", "IN11"):
        assert 0.4 <= (r[col] == "").mean() <= 0.6


def test_in07_exact_duplicates_under_one_percent(big: Corpus) -> None:
    r = big.reports[~big.reports.RP01.isin(set(big.duplicates.RP01_b))]
    assert r.IN07.duplicated().mean() < 0.01


# --------------------------------------------------------------------------- language


def test_clinical_language_uk_spelling_and_voices(big: Corpus) -> None:
    text = " ".join(big.reports.IN07)
    for abbr in ("pt", "obs", "NEWS2", "BP", "IV", "PRN", "DNACPR", "HCA", "A&E", "SpR", "FY1", "CT", "MRI",
                 "NG", "IVAB", "TTO", "MAR chart"):
        assert re.search(rf"(?<![A-Za-z0-9]){re.escape(abbr)}(?![A-Za-z0-9])", text), abbr
    for uk in ("haemoglobin", "anaesthetic", "oesophageal", "paediatric"):
        assert uk in text.lower(), uk
    for us in ("hemoglobin", "anesthetic", "esophageal", "pediatric"):
        assert not re.search(rf"\b{us}\b", text.lower()), us
    assert re.search(r"enoxaparin \d+mg S/?C", text, re.IGNORECASE)
    assert re.search(r"\b\d{2}:\d{2}\b", text)
    assert re.search(r"\bI (found|was|went|heard|noticed)\b", text)      # first person
    assert re.search(r"\b(HCA|staff nurse|the nurse in charge) (found|heard|was)\b", text)  # third person
    lower = big.reports.IN07.str.fullmatch(r"[^A-Z]+").mean()
    assert lower > 0.05  # inconsistent case


def test_misspelling_rate_controls_misspelt_tokens() -> None:
    def tokens(c: Corpus) -> list[str]:
        return [w for t in c.reports.IN07 for w in re.findall(r"[a-z]+", t.lower())]

    clean_vocab = set(tokens(generate_corpus(SyntheticConfig(n_reports=3000, seed=3, misspelling_rate=0.0))))
    clean = tokens(generate_corpus(SyntheticConfig(n_reports=3000, seed=4, misspelling_rate=0.0)))
    noisy = tokens(generate_corpus(SyntheticConfig(n_reports=3000, seed=4, misspelling_rate=0.02)))
    oov_clean = np.mean([w not in clean_vocab for w in clean])
    oov_noisy = np.mean([w not in clean_vocab for w in noisy])
    assert oov_clean < 0.004
    assert 0.01 <= oov_noisy - oov_clean <= 0.03


def test_shared_vocabulary_across_categories(big: Corpus) -> None:
    r = big.reports
    fall = r.IN07.str.contains(r"\bfell\b|\bfall\b", case=False)
    round_ = r.IN07.str.contains(r"drug round|medication round|meds round", case=False)
    assert fall[r.IN05_LVL1 != v.ACCIDENT].mean() > 0.03
    assert round_[r.IN05_LVL1 != v.MEDS].mean() > 0.03
    pu = r.IN07.str.contains(r"pressure ulcer|\bPU\b", case=False)
    assert pu[r.IN05_LVL1 == v.DOCS].mean() > 0.01


def test_harm_follows_text_cues_with_org_bias(big: Corpus) -> None:
    r = big.reports
    level = r.PD09.map({h: i for i, h in enumerate(v.HARM_LEVELS)})
    severe = r.IN07.str.contains(r"died|passed away|neck of femur|to ICU|to ITU|deceased", case=False)
    mild = r.IN07.str.contains(r"near miss|no harm|unharmed|no injur", case=False)
    assert level[severe].mean() > level[mild].mean() + 1.0
    assert (level[mild] == 0).mean() > 0.75
    by_org = r.groupby("ORG").PD09.agg(["size", lambda s: (s == "1 No harm").mean()])
    by_org.columns = ["n", "no_harm"]
    busy = by_org[by_org.n >= 150]
    assert len(busy) >= 5 and busy.no_harm.max() - busy.no_harm.min() > 0.12


# --------------------------------------------------------------------------- identifiers


def test_identifier_offsets_point_at_planted_text(big: Corpus) -> None:
    ids, r = big.identifiers, big.reports.set_index("RP01")
    assert list(ids.columns) == ["RP01", "field", "start", "end", "type", "value"]
    assert set(ids.type) == set(IDENTIFIER_TYPES)
    assert set(ids.field) <= set(TEXT)
    for row in ids.itertuples(index=False):
        text = r.at[row.RP01, row.field]
        assert text[row.start:row.end] == row.value, row
    assert (ids.field == "IN07").mean() > 0.7
    rate = ids.RP01.nunique() / len(r)
    assert 0.04 < rate < 0.06


def test_identifier_formats(big: Corpus) -> None:
    ids = big.identifiers
    nhs = ids[ids.type == "NHS_NUMBER"].value
    assert len(nhs) > 20 and nhs.map(is_valid_nhs_number).all()
    assert nhs.str.fullmatch(r"\d{3} \d{3} \d{4}").any() and nhs.str.fullmatch(r"\d{3}-\d{3}-\d{4}").any()
    assert nhs.str.fullmatch(r"\d{10}").any()
    person = ids[ids.type == "PERSON"].value
    assert not person.str.match(r"(Mr|Mrs|Ms|Miss|Dr)\b").any()
    text = " ".join(big.reports.IN07)
    assert re.search(r"\b(Mr|Mrs|Ms|Miss) [A-Z]", text) and re.search(r"\bDr [A-Z][a-z]+", text)
    assert re.search(r"\b(staff nurse|HCA) [A-Z][a-z]+ [A-Z]", text)
    assert re.search(r"DOB:? \d{2}/\d{2}/\d{4}", text) and re.search(r"born \d{1,2}(st|nd|rd|th)? [A-Z][a-z]+ \d{4}", text)
    assert ids[ids.type == "PHONE"].value.str.fullmatch(r"[\d +()]{11,16}").all()
    assert ids[ids.type == "POSTCODE"].value.str.fullmatch(r"[A-Z]{1,2}\d{1,2} ?\d[A-Z]{2}").all()
    assert ids[ids.type == "EMAIL"].value.str.fullmatch(r"[a-z0-9.'-]+@[a-z.]+", case=False).all()
    assert ids[ids.type == "HOSPITAL_NUMBER"].value.str.fullmatch(r"[A-Z]{0,2}\d{6,7}", case=False).all()


def test_nhs_check_digit_reference_values() -> None:
    assert is_valid_nhs_number("943 476 5919") and is_valid_nhs_number("943-476-5919")
    assert not is_valid_nhs_number("9434765918")
    assert nhs_check_digit("943476591") == 9


def test_no_unlisted_names_or_dates_in_text(big: Corpus) -> None:
    """Every name and date string in free text lies inside a listed identifier span."""
    parts = {p for s in SURNAMES for p in re.split(r"[-' ]", s) if len(p) > 1}
    names = re.compile(r"\b(" + "|".join(sorted({*FEMALE, *MALE, *parts}, key=len, reverse=True)) + r")\b",
                       re.IGNORECASE)
    month_words = "|".join(sorted({*MONTHS, *(m[:3] for m in MONTHS)}, key=len, reverse=True))
    dates = re.compile(rf"\b({month_words})\b|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b")
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for row in big.identifiers.itertuples(index=False):
        spans.setdefault((row.RP01, row.field), []).append((row.start, row.end))
    stray = []
    for rp, *texts in big.reports[["RP01", *TEXT]].itertuples(index=False):
        for field, text in zip(TEXT, texts, strict=True):
            sp = spans.get((rp, field), [])
            for rx in (names, dates):
                for m in rx.finditer(text):
                    if not any(a <= m.start() and m.end() <= b for a, b in sp):
                        stray.append((rp, field, m.group(0)))
    assert not stray, stray[:10]


# --------------------------------------------------------------------------- planted themes


def test_emerging_theme_starts_at_configured_date_and_grows(big: Corpus) -> None:
    em, r = big.emerging, big.reports.set_index("RP01")
    counts = em.month.value_counts().sort_index()
    assert counts.index[0] == "2023-01" and counts.index[-1] == "2023-12"
    assert (np.diff(counts.values) > 0).all()
    rows = r.loc[em.RP01]
    assert (rows.IN01.str[:7] == em.month.values).all()
    # the fictitious brand is named in (nearly) every theme report; only misspellings can hide it
    assert rows.IN07.str.contains(r"volumed|alto|VA pump", case=False).mean() > 0.97
    assert (rows.IN05_LVL1 == v.DEVICE).mean() > 0.6
    before = r[(r.IN01 < "2023-01-01")]
    assert not before.IN07.str.contains("volumed", case=False).any()

    late = generate_corpus(SyntheticConfig(n_reports=3000, seed=2,
                                           emerging=EmergingConfig("2022-06-10", 3, 1.2))).emerging
    assert late.month.min() == "2022-06" and late.month.value_counts().sort_index().is_monotonic_increasing


def test_novel_incidents_are_written_nowhere_else(big: Corpus) -> None:
    nov, r = big.novel, big.reports.set_index("RP01")
    assert len(nov) == 8 * 5 and nov.type.value_counts().eq(5).all()
    rows, rest = r.loc[nov.RP01], r.drop(index=nov.RP01)
    # each type has words of its own that no other report uses (only misspellings can hide them)
    marker = {"mri_projectile": "magnet|ferromagnetic|projectile|bore of",
              "milk_mixup": r"breast milk|\bEBM\b|donor", "pneumatic_tube": "pneumatic",
              "gas_crossed": "nitrous|entonox|gas outlet|pipeline", "therapy_dog": r"\bdog\b",
              "ransomware": "ransomware|cyber", "bed_entrapment": "entrap|trapped between|wedged",
              "wrong_body": "mortuary|undertaker|chapel of rest|viewing room"}
    for t, pattern in marker.items():
        own = rows[nov.set_index("RP01").loc[rows.index, "type"].values == t]
        assert own.IN07.str.contains(pattern, case=False).mean() >= 0.8, t
        assert not rest.IN07.str.contains(pattern, case=False).any(), t
    assert rows.PD09.nunique() > 1 and rows.IN01.str[:4].nunique() > 1


def test_planted_duplicates_are_near_duplicates(big: Corpus) -> None:
    d, r = big.duplicates, big.reports.set_index("RP01")
    assert len(d) == round(0.01 * len(r))
    a, b = r.loc[d.RP01_a], r.loc[d.RP01_b]
    assert (a.IN05_LVL1.values == b.IN05_LVL1.values).all()
    assert (a.ORG.values == b.ORG.values).all()
    gap = (pd.to_datetime(a.IN01.values) - pd.to_datetime(b.IN01.values)).days
    assert (np.abs(gap) <= 1).all()
    assert (a.IN07.values != b.IN07.values).all()

    def jaccard(x: str, y: str) -> float:
        sx, sy = set(x.lower().split()), set(y.lower().split())
        return len(sx & sy) / max(1, len(sx | sy))

    sim = np.array([jaccard(x, y) for x, y in zip(a.IN07, b.IN07, strict=True)])
    assert np.median(sim) > 0.45
    rng = np.random.default_rng(0)
    rand = np.array([jaccard(r.IN07.iloc[i], r.IN07.iloc[j]) for i, j in rng.integers(len(r), size=(200, 2))])
    assert np.median(sim) > np.median(rand) + 0.25


# --------------------------------------------------------------------------- writing


def test_write_corpus_writes_all_files_atomically(tmp_path: Path, small: Corpus) -> None:
    out = tmp_path / "data" / "raw" / "synthetic"
    out.mkdir(parents=True)
    (out / "stale.txt").write_text("old")
    write_corpus(small, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "README.txt", "duplicates.csv", "emerging.csv", "identifiers.csv", "incidents.csv", "labels_true.csv",
        "novel.csv"]
    readme = (out / "README.txt").read_text()
    assert "SYNTHETIC" in readme and "incident-lm" in readme and "Seed: 5" in readme
    back = pd.read_csv(out / "incidents.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, small.reports.astype(str))
    ids = pd.read_csv(out / "identifiers.csv", dtype={"value": str}, keep_default_na=False)
    text = back.set_index("RP01")
    assert all(text.at[row.RP01, row.field][row.start:row.end] == row.value for row in ids.itertuples())
    assert list(pd.read_csv(out / "duplicates.csv").columns) == ["RP01_a", "RP01_b"]
    assert list(pd.read_csv(out / "emerging.csv").columns) == ["RP01", "month"]
    labels = pd.read_csv(out / "labels_true.csv", dtype=str, keep_default_na=False)
    assert list(labels.columns) == ["RP01", "category", "harm"] and list(labels.RP01) == list(back.RP01)
    assert not [p for p in tmp_path.rglob(".*") if p.name.startswith(".synthetic")]


# --------------------------------------------------------------------------- calibration


def test_tfidf_probe_in_calibrated_band() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    r = generate_corpus(SyntheticConfig(n_reports=4000, seed=21)).reports
    x = (r.IN07 + " " + r.IN10 + " " + r.IN11).to_numpy()
    scores = {}
    for target in ("IN05_LVL1", "PD09"):
        y = r[target].to_numpy()
        tr, te = train_test_split(np.arange(len(r)), test_size=0.2, stratify=y, random_state=0)
        vec = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))
        clf = LogisticRegression(class_weight="balanced", max_iter=2000).fit(vec.fit_transform(x[tr]), y[tr])
        scores[target] = f1_score(y[te], clf.predict(vec.transform(x[te])), average="macro")
    assert 0.45 <= scores["IN05_LVL1"] <= 0.92, scores
    assert scores["PD09"] < scores["IN05_LVL1"] - 0.15, scores
    assert scores["PD09"] > 0.2, scores  # harm is learnable from cues, just harder


# --------------------------------------------------------------------------- params


def _section(data: dict) -> Section:
    return Section(data, "synthetic", "params.yaml")


def test_from_section_reads_every_key() -> None:
    cfg = SyntheticConfig.from_section(_section({
        "n_reports": 5000, "seed": 7, "start_date": dt.date(2020, 1, 1), "end_date": "2022-12-31",
        "identifier_rate": 0.1, "label_noise": 0.0, "misspelling_rate": 0.01, "duplicate_rate": 0.02,
        "secondary_theme_rate": 0.3, "n_orgs": 20,
        "emerging": {"start": "2022-03-01", "initial_per_month": 4, "monthly_growth": 1.1},
    }))
    assert cfg == SyntheticConfig(5000, 7, "2020-01-01", "2022-12-31", 0.1, 0.0, 0.01, 0.02, 0.3, 20,
                                  EmergingConfig("2022-03-01", 4, 1.1))
    assert SyntheticConfig.from_section(_section({})) == SyntheticConfig()
    c = generate_corpus(SyntheticConfig(n_reports=500, seed=1, label_noise=0.0, duplicate_rate=0.0,
                                        emerging=EmergingConfig(initial_per_month=0)))
    assert len(c.reports) == 500 and c.duplicates.empty and c.emerging.empty
    none = generate_corpus(SyntheticConfig(n_reports=500, seed=1, novel=NovelConfig(types=0)))
    assert none.novel.empty and len(none.reports) == 500


@pytest.mark.parametrize(("data", "key"), [
    ({"label_noise": 1.5}, "synthetic.label_noise"),
    ({"label_noise": "lots"}, "synthetic.label_noise"),
    ({"n_reports": 10}, "synthetic.n_reports"),
    ({"n_reports": 2.5}, "synthetic.n_reports"),
    ({"identifier_rate": -0.1}, "synthetic.identifier_rate"),
    ({"misspelling_rate": 0.5}, "synthetic.misspelling_rate"),
    ({"start_date": "2019-13-01"}, "synthetic.start_date"),
    ({"end_date": "2018-01-01"}, "synthetic.end_date"),
    ({"n_orgs": 3}, "synthetic.n_orgs"),
    ({"n_report": 100}, "synthetic.n_report"),
    ({"emerging": {"monthly_growth": 0.5}}, "synthetic.emerging.monthly_growth"),
    ({"emerging": {"start": "2030-01-01"}}, "synthetic.emerging.start"),
    ({"emerging": {"initial_per_month": -1}}, "synthetic.emerging.initial_per_month"),
    ({"emerging": {"initial_per_month": 500}}, "synthetic.emerging.initial_per_month"),
    ({"emerging": {"size": 3}}, "synthetic.emerging.size"),
    ({"emerging": 5}, "synthetic.emerging"),
    ({"novel": {"types": 99}}, "synthetic.novel.types"),
    ({"novel": {"per_type": 0}}, "synthetic.novel.per_type"),
])
def test_bad_params_name_the_key(data: dict, key: str) -> None:
    with pytest.raises(ParamsError, match=re.escape(f"'{key}'")):
        SyntheticConfig.from_section(_section(data))


def test_true_labels_differ_from_coded_by_the_noise(big: Corpus) -> None:
    """labels_true holds the labels the text was written from: coded categories differ from them on about
    label_noise of the regular reports (always to a listed neighbour), and the emerging theme is a device fault."""
    r = big.reports.merge(big.labels, on="RP01", validate="one_to_one")
    assert len(r) == len(big.reports)
    emerging = r.RP01.isin(big.emerging.RP01)
    regular = r[~emerging & ~r.RP01.isin(big.novel.RP01) & ~r.RP01.isin(big.duplicates.RP01_b)]
    flipped = regular[regular.category != regular.IN05_LVL1]
    assert abs(len(flipped) / len(regular) - big.config.label_noise) < 0.02
    assert all(c in v.NEIGHBOURS[t] for c, t in zip(flipped.IN05_LVL1, flipped.category, strict=True))
    assert set(r.category[emerging]) == {v.DEVICE}
    assert set(r.harm) <= set(v.HARM_LEVELS) and 0.8 < (r.harm == r.PD09).mean() < 1.0
    clean = generate_corpus(SyntheticConfig(n_reports=500, seed=1, label_noise=0.0))
    plain = clean.reports.merge(clean.labels, on="RP01")
    plain = plain[~plain.RP01.isin(clean.emerging.RP01)]
    assert (plain.category == plain.IN05_LVL1).all()
