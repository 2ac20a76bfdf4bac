"""Training objectives behind one small interface, each a phase of the one training loop.

An :class:`Objective` brings its settings (``cfg``, a :class:`PhaseConfig`), the module it trains, an
endless stream of batches, the loss of a batch and a held-out loss; :func:`~incident_lm.lm.loop.train_phase`
does the rest. A new objective (a label-aware one, say) is one module here, its ``PhaseConfig``
subclass in :mod:`incident_lm.lm.config` and an entry in :func:`objectives`; the loop, the recipes and the
stages are unchanged.
"""

from __future__ import annotations

from incident_lm.lm.objectives.base import Objective

__all__ = ["Objective", "objectives"]


def objectives() -> dict[str, type[Objective]]:
    """The objectives by name (imported on use: they import torch)."""
    from incident_lm.lm.objectives.classify import Classify
    from incident_lm.lm.objectives.mlm import MaskedLM
    from incident_lm.lm.objectives.simcse import SimCSE
    from incident_lm.lm.objectives.supcon import SupCon
    from incident_lm.lm.objectives.tsdae import TSDAE

    return {"mlm": MaskedLM, "simcse": SimCSE, "supcon": SupCon, "classify": Classify, "tsdae": TSDAE}

