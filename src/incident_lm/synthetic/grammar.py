"""A small template grammar that builds report text with tracked identifier spans.

Template syntax
---------------
``{slot}``
    Expand a lexicon slot (or a per-report override) and splice its text in.
``[a|b|c]``
    Pick one alternative uniformly; alternatives may nest.
``[?text]`` / ``[??text]``
    Optional text, kept with probability 0.5 / 0.25.

Expansion appends *pieces* to a list: plain ``str`` for ordinary text and
``(text, type)`` tuples for planted identifiers, so that offsets can be computed
exactly after case changes and misspellings (which never touch identifiers).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from itertools import accumulate
from typing import Any

import numpy as np

Piece = str | tuple[str, str]
Sentence = list[Piece]

_LIT, _SLOT, _ALT, _OPT = 0, 1, 2, 3
_PLAIN, _ABBR, _FN = 0, 1, 2


class Stream:
    """Buffered uniform draws from a :class:`numpy.random.Generator`.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the only one used for text.
    block : int
        How many uniforms to draw per refill.
    """

    __slots__ = ("_rng", "_buf", "_i", "_block")

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16) -> None:
        self._rng = rng
        self._block = block
        self._buf: list[float] = rng.random(block).tolist()
        self._i = 0

    def u(self) -> float:
        """One uniform draw in [0, 1)."""
        i = self._i
        if i >= self._block:
            self._buf = self._rng.random(self._block).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]

    def below(self, n: int) -> int:
        """A uniform integer in ``0..n-1``."""
        return int(self.u() * n)

    def pick(self, seq: Sequence[Any]) -> Any:
        """A uniformly chosen element of ``seq``."""
        return seq[int(self.u() * len(seq))]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.u() < p

    def weighted(self, cum: Sequence[float]) -> int:
        """An index drawn from cumulative weights ``cum`` (last element is the total)."""
        return min(bisect_right(cum, self.u() * cum[-1]), len(cum) - 1)


def cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative sums of ``weights`` for :meth:`Stream.weighted`."""
    return list(accumulate(float(w) for w in weights))


def _parse(text: str, i: int, stop: str) -> tuple[tuple, int]:
    """Parse ``text`` from ``i`` until a character in ``stop``; return (nodes, index)."""
    nodes: list[tuple] = []
    buf: list[str] = []
    n = len(text)
    while i < n:
        c = text[i]
        if c in stop:
            break
        if c == "{":
            j = text.index("}", i)
            if buf:
                nodes.append((_LIT, "".join(buf)))
                buf = []
            nodes.append((_SLOT, text[i + 1:j]))
            i = j + 1
        elif c == "[":
            if buf:
                nodes.append((_LIT, "".join(buf)))
                buf = []
            if text.startswith("[??", i):
                seq, i = _parse(text, i + 3, "]")
                nodes.append((_OPT, 0.25, seq))
            elif text.startswith("[?", i):
                seq, i = _parse(text, i + 2, "]")
                nodes.append((_OPT, 0.5, seq))
            else:
                alts = []
                i += 1
                while True:
                    seq, i = _parse(text, i, "|]")
                    alts.append(seq)
                    if i >= n:
                        raise ValueError(f"unclosed '[' in template {text!r}")
                    if text[i] == "]":
                        break
                    i += 1
                nodes.append((_ALT, tuple(alts)))
            if i >= n or text[i] != "]":
                raise ValueError(f"unclosed '[' in template {text!r}")
            i += 1
        else:
            buf.append(c)
            i += 1
    if buf:
        nodes.append((_LIT, "".join(buf)))
    return tuple(nodes), i


def compile_template(text: str) -> tuple:
    """Compile one template string into a node sequence."""
    seq, i = _parse(text, 0, "")
    if i != len(text):
        raise ValueError(f"unbalanced brackets in template {text!r}")
    return seq


def _slot_names(seq: tuple, found: set[str]) -> None:
    for node in seq:
        if node[0] == _SLOT:
            found.add(node[1])
        elif node[0] == _ALT:
            for alt in node[1]:
                _slot_names(alt, found)
        elif node[0] == _OPT:
            _slot_names(node[2], found)


class Context:
    """Per-report state for expansion: the stream, slot overrides and abbreviation propensity."""

    __slots__ = ("stream", "overrides", "abbr")

    def __init__(self, stream: Stream, overrides: dict[str, Any] | None = None, abbr: float = 0.5) -> None:
        self.stream = stream
        self.overrides: dict[str, Any] = overrides if overrides is not None else {}
        self.abbr = abbr


