"""Pooling token vectors into one vector per sequence, the same way at inference and in training."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

POOLINGS = ("mean", "cls")


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Attention-mask mean of token vectors: ``(b, t, d)``, ``(b, t)`` -> ``(b, d)``."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


def pool(hidden: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """``mean`` (attention-mask mean) or ``cls`` (first token) vectors, ``(b, t, d)`` -> ``(b, d)``."""
    if mode == "mean":
        return mean_pool(hidden, mask)
    if mode == "cls":
        return hidden[:, 0]
    raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, got {mode!r}")


def embed(encoder: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
          mode: str) -> torch.Tensor:
    """Pooled vectors ``(batch, dim)`` of a padded batch ``(batch, length)`` through ``encoder``."""
    hidden = encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    return pool(hidden, attention_mask, mode)
