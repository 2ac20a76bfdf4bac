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
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from incident_lm.encoders.hf import pad_batch, pad_id, special_template
from incident_lm.lm.config import MLMConfig
from incident_lm.lm.loop import BatchStream, LogFn, pseudo_perplexity
from incident_lm.lm.objectives.base import Objective

log = logging.getLogger(__name__)

IGNORE = -100


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


class MaskedLM(Objective):
    """Masked-language modelling of the run's ``*ForMaskedLM`` model (encoder and head).

    Held-out reports give a fixed set of masked blocks (:class:`EvalSet`, masks seeded with ``seed + 1``),
    so the before/after losses are comparable; training masks come from a generator seeded with ``seed``,
    batches from a :class:`~incident_lm.lm.loop.BatchStream` seeded with ``seed``. With ``head_warmup``,
    the first steps train the head alone and the held-out loss is measured again at the switch.
    """

    config_class = MLMConfig

    def __init__(self, name: str, cfg: MLMConfig, model: torch.nn.Module, tokenizer: Any,
                 train_texts: Sequence[str], eval_texts: Sequence[str], seed: int, device: torch.device):
        super().__init__(name, cfg, model, tokenizer, train_texts, eval_texts, seed, device)
        if tokenizer.mask_token_id is None:
            raise ValueError("the tokenizer has no mask token, so the model cannot be trained as a masked LM")
        self.vocab_size = model.get_input_embeddings().num_embeddings
        self.train_blocks = tokenize_blocks(tokenizer, train_texts, cfg.max_length)
        self.eval_set = (EvalSet(tokenize_blocks(tokenizer, eval_texts, cfg.max_length), tokenizer, self.vocab_size,
                                 cfg.mask_prob, cfg.batch_size, seed + 1) if eval_texts else None)
        log.info("%s: %d reports -> %d blocks for training, %d held-out reports", name, len(train_texts),
                 len(self.train_blocks), len(eval_texts))
        self._encoder_params = list(model.base_model.parameters())  # includes the tied output embeddings
        self._gen = torch.Generator().manual_seed(seed)
        self._pad = pad_id(tokenizer)
        self.at_switch = float("nan")

    @property
    def has_eval(self) -> bool:
        return self.eval_set is not None

    def check_trainable(self) -> None:
        if not self.train_blocks:
            raise ValueError("no training text for masked-language-model training")

    def batches(self) -> BatchStream:
        return BatchStream([len(b) for b in self.train_blocks], self.cfg.batch_size, self.seed)

    def _freeze_encoder(self, frozen: bool) -> None:
        for p in self._encoder_params:
            p.requires_grad_(not frozen)

    def before_step(self, step: int, log_fn: LogFn | None) -> float:
        if step == 0 and self.cfg.head_warmup > 0:
            self._freeze_encoder(True)
        if step == self.cfg.head_warmup and step > 0:
            self._freeze_encoder(False)
            t = time.perf_counter()
            self.at_switch = self.evaluate()
            if log_fn and self.has_eval:
                log_fn(f"{self.name}/eval_loss", self.at_switch, step)
            log.info("%s: head warm-up done after %d steps, held-out loss %.3f", self.name, step, self.at_switch)
            return time.perf_counter() - t
        return 0.0

    def loss(self, batch: np.ndarray) -> torch.Tensor:
        ids, attn = pad_batch([self.train_blocks[i] for i in batch], self._pad)
        masked, labels = mask_tokens(ids, attn, self.tokenizer.all_special_ids, self.tokenizer.mask_token_id,
                                     self.vocab_size, self.cfg.mask_prob, self._gen)
        return masked_lm_loss(self.model, masked.to(self.device), attn.to(self.device), labels.to(self.device))

    def evaluate(self) -> float:
        return self.eval_set.loss(self.model, self.device) if self.eval_set else float("nan")

    def after_training(self) -> None:
        self._freeze_encoder(False)

    def report(self) -> dict[str, Any]:
        return {"head_warmup": min(self.cfg.head_warmup, self.cfg.steps),
                "eval_loss_after_head_warmup": self.at_switch,
                "train_blocks": len(self.train_blocks),
                "eval_blocks": self.eval_set.n_blocks if self.eval_set else 0,
                "eval_masked_tokens": self.eval_set.n_masked if self.eval_set else 0}

    def state_dict(self) -> dict[str, Any]:
        return {"gen": self._gen.get_state(), "at_switch": self.at_switch,
                "frozen": bool(self._encoder_params) and not self._encoder_params[0].requires_grad}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._gen.set_state(state["gen"])
        self.at_switch = state["at_switch"]
        self._freeze_encoder(state["frozen"])


def with_perplexity(metrics: dict[str, Any]) -> dict[str, Any]:
    """Add ``pseudo_perplexity_*`` (``exp`` of each held-out loss) to a masked-LM phase's metrics."""
    out = dict(metrics)
    for when in ("before", "after", "after_head_warmup"):
        key = f"eval_loss_{when}"
        if key in out:
            out[f"pseudo_perplexity_{when}"] = pseudo_perplexity(out[key])
    return out