SlotFn = Callable[[Stream, Context, list], None]
LexEntry = Sequence[str] | tuple[Sequence[str], Sequence[str]] | SlotFn


class Grammar:
    """Compiled lexicon of slots; expands templates into pieces.

    Parameters
    ----------
    lexicon : mapping
        ``name -> list of templates`` (uniform choice), ``name -> (full, abbreviated)``
        (two template lists; the abbreviated one is chosen with the report's
        abbreviation propensity) or ``name -> callable(stream, ctx, out)``.
    override_names : sequence of str
        Slot names supplied per report through :class:`Context` overrides.
    """

    def __init__(self, lexicon: Mapping[str, LexEntry], override_names: Sequence[str] = ()) -> None:
        self.slots: dict[str, tuple] = {}
        for name, entry in lexicon.items():
            if callable(entry):
                self.slots[name] = (_FN, entry)
            elif isinstance(entry, tuple) and len(entry) == 2 and not isinstance(entry[0], str):
                self.slots[name] = (_ABBR, self.compile_all(entry[0]), self.compile_all(entry[1]))
            else:
                self.slots[name] = (_PLAIN, self.compile_all(entry))
        self.override_names = frozenset(override_names)
        for name, slot in self.slots.items():
            for seqs in slot[1:] if slot[0] != _FN else ():
                for seq in seqs:
                    self.check(seq, where=name)

    @staticmethod
    def compile_all(templates: Sequence[str]) -> tuple:
        """Compile a list of templates; an empty list is an error."""
        if not templates:
            raise ValueError("empty template list")
        return tuple(compile_template(t) for t in templates)

    def check(self, seq: tuple, where: str = "") -> None:
        """Raise ValueError if ``seq`` refers to an unknown slot."""
        names: set[str] = set()
        _slot_names(seq, names)
        unknown = sorted(n for n in names if n not in self.slots and n not in self.override_names)
        if unknown:
            raise ValueError(f"unknown slot(s) {unknown} in {where or 'template'}")

    def expand(self, seq: tuple, ctx: Context, out: list) -> None:
        """Append the pieces of one expansion of ``seq`` to ``out``."""
        s = ctx.stream
        for node in seq:
            tag = node[0]
            if tag == _LIT:
                out.append(node[1])
            elif tag == _SLOT:
                entry = ctx.overrides.get(node[1])
                if entry is None:
                    entry = self.slots[node[1]]
                elif type(entry) is str:
                    out.append(entry)
                    continue
                kind = entry[0]
                if kind == _PLAIN:
                    self.expand(s.pick(entry[1]), ctx, out)
                elif kind == _ABBR:
                    self.expand(s.pick(entry[2] if s.u() < ctx.abbr else entry[1]), ctx, out)
                else:
                    entry[1](s, ctx, out)
            elif tag == _ALT:
                self.expand(s.pick(node[1]), ctx, out)
            elif s.u() < node[1]:
                self.expand(node[2], ctx, out)

    def sentence(self, seq: tuple, ctx: Context) -> Sentence:
        """Expand ``seq`` and tidy it into a sentence (merged, whitespace-normalised pieces)."""
        out: list = []
        self.expand(seq, ctx, out)
        return tidy(out)


_SPACES = re.compile(r"\s{2,}")
_SPACE_PUNCT = re.compile(r" +([,.;:)])")


def tidy(pieces: list) -> Sentence:
    """Merge adjacent text pieces, collapse repeated spaces and strip the ends."""
    merged: Sentence = []
    buf: list[str] = []
    for p in pieces:
        if type(p) is str:
            buf.append(p)
        else:
            if buf:
                merged.append("".join(buf))
                buf = []
            merged.append(p)
    if buf:
        merged.append("".join(buf))
    out: Sentence = []
    for p in merged:
        if type(p) is str:
            p = _SPACE_PUNCT.sub(r"\1", _SPACES.sub(" ", p))
            if p:
                out.append(p)
        else:
            out.append(p)
    if out and type(out[0]) is str:
        out[0] = out[0].lstrip()
        if not out[0]:
            out.pop(0)
    if out and type(out[-1]) is str:
        out[-1] = out[-1].rstrip(" ,")
        if not out[-1]:
            out.pop()
    return out


