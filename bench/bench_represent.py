"""Benchmark the sparse baselines (count, TF-IDF) through our interface against raw scikit-learn.

Usage (from the repository root)::

    python bench/bench_represent.py [--docs 20000] [--repeats 3]

Texts: real public adverse-event narratives (VAERS SYMPTOM_TEXT, ../shared/data/vaers-1990-1996) when present,
otherwise ``data/split/reports.parquet``. For each representation it times, in the same run, our
``fit`` + chunked ``encode_to_file`` against the raw ``CountVectorizer`` / ``TfidfVectorizer``
``fit_transform`` with the same settings, takes the best of ``--repeats``, and reports the ratio
(ours / raw; 1.0 means no overhead). Results go to ``bench/results/represent.json``.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from incident_lm.io import write_json
from incident_lm.represent import build
from incident_lm.represent.encode import encode_to_file, peak_rss_mb
from incident_lm.represent.text import TOKEN_PATTERN

ROOT = Path(__file__).resolve().parents[1]
VAERS = ROOT.parent / "shared" / "data" / "vaers-1990-1996"


def texts(n: int) -> tuple[list[str], str]:
    if VAERS.exists():
        frames = [pd.read_csv(p, encoding="latin-1", dtype=str, usecols=["SYMPTOM_TEXT"])
                  for p in sorted(VAERS.glob("*VAERSDATA.csv"))]
        t = pd.concat(frames)["SYMPTOM_TEXT"].dropna().tolist()[:n]
        return t, "VAERS 1990-1996 SYMPTOM_TEXT"
    df = pd.read_parquet(ROOT / "data/split/reports.parquet")
    return df["text"].tolist()[:n], "data/split/reports.parquet"


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    docs, source = texts(args.docs)
    raw = {
        "count": lambda: CountVectorizer(token_pattern=TOKEN_PATTERN, min_df=2, max_features=20000,
                                         dtype=np.float32).fit_transform(docs),
        "tfidf": lambda: TfidfVectorizer(token_pattern=TOKEN_PATTERN, min_df=2, max_df=0.95, ngram_range=(1, 2),
                                         sublinear_tf=True, dtype=np.float32).fit_transform(docs),
    }
    params = {"count": {"min_df": 2, "max_features": 20000},
              "tfidf": {"min_df": 2, "max_df": 0.95, "ngram_max": 2, "sublinear_tf": True}}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in raw:
            def ours(name: str = name) -> None:
                rep = build(name, params[name]).fit(docs)
                encode_to_file(rep, docs, Path(tmp) / name)

            t_ours, t_raw = best_of(ours, args.repeats), best_of(raw[name], args.repeats)
            results[name] = {"ours_seconds": round(t_ours, 3), "raw_sklearn_seconds": round(t_raw, 3),
                             "ratio_ours_over_raw": round(t_ours / t_raw, 3),
                             "docs_per_second_ours": round(len(docs) / t_ours, 1)}
            print(name, results[name])
    write_json(ROOT / "bench/results/represent.json", {
        "what": "fit + encode of all texts, ours (interface + chunked writer) vs raw scikit-learn fit_transform",
        "texts": source, "n_docs": len(docs), "repeats": args.repeats, "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "results": results,
    })


if __name__ == "__main__":
    main()
