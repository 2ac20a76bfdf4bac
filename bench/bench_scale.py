"""How the pipeline's cost grows with the number of reports: every stage through ``dvc repro`` at several sizes.

Usage (from the repository root)::

    python bench/bench_scale.py [--sizes 10000 100000 1000000] [--lm-sizes 10000 50000] [--vaers [--vaers-lm]]
                                [--workdir DIR] [--set key=value ...] [--keep] [--resume [--refresh]]
                                [--out bench/results/scale.json]

For each size N the repository (tracked and untracked-but-not-ignored files, as a fresh clone has them) is
copied into ``--workdir``/synthetic-N, ``synthetic.n_reports`` is set to N, and ``dvc repro report`` runs
there. Sizes not in ``--lm-sizes`` leave the transformer representations (``bert``, ``bert_tuned``) and the
tuning stage out of that copy's ``dvc.yaml``: on two CPU cores they would take hours at 100k reports (GPU
figures: ``bench/gpu_run.py``). ``--vaers`` adds one run on ``../shared/data/vaers-1990-1996`` (all years,
the README's VAERS params; ``--vaers-lm`` keeps the transformer rows in it). Each run also records what the
review stage found and the copy's ``metrics/compare.json`` (every representation against TF-IDF with paired
CIs). ``--set section.key=value`` (YAML value) changes a param in every copy.

Each stage writes its own cost record (``metrics/cost/**.json``: wall and CPU seconds, peak RSS of the stage's
process); they are collected per run with the machine, library versions and load average. Runs are merged
into ``--out`` by (corpus, N), so sizes can be run on different days; the growth exponent of each stage's time
and memory in N (least squares on log-log over the synthetic sizes it ran at) is refitted over all of them.
``bench/results.md`` is then rewritten from every JSON in ``bench/results/`` (``bench/write_results.py``).

A copy runs its own ``src`` (first on ``PYTHONPATH``), so this checkout can change while a long run goes on.
``--keep`` keeps each copy; ``--resume`` goes on with a kept copy whose run failed or was killed, and
``--refresh`` with it first brings that copy's code and params up to date, so DVC reruns exactly the stages
the changes touch (the run's wall time counts the earlier time of the stages it did not rerun).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from common import ROOT, environment, loadavg

from incident_lm.core.io import read_json, write_json
from incident_lm.report.review import read_cost_records

SHARED = ROOT.parent / "shared"
VAERS = SHARED / "data" / "vaers-1990-1996"
LM_REPS = ("bert", "bert_tuned")
PACKAGES = ("numpy", "scipy", "sklearn", "pandas", "pyarrow", "fasttext", "gensim", "torch", "transformers", "dvc")


def merge(base: dict, update: dict) -> dict:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def dotted(assignments: list[str]) -> dict:
    """``["a.b=3", "c=[1, 2]"]`` -> ``{"a": {"b": 3}, "c": [1, 2]}`` (values read as YAML)."""
    out: dict = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set {item!r}: expected section.key=value")
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = yaml.safe_load(value)
    return out


def copy_repo(dest: Path, params: dict, with_lm: bool, refresh: bool = False) -> None:
    """The repository as a fresh clone has it, ``params`` merged into params.yaml, committed (DVC needs git).
    With ``refresh`` an existing copy keeps its data, outputs, dvc.lock and cost records and only its code and
    params are brought up to date, so its next ``dvc repro`` reruns exactly the stages the changes touch."""
    if dest.exists() and not refresh:
        shutil.rmtree(dest)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file() and not rel.startswith(("metrics/", "bench/results")) and rel != "dvc.lock":
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    p = yaml.safe_load((dest / "params.yaml").read_text())
    (dest / "params.yaml").write_text(yaml.safe_dump(merge(p, params), sort_keys=False))
    write_dag(dest, with_lm)
    env = run_env()
    init = [] if refresh and (dest / ".git").exists() else [["git", "init", "-q", "-b", "main"]]
    for cmd in [*init, ["git", "add", "-A"], ["git", "commit", "-q", "--allow-empty", "-m", "bench copy"]]:
        subprocess.run(cmd, cwd=dest, env=env, check=True)


def write_dag(dest: Path, with_lm: bool) -> None:
    """The repository's dvc.yaml in ``dest``; without the transformer rows, also without the tuning stage and
    every path of its outputs (review reads all of models/, the audit scans the tuning metrics)."""
    text = (ROOT / "dvc.yaml").read_text()
    if not with_lm:
        dag = yaml.safe_load(text)
        for name in LM_REPS:
            dag["vars"][0]["reps"].pop(name, None)
        dag["stages"].pop("tune_lm", None)
        for entry in dag["stages"].values():
            stage = entry.get("do", entry)  # foreach stages keep their body under "do"
            stage["cmd"] = " ".join(w for w in stage["cmd"].split() if "tune_lm" not in w)
            for key in ("deps", "outs", "metrics", "plots"):
                if key in stage:
                    stage[key] = [d for d in stage[key] if "tune_lm" not in str(d)]
        dag["plots"] = [p for p in dag.get("plots", []) if "tune_lm" not in str(p)]
        text = yaml.safe_dump(dag, sort_keys=False)
    (dest / "dvc.yaml").write_text(text)


def run_env(repo: Path | None = None) -> dict[str, str]:
    """The environment of every command in a copy: offline, a git identity; with ``repo``, the copy's own
    ``src`` first on the import path (the package is installed editable from this checkout's ``src``, which
    may change while a long run goes on)."""
    env = dict(os.environ)
    if repo is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo / "src"), env.get("PYTHONPATH")]))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", DVC_NO_ANALYTICS="1",
               GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    return env


def stage_costs(repo: Path) -> dict[str, dict[str, Any]]:
    """Every stage's cost record in ``repo/metrics/cost`` keyed ``stage`` or ``stage@name``: wall and CPU
    seconds, peak RSS, the load at its end and its ``*_s`` parts (where its time goes)."""
    out = {}
    for name, rec in read_cost_records(repo / "metrics" / "cost").items():
        out[name] = {k: rec[k] for k in ("wall_seconds", "cpu_seconds", "peak_rss_mb") if k in rec}
        parts = {k: v for k, v in rec.items() if k.endswith("_s") and isinstance(v, int | float)}
        if parts:  # e.g. review's themes_s, emerging_s; evaluate's probe_s
            out[name]["parts"] = parts
        out[name]["load_1min"] = rec.get("machine", {}).get("load_1min")
    return out


def review_summary(repo: Path) -> dict[str, Any] | None:
    """What the copy's review stage found (``metrics/review.json``): its representation, themes and emerging
    themes flagged a month, the queue's flagged share and re-report pairs; None when it did not run."""
    path = repo / "metrics" / "review.json"
    if not path.exists():
        return None
    rec = read_json(path)
    themes, emerging = rec.get("themes", {}), rec.get("emerging", {})
    return {"representation": rec.get("representation"), "n_themes": themes.get("n_themes"),
            "unassigned_share": themes.get("unassigned_share"), "months_tested": emerging.get("months_tested"),
            "flagged_per_month": emerging.get("flagged_per_month"),
            "queue_flagged": rec.get("queue", {}).get("flagged"), "duplicate_pairs": rec.get("duplicates", {}).get("pairs")}


