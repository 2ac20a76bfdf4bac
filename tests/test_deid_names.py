"""Name finding beyond capitalised English names: Unicode letters, apostrophes and hyphens, dotted initials,
lower-case names after a cue, and eponyms that are clinical terms, not people."""
from __future__ import annotations

import pytest

from incident_lm.deid import DeidConfig, Deidentifier


@pytest.fixture(scope="module")
def deid() -> Deidentifier:
    return Deidentifier(DeidConfig())


@pytest.mark.parametrize(("text", "name"), [
    ("Spoke to dr smith about the fall", "smith"),
    ("pt john fell in the bay", "john"),
    ("handed over to Kemi Adeyemi at 8pm", "Kemi Adeyemi"),
    ("Zoë Łukasz was given the wrong dose", "Zoë Łukasz"),
    ("Seen by Dr Zoe\u0301 Nu\u0301n\u0303ez today", "Zoe\u0301 Nu\u0301n\u0303ez"),  # combining accents
    ("Seen by Mr O\u2019Brien on the ward", "O\u2019Brien"),
    ("Reviewed by Dr A.B. Khan in clinic", "A.B. Khan"),
    ("Mrs Smith-Jones fell in the toilet", "Smith-Jones"),
    ("Staff nurse Jane Smith informed the family", "Jane Smith"),
    ("Dr Parkinson reviewed the chart", "Parkinson"),
])
def test_names_are_found_whole(deid: Deidentifier, text: str, name: str) -> None:
    redacted, spans = deid.redact(text)
    found = [text[s:e] for s, e, t in spans if t == "PERSON"]
    assert name in found, (text, found)
    assert name not in redacted


@pytest.mark.parametrize("text", [
    "Referred to Marie Curie nurse for support",
    "Patient has Parkinson's disease and Crohn's",
    "Glasgow coma scale 14, Apgar 9 at birth",
    "Pt Slipped on wet floor and was seen by the nurse",
])
def test_eponyms_and_ordinary_words_are_kept(deid: Deidentifier, text: str) -> None:
    redacted, spans = deid.redact(text)
    assert [s for s in spans if s[2] == "PERSON"] == []
    assert redacted == text


def test_a_span_never_cuts_a_word(deid: Deidentifier) -> None:
    text = "Smithson ward: Mr Smith-jones and Mrs Smith saw it"
    _, spans = deid.redact(text)
    for s, e, _t in spans:
        assert s == 0 or not text[s - 1].isalnum(), text[s:e]
        assert e == len(text) or not text[e].isalnum(), text[s:e]


@pytest.mark.parametrize(("text", "name"), [
    ("NURSE FEMI SOKOLOVA WITNESSED THE FALL", "FEMI SOKOLOVA"),
    ("SPOKE TO BALOGUN (SON) RE DISCHARGE.", "BALOGUN"),
    ("REG INFORMED (DR BALOGUN).", "BALOGUN"),
    ("Ekaterina Sokolova (physio) found pt on floor", "Ekaterina Sokolova"),
    ("bleeped reg (dr nakamura) who came", "nakamura"),
    ("staff nurse kemi and HCA tom both did the obs", "kemi"),
    ("pt tomasz whitfield found on floor", "tomasz whitfield"),
    ("Seen by K.F.McAllister, SHO on call", "K.F.McAllister"),
    ("Bleeped François Ní Bhriain re low BM", "François Ní Bhriain"),
    # unknown names right before an identifier's cue (found by the scale benchmark's 10k corpus)
    ("RTX no. 6443007 . Abimbola Novak Hosp No: RD9962696 on Maple ward.", "Abimbola Novak"),
    ("AGITATED AT THE TIME - D. TURNER D.O.B 12/03/1945 ON BIRCH WARD", "D. TURNER"),
    ("the pt (Abimbola Novak, DOB 1/1/1950) fell", "Abimbola Novak"),
    ("MRS A. KOWALCZYK DOB 1/1/1950", "A. KOWALCZYK"),
    # misses the scale benchmark's 30k and 100k corpora showed: misspelt roles, an ambiguous surname after an
    # initial, a time after a titled name, a trust code's "no", a glued full stop, "date of birrth"
    ("Student nure Beryl was on shhift", "Beryl"),
    ("Reviewwed with student nurrse Mei Novak at 1010hrs.", "Mei Novak"),
    ("Charge nruse Chukwuemeka was covering two bays.", "Chukwuemeka"),
    ("informed Dr Ng - sistre Ewa escalated to physio", "Ewa"),
    ("Pt E. Walker had been admitted on 1/1/2020.", "E. Walker"),
    ("Pt S. Walker, born 1/1/1950 nhs no 123", "S. Walker"),
    ("DISCUSSED WITH DR CHUKWUEMEKA WALKER AT 13:12. LEVEMIR 24 UNITS", "CHUKWUEMEKA WALKER"),
    ("Harry Novak RTX no. 7654321 in bay 4.", "Harry Novak"),
    ("found pt on the floor.H. Lindqvist dob 1/1/1950 on Beech ward", "H. Lindqvist"),
    ("C. Turner date of birrth 1/1/1950 on Chestnut ward.", "C. Turner"),
    ("Power cut affected the bed and A. Lindqvist unit no 1234567 was the patient", "A. Lindqvist"),
])
def test_names_in_the_forms_reporters_write(deid: Deidentifier, text: str, name: str) -> None:
    _, spans = deid.redact(text)
    assert name in [text[s:e] for s, e, t in spans if t == "PERSON"], (text, spans)


