"""Put every stage's last good outputs back as ``dvc.lock`` records them, after a run that was killed.

A stage that fails under ``dvc repro`` restores its own outputs (:mod:`incident_lm.core.restore`); this
command is for when it could not: the process was killed outright (``kill -9``, out of memory, power
loss), or outputs were deleted by hand.

    python -m incident_lm.restore              # every stage in dvc.lock
    python -m incident_lm.restore prepare      # one stage (names as in dvc.lock: represent@tfidf)

Exit status 1 when an output could not be restored (its content is in neither the DVC cache, the keep
store nor git HEAD); ``dvc repro`` then rebuilds it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from incident_lm.core.restore import restore_all


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("stages", nargs="*", help="stage names as in dvc.lock (default: all)")
    ap.add_argument("--root", default=".", help="the DVC project root (default: .)")
    args = ap.parse_args(argv)
    try:
        reports = restore_all(args.root, args.stages or None)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    bad = 0
    for r in reports:
        for path in r.restored:
            print(f"restored  {r.stage}: {path}")
        for what in r.missing:
            print(f"MISSING   {r.stage}: {what}")
            bad += 1
    n_ok = sum(len(r.intact) for r in reports)
    n_restored = sum(len(r.restored) for r in reports)
    print(f"{n_restored} output(s) restored, {n_ok} already as dvc.lock records them, {bad} not restorable"
          + (" (run dvc repro to rebuild them)" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