def copy_dir(workdir: Path, corpus: str, n: int | None) -> Path:
    """The folder of one run's copy of the repository."""
    return workdir / (f"{corpus}-{n}" if n else corpus)


def run_one(corpus: str, n: int | None, params: dict, with_lm: bool, workdir: Path,
            earlier: dict[str, Any] | None = None, refresh: bool = False) -> dict[str, Any]:
    """One ``dvc repro report`` on a fresh copy. With ``earlier`` (a failed or killed run whose copy was kept:
    its ``repro_wall_seconds`` and the copy's ``stages`` cost records then) the copy's dvc.yaml is rewritten
    from the repository (with ``refresh`` its code and params too) and the run goes on where it stopped. Its
    wall time is the earlier one, less the earlier time of every stage this run reran, plus this run's."""
    repo = copy_dir(workdir, corpus, n)
    if earlier is not None and repo.exists():
        if refresh:
            copy_repo(repo, params, with_lm, refresh=True)
        else:
            write_dag(repo, with_lm)
    else:
        earlier = None
        copy_repo(repo, params, with_lm)
    print(f"[{corpus} {n or ''}] dvc repro report in {repo}" + (" (resumed)" if earlier else ""), flush=True)
    before = loadavg()
    t0 = time.perf_counter()
    res = subprocess.run(["dvc", "repro", "report"], cwd=repo, env=run_env(repo), capture_output=True, text=True)
    stages = stage_costs(repo)
    wall = time.perf_counter() - t0 + (earlier_wall(earlier, stages) if earlier else 0.0)
    error = None
    if res.returncode != 0:  # recorded (the stages that ran keep their figures) and the copy kept to inspect
        error = (res.stderr.strip().splitlines() or ["?"])[-1][:500]
        print(f"[{corpus} {n or ''}] dvc repro failed ({res.returncode}) in {repo}:\n{res.stdout[-3000:]}\n"
              f"{res.stderr[-3000:]}", flush=True)
    data = read_json(repo / "metrics" / "data.json") if (repo / "metrics" / "data.json").exists() else {}
    n_reports = int(data.get("rows_kept", n or 0))
    for rec in stages.values():
        if rec.get("wall_seconds"):
            rec["reports_per_second"] = round(n_reports / rec["wall_seconds"], 1)
    print(f"[{corpus} {n or ''}] {wall:.0f} s, {len(stages)} stages", flush=True)
    return {"corpus": corpus, "n_requested": n, "n_reports": n_reports, "with_lm": with_lm,
            "resumed": bool(earlier),
            "repro_wall_seconds": round(wall, 1), "stage_seconds_sum": round(sum(
                r.get("wall_seconds", 0) for r in stages.values()), 1),
            "loadavg_before": before, "loadavg_after": loadavg(), "params": params,
            "machine": environment(PACKAGES), "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "error": error,
            "stages": stages, "review": review_summary(repo),
            "compare": read_json(repo / "metrics" / "compare.json") if (repo / "metrics" / "compare.json").exists()
            else None}


