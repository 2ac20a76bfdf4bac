"""Markdown of the review layer's measured figures (``metrics/review.json``) against the issue's targets, and
of the pipeline's cost per stage (``metrics/cost/``): generated, never typed by hand."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from incident_lm.core.io import read_json


def _f(x: Any, fmt: str = ".2f") -> str:
    return "–" if x is None else format(x, fmt)


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**not met**")


def review_table(m: Mapping[str, Any]) -> str:
    """The review figures as a Markdown table (figure, measured, target, met?)."""
    th, em, qu, du, se = (m.get(k, {}) for k in ("themes", "emerging", "queue", "duplicates", "search"))
    rows: list[tuple[str, str, str, str]] = [
        ("themes (k-means centres kept)", str(th.get("n_themes")), "tens to a few hundred", "–"),
        ("share of reports unassigned", _f(th.get("unassigned_share"), ".1%"), "explicit", "–"),
        ("themes vs categories: V-measure / ARI",
         f"{_f(th.get('v_measure_category'), '.3f')} / {_f(th.get('ari_category'), '.3f')}", "–", "–"),
        ("stability: ARI between two seeds", _f(th.get("stability_ari"), ".3f"), "–", "–"),
    ]
    p = em.get("planted") or {}
    if p:
        fa = p.get("false_alarms_per_month") or {}
        mtf, rank = p.get("months_to_flag"), p.get("rank_at_flag")
        rows += [
            ("emerging theme: onset, first month flagged", f"{p.get('onset')}, {p.get('first_flag') or 'never'}",
             "–", "–"),
            ("months from onset to flag", _f(mtf, "d"), "<= 3", _met(None if mtf is None else mtf <= 3)),
            ("its rank that month (by p-value)", _f(rank, "d"), "1", _met(None if rank is None else rank == 1)),
            ("false alarms a month: median / max", f"{_f(fa.get('median'), '.0f')} / {_f(fa.get('max'), 'd')}",
             "0 / <= 1", _met(None if not fa else fa.get("median") == 0 and fa.get("max", 99) <= 1)),
        ]
    rows.append(("themes flagged a month: median / max (months tested)",
                 f"{_f((em.get('flagged_per_month') or {}).get('median'), '.0f')} / "
                 f"{_f((em.get('flagged_per_month') or {}).get('max'), 'd')} ({em.get('months_tested')})", "–", "–"))
    q = qu.get("planted") or {}
    if q:
        rows.append((f"planted novel reports in the top 1% of the queue ({q.get('top_n')} of {m.get('n_reports')})",
                     f"{q.get('in_top')} of {q.get('planted')} ({_f(q.get('recall_top'), '.0%')})",
                     f"> random {_f(q.get('random_floor'), '.0%')}",
                     _met(q.get("recall_top", 0) > q.get("random_floor", 1))))
        by = q.get("recall_top_by_score") or {}
        if by:
            rows.append(("... ordered by each novelty score alone",
                         ", ".join(f"{k} {_f(v.get('novelty_only'), '.0%')}" for k, v in by.items()), "–", "–"))
    d = du.get("planted") or {}
    if d:
        rows.append(("re-report pairs: precision / recall",
                     f"{_f(d.get('precision'))} / {_f(d.get('recall'))} ({d.get('found')} found, "
                     f"{d.get('planted')} planted)", "–", "–"))
    if se:
        rows.append((f"search: planted re-report's original is the top hit / in the top 10 ({se.get('queries')} "
                     f"queries)", f"{_f(se.get('twin_top1'), '.0%')} / {_f(se.get('twin_top10'), '.0%')}", "–", "–"))
    head = (f"Review representation: `{m.get('representation')}`. {m.get('reason', '')}.\n\n"
            "| figure | measured | target | |\n|---|---|---|---|\n")
    return head + "".join(f"| {a} | {b} | {c} | {d} |\n" for a, b, c, d in rows)


def read_cost_records(cost_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Every cost record under ``cost_dir`` (``metrics/cost``), keyed ``stage`` or ``stage@name`` (the
    record of ``evaluate/tfidf.json`` is ``evaluate@tfidf``), in path order; files without ``wall_seconds`` are
    not cost records and are left out."""
    root = Path(cost_dir)
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob("*.json")):
        record = read_json(path)
        if isinstance(record, dict) and "wall_seconds" in record:
            out["@".join(path.relative_to(root).with_suffix("").parts)] = record
    return out


def _stage_costs(cost_dir: str | Path) -> list[tuple[str, float, float | None, bool]]:
    """``(stage, wall seconds, load at its end, whether it runs a transformer)`` per cost record: ``tune_lm`` and
    the represent stages of ``type: bert`` representations."""
    return [(name, float(rec["wall_seconds"]), (rec.get("machine") or {}).get("load_1min"),
             rec.get("stage") == "tune_lm" or rec.get("type") == "bert")
            for name, rec in read_cost_records(cost_dir).items()]


def cost_table(cost_dir: str | Path = "metrics/cost") -> str:
    """Wall time per stage of the committed run, longest first, the total, and the machine's load (the
    1-minute load average each stage recorded at its end: above the core count, something else was running)."""
    costs = sorted(_stage_costs(cost_dir), key=lambda x: -x[1])
    total = sum(s for _, s, _, _ in costs)
    loads = sorted(x for _, _, x, _ in costs if x is not None)
    load = f" Load average at the stages' ends: median {loads[len(loads) // 2]:.1f}, max {loads[-1]:.1f}." \
        if loads else ""
    lm = [(name, s) for name, s, _, is_lm in costs if is_lm]
    lm_total = sum(s for _, s in lm)
    share = (f" The transformer stages ({', '.join(f'`{n}`' for n, _ in lm)}) take {lm_total / 60:.1f}"
             f" min of it, the other {len(costs) - len(lm)} stages {(total - lm_total) / 60:.1f} min."
             if lm and total else "")
    lines = [f"Wall time of the committed run: {total / 60:.1f} min over {len(costs)} stages.{load}{share}\n\n",
             "| stage | wall s |\n|---|---|\n"]
    lines += [f"| `{name}` | {s:.0f} |\n" for name, s, _, _ in costs]
    return "".join(lines)
