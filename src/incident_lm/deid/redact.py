"""De-identification of free text: find direct identifiers and replace them with typed placeholders.

Every free-text field is passed through :class:`Deidentifier` before fields are joined and before
anything downstream (splits, representations, language models) sees the text.

Identifier types and placeholders
---------------------------------
All patterns run on :func:`~incident_lm.deid.structured.detection_view` of the text (Unicode spaces, line
breaks, dashes and full-width digits in their ASCII form, same offsets).

``NHS_NUMBER``       10 digits (3-3-4 with any spaces, dashes, dots or slashes, or plain) that pass the
                     Modulus 11 check digit.
``HOSPITAL_NUMBER``  local patient numbers after a cue ("MRN", "hospital no.", "unit number", any
                     "no." / "#" / misspelt "numer" followed by 6-10 digits) and bare RX-style codes
                     (1-3 letters of one case followed by 6-9 digits). Device lot numbers written
                     "lot # 60559371" are caught too (over-redaction, accepted).
``PHONE``            UK numbers (01/02/03/07/08..., +44, (0)..., spaced, dashed or dotted), other
                     ``+``-prefixed numbers.
``DATE``             numeric (03/04/1951, 3.4.51, 1951-04-03), written-month (3 April 1951, 3rd Apr,
                     April 3, 1951, April 1951, 23rd august), compact (1OCT92, 29-SEP-93, Jan94) and
                     day/month after a date word ("seen on 3/1"). Times (14:30), scores (5/10) and
                     clinical durations ("for 5/7", "2/52") are not dates. After a date-of-birth
                     cue ("DOB", "D.O.B.", "born") also unseparated (03041951) and dotted short forms.
``POSTCODE``         full UK postcodes in any case, with or without the space (SW1A 1AA, sw1a1aa).
``ADDRESS``          street addresses: a house number (after "Flat 3," ...), capitalised words, a street
                     word (Road, Street, Avenue, Lane, Close, ...), the town when punctuation follows.
``EMAIL``, ``URL``   addresses (also obfuscated: "jane.smith at nhs dot net", "[at]", "(at)") and links.
``PERSON``           names after a title (Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Sister) or a staff/relative
                     role ("staff nurse", "HCA", "consultant", "daughter", ...); record-style
                     "SMITH, John"; bare names found with a general given-name / surname gazetteer
                     written for this module, or two capitalised words in a name context ("informed
                     Tobias Fairweather", "Ewa Okoro attended"); in upper-case text, gazetteer names
                     after titles/roles ("DR KELLY"). Wards, hospitals and eponyms ("Elizabeth Ward",
                     "St Mary's", "Bell's palsy") are left alone. The title or role word is kept:
                     ``"Dr [PERSON]"``, ``"staff nurse [PERSON]"``.

Why hand-rolled and not presidio-analyzer
-----------------------------------------
presidio-analyzer 2.2 was evaluated offline. It installs spaCy and ~50 packages (~390 MB), and its
``AnalyzerEngine`` downloads a spaCy model at construction (not on PyPI officially), so it cannot run
here. Its pattern recognisers do work one by one without a model, and its NHS recogniser is the same
Modulus 11 rule used below, but its phone recogniser (``phonenumbers``) rejects Ofcom's drama ranges
(07700 900xxx) and its date recogniser misses written-month dates ("3 April 1951"); it has no
hospital-number or title/role-aware person recogniser. The patterns here are therefore hand-rolled,
precompiled and measured against ground truth with :func:`~incident_lm.deid.score.score_redactions`.

An optional statistical NER model
---------------------------------
With ``deid.ner`` naming a local spaCy pipeline directory (off by default), its PERSON entities
(:class:`~incident_lm.deid.ner.NERNames`, behind :func:`~incident_lm.deid.ner.guard` unless ``deid.ner_guard``
is false) are pooled with the rules' spans by :func:`pool_names`. :meth:`Deidentifier.redact_many` (what the
prepare stage calls) then runs the model over each batch of texts at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from incident_lm.core.params import Section, read_section
from incident_lm.deid.config import PRIORITY, TYPES, DeidConfig, Span
from incident_lm.deid.names import NameFinder
from incident_lm.deid.ner import NERNames, guard
from incident_lm.deid.structured import char_counts, detection_view, find_structured


class Deidentifier:
    """Find identifiers in free text and replace them with typed placeholders.

    Parameters
    ----------
    config : DeidConfig or mapping, optional
        See :class:`~incident_lm.deid.config.DeidConfig`; a mapping (the ``deid`` params section) is read
        with the params reader, so unknown keys and bad values are errors.

    Examples
    --------
    >>> Deidentifier().redact("Seen by Dr Patel on 03/04/2023")[0]
    'Seen by Dr [PERSON] on [DATE]'
    """

    def __init__(self, config: DeidConfig | Mapping[str, Any] | None = None):
        if not isinstance(config, DeidConfig):
            config = read_section(DeidConfig, Section(config, "deid"))
        self.config = config
        self._types = frozenset(config.redacted_types)
        self._names = NameFinder(config.gazetteer, config.extra_names, config.not_names)
        self._placeholders = {t: config.placeholder.format(type=t) for t in TYPES}
        # the optional NER model (loaded once per process); None: the rules only, spaCy never imported
        self._ner = NERNames.from_dir(config.ner) if config.ner is not None else None

    @property
    def ner(self) -> NERNames | None:
        """The NER model pooled with the name rules (``deid.ner``), or None."""
        return self._ner

    def ner_info(self) -> dict[str, Any]:
        """Whether a NER model is pooled with the rules and, if so, which (``metrics/deid.json["ner"]``): its
        meta's name and version and the name of its folder, never the folder's path."""
        if self._ner is None:
            return {"on": False}
        return {"on": True, "guard": self.config.ner_guard, "model": self._ner.info()}

    def find(self, text: str) -> list[Span]:
        """Non-overlapping identifier spans ``(start, end, type)`` in ``text``, sorted by start."""
        spans = self._find_rules(text)
        if self._ner is not None and text and "PERSON" in self._types:
            return self._with_ner(text, spans, self._ner.find(text))
        return spans

    def find_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """:meth:`find` of each text; the NER model, if any, runs over all of them in batches."""
        if self._ner is None or "PERSON" not in self._types:
            return [self._find_rules(t) for t in texts]
        ents = self._ner.find_many(texts)
        return [self._with_ner(t, self._find_rules(t), x) for t, x in zip(texts, ents, strict=True)]

    def _find_rules(self, text: str) -> list[Span]:
        """The rules' spans: structured patterns and names, resolved."""
        if not text:
            return []
        view = detection_view(text)  # same length: its spans are spans of ``text``
        n_digits, n_upper, n_letters = char_counts(view)
        cands = find_structured(view, self._types, n_digits)
        if "PERSON" in self._types:
            cands.extend(self._names.find(text, shouted=n_upper > 0.6 * n_letters > 0))
        return _resolve(cands)

    def _with_ner(self, text: str, base: list[Span], ents: list[Span]) -> list[Span]:
        """The rules' resolved spans ``base`` with the NER model's PERSON spans ``ents`` of ``text`` pooled in."""
        if not ents:
            return base
        return pool_names(base, guard(text, ents, self._names) if self.config.ner_guard else ents)

    # ---- redaction -----------------------------------------------------------------------------
    def redact(self, text: str) -> tuple[str, list[Span]]:
        """Redact ``text``.

        Returns
        -------
        clean : str
            ``text`` with each identifier replaced by its placeholder (``[PERSON]``, ``[DATE]``, ...).
        spans : list of (start, end, type)
            The replaced spans, as character offsets into the original ``text``.
        """
        if not isinstance(text, str) or not text:
            return ("" if not isinstance(text, str) else text), []
        spans = self.find(text)
        return self._replace(text, spans), spans

    def _replace(self, text: str, spans: list[Span]) -> str:
        """``text`` with each of ``spans`` (sorted, non-overlapping) replaced by its placeholder."""
        if not spans:
            return text
        out: list[str] = []
        pos = 0
        for s, e, t in spans:
            out.append(text[pos:s])
            out.append(self._placeholders[t])
            pos = e
        out.append(text[pos:])
        return "".join(out)

    def redact_many(self, texts: Iterable[str | None]) -> tuple[list[str], list[list[Span]]]:
        """Redact each text; missing values become ``""``. Returns (clean texts, spans per text).

        With a NER model (``deid.ner``) the texts are passed to it in batches (:meth:`find_many`).
        """
        if self._ner is not None:
            given = [t if isinstance(t, str) else "" for t in texts]
            found = self.find_many(given)
            return [self._replace(t, sp) for t, sp in zip(given, found, strict=True)], found
        cleaned: list[str] = []
        all_spans: list[list[Span]] = []
        for text in texts:
            clean, spans = self.redact(text if isinstance(text, str) else "")
            cleaned.append(clean)
            all_spans.append(spans)
        return cleaned, all_spans

    def redact_series(self, texts: pd.Series) -> tuple[pd.Series, list[list[Span]]]:
        """Vectorised helper: redact a Series of texts (NaN -> ``""``), index preserved.

        Returns
        -------
        clean : Series of str, same index as ``texts``
        spans : list (one per row) of lists of (start, end, type)
        """
        cleaned, spans = self.redact_many(texts.tolist())
        return pd.Series(cleaned, index=texts.index, dtype="str"), spans


