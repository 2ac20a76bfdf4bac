"""Stage check: every later stage's params against the prepared data (label names and classes, split method,
dates), all problems reported at once and before any training; ``split`` waits for it."""

import argparse
import json

import yaml

from incident_lm.core import stage
from incident_lm.core.io import write_json
from incident_lm.data.check import check_or_raise


def main(args: argparse.Namespace) -> None:
    with open(args.data_metrics, encoding="utf-8") as fh:
        data = json.load(fh)
    with open(args.params, encoding="utf-8") as fh:
        params = yaml.safe_load(fh) or {}
    record = check_or_raise(data, params, args.params)
    write_json(args.out, record)  # the same bytes whenever all is well: split does not rerun for it
    stage.log.info("check: %d params keys agree with the prepared data", len(record["checked"]))


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--data-metrics", required=True, help="prepare's metrics/data.json")
    ap.add_argument("--out", required=True, help="the check's record (JSON)")
    stage.run("check", main, ap)
