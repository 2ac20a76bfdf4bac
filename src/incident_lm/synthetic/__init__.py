"""Synthetic NRLS-like patient-safety incident corpus with planted ground truth.

The default data of incident-lm: realistic coded fields and free text, plus
ground truth for identifiers, an emerging theme and near-duplicate re-reports.

Examples
--------
>>> from incident_lm.synthetic import SyntheticConfig, generate_corpus
>>> corpus = generate_corpus(SyntheticConfig(n_reports=500, seed=1))
>>> len(corpus.reports)
500
"""

from incident_lm.synthetic.generator import (
    REPORT_COLUMNS,
    TEXT_FIELDS,
    Corpus,
    EmergingConfig,
    NovelConfig,
    SyntheticConfig,
    generate_corpus,
    write_corpus,
)
from incident_lm.synthetic.identifiers import IDENTIFIER_TYPES, is_valid_nhs_number

__all__ = [
    "Corpus", "EmergingConfig", "NovelConfig", "SyntheticConfig", "generate_corpus", "write_corpus",
    "REPORT_COLUMNS",
    "TEXT_FIELDS", "IDENTIFIER_TYPES", "is_valid_nhs_number",
]
