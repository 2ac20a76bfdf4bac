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


def weighted_mean_pool(hidden: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Mean of token vectors weighted by ``weights`` ``(b, t)`` (0 where the mask is 0) -> ``(b, d)``.

    A sequence whose weights are all 0 gets a zero vector.
    """
    w = (weights * mask.to(weights.dtype)).unsqueeze(-1).to(hidden.dtype)
    return (hidden * w).sum(1) / w.sum(1).clamp(min=1e-12)


def embed(encoder: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
          mode: str, token_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Pooled vectors ``(batch, dim)`` of a padded batch ``(batch, length)`` through ``encoder``.

    With ``token_weights`` (a ``(vocab_size,)`` tensor, e.g. IDF or SIF weights of each token id) the
    tokens are averaged with those weights instead, whatever ``mode`` says. Pooling runs in float32
    at least (an encoder in bfloat16 or float16 pools its token vectors as float32).
    """
    import torch

    hidden = encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    if hidden.dtype in (torch.bfloat16, torch.float16):
        hidden = hidden.float()
    if token_weights is not None:
        return weighted_mean_pool(hidden, attention_mask, token_weights[input_ids])
    return pool(hidden, attention_mask, mode)
