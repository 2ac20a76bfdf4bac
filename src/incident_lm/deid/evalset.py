"""An evaluation set for the de-identifier, built independently of the synthetic generator.

The synthetic corpus (:mod:`incident_lm.synthetic`) plants identifiers in the forms it knows, so the
de-identifier's recall on it says little about the forms real reporters write. This module plants
identifiers in the many other ways they are written in NHS incident reports, scores any finder against
them, and adds a hand-written set of hard cases (``evalset_hard.jsonl``) and a blind set in two halves
(``evalset_blind_dev.jsonl``, ``evalset_blind_heldout.jsonl``, see :data:`BLIND_DEV`). Nothing here imports or copies
the synthetic generator; all values are fictional (random NHS numbers valid under Modulus 11, Ofcom drama
phone ranges, made-up names and streets).

Spans
-----
An identifier's span is exactly its written characters: for PERSON the name only, without the title or
cue word ("Dr. [Okonkwo]", "spoke to dr [smith]"); for prefixed numbers the number only, not the cue
("NHS no: [943 476 5919]", "MRN: [RX1234567]"); for emails and phones the whole written form, including
obfuscation words and an extension ("[jane.smith at nhs dot net]", "[01632 960123 ext 1234]").

Forms (``form`` id: example)
----------------------------
NHS_NUMBER (values random, valid under Modulus 11)
    ``nhs.spaces`` 943 476 5919; ``nhs.dashes`` 943-476-5919; ``nhs.endash`` 943\u2013476\u20135919;
    ``nhs.dots`` 943.476.5919; ``nhs.slashes`` 943/476/5919; ``nhs.plain`` 9434765919;
    ``nhs.double_space`` 943  476  5919; ``nhs.nbsp`` 943\u00a0476\u00a05919 (no-break spaces);
    ``nhs.linebreak`` 943 476 / line break / 5919; ``nhs.mixed`` 943 476-5919 (mixed separators);
    ``nhs.cue_colon`` "NHS no: 9434765919" / "NHS no:943 476 5919"; ``nhs.cue_hash`` "NHS#9434765919";
    ``nhs.cue_lower`` "nhs number 943 476 5919".
PHONE (fictional Ofcom drama ranges only: 07700 900xxx, 01632 960xxx, 020 7946 0xxx, 0113 496 0xxx,
0161 496 0xxx)
    ``phone.spaced`` 07700 900123; ``phone.unspaced`` 07700900123; ``phone.dashes`` 0113-496-0123;
    ``phone.dots`` 020.7946.0123; ``phone.intl`` +44 7700 900123; ``phone.intl_zero`` +44 (0)7700 900123;
    ``phone.0044`` 0044 7700 900123; ``phone.brackets`` (01632) 960123;
    ``phone.ext`` 01632 960123 ext 1234 (the extension is part of the span).
POSTCODE (valid-format, real outward codes: SW1A, M1, B33, LS6, CR2, EH1, W1A, N1C, ...)
    ``postcode.upper`` LS6 2AB; ``postcode.lower`` ls6 2ab; ``postcode.mixed`` Ls6 2aB;
    ``postcode.nospace`` LS62AB; ``postcode.double_space`` LS6  2AB.
DATE
    ``date.slash`` 03/04/1951; ``date.slash_short`` 3/4/51; ``date.dots`` 03.04.1951;
    ``date.dashes`` 03-04-1951; ``date.iso`` 1951-04-03; ``date.written`` 3 April 1951;
    ``date.ordinal_of`` 3rd of April 1951; ``date.month_first`` April 3rd 1951; ``date.compact`` 03Apr1951;
    ``date.dash_month`` 3-Apr-51; ``date.dob_digits`` "DOB 03041951" / "D.O.B. 03041951";
    ``date.dob_nospace`` "DOB:03/04/1951"; ``date.dob_short_dots`` "dob 3.4.51".
HOSPITAL_NUMBER (the number only, not the cue)
    ``hosp.mrn`` MRN 1234567; ``hosp.mrn_prefix`` MRN: RX1234567; ``hosp.hospital_number`` hospital number
    A123456; ``hosp.inner_spaces`` hosp no. 12 34 567; ``hosp.trust_dash`` RTH-1234567 (whole span);
    ``hosp.unit_no`` unit no K1234567; ``hosp.trust_id`` Trust ID 0012345678.
EMAIL (the whole written form)
    ``email.plain`` jane.smith@nhs.net; ``email.upper`` JANE.SMITH@NHS.NET; ``email.words``
    jane.smith at nhs dot net; ``email.brackets`` jane.smith[at]nhs[dot]net; ``email.paren_at``
    jane.smith (at) nhs.net; ``email.all_words`` jane dot smith at nhs dot net.
ADDRESS (street addresses)
    ``address.street`` 12 Acacia Avenue; ``address.flat`` Flat 3, 22 High Street; ``address.letter``
    44b Station Road; ``address.town`` 7 Mill Lane, Leeds; ``address.apartment`` Apartment 5,
    19 Park Crescent.
PERSON (the name only, never the title or cue)
    ``person.title_dot`` Dr. Okonkwo, Mrs. Kowalczyk; ``person.lower_cue`` spoke to dr smith, pt john davies,
    handed over to kemi; ``person.non_ascii`` Zo\u00eb \u00d3 S\u00failleabh\u00e1in, \u0141ukasz
    Wi\u015bniewski; ``person.hyphenated`` Anna-Marie Smith-Jones; ``person.initials`` J. P. Smith, A.B. Khan;
    ``person.after_cue`` after "pt", "patient", "spoke to", "informed", "called"; ``person.rare_surname``
    surnames made from syllables (in no list); ``person.record`` SMITH, John; ``person.shouted``
    "PT FELL IN BAY 3, SEEN BY DR OKONKWO".
Negative cases (no identifier; they measure precision and the eponyms kept)
    ``none.eponym`` clinical eponyms, named tools and guidelines (Parkinson's disease, Miller blade, Fraser
    guidelines, in ``keep``); ``none.score`` GCS 14/15, pain 5/10, NEWS2 score 7; ``none.obs`` BP 136/69,
    sats 94%; ``none.dose`` 5 mg, 10 units; ``none.time`` 14:30, 0930; ``none.duration`` for 5/7, 2/52;
    ``none.ward`` Elizabeth Ward, St Mary's; ``none.drug`` drug names; ``none.device`` device lot, batch and
    model codes; ``none.bed`` bed 12, bay 3; ``none.count`` counts ("x3 attempts", "2 of 4 pumps");
    ``none.role`` staff roles with no name ("informed the SHO", "bleeped the reg"); ``none.hospital``
    hospital names (Leeds General Infirmary, Addenbrooke's); ``none.name_word`` capitalised words that are
    also given names ("Will review", "Rose from chair", "Frank haematuria") and named devices (Sara Stedy).

Every generated case may also carry a neutral context sentence before or after (some with an eponym or
score: those go in ``keep``). Scoring (:func:`evaluate`): an identifier is found when the predicted spans
together cover every non-space character of it, whatever their type (a leak is a leak); "typed" recall
asks for spans of the identifier's own type. Precision counts predicted spans that overlap no planted
identifier as false positives.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incident_lm.deid.structured import nhs_number_valid

HARD_CASES = Path(__file__).resolve().with_name("evalset_hard.jsonl")
#: A blind set (same format as the hard cases): 186 reports written by someone who had not seen the rules or
#: the other sets, split in two by a hash of each text. The rules were changed once on the misses of the
#: ``dev`` half; the ``heldout`` half's misses have never been read, only its figures, so it is the one honest
#: measurement of forms nobody wrote patterns for. Keep it that way: change rules on dev misses only.
BLIND_DEV = Path(__file__).resolve().with_name("evalset_blind_dev.jsonl")
BLIND_HELDOUT = Path(__file__).resolve().with_name("evalset_blind_heldout.jsonl")

#: Targets of :func:`evaluate` (structured = every type but PERSON, pooled).
TARGETS: dict[str, float] = {"structured_recall": 0.99, "name_recall": 0.95, "precision": 0.95, "eponyms": 0}


@dataclass(frozen=True)
class Identifier:
    """A planted identifier: ``text[start:end]`` is its written form (``value``, when known)."""

    start: int
    end: int
    type: str
    form: str
    value: str = field(default="", compare=False)


@dataclass
class Case:
    """One evaluation text, its planted identifiers and the substrings that must not be redacted.

    ``form`` names how the case was made (a generated form id, ``none.*`` for negative cases, ``hard``).
    """

    text: str
    identifiers: list[Identifier]
    keep: list[str]
    form: str = ""


# ---- word lists (written for this module) ------------------------------------------------------
GIVEN = ("Amelia", "Oliver", "Priya", "Mohammed", "Chloe", "Kwame", "Aisha", "Tomasz", "Grace", "Daniel",
         "Fatima", "Liam", "Ngozi", "Harriet", "Rhys", "Sinead", "Yusuf", "Megan", "Arjun", "Eleanor",
         "Callum", "Bethany", "Hamza", "Nia", "Declan", "Imogen", "Kemi", "Joseph", "Sana", "Owen", "Leah",
         "Dmitri", "Precious", "Aled", "Maryam", "Connor", "Farah", "Ruth", "Tariq", "Ewa", "Benedict",
         "Shanice", "Ravi", "Isla", "Femi", "Gwen", "Hassan", "Orla", "John", "Jane", "Kemal", "Bronwen")
SURNAMES = ("Okonkwo", "Kowalczyk", "Patel", "Begum", "Adeyemi", "Haddad", "Nguyen", "Thompson", "Evans",
            "Chaudhry", "Mensah", "O'Neill", "McAllister", "Robertson", "Jaworski", "Hussain", "Clarke",
            "Achterberg", "Osei", "Lindqvist", "Rahman", "Hughes", "Pritchard", "Kaur", "Sokolova",
            "Fitzgerald", "Abiodun", "Whitfield", "Nakamura", "Balogun", "Quigley", "Ahmed", "Cartwright",
            "Mwangi", "Szymanski", "Davies", "Llewellyn", "Baptiste", "Oyelaran", "Henderson", "Greenhalgh",
            "Iqbal", "Kilbride", "Varga", "Ferreira", "Townsend", "Obi", "Smith", "Khan", "Jones")
NON_ASCII_GIVEN = ("Zo\u00eb", "Jos\u00e9", "\u0141ukasz", "Siobh\u00e1n", "Se\u00e1n", "Ma\u0142gorzata",
                   "S\u00f8ren", "Bj\u00f6rn", "Chlo\u00eb", "Ren\u00e9e", "Fran\u00e7ois", "In\u00e9s",
                   "Ji\u0159\u00ed", "Ay\u015fe", "G\u00f6khan", "\u00d6mer",
                   "R\u0103zvan", "D\u00f3ra", "M\u00e1ire", "Ra\u00fal")
NON_ASCII_SURNAMES = ("\u00d3 S\u00failleabh\u00e1in", "Wi\u015bniewski", "Nic Aodha", "N\u00fa\u00f1ez",
                      "M\u00fcller", "Gon\u00e7alves", "Kova\u010d", "Dvo\u0159\u00e1k", "\u00d8vergaard",
                      "\u015eahin", "\u00d6zt\u00fcrk", "P\u00e9rez", "N\u00ed Bhriain", "L\u00e9vesque",
                      "Cz\u0119stochowska", "Szab\u00f3", "Ni\u00f1o", "Br\u00e4nnstr\u00f6m")
HYPHEN_GIVEN = ("Anna-Marie", "Mary-Kate", "Jean-Paul", "Lily-Mae", "Abdul-Rahman", "Sarah-Jane",
                "Ellie-Rose")
HYPHEN_SURNAMES = ("Smith-Jones", "Ellis-Brown", "Okafor-Reid", "Hughes-Patel", "Lloyd-Evans",
                   "Campbell-Ncube", "Ward-Thomas", "Ahmed-Hussain")
STREETS = ("Acacia Avenue", "High Street", "Station Road", "Mill Lane", "Park Crescent", "Church Road",
           "Victoria Street", "Oak Close", "Manor Way", "Chapel Lane", "Queens Drive", "Elm Grove",
           "Windsor Terrace", "Beech Court", "Meadow View", "Albert Road", "Springfield Gardens",
           "Hawthorn Rise", "Cemetery Road", "Greenhill Walk")
TOWNS = ("Leeds", "Bradford", "Sheffield", "York", "Wakefield", "Halifax", "Oldham", "Croydon", "Luton",
         "Derby", "Swindon", "Wrexham")
OUTWARD = ("SW1A", "M1", "B33", "LS6", "CR2", "EH1", "W1A", "N1C", "EC1A", "BS8", "L1", "G2", "CF10", "NE1",
           "OX3", "SE1", "E14", "BD7", "HX1", "WF1", "S10", "YO31", "M13", "LS1", "DN4", "PO16", "TR1")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
EMAIL_DOMAINS = ("nhs.net", "example.nhs.uk", "example.com", "example.org", "trust.example.nhs.uk")

#: Substrings that must survive redaction (clinical eponyms, named tools, guidelines, scores, charities).
KEEP_TERMS = (
    "Parkinson's disease", "Glasgow Coma Scale", "Miller blade", "Macintosh blade", "Fraser guidelines",
    "Gillick competence", "Marie Curie nurse", "Macmillan nurse", "Barrett's oesophagus", "Apgar score",
    "Waterlow score", "Braden scale", "Bell's palsy", "Crohn's disease", "Addison's disease",
    "Down's syndrome", "Guedel airway", "Foley catheter", "Hartmann's procedure", "Alzheimer's disease",
    "Cushing's syndrome", "Hodgkin lymphoma", "Graves' disease", "Raynaud's", "Wells score",
    "Rockwood Clinical Frailty Scale", "Bristol Stool Chart", "Caldicott Guardian", "Colles' fracture",
    "Baker's cyst", "Heimlich manoeuvre", "Trendelenburg position", "Ryles tube", "Hickman line",
    "Yankauer sucker", "Thomas splint", "Kussmaul breathing", "Cheyne-Stokes breathing",
    "Wernicke's encephalopathy", "Guillain-Barr\u00e9 syndrome", "Huntington's disease", "Paget's disease",
    "Stevens-Johnson syndrome", "Braxton Hicks", "Bishop score", "Abbey pain scale", "Morse fall scale",
    "modified Rankin scale", "Gleason score", "Child-Pugh score", "Ottawa ankle rules", "Jehovah's Witness",
    "Murphy's sign", "Allen's test", "Mallampati", "Cormack-Lehane grade 3", "Seldinger technique",
    "Bair Hugger", "Hudson mask", "Venturi mask", "Doppler", "Sengstaken tube", "Epley manoeuvre",
    "Whipple's procedure", "Hirschsprung's disease", "Duchenne muscular dystrophy", "Korsakoff syndrome",
    "Apgar", "Waterlow", "Braden", "Crohn's", "Addison's", "Hartmann's", "Glasgow-Blatchford score",
    "Sue Ryder", "Tourette's", "Asperger's", "Pavlik harness", "Mantoux test", "Kernig's sign",
    "Sara Stedy", "Marie Stopes", "Addenbrooke's", "Great Ormond Street",
)
_KEEP_SORTED = tuple(sorted(set(KEEP_TERMS), key=len, reverse=True))

#: Neutral sentences put before or after a case (those with a keep term test that it survives next to one).
CONTEXT = (
    "Datix completed and ward manager aware.", "No harm caused.",
    "Pt has a background of Parkinson's disease.",
    "Waterlow score 18 on admission.", "NEWS2 score 3 at the time.", "Family aware.",
    "Incident escalated to the NIC.", "Pt has Down's syndrome and was accompanied by a carer.",
    "GCS 15/15 throughout.", "Foley catheter in situ.", "Duty of candour discussed.",
    "Known Crohn's disease, on azathioprine.", "Bed rails in place.", "Obs within normal limits.",
    "Reported on the night shift.", "Pt is a Jehovah's Witness and declined blood products.",
    "Glasgow Coma Scale documented hourly.", "Pt uses a Hudson mask at 4L.", "Low harm.",
    "Safeguarding team informed.", "Bristol Stool Chart not completed.",
)


# ---- value makers ------------------------------------------------------------------------------
def random_nhs_number(rng: random.Random) -> str:
    """A random 10-digit string that passes the NHS Modulus 11 check."""
    while True:
        head = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = 11 - sum(d * w for d, w in zip(head, range(10, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        digits = "".join(map(str, head)) + str(0 if check == 11 else check)
        assert nhs_number_valid(digits)
        return digits


def _nhs(sep: str | tuple[str, str]) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        d = random_nhs_number(rng)
        a, b = (sep, sep) if isinstance(sep, str) else sep
        return d[:3] + a + d[3:6] + b + d[6:]
    return make


def _nhs_mixed(rng: random.Random) -> str:
    d = random_nhs_number(rng)
    a, b = rng.choice([(" ", "-"), ("-", " "), (" ", "."), (".", " "), ("-", "/"), (" ", ""), ("", " ")])
    return d[:3] + a + d[3:6] + b + d[6:]


def _nhs_any(rng: random.Random) -> str:
    return _nhs(rng.choice(["", " ", " ", "-"]))(rng)


# phone ranges: (area code without the trunk 0, groups of the subscriber number)
def _phone_parts(rng: random.Random) -> tuple[str, list[str]]:
    k = rng.randrange(5)
    n3, n4 = f"{rng.randint(0, 999):03d}", f"{rng.randint(0, 999):03d}"
    if k == 0:
        return "7700", ["900" + n3]
    if k == 1:
        return "1632", ["960" + n3]
    if k == 2:
        return "20", ["7946", "0" + n4]
    return ("113" if k == 3 else "161"), ["496", "0" + n4]


def _phone(style: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        area, rest = _phone_parts(rng)
        national = ["0" + area, *rest]
        if style == "spaced":
            return " ".join(national)
        if style == "unspaced":
            return "".join(national)
        if style == "dashes":
            return "-".join(national)
        if style == "dots":
            return ".".join(national)
        if style == "intl":
            return "+44 " + " ".join([area, *rest])
        if style == "intl_zero":
            return "+44 (0)" + " ".join([area, *rest])
        if style == "0044":
            return rng.choice(["0044 ", "0044 ", "0044"]) + " ".join([area, *rest])
        if style == "brackets":
            return f"(0{area}) " + " ".join(rest)
        if style == "ext":
            ext = rng.choice(["ext ", "ext. ", "Ext ", "x", "extn "]) + str(rng.randint(1000, 9999))
            return " ".join(national) + " " + ext
        raise ValueError(style)
    return make


def _postcode(style: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        out = rng.choice(OUTWARD)
        inward = str(rng.randint(0, 9)) + rng.choice(_INWARD_LETTERS) + rng.choice(_INWARD_LETTERS)
        pc = f"{out} {inward}"
        if style == "lower":
            return pc.lower()
        if style == "mixed":
            while True:
                mixed = "".join(c.lower() if c.isalpha() and rng.random() < 0.5 else c for c in pc)
                if mixed != mixed.upper() and mixed != mixed.lower():
                    return mixed
        if style == "nospace":
            return out + inward
        if style == "double_space":
            return f"{out}  {inward}"
        return pc
    return make


def _dmy(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(1, 28), rng.randint(1, 12), rng.randint(1925, 2024)


def _ordinal(d: int) -> str:
    return f"{d}{'th' if 10 <= d % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"


def _date(style: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        d, m, y = _dmy(rng)
        mon = _MONTHS[m - 1]
        if style == "slash":
            return f"{d:02d}/{m:02d}/{y}"
        if style == "slash_short":
            return f"{d}/{m}/{y % 100:02d}"
        if style == "dots":
            return f"{d:02d}.{m:02d}.{y}"
        if style == "dashes":
            return f"{d:02d}-{m:02d}-{y}"
        if style == "iso":
            return f"{y}-{m:02d}-{d:02d}"
        if style == "written":
            return f"{d} {rng.choice([mon, mon[:3]]) if m != 5 else mon} {y}"
        if style == "ordinal_of":
            return f"{_ordinal(d)} of {mon} {y}"
        if style == "month_first":
            return f"{mon} {_ordinal(d)} {y}"
        if style == "compact":
            return f"{d:02d}{rng.choice([mon[:3], mon[:3].upper()])}{y}"
        if style == "dash_month":
            return f"{d}-{rng.choice([mon[:3], mon[:3].upper()])}-{y % 100:02d}"
        if style == "digits":
            return f"{d:02d}{m:02d}{y}"
        if style == "short_dots":
            return f"{d}.{m}.{y % 100:02d}"
        raise ValueError(style)
    return make


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(n))


def _email(style: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        first, last = rng.choice(GIVEN).lower(), rng.choice(SURNAMES).lower().replace("'", "")
        local_sep = rng.choice([".", ".", "_", ""])
        local = first + local_sep + last + (str(rng.randint(1, 99)) if rng.random() < 0.2 else "")
        domain = rng.choice(EMAIL_DOMAINS)
        if style == "plain":
            return f"{local}@{domain}"
        if style == "upper":
            return f"{local}@{domain}".upper()
        if style == "words":
            return f"{local} at {domain.replace('.', ' dot ')}"
        if style == "brackets":
            return f"{local}[at]{domain.replace('.', '[dot]')}"
        if style == "paren_at":
            return f"{local} (at) {domain}"
        if style == "all_words":
            return f"{first} dot {last} at {domain.replace('.', ' dot ')}"
        raise ValueError(style)
    return make


def _address(style: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        n, street = rng.randint(1, 240), rng.choice(STREETS)
        if style == "street":
            return f"{n} {street}"
        if style == "flat":
            return f"Flat {rng.randint(1, 30)}, {n} {street}"
        if style == "letter":
            return f"{n}{rng.choice('abcAB')} {street}"
        if style == "town":
            return f"{n} {street}, {rng.choice(TOWNS)}"
        if style == "apartment":
            return f"Apartment {rng.randint(1, 60)}, {n} {street}"
        raise ValueError(style)
    return make


_ONSETS = ("b", "br", "d", "dr", "f", "g", "gr", "k", "kl", "l", "m", "n", "p", "r", "s", "st", "t", "tr",
           "v", "w", "z", "h", "j", "ch", "sh", "th")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "ea", "y")
_CODAS = ("", "", "n", "r", "l", "k", "m", "s", "nd", "rk", "st", "th", "x", "v")
_SUFFIXES = ("", "", "", "ova", "ski", "son", "wick", "ley", "ani", "enko")


def syllable_surname(rng: random.Random) -> str:
    """A made-up surname from syllables (in no name list)."""
    word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(rng.choice((2, 2, 3))))
    return (word + rng.choice(_SUFFIXES)).capitalize()


# ---- templates ---------------------------------------------------------------------------------
# "{x}" is the identifier; "{t}" a title (PERSON forms only).
T_NHS = (
    "Pt's NHS no {x} was written on the wrong wristband.",
    "Wristband showed NHS number {x} but the drug chart had a different number.",
    "Label printed with {x} and stuck on the wrong pt's notes.",
    "Request form had NHS number {x}; sample rejected by lab as details did not match.",
    "Pt identified using NHS No. {x} at handover but name misspelt on EPR.",
    "Discharge letter sent to GP quoting {x}, which belongs to another patient.",
    "NHS {x} checked against wristband before transfusion, did not match the blood bank record.",
    "Scanned wristband ({x}) and the EPR opened a different patient.",
)
T_NHS_COLON = ("Referral received NHS no: {x} - no allergies documented.",
               "Bloods labelled NHS no:{x} but the sample was from bed 6.",
               "Fax from GP: NHS No: {x}, meds list incomplete.")
T_NHS_HASH = ("Pt NHS#{x} given wrong dose of enoxaparin.", "Re NHS #{x} - wristband missing on arrival.",
              "Datix for NHS#{x}: fall in bathroom.")
T_NHS_LOWER = ("pt nhs number {x} not on the referral so appt delayed.",
               "nhs no {x} entered twice on the system, duplicate record created.",
               "checked nhs number {x} with pt at bedside, did not match label.")
T_PHONE = (
    "Tried to call NOK on {x} but no answer, message left.",
    "Daughter's mobile {x} recorded on the wrong patient's record.",
    "Pharmacy can be contacted on {x} for advice.",
    "GP surgery rang from {x} to query the discharge meds.",
    "Voicemail left for pt on {x} to rearrange appointment.",
    "Wife gave contact number {x} at admission, number on EPR was incorrect.",
    "Bleeped on-call and was told to ring {x}.",
    "Tel: {x} - son to be contacted if any change.",
)
T_POSTCODE = (
    "Ambulance sent to {x} instead of the patient's new address.",
    "Pt lives at {x}, letter went to old address.",
    "Postcode {x} entered on the referral was wrong so DNs could not find the house.",
    "Home visit booked for {x}; patient had moved.",
    "Transport booked to {x} but pt had been discharged to a care home.",
)
T_DATE = (
    "Pt's date of birth recorded as {x} on the wristband, EPR differs.",
    "Admitted on {x} with a fall at home.",
    "Medication last given on {x} according to the chart.",
    "Incident occurred on {x} on the night shift.",
    "Pt born {x}, confirmed with NOK.",
    "Appointment letter dated {x} sent to the wrong address.",
    "Wrong DOB {x} on the request form so bloods rejected.",
    "Seen in clinic {x} and follow up never booked.",
)
T_DOB = ("DOB {x} on the label did not match EPR.", "D.O.B. {x} wrong on referral letter.",
         "Pt dob {x}, name spelt wrong on wristband.")
T_DOB_NOSPACE = ("Label read DOB:{x} which is the mother's DOB.", "Wristband DOB:{x} - pt says incorrect.")
T_DOB_DOTS = ("dob {x} on the form, pt is actually 20 yrs younger.", "pt's dob {x} not checked before scan.")
T_HOSP = {
    "mrn": ("MRN {x} on the specimen label did not match the request form.",
            "Pt's MRN {x} entered into the wrong record."),
    "mrn_prefix": ("MRN: {x} - duplicate record found on PAS.", "Scan requested under MRN: {x} in error."),
    "hospital_number": ("Notes filed under hospital number {x} which is another pt.",
                        "hospital number {x} written on the drug chart was wrong."),
    "inner_spaces": ("hosp no. {x} on label, does not match wristband.",
                     "Bloods sent with hosp no. {x} and no name."),
    "trust_dash": ("Notes for {x} found in the wrong pt's folder.", "Results filed against {x} in error."),
    "unit_no": ("unit no {x} on the prescription chart was for a different patient.",
                "X-ray requested on unit no {x} in error."),
    "trust_id": ("Trust ID {x} used for two different patients.",
                 "Pt's Trust ID {x} was not on the theatre list."),
}
T_EMAIL = (
    "Discharge summary emailed to {x} in error instead of the GP practice.",
    "Results sent to {x}, which is a personal address.",
    "Pt asked for letters to go to {x}.",
    "Referral forwarded to {x} by mistake.",
    "Contact the ward manager at {x} for the statement.",
)
T_ADDRESS = (
    "Ambulance crew went to {x} but pt had moved.",
    "DN visited {x} and found the key safe code did not work.",
    "Pt's home address recorded as {x}; letters went to the previous address.",
    "Fell at home ({x}) and lay on floor approx 6 hrs.",
    "Transport dropped pt at {x}, which was the wrong house.",
)
T_PERSON = (
    "Pt {x} was found on the floor by the HCA.",
    "Spoke to {x} (daughter) who was upset she was not informed.",
    "Seen by {x}, SHO on call, at 03:00.",
    "Handed over to {x} at 19:30.",
    "Informed {x}, NIC, of the omitted dose.",
    "Patient {x} given the wrong meds in bay 2.",
    "Bleeped {x} re low BM, no answer for 40 mins.",
)
T_TITLE = (
    "Pt reviewed by {t} {x} who prescribed IV abx.", "Bleeped {t} {x} at 02:15 re NEWS 7.",
    "{t} {x} informed of the fall.", "Pt's wife {t} {x} asked why meds were late.",
    "Discussed with {t} {x} on the phone.",
)
T_CUE = (
    "pt {x} found on floor next to bed.", "patient {x} was given paracetamol twice.",
    "Spoke to {x} on the phone to update.", "informed {x} of the error and apologised.",
    "called {x} to come in, no answer.",
)
T_RECORD = ("Label read {x} but pt in bed 4 is someone else.", "Notes labelled {x} found in bay 4.",
            "Drug chart for {x} left at the nurses' station.")
T_SHOUTED = ("PT FELL IN BAY 3, SEEN BY DR {x}.", "SPOKE TO {x} (SON) RE DISCHARGE.",
             "NURSE {x} WITNESSED THE FALL, NO INJURY.", "MEDS GIVEN LATE, {x} INFORMED.")

Maker = Callable[[random.Random], tuple[str, str, list[str]]]
"""A form's maker: rng -> (template with "{x}", value, extra keep strings)."""


