"""A failed or killed run loses nothing: a stage's last good outputs survive ``dvc repro`` failing, come back
with ``python -m incident_lm.restore`` after a kill, and what a killed stage left is cleaned up on its next run.

Runs DVC on a tiny project whose one stage goes through :func:`incident_lm.core.stage.run`, the wrapper
every stage script uses, so it holds for every stage of the pipeline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from incident_lm.core import restore
from tests.conftest import env, sh

STAGE = '''
import argparse, time, yaml
from pathlib import Path
from incident_lm.core import stage
from incident_lm.core.errors import DataError
from incident_lm.core.io import temp_dir, write_json, write_text


def main(args):
    p = yaml.safe_load(open("params.yaml"))["toy"]
    out = Path("out")
    out.mkdir(exist_ok=True)
    write_text(out / "a.txt", f"value {p['value']}\\n")
    if p["mode"] == "fail":
        raise DataError("toy: bad input (set toy.mode)")
    if p["mode"] == "bug":
        raise RuntimeError("toy bug")
    if p["mode"] == "hang":
        with temp_dir("toy-") as tmp:
            Path(tmp, "partial.txt").write_text("half")
            Path("metrics/.m.json.partial.json").write_text("{")
            Path("started").write_text("yes")
            time.sleep(120)
    write_json("metrics/m.json", {"value": p["value"]})
    return {}


if __name__ == "__main__":
    stage.run("toy", main, stage.parser(None))
'''

DVC_YAML = {"stages": {"toy": {"cmd": "python toy.py", "deps": ["toy.py"], "params": ["toy"],
                               "outs": ["out"], "metrics": [{"metrics/m.json": {"cache": False}}]}}}


def _params(repo: Path, value: int, mode: str = "ok") -> None:
    (repo / "params.yaml").write_text(yaml.safe_dump({"toy": {"value": value, "mode": mode}}))


@pytest.fixture()
def toy(tmp_path: Path) -> Path:
    repo = tmp_path / "toy"
    repo.mkdir()
    sh(["git", "init", "-q", "-b", "main"], repo)
    sh(["dvc", "init", "-q"], repo)
    sh(["dvc", "config", "core.analytics", "false"], repo)
    (repo / "toy.py").write_text(STAGE)
    (repo / "dvc.yaml").write_text(yaml.safe_dump(DVC_YAML, sort_keys=False))
    (repo / "metrics").mkdir()
    _params(repo, 1)
    sh(["dvc", "repro", "-q"], repo)
    sh(["git", "add", "-A"], repo)
    sh(["git", "commit", "-q", "-m", "first good run"], repo)
    _params(repo, 2)  # a second good run, not committed: only the keep store has its metrics
    sh(["dvc", "repro", "-q"], repo)
    return repo


def _state(repo: Path) -> tuple[str, dict]:
    return (repo / "out" / "a.txt").read_text(), json.loads((repo / "metrics" / "m.json").read_text())


@pytest.mark.parametrize("mode", ["fail", "bug"])
def test_failed_stage_keeps_last_good_outputs(toy: Path, mode: str) -> None:
    assert _state(toy) == ("value 2\n", {"value": 2})
    _params(toy, 3, mode)
    res = sh(["dvc", "repro"], toy, check=False)
    assert res.returncode != 0
    # DVC deleted the outputs before running the stage; the stage put back the last good ones
    assert _state(toy) == ("value 2\n", {"value": 2})
    log = res.stdout + res.stderr
    assert "last good outputs are back" in log
    if mode == "fail":
        assert "set toy.mode" in log and "Traceback" not in log
    # the restored outputs are the ones dvc.lock records: fixing the params reruns the stage cleanly
    _params(toy, 2)
    assert "didn't change" in sh(["dvc", "repro"], toy).stdout or _state(toy) == ("value 2\n", {"value": 2})
    assert sh(["dvc", "status", "-q"], toy, check=False).returncode == 0


def test_killed_stage_restored_by_command_and_cleaned_on_next_run(toy: Path) -> None:
    _params(toy, 4, "hang")
    proc = subprocess.Popen(["dvc", "repro", "-q"], cwd=toy, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while not (toy / "started").exists():
        assert time.time() < deadline and proc.poll() is None, "toy stage never started"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # no handler runs: the outputs stay deleted
    proc.wait()
    # the outputs are DVC-deleted or half rewritten: out/ holds the killed run's unfinished work
    assert (toy / "out" / "a.txt").read_text() == "value 4\n" and not (toy / "metrics" / "m.json").exists()
    scratch = restore.scratch_dir("toy", toy)
    assert any(scratch.rglob("partial.txt"))
    assert (toy / "metrics" / ".m.json.partial.json").exists()

    res = sh([sys.executable, "-m", "incident_lm.restore"], toy)
    assert "restored" in res.stdout
    assert _state(toy) == ("value 2\n", {"value": 2})
    assert sh([sys.executable, "-m", "incident_lm.restore"], toy).stdout.startswith("0 output(s) restored")

    (toy / "started").unlink()
    _params(toy, 5)
    log = sh(["dvc", "repro"], toy)
    assert _state(toy) == ("value 5\n", {"value": 5})
    assert not scratch.exists()
    assert not list((toy / "metrics").glob(".m.json.*"))
    assert "removed what an interrupted run left" in log.stdout + log.stderr


def test_sigterm_restores(toy: Path) -> None:
    _params(toy, 6, "hang")
    proc = subprocess.Popen(["dvc", "repro", "-q"], cwd=toy, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while not (toy / "started").exists():
        assert time.time() < deadline and proc.poll() is None, "toy stage never started"
        time.sleep(0.2)
    stage_pids = subprocess.run(["pgrep", "-f", "python toy.py"], capture_output=True, text=True).stdout.split()
    assert stage_pids
    for pid in stage_pids:
        os.kill(int(pid), signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert _state(toy) == ("value 2\n", {"value": 2})


def test_restore_reports_what_it_cannot(toy: Path) -> None:
    lock = yaml.safe_load((toy / "dvc.lock").read_text())
    for out in lock["stages"]["toy"]["outs"]:
        if out["path"] == "metrics/m.json":
            out["md5"] = "0" * 32  # metrics content nowhere
    (toy / "dvc.lock").write_text(yaml.safe_dump(lock))
    (toy / "metrics" / "m.json").unlink()
    report = restore.restore_stage("toy", toy)
    assert not report.ok and "metrics/m.json" in report.missing[0]
    assert sh([sys.executable, "-m", "incident_lm.restore"], toy, check=False).returncode == 1
    assert sh([sys.executable, "-m", "incident_lm.restore", "nope"], toy, check=False).returncode == 2


def test_restore_from_git_when_not_kept(toy: Path) -> None:
    # the first run's metrics were committed; its keep-store copy gone, git HEAD still has them
    sh(["git", "checkout", "-q", "--", "params.yaml"], toy)
    _params(toy, 1)
    sh(["dvc", "repro", "-q"], toy)
    keep = toy / restore.KEEP_DIR
    for f in keep.rglob("*"):
        if f.is_file():
            f.unlink()
    (toy / "metrics" / "m.json").unlink()
    report = restore.restore_stage("toy", toy)
    assert report.restored == ["metrics/m.json"]
    assert _state(toy) == ("value 1\n", {"value": 1})