@pytest.mark.parametrize("text", [
    "DR AWARE.", "DR ON CALL.", "PT FINE NOW.", "PT EXP RASH, HIVES", "Pharmacy (nurse) aware", "Theatre, nurse in charge",
    "Pt was seen; However, father is a doctor", "dr office visit", "mom called dr today", "recurrent mr triclip",
    "sister had a rash too", "did not miss work", "feeding self miss mouth",
    "Patient Hosp No 1234567 given", "Wrong NHS number on the wristband", "Checked Name, DOB and hospital number",
    "ID band: Name, D.O.B, NHS No all correct", "WRONG PATIENT D.O.B ON LABEL", "WRISTBAND MISSING DOB",
    "Incorrect Wristband DOB", "A DOB was missing", "CHECKED NAME AND DOB", "Emergency Department Hospital Number",
    "Pt fainted as walked toward door out of office. Momentarily felt dizzy",  # "office" is not "officer" misspelt
    "Teacher walked pt back to office. Pupils equal", "DR ON CALL AT 13:00", "NURSE IN CHARGE AT 14:00",
    "Baby born at 10:00", "Twins born 2 weeks early", "Pt was no better",
])
def test_words_after_titles_and_roles_that_are_not_names(deid: Deidentifier, text: str) -> None:
    assert [s for s in deid.find(text) if s[2] == "PERSON"] == [], text


# --- forms from the blind set's dev half (the held-out half's misses are never read: see deid/evalset.py) ------
@pytest.mark.parametrize(("text", "name"), [
    ("PAS extract:\nSurname: OKORO  Forename: BEATRICE\nNHS No.: 943 476 5919", "OKORO"),
    ("PAS extract:\nSurname: OKORO  Forename: BEATRICE\nNHS No.: 943 476 5919", "BEATRICE"),
    ("Mother: Ewa Zielińska, baby born at 03:10", "Ewa Zielińska"),
    ("Patient name: tomasz whitfield", "tomasz whitfield"),
    ("prefers to be called 'Tez' on the ward", "Tez"),
    ("known as Bunny by the care home staff", "Bunny"),
    ("real name Bernice Adeola, wristband had the nickname", "Bernice Adeola"),
    ("told me her name was Elżbieta", "Elżbieta"),
    ("Specimen label: NOVAK/HARRIET/9434765919/12.12.1950 did not match", "NOVAK/HARRIET"),
    ("pt seen in side room by HCA (Grace) at 3am", "Grace"),
    ("pt's sister (Marguerite) says pt was left", "Marguerite"),
    ("J.K. (HCA) reports pt was verbally abusive", "J.K."),
    ("signed as checked by S/N Amber Hall on 3 days", "Amber Hall"),
    ("pt is Mr A Hussein, both in their 70s", "A Hussein"),
    ("Transfer letter: Pt Mr Seán Ó Murchú, 82, from Ward 4", "Seán Ó Murchú"),
    ("Seen by Pieter van der Berg (physio)", "Pieter van der Berg"),
])
def test_names_a_label_or_phrase_says_are_names(deid: Deidentifier, text: str, name: str) -> None:
    _, spans = deid.redact(text)
    assert name in [text[s:e] for s, e, t in spans if t == "PERSON"], (text, spans)


@pytest.mark.parametrize("text", [
    "Name: unknown, brought in by ambulance", "NOK: aware and on the way", "pt prefers tea with sugar",
    "tested positive for two viruses known as HTLV-1 and HTLV-2", "Email from Dr Patel, Consultant Geriatrician",
    "Referred to ED/GP/1234567 pathway", "Martha's Rule call made by the family", "seen by nurse (agency) at 2am",
])
def test_labels_and_phrases_that_do_not_name_anyone(deid: Deidentifier, text: str) -> None:
    persons = [text[s:e] for s, e, t in deid.find(text) if t == "PERSON"]
    assert persons in ([], ["Patel"]), (text, persons)
