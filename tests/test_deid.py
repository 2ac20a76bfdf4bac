"""De-identification: one test group per identifier type, edge cases that must survive, scoring, speed."""

from __future__ import annotations

import random
import re

import pandas as pd
import pytest

from incident_lm.deid import DeidConfig, Deidentifier, names, nhs_number_valid, structured
from incident_lm.deid.score import score_redactions, spans_frame


@pytest.fixture(scope="module")
def d() -> Deidentifier:
    return Deidentifier()


def found(d: Deidentifier, text: str) -> list[tuple[str, str]]:
    """(type, covered text) for each span found in ``text``."""
    return [(t, text[s:e]) for s, e, t in d.find(text)]


# --- NHS numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["943 476 5919", "943-476-5919", "9434765919", "401 023 2137"])
def test_valid_nhs_numbers_are_redacted_in_every_layout(d: Deidentifier, number: str) -> None:
    text = f"NHS number {number} checked at handover."
    assert found(d, text) == [("NHS_NUMBER", number)]
    assert d.redact(text)[0] == "NHS number [NHS_NUMBER] checked at handover."


@pytest.mark.parametrize("number", ["943 476 5918", "9434765910", "401-023-2138"])
def test_nhs_numbers_with_a_bad_check_digit_are_not_nhs_numbers(d: Deidentifier, number: str) -> None:
    assert not nhs_number_valid(number.replace(" ", "").replace("-", ""))
    assert "NHS_NUMBER" not in [t for t, _ in found(d, f"NHS {number} on the label")]


def test_modulus_11_check_digit_rules() -> None:
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("943476591")  # nine digits
    assert not nhs_number_valid("94347659AB")
    # a remainder giving check digit 10 is never valid, whatever the last digit
    base = next(b for b in (f"{i:09d}" for i in range(10**8, 10**8 + 5000))
                if 11 - sum(int(c) * w for c, w in zip(b, range(10, 1, -1), strict=True)) % 11 == 10)
    assert not any(nhs_number_valid(base + str(k)) for k in range(10))


@pytest.mark.parametrize("written", ["943 476-5919", "943.476.5919", "943/476/5919", "943  476  5919", "9434765919",
                                     "943\u00a0476\u00a05919", "943 476\n5919", "943\u2013476\u20135919"])
def test_nhs_numbers_whatever_their_separators(d: Deidentifier, written: str) -> None:
    assert found(d, f"NHS no {written} on the band") == [("NHS_NUMBER", written)]


def test_separators_do_not_make_a_bad_checksum_an_nhs_number(d: Deidentifier) -> None:
    assert "NHS_NUMBER" not in [t for t, _ in found(d, "ref 943 476-5918 and 943.476.5918")]


# --- dates ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("date", ["03/04/1951", "3/4/51", "03.04.1951", "1951-04-03", "3 April 1951",
                                  "3rd April 1951", "April 3, 1951", "3 Apr 1951", "April 1951", "12th of March",
                                  "29-SEP-93", "1OCT92"])
def test_dates_in_numeric_and_written_formats(d: Deidentifier, date: str) -> None:
    text = f"Seen on {date} by the team."
    assert found(d, text) == [("DATE", date)]


def test_dob_keeps_its_cue_word(d: Deidentifier) -> None:
    assert d.redact("DOB 03/04/1951, born 3 April 1951.")[0] == "DOB [DATE], born [DATE]."


@pytest.mark.parametrize("text", ["Obs at 14:30 and 02:15.", "Pain 5/10, BP 120/80, 1 1/2 hrs.",
                                  "Given 2.5mg, version 1.2.3 of the policy.", "The patient may 2 be seen later.",
                                  "Staffing ratio 1:8 in 2019.", "GCS 15, NEWS2 score 3."])
def test_times_scores_and_doses_are_not_dates(d: Deidentifier, text: str) -> None:
    assert found(d, text) == []


def test_impossible_numeric_dates_are_not_dates(d: Deidentifier) -> None:
    assert found(d, "Lot 45/67/1999 and 13/13/2020") == []


# --- phones, postcodes, email, URL, hospital numbers -----------------------------------------------------
@pytest.mark.parametrize("phone", ["07700 900123", "07700900123", "0161 496 0000", "020 7946 0000",
                                   "+44 7700 900123", "+44 (0)161 496 0000", "(0161) 496 0000", "+1 202 555 0143"])
