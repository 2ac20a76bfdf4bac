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

``--enable NAME`` switches on an optional block of ``dvc.yaml`` (``# >>> NAME`` ... ``# <<< NAME``, e.g. the
``fusion_lm`` representation) for the experiments only: the workspace's ``dvc.yaml`` is rewritten for the runs, so
each experiment commit records the DAG it ran, and put back afterwards. The baseline row is then left out when the
committed ``metrics/compare.json`` has no row for ``--rep``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml
from common import environment
from dvcfile import enable_blocks

ROOT = Path(__file__).resolve().parents[1]


def exp_revs() -> dict[str, str]:
    """Experiment name -> its commit, from DVC's experiment refs (``refs/exps/<base>/<name>``) on any base
    commit; the newest experiment wins when a name was run on several bases."""
    out = subprocess.run(["git", "for-each-ref", "--sort=committerdate", "--format=%(refname) %(objectname)",
                          "refs/exps"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return {ref.rsplit("/", 1)[1]: sha for ref, sha in (line.split() for line in out.splitlines())}


def compare_row(rep: str, rev: str | None) -> dict[str, Any]:
    """``rep``'s row of ``metrics/compare.json`` (and the baseline, targets, ``rep``'s params) at ``rev``
    (``None``: the workspace). Read from git, whole: ``dvc exp show --json`` drops lists such as the CIs."""
    def read(path: str) -> str:
        if rev is None:
            return (ROOT / path).read_text()
        return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout

    def cost(stage: str) -> float | None:
        try:
            return json.loads(read(f"metrics/cost/{stage}.json")).get("wall_seconds")
        except (OSError, subprocess.CalledProcessError, json.JSONDecodeError):
            return None

    compare = json.loads(read("metrics/compare.json"))
    params = yaml.safe_load(read("params.yaml"))
    if rep not in compare.get("representations", {}):
        raise SystemExit(f"{rev or 'workspace'}: metrics/compare.json has no row for {rep!r}")
    costs = {stage: cost(stage) for stage in ("tune_lm", f"represent/{rep}", f"evaluate/{rep}")}
    return {"row": compare["representations"][rep], "baseline": compare.get("baseline"),
            "targets": compare.get("targets"), "params": params.get(rep), "rev": rev, "costs": costs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="the table's name (bench/results/experiments_<name>.json)")
    ap.add_argument("--rep", required=True, help="the representation whose compare row is tabulated")
    ap.add_argument("--exp", nargs="+", action="append", required=True, metavar="NAME KEY=VALUE",
                    help="an experiment: its name, then its -S overrides")
    ap.add_argument("--skip-run", action="store_true", help="only tabulate experiments that already ran")
    ap.add_argument("--enable", action="append", default=[], metavar="NAME",
                    help="an optional dvc.yaml block switched on for the experiments (repeatable)")
    args = ap.parse_args()
    seconds: dict[str, float] = {}
    dvc_yaml = ROOT / "dvc.yaml"
    original = dvc_yaml.read_text()
    try:
        if args.enable and not args.skip_run:
            dvc_yaml.write_text(enable_blocks(original, args.enable))
        for name, *sets in args.exp:
            if args.skip_run:
                continue
            cmd = ["dvc", "exp", "run", "--temp", "-n", name, *[a for s in sets for a in ("-S", s)], "compare"]
            print("+", " ".join(cmd), flush=True)
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True)
            seconds[name] = time.perf_counter() - t0
    finally:
        dvc_yaml.write_text(original)
    out = ROOT / "bench" / "results" / f"experiments_{args.name}.json"
    if args.skip_run and out.exists():  # keep the wall seconds measured when the experiments ran
        seconds = {r["experiment"]: r["seconds"] for r in json.loads(out.read_text())["rows"] if r.get("seconds")}
    revs = exp_revs()
    committed = json.loads((ROOT / "metrics" / "compare.json").read_text()).get("representations", {})
    table = ([{"experiment": "baseline (committed params)", "set": [], **compare_row(args.rep, None)}]
             if args.rep in committed or not args.enable else [])
    for name, *sets in args.exp:
        if name not in revs:
            raise SystemExit(f"no experiment named {name!r} (dvc exp show)")
        table.append({"experiment": name, "set": sets, "seconds": seconds.get(name), **compare_row(args.rep,
                                                                                                  revs[name])})
    out.write_text(json.dumps({"name": args.name, "representation": args.rep, "rows": table,
                               "machine": environment()}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
