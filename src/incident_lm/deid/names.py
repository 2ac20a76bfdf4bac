"""Person names: after a title or a staff/relative role, record-style "SMITH, John", and bare names found
with a given-name / surname gazetteer, in ordinary and in upper-case text.

The word lists are data (``gazetteer/*.txt``, one entry per line), written for this project and not
derived from any generator: given names, surnames, the ambiguous ones of each (also ordinary words), words
that are never names, words that end a name after a title, and role words. :class:`NameFinder` combines
them with a deployment's own ``extra_names`` and ``not_names``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from incident_lm.deid.config import Span
from incident_lm.deid.structured import trie

GAZETTEER = Path(__file__).resolve().parent / "gazetteer"


def _char_class(pred) -> str:  # noqa: ANN001
    """A regex character class of the letters below U+2000 (Latin, Greek, Cyrillic) for which ``pred`` holds:
    the ``re`` module has no ``\\p{Lu}``."""
    ranges: list[list[int]] = []
    for cp in range(0x41, 0x2000):
        if pred(chr(cp)):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"


_U = _char_class(lambda c: c.isupper() or c.istitle())  # upper-case letters: A-Z, Ł, Ø, Ü, ...
_L = _char_class(str.islower)[:-1] + "\u0300-\u036f]"  # lower-case letters (a-z, ë, á, ß) and combining accents
_APOS = "['\u2019]"  # straight and curly apostrophe: O'Brien, D\u2019Souza


def _words(text: str) -> list[str]:
    return text.split()


@cache
def word_list(name: str) -> frozenset[str]:
    """The entries of ``gazetteer/<name>.txt`` (one per line, ``#`` comments and blank lines skipped)."""
    path = GAZETTEER / f"{name}.txt"
    with path.open(encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip() and not line.lstrip().startswith("#"))


FIRST_NAMES = word_list("first_names")
AMBIGUOUS_FIRST_NAMES = word_list("ambiguous_first_names")
SURNAMES = word_list("surnames")
AMBIGUOUS_SURNAMES = word_list("ambiguous_surnames")
_NOT_NAMES = word_list("not_names")
_TITLE_STOP = word_list("title_stop")
ROLE_WORDS = word_list("role_words")


@cache
def eponym_entries() -> tuple[frozenset[str], frozenset[str]]:
    """``gazetteer/eponyms.txt`` split into (multi-word phrases, single words), lower case, apostrophes straight."""
    multi, single = set(), set()
    for entry in word_list("eponyms"):
        e = " ".join(entry.lower().replace("\u2019", "'").split())
        (multi if " " in e else single).add(e)
    return frozenset(multi), frozenset(single)


def _eponym_pattern(entry: str) -> str:
    out = []
    for word in entry.split(" "):
        if word.endswith("'s"):
            w = re.escape(word[:-2]).replace("'", "['\u2019]") + r"(?:['\u2019]?s)"
        else:
            w = re.escape(word).replace("'", "['\u2019]")
        out.append(w.replace(r"\-", r"[-/\s]"))  # "Stevens-Johnson", "Stevens/Johnson", "Stevens Johnson"
    return r"(?:\s+|\s*/\s*)".join(out)


def _eponym_re() -> re.Pattern[str]:
    multi, single = eponym_entries()
    alts = sorted(multi | single, key=len, reverse=True)
    return re.compile(r"(?i)(?<![^\W_])(?:" + "|".join(map(_eponym_pattern, alts)) + r")(?![^\W_])")


_EPONYM_RE = _eponym_re()

# Capitalised clinical verbs after a role ("Patient Slipped", "Nurse Noticed"): not names unless the gazetteer knows
# them ("Fred", "Mohammed").
_INFLECTED_RE = re.compile(_U + _L + r"{2,}(?:ed|ing)")
# Surnames that are also place words: a surname unless a preposition or the lack of a known given name
# says it is a ward or hall.
_SURNAME_PLACES: frozenset[str] = frozenset({"Ward", "Hall"})
_PLACE_PREPOSITIONS: frozenset[str] = frozenset(_words("on to from at in onto into of the via back off"))
# Words that precede a bare name mid-sentence ("informed Tobias Fairweather", "seen by Ewa Okoro").
_PERSON_PREV: frozenset[str] = frozenset(_words("""
by with informed told asked called contacted and saw seen reviewed paged bleeped rang phoned per cc named
"""))
# Verbs that follow a sentence-initial name in incident narratives ("Ewa Okoro attended").
_PERSON_VERBS: frozenset[str] = frozenset(_words("""
informed attended gave was is has had said stated reported noticed noted found called asked went came arrived
checked administered escalated contacted documented explained told reviewed saw took tried did could would will
advised agreed refused declined spoke rang phoned witnessed assisted helped removed returned left completed
"""))
# Words that follow a name and not a place: the verbs above and identifier cues ("Ewa Okoro (MRN ...").
_NAME_FOLLOWERS: frozenset[str] = _PERSON_VERBS | frozenset(_words("""
who whose unit hospital hosp mrn nhs dob d.o.b born aged age
"""))
_ID_CUE_AFTER: frozenset[str] = frozenset(_words("no no. number num id ref"))
_ARTICLES: frozenset[str] = frozenset(_words("the a an this that another any each"))
_NEXT_WORD_RE = re.compile(r"[\s(\[,:]+([\w&]+(?:\.\w+)*)")
_PLACE_AFTER: frozenset[str] = frozenset(_words(
    "ward wards unit hospital infirmary centre center house wing suite theatre theatres clinic building block bay "
    "department surgery practice road street lane avenue close drive way court hall college school trust "
    "syndrome syndromes synd disease palsy paralysis purpura sign test reaction phenomenon sarcoma lymphoma tumour tumor "
    "fracture score scale criteria catheter procedure manoeuvre maneuver pump classification type virus vaccine "
    "vaccination shot dose tube mask needle valve stent variant"))
_PLACE_BEFORE: frozenset[str] = frozenset(_words("st st. saint queen king prince princess royal lady sir"))

_TITLE = r"(?:(?i:mr|mrs|ms|miss|mx|dr|prof|professor|sister|sr)|Rev|Lady|Sir)"
_TITLE_WORDS: frozenset[str] = frozenset(_words("mr mrs ms miss mx dr prof professor sister sr rev lady sir"))
# A capitalised name word, whole: "Zoë", "Siobhán", "Łukasz", "O'Brien", "D’Souza", "McDonald", "MacLeod",
# "Smith-Jones", "Jean-Paul"; never a piece of a longer word ("Smith-jones" and "Smithson" are not cut).
_NAME_TOKEN = (r"(?:" + _U + r"(?:" + _L + r"+|" + _APOS + _U + _L + r"+)(?:" + _U + _L + r"+)?(?:-" + _U + _L
               + r"+)?(?![^\W_]|-[^\W\d_]))")
# An initial, or a run of dotted initials ("J.", "J", "A.B.")
_INITIAL = r"(?:" + _U + r"\.(?:" + _U + r"\.)*(?=\s)|" + _U + r"(?=\s))"
_NAME_SEQ = r"(?:(?:" + _INITIAL + r"\s+){0,2}" + _NAME_TOKEN + r"(?:\s+" + _NAME_TOKEN + r"){0,2})"
_TITLE_RE = re.compile(r"\b" + _TITLE + r"\b\.?\s+(" + _NAME_SEQ + r"|" + _INITIAL + r")")
# Staff and relative roles that precede a name ("staff nurse Jane Smith", "HCA Tom Price", "daughter Emma");
# the last word of a multi-word role is enough ("support worker" -> "worker").
_CAPS_CONTEXT: frozenset[str] = ROLE_WORDS | _TITLE_WORDS | {"pt", "patient", "service", "user"}
_STAFF_CONTEXT: frozenset[str] = ROLE_WORDS | _TITLE_WORDS
_CAP_RE = re.compile(r"(?<![\w'\u2019-])(?:(?<!/)" + _INITIAL + r"\s+)?" + _NAME_TOKEN + r"(?:\s+" + _NAME_TOKEN + r"){0,2}")
_TOKEN_IN_SEQ_RE = re.compile(_NAME_TOKEN + r"|" + _U + r"\.?")
# "KOWALSKI, Abimbola", "SMITH, JOHN", "Smith, John": the record-style surname-first form
_LETTERS = r"(?:[^\W\d_]|['\u2019-])*[^\W\d_]"
_SURNAME_FIRST_RE = re.compile(r"(?<![\w'\u2019-])(" + _U + _LETTERS + r"), (" + _U + _LETTERS + r")(?![\w'\u2019-])")
# words of upper-case text (whole words: "4TH" is not a word "TH")
_WORD_RE = re.compile(r"(?<![\w'\u2019])[^\W\d_](?:[\w'\u2019-]*[^\W_])?\.?")


# Cues before a name written in lower case or after a verb of communication ("spoke to dr smith", "pt john",
# "handed over to Kemi", "bleeped Okonkwo"). Titles take any gazetteer name, the others a given name or an
# unambiguous surname; a capitalised word after a verb cue is a name unless it is an ordinary word.
_COMM_CUES = ("spoke to", "spoke with", "spoken to", "speak to", "speaking to", "informed", "seen by", "reviewed by",
              "assessed by", "examined by", "handed over to", "handover to", "handed to", "called", "discussed with",
              "escalated to", "bleeped", "paged", "rang", "phoned", "contacted", "told", "referred to", "liaised with")
_LOWER_TITLES = "mr|mrs|ms|miss|mx|dr|prof|professor|sister|sr"
_CUE_WORD = r"[^\W\d_]+(?:" + _APOS + r"[^\W\d_]+|-[^\W\d_]+)*"
_ROLE_CUES = "|".join(re.escape(w) for w in sorted(ROLE_WORDS, key=len, reverse=True) if " " not in w)
_CUE_RE = re.compile(
    r"(?<![\w'\u2019-])(?i:(?P<title>" + _LOWER_TITLES + r")\.?|(?P<pt>pt|patient|pts|patients|" + _ROLE_CUES
    + r")|(?P<cue>" + "|".join(c.replace(" ", r"\s+") for c in sorted(_COMM_CUES, key=len, reverse=True))
    + r"))(?=(?:\s+|\s*\(\s*)(?P<w1>" + _CUE_WORD + r")(?![\w'\u2019-])(?:[ \t]+(?P<w2>" + _CUE_WORD
    + r")(?![\w'\u2019-]))?)")
# titles after which a lower-case word outside the gazetteer is still a name ("dr nakamura"); "mr", "ms", "mx" and
# "sister" are also abbreviations or relatives in lower case ("mr" = mitral regurgitation, "MR vax", "sister had")
_NAME_SHAPED_TITLES = frozenset({"dr", "mrs", "prof", "professor"})  # not "miss": "did not miss work"
# lower-case words that follow "dr" and are not names ("dr office", "dr aware", "dr to review")
_AFTER_TITLE_WORDS = frozenset(_words("""
office offices offc ofc vax visit visits appt appointment appointments said says told aware called rang phoned contacted notified
informed on in at to and or was is has had who re for ordered gave advised came saw seen note notes letter surgery
review reviewed prescribed stated thinks thought felt feels recommended suggested wants will would could should did
does also then after before when here there not no yes asked name names on-call oncall team teams list lists
rounds round input opinion consult consulted referral referred sent wrote documented agreed requested happy unaware
present arrived attended examined assessed bleeped paged spoke discussed plan plans instructions instruction orders
"""))
_CLAUSE_CLOSE_RE = re.compile(r"[ \t]*(?:[),;]|\.(?:\s|$)|$)")
_ALPHA_RE = re.compile(r"[^\W_]+")  # words with digits too ("FY1")
# the first word of each cue, in the cases it is written in: a cheap test before the cue pattern runs
_TITLE_HEADS = frozenset(_LOWER_TITLES.split("|")) | {"pt", "patient", "pts", "patients"} | {
    w for w in ROLE_WORDS if " " not in w}
_COMM_HEADS = frozenset(c.split()[0] for c in _COMM_CUES)


def _cases(words: frozenset[str]) -> frozenset[str]:
    return frozenset(v for w in words for v in (w, w.title(), w.upper()))


_TITLE_HEADS_ANY, _COMM_HEADS_ANY = _cases(_TITLE_HEADS), _cases(_COMM_HEADS)
_NAME_SHAPED_TITLES_ANY = _cases(_NAME_SHAPED_TITLES)
# where a cue can start: the first words of the cues present in the text, found with str.find; the cue pattern
# is then tried only there (tried at every position of every text it was the slowest step of de-identification)
_CUE_HEADS = _TITLE_HEADS | _COMM_HEADS


def _head_starts(text: str, heads: set[str]) -> list[int]:
    low, n, out = text.lower(), len(text), []
    for h in heads:
        i = low.find(h)
        while i >= 0:
            j = i + len(h)
            if (i == 0 or not (low[i - 1].isalnum() or low[i - 1] in "'\u2019-_")) and (j >= n or not low[j].isalnum()):
                out.append(i)
            i = low.find(h, j)
    return sorted(out)
# a name right before its bearer's role: "Ekaterina Sokolova (physio)", "BALOGUN (SON)", "K. Ali, SHO"
_BEFORE_ROLE_RE = re.compile(r"(?<![\w'\u2019-])(" + _NAME_TOKEN + r"(?:[ \t]+" + _NAME_TOKEN + r"){0,2})"
                             r"(?:[ \t]*\([ \t]*|,[ \t]+|[ \t]+-[ \t]+)(?P<role>[^\W\d_][\w]*)\b")
# initials written onto the surname: "K.F.McAllister", "N.E.Ferreira"
_GLUED_INITIALS_RE = re.compile(r"(?<![\w.'\u2019-])(?:" + _U + r"\.){1,3}(?=" + _U + _L + r")(" + _NAME_TOKEN + r")")
_INITIALS_BEFORE_RE = re.compile(r"(?:(?<![\w'\u2019-])" + _U + r"\.\s?)+$")
_UNKNOWN_SUFFIX_RE = re.compile(r".*(?:ed|ing|ly|tion|ment|ness|ous|ive|ful|less|able|ity|s)", re.I)


# One to three name-shaped words (capitalised or shouted, after an optional initial) right before a patient
# identifier's cue: "Abimbola Novak Hosp No: ...", "D. TURNER D.O.B ...", "Kemi Ade (DOB ...)". Only a person
# carries a date of birth or a hospital number, so the words are a name unless they are ordinary words.
_SHOUT = _U + r"(?:" + _U + r"|" + _APOS + r"(?=" + _U + r"))+(?:-" + _U + r"{2,})?"
_ID_CUE_HEAD = (r"(?:(?i:hosp(?:ital)?\.?[ \t]*(?:no\b|num|number\b)|d\.o\.b\b|dob\b|nhs[ \t]*(?:no\b|num|number\b)"
                r"|unit[ \t]*(?:no\b|num|number\b)|mrn\b|date[ \t]+of[ \t]+bir\w*|born\b)"
                r"|[A-Z]{3}[ \t]+(?i:no)\b)")  # a trust's code and "no": "RTX no."
_BEFORE_ID_RE = re.compile(r"(?<![\w'\u2019-])((?:" + _INITIAL + r"[ \t]+)?(?:" + _NAME_TOKEN + r"|" + _SHOUT
                           + r")(?:[ \t]+(?:" + _NAME_TOKEN + r"|" + _SHOUT + r")){0,2})[ \t]*[(,:-]?[ \t]*"
                           + _ID_CUE_HEAD)
# "Pt E. Walker had ...": an initial and a capitalised word after "pt"/"patient" are a name, whatever the word
_PT_INITIAL_RE = re.compile(r"(?<![\w'\u2019-])(?i:pt|patient)\.?[ \t]+(" + _U + r"\.[ \t]*" + _NAME_TOKEN + r")")


# Names that a label or a phrase says are names, whatever the gazetteer knows:
# - a form field, often pasted from PAS: "Surname: WHITE  Forename: SANDRA", "Mother: Ewa Zielińska", "NOK: jo";
# - a naming phrase, the name capitalised or quoted: "prefers 'Tez'", "known as Bunny", "real name Bernice Adeola";
# - a specimen or wristband label, fields joined by slashes before a number or date: "SMITH/JOHN/3852808413";
# - a name in brackets straight after a role: "HCA (Grace)", "sister (Marguerite)";
# - dotted initials in brackets before a role: "J.K. (HCA)".
_FIELD_LABEL = (r"(?:(?:sur|fore|first|given|family|last|middle|maiden|full|preferred|pt|patient|patients|pt's"
                r"|patient's)[ \t]?names?|names?|mother|father|nok|next[ \t]+of[ \t]+kin|print(?:ed)?[ \t]+name)")
_FIELD_RE = re.compile(r"(?<![\w'\u2019-])(?i:" + _FIELD_LABEL + r")[ \t]*[:=][ \t]*")
_FIELD_WORD_RE = re.compile(r"[^\W\d_]+(?:" + _APOS + r"[^\W\d_]+|-[^\W\d_]+)*\.?")
_FIELD_LABEL_WORDS = frozenset(_words("""
surname forename forenames name names first given family last middle maiden full preferred mother father nok next
dob d.o.b nhs hosp hospital mrn unit address tel phone mobile gp ward bed consultant dob: sex gender age
"""))
_GAP_RE = re.compile(r"[ \t]*")
_NOT_FIELD_VALUES = frozenset(_words("""
unknown unk n/a na none nil not no tbc withheld redacted aware informed same as above see below blank
"""))
_NAMED_RE = re.compile(
    r"(?<![\w'\u2019-])(?i:known[ \t]+as|goes[ \t]+by|prefers(?:[ \t]+to[ \t]+be[ \t]+called)?|nicknamed"
    r"|real[ \t]+name(?:[ \t]+(?:is|was))?|(?:first[ \t]+|sur|fore|given[ \t]+|nick)?name[ \t]+(?:is|was)"
    r"|calls?[ \t]+(?:her|him|them)sel(?:f|ves))[ \t]*[:,]?[ \t]*(?P<q>['\"\u2018\u201c]?)(?=[^\W\d_])")
_SLASH_LABEL_RE = re.compile(r"(?<![\w/'\u2019-])([^\W\d_]{2,}(?:[-'\u2019][^\W\d_]+)*)/([^\W\d_]{2,}"
                             r"(?:[-'\u2019][^\W\d_]+)*)/(?=\d{6,}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|[A-Z]{1,3}\d{5,})")
_ROLE_BRACKET_RE = re.compile(r"(?<![\w'\u2019-])(?i:" + trie(ROLE_WORDS) + r")[ \t]*\([ \t]*(" + _NAME_TOKEN
    + r"(?:[ \t]+" + _NAME_TOKEN + r"){0,2})[ \t]*\)")
_INITIALS_ROLE_RE = re.compile(r"(?<![\w.'\u2019-])((?:" + _U + r"\.[ \t]?){2,3})[ \t]*\([ \t]*([^\W\d_]+)[ \t]*\)")
# name particles joining a name's words: "Seán Ó Murchú", "Pieter van der Berg", "Aoife Ní Bhriain"
_PARTICLES = r"(?:Ó|Ní|Nic|Mac|Ua|Uí|van|von|der|den|de|da|di|du|del|della|ter|bin|binti|ibn|al|el|ap|ferch)"
_PARTICLE_RE = re.compile(r"(?:[ \t]+" + _PARTICLES + r"){1,2}[ \t]+" + _NAME_TOKEN)
_PARTICLE_BEFORE_RE = re.compile(r"(?<![\w'\u2019-])" + _NAME_TOKEN + r"(?:[ \t]+" + _PARTICLES + r"){1,2}[ \t]+$")
# medical specialties written after a role look like names: "Consultant Geriatrician", "Reg Rheumatologist"
_SPECIALTY_RE = re.compile(r"(?i)[^\W\d_]+(?:ologist|ician|iatrist|ographer|apist|ologists|icians)")


def _typo_variants(word: str) -> set[str]:
    """One dropped or doubled letter inside the word, or two letters after the first swapped: "nure", "nurrse",
    "nruse", "sistre"; not "office" for "officer" (the last letter is never dropped)."""
    out = set()
    for i in range(1, len(word) - 1):
        out.add(word[:i] + word[i + 1:])
        out.add(word[:i] + word[i] + word[i:])
        out.add(word[:i] + word[i + 1] + word[i] + word[i + 2:])
    return out


#: Misspelt single-word roles of five letters or more ("siister Mei", "Staff nrse Chukwuemeka"), never an
#: ordinary word of the stop lists or another role.
_ROLE_TYPOS: frozenset[str] = frozenset(
    v for w in ROLE_WORDS if " " not in w and len(w) >= 5 for v in _typo_variants(w)) - ROLE_WORDS - frozenset(
    w.lower() for w in _NOT_NAMES | _TITLE_STOP)

_AT_TIME_RE = re.compile(r"[ \t]+(?i:at)[ \t]+\d{1,2}[:.]?\d{2}\b")  # "DR NOVAK AT 13:12"
_ID_TOKEN_RE = re.compile(_NAME_TOKEN + r"|" + _SHOUT + r"|" + _U + r"\.?")


def _next_word(text: str, end: int) -> str:
    m = _NEXT_WORD_RE.match(text, end, end + 40)
    return m.group(1).lower() if m else ""


def _prev_word(text: str, start: int) -> str:
    """The word before ``start`` (lower case, a trailing full stop kept; "" when none or not separated
    by white space): "housebound.HCA Tom" -> "hca", "nurse. Jane" -> "nurse."."""
    tail = text[max(0, start - 40):start]
    stripped = tail.rstrip()
    if not stripped or len(stripped) == len(tail):
        return ""
    i = len(stripped) - (stripped[-1] == ".")
    j = i
    while j > 0 and (stripped[j - 1].isalnum() or stripped[j - 1] == "_"
                     or (stripped[j - 1] == "/" and j > 1 and stripped[j - 2].isalpha())):  # "S/N Amber"
        j -= 1
    return stripped[j:].lower() if j < i else ""


def _trim_name(text: str, start: int, end: int, stop: frozenset[str]) -> tuple[int, int] | None:
    """The leading run of name tokens in ``text[start:end]`` (cut at the first word in ``stop``);
    trailing lone initials are dropped; None if nothing is left."""
    keep: list[tuple[int, int, str]] = []
    for m in _TOKEN_IN_SEQ_RE.finditer(text, start, end):
        if m.group() in stop:
            break
        keep.append((m.start(), m.end(), m.group()))
    while keep and len(keep[-1][2].rstrip(".")) == 1:  # trailing initials alone are not a name
        keep.pop()
    if not keep:
        return None
    return keep[0][0], keep[-1][1]


def _is_id_cue(word: str) -> bool:
    """ "no", "number" and its misspellings ("nuber", "numer"), "id", "ref"."""
    return word in _ID_CUE_AFTER or (word.startswith(("nu", "no")) and len(word) <= 7)


def _surname_like(token: str, surnames: frozenset[str]) -> bool:
    """A gazetteer surname, or a hyphenated one with a gazetteer part ("Price-Jones")."""
    return token in surnames or ("-" in token and any(p in surnames for p in token.split("-")))


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n\r\"'(-*"

class NameFinder:
    """Find person-name spans with the gazetteer, a deployment's extra names and its not-names.

    Parameters
    ----------
    gazetteer : bool
        Find bare names with the gazetteer (titles, roles and record style always apply).
    extra_names : iterable of str
        Extra given names or surnames.
    not_names : iterable of str
        Capitalised words never to treat as names.
    """

    def __init__(self, gazetteer: bool = True, extra_names: Iterable[str] = (), not_names: Iterable[str] = ()):
        self.gazetteer = gazetteer
        extra = frozenset(extra_names)
        self._first = FIRST_NAMES | extra
        self._surnames = SURNAMES | extra
        self._bare_surnames = (SURNAMES - AMBIGUOUS_SURNAMES) | extra
        self._gaz_lower = frozenset(w.lower() for w in self._first | self._surnames | AMBIGUOUS_SURNAMES)
        self._first_lower = frozenset(w.lower() for w in self._first)
        self._bare_surnames_lower = frozenset(w.lower() for w in self._bare_surnames)
        self._not_names = frozenset(not_names)
        # stop-word sets used per text, built once
        self._title_stop = _TITLE_STOP | self._not_names
        self._name_stop = _NOT_NAMES | self._not_names
        self._role_stop = (_NOT_NAMES - _SURNAME_PLACES) | self._not_names
        self._record_stop = self._name_stop | _TITLE_STOP
        self._caps_stop_lower = frozenset(w.lower() for w in self._record_stop)
        self._ambiguous_first_lower = frozenset(x.lower() for x in AMBIGUOUS_FIRST_NAMES)

    def find(self, text: str, shouted: bool = False) -> list[Span]:
        """Candidate ``(start, end, "PERSON")`` spans in ``text`` (may overlap; the caller resolves them).

        ``shouted``: the text is mostly upper case, so names are also looked for in a title-cased copy.
        """
        spans = self._find_names(text)
        if shouted:
            titled = text.title()
            if len(titled) == len(text):  # same offsets
                spans.extend(self._find_caps_names(titled))
        else:
            self._find_cue_names(text, spans)
        return self._finish(text, spans)

    def _finish(self, text: str, spans: list[Span]) -> list[Span]:
        """Whole words only (a span never starts or ends inside a word; dotted initials before a name join
        it: "A.B. Khan"), and no span over a protected eponym phrase (``gazetteer/eponyms.txt``)."""
        if not spans:
            return spans
        n = len(text)
        out: list[Span] = []
        for s, e, t in spans:
            while s > 0 and (text[s - 1].isalnum() or (text[s - 1] in "'\u2019" and s > 1 and text[s - 2].isalpha())):
                s -= 1
            while e < n and (text[e].isalnum() or (text[e] in "'\u2019-" and e + 1 < n and text[e + 1].isalpha()
                                                    and text[e:e + 2].lower() not in ("'s", "\u2019s"))):
                e += 1
            m = _INITIALS_BEFORE_RE.search(text, max(0, s - 12), s)
            if m:
                s = m.start()
            if text[s].isupper():  # "Seán Ó Murchú", "Pieter van der Berg"
                m = _PARTICLE_RE.match(text, e)
                if m:
                    e = m.end()
                m = _PARTICLE_BEFORE_RE.search(text, max(0, s - 40), s)
                if m and m.group()[0].isupper():
                    s = m.start()
            if all(_SPECIALTY_RE.fullmatch(w) for w in text[s:e].split()):
                continue  # "Consultant Geriatrician"
            drop = False
            w0 = max(0, s - 60)
            for pm in _EPONYM_RE.finditer(text, w0, min(n, e + 60)):
                ps, pe, multi = pm.start(), pm.end(), " " in pm.group().strip()
                inside = ps <= s and e <= pe + 2 and _prev_word(text, s).rstrip(".") not in _TITLE_WORDS
                if ps < e and s < pe and (multi or inside):
                    drop = True  # "Marie Curie nurse", bare "Parkinson's"; not "Dr Parkinson" / "Julie Foley"
                    break
            if not drop:
                out.append((s, e, t))
        return out

    def _find_cue_names(self, text: str, spans: list[Span]) -> None:
        """Names after a title, "pt" or a verb of communication, in lower case ("spoke to dr smith",
        "pt john", "discussed with siobhán") or capitalised after the verb ("handed over to Kemi Adeyemi")."""
        gaz, first, bare_sur = self._gaz_lower, self._first_lower, self._bare_surnames_lower
        stop = self._caps_stop_lower
        amb_first = self._ambiguous_first_lower
        words = set(_ALPHA_RE.findall(text))
        comm = not words.isdisjoint(_COMM_HEADS_ANY)
        if not comm and (words.isdisjoint(_TITLE_HEADS_ANY)
                         or (words.isdisjoint(gaz) and words.isdisjoint(_NAME_SHAPED_TITLES_ANY))):
            return  # no cue; or only title/pt/role cues, no lower-case gazetteer word and no "dr" before a new name
        for start in _head_starts(text, {w.lower() for w in words} & _CUE_HEADS):
            m = _CUE_RE.match(text, start)
            if m is None:
                continue
            w1, w2 = m.group("w1"), m.group("w2")
            l1 = w1.lower()
            if w1 == l1:  # lower case: a gazetteer name is needed, or a name-shaped word after a title
                if l1 in stop or l1 in ROLE_WORDS or l1 in _TITLE_WORDS or l1 in _AFTER_TITLE_WORDS:
                    continue
                if m.group("title"):  # "dr nakamura"; not "mr triclip" (mitral regurgitation), "sister like"
                    ok = l1 in gaz or (m.group("title").lower() in _NAME_SHAPED_TITLES and len(l1) > 3
                                       and not _UNKNOWN_SUFFIX_RE.fullmatch(l1))
                else:
                    ok = (l1 in first and l1 not in amb_first) or l1 in bare_sur
                if not ok:
                    continue
                end = m.end("w1")
                if w2 and w2 == w2.lower() and w2 not in stop and w2 not in _AFTER_TITLE_WORDS and (
                        w2 in bare_sur or (l1 in first and (w2 in gaz or (
                            len(w2) > 2 and not _UNKNOWN_SUFFIX_RE.fullmatch(w2) and w2 not in ROLE_WORDS)))):
                    end = m.end("w2")  # "pt john davies", "pt tomasz whitfield"
                spans.append((m.start("w1"), end, "PERSON"))
            elif m.group("cue") and w1[0].isupper() and not w1.isupper():
                c = _CAP_RE.match(text, m.start("w1"))
                if not c:
                    continue
                cut = _trim_name(text, c.start(), c.end(), self._name_stop)
                if not cut or cut[0] != c.start():
                    continue
                words = text[cut[0]:cut[1]].split()
                head = words[0]
                if head.lower() in ROLE_WORDS or head.lower() in _TITLE_WORDS or head.lower() in stop:
                    continue
                known = self._is_name_word(head) or any(self._is_name_word(w) for w in words[1:]) \
                    or not "".join(words).isascii()  # "Bleeped François Ní Bhriain"
                if not known:  # "called Rescue Squad", "seen by Ophthalmologist", "referred to Med Ctr"
                    continue
                if not self._place_context(text, cut[0], cut[1], named=known):
                    spans.append((cut[0], cut[1], "PERSON"))

    def _find_names(self, text: str) -> list[Span]:
        spans: list[Span] = []
        title_stop = self._title_stop
        for m in _TITLE_RE.finditer(text):
            if _prev_word(text, m.start()) in _ARTICLES:
                continue  # "the Dr." is a role, not a title
            cut = _trim_name(text, m.start(1), m.end(1), title_stop)
            if not cut and text[m.start(1):m.start(1) + 2] in ("A ", "I ", "A."):  # "Mr A Hussein"
                rest = _trim_name(text, m.start(1) + 2 + (text[m.start(1) + 2:m.start(1) + 3] == " "), m.end(1),
                                  title_stop)
                cut = (m.start(1), rest[1]) if rest else None
            if not cut:
                continue
            if "." in text[m.start():m.start(1)] and " " not in text[cut[0]:cut[1]].strip() \
                    and not self._is_name_word(text[cut[0]:cut[1]]) \
                    and (text[cut[0]:cut[1]] in self._name_stop or _INFLECTED_RE.fullmatch(text[cut[0]:cut[1]])):
                continue  # "... with Dr. Plan agreed": a full stop, then an ordinary word ("Dr. Okonkwo" is a name)
            title = text[m.start():m.start(1)].strip().rstrip(".")
            if len(title) > 1 and title.isupper() \
                    and not any(self._is_name_word(w) for w in text[cut[0]:cut[1]].split()):
                continue  # "MR Vaccine", "MS Relapse": capitals in mixed-case text are an abbreviation
            spans.append((cut[0], cut[1], "PERSON"))
        self._find_run_names(text, spans)
        self._find_surname_first(text, spans)
        self._find_before_role(text, spans)
        self._find_before_id_cue(text, spans)
        self._find_labelled(text, spans)
        if "." in text:
            for m in _GLUED_INITIALS_RE.finditer(text):
                name = m.group(1)
                if len(name) < 3:
                    continue  # "R.Ph" (pharmacist)
                if self._is_name_word(name) or _prev_word(text, m.start()) in _PERSON_PREV \
                        or _next_word(text, m.end()) in _NAME_FOLLOWERS or text[m.end():m.end() + 2] in (", ", " ("):
                    spans.append((m.start(), m.end(), "PERSON"))
        return spans

    def _find_before_role(self, text: str, spans: list[Span]) -> None:
        """One to three capitalised words right before a staff or relative role in brackets or after a comma or
        dash ("Ekaterina Sokolova (physio)", "Balogun (son)"), none of them an ordinary or role word."""
        if "(" not in text and "," not in text and " - " not in text:
            return
        stop, stop_lower = self._name_stop, self._caps_stop_lower
        for m in _BEFORE_ROLE_RE.finditer(text):
            if m.group("role").lower() not in ROLE_WORDS:
                continue
            toks = list(_TOKEN_IN_SEQ_RE.finditer(text, m.start(1), m.end(1)))
            k = len(toks)
            while k > 0 and toks[k - 1].group() not in stop and toks[k - 1].group().lower() not in ROLE_WORDS \
                    and toks[k - 1].group().lower() not in _TITLE_WORDS and toks[k - 1].group().lower() not in stop_lower:
                k -= 1  # the name is the last words: "Spoke To Balogun (Son)" in a title-cased copy
            if k == len(toks) or len(toks[-1].group()) < 3:
                continue
            start = toks[k].start()
            if text[m.end(1):m.start("role")].strip() != "(" and _sentence_start(text, start):
                continue  # "; However, father is ...": a comma after a sentence's first word
            if not self._place_context(text, start, m.end(1), named=False):
                spans.append((start, m.end(1), "PERSON"))

    def _find_before_id_cue(self, text: str, spans: list[Span]) -> None:
        """Name-shaped words right before a date-of-birth, hospital- or NHS-number cue (see ``_BEFORE_ID_RE``),
        after any leading ordinary, role or title words ("Pt", "Patient", "Nurse"). Without a gazetteer word
        the name needs two words or an initial ("Abimbola Novak", "D. Turner"); in shouted text, a gazetteer
        word or an initial. A comma before the cue is a list of form fields ("Name, DOB"), not a name."""
        low = text.lower()
        if not any(c in low for c in ("hosp", "dob", "d.o.b", "nhs", "mrn", "bir", "born", "pt", "patient",
                                      "unit", " no")):
            return
        stop, stop_lower = self._record_stop, self._caps_stop_lower

        def ordinary(w: str) -> bool:
            lw = w.lower().rstrip(".")
            return (w in stop or w.title() in stop or lw in stop_lower or lw in ROLE_WORDS or lw in _TITLE_WORDS
                    or lw in _CAPS_CONTEXT or lw in _ARTICLES or bool(_INFLECTED_RE.fullmatch(w.title())))

        for m in _PT_INITIAL_RE.finditer(text):
            if not self._place_context(text, m.start(1), m.end(1), named=True):
                spans.append((m.start(1), m.end(1), "PERSON"))
        for m in _BEFORE_ID_RE.finditer(text):
            comma = "," in text[m.end(1):m.end()]
            toks = list(_ID_TOKEN_RE.finditer(text, m.start(1), m.end(1)))
            k = 0
            while k < len(toks) and (len(toks[k].group().rstrip(".")) == 1 or ordinary(toks[k].group())):
                k += 1
            words = [t.group() for t in toks[k:]]
            if not words or any(ordinary(w) for w in words):
                continue
            prev = toks[k - 1].group() if k > 0 else ""
            initial = len(prev.rstrip(".")) == 1 and (prev.endswith(".") or prev not in ("A", "I"))
            known = any(self._is_name_word(w.title()) for w in words)
            shouted = all(w.isupper() for w in words)
            patient = _prev_word(text, toks[k - 1].start() if initial else toks[k].start()) in ("pt", "patient")
            if not (known or initial or (len(words) >= 2 and not shouted)):
                continue
            if comma and not (initial or patient):  # "Name, DOB, NHS no": a list of form fields
                continue
            start = toks[k - 1].start() if initial else toks[k].start()
            if not self._place_context(text, start, m.end(1), named=True):
                spans.append((start, m.end(1), "PERSON"))

    def _field_value(self, text: str, pos: int, quoted: bool = False) -> tuple[int, int] | None:
        """Up to three words from ``pos`` on the same line (a leading title skipped), cut at the first ordinary,
        role or field-label word ("WHITE  Forename: ..."); None when the first word is not a value."""
        stop = self._caps_stop_lower
        end_line = text.find("\n", pos)
        end_line = len(text) if end_line < 0 else end_line
        toks: list[tuple[int, int]] = []
        i = pos
        while len(toks) < 3:
            m = _FIELD_WORD_RE.match(text, i, end_line)
            if not m:
                break
            w = m.group().rstrip(".").lower()
            if not toks and w in _TITLE_WORDS:
                i = _GAP_RE.match(text, m.end(), end_line).end()
                continue
            cap = m.group()[0].isupper()
            if w in _FIELD_LABEL_WORDS or w in ROLE_WORDS or w in _NOT_FIELD_VALUES or (
                    w in stop and not (quoted or self._is_name_word(m.group().rstrip(".").title()))) \
                    or (toks and not cap and text[toks[0][0]].isupper()):
                break
            toks.append((m.start(), m.end() - m.group().endswith(".")))
            i = _GAP_RE.match(text, m.end(), end_line).end()
            if i - m.end() not in (1, 2) or m.group().endswith("."):
                break  # punctuation, or a wide gap before the next field ("WHITE   Forename")
        if not toks or (len(toks) == 1 and toks[0][1] - toks[0][0] < 2):
            return None
        return toks[0][0], toks[-1][1]

    def _find_labelled(self, text: str, spans: list[Span]) -> None:
        """Names a label or a phrase says are names (see ``_FIELD_RE`` and the patterns beside it)."""
        if ":" in text or "=" in text:
            for m in _FIELD_RE.finditer(text):
                cut = self._field_value(text, m.end())
                if cut:
                    spans.append((cut[0], cut[1], "PERSON"))
        low = text.lower()
        if any(k in low for k in ("known", "goes", "prefer", "name", "call")):
            for m in _NAMED_RE.finditer(text):
                quoted = bool(m.group("q"))
                if not quoted and not (text[m.end()].isupper() and text[m.end() + 1:m.end() + 2].islower()):
                    continue  # "prefers tea", "known as HIV": unquoted, only a capitalised word
                cut = self._field_value(text, m.end(), quoted=quoted)
                if cut and not self._place_context(text, cut[0], cut[1], named=quoted):
                    spans.append((cut[0], cut[1], "PERSON"))
        if "/" in text:
            stop = self._caps_stop_lower
            for m in _SLASH_LABEL_RE.finditer(text):
                a, b = m.group(1).lower(), m.group(2).lower()
                if not ({a, b} & (stop | ROLE_WORDS | _TITLE_WORDS | _FIELD_LABEL_WORDS)):
                    spans.append((m.start(1), m.end(2), "PERSON"))
        if "(" in text:
            stop = self._name_stop
            for m in _ROLE_BRACKET_RE.finditer(text):
                words = m.group(1).split()
                if all(self._is_name_word(w) or w in AMBIGUOUS_FIRST_NAMES or w not in stop for w in words) \
                        and not any(w.lower() in ROLE_WORDS or _SPECIALTY_RE.fullmatch(w) for w in words):
                    spans.append((m.start(1), m.end(1), "PERSON"))
            for m in _INITIALS_ROLE_RE.finditer(text):
                if m.group(2).lower() in ROLE_WORDS:
                    spans.append((m.start(1), m.start(1) + len(m.group(1).rstrip()), "PERSON"))

    def _is_name_word(self, word: str) -> bool:
        return word in self._first or word in self._surnames or word in AMBIGUOUS_SURNAMES

    def _find_surname_first(self, text: str, spans: list[Span]) -> None:
        """"KOWALSKI, Abimbola" / "Smith, John": a surname, a comma, a given name."""
        stop = self._record_stop
        for m in _SURNAME_FIRST_RE.finditer(text):
            sur, given = m.group(1), m.group(2)
            known_sur = _surname_like(sur.title(), self._surnames)
            known_given = given.title() in self._first
            record_style = sur.isupper() and len(sur) > 3 and any(v in sur for v in "AEIOUY") \
                and given[1:].islower() \
                and _next_word(text, m.end()) in _NAME_FOLLOWERS and not ({sur.title(), given} & stop) \
                and given.lower() not in ROLE_WORDS  # "LINDQVIST, Beryl (hosp no ...", not "TTO, Pharmacy was"
            if (known_sur and known_given) or (sur.isupper() and len(sur) > 1 and (known_sur or known_given)) \
                    or record_style:
                spans.append((m.start(), m.end(), "PERSON"))

    def _find_caps_names(self, titled: str) -> list[Span]:
        """Names in upper-case text, found in its title-cased copy (same offsets). Every word is capitalised
        there, so a name needs a gazetteer word: after a title or role ("DR KELLY", "HCA MICHAEL SMITH",
        "DR EWA NGUYEN"), a given name or initial with a surname ("JANE SINGH", "P. WONG"), an unknown word
        with a surname before a verb or cue ("MEI BOATENG BORN"), or one unknown word after a title or role
        before a verb or cue ("DR NOVAK WAS")."""
        spans: list[Span] = []
        words = [(m.start(), m.end() - m.group().endswith("."), m.group().rstrip("."), m.group().endswith("."))
                 for m in _WORD_RE.finditer(titled)]
        n = len(words)
        gaz, first, bare_sur = self._gaz_lower, self._first_lower, self._bare_surnames_lower
        stop = self._caps_stop_lower
        context_words = _CAPS_CONTEXT
        ambiguous_first = self._ambiguous_first_lower

        def adjacent(j: int, after_context: bool = False) -> bool:
            """Word j follows word j-1 in the same sentence (a full stop only after an initial or title)."""
            if not j:
                return False
            gap = titled[words[j - 1][1]:words[j][0]].strip()
            prev = words[j - 1][2]
            return gap == "" or (gap == "." and (len(prev) == 1 or (after_context and prev.lower() in _TITLE_WORDS))) \
                or (after_context and gap in ("-", ":") and prev.lower() in ROLE_WORDS)  # "(SON - DECLAN)", "NOK: JO"

        def name_word(j: int) -> bool:
            w = words[j][2].lower()
            return w in gaz and w not in stop

        i = 0
        while i < n:
            s, e, w, _ = words[i]
            lw = w.lower()
            ctx = i > 0 and words[i - 1][2].lower() in context_words and adjacent(i, after_context=True)
            initial = len(w) == 1
            j = i
            while j < n and j - i < 3 and (j == i or adjacent(j)) and (
                    name_word(j) or (j == i and j + 1 < n and adjacent(j + 1) and name_word(j + 1)
                                     and words[j + 1][2].lower() in bare_sur
                                     and (lw not in stop or (initial and words[i][3]))  # "A. SHARMA"
                                     and lw not in context_words)):
                j += 1
            if j - i >= 2 or (j > i and not initial):
                second = words[i + 1][2].lower() if j - i >= 2 else ""
                follows = _next_word(titled, words[j - 1][1]) in _NAME_FOLLOWERS
                if ctx or (j - i >= 2 and (
                        (lw in first and lw not in ambiguous_first)
                        or (initial and (words[i][3] or second in bare_sur))
                        or (second in bare_sur and follows))):
                    if ctx and j - i == 1 and lw in first and j < n and adjacent(j) and len(words[j][2]) > 1 \
                            and words[j][2].lower() not in stop and words[j][2].lower() not in context_words \
                            and words[j][2].lower() not in _NAME_FOLLOWERS \
                            and words[j][2].lower() not in _PLACE_AFTER:
                        j += 1  # "DR PETER NOVAK", "MANAGER GARETH PRICE-JONES": the surname the lists lack
                    spans.append((s, words[j - 1][1], "PERSON"))
                    i = j
                    continue
            if j - i == 1 and lw in first and lw not in ambiguous_first:
                # "ARJUN LINDQVIST MRN ...", "ARJUN WAS ...": a given name, perhaps with a word the gazetteer
                # does not know, before a verb or identifier cue
                k = i + 1
                if k < n and adjacent(k) and len(words[k][2]) > 1 and words[k][2].lower() not in stop \
                        and words[k][2].lower() not in context_words \
                        and words[k][2].lower() not in _NAME_FOLLOWERS:
                    k += 1
                end = words[k - 1][1]
                if _next_word(titled, end) in _NAME_FOLLOWERS \
                        and not self._place_context(titled, s, end, named=True):  # "JOHN RADCLIFFE HOSPITAL"
                    spans.append((s, end, "PERSON"))
                    i = k
                    continue
            staff = i > 0 and words[i - 1][2].lower() in _STAFF_CONTEXT  # not "PT FINE", "PT EXP RASH"
            if ctx and staff and lw not in stop and lw not in context_words and len(w) > 1 \
                    and lw not in _AFTER_TITLE_WORDS and not _UNKNOWN_SUFFIX_RE.fullmatch(lw):
                # one or two unknown words after a title or role, before a verb, a cue or the end of a clause:
                # "DR NOVAK WAS", "(DR BALOGUN)", "NURSE FEMI SOKOLOVA WITNESSED"
                k = i + 1
                if k < n and adjacent(k) and len(words[k][2]) > 1 and words[k][2].lower() not in stop \
                        and words[k][2].lower() not in context_words and words[k][2].lower() not in _NAME_FOLLOWERS:
                    k += 1
                end = words[k - 1][1]
                if _next_word(titled, end) in _NAME_FOLLOWERS or _CLAUSE_CLOSE_RE.match(titled, end) \
                        or _AT_TIME_RE.match(titled, end):
                    spans.append((s, end, "PERSON"))
                    i = k
                    continue
            i += 1
        self._find_surname_first(titled, spans)
        self._find_before_role(titled, spans)
        return spans

    @staticmethod
    def _place_context(text: str, start: int, end: int, named: bool) -> bool:
        """Whether a name-like run is part of a place ("Elizabeth Ward", "St Mary's", "Queen Victoria").

        ``named``: the run is known to start with a person's name (a role or a gazetteer given name), so
        a final "Ward"/"Hall" is a surname unless a preposition says it is a place ("on Jane Ward").
        """
        prev = _prev_word(text, start)
        if prev in _PLACE_BEFORE:
            return True
        if text[end:end + 2] in ("'s", "\u2019s") and _next_word(text, end + 2) in _PLACE_AFTER:
            return True  # "William's syndrome", "Bell's palsy"
        last = text[start:end].rsplit(None, 1)[-1]
        if last in _SURNAME_PLACES:
            return prev in _PLACE_PREPOSITIONS or (last == "Ward" and not named)
        nxt = _next_word(text, end)
        if nxt in _PLACE_AFTER:
            # "Doreen Thompson unit number 88...", "Joan Ali hospital no. R..." name a person, not a place
            m = _NEXT_WORD_RE.match(text, end, end + 40)
            return not (m and _is_id_cue(_next_word(text, m.end())))
        return False

    def _find_run_names(self, text: str, spans: list[Span]) -> None:
        """Names in runs of capitalised words: after a role ("HCA Tom Price", "Porter Delphine"), and,
        with the gazetteer, bare given names / surnames and capitalised pairs ("Ewa Okoro attended")."""
        first, surn = self._first, self._bare_surnames
        stop, role_stop = self._name_stop, self._role_stop
        gazetteer = self.gazetteer
        for m in _CAP_RE.finditer(text):
            toks = [(t.start(), t.end(), t.group()) for t in _TOKEN_IN_SEQ_RE.finditer(text, m.start(), m.end())]
            n = len(toks)
            k = 0  # leading role words inside the run ("Student Nurse Jane Smith")
            while k < n and toks[k][2].lower() in ROLE_WORDS:
                k += 1
            if k < n and (k > 0 or _prev_word(text, m.start()) in ROLE_WORDS
                          or _prev_word(text, m.start()) in _ROLE_TYPOS):  # "nure." ends a sentence
                cut = _trim_name(text, toks[k][0], m.end(), role_stop)
                if cut and _INFLECTED_RE.fullmatch(toks[k][2]) and not self._is_name_word(toks[k][2]):
                    cut = None  # "Patient Collapsed", "Nurse Noticed bleeding"
                if cut and not self._place_context(text, cut[0], cut[1], named=True):
                    spans.append((cut[0], cut[1], "PERSON"))
                    continue
            if not gazetteer:
                continue
            i = k
            while i < n:
                s, e, w = toks[i]
                if w in stop or (len(w.rstrip(".")) == 1 and (i + 1 >= n or not _surname_like(toks[i + 1][2], surn))) \
                        or text[e:e + 1] == "-":  # "Miller-fisher variant"
                    i += 1
                    continue
                nxt = toks[i + 1][2] if i + 1 < n else None
                nxt_ok = nxt is not None and len(nxt) > 1 and (nxt not in stop or nxt in _SURNAME_PLACES)
                at_start = i == 0 and _sentence_start(text, s)
                named = False
                j = None  # index of the last token of the name
                if w in first and w not in AMBIGUOUS_FIRST_NAMES:
                    j, named = (i + 1 if nxt_ok else i), True
                elif nxt_ok and _surname_like(nxt, surn):
                    j = i + 1  # "J Smith", "Tobi Patel", "May Jones", "M. Price-Jones"
                elif w in surn and text[e:e + 2] not in ("'s", "\u2019s"):
                    if not at_start:
                        j = i
                elif n == 2 and nxt_ok and w not in AMBIGUOUS_FIRST_NAMES and (
                        _next_word(text, toks[1][1]) in _NAME_FOLLOWERS
                        or (not at_start and _prev_word(text, s) in _PERSON_PREV)):
                    j = 1  # exactly two capitalised words: "informed Tobias Fairweather", "Ewa Okoro attended"
                if j is None:
                    i += 1
                    continue
                end = toks[j][1]
                if not self._place_context(text, s, end, named):
                    spans.append((s, end, "PERSON"))
                i = j + 1