def test_phone_numbers(d: Deidentifier, phone: str) -> None:
    text = f"Call {phone} after 5pm."
    assert found(d, text) == [("PHONE", phone)]


@pytest.mark.parametrize("postcode", ["M1 1AE", "SW1A 1AA", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB"])
def test_postcodes(d: Deidentifier, postcode: str) -> None:
    assert found(d, f"Lives at {postcode} with family.") == [("POSTCODE", postcode)]


def test_email_and_url(d: Deidentifier) -> None:
    text = "Sent to jane.smith@nhs.net and https://example.org/form?id=3, see www.example.com."
    assert found(d, text) == [("EMAIL", "jane.smith@nhs.net"), ("URL", "https://example.org/form?id=3"),
                              ("URL", "www.example.com")]


@pytest.mark.parametrize(("text", "value"), [("MRN A1234567 on the band", "A1234567"),
                                             ("hospital no. RX1234567 checked", "RX1234567"),
                                             ("Hospital number: 12345678 used", "12345678"),
                                             ("band read RX7654321 instead", "RX7654321")])
def test_hospital_numbers_keep_the_cue(d: Deidentifier, text: str, value: str) -> None:
    assert found(d, text) == [("HOSPITAL_NUMBER", value)]
    assert value not in d.redact(text)[0]


# --- names ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Seen by Dr Patel at 10:00.", "Seen by Dr [PERSON] at 10:00."),
    ("Mrs. J. Smith was informed.", "Mrs. [PERSON] was informed."),
    ("Mr John Smith fell.", "Mr [PERSON] fell."),
    ("Reported by staff nurse Jane Smith.", "Reported by staff nurse [PERSON]."),
    ("HCA Tom Price found the patient.", "HCA [PERSON] found the patient."),
    ("Porter Delphine Okoro attended.", "Porter [PERSON] attended."),
    ("Daughter Emma visited.", "Daughter [PERSON] visited."),
    ("Escalated to Miss Ward on call.", "Escalated to Miss [PERSON] on call."),
])
def test_names_after_titles_and_roles_keep_the_title(d: Deidentifier, text: str, expected: str) -> None:
    assert d.redact(text)[0] == expected


@pytest.mark.parametrize("text", ["Sarah Jones said she felt dizzy.", "Informed Patel later in the shift.",
                                  "informed Tobias Fairweather by phone."])
def test_bare_names(d: Deidentifier, text: str) -> None:
    assert [t for t, _ in found(d, text)] == ["PERSON"]


@pytest.mark.parametrize(("text", "expected"), [
    ("SEEN BY DR KELLY WHO ATTENDED.", "SEEN BY DR [PERSON] WHO ATTENDED."),
    ("HCA MICHAEL SMITH WITNESSED THE FALL.", "HCA [PERSON] WITNESSED THE FALL."),
    ("THE PT P. WONG DOB 29/09/1950 FELL.", "THE PT [PERSON] DOB [DATE] FELL."),
    ("DR REVIEWED THE PATIENT. A LITTLE BLOOD ON THE SHEET.", "DR REVIEWED THE PATIENT. A LITTLE BLOOD ON THE SHEET."),
])
def test_names_in_upper_case_text(d: Deidentifier, text: str, expected: str) -> None:
    assert d.redact(text)[0] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Patient KOWALSKI, Abimbola admitted.", "Patient [PERSON] admitted."),
    ("Patient Smith, John admitted.", "Patient [PERSON] admitted."),
    ("Doreen Thompson unit number 884321 fell.", "[PERSON] unit number [HOSPITAL_NUMBER] fell."),
    ("seen by dr Novak today.", "seen by dr [PERSON] today."),
    ("RTX no. 9367709 on the band.", "RTX no. [HOSPITAL_NUMBER] on the band."),
])
def test_record_style_names_lower_case_titles_and_numbers(d: Deidentifier, text: str, expected: str) -> None:
    assert d.redact(text)[0] == expected


def test_day_month_without_year_only_after_a_date_word(d: Deidentifier) -> None:
    assert d.redact("Seen on 3/1, follow up arranged for 23/1.")[0] == "Seen on [DATE], follow up arranged for [DATE]."
    assert d.redact("Antibiotics for 5/7, pain 3/10, review in 2/52.")[0] == \
        "Antibiotics for 5/7, pain 3/10, review in 2/52."
    assert d.redact("admitted on 23rd august")[0] == "admitted on [DATE]"


