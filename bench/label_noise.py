"""How much of each representation's probe error is the synthetic corpus's coding noise, not the representation.

Usage (from the repository root, after ``dvc repro`` on the default synthetic corpus)::

    python bench/label_noise.py [--truth data/raw/synthetic/labels_true.csv] [--results results]

The generator writes every report's text from one category and degree of harm, then codes the label a reporter
would have picked: ``synthetic.label_noise`` (0.10) of the categories are moved to a plausible neighbouring
category and each organisation grades harm up or down by its own bias (``labels_true.csv`` holds the labels the
text was written from). The pipeline scores the probes against the coded labels, as it must on real data. This
script rescores the same test predictions (``results/<name>/predictions.parquet``, written by ``evaluate@NAME``
and ``fasttext_supervised``) against the labels the text was written from, and reports:

- the noise ceiling: macro-F1 against the coded labels of a classifier that always names the written label,
  the best any representation can be expected to reach from the text alone;
- each representation's macro-F1 against the coded and the written labels, and the paired bootstrap difference
  from TF-IDF against the written labels (the project's own ``paired_bootstrap``);
- the share of its errors (against the coded labels) on test reports whose coded label is noise and whose
  prediction is the written label: errors that are the label's, not the representation's.

Results go to ``bench/results/label_noise.json``; ``bench/write_results.py`` tabulates them in
``bench/results.md``. Nothing is tuned on this: it is read after the fact, the test split only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd
from common import environment

from incident_lm.core.io import write_json
from incident_lm.evaluate.stats import bootstrap_ci, encode, macro_f1, paired_bootstrap

ROOT = Path(__file__).resolve().parents[1]
#: The split's label columns and the column of labels_true.csv they are scored against.
TARGETS = {"category": "category", "harm": "harm"}


def load_predictions(results: Path) -> dict[str, pd.DataFrame]:
    """Test predictions (``target, id, y_true, y_pred``) of every representation under ``results``."""
    return {p.parent.name: pd.read_parquet(p) for p in sorted(results.glob("*/predictions.parquet"))}


def score(preds: dict[str, pd.DataFrame], truth: pd.DataFrame, baseline: str = "tfidf",
          n_boot: int = 1000) -> dict[str, Any]:
    """Rescore every representation's predictions against the labels the text was written from.

    Parameters
    ----------
    preds : dict of str to DataFrame
        Per representation, its test predictions (``target, id, y_true, y_pred``; ``y_true`` the coded label).
    truth : DataFrame
        ``RP01`` and one column per target in :data:`TARGETS` (the written labels).
    baseline : str
        Representation the paired differences are taken against.
    n_boot : int
        Bootstrap resamples.

    Returns
    -------
    dict
        Per target: ``n_test``, ``noisy_share`` (test reports whose coded label differs from the written one),
        ``ceiling`` (macro-F1 of the written labels against the coded ones, with its CI) and ``rows``
        (per representation: macro-F1 against coded and written labels, the paired difference from the
        baseline against the written labels, and the share of its errors that are the label's).
    """
    written = truth.set_index("RP01")
    out: dict[str, Any] = {}
    for target, column in TARGETS.items():
        frames = {name: p[p["target"] == target].set_index("id") for name, p in preds.items()}
        frames = {name: f for name, f in frames.items() if len(f)}
        if not frames:
            continue
        ids = sorted(set.intersection(*(set(f.index) for f in frames.values())))
        missing = [i for i in ids if i not in written.index]
        if missing:
            raise SystemExit(f"{len(missing)} test ids (first {missing[0]!r}) have no row in the written labels: "
                             "is labels_true.csv from the same generated corpus?")
        any_frame = next(iter(frames.values()))
        coded_s = any_frame.loc[ids, "y_true"].astype(str).to_numpy()
        written_s = written.loc[ids, column].astype(str).to_numpy()
        pred_s = {name: f.loc[ids, "y_pred"].astype(str).to_numpy() for name, f in frames.items()}
        names = list(pred_s)
        coded_written_preds, classes = encode(coded_s, written_s, *pred_s.values())
        coded, true, *codes = coded_written_preds
        k = len(classes)
        noisy = coded != true
        lo, hi = bootstrap_ci(coded, true, k, n_boot=n_boot)
        rows = {}
        for name, pred in zip(names, codes, strict=True):
            errors = pred != coded
            row: dict[str, Any] = {
                "macro_f1_coded": macro_f1(coded, pred, k),
                "macro_f1_written": macro_f1(true, pred, k),
                "accuracy_coded": float((pred == coded).mean()),
                "accuracy_written": float((pred == true).mean()),
                "errors": int(errors.sum()),
                "errors_on_noisy_labels_predicting_written": float((errors & noisy & (pred == true)).sum()
                                                                   / max(int(errors.sum()), 1)),
            }
            if baseline in pred_s and name != baseline:
                base = codes[names.index(baseline)]
                test = paired_bootstrap(true, pred, base, k, n_boot=n_boot)
                row["vs_baseline_written"] = {"diff": test["diff"], "ci": [test["ci_low"], test["ci_high"]]}
            rows[name] = row
        out[target] = {
            "n_test": len(ids), "noisy_share": float(noisy.mean()),
            "ceiling": {"macro_f1": macro_f1(coded, true, k), "ci": [lo, hi],
                        "accuracy": float((coded == true).mean())},
            "rows": dict(sorted(rows.items(), key=lambda kv: -kv[1]["macro_f1_written"])),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", default=str(ROOT / "data" / "raw" / "synthetic" / "labels_true.csv"))
    ap.add_argument("--results", default=str(ROOT / "results"))
    ap.add_argument("--baseline", default="tfidf")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "label_noise.json"))
    args = ap.parse_args()
    truth_path = Path(args.truth)
    if not truth_path.exists():
        raise SystemExit(f"{truth_path}: no written labels (run `dvc repro generate` on the synthetic corpus)")
    truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False)
    preds = load_predictions(Path(args.results))
    if not preds:
        raise SystemExit(f"{args.results}: no */predictions.parquet (run `dvc repro compare`)")
    record = {"baseline": args.baseline, "targets": score(preds, truth, args.baseline),
              "machine": environment()}
    write_json(args.out, record)
    for target, d in record["targets"].items():
        print(f"{target}: ceiling {d['ceiling']['macro_f1']:.3f}, noisy {d['noisy_share']:.3f}")
        for name, r in d["rows"].items():
            print(f"  {name:22s} coded {r['macro_f1_coded']:.3f} written {r['macro_f1_written']:.3f} "
                  f"label's errors {r['errors_on_noisy_labels_predicting_written']:.2f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
