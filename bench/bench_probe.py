"""The probe's solver: time, iterations and how close each gets to the optimum, at two corpus sizes.

Usage (from the repository root, after ``dvc repro``; the 100k copy is the one ``bench/bench_scale.py`` keeps)::

    python bench/bench_probe.py [--roots . .bench-scale/synthetic-100000] [--solvers lbfgs newton-cg]

For each root (a pipeline folder with ``features/`` and ``data/split``), representation and target it fits the
evaluate stage's own probe (:func:`incident_lm.evaluate.probe.probe_model`: class-balanced logistic regression,
``evaluate.probe.C`` and ``max_iter``, dense inputs standardised) with each solver in turn, and records the wall
and CPU seconds, the solver's iterations, the penalised training objective, test macro-F1 and how many test
predictions agree with the first solver's. Every solver minimises the same objective, so the one with the
lower objective is the closer to the probe the protocol defines; the gap is reported relative to the lowest.
Writes ``bench/results/probe.json``; ``bench/write_results.py`` tabulates it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from common import environment
from sklearn.metrics import f1_score, log_loss
from sklearn.utils.class_weight import compute_sample_weight

from incident_lm.core.artefacts import read_features, read_split
from incident_lm.core.io import write_json
from incident_lm.core.params import load_section
from incident_lm.evaluate.probe import probe_model

ROOT = Path(__file__).resolve().parents[1]


def classifier(model: Any) -> Any:
    """The logistic regression of a probe (the last step of a scaling pipeline, or the model itself)."""
    return model[-1] if hasattr(model, "steps") else model


def objective(model: Any, X: Any, y: np.ndarray, C: float) -> float:
    """The penalised objective every solver minimises: C x balanced-weighted log-loss sum + ||W||^2 / 2."""
    clf = classifier(model)
    Xt = model[:-1].transform(X) if hasattr(model, "steps") else X
    sw = compute_sample_weight("balanced", y)
    loss = log_loss(y, clf.predict_proba(Xt), sample_weight=sw, labels=clf.classes_) * sw.sum()
    return float(C * loss + 0.5 * np.sum(clf.coef_.astype(np.float64) ** 2))


def run_one(root: Path, rep: str, targets: list[str], solvers: list[str], probe: dict[str, Any]) -> list[dict]:
    split = read_split(root / "data/split/reports.parquet")
    feats = read_features(root / "features" / rep, split)
    train, test = split[split["split"] == "train"], split[split["split"] == "test"]
    rows = []
    for target in targets:
        y, yt = train[target].astype(str).to_numpy(), test[target].astype(str).to_numpy()
        fits = {}
        for solver in solvers:
            model = probe_model(sp.issparse(feats.train), C=probe["C"], max_iter=probe["max_iter"], solver=solver)
            t0, c0 = time.perf_counter(), time.process_time()
            model.fit(feats.train, y)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            clf = classifier(model)
            pred = model.predict(feats.test).astype(str)
            fits[solver] = pred
            rows.append({"root": str(root.relative_to(ROOT)) if root.is_relative_to(ROOT) else str(root),
                         "representation": rep, "target": target, "solver": solver, "n_train": len(y),
                         "dim": int(feats.train.shape[1]), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                         "n_iter": int(np.max(clf.n_iter_)), "hit_max_iter": bool(np.max(clf.n_iter_) >= probe["max_iter"]),
                         "objective": objective(model, feats.train, y, probe["C"]),
                         "macro_f1": float(f1_score(yt, pred, average="macro", zero_division=0)),
                         "agree_with_first": float(np.mean(pred == fits[solvers[0]]))})
            print(f"{rows[-1]['root']} {rep} {target} {solver}: {wall:.1f}s, {rows[-1]['n_iter']} iterations",
                  flush=True)
        best = min(r["objective"] for r in rows[-len(solvers):])
        for r in rows[-len(solvers):]:
            r["objective_gap"] = (r["objective"] - best) / best
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roots", nargs="+", default=[".", ".bench-scale/synthetic-100000"])
    ap.add_argument("--reps", nargs="+", default=["count", "tfidf", "fusion", "fasttext_sif", "bert"],
                    help="representations (those a root lacks are skipped)")
    ap.add_argument("--solvers", nargs="+", default=["lbfgs", "newton-cg"])
    ap.add_argument("--out", default=str(ROOT / "bench/results/probe.json"))
    args = ap.parse_args()
    probe = load_section("evaluate", ROOT / "params.yaml")["probe"]
    rows: list[dict] = []
    for r in args.roots:
        root = (ROOT / r).resolve()
        if not (root / "features").is_dir():
            print(f"{root}: no features/, skipped")
            continue
        targets = list(load_section("evaluate", root / "params.yaml")["targets"])
        for rep in args.reps:
            if (root / "features" / rep / "ids.parquet").exists():
                rows += run_one(root, rep, targets, args.solvers, probe)
            write_json(args.out, {"probe": {"C": probe["C"], "max_iter": probe["max_iter"]},
                                  "solvers": args.solvers, "rows": rows, "machine": environment()})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
