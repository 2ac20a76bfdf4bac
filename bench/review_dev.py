"""Evaluate emerging-theme settings on development corpora (other synthetic seeds), never on the reported one.

Usage (from the repository root)::

    python bench/review_dev.py --seeds 7 8 9 [--fdr 0.05 0.02 0.01] [--set KEY=VALUE ...]

For each seed: a fresh copy of the repository (as ``bench/bench_scale.py`` makes one, without the transformer
rows) with ``synthetic.seed`` set, ``dvc repro review`` (the planted emerging theme, novel reports and re-reports
differ with the seed), then the review stage's own back-test is scored again at each ``--fdr`` (the q-values do
not depend on it: a theme-month is flagged when its Farrington alarm is raised and its q-value is at most the
level; with ``review.emerging.confirm_seeds`` the confirming refit's q-value must be at most the level too, and
the copies run at the loosest level so that every stricter one is a rescoring). Writes
``bench/results/review_dev.json``: per seed and level, months from onset to flag, rank when flagged and false
alarms per month (median, max), against #12's targets (<= 3 months, rank 1, median 0 and at most 1 false alarm a
month). ``bench/write_results.py`` tabulates it.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import os
import runpy
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from bench_scale import copy_repo, dotted, merge, run_env
from common import environment

from incident_lm.core.io import write_json

ROOT = Path(__file__).resolve().parents[1]


def replaced(cfg: Any, assignments: list[str]) -> Any:
    """``cfg`` (a frozen dataclass such as ``EmergingConfig``) with ``key.sub=value`` assignments (YAML values)
    applied to its nested fields."""
    for item in assignments:
        key, _, value = item.partition("=")
        *parents, last = key.split(".")
        chain = [cfg]
        for part in parents:
            chain.append(getattr(chain[-1], part))
        new = dataclasses.replace(chain[-1], **{last: yaml.safe_load(value)})
        for parent, part in zip(reversed(chain[:-1]), reversed(parents), strict=True):
            new = dataclasses.replace(parent, **{part: new})
        cfg = new
    return cfg


def summary(m: dict[str, Any]) -> dict[str, Any]:
    """The figures kept of one ``score_emerging`` result."""
    fa = m.get("false_alarms_per_month", {})
    return {"months_to_flag": m.get("months_to_flag"), "rank_at_flag": m.get("rank_at_flag"),
            "false_alarms_median": fa.get("median"), "false_alarms_max": fa.get("max"),
            "false_alarms_mean": fa.get("mean"), "flag_months": m.get("flag_months")}


def score_levels(signals: Any, ids: set[str], months: list[str], levels: list[float]) -> dict[str, Any]:
    """The planted theme's scores at each level, from signals flagged at the loosest one. Where the back-test
    asked for confirmation (``confirm_q`` set), each level is also scored without it on the same signals (a
    paired comparison: reruns differ by k-means chance, so a baseline from another run would not be)."""
    from incident_lm.review.emerging import score_emerging

    confirmed = bool(signals["confirm_q"].notna().any())
    out = {}
    for level in levels:
        for use in [True, False] if confirmed else [False]:
            # confirm_q is NaN where no confirmation was asked: the flag then needs the test alone
            s = signals.assign(flagged=lambda f, lv=level, u=use: f["alarm"] & (f["q"] <= lv)
                               & ~(u & (f["confirm_q"] > lv)))
            key = str(level) if use or not confirmed else f"{level} without confirmation"
            out[key] = summary(score_emerging(s, ids, months))
    return out


def rescore(repo: Path, levels: list[float], alternatives: list[list[str]] | None = None) -> dict[str, Any]:
    """Run the copy's review stage in this process, capturing the back-test's signals, and score each level;
    each of ``alternatives`` (``[name, key=value, ...]`` over ``review.emerging``) reruns the back-test on the same
    inputs with those settings (a paired comparison) and is scored under ``variant:<name>``."""
    import incident_lm.review.build as build

    captured: dict[str, Any] = {}
    original = build.score_emerging
    original_signals = build.prospective_signals

    def capture(signals, truth_ids, truth_months):  # noqa: ANN001, ANN202
        captured.update(signals=signals.copy(), ids=truth_ids, months=truth_months)
        return original(signals, truth_ids, truth_months)

    def capture_inputs(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        captured.update(args=args, kwargs=kwargs)
        return original_signals(*args, **kwargs)

    cmd = shlex.split(yaml.safe_load((repo / "dvc.yaml").read_text())["stages"]["review"]["cmd"])
    build.score_emerging = capture
    build.prospective_signals = capture_inputs
    argv, cwd = sys.argv, Path.cwd()
    try:
        sys.argv = cmd[1:]
        os.chdir(repo)
        runpy.run_path(str(repo / cmd[1]), run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        build.score_emerging, build.prospective_signals, sys.argv = original, original_signals, argv
        os.chdir(cwd)
    out = score_levels(captured["signals"], captured["ids"], captured["months"], levels)
    for name, *assignments in alternatives or []:
        bound = inspect.signature(original_signals).bind(*captured["args"], **captured["kwargs"])
        bound.arguments["cfg"] = replaced(bound.arguments["cfg"], [*assignments, f"fdr={max(levels)}"])
        t0 = time.perf_counter()
        signals = original_signals(*bound.args, **bound.kwargs)
        scores = score_levels(signals, captured["ids"], captured["months"], levels)
        out[f"variant:{name}"] = {"set": assignments, "seconds": round(time.perf_counter() - t0, 1), **scores}
        print(name, {k: (v["months_to_flag"], v["rank_at_flag"], v["false_alarms_max"]) for k, v in scores.items()},
              flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    ap.add_argument("--fdr", type=float, nargs="+", default=[0.05, 0.02, 0.01])
    ap.add_argument("--set", dest="assign", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--workdir", default=str(ROOT / ".bench-review"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "review_dev.json"))
    ap.add_argument("--variant", nargs="+", action="append", default=[], metavar="NAME KEY=VALUE",
                    help="also rerun the back-test on the same inputs with these review.emerging settings "
                         "(e.g. farrington.window=3), scored beside the run's own")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse a seed's copy already reproduced in --workdir (same --set) instead of a fresh one")
    args = ap.parse_args()
    runs = []
    for seed in args.seeds:
        repo = Path(args.workdir) / f"seed-{seed}"
        # the run flags at the loosest level; every stricter level is a rescoring of its signals (a theme that
        # passes at a stricter level passed at the loosest, so its confirming refit was run)
        params = merge({"synthetic": {"seed": seed}, "review": {"emerging": {"fdr": max(args.fdr)}}},
                       dotted(args.assign))
        t0 = time.perf_counter()
        if not (args.reuse and (repo / "metrics" / "compare.json").exists()):
            copy_repo(repo, params, with_lm=False)
            subprocess.run(["dvc", "repro", "-q", "compare"], cwd=repo, env=run_env(), check=True)
        runs.append({"seed": seed, "levels": rescore(repo, args.fdr, args.variant),
                     "seconds": time.perf_counter() - t0})
        print(runs[-1], flush=True)
    write_json(args.out, {"seeds": args.seeds, "set": args.assign, "variants": args.variant, "levels": args.fdr,
                          "runs": runs,
                          "targets": {"months_to_flag": "<= 3", "rank_at_flag": 1, "false_alarms_median": 0,
                                      "false_alarms_max": "<= 1"},
                          "machine": environment()})


if __name__ == "__main__":
    main()