COMMON_MISSPELLINGS: dict[str, tuple[str, ...]] = {
    "patient": ("patinet", "paitent", "pateint"), "medication": ("medicaton", "medciation"),
    "received": ("recieved",), "separate": ("seperate",), "occurred": ("occured", "occurd"),
    "immediately": ("immediatly", "immediatley"), "ambulance": ("ambulence",),
    "unconscious": ("unconcious",), "necessary": ("neccessary", "necesary"),
    "administered": ("adminstered", "administred"), "prescribed": ("perscribed", "prescibed"),
    "because": ("becuase", "beacuse"), "bleeding": ("bleding",), "observations": ("obsevations", "observtions"),
    "discharge": ("dicharge", "discharg"), "informed": ("infromed", "imformed"), "doctor": ("docter",),
    "assessment": ("assesment", "assessmnet"), "which": ("wich",), "their": ("thier",),
    "anaesthetic": ("anaesthtic", "anaestetic"), "haemoglobin": ("haemoglbin", "heamoglobin"), "commode": ("comode",),
    "wheelchair": ("wheelchar",), "fluids": ("fluds",), "bedside": ("bedsdie",), "allergy": ("allergie",),
}


def misspell(word: str, s: Stream) -> str:
    """One plausible misspelling of ``word``: a known error, a transposition, a drop or a doubling."""
    low = word.lower()
    known = COMMON_MISSPELLINGS.get(low)
    if known and s.u() < 0.6:
        alt = s.pick(known)
        return alt.capitalize() if word[:1].isupper() else alt
    n = len(word)
    i = 1 + s.below(n - 2)
    r = s.u()
    if r < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if r < 0.75:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


class Style:
    """How one report is written: case, separators and misspelling rate."""

    __slots__ = ("case", "runon", "misspell_rate", "final_stop", "forbidden")

    def __init__(self, case: int = 0, runon: float = 0.0, misspell_rate: float = 0.0,
                 final_stop: bool = True, forbidden: frozenset[str] = frozenset()) -> None:
        self.case = case  # 0 sentence case, 1 all lower, 2 ALL CAPS, 3 erratic sentence starts
        self.runon = runon
        self.misspell_rate = misspell_rate
        self.final_stop = final_stop
        self.forbidden = forbidden  # lower-case words a misspelling must not produce (names, months)


_RUNON_SEPS = (", ", " - ", " and ", ", ", " then ", "  ", "... ")
_STOP_SEPS = (". ", ". ", ". ", ". ", ".  ", ".", " . ")


def _noisy(text: str, rate: float, s: Stream, forbidden: frozenset[str]) -> str:
    if rate <= 0.0:
        return text
    words = text.split(" ")
    changed = False
    for k, w in enumerate(words):
        if len(w) >= 4 and s.u() < rate and w.isalpha():
            new = misspell(w, s)
            if new.lower() not in forbidden:
                words[k] = new
                changed = True
    return " ".join(words) if changed else text


def render(sentences: Sequence[Sentence], style: Style, s: Stream) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Join sentences into one field text with noise; return (text, identifier spans).

    Spans are ``(start, end, type, value)`` with ``text[start:end] == value``.
    """
    parts: list[str] = []
    spans: list[tuple[int, int, str, str]] = []
    pos = 0
    cap_next = True
    case = style.case
    for sent in sentences:
        if not sent:
            continue
        if parts:
            if s.u() < style.runon:
                sep = s.pick(_RUNON_SEPS)
                cap_next = False
            else:
                last = parts[-1]
                sep = s.pick(_STOP_SEPS) if last[-1:] not in ".!?" else " "
                if not sep.endswith(" ") and last[-1:].isdigit():
                    sep = ". "  # "temp 35.8" + "." + "56 y/o" would read as a date
                cap_next = True
            parts.append(sep)
            pos += len(sep)
        first = True
        for piece in sent:
            if type(piece) is str:
                text = _noisy(piece, style.misspell_rate, s, style.forbidden)
                if case == 1:
                    text = text.lower()
                elif case == 2:
                    text = text.upper()
                elif first and text:
                    if cap_next and (case == 0 or s.u() < 0.6):
                        text = text[0].upper() + text[1:]
                    elif not cap_next and case == 0 and text[:1].isupper() and s.u() < 0.5 \
                            and text[1:2].islower():
                        text = text[0].lower() + text[1:]
            else:
                text, typ = piece
                if case == 2:
                    text = text.upper()
                elif case == 1 and typ != "PERSON" and typ != "POSTCODE":
                    text = text.lower()
                spans.append((pos, pos + len(text), typ, text))
            first = False
            parts.append(text)
            pos += len(text)
    if parts and style.final_stop and parts[-1][-1:] not in ".!?)":
        parts.append(".")
    return "".join(parts), spans
