#!/usr/bin/env python3
"""Check that the dvclive stand-in (``bench/standins/dvclive``) writes what DVCLive writes.

Replays the tune_lm stage's calls (``Live(dir, save_dvc_exp=False, dvcyaml=False)``; ``live.step = n``;
``live.log_metric(name, value)``, names with ``/``, a NaN, a numpy float, a re-run in the same folder)
with the stand-in and, where DVCLive is installed, with DVCLive, each in its own process, and compares
the files they leave byte for byte. Without DVCLive it compares the stand-in's TSVs with the layout
recorded from DVCLive 3.49. Usage: ``python bench/standins/check_dvclive.py`` (exit 1 on a difference).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CALLS = """
import numpy as np
from dvclive import Live

for run in range(2):  # a second run in the same folder starts afresh
    with Live("live", save_dvc_exp=False, dvcyaml=False) as live:
        for step, (name, value) in enumerate([("mlm/eval_loss", 11.04), ("mlm/train_loss", 10.72),
                                              ("mlm/train_loss", np.float32(10.5)), ("mlm/eval_loss", 9.5),
                                              ("simcse/train_loss", float("nan")), ("simcse/eval_loss", 3)]):
            live.step = step if name != "simcse/train_loss" else 1
            live.log_metric(name, value)
"""

#: What DVCLive 3.49 writes for CALLS (the metrics.json summary is compared only against DVCLive itself).
EXPECTED = {
    "live/plots/metrics/mlm/eval_loss.tsv": f"step\teval_loss{os.linesep}0\t11.04{os.linesep}3\t9.5{os.linesep}",
    "live/plots/metrics/mlm/train_loss.tsv": f"step\ttrain_loss{os.linesep}1\t10.72{os.linesep}2\t10.5{os.linesep}",
    "live/plots/metrics/simcse/train_loss.tsv": f"step\ttrain_loss{os.linesep}1\tnan{os.linesep}",
    "live/plots/metrics/simcse/eval_loss.tsv": f"step\teval_loss{os.linesep}5\t3{os.linesep}",
}


def replay(workdir: Path, standin: bool) -> dict[str, str]:
    env = dict(os.environ)
    if standin:
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    check = f"import dvclive; assert getattr(dvclive, 'STANDIN', False) == {standin!r}, dvclive.__file__\n"
    subprocess.run([sys.executable, "-c", check + CALLS], cwd=workdir, env=env, check=True)
    return {str(p.relative_to(workdir)): p.read_text(encoding="utf-8")
            for p in sorted(workdir.rglob("*")) if p.is_file()}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="check_dvclive_") as tmp:
        (Path(tmp) / "standin").mkdir()
        ours = replay(Path(tmp) / "standin", standin=True)
        if importlib.util.find_spec("dvclive") is not None:
            (Path(tmp) / "real").mkdir()
            theirs, against = replay(Path(tmp) / "real", standin=False), "dvclive (installed)"
        else:
            theirs, against = {**EXPECTED, **{k: v for k, v in ours.items() if k not in EXPECTED}}, "recorded TSVs"
    bad = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    for k in bad:
        print(f"DIFFERENT {k}:\n--- stand-in\n{ours.get(k)}\n--- {against}\n{theirs.get(k)}")
    print(f"stand-in vs {against}: {len(ours)} files, {'all identical' if not bad else f'{len(bad)} different'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
