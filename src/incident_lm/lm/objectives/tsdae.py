"""TSDAE: a denoising auto-encoder that trains the encoder's pooled report vector (Wang, Reimers & Gurevych, 2021).

Each training report (its first ``max_length`` tokens, special tokens included) is damaged by deleting each word
with probability ``del_ratio`` (at least one word is kept); the encoder pools the damaged report into one vector;
a decoder reconstructs the original report token by token (teacher forcing), its cross-attention seeing that one
vector only, so everything it needs must be in the vector. The loss is the decoder's cross-entropy over the
original tokens. This follows sentence-transformers' ``DenoisingAutoEncoderLoss`` with
``DenoisingAutoEncoderDataset``'s deletion noise, with two differences of form, not of substance: words are
deleted from the tokenised report (all word pieces of a word together; a word is what the tokenizer's
pre-tokeniser splits: BERT's splits at spaces and punctuation, as NLTK's ``word_tokenize`` does) instead of
deleting NLTK words and re-tokenising the text; and the noise comes from a seeded generator, so a run is
reproducible and resumes from a checkpoint with the same noise.

The decoder is the causal-LM form of the encoder's architecture (``AutoModelForCausalLM`` of its config with
``is_decoder`` and ``add_cross_attention``: ``BertLMHeadModel`` for BERT). With ``tie_encoder_decoder`` (the
paper's setting) its embeddings and layers *are* the encoder's parameters (so its output embeddings are the
encoder's input embeddings too); only its cross-attention and prediction head are its own. Its cross-attention
starts from a seeded random initialisation; its prediction head from the run's model's MLM head when it has one
of the same shape (the reference loads the decoder from the encoder's checkpoint, head included), else random.
The decoder is discarded after training: the recipe saves the encoder only, as for every phase.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from incident_lm.encoders.hf import pad_batch, pad_id
from incident_lm.encoders.pooling import embed
from incident_lm.lm.config import TSDAEConfig
from incident_lm.lm.loop import BatchStream
from incident_lm.lm.objectives.base import Objective
from incident_lm.lm.objectives.mlm import _head
from incident_lm.lm.objectives.simcse import _unique

log = logging.getLogger(__name__)


def tokenize_words(tokenizer: Any, texts: Sequence[str], max_length: int) -> tuple[list[list[int]], list[np.ndarray]]:
    """Token ids of each text (special tokens included, at most ``max_length``) and the word of each token.

    Parameters
    ----------
    tokenizer : tokenizer of the model
        A fast tokenizer gives word pieces their word (``word_ids``); a slow one makes each token a word.
    texts : sequence of str
    max_length : int

    Returns
    -------
    ids : list of list of int, length n_texts
    words : list of int arrays, each of shape (len(ids[i]),)
        Word index of each token, numbered 0, 1, ... in order; -1 for special tokens (never deleted).
    """
    if not texts:
        return [], []
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, return_attention_mask=False,
                    return_special_tokens_mask=True, verbose=False)
    ids, words = [], []
    for i, row in enumerate(enc["input_ids"]):
        special = np.asarray(enc["special_tokens_mask"][i], dtype=bool)
        if getattr(tokenizer, "is_fast", False):
            raw = np.array([-1 if w is None else w for w in enc.word_ids(i)], dtype=np.int64)
        else:
            raw = np.arange(len(row), dtype=np.int64)
        raw[special] = -1
        w = np.full(len(row), -1, dtype=np.int64)
        content = raw >= 0
        w[content] = np.unique(raw[content], return_inverse=True)[1]  # 0..n_words-1, no gaps
        ids.append(list(row))
        words.append(w)
    return ids, words


def delete_words(ids: Sequence[int], words: np.ndarray, del_ratio: float, rng: np.random.Generator) -> list[int]:
    """Delete each word of one tokenised report with probability ``del_ratio``, keeping at least one.

    Parameters
    ----------
    ids : sequence of int, shape (length,)
    words : int array, shape (length,)
        Word of each token (see :func:`tokenize_words`); -1 tokens (special tokens) are always kept.
    del_ratio : float
    rng : numpy Generator
        Source of the noise (one uniform draw per word, one more when all were deleted).

    Returns
    -------
    list of int
        The kept tokens, in order (``ids`` unchanged when it has no word).
    """
    n_words = int(words.max()) + 1 if len(words) else 0
    if n_words == 0:
        return list(ids)
    keep = rng.random(n_words) >= del_ratio
    if not keep.any():
        keep[rng.integers(n_words)] = True
    kept = (words < 0) | keep[np.maximum(words, 0)]
    return [t for t, k in zip(ids, kept, strict=True) if k]


def tie_to_encoder(decoder_base: torch.nn.Module, encoder: torch.nn.Module) -> list[str]:
    """Make each parameter of ``decoder_base`` that the encoder has (same module path, name and shape) the
    encoder's own ``nn.Parameter`` object; returns the names tied (cross-attention has no counterpart)."""
    modules = dict(encoder.named_modules())
    tied = []
    for name, p in list(decoder_base.named_parameters()):
        module_name, _, attr = name.rpartition(".")
        q = getattr(modules.get(module_name), attr, None)
        if isinstance(q, torch.nn.Parameter) and q.shape == p.shape:
            setattr(decoder_base.get_submodule(module_name), attr, q)
            tied.append(name)
    return tied


