"""incident-lm: vector representations of patient-safety incident reports, compared under DVC."""

__version__ = "0.1.0"
