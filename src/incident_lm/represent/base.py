"""The one small interface every text representation implements, and its registry.

A representation is a scikit-learn style estimator over raw strings:

>>> rep = build("tfidf", {"min_df": 2})
>>> X_train = rep.fit(train_texts).transform(train_texts)   # (n_docs, dim)
>>> rep.save("models/tfidf"); rep2 = load("models/tfidf")

``transform`` returns either a ``scipy.sparse.csr_matrix`` or a C-contiguous
``float32`` ``numpy.ndarray`` of shape ``(n_texts, dim)``. Hyperparameters are
taken in ``__init__`` and stored unchanged; learnt state ends in an underscore.
"""

from __future__ import annotations

import inspect
import json
import pickle
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from incident_lm.io import atomic_dir
from incident_lm.params import ParamsError

Matrix = np.ndarray | sp.csr_matrix

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
    """Registered representation type names (importing the built-in modules first)."""
    _import_builtins()
    return sorted(_REGISTRY)


def _import_builtins() -> None:
    # Imported lazily so that heavy dependencies (torch, fasttext) load only when used.
    import importlib
    import pkgutil

    import incident_lm.represent as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in {"base", "text"}:
            importlib.import_module(f"incident_lm.represent.{info.name}")


def get_class(type_name: str, key: str = "type") -> type[Representation]:
    """The class registered under ``type_name``; ParamsError names ``key`` if unknown."""
    _import_builtins()
    if type_name not in _REGISTRY:
        raise ParamsError(
            f"params.yaml: '{key}' = {type_name!r}: unknown representation; "
            f"available: {', '.join(sorted(_REGISTRY))}"
        )
    return _REGISTRY[type_name]


def build(name: str, params: Mapping[str, Any] | None = None) -> Representation:
    """Instantiate the representation configured by params section ``name``.

    The section's ``type`` key picks the class (default: ``name`` itself); every other
    key is passed to ``__init__``. Unknown keys raise ParamsError naming ``name.key``.
    """
    params = dict(params or {})
    type_name = params.pop("type", name)
    cls = get_class(type_name, key=f"{name}.type")
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ParamsError(
            f"params.yaml: unknown key(s) {', '.join(f'{name}.{k}' for k in unknown)} for representation "
            f"type '{type_name}'; accepted: {', '.join(sorted(accepted))}"
        )
    rep = cls(**params)
    rep.params_section = name  # lets a representation name its own keys in error messages
    return rep


class Representation:
    """Base class: text in, ``(n_texts, dim)`` matrix out.

    Subclasses implement :meth:`fit` and :meth:`transform`; the default
    :meth:`save`/:meth:`load` pickle the fitted estimator beside a ``config.json``
    holding the type and hyperparameters. Subclasses with large native state
    (fastText, transformer weights) override ``_save_state`` / ``_load_state``.
    """

    type_name: ClassVar[str] = "base"
    #: The params.yaml section that built this instance (set by :func:`build`).
    params_section: str | None = None
    #: True when ``transform`` returns a sparse matrix.
    sparse_output: ClassVar[bool] = False

    # --- estimator API -------------------------------------------------
    def fit(self, texts: Sequence[str]) -> Representation:
        """Learn state from training texts only. Returns ``self``."""
        raise NotImplementedError

    def transform(self, texts: Sequence[str]) -> Matrix:
        """Map texts to a matrix of shape ``(len(texts), dim)``."""
        raise NotImplementedError

    def fit_transform(self, texts: Sequence[str]) -> Matrix:
        return self.fit(texts).transform(texts)

    @property
    def dim(self) -> int:
        """Output dimension (valid after ``fit``)."""
        raise NotImplementedError

    def external_artefacts(self) -> list[Path]:
        """Files or folders this representation uses but does not copy into its own saved
        folder (a trained fastText model, transformer weights); counted in its size."""
        return []

    def get_params(self) -> dict[str, Any]:
        """Hyperparameters as given to ``__init__`` (scikit-learn convention)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {n: getattr(self, n) for n in names}

    def check_fitted(self) -> None:
        fitted = [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]
        if not fitted:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(texts) first")

    @staticmethod
    def check_texts(texts: Sequence[str]) -> list[str]:
        """Validate input: a sequence of strings (None/NaN become empty strings)."""
        if isinstance(texts, str):
            raise TypeError("expected a sequence of texts, got a single string")
        out = []
        for i, t in enumerate(texts):
            if t is None or (isinstance(t, float) and np.isnan(t)):
                out.append("")
            elif isinstance(t, str):
                out.append(t)
            else:
                raise TypeError(f"text {i} is {type(t).__name__}, expected str")
        return out

    # --- persistence ---------------------------------------------------
    def save(self, directory: str | Path) -> None:
        """Write ``config.json`` and the fitted state to ``directory`` atomically."""
        self.check_fitted()
        with atomic_dir(directory) as tmp:
            config = {"type": self.type_name, "params": self.get_params()}
            (tmp / "config.json").write_text(json.dumps(config, indent=2, default=str) + "\n")
            self._save_state(tmp)

    def _save_state(self, directory: Path) -> None:
        with (directory / "state.pkl").open("wb") as fh:
            pickle.dump({k: v for k, v in vars(self).items() if k.endswith("_")}, fh)

    def _load_state(self, directory: Path) -> None:
        with (directory / "state.pkl").open("rb") as fh:
            vars(self).update(pickle.load(fh))

    @classmethod
    def load(cls, directory: str | Path) -> Representation:
        return load(directory)


def load(directory: str | Path) -> Representation:
    """Load a representation saved with :meth:`Representation.save`."""
    directory = Path(directory)
    config = json.loads((directory / "config.json").read_text())
    rep_cls = get_class(config["type"])
    rep = rep_cls(**config["params"])
    rep._load_state(directory)
    return rep


def to_float32(matrix: Matrix) -> Matrix:
    """Cast to float32, keeping sparsity (CSR) or making a C-contiguous array."""
    if sp.issparse(matrix):
        return sp.csr_matrix(matrix, dtype=np.float32)
    return np.ascontiguousarray(matrix, dtype=np.float32)
