"""Text representations behind one interface (see :mod:`incident_lm.represent.base`)."""

from incident_lm.represent.base import Representation, available, build, load, register

__all__ = ["Representation", "available", "build", "load", "register"]
