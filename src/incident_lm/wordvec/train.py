"""Incident-domain fastText: training word vectors on the training split (fastText or gensim).

Training text is the shared tokenisation (:func:`incident_lm.text.tokenize.tokenize`) of each
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
import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tqdm.auto import tqdm

from incident_lm.core.io import temp_dir
from incident_lm.core.params import Section, as_plain, param
from incident_lm.text.tokenize import tokenize
from incident_lm.wordvec.neighbours import DEFAULT_PROBES
from incident_lm.wordvec.vectors import FastTextVectors, GensimVectors, WordVectors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FastTextParams:
    """The ``fasttext`` params section (fastText's own option names in snake case).

    ``bucket`` is the number of hashed character n-gram rows: it sets the model size
    (``(vocab + bucket) * dim * 4`` bytes). fastText's default of 2,000,000 makes an 800 MB
    model at dim 100; 200,000 is plenty for a vocabulary of some ten thousand words.
    """

    backend: Literal["fasttext", "gensim"] = "fasttext"
    model: Literal["skipgram", "cbow"] = "skipgram"
    dim: int = param(100, min=1)
    epoch: int = param(10, min=1)
    minn: int = param(3, min=0)
    maxn: int = param(6, min=0)
    min_count: int = param(3, min=1)
    lr: float = 0.05
    ws: int = param(5, min=1)
    neg: int = param(5, min=1)
    bucket: int = param(200_000, min=0)
    thread: int = param(1, min=1)
    seed: int = param(0, min=0)
    probe_words: tuple[str, ...] = DEFAULT_PROBES
    neighbours: int = param(10, min=1)

    def check(self, section: Section) -> None:
        """Cross-field checks (called by the params reader)."""
        if self.maxn and self.maxn < self.minn:
            raise section.error("maxn", f"must be >= minn ({self.minn}), or 0 for no subwords")
        if not self.lr > 0:
            raise section.error("lr", "must be > 0")
        if not all(tokenize(p) for p in self.probe_words):
            raise section.error("probe_words", "expected a list of words or phrases (strings with letters)")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (lists, not tuples) for config.json."""
        return as_plain(self)


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


def write_training_text(texts: Sequence[str], path: str | Path, desc: str = "tokenise") -> tuple[int, int]:
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
    with temp_dir("fasttext-") as tmp:
        corpus = Path(tmp) / "train.txt"
        n_lines, n_tokens = write_training_text(texts, corpus)
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