@pytest.mark.parametrize("text", [
    "The accepted dose was given as prescribed.",
    "Discussed with the Dr. Plan agreed with the family.",
    "Transferred to Elizabeth Ward then Nightingale Ward.",
    "Seen at St Mary's Hospital and Queen Elizabeth Hospital.",
    "Glasgow Coma Scale dropped, Early Warning Score 5.",
    "Parkinson's disease, Bell's palsy and Guillain Barre syndrome.",
    "Patient Safety Team informed on Monday.",
])
def test_clinical_words_wards_and_eponyms_are_not_names(d: Deidentifier, text: str) -> None:
    assert found(d, text) == []
    assert d.redact(text)[0] == text


@pytest.mark.parametrize("text", [
    "Patient Fell in the bay.", "Patient Died on the ward.", "Patient Collapsed in the toilet.",
    "Nurse Noticed bleeding from the line.", "Patient Refused meds.", "Patient Aggressive towards staff.",
    "Patient Complained of chest pain.", "PATIENT FELL AND HIT HEAD.", "Patient Unresponsive, crash call.",
])
def test_capitalised_clinical_verbs_after_a_role_are_kept(d: Deidentifier, text: str) -> None:
    # redacting these would hide the event itself ("Patient [PERSON] in the bay")
    assert d.redact(text)[0] == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Patient Fred was seen.", "Patient [PERSON] was seen."),  # a given name ending in -ed is still a name
    ("Nurse Mohammed Ahmed attended.", "Nurse [PERSON] attended."),
    ("Dr Fell reviewed.", "Dr [PERSON] reviewed."),  # after a title, any capitalised word is a name
    ("ARJUN LINDQVIST MRN F0016297 WAS THE PATIENT.", "[PERSON] MRN [HOSPITAL_NUMBER] WAS THE PATIENT."),
    ("PT A. SHARMA HAD BEEN SEEN.", "PT [PERSON] HAD BEEN SEEN."),
    ("LINDQVIST, Beryl (hosp no F0016297) was the patient.",
     "[PERSON] (hosp no [HOSPITAL_NUMBER]) was the patient."),
    ("TTO, Pharmacy was informed.", "TTO, Pharmacy was informed."),
    ("Seen at JOHN RADCLIFFE HOSPITAL today.", "Seen at JOHN RADCLIFFE HOSPITAL today."),
])
def test_names_unknown_to_the_gazetteer_in_context(d: Deidentifier, text: str, expected: str) -> None:
    assert d.redact(text)[0] == expected


def test_words_containing_identifier_like_parts_are_not_corrupted(d: Deidentifier) -> None:
    text = "Dr. accepted the drMRN plan; Mr. Mrs. and Drs. are words; accDr Patelson"
    clean, _ = d.redact(text)
    for word in ("accepted", "drMRN", "Drs.", "Mrs."):
        assert word in clean


# --- redaction API ---------------------------------------------------------------------------------------
def test_spans_are_offsets_into_the_original_text(d: Deidentifier) -> None:
    text = "Mr John Smith (NHS 943 476 5919) rang 07700 900123 on 03/04/2023 from M1 1AE."
    clean, spans = d.redact(text)
    assert [text[s:e] for s, e, _ in spans] == ["John Smith", "943 476 5919", "07700 900123", "03/04/2023",
                                                 "M1 1AE"]
    assert clean == "Mr [PERSON] (NHS [NHS_NUMBER]) rang [PHONE] on [DATE] from [POSTCODE]."
    assert all(e1 <= s2 for (_, e1, _), (s2, _, _) in zip(spans, spans[1:], strict=False))


def test_redact_series_keeps_index_and_handles_missing(d: Deidentifier) -> None:
    s = pd.Series(["Dr Patel rang.", None, "", "nothing here"], index=[10, 11, 12, 13])
    clean, spans = d.redact_series(s)
    assert list(clean.index) == [10, 11, 12, 13]
    assert clean.tolist() == ["Dr [PERSON] rang.", "", "", "nothing here"]
    assert [len(x) for x in spans] == [1, 0, 0, 0]


