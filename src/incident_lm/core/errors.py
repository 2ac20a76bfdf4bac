"""The two errors a stage turns into a clear exit (status 2): bad params and unusable input data."""

from __future__ import annotations


class ParamsError(ValueError):
    """A params.yaml key is missing or holds an unusable value; the message names the file and dotted key."""


class DataError(ValueError):
    """Input data is unusable; the message names the file, row or column and the params key to fix."""
