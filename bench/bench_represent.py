"""Benchmark the sparse baselines (count, TF-IDF) through the pipeline's code against raw scikit-learn.

Usage (from the repository root)::

    python bench/bench_represent.py [--docs 20000] [--repeats 5] [--out bench/results/represent.json]

Texts: real public adverse-event narratives (VAERS SYMPTOM_TEXT, ../shared/data/vaers-1990-1996) when present,
otherwise ``data/split/reports.parquet``; the first 80% are the training texts, the rest the test texts.
Both sides do the same work, written to disk: ours is what the ``represent`` stage calls
(:func:`incident_lm.represent.encode.fit_and_encode`: fit, save the model, encode train and test, write the
feature matrices and ids); raw is the scikit-learn vectoriser with the same settings
(``fit_transform`` of train, ``transform`` of test, ``save_npz`` of both, the vectoriser pickled). The two run
interleaved ``--repeats`` times; the figure is the ratio of medians (raw / ours: above 1.0, ours is faster).
Results go to ``bench/results/represent.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from common import environment, interleaved
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from incident_lm.core.io import write_json
from incident_lm.core.stage import peak_rss_mb
from incident_lm.represent import build
from incident_lm.represent.encode import fit_and_encode
from incident_lm.text.tokenize import TOKEN_PATTERN

ROOT = Path(__file__).resolve().parents[1]
VAERS = ROOT.parent / "shared" / "data" / "vaers-1990-1996"
PARAMS = {"count": {"min_df": 2, "max_features": 20000},
          "tfidf": {"min_df": 2, "max_df": 0.95, "ngram_max": 2, "sublinear_tf": True}}


def texts(n: int) -> tuple[list[str], str]:
    if VAERS.exists():
        frames = [pd.read_csv(p, encoding="latin-1", dtype=str, usecols=["SYMPTOM_TEXT"])
                  for p in sorted(VAERS.glob("*VAERSDATA.csv"))]
        t = pd.concat(frames)["SYMPTOM_TEXT"].dropna().tolist()[:n]
        return t, "VAERS 1990-1996 SYMPTOM_TEXT"
    df = pd.read_parquet(ROOT / "data/split/reports.parquet")
    return df["text"].tolist()[:n], "data/split/reports.parquet"


def raw_vectorizer(name: str) -> CountVectorizer:
    if name == "count":
        return CountVectorizer(token_pattern=TOKEN_PATTERN, min_df=2, max_features=20000, dtype=np.float32)
    return TfidfVectorizer(token_pattern=TOKEN_PATTERN, min_df=2, max_df=0.95, ngram_range=(1, 2),
                           sublinear_tf=True, dtype=np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench/results/represent.json"))
    args = ap.parse_args()
    docs, source = texts(args.docs)
    cut = int(len(docs) * 0.8)
    train, test = docs[:cut], docs[cut:]
    train_ids, test_ids = [str(i) for i in range(cut)], [str(i) for i in range(cut, len(docs))]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for name in PARAMS:
            def ours(name: str = name) -> None:
                fit_and_encode(build(name, PARAMS[name]), train, test, out / "ours_model" / name,
                               out / "ours_features" / name, train_ids=train_ids, test_ids=test_ids)

            def raw(name: str = name) -> None:
                vec = raw_vectorizer(name)
                X_train, X_test = vec.fit_transform(train), None
                X_test = vec.transform(test)
                (out / "raw" / name).mkdir(parents=True, exist_ok=True)
                sp.save_npz(out / "raw" / name / "train.npz", X_train, compressed=False)
                sp.save_npz(out / "raw" / name / "test.npz", X_test, compressed=False)
                with (out / "raw" / name / "vectorizer.pkl").open("wb") as fh:
                    pickle.dump(vec, fh)

            times = interleaved({"ours": ours, "raw": raw}, args.repeats)
            t_ours, t_raw = statistics.median(times["ours"]), statistics.median(times["raw"])
            results[name] = {"ours_seconds_median": round(t_ours, 3), "raw_sklearn_seconds_median": round(t_raw, 3),
                             "ours_seconds": [round(t, 3) for t in times["ours"]],
                             "raw_sklearn_seconds": [round(t, 3) for t in times["raw"]],
                             "speed_ratio_ours_vs_raw": round(t_raw / t_ours, 3),
                             "docs_per_second_ours": round(len(docs) / t_ours, 1)}
            print(name, results[name])
    write_json(args.out, {
        "what": "fit + encode train and test, features and model written to disk: ours (fit_and_encode, the "
                "represent stage's call) vs raw scikit-learn (fit_transform, transform, save_npz, pickle); "
                "interleaved repeats, ratio of medians (raw / ours, above 1.0 = ours faster)",
        "texts": source, "n_docs": len(docs), "n_train": len(train), "n_test": len(test),
        "repeats": args.repeats, "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": environment(("numpy", "scipy", "sklearn")),
        "results": results,
    })


if __name__ == "__main__":
    main()
