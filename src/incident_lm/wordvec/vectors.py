"""Trained word vectors behind one small adapter, whichever library made them (fastText or gensim).

Every word, in the vocabulary or not, has a vector: both libraries build one for an unseen or misspelt
word from its character n-grams. A model folder holds ``model.bin`` (fastText) or ``model.gensim``
(gensim), plus ``config.json`` with the training params and a fingerprint (SHA-256 and size).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from incident_lm.core.io import files_sha256
from incident_lm.text.tokenize import tokenize

log = logging.getLogger(__name__)

BACKENDS = ("fasttext", "gensim")
#: Main model file written by each backend (gensim may add ``model.gensim.*.npy`` beside it).
MODEL_FILES = {"fasttext": "model.bin", "gensim": "model.gensim"}
CONFIG_FILE = "config.json"
_EOS = "</s>"  # fastText's end-of-line token: in its vocabulary, never a neighbour


class WordVectors:
    """Backend-neutral view of trained word vectors.

    Every word, in the vocabulary or not, has a vector: fastText and gensim build one for an
    unseen or misspelt word from its character n-grams (all zeros only if it has none).
    """

    backend: ClassVar[str] = ""

    def __init__(self, model: Any):
        self.model = model
        self._unit: np.ndarray | None = None

    @property
    def dim(self) -> int:
        raise NotImplementedError

    @property
    def words(self) -> list[str]:
        """The vocabulary, most frequent first."""
        raise NotImplementedError

    def word_counts(self) -> dict[str, int]:
        """Training-corpus count of each vocabulary word."""
        raise NotImplementedError

    def get_word_vector(self, word: str) -> np.ndarray:
        """Vector of one word, shape ``(dim,)`` float32."""
        raise NotImplementedError

    def get_word_vectors(self, words: Sequence[str]) -> np.ndarray:
        """Vectors of several words, shape ``(len(words), dim)`` float32, C-contiguous."""
        out = np.empty((len(words), self.dim), dtype=np.float32)
        for i, w in enumerate(words):
            out[i] = self.get_word_vector(w)
        return out

    def save(self, directory: Path) -> None:
        """Write the model files (``model.*``) into ``directory``."""
        raise NotImplementedError

    # nearest neighbours, identical for both backends
    def _unit_vocab(self) -> np.ndarray:
        if self._unit is None:
            self._unit = _unit_rows(self.get_word_vectors(self.words))
        return self._unit

    def query_vector(self, query: str) -> np.ndarray:
        """Vector of a word or phrase: the mean of its tokens' word vectors, shape ``(dim,)``."""
        tokens = tokenize(query) or [query.strip().lower()]
        return self.get_word_vectors(tokens).mean(axis=0)

    def nearest_neighbours(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` vocabulary words most cosine-similar to ``query`` (its own tokens excluded).

        Returns
        -------
        list of (word, cosine), best first.
        """
        exclude = set(tokenize(query)) | {query.strip().lower()}
        vec = self.query_vector(query)
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            return []
        sims = self._unit_vocab() @ (vec / norm)
        words = self.words
        order = np.argsort(-sims, kind="stable")
        out: list[tuple[str, float]] = []
        for i in order:
            if words[i] not in exclude:
                out.append((words[i], float(sims[i])))
                if len(out) == k:
                    break
        return out


class FastTextVectors(WordVectors):
    """:class:`WordVectors` over a ``fasttext`` model (``model.bin``)."""

    backend = "fasttext"

    def __init__(self, model: Any):
        super().__init__(model)
        words, freqs = model.get_words(include_freq=True)
        keep = [i for i, w in enumerate(words) if w != _EOS]
        self._words = [words[i] for i in keep]
        self._counts = {words[i]: int(freqs[i]) for i in keep}

    @property
    def dim(self) -> int:
        return int(self.model.get_dimension())

    @property
    def words(self) -> list[str]:
        return self._words

    def word_counts(self) -> dict[str, int]:
        return self._counts

    def get_word_vector(self, word: str) -> np.ndarray:
        return np.asarray(self.model.get_word_vector(word), dtype=np.float32)

    def save(self, directory: Path) -> None:
        self.model.save_model(str(directory / MODEL_FILES["fasttext"]))

    @classmethod
    def load(cls, directory: Path) -> FastTextVectors:
        import fasttext

        return cls(fasttext.load_model(str(directory / MODEL_FILES["fasttext"])))


class GensimVectors(WordVectors):
    """:class:`WordVectors` over a :class:`gensim.models.FastText` model (``model.gensim``)."""

    backend = "gensim"

    @property
    def dim(self) -> int:
        return int(self.model.wv.vector_size)

    @property
    def words(self) -> list[str]:
        return list(self.model.wv.index_to_key)

    def word_counts(self) -> dict[str, int]:
        wv = self.model.wv
        return {w: int(wv.get_vecattr(w, "count")) for w in wv.index_to_key}

    def get_word_vector(self, word: str) -> np.ndarray:
        try:
            return np.asarray(self.model.wv.get_vector(word), dtype=np.float32)
        except KeyError:  # out of vocabulary with no character n-grams (minn = maxn = 0)
            return np.zeros(self.dim, dtype=np.float32)

    def get_word_vectors(self, words: Sequence[str]) -> np.ndarray:
        wv = self.model.wv
        index = wv.key_to_index
        out = np.empty((len(words), self.dim), dtype=np.float32)
        for i, w in enumerate(words):
            j = index.get(w)
            out[i] = wv.vectors[j] if j is not None else self.get_word_vector(w)
        return out

    def save(self, directory: Path) -> None:
        self.model.save(str(directory / MODEL_FILES["gensim"]))

    @classmethod
    def load(cls, directory: Path) -> GensimVectors:
        from gensim.models import FastText

        return cls(FastText.load(str(directory / MODEL_FILES["gensim"])))


_ADAPTERS: dict[str, type[FastTextVectors] | type[GensimVectors]] = {
    "fasttext": FastTextVectors, "gensim": GensimVectors}


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def detect_backend(directory: str | Path) -> str | None:
    """The backend whose model file is in ``directory`` (``None`` if there is none)."""
    directory = Path(directory)
    for backend, name in MODEL_FILES.items():
        if (directory / name).is_file():
            return backend
    return None


def load_word_vectors(directory: str | Path) -> WordVectors:
    """Load the word vectors saved in ``directory`` by :func:`save_word_vectors`.

    Raises
    ------
    FileNotFoundError
        If the directory holds no ``model.bin`` or ``model.gensim``.
    """
    directory = Path(directory)
    backend = detect_backend(directory)
    if backend is None:
        raise FileNotFoundError(f"{directory}: no fastText model ({' or '.join(MODEL_FILES.values())}); "
                                "run the train_fasttext stage first")
    t0 = time.perf_counter()
    wv = _ADAPTERS[backend].load(directory)
    log.info("loaded %s word vectors from %s (%d words, dim %d) in %.1fs", backend, directory,
             len(wv.words), wv.dim, time.perf_counter() - t0)
    return wv


def model_files(directory: str | Path) -> list[Path]:
    """The model's files in ``directory`` (``model.*``), sorted; config.json is not one of them."""
    return sorted(p for p in Path(directory).glob("model.*") if p.is_file())


def fingerprint(directory: str | Path) -> dict[str, Any]:
    """Identify a saved model by the SHA-256 and size of its files.

    Returns
    -------
    dict
        ``backend``, ``sha256`` (one digest over every model file, in name order), ``bytes``
        (their total size) and ``files`` (name -> size).
    """
    files = model_files(directory)
    return {
        "backend": detect_backend(directory),
        "sha256": files_sha256(files)[0],
        "bytes": sum(p.stat().st_size for p in files),
        "files": {p.name: p.stat().st_size for p in files},
    }


def save_word_vectors(wv: WordVectors, directory: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Write the model files and ``config.json`` (``config`` plus the fingerprint) into ``directory``.

    ``directory`` should be a fresh folder (the stage passes :func:`incident_lm.core.io.atomic_dir`'s).
    Returns the fingerprint.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    wv.save(directory)
    fp = fingerprint(directory)
    (directory / CONFIG_FILE).write_text(json.dumps({**config, "fingerprint": fp}, indent=2) + "\n")
    return fp

