"""Structured identifiers: NHS numbers, hospital numbers, phone numbers, postcodes, street addresses, dates,
emails (plain and obfuscated), URLs.

The patterns run on a *detection view* of the text (:func:`detection_view`): one character for one, so spans
found in it are spans of the text, with every Unicode space, tab and line break as a space, every dash and
minus sign as ``-``, full-width digits and punctuation as ASCII and zero-width characters as spaces. A number
broken by a double space, a no-break space or a line break is then one number. Digit groups may be separated
by spaces, dashes, dots or slashes (NHS numbers then must pass Modulus 11); postcodes match in any case, with
or without their space, against the UK format.

Each pattern is precompiled and runs only when the text could hold a match (enough digits, the right
separator), which skips most regex passes on typical report text. :func:`find_structured` returns
candidate spans; :class:`~incident_lm.deid.redact.Deidentifier` resolves overlaps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from incident_lm.deid.config import Span


def trie(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` factored as a trie (much faster than a flat alternation)."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + build(root) + ")"


def _view_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F,
               0x205F, 0x3000, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):
        table[cp] = " "
    for cp in (*range(0x2010, 0x2016), 0x2212, 0xFE58, 0xFE63, 0xFF0D):
        table[cp] = "-"
    for i in range(10):
        table[0xFF10 + i] = str(i)
    table.update({0xFF0E: ".", 0x2044: "/", 0x2215: "/", 0xFF0F: "/", 0xFF20: "@", 0xFF1A: ":"})
    return table


_VIEW_TABLE = _view_table()


def detection_view(text: str) -> str:
    """``text`` with the same length, every character that could hide an identifier's shape replaced by its
    plain ASCII form (spaces, line breaks, dashes, full-width digits), so patterns see one number where the
    writer saw one."""
    return text.translate(_VIEW_TABLE)


_EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
_URL_TRAIL = ".,;:!?)]}'\""

# digit groups separated by spaces (one or more), a dash, a dot or a slash, or nothing
_SEP = r"(?: {0,3}[-./]? {0,3})"
_NHS_RE = re.compile(r"(?<![\d+])(\d{3})" + _SEP + r"(\d{3})" + _SEP + r"(\d{4})(?!\d)")

_HOSP_CUE = (r"(?:mrn|m\.r\.n\.?|rxn|crn|hospital\s+(?:no|number|num|id|ref)|hosp\.?\s*(?:no|number|num|#)|"
             r"unit\s+(?:no|number)|case\s+(?:no|number)|patient\s+(?:id|no|number)|pas\s+(?:no|number|id)|"
             r"k\s+number|trust\s+(?:id|no|number|ref))")
_HOSP_CUE_KEYS: tuple[str, ...] = ("mrn", "m.r.n", "rxn", "crn", "hosp", "unit", "case", "patient", "pas", "k number",
                                  "trust")
# the number after a cue: a trust prefix ("RX", "RTH-"), then 5-10 digits, whole or in groups ("12 34 567")
_HOSP_CUE_RE = re.compile(r"(?i:\b" + _HOSP_CUE + r")\.?\s*[:#]?\s*(?:(?i:is)\s+)?"
                          r"((?:[A-Za-z][A-Za-z0-9]{0,3}[-/]?|[A-Z]{2,4}[ \t])?(?:\d{5,10}|\d{1,4}(?:[ -]\d{1,4}){1,4})[A-Za-z]?)(?![\w])")
# any record number: 6-10 digits straight after "no." / "number" / "#" ("RTX no. 9367709", "unti no 0748767")
# (misspellings of "number" included: "nuber", "numer", "numebr")
_HOSP_NO_RE = re.compile(r"(?i:\b(?:no|num|nu[mbe][a-z]{0,4})\b\.?|#)\s*[:#]?\s*([A-Za-z]{0,2}\d{6,10})(?![\w/])")
_HOSP_BARE_RE = re.compile(r"(?<![\w/-])(?:[A-Z]{1,3}-?|[A-Z][A-Z0-9]{1,3}-|[a-z]{1,3})\d{6,9}(?![\w/-])")
# numbers of products and reports, not patients: lot, batch, control, serial and model numbers, manufacturer
# cross-references ("see EBU910168 - EBU910170"), MedWatch and WAES report numbers; looked for in the clause
# before a number
_NOT_RECORD_RE = re.compile(r"(?i)\b(?:lots?|batch|control|ctrl|serial|model|cat(?:alog(?:ue)?)?|ref|reference|see|"
                            r"also|medwatch|mw|waes|report|rpt|mfr|manufacturer|product|part|item|invoice|order|dose|vial|vaccine|vax)\b")
_CLAUSE_END = re.compile(r"[;.\n]")
# vaccine and product abbreviations before a lot number ("rec'd DTP241910"): not a trust prefix
_PRODUCT_PREFIXES = frozenset({"DTP", "DT", "TD", "OPV", "IPV", "MMR", "HIB", "HBV", "BCG", "DTAP", "LOT"})


def _product_number(text: str, start: int) -> bool:
    """Whether the number at ``start`` follows, in the same clause, a word that makes it a product or report
    number (lot, batch, control, model, see, MedWatch, ...)."""
    window = text[max(0, start - 80):start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=0)
    return bool(_NOT_RECORD_RE.search(window, cut))

_PHONE_UK_RE = re.compile(r"(?<![\w+])(?:\+ ?44 ?(?:\(0\) ?)?|0044 ?|\(0|0)"
                          r"(\d{2,4})\)?[ .-]{0,2}(\d{3,4})[ .-]{0,2}(\d{3,4})(?![\d])")
_PHONE_EXT_RE = re.compile(r"(?i),? *(?:ext(?:n|ension)?\.?|x) *\d{2,5}(?!\d)")
_PHONE_INTL_RE = re.compile(r"(?<![\w+])\+(?!44)\d{1,3}[\s-]?(?:\(?\d{1,4}\)?[\s-]?){2,4}\d{2,4}(?![\d])")

# the UK format in any case, the space optional or doubled ("sw1a 1aa", "SW1A1AA", "Sw1a  1Aa")
_POSTCODE_RE = re.compile(r"(?i)\b(?:GIR {0,2}0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|"
                          r"[A-HK-Y]\d[ABEHMNPRV-Y]) {0,2}\d[ABD-HJLNP-UW-Z]{2})\b")
# inward codes that are also ordinals or times in lower case ("m1 1st", "b2 2pm")
_POSTCODE_WORDS = frozenset({"st", "nd", "rd", "th", "am", "pm"})

# street addresses: a house number (after "Flat 3," or the like), one to three capitalised words, a street word;
# the town only when punctuation, the end or a postcode follows ("7 Mill Lane, Leeds.")
_STREET = ("Road", "Rd", "Street", "Avenue", "Ave", "Lane", "Close", "Drive", "Crescent", "Way", "Gardens",
           "Gdns", "Grove", "Place", "Terrace", "Court", "Square", "Hill", "Row", "Walk", "Mews", "Rise", "Parade",
           "Green", "Vale", "Wharf", "Boulevard", "View", "St")
# street words that are not ordinary words in lower case: "7 mill lane" is an address, "kept 2 staff close" is not
_STREET_LOWER = ("road", "street", "avenue", "lane", "crescent", "gardens", "grove", "terrace", "mews", "boulevard")
_NOT_TOWN = frozenset({"Patient", "Pt", "The", "He", "She", "They", "Staff", "Nurse", "Dr", "Mr", "Mrs", "Ms",
                       "Miss", "Family", "Son", "Daughter", "Wife", "Husband", "Mother", "Father", "Ambulance"})
_ADDRESS_RE = re.compile(
    r"(?<![\w/.,-])(?:(?i:flat|apartment|apt|unit)\.? ?\d{1,4}[A-Za-z]?,? +)?\d{1,4}[A-Za-z]?,? +"
    r"(?:[A-Z][a-z\'\u2019]+(?:-[A-Z][a-z]+)? +){1,3}" + trie(_STREET) + r"\b\.?"
    r"(?:, *(?P<town>[A-Z][a-z]+(?: [A-Z][a-z]+)?)(?=[,.;)]|$| +[A-Z]{1,2}\d| +[a-z]))?")
_ADDRESS_LOWER_RE = re.compile(r"(?<![\w/.,-])\d{1,4}[a-z]?,? +(?:[a-z]{3,}(?:-[a-z]+)? +){1,2}"
                               + trie(_STREET_LOWER) + r"\b")
_STREET_WORD_RE = re.compile(r"(?i)(?<=\w )" + trie(sorted({w.lower() for w in _STREET})) + r"\b")

# Welsh street names put the street word first: "9 Heol y Coed", "12 Ffordd yr Orsaf", "3 Lôn Las"
_WELSH_STREET = ("Heol", "Ffordd", "Stryd", "Lôn", "Lon", "Rhodfa", "Cilgant", "Teras", "Maes", "Bryn", "Plas")
_WELSH_STREET_KEY_RE = re.compile(r"\b" + trie(_WELSH_STREET) + r"\b")
_ADDRESS_WELSH_RE = re.compile(r"(?<![\w/.,-])\d{1,4}[A-Za-z]?,? +" + trie(_WELSH_STREET)
                               + r"(?: +(?:y|yr|'r|[A-Z\u00c0-\u0178][\w\u00e0-\u00ff'\u2019-]+)){1,3}\b")
# the parts of one address found apart ("Flat 11, Marlowe Court, 40 Queens Road"): joined over a comma, with the
# flat or unit word before the first part
_ADDRESS_GAP_RE = re.compile(r",? *")
_FLAT_BEFORE_RE = re.compile(r"(?i:\b(?:flat|apartment|apt|unit|room))\.? *$")


def _join_address_parts(text: str, parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Address spans joined where only a comma or spaces separate them, each extended back over a directly
    preceding "Flat"/"Apartment"/"Unit" word."""
    out: list[tuple[int, int]] = []
    for a_s, a_e in sorted(parts):
        if out and (a_s <= out[-1][1] or _ADDRESS_GAP_RE.fullmatch(text, out[-1][1], a_s)):
            out[-1] = (out[-1][0], max(out[-1][1], a_e))
        else:
            out.append((a_s, a_e))
    for i, (a_s, a_e) in enumerate(out):
        m = _FLAT_BEFORE_RE.search(text, max(0, a_s - 12), a_s)
        if m:
            out[i] = (m.start(), a_e)
    return out