def build_decoder(model: torch.nn.Module, encoder: torch.nn.Module, tie: bool, seed: int
                  ) -> tuple[torch.nn.Module, bool]:
    """The causal-LM decoder of ``encoder``'s architecture, with cross-attention, tied to or copied from it.

    Parameters
    ----------
    model : torch.nn.Module
        The run's model (a ``*ForMaskedLM``: its MLM head initialises the decoder's prediction head).
    encoder : torch.nn.Module
        ``model.base_model``, whose config is copied (never changed).
    tie : bool
        Share the encoder's parameters (else copy their values).
    seed : int
        Seeds the fresh weights (the global generator is left as it was).

    Returns
    -------
    (decoder, head_from_model)
        The decoder (``BertLMHeadModel`` for BERT) and whether its head was copied from ``model``'s.
    """
    from transformers import AutoModelForCausalLM

    config = copy.deepcopy(encoder.config)
    config.is_decoder, config.add_cross_attention = True, True
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        decoder = AutoModelForCausalLM.from_config(config)
    base = decoder.base_model
    if tie:
        if not tie_to_encoder(base, encoder):
            raise ValueError(f"cannot tie a {type(decoder).__name__} decoder to a {type(encoder).__name__} encoder")
    else:
        result = base.load_state_dict(encoder.state_dict(), strict=False)  # all but the cross-attention
        if len(result.missing_keys) == len(base.state_dict()):
            raise ValueError(f"cannot copy a {type(encoder).__name__} encoder into a {type(decoder).__name__} decoder")
    out_emb, in_emb = decoder.get_output_embeddings(), decoder.get_input_embeddings()
    if out_emb is not None and getattr(config, "tie_word_embeddings", True):
        out_emb.weight = in_emb.weight  # the head's output matrix is the (shared) input embedding matrix
    return decoder, _copy_head(_head(model), _head(decoder), out_emb)


@torch.no_grad()
def _copy_head(source: torch.nn.Module | None, target: torch.nn.Module | None,
               out_emb: torch.nn.Module | None) -> bool:
    """Copy an MLM head into the decoder's head, all but the output embedding matrix; False when they differ."""
    if source is None or target is None or source is target:
        return False
    skip = {n for n, p in target.named_parameters(remove_duplicate=False)
            if out_emb is not None and p is out_emb.weight}
    src = {k: v for k, v in source.state_dict().items() if k not in skip}
    dst = {k: v for k, v in target.state_dict().items() if k not in skip}
    if src.keys() != dst.keys() or any(src[k].shape != dst[k].shape for k in src):
        return False
    target.load_state_dict(src, strict=False)
    return True


