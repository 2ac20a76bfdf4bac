"""The one training loop for every language-model objective, and what it is made of.

:func:`train_phase` runs one phase (an :class:`~incident_lm.lm.objectives.Objective` for ``steps``
steps): AdamW without decay on biases and norms, linear warm-up then decay, gradient clipping, a
held-out loss before and after, training curves through a ``log(name, value, step)`` function, and
checkpoints every ``checkpoint_every`` steps from which an interrupted run resumes exactly where it
stopped (same weights as an uninterrupted run: the optimiser, schedule, batch order, masks and dropout
generator are all restored). Objectives bring their data, batches and loss; the loop owns the rest.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from incident_lm.core.io import atomic_path

if TYPE_CHECKING:
    import torch

    from incident_lm.lm.objectives.base import Objective

log = logging.getLogger(__name__)

#: ``log(name, value, step)``: where training curves go (DVCLive in the stage, a list in tests).
LogFn = Callable[[str, float, int], None]


def live_logger(live: Any) -> LogFn:
    """Adapt a ``dvclive.Live`` to ``log(name, value, step)``: one TSV per metric, x = its own step."""

    def log_metric(name: str, value: float, step: int) -> None:
        live.step = step
        live.log_metric(name, value)

    return log_metric


# --------------------------------------------------------------------------------------------------
# Data order
# --------------------------------------------------------------------------------------------------
def held_out_split(n: int, fraction: float, cap: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of ``range(n)`` into (train, held-out) index arrays; held-out is at most ``cap``.

    At least one report is held out when ``fraction > 0`` and ``n >= 2``; both arrays are sorted.
    """
    n_eval = min(cap, int(round(n * fraction))) if fraction > 0 else 0
    if fraction > 0 and n >= 2:
        n_eval = max(1, min(n_eval, n - 1))
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_eval:]), np.sort(perm[:n_eval])


def length_grouped_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator,
                           mega: int = 50) -> list[np.ndarray]:
    """Random batches of indices whose members have similar lengths (less padding).

    The indices are shuffled, cut into mega-batches of ``mega * batch_size``, sorted by length
    inside each, cut into batches, and the batch order shuffled again.

    Parameters
    ----------
    lengths : sequence of int, shape (n,)
    batch_size : int
    rng : numpy Generator (seeded by the caller)

    Returns
    -------
    list of int arrays, each of shape (<= batch_size,), together a permutation of ``range(n)``.
    """
    lengths = np.asarray(lengths)
    order = rng.permutation(len(lengths))
    batches = []
    for s in range(0, len(order), mega * batch_size):
        part = order[s:s + mega * batch_size]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


class BatchStream(Iterator[np.ndarray]):
    """An endless, seeded stream of length-grouped batches, epoch after epoch, that can be saved and resumed.

    Parameters
    ----------
    lengths : sequence of int
        Length of each example.
    batch_size : int
    seed : int
    min_size : int
        Batches smaller than this are skipped (contrastive objectives need two examples).
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int, min_size: int = 1):
        self.lengths, self.batch_size, self.min_size = list(lengths), batch_size, min_size
        self._rng = np.random.default_rng(seed)
        self._epoch_state: dict[str, Any] | None = None
        self._epoch: list[np.ndarray] = []
        self._pos = 0

    def _new_epoch(self) -> None:
        self._epoch_state = copy.deepcopy(self._rng.bit_generator.state)
        self._epoch = length_grouped_batches(self.lengths, self.batch_size, self._rng)
        self._pos = 0

    def __next__(self) -> np.ndarray:
        while True:
            if self._pos >= len(self._epoch):
                self._new_epoch()
            batch = self._epoch[self._pos]
            self._pos += 1
            if len(batch) >= self.min_size:
                return batch

    def state_dict(self) -> dict[str, Any]:
        return {"epoch_state": copy.deepcopy(self._epoch_state), "pos": self._pos}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["epoch_state"] is None:
            return
        self._rng.bit_generator.state = copy.deepcopy(state["epoch_state"])
        self._new_epoch()
        self._pos = state["pos"]


# --------------------------------------------------------------------------------------------------
# Optimisation
# --------------------------------------------------------------------------------------------------
def adamw(model: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW over the trainable parameters, without weight decay on biases and normalisation weights."""
    import torch

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 or "LayerNorm" in name or "norm" in name.lower() else decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr)


