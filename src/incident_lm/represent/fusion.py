"""Sparse + dense fusion: several representations side by side, each scaled so none dominates.

Each part's rows are L2-normalised (a dense part is centred on its training mean first, so its cosines
are not all near 1) and multiplied by ``sqrt(weight)``, with the weights summing to 1. A fused row then has
unit norm and the cosine of two fused rows is the weighted mean of their parts' cosines::

    cos(fuse(a), fuse(b)) = sum_i w_i * cos(part_i(a), part_i(b))

so ``weights`` say how much each part counts in retrieval and clustering, whatever its dimension or scale.
The output is one CSR matrix when any part is sparse (TF-IDF), else a dense array.

>>> rep = FusionRepresentation(parts={"tfidf": {"type": "tfidf", "min_df": 1},
...                                   "lsa": {"type": "tfidf", "min_df": 1, "lsa_components": 2}},
...                            weights={"tfidf": 0.8, "lsa": 0.2})
>>> rep.fit_transform(["a fall on the ward", "a missed dose", "fall from bed"]).shape  # doctest: +SKIP
(3, 11)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from incident_lm.represent.base import InvalidParameterError, Matrix, Representation, check_texts, to_float32
from incident_lm.represent.registry import accepted_keys, get_class, load, register, type_of, unknown_keys

PARTS_FOLDER = "parts"


def scale_block(Z: Matrix, scale: float, mean: np.ndarray | None = None) -> Matrix:
    """One part's block of the fusion: rows L2-normalised (after subtracting ``mean`` from a dense block) and
    multiplied by ``scale`` (``sqrt`` of the part's weight); float32, CSR kept sparse."""
    if sp.issparse(Z):
        return normalize(sp.csr_matrix(Z, dtype=np.float32)) * np.float32(scale)
    Z = np.asarray(Z, dtype=np.float64)
    if mean is not None:
        Z = Z - mean
    return (normalize(Z) * scale).astype(np.float32)


@register("fusion")
class FusionRepresentation(Representation):
    """Concatenation of representations, each row-normalised and weighted.

    Parameters
    ----------
    parts : mapping of str -> mapping
        Part name -> that part's hyperparameters, written like a representation's own params section
        (``type`` picks the class, default the part name). Each part is fitted on the same texts.
    weights : mapping of str -> float, or None
        Part name -> its share of the fused cosine (non-negative, normalised to sum to 1). ``None``:
        equal shares.
    center : bool
        Subtract a dense part's training mean before normalising its rows.

    Attributes
    ----------
    parts_ : dict of str -> Representation
        The fitted parts, in ``parts`` order.
    scales_ : dict of str -> float
        ``sqrt(weight)`` of each part.
    means_ : dict of str -> ndarray of shape (dim_i,)
        Training mean of each centred dense part.
    """

    def __init__(self, parts: Mapping[str, Mapping[str, Any]] | None = None,
                 weights: Mapping[str, float] | None = None, center: bool = True):
        self.parts = parts
        self.weights = weights
        self.center = center

    # --- checks --------------------------------------------------------
    def check_params(self) -> None:
        if not isinstance(self.parts, Mapping) or len(self.parts) < 2:
            raise self._invalid("parts", "name at least two representations (name: {type: ..., ...})")
        for name, spec in self.parts.items():
            if not isinstance(spec, Mapping):
                raise InvalidParameterError(self, f"parts.{name}", spec, "expected a mapping of hyperparameters")
            if type_of(name, spec) == self.type_name:
                raise InvalidParameterError(self, f"parts.{name}.type", self.type_name, "a fusion cannot hold a fusion")
        self._check_bool("center")
        self._shares()
        for name in self.parts:
            with self._part_errors(name):
                self._build_part(name).check_params()

    @contextmanager
    def _part_errors(self, name: str) -> Iterator[None]:
        """Re-aim a part's InvalidParameterError at this estimator's ``parts.<name>.<key>``."""
        try:
            yield
        except InvalidParameterError as exc:
            if exc.param.startswith("parts."):
                raise
            raise InvalidParameterError(self, f"parts.{name}.{exc.param}", exc.value, exc.reason) from exc

    def _shares(self) -> dict[str, float]:
        names = list(self.parts or {})
        if self.weights is None:
            return {n: 1.0 / len(names) for n in names}
        if not isinstance(self.weights, Mapping) or set(self.weights) != set(names):
            raise self._invalid("weights", f"give one weight for each part ({', '.join(names)}), or null for "
                                           "equal weights")
        for n, w in self.weights.items():
            if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
                raise InvalidParameterError(self, f"weights.{n}", w, "must be a number >= 0")
        total = float(sum(self.weights.values()))
        if total <= 0:
            raise self._invalid("weights", "at least one weight must be > 0")
        return {n: float(self.weights[n]) / total for n in names}

    def _build_part(self, name: str) -> Representation:
        spec = dict(self.parts[name])
        type_name = str(spec.pop("type", name))
        try:
            cls = get_class(type_name)
        except Exception as exc:  # ParamsError naming 'type': re-aimed at this part's key
            raise InvalidParameterError(self, f"parts.{name}.type", type_name, str(exc).split(": ", 2)[-1]) from None
        unknown = unknown_keys(cls, spec)
        if unknown:
            raise InvalidParameterError(self, f"parts.{name}.{unknown[0]}", spec[unknown[0]],
                                        f"unknown key for representation type '{type_name}'; accepted: "
                                        f"{', '.join(sorted(accepted_keys(cls)))}")
        return cls(**spec)

    # --- estimator API -------------------------------------------------
    @property
    def sparse_output(self) -> bool:  # type: ignore[override]
        return any(self._build_part(n).sparse_output for n in (self.parts or {}))

    def fit(self, X: Iterable[str], y: Any = None) -> FusionRepresentation:
        """Fit every part on the training texts ``X`` (``y`` is ignored)."""
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None) -> Matrix:
        """Fit on ``X`` and return its fused features (each part's texts are encoded once)."""
        self.check_params()
        texts = check_texts(X)
        shares = self._shares()
        self.parts_, self.scales_, self.means_ = {}, {}, {}
        blocks = []
        for name in self.parts:
            part = self._build_part(name)
            with self._part_errors(name):
                Z = part.fit_transform(texts)
            self.parts_[name] = part
            self.scales_[name] = math.sqrt(shares[name])
            if self.center and not sp.issparse(Z):
                self.means_[name] = np.asarray(Z, dtype=np.float64).mean(axis=0)
            blocks.append(self._scaled(name, Z))
        return self._stack(blocks)

    def transform(self, X: Iterable[str]) -> Matrix:
        """Fused features: CSR ``(n_texts, sum of part dims)`` when a part is sparse, else a dense array."""
        self.check_fitted()
        texts = check_texts(X)
        return self._stack([self._scaled(name, part.transform(texts)) for name, part in self.parts_.items()])

    def _scaled(self, name: str, Z: Matrix) -> Matrix:
        return scale_block(Z, self.scales_[name], self.means_.get(name))

    def _stack(self, blocks: list[Matrix]) -> Matrix:
        if any(sp.issparse(b) for b in blocks):
            return to_float32(sp.hstack([sp.csr_matrix(b) for b in blocks], format="csr"))
        return to_float32(np.hstack(blocks))

    @property
    def dim(self) -> int:
        self.check_fitted()
        return sum(p.dim for p in self.parts_.values())

    def external_artefacts(self) -> list[Path]:
        return [a for p in getattr(self, "parts_", {}).values() for a in p.external_artefacts()]

    # --- persistence ---------------------------------------------------
    def _save_state(self, directory: Path) -> None:
        for name, part in self.parts_.items():
            part.save(directory / PARTS_FOLDER / name)
        np.savez(directory / "state.npz", **{f"mean__{n}": m for n, m in self.means_.items()},
                 **{f"scale__{n}": np.float64(s) for n, s in self.scales_.items()})

    def _load_state(self, directory: Path) -> None:
        self.parts_ = {name: load(directory / PARTS_FOLDER / name) for name in self.parts}
        with np.load(directory / "state.npz", allow_pickle=False) as state:
            self.means_ = {k.split("__", 1)[1]: state[k] for k in state.files if k.startswith("mean__")}
            self.scales_ = {k.split("__", 1)[1]: float(state[k]) for k in state.files if k.startswith("scale__")}