def reconstruction_loss(encoder: torch.nn.Module, decoder: torch.nn.Module, noisy_ids: torch.Tensor,
                        noisy_attn: torch.Tensor, ids: torch.Tensor, attn: torch.Tensor, pooling: str,
                        reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy of the decoder reconstructing the original reports from the damaged reports' vectors.

    Parameters
    ----------
    encoder : torch.nn.Module
        Token vectors of the damaged reports, pooled (``pooling``) to shape (batch, hidden).
    decoder : ``*ForCausalLM`` model with cross-attention
        Reads the original tokens (teacher forcing) and attends to the pooled vector as a memory of length 1,
        shape (batch, 1, hidden).
    noisy_ids, noisy_attn : int64 tensors, shape (batch, noisy_length)
    ids, attn : int64 tensors, shape (batch, length)
        The original reports, right-padded.
    pooling : {"mean", "cls"}
    reduction : {"mean", "sum"}
        Over the predicted tokens: every real token after the first (``ids[:, 1:]`` where ``attn``), as
        ``decoder(ids, labels=ids with pads at -100)`` would (it shifts the labels the same way).

    Returns
    -------
    scalar tensor, float32
    """
    memory = embed(encoder, noisy_ids, noisy_attn, pooling)[:, None, :]
    inputs = {"input_ids": ids, "attention_mask": attn, "encoder_hidden_states": memory,
              "encoder_attention_mask": torch.ones(memory.shape[:2], dtype=attn.dtype, device=attn.device)}
    real = attn[:, 1:].bool()  # position t predicts token t + 1
    head = _head(decoder)
    if head is None:  # any other architecture: full forward
        logits = decoder(**inputs).logits[:, :-1][real]
    else:  # vocabulary logits at the predicted positions only
        logits = head(decoder.base_model(**inputs).last_hidden_state[:, :-1][real])
    return F.cross_entropy(logits.float(), ids[:, 1:][real], reduction=reduction)


class TSDAE(Objective):
    """TSDAE of the run's encoder (``model.base_model``) through a decoder discarded afterwards.

    Training reports are the distinct non-empty training reports; the noise of the training batches comes from
    a generator seeded with ``seed + 6`` (batch order: ``seed``), the decoder's fresh weights from ``seed + 8``.
    The held-out loss is the mean cross-entropy per reconstructed token over fixed batches of held-out reports,
    damaged once with ``seed + 7`` and with dropout off, so before and after are comparable.
    """

    config_class = TSDAEConfig

    def __init__(self, name: str, cfg: TSDAEConfig, model: torch.nn.Module, tokenizer: Any,
                 train_texts: Sequence[str], eval_texts: Sequence[str], seed: int, device: torch.device,
                 train_labels: Sequence[str] | None = None, eval_labels: Sequence[str] | None = None):
        super().__init__(name, cfg, model, tokenizer, train_texts, eval_texts, seed, device)
        self.encoder = model.base_model
        self._pad = pad_id(tokenizer)
        self.train_ids, self.train_words = _with_words(*tokenize_words(tokenizer, _unique(train_texts),
                                                                      cfg.max_length))
        eval_ids, eval_words = _with_words(*tokenize_words(tokenizer, _unique(eval_texts), cfg.max_length))
        eval_rng = np.random.default_rng(seed + 7)
        noisy = [delete_words(i, w, cfg.del_ratio, eval_rng) for i, w in zip(eval_ids, eval_words, strict=True)]
        bs = cfg.batch_size
        self.eval_batches = [(*pad_batch(noisy[s:s + bs], self._pad), *pad_batch(eval_ids[s:s + bs], self._pad))
                             for s in range(0, len(eval_ids), bs)]
        self.n_eval = len(eval_ids)
        self.eval_tokens = int(sum(len(x) - 1 for x in eval_ids))
        self.decoder, self.head_from_model = build_decoder(model, self.encoder, cfg.tie_encoder_decoder, seed + 8)
        self.net = torch.nn.ModuleDict({"encoder": self.encoder, "decoder": self.decoder}).to(device)
        encoder_params = {id(p) for p in self.encoder.parameters()}
        self._shared = {k for k, v in self.decoder.state_dict(keep_vars=True).items() if id(v) in encoder_params}
        self._rng = np.random.default_rng(seed + 6)
        log.info("%s: %d training reports, %d held-out; decoder %s, head %s", name, len(self.train_ids), self.n_eval,
                 "tied to the encoder" if cfg.tie_encoder_decoder else "a copy of the encoder",
                 "from the model's MLM head" if self.head_from_model else "fresh")

    @property
    def module(self) -> torch.nn.Module:
        """Encoder and decoder (shared parameters once)."""
        return self.net

    @property
    def has_eval(self) -> bool:
        return bool(self.eval_batches)

    def check_trainable(self) -> None:
        if not self.train_ids:
            raise ValueError("tsdae needs at least one non-empty training report")

    def batches(self) -> BatchStream:
        return BatchStream([len(x) for x in self.train_ids], self.cfg.batch_size, self.seed, min_size=1)

    def corrupt(self, batch: Sequence[int]) -> list[list[int]]:
        """The training reports ``batch`` with words deleted (draws from the objective's noise generator)."""
        return [delete_words(self.train_ids[i], self.train_words[i], self.cfg.del_ratio, self._rng) for i in batch]

    def _loss(self, noisy_ids: torch.Tensor, noisy_attn: torch.Tensor, ids: torch.Tensor, attn: torch.Tensor,
              reduction: str = "mean") -> torch.Tensor:
        d = self.device
        return reconstruction_loss(self.encoder, self.decoder, noisy_ids.to(d), noisy_attn.to(d), ids.to(d),
                                   attn.to(d), self.cfg.pooling, reduction)

    def loss(self, batch: np.ndarray) -> torch.Tensor:
        noisy = pad_batch(self.corrupt(batch), self._pad)
        return self._loss(*noisy, *pad_batch([self.train_ids[i] for i in batch], self._pad))

    @torch.no_grad()
    def evaluate(self) -> float:
        """Mean cross-entropy per reconstructed held-out token, dropout off; the mode is restored."""
        if not self.eval_batches:
            return float("nan")
        was = self.net.training
        self.net.eval()
        total = sum(self._loss(*batch, reduction="sum").item() for batch in self.eval_batches)
        self.net.train(was)
        return total / max(1, self.eval_tokens)

    def report(self) -> dict[str, Any]:
        return {"train_reports": len(self.train_ids), "eval_reports": self.n_eval, "del_ratio": self.cfg.del_ratio,
                "pooling": self.cfg.pooling, "tie_encoder_decoder": self.cfg.tie_encoder_decoder,
                "decoder_head_from_model": self.head_from_model}

    def state_dict(self) -> dict[str, Any]:
        """The decoder's own weights (not those shared with the encoder) and the noise generator."""
        return {"decoder": {k: v.detach().cpu().clone() for k, v in self.decoder.state_dict().items()
                            if k not in self._shared},
                "rng": copy.deepcopy(self._rng.bit_generator.state)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        result = self.decoder.load_state_dict(state["decoder"], strict=False)
        if result.unexpected_keys or set(result.missing_keys) - self._shared:
            raise RuntimeError(f"checkpoint does not fit the decoder: {result}")
        self._rng.bit_generator.state = copy.deepcopy(state["rng"])


def _with_words(ids: list[list[int]], words: list[np.ndarray]) -> tuple[list[list[int]], list[np.ndarray]]:
    """Only the reports with at least one word."""
    keep = [i for i, w in enumerate(words) if (w >= 0).any()]
    return [ids[i] for i in keep], [words[i] for i in keep]
