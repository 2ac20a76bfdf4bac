"""Benchmark fastText training and the pooled report vectors against fastText's own pooling.

Usage (from the repository root)::

    python bench/bench_fasttext.py [--source auto|split|fabricate] [--docs 16000]
                                   [--backends fasttext gensim] [--thread 2]

Uses ``data/split/reports.parquet`` when it exists (``--source auto``), otherwise a fabricated corpus of ``--docs``
reports of ~50 words (the synthetic generator of ``tests/test_fasttext.py`` with 3% of the
words misspelt, so the vocabulary is not tiny). Trains with the default ``fasttext`` params
(dim 100, 10 epochs), then times ``FastTextPooled.transform`` (mean, tfidf, sif) against a
Python loop over fastText's ``get_sentence_vector`` on the same texts, in the same run, and
reports the ratio. Results go to ``bench/results/fasttext.json``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from incident_lm.io import write_json  # noqa: E402
from incident_lm.lm.fasttext_train import FastTextParams, save_word_vectors, train_word_vectors  # noqa: E402
from incident_lm.represent import build  # noqa: E402
from incident_lm.represent.text import tokenize  # noqa: E402

log = logging.getLogger("bench_fasttext")


def typo(word: str, rng: np.random.Generator) -> str:
    """Swap two neighbouring letters, or drop one."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = int(rng.integers(1, len(word) - 2))
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def corpus(n_docs: int, source: str = "auto", seed: int = 0) -> tuple[pd.DataFrame, str]:
    split = ROOT / "data/split/reports.parquet"
    if source == "split" or (source == "auto" and split.exists()):
        return pd.read_parquet(split), str(split.relative_to(ROOT))
    from tests.test_fasttext import make_reports

    df = make_reports(n_docs, seed=seed, phrases=6, common=4)
    rng = np.random.default_rng(seed)
    df["text"] = [" ".join(typo(w, rng) if rng.random() < 0.03 else w for w in t.split()) for t in df["text"]]
    return df, f"fabricated: tests.test_fasttext.make_reports({n_docs}, phrases=6, common=4) + 3% typos"


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", choices=["auto", "split", "fabricate"], default="auto",
                    help="auto: the split file if it exists, else a fabricated corpus")
    ap.add_argument("--docs", type=int, default=16_000, help="size of a fabricated corpus")
    ap.add_argument("--backends", nargs="+", default=["fasttext", "gensim"])
    ap.add_argument("--thread", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench/results/fasttext.json"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("gensim").setLevel(logging.WARNING)

    df, source = corpus(args.docs, args.source)
    train = df.loc[df["split"] == "train", "text"].tolist()
    texts = df["text"].tolist()
    n_words = sum(len(tokenize(t)) for t in texts)
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "processor": platform.processor()},
        "corpus": {"source": source, "n_docs": len(texts), "n_train_docs": len(train),
                   "mean_words_per_doc": round(n_words / len(texts), 1)},
        "training": {}, "transform": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        model_dirs = {}
        for backend in args.backends:
            params = replace(FastTextParams(), backend=backend, thread=args.thread)
            wv, stats = train_word_vectors(train, params)
            model_dirs[backend] = Path(tmp) / backend
            fp = save_word_vectors(wv, model_dirs[backend], {})
            results["training"][backend] = {**stats, "model_size_bytes": fp["bytes"], "dim": params.dim,
                                            "epoch": params.epoch, "thread": params.thread,
                                            "bucket": params.bucket, "model": params.model}
            log.info("%s: %s", backend, results["training"][backend])

        if "fasttext" in model_dirs:
            import fasttext

            ft = fasttext.load_model(str(model_dirs["fasttext"] / "model.bin"))
            # fastText's own pooling sees the same tokens (it splits on whitespace only).
            joined = [" ".join(tokenize(t)) for t in texts]
            raw_s = best_of(lambda: [ft.get_sentence_vector(t) for t in joined])
            raw_tok_s = best_of(lambda: [ft.get_sentence_vector(" ".join(tokenize(t))) for t in texts])
            results["transform"]["fasttext_get_sentence_vector"] = {
                "seconds": round(raw_s, 3), "docs_per_second": round(len(texts) / raw_s),
                "seconds_with_tokenize": round(raw_tok_s, 3),
                "docs_per_second_with_tokenize": round(len(texts) / raw_tok_s)}
        for backend, model_dir in model_dirs.items():
            for pooling in ("mean", "tfidf", "sif"):
                rep = build(pooling, {"type": "fasttext_pooled", "model_dir": str(model_dir), "pooling": pooling})
                t0 = time.perf_counter()
                rep.fit(train)
                fit_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                rep.transform(texts)          # cold: vectors of unseen (test-only) tokens computed
                cold_s = time.perf_counter() - t0
                warm_s = best_of(lambda rep=rep: rep.transform(texts))
                entry = {"fit_seconds": round(fit_s, 3), "cold_seconds": round(cold_s, 3),
                         "seconds": round(warm_s, 3), "docs_per_second": round(len(texts) / warm_s),
                         "cold_docs_per_second": round(len(texts) / cold_s)}
                if backend == "fasttext":
                    entry["speedup_vs_get_sentence_vector_with_tokenize"] = round(raw_tok_s / warm_s, 2)
                results["transform"][f"{backend}_{pooling}"] = entry
                log.info("%s %s: %s", backend, pooling, entry)
    write_json(args.out, results)
    log.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
