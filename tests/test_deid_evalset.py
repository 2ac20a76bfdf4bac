"""The de-identification evaluation set: generation, hard cases, scoring (not the de-identifier's scores)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from incident_lm.deid import DeidConfig, Deidentifier
from incident_lm.deid import evalset as ev
from incident_lm.deid.structured import nhs_number_valid

TYPES = {"EMAIL", "NHS_NUMBER", "HOSPITAL_NUMBER", "PHONE", "POSTCODE", "DATE", "PERSON", "ADDRESS"}
OFCOM = ("07700 900", "01632 960", "020 7946 0", "0113 496 0", "0161 496 0")


@pytest.fixture(scope="module")
def cases() -> list[ev.Case]:
    return ev.generate(seed=0, per_form=8)


@pytest.fixture(scope="module")
def hard() -> list[ev.Case]:
    return ev.hard_cases()


def oracle(all_cases: list[ev.Case]):
    truth = {c.text: [(i.start, i.end, i.type) for i in c.identifiers] for c in all_cases}
    return lambda text: truth[text]


# --- generation -------------------------------------------------------------------------------------
def test_generation_is_deterministic_for_a_seed_and_differs_across_seeds(cases: list[ev.Case]) -> None:
    assert ev.generate(seed=0, per_form=8) == cases
    other = ev.generate(seed=1, per_form=8)
    assert len(other) == len(cases) == 8 * len(ev.FORMS)
    assert [c.text for c in other] != [c.text for c in cases]


def test_every_planted_span_reads_its_value(cases: list[ev.Case]) -> None:
    for case in cases:
        for ident in case.identifiers:
            assert 0 <= ident.start < ident.end <= len(case.text)
            assert case.text[ident.start:ident.end] == ident.value, case.text
            assert ident.value == ident.value.strip()
            assert ident.type in TYPES
            assert ident.form == case.form and ev.FORM_TYPES[ident.form] == ident.type


def test_nhs_values_pass_modulus_11_and_phones_are_fictional(cases: list[ev.Case]) -> None:
    n_nhs = n_phone = 0
    for case in cases:
        for ident in case.identifiers:
            digits = "".join(ch for ch in ident.value if ch.isdigit())
            if ident.type == "NHS_NUMBER":
                n_nhs += 1
                assert nhs_number_valid(digits), ident
            if ident.type == "PHONE":
                n_phone += 1
                national = digits.removeprefix("0044") if digits.startswith("0044") else digits
                national = national.removeprefix("44") if "+44" in ident.value else national
                national = national if national.startswith("0") else "0" + national
                assert any(national.startswith(p.replace(" ", "")) for p in OFCOM), ident.value
    assert n_nhs and n_phone


def test_every_form_is_documented_and_generated(cases: list[ev.Case]) -> None:
    ids = [f.id for f in ev.FORMS]
    assert len(ids) == len(set(ids))
    generated = {c.form for c in cases}
    for form in ids:
        assert f"``{form}``" in ev.__doc__, form
        assert form in generated, form
    assert {f.type for f in ev.FORMS if f.type} == TYPES
    # every identifier form has planted identifiers; negative forms have none
    for case in cases:
        assert bool(case.identifiers) == (not case.form.startswith("none."))


def test_negative_eponym_cases_fill_keep(cases: list[ev.Case]) -> None:
    eponym = [c for c in cases if c.form == "none.eponym"]
    assert eponym and all(c.keep for c in eponym)
    for case in cases:
        for term in case.keep:
            assert term in case.text
            i = case.text.index(term)
            assert all(i + len(term) <= d.start or i >= d.end for d in case.identifiers)


def test_expected_written_forms_are_planted() -> None:
    values: dict[str, list[str]] = defaultdict(list)
    for case in ev.generate(seed=2, per_form=20):
        for ident in case.identifiers:
            values[ident.form].append(ident.value)
    assert all("\u2013" in v for v in values["nhs.endash"])
    assert all("\u00a0" in v for v in values["nhs.nbsp"])
    assert all("\n" in v for v in values["nhs.linebreak"])
    assert all(v.startswith("+44 (0)") for v in values["phone.intl_zero"])
    assert all(" " not in v and v.isupper() for v in values["postcode.nospace"])
    assert all(v == v.lower() for v in values["postcode.lower"])
    assert all(" at " in v and " dot " in v for v in values["email.words"])
    assert all(v.split(", ")[0].isupper() for v in values["person.record"])
    assert any(not v.isascii() for v in values["person.non_ascii"])
    assert all(v == v.lower() for v in values["person.lower_cue"])


def test_person_spans_exclude_titles_and_cues(cases: list[ev.Case]) -> None:
    for case in cases:
        for ident in case.identifiers:
            if ident.type == "PERSON":
                first = ident.value.split()[0].lower().rstrip(".")
                assert first not in {"dr", "mr", "mrs", "ms", "prof", "pt", "patient", "sister", "nurse"}
            if ident.form.startswith(("nhs.cue", "hosp.")) and ident.form != "hosp.trust_dash":
                assert not any(w in ident.value.lower() for w in ("nhs", "mrn", "no", "unit", "trust"))


# --- hard cases -------------------------------------------------------------------------------------
def test_hard_cases_load_and_are_consistent(hard: list[ev.Case]) -> None:
    assert len(hard) >= 80
    types = {i.type for c in hard for i in c.identifiers}
    assert types >= TYPES
    eponym_only = [c for c in hard if not c.identifiers and c.keep]
    assert len(eponym_only) >= 20
    assert any(c.text.isupper() and c.identifiers for c in hard)
    for case in hard:
        spans = sorted((i.start, i.end) for i in case.identifiers)
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            assert e1 <= s2, case.text
        for ident in case.identifiers:
            assert case.text[ident.start:ident.end] == ident.value
            if ident.type == "NHS_NUMBER":
                assert nhs_number_valid("".join(ch for ch in ident.value if ch.isdigit())), ident.value
        for term in case.keep:
            assert term.lower() in case.text.lower()


def test_hard_cases_locate_the_kth_occurrence_and_name_bad_lines(tmp_path) -> None:
    path = tmp_path / "h.jsonl"
    rows = [{"text": "MRN 1234567 and again MRN 1234567", "keep": [],
             "identifiers": [{"value": "1234567", "type": "HOSPITAL_NUMBER", "form": "a"},
                             {"value": "1234567", "type": "HOSPITAL_NUMBER", "form": "a"}]},
            {"text": "Seen by Dr Alan, not by Al", "keep": [],
             "identifiers": [{"value": "Al", "type": "PERSON", "form": "b"}]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    a, b = ev.hard_cases(path)
    assert [i.start for i in a.identifiers] == [4, 26]
    assert b.text[b.identifiers[0].start - 7:b.identifiers[0].end] == "not by Al"
    path.write_text(json.dumps(rows[0]) + "\n" + json.dumps(
        {"text": "no number here", "identifiers": [{"value": "999", "type": "PHONE", "form": "c"}]}) + "\n")
    with pytest.raises(ValueError, match="line 2"):
        ev.hard_cases(path)


# --- scoring ----------------------------------------------------------------------------------------
def test_a_finder_that_finds_nothing(cases: list[ev.Case]) -> None:
    r = ev.evaluate(lambda text: [], cases)
    assert r["overall"]["recall"] == 0 and r["overall"]["typed_recall"] == 0
    assert r["overall"]["precision"] is None
    assert r["overall"]["tp"] == r["overall"]["fp"] == 0
    assert r["overall"]["fn"] == r["n_identifiers"] > 0
    assert r["eponyms_redacted"]["count"] == 0
    assert set(r["leaking_forms"]) == {f.id for f in ev.FORMS if f.type}
    assert not r["targets"]["structured_recall"]["pass"] and not r["targets"]["name_recall"]["pass"]


def test_an_oracle_finder_scores_perfectly(cases: list[ev.Case], hard: list[ev.Case]) -> None:
    for group in (cases, hard):
        r = ev.evaluate(oracle(group), group)
        assert r["overall"]["recall"] == r["overall"]["typed_recall"] == r["overall"]["precision"] == 1.0
        assert r["overall"]["fp"] == r["overall"]["fn"] == 0
        assert r["eponyms_redacted"] == {"count": 0, "values": []}
        assert r["leaking_forms"] == []
        assert all(t["pass"] for t in r["targets"].values())
        assert all(v["recall"] == 1.0 for v in r["by_form"].values())


def test_coverage_ignores_spaces_and_type_but_typed_recall_does_not() -> None:
    text = "NHS no 943 476 5919 today"
    case = ev.Case(text, [ev.Identifier(7, 19, "NHS_NUMBER", "f", "943 476 5919")], [])
    split = ev.evaluate(lambda t: [(7, 10, "PHONE"), (11, 14, "PHONE"), (15, 19, "PHONE")], [case])
    assert split["overall"]["recall"] == 1.0 and split["overall"]["typed_recall"] == 0.0
    assert split["overall"]["tp"] == 3 and split["overall"]["precision"] == 1.0
    partial = ev.evaluate(lambda t: [(7, 14, "NHS_NUMBER"), (20, 25, "DATE")], [case])
    assert partial["overall"]["recall"] == 0.0 and partial["overall"]["fp"] == 1
    assert partial["overall"]["precision"] == 0.5
    assert partial["leaking_forms"] == ["f"]


def test_a_redacted_keep_string_is_counted() -> None:
    text = "Pt with Parkinson's disease seen by Dr Okafor."
    case = ev.Case(text, [ev.Identifier(39, 45, "PERSON", "f", "Okafor")], ["Parkinson's disease"])
    r = ev.evaluate(lambda t: [(8, 17, "PERSON"), (39, 45, "PERSON")], [case])
    assert r["eponyms_redacted"] == {"count": 1, "values": ["Parkinson's disease"]}
    assert not r["targets"]["eponyms"]["pass"]
    assert r["overall"]["fp"] == 1 and r["overall"]["precision"] == 0.5


def test_evaluate_deidentifier_runs_on_both_sets() -> None:
    r = ev.evaluate_deidentifier(Deidentifier(DeidConfig()), per_form=3)
    assert set(r) == {"generated", "hard", "blind_dev", "blind_heldout"}
    for part in r.values():
        assert set(part["by_type"]) == TYPES
        assert set(part["targets"]) == {"structured_recall", "name_recall", "precision", "eponyms"}
        for key in ("recall", "typed_recall", "precision"):
            v = part["overall"][key]
            assert v is None or (0.0 <= v <= 1.0 and round(v, 4) == v)
        assert isinstance(part["eponyms_redacted"]["count"], int)


# --- the de-identifier against the targets ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def scores() -> dict:
    return ev.evaluate_deidentifier(Deidentifier(DeidConfig()))


def test_generated_forms_meet_every_target(scores: dict) -> None:
    gen = scores["generated"]
    failed = {k: v for k, v in gen["targets"].items() if not v["pass"]}
    assert not failed, (failed, gen["leaking_forms"])
    for t, v in gen["by_type"].items():
        assert v["recall"] >= (0.95 if t == "PERSON" else 0.99), (t, v)


def test_hard_cases_do_not_fall_below_their_measured_level(scores: dict) -> None:
    """The hard cases miss the name and structured targets (README: the forms that still leak); this holds the
    level measured when the rules were last changed, so that no change makes them worse unnoticed."""
    hard = scores["hard"]
    assert hard["overall"]["precision"] >= 0.95
    assert hard["targets"]["eponyms"]["value"] == 0
    assert hard["targets"]["structured_recall"]["value"] >= 0.97
    assert hard["targets"]["name_recall"]["value"] >= 0.78


def test_blind_halves_do_not_fall_below_their_measured_level(scores: dict) -> None:
    """The blind set's halves (see ``evalset.BLIND_DEV``): the held-out half is held at the level measured after
    the one round of rule changes on the dev half (bench/results/deid_blind.json); neither half may lose
    precision or redact an eponym."""
    dev, held = scores["blind_dev"], scores["blind_heldout"]
    for half in (dev, held):
        assert half["overall"]["precision"] >= 0.95
        assert half["targets"]["eponyms"]["value"] == 0
    assert held["targets"]["structured_recall"]["value"] >= 0.96
    assert held["targets"]["name_recall"]["value"] >= 0.84
    assert dev["targets"]["structured_recall"]["value"] >= 0.99
    assert dev["targets"]["name_recall"]["value"] >= 0.96


def test_the_blind_halves_share_no_report() -> None:
    dev, held = ev.hard_cases(ev.BLIND_DEV), ev.hard_cases(ev.BLIND_HELDOUT)
    assert len(dev) > 80 and len(held) > 80
    assert not {c.text for c in dev} & {c.text for c in held}
    assert sum(len(c.identifiers) for c in held) > 100


def test_the_summary_kept_in_metrics_holds_no_identifier_text() -> None:
    cases = ev.generate(0, 3)
    summary = ev.summary(ev.evaluate(lambda text: [], cases))
    dumped = json.dumps(summary)
    values = {c.text[i.start:i.end] for c in cases for i in c.identifiers}
    assert not [v for v in values if len(v) > 3 and v in dumped]
    assert summary["overall"]["recall"] == 0.0 and isinstance(summary["eponyms_redacted"], int)