# obfuscated emails: "jane.smith at nhs dot net", "jane[dot]smith[at]nhs[dot]net", "jane.smith (at) nhs.net"
_OB_AT = r"(?: *[\[({<] *at *[\])}>] *| +at +| *@ *)"
_OB_DOT = r"(?: *[\[({<] *dot *[\])}>] *| +dot +|\.)"
_LABEL = r"[A-Za-z0-9_%+-]+"
_EMAIL_OBF_RE = re.compile(r"(?i)(?<![\w.+-])" + _LABEL + r"(?:" + _OB_DOT + _LABEL + r")*" + _OB_AT + _LABEL
                           + r"(?:" + _OB_DOT + _LABEL + r")*" + _OB_DOT
                           + r"(?:com|net|org|uk|gov|edu|info|co|ac|ie|io|scot|wales)(?![\w])")
_OB_MARK_RE = re.compile(r"(?i)[\[({<] *(?:at|dot) *[\])}>]| dot ")
_MAIL_DOMAINS = ("nhs.net", "nhs.uk", "nhs dot", "gmail", "hotmail", "yahoo", "outlook", "btinternet", "icloud")

# dates after a date-of-birth cue, also unseparated ("DOB 03041951", "D.O.B.:3.4.51", "born 19510403")
_DOB_RE = re.compile(r"(?i:(?<![\w])(?:d\.? ?o\.? ?b|date +of +birth|born(?: +on)?)(?![a-z]))\.?:? *[:-]? *"
                     r"(\d{1,2}[ ./-]{1,3}\d{1,2}[ ./-]{1,3}(?:\d{4}|\d{2})|\d{8}|\d{6})(?!\d)")

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH = trie(_MONTHS)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|'\d{2})"
_DATE_NUM_RE = re.compile(r"(?<![\d.-])(?<!\d:)(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d]|[/.-]\d)")
# day/month without a year, only after a date preposition ("seen on 3/1", "since 23/1"): "5/10" stays a score
_DATE_DM_RE = re.compile(r"(?i:\b(?:on|since|from|until|till|dated|before|after|by|"
                         r"(?:arranged|booked|planned|scheduled|listed|due)\s+for)\s+)(\d{1,2})/(\d{1,2})(?![\d/]|\.\d)")
