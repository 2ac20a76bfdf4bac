"""Train/test split of the prepared reports: stratified (default), by date, or the export's own.

The split file is read back with :func:`incident_lm.core.artefacts.read_split`, the one reader every
later stage uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from incident_lm.core.artefacts import SPLITS
from incident_lm.core.errors import ParamsError
from incident_lm.core.params import param


@dataclass(frozen=True)
class SplitConfig:
    """The ``split`` params section (see :func:`split_reports`)."""

    method: Literal["stratified", "time", "column"] = "stratified"
    test_size: float = param(0.2, min=0.0, max=1.0)
    stratify: str | None = "category"
    seed: int = param(0, min=0)
    time_cutoff: str | None = param(None, date=True)


def split_reports(df: pd.DataFrame, *, method: str = "stratified", test_size: float = 0.2,
                  stratify: str | None = "category", seed: int = 0,
                  time_cutoff: str | None = None) -> pd.DataFrame:
    """Add a ``split`` column (``"train"`` / ``"test"``) to ``df``.

    Parameters
    ----------
    df : DataFrame
        Prepared reports with at least ``id`` and ``text``; ``date`` for the time split.
    method : {"stratified", "time", "column"}
        ``stratified``: seeded split stratified by ``stratify``. ``time``: reports dated on
        or after ``time_cutoff`` (or the latest ``test_size`` fraction if no cutoff) are test.
        ``column``: the export's own split, the ``split`` column prepare made from ``data.split_column``.
    test_size : float
        Fraction in test, in (0, 1).
    stratify : str or None
        Label column to stratify by (the primary target).

    Returns
    -------
    DataFrame
        A copy of ``df`` with ``split``, rows in their original order.
    """
    if method == "column":
        if "split" not in df.columns:
            raise ParamsError("params.yaml: 'split.method' = 'column' uses the export's own train/test column: set "
                              "data.split_column to it")
        bad = ~df["split"].isin(SPLITS)
        if bad.any():
            raise ParamsError(f"prepared 'split' column holds {sorted(set(df.loc[bad, 'split']))[:5]}, not only "
                              f"{SPLITS}: rerun prepare")
    if not 0 < test_size < 1:
        raise ParamsError(f"params.yaml: 'split.test_size' = {test_size!r}: must be between 0 and 1")
    if len(df) < 4:
        raise ParamsError(f"prepared data has {len(df)} reports: too few to split (check the 'data' section)")
    out = df.copy()
    if method == "stratified":
        strat = None
        if stratify:
            if stratify not in df.columns:
                raise ParamsError(f"params.yaml: 'split.stratify' = {stratify!r}: no such column "
                                  f"(columns: {', '.join(map(str, df.columns))})")
            strat = df[stratify].astype(str)
            counts = strat.value_counts()
            # Classes too small to appear in both splits are stratified together (with the
            # largest class when there is only one of them, as a group of one cannot be split).
            strat = strat.where(strat.map(counts) >= 2, "__rare__" if (counts < 2).sum() > 1 else counts.idxmax())
        idx_train, _ = train_test_split(np.arange(len(df)), test_size=test_size, random_state=seed,
                                        stratify=strat)
        is_train = np.zeros(len(df), dtype=bool)
        is_train[idx_train] = True
    elif method == "column":
        is_train = (out["split"] == "train").to_numpy()
    elif method == "time":
        if "date" not in df.columns or df["date"].isna().all():
            raise ParamsError("params.yaml: 'split.method' = 'time' needs a 'date' column with values "
                              "(set data.date_column)")
        dates = pd.to_datetime(df["date"])
        if dates.isna().any():
            raise ParamsError(f"{int(dates.isna().sum())} prepared reports have no date: 'split.method' = "
                              "'time' cannot place them (drop them upstream or use method: stratified)")
        cutoff = pd.Timestamp(time_cutoff) if time_cutoff else dates.quantile(1 - test_size)
        is_train = (dates < cutoff).to_numpy()
    else:
        raise ParamsError(f"params.yaml: 'split.method' = {method!r}: must be 'stratified', 'time' or 'column'")
    out["split"] = np.where(is_train, "train", "test")
    for name in SPLITS:
        if not (out["split"] == name).any():
            raise ParamsError(f"split '{name}' is empty (split.method={method!r}, split.test_size={test_size},"
                              f" split.time_cutoff={time_cutoff!r})")
    return out
