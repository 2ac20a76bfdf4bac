"""The interface every training objective implements (see :mod:`incident_lm.lm.objectives`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from incident_lm.lm.config import PhaseConfig

if TYPE_CHECKING:
    import torch

    from incident_lm.lm.loop import BatchStream, LogFn


class Objective:
    """One phase's data and loss for :func:`~incident_lm.lm.loop.train_phase`.

    Parameters
    ----------
    name : str
        Phase name (prefix of its curves and metrics).
    cfg : PhaseConfig
    model : torch.nn.Module
        The ``*ForMaskedLM`` model of the run (objectives train it or its ``base_model``).
    tokenizer : tokenizer of the model
    train_texts, eval_texts : sequence of str
        Training reports and held-out reports (never trained on).
    seed : int
    device : torch.device
    train_labels, eval_labels : sequence of str, optional
        The training split's labels of those reports (the column an objective's ``target`` names), for
        label-aware objectives; ``None`` for the others.
    """

    config_class: ClassVar[type[PhaseConfig]] = PhaseConfig

    def __init__(self, name: str, cfg: PhaseConfig, model: torch.nn.Module, tokenizer: Any,
                 train_texts: Sequence[str], eval_texts: Sequence[str], seed: int, device: torch.device,
                 train_labels: Sequence[str] | None = None, eval_labels: Sequence[str] | None = None):
        self.name, self.cfg, self.model, self.tokenizer = name, cfg, model, tokenizer
        self.seed, self.device = seed, device

    @property
    def module(self) -> torch.nn.Module:
        """The module the optimiser trains."""
        return self.model

    @property
    def has_eval(self) -> bool:
        """Whether there is a held-out set (its loss is logged)."""
        return False

    @property
    def warmup_steps(self) -> int:
        return self.cfg.warmup if self.cfg.warmup is not None else max(1, self.cfg.steps // 10)

    def check_trainable(self) -> None:
        """Raise ValueError when there is nothing to train on."""

    def batches(self) -> BatchStream:
        """The endless batch stream (created once per phase, before the first step)."""
        raise NotImplementedError

    def loss(self, batch: Any) -> torch.Tensor:
        """Scalar training loss of one batch (the module in training mode)."""
        raise NotImplementedError

    def evaluate(self) -> float:
        """Held-out loss (NaN without a held-out set); leaves the module's mode as it found it."""
        return float("nan")

    def before_step(self, step: int, log_fn: LogFn | None) -> float:
        """Called before each step; returns seconds spent evaluating (not counted as training)."""
        return 0.0

    def after_training(self) -> None:
        """Called once after the last step."""

    def report(self) -> dict[str, Any]:
        """The objective's own figures for the metrics."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint must hold besides model, optimiser, schedule and batches."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` (after the optimiser was made)."""
