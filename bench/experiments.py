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


def exp_revs(repo: Path = ROOT) -> dict[str, str]:
    """Experiment name -> its commit, from DVC's experiment refs (``refs/exps/<base>/<name>``) on any base
    commit; the newest experiment wins when a name was run on several bases."""
    out = subprocess.run(["git", "for-each-ref", "--sort=committerdate", "--format=%(refname) %(objectname)",
                          "refs/exps"], cwd=repo, capture_output=True, text=True, check=True).stdout
    return {ref.rsplit("/", 1)[1]: sha for ref, sha in (line.split() for line in out.splitlines())}


def read_at(path: str, rev: str | None, repo: Path = ROOT) -> str:
    """A file of ``repo`` at ``rev`` (``None``: the workspace)."""
    if rev is None:
        return (repo / path).read_text()
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout


def per_class_f1(rep: str, rev: str | None, repo: Path = ROOT) -> dict[str, dict[str, float]] | None:
    """Per target, ``rep``'s probe F1 of each class (its ``metrics/eval/<rep>.json`` at ``rev``); None if absent."""
    try:
        probe = json.loads(read_at(f"metrics/eval/{rep}.json", rev, repo)).get("probe", {})
    except (OSError, subprocess.CalledProcessError, json.JSONDecodeError):
        return None
    return {t: p["per_class_f1"] for t, p in probe.items() if "per_class_f1" in p} or None


def compare_row(rep: str, rev: str | None, repo: Path = ROOT) -> dict[str, Any]:
    """``rep``'s row of ``metrics/compare.json`` (and the baseline, targets, ``rep``'s params, its per-class F1) at
    ``rev`` (``None``: the workspace). Read from git, whole: ``dvc exp show --json`` drops lists such as the CIs."""
    def read(path: str) -> str:
        return read_at(path, rev, repo)

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
            "targets": compare.get("targets"), "params": params.get(rep), "rev": rev, "costs": costs,
            "per_class_f1": per_class_f1(rep, rev, repo)}


def vaers_copy(dest: Path, reps: list[str], enable: list[str]) -> None:
    """A committed copy of the repository set up for ``../shared/data/vaers-1990-1996`` (the params of
    ``bench/bench_scale.py --vaers``), its DAG cut to the representations in ``reps`` (the optional blocks in
    ``enable`` switched on), reproduced up to ``compare``: the baseline the VAERS experiments branch from."""
    from bench_scale import VAERS, copy_repo, run_env

    if not VAERS.exists():
        raise SystemExit(f"--corpus vaers: {VAERS} not found")
    copy_repo(dest, {"data": {"preset": "vaers", "source": str(VAERS)}, "deid": {"truth": None},
                     "review": {"truth": None}}, with_lm=True)
    dag = yaml.safe_load(enable_blocks((ROOT / "dvc.yaml").read_text(), enable))
    missing = set(reps) - set(dag["vars"][0]["reps"])
    if missing:
        raise SystemExit(f"--reps: dvc.yaml has no representation {sorted(missing)} (optional ones need --enable)")
    dag["vars"][0]["reps"] = {k: v for k, v in dag["vars"][0]["reps"].items() if k in reps}
    (dest / "dvc.yaml").write_text(yaml.safe_dump(dag, sort_keys=False))
    env = run_env()
    for cmd in (["git", "add", "-A"], ["git", "commit", "-q", "-m", f"VAERS experiments: {', '.join(reps)}"],
                ["dvc", "repro", "compare"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "baseline run"]):
        print("+", " ".join(cmd), f"(in {dest})", flush=True)
        subprocess.run(cmd, cwd=dest, env=env, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="the table's name (bench/results/experiments_<name>.json)")
    ap.add_argument("--rep", required=True, help="the representation whose compare row is tabulated")
    ap.add_argument("--exp", nargs="+", action="append", required=True, metavar="NAME KEY=VALUE",
                    help="an experiment: its name, then its -S overrides")
    ap.add_argument("--skip-run", action="store_true", help="only tabulate experiments that already ran")
    ap.add_argument("--enable", action="append", default=[], metavar="NAME",
                    help="an optional dvc.yaml block switched on for the experiments (repeatable)")
    ap.add_argument("--corpus", choices=("default", "vaers"), default="default",
                    help="vaers: run in a copy set up for ../shared/data/vaers-1990-1996 (made once, kept in "
                         "--workdir, its baseline reproduced up to compare)")
    ap.add_argument("--reps", nargs="+", default=["tfidf", "bert_tuned"],
                    help="with --corpus vaers: the representations the copy keeps (the baseline and --rep)")
    ap.add_argument("--workdir", default=str(ROOT / ".bench-scale" / "vaers-experiments"))
    args = ap.parse_args()
    seconds: dict[str, float] = {}
    repo, env = ROOT, None
    if args.corpus == "vaers":
        from bench_scale import run_env

        env = run_env()  # the copy's commits need a git identity
        repo = Path(args.workdir)
        if not (repo / "metrics" / "compare.json").exists():
            vaers_copy(repo, sorted(set(args.reps) | {args.rep}), args.enable)
    dvc_yaml = repo / "dvc.yaml"
    original = dvc_yaml.read_text()
    try:
        if args.enable and not args.skip_run and repo == ROOT:
            dvc_yaml.write_text(enable_blocks(original, args.enable))
        for name, *sets in args.exp:
            if args.skip_run:
                continue
            cmd = ["dvc", "exp", "run", "--temp", "-n", name, *[a for s in sets for a in ("-S", s)], "compare"]
            print("+", " ".join(cmd), flush=True)
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=repo, env=env, check=True)
            seconds[name] = time.perf_counter() - t0
    finally:
        dvc_yaml.write_text(original)
    out = ROOT / "bench" / "results" / f"experiments_{args.name}.json"
    machine = environment()
    if args.skip_run and out.exists():  # keep the wall seconds and the machine of the run that measured them
        earlier = json.loads(out.read_text())
        seconds = {r["experiment"]: r["seconds"] for r in earlier["rows"] if r.get("seconds")}
        machine = earlier.get("machine", machine)
    revs = exp_revs(repo)
    committed = json.loads((repo / "metrics" / "compare.json").read_text()).get("representations", {})
    table = ([{"experiment": "baseline (committed params)", "set": [], **compare_row(args.rep, None, repo)}]
             if args.rep in committed or not args.enable else [])
    for name, *sets in args.exp:
        if name not in revs:
            raise SystemExit(f"no experiment named {name!r} (dvc exp show)")
        table.append({"experiment": name, "set": sets, "seconds": seconds.get(name),
                      **compare_row(args.rep, revs[name], repo)})
    baseline = next((r["baseline"] for r in table if r.get("baseline")), None)
    record = {"name": args.name, "representation": args.rep, "rows": table, "machine": machine,
              "baseline_per_class_f1": per_class_f1(baseline, None, repo) if baseline else None}
    if args.corpus == "vaers":
        data = json.loads((repo / "metrics" / "data.json").read_text())
        record["corpus"] = {"name": "vaers", "source": "../shared/data/vaers-1990-1996",
                            "reports": data.get("rows_kept")}
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
