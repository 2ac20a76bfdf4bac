"""Training recipes: a model, the run's phases in order through the one loop, and a saved encoder.

* :func:`tune`: further pre-train a local encoder (default: the bundled all-MiniLM-L6-v2) on incident
  text, phase by phase (``tune_lm.phases``: MLM, then SimCSE), and save it as an ``AutoModel`` folder.
* :func:`scratch`: learn a WordPiece tokenizer and train a small BERT from scratch the same way.

Both hold out a seeded fraction of the training reports (never trained on, tokenizer included) for
every phase's before/after loss, and both resume from a checkpoint when ``checkpoint_every`` is set
and an earlier run of the same settings and data was interrupted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incident_lm.core.io import dir_size
from incident_lm.core.params import as_plain
from incident_lm.encoders.hf import (
    DEFAULT_MODEL,
    ensure_offline,
    fingerprint,
    load_tokenizer,
    resolve_model_dir,
    save_encoder,
    seed_everything,
)
from incident_lm.lm.config import RunConfig, ScratchConfig, TuneConfig
from incident_lm.lm.loop import Checkpoints, LogFn, held_out_split, train_phase
from incident_lm.lm.objectives import objectives
from incident_lm.lm.objectives.mlm import with_perplexity

if TYPE_CHECKING:
    import pandas as pd
    import torch

log = logging.getLogger(__name__)


def checkpoint_dir(out_dir: str | Path) -> Path:
    """Where a run writing ``out_dir`` keeps its checkpoint: a hidden sibling folder, which DVC does not
    delete before rerunning the stage (it deletes only the declared output)."""
    out_dir = Path(out_dir)
    return out_dir.parent / f".{out_dir.name}.checkpoint"


def _run_key(cfg: RunConfig, texts: Sequence[str], base: str,
             labels: Mapping[str, Sequence[str]] | None = None) -> str:
    settings = {k: v for k, v in as_plain(cfg).items() if k != "checkpoint_every"}
    h = hashlib.sha256(json.dumps({"settings": settings, "base": base}, sort_keys=True, default=str).encode())
    for t in texts:
        h.update(t.encode("utf-8", "replace") + b"\x00")
    for name in sorted(labels or {}):  # a label-aware run resumes only with the same labels
        h.update(name.encode() + b"\x01")
        for y in labels[name]:
            h.update(str(y).encode("utf-8", "replace") + b"\x00")
    return h.hexdigest()


def run_phases(model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], cfg: RunConfig,
               device: torch.device, log_fn: LogFn | None = None,
               checkpoints: Checkpoints | None = None,
               labels: Mapping[str, Sequence[str]] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Hold out reports, then train ``model`` (a ``*ForMaskedLM``) through ``cfg``'s phases in order.

    Parameters
    ----------
    model : ``*ForMaskedLM`` model, trained in place
    texts : sequence of str
        Training-split reports (de-identified); a seeded fraction is held out for evaluation.
    cfg : RunConfig
    checkpoints : Checkpoints, optional
    labels : mapping of str -> sequence of str, optional
        Label columns of the same training reports, for phases with a ``target`` (label-aware objectives).

    Returns
    -------
    (metrics, cost)
        ``metrics``: report counts and one entry per phase (see
        :func:`~incident_lm.lm.loop.train_phase`); ``cost``: seconds and steps/second per phase.
    """
    kept = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
    texts = [texts[i] for i in kept]
    labels = {k: [v[i] for i in kept] for k, v in (labels or {}).items()}
    train_idx, eval_idx = held_out_split(len(texts), cfg.eval_fraction, cfg.eval_max_reports, cfg.seed)
    train_texts = [texts[i] for i in train_idx]
    eval_texts = [texts[i] for i in eval_idx]
    metrics: dict[str, Any] = {"n_reports": len(texts), "n_train_reports": len(train_texts),
                               "n_eval_reports": len(eval_texts)}
    resume = checkpoints.load() if checkpoints else None
    done: dict[str, Any] = dict(resume["done"]) if resume else {}
    kinds = objectives()
    for i, (name, pcfg) in enumerate(zip(cfg.phases, cfg.phase_configs, strict=True)):
        if name in done:  # finished before the interruption
            continue
        target = getattr(pcfg, "target", None)
        given = {}
        if target is not None:
            if target not in labels:
                raise ValueError(f"phase '{name}' ({pcfg.objective}) needs the label column '{target}'")
            given = {"train_labels": [labels[target][i] for i in train_idx],
                     "eval_labels": [labels[target][i] for i in eval_idx]}
        objective = kinds[pcfg.objective](name, pcfg, model, tokenizer, train_texts, eval_texts, cfg.seed, device,
                                          **given)
        phase_resume = resume if resume and resume["phase"] == i else None
        m, c = train_phase(objective, device, log_fn, checkpoints=checkpoints, phase_index=i, resume=phase_resume,
                           context=lambda: {"done": done}, bf16=cfg.bf16)
        if pcfg.objective == "mlm":
            m = with_perplexity(m)
            log.info("%s: held-out loss %.3f -> %.3f (pseudo-perplexity %.1f -> %.1f)", name, m["eval_loss_before"],
                     m["eval_loss_after"], m["pseudo_perplexity_before"], m["pseudo_perplexity_after"])
        done[name] = (m, c)
    for name in cfg.phases:
        metrics[name] = done[name][0]
    return metrics, {name: done[name][1] for name in cfg.phases}


