"""Stage split: add a seeded train/test split (params ``split``) to the prepared reports."""

import argparse
from dataclasses import asdict

import pandas as pd

from incident_lm.core import stage
from incident_lm.core.io import write_parquet
from incident_lm.core.params import load_section, read_section
from incident_lm.data.split import SplitConfig, split_reports


def main(args: argparse.Namespace) -> None:
    cfg = read_section(SplitConfig, load_section("split", args.params))
    out = split_reports(pd.read_parquet(args.input), **asdict(cfg))
    write_parquet(out, args.out)
    stage.log.info("split: %s", out["split"].value_counts().to_dict())


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--input", required=True, help="prepared reports (Parquet)")
    ap.add_argument("--out", required=True, help="split reports (Parquet)")
    stage.run("split", main, ap)
