"""The ``data`` params section: read by the params reader, then resolved against the chosen preset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from incident_lm.core.errors import ParamsError
from incident_lm.core.params import Section, param, read_section
from incident_lm.data.presets import PRESETS, Preset, get_preset

TEXT_KEY = "data.columns.text_fields or data.text_fields"
#: Column roles of ``data.columns`` that are not labels.
_NOT_LABELS = ("id", "date", "text_fields")
#: Names a label role may not take (they are columns of the prepared reports).
RESERVED = ("id", "date", "text", "split")


@dataclass(frozen=True)
class DataParams:
    """The ``data`` section as written in params.yaml (every key typed; see README "Bring your own export")."""

    source: str = param()
    format: Literal["auto", "csv", "parquet"] = "auto"
    encoding: str | None = None
    mixed_encoding: Literal["error", "per_line"] = "error"
    preset: str = param("nrls", choices=tuple(PRESETS))
    columns: dict[str, Any] = param(default_factory=dict)
    text_fields: tuple[str, ...] | None = None
    labels: dict[str, Any] = param(default_factory=dict)
    date_column: str | None = None
    split_column: str | None = None
    date_format: str | None = None
    dayfirst: bool | None = None
    max_bad_date_fraction: float = param(0.05, min=0.0, max=1.0)
    field_labels: bool = False
    field_label_names: dict[str, str] = param(default_factory=dict)
    min_text_words: int = param(3, min=0)
    min_label_count: int = param(20, min=1)
    rare_exempt: tuple[str, ...] = ()
    max_bad_row_fraction: float = param(0.01, min=0.0, max=1.0)
    chunksize: int = param(50_000, min=1)
    max_rows: int | None = param(None, min=1)
    years: tuple[int, ...] | None = None


@dataclass
class DataConfig:
    """The ``data`` params section, resolved against the preset.

    ``text_fields`` must exist in every file; ``optional_text_fields`` are joined when present.
    ``labels`` maps role -> column (must exist); ``optional_labels`` likewise when present.
    """

    source: str
    preset: Preset
    format: str = "auto"
    encoding: str = "auto"
    mixed_encoding: str = "error"
    id_column: str | None = None
    date_column: str | None = None
    split_column: str | None = None
    date_format: str | None = None
    dayfirst: bool = True
    dayfirst_known: bool = True
    max_bad_date_fraction: float = 0.05
    text_fields: list[str] = field(default_factory=list)
    optional_text_fields: list[str] = field(default_factory=list)
    field_labels: bool = False
    field_label_names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    optional_labels: dict[str, str] = field(default_factory=dict)
    min_text_words: int = 3
    min_label_count: int = 20
    rare_exempt: list[str] = field(default_factory=list)
    max_bad_row_fraction: float = 0.01
    chunksize: int = 50_000
    max_rows: int | None = None
    years: list[int] | None = None
    text_keys: dict[str, str] = field(default_factory=dict)  # column -> params key to fix it

    @classmethod
    def from_section(cls, s: Section) -> DataConfig:
        """Read the ``data`` section and resolve it; ParamsError names the dotted key of any bad value."""
        p = read_section(DataParams, s)
        preset = get_preset(p.preset)
        columns = s.sub("columns", {})
        for key in ("id", "date"):
            if key in p.columns and p.columns[key] is not None and not isinstance(p.columns[key], str):
                raise columns.error(key, "expected a column name or null")
        id_column = p.columns.get("id", preset.id)
        date_column = p.date_column or p.columns.get("date", preset.date)

        text_keys: dict[str, str] = {}
        if p.text_fields is not None:
            text_fields, optional = list(p.text_fields), []
            text_keys = dict.fromkeys(text_fields, "data.text_fields")
        elif p.columns.get("text_fields") is not None:
            listed = columns.list("text_fields")
            if not all(isinstance(c, str) for c in listed):
                raise columns.error("text_fields", "expected a list of column names")
            text_fields, optional = list(listed), []
            text_keys = dict.fromkeys(text_fields, "data.columns.text_fields")
        else:
            text_fields, optional = list(preset.text_fields), list(preset.optional_text_fields)
        if not text_fields:
            raise ParamsError(f"{s.source}: preset '{preset.name}' needs the free-text columns: set "
                              f"{TEXT_KEY} (a list of column names)")

        labels, optional_labels = dict(preset.labels), dict(preset.optional_labels)
        overrides = {k: v for k, v in p.columns.items() if k not in _NOT_LABELS} | p.labels
        for role, value in overrides.items():
            if role in RESERVED:
                hint = " (an export's own train/test column: data.split_column)" if role == "split" else ""
                raise s.sub("labels", {}).error(role, f"'{role}' is reserved and cannot be a label role{hint}")
            labels.pop(role, None)
            optional_labels.pop(role, None)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ParamsError(f"{s.source}: 'data.labels.{role}' = {value!r}: expected a column name")
            labels[role] = value
        return cls(
            source=p.source, preset=preset, format=p.format, encoding=p.encoding or preset.encoding,
            mixed_encoding=p.mixed_encoding, split_column=p.split_column,
            id_column=id_column, date_column=date_column, date_format=p.date_format or preset.date_format,
            dayfirst=p.dayfirst if p.dayfirst is not None else preset.dayfirst is not False,
            dayfirst_known=p.dayfirst is not None or preset.dayfirst is not None,
            max_bad_date_fraction=p.max_bad_date_fraction, text_fields=text_fields, optional_text_fields=optional,
            field_labels=p.field_labels, field_label_names={**preset.field_labels, **p.field_label_names},
            labels=labels, optional_labels=optional_labels, min_text_words=p.min_text_words,
            min_label_count=p.min_label_count, rare_exempt=list(p.rare_exempt),
            max_bad_row_fraction=p.max_bad_row_fraction, chunksize=p.chunksize, max_rows=p.max_rows,
            years=list(p.years) if p.years is not None else None, text_keys=text_keys,
        )

    def key_for(self, what: str, column: str = "") -> str:
        """The params key to set when ``what`` ('id', 'date', 'text', or a label role) is wrong."""
        if what == "id":
            return "data.columns.id"
        if what == "date":
            return "data.date_column or data.columns.date"
        if what == "split":
            return "data.split_column"
        if what == "text":
            return self.text_keys.get(column, TEXT_KEY)
        return f"data.labels.{what} (or data.columns.{what})"
