"""Masked-language-model training on incident text, and the tune pipeline (MLM, then SimCSE).

Training sequences never mix reports: each report's token ids are cut into blocks of at most
``max_length`` tokens (special tokens included); long reports give several blocks, short ones
one padded block, and no block ever holds tokens of two reports. Masking is seeded (a
``torch.Generator``) with BERT's 80/10/10 rule. The held-out loss is measured on a fixed set of
masked blocks from held-out training-split reports, the same masks before and after training,
so the two numbers are comparable; ``exp(loss)`` is reported as pseudo-perplexity.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from incident_lm.lm.common import (
    DEFAULT_MODEL,
    config_from_section,
    ensure_offline,
    fingerprint,
    length_grouped_batches,
    linear_schedule,
    pad_batch,
    pad_id,
    resolve_model_dir,
    save_encoder,
    seed_everything,
    special_template,
)
from incident_lm.params import Section

log = logging.getLogger(__name__)

#: ``log(name, value, step)``: where training curves go (DVCLive in the stage, a list in tests).
LogFn = Callable[[str, float, int], None]
IGNORE = -100


@dataclass(frozen=True)
class MLMConfig:
    """Masked-language-model training settings (the ``mlm`` params sub-section).

    Parameters
    ----------
    steps : int
        Optimiser steps (0: measure the held-out loss only).
    lr : float
        Peak AdamW learning rate.
    batch_size : int
        Blocks per step.
    max_length : int
        Tokens per block, special tokens included.
    mask_prob : float
        Fraction of tokens selected for prediction (of which 80% -> [MASK], 10% random, 10% kept).
    warmup : int
        Linear warm-up steps, then linear decay to zero.
    head_warmup : int
        First steps that train the prediction head only (encoder and tied embeddings frozen),
        so a freshly initialised head does not push random gradients into the encoder; the
        held-out loss is also measured at the switch, the fair "before" for the encoder.
    eval_fraction : float
        Fraction of training-split reports held out for the MLM loss (none trained on).
    eval_max_reports : int
        Cap on held-out reports, to bound evaluation time.
    weight_decay : float
        AdamW weight decay (not applied to biases and LayerNorm weights).
    """

    steps: int = 60
    lr: float = 5e-5
    batch_size: int = 16
    max_length: int = 128
    mask_prob: float = 0.15
    warmup: int = 6
    head_warmup: int = 0
    eval_fraction: float = 0.05
    eval_max_reports: int = 256
    weight_decay: float = 0.01

    @classmethod
    def from_section(cls, section: Section) -> MLMConfig:
        """Read and check an ``mlm`` params section (errors name the dotted key)."""
        return config_from_section(cls, section, limits={
            "batch_size": (1, None), "max_length": (8, None), "mask_prob": (0.01, 0.9),
            "eval_fraction": (0.0, 0.5), "lr": (0.0, 1.0), "weight_decay": (0.0, 1.0)})


class Block(NamedTuple):
    """A training sequence cut from one report: content ids, special tokens not yet added."""

    report: int
    start: int
    ids: list[int]


def report_blocks(token_ids: Sequence[Sequence[int]], size: int) -> list[Block]:
    """Cut each report's token ids into consecutive blocks of at most ``size`` tokens.

    Parameters
    ----------
    token_ids : sequence of int sequences, length n_reports
        Ids of each report, without special tokens.
    size : int
        Maximum content tokens per block (``max_length`` minus special tokens).

    Returns
    -------
    list of Block
        In report order; a block never spans two reports; empty reports give no block.
    """
    if size < 1:
        raise ValueError(f"block size must be >= 1, got {size}")
    blocks = []
    for r, ids in enumerate(token_ids):
        ids = list(ids)
        blocks.extend(Block(r, s, ids[s:s + size]) for s in range(0, len(ids), size))
    return blocks


def tokenize_blocks(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Texts -> blocks of input ids with special tokens, each at most ``max_length`` long, one report each."""
    prefix, suffix = special_template(tokenizer)
    ids = tokenizer(list(texts), add_special_tokens=False, return_attention_mask=False, verbose=False)["input_ids"]
    size = max_length - len(prefix) - len(suffix)
    return [prefix + b.ids + suffix for b in report_blocks(ids, size)]


