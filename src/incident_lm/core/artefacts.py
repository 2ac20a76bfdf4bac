"""The contracts between stages: the split reports file and a representation's feature folder.

Every reader of these artefacts goes through this module, so a stage never relies on row order alone:
a feature folder carries the report id of every matrix row (``ids.parquet``), and :func:`read_features`
checks them against the split it is evaluated on.

Feature folder (written by the ``represent`` stage)::

    features/NAME/train.npz | train.npy    (n_train, dim) CSR float32 or dense float32
    features/NAME/test.npz  | test.npy     (n_test, dim)
    features/NAME/ids.parquet              columns id (str), split ("train"/"test"), in matrix row order
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from incident_lm.core.errors import DataError
from incident_lm.core.io import load_matrix, write_parquet

SPLITS = ("train", "test")
SPLIT_COLUMNS = ("id", "text", "split")
IDS_FILE = "ids.parquet"

Matrix = np.ndarray | sp.csr_matrix


def read_split(path: str | Path, which: str | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read the split reports file; ``which`` = ``"train"`` or ``"test"`` keeps those rows (order kept).

    Parameters
    ----------
    path : path
        ``data/split/reports.parquet``: columns ``id``, ``date``, ``text``, ``split`` and the label roles.
    which : {"train", "test"} or None
    columns : sequence of str, optional
        Columns to read (``split`` is always read).

    Raises
    ------
    DataError
        If a required column is missing (the file is not the split stage's).
    """
    if which is not None and which not in SPLITS:
        raise ValueError(f"which must be one of {SPLITS}, got {which!r}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: split reports not found; run the split stage (dvc repro split)")
    cols = None if columns is None else list(dict.fromkeys([*columns, "split"]))
    df = pd.read_parquet(path, columns=cols)
    missing = [c for c in (SPLIT_COLUMNS if cols is None else cols) if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; rerun the split stage")
    if which is None:
        return df
    return df[df["split"] == which].reset_index(drop=True)


@dataclass
class Features:
    """A representation's encoded reports: train and test matrices and the report id of every row.

    Attributes
    ----------
    train : CSR matrix or ndarray, shape (n_train, dim)
    test : CSR matrix or ndarray, shape (n_test, dim)
    train_ids, test_ids : ndarray of str, shapes (n_train,), (n_test,)
    """

    train: Matrix
    test: Matrix
    train_ids: np.ndarray
    test_ids: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.train.shape[1])


def write_feature_ids(directory: str | Path, train_ids: Sequence[str], test_ids: Sequence[str]) -> Path:
    """Write ``ids.parquet`` (id, split) beside the matrices, in matrix row order."""
    ids = pd.DataFrame({"id": pd.array([*map(str, train_ids), *map(str, test_ids)], dtype="str"),
                        "split": ["train"] * len(train_ids) + ["test"] * len(test_ids)})
    path = Path(directory) / IDS_FILE
    write_parquet(ids, path)
    return path


def read_features(directory: str | Path, split: pd.DataFrame | None = None) -> Features:
    """Load a feature folder; with ``split``, check its ids are the split's train and test ids, in order.

    Raises
    ------
    DataError
        When the ids file is missing, does not match the matrices, or differs from ``split``'s ids:
        the message names the folder and says to rerun its represent stage.
    """
    directory = Path(directory)
    if not (directory / IDS_FILE).exists():
        raise DataError(f"{directory}: no {IDS_FILE}; rerun its represent stage")
    ids = pd.read_parquet(directory / IDS_FILE)
    feats = Features(train=load_matrix(directory / "train"), test=load_matrix(directory / "test"),
                     train_ids=ids.loc[ids["split"] == "train", "id"].astype(str).to_numpy(),
                     test_ids=ids.loc[ids["split"] == "test", "id"].astype(str).to_numpy())
    for which, X, got in (("train", feats.train, feats.train_ids), ("test", feats.test, feats.test_ids)):
        if X.shape[0] != len(got):
            raise DataError(f"{directory}: {which} matrix has {X.shape[0]} rows but {IDS_FILE} lists {len(got)} "
                            f"ids; rerun its represent stage")
        if split is not None:
            want = split.loc[split["split"] == which, "id"].astype(str).to_numpy()
            if len(want) != len(got) or not np.array_equal(want, got):
                n_diff = abs(len(want) - len(got)) + int(sum(a != b for a, b in zip(want, got, strict=False)))
                raise DataError(f"{directory}: the {which} report ids differ from the split's ({len(got)} vs "
                                f"{len(want)} rows, {n_diff} differ): the features were made from another split; "
                                f"rerun its represent stage")
    return feats
