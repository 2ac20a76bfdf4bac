"""Score a de-identifier on both halves of the blind evaluation set and record the figures under a label.

The blind set (``src/incident_lm/deid/evalset_blind_*.jsonl``) was written by someone who had not seen the rules;
the rules may be changed on the misses of its ``dev`` half only, never on the ``heldout`` half, whose figures are
the honest measurement of forms nobody wrote patterns for. Each run adds (or replaces) one record in
``bench/results/deid_blind.json``, so the first measurement, before any rule was changed on the set, stays beside
later ones. ``--src`` scores another checkout's rules (e.g. ``git archive <rev> src | tar -x -C /tmp/old``) on
this checkout's set; only figures are written, never a text or a missed value.

Usage: ``python bench/deid_blind.py --label "..." [--src DIR] [--out bench/results/deid_blind.json]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ("blind_dev", "blind_heldout")


def measure(src: Path) -> dict:
    """The :func:`~incident_lm.deid.evalset.summary` figures of the rules under ``src`` on both halves."""
    sys.path.insert(0, str(src))
    from incident_lm.deid import DeidConfig, Deidentifier
    from incident_lm.deid import evalset as ev

    here = ROOT / "src" / "incident_lm" / "deid"
    find = Deidentifier(DeidConfig()).find
    return {name: ev.summary(ev.evaluate(find, ev.hard_cases(here / f"evalset_{name}.jsonl"))) for name in SETS}


def revision(src: Path) -> str:
    """The git revision of ``src``'s checkout, or "unknown" (an exported tree has none)."""
    try:
        out = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--", "."], capture_output=True,
                               text=True, check=True).stdout.strip()
        return out + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", required=True, help="what rules these are, e.g. 'first measurement (rules of d832f75)'")
    ap.add_argument("--src", default=str(ROOT / "src"), help="the src folder whose de-identifier is scored")
    ap.add_argument("--rules", default=None, help="the rules' revision, when --src is an exported tree")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "deid_blind.json"))
    args = ap.parse_args(argv)
    src = Path(args.src).resolve()
    out = Path(args.out)
    record = {"label": args.label, "rules": args.rules or revision(src), **measure(src)}
    runs = json.loads(out.read_text())["runs"] if out.exists() else []
    runs = [r for r in runs if r["label"] != args.label] + [record]
    out.write_text(json.dumps({"runs": runs}, indent=1) + "\n")
    for name in SETS:
        t = record[name]["targets"]
        print(f"{args.label} {name}: " + ", ".join(f"{k} {v['value']}" for k, v in t.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
