"""What every stage script shares: arguments, logging, timing, cost figures, and clear exits on known errors.

A stage script builds its parser with :func:`parser` (``--params`` and ``--cost`` come with it), and hands
its ``main(args)`` to :func:`run`. ``main`` may return extra cost figures; ``run`` writes them, with the
stage's wall and CPU seconds and peak memory, to the ``--cost`` file. Cost figures change on every run,
so they live apart from the quality metrics (``metrics/cost/``, not declared as DVC metrics).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import shutil
import signal
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from incident_lm.core import restore
from incident_lm.core.errors import DataError, ParamsError
from incident_lm.core.io import SCRATCH_ENV, write_json

log = logging.getLogger("incident_lm")

Main = Callable[[argparse.Namespace], Mapping[str, Any] | None]


def parser(description: str | None) -> argparse.ArgumentParser:
    """An argument parser with the options every stage takes: ``--params`` and ``--cost``."""
    p = argparse.ArgumentParser(description=(description or "").strip().splitlines()[0] if description else None)
    p.add_argument("--params", default="params.yaml", help="params file (default: params.yaml)")
    p.add_argument("--cost", default=None, help="where to write the stage's cost figures (JSON)")
    return p


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cost_record(name: str, t0: float, c0: float, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The cost figures of a stage that started at ``perf_counter() == t0`` and ``process_time() == c0``:
    wall and CPU seconds, peak memory, ``extra`` and the machine (CPUs, load)."""
    return {"stage": name, "wall_seconds": round(time.perf_counter() - t0, 3),
            "cpu_seconds": round(time.process_time() - c0, 3), "peak_rss_mb": round(peak_rss_mb(), 1),
            **dict(extra or {}),
            "machine": {"cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2),
                        "processor": platform.machine(), "python": platform.python_version()}}


def _on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _restore(dvc_stage: str, root: str) -> None:
    """Put the stage's last good outputs back after a failure (see :mod:`incident_lm.core.restore`)."""
    report = restore.restore_stage(dvc_stage, root)
    if report.restored:
        log.error("stage %s: its last good outputs are back, as dvc.lock records them: %s", dvc_stage,
                  ", ".join(report.restored))
    if report.missing:
        log.error("stage %s: could not restore %s; run `make restore` (python -m incident_lm.restore) or "
                  "`dvc checkout %s`", dvc_stage, "; ".join(report.missing), dvc_stage)


def run(name: str, main: Main, ap: argparse.ArgumentParser, argv: list[str] | None = None) -> None:
    """Parse arguments, run ``main(args)`` with INFO logging, write its cost figures; exit 2 on a known error.

    Known errors (:class:`ParamsError`, :class:`DataError`, ``FileNotFoundError``) end the stage with
    one clear log line and status 2; anything else is a bug and keeps its traceback.

    Under DVC (``DVC_STAGE`` set), a failed stage loses nothing: DVC deleted its outputs before running
    it, and on any failure (a known error, a bug, Ctrl-C or SIGTERM) they are put back as ``dvc.lock``
    records them; temporary files a killed run left are removed when the stage starts; after success the
    uncached outputs are kept for the next restore (:mod:`incident_lm.core.restore`).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    args = ap.parse_args(argv)
    dvc_stage, root = os.environ.get("DVC_STAGE"), os.environ.get("DVC_ROOT", ".")
    if dvc_stage:
        removed = restore.clean_stale(dvc_stage, root)
        if removed:
            log.warning("stage %s: removed what an interrupted run left: %s", dvc_stage, ", ".join(removed))
        os.environ[SCRATCH_ENV] = str(restore.scratch_dir(dvc_stage, root).resolve())
        signal.signal(signal.SIGTERM, _on_sigterm)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        extra = main(args) or {}
    except (ParamsError, DataError, FileNotFoundError) as exc:
        log.error("stage %s failed: %s", name, exc)
        if dvc_stage:
            _restore(dvc_stage, root)
        sys.exit(2)
    except BaseException:
        if dvc_stage:
            _restore(dvc_stage, root)
        raise
    log.info("stage %s finished in %.1fs", name, time.perf_counter() - t0)
    if args.cost:
        write_json(args.cost, cost_record(name, t0, c0, extra))
    if dvc_stage:
        restore.keep_outputs(dvc_stage, root)
        shutil.rmtree(restore.scratch_dir(dvc_stage, root), ignore_errors=True)
