"""Time synthetic corpus generation at benchmark sizes.

Usage: ``python bench/bench_synthetic.py [--sizes 100000 1000000] [--out bench/results/synthetic.json]``
Writes timings (and peak memory) atomically as JSON.
"""

from __future__ import annotations

import argparse
import logging
import time

from common import environment

from incident_lm.core.io import write_json
from incident_lm.core.stage import peak_rss_mb
from incident_lm.synthetic import SyntheticConfig, generate_corpus

log = logging.getLogger("bench_synthetic")


def bench(n: int, seed: int = 42) -> dict[str, float | int]:
    """Generate ``n`` reports once and return the timing record."""
    t0 = time.perf_counter()
    corpus = generate_corpus(SyntheticConfig(n_reports=n, seed=seed))
    seconds = time.perf_counter() - t0
    return {
        "n_reports": n,
        "seconds": round(seconds, 3),
        "reports_per_second": round(n / seconds, 1),
        "identifiers": len(corpus.identifiers),
        "in07_chars": int(corpus.reports.IN07.str.len().sum()),
        "peak_rss_mib": round(peak_rss_mb(), 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark sizes and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="corpus sizes (the default emerging theme needs about 230 reports or more)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="bench/results/synthetic.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    machine = environment(("numpy", "pandas"))
    runs = []
    for n in args.sizes:
        rec = bench(n, args.seed)
        log.info("n=%d: %.2f s (%.0f reports/s), peak RSS %.0f MiB", n, rec["seconds"],
                 rec["reports_per_second"], rec["peak_rss_mib"])
        runs.append(rec)
    write_json(args.out, {
        "benchmark": "synthetic corpus generation (incident_lm.synthetic.generate_corpus)",
        "machine": {**machine, "numpy": machine["packages"]["numpy"]},
        "runs": runs,
    })
    log.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
