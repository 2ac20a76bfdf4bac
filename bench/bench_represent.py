"""Benchmark the sparse baselines (count, TF-IDF) through our interface against raw scikit-learn.

Usage (from the repository root)::

    python bench/bench_represent.py [--docs 20000] [--repeats 3] [--out bench/results/represent.json]

Texts: real public adverse-event narratives (VAERS SYMPTOM_TEXT, ../shared/data/vaers-1990-1996) when present,
otherwise ``data/split/reports.parquet``. For each representation it times, in the same run, our
``fit`` + chunked ``encode_to_file`` against the raw ``CountVectorizer`` / ``TfidfVectorizer``
``fit_transform`` with the same settings, takes the best of ``--repeats``, and reports the ratio
(ours / raw; 1.0 means no overhead). Results go to ``bench/results/represent.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from common import best_of, environment
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from incident_lm.core.io import write_json
from incident_lm.core.stage import peak_rss_mb
from incident_lm.represent import build
from incident_lm.represent.encode import encode_to_file
from incident_lm.text.tokenize import TOKEN_PATTERN

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench/results/represent.json"))
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
    write_json(args.out, {
        "what": "fit + encode of all texts, ours (interface + chunked writer) vs raw scikit-learn fit_transform",
        "texts": source, "n_docs": len(docs), "repeats": args.repeats, "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": environment(("numpy", "scipy", "sklearn")),
        "results": results,
    })


if __name__ == "__main__":
    main()
