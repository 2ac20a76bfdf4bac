"""What every stage script shares: logging, timing, and turning known errors into clear exits."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable

from incident_lm.params import ParamsError

log = logging.getLogger("incident_lm")


class DataError(ValueError):
    """Input data is unusable; the message names the file, row or column and the params key."""


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--params", default="params.yaml", help="params file (default: params.yaml)")
    return p


def run(name: str, main: Callable[[], None]) -> None:
    """Run a stage's ``main`` with INFO logging and its timing; exit 2 on a known input error."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    t0 = time.perf_counter()
    try:
        main()
    except (ParamsError, DataError, FileNotFoundError) as exc:
        log.error("stage %s failed: %s", name, exc)
        sys.exit(2)
    log.info("stage %s finished in %.1fs", name, time.perf_counter() - t0)
