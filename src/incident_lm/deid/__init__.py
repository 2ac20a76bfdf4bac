"""De-identification: identifiers found in free text and replaced with typed placeholders, and measured.

``config`` (settings and identifier types), ``structured`` (number, date, postcode, email and URL
patterns), ``names`` (person names, with the word lists in ``gazetteer/``), ``redact`` (the
:class:`Deidentifier` that combines them), ``ner`` (an opt-in statistical NER model pooled with the name rules,
``deid.ner``; off by default) and ``score`` (recall and precision against planted truth).
"""

from incident_lm.deid.config import STRUCTURED, TYPES, DeidConfig, DeidTargets, Span
from incident_lm.deid.redact import Deidentifier
from incident_lm.deid.structured import nhs_number_valid

__all__ = ["STRUCTURED", "TYPES", "DeidConfig", "DeidTargets", "Deidentifier", "Span", "nhs_number_valid"]
