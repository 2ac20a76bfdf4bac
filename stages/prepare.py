"""Stage prepare: read the export named in params ``data``, de-identify (params ``deid``), clean and de-duplicate
it, and write the prepared reports with their data and de-identification metrics."""

import argparse

from incident_lm.core import stage
from incident_lm.core.params import load_section
from incident_lm.data.prepare import run


def main(args: argparse.Namespace) -> dict:
    out = run(load_section("data", args.params), load_section("deid", args.params), args.out, args.data_metrics,
              args.deid_metrics)
    d = out["data"]
    stage.log.info("prepare: %d reports kept of %d read; labels: %s", d["rows_kept"], d["rows_read"],
                   {role: len(v) for role, v in d["labels"].items()})
    return out["cost"]


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--out", required=True, help="prepared reports (Parquet)")
    ap.add_argument("--data-metrics", required=True, help="rows read, dropped and kept, labels (JSON)")
    ap.add_argument("--deid-metrics", required=True, help="redactions and scores against planted truth (JSON)")
    stage.run("prepare", main, ap)