def mask_tokens(input_ids: torch.Tensor, attention_mask: torch.Tensor, special_ids: Sequence[int],
                mask_id: int, vocab_size: int, mask_prob: float, generator: torch.Generator
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT masking: choose ``mask_prob`` of the real, non-special tokens (at least one per row);
    replace 80% of them by ``mask_id``, 10% by a random id, keep 10%.

    Parameters
    ----------
    input_ids, attention_mask : int64 tensors, shape (batch, length)
    generator : torch.Generator
        Source of all randomness, so the same seed gives the same masks.

    Returns
    -------
    masked_ids : int64 tensor, shape (batch, length)
    labels : int64 tensor, shape (batch, length)
        The original id at chosen positions, -100 elsewhere.
    """
    maskable = attention_mask.bool() & ~torch.isin(input_ids, torch.as_tensor(list(special_ids), dtype=torch.long))
    chosen = (torch.rand(input_ids.shape, generator=generator) < mask_prob) & maskable
    for row in torch.nonzero(~chosen.any(1) & maskable.any(1)).flatten().tolist():
        pos = torch.multinomial(maskable[row].float(), 1, generator=generator)
        chosen[row, pos] = True
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, IGNORE))
    u = torch.rand(input_ids.shape, generator=generator)
    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator)
    masked = input_ids.clone()
    masked[chosen & (u < 0.8)] = mask_id
    swap = chosen & (u >= 0.8) & (u < 0.9)
    masked[swap] = random_ids[swap]
    return masked, labels


def _head(model: torch.nn.Module) -> torch.nn.Module | None:
    """The MLM prediction head of a ``*ForMaskedLM`` model when it is one module (BERT, RoBERTa)."""
    for name in ("cls", "lm_head"):
        if isinstance(getattr(model, name, None), torch.nn.Module):
            return getattr(model, name)
    return None


def masked_lm_loss(model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                   labels: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy at the masked positions, computing vocabulary logits only there.

    Parameters
    ----------
    input_ids, attention_mask, labels : int64 tensors, shape (batch, length)
    reduction : {"mean", "sum"}
    """
    selected = labels != IGNORE
    head = _head(model)
    if head is None:  # any other architecture: full forward
        logits = model(input_ids=input_ids, attention_mask=attention_mask).logits[selected]
    else:
        hidden = model.base_model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        logits = head(hidden[selected])
    return torch.nn.functional.cross_entropy(logits.float(), labels[selected], reduction=reduction)


class EvalSet:
    """Fixed masked batches for a comparable held-out MLM loss (the same masks every time).

    Parameters
    ----------
    blocks : list of list of int
        Input ids with special tokens.
    tokenizer : tokenizer of the model
    vocab_size : int
        Rows of the model's input embeddings (random replacements are drawn below it).
    mask_prob : float
    batch_size : int
    seed : int
        Seeds the masks.
    """

    def __init__(self, blocks: Sequence[Sequence[int]], tokenizer: Any, vocab_size: int, mask_prob: float,
                 batch_size: int, seed: int):
        gen = torch.Generator().manual_seed(seed)
        order = sorted(range(len(blocks)), key=lambda i: (len(blocks[i]), i))
        self.batches = []
        for s in range(0, len(order), batch_size):
            ids, attn = pad_batch([blocks[i] for i in order[s:s + batch_size]], pad_id(tokenizer))
            masked, labels = mask_tokens(ids, attn, tokenizer.all_special_ids, tokenizer.mask_token_id,
                                         vocab_size, mask_prob, gen)
            self.batches.append((masked, attn, labels))
        self.n_blocks = len(blocks)
        self.n_masked = int(sum((b[2] != IGNORE).sum() for b in self.batches))

    def loss(self, model: torch.nn.Module, device: torch.device) -> float:
        """Mean cross-entropy over all masked tokens of the set (dropout off)."""
        if not self.batches:
            return float("nan")
        was_training = model.training
        model.eval()
        total = 0.0
        with torch.inference_mode():
            for ids, attn, labels in self.batches:
                total += masked_lm_loss(model, ids.to(device), attn.to(device), labels.to(device), "sum").item()
        model.train(was_training)
        return total / max(1, self.n_masked)


def held_out_split(n: int, fraction: float, cap: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of ``range(n)`` into (train, held-out) index arrays; held-out is at most ``cap``.

    At least one report is held out when ``fraction > 0`` and ``n >= 2``; both arrays are sorted.
    """
    n_eval = min(cap, int(round(n * fraction))) if fraction > 0 else 0
    if fraction > 0 and n >= 2:
        n_eval = max(1, min(n_eval, n - 1))
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_eval:]), np.sort(perm[:n_eval])


def _batches_forever(lengths: Sequence[int], batch_size: int, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    while True:
        yield from length_grouped_batches(lengths, batch_size, rng)


def optimizer_for(model: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW without weight decay on biases and normalisation weights."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 or "LayerNorm" in name or "norm" in name.lower() else decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr)


def train_mlm(model: torch.nn.Module, tokenizer: Any, train_blocks: Sequence[Sequence[int]],
              eval_set: EvalSet | None, cfg: MLMConfig, seed: int, device: torch.device,
              log_fn: LogFn | None = None) -> dict[str, Any]:
    """Train ``model`` (a ``*ForMaskedLM``) in place for ``cfg.steps`` steps.

    Parameters
    ----------
    train_blocks : list of list of int
        Input ids with special tokens (from :func:`tokenize_blocks`), one report each.
    eval_set : EvalSet or None
        Held-out masked blocks; its loss is measured before and after.
    seed : int
        Seeds batch order and masks (dropout uses torch's global generator, seeded by the caller).

    Returns
    -------
    dict
        ``eval_loss_before/after``, ``pseudo_perplexity_before/after``, the same after the head
        warm-up (NaN without one), ``train_loss_first/last``,
        ``steps``, ``seconds``, ``steps_per_second``, ``train_blocks``, ``eval_blocks``, ``eval_masked_tokens``.
    """
    model.to(device)
    before = eval_set.loss(model, device) if eval_set else float("nan")
    if log_fn and eval_set:
        log_fn("mlm/eval_loss", before, 0)
    encoder_params = list(model.base_model.parameters())  # includes the tied output embeddings
    at_switch, switch_seconds = float("nan"), 0.0
    losses: list[float] = []
    t0 = time.perf_counter()
    if cfg.steps > 0:
        if not train_blocks:
            raise ValueError("no training text for masked-language-model training")
        model.train()
        opt = optimizer_for(model, cfg.lr, cfg.weight_decay)
        sched = linear_schedule(opt, cfg.warmup, cfg.steps)
        gen = torch.Generator().manual_seed(seed)
        vocab_size = model.get_input_embeddings().num_embeddings
        batches = _batches_forever([len(b) for b in train_blocks], cfg.batch_size, seed)
        for step in range(cfg.steps):
            if step == 0 and cfg.head_warmup > 0:
                for p in encoder_params:
                    p.requires_grad_(False)
            if step == cfg.head_warmup and step > 0:
                for p in encoder_params:
                    p.requires_grad_(True)
                t_eval = time.perf_counter()
                at_switch = eval_set.loss(model, device) if eval_set else float("nan")
                switch_seconds = time.perf_counter() - t_eval
                if log_fn and eval_set:
                    log_fn("mlm/eval_loss", at_switch, step)
                log.info("mlm: head warm-up done after %d steps, held-out loss %.3f", step, at_switch)
            idx = next(batches)
            ids, attn = pad_batch([train_blocks[i] for i in idx], pad_id(tokenizer))
            masked, labels = mask_tokens(ids, attn, tokenizer.all_special_ids, tokenizer.mask_token_id,
                                         vocab_size, cfg.mask_prob, gen)
            loss = masked_lm_loss(model, masked.to(device), attn.to(device), labels.to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
            if log_fn:
                log_fn("mlm/train_loss", losses[-1], step + 1)
            if (step + 1) % max(1, cfg.steps // 10) == 0:
                log.info("mlm step %d/%d loss %.3f", step + 1, cfg.steps, losses[-1])
        for p in encoder_params:
            p.requires_grad_(True)
        model.eval()
    seconds = time.perf_counter() - t0 - switch_seconds  # training time only
    after = eval_set.loss(model, device) if eval_set else float("nan")
    if log_fn and eval_set:
        log_fn("mlm/eval_loss", after, cfg.steps)
    tail = losses[-max(1, len(losses) // 10):]
    return {
        "steps": cfg.steps,
        "eval_loss_before": before,
        "eval_loss_after": after,
        "pseudo_perplexity_before": _exp(before),
        "pseudo_perplexity_after": _exp(after),
        "head_warmup": min(cfg.head_warmup, cfg.steps),
        "eval_loss_after_head_warmup": at_switch,
        "pseudo_perplexity_after_head_warmup": _exp(at_switch),
        "train_loss_first": losses[0] if losses else None,
        "train_loss_last": float(np.mean(tail)) if losses else None,
        "seconds": round(seconds, 2),
        "steps_per_second": round(cfg.steps / seconds, 4) if cfg.steps and seconds > 0 else None,
        "train_blocks": len(train_blocks),
        "eval_blocks": eval_set.n_blocks if eval_set else 0,
        "eval_masked_tokens": eval_set.n_masked if eval_set else 0,
    }


def _exp(loss: float) -> float:
    return math.exp(loss) if math.isfinite(loss) and loss < 700 else float("nan")


def mlm_then_simcse(mlm_model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], mlm_cfg: MLMConfig,
                    simcse_cfg: Any, seed: int, device: torch.device, log_fn: LogFn | None = None
                    ) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Hold out reports, train MLM on the rest, then SimCSE on the same reports' encoder.

    Parameters
    ----------
    mlm_model : ``*ForMaskedLM`` model
    texts : sequence of str
        Training-split reports (de-identified); a seeded fraction is held out for evaluation.
    simcse_cfg : SimCSEConfig
        ``steps: 0`` skips the contrastive phase.

    Returns
    -------
    encoder : torch.nn.Module
        ``mlm_model.base_model``, trained in place.
    metrics : dict
        ``mlm`` and ``simcse`` results plus report counts.
    """
    from incident_lm.lm.simcse import train_simcse

    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    train_idx, eval_idx = held_out_split(len(texts), mlm_cfg.eval_fraction, mlm_cfg.eval_max_reports, seed)
    train_texts = [texts[i] for i in train_idx]
    eval_texts = [texts[i] for i in eval_idx]
    train_blocks = tokenize_blocks(tokenizer, train_texts, mlm_cfg.max_length)
    eval_set = None
    if eval_texts:
        eval_set = EvalSet(tokenize_blocks(tokenizer, eval_texts, mlm_cfg.max_length), tokenizer,
                           mlm_model.get_input_embeddings().num_embeddings, mlm_cfg.mask_prob,
                           mlm_cfg.batch_size, seed + 1)
    log.info("mlm: %d reports -> %d blocks for training, %d held-out reports", len(train_texts),
             len(train_blocks), len(eval_texts))
    mlm = train_mlm(mlm_model, tokenizer, train_blocks, eval_set, mlm_cfg, seed, device, log_fn)
    log.info("mlm: held-out loss %.3f -> %.3f (pseudo-perplexity %.1f -> %.1f)", mlm["eval_loss_before"],
             mlm["eval_loss_after"], mlm["pseudo_perplexity_before"], mlm["pseudo_perplexity_after"])
    encoder = mlm_model.base_model
    simcse = train_simcse(encoder, tokenizer, train_texts, eval_texts, simcse_cfg, seed, device, log_fn)
    return encoder, {"n_reports": len(texts), "n_train_reports": len(train_texts),
                     "n_eval_reports": len(eval_texts), "mlm": mlm, "simcse": simcse}


def tune_pretrained(base_model: str | Path | None, texts: Sequence[str], out_dir: str | Path,
                    mlm_cfg: MLMConfig, simcse_cfg: Any, seed: int = 0, device: torch.device | None = None,
                    log_fn: LogFn | None = None, key: str = "tune_lm.base_model") -> dict[str, Any]:
    """Further pre-train a local encoder on incident text (MLM, then SimCSE) and save it.

    Parameters
    ----------
    base_model : str, Path or None
        Local Hugging Face model directory; ``None``: the bundled all-MiniLM-L6-v2. Its MLM head
        is used if the checkpoint has one, else a fresh head is initialised (reported).
    texts : sequence of str
        De-identified training-split reports.
    out_dir : str or Path
        Written atomically: the encoder (``AutoModel`` layout, base pooler kept) and tokenizer
        via ``save_pretrained``, and ``params.json`` (configs, seed, base fingerprint).
    key : str
        Params key of ``base_model``, named in errors.

    Returns
    -------
    dict
        Metrics: held-out MLM loss and pseudo-perplexity before/after, SimCSE losses, steps,
        steps/second per phase, seconds, model size, device.
    """
    from incident_lm.io import dir_size
    from incident_lm.lm.common import load_tokenizer

    ensure_offline()
    from transformers import AutoModel, AutoModelForMaskedLM
    from transformers.utils import logging as hf_logging

    t0 = time.perf_counter()
    device = device or torch.device("cpu")
    seed_everything(seed)
    base_dir = resolve_model_dir(base_model, key)
    tokenizer = load_tokenizer(base_dir)
    if tokenizer.mask_token_id is None:
        raise ValueError(f"{base_dir}: the tokenizer has no mask token, so it cannot be trained as a masked LM")
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # a checkpoint without MLM head is expected: it is reported below
    try:
        mlm_model, info = AutoModelForMaskedLM.from_pretrained(str(base_dir), local_files_only=True,
                                                               output_loading_info=True)
        full = AutoModel.from_pretrained(str(base_dir), local_files_only=True)
    finally:
        hf_logging.set_verbosity(verbosity)
    fresh = sorted(info.get("missing_keys", []))
    if fresh:
        log.info("mlm: %d head weights not in %s, initialised fresh (expected for sentence encoders)",
                 len(fresh), base_dir)
    encoder, metrics = mlm_then_simcse(mlm_model, tokenizer, texts, mlm_cfg, simcse_cfg, seed, device, log_fn)
    result = full.load_state_dict(encoder.state_dict(), strict=False)
    if result.unexpected_keys:
        raise RuntimeError(f"tuned encoder does not fit {type(full).__name__}: {result.unexpected_keys[:5]}")
    base_fp = fingerprint(base_dir)
    params = {"made_by": "incident_lm.lm.mlm.tune_pretrained", "base_model": str(base_dir),
              "base_sha256": base_fp["sha256"], "seed": seed, "mlm": asdict(mlm_cfg),
              "simcse": asdict(simcse_cfg), "n_train_reports": metrics["n_train_reports"],
              "n_eval_reports": metrics["n_eval_reports"]}
    save_encoder(full.cpu(), tokenizer, out_dir, params)
    label = str(base_model) if base_model not in (None, DEFAULT_MODEL) else "bundled all-MiniLM-L6-v2"
    metrics.update(base_model=label, base_sha256=base_fp["sha256"][:16], mlm_head_fresh_weights=len(fresh),
                   device=device.type, threads=torch.get_num_threads(), seed=seed,
                   seconds=round(time.perf_counter() - t0, 2), model_size_bytes=dir_size(out_dir))
    return metrics