def test_config_limits_types_and_adds_names() -> None:
    only_dates = Deidentifier({"types": ["DATE"]})
    assert only_dates.redact("Dr Patel on 03/04/2023")[0] == "Dr Patel on [DATE]"
    local = Deidentifier({"extra_names": ["Zorblax"], "not_names": ["Nightingale"]})
    assert local.redact("Informed Zorblax.")[0] == "Informed [PERSON]."
    with pytest.raises(ValueError, match="deid.types"):
        Deidentifier({"types": ["SHOE_SIZE"]})


def test_every_pattern_matches_its_example() -> None:
    """Guard against a regex edited into matching nothing."""
    examples = {"_EMAIL_RE": "a.b@nhs.net", "_URL_RE": "https://x.org", "_NHS_RE": "943 476 5919",
                "_HOSP_CUE_RE": "MRN A1234567", "_HOSP_BARE_RE": "RX1234567", "_PHONE_UK_RE": "0161 496 0000",
                "_PHONE_INTL_RE": "+1 202 555 0143", "_POSTCODE_RE": "SW1A 1AA", "_DATE_NUM_RE": "03/04/1951",
                "_DATE_ISO_RE": "1951-04-03", "_DATE_DMY_RE": "3 April 1951", "_DATE_MDY_RE": "April 3, 1951",
                "_DATE_MY_RE": "April 1951", "_DATE_COMPACT_RE": "1OCT92", "_TITLE_RE": "Dr Patel",
                "_CAP_RE": "Jane Smith"}
    for name, example in examples.items():
        module = names if name in ("_TITLE_RE", "_CAP_RE") else structured
        pattern: re.Pattern[str] = getattr(module, name)
        assert pattern.search(f" {example} "), name


# --- scoring --------------------------------------------------------------------------------------------
def test_score_redactions_counts_overlaps_by_type() -> None:
    truth = pd.DataFrame([("r1", "IN07", 0, 10, "PERSON"), ("r1", "IN07", 20, 30, "DATE"),
                          ("r2", "IN10", 5, 17, "NHS_NUMBER"), ("r2", "IN10", 40, 45, "PERSON")],
                         columns=["doc", "field", "start", "end", "type"])
    pred = pd.DataFrame([("r1", "IN07", 3, 8, "PERSON"),      # overlaps the person: TP
                         ("r1", "IN07", 20, 30, "PHONE"),     # right place, wrong type
                         ("r2", "IN10", 5, 17, "NHS_NUMBER"),  # TP
                         ("r2", "IN11", 40, 45, "PERSON"),    # other field: FP, truth person missed
                         ("r1", "IN07", 50, 55, "PERSON")],   # nothing there: FP
                        columns=["doc", "field", "start", "end", "type"])
    s = score_redactions(pred, truth)
    assert s["per_type"]["PERSON"] == {"recall": 0.5, "precision": round(1 / 3, 4), "tp": 1, "fn": 1, "fp": 2,
                                       "n_truth": 2, "n_pred": 3}
    assert s["per_type"]["DATE"]["recall"] == 0.0
    assert s["per_type"]["NHS_NUMBER"]["recall"] == 1.0
    assert s["per_type"]["PHONE"]["precision"] == 0.0
    assert s["overall"]["recall"] == 0.5 and s["overall"]["precision"] == 0.4
    assert s["any_type"] == {"recall": 0.75, "precision": 0.6}  # the wrong-type date counts here
    assert s["targets"]["structured_recall"]["pass"] is False
    assert s["targets"]["all_pass"] is False


def test_score_redactions_only_scores_documents_read() -> None:
    truth = pd.DataFrame([("a", "IN07", 0, 4, "DATE"), ("b", "IN07", 0, 4, "DATE")],
                         columns=["doc", "field", "start", "end", "type"])
    pred = pd.DataFrame([("a", "IN07", 0, 4, "DATE")], columns=["doc", "field", "start", "end", "type"])
    assert score_redactions(pred, truth)["overall"]["recall"] == 0.5
    pred.attrs["docs"] = {"a"}
    assert score_redactions(pred, truth)["overall"]["recall"] == 1.0


# --- a planted-identifier corpus and throughput ----------------------------------------------------------
_FILLER = ["Patient found on the floor at 14:30, observations stable.", "Medication given late due to staffing.",
           "Transferred to Nightingale Ward after CT head.", "Pain score 5/10, paracetamol 1g given.",
           "Datix completed and family informed.", "Glasgow Coma Scale 15 throughout."]


