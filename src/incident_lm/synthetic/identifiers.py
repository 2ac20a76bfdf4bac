"""Planted identifiers: NHS numbers, names, dates, phones, postcodes, hospital numbers, emails.

Each ``slot_*`` function has the grammar slot signature ``(stream, ctx, out)`` and
appends pieces to ``out``: surrounding words as ``str`` and the identifier itself
as a ``(value, TYPE)`` tuple, so the value's offsets can be recorded exactly.
Titles and roles ("Mrs", "staff nurse") are *not* part of a PERSON span.
"""

from __future__ import annotations

import datetime as dt

from incident_lm.synthetic.grammar import Context, Stream

IDENTIFIER_TYPES: tuple[str, ...] = ("NHS_NUMBER", "PERSON", "DATE", "PHONE", "POSTCODE", "HOSPITAL_NUMBER", "EMAIL")

FEMALE = (
    "Jane", "Sarah", "Emma", "Claire", "Margaret", "Joan", "Doreen", "Aisha", "Fatima", "Priya", "Olivia",
    "Amelia", "Chloe", "Zainab", "Agnieszka", "Chidinma", "Siobhan", "Megan", "Hannah", "Patricia", "Beryl",
    "Sandra", "Nadia", "Ewa", "Mei", "Yasmin", "Gwen", "Kathleen", "Sunita", "Abimbola", "Lorraine", "Rebecca",
)
MALE = (
    "John", "Tom", "David", "Peter", "Michael", "James", "Mohammed", "Ahmed", "Raj", "Arjun", "Oliver", "Harry",
    "George", "Kwame", "Tomasz", "Liam", "Connor", "Gareth", "Dylan", "Ravi", "Imran", "Samuel", "Kenneth",
    "Derek", "Brian", "Daniel", "Chukwuemeka", "Wei", "Ibrahim", "Stuart", "Nigel", "Callum",
)
SURNAMES = (
    "Smith", "Jones", "Taylor", "Williams", "Davies", "Evans", "Thomas", "Johnson", "Roberts", "Robinson",
    "Thompson", "Wright", "Walker", "Patel", "Khan", "Ahmed", "Hussain", "Begum", "Ali", "Singh", "Kaur", "Shah",
    "Okafor", "Mensah", "Adeyemi", "Nowak", "Kowalski", "O'Brien", "Murphy", "Kelly", "McDonald", "Campbell",
    "Stewart", "Harrison", "Clarke", "Lewis", "Jackson", "Cooper", "Edwards", "Hughes", "Morgan", "Phillips",
    "Turner", "Parker", "Collins", "Chen", "Wong", "Nguyen", "Fernandes", "Hassan", "Rahman", "Chowdhury",
    "Mistry", "Sharma", "Osei", "Boateng", "Novak", "Lindqvist", "Price", "Price-Jones", "Okonkwo", "Gallagher",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_MON = tuple(m[:3] for m in MONTHS)
_POSTCODE_AREAS = (
    "LS", "M", "B", "S", "L", "NE", "BS", "NG", "LE", "CF", "SW", "SE", "E", "N", "W", "PL", "EX", "OX", "CB",
    "YO", "HU", "BD", "HX", "WF", "DN", "ST", "CV", "WV", "PR", "BB", "BL", "OL", "SK", "WA", "CH", "TS", "DH",
    "SR", "CA", "LA", "NR", "IP", "CO", "CM", "SS", "ME", "CT", "TN", "BN", "RH", "GU", "PO", "SO", "BH", "BA",
    "TQ", "TR", "GL", "HR", "WR", "LN", "PE", "MK", "LU", "SG", "HP", "RG", "KT", "CR", "RM", "IG", "EN", "HA",
)
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_UPPER = "ABCDEFGHJKLMNPRSTUVWXYZ"


def nhs_check_digit(first9: str) -> int | None:
    """Modulus 11 check digit for nine digits; ``None`` when the number is invalid (check 10)."""
    total = sum(int(d) * w for d, w in zip(first9, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(text: str) -> bool:
    """True if ``text`` (spaces and dashes allowed) is ten digits with a valid Modulus 11 check digit."""
    digits = text.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def nhs_number(s: Stream) -> str:
    """Ten plain digits with a valid check digit (redrawn when the check would be 10)."""
    while True:
        first9 = str(4 + s.below(4)) + "".join(str(s.below(10)) for _ in range(8))
        check = nhs_check_digit(first9)
        if check is not None:
            return first9 + str(check)


def _first(s: Stream, female: bool | None = None) -> str:
    if female is None:
        female = s.u() < 0.5
    return s.pick(FEMALE if female else MALE)


def _ident(out: list, value: str, typ: str) -> None:
    out.append((value, typ))


def slot_nhs(s: Stream, ctx: Context, out: list) -> None:
    """An NHS number written spaced, dashed or plain."""
    d = nhs_number(s)
    r = s.u()
    if r < 0.5:
        value = f"{d[:3]} {d[3:6]} {d[6:]}"
    elif r < 0.7:
        value = f"{d[:3]}-{d[3:6]}-{d[6:]}"
    else:
        value = d
    _ident(out, value, "NHS_NUMBER")


def slot_pt_name(s: Stream, ctx: Context, out: list) -> None:
    """A patient's name, with or without a title."""
    sex = ctx.overrides.get("_sex", "")
    female = True if sex == "Female" else False if sex == "Male" else s.u() < 0.5
    first, last = _first(s, female), s.pick(SURNAMES)
    r = s.u()
    if r < 0.45:
        title = s.pick(("Mrs ", "Ms ", "Miss ", "Mrs ")) if female else "Mr "
        out.append(title)
        _ident(out, f"{first} {last}" if s.u() < 0.6 else last, "PERSON")
    elif r < 0.85:
        _ident(out, f"{first} {last}", "PERSON")
    elif r < 0.93:
        _ident(out, f"{first[0]}. {last}", "PERSON")
    else:
        _ident(out, f"{last.upper()}, {first}", "PERSON")


def slot_staff_name(s: Stream, ctx: Context, out: list) -> None:
    """A member of staff with role or title: "staff nurse Jane Smith", "Dr Patel"."""
    r = s.u()
    last = s.pick(SURNAMES)
    if r < 0.35:
        out.append("Dr ")
        _ident(out, last if s.u() < 0.6 else f"{_first(s)} {last}", "PERSON")
        return
    role = s.pick(("staff nurse ", "SN ", "HCA ", "nurse ", "sister ", "charge nurse ", "pharmacist ",
                   "physio ", "student nurse ", "ward manager ", "RMN ", "paramedic ", "midwife ", "FY1 "))
    out.append(role)
    r2 = s.u()
    if r2 < 0.6:
        _ident(out, f"{_first(s)} {last}", "PERSON")
    elif r2 < 0.85:
        _ident(out, _first(s), "PERSON")
    else:
        _ident(out, last, "PERSON")


def slot_relative(s: Stream, ctx: Context, out: list) -> None:
    """A relative with relationship: "daughter Sarah", "wife Margaret Jones"."""
    female = s.u() < 0.55
    rel = s.pick(("daughter ", "wife ", "mother ", "sister ", "niece ")) if female else \
        s.pick(("son ", "husband ", "father ", "brother ", "nephew "))
    out.append(rel)
    first = _first(s, female)
    _ident(out, first if s.u() < 0.5 else f"{first} {s.pick(SURNAMES)}", "PERSON")


def _date_str(d: dt.date, s: Stream, long_year: bool = True) -> str:
    r = s.u()
    if r < 0.35:
        return f"{d.day:02d}/{d.month:02d}/{d.year if long_year else d.year % 100:02d}"
    if r < 0.55:
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    if r < 0.65:
        sfx = "th" if 11 <= d.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
        return f"{d.day}{sfx} {MONTHS[d.month - 1]} {d.year}"
    if r < 0.75:
        return f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}"
    if r < 0.85:
        return f"{d.day} {_MON[d.month - 1]} {d.year}"
    if r < 0.93:
        return d.isoformat()
    return f"{d.day}/{d.month}/{d.year % 100:02d}"


def slot_dob(s: Stream, ctx: Context, out: list) -> None:
    """A date of birth with its cue: "DOB 03/04/1951", "born 3 April 1951"."""
    ref: dt.date = ctx.overrides.get("_date") or dt.date(2021, 6, 1)
    age = ctx.overrides.get("_age", 70)
    dob = ref - dt.timedelta(days=int(age * 365.25 + s.below(365)))
    r = s.u()
    if r < 0.55:
        out.append(s.pick(("DOB ", "DOB: ", "D.O.B. ", "dob ", "d.o.b ")))
        _ident(out, _date_str(dob, s), "DATE")
    elif r < 0.8:
        out.append("born ")
        sfx = "th" if 11 <= dob.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(dob.day % 10, "th")
        _ident(out, f"{dob.day} {MONTHS[dob.month - 1]} {dob.year}" if s.u() < 0.6 else
               f"{dob.day}{sfx} {MONTHS[dob.month - 1]} {dob.year}", "DATE")
    else:
        out.append("date of birth ")
        _ident(out, _date_str(dob, s), "DATE")


def slot_event_date(s: Stream, ctx: Context, out: list) -> None:
    """A calendar date near the incident: "12/03/2021", "12th March"."""
    ref: dt.date = ctx.overrides.get("_date") or dt.date(2021, 6, 1)
    d = ref + dt.timedelta(days=s.below(8) - 3)
    if s.u() < 0.2:
        sfx = "th" if 11 <= d.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
        _ident(out, f"{d.day}{sfx} {MONTHS[d.month - 1]}" if s.u() < 0.5 else f"{d.day}/{d.month}", "DATE")
    else:
        _ident(out, _date_str(d, s), "DATE")


def slot_phone(s: Stream, ctx: Context, out: list) -> None:
    """A UK phone number in the Ofcom drama ranges."""
    r = s.u()
    n3 = f"{s.below(1000):03d}"
    if r < 0.4:
        value = f"07700 900{n3}" if s.u() < 0.7 else f"07700900{n3}"
    elif r < 0.55:
        value = f"+44 7700 900{n3}" if s.u() < 0.6 else f"+447700900{n3}"
    elif r < 0.7:
        value = f"0161 496 0{n3}"
    elif r < 0.8:
        value = f"0113 496 0{n3}" if s.u() < 0.5 else f"(0113) 496 0{n3}"
    elif r < 0.9:
        value = f"020 7946 0{n3}"
    else:
        value = f"0121 496 0{n3}"
    _ident(out, value, "PHONE")


def slot_postcode(s: Stream, ctx: Context, out: list) -> None:
    """A UK-format postcode such as "LS1 4AP"."""
    area = s.pick(_POSTCODE_AREAS)
    district = str(1 + s.below(20 if len(area) == 2 else 30))
    inward = f"{s.below(10)}{s.pick(_POSTCODE_LETTERS)}{s.pick(_POSTCODE_LETTERS)}"
    _ident(out, f"{area}{district} {inward}" if s.u() < 0.9 else f"{area}{district}{inward}", "POSTCODE")


def slot_hospital_number(s: Stream, ctx: Context, out: list) -> None:
    """A hospital number with its cue: "MRN A1234567", "hospital no. RX1234567"."""
    r = s.u()
    digits7 = "".join(str(s.below(10)) for _ in range(7))
    if r < 0.35:
        out.append(s.pick(("MRN ", "MRN: ", "mrn ")))
        value = s.pick(_UPPER) + digits7
    elif r < 0.65:
        out.append(s.pick(("hospital no. ", "hospital number ", "hosp no ", "Hosp No: ")))
        value = "R" + s.pick(_UPPER) + digits7
    elif r < 0.85:
        out.append(s.pick(("unit no ", "unit number ", "RTX no. ")))
        value = digits7
    else:
        out.append(s.pick(("hosp no ", "K number ")))
        value = "K" + digits7[:6]
    _ident(out, value, "HOSPITAL_NUMBER")


def slot_email(s: Stream, ctx: Context, out: list) -> None:
    """An email address (fictional domains or nhs.net)."""
    first, last = _first(s).lower(), s.pick(SURNAMES).lower().replace("'", "")
    r = s.u()
    if r < 0.45:
        value = f"{first}.{last}@nhs.net"
    elif r < 0.7:
        value = f"{first[0]}.{last}{s.below(100)}@example.nhs.uk"
    else:
        value = f"{first}{last}{s.below(100)}@example.com"
    _ident(out, value, "EMAIL")


def slot_surname(s: Stream, ctx: Context, out: list) -> None:
    """A surname alone (the caller writes the title, e.g. "Dr ")."""
    _ident(out, s.pick(SURNAMES), "PERSON")


IDENTIFIER_SLOTS = {
    "@SURNAME_ONLY": slot_surname,
    "@NHS": slot_nhs, "@PT_NAME": slot_pt_name, "@STAFF": slot_staff_name, "@RELATIVE": slot_relative,
    "@DOB": slot_dob, "@DATE": slot_event_date, "@PHONE": slot_phone, "@POSTCODE": slot_postcode,
    "@HOSP": slot_hospital_number, "@EMAIL": slot_email,
}
