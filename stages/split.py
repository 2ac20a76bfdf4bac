"""Stage split: add a seeded train/test split to the prepared reports."""

import pandas as pd

from incident_lm import stage
from incident_lm.io import write_parquet
from incident_lm.params import load_section
from incident_lm.split import split_reports


def main() -> None:
    args = stage.parser(__doc__).parse_args()
    p = load_section("split", args.params)
    df = pd.read_parquet("data/prepared/reports.parquet")
    out = split_reports(
        df,
        method=p.choice("method", ["stratified", "time"], "stratified"),
        test_size=p.float("test_size", 0.2),
        stratify=p.str("stratify", "category"),
        seed=p.int("seed", 0),
        time_cutoff=str(p["time_cutoff"]) if p.get("time_cutoff") else None,  # YAML may parse a date
    )
    write_parquet(out, "data/split/reports.parquet")
    stage.log.info("split: %s", out["split"].value_counts().to_dict())


if __name__ == "__main__":
    stage.run("split", main)
