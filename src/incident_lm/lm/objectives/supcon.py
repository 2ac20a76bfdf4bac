"""Supervised contrastive tuning of sentence embeddings (SetFit-style, with the batch's labels).

Every report of a batch is encoded twice with dropout active. For each view, its positives are the other view
of the same report and both views of every other report with the same training label; every other view in the
batch is a negative. The loss is the supervised contrastive loss of Khosla et al. (2020, "SupCon", their
``L_out``) on cosine similarities over a temperature. With no label shared in a batch it is SimCSE. Labels come
from the training split only, so the probe that follows is still scored on unseen test labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from incident_lm.encoders.hf import pad_batch, pad_id
from incident_lm.encoders.pooling import embed
from incident_lm.lm.config import SupConConfig
from incident_lm.lm.objectives.simcse import SimCSE, _ids, seeded_eval_loss


def supcon_loss(z: torch.Tensor, labels: torch.Tensor, temperature: float) -> torch.Tensor:
    """Supervised contrastive loss (``L_out``) of a batch of views.

    Parameters
    ----------
    z : float tensor, shape (n_views, dim)
    labels : int tensor, shape (n_views,)
        Views with the same label are positives of each other.
    temperature : float

    Returns
    -------
    scalar tensor
        Mean over anchors with at least one positive of ``-mean_p log softmax_a(cos(z_i, z_a) / t)[p]``,
        the softmax over every other view ``a != i``.
    """
    with torch.autocast(z.device.type, enabled=False):  # float32 similarities, as in simcse_loss
        z = F.normalize(z.float(), dim=-1)
        sim = z @ z.T / temperature
    self_mask = torch.eye(len(z), dtype=torch.bool, device=z.device)
    sim = sim.masked_fill(self_mask, float("-inf"))
    log_prob = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    positives = (labels[:, None] == labels[None, :]) & ~self_mask
    n_pos = positives.sum(1)
    keep = n_pos > 0
    per_anchor = -(log_prob.masked_fill(~positives, 0.0).sum(1)[keep] / n_pos[keep])
    return per_anchor.mean()


def _unique_labelled(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """Distinct non-empty texts (first occurrence kept) and their labels."""
    seen: dict[str, str] = {}
    for t, y in zip(texts, labels, strict=True):
        if t and t.strip() and t not in seen:
            seen[t] = str(y)
    return list(seen), list(seen.values())


def labelled_ids(tokenizer: Any, train_texts: Sequence[str], train_labels: Sequence[str], eval_texts: Sequence[str],
                 eval_labels: Sequence[str], max_length: int, batch_size: int, pad: int, min_batch: int = 1
                 ) -> tuple[list[str], list[list[int]], np.ndarray, list[tuple[torch.Tensor, ...]]]:
    """The token ids and class indices of distinct labelled training reports, and fixed held-out batches.

    Returns
    -------
    classes : list of str
        Sorted labels of the training and held-out reports (class index = position).
    train_ids : list of list of int
    train_y : int array, shape (n_train,)
    eval_batches : list of (ids, attention, labels) tensors
        ``batch_size`` held-out reports each; batches smaller than ``min_batch`` are left out.
    """
    texts, labels = _unique_labelled(train_texts, train_labels)
    classes = sorted(set(labels) | {str(y) for y in eval_labels})
    index = {c: i for i, c in enumerate(classes)}
    train_ids = _ids(tokenizer, texts, max_length)
    train_y = np.array([index[y] for y in labels], dtype=np.int64)
    e_texts, e_labels = _unique_labelled(eval_texts, eval_labels)
    eval_ids = _ids(tokenizer, e_texts, max_length)
    e_y = np.array([index[y] for y in e_labels], dtype=np.int64)
    eval_batches = [(*pad_batch(eval_ids[s:s + batch_size], pad), torch.as_tensor(e_y[s:s + batch_size]))
                    for s in range(0, len(eval_ids), batch_size) if len(eval_ids[s:s + batch_size]) >= min_batch]
    return classes, train_ids, train_y, eval_batches


class SupCon(SimCSE):
    """Supervised contrastive tuning of the run's encoder on the training labels of ``cfg.target``.

    Raises
    ------
    ValueError
        When no labels were given (the recipe passes the training split's ``target`` column).
    """

    config_class = SupConConfig

    def __init__(self, name: str, cfg: SupConConfig, model: torch.nn.Module, tokenizer: Any,
                 train_texts: Sequence[str], eval_texts: Sequence[str], seed: int, device: torch.device,
                 train_labels: Sequence[str] | None = None, eval_labels: Sequence[str] | None = None):
        if train_labels is None or eval_labels is None:
            raise ValueError(f"phase '{name}' (supcon) needs the training labels of '{cfg.target}'")
        super(SimCSE, self).__init__(name, cfg, model, tokenizer, train_texts, eval_texts, seed, device)
        self.encoder = model.base_model
        self._pad = pad_id(tokenizer)
        self.classes, self.train_ids, self.train_labels, self.eval_batches = labelled_ids(
            tokenizer, train_texts, train_labels, eval_texts, eval_labels, cfg.max_length, cfg.batch_size,
            self._pad, min_batch=2)

    def check_trainable(self) -> None:
        if len(self.train_ids) < 2:
            raise ValueError("supcon needs at least two distinct training reports")

    def _views_loss(self, ids: torch.Tensor, attn: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        pooling = self.cfg.pooling
        z = torch.cat([embed(self.encoder, ids, attn, pooling), embed(self.encoder, ids, attn, pooling)])
        # both views carry the report's label, so its other view is always among its positives
        return supcon_loss(z, torch.cat([y, y]).to(z.device), self.cfg.temperature)

    def loss(self, batch: np.ndarray) -> torch.Tensor:
        ids, attn = pad_batch([self.train_ids[i] for i in batch], self._pad)
        y = torch.as_tensor(self.train_labels[np.asarray(batch)])
        return self._views_loss(ids.to(self.device), attn.to(self.device), y)

    def evaluate(self) -> float:
        return seeded_eval_loss(self.encoder, self.eval_batches, self._views_loss, self.seed + 3, self.device)

    def report(self) -> dict[str, Any]:
        return {"train_reports": len(self.train_ids), "target": self.cfg.target, "classes": len(self.classes)}
