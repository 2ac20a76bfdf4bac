"""Representations by name: the registry that params.yaml selects from, and the params-error translation.

A params section names a representation class by its ``type`` key (default: the section name); every
other key is an ``__init__`` argument::

    rep = build("fasttext_sif", load_section("fasttext_sif"))      # FastTextPooled(pooling="sif", ...)
    with params_errors("fasttext_sif"):
        rep.fit(train_texts)                                       # errors name fasttext_sif.<key>

The built-in types are imported only when asked for (:data:`BUILTINS`), so a stage that fits TF-IDF
never imports torch, and the DVC dependencies of each representation stage follow its real imports.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from incident_lm.core.errors import ParamsError
from incident_lm.core.params import DEFAULT_PARAMS
from incident_lm.represent.base import InvalidParameterError, Representation

#: Built-in representation types and the module that defines each (imported on first use).
BUILTINS: dict[str, str] = {
    "count": "incident_lm.represent.count",
    "tfidf": "incident_lm.represent.tfidf",
    "fasttext_pooled": "incident_lm.represent.fasttext",
    "bert": "incident_lm.represent.bert",
    "fusion": "incident_lm.represent.fusion",
}

_REGISTRY: dict[str, type[Representation]] = {}


def register(name: str) -> Callable[[type[Representation]], type[Representation]]:
    """Class decorator: make a representation selectable by ``type`` name in params."""

    def deco(cls: type[Representation]) -> type[Representation]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"representation type '{name}' registered twice")
        cls.type_name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def available() -> list[str]:
    """Registered representation type names (the built-in ones and any registered since)."""
    return sorted(set(_REGISTRY) | set(BUILTINS))


def module_of(type_name: str) -> str | None:
    """The module that defines a built-in type (``None`` for a type registered elsewhere)."""
    return BUILTINS.get(type_name)


def get_class(type_name: str, key: str = "type", source: str = str(DEFAULT_PARAMS)) -> type[Representation]:
    """The class registered under ``type_name``; a ParamsError names ``key`` if there is none."""
    if type_name not in _REGISTRY and type_name in BUILTINS:
        importlib.import_module(BUILTINS[type_name])
    if type_name not in _REGISTRY:
        raise ParamsError(f"{source}: '{key}' = {type_name!r}: unknown representation; "
                          f"available: {', '.join(available())}")
    return _REGISTRY[type_name]


def type_of(name: str, params: Mapping[str, Any] | None) -> str:
    """The representation type a params section selects (its ``type`` key, else the section name)."""
    return str((params or {}).get("type", name))


@contextmanager
def params_errors(section: str, source: str = str(DEFAULT_PARAMS)) -> Iterator[None]:
    """Translate a representation's :class:`InvalidParameterError` into a ParamsError naming ``section.key``."""
    try:
        yield
    except InvalidParameterError as exc:
        raise ParamsError(f"{source}: '{section}.{exc.param}' = {exc.value!r}: {exc.reason}") from exc


def unknown_keys(cls: type[Representation], params: Mapping[str, Any]) -> list[str]:
    """The keys of ``params`` that are not ``__init__`` arguments of ``cls``, sorted."""
    return sorted(set(params) - accepted_keys(cls))


def accepted_keys(cls: type[Representation]) -> set[str]:
    """The ``__init__`` arguments of ``cls`` (its hyperparameters)."""
    return set(inspect.signature(cls.__init__).parameters) - {"self"}


def build(name: str, params: Mapping[str, Any] | None = None) -> Representation:
    """Instantiate the representation configured by params section ``name``, its hyperparameters checked.

    The section's ``type`` key picks the class (default: ``name`` itself); every other key is passed
    to ``__init__``. Unknown keys and bad values raise ParamsError naming ``name.key``.
    """
    source = getattr(params, "source", str(DEFAULT_PARAMS))
    params = dict(params or {})
    type_name = str(params.pop("type", name))
    cls = get_class(type_name, key=f"{name}.type", source=source)
    unknown = unknown_keys(cls, params)
    if unknown:
        raise ParamsError(
            f"{source}: unknown key(s) {', '.join(f'{name}.{k}' for k in unknown)} for representation "
            f"type '{type_name}'; accepted: {', '.join(sorted(accepted_keys(cls)))}"
        )
    rep = cls(**params)
    with params_errors(name, source):
        rep.check_params()
    return rep


def load(directory: str | Path) -> Representation:
    """Load a representation saved with :meth:`Representation.save`."""
    directory = Path(directory)
    config = json.loads((directory / "config.json").read_text())
    rep = get_class(config["type"])(**config["params"])
    rep._load_state(directory)
    return rep
