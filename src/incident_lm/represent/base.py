"""The interface every text representation implements: a scikit-learn transformer over raw strings.

>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.linear_model import LogisticRegression
>>> model = make_pipeline(TfidfRepresentation(min_df=1), LogisticRegression()).fit(texts, labels)  # doctest: +SKIP

A representation is a :class:`sklearn.base.TransformerMixin` and :class:`~sklearn.base.BaseEstimator`:
hyperparameters are taken in ``__init__`` and stored unchanged (so ``get_params``, ``set_params``,
``clone``, ``Pipeline`` and ``GridSearchCV`` work), ``fit(X, y=None)`` learns from the training texts
only and returns ``self``, learnt state ends in an underscore, and ``transform(X)`` returns either a
``scipy.sparse.csr_matrix`` or a C-contiguous ``float32`` ``numpy.ndarray`` of shape ``(n_texts, dim)``.

A representation knows nothing of params files: a bad hyperparameter raises
:class:`InvalidParameterError` (a ``ValueError`` and a ``TypeError``) naming its own argument, and the
registry (:mod:`incident_lm.represent.registry`) translates that into a params error naming
``section.key``. ``rep.save(dir)`` writes the fitted state with the params beside it, and
:func:`incident_lm.represent.load` reads any saved representation back.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from incident_lm.core.io import atomic_dir

Matrix = np.ndarray | sp.csr_matrix

__all__ = ["InvalidParameterError", "Matrix", "NotFittedError", "Representation", "check_texts", "to_float32",
           "top_right_singular_vectors"]


class InvalidParameterError(ValueError, TypeError):
    """A hyperparameter of a representation has an unusable value.

    Attributes
    ----------
    param : str
        The ``__init__`` argument at fault.
    value : Any
        Its value.
    reason : str
        What is wrong with it.
    """

    def __init__(self, estimator: Any, param: str, value: Any, reason: str):
        self.param, self.value, self.reason = param, value, reason
        name = estimator if isinstance(estimator, str) else type(estimator).__name__
        super().__init__(f"{name}: {param} = {value!r}: {reason}")


def check_texts(X: Iterable[str]) -> list[str]:
    """Validate input: an iterable of strings (None/NaN become empty strings); a single string is refused."""
    if isinstance(X, str):
        raise TypeError("expected a sequence of texts, got a single string")
    out = []
    for i, t in enumerate(X):
        if t is None or (isinstance(t, float) and np.isnan(t)):
            out.append("")
        elif isinstance(t, str):
            out.append(t)
        else:
            raise TypeError(f"text {i} is {type(t).__name__}, expected str")
    return out


class Representation(TransformerMixin, BaseEstimator):
    """Base class: text in, ``(n_texts, dim)`` matrix out.

    Subclasses implement :meth:`fit` and :meth:`transform` (and :meth:`check_params` for the checks
    that need no data). The default :meth:`save` / :meth:`load` pickle the fitted state beside a
    ``config.json`` holding the type and hyperparameters; subclasses with large native state
    (fastText, transformer weights) override ``_save_state`` / ``_load_state``.
    """

    #: Name the registry knows the class by (set by :func:`~incident_lm.represent.registry.register`).
    type_name: ClassVar[str] = "base"
    #: True when ``transform`` returns a sparse matrix.
    sparse_output: ClassVar[bool] = False
    #: Input validation shared by every representation (see :func:`check_texts`).
    check_texts = staticmethod(check_texts)

    # --- estimator API -------------------------------------------------
    def fit(self, X: Iterable[str], y: Any = None) -> Representation:
        """Learn state from training texts only (``y`` is ignored). Returns ``self``."""
        raise NotImplementedError

    def transform(self, X: Iterable[str]) -> Matrix:
        """Map texts to a matrix of shape ``(len(X), dim)``."""
        raise NotImplementedError

    def check_params(self) -> None:
        """Check the hyperparameters that can be checked without data or models (``fit`` calls it).

        Raises
        ------
        InvalidParameterError
        """

    @property
    def dim(self) -> int:
        """Output dimension (valid after ``fit``)."""
        raise NotImplementedError

    def external_artefacts(self) -> list[Path]:
        """Files or folders this representation uses but does not copy into its own saved
        folder (a trained fastText model, transformer weights); counted in its size."""
        return []

    def check_fitted(self) -> None:
        """Raise :class:`~sklearn.exceptions.NotFittedError` (also a ValueError) before ``fit``."""
        try:
            check_is_fitted(self)
        except NotFittedError:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(texts) first") from None

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def _invalid(self, param: str, reason: str) -> InvalidParameterError:
        return InvalidParameterError(self, param, getattr(self, param), reason)

    def _check_int(self, param: str, minimum: int, allow_none: bool = False) -> None:
        value = getattr(self, param)
        if value is None and allow_none:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self._invalid(param, f"expected an integer >= {minimum}" + (" or None" if allow_none else ""))

    def _check_choice(self, param: str, options: Iterable[Any]) -> None:
        options = tuple(options)
        if getattr(self, param) not in options:
            raise self._invalid(param, f"must be one of {', '.join(map(str, options))}")

    def _check_positive(self, param: str) -> None:
        value = getattr(self, param)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise self._invalid(param, "must be a number > 0")

    def _check_bool(self, param: str) -> None:
        if not isinstance(getattr(self, param), bool):
            raise self._invalid(param, "expected true or false")

    # --- persistence ---------------------------------------------------
    def save(self, directory: str | Path) -> None:
        """Write ``config.json`` and the fitted state to ``directory`` atomically."""
        self.check_fitted()
        with atomic_dir(directory) as tmp:
            config = {"type": self.type_name, "params": self.get_params(deep=False)}
            (tmp / "config.json").write_text(json.dumps(config, indent=2, default=str) + "\n")
            self._save_state(tmp)

    def _save_state(self, directory: Path) -> None:
        with (directory / "state.pkl").open("wb") as fh:
            pickle.dump({k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}, fh)

    def _load_state(self, directory: Path) -> None:
        with (directory / "state.pkl").open("rb") as fh:
            vars(self).update(pickle.load(fh))


def to_float32(matrix: Matrix) -> Matrix:
    """Cast to float32, keeping sparsity (CSR) or making a C-contiguous array."""
    if sp.issparse(matrix):
        return sp.csr_matrix(matrix, dtype=np.float32)
    return np.ascontiguousarray(matrix, dtype=np.float32)


def top_right_singular_vectors(X: np.ndarray, k: int) -> np.ndarray:
    """First ``k`` right singular vectors of ``X`` (uncentred principal directions).

    Computed as the top eigenvectors of the ``(dim, dim)`` Gram matrix ``X.T @ X`` in float64,
    which is much faster than an SVD of the ``(n, dim)`` matrix; each is signed so that its
    largest entry is positive.

    Returns
    -------
    ndarray of float32, shape (k, dim), orthonormal rows.
    """
    X = np.asarray(X, dtype=np.float64)
    _, vectors = np.linalg.eigh(X.T @ X)            # eigenvalues ascending
    top = vectors[:, ::-1][:, :k].T
    signs = np.sign(top[np.arange(k), np.abs(top).argmax(axis=1)])
    return np.ascontiguousarray(top * signs[:, None], dtype=np.float32)
