"""Run named ``dvc exp`` experiments and tabulate their comparison rows (never typed by hand).

Usage (from the repository root, on a committed, reproduced workspace)::

    python bench/experiments.py --name bert_pooling --rep bert \\
        --exp bert-idf bert.pooling=idf --exp bert-sif bert.pooling=sif

Each ``--exp NAME KEY=VALUE [KEY=VALUE ...]`` is ``dvc exp run --temp -n NAME -S KEY=VALUE ... compare`` (a
temporary copy of the workspace: the workspace and its outputs are left as they are), so the representation's
represent and evaluate stages rerun with those params and ``compare`` tests it against TF-IDF with the pipeline's
own paired bootstrap. The rows of ``--rep`` in each experiment's ``metrics/compare.json`` (and the baseline
commit's, as the first row) go to ``bench/results/experiments_<name>.json``; ``bench/write_results.py`` tabulates
them in ``bench/results.md``. The experiments stay as DVC experiment refs: ``dvc exp show --md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from common import environment

ROOT = Path(__file__).resolve().parents[1]


def exp_rows(rep: str) -> dict[str, dict[str, Any]]:
    """Experiment name (or ``workspace``/``baseline``) -> ``rep``'s row of its ``metrics/compare.json``."""
    out = subprocess.run(["dvc", "exp", "show", "--json", "--no-fetch"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    rows: dict[str, dict[str, Any]] = {}

    def visit(node: dict[str, Any], name: str) -> None:
        data = node.get("data") or {}
        compare = ((data.get("metrics") or {}).get("metrics/compare.json") or {}).get("data") or {}
        if rep in (compare.get("representations") or {}):
            params = ((data.get("params") or {}).get("params.yaml") or {}).get("data") or {}
            rows[name] = {"row": compare["representations"][rep], "baseline": compare.get("baseline"),
                          "targets": compare.get("targets"), "params": params.get(rep)}

    for commit in json.loads(out):
        visit(commit, "baseline" if commit.get("rev") != "workspace" else "workspace")
        for exp in commit.get("experiments") or []:
            for rev in exp.get("revs") or []:
                visit(rev, rev.get("name") or exp.get("name") or rev.get("rev"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="the table's name (bench/results/experiments_<name>.json)")
    ap.add_argument("--rep", required=True, help="the representation whose compare row is tabulated")
    ap.add_argument("--exp", nargs="+", action="append", required=True, metavar="NAME KEY=VALUE",
                    help="an experiment: its name, then its -S overrides")
    ap.add_argument("--skip-run", action="store_true", help="only tabulate experiments that already ran")
    args = ap.parse_args()
    seconds: dict[str, float] = {}
    for name, *sets in args.exp:
        if args.skip_run:
            continue
        cmd = ["dvc", "exp", "run", "--temp", "-n", name, *[a for s in sets for a in ("-S", s)], "compare"]
        print("+", " ".join(cmd), flush=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True)
        seconds[name] = time.perf_counter() - t0
    rows = exp_rows(args.rep)
    table = [{"experiment": "baseline (committed params)", "set": [], **rows["workspace" if "workspace" in rows
                                                                          else "baseline"]}]
    for name, *sets in args.exp:
        if name not in rows:
            raise SystemExit(f"experiment {name!r} has no metrics/compare.json row for {args.rep!r}")
        table.append({"experiment": name, "set": sets, "seconds": seconds.get(name), **rows[name]})
    out = ROOT / "bench" / "results" / f"experiments_{args.name}.json"
    out.write_text(json.dumps({"name": args.name, "representation": args.rep, "rows": table,
                               "machine": environment()}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
