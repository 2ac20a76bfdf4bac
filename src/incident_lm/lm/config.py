"""Settings of language-model training (torch-free, so params can be checked without loading torch).

A training run (the ``tune_lm`` or ``scratch_lm`` section) lists its phases in order; each phase is a
sub-section named after it, whose ``objective`` (default: the phase's name) picks the objective::

    tune_lm:
      phases: [mlm, simcse]      # run in this order
      mlm: {steps: 120, lr: 5.0e-5, ...}
      simcse: {steps: 30, ...}

so ``dvc exp run -S tune_lm.mlm.steps=600`` varies one phase and ``-S 'tune_lm.phases=[mlm]'`` drops one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from incident_lm.core.errors import ParamsError
from incident_lm.core.params import Section, param, read_section

R = TypeVar("R", bound="RunConfig")


@dataclass(frozen=True)
class PhaseConfig:
    """Settings every phase has.

    Parameters
    ----------
    objective : str
        Which objective the phase trains (default: the phase's own name).
    steps : int
        Optimiser steps (0: measure the held-out loss only).
    lr : float
        Peak AdamW learning rate.
    batch_size : int
        Examples per step.
    max_length : int
        Tokens per example, special tokens included.
    warmup : int or None
        Linear warm-up steps, then linear decay to zero; ``None``: 10% of the steps.
    weight_decay : float
        AdamW weight decay (not applied to biases and normalisation weights).
    max_grad_norm : float
        Gradients are clipped to this norm.
    """

    objective: str = ""
    steps: int = param(0, min=0)
    lr: float = param(5e-5, min=0.0, max=1.0)
    batch_size: int = param(16, min=1)
    max_length: int = param(128, min=8)
    warmup: int | None = param(None, min=0)
    weight_decay: float = param(0.0, min=0.0, max=1.0)
    max_grad_norm: float = param(1.0, min=1e-9)


@dataclass(frozen=True)
class MLMConfig(PhaseConfig):
    """Masked-language modelling (BERT's 80/10/10 masking; blocks never mix reports).

    Parameters
    ----------
    mask_prob : float
        Fraction of tokens selected for prediction (of which 80% -> [MASK], 10% random, 10% kept).
    head_warmup : int
        First steps that train the prediction head only (encoder and tied embeddings frozen), so a
        freshly initialised head does not push random gradients into the encoder; the held-out loss is
        also measured at the switch, the fair "before" for the encoder.
    """

    objective: str = "mlm"
    steps: int = param(60, min=0)
    warmup: int | None = param(6, min=0)
    weight_decay: float = param(0.01, min=0.0, max=1.0)
    mask_prob: float = param(0.15, min=0.01, max=0.9)
    head_warmup: int = param(0, min=0)


@dataclass(frozen=True)
class SimCSEConfig(PhaseConfig):
    """Unsupervised SimCSE: two dropout views of a report are a positive pair, the batch the negatives.

    Parameters
    ----------
    temperature : float
        Softmax temperature on cosine similarities.
    pooling : {"mean", "cls"}
        How a report's vector is read from the token vectors (use the ``bert`` representation's).
    """

    objective: str = "simcse"
    steps: int = param(30, min=0)
    lr: float = param(3e-5, min=0.0, max=1.0)
    batch_size: int = param(32, min=2)
    max_length: int = param(64, min=8)
    temperature: float = param(0.05, min=1e-4, max=10.0)
    pooling: Literal["mean", "cls"] = "mean"


@dataclass(frozen=True)
class SupConConfig(SimCSEConfig):
    """Supervised contrastive tuning (SetFit-style; Khosla et al. 2020): two dropout views of every report in a
    batch, and every other report of the same training label, are its positives; the rest of the batch its
    negatives. Labels come from the training split only.

    Parameters
    ----------
    target : str
        The label column of the split whose classes define the positives (e.g. ``category``).
    """

    objective: str = "supcon"
    steps: int = param(60, min=0)
    temperature: float = param(0.1, min=1e-4, max=10.0)
    target: str = "category"


@dataclass(frozen=True)
class ClassifyConfig(PhaseConfig):
    """Fine-tuning of the whole encoder as a classifier of the training labels (cross-entropy through a
    cosine-softmax head whose class vectors start at the frozen encoder's class means; the head is discarded
    and the representation reads the tuned encoder). Labels come from the training split only.

    Parameters
    ----------
    target : str
        The label column of the split to classify (e.g. ``category``).
    pooling : {"mean", "cls"}
        How a report's vector is read from the token vectors (use the ``bert`` representation's).
    scale : float
        Inverse softmax temperature on the cosines.
    class_weight : {"balanced", "none"}
        ``balanced`` weighs each class alike in the loss (as macro-F1 does).
    init_sample : int
        Training reports encoded to place the head's class vectors at their class means.
    """

    objective: str = "classify"
    steps: int = param(120, min=0)
    lr: float = param(5e-5, min=0.0, max=1.0)
    batch_size: int = param(32, min=1)
    max_length: int = param(128, min=8)
    target: str = "category"
    pooling: Literal["mean", "cls"] = "mean"
    scale: float = param(20.0, min=1e-3, max=1000.0)
    class_weight: Literal["balanced", "none"] = "balanced"
    init_sample: int = param(2000, min=1)


@dataclass(frozen=True)
class TSDAEConfig(PhaseConfig):
    """TSDAE (Wang, Reimers & Gurevych 2021): a denoising auto-encoder of sentence vectors. Words of a report are
    deleted at random; the encoder pools the damaged report into one vector; a decoder (a causal BERT with
    cross-attention to that vector alone, discarded after training) reconstructs the original report.

    Parameters
    ----------
    del_ratio : float
        Probability of deleting each word (all its word pieces) of a report; at least one word is kept.
    pooling : {"mean", "cls"}
        How the report's vector is read from the token vectors (the paper uses ``cls``; use the ``bert``
        representation's to train the vector it reads).
    tie_encoder_decoder : bool
        The decoder shares the encoder's embeddings and layers (its cross-attention and prediction head are its
        own), as in the paper; otherwise it starts as a copy of the encoder.
    """

    objective: str = "tsdae"
    steps: int = param(60, min=0)
    lr: float = param(3e-5, min=0.0, max=1.0)
    batch_size: int = param(8, min=1)
    max_length: int = param(128, min=8)
    del_ratio: float = param(0.6, min=0.0, max=1.0)
    pooling: Literal["mean", "cls"] = "cls"
    tie_encoder_decoder: bool = True

    def __post_init__(self) -> None:
        if not self.del_ratio < 1.0:
            raise ValueError(f"del_ratio: must be below 1 (every word deleted), got {self.del_ratio}")


#: Objective name -> its settings class.
PHASE_CONFIGS: dict[str, type[PhaseConfig]] = {"mlm": MLMConfig, "simcse": SimCSEConfig, "supcon": SupConConfig,
                                               "classify": ClassifyConfig, "tsdae": TSDAEConfig}


@dataclass(frozen=True)
class RunConfig:
    """What every language-model training run has: seed, threads, device, held-out reports, phases.

    Parameters
    ----------
    seed : int
        Seeds initialisation, held-out split, batch order, masks and dropout.
    threads : int or None
        ``torch.set_num_threads``; ``None`` leaves torch's default.
    device : {"cpu", "cuda", "auto"}
    eval_fraction : float
        Fraction of training-split reports held out for the phases' held-out losses (never trained on).
    eval_max_reports : int
        Cap on held-out reports, to bound evaluation time.
    checkpoint_every : int
        Save a checkpoint every this many steps (0: never); an interrupted run resumes from it with the
        same result. Changing it does not change the model.
    phases : tuple of str
        Phase names, in order; each is a sub-section (``objective`` defaults to its name).
    bf16 : bool
        bfloat16 mixed precision for the training steps (``torch.autocast``; weights, optimiser state,
        contrastive similarities and held-out losses stay float32), as ``bf16`` in Hugging Face's
        ``TrainingArguments``: about 1.7x faster on a CPU with native bfloat16 kernels (AVX-512 BF16, AMX)
        and on recent GPUs; emulated and slower on other CPUs.
    """

    seed: int = param(0, min=0)
    threads: int | None = param(None, min=1)
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    eval_fraction: float = param(0.05, min=0.0, max=0.5)
    eval_max_reports: int = param(256, min=0)
    checkpoint_every: int = param(0, min=0)
    phases: tuple[str, ...] = ("mlm", "simcse")
    bf16: bool = False
    phase_configs: tuple[PhaseConfig, ...] = dataclasses.field(default=(), metadata={"internal": True})

    @classmethod
    def from_section(cls: type[R], section: Section) -> R:
        """Read the section and each listed phase's sub-section (errors name the dotted key)."""
        phases = section.get("phases", cls.phases)
        if not isinstance(phases, list | tuple) or not phases or not all(isinstance(p, str) for p in phases):
            raise section.error("phases", "expected a non-empty list of phase names")
        if len(set(phases)) != len(phases):
            raise section.error("phases", "a phase is listed twice")
        # phase sub-sections: listed ones, and unlisted ones named after an objective or naming one (so
        # `-S 'tune_lm.phases=[mlm]'` drops a phase without deleting its section)
        sub_sections = {k for k in section if k in PHASE_CONFIGS or k in phases
                        or (isinstance(section[k], Mapping) and "objective" in section[k])}
        base = read_section(cls, section, ignore=sub_sections | {"phase_configs"})
        configs = []
        for name in phases:
            sub = section.sub(name, {})
            objective = sub.get("objective", name)
            if objective not in PHASE_CONFIGS:
                key = sub.key("objective") if "objective" in sub else section.key("phases")
                raise ParamsError(f"{section.source}: '{key}': unknown objective {objective!r} for phase "
                                  f"'{name}'; objectives: {', '.join(PHASE_CONFIGS)}")
            cfg = read_section(PHASE_CONFIGS[objective], sub)
            configs.append(dataclasses.replace(cfg, objective=objective))
        out = dataclasses.replace(base, phases=tuple(phases), phase_configs=tuple(configs))
        out.check_phases(section)
        return out

    def check_phases(self, section: Section) -> None:
        """Checks across the run's settings and its phases (after both are read)."""

    def phase(self, name: str) -> PhaseConfig:
        return dict(zip(self.phases, self.phase_configs, strict=True))[name]