def _load_masked_lm(directory: Path) -> tuple[torch.nn.Module, torch.nn.Module, list[str]]:
    """The ``*ForMaskedLM`` model and the plain ``AutoModel`` of a local folder, and the head weights
    the checkpoint lacks (initialised fresh: expected for sentence encoders)."""
    ensure_offline()
    from transformers import AutoModel, AutoModelForMaskedLM
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # a checkpoint without MLM head is expected: it is reported
    try:
        mlm_model, info = AutoModelForMaskedLM.from_pretrained(str(directory), local_files_only=True,
                                                               output_loading_info=True)
        full = AutoModel.from_pretrained(str(directory), local_files_only=True)
    finally:
        hf_logging.set_verbosity(verbosity)
    return mlm_model, full, sorted(info.get("missing_keys", []))


def _save(full: torch.nn.Module, encoder: torch.nn.Module, tokenizer: Any, out_dir: str | Path,
          params: dict[str, Any]) -> None:
    result = full.load_state_dict(encoder.state_dict(), strict=False)
    if result.unexpected_keys:
        raise RuntimeError(f"trained encoder does not fit {type(full).__name__}: {result.unexpected_keys[:5]}")
    save_encoder(full.cpu(), tokenizer, out_dir, params)


def _checkpoints(cfg: RunConfig, out_dir: str | Path, texts: Sequence[str], base: str,
                 labels: Mapping[str, Sequence[str]] | None = None) -> Checkpoints | None:
    if not cfg.checkpoint_every:
        return None
    return Checkpoints(checkpoint_dir(out_dir), cfg.checkpoint_every, _run_key(cfg, texts, base, labels))


