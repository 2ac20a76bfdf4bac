"""Unsupervised SimCSE: contrastive training of sentence embeddings with dropout as the only noise.

A batch of reports is encoded twice with dropout active; the two views of a report are a
positive pair and every other report in the batch is a negative. The loss is the cross-entropy
of the cosine-similarity matrix divided by a temperature (Gao, Yao & Chen, 2021). Reports longer
than ``max_length`` tokens are truncated here (training only; the ``bert`` representation embeds
them in full), and exact duplicates are dropped so a report is never its own negative.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from incident_lm.encoders.hf import pad_batch, pad_id
from incident_lm.encoders.pooling import embed
from incident_lm.lm.config import SimCSEConfig
from incident_lm.lm.loop import BatchStream
from incident_lm.lm.objectives.base import Objective

log = logging.getLogger(__name__)


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
        Mean cross-entropy of ``cos(z1_i, z2_j) / temperature`` over ``j``, target ``j = i``, in float32
        (also under autocast: at a temperature of 0.05, bfloat16 similarities would be off by ~0.1 logit).
    """
    with torch.autocast(z1.device.type, enabled=False):
        sim = F.normalize(z1.float(), dim=-1) @ F.normalize(z2.float(), dim=-1).T / temperature
        return F.cross_entropy(sim, torch.arange(sim.shape[0], device=sim.device))


def _unique(texts: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t and t.strip()))


def _ids(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    if not texts:
        return []
    return tokenizer(list(texts), truncation=True, max_length=max_length, return_attention_mask=False,
                     verbose=False)["input_ids"]


def seeded_eval_loss(encoder: torch.nn.Module, batches: Sequence[tuple[torch.Tensor, ...]],
                     loss_fn: Callable[..., torch.Tensor], seed: int, device: torch.device) -> float:
    """Mean of ``loss_fn(*batch)`` (tensors moved to ``device``) over fixed held-out batches, weighted by batch
    size, with dropout on and seeded (``seed``; the global generator is left as it was), so before and after
    training are comparable. NaN without batches; the encoder's mode is restored."""
    if not batches:
        return float("nan")
    was_training = encoder.training
    devices = [device.index or 0] if device.type == "cuda" else []
    total, n = 0.0, 0
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        torch.manual_seed(seed)
        encoder.train()
        for batch in batches:
            loss = loss_fn(*(t.to(device) for t in batch))
            total += loss.item() * batch[0].shape[0]
            n += batch[0].shape[0]
    encoder.train(was_training)
    return total / n


def contrastive_eval_loss(encoder: torch.nn.Module, batches: Sequence[tuple[torch.Tensor, torch.Tensor]],
                          cfg: SimCSEConfig, seed: int, device: torch.device) -> float:
    """SimCSE loss on fixed held-out batches with seeded dropout (comparable before/after training)."""
    def loss(ids: torch.Tensor, attn: torch.Tensor) -> torch.Tensor:
        return simcse_loss(embed(encoder, ids, attn, cfg.pooling), embed(encoder, ids, attn, cfg.pooling),
                           cfg.temperature)

    return seeded_eval_loss(encoder, batches, loss, seed, device)


class SimCSE(Objective):
    """Unsupervised SimCSE of the run's encoder (``model.base_model``), dropout as the only noise.

    Exact duplicates are dropped so a report is never its own negative; batches of one are skipped.
    The held-out loss uses fixed batches and dropout seeded with ``seed + 2`` (the global generator
    is left as it was), so before and after are comparable.
    """

    config_class = SimCSEConfig

    def __init__(self, name: str, cfg: SimCSEConfig, model: torch.nn.Module, tokenizer: Any,
                 train_texts: Sequence[str], eval_texts: Sequence[str], seed: int, device: torch.device,
                 train_labels: Sequence[str] | None = None, eval_labels: Sequence[str] | None = None):
        super().__init__(name, cfg, model, tokenizer, train_texts, eval_texts, seed, device)
        self.encoder = model.base_model
        pad = pad_id(tokenizer)
        self.train_ids = _ids(tokenizer, _unique(train_texts), cfg.max_length)
        eval_ids = _ids(tokenizer, _unique(eval_texts), cfg.max_length)
        self.eval_batches = [pad_batch(eval_ids[s:s + cfg.batch_size], pad)
                             for s in range(0, len(eval_ids), cfg.batch_size)
                             if len(eval_ids[s:s + cfg.batch_size]) >= 2]
        self._pad = pad

    @property
    def module(self) -> torch.nn.Module:
        return self.encoder

    @property
    def has_eval(self) -> bool:
        return bool(self.eval_batches)

    def check_trainable(self) -> None:
        if len(self.train_ids) < 2:
            raise ValueError("simcse needs at least two distinct training reports")

    def batches(self) -> BatchStream:
        return BatchStream([len(x) for x in self.train_ids], self.cfg.batch_size, self.seed, min_size=2)

    def loss(self, batch: np.ndarray) -> torch.Tensor:
        ids, attn = pad_batch([self.train_ids[i] for i in batch], self._pad)
        ids, attn = ids.to(self.device), attn.to(self.device)
        pooling = self.cfg.pooling
        return simcse_loss(embed(self.encoder, ids, attn, pooling), embed(self.encoder, ids, attn, pooling),
                           self.cfg.temperature)

    def evaluate(self) -> float:
        return contrastive_eval_loss(self.encoder, self.eval_batches, self.cfg, self.seed + 2, self.device)

    def report(self) -> dict[str, Any]:
        return {"train_reports": len(self.train_ids)}