def pool_names(base: list[Span], extra: list[Span]) -> list[Span]:
    """The rules' resolved spans ``base`` plus the ``extra`` PERSON spans (a NER model's) that overlap none of
    the rules' structured spans (a date, a number), resolved again: overlapping PERSON spans merge into one.

    Pooling the raw candidates instead would let an NER span running into a date ("Mohammed Al-Rashid DOB")
    merge with the rules' name and then lose to the DATE as a whole, un-redacting a name the rules had found.
    """
    structured = [b for b in base if b[2] != "PERSON"]
    keep = [x for x in extra if not any(x[0] < b[1] and b[0] < x[1] for b in structured)]
    return _resolve(base + keep) if keep else base


def _merge_names(cands: list[Span]) -> list[Span]:
    """Overlapping PERSON candidates become their union, so no name is left half redacted ("RAJ ROBERTS"
    and "ROBERTS, DATE" -> one span)."""
    names = sorted(c for c in cands if c[2] == "PERSON")
    merged: list[Span] = []
    for s, e, t in names:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]), t)
        else:
            merged.append((s, e, t))
    return [c for c in cands if c[2] != "PERSON"] + merged


#: Types found by digit patterns: one of them inside a longer one is a piece of that number ("+44 161 496 0232"
#: holds a 10-digit run that passes Modulus 11; "contact number 0044161 496 0129" starts like a record number).
_DIGIT_TYPES = frozenset({"NHS_NUMBER", "HOSPITAL_NUMBER", "PHONE"})


def _drop_digit_pieces(cands: list[Span]) -> list[Span]:
    digits = [c for c in cands if c[2] in _DIGIT_TYPES]
    if len(digits) < 2:
        return cands
    inside = {c for c in digits for o in digits
              if o != c and o[0] <= c[0] and c[1] <= o[1] and (o[1] - o[0]) > (c[1] - c[0])}
    return [c for c in cands if c not in inside]


def _resolve(cands: list[Span]) -> list[Span]:
    """Keep a non-overlapping subset: overlapping names merged, digit pieces of a longer number dropped, then
    higher-priority types first, then longer spans."""
    if not cands:
        return []
    cands = _drop_digit_pieces(_merge_names(cands))
    cands.sort(key=lambda c: (PRIORITY[c[2]], -(c[1] - c[0]), c[0]))
    taken: list[Span] = []
    for s, e, t in cands:
        if e <= s:
            continue
        if all(e <= ts or s >= te for ts, te, _ in taken):
            taken.append((s, e, t))
    taken.sort()
    return taken