def tune(cfg: TuneConfig, texts: Sequence[str], out_dir: str | Path, device: torch.device,
         log_fn: LogFn | None = None, labels: Mapping[str, Sequence[str]] | None = None
         ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Further pre-train a local encoder on incident text, phase by phase, and save it.

    Parameters
    ----------
    cfg : TuneConfig
        ``base_model`` (``None``: the bundled all-MiniLM-L6-v2; its MLM head is used if the checkpoint has
        one, else a fresh head is initialised and reported), seed, held-out reports, phases.
    texts : sequence of str
        De-identified training-split reports.
    labels : mapping of str -> sequence of str, optional
        Their label columns (training split only), for label-aware phases (``supcon``).
    out_dir : str or Path
        Written atomically: the encoder (``AutoModel`` layout, base pooler kept) and tokenizer via
        ``save_pretrained``, and ``params.json`` (settings, seed, base fingerprint).

    Returns
    -------
    (metrics, cost)
        Quality figures (held-out losses per phase, report counts, base model) and cost figures
        (seconds and steps/second per phase, device, threads, model size).

    Raises
    ------
    ModelDirError
        When ``base_model`` is not a usable local model folder.
    """
    import torch

    t0 = time.perf_counter()
    seed_everything(cfg.seed)
    base_dir = resolve_model_dir(cfg.base_model)
    tokenizer = load_tokenizer(base_dir)
    if tokenizer.mask_token_id is None:
        raise ValueError(f"{base_dir}: the tokenizer has no mask token, so it cannot be trained as a masked LM")
    mlm_model, full, fresh = _load_masked_lm(base_dir)
    if fresh:
        log.info("mlm: %d head weights not in %s, initialised fresh (expected for sentence encoders)", len(fresh),
                 base_dir)
    base_fp = fingerprint(base_dir)
    checkpoints = _checkpoints(cfg, out_dir, texts, base_fp["sha256"], labels)
    metrics, phase_cost = run_phases(mlm_model, tokenizer, texts, cfg, device, log_fn, checkpoints, labels)
    params = {"made_by": "incident_lm.lm.recipes.tune", "base_model": str(base_dir), "base_sha256": base_fp["sha256"],
              "config": as_plain(cfg), "n_train_reports": metrics["n_train_reports"],
              "n_eval_reports": metrics["n_eval_reports"]}
    _save(full, mlm_model.base_model, tokenizer, out_dir, params)
    if checkpoints:
        checkpoints.clear()
    label = str(cfg.base_model) if cfg.base_model not in (None, DEFAULT_MODEL) else "bundled all-MiniLM-L6-v2"
    metrics.update(base_model=label, base_sha256=base_fp["sha256"][:16], mlm_head_fresh_weights=len(fresh),
                   seed=cfg.seed)
    cost = {"phases": phase_cost, "device": device.type, "threads": torch.get_num_threads(),
            "seconds": round(time.perf_counter() - t0, 2), "model_size_bytes": dir_size(out_dir)}
    return metrics, cost


def scratch(cfg: ScratchConfig, texts: Sequence[str], out_dir: str | Path, device: torch.device,
            log_fn: LogFn | None = None, labels: Mapping[str, Sequence[str]] | None = None
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train a WordPiece tokenizer and a small BERT from scratch, phase by phase, and save them.

    The tokenizer is learnt from the training reports only: the held-out reports (the same seeded split
    as the phases use) are left out of it too.

    Returns
    -------
    (metrics, cost)
        As :func:`tune`, plus the vocabulary size, placeholder count and parameter count.
    """
    import torch
    from transformers import BertModel

    from incident_lm.lm.scratch import placeholders, scratch_model, train_wordpiece

    ensure_offline()
    t0 = time.perf_counter()
    seed_everything(cfg.seed)
    kept = [t for t in texts if isinstance(t, str) and t.strip()]
    train_idx, _ = held_out_split(len(kept), cfg.eval_fraction, cfg.eval_max_reports, cfg.seed)
    m = cfg.model
    tokenizer = train_wordpiece([kept[i] for i in train_idx], m.vocab_size, m.min_frequency, m.lowercase,
                                m.max_length)
    tokenizer_seconds = time.perf_counter() - t0
    log.info("scratch: WordPiece vocabulary of %d tokens in %.1fs", len(tokenizer), tokenizer_seconds)
    seed_everything(cfg.seed)
    model = scratch_model(m, tokenizer)
    checkpoints = _checkpoints(cfg, out_dir, texts, "scratch")
    metrics, phase_cost = run_phases(model, tokenizer, texts, cfg, device, log_fn, checkpoints, labels)
    full = BertModel(model.config)  # with a pooler, so the saved folder loads without missing weights
    params = {"made_by": "incident_lm.lm.recipes.scratch", "config": as_plain(cfg),
              "n_train_reports": metrics["n_train_reports"], "n_eval_reports": metrics["n_eval_reports"]}
    _save(full, model.base_model, tokenizer, out_dir, params)
    if checkpoints:
        checkpoints.clear()
    metrics.update(vocab_size=len(tokenizer), placeholders=len(placeholders(kept)),
                   parameters=sum(p.numel() for p in full.parameters()), seed=cfg.seed)
    cost = {"phases": phase_cost, "tokenizer_seconds": round(tokenizer_seconds, 2), "device": device.type,
            "threads": torch.get_num_threads(), "seconds": round(time.perf_counter() - t0, 2),
            "model_size_bytes": dir_size(out_dir)}
    return metrics, cost



def runtime(cfg: RunConfig, section: Any) -> torch.device:
    """Forbid hub lookups, set torch's threads and pick the device of a run; errors name ``section``'s keys."""
    from incident_lm.encoders.hf import resolve_device, set_threads

    ensure_offline()
    try:
        set_threads(cfg.threads)
    except ValueError as exc:
        raise section.error("threads", str(exc)) from None
    try:
        return resolve_device(cfg.device)
    except ValueError as exc:
        raise section.error("device", str(exc)) from None


class MissingLabel(KeyError):
    """A label-aware phase names a column the training split does not have (``column``)."""

    def __init__(self, message: str, column: str):
        super().__init__(message)
        self.column = column


def label_targets(cfg: RunConfig) -> list[str]:
    """The label columns the run's label-aware phases name (``target``), in phase order."""
    return list(dict.fromkeys(t for p in cfg.phase_configs if (t := getattr(p, "target", None)) is not None))


def labels_of(train: pd.DataFrame, columns: Sequence[str], source: str | Path) -> dict[str, list[str]]:
    """Label columns of the training reports ``train`` (missing -> ""), in its row order.

    Raises
    ------
    MissingLabel
        Naming the first column ``train`` (read from ``source``) does not have.
    """
    for c in columns:
        if c not in train.columns:
            raise MissingLabel(f"{source}: no label column {c!r}; columns: "
                               f"{', '.join(x for x in train.columns if x not in ('id', 'text', 'date', 'split'))}",
                               c)
    return {c: train[c].fillna("").astype(str).tolist() for c in columns}


def train_labels(path: str | Path, columns: Sequence[str]) -> dict[str, list[str]]:
    """Label columns of the training split's reports at ``path`` (see :func:`labels_of`)."""
    from incident_lm.core.artefacts import read_split

    return labels_of(read_split(path, "train"), columns, path) if columns else {}


def run_logged(recipe: Callable[..., tuple[dict[str, Any], dict[str, Any]]], cfg: RunConfig, section: Any,
               data: str | Path, out_dir: str | Path, live_dir: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``recipe`` (:func:`tune` or :func:`scratch`) on the training split of ``data``, its curves in DVCLive.

    Sets threads and device from ``cfg`` (errors name ``section``'s keys) and logs each curve to ``live_dir``.
    """
    from dvclive import Live

    from incident_lm.lm.loop import live_logger

    device = runtime(cfg, section)
    from incident_lm.core.artefacts import read_split

    train = read_split(data, "train")  # read once: the texts and the label-aware phases' columns
    texts = train["text"].fillna("").astype(str).tolist()
    try:
        labels = labels_of(train, label_targets(cfg), data)
    except MissingLabel as exc:
        phase = next(n for n, p in zip(cfg.phases, cfg.phase_configs, strict=True)
                     if getattr(p, "target", None) == exc.column)
        raise section.sub(phase, {}).error("target", exc.args[0]) from None
    log.info("%s: %d training reports, device %s", section.name, len(texts), device)
    with Live(str(live_dir), save_dvc_exp=False, dvcyaml=False) as live:
        return recipe(cfg, texts, out_dir, device, log_fn=live_logger(live), labels=labels)
