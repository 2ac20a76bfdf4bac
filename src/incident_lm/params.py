"""Read ``params.yaml`` sections with one error style.

Every lookup goes through :class:`Section`, so a missing or malformed key always
produces a :class:`ParamsError` that names the file and the dotted key to fix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PARAMS = Path("params.yaml")
_MISSING = object()


class ParamsError(ValueError):
    """A params.yaml key is missing or holds an unusable value."""


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
