"""Stage train_fasttext: incident-domain fastText word vectors (training split only), their
nearest-neighbour report, and the supervised fastText classifier baseline."""

from __future__ import annotations

import sys

import pandas as pd

from incident_lm import stage
from incident_lm.io import atomic_dir, write_json, write_text
from incident_lm.lm.fasttext_train import (
    FastTextParams,
    neighbours_markdown,
    save_word_vectors,
    supervised_baseline,
    train_word_vectors,
)
from incident_lm.params import ParamsError, load_section

SPLIT = "data/split/reports.parquet"
MODEL_DIR = "models/fasttext"
REPORT = "reports/fasttext_neighbours.md"
PREDICTIONS_DIR = "results/fasttext_supervised"
METRICS = "metrics/fasttext.json"


def read_reports(path: str, targets: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and test rows of the split file, checked for the columns this stage needs."""
    df = pd.read_parquet(path)
    missing = [c for c in ("id", "text", "split") if c not in df.columns]
    if missing:
        raise stage.DataError(f"{path}: missing column(s) {', '.join(missing)}")
    absent = [t for t in targets if t not in df.columns]
    if absent:
        raise ParamsError(f"params.yaml: 'fasttext.targets' lists {absent}, not columns of {path} "
                          f"(columns: {', '.join(map(str, df.columns))})")
    train = df[df["split"] == "train"].reset_index(drop=True)
    test = df[df["split"] == "test"].reset_index(drop=True)
    if train.empty or (targets and test.empty):
        raise stage.DataError(f"{path}: {len(train)} train and {len(test)} test rows; rerun the split stage")
    return train, test


def main() -> None:
    ap = stage.parser(__doc__)
    ap.add_argument("--input", default=SPLIT, help=f"split reports (default: {SPLIT})")
    args = ap.parse_args()
    params = FastTextParams.from_section(load_section("fasttext", args.params))
    targets = params.targets if params.supervised.enabled else ()
    train, test = read_reports(args.input, targets)

    wv, stats = train_word_vectors(train["text"].tolist(), params, verbose=sys.stderr.isatty())
    with atomic_dir(MODEL_DIR) as tmp:
        fp = save_word_vectors(wv, tmp, {"backend": params.backend, "params": params.to_dict(),
                                         "vocab_size": stats["vocab_size"], "n_train_docs": stats["n_train_docs"],
                                         "n_train_tokens": stats["n_train_tokens"]})
    write_text(REPORT, neighbours_markdown(wv, params.probe_words, params.neighbours, stats))

    predictions, supervised = supervised_baseline(train, test, targets, params)
    with atomic_dir(PREDICTIONS_DIR) as tmp:
        predictions.to_parquet(tmp / "predictions.parquet", index=False)
    write_json(METRICS, {
        "backend": params.backend,
        "model": params.model,
        "dim": params.dim,
        **stats,
        "model_size_bytes": fp["bytes"],
        "supervised": supervised,
    })


if __name__ == "__main__":
    stage.run("train_fasttext", main)
