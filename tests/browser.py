"""Open a page in headless Chromium with its network pointed at nothing, as a clinician's offline machine would.

``open_page`` returns the DOM after the page's script ran (``--dump-dom``) and every console message (Chromium
logs them to stderr as ``CONSOLE`` lines: script errors, blocked loads, anything the page logs), and saves a
screenshot. ``browser()`` is None where no Chromium is installed (tests skip then, or fail under ``CI=true``:
``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr",
         "--v=0", "--virtual-time-budget=5000"]
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\] (.*)")
#: Where screenshots go (kept after the run: CI can collect them); git-ignored.
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", Path(__file__).resolve().parents[1] / ".test-artefacts"))


def browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def require_browser() -> str:
    found = browser()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI=true but no chromium: .ci/run installs Debian's chromium")
        pytest.skip("no chromium installed (apt-get install chromium)")
    return found


@dataclass
class Opened:
    dom: str
    console: list[str]
    screenshot: Path

    def selfcheck(self) -> dict[str, str]:
        """The attributes the page's script wrote on ``#selfcheck`` once it ran."""
        m = re.search(r'<div id="selfcheck"([^>]*)>', self.dom)
        assert m, "no #selfcheck element in the DOM"
        return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', m.group(1)))


def open_page(page: Path, screenshot_name: str, width: int = 1280, height: int = 2400) -> Opened:
    exe = require_browser()
    uri = page.resolve().as_uri()
    run = subprocess.run([exe, *FLAGS, "--dump-dom", uri], capture_output=True, text=True, timeout=120,
                         check=False)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / screenshot_name
    subprocess.run([exe, *FLAGS, f"--window-size={width},{height}", f"--screenshot={shot}", uri],
                   capture_output=True, text=True, timeout=120, check=False)
    console = [m.group(1) for line in run.stderr.splitlines() if (m := CONSOLE.search(line))]
    assert run.stdout.strip(), f"chromium printed no DOM (rc {run.returncode}): {run.stderr[-800:]}"
    return Opened(run.stdout, console, shot)
