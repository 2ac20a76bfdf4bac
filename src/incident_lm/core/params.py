"""Read ``params.yaml`` sections into typed settings, with one error style.

Two levels, both reporting a :class:`ParamsError` that names the file and the dotted key to fix:

* :class:`Section`, a read-only view of one section with typed getters (``section.int("seed", 0)``);
* :func:`read_section`, the one reader every stage uses: it builds a frozen dataclass from a section,
  driven by the dataclass's field types and the limits given with :func:`param`, and rejects unknown
  keys with their full path (``evaluate.probe.CC``)::

    @dataclass(frozen=True)
    class ProbeConfig:
        C: float = param(1.0, min=1e-9)
        max_iter: int = param(2000, min=10)

    read_section(ProbeConfig, load_section("evaluate").sub("probe")).C
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml

from incident_lm.core.errors import ParamsError

__all__ = ["DEFAULT_PARAMS", "ParamsError", "Section", "as_plain", "load_params", "load_section", "param",
           "read_section"]

DEFAULT_PARAMS = Path("params.yaml")
_MISSING = object()
T = TypeVar("T")


def load_params(path: str | Path = DEFAULT_PARAMS) -> dict[str, Any]:
    """Load the whole params file as a dict."""
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path}: params file not found (run from the repository root)")
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: top level must be a mapping of sections")
    return data


def load_section(name: str, path: str | Path = DEFAULT_PARAMS) -> Section:
    """Load one top-level section, e.g. ``load_section("tfidf")``."""
    params = load_params(path)
    if name not in params:
        raise ParamsError(f"{path}: missing section '{name}'")
    return Section(params[name], name, str(path))


class Section(Mapping[str, Any]):
    """A read-only view of one params section with typed, well-reported access.

    Parameters
    ----------
    data : mapping
        The section's values.
    name : str
        Dotted key of the section (``"synthetic"`` or ``"synthetic.emerging"``).
    source : str
        File the values came from, used in error messages.
    """

    def __init__(self, data: Mapping[str, Any] | None, name: str, source: str = str(DEFAULT_PARAMS)):
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ParamsError(f"{source}: '{name}' must be a mapping, got {type(data).__name__}")
        self._data = dict(data)
        self.name = name
        self.source = source

    # Mapping protocol
    def __getitem__(self, key: str) -> Any:
        if key not in self._data:
            raise ParamsError(f"{self.source}: missing key '{self.key(key)}'")
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Section({self.name!r}, {self._data!r})"

    def key(self, key: str) -> str:
        """The dotted name of ``key`` in this section."""
        return f"{self.name}.{key}" if self.name else key

    def error(self, key: str, message: str) -> ParamsError:
        """A ParamsError about ``key`` with the value it holds."""
        value = self._data.get(key, "<missing>")
        return ParamsError(f"{self.source}: '{self.key(key)}' = {value!r}: {message}")

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def sub(self, key: str, default: Any = _MISSING) -> Section:
        """A nested section."""
        if key not in self._data and default is not _MISSING:
            return Section(default, self.key(key), self.source)
        return Section(self[key], self.key(key), self.source)

    def _typed(self, key: str, default: Any, kinds: tuple[type, ...], label: str) -> Any:
        value = self._data.get(key, default) if default is not _MISSING else self[key]
        if value is None and default is None:
            return None
        if isinstance(value, bool) and bool not in kinds:
            raise self.error(key, f"expected {label}")
        if not isinstance(value, kinds):
            raise self.error(key, f"expected {label}")
        return value

    def int(self, key: str, default: Any = _MISSING, *, min: int | None = None) -> int:
        value = self._typed(key, default, (int,), "an integer")
        if value is not None and min is not None and value < min:
            raise self.error(key, f"must be >= {min}")
        return value

    def float(self, key: str, default: Any = _MISSING, *, min: float | None = None,
              max: float | None = None) -> float:
        value = self._typed(key, default, (int, float), "a number")
        if value is None:
            return None  # type: ignore[return-value]
        if min is not None and value < min:
            raise self.error(key, f"must be >= {min}")
        if max is not None and value > max:
            raise self.error(key, f"must be <= {max}")
        return float(value)

    def str(self, key: str, default: Any = _MISSING) -> str:
        return self._typed(key, default, (str,), "a string")

    def bool(self, key: str, default: Any = _MISSING) -> bool:
        return self._typed(key, default, (bool,), "true or false")

    def list(self, key: str, default: Any = _MISSING) -> list[Any]:
        value = self._typed(key, default, (list, tuple), "a list")
        return list(value) if value is not None else None  # type: ignore[return-value]

    def choice(self, key: str, options: Sequence[str], default: Any = _MISSING) -> str:
        value = self.str(key, default)
        if value not in options:
            raise self.error(key, f"must be one of {', '.join(map(str, options))}")
        return value


# --------------------------------------------------------------------------------------------------
# The dataclass reader
# --------------------------------------------------------------------------------------------------
def param(default: Any = MISSING, *, default_factory: Callable[[], Any] | Any = MISSING,
          min: float | None = None, max: float | None = None, choices: Sequence[Any] | None = None,
          date: bool = False, item_min: float | None = None) -> Any:
    """A dataclass field carrying the limits :func:`read_section` checks.

    Parameters
    ----------
    default, default_factory
        As for :func:`dataclasses.field` (neither: the key is required).
    min, max : number, optional
        Inclusive bounds of a number.
    choices : sequence, optional
        Allowed values (a ``Literal`` annotation does the same).
    date : bool
        A ``YYYY-MM-DD`` date, written quoted or not (YAML reads an unquoted one as a date); stored as
        its ISO string.
    item_min : number, optional
        Inclusive lower bound of every number in a list.
    """
    metadata = {k: v for k, v in {"min": min, "max": max, "choices": tuple(choices) if choices else None,
                                  "date": date or None, "item_min": item_min}.items() if v is not None}
    if default_factory is not MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def read_section(cls: type[T], section: Section | Mapping[str, Any] | None, *,
                 ignore: Sequence[str] = ()) -> T:
    """Build the frozen dataclass ``cls`` from a params section, every key typed and checked.

    Field annotations drive the checks: ``bool``, ``int``, ``float`` (an integer is accepted),
    ``str``, ``Literal[...]`` (choices), ``X | None`` (null allowed), ``tuple[X, ...]`` and
    ``list[X]`` (a YAML list; tuples are stored), ``dict[str, X]``, ``Any``, and nested dataclasses
    (a sub-section; absent or null takes the defaults). :func:`param` adds bounds and choices.
    A ``ValueError`` raised while constructing ``cls`` (a ``__post_init__`` check) that starts with
    ``"<field>: "`` is reported against that key. After construction, a ``check(section)`` method on
    ``cls``, if any, runs the cross-field checks (raising ``section.error(key, ...)``).

    Parameters
    ----------
    cls : dataclass type
    section : Section or mapping or None
        A plain mapping is read as a section named after nothing (keys reported bare).
    ignore : sequence of str
        Keys the caller reads itself: not reported as unknown, and not read into ``cls`` (a field of
        that name keeps its default, for the caller to replace).

    Raises
    ------
    ParamsError
        Naming the file and the dotted key: unknown keys (with the accepted ones), missing required
        keys, wrong types, values out of bounds.
    """
    if not isinstance(section, Section):
        section = Section(section, "", "params")
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls)  # type: ignore[arg-type]
              if f.init and not f.metadata.get("internal")]
    names = {f.name for f in fields}
    unknown = sorted(set(section) - names - set(ignore))
    if unknown:
        raise ParamsError(f"{section.source}: unknown key(s) {', '.join(repr(section.key(k)) for k in unknown)}; "
                          f"accepted in '{section.name or '(top level)'}': {', '.join(f.name for f in fields)}")
    values: dict[str, Any] = {}
    for f in fields:
        if f.name in ignore:
            continue
        if f.name in section:
            values[f.name] = _convert(section, f.name, hints[f.name], f.metadata)
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ParamsError(f"{section.source}: missing key '{section.key(f.name)}'")
    try:
        obj = cls(**values)
    except ParamsError:
        raise
    except (ValueError, TypeError) as exc:  # a __post_init__ check: "<field>: <what is wrong>" names its key
        field_name, _, reason = str(exc).partition(": ")
        if field_name in names and reason:
            raise section.error(field_name, reason) from exc
        raise ParamsError(f"{section.source}: '{section.name}': {exc}") from exc
    check = getattr(obj, "check", None)
    if callable(check):
        check(section)
    return obj


def as_plain(obj: Any) -> Any:
    """A settings dataclass as plain JSON-ready data (nested dataclasses as dicts, tuples as lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: as_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [as_plain(x) for x in obj]
    if isinstance(obj, Mapping):
        return {k: as_plain(v) for k, v in obj.items()}
    return obj


def _convert(section: Section, key: str, tp: Any, meta: Mapping[str, Any]) -> Any:
    value = section[key]
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        if value is None:
            if type(None) in args:
                return None
            raise section.error(key, "must not be null")
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _convert(section, key, options[0], meta)
        if set(options) <= {int, float}:
            return _convert(section, key, float, meta) if isinstance(value, float) else \
                _convert(section, key, int, meta)
        for option in options:  # the first that accepts the value
            try:
                return _convert(section, key, option, meta)
            except ParamsError:
                continue
        raise section.error(key, f"expected {' or '.join(_label(o) for o in options)}")
    if value is None and not (dataclasses.is_dataclass(tp) or tp is Any):
        raise section.error(key, f"expected {_label(tp)}, not null")
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        return read_section(tp, section.sub(key))  # type: ignore[arg-type]
    if origin is Literal:
        return _choose(section, key, value, args)
    if tp is bool:
        return section.bool(key)
    if tp is int:
        out = section.int(key, min=_int_or_none(meta.get("min")))
        _check_max(section, key, out, meta)
        return _choose(section, key, out, meta["choices"]) if "choices" in meta else out
    if tp is float:
        return section.float(key, min=meta.get("min"), max=meta.get("max"))
    if tp is str:
        if meta.get("date"):
            return _date(section, key, value)
        out = section.str(key)
        return _choose(section, key, out, meta["choices"]) if "choices" in meta else out
    if origin in (list, tuple, Sequence) or tp in (list, tuple):
        if not isinstance(value, list | tuple):
            raise section.error(key, f"expected {_label(tp)}")
        item = args[0] if args else Any
        items = [_item(section, key, i, v, item, meta) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple or origin is Sequence or tp is tuple else items
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise section.error(key, "expected a mapping")
        item = args[1] if len(args) == 2 else Any
        return {str(k): _item(section, key, str(k), v, item, meta) for k, v in value.items()}
    raise TypeError(f"read_section: unsupported field type {tp!r} for '{section.key(key)}'")


def _item(section: Section, key: str, index: int | str, value: Any, tp: Any, meta: Mapping[str, Any]) -> Any:
    """One element of a list or mapping field, checked as its own one-key section."""
    sub = Section({str(index): value}, section.key(key), section.source)
    item_meta = {"min": meta["item_min"]} if "item_min" in meta else {}
    return _convert(sub, str(index), tp, item_meta)


def _choose(section: Section, key: str, value: Any, options: Sequence[Any]) -> Any:
    if value not in options or isinstance(value, bool) != any(isinstance(o, bool) for o in options):
        raise section.error(key, f"must be one of {', '.join(map(str, options))}")
    return value


def _check_max(section: Section, key: str, value: int | None, meta: Mapping[str, Any]) -> None:
    if value is not None and "max" in meta and value > meta["max"]:
        raise section.error(key, f"must be <= {meta['max']}")


def _int_or_none(x: Any) -> int | None:
    return None if x is None else int(x)


def _date(section: Section, key: str, value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise section.error(key, "expected a date YYYY-MM-DD")


def _label(tp: Any) -> str:
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return "one of " + ", ".join(map(str, args))
    if origin in (list, tuple, Sequence):
        return f"a list of {_label(args[0])}s" if args and args[0] is not Any else "a list"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string",
            dict: "a mapping"}.get(tp, getattr(tp, "__name__", str(tp)))
