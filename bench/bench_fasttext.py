"""Benchmark fastText training and the pooled report vectors against fastText's own pooling.

Usage (from the repository root)::

    python bench/bench_fasttext.py [--source auto|split|fabricate] [--docs 16000]
                                   [--backends fasttext gensim] [--thread 2] [--train-repeat 3]

Uses ``data/split/reports.parquet`` when it exists (``--source auto``), otherwise a fabricated corpus of
``--docs`` reports from the project's synthetic generator (``incident_lm.synthetic.generate_corpus``: the
free-text fields of each report, ~2% of the words misspelt, no planted identifiers), split 80/20. Trains
with the pipeline's ``fasttext`` params (``params.yaml``, read as the train_fasttext stage reads them; dim
100, 10 epochs) with ``--thread`` threads, then times ``FastTextPooled.transform`` (mean, tfidf, sif)
against a Python loop over fastText's ``get_sentence_vector`` on the same texts, in the same run, and
reports the ratio. Training itself is compared with the raw library doing the same work (the same tokenised
lines written to a file, then ``fasttext.train_unsupervised`` with the same settings), ``--train-repeat`` runs
interleaved, ratio of medians. Results go to ``bench/results/fasttext.json``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from common import best_of, environment, interleaved, loadavg

from incident_lm.core.io import write_json
from incident_lm.core.params import load_section, read_section
from incident_lm.represent import build
from incident_lm.synthetic import EmergingConfig, SyntheticConfig, generate_corpus
from incident_lm.text.tokenize import tokenize
from incident_lm.wordvec.train import FastTextParams, train_word_vectors
from incident_lm.wordvec.vectors import save_word_vectors

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("bench_fasttext")


def fabricated(n_docs: int, seed: int = 0) -> pd.DataFrame:
    """``n_docs`` synthetic reports (``text``, ``split``): the free-text fields joined, a seeded 80/20 split.

    No planted identifiers and no emerging theme (neither matters to word vectors, and the theme needs a
    few hundred reports); at least 100 reports, the generator's minimum.
    """
    cfg = SyntheticConfig(n_reports=max(100, n_docs), seed=seed, identifier_rate=0.0,
                          emerging=EmergingConfig(initial_per_month=0))
    reports = generate_corpus(cfg).reports
    fields = reports[["IN07", "IN10", "IN11"]].fillna("").astype(str)
    text = fields.agg(" ".join, axis=1).str.split().str.join(" ")
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"text": text, "split": np.where(rng.random(len(text)) < 0.8, "train", "test")})


def corpus(n_docs: int, source: str = "auto", seed: int = 0) -> tuple[pd.DataFrame, str]:
    split = ROOT / "data/split/reports.parquet"
    if source == "split" or (source == "auto" and split.exists()):
        return pd.read_parquet(split, columns=["text", "split"]), str(split.relative_to(ROOT))
    df = fabricated(n_docs, seed)
    return df, (f"fabricated: incident_lm.synthetic.generate_corpus(n_reports={len(df)}, seed={seed}, "
                f"identifier_rate=0, no emerging theme), IN07+IN10+IN11, 80/20 split")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", choices=["auto", "split", "fabricate"], default="auto",
                    help="auto: the split file if it exists, else a fabricated corpus")
    ap.add_argument("--docs", type=int, default=16_000, help="size of a fabricated corpus (at least 100)")
    ap.add_argument("--backends", nargs="+", default=["fasttext", "gensim"])
    ap.add_argument("--thread", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="timed transform runs (the best is kept)")
    ap.add_argument("--train-repeat", type=int, default=3,
                    help="interleaved training runs, ours and the raw library's (0 = skip)")
    ap.add_argument("--params", default=str(ROOT / "params.yaml"), help="params file with the fasttext section")
    ap.add_argument("--out", default=str(ROOT / "bench/results/fasttext.json"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("gensim").setLevel(logging.WARNING)

    base = read_section(FastTextParams, load_section("fasttext", args.params))
    df, source = corpus(args.docs, args.source)
    train = df.loc[df["split"] == "train", "text"].fillna("").tolist()
    texts = df["text"].fillna("").tolist()
    n_words = sum(len(tokenize(t)) for t in texts)
    results: dict = {
        "machine": environment(("numpy", "fasttext", "gensim")),
        "corpus": {"source": source, "n_docs": len(texts), "n_train_docs": len(train),
                   "mean_words_per_doc": round(n_words / len(texts), 1)},
        "training": {}, "transform": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        model_dirs = {}
        for backend in args.backends:
            params = replace(base, backend=backend, thread=args.thread)
            wv, stats = train_word_vectors(train, params)
            model_dirs[backend] = Path(tmp) / backend
            fp = save_word_vectors(wv, model_dirs[backend], {})
            results["training"][backend] = {**stats, "model_size_bytes": fp["bytes"], "dim": params.dim,
                                            "epoch": params.epoch, "thread": params.thread,
                                            "bucket": params.bucket, "model": params.model}
            log.info("%s: %s", backend, results["training"][backend])

        if "fasttext" in args.backends and args.train_repeat > 0:
            import fasttext

            params = replace(base, backend="fasttext", thread=args.thread)

            def raw_train() -> None:  # what a user of the library writes: tokenised lines to a file, then train
                with tempfile.TemporaryDirectory() as t2:
                    path = Path(t2) / "train.txt"
                    with path.open("w", encoding="utf-8") as fh:
                        for t in train:
                            toks = tokenize(t)
                            if toks:
                                fh.write(" ".join(toks) + "\n")
                    fasttext.train_unsupervised(
                        str(path), model=params.model, dim=params.dim, epoch=params.epoch, minCount=params.min_count,
                        minn=params.minn, maxn=params.maxn, lr=params.lr, ws=params.ws, neg=params.neg,
                        bucket=params.bucket, thread=params.thread, verbose=0)

            times = interleaved({"ours": lambda: train_word_vectors(train, params), "raw": raw_train},
                                args.train_repeat)
            ours_s, raw_s = statistics.median(times["ours"]), statistics.median(times["raw"])
            results["training_vs_raw"] = {
                "what": "train_word_vectors (tokenise, write, train with zeroed malloc) vs the same tokenised file "
                        "and fasttext.train_unsupervised; interleaved, medians",
                "ours_seconds": [round(t, 3) for t in times["ours"]], "raw_seconds": [round(t, 3) for t in times["raw"]],
                "ours_seconds_median": round(ours_s, 3), "raw_seconds_median": round(raw_s, 3),
                "speed_ratio_ours_vs_raw": round(raw_s / ours_s, 3), "thread": params.thread,
                "epoch": params.epoch, "repeats": args.train_repeat}
            log.info("training vs raw fastText: %s", results["training_vs_raw"])

        if "fasttext" in model_dirs:
            import fasttext

            ft = fasttext.load_model(str(model_dirs["fasttext"] / "model.bin"))
            # fastText's own pooling sees the same tokens (it splits on whitespace only).
            joined = [" ".join(tokenize(t)) for t in texts]
            raw_s = best_of(lambda: [ft.get_sentence_vector(t) for t in joined], args.repeat)
            raw_tok_s = best_of(lambda: [ft.get_sentence_vector(" ".join(tokenize(t))) for t in texts], args.repeat)
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
                warm_s = best_of(lambda rep=rep: rep.transform(texts), args.repeat)
                entry = {"fit_seconds": round(fit_s, 3), "cold_seconds": round(cold_s, 3),
                         "seconds": round(warm_s, 3), "docs_per_second": round(len(texts) / warm_s),
                         "cold_docs_per_second": round(len(texts) / cold_s)}
                if backend == "fasttext":
                    entry["speedup_vs_get_sentence_vector_with_tokenize"] = round(raw_tok_s / warm_s, 2)
                results["transform"][f"{backend}_{pooling}"] = entry
                log.info("%s %s: %s", backend, pooling, entry)
    results["machine"]["loadavg_after"] = loadavg()
    write_json(args.out, results)
    log.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
