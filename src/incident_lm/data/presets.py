"""Column presets for the supported exports: NRLS, LFPSE, VAERS and a generic mapping.

A preset says which source columns hold the report id, the date, the free-text fields and the label
roles (``category``, ``harm``, ``setting``). Every column can be overridden from params
(``data.columns``, ``data.text_fields``, ``data.labels``, ``data.date_column``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

#: Canonical ordinal harm values shared by the NRLS and LFPSE presets.
HARM_LEVELS: tuple[str, ...] = ("1 No harm", "2 Low", "3 Moderate", "4 Severe", "5 Death")
#: VAERS outcome flags, worst first, and the ordinal harm each gives.
VAERS_HARM: tuple[tuple[tuple[str, ...], str], ...] = (
    (("DIED",), "5 Death"),
    (("L_THREAT",), "4 Life-threatening"),
    (("DISABLE",), "3 Disability"),
    (("HOSPITAL", "X_STAY"), "2 Hospitalised"),
    (("ER_VISIT", "ER_ED_VISIT", "OFC_VISIT"), "1 ER/doctor visit"),
)
VAERS_NON_SERIOUS = "0 Non-serious"
VAERS_FLAGS: tuple[str, ...] = tuple(f for flags, _ in VAERS_HARM for f in flags)

_HARM_KEYWORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:death|died|fatal)\b", re.I), "5 Death"),
    (re.compile(r"\b(?:severe|major|catastrophic)\b", re.I), "4 Severe"),
    (re.compile(r"\bmoderate\b", re.I), "3 Moderate"),
    (re.compile(r"\b(?:low|minor|minimal)\b", re.I), "2 Low"),
    (re.compile(r"\b(?:no|none)\b", re.I), "1 No harm"),
)
_HARM_DIGIT = re.compile(r"^\s*([1-5])\s*$")
_HARM_PREFIXED = re.compile(r"^\s*[0-5]\b")


def normalise_harm(value: str) -> str:
    """Map a harm grading onto :data:`HARM_LEVELS` where it is recognisable.

    Values already starting with a grade digit ("1 No harm") and unrecognised values are returned
    unchanged; "No physical harm" -> "1 No harm", "Fatal" -> "5 Death", "3" -> "3 Moderate".
    """
    if not value or (_HARM_PREFIXED.match(value) and not _HARM_DIGIT.match(value)):
        return value
    m = _HARM_DIGIT.match(value)
    if m:
        return HARM_LEVELS[int(m.group(1)) - 1]
    for pattern, level in _HARM_KEYWORDS:
        if pattern.search(value):
            return level
    return value


@dataclass(frozen=True)
class Preset:
    """Where a source format keeps each canonical field.

    Attributes
    ----------
    name : str
        Preset name (``nrls``, ``lfpse``, ``vaers``, ``generic``).
    id, date : str or None
        Source columns of the report id and date.
    date_format : str or None
        ``strftime`` format of the date column (None: let pandas infer).
    dayfirst : bool or None
        Whether numeric dates without a format are day first (UK exports: True); None: unknown, so
        ambiguous dates such as 7/4/16 need ``data.dayfirst`` or ``data.date_format``.
    text_fields : tuple of str
        Free-text columns that must exist, joined in this order.
    optional_text_fields : tuple of str
        Free-text columns joined when present (a warning is logged when absent).
    field_labels : dict
        Column -> human label used when ``data.field_labels`` is true ("What happened").
    labels : dict
        Label role -> source column (roles whose column must exist).
    optional_labels : dict
        Label role -> source column (used when present).
    encoding : str
        Default encoding (``auto`` detects utf-8 / utf-8-sig / cp1252 / latin-1).
    reader : str
        ``table`` (one table, CSV or Parquet, possibly in several files) or ``vaers``.
    harm : callable or None
        Normaliser applied to the ``harm`` label values.
    """

    name: str
    id: str | None = None
    date: str | None = None
    date_format: str | None = None
    dayfirst: bool | None = None
    text_fields: tuple[str, ...] = ()
    optional_text_fields: tuple[str, ...] = ()
    field_labels: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    optional_labels: dict[str, str] = field(default_factory=dict)
    encoding: str = "auto"
    reader: str = "table"
    harm: Callable[[str], str] | None = None


NRLS = Preset(
    name="nrls",
    id="RP01",
    date="IN01",
    date_format="%Y-%m-%d",
    text_fields=("IN07",),
    optional_text_fields=("IN10", "IN11"),
    field_labels={"IN07": "What happened", "IN10": "Action to prevent recurrence", "IN11": "Apparent causes"},
    labels={"category": "IN05_LVL1", "harm": "PD09"},
    optional_labels={"setting": "RP02"},
    harm=normalise_harm,
)

# LFPSE (Learn from Patient Safety Events) exports are produced by each organisation's risk-management
# system; column headings follow the LFPSE question wording but are not fixed nationally. These are
# assumptions to override with data.columns / data.labels when an export differs.
LFPSE = Preset(
    name="lfpse",
    id="Event ID",
    date="Event date",
    date_format=None,
    dayfirst=True,  # English organisations' exports
    text_fields=("Describe what happened",),
    optional_text_fields=("What was done immediately", "Why did it happen"),
    field_labels={"Describe what happened": "What happened",
                  "What was done immediately": "Immediate action",
                  "Why did it happen": "Why it happened"},
    labels={"category": "Event type", "harm": "Physical harm"},
    optional_labels={"setting": "Care setting", "psychological_harm": "Psychological harm"},
    harm=normalise_harm,
)

VAERS = Preset(
    name="vaers",
    id="VAERS_ID",
    date="RECVDATE",
    date_format="%m/%d/%Y",
    text_fields=("SYMPTOM_TEXT",),
    field_labels={"SYMPTOM_TEXT": "Symptoms"},
    encoding="latin-1",
    reader="vaers",
)

GENERIC = Preset(name="generic")

PRESETS: dict[str, Preset] = {p.name: p for p in (NRLS, LFPSE, VAERS, GENERIC)}


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (KeyError listing the choices otherwise)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}") from None
