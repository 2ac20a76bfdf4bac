"""Fit a representation on the training split and encode texts in bounded-memory chunks.

The feature folder it writes is the contract of :mod:`incident_lm.core.artefacts` (matrices plus the
report id of every row).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

from incident_lm.core.artefacts import write_feature_ids
from incident_lm.core.io import atomic_path, dir_size, save_matrix
from incident_lm.core.stage import peak_rss_mb
from incident_lm.represent.base import Representation

log = logging.getLogger(__name__)


def encode_to_file(rep: Representation, texts: Sequence[str], path_stem: str | Path,
                   chunk_size: int = 2048, desc: str = "encode") -> tuple[Path, int, int]:
    """Transform ``texts`` chunk by chunk and write the ``(n_texts, dim)`` matrix.

    Dense chunks go straight into a memory-mapped ``.npy`` (so peak memory is one chunk,
    not the whole matrix); sparse chunks are stacked into one CSR ``.npz``. Returns the
    written path, the number of rows and the dimension.
    """
    texts = list(texts)
    n = len(texts)
    if n == 0:
        raise ValueError(f"no texts to encode for {path_stem}")
    starts = range(0, n, chunk_size)
    first = rep.transform(texts[:chunk_size])
    dim = first.shape[1]
    bar = tqdm(total=n, desc=desc, unit="doc", leave=False, mininterval=2)
    bar.update(first.shape[0])
    if sp.issparse(first):
        parts = [first]
        for s in starts[1:]:
            parts.append(rep.transform(texts[s:s + chunk_size]))
            bar.update(parts[-1].shape[0])
        bar.close()
        return save_matrix(path_stem, sp.vstack(parts, format="csr")), n, dim
    path = Path(path_stem).with_suffix(".npy")
    Path(path_stem).with_suffix(".npz").unlink(missing_ok=True)
    with atomic_path(path, ".npy") as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, dim))
        out[: first.shape[0]] = first
        for s in starts[1:]:
            chunk = rep.transform(texts[s:s + chunk_size])
            out[s:s + chunk.shape[0]] = chunk
            bar.update(chunk.shape[0])
        out.flush()
        del out
    bar.close()
    return path, n, dim


def fit_and_encode(rep: Representation, train_texts: Sequence[str], test_texts: Sequence[str],
                   model_dir: str | Path, features_dir: str | Path, *, train_ids: Sequence[str],
                   test_ids: Sequence[str], y_train: Sequence[Any] | None = None,
                   chunk_size: int = 2048) -> dict[str, Any]:
    """Fit on the training texts only, save the fitted model, encode train and test with their ids.

    Parameters
    ----------
    rep : Representation
    train_texts, test_texts : sequence of str
    model_dir : path
        Where the fitted representation is saved.
    features_dir : path
        Gets ``train``/``test`` matrices and ``ids.parquet`` (see :mod:`incident_lm.core.artefacts`).
    train_ids, test_ids : sequence of str
        Report ids, one per text.
    y_train : sequence, optional
        Training labels, for a label-aware representation (passed to ``fit``).

    Returns
    -------
    dict
        Cost figures: fit and transform seconds (for a sparse representation the fit also yields the
        training matrix, so its time is in ``fit_seconds``), docs/second, peak RSS, dimension, sizes, counts.
    """
    if len(train_ids) != len(train_texts) or len(test_ids) != len(test_texts):
        raise ValueError(f"{len(train_texts)}/{len(test_texts)} texts but {len(train_ids)}/{len(test_ids)} ids")
    features_dir = Path(features_dir)
    t0 = time.perf_counter()
    if rep.sparse_output:
        # one pass over the training texts: the fit's own matrix is the training features (a sparse
        # matrix is held whole anyway); its time counts as fitting
        X_train = rep.fit_transform(train_texts, y_train)
        fit_s = time.perf_counter() - t0
        rep.save(model_dir)
        t1 = time.perf_counter()
        save_matrix(features_dir / "train", X_train)
        n_train, dim = X_train.shape
        del X_train
    else:
        rep.fit(train_texts, y_train)
        fit_s = time.perf_counter() - t0
        rep.save(model_dir)
        t1 = time.perf_counter()
        _, n_train, dim = encode_to_file(rep, train_texts, features_dir / "train", chunk_size, "train")
    log.info("fit %s on %d texts in %.1fs", rep.type_name, len(train_texts), fit_s)
    _, n_test, _ = encode_to_file(rep, test_texts, features_dir / "test", chunk_size, "test")
    transform_s = time.perf_counter() - t1
    write_feature_ids(features_dir, train_ids, test_ids)
    n_docs = n_train + n_test
    encoded = n_test if rep.sparse_output else n_docs  # texts that went through transform
    log.info("encoded %d texts in %.1fs (%.0f docs/s), dim %d", encoded, transform_s,
             encoded / max(transform_s, 1e-9), dim)
    return {
        "fit_seconds": round(fit_s, 3),
        "transform_seconds": round(transform_s, 3),
        "transform_docs_per_second": round(encoded / max(transform_s, 1e-9), 1),
        "docs_per_second": round(n_docs / max(fit_s + transform_s, 1e-9), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "dim": int(dim),
        "sparse": bool(rep.sparse_output),
        "model_bytes": dir_size(model_dir) + sum(dir_size(p) for p in rep.external_artefacts()),
        "features_bytes": dir_size(features_dir),
        "n_train": n_train,
        "n_test": n_test,
    }
