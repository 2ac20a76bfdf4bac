"""Every report in one matrix: the review works on train and test reports alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from incident_lm.core.artefacts import Matrix, read_features


def stack_features(directory: str | Path, split: pd.DataFrame) -> tuple[Matrix, pd.DataFrame]:
    """Every report's features (train rows, then test rows) and the split's rows in the same order.

    Returns
    -------
    X : (n_reports, dim) CSR matrix or ndarray
    reports : DataFrame, n_reports rows in ``X``'s row order
    """
    feats = read_features(directory, split)
    X = sp.vstack([feats.train, feats.test]).tocsr() if sp.issparse(feats.train) else np.vstack(
        [feats.train, feats.test])
    order = np.concatenate([feats.train_ids, feats.test_ids])
    return X, split.set_index(split["id"].astype(str)).loc[order].reset_index(drop=True)
