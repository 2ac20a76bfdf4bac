"""Text representations behind one interface: scikit-learn transformers chosen by name from params.

See :mod:`incident_lm.represent.base` (the interface) and :mod:`incident_lm.represent.registry`.
"""

from incident_lm.represent.base import InvalidParameterError, Representation
from incident_lm.represent.registry import available, build, get_class, load, params_errors, register

__all__ = ["InvalidParameterError", "Representation", "available", "build", "get_class", "load", "params_errors",
           "register"]
