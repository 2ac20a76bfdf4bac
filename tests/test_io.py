"""Unit tests for incident_lm.io: atomic writers, JSON conversion, matrix round trips."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from incident_lm.core.io import (
    atomic_dir,
    atomic_path,
    dir_size,
    load_matrix,
    read_json,
    save_matrix,
    write_csv,
    write_json,
    write_parquet,
    write_text,
)


class Boom(RuntimeError):
    pass


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- atomic_path -----------------------------------------------------------------

def test_atomic_path_writes_on_success_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        assert tmp != target
        assert tmp.parent == target.parent
        assert tmp.name.startswith(".out.txt.")
        assert not target.exists()  # nothing visible at the destination while writing
        tmp.write_text("hello")
    assert target.read_text() == "hello"
    assert listing(tmp_path) == ["out.txt"]


def test_atomic_path_keeps_old_file_on_exception(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(Boom), atomic_path(target) as tmp:
        tmp.write_text("half-written")
        raise Boom
    assert target.read_text() == "old"
    assert listing(tmp_path) == ["out.txt"]


def test_atomic_path_exception_without_old_file_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.bin"
    with pytest.raises(Boom), atomic_path(target, ".bin") as tmp:
        assert tmp.suffix == ".bin"
        tmp.write_bytes(b"x")
        raise Boom
    assert not target.exists()
    assert listing(tmp_path / "sub") == []


def test_atomic_path_creates_parent_dirs_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.txt"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text() == "two"
    assert listing(target.parent) == ["c.txt"]


# --- atomic_dir --------------------------------------------------------------------

def test_atomic_dir_creates_new_folder(tmp_path: Path) -> None:
    target = tmp_path / "features"
    with atomic_dir(target) as tmp:
        assert tmp.is_dir() and tmp != target
        assert not target.exists()
        (tmp / "a.txt").write_text("a")
    assert listing(target) == ["a.txt"]
    assert listing(tmp_path) == ["features"]


def test_atomic_dir_swaps_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "features"
    target.mkdir()
    (target / "stale.txt").write_text("stale")
    (target / "keep.txt").write_text("old")
    with atomic_dir(target) as tmp:
        # The old folder stays in place, complete, while the new one is written.
        assert listing(target) == ["keep.txt", "stale.txt"]
        (tmp / "keep.txt").write_text("new")
        (tmp / "nested").mkdir()
        (tmp / "nested" / "x").write_text("x")
    assert listing(target) == ["keep.txt", "nested"]  # stale file gone: whole folder replaced
    assert (target / "keep.txt").read_text() == "new"
    assert listing(tmp_path) == ["features"]  # no temp or .old folders left


def test_atomic_dir_keeps_old_folder_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "features"
    target.mkdir()
    (target / "keep.txt").write_text("old")
    with pytest.raises(Boom), atomic_dir(target) as tmp:
        (tmp / "keep.txt").write_text("new")
        (tmp / "partial.txt").write_text("p")
        raise Boom
    assert listing(target) == ["keep.txt"]
    assert (target / "keep.txt").read_text() == "old"
    assert listing(tmp_path) == ["features"]


def test_atomic_dir_failure_without_old_folder_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "features"
    with pytest.raises(Boom), atomic_dir(target) as tmp:
        (tmp / "x").write_text("x")
        raise Boom
    assert listing(tmp_path) == []


# --- JSON ---------------------------------------------------------------------------

def test_write_json_converts_numpy_and_nan(tmp_path: Path) -> None:
    obj = {
        "i": np.int64(3),
        "i32": np.int32(-2),
        "f": np.float32(0.5),
        "nan": float("nan"),
        "np_nan": np.float64("nan"),
        "inf": np.float32("inf"),
        "neg_inf": -math.inf,
        "arr": np.array([1.0, np.nan, 2.5]),
        "int_arr": np.arange(3),
        "nested": {"t": (np.int16(1), [np.float64(2.0)])},
        "path": Path("a/b.txt"),
        1: "int key",
        "s": "text",
        "none": None,
        "b": True,
    }
    path = tmp_path / "m" / "metrics.json"
    write_json(path, obj)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text  # strict JSON
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard constant {c}"))
    back = read_json(path)
    assert back == {
        "i": 3, "i32": -2, "f": 0.5, "nan": None, "np_nan": None, "inf": None, "neg_inf": None,
        "arr": [1.0, None, 2.5], "int_arr": [0, 1, 2], "nested": {"t": [1, [2.0]]},
        "path": "a/b.txt", "1": "int key", "s": "text", "none": None, "b": True,
    }
    assert isinstance(back["i"], int)
    assert text.endswith("\n")
    assert listing(path.parent) == ["metrics.json"]


def test_write_json_keeps_key_order(tmp_path: Path) -> None:
    write_json(tmp_path / "o.json", {"z": 1, "a": 2, "m": 3})
    assert list(read_json(tmp_path / "o.json")) == ["z", "a", "m"]


def test_write_json_failure_keeps_old_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    write_json(path, {"ok": 1})
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})
    assert read_json(path) == {"ok": 1}
    assert listing(tmp_path) == ["m.json"]


def test_write_json_numpy_bool(tmp_path: Path) -> None:
    write_json(tmp_path / "b.json", {"flag": np.bool_(True)})
    assert read_json(tmp_path / "b.json") == {"flag": True}


# --- tables ------------------------------------------------------------------------

def test_write_csv_and_parquet_round_trip(tmp_path: Path) -> None:
    df = pd.DataFrame({"id": ["a", "b"], "x": [1.5, 2.0]})
    write_csv(df, tmp_path / "t.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv"), df)
    write_parquet(df, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), df)
    assert listing(tmp_path) == ["t.csv", "t.parquet"]


# --- matrices ----------------------------------------------------------------------

def test_save_load_sparse_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    m = sp.random(30, 50, density=0.1, format="coo", dtype=np.float32, random_state=rng)
    path = save_matrix(tmp_path / "train", m)
    assert path == tmp_path / "train.npz"
    back = load_matrix(tmp_path / "train")
    assert sp.isspmatrix_csr(back) or (sp.issparse(back) and back.format == "csr")
    assert back.shape == (30, 50)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back.toarray(), m.toarray())
    assert listing(tmp_path) == ["train.npz"]


def test_save_load_dense_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    m = rng.standard_normal((7, 4)).astype(np.float32)
    path = save_matrix(tmp_path / "test", m)
    assert path == tmp_path / "test.npy"
    back = load_matrix(tmp_path / "test")
    assert isinstance(back, np.ndarray)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, m)
    assert listing(tmp_path) == ["test.npy"]


def test_save_matrix_accepts_stem_with_suffix(tmp_path: Path) -> None:
    m = np.eye(3)
    path = save_matrix(tmp_path / "x.npy", m)
    assert path == tmp_path / "x.npy"
    np.testing.assert_array_equal(load_matrix(tmp_path / "x"), m)


def test_load_matrix_missing_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no matrix"):
        load_matrix(tmp_path / "absent")


# --- dir_size ------------------------------------------------------------------------

def test_dir_size_file_and_tree(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"12345")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b").write_bytes(b"123")
    assert dir_size(tmp_path / "a") == 5
    assert dir_size(tmp_path / "d") == 3
    assert dir_size(tmp_path) == 8