# a fraction, not a day/month: "since 1/2 hr", "by 1/2 oz", "on 2/3 of arm"
_UNIT_AFTER_RE = re.compile(r"(?i) *(?:hrs?|hours?|inch(?:es)?|in|oz|cm|mm|ml|mg|of|tabs?|tablets?|tsp|cups?|miles?|"
                            r"lbs?|kg|g|days?|wks?|weeks?|doses?|strength|dose)\b")
_DATE_ISO_RE = re.compile(r"(?<![\d/.-])(\d{4})([/-])(\d{1,2})\2(\d{1,2})(?![\d]|[/-]\d)")
_DATE_DMY_RE = re.compile(r"(?i)\b(\d{1,2})" + _ORD + r"(?:\s+of)?[\s-]+(" + _MONTH + r")\b\.?"
                          r"(?:,?[\s-]+(" + _YEAR + r"))?(?![\w])")
_DATE_MDY_RE = re.compile(r"(?i)\b(" + _MONTH + r")\b\.?\s+(\d{1,2})" + _ORD + r"(?:,?\s+(" + _YEAR + r"))?"
                          r"(?![\w:])")
_MON3 = trie(m for m in _MONTHS if len(m) <= 4)
_DATE_COMPACT_RE = re.compile(r"(?i)(?<![\w-])(?:(\d{1,2})(-?)" + _MON3 + r"\2(\d{4}|\d{2})|" + _MON3
                              + r"-?(\d{4}|\d{2}))(?![\w-])")