def _plain(make: Callable[[random.Random], str], templates: Sequence[str]) -> Maker:
    def maker(rng: random.Random) -> tuple[str, str, list[str]]:
        return rng.choice(templates), make(rng), []
    return maker


def _nhs_cue(templates: Sequence[str]) -> Maker:
    return _plain(_nhs_any, templates)


def _hosp_value(kind: str, rng: random.Random) -> str:
    if kind == "mrn":
        return _digits(rng, rng.choice((7, 8)))
    if kind == "mrn_prefix":
        return rng.choice(["RX", "RTH", "RM", "R0A"]) + _digits(rng, 7)
    if kind == "hospital_number":
        return rng.choice("ABCDKMSTX") + _digits(rng, 6)
    if kind == "inner_spaces":
        return f"{_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 3)}"
    if kind == "trust_dash":
        return rng.choice(["RTH", "RXF", "RR8", "RWA", "RJ1"]) + "-" + _digits(rng, 7)
    if kind == "unit_no":
        return rng.choice("KJMS") + _digits(rng, 7)
    if kind == "trust_id":
        return "00" + _digits(rng, 8)
    raise ValueError(kind)


def _hosp(kind: str) -> Maker:
    def maker(rng: random.Random) -> tuple[str, str, list[str]]:
        return rng.choice(T_HOSP[kind]), _hosp_value(kind, rng), []
    return maker