def earlier_wall(earlier: dict[str, Any], stages: dict[str, dict[str, Any]]) -> float:
    """What a resumed run's earlier attempts count for: their ``repro_wall_seconds`` less the earlier time of
    every stage whose cost record has changed since (``earlier["stages"]`` against ``stages``: rerun now, so
    counted in this attempt's time instead)."""
    before = earlier.get("stages", {})
    rerun = [s for s, rec in before.items() if stages.get(s) != rec]
    return earlier["repro_wall_seconds"] - sum(before[s].get("wall_seconds", 0) for s in rerun)


def exponent(ns: list[float], ys: list[float]) -> float | None:
    """Slope of log(y) on log(n): y ~ n^slope (None with fewer than two distinct sizes or a zero)."""
    if len(set(ns)) < 2 or min(ys) <= 0:
        return None
    return round(float(np.polyfit(np.log(ns), np.log(ys), 1)[0]), 2)


def fit_exponents(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per stage, over the synthetic runs: the growth exponent of wall time and of peak RSS in N."""
    synthetic = sorted((r for r in runs if r["corpus"] == "synthetic"), key=lambda r: r["n_reports"])
    out = {}
    for stage in sorted({s for r in synthetic for s in r["stages"]}):
        pts = [(r["n_reports"], r["stages"][stage]) for r in synthetic if stage in r["stages"]]
        ns = [p[0] for p in pts]
        out[stage] = {
            "sizes": ns,
            "time_exponent": exponent(ns, [p[1].get("wall_seconds", 0) for p in pts]),
            "memory_exponent": exponent(ns, [p[1].get("peak_rss_mb", 0) for p in pts]),
        }
        parts = sorted({k for _, rec in pts for k in rec.get("parts", {})})
        fitted = {}
        for part in parts:  # over the sizes that recorded the part (runs before parts were recorded have none)
            sub = [(n, rec["parts"][part]) for n, rec in pts if part in rec.get("parts", {})]
            fitted[part] = exponent([n for n, _ in sub], [v for _, v in sub])
        if fitted:
            out[stage]["parts"] = fitted
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--lm-sizes", type=int, nargs="*", default=[10_000, 50_000])
    ap.add_argument("--vaers", action="store_true", help="also run on ../shared/data/vaers-1990-1996")
    ap.add_argument("--vaers-lm", action="store_true",
                    help="with --vaers: keep the transformer rows (tune_lm, bert, bert_tuned) in the VAERS run")
    ap.add_argument("--workdir", default=str(ROOT / ".bench-scale"))
    ap.add_argument("--set", dest="assign", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--keep", action="store_true", help="keep each run's copy (default: removed after the run)")
    ap.add_argument("--resume", action="store_true",
                    help="go on with a failed run's kept copy (its dvc.yaml rewritten) instead of starting afresh; "
                         "also a copy whose run was killed before it recorded itself (its stages' summed time counts)")
    ap.add_argument("--refresh", action="store_true",
                    help="with --resume: first bring the kept copy's code and params up to date (its data and "
                         "finished stages stay; DVC reruns the stages the changes touch)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale.json"))
    args = ap.parse_args()
    extra = dotted(args.assign)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    out = Path(args.out)
    runs = read_json(out)["runs"] if out.exists() else []
    plan = [("synthetic", n, n in args.lm_sizes) for n in sorted(set(args.sizes) | set(args.lm_sizes))]
    if args.vaers:
        if not VAERS.exists():
            raise SystemExit(f"--vaers: {VAERS} not found")
        plan.append(("vaers", None, args.vaers_lm))
    for corpus, n, with_lm in plan:
        params = json.loads(json.dumps(extra))
        if corpus == "synthetic":
            merge(params, {"synthetic": {"n_reports": n}})
        else:
            merge(params, {"data": {"preset": "vaers", "source": str(VAERS)}, "deid": {"truth": None},
                           "review": {"truth": None}})
        failed = [r for r in runs if (r["corpus"], r["n_requested"]) == (corpus, n) and r.get("error")]
        earlier = dict(failed[0]) if args.resume and failed else None
        copy = copy_dir(workdir, corpus, n)
        if args.resume and (copy / "dvc.lock").exists():
            done = stage_costs(copy)
            if earlier is None:
                # a run killed before it could record itself (machine or session ended): its finished stages
                # are in the copy's dvc.lock and cost records; their summed wall time stands in for its time
                earlier = {"repro_wall_seconds": sum(r.get("wall_seconds", 0) for r in done.values())}
            earlier["stages"] = done
        run = run_one(corpus, n, params, with_lm, workdir, earlier, refresh=args.refresh)
        runs = [r for r in runs if (r["corpus"], r["n_requested"]) != (corpus, n)] + [run]
        runs.sort(key=lambda r: (r["corpus"], r["n_reports"]))
        write_json(out, {"what": "every stage of dvc repro report at several corpus sizes (bench/bench_scale.py)",
                         "runs": runs, "exponents": fit_exponents(runs)})
        if not args.keep and not run["error"]:
            shutil.rmtree(copy, ignore_errors=True)
    subprocess.run([sys.executable, str(ROOT / "bench" / "write_results.py")], check=True)


if __name__ == "__main__":
    main()
