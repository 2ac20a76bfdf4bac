"""Choose the fusion's dense weight on held-out TRAINING reports (the test split is never looked at).

Usage (from the repository root, after ``dvc repro represent@tfidf represent@fasttext_sif``)::

    python bench/fusion_weights.py [--dense fasttext_sif] [--weights 0 0.05 0.1 0.15 0.2 0.3 0.5]

Reads the training rows of ``features/tfidf`` and ``features/<dense>``, holds out a stratified quarter of
them, and for each dense weight fuses the two exactly as :class:`incident_lm.represent.fusion.FusionRepresentation`
does (rows L2-normalised, the dense part centred on the fitting rows' mean, scaled by ``sqrt(weight)``). It
scores the pipeline's own probe (every ``evaluate.targets`` label) and k-means V-measure on the held-out
quarter. Writes ``bench/results/fusion_weights.json``; ``bench/write_results.py`` tabulates it.

The stated criterion (also in the JSON): the weight with the highest V-measure among those whose probe
macro-F1 on the primary target is within ``--margin`` (0.02) of the weight-0 (TF-IDF alone) probe.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from common import environment
from sklearn.model_selection import train_test_split

from incident_lm.core.artefacts import read_features, read_split
from incident_lm.core.io import write_json
from incident_lm.core.params import load_section
from incident_lm.evaluate.cluster import cluster_scores
from incident_lm.evaluate.probe import linear_probe
from incident_lm.represent.fusion import scale_block

ROOT = Path(__file__).resolve().parents[1]


def fuse(sparse: sp.csr_matrix, dense: np.ndarray, mean: np.ndarray, w: float) -> sp.csr_matrix:
    """FusionRepresentation's own blocks (:func:`~incident_lm.represent.fusion.scale_block`) side by side."""
    return sp.hstack([scale_block(sparse, np.sqrt(1 - w)), sp.csr_matrix(scale_block(dense, np.sqrt(w), mean))],
                     format="csr")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dense", default="fasttext_sif", help="feature folder of the dense part")
    ap.add_argument("--weights", nargs="+", type=float, default=[0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5])
    ap.add_argument("--holdout", type=float, default=0.25)
    ap.add_argument("--margin", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "bench/results/fusion_weights.json"))
    args = ap.parse_args()

    ev = load_section("evaluate", ROOT / "params.yaml")
    targets = list(ev["targets"])
    split = read_split(ROOT / "data/split/reports.parquet")
    train = split[split["split"] == "train"].reset_index(drop=True)
    A = read_features(ROOT / "features/tfidf", split).train
    B = read_features(ROOT / "features" / args.dense, split).train
    fit, dev = train_test_split(np.arange(len(train)), test_size=args.holdout, stratify=train[targets[0]],
                                random_state=args.seed)
    mean = np.asarray(B[fit], dtype=np.float64).mean(axis=0)
    rows = []
    for w in args.weights:
        X = fuse(A, B, mean, w)
        row: dict = {"dense_weight": w}
        for t in targets:
            y = train[t].astype(str).to_numpy()
            row[f"{t}_macro_f1"] = linear_probe(X[fit], y[fit], X[dev], y[dev], n_boot=10,
                                                C=float(ev["probe"]["C"])).metrics["macro_f1"]
        c = cluster_scores(X[dev], {targets[0]: train[targets[0]].astype(str).to_numpy()[dev]}, seeds=(0, 1, 2))
        row["v_measure"] = c[targets[0]]["v_measure_mean"]
        rows.append(row)
        print(row, flush=True)
    base = next(r for r in rows if r["dense_weight"] == 0)[f"{targets[0]}_macro_f1"] if 0 in args.weights else None
    ok = [r for r in rows if base is None or r[f"{targets[0]}_macro_f1"] >= base - args.margin]
    chosen = max(ok, key=lambda r: r["v_measure"])["dense_weight"]
    write_json(args.out, {
        "dense": args.dense, "targets": targets, "n_fit": len(fit), "n_heldout": len(dev), "seed": args.seed,
        "criterion": f"highest V-measure ({targets[0]}) among weights whose {targets[0]} probe macro-F1 is within "
                     f"{args.margin} of TF-IDF alone (weight 0), on held-out training reports",
        "chosen_dense_weight": chosen, "rows": rows, "machine": environment(),
    })


if __name__ == "__main__":
    main()
