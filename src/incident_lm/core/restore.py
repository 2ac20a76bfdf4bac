"""A failed run loses nothing: put a stage's last good outputs back, as ``dvc.lock`` records them.

DVC deletes a stage's outputs before it runs the stage's command, so after a failing ``dvc repro`` the
last good outputs would be gone even though every writer here is atomic. ``dvc.lock`` is only rewritten
after a stage succeeds, so it still names the last good outputs by their MD5 hashes, and:

* a cached output (data, features, models) is still in the DVC cache under that hash;
* an uncached one (the metrics JSON files, kept in git) was copied, when the stage last succeeded, into a
  small content-addressed store (``.dvc/tmp/incident-lm/keep/``) by :func:`keep_outputs`; failing that,
  the file committed in git is used when its hash matches.

:func:`restore_stage` is what :func:`incident_lm.core.stage.run` calls when a stage fails under DVC (a
known error, a bug or an interrupt), and ``python -m incident_lm.restore`` (``make restore``) runs it for
every stage after a run that was killed outright (``kill -9``, power loss). :func:`clean_stale` removes
the temporary files a killed stage left beside its outputs, on the stage's next run.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger("incident_lm.restore")

#: Where uncached outputs of the last good runs are kept, relative to the DVC root.
KEEP_DIR = Path(".dvc") / "tmp" / "incident-lm" / "keep"
#: Scratch space of running stages (one folder per stage), emptied when the stage next starts.
SCRATCH_DIR = Path(".dvc") / "tmp" / "incident-lm" / "scratch"
#: Files above this size are not kept (uncached outputs are metrics and small tables).
MAX_KEEP_BYTES = 64 << 20


@dataclass
class RestoreReport:
    """What :func:`restore_stage` did for one stage: outputs already good, restored, or not restorable."""

    stage: str
    intact: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # "path (why)"

    @property
    def ok(self) -> bool:
        return not self.missing


def file_md5(path: Path) -> str:
    """MD5 of a file's bytes, as DVC 3 records it in ``dvc.lock``."""
    h = hashlib.md5()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_lock(root: Path) -> dict[str, Any]:
    """The ``stages`` mapping of ``root/dvc.lock`` (empty when there is no lock file yet)."""
    lock = root / "dvc.lock"
    if not lock.exists():
        return {}
    data = yaml.safe_load(lock.read_text(encoding="utf-8")) or {}
    return data.get("stages", {}) or {}


def cache_dir(root: Path) -> Path:
    """The DVC cache folder: ``cache.dir`` of ``.dvc/config.local`` or ``.dvc/config``, else ``.dvc/cache``."""
    for name in ("config.local", "config"):
        cfg = root / ".dvc" / name
        if cfg.exists():
            parser = configparser.ConfigParser()
            try:
                parser.read(cfg, encoding="utf-8")
            except configparser.Error:
                continue
            if parser.has_option("cache", "dir"):
                d = Path(parser.get("cache", "dir"))
                return d if d.is_absolute() else (cfg.parent / d).resolve()
    return root / ".dvc" / "cache"


def _cached(cache: Path, md5: str) -> Path | None:
    for p in (cache / "files" / "md5" / md5[:2] / md5[2:], cache / md5[:2] / md5[2:]):  # DVC 3, then DVC 2
        if p.exists():
            return p
    return None


def _kept(root: Path, md5: str) -> Path | None:
    p = root / KEEP_DIR / md5[:2] / md5[2:]
    return p if p.exists() else None


def _from_git(root: Path, rel: str, md5: str) -> bytes | None:
    try:
        blob = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True, check=True,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return blob if hashlib.md5(blob).hexdigest() == md5 else None


def _copy_into(src: Path | bytes, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".restore", dir=dest.parent)
    os.close(fd)
    try:
        if isinstance(src, bytes):
            Path(tmp).write_bytes(src)
        else:
            shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _restore_file(root: Path, rel: str, md5: str) -> str:
    """``"intact"``, ``"restored"`` or the reason it could not be restored."""
    path = root / rel
    if path.is_file() and file_md5(path) == md5:
        return "intact"
    src: Path | bytes | None = _cached(cache_dir(root), md5) or _kept(root, md5) or _from_git(root, rel, md5)
    if src is None:
        return "not in the DVC cache, the keep store or git HEAD"
    if path.is_dir():
        shutil.rmtree(path)
    _copy_into(src, path)
    return "restored"


def _dir_intact(path: Path, entries: list[dict[str, str]]) -> bool:
    if not path.is_dir():
        return False
    want = {e["relpath"]: e["md5"] for e in entries}
    have = [p for p in path.rglob("*") if p.is_file()]
    if len(have) != len(want):
        return False
    return all(want.get(p.relative_to(path).as_posix()) == file_md5(p) for p in have)


