"""Bring-your-own-export data preparation: presets, validated chunked reading, de-identification.

>>> from incident_lm.data import DataConfig, DeidSettings, prepare
"""

from incident_lm.data.prepare import DataConfig, DeidSettings, prepare, run
from incident_lm.data.presets import PRESETS, Preset, get_preset

__all__ = ["PRESETS", "DataConfig", "DeidSettings", "Preset", "get_preset", "prepare", "run"]
