"""Which representation the review layer works in: named in params, or chosen from the comparison by a
stated criterion.

The default criterion puts clustering first, because themes are what a reviewer reads: among the
representations whose probe macro-F1 on the primary target is within ``probe_margin`` of the best one
(so none that has lost the label signal), take the one whose clusters agree best with the known
categories (V-measure); ties go to the higher precision@k of retrieval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from incident_lm.core.errors import DataError
from incident_lm.core.params import param


@dataclass(frozen=True)
class SelectConfig:
    """``review.select``: the criterion used when ``review.representation`` is ``auto``.

    Parameters
    ----------
    target : str or None
        Target whose scores decide (None: the comparison's first target).
    probe_margin : float
        Candidates are within this much probe macro-F1 of the best representation.
    """

    target: str | None = None
    probe_margin: float = param(0.15, min=0.0, max=1.0)


def choose_representation(compare: dict[str, Any], cfg: SelectConfig, available: set[str] | None = None
                          ) -> tuple[str, str, list[dict[str, Any]]]:
    """Apply the criterion to ``metrics/compare.json``: (name, the reason in words, the candidate table).

    Parameters
    ----------
    compare : dict
        The compare stage's metrics.
    available : set of str, optional
        Representations whose features exist (others are not candidates).

    Raises
    ------
    DataError
        When the comparison holds no representation with scores for the target.
    """
    target = cfg.target or compare["targets"][0]
    rows = []
    for name, scores in sorted(compare["representations"].items()):
        s = scores.get(target) or {}
        if s.get("macro_f1") is None or s.get("v_measure") is None:
            continue
        if available is not None and name not in available:
            continue
        rows.append({"representation": name, "macro_f1": s["macro_f1"], "v_measure": s["v_measure"],
                     "precision_at_k": s.get("precision_at_k") or 0.0})
    if not rows:
        raise DataError(f"metrics/compare.json: no representation with probe and clustering scores for target "
                        f"'{target}' (check review.select.target, or set review.representation)")
    best_f1 = max(r["macro_f1"] for r in rows)
    for r in rows:
        r["candidate"] = r["macro_f1"] >= best_f1 - cfg.probe_margin
    pick = max((r for r in rows if r["candidate"]), key=lambda r: (r["v_measure"], r["precision_at_k"]))
    best = max(rows, key=lambda r: r["macro_f1"])
    reason = (f"review.representation is 'auto': among the {sum(r['candidate'] for r in rows)} representations "
              f"within {cfg.probe_margin:.2f} probe macro-F1 of the best on '{target}' ({best['representation']}, "
              f"{best_f1:.3f}), {pick['representation']} has the highest clustering agreement with the categories "
              f"(V-measure {pick['v_measure']:.3f}; probe macro-F1 {pick['macro_f1']:.3f})")
    return pick["representation"], reason, rows
