"""Tables and plot data made from the comparison summary and the cost figures (rendering only)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incident_lm.core.io import read_json

#: Cost figures shown beside the quality figures.
COST_COLUMNS = ("fit_seconds", "transform_docs_per_second")


def load_costs(cost_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The represent stages' cost figures, ``<cost_dir>/<name>.json`` -> name -> figures (empty if none)."""
    return {p.stem: read_json(p) for p in sorted(Path(cost_dir).glob("*.json"))}


def bar_rows(summary: dict[str, Any]) -> pd.DataFrame:
    """Long table (representation, target, macro_f1, ci_low, ci_high) for the bar plot."""
    rows = []
    for name, row in summary["representations"].items():
        for t in summary["targets"]:
            if t in row:
                lo, hi = row[t]["macro_f1_ci"]
                rows.append({"representation": name, "target": t, "macro_f1": row[t]["macro_f1"],
                             "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def confusion_rows(results: dict[str, dict[str, Any]], name: str, target: str) -> pd.DataFrame:
    """(actual, predicted) pairs of one representation's probe for DVC's confusion template."""
    pred = results[name]["predictions"]
    pred = pred[pred["target"] == target]
    return pd.DataFrame({"actual": pred["y_true"].to_numpy(), "predicted": pred["y_pred"].to_numpy()})


def results_table(summary: dict[str, Any], costs: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """Markdown table of headline figures, best first, from the comparison summary and the cost figures."""
    targets = summary["targets"]
    baseline = summary["baseline"]
    primary = targets[0]
    names = sorted(summary["representations"],
                   key=lambda n: -summary["representations"][n].get(primary, {}).get("macro_f1", -1))
    head = ["representation"]
    for t in targets:
        head += [f"{t} macro-F1 (95% CI)", f"Δ vs {baseline} (95% CI)"]
    head += [f"{primary} P@{summary.get('retrieval_k') or 'k'}", f"{primary} V-measure (± sd)",
             f"{primary} ARI (± sd)", "dim", "fit s", "docs/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def fmt(x: Any, nd: int = 3) -> str:
        return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{nd}f}"

    for n in names:
        row = summary["representations"][n]
        cells = [f"`{n}`"]
        for t in targets:
            e = row.get(t, {})
            if not e:
                cells += ["–", "–"]
                continue
            lo, hi = e["macro_f1_ci"]
            cells.append(f"{fmt(e['macro_f1'])} ({fmt(lo)}–{fmt(hi)})")
            if f"vs_{baseline}_diff" in e:
                dlo, dhi = e[f"vs_{baseline}_ci"]
                cells.append(f"{e[f'vs_{baseline}_diff']:+.3f} ({dlo:+.3f}, {dhi:+.3f})")
            else:
                cells.append("baseline" if n == baseline else "–")
        e = row.get(primary, {})
        cost = (costs or {}).get(n, {})
        cells += [fmt(e.get("precision_at_k")), _with_sd(fmt, e, "v_measure"), _with_sd(fmt, e, "ari"),
                  str(row.get("dim") or "–"),
                  fmt(cost.get("fit_seconds"), 1), fmt(cost.get("transform_docs_per_second"), 0)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _with_sd(fmt: Any, e: Mapping[str, Any], key: str) -> str:
    """``0.379 (± 0.012)``: a k-means figure with its standard deviation over seeds, when there is one."""
    sd = e.get(f"{key}_std")
    return fmt(e.get(key)) + (f" (± {fmt(sd)})" if sd is not None else "")


def finding_text(summary: dict[str, Any]) -> str:
    """Two sentences from the comparison summary: whether any representation beats the baseline's probe
    (paired 95% interval of the difference above 0), per target, and which one clusters best at what probe cost."""
    base, targets = summary["baseline"], summary["targets"]
    reps = summary["representations"]
    parts = []
    for t in targets:
        others = [n for n in reps if n != base and reps[n].get(t, {}).get(f"vs_{base}_diff") is not None]
        if not others:
            continue
        best = max(others, key=lambda n: reps[n][t]["macro_f1"])
        e = reps[best][t]
        lo, hi = e[f"vs_{base}_ci"]
        verdict = "beats" if lo > 0 else ("is below" if hi < 0 else "ties with")
        parts.append(f"on {t} the best other representation, `{best}`, {verdict} `{base}` (macro-F1 "
                     f"{e['macro_f1']:.3f} against {reps[base][t]['macro_f1']:.3f}, difference {e[f'vs_{base}_diff']:+.3f}, "
                     f"95% CI {lo:+.3f} to {hi:+.3f})")
    first = "Probe: " + "; ".join(parts) + "." if parts else ""
    primary = targets[0]
    clustered = [n for n in reps if reps[n].get(primary, {}).get("v_measure") is not None]
    if not clustered:
        return first + "\n"
    top = max(clustered, key=lambda n: reps[n][primary]["v_measure"])
    e = reps[top][primary]
    cost = ("it is the baseline itself" if top == base else
            f"its {primary} probe differs from `{base}`'s by {e[f'vs_{base}_diff']:+.3f} "
            f"(95% CI {e[f'vs_{base}_ci'][0]:+.3f} to {e[f'vs_{base}_ci'][1]:+.3f})")
    second = (f"Clustering: `{top}` agrees best with the {primary} labels (k-means V-measure {e['v_measure']:.3f} "
              f"against {reps[base][primary]['v_measure']:.3f} for `{base}`); {cost}.")
    return f"{first}\n{second}\n"


def per_class_table(summary: dict[str, Any], evals: Mapping[str, Mapping[str, Any]], n: int = 2) -> str:
    """Per-class probe F1 of the ``n`` best representations on the primary target (from their
    ``metrics/eval/<name>.json``), with the difference of the first two: where the gain or loss is."""
    primary = summary["targets"][0]
    reps = summary["representations"]
    ranked = [r for r in sorted(reps, key=lambda r: -reps[r].get(primary, {}).get("macro_f1", -1))
              if ((evals.get(r) or {}).get("probe") or {}).get(primary, {}).get("per_class_f1")][:n]
    if not ranked:
        return "No per-class figures.\n"
    per = {r: evals[r]["probe"][primary]["per_class_f1"] for r in ranked}
    head = [primary, *[f"`{r}` F1" for r in ranked]] + ([f"`{ranked[1]}` − `{ranked[0]}`"] if len(ranked) > 1 else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in sorted(per[ranked[0]], key=lambda c: -per[ranked[0]][c]):
        cells = [c, *[f"{per[r].get(c, float('nan')):.3f}" for r in ranked]]
        if len(ranked) > 1:
            cells.append(f"{per[ranked[1]].get(c, float('nan')) - per[ranked[0]][c]:+.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
