"""Settings of the de-identifier (the ``deid`` params section) and the identifier types it knows."""

from __future__ import annotations

from dataclasses import dataclass

from incident_lm.core.params import param

TYPES: tuple[str, ...] = ("EMAIL", "URL", "NHS_NUMBER", "HOSPITAL_NUMBER", "PHONE", "POSTCODE", "ADDRESS",
                          "DATE", "PERSON")
#: Identifier types whose recall target is the "structured" one.
STRUCTURED: tuple[str, ...] = ("NHS_NUMBER", "HOSPITAL_NUMBER", "PHONE", "POSTCODE", "ADDRESS", "DATE", "EMAIL",
                               "URL")
#: Order in which overlapping candidates of different types are kept.
PRIORITY = {t: i for i, t in enumerate(TYPES)}

Span = tuple[int, int, str]


@dataclass(frozen=True)
class DeidTargets:
    """``deid.targets``: the recall and precision a run is measured against (and fails on, if enforced)."""

    structured_recall: float = param(0.99, min=0.0, max=1.0)
    name_recall: float = param(0.95, min=0.0, max=1.0)
    precision: float = param(0.95, min=0.0, max=1.0)


@dataclass(frozen=True)
class DeidConfig:
    """The ``deid`` params section: what to redact, and what to score the redactions against.

    Parameters
    ----------
    types : tuple of str or None
        Identifier types to redact (``None``: all of :data:`TYPES`).
    gazetteer : bool
        Find bare names with the given-name / surname gazetteer (titles and roles always apply).
    extra_names : tuple of str
        Extra given names or surnames to treat as names (e.g. local staff lists).
    not_names : tuple of str
        Capitalised words never to treat as names (e.g. local ward names "Nightingale").
    placeholder : str
        Replacement text; ``{type}`` becomes the identifier type (``"[PERSON]"``).
    truth : str or None
        Planted ground-truth identifiers (the synthetic corpus's ``identifiers.csv``) to score the
        redactions against; ``None`` for real data.
    targets : DeidTargets
        Recall and precision targets of the scoring.
    enforce_targets : bool
        Fail the prepare stage when a target is missed.
    max_residual : int or None
        The residual-risk scan (:mod:`incident_lm.deid.residual`) runs over the kept text of every prepared
        report; more identifier-shaped hits than this fail the stage (``None``: counted and sampled, never
        failed). It needs no ground truth, so it is the check that holds on real exports.
    ner : str or None
        ``None`` (the default): the rules only, and spaCy is never imported. Otherwise the path of a local spaCy
        pipeline directory (``config.cfg`` and ``meta.json`` in it; a package name is not accepted) whose PERSON
        entities are pooled with the rules' names (:mod:`incident_lm.deid.ner`). Off by default by measurement:
        ``bench/results.md``, "Offline NER beside the name rules".
    ner_guard : bool
        Keep only the NER spans that :func:`incident_lm.deid.ner.guard` finds name-shaped (the measured
        ``union_guarded``); ``False`` pools every PERSON entity (``union``: measured worse, it redacts eponyms,
        drugs and device words).
    """

    types: tuple[str, ...] | None = None
    gazetteer: bool = True
    extra_names: tuple[str, ...] = ()
    not_names: tuple[str, ...] = ()
    placeholder: str = "[{type}]"
    truth: str | None = None
    targets: DeidTargets = param(default_factory=DeidTargets)
    enforce_targets: bool = False
    max_residual: int | None = param(None, min=0)
    ner: str | None = None
    ner_guard: bool = True

    def __post_init__(self) -> None:
        bad = [t for t in self.types or () if t not in TYPES]
        if bad:
            raise ValueError(f"types: unknown identifier type(s) {bad}; choose from {', '.join(TYPES)}")
        if self.ner is not None and (not isinstance(self.ner, str) or not self.ner.strip()):
            raise ValueError("ner: expected the path of a local spaCy pipeline directory, or null (rules only)")

    @property
    def redacted_types(self) -> tuple[str, ...]:
        """The identifier types redacted (all when ``types`` is ``None``)."""
        return self.types or TYPES
