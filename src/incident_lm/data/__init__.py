"""Bring-your-own-export data preparation: presets, validated chunked reading, per-row records
(de-identification, normalisation, labels), the prepare orchestration, and the train/test split.

Import the modules you need (``incident_lm.data.prepare``, ``incident_lm.data.split``...): this package
file imports nothing, so a stage that only splits does not load the de-identifier.
"""