@dataclass(frozen=True)
class TuneConfig(RunConfig):
    """The ``tune_lm`` section: further pre-training of a local encoder on incident text.

    Parameters
    ----------
    base_model : str or None
        Local Hugging Face model directory; ``None``: the bundled all-MiniLM-L6-v2.
    """

    base_model: str | None = None


@dataclass(frozen=True)
class ScratchModelConfig:
    """Tokenizer and architecture of the from-scratch model (the ``scratch_lm.model`` params).

    Parameters
    ----------
    vocab_size : int
        WordPiece vocabulary size (special tokens and placeholders included).
    min_frequency : int
        Minimum count of a merge in the training text.
    lowercase : bool
        Lower-case text before tokenising (placeholders are matched before, so stay whole).
    hidden_size, layers, heads, intermediate_size : int
        BERT dimensions; ``hidden_size`` must be divisible by ``heads``.
    max_length : int
        Position embeddings, the longest window the model can read (set the ``bert``
        representation's ``max_length`` to at most this).
    dropout : float
        Hidden and attention dropout.
    """

    vocab_size: int = param(8000, min=100)
    min_frequency: int = param(2, min=1)
    lowercase: bool = True
    hidden_size: int = param(256, min=8)
    layers: int = param(4, min=1)
    heads: int = param(4, min=1)
    intermediate_size: int = param(1024, min=8)
    max_length: int = param(128, min=8)
    dropout: float = param(0.1, min=0.0, max=0.9)

    def check(self, section: Section) -> None:
        """``heads`` must divide ``hidden_size`` (called by the params reader)."""
        if self.hidden_size % self.heads:
            raise section.error("heads", f"must divide hidden_size ({self.hidden_size})")


@dataclass(frozen=True)
class ScratchConfig(RunConfig):
    """The ``scratch_lm`` section: a WordPiece tokenizer and a small BERT trained from scratch.

    Parameters
    ----------
    model : ScratchModelConfig
        Tokenizer and architecture.
    """

    phases: tuple[str, ...] = ("mlm",)
    model: ScratchModelConfig = param(default_factory=ScratchModelConfig)

    def check_phases(self, section: Section) -> None:
        """No phase may read longer windows than the model has positions."""
        for name, cfg in zip(self.phases, self.phase_configs, strict=True):
            if cfg.max_length > self.model.max_length:
                raise section.sub(name, {}).error("max_length", f"exceeds the model's positions "
                                                                f"(scratch_lm.model.max_length = {self.model.max_length})")