def planted_corpus(n: int, seed: int = 0) -> tuple[list[str], list[tuple[int, int, int, str]]]:
    """``n`` report texts with identifiers planted at known offsets: (texts, [(doc, start, end, type)])."""
    rng = random.Random(seed)
    texts, truth = [], []
    for i in range(n):
        parts, spans, pos = [], [], 0
        for _ in range(6):
            kind = rng.choice(["filler", "filler", "nhs", "date", "phone", "name"])
            if kind == "filler":
                pre, value, post, typ = rng.choice(_FILLER), "", " ", None
            elif kind == "nhs":
                pre, value, post, typ = "NHS no. ", rng.choice(["943 476 5919", "4010232137"]), ". ", "NHS_NUMBER"
            elif kind == "date":
                pre, value, post, typ = "DOB ", f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/19{rng.randint(30, 99)}", ". ", "DATE"
            elif kind == "phone":
                pre, value, post, typ = "Tel ", f"07700 900{rng.randint(100, 999)}", ". ", "PHONE"
            else:
                pre, value, post, typ = rng.choice(["Dr ", "staff nurse ", "HCA "]), rng.choice(
                    ["Patel", "Jane Smith", "Tom Price", "Okafor"]), " attended. ", "PERSON"
            parts.append(pre)
            pos += len(pre)
            if typ:
                spans.append((i, pos, pos + len(value), typ))
            parts.append(value + post)
            pos += len(value) + len(post)
        texts.append("".join(parts))
        truth.extend(spans)
    return texts, truth


def test_planted_corpus_recall_and_precision(d: Deidentifier) -> None:
    texts, truth = planted_corpus(300)
    pred = [(str(i), "IN07", s, e, t) for i, text in enumerate(texts) for s, e, t in d.find(text)]
    truth_df = pd.DataFrame([(str(i), "IN07", s, e, t) for i, s, e, t in truth],
                            columns=["doc", "field", "start", "end", "type"])
    scores = score_redactions(spans_frame(pred), truth_df)
    assert scores["overall"]["recall"] == 1.0
    assert scores["overall"]["precision"] == 1.0
    assert scores["targets"]["all_pass"]


# --- forms real reporters write (the detection view and separator-agnostic patterns) -------------------------
@pytest.mark.parametrize(("text", "typ", "value"), [
    ("call 07700.900.123 after", "PHONE", "07700.900.123"),
    ("on +44 (0)7700 900123 today", "PHONE", "+44 (0)7700 900123"),
    ("rang (01632) 960123 ext 12", "PHONE", "(01632) 960123 ext 12"),
    ("ring +44 161 496 0232 now", "PHONE", "+44 161 496 0232"),
    ("contact number 0044161 496 0129 given", "PHONE", "0044161 496 0129"),
    ("Results filed against RR8-2032973 in error", "HOSPITAL_NUMBER", "RR8-2032973"),
    ("MRN: R0A4260336 in error", "HOSPITAL_NUMBER", "R0A4260336"),
    ("transport went to 7 mill lane instead", "ADDRESS", "7 mill lane"),
    ("crew went to 188 Queens Drive, Leeds but", "ADDRESS", "188 Queens Drive, Leeds"),
    ("d.o.b. 14 . 02 . 1956 on the form", "DATE", "14 . 02 . 1956"),
    ("mobile 07700\u00a0900\u00a0123", "PHONE", "07700\u00a0900\u00a0123"),
    ("lives at sw1a 1aa now", "POSTCODE", "sw1a 1aa"),
    ("postcode SW1A1AA", "POSTCODE", "SW1A1AA"),
    ("home Ls6  2ab area", "POSTCODE", "Ls6  2ab"),
    ("DOB:03/04/1951 on the form", "DATE", "03/04/1951"),
    ("DOB 03041951 on the form", "DATE", "03041951"),
    ("dob 3.4.51 on the form", "DATE", "3.4.51"),
    ("D.O.B. 19510403 on the form", "DATE", "19510403"),
    ("MRN: RX1234567 on file", "HOSPITAL_NUMBER", "RX1234567"),
    ("hosp no. 12 34 567 on file", "HOSPITAL_NUMBER", "12 34 567"),
    ("label RTH-1234567 on file", "HOSPITAL_NUMBER", "RTH-1234567"),
    ("Trust ID 0012345678 on file", "HOSPITAL_NUMBER", "0012345678"),
    ("email jane.smith at nhs dot net please", "EMAIL", "jane.smith at nhs dot net"),
    ("email jane.smith[at]nhs[dot]net please", "EMAIL", "jane.smith[at]nhs[dot]net"),
    ("email jane.smith (at) nhs.net please", "EMAIL", "jane.smith (at) nhs.net"),
    ("email JANE.SMITH@NHS.NET please", "EMAIL", "JANE.SMITH@NHS.NET"),
    ("lives at 12 Acacia Avenue with", "ADDRESS", "12 Acacia Avenue"),
    ("from Flat 3, 22 High Street was", "ADDRESS", "Flat 3, 22 High Street"),
    ("went to 7 Mill Lane, Leeds.", "ADDRESS", "7 Mill Lane, Leeds"),
])
def test_forms_of_structured_identifiers(d: Deidentifier, text: str, typ: str, value: str) -> None:
    assert found(d, text) == [(typ, value)]


