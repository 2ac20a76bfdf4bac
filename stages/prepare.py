"""Stage prepare: read the export named in params `data`, de-identify and clean it, write
data/prepared/reports.parquet, metrics/data.json and metrics/deid.json."""

from incident_lm import stage
from incident_lm.data import run
from incident_lm.params import load_section


def main() -> None:
    args = stage.parser(__doc__).parse_args()
    out = run(load_section("data", args.params), load_section("deid", args.params))
    d = out["data"]
    stage.log.info("prepare: %d reports kept of %d read; labels: %s", d["rows_kept"], d["rows_read"],
                   {role: len(v) for role, v in d["labels"].items()})


if __name__ == "__main__":
    stage.run("prepare", main)