def _restore_dir(root: Path, rel: str, md5: str) -> str:
    cache = cache_dir(root)
    manifest = _cached(cache, md5)
    if manifest is None:
        return "its listing is not in the DVC cache"
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    path = root / rel
    if _dir_intact(path, entries):
        return "intact"
    sources = []
    for e in entries:
        src = _cached(cache, e["md5"])
        if src is None:
            return f"{e['relpath']} is not in the DVC cache"
        sources.append((e["relpath"], src))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".restore", dir=path.parent))
    try:
        for relpath, src in sources:
            dest = tmp / relpath
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return "restored"


def _outs(root: Path, stage: str, lock: dict[str, Any] | None = None) -> Iterator[tuple[str, str]]:
    entry = (read_lock(root) if lock is None else lock).get(stage) or {}
    for out in entry.get("outs", []) or []:
        if out.get("md5"):
            yield out["path"], out["md5"]


def restore_stage(stage: str, root: str | Path = ".", lock: dict[str, Any] | None = None) -> RestoreReport:
    """Put back every output of ``stage`` that differs from what ``dvc.lock`` records.

    Parameters
    ----------
    stage : str
        The stage's name in ``dvc.lock`` (``"prepare"``, ``"represent@tfidf"``).
    root : path
        The DVC project root.
    lock : dict, optional
        The ``stages`` mapping of ``dvc.lock`` when already read (:func:`read_lock`).

    Returns
    -------
    RestoreReport
        Outputs found intact, restored, and those that could not be restored (with why).
    """
    root = Path(root)
    report = RestoreReport(stage)
    for rel, md5 in _outs(root, stage, lock):
        try:
            how = _restore_dir(root, rel, md5) if md5.endswith(".dir") else _restore_file(root, rel, md5)
        except OSError as exc:
            how = f"error: {exc}"
        if how == "intact":
            report.intact.append(rel)
        elif how == "restored":
            report.restored.append(rel)
        else:
            report.missing.append(f"{rel} ({how})")
    return report


def restore_all(root: str | Path = ".", stages: list[str] | None = None) -> list[RestoreReport]:
    """:func:`restore_stage` for ``stages`` (default: every stage in ``dvc.lock``)."""
    root = Path(root)
    lock = read_lock(root)
    names = stages if stages else list(lock)
    unknown = [s for s in names if s not in lock]
    if unknown:
        raise KeyError(f"not in {root / 'dvc.lock'}: {', '.join(unknown)}")
    return [restore_stage(s, root, lock) for s in names]


def keep_outputs(stage: str, root: str | Path = ".") -> int:
    """Copy the uncached outputs a stage has just written into the keep store; returns files kept.

    Called after a stage succeeds under DVC, before DVC rewrites ``dvc.lock``: the output paths are
    those of the stage's current lock entry (an output is taken as uncached when its recorded hash is
    not in the DVC cache), and each is stored under the MD5 of its new content.
    """
    root = Path(root)
    cache = cache_dir(root)
    n = 0
    for rel, md5 in _outs(root, stage):
        path = root / rel
        if md5.endswith(".dir") or _cached(cache, md5) is not None or not path.is_file():
            continue
        if path.stat().st_size > MAX_KEEP_BYTES:
            continue
        new = file_md5(path)
        dest = root / KEEP_DIR / new[:2] / new[2:]
        if not dest.exists():
            _copy_into(path, dest)
            n += 1
    return n


def clean_stale(stage: str, root: str | Path = ".") -> list[str]:
    """Remove what a killed run of ``stage`` left behind: temporary files and folders beside its outputs
    (the atomic writers' ``.<name>.*``) and its scratch folder. Returns the paths removed."""
    root = Path(root)
    removed: list[str] = []
    for rel, _ in _outs(root, stage):
        out = root / rel
        if not out.parent.is_dir():
            continue
        for p in out.parent.glob(f".{out.name}.*"):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
            removed.append(str(p.relative_to(root)))
    scratch = scratch_dir(stage, root)
    if scratch.exists() and any(scratch.iterdir()):
        removed.append(str(scratch.relative_to(root)))
    shutil.rmtree(scratch, ignore_errors=True)
    return removed


def scratch_dir(stage: str, root: str | Path = ".") -> Path:
    """The scratch folder of ``stage`` (``.dvc/tmp/incident-lm/scratch/<stage>``)."""
    return Path(root) / SCRATCH_DIR / stage.replace("/", "_").replace("@", "_")
