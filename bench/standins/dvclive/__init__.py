"""A stand-in for DVCLive, for a machine without it: ``bench/gpu_run.py`` puts ``bench/standins`` on the
stage processes' ``PYTHONPATH`` only when ``import dvclive`` would fail there (or when told to).

It does what the stages ask of ``dvclive.Live`` and writes what DVCLive 3 writes for
``Live(dir, save_dvc_exp=False, dvcyaml=False)`` with ``live.step = n; live.log_metric(name, value)``:

* ``<dir>/plots/metrics/<name>.tsv``: one file per metric (``name`` may hold ``/``: sub-folders), a header
  ``step<TAB><last part of name>`` and one row per call, tab separated, lines ended by ``os.linesep``;
  NaN and infinities written as text, as DVCLive does;
* ``<dir>/metrics.json`` (on ``next_step``, ``make_summary`` and leaving the ``with`` block): the latest
  value of every metric, nested at each ``/``, and ``step``, indented by 4.

A new ``Live`` (not ``resume``) first removes what an earlier run left there: the ``plots/metrics``
folder, ``metrics.json``, ``params.yaml``, ``report.html``/``report.md`` and ``dvc.yaml`` files.
No experiments, no DVC, no Studio, no reports, no images.
"""

from __future__ import annotations

import csv
import glob
import json
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

__version__ = "0+incident-lm-standin"
#: True here, absent in the real package: lets a caller tell the two apart.
STANDIN = True


def _could_log(val: object) -> bool:
    if isinstance(val, int | float | str):
        return True
    return type(val).__module__ == "numpy" and type(val).__name__.startswith(("int", "uint", "float"))


def _plain(val: Any) -> Any:
    if type(val).__module__ == "numpy":
        return val.item()
    return val


class Live:
    """The part of ``dvclive.Live`` the pipeline uses (other keyword arguments are accepted and ignored)."""

    def __init__(self, dir: str = "dvclive", resume: bool = False, report: str | None = None,
                 save_dvc_exp: bool = True, dvcyaml: str | bool | None = "dvc.yaml", **kwargs: Any):
        self._dir = str(dir)
        self._step: int | None = None
        self.summary: dict[str, Any] = {}
        self._inside_with = False
        os.makedirs(self._dir, exist_ok=True)
        if resume:
            if os.path.exists(self.metrics_file):
                with open(self.metrics_file, encoding="utf-8") as fh:
                    self.summary = json.load(fh)
            step = int(self.summary.get("step", 0))
            self._step = step + 1 if step else 0
        else:
            shutil.rmtree(os.path.join(self.plots_dir, "metrics"), ignore_errors=True)
            for name in ("metrics.json", "params.yaml", "report.html", "report.md"):
                path = os.path.join(self._dir, name)
                if os.path.exists(path):
                    os.remove(path)
            for dvc_file in glob.glob(os.path.join(self._dir, "**dvc.yaml")):
                os.remove(dvc_file)

    # --- where things go -------------------------------------------------------------------------
    @property
    def dir(self) -> str:
        return self._dir

    @property
    def plots_dir(self) -> str:
        return os.path.join(self._dir, "plots")

    @property
    def metrics_file(self) -> str:
        return os.path.join(self._dir, "metrics.json")

    # --- step ------------------------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self._step or 0

    @step.setter
    def step(self, value: int) -> None:
        self._step = value

    # --- logging ---------------------------------------------------------------------------------
    def log_metric(self, name: str, val: Any, timestamp: bool = False, plot: bool = True) -> None:
        """Append ``step<TAB>val`` to ``plots/metrics/<name>.tsv`` and keep ``val`` as the latest."""
        if not _could_log(val):
            raise TypeError(f"Data '{name}' has not supported type {type(val)}")
        if not isinstance(val, str) and (math.isnan(val) or math.isinf(val)):
            val = str(val)
        if plot:
            row: dict[str, Any] = {}
            if timestamp:
                row["timestamp"] = int(time.time() * 1000)
            row["step"] = self.step
            row[os.path.basename(name)] = val
            path = Path(self.plots_dir) / "metrics" / f"{name}.tsv"
            path.parent.mkdir(parents=True, exist_ok=True)
            existed = path.exists()
            with open(path, "a", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, row.keys(), delimiter="\t", lineterminator=os.linesep)
                if not existed:
                    writer.writeheader()
                writer.writerow(row)
        node = self.summary
        keys = os.path.normpath(name).split(os.path.sep)
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = _plain(val)

    def make_summary(self) -> None:
        """Write ``metrics.json``: the latest value of each metric, and the step."""
        if self._step is not None:
            self.summary["step"] = self.step
        os.makedirs(self._dir, exist_ok=True)
        with open(self.metrics_file, "w", encoding="utf-8") as fh:
            json.dump(self.summary, fh, indent=4)
            fh.write("\n")

    def next_step(self) -> None:
        if self._step is None:
            self._step = 0
        self.make_summary()
        self.step += 1

    def end(self) -> None:
        if self._inside_with:
            return
        if "step" in self.summary:
            self.step = self.summary["step"]
        self.make_summary()

    def __enter__(self) -> Live:
        self._inside_with = True
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self._inside_with = False
        self.end()