_DATE_MY_RE = re.compile(r"(?i)\b(" + _MONTH + r")\b\.?,?\s+(\d{4})(?![\w])")


def nhs_number_valid(digits: str) -> bool:
    """True when a 10-digit string passes the NHS Modulus 11 check digit.

    Weights 10..2 over the first nine digits; check = 11 - (sum mod 11), 11 -> 0, 10 -> invalid.
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _valid_dm(a: int, b: int) -> bool:
    """Day/month in either order (UK d/m or US m/d)."""
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


_DOB_KEY_RE = re.compile(r"(?i)\bd\.? ?o\.? ?b|birth|\bborn")


def _dob_ok(value: str) -> bool:
    """A date of birth after its cue: day and month valid (d/m or m/d), or year-first ``yyyymmdd``."""
    parts = re.split(r"[ ./-]+", value)
    if len(parts) == 3:
        return _valid_dm(int(parts[0]), int(parts[1]))
    if len(value) == 8 and 1880 <= int(value[:4]) <= 2100 and 1 <= int(value[4:6]) <= 12:
        return 1 <= int(value[6:]) <= 31
    return _valid_dm(int(value[:2]), int(value[2:4]))


def _month_ok(word: str, has_year: bool) -> bool:
    # "may", "mar", "dec" in lower case are usually words ("may be", "dec. GCS"): keep them only with a year.
    return has_year or not word.islower()


def char_counts(text: str) -> tuple[int, int, int]:
    """(ASCII digits, upper-case ASCII letters, ASCII letters) in ``text``, counted in C."""
    raw = text.encode("ascii", "ignore")
    n = len(raw)
    return (n - len(raw.translate(None, _DIGITS)), n - len(raw.translate(None, _UPPERS)),
            n - len(raw.translate(None, _LETTERS)))


_DIGITS = b"0123456789"
_UPPERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS = _UPPERS + _UPPERS.lower()


def find_structured(text: str, types: frozenset[str], n_digits: int) -> list[Span]:
    """Candidate spans of every structured type; each pattern runs only when the text could hold a match
    (enough digits, the right separator), which skips most regex passes on typical report text."""
    spans: list[Span] = []
    add = spans.append
    if "EMAIL" in types:
        if "@" in text:
            for m in _EMAIL_RE.finditer(text):
                add((m.start(), m.end(), "EMAIL"))
        low = text.lower()
        if "dot" in low or "at)" in low or "at]" in low or "at}" in low or "at>" in low or (
                " at " in low and any(d in low for d in _MAIL_DOMAINS)):
            for m in _EMAIL_OBF_RE.finditer(text):
                g = m.group()
                if _OB_MARK_RE.search(g) or any(d in g.lower() for d in _MAIL_DOMAINS):
                    add((m.start(), m.end(), "EMAIL"))
    if "URL" in types and ("://" in text or "www" in text or "WWW" in text):
        for m in _URL_RE.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in _URL_TRAIL:
                end -= 1
            add((m.start(), end, "URL"))
    if n_digits == 0:  # every pattern below needs a digit
        return spans
    if "NHS_NUMBER" in types and n_digits >= 10:
        for m in _NHS_RE.finditer(text):
            if nhs_number_valid(m.group(1) + m.group(2) + m.group(3)):
                add((m.start(), m.end(), "NHS_NUMBER"))
    if "HOSPITAL_NUMBER" in types and n_digits >= 5:
        lower = text.lower()
        if any(k in lower for k in _HOSP_CUE_KEYS):
            for m in _HOSP_CUE_RE.finditer(text):
                if 5 <= sum(c.isdigit() for c in m.group(1)) <= 10:  # an explicit cue ("MRN") outweighs the clause
                    add((m.start(1), m.end(1), "HOSPITAL_NUMBER"))
        if n_digits >= 6:
            for m in _HOSP_BARE_RE.finditer(text):
                if not _product_number(text, m.start()) \
                        and m.group().rstrip("0123456789").rstrip("-").upper() not in _PRODUCT_PREFIXES:
                    add((m.start(), m.end(), "HOSPITAL_NUMBER"))
            if "no" in lower or "#" in lower or "num" in lower:
                for m in _HOSP_NO_RE.finditer(text):
                    if not _product_number(text, m.start()):
                        add((m.start(1), m.end(1), "HOSPITAL_NUMBER"))
    if "PHONE" in types and n_digits >= 9:
        for m in _PHONE_UK_RE.finditer(text):
            n = len(m.group(1)) + len(m.group(2)) + len(m.group(3))
            if n in (9, 10):
                ext = _PHONE_EXT_RE.match(text, m.end())  # "ext 1234", "x9088": part of the number
                add((m.start(), ext.end() if ext else m.end(), "PHONE"))
        if "+" in text:
            for m in _PHONE_INTL_RE.finditer(text):
                if 8 <= sum(c.isdigit() for c in m.group()) <= 15:
                    add((m.start(), m.end(), "PHONE"))
    if "POSTCODE" in types and n_digits >= 2:
        for m in _POSTCODE_RE.finditer(text):
            g = m.group()
            if not g.isupper() and (g[-2:].lower() in _POSTCODE_WORDS or " " not in g):
                continue  # "m1 1st", "t101ax" (an axillary temperature): lower or mixed case needs the space
            if " " not in g and _product_number(text, m.start()):
                continue  # "lot# M740EN"
            add((m.start(), m.end(), "POSTCODE"))
    if "ADDRESS" in types:
        # only around street words (rare), not over the whole text; a window reaches back over "Flat 3, 22 ..."
        n, done = len(text), -1
        addr: list[tuple[int, int]] = []
        for sw in _STREET_WORD_RE.finditer(text):
            if sw.start() < done:
                continue
            lo, hi = max(0, sw.start() - 70), min(n, sw.end() + 40)
            for m in _ADDRESS_RE.finditer(text, lo, hi):
                town = m.group("town")
                end = m.start("town") - 2 if town and town.split()[0] in _NOT_TOWN else m.end()
                addr.append((m.start(), end if text[end - 1] != "," else end - 1))
            for m in _ADDRESS_LOWER_RE.finditer(text, lo, hi):
                addr.append((m.start(), m.end()))
            done = hi
        if _WELSH_STREET_KEY_RE.search(text):
            addr.extend((m.start(), m.end()) for m in _ADDRESS_WELSH_RE.finditer(text))
        for a_s, a_e in _join_address_parts(text, addr):
            add((a_s, a_e, "ADDRESS"))
    if "DATE" in types:
        slash, dash, dot = "/" in text, "-" in text, "." in text
        if n_digits >= 3 and (slash or dash or dot):
            for m in _DATE_NUM_RE.finditer(text):
                if m.start() and text[m.start() - 1] == "/" and m.group(2) == "/":
                    continue  # a piece of a longer slashed number ("1/12/2020/3"); "SMITH/3852808413/12.12.1950" is not
                a, b = int(m.group(1)), int(m.group(3))
                if _valid_dm(a, b) and not (m.group(2) == "." and len(m.group(4)) == 2 and len(m.group(1)) == 1
                                             and len(m.group(3)) == 1):
                    add((m.start(), m.end(), "DATE"))
        if n_digits >= 4 and _DOB_KEY_RE.search(text):
            for m in _DOB_RE.finditer(text):
                if _dob_ok(m.group(1)):
                    add((m.start(1), m.end(1), "DATE"))
        if slash:
            for m in _DATE_DM_RE.finditer(text):
                if 1 <= int(m.group(1)) <= 31 and 1 <= int(m.group(2)) <= 12 and not _UNIT_AFTER_RE.match(text, m.end()):
                    add((m.start(1), m.end(2), "DATE"))
        if n_digits >= 6 and (slash or dash):
            for m in _DATE_ISO_RE.finditer(text):
                y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
                if 1800 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
                    add((m.start(), m.end(), "DATE"))
        if n_digits >= 2:
            for m in _DATE_COMPACT_RE.finditer(text):  # 1OCT92, 29-SEP-93, Jan94
                if m.group(1) is None or 1 <= int(m.group(1)) <= 31:
                    add((m.start(), m.end(), "DATE"))
        # written-month dates: only look around the month words (rare), not over the whole text
        n = len(text)
        for mw in _MONTH_WORD_RE.finditer(text):
            lo, hi = max(0, mw.start() - 20), min(n, mw.end() + 24)
            for m in _DATE_DMY_RE.finditer(text, lo, hi):
                ordinal = not m.group(0)[len(m.group(1)):len(m.group(1)) + 1].isspace()  # "23rd august"
                if 1 <= int(m.group(1)) <= 31 and _month_ok(m.group(2), ordinal or m.group(3) is not None):
                    add((m.start(), m.end(), "DATE"))
            for m in _DATE_MDY_RE.finditer(text, lo, hi):
                if 1 <= int(m.group(2)) <= 31 and _month_ok(m.group(1), m.group(3) is not None):
                    add((m.start(), m.end(), "DATE"))
            for m in _DATE_MY_RE.finditer(text, lo, hi):
                if _month_ok(m.group(1), True):
                    add((m.start(), m.end(), "DATE"))
    return spans


_MONTH_WORD_RE = re.compile(r"(?i)\b" + _MONTH + r"\b")
