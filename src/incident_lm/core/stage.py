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
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from incident_lm.core.errors import DataError, ParamsError
from incident_lm.core.io import write_json

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


def run(name: str, main: Main, ap: argparse.ArgumentParser, argv: list[str] | None = None) -> None:
    """Parse arguments, run ``main(args)`` with INFO logging, write its cost figures; exit 2 on a known error.

    Known errors (:class:`ParamsError`, :class:`DataError`, ``FileNotFoundError``) end the stage with
    one clear log line and status 2; anything else is a bug and keeps its traceback.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    args = ap.parse_args(argv)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        extra = main(args) or {}
    except (ParamsError, DataError, FileNotFoundError) as exc:
        log.error("stage %s failed: %s", name, exc)
        sys.exit(2)
    wall = time.perf_counter() - t0
    log.info("stage %s finished in %.1fs", name, wall)
    if args.cost:
        write_json(args.cost, {"stage": name, "wall_seconds": round(wall, 3),
                               "cpu_seconds": round(time.process_time() - c0, 3),
                               "peak_rss_mb": round(peak_rss_mb(), 1), **dict(extra),
                               "machine": {"cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2),
                                           "processor": platform.machine(), "python": platform.python_version()}})
