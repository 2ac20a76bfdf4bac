"""Stage fasttext_supervised: fastText's own classifier per target (params ``fasttext_supervised``), an extra
downstream baseline whose test predictions the compare stage tests like any representation's."""

import argparse

from incident_lm.core import stage
from incident_lm.core.artefacts import read_split
from incident_lm.core.errors import DataError, ParamsError
from incident_lm.core.io import atomic_dir, write_json
from incident_lm.core.params import load_section, read_section
from incident_lm.evaluate.fasttext_classifier import FastTextClassifierConfig, supervised_baseline

NAME = "fasttext_supervised"


def main(args: argparse.Namespace) -> dict:
    cfg = read_section(FastTextClassifierConfig, load_section(NAME, args.params))
    split = read_split(args.input)
    absent = [t for t in cfg.targets if t not in split.columns]
    if absent:
        raise ParamsError(f"{args.params}: '{NAME}.targets' lists {absent}, not columns of {args.input} "
                          f"(columns: {', '.join(map(str, split.columns))})")
    train = split[split["split"] == "train"].reset_index(drop=True)
    test = split[split["split"] == "test"].reset_index(drop=True)
    if train.empty or test.empty:
        raise DataError(f"{args.input}: {len(train)} train and {len(test)} test rows; rerun the split stage")
    predictions, metrics, cost = supervised_baseline(train, test, cfg)
    with atomic_dir(args.out) as tmp:
        predictions.to_parquet(tmp / "predictions.parquet", index=False)
    write_json(args.metrics, {"representation": NAME, **metrics})
    return cost


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--input", required=True, help="split reports")
    ap.add_argument("--out", required=True, help="folder of the test predictions")
    ap.add_argument("--metrics", required=True, help="scores per target (JSON)")
    stage.run(NAME, main, ap)
