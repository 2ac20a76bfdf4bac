"""Report vectors pooled from the incident-domain fastText word vectors.

The word vectors are trained by the ``train_fasttext`` stage
(:mod:`incident_lm.wordvec.train`) and read from ``model_dir``; this representation only
learns how to pool them, from the training texts given to :meth:`FastTextPooled.fit`.
"""

from __future__ import annotations

import json
import logging
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from incident_lm.core.errors import DataError
from incident_lm.represent.base import Representation, check_texts, to_float32, top_right_singular_vectors
from incident_lm.represent.registry import register
from incident_lm.text.tokenize import tokenize
from incident_lm.wordvec.vectors import detect_backend, fingerprint, load_word_vectors

log = logging.getLogger(__name__)

POOLINGS = ("mean", "tfidf", "sif")
#: Texts pooled at a time (bounds the memory of their token lists and weight matrices).
TRANSFORM_CHUNK = 65536

@register("fasttext_pooled")
class FastTextPooled(Representation):
    """Weighted mean of fastText word vectors over a report's tokens.

    Tokens are those of :func:`~incident_lm.text.tokenize.tokenize` (as in training). Every
    token has a vector, misspelt or unseen ones included (built from character n-grams).

    * ``mean``: plain average of the token vectors.
    * ``tfidf``: average weighted by each token's smoothed IDF, ``ln((1 + n) / (1 + df)) + 1``
      (scikit-learn's), learnt on the training texts; an unseen token has ``df = 0``.
    * ``sif``: smooth inverse frequency (Arora, Liang & Ma, 2017): token weight
      ``a / (a + p(w))`` with ``p(w)`` the token's relative frequency in the training texts
      (0 if unseen), summed and divided by the number of tokens; then the projection on the
      first ``sif_remove_pc`` principal components of the training texts' vectors (uncentred
      SVD, as in the paper) is removed.

    A text without tokens (empty, or punctuation only) maps to the zero vector. Nothing is
    L2-normalised: the evaluation normalises where it needs to.

    ``transform`` builds a sparse ``(n_texts, n_tokens)`` weight matrix and multiplies it by a
    cache of token vectors (the training vocabulary's, plus every new token met so far, looked
    up once); the cache is not saved, it is rebuilt from the model.

    Saving writes no copy of the (large) fastText model: ``config.json`` records ``model_dir``
    and the model's SHA-256 and size, and loading refuses a model that has changed since.

    Parameters
    ----------
    model_dir : str
        Folder written by the ``train_fasttext`` stage, relative to the working directory.
    pooling : {"mean", "tfidf", "sif"}
    sif_a : float
        SIF smoothing ``a`` (> 0); smaller down-weights frequent words more.
    sif_remove_pc : int
        Number of principal components removed with ``sif`` pooling (0 = none).

    Attributes
    ----------
    vocabulary_ : ndarray of str, shape (n_terms,)
        Tokens of the training texts, sorted.
    term_counts_ : ndarray of int64, shape (n_terms,)
        Occurrences of each token in the training texts.
    doc_freq_ : ndarray of int64, shape (n_terms,)
        Number of training texts containing each token.
    n_docs_ : int
        Number of training texts.
    components_ : ndarray of float32, shape (n_removed, dim)
        Removed principal directions (unit rows); ``(0, dim)`` unless ``sif``.
    model_ref_ : dict
        ``model_dir``, ``backend``, ``sha256``, ``bytes`` of the fastText model used.
    dim_ : int
    """

    sparse_output = False

    def __init__(self, model_dir: str = "models/fasttext", pooling: str = "mean", sif_a: float = 1e-3,
                 sif_remove_pc: int = 1):
        self.model_dir = model_dir
        self.pooling = pooling
        self.sif_a = sif_a
        self.sif_remove_pc = sif_remove_pc

    # --- estimator API -------------------------------------------------
    def fit(self, X: Iterable[str], y: Any = None) -> FastTextPooled:
        """Load the word vectors and learn token statistics (and SIF's components) from the texts ``X``."""
        self._fit(check_texts(X))
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None) -> np.ndarray:
        """Fit on ``X`` and return its vectors, the same as ``fit(X).transform(X)``, pooling the tokens the fit
        counted instead of tokenising the texts again. Shape ``(len(X), dim)``, float32."""
        return self._remove_components(self._fit(check_texts(X), keep_pooled=True))

    def _fit(self, texts: list[str], keep_pooled: bool = False) -> np.ndarray | None:
        """The fit; returns the training texts' pooled vectors (before any component removal) when they were
        needed (``sif``) or asked for (``keep_pooled``), else ``None``."""
        self.check_params()
        self._drop_cache()
        wv, ref = self._open_model()
        if self.sif_remove_pc >= wv.dim:
            raise self._invalid("sif_remove_pc", f"must be smaller than the word-vector dimension {wv.dim}")
        t0 = time.perf_counter()
        # The texts' tokens are kept as integer ids (first-seen order), not as lists of strings: at a million
        # reports the string lists alone took gigabytes.
        first_seen: dict[str, int] = {}
        flat = array("i")
        lengths = np.empty(len(texts), dtype=np.int64)
        dfs: Counter[int] = Counter()
        for i, text in enumerate(texts):
            ids = [first_seen.setdefault(t, len(first_seen)) for t in tokenize(text)]
            flat.extend(ids)
            lengths[i] = len(ids)
            dfs.update(set(ids))
        vocab = sorted(first_seen)
        rank = {t: r for r, t in enumerate(vocab)}
        to_sorted = np.fromiter((rank[t] for t in first_seen), dtype=np.int64, count=len(first_seen))
        del rank, first_seen
        token_ids = to_sorted[np.frombuffer(flat, dtype=np.int32)] if len(flat) else np.zeros(0, np.int64)
        del flat
        doc_freq = np.zeros(len(vocab), dtype=np.int64)
        if dfs:
            doc_freq[to_sorted[np.fromiter(dfs.keys(), np.int64, len(dfs))]] = np.fromiter(dfs.values(), np.int64,
                                                                                           len(dfs))
        self.vocabulary_ = np.array(vocab, dtype=str)
        self.term_counts_ = np.bincount(token_ids, minlength=len(vocab)).astype(np.int64)
        self.doc_freq_ = doc_freq
        self.n_docs_ = len(texts)
        self.model_ref_ = ref
        self.dim_ = wv.dim
        self.components_ = np.zeros((0, self.dim_), dtype=np.float32)
        self._wv = wv
        pooled = None
        sif = self.pooling == "sif" and self.sif_remove_pc > 0
        if sif or keep_pooled:
            self._ensure_cache()  # the training vocabulary's rows, in its sorted order: token_ids index them
            pooled = self._pool_ids(token_ids, lengths)
        if sif:
            self.components_ = top_right_singular_vectors(pooled, self.sif_remove_pc)
        log.info("fitted %s pooling on %d texts (%d distinct tokens) in %.1fs", self.pooling, len(texts),
                 len(vocab), time.perf_counter() - t0)
        return pooled

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Pooled vectors, float32 C-contiguous, shape ``(len(X), dim)``; zeros for empty texts.

        Texts are tokenised and pooled :data:`TRANSFORM_CHUNK` at a time (the rows do not depend on the chunk)."""
        self.check_fitted()
        texts = check_texts(X)
        pooled = np.empty((len(texts), self.dim_), dtype=np.float32)
        for s in range(0, len(texts), TRANSFORM_CHUNK):
            pooled[s:s + TRANSFORM_CHUNK] = self._pool([tokenize(t) for t in texts[s:s + TRANSFORM_CHUNK]])
        return self._remove_components(pooled)

    def _remove_components(self, X: np.ndarray) -> np.ndarray:
        """``X`` without its projection on ``components_`` (none unless ``sif``), float32 C-contiguous."""
        if self.components_.shape[0]:
            C = self.components_.astype(np.float64)
            X = X.astype(np.float64)
            X -= (X @ C.T) @ C
        return to_float32(X)

    @property
    def dim(self) -> int:
        self.check_fitted()
        return self.dim_

    def external_artefacts(self) -> list[Path]:
        return [Path(self.model_dir)]

    # --- pooling ---------------------------------------------------------
    def token_weights(self, tokens: Sequence[str]) -> np.ndarray:
        """Pooling weight of each token before normalisation, shape ``(len(tokens),)`` float64.

        1 for ``mean``, the IDF for ``tfidf``, ``a / (a + p(w))`` for ``sif``.
        """
        self.check_fitted()
        if self.pooling == "mean":
            return np.ones(len(tokens))
        if getattr(self, "_vocab_index", None) is None:
            self._vocab_index = {t: i for i, t in enumerate(self.vocabulary_.tolist())}
        index = self._vocab_index
        ids = np.array([index.get(t, -1) for t in tokens], dtype=np.int64)
        known = ids >= 0
        if self.pooling == "tfidf":
            df = np.where(known, self.doc_freq_[ids], 0)
            return np.log((1.0 + self.n_docs_) / (1.0 + df)) + 1.0
        total = max(int(self.term_counts_.sum()), 1)
        p = np.where(known, self.term_counts_[ids], 0) / total
        return self.sif_a / (self.sif_a + p)

    def _pool(self, docs: list[list[str]]) -> np.ndarray:
        """Weighted means of token vectors without component removal, ``(len(docs), dim)`` float32."""
        index = self._ensure_cache()
        n_before = len(index)
        # setdefault evaluates len(index) first, so a new token gets the next free row.
        ids = np.fromiter((index.setdefault(t, len(index)) for tokens in docs for t in tokens), dtype=np.int64)
        if len(index) > n_before:
            try:
                self._extend_cache(list(islice(index, n_before, None)))
            except BaseException:
                self._index = None      # rows of the new tokens are missing: rebuild next time
                raise
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        return self._weighted_means(ids, lengths)

    def _pool_ids(self, ids: np.ndarray, lengths: np.ndarray, chunk: int = TRANSFORM_CHUNK) -> np.ndarray:
        """:meth:`_pool` of texts already turned into cached token ids (``ids``: every text's ids, one after
        another; ``lengths``: tokens per text), ``chunk`` texts at a time: ``(len(lengths), dim)`` float32,
        the same rows as in one piece (each row is its own weighted sum)."""
        out = np.empty((len(lengths), self.dim_), dtype=np.float32)
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        for s in range(0, len(lengths), chunk):
            e = min(s + chunk, len(lengths))
            out[s:e] = self._weighted_means(ids[bounds[s]:bounds[e]], lengths[s:e])
        return out

    def _weighted_means(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Rows of the token-vector cache averaged per text with the pooling's weights, ``(len(lengths), dim)``."""
        rows = np.repeat(np.arange(len(lengths)), lengths)
        weights = self._weights[ids]
        if self.pooling == "tfidf":
            norm = np.bincount(rows, weights=weights, minlength=len(lengths))
        else:
            norm = lengths.astype(np.float64)
        data = (weights / norm[rows]).astype(np.float32) if len(ids) else np.zeros(0, np.float32)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        W = sp.csr_matrix((data, ids, indptr), shape=(len(lengths), len(self._vectors)))
        return np.asarray(W @ self._vectors, dtype=np.float32)

    # --- word-vector cache (not saved: rebuilt from the model) -----------------------
    def _ensure_cache(self) -> dict[str, int]:
        if getattr(self, "_index", None) is None:
            if getattr(self, "_wv", None) is None:
                self._wv, ref = self._open_model()
                _check_same_model(self.model_ref_, ref)
            self._index: dict[str, int] | None = {}
            self._vectors = np.zeros((0, self.dim_), dtype=np.float32)
            self._weights = np.zeros(0)
            for t in self.vocabulary_.tolist():
                self._index[t] = len(self._index)
            self._extend_cache(self.vocabulary_.tolist())
        assert self._index is not None
        return self._index

    def _extend_cache(self, tokens: list[str]) -> None:
        self._vectors = np.vstack([self._vectors, self._wv.get_word_vectors(tokens)])
        self._weights = np.concatenate([self._weights, self.token_weights(tokens)])

    def _drop_cache(self) -> None:
        self._wv = None
        self._index = None
        self._vocab_index: dict[str, int] | None = None

    def __getstate__(self) -> dict[str, Any]:
        # The fastText model and the token cache are rebuilt from model_dir when needed.
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._drop_cache()

    # --- persistence -----------------------------------------------------
    def _save_state(self, directory: Path) -> None:
        np.savez(directory / "state.npz", vocabulary=self.vocabulary_, term_counts=self.term_counts_,
                 doc_freq=self.doc_freq_, n_docs=np.int64(self.n_docs_), components=self.components_)
        config_path = directory / "config.json"
        config = json.loads(config_path.read_text())
        config["model"] = self.model_ref_
        config_path.write_text(json.dumps(config, indent=2) + "\n")

    def _load_state(self, directory: Path) -> None:
        with np.load(directory / "state.npz", allow_pickle=False) as state:
            self.vocabulary_ = state["vocabulary"]
            self.term_counts_ = state["term_counts"]
            self.doc_freq_ = state["doc_freq"]
            self.n_docs_ = int(state["n_docs"])
            self.components_ = state["components"]
        self.model_ref_ = json.loads((directory / "config.json").read_text())["model"]
        self._wv, ref = self._open_model()
        _check_same_model(self.model_ref_, ref, saved_in=directory)
        self.dim_ = self._wv.dim
        self._index = None
        self._vocab_index = None

    def check_params(self) -> None:
        self._check_choice("pooling", POOLINGS)
        self._check_positive("sif_a")
        self._check_int("sif_remove_pc", 0)

    def _open_model(self) -> tuple[Any, dict[str, Any]]:
        """Load the word vectors in ``model_dir`` and describe them; a clear error if there are none."""
        path = Path(self.model_dir)
        if detect_backend(path) is None:
            what = "no such folder" if not path.is_dir() else "no model.bin or model.gensim in it"
            raise self._invalid("model_dir", f"{what}. Train the word vectors first: run the train_fasttext stage "
                                             "(dvc repro train_fasttext)")
        fp = fingerprint(path)
        ref = {"model_dir": str(self.model_dir), "backend": fp["backend"], "sha256": fp["sha256"],
               "bytes": fp["bytes"]}
        return load_word_vectors(path), ref


def _check_same_model(saved: dict[str, Any], current: dict[str, Any], saved_in: Path | None = None) -> None:
    if saved.get("sha256") != current["sha256"]:
        where = f" (saved in {saved_in})" if saved_in else ""
        raise DataError(
            f"the fastText model in {current['model_dir']} has changed since this representation was "
            f"fitted{where}: sha256 {current['sha256'][:12]} ({current['bytes']} bytes), expected "
            f"{str(saved.get('sha256'))[:12]} ({saved.get('bytes')} bytes); rerun its represent stage")
