"""Stage audit: search every artefact the pipeline wrote before the report (the folders and files named by
``--roots``) for the identifiers planted in the synthetic corpus; a finding fails the stage (exit 1).

Reads ``data.source`` and ``deid.truth`` from params; with no truth (real data) it writes a skip record.
The result, ``metrics/audit.json``, is shown in the report; see ``incident_lm.audit`` for what is searched.
``--cost`` takes the stage's cost figures, as for every other stage.
"""

import argparse
import os
import sys
import time

from incident_lm.audit import main
from incident_lm.core.io import write_json
from incident_lm.core.stage import peak_rss_mb

if __name__ == "__main__":
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--cost", default=None)
    known, rest = ap.parse_known_args()
    t0, c0 = time.perf_counter(), time.process_time()
    status = main(rest)
    if known.cost:
        write_json(known.cost, {"stage": "audit", "wall_seconds": round(time.perf_counter() - t0, 3),
                                "cpu_seconds": round(time.process_time() - c0, 3), "peak_rss_mb": round(peak_rss_mb(), 1),
                                "exit_status": status, "machine": {"cpus": os.cpu_count(),
                                                                   "load_1min": round(os.getloadavg()[0], 2)}})
    sys.exit(status)
