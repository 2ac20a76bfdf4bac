"""What the benchmarks in ``bench/`` share: best-of timing and a record of the machine they ran on.

The scripts import it as ``common`` (a script's own folder is first on ``sys.path``), so it needs nothing
but the standard library: ``bench/gpu_run.py`` uses it on a machine without the project's extras.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: Import names recorded by :func:`environment` unless told otherwise.
DEFAULT_PACKAGES = ("numpy", "pandas", "sklearn", "scipy")


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The shortest wall time, in seconds, of ``repeat`` calls of ``fn`` (the least disturbed run).

    On a shared machine the minimum is the most repeatable figure: other load only ever adds time.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def interleaved(fns: dict[str, Callable[[], object]], repeat: int = 5) -> dict[str, list[float]]:
    """Wall times of each of ``fns``, called in turn ``repeat`` times (A B A B ...), so drifting load on a
    shared machine falls on every contender alike; compare medians of the lists."""
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def loadavg() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (rounded), or None where the OS has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


@lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def package_version(name: str) -> str | None:
    """Installed version of the package imported as ``name`` (``sklearn``, ``fasttext``), or None.

    Read from the distribution metadata, so nothing is imported; an import name that differs from its
    distribution's (``sklearn`` -> scikit-learn, ``fasttext`` -> fasttext-numpy2-wheel) is looked up.
    """
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
    for dist in _distributions().get(name, []):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def git_head(root: Path = ROOT) -> str | None:
    """The commit checked out in ``root``, or None (no git, or not a repository)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def environment(packages: Iterable[str] = DEFAULT_PACKAGES) -> dict[str, Any]:
    """Where a benchmark ran: Python, platform, CPU count, load average, library versions, git commit.

    Parameters
    ----------
    packages : iterable of str
        Import names whose versions to record (None for one not installed).
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "cpus_usable": usable,
        "loadavg": loadavg(),
        "packages": {name: package_version(name) for name in packages},
        "git_head": git_head(),
    }
