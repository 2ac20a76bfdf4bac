"""Stage audit: search every artefact the pipeline wrote before the report (the folders and files named by
``--roots``) for the identifiers planted in the synthetic corpus; a finding fails the stage (exit 1).

Reads ``data.source`` and ``deid.truth`` from params; with no truth (real data) it writes a skip record.
The result, ``metrics/audit.json``, is shown in the report; see ``incident_lm.audit`` for what is searched.
``--cost`` takes the stage's cost figures, as for every other stage.
"""

import argparse
import sys
import time

from incident_lm.audit import main
from incident_lm.core.io import write_json
from incident_lm.core.stage import cost_record

if __name__ == "__main__":
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--cost", default=None)
    known, rest = ap.parse_known_args()
    t0, c0 = time.perf_counter(), time.process_time()
    status = main(rest)
    if known.cost:
        write_json(known.cost, cost_record("audit", t0, c0, {"exit_status": status}))
    sys.exit(status)
