"""Unsupervised SimCSE: contrastive training of sentence embeddings with dropout as the only noise.

A batch of reports is encoded twice with dropout active; the two views of a report are a
positive pair and every other report in the batch is a negative. The loss is the cross-entropy
of the cosine-similarity matrix divided by a temperature (Gao, Yao & Chen, 2021). Reports longer
than ``max_length`` tokens are truncated here (training only; the ``bert`` representation embeds
them in full), and exact duplicates are dropped so a report is never its own negative.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from incident_lm.lm.common import (
    config_from_section,
    length_grouped_batches,
    linear_schedule,
    mean_pool,
    pad_batch,
    pad_id,
)
from incident_lm.lm.mlm import LogFn, optimizer_for
from incident_lm.params import Section

log = logging.getLogger(__name__)

POOLINGS = ("mean", "cls")


@dataclass(frozen=True)
class SimCSEConfig:
    """SimCSE settings (the ``simcse`` params sub-section).

    Parameters
    ----------
    steps : int
        Optimiser steps (0 skips the phase).
    lr : float
        Peak AdamW learning rate (linear warm-up over 10% of the steps, then decay).
    batch_size : int
        Reports per step, >= 2 (each brings ``batch_size - 1`` negatives).
    max_length : int
        Tokens per report, special tokens included (longer reports truncated).
    temperature : float
        Softmax temperature on cosine similarities.
    pooling : {"mean", "cls"}
        How a report's vector is read from the token vectors (use the ``bert`` representation's).
    weight_decay : float
        AdamW weight decay.
    """

    steps: int = 30
    lr: float = 3e-5
    batch_size: int = 32
    max_length: int = 64
    temperature: float = 0.05
    pooling: str = "mean"
    weight_decay: float = 0.0

    @classmethod
    def from_section(cls, section: Section) -> SimCSEConfig:
        """Read and check a ``simcse`` params section (errors name the dotted key)."""
        return config_from_section(cls, section, choices={"pooling": POOLINGS}, limits={
            "batch_size": (2, None), "max_length": (8, None), "temperature": (1e-4, 10.0),
            "lr": (0.0, 1.0), "weight_decay": (0.0, 1.0)})


def simcse_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """In-batch contrastive loss between two views.

    Parameters
    ----------
    z1, z2 : float tensors, shape (batch, dim)
        Row ``i`` of ``z1`` and of ``z2`` are two views of the same report.
    temperature : float

    Returns
    -------
    scalar tensor
        Mean cross-entropy of ``cos(z1_i, z2_j) / temperature`` over ``j``, target ``j = i``.
    """
    sim = F.normalize(z1.float(), dim=-1) @ F.normalize(z2.float(), dim=-1).T / temperature
    return F.cross_entropy(sim, torch.arange(sim.shape[0], device=sim.device))


def embed(encoder: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
          pooling: str) -> torch.Tensor:
    """Pooled vectors ``(batch, dim)`` of a padded batch ``(batch, length)``."""
    hidden = encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    return mean_pool(hidden, attention_mask) if pooling == "mean" else hidden[:, 0]


def _unique(texts: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t and t.strip()))


def _ids(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    if not texts:
        return []
    return tokenizer(list(texts), truncation=True, max_length=max_length, return_attention_mask=False,
                     verbose=False)["input_ids"]


def contrastive_eval_loss(encoder: torch.nn.Module, batches: Sequence[tuple[torch.Tensor, torch.Tensor]],
                          cfg: SimCSEConfig, seed: int, device: torch.device) -> float:
    """SimCSE loss on fixed held-out batches with seeded dropout (comparable before/after training)."""
    if not batches:
        return float("nan")
    was_training = encoder.training
    devices = [device.index or 0] if device.type == "cuda" else []
    total, n = 0.0, 0
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        torch.manual_seed(seed)
        encoder.train()
        for ids, attn in batches:
            ids, attn = ids.to(device), attn.to(device)
            loss = simcse_loss(embed(encoder, ids, attn, cfg.pooling), embed(encoder, ids, attn, cfg.pooling),
                               cfg.temperature)
            total += loss.item() * ids.shape[0]
            n += ids.shape[0]
    encoder.train(was_training)
    return total / n


def train_simcse(encoder: torch.nn.Module, tokenizer: Any, train_texts: Sequence[str],
                 eval_texts: Sequence[str], cfg: SimCSEConfig, seed: int, device: torch.device,
                 log_fn: LogFn | None = None) -> dict[str, Any]:
    """Train ``encoder`` (a base model returning ``last_hidden_state``) in place with SimCSE.

    Parameters
    ----------
    train_texts : sequence of str
        Training reports.
    eval_texts : sequence of str
        Held-out reports for the before/after contrastive loss (may be empty).
    seed : int
        Seeds the batch order and the evaluation dropout.

    Returns
    -------
    dict
        ``steps``, ``final_loss`` (mean of the last 10% of steps), ``train_loss_first``,
        ``eval_loss_before/after``, ``seconds``, ``steps_per_second``, ``train_reports``.
    """
    if cfg.pooling not in POOLINGS:
        raise ValueError(f"simcse pooling must be one of {POOLINGS}, got {cfg.pooling!r}")
    if cfg.batch_size < 2:
        raise ValueError("simcse batch_size must be >= 2 (in-batch negatives)")
    encoder.to(device)
    pad = pad_id(tokenizer)
    train_ids = _ids(tokenizer, _unique(train_texts), cfg.max_length)
    eval_ids = _ids(tokenizer, _unique(eval_texts), cfg.max_length)
    eval_batches = [pad_batch(eval_ids[s:s + cfg.batch_size], pad)
                    for s in range(0, len(eval_ids), cfg.batch_size) if len(eval_ids[s:s + cfg.batch_size]) >= 2]
    before = contrastive_eval_loss(encoder, eval_batches, cfg, seed + 2, device)
    if log_fn and eval_batches:
        log_fn("simcse/eval_loss", before, 0)
    losses: list[float] = []
    t0 = time.perf_counter()
    if cfg.steps > 0:
        if len(train_ids) < 2:
            raise ValueError("simcse needs at least two distinct training reports")
        encoder.train()
        opt = optimizer_for(encoder, cfg.lr, cfg.weight_decay)
        sched = linear_schedule(opt, max(1, cfg.steps // 10), cfg.steps)
        rng = np.random.default_rng(seed)
        lengths = [len(x) for x in train_ids]
        queue: list[np.ndarray] = []
        for step in range(cfg.steps):
            while not queue or len(queue[0]) < 2:
                if queue:
                    queue.pop(0)
                else:
                    queue = length_grouped_batches(lengths, cfg.batch_size, rng)
            idx = queue.pop(0)
            ids, attn = pad_batch([train_ids[i] for i in idx], pad)
            ids, attn = ids.to(device), attn.to(device)
            loss = simcse_loss(embed(encoder, ids, attn, cfg.pooling), embed(encoder, ids, attn, cfg.pooling),
                               cfg.temperature)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(encoder.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
            if log_fn:
                log_fn("simcse/train_loss", losses[-1], step + 1)
            if (step + 1) % max(1, cfg.steps // 10) == 0:
                log.info("simcse step %d/%d loss %.3f", step + 1, cfg.steps, losses[-1])
        encoder.eval()
    seconds = time.perf_counter() - t0
    after = contrastive_eval_loss(encoder, eval_batches, cfg, seed + 2, device)
    if log_fn and eval_batches:
        log_fn("simcse/eval_loss", after, cfg.steps)
    tail = losses[-max(1, len(losses) // 10):]
    return {
        "steps": cfg.steps,
        "final_loss": float(np.mean(tail)) if losses else None,
        "train_loss_first": losses[0] if losses else None,
        "eval_loss_before": before,
        "eval_loss_after": after,
        "seconds": round(seconds, 2),
        "steps_per_second": round(cfg.steps / seconds, 4) if cfg.steps and seconds > 0 else None,
        "train_reports": len(train_ids),
    }
