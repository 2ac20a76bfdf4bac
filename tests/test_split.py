"""Unit tests for incident_lm.split: stratified and time splits, and their error messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from incident_lm.core.artefacts import read_split
from incident_lm.core.io import write_parquet
from incident_lm.core.params import ParamsError
from incident_lm.data.split import split_reports


def reports(n: int = 400, seed: int = 0, weights: tuple[float, ...] = (0.5, 0.3, 0.15, 0.05)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    classes = [f"cat{i}" for i in range(len(weights))]
    start = pd.Timestamp("2022-01-01")
    return pd.DataFrame({
        "id": [f"r{i:04d}" for i in range(n)],
        "text": [f"report {i}" for i in range(n)],
        "category": rng.choice(classes, size=n, p=weights),
        "harm": rng.choice(["low", "high"], size=n),
        "date": start + pd.to_timedelta(rng.permutation(n), unit="D"),
    })


# --- stratified ---------------------------------------------------------------------

def test_stratified_adds_split_and_keeps_rows_in_order() -> None:
    df = reports()
    out = split_reports(df, test_size=0.25, seed=1)
    assert list(out.columns) == [*df.columns, "split"]
    assert set(out["split"]) == {"train", "test"}
    pd.testing.assert_frame_equal(out.drop(columns="split"), df)
    assert (out["split"] == "test").sum() == 100
    assert "split" not in df.columns  # input not modified


def test_stratified_proportions_per_class_roughly_equal() -> None:
    df = reports(n=1000, seed=3)
    out = split_reports(df, test_size=0.2, seed=0)
    frac = out.groupby("category")["split"].apply(lambda s: (s == "test").mean())
    assert len(frac) == 4
    np.testing.assert_allclose(frac.to_numpy(), 0.2, atol=0.02)
    overall = df["category"].value_counts(normalize=True).sort_index()
    in_test = out.loc[out["split"] == "test", "category"].value_counts(normalize=True).sort_index()
    np.testing.assert_allclose(in_test.to_numpy(), overall.to_numpy(), atol=0.01)


def test_stratify_none_still_splits() -> None:
    out = split_reports(reports(), stratify=None, test_size=0.3, seed=0)
    assert (out["split"] == "test").sum() == 120


def test_stratified_deterministic_by_seed() -> None:
    df = reports()
    a = split_reports(df, seed=7)["split"]
    b = split_reports(df, seed=7)["split"]
    c = split_reports(df, seed=8)["split"]
    pd.testing.assert_series_equal(a, b)
    assert (a != c).any()


def test_stratify_on_other_column() -> None:
    out = split_reports(reports(n=500, seed=4), stratify="harm", test_size=0.2)
    frac = out.groupby("harm")["split"].apply(lambda s: (s == "test").mean())
    np.testing.assert_allclose(frac.to_numpy(), 0.2, atol=0.02)


def test_stratify_missing_column_names_key() -> None:
    with pytest.raises(ParamsError) as exc:
        split_reports(reports(), stratify="specialty")
    msg = str(exc.value)
    assert "'split.stratify' = 'specialty'" in msg
    assert "category" in msg  # lists the columns that exist


@pytest.mark.parametrize("rare", [["c"], ["c", "d"], ["c", "d", "e"]])
def test_singleton_classes_do_not_crash(rare: list[str]) -> None:
    cats = ["a"] * 12 + ["b"] * 12 + rare
    n = len(cats)
    df = pd.DataFrame({"id": range(n), "text": ["t"] * n, "category": cats})
    out = split_reports(df, test_size=0.25, seed=0)
    assert len(out) == n
    for cls in ("a", "b"):
        assert (out.loc[out["category"] == cls, "split"] == "test").sum() == 3


def test_stratify_numeric_and_missing_labels() -> None:
    df = reports(n=200, seed=5)
    df["category"] = np.where(np.arange(200) % 10 == 0, None, np.arange(200) % 3)
    out = split_reports(df, test_size=0.2, seed=0)
    assert (out["split"] == "test").sum() == 40


# --- time split --------------------------------------------------------------------

def test_time_split_latest_reports_in_test() -> None:
    df = reports(n=200, seed=6)
    out = split_reports(df, method="time", test_size=0.25)
    test_dates = out.loc[out["split"] == "test", "date"]
    train_dates = out.loc[out["split"] == "train", "date"]
    assert train_dates.max() < test_dates.min()
    assert abs(len(test_dates) - 50) <= 1
    assert out["id"].tolist() == df["id"].tolist()  # original order kept


def test_time_split_respects_cutoff() -> None:
    df = reports(n=100, seed=7)  # dates 2022-01-01 .. 2022-04-10, one per day
    out = split_reports(df, method="time", time_cutoff="2022-03-01", test_size=0.5)
    cutoff = pd.Timestamp("2022-03-01")
    assert (out.loc[out["split"] == "test", "date"] >= cutoff).all()
    assert (out.loc[out["split"] == "train", "date"] < cutoff).all()
    assert (out["split"] == "test").sum() == (df["date"] >= cutoff).sum() == 41


def test_time_split_accepts_string_dates() -> None:
    df = reports(n=40, seed=8)
    df["date"] = df["date"].dt.strftime("%Y-%m-%d")
    out = split_reports(df, method="time", test_size=0.25)
    assert (out["split"] == "test").sum() == 10
    latest = sorted(df["date"])[-10:]
    assert sorted(out.loc[out["split"] == "test", "date"]) == latest


def test_time_split_needs_dates() -> None:
    df = reports().drop(columns="date")
    with pytest.raises(ParamsError, match="'split.method' = 'time' needs a 'date' column"):
        split_reports(df, method="time")
    df["date"] = None
    with pytest.raises(ParamsError, match="date"):
        split_reports(df, method="time")


@pytest.mark.parametrize("cutoff", ["2000-01-01", "2030-01-01"])
def test_time_cutoff_outside_dates_gives_empty_split_error(cutoff: str) -> None:
    with pytest.raises(ParamsError) as exc:
        split_reports(reports(), method="time", time_cutoff=cutoff)
    msg = str(exc.value)
    assert "is empty" in msg
    assert "split.method='time'" in msg
    assert f"split.time_cutoff='{cutoff}'" in msg
    assert "split.test_size" in msg


# --- parameter errors -----------------------------------------------------------------

@pytest.mark.parametrize("test_size", [0, 1, -0.1, 1.5])
def test_bad_test_size_names_key(test_size: float) -> None:
    with pytest.raises(ParamsError, match=r"'split\.test_size' = .*must be between 0 and 1"):
        split_reports(reports(), test_size=test_size)


def test_unknown_method_names_key() -> None:
    with pytest.raises(ParamsError, match=r"'split\.method' = 'random': must be 'stratified', 'time' or 'column'"):
        split_reports(reports(), method="random")


def test_too_few_reports() -> None:
    with pytest.raises(ParamsError, match="3 reports: too few"):
        split_reports(reports(n=3))


# --- read_split ------------------------------------------------------------------------

def test_read_split_filters_and_keeps_order(tmp_path: Path) -> None:
    out = split_reports(reports(n=60, seed=9), seed=0)
    write_parquet(out, tmp_path / "reports.parquet")
    everything = read_split(tmp_path / "reports.parquet")
    assert len(everything) == 60
    train = read_split(tmp_path / "reports.parquet", "train")
    test = read_split(tmp_path / "reports.parquet", "test")
    assert len(train) + len(test) == 60
    assert train["id"].tolist() == out.loc[out["split"] == "train", "id"].tolist()
    assert list(test.index) == list(range(len(test)))
    with pytest.raises(ValueError, match="which must be one of"):
        read_split(tmp_path / "reports.parquet", "dev")
