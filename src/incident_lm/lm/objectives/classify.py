"""Fine-tuning the encoder as a classifier on the training labels (cross-entropy, the whole transformer trained).

The classifier is a cosine-softmax head on the pooled report vector: ``logits = scale * cos(z, w_c)``. Its class
vectors start at the class means of the frozen encoder's vectors on a sample of training reports (a nearest-
centroid classifier), so fine-tuning starts from a sensible classifier and one learning rate serves encoder and
head. The head is discarded afterwards: the ``bert_tuned`` representation reads the fine-tuned encoder's pooled
vectors, and the evaluate stage's probe is trained on them as on every other row, so the row is comparable.
Labels come from the training split only; the held-out loss is on held-out training reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from incident_lm.encoders.hf import pad_batch, pad_id
from incident_lm.encoders.pooling import embed
from incident_lm.lm.config import ClassifyConfig
from incident_lm.lm.loop import BatchStream
from incident_lm.lm.objectives.base import Objective
from incident_lm.lm.objectives.supcon import labelled_ids


class CosineClassifier(torch.nn.Module):
    """Encoder, pooling and a cosine-softmax head.

    Parameters
    ----------
    encoder : torch.nn.Module
        The transformer (``model.base_model``), trained with the head.
    n_classes, dim : int
    pooling : {"mean", "cls"}
    scale : float
        Multiplies the cosines (the inverse softmax temperature).
    """

    def __init__(self, encoder: torch.nn.Module, n_classes: int, dim: int, pooling: str, scale: float):
        super().__init__()
        self.encoder, self.pooling, self.scale = encoder, pooling, scale
        self.weight = torch.nn.Parameter(torch.zeros(n_classes, dim))

    def forward(self, ids: torch.Tensor, attn: torch.Tensor) -> torch.Tensor:
        """Logits, shape (batch, n_classes), in float32."""
        z = embed(self.encoder, ids, attn, self.pooling)
        with torch.autocast(z.device.type, enabled=False):
            return self.scale * F.normalize(z.float(), dim=-1) @ F.normalize(self.weight.float(), dim=-1).T


class Classify(Objective):
    """Cross-entropy fine-tuning of the run's encoder on the training labels of ``cfg.target``.

    Raises
    ------
    ValueError
        When no labels were given, or fewer than two classes or reports remain.
    """

    config_class = ClassifyConfig

    def __init__(self, name: str, cfg: ClassifyConfig, model: torch.nn.Module, tokenizer: Any,
                 train_texts: Sequence[str], eval_texts: Sequence[str], seed: int, device: torch.device,
                 train_labels: Sequence[str] | None = None, eval_labels: Sequence[str] | None = None):
        if train_labels is None or eval_labels is None:
            raise ValueError(f"phase '{name}' (classify) needs the training labels of '{cfg.target}'")
        super().__init__(name, cfg, model, tokenizer, train_texts, eval_texts, seed, device)
        self.encoder = model.base_model
        self._pad = pad_id(tokenizer)
        self.classes, self.train_ids, self.train_labels, self.eval_batches = labelled_ids(
            tokenizer, train_texts, train_labels, eval_texts, eval_labels, cfg.max_length, cfg.batch_size,
            self._pad)
        counts = np.bincount(self.train_labels, minlength=len(self.classes)).astype(np.float64)
        if cfg.class_weight == "balanced":  # each class weighs alike, as macro-F1 does
            w = np.where(counts > 0, counts.sum() / (len(self.classes) * np.maximum(counts, 1)), 0.0)
        else:
            w = np.ones(len(self.classes))
        self.class_weights = torch.as_tensor(w, dtype=torch.float32)
        dim = int(self.encoder.config.hidden_size)
        self.net = CosineClassifier(self.encoder, len(self.classes), dim, cfg.pooling, cfg.scale).to(device)
        self._init_head()

    @torch.no_grad()
    def _init_head(self) -> None:
        """Class vectors at the class means of the frozen encoder's unit vectors (as sums: the head normalises
        them) on up to ``cfg.init_sample`` training reports (seeded); a class absent from the sample keeps a zero
        vector until trained."""
        n = len(self.train_ids)
        if n == 0:
            return
        rng = np.random.default_rng(self.seed + 5)
        pick = np.sort(rng.choice(n, size=min(n, self.cfg.init_sample), replace=False))
        was = self.encoder.training
        self.encoder.eval()
        sums = torch.zeros_like(self.net.weight, dtype=torch.float32)
        bs = self.cfg.batch_size
        for s in range(0, len(pick), bs):
            idx = pick[s:s + bs]
            ids, attn = pad_batch([self.train_ids[i] for i in idx], self._pad)
            z = F.normalize(embed(self.encoder, ids.to(self.device), attn.to(self.device), self.cfg.pooling).float(),
                            dim=-1)
            sums.index_add_(0, torch.as_tensor(self.train_labels[idx], device=self.device), z)
        self.encoder.train(was)
        self.net.weight.copy_(sums.to(self.net.weight.dtype))

    @property
    def module(self) -> torch.nn.Module:
        return self.net

    @property
    def has_eval(self) -> bool:
        return bool(self.eval_batches)

    def check_trainable(self) -> None:
        if len(self.train_ids) < 2 or len(set(self.train_labels.tolist())) < 2:
            raise ValueError(f"classify needs at least two distinct training reports in two classes of "
                             f"'{self.cfg.target}'")

    def batches(self) -> BatchStream:
        return BatchStream([len(x) for x in self.train_ids], self.cfg.batch_size, self.seed, min_size=1)

    def _loss(self, ids: torch.Tensor, attn: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        logits = self.net(ids, attn)
        return F.cross_entropy(logits, y.to(logits.device), weight=self.class_weights.to(logits.device))

    def loss(self, batch: np.ndarray) -> torch.Tensor:
        ids, attn = pad_batch([self.train_ids[i] for i in batch], self._pad)
        y = torch.as_tensor(self.train_labels[np.asarray(batch)])
        return self._loss(ids.to(self.device), attn.to(self.device), y)

    @torch.no_grad()
    def evaluate(self) -> float:
        """Class-weighted cross-entropy on the held-out reports, dropout off; the mode is restored."""
        if not self.eval_batches:
            return float("nan")
        was = self.net.training
        self.net.eval()
        total, n = 0.0, 0
        for ids, attn, y in self.eval_batches:
            total += self._loss(ids.to(self.device), attn.to(self.device), y).item() * len(y)
            n += len(y)
        self.net.train(was)
        return total / n

    def report(self) -> dict[str, Any]:
        return {"train_reports": len(self.train_ids), "target": self.cfg.target, "classes": len(self.classes)}

    def state_dict(self) -> dict[str, Any]:
        return {"head": self.net.weight.detach().cpu().clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            self.net.weight.copy_(state["head"].to(self.net.weight.device, self.net.weight.dtype))
