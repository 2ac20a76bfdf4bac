"""Incident-domain fastText: word vectors (fastText or gensim), neighbours, supervised baseline.

Training text is the shared tokenisation (:func:`incident_lm.represent.text.tokenize`) of each
training report, one report per line, so the vocabulary agrees with the pooled report vectors
of :mod:`incident_lm.represent.fasttext` and with TF-IDF.

Two backends sit behind one small adapter, :class:`WordVectors`:

* ``fasttext`` (default): Facebook's library. Its ``seed`` gives identical vectors only with
  ``thread: 1``; with more threads the lock-free (Hogwild) updates interleave differently on
  every run.
* ``gensim``: :class:`gensim.models.FastText`, likewise deterministic only with one worker.

The supervised classifier baseline (:func:`supervised_baseline`) always uses the fastText
library, whichever backend made the word vectors: gensim has no supervised mode.

Note on the ``fasttext`` wheel: fastText 0.9.2 initialises only the first ``thread/10`` of its
input matrix (facebookresearch/fastText#1061; upstream the rest stays zero), and the
``fasttext-numpy2-wheel`` build leaves that rest as whatever the heap held before. Small models
then start from stale floats: runs are not reproducible and supervised training can stop with
"Encountered NaN". :func:`zero_filled_malloc` makes glibc hand fastText zeroed memory while it
trains, which restores upstream behaviour (and is a no-op off glibc).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from incident_lm.io import sha256_file
from incident_lm.params import ParamsError, Section
from incident_lm.represent.text import tokenize

log = logging.getLogger(__name__)

BACKENDS = ("fasttext", "gensim")
MODELS = ("skipgram", "cbow")
#: Main model file written by each backend (gensim may add ``model.gensim.*.npy`` beside it).
MODEL_FILES = {"fasttext": "model.bin", "gensim": "model.gensim"}
CONFIG_FILE = "config.json"
#: Probe words for the neighbour report: domain terms, a phrase, an acronym and misspellings.
DEFAULT_PROBES = ("fall", "insulin", "pump", "pressure ulcer", "dnacpr", "patinet", "medicaton",
                  "insullin")
LABEL_PREFIX = "__label__"
PREDICTION_COLUMNS = ("target", "id", "y_true", "y_pred")
_EOS = "</s>"  # fastText's end-of-line token: in its vocabulary, never a neighbour


# --------------------------------------------------------------------------- params
@dataclass(frozen=True)
class SupervisedParams:
    """``fasttext.supervised``: the fastText classifier baseline (one model per target)."""

    enabled: bool = True
    epoch: int = 25
    lr: float = 0.5
    word_ngrams: int = 2
    dim: int = 50


@dataclass(frozen=True)
class FastTextParams:
    """The ``fasttext`` params section (fastText's own option names in snake case).

    ``bucket`` is the number of hashed character n-gram rows: it sets the model size
    (``(vocab + bucket) * dim * 4`` bytes). fastText's default of 2,000,000 makes an 800 MB
    model at dim 100; 200,000 is plenty for a vocabulary of some ten thousand words.
    """

    backend: str = "fasttext"
    model: str = "skipgram"
    dim: int = 100
    epoch: int = 10
    minn: int = 3
    maxn: int = 6
    min_count: int = 3
    lr: float = 0.05
    ws: int = 5
    neg: int = 5
    bucket: int = 200_000
    thread: int = 1
    seed: int = 0
    probe_words: tuple[str, ...] = DEFAULT_PROBES
    neighbours: int = 10
    supervised: SupervisedParams = field(default_factory=SupervisedParams)
    targets: tuple[str, ...] = ("category", "harm")

    @classmethod
    def from_section(cls, section: Section) -> FastTextParams:
        """Parse and check a params section; every error names its dotted key.

        Missing keys take the defaults above; unknown keys are an error (likely typos).
        """
        _reject_unknown(section, set(cls.__dataclass_fields__))
        d = cls()
        sup = section.sub("supervised", {})
        _reject_unknown(sup, set(SupervisedParams.__dataclass_fields__))
        ds = d.supervised
        minn = section.int("minn", d.minn, min=0)
        maxn = section.int("maxn", d.maxn, min=0)
        if maxn and maxn < minn:
            raise section.error("maxn", f"must be >= minn ({minn}), or 0 for no subwords")
        probes = section.list("probe_words", list(d.probe_words))
        if not all(isinstance(p, str) and tokenize(p) for p in probes):
            raise section.error("probe_words", "expected a list of words or phrases (strings with letters)")
        targets = section.list("targets", list(d.targets))
        if not all(isinstance(t, str) for t in targets):
            raise section.error("targets", "expected a list of label column names")
        return cls(
            backend=section.choice("backend", BACKENDS, d.backend),
            model=section.choice("model", MODELS, d.model),
            dim=section.int("dim", d.dim, min=1),
            epoch=section.int("epoch", d.epoch, min=1),
            minn=minn,
            maxn=maxn,
            min_count=section.int("min_count", d.min_count, min=1),
            lr=_positive(section, "lr", d.lr),
            ws=section.int("ws", d.ws, min=1),
            neg=section.int("neg", d.neg, min=1),
            bucket=section.int("bucket", d.bucket, min=0),
            thread=section.int("thread", d.thread, min=1),
            seed=section.int("seed", d.seed, min=0),
            probe_words=tuple(probes),
            neighbours=section.int("neighbours", d.neighbours, min=1),
            supervised=SupervisedParams(
                enabled=sup.bool("enabled", ds.enabled),
                epoch=sup.int("epoch", ds.epoch, min=1),
                lr=_positive(sup, "lr", ds.lr),
                word_ngrams=sup.int("word_ngrams", ds.word_ngrams, min=1),
                dim=sup.int("dim", ds.dim, min=1),
            ),
            targets=tuple(targets),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (lists, not tuples) for config.json."""
        out = asdict(self)
        out["probe_words"] = list(self.probe_words)
        out["targets"] = list(self.targets)
        return out


def _reject_unknown(section: Section, known: set[str]) -> None:
    unknown = sorted(set(section) - known)
    if unknown:
        raise ParamsError(f"{section.source}: unknown key(s) {', '.join(section.key(k) for k in unknown)}; "
                          f"accepted: {', '.join(sorted(known))}")


def _positive(section: Section, key: str, default: float) -> float:
    value = section.float(key, default)
    if value <= 0:
        raise section.error(key, "must be > 0")
    return value


# --------------------------------------------------------------------------- word vectors
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
    digests = "".join(f"{p.name}:{sha256_file(p)};" for p in files)
    return {
        "backend": detect_backend(directory),
        "sha256": hashlib.sha256(digests.encode()).hexdigest(),
        "bytes": sum(p.stat().st_size for p in files),
        "files": {p.name: p.stat().st_size for p in files},
    }


def save_word_vectors(wv: WordVectors, directory: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Write the model files and ``config.json`` (``config`` plus the fingerprint) into ``directory``.

    ``directory`` should be a fresh folder (the stage passes :func:`incident_lm.io.atomic_dir`'s).
    Returns the fingerprint.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    wv.save(directory)
    fp = fingerprint(directory)
    (directory / CONFIG_FILE).write_text(json.dumps({**config, "fingerprint": fp}, indent=2) + "\n")
    return fp


# --------------------------------------------------------------------------- training
@contextmanager
def zero_filled_malloc() -> Iterator[None]:
    """While inside, glibc fills each ``malloc``'d block with zeros (see the module docstring).

    Uses glibc's ``M_PERTURB`` = 0xFF: fresh blocks are set to ``0xFF ^ 0xFF = 0`` and freed
    ones to 0xFF. Restores the previous setting (``MALLOC_PERTURB_`` or off) on exit. A no-op
    where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL(None)
        glibc = hasattr(libc, "mallopt") and hasattr(libc, "gnu_get_libc_version")
    except OSError:
        glibc = False
    if not glibc:
        yield
        return
    m_perturb = -6
    previous = int(os.environ.get("MALLOC_PERTURB_", "0") or 0) & 0xFF
    libc.mallopt(m_perturb, 0xFF)
    try:
        yield
    finally:
        libc.mallopt(m_perturb, previous)


def write_corpus(texts: Sequence[str], path: str | Path, desc: str = "tokenise") -> tuple[int, int]:
    """Write one tokenised text per line (texts without tokens are skipped).

    Returns
    -------
    (n_lines, n_tokens)
    """
    n_lines = n_tokens = 0
    with Path(path).open("w", encoding="utf-8") as fh:
        # ~100k short reports a second: a progress bar only for corpora that take a while.
        for text in tqdm(texts, desc=desc, unit="doc", leave=False, mininterval=2, disable=len(texts) < 200_000):
            tokens = tokenize(text or "")
            if tokens:
                fh.write(" ".join(tokens))
                fh.write("\n")
                n_lines += 1
                n_tokens += len(tokens)
    return n_lines, n_tokens


def _train_fasttext(corpus: Path, p: FastTextParams, verbose: bool) -> Any:
    import fasttext
    from fasttext import FastText as ft_module

    kwargs = {"input": str(corpus), "model": p.model, "dim": p.dim, "epoch": p.epoch, "minCount": p.min_count,
              "minn": p.minn, "maxn": p.maxn, "lr": p.lr, "ws": p.ws, "neg": p.neg, "bucket": p.bucket,
              "thread": p.thread, "verbose": 2 if verbose else 0}
    with zero_filled_malloc():
        try:
            return fasttext.train_unsupervised(**kwargs, seed=p.seed)
        except TypeError as exc:
            if "seed" not in str(exc):
                raise
        # fasttext 0.9.2's train_unsupervised() does not pass `seed` on although the C++ core
        # takes it; build the arguments as that function does, with the seed added.
        args = dict(ft_module.unsupervised_default)
        args.update(kwargs)
        args["seed"] = p.seed
        a = ft_module._build_args(args, set(kwargs) | {"seed"})
        model = ft_module._FastText(args=a)
        ft_module.fasttext.train(model.f, a)
        model.set_args(model.f.getArgs())
        return model


def _train_gensim(corpus: Path, p: FastTextParams) -> Any:
    from gensim.models import FastText

    return FastText(
        corpus_file=str(corpus), sg=1 if p.model == "skipgram" else 0, vector_size=p.dim, epochs=p.epoch,
        min_count=p.min_count, min_n=p.minn, max_n=p.maxn, alpha=p.lr, window=p.ws, negative=p.neg,
        bucket=p.bucket, workers=p.thread, seed=p.seed, sample=1e-4,  # fastText's default t=1e-4
    )


def train_word_vectors(texts: Sequence[str], params: FastTextParams, *,
                       verbose: bool = False) -> tuple[WordVectors, dict[str, Any]]:
    """Train unsupervised word vectors on ``texts`` (the training split only).

    Parameters
    ----------
    texts : sequence of str, shape (n_docs,)
    params : FastTextParams
    verbose : bool
        Show fastText's progress line (gensim logs its progress at INFO anyway).

    Returns
    -------
    (WordVectors, stats)
        ``stats``: ``n_train_docs``, ``n_train_tokens``, ``vocab_size``, ``train_seconds`` and
        ``train_words_per_second`` (tokens x epochs / seconds, tokenisation excluded).
    """
    with tempfile.TemporaryDirectory(prefix="fasttext-") as tmp:
        corpus = Path(tmp) / "train.txt"
        n_lines, n_tokens = write_corpus(texts, corpus)
        if n_tokens == 0:
            raise ValueError("the training texts contain no tokens: nothing to train fastText on")
        log.info("training %s %s (dim %d, %d epochs, %d threads) on %d texts, %d tokens", params.backend,
                 params.model, params.dim, params.epoch, params.thread, n_lines, n_tokens)
        t0 = time.perf_counter()
        if params.backend == "fasttext":
            wv: WordVectors = FastTextVectors(_train_fasttext(corpus, params, verbose))
        else:
            wv = GensimVectors(_train_gensim(corpus, params))
        seconds = time.perf_counter() - t0
    stats = {
        "n_train_docs": n_lines,
        "n_train_tokens": n_tokens,
        "vocab_size": len(wv.words),
        "train_seconds": round(seconds, 3),
        "train_words_per_second": round(n_tokens * params.epoch / max(seconds, 1e-9), 1),
    }
    log.info("trained in %.1fs (%.0f words/s), vocabulary %d", seconds, stats["train_words_per_second"],
             stats["vocab_size"])
    return wv, stats


# --------------------------------------------------------------------------- neighbour report
def neighbours_table(wv: WordVectors, probes: Sequence[str], k: int = 10) -> list[dict[str, Any]]:
    """Nearest vocabulary words of each probe word or phrase.

    Returns
    -------
    list of dict: ``probe``, ``kind`` ("word", "out of vocabulary" or "phrase"), ``count``
    (training count, 0 if unseen) and ``neighbours`` [(word, cosine), ...].
    """
    counts = wv.word_counts()
    rows = []
    for probe in probes:
        tokens = tokenize(probe)
        if len(tokens) > 1:
            kind, count = "phrase", min(counts.get(t, 0) for t in tokens)
        else:
            count = counts.get(tokens[0], 0) if tokens else 0
            kind = "word" if count else "out of vocabulary"
        rows.append({"probe": probe, "kind": kind, "count": count,
                     "neighbours": wv.nearest_neighbours(probe, k)})
    return rows


def neighbours_markdown(wv: WordVectors, probes: Sequence[str], k: int = 10,
                        stats: dict[str, Any] | None = None) -> str:
    """The neighbour report as Markdown (see :func:`neighbours_table`)."""
    lines = [
        "# fastText nearest neighbours",
        "",
        f"Backend `{wv.backend}`, dimension {wv.dim}, vocabulary {len(wv.words):,} words"
        + (f", trained on {stats['n_train_docs']:,} training reports ({stats['n_train_tokens']:,} tokens)"
           if stats else "") + ".",
        "",
        f"The {k} vocabulary words with the highest cosine similarity to each probe. A word not in the "
        "vocabulary (too rare, or misspelt) gets its vector from its character n-grams; a phrase is the "
        "mean of its words' vectors. *count* is the probe's frequency in the training text (for a "
        "phrase, that of its rarest word).",
        "",
        "| probe | kind | count | nearest neighbours (cosine) |",
        "|---|---|---:|---|",
    ]
    for row in neighbours_table(wv, probes, k):
        nb = ", ".join(f"{w} ({s:.2f})" for w, s in row["neighbours"]) or "(zero vector)"
        lines.append(f"| {row['probe']} | {row['kind']} | {row['count']} | {nb} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- supervised baseline
class LabelCodec:
    """Reversible mapping between label strings and fastText ``__label__`` tokens.

    Whitespace runs become underscores; if two labels then collide, later ones (in sorted
    order) get ``~2``, ``~3``... so that decoding always gives back the original string.
    """

    def __init__(self, labels: Iterable[str]):
        self.to_token: dict[str, str] = {}
        self.from_token: dict[str, str] = {}
        for label in sorted(set(map(str, labels))):
            base = LABEL_PREFIX + (re.sub(r"\s+", "_", label.strip()) or "_")
            token, n = base, 2
            while token in self.from_token:
                token, n = f"{base}~{n}", n + 1
            self.to_token[label] = token
            self.from_token[token] = label

    def encode(self, label: str) -> str:
        return self.to_token[str(label)]

    def decode(self, token: str) -> str:
        return self.from_token[token]


def train_classifier(texts: Sequence[str], labels: Sequence[str], sup: SupervisedParams, *,
                     thread: int = 1, seed: int = 0, bucket: int = 200_000) -> tuple[Any, LabelCodec]:
    """Train a fastText classifier on ``texts`` with one label each.

    Returns the fastText model and the :class:`LabelCodec` to decode its predictions.
    """
    import fasttext

    labels = [str(y) for y in labels]
    codec = LabelCodec(labels)
    with tempfile.TemporaryDirectory(prefix="fasttext-sup-") as tmp:
        path = Path(tmp) / "train.txt"
        with path.open("w", encoding="utf-8") as fh:
            for text, label in zip(texts, labels, strict=True):
                fh.write(f"{codec.encode(label)} {' '.join(tokenize(text or ''))}\n")
        with zero_filled_malloc():
            model = fasttext.train_supervised(
                input=str(path), epoch=sup.epoch, lr=sup.lr, wordNgrams=sup.word_ngrams, dim=sup.dim,
                bucket=bucket, thread=thread, seed=seed, verbose=0, loss="softmax")
    return model, codec


def predict_classifier(model: Any, codec: LabelCodec, texts: Sequence[str], fallback: str) -> np.ndarray:
    """Most likely label of each text, shape ``(n_texts,)`` str; ``fallback`` where fastText has none."""
    lines = [" ".join(tokenize(t or "")) for t in texts]
    labels, _ = model.predict(lines, k=1)
    return np.array([codec.decode(lab[0]) if len(lab) else fallback for lab in labels], dtype=object)


def supervised_baseline(train: pd.DataFrame, test: pd.DataFrame, targets: Sequence[str],
                        params: FastTextParams) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Train a fastText classifier per target on ``train`` and predict ``test``.

    Labels are read as strings (as the evaluate stage does), so missing labels are a class.

    Parameters
    ----------
    train, test : DataFrame
        With ``id``, ``text`` and each target column.

    Returns
    -------
    (predictions, metrics)
        ``predictions`` has the columns ``target, id, y_true, y_pred`` (all str), one row per
        test report and target; ``metrics`` maps target -> macro_f1, weighted_f1,
        balanced_accuracy, accuracy, majority_macro_f1 (the floor), n_classes, n_train, n_test,
        train_seconds.
    """
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    sup = params.supervised
    frames, metrics = [], {}
    for target in targets:
        y_train = train[target].astype(str).tolist()
        y_test = test[target].astype(str).to_numpy(dtype=object)
        majority = Counter(y_train).most_common(1)[0][0]
        t0 = time.perf_counter()
        model, codec = train_classifier(train["text"].tolist(), y_train, sup, thread=params.thread,
                                        seed=params.seed, bucket=params.bucket)
        seconds = time.perf_counter() - t0
        y_pred = predict_classifier(model, codec, test["text"].tolist(), fallback=majority)
        floor = np.full(len(y_test), majority, dtype=object)
        metrics[target] = {
            "macro_f1": float(f1_score(y_test, y_pred, average="macro", zero_division=0)),
            "weighted_f1": float(f1_score(y_test, y_pred, average="weighted", zero_division=0)),
            "balanced_accuracy": float(balanced_accuracy_score(y_test, y_pred)),
            "accuracy": float(accuracy_score(y_test, y_pred)),
            "majority_macro_f1": float(f1_score(y_test, floor, average="macro", zero_division=0)),
            "n_classes": len(codec.to_token),
            "n_train": len(y_train),
            "n_test": len(y_test),
            "train_seconds": round(seconds, 3),
        }
        log.info("supervised fastText %s: macro-F1 %.3f (majority %.3f), trained in %.1fs", target,
                 metrics[target]["macro_f1"], metrics[target]["majority_macro_f1"], seconds)
        frames.append(pd.DataFrame({"target": target, "id": test["id"].astype(str).to_numpy(),
                                    "y_true": y_test.astype(str), "y_pred": y_pred.astype(str)}))
    predictions = (pd.concat(frames, ignore_index=True) if frames
                   else pd.DataFrame({c: pd.Series(dtype=str) for c in PREDICTION_COLUMNS}))
    return predictions[list(PREDICTION_COLUMNS)], metrics
