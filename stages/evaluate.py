"""Stage evaluate@NAME: probe, cluster and retrieval scores of one representation's features (params ``evaluate``)."""

import argparse

from incident_lm.core import stage
from incident_lm.core.artefacts import read_split
from incident_lm.core.io import atomic_dir, write_json
from incident_lm.core.params import load_section, read_section
from incident_lm.evaluate.protocol import EvalConfig, evaluate_features


def main(args: argparse.Namespace) -> dict[str, float]:
    cfg = read_section(EvalConfig, load_section("evaluate", args.params))
    timings: dict[str, float] = {}
    metrics, predictions = evaluate_features(args.features, read_split(args.input), cfg, timings)
    with atomic_dir(args.out) as tmp:
        predictions.to_parquet(tmp / "predictions.parquet", index=False)
    write_json(args.metrics, {"representation": args.name, **metrics})
    return timings  # the cost record's parts


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("name", help="representation = params.yaml section name")
    ap.add_argument("--input", required=True, help="split reports")
    ap.add_argument("--features", required=True, help="the representation's feature folder")
    ap.add_argument("--out", required=True, help="folder of the test predictions")
    ap.add_argument("--metrics", required=True, help="the representation's scores (JSON)")
    stage.run("evaluate", main, ap)