@pytest.mark.parametrize("text", [
    "at m1 1st floor", "meet at 2pm b2 2pm", "she arrived at ward dot", "seen at home", "gave 2 Paracetamol tablets",
    "GCS 14/15 pain 5/10 at 14:30 for 5/7", "Ward 5 St Mary's hospital", "bed 12 Elizabeth Ward",
    "2 Paracetamol given at 10 Downing", "Waited 3 Hours On The Corridor",
])
def test_look_alikes_are_kept(d: Deidentifier, text: str) -> None:
    assert d.find(text) == []


# --- look-alikes found on real public narratives (made-up text of the same shapes) ----------------------------
@pytest.mark.parametrize("text", [
    "pt has t101ax, fussy", "Pt devel T98ax overnight", "Hib lot# M740EN given", "2nd dose M660HH given",
    "immunized with lot # 4870012", "(see ABC930112 - ABC930115 - ABC930117)", "medwatch report mw5100001 received",
    "WAES #94010203 assigned", "Tetanus Toxoid control # 441122", "guide catheter cn-210001 used", "rec'd DTP123456",
    "seen by Ophthalmologist today", "referred to Med Ctr for tests", "mom called Peds MD", "Called Rescue Squad",
    "Pt vaccinated with MR Vaccine", "recurrent mr triclip device", "seen at Dr ofc today", "kept, EEG, Bloodwork; had",
    "chills;DPH, Pred had no effect", "rash; Stevens/Johnson like reaction", "put pt luke warm tub",
    "R.Ph reported the reaction", "since 1/2 hr", "wt dec by 1/2 oz", "swelling on 2/3 of arm", "kept 2 staff close by",
])
def test_real_text_look_alikes_are_kept(d: Deidentifier, text: str) -> None:
    assert d.find(text) == [], text


def test_an_address_town_is_not_the_next_sentence(d: Deidentifier) -> None:
    assert found(d, "lives at 12 High Street, Patient fell") == [("ADDRESS", "12 High Street")]


@pytest.mark.parametrize(("text", "value", "typ"), [
    ("pt = Mrs Kowalski, hosp no RBK 447120", "RBK 447120", "HOSPITAL_NUMBER"),  # a trust prefix, then a space
    ("asked reg to review. hosp# RNA 0023144", "RNA 0023144", "HOSPITAL_NUMBER"),
    ("label: NOVAK/HARRIET/9434765919/12.12.1950", "12.12.1950", "DATE"),  # a date after a slashed field
    ("letter sent to old address (9 Heol y Coed) in error", "9 Heol y Coed", "ADDRESS"),  # Welsh: street word first
    ("address updated to Flat 11, Marlowe Court, 40 Queens Road in March", "Flat 11, Marlowe Court, 40 Queens Road",
     "ADDRESS"),  # parts found apart are one address
])
def test_structured_forms_from_the_blind_dev_half(text: str, value: str, typ: str) -> None:
    spans = Deidentifier(DeidConfig()).find(text)
    assert (text.index(value), text.index(value) + len(value), typ) in spans, spans


def test_a_slashed_date_piece_of_a_longer_number_is_not_a_date() -> None:
    spans = Deidentifier(DeidConfig()).find("ref 4/1/12/2020/3 filed")
    assert not [s for s in spans if s[2] == "DATE"], spans
