"""DVC stage ``generate``: write the synthetic NRLS-like incident corpus.

Usage: ``python stages/generate.py [--params params.yaml] [--out data/raw/synthetic]``
(run from the repository root). Reads params section ``synthetic``.
"""

from __future__ import annotations

import argparse
import logging
import time

from incident_lm.params import ParamsError, load_section
from incident_lm.synthetic import SyntheticConfig, generate_corpus, write_corpus

log = logging.getLogger("generate")


def main(argv: list[str] | None = None) -> int:
    """Generate the corpus and write it atomically to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml", help="params file (section 'synthetic')")
    parser.add_argument("--out", default="data/raw/synthetic", help="output directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    try:
        cfg = SyntheticConfig.from_section(load_section("synthetic", args.params))
    except ParamsError as exc:
        log.error("%s", exc)
        return 2
    log.info("generating %d synthetic reports (seed %d)", cfg.n_reports, cfg.seed)
    t0 = time.perf_counter()
    corpus = generate_corpus(cfg)
    t1 = time.perf_counter()
    write_corpus(corpus, args.out)
    t2 = time.perf_counter()
    log.info("generated in %.2f s, wrote %s in %.2f s", t1 - t0, args.out, t2 - t1)
    log.info("rows: incidents=%d identifiers=%d emerging=%d duplicates=%d", len(corpus.reports),
             len(corpus.identifiers), len(corpus.emerging), len(corpus.duplicates))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
