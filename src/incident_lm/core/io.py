"""Atomic writers and readers for every artefact the pipeline produces.

An interrupted stage must never leave a half-written file that DVC would accept,
so every writer goes to a temporary file in the destination folder and renames it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

#: Set by :func:`incident_lm.core.stage.run` under DVC: the running stage's scratch folder, emptied when the
#: stage next starts, so a killed stage leaves no temporary folder behind for long.
SCRATCH_ENV = "INCIDENT_LM_SCRATCH"


def temp_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory in the running stage's scratch folder (the system's outside a stage)."""
    base = os.environ.get(SCRATCH_ENV)
    if base:
        os.makedirs(base, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=prefix, dir=base or None)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    On an exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; swap it into place on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
            old.rmdir()
            os.replace(path, old)
            try:
                os.replace(tmp, path)
            except OSError:
                os.replace(old, path)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, np.ndarray):
        return [_jsonable(x) for x in obj.tolist()]
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(x) for x in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON atomically (numpy scalars and NaN handled)."""
    with atomic_path(path, ".json") as tmp:
        tmp.write_text(json.dumps(_jsonable(obj), indent=2, sort_keys=False) + "\n", encoding="utf-8")


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(df: pd.DataFrame, path: str | Path, **kwargs: Any) -> None:
    with atomic_path(path, ".csv") as tmp:
        df.to_csv(tmp, index=False, **kwargs)


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path, ".parquet") as tmp:
        df.to_parquet(tmp, index=False)


def save_matrix(path_stem: str | Path, matrix: np.ndarray | sp.spmatrix) -> Path:
    """Save a feature matrix as ``.npz`` (sparse) or ``.npy`` (dense); return the path."""
    path_stem = Path(path_stem)
    # Only one format may exist per stem, or load_matrix could read a stale one.
    for stale in (path_stem.with_suffix(".npz"), path_stem.with_suffix(".npy")):
        stale.unlink(missing_ok=True)
    if sp.issparse(matrix):
        path = path_stem.with_suffix(".npz")
        with atomic_path(path, ".npz") as tmp:
            sp.save_npz(tmp, sp.csr_matrix(matrix), compressed=False)  # zlib costs 60x the write time for 0.6x the bytes
    else:
        path = path_stem.with_suffix(".npy")
        with atomic_path(path, ".npy") as tmp, tmp.open("wb") as fh:
            np.save(fh, np.asarray(matrix))
    return path


def load_matrix(path_stem: str | Path) -> np.ndarray | sp.csr_matrix:
    """Load a matrix saved by :func:`save_matrix`, whichever format it has."""
    path_stem = Path(path_stem)
    npz, npy = path_stem.with_suffix(".npz"), path_stem.with_suffix(".npy")
    if npz.exists():
        return sp.load_npz(npz).tocsr()
    if npy.exists():
        return np.load(npy)
    raise FileNotFoundError(f"no matrix at {npz} or {npy}")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in 1 MiB pieces."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def files_sha256(paths: Iterable[str | Path]) -> tuple[str, dict[str, str]]:
    """One SHA-256 over several files (each file's digest, by name, in the given order) and the per-file digests.

    Identifies a model folder by its content: the same files with the same bytes give the same digest.
    """
    files = {Path(p).name: sha256_file(p) for p in paths}
    return hashlib.sha256("".join(f"{k}:{v};" for k, v in files.items()).encode()).hexdigest(), files


def dir_size(path: str | Path) -> int:
    """Total bytes of the files under ``path`` (or of the file itself)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