def _full_name(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"


def _title_dot(rng: random.Random) -> tuple[str, str, list[str]]:
    if rng.random() < 0.7:
        t, name = rng.choice(["Dr.", "Mrs.", "Mr.", "Ms.", "Prof.", "Dr."]), rng.choice(SURNAMES)
    else:
        t, name = rng.choice(["Dr.", "Prof."]), _full_name(rng)
    return rng.choice(T_TITLE).replace("{t}", t), name, []


def _lower_cue(rng: random.Random) -> tuple[str, str, list[str]]:
    k = rng.randrange(3)
    if k == 0:
        return (rng.choice(["spoke to dr {x} re the missed dose.", "bleeped dr {x}, no answer.",
                            "d/w dr {x} who said to withhold."]), rng.choice(SURNAMES).lower(), [])
    if k == 1:
        return (rng.choice(["pt {x} found on floor next to bed.", "pt {x} refused obs overnight."]),
                _full_name(rng).lower(), [])
    return (rng.choice(["handed over to {x} at 20:00.", "informed {x} (NIC) at 22:00."]),
            rng.choice(GIVEN).lower(), [])


def _non_ascii(rng: random.Random) -> tuple[str, str, list[str]]:
    given = rng.choice(NON_ASCII_GIVEN + GIVEN[:10])
    name = f"{given} {rng.choice(NON_ASCII_SURNAMES)}"
    return rng.choice(T_PERSON + T_CUE), name, []


def _hyphenated(rng: random.Random) -> tuple[str, str, list[str]]:
    given = rng.choice(HYPHEN_GIVEN + GIVEN[:10])
    return rng.choice(T_PERSON + T_CUE), f"{given} {rng.choice(HYPHEN_SURNAMES)}", []


def _initials(rng: random.Random) -> tuple[str, str, list[str]]:
    a, b = rng.choice("ABCDEFGHJKLMNPRST"), rng.choice("ABCDEFGHJKLMNPRST")
    surname = rng.choice(SURNAMES)
    name = rng.choice([f"{a}. {b}. {surname}", f"{a}.{b}. {surname}", f"{a}. {surname}",
                       f"{a}.{b}.{surname}"])
    return rng.choice(T_PERSON + T_CUE), name, []


def _after_cue(rng: random.Random) -> tuple[str, str, list[str]]:
    return rng.choice(T_CUE), _full_name(rng), []


def _rare(rng: random.Random) -> tuple[str, str, list[str]]:
    if rng.random() < 0.4:
        t = rng.choice(["Dr", "Mrs", "Mr", "Ms", "Sister", "Nurse"])
        return rng.choice(T_TITLE).replace("{t}", t), syllable_surname(rng), []
    return rng.choice(T_PERSON + T_CUE), f"{rng.choice(GIVEN)} {syllable_surname(rng)}", []


def _record(rng: random.Random) -> tuple[str, str, list[str]]:
    surname = rng.choice(SURNAMES + (syllable_surname(rng),)).upper()
    return rng.choice(T_RECORD), f"{surname}, {rng.choice(GIVEN)}", []


def _shouted(rng: random.Random) -> tuple[str, str, list[str]]:
    name = rng.choice(SURNAMES) if rng.random() < 0.6 else _full_name(rng)
    return rng.choice(T_SHOUTED), name.upper(), []


# ---- negative cases ----------------------------------------------------------------------------
T_EPONYM = (
    "Pt with {x} fell while mobilising to the toilet.", "Known {x}, meds given late on the ward.",
    "Anaesthetist used a {x} after two failed attempts.", "Assessed using the {x} and documented.",
    "Staff followed {x} when the 15 yr old asked for contraception.", "{x} requested for end of life care.",
    "Background of {x}, not on the handover sheet.", "Referred under {x} after review.",
)
_EPONYM_BY_TEMPLATE: dict[int, tuple[str, ...]] = {
    0: ("Parkinson's disease", "Down's syndrome", "Huntington's disease", "Alzheimer's disease",
        "Guillain-Barr\u00e9 syndrome", "Korsakoff syndrome", "Duchenne muscular dystrophy"),
    1: ("Addison's disease", "Crohn's disease", "Barrett's oesophagus", "Cushing's syndrome", "Bell's palsy",
        "Graves' disease", "Paget's disease", "Hodgkin lymphoma", "Raynaud's", "Tourette's"),
    2: ("Miller blade", "Macintosh blade", "Guedel airway", "Yankauer sucker", "Bair Hugger", "Hudson mask",
        "Venturi mask", "Foley catheter", "Hickman line", "Sengstaken tube", "Thomas splint",
        "Pavlik harness"),
    3: ("Waterlow score", "Braden scale", "Glasgow Coma Scale", "Abbey pain scale", "Morse fall scale",
        "Wells score", "Rockwood Clinical Frailty Scale", "Bristol Stool Chart", "Apgar score",
        "modified Rankin scale", "Ottawa ankle rules", "Bishop score", "Glasgow-Blatchford score"),
    4: ("Fraser guidelines", "Gillick competence"),
    5: ("Marie Curie nurse", "Macmillan nurse", "Sue Ryder"),
    6: ("Hartmann's procedure", "Whipple's procedure", "Colles' fracture", "Baker's cyst",
        "Stevens-Johnson syndrome", "Wernicke's encephalopathy", "Kussmaul breathing",
        "Cheyne-Stokes breathing", "Hirschsprung's disease"),
    7: ("Caldicott Guardian",),
}


def _eponym(rng: random.Random) -> tuple[str, str, list[str]]:
    k = rng.randrange(len(T_EPONYM))
    value = rng.choice(_EPONYM_BY_TEMPLATE[k])
    return T_EPONYM[k], value, [value]


#: Sentences with capitalised words that are also given names, or named devices and services (no identifier).
NAME_WORDS = (
    "Will review pt in the morning.", "Hope to discharge tomorrow if bloods ok.",
    "RAG rated Amber by the matron.", "Sister informed and Datix completed.",
    "Doctor informed, no new orders.",
    "Rose from chair unaided then fell backwards.", "Frank haematuria noted post TURP, reg not bleeped.",
    "Pt transferred using the Sara Stedy by one HCA alone.",
    "Faith leader (chaplain) visited at pt's request.", "Matron informed, Will discuss at the safety huddle.",
    "Patient Advice and Liaison Service contacted by NOK.",
    "Pt referred to Marie Stopes by GP, referral letter lost.", "Grace period for the CD book audit missed.",
    "Carer said Pt Reported Pain In Left Hip.", "Nurse In Charge Not Informed Until Handover.",
    "Bill for the private room sent to the wrong pt.", "Red mark on the heel, Waterlow score 16.",
    "Summer heat on the ward, fridge temp 9C so insulin discarded.",
    "Dawn shift handover missed the falls risk.",
)
_HOSPITALS = ("St James's University Hospital", "Leeds General Infirmary", "the Royal Victoria Infirmary",
              "Queen Elizabeth Hospital", "Addenbrooke's", "Great Ormond Street", "the Northern General",
              "Pinderfields", "Airedale", "Calderdale Royal", "the Princess Royal", "Royal Stoke",
              "St Thomas'", "the Christie")


def _name_words(rng: random.Random) -> tuple[str, str, list[str]]:
    return "{x}", rng.choice(NAME_WORDS), []


def _neg(templates: Sequence[str], values: Callable[[random.Random], str]) -> Maker:
    def maker(rng: random.Random) -> tuple[str, str, list[str]]:
        return rng.choice(templates), values(rng), []
    return maker


def _choice(*values: str) -> Callable[[random.Random], str]:
    return lambda rng: rng.choice(values)


def _score(rng: random.Random) -> str:
    return rng.choice([f"GCS {rng.randint(3, 15)}/15", f"pain {rng.randint(0, 10)}/10",
                       f"pain score {rng.randint(1, 10)}/10", f"NEWS2 score {rng.randint(0, 12)}",
                       f"NEWS {rng.randint(0, 12)}", f"MEWS {rng.randint(0, 9)}", f"CFS {rng.randint(1, 9)}",
                       f"MUST score {rng.randint(0, 4)}", f"AMTS {rng.randint(0, 10)}/10",
                       f"4AT score {rng.randint(0, 12)}", f"E{rng.randint(1, 4)}V{rng.randint(1, 5)}M6"])


def _obs(rng: random.Random) -> str:
    return rng.choice([f"BP {rng.randint(85, 190)}/{rng.randint(40, 110)}", f"sats {rng.randint(82, 100)}%",
                       f"HR {rng.randint(40, 160)}", f"RR {rng.randint(8, 36)}",
                       f"temp 3{rng.randint(5, 9)}.{rng.randint(0, 9)}",
                       f"BM {rng.randint(1, 30)}.{rng.randint(0, 9)}",
                       f"weight {rng.randint(40, 140)}.{rng.randint(0, 9)}kg",
                       f"Hb {rng.randint(60, 150)}", f"K+ {rng.randint(2, 7)}.{rng.randint(0, 9)}",
                       f"INR {rng.randint(1, 8)}.{rng.randint(0, 9)}"])


def _dose(rng: random.Random) -> str:
    return rng.choice([f"{rng.choice([2.5, 5, 10, 20, 40])} mg", f"{rng.randint(2, 40)} units",
                       f"{rng.choice([250, 500])}mg", f"{rng.choice([62.5, 125, 500])} micrograms",
                       f"{rng.choice([1, 2])}g IV", f"{rng.choice([0.5, 1, 2, 5])} ml/hr",
                       f"{rng.randint(1, 4)} x {rng.choice([5, 10, 30])}mg tabs",
                       f"{rng.choice([40, 80])}mg/kg"])


def _time(rng: random.Random) -> str:
    h, m = rng.randint(0, 23), rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
    return rng.choice([f"{h:02d}:{m:02d}", f"{h:02d}{m:02d}", f"{h:02d}{m:02d}hrs", f"{h:02d}.{m:02d}",
                       f"{h:02d}:{m:02d}h"])


def _duration(rng: random.Random) -> str:
    return rng.choice([f"for {rng.randint(1, 14)}/7", f"{rng.randint(1, 12)}/52", f"{rng.randint(1, 11)}/12",
                       f"day {rng.randint(1, 10)} post-op", f"{rng.randint(1, 6)}/7 ago",
                       f"{rng.randint(2, 48)} hrs", f"{rng.randint(6, 40)}+{rng.randint(0, 6)} weeks"])


def _device(rng: random.Random) -> str:
    device = rng.choice(["infusion pump", "syringe driver", "glucometer", "suction unit", "BiPAP machine",
                         "cannula", "catheter pack", "ETT", "hoist", "defibrillator"])
    code = rng.choice([f"lot {_digits(rng, 2)}{_letters(rng, 1)}{_digits(rng, 3)}",
                       f"batch {_letters(rng, 1)}{_digits(rng, 4)}",
                       f"REF {_digits(rng, 4)}-{_digits(rng, 2)}",
                       f"model {_letters(rng, 2)}{_digits(rng, 2)}", f"asset no {_digits(rng, 5)}",
                       f"software v{rng.randint(1, 9)}.{rng.randint(0, 9)}",
                       f"size {rng.choice(['7.0', '8.0'])}",
                       f"serial {_letters(rng, 2)}{_digits(rng, 6)}"])
    return rng.choice([f"{device} ({code})", f"{device} {code}", f"{device}, {code},"])


def _count(rng: random.Random) -> tuple[str, str, list[str]]:
    k = rng.randrange(5)
    if k == 0:
        return "Cannulation took {x} before success.", rng.choice([f"x{rng.randint(2, 5)} attempts",
                                                                   f"{rng.randint(2, 6)} attempts"]), []
    if k == 1:
        return "Only {x} on shift for the bay overnight.", rng.choice(
            [f"{rng.randint(2, 9)} staff", f"{rng.randint(1, 3)} HCA and {rng.randint(1, 4)} RNs",
             f"{rng.randint(1, 2)} RN for {rng.randint(8, 14)} pts"]), []
    if k == 2:
        return "{x} were alarming at the same time.", f"{rng.randint(1, 3)} of {rng.randint(4, 6)} pumps", []
    if k == 3:
        return "Pt received {x} without a second check.", rng.choice(
            [f"{rng.randint(1, 4)} units of blood", f"{rng.randint(50, 1000)} ml of fluid"]), []
    return "Call bell rang {x} before it was answered.", f"{rng.randint(2, 6)} times", []


T_NEG = {
    "score": ("Pt drowsy, {x}, doctor not informed for 2 hrs.", "On arrival {x}, escalated to outreach.",
              "Obs showed {x} but not escalated."),
    "obs": ("{x} at 02:00 and not escalated.", "Pt unwell, {x}, outreach bleeped.",
            "Noted {x} on the obs chart."),
    "dose": ("Pt given {x} instead of the prescribed dose.", "Prescribed {x} but chart unclear.",
             "{x} drawn up and not checked by second nurse."),
    "time": ("Pt found on floor at {x} by the HCA.", "Dose due at {x} was given late.",
             "Call bell answered at {x}, pt already on floor."),
    "duration": ("Cannula in situ {x} without review.", "Pt had not opened bowels {x}.",
                 "Catheter not changed, in {x}."),
    "ward": ("Pt transferred to {x} without a handover.", "Bed found on {x} at 23:00.",
             "Moved from {x} to the discharge lounge."),
    "drug": ("{x} omitted as not on the ward.", "Pt given {x} despite allergy documented.",
             "Two strengths of {x} stored together in the CD cupboard."),
    "device": ("Faulty {x} quarantined and reported to MHRA.", "Alarm on {x} did not sound.",
               "The {x} was found faulty and sent to EBME."),
    "bed": ("Pt in {x} fell while trying to get to the toilet.", "Wrong meds given to the pt in {x}.",
            "{x} left without a call bell."),
    "role": ("{x} and plan made.", "Pt deteriorated, {x}.", "Error noticed, {x} and Datix completed."),
    "hospital": ("Pt transferred from {x} without notes.", "Bloods sent to {x} lab in error.",
                 "Repatriation from {x} delayed by 3 days."),
}
_NEG_VALUES: dict[str, Callable[[random.Random], str]] = {
    "score": _score, "obs": _obs, "dose": _dose, "time": _time, "duration": _duration,
    "ward": _choice("Elizabeth Ward", "St Mary's", "Ward 23", "Nightingale Ward", "Victoria Wing",
                    "Rowan Unit", "Jubilee Ward", "Florence Ward", "Beatrice ward", "Churchill Theatres",
                    "St James's", "Ward 7A", "AMU", "the Lister Unit", "Holly ward", "Ward 32 (Oak)"),
    "drug": _choice("Co-amoxiclav", "Tazocin", "Oramorph", "Ondansetron", "Clexane", "Gentamicin",
                    "Levetiracetam", "Warfarin", "Madopar", "Sando-K", "Fragmin", "Zomorph", "Sinemet",
                    "Humalog Mix 25", "Lantus", "Fortisip", "Co-codamol 30/500", "Adcal-D3", "Oxynorm"),
    "device": _device,
    "bed": lambda rng: rng.choice([f"bed {rng.randint(1, 32)}",
                                   f"bay {rng.randint(1, 8)} bed {rng.randint(1, 6)}",
                                   f"side room {rng.randint(1, 12)}", f"cubicle {rng.randint(1, 20)}",
                                   f"trolley {rng.randint(1, 20)}", f"resus {rng.randint(1, 4)}",
                                   f"room {rng.randint(1, 40)}"]),
    "hospital": _choice(*_HOSPITALS),
    "role": _choice("informed the SHO", "bleeped the reg", "escalated to the NIC", "FY1 aware",
                    "discussed with the on-call consultant", "HCA informed the nurse in charge",
                    "told the site manager", "outreach nurse attended", "spoke to the pharmacist",
                    "the GP was called", "NOK informed by the staff nurse"),
}


@dataclass(frozen=True)
class Form:
    """One way of writing an identifier (``type`` is ``None`` for negative forms)."""

    id: str
    type: str | None
    make: Maker


def _forms() -> tuple[Form, ...]:
    f: list[Form] = []
    nhs = {"spaces": " ", "dashes": "-", "endash": "\u2013", "dots": ".", "slashes": "/", "plain": "",
           "double_space": "  ", "nbsp": "\u00a0", "linebreak": (" ", "\n")}
    for name, sep in nhs.items():
        f.append(Form(f"nhs.{name}", "NHS_NUMBER", _plain(_nhs(sep), T_NHS)))
    f.append(Form("nhs.mixed", "NHS_NUMBER", _plain(_nhs_mixed, T_NHS)))
    f.append(Form("nhs.cue_colon", "NHS_NUMBER", _nhs_cue(T_NHS_COLON)))
    f.append(Form("nhs.cue_hash", "NHS_NUMBER", _nhs_cue(T_NHS_HASH)))
    f.append(Form("nhs.cue_lower", "NHS_NUMBER", _nhs_cue(T_NHS_LOWER)))
    for style in ("spaced", "unspaced", "dashes", "dots", "intl", "intl_zero", "0044", "brackets", "ext"):
        f.append(Form(f"phone.{style}", "PHONE", _plain(_phone(style), T_PHONE)))
    for style in ("upper", "lower", "mixed", "nospace", "double_space"):
        f.append(Form(f"postcode.{style}", "POSTCODE", _plain(_postcode(style), T_POSTCODE)))
    for style in ("slash", "slash_short", "dots", "dashes", "iso", "written", "ordinal_of", "month_first",
                  "compact", "dash_month"):
        f.append(Form(f"date.{style}", "DATE", _plain(_date(style), T_DATE)))
    f.append(Form("date.dob_digits", "DATE", _plain(_date("digits"), T_DOB)))
    f.append(Form("date.dob_nospace", "DATE", _plain(_date("slash"), T_DOB_NOSPACE)))
    f.append(Form("date.dob_short_dots", "DATE", _plain(_date("short_dots"), T_DOB_DOTS)))
    for kind in T_HOSP:
        f.append(Form(f"hosp.{kind}", "HOSPITAL_NUMBER", _hosp(kind)))
    for style in ("plain", "upper", "words", "brackets", "paren_at", "all_words"):
        f.append(Form(f"email.{style}", "EMAIL", _plain(_email(style), T_EMAIL)))
    for style in ("street", "flat", "letter", "town", "apartment"):
        f.append(Form(f"address.{style}", "ADDRESS", _plain(_address(style), T_ADDRESS)))
    person = {"title_dot": _title_dot, "lower_cue": _lower_cue, "non_ascii": _non_ascii,
              "hyphenated": _hyphenated, "initials": _initials, "after_cue": _after_cue,
              "rare_surname": _rare, "record": _record, "shouted": _shouted}
    for name, maker in person.items():
        f.append(Form(f"person.{name}", "PERSON", maker))
    f.append(Form("none.eponym", None, _eponym))
    for name, templates in T_NEG.items():
        f.append(Form(f"none.{name}", None, _neg(templates, _NEG_VALUES[name])))
        if name == "bed":
            f.append(Form("none.count", None, _count))
    f.append(Form("none.name_word", None, _name_words))
    return tuple(f)


FORMS: tuple[Form, ...] = _forms()
#: Form id -> identifier type (``None`` for the negative ``none.*`` forms).
FORM_TYPES: dict[str, str | None] = {f.id: f.type for f in FORMS}


# ---- building cases ----------------------------------------------------------------------------
def find_keep(text: str, extra: Iterable[str] = (), avoid: Iterable[tuple[int, int]] = ()) -> list[str]:
    """The :data:`KEEP_TERMS` (and ``extra``) in ``text``, longest first, none overlapping another or a span
    of ``avoid``; matched case-insensitively, returned as written in ``text``."""
    taken = list(avoid)
    out: list[str] = []
    low = text.lower()
    for term in sorted(set(extra), key=len, reverse=True) + list(_KEEP_SORTED):
        i = low.find(term.lower())
        while i >= 0:
            j = i + len(term)
            if all(j <= s or i >= e for s, e in taken):
                taken.append((i, j))
                if text[i:j] not in out:
                    out.append(text[i:j])
            i = low.find(term.lower(), j)
    return out


def _build(form: Form, rng: random.Random) -> Case:
    template, value, keep = form.make(rng)
    before, after = template.split("{x}")
    if form.id == "person.shouted":
        before, after = before.upper(), after.upper()
    if rng.random() < 0.35 and form.id != "person.shouted":
        before = rng.choice(CONTEXT) + " " + before
    if rng.random() < 0.25 and form.id != "person.shouted":
        after = after + " " + rng.choice(CONTEXT)
    text = before + value + after
    start, end = len(before), len(before) + len(value)
    identifiers: list[Identifier] = []
    if form.type is not None:
        identifiers.append(Identifier(start, end, form.type, form.id, value))
        if text[start:end] != value:  # pragma: no cover - a bug in this module
            raise AssertionError(f"{form.id}: planted {value!r} but the span reads {text[start:end]!r}")
        if form.type == "NHS_NUMBER" and not nhs_number_valid("".join(c for c in value if c.isdigit())):
            raise AssertionError(f"{form.id}: {value!r} fails the Modulus 11 check")  # pragma: no cover
    avoid = [(i.start, i.end) for i in identifiers]
    return Case(text, identifiers, find_keep(text, keep, avoid), form.id)


def generate(seed: int = 0, per_form: int = 20) -> list[Case]:
    """``per_form`` cases of every form in :data:`FORMS` (see the module docstring), in form order.

    Deterministic for a ``seed`` (a :class:`random.Random` drives every choice); each case is one or two
    sentences of incident-report prose with the identifier planted once (none for ``none.*`` forms).
    """
    rng = random.Random(seed)
    return [_build(form, rng) for form in FORMS for _ in range(per_form)]


# ---- hand-written hard cases -------------------------------------------------------------------
def _occurrences(text: str, value: str) -> list[int]:
    """Starts of ``value`` in ``text``: first those with no letter or digit either side, then the rest."""
    starts, i = [], text.find(value)
    while i >= 0:
        starts.append(i)
        i = text.find(value, i + 1)

    def whole(s: int) -> bool:
        left = s == 0 or not text[s - 1].isalnum() or not value[0].isalnum()
        right = s + len(value) >= len(text) or not text[s + len(value)].isalnum() or not value[-1].isalnum()
        return left and right

    return [s for s in starts if whole(s)] or starts


def hard_cases(path: str | Path | None = None) -> list[Case]:
    """The hand-written hard cases (``evalset_hard.jsonl``: one JSON object a line, ``text``,
    ``identifiers`` [{value, type, form}] and ``keep``). A value repeated k times in ``identifiers`` is
    the k-th whole-word occurrence in the text; a value or keep string not in the text is a ``ValueError``."""
    path = Path(path) if path is not None else HARD_CASES
    cases: list[Case] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path.name} line {lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not JSON ({exc})") from exc
            text = obj["text"]
            seen: Counter[str] = Counter()
            identifiers = []
            for ident in obj.get("identifiers", []):
                value, typ = ident["value"], ident["type"]
                form = ident.get("form", "hard." + typ.lower())
                k = seen[value]
                seen[value] += 1
                occ = _occurrences(text, value)
                if k >= len(occ):
                    raise ValueError(f"{where}: identifier {value!r} (occurrence {k + 1}) not found in the "
                                     "text")
                identifiers.append(Identifier(occ[k], occ[k] + len(value), typ, form, value))
            keep = list(obj.get("keep", []))
            for term in keep:
                if term.lower() not in text.lower():
                    raise ValueError(f"{where}: keep string {term!r} not found in the text")
            identifiers.sort(key=lambda i: i.start)
            cases.append(Case(text, identifiers, keep, obj.get("form", "hard")))
    return cases


# ---- scoring -----------------------------------------------------------------------------------
Finder = Callable[[str], Iterable[tuple[int, int, str]]]


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _ratio(a: int, b: int) -> float | None:
    return _r(a / b) if b else None


def _snippet(text: str, s: int, e: int, width: int = 30) -> str:
    return (text[max(0, s - width):s] + "[" + text[s:e] + "]" + text[e:e + width]).replace("\n", "\\n")


def evaluate(find: Finder, cases: Sequence[Case], targets: dict[str, float] | None = None,
             n_examples: int = 25) -> dict[str, Any]:
    """Score ``find`` (text -> [(start, end, type)]) on ``cases``.

    An identifier is found (strict recall) when the predicted spans together cover every non-space character
    of it, whatever their type; "typed" recall counts only spans of its type. A predicted span overlapping no
    planted identifier is a false positive; precision = predicted spans overlapping an identifier / all
    predicted spans (``None`` with no predictions). ``tp`` and ``fp`` count predicted spans, ``fn`` the
    identifiers missed. A ``keep`` string overlapped by any predicted span counts in ``eponyms_redacted``.

    Returns
    -------
    dict
        ``n_cases``, ``n_identifiers``, ``overall`` {recall, typed_recall, precision, tp, fp, fn},
        ``by_type`` {type: {n, recall, typed_recall}}, ``by_form`` {form: {type, n, recall}} (identifier
        forms), ``eponyms_redacted`` {count, values}, ``leaking_forms`` (forms with recall < 1, worst
        first), ``targets`` {structured_recall, name_recall, precision, eponyms: {value, target, pass}}
        (structured = every type but PERSON), and for diagnosis ``fp_by_case_form`` {case form: false
        positives}, ``missed`` and ``false_positives`` (up to ``n_examples`` examples each).
    """
    targets = {**TARGETS, **(targets or {})}
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, found, typed
    by_form: dict[str, list[Any]] = {}
    fp_by_case_form: Counter[str] = Counter()
    tp = fp = 0
    epo_count, epo_values = 0, []
    missed: list[dict[str, Any]] = []
    false_pos: list[dict[str, Any]] = []
    for case in cases:
        text = case.text
        preds = sorted((int(s), int(e), str(t)) for s, e, t in find(text))
        any_cov = bytearray(len(text))
        typed_cov: dict[str, bytearray] = {}
        for s, e, t in preds:
            any_cov[s:e] = b"\x01" * (min(e, len(text)) - min(s, len(text)))
            cov = typed_cov.setdefault(t, bytearray(len(text)))
            cov[s:e] = b"\x01" * (min(e, len(text)) - min(s, len(text)))
        for ident in case.identifiers:
            chars = [i for i in range(ident.start, ident.end) if not text[i].isspace()]
            found = all(any_cov[i] for i in chars)
            tcov = typed_cov.get(ident.type)
            typed = tcov is not None and all(tcov[i] for i in chars)
            row = by_type[ident.type]
            row[0] += 1
            row[1] += found
            row[2] += typed
            frow = by_form.setdefault(ident.form, [ident.type, 0, 0])
            frow[1] += 1
            frow[2] += found
            if not found and len(missed) < n_examples:
                got = [text[s:e] for s, e, _ in preds if s < ident.end and e > ident.start]
                missed.append({"form": ident.form, "type": ident.type, "value": text[ident.start:ident.end],
                               "predicted": got, "context": _snippet(text, ident.start, ident.end)})
        for s, e, t in preds:
            if any(s < i.end and e > i.start for i in case.identifiers):
                tp += 1
            else:
                fp += 1
                fp_by_case_form[case.form] += 1
                if len(false_pos) < n_examples:
                    false_pos.append({"type": t, "text": text[s:e], "case_form": case.form,
                                      "context": _snippet(text, s, e)})
        low = text.lower()
        for term in case.keep:
            spans = []
            i = low.find(term.lower())
            while i >= 0:
                spans.append((i, i + len(term)))
                i = low.find(term.lower(), i + 1)
            if any(s < ke and e > ks for ks, ke in spans for s, e, _ in preds):
                epo_count += 1
                epo_values.append(term)
    n_ids = sum(r[0] for r in by_type.values())
    n_found = sum(r[1] for r in by_type.values())
    n_typed = sum(r[2] for r in by_type.values())
    precision = _ratio(tp, tp + fp)
    struct = [r for t, r in by_type.items() if t != "PERSON"]
    s_n, s_found = sum(r[0] for r in struct), sum(r[1] for r in struct)
    p_n, p_found = by_type["PERSON"][:2] if "PERSON" in by_type else (0, 0)
    s_rec, p_rec = _ratio(s_found, s_n), _ratio(p_found, p_n)

    def target(value: float | None, goal: float, higher: bool = True) -> dict[str, Any]:
        ok = True if value is None else (value >= goal if higher else value <= goal)
        return {"value": value, "target": goal, "pass": bool(ok)}

    forms_out = {f: {"type": r[0], "n": r[1], "recall": _ratio(r[2], r[1])}
                 for f, r in sorted(by_form.items())}
    leaking = sorted((f for f, r in forms_out.items() if r["recall"] is not None and r["recall"] < 1),
                     key=lambda f: (forms_out[f]["recall"], f))
    return {
        "n_cases": len(cases),
        "n_identifiers": n_ids,
        "overall": {"recall": _ratio(n_found, n_ids), "typed_recall": _ratio(n_typed, n_ids),
                    "precision": precision, "tp": tp, "fp": fp, "fn": n_ids - n_found},
        "by_type": {t: {"n": r[0], "recall": _ratio(r[1], r[0]), "typed_recall": _ratio(r[2], r[0])}
                    for t, r in sorted(by_type.items())},
        "by_form": forms_out,
        "eponyms_redacted": {"count": epo_count, "values": sorted(set(epo_values))},
        "leaking_forms": leaking,
        "targets": {"structured_recall": target(s_rec, targets["structured_recall"]),
                    "name_recall": target(p_rec, targets["name_recall"]),
                    "precision": target(precision, targets["precision"]),
                    "eponyms": target(epo_count, targets["eponyms"], higher=False)},
        "fp_by_case_form": dict(sorted(fp_by_case_form.items())),
        "missed": missed,
        "false_positives": false_pos,
    }


def evaluate_deidentifier(deid: Any, seed: int = 0, per_form: int = 20) -> dict[str, Any]:
    """:func:`evaluate` of ``deid.find`` on the generated set (``seed``, ``per_form``), on the hard cases and on
    the two halves of the blind set (``blind_dev``, ``blind_heldout``; see :data:`BLIND_DEV`)."""
    return {"generated": evaluate(deid.find, generate(seed, per_form)),
            "hard": evaluate(deid.find, hard_cases()),
            "blind_dev": evaluate(deid.find, hard_cases(BLIND_DEV)),
            "blind_heldout": evaluate(deid.find, hard_cases(BLIND_HELDOUT))}


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """The part of an :func:`evaluate` result kept in ``metrics/deid.json``: the figures per type and form, the
    targets, the number of eponyms redacted and the leaking forms. No text: the set's values are fictional, but
    a made-up name can be a real patient's too, and the artefact audit rightly searches every metrics file for
    the synthetic corpus's planted names."""
    keep = ("n_cases", "n_identifiers", "overall", "by_type", "by_form", "leaking_forms", "targets")
    out = {k: result[k] for k in keep if k in result}
    out["eponyms_redacted"] = result.get("eponyms_redacted", {}).get("count", 0)
    return out


def independent_evaluation(deid: Any, seed: int = 0, per_form: int = 20) -> dict[str, Any]:
    """:func:`evaluate_deidentifier` as ``metrics/deid.json["independent"]`` holds it (see :func:`summary`)."""
    return {name: summary(r) for name, r in evaluate_deidentifier(deid, seed, per_form).items()}