def linear_schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over ``warmup`` steps, then linear decay to zero at ``total``."""
    import torch

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


# --------------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------------
@dataclass
class Checkpoints:
    """Where and how often a run saves its state, and what the state must match to be resumed.

    Parameters
    ----------
    directory : Path
        Folder of ``checkpoint.pt`` (kept outside DVC's outputs, deleted when the run completes).
    every : int
        Steps between checkpoints (0: none).
    key : str
        Identifies the run (a hash of its settings and data); a checkpoint with another key is ignored.
    """

    directory: Path
    every: int
    key: str

    @property
    def path(self) -> Path:
        return self.directory / "checkpoint.pt"

    def load(self) -> dict[str, Any] | None:
        """The saved state of this run, or ``None`` (none saved, or saved by another run)."""
        import torch

        if not self.every or not self.path.exists():
            return None
        state = torch.load(self.path, map_location="cpu", weights_only=False)
        if state.get("key") != self.key:
            log.warning("ignoring %s: saved by a run with other settings or data", self.path)
            return None
        log.info("resuming from %s (phase %d, step %d)", self.path, state["phase"], state["step"])
        return state

    def save(self, state: dict[str, Any]) -> None:
        import torch

        with atomic_path(self.path, ".pt") as tmp:
            torch.save({**state, "key": self.key}, tmp)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
        if self.directory.is_dir() and not any(self.directory.iterdir()):
            self.directory.rmdir()


def _rng_state() -> dict[str, Any]:
    import torch

    return {"cpu": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def _set_rng_state(state: dict[str, Any]) -> None:
    import torch

    torch.set_rng_state(state["cpu"])
    if state.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# --------------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------------
def train_phase(objective: Objective, device: torch.device, log_fn: LogFn | None = None, *,
                checkpoints: Checkpoints | None = None, phase_index: int = 0,
                resume: dict[str, Any] | None = None,
                context: Callable[[], dict[str, Any]] | None = None,
                bf16: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train ``objective.module`` in place for ``objective.cfg.steps`` steps.

    Parameters
    ----------
    objective : Objective
        Data, batches, loss and held-out loss of one phase; ``cfg`` holds ``steps``, ``lr``,
        ``weight_decay``, ``max_grad_norm`` and the warm-up.
    device : torch.device
    log_fn : callable, optional
        ``log(name, value, step)``; curves are named ``<phase>/train_loss`` and ``<phase>/eval_loss``.
    checkpoints : Checkpoints, optional
        Save the run's state every ``checkpoints.every`` steps.
    phase_index : int
        Position of this phase in the run (stored in checkpoints).
    resume : dict, optional
        A checkpoint of this phase to continue from.
    context : callable, optional
        Returns the run-level state stored with each checkpoint (earlier phases' results).
    bf16 : bool
        Compute each training loss under bfloat16 autocast (mixed precision); the backward pass,
        the optimiser and the held-out losses are unchanged.

    Returns
    -------
    (metrics, cost)
        ``metrics``: ``steps``, ``eval_loss_before/after``, ``train_loss_first``, ``train_loss_last``
        (mean of the last 10% of steps) and the objective's own figures; ``cost``: ``seconds`` (training
        only, evaluation excluded) and ``steps_per_second``.
    """
    import torch

    cfg, name = objective.cfg, objective.name
    module = objective.module
    module.to(device)
    before = resume["before"] if resume else objective.evaluate()
    if log_fn and objective.has_eval and not resume:
        log_fn(f"{name}/eval_loss", before, 0)
    losses: list[float] = list(resume["losses"]) if resume else []
    seconds = resume["seconds"] if resume else 0.0
    t0 = time.perf_counter()
    if cfg.steps > 0:
        objective.check_trainable()
        module.train()
        opt = adamw(module, cfg.lr, cfg.weight_decay)
        sched = linear_schedule(opt, objective.warmup_steps, cfg.steps)
        batches = objective.batches()
        start = 0
        if resume:
            objective.load_state_dict(resume["objective"])
            objective.model.load_state_dict(resume["model"])
            opt.load_state_dict(resume["optimizer"])
            sched.load_state_dict(resume["scheduler"])
            batches.load_state_dict(resume["batches"])
            _set_rng_state(resume["rng"])
            start = resume["step"]
        for step in range(start, cfg.steps):
            t0 += objective.before_step(step, log_fn)  # evaluation time is not training time
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = objective.loss(next(batches))
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in module.parameters() if p.requires_grad], cfg.max_grad_norm)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
            if log_fn:
                log_fn(f"{name}/train_loss", losses[-1], step + 1)
            if (step + 1) % max(1, cfg.steps // 10) == 0:
                log.info("%s step %d/%d loss %.3f", name, step + 1, cfg.steps, losses[-1])
            if checkpoints and checkpoints.every and (step + 1) % checkpoints.every == 0 and step + 1 < cfg.steps:
                checkpoints.save({"phase": phase_index, "step": step + 1, "before": before, "losses": losses,
                                  "seconds": seconds + time.perf_counter() - t0, "model": objective.model.state_dict(),
                                  "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                                  "batches": batches.state_dict(), "objective": objective.state_dict(),
                                  "rng": _rng_state(), **(context() if context else {})})
        objective.after_training()
        module.eval()
    seconds += time.perf_counter() - t0
    after = objective.evaluate()
    if log_fn and objective.has_eval:
        log_fn(f"{name}/eval_loss", after, cfg.steps)
    tail = losses[-max(1, len(losses) // 10):]
    metrics = {"objective": objective.cfg.objective, "steps": cfg.steps, "eval_loss_before": before,
               "eval_loss_after": after, "train_loss_first": losses[0] if losses else None,
               "train_loss_last": float(np.mean(tail)) if losses else None, **objective.report()}
    cost = {"seconds": round(seconds, 2),
            "steps_per_second": round(cfg.steps / seconds, 4) if cfg.steps and seconds > 0 else None}
    return metrics, cost


def pseudo_perplexity(loss: float) -> float:
    """``exp(loss)`` of a masked-LM loss (NaN for a missing or overflowing loss)."""
    return math.exp(loss) if math.isfinite(loss) and loss < 700 else float("nan")
