"""Stage generate: write the SYNTHETIC NRLS-like incident corpus and its planted ground truth (params ``synthetic``)."""

import argparse
import time

from incident_lm.core import stage
from incident_lm.core.params import load_section
from incident_lm.synthetic import SyntheticConfig, generate_corpus, write_corpus


def main(args: argparse.Namespace) -> dict:
    cfg = SyntheticConfig.from_section(load_section("synthetic", args.params))
    stage.log.info("generating %d synthetic reports (seed %d)", cfg.n_reports, cfg.seed)
    t0 = time.perf_counter()
    corpus = generate_corpus(cfg)
    seconds = time.perf_counter() - t0
    write_corpus(corpus, args.out)
    stage.log.info("rows: incidents=%d identifiers=%d emerging=%d duplicates=%d", len(corpus.reports),
                   len(corpus.identifiers), len(corpus.emerging), len(corpus.duplicates))
    return {"n_reports": len(corpus.reports), "generate_seconds": round(seconds, 3)}


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--out", required=True, help="output folder (incidents.csv and ground truth)")
    stage.run("generate", main, ap)
