"""The offline HTML report and its Markdown summary, rendered from the metrics and the review outputs.

:func:`build_context` shapes what the pipeline wrote into one plain dict (every figure an inline SVG string);
:func:`render_html` and :func:`render_summary` turn it into ``reports/index.html`` and ``reports/summary.md``.
The page is one file: CSS, script and images inline, no font, CDN or URL of any kind, so it opens from disk on
a machine with no network. Every text from a report goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from incident_lm.core.params import param
from incident_lm.report import figures
from incident_lm.report.tables import results_table
from incident_lm.review.maps import MapConfig
from incident_lm.review.queue import harm_severity
from incident_lm.review.themes import excerpt

#: Section ids of the page, in order, with their headings (the browser test checks every one is there).
SECTIONS = (("overview", "Overview"), ("comparison", "Which representation"), ("themes", "Themes"),
            ("emerging", "Emerging themes"), ("queue", "Review queue"), ("duplicates", "Likely re-reports"),
            ("data", "Data and de-identification"))

#: Anything that would make the browser fetch: a scheme with //, a protocol-relative URL, CSS @import.
EXTERNAL_REFERENCE = re.compile(r"(?i)(\b(?:https?|ftp|wss?):)?//[a-z0-9.-]+\.[a-z]{2,}|@import|\burl\(\s*['\"]?"
                                r"(?!data:|#)")


@dataclass(frozen=True)
class ReportConfig:
    """``report``: what the HTML report and the summary show.

    Parameters
    ----------
    title : str
    queue_top : int
        Review-queue entries shown (the queue's order: the flagged head first).
    duplicates_top : int
        Likely re-report pairs shown, most similar first.
    emerging_themes : int
        Flagged themes drawn with their monthly series (flagged in the latest month first).
    examples : int
        Example reports under each flagged theme.
    excerpt_chars : int
        Characters of an example report's de-identified text.
    category_share : float
        The theme explorer's category filter keeps themes where the category is at least this share.
    map : MapConfig
        The 2-D maps of reports (``report.map``).
    """

    title: str = "incident-lm: what the reports say"
    queue_top: int = param(50, min=1)
    duplicates_top: int = param(30, min=0)
    emerging_themes: int = param(10, min=0)
    examples: int = param(3, min=0)
    excerpt_chars: int = param(300, min=40)
    category_share: float = param(0.25, min=0.0, max=1.0)
    map: MapConfig = field(default_factory=MapConfig)


@dataclass
class ReportInputs:
    """What the report reads, already loaded (see ``stages/report.py`` for the files)."""

    compare: dict[str, Any]
    bars: pd.DataFrame
    costs: dict[str, dict[str, Any]]
    confusion: pd.DataFrame
    review: dict[str, Any]
    themes: pd.DataFrame
    theme_months: pd.DataFrame
    assignments: pd.DataFrame
    emerging: pd.DataFrame
    queue: pd.DataFrame
    duplicates: pd.DataFrame
    reports: pd.DataFrame
    data: dict[str, Any]
    deid: dict[str, Any]
    audit: dict[str, Any]
    maps: list[tuple[str, np.ndarray, np.ndarray]] = field(default_factory=list)
    map_n: int = 0


def _num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, int | np.integer):
        return f"{int(x):,}"
    return f"{float(x):.{digits}f}"


def comparison_rows(summary: Mapping[str, Any], costs: Mapping[str, Mapping[str, Any]],
                    preferred: str | None) -> list[dict[str, Any]]:
    """One row per representation, best primary macro-F1 first: each target's macro-F1 with CI, the paired
    difference to the baseline with CI and p, P@k and V-measure; throughput and dimension."""
    targets, baseline = summary["targets"], summary["baseline"]
    reps = summary["representations"]
    names = sorted(reps, key=lambda n: -reps[n].get(targets[0], {}).get("macro_f1", -1))
    rows = []
    for name in names:
        r = reps[name]
        row: dict[str, Any] = {"name": name, "baseline": name == baseline, "preferred": name == preferred,
                               "best": [t for t in targets if summary["best"].get(t) == name], "cells": []}
        for t in targets:
            m = r.get(t, {})
            ci = m.get("macro_f1_ci") or [None, None]
            dci = m.get(f"vs_{baseline}_ci") or [None, None]
            diff = m.get(f"vs_{baseline}_diff")
            row["cells"].append({
                "f1": _num(m.get("macro_f1")), "ci": f"{_num(ci[0])}–{_num(ci[1])}",
                "diff": "" if name == baseline or diff is None else f"{diff:+.3f}",
                "diff_ci": "" if name == baseline or dci[0] is None else f"{dci[0]:+.3f} to {dci[1]:+.3f}",
                "p": "" if name == baseline or m.get(f"vs_{baseline}_p") is None else _num(m[f"vs_{baseline}_p"]),
                "significant": bool(dci[0] is not None and name != baseline and (dci[0] > 0 or dci[1] < 0)),
                "p_at_k": _num(m.get("precision_at_k")), "v": _num(m.get("v_measure"))})
        cost = costs.get(name, {})
        row["docs_per_second"] = _num(cost.get("transform_docs_per_second"), 0) if cost else "–"
        row["dim"] = _num(r.get("dim")) if r.get("dim") is not None else "–"
        rows.append(row)
    return rows


def cost_points(summary: Mapping[str, Any], costs: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """representation, docs_per_second (transform), macro_f1 (primary target): the cost-quality plot's data."""
    primary = summary["targets"][0]
    rows = [{"representation": n, "docs_per_second": costs.get(n, {}).get("transform_docs_per_second"),
             "macro_f1": r.get(primary, {}).get("macro_f1")} for n, r in summary["representations"].items()]
    return pd.DataFrame(rows, columns=["representation", "docs_per_second", "macro_f1"])


def _levels(values: pd.Series) -> list[str]:
    """Distinct harm grades, least severe first (the queue's order of severity)."""
    distinct = sorted(v for v in values.astype(str).unique() if v and v != "nan")
    sev = harm_severity(pd.Series(distinct), len(distinct))
    return [d for _, d in sorted(zip(sev, distinct, strict=True))]


def theme_rows(inp: ReportInputs, cfg: ReportConfig, months: Sequence[str]) -> tuple[list[dict], dict]:
    """The theme explorer's rows (one per theme, unassigned last) and its filter options."""
    rep = inp.reports.set_index(inp.reports["id"].astype(str))
    assigned = inp.assignments.assign(id=inp.assignments["id"].astype(str))
    joined = assigned.join(rep.drop(columns=["id"]), on="id")
    has_cat, has_harm = "category" in joined.columns, "harm" in joined.columns
    levels = _levels(joined["harm"]) if has_harm else []
    categories = joined["category"].astype(str).value_counts().index.tolist() if has_cat else []
    by_theme = dict(tuple(joined.groupby("theme"))) if len(joined) else {}
    rows = []
    for _, t in inp.themes.sort_values(["theme"], key=lambda s: s.where(s >= 0, 10**9)).iterrows():
        members = by_theme.get(t["theme"], joined.iloc[:0])
        monthly = json.loads(t["monthly"]) if isinstance(t.get("monthly"), str) else []
        cats = members["category"].astype(str).value_counts(normalize=True) if has_cat else pd.Series(dtype=float)
        harm = members["harm"].astype(str).value_counts() if has_harm else pd.Series(dtype=int)
        counts = [int(harm.get(lv, 0)) for lv in levels]
        at_least = [int(sum(counts[i:])) for i in range(len(levels))]
        ids = str(t.get("report_ids", "") or "").split()
        texts = [str(t.get(f"excerpt_{i}", "") or "") for i in range(1, len(ids) + 1)]
        rows.append({
            "theme": int(t["theme"]), "label": "unassigned" if t["theme"] < 0 else str(int(t["theme"])),
            "size": int(t["size"]), "share": float(t["share"]), "terms": str(t["top_terms"]),
            "categories": [(c, round(float(v), 3)) for c, v in cats.head(3).items()],
            "cat_shares": {c: round(float(v), 3) for c, v in cats.items()},
            "harm": [(lv, c) for lv, c in zip(levels, counts, strict=True) if c],
            "harm_at_least": at_least, "monthly": monthly, "spark": figures.sparkline(monthly),
            "first": t.get("first_month", "") if isinstance(t.get("first_month"), str) else "",
            "peak": t.get("peak_month", "") if isinstance(t.get("peak_month"), str) else "",
            "excerpts": [(i, x) for i, x in zip(ids, texts, strict=True) if x]})
    return rows, {"categories": categories, "harm_levels": levels, "months": list(months),
                  "category_share": cfg.category_share}


def emerging_view(inp: ReportInputs, cfg: ReportConfig) -> dict[str, Any]:
    """Flags of the latest month and, per flagged theme (flagged in the latest month first, then the most
    often flagged), its monthly series as the monthly runs saw it, with example reports.

    Themes are refitted every month, so a month's theme is named by the final theme it maps to; where several
    of one month's themes map to one final theme, the series shows the one nearest its alarm threshold.
    """
    em = inp.emerging
    if not len(em):
        return {"months": [], "latest": None, "latest_flags": [], "themes": [], "n_flags": 0}
    em = em.assign(flagged=em["flagged"].astype(str).str.lower().isin(["true", "1"]))
    months = sorted(em["month"].unique())
    latest = months[-1]
    flagged = em[em["flagged"]]
    terms = inp.themes.set_index("theme")["top_terms"].astype(str).to_dict()
    text = inp.reports.set_index(inp.reports["id"].astype(str))["text"]
    # flagged in the latest month first, then the most months flagged, then the most recently flagged
    stats = flagged.groupby("final_theme")["month"].agg(["nunique", "max"])
    stats["now"] = flagged[flagged["month"] == latest].groupby("final_theme").size().reindex(stats.index).notna()
    stats = stats.reset_index().sort_values(["now", "nunique", "max", "final_theme"],
                                            ascending=[False, False, False, True], kind="stable")
    chosen = stats["final_theme"].tolist()[: cfg.emerging_themes]
    ratio = em["observed"] / em["threshold"].where(em["threshold"] > 0)
    em = em.assign(_ratio=ratio.fillna(em["observed"]))
    tm = inp.theme_months
    views = []
    for f in chosen:
        final = tm[tm["theme"] == f].set_index("month")["count"].reindex(months).fillna(0).to_numpy() \
            if len(tm) else None
        sub = em[em["final_theme"] == f].sort_values("_ratio", ascending=False).drop_duplicates("month")
        sub = sub.set_index("month").reindex(months)
        fl = flagged[flagged["final_theme"] == f].sort_values("month", ascending=False)
        ids = [i for ids in fl["report_ids"].astype(str) for i in ids.split()][: cfg.examples]
        label = f"theme {int(f)}: {terms.get(int(f), '')}" if int(f) >= 0 else "unassigned reports"
        views.append({
            "theme": int(f), "label": label, "flag_months": sorted(fl["month"].unique().tolist()),
            "latest": latest in set(fl["month"]),
            "svg": figures.series(months, sub["observed"].fillna(0).to_numpy(), sub["expected"].to_numpy(),
                                  sub["threshold"].to_numpy(), np.isin(months, fl["month"].to_numpy()), label[:90],
                                  final=final),
            "series": sub[["observed", "expected", "threshold"]].reset_index().rename(columns={"index": "month"}),
            "examples": [(i, excerpt(text.get(i, ""), cfg.excerpt_chars)) for i in ids if i in text.index]})
    now = flagged[flagged["month"] == latest].sort_values("rank")
    latest_flags = [{"theme": int(r.final_theme), "refit": int(r.theme), "observed": int(r.observed), "expected": _num(r.expected, 1),
                     "threshold": _num(r.threshold, 1), "q": _num(r.q, 4),
                     "terms": str(r.top_terms) if isinstance(r.top_terms, str) else terms.get(int(r.final_theme), "")}
                    for r in now.itertuples()]
    return {"months": months, "latest": latest, "latest_flags": latest_flags, "themes": views,
            "n_flags": int(len(flagged)), "per_month": flagged.groupby("month").size().reindex(months, fill_value=0)
            .astype(int).tolist()}


def build_context(inp: ReportInputs, cfg: ReportConfig) -> dict[str, Any]:
    """Everything the page and the summary show, as plain values and inline SVG strings."""
    summary, review = inp.compare, inp.review
    primary, baseline = summary["targets"][0], summary["baseline"]
    preferred = review.get("representation")
    months = sorted(inp.theme_months["month"].unique()) if len(inp.theme_months) else []
    themes, options = theme_rows(inp, cfg, months)
    best = summary["best"][primary]
    cat_order = inp.reports["category"].astype(str).value_counts().index.tolist() \
        if "category" in inp.reports.columns else []
    palette = figures.colours(cat_order)
    figs = {"f1": figures.f1_bars(inp.bars, baseline, preferred),
            "cost": figures.cost_quality(cost_points(summary, inp.costs), primary),
            "confusion": figures.confusion(inp.confusion, f"Confusion matrix of the best probe: {best} on {primary}")
            if len(inp.confusion) else ""}
    if inp.maps:
        figs["map"] = figures.maps(inp.maps[:1], palette, columns=1, size=5.6)
        figs["small_maps"] = figures.maps(inp.maps[1:], palette) if len(inp.maps) > 1 else ""
    queue = inp.queue.head(cfg.queue_top)
    dups = inp.duplicates.sort_values("similarity", ascending=False, kind="stable").head(cfg.duplicates_top) \
        if len(inp.duplicates) else inp.duplicates
    em = emerging_view(inp, cfg)
    th = review.get("themes", {})
    return {
        "title": cfg.title, "sections": SECTIONS, "primary": primary, "targets": summary["targets"],
        "baseline": baseline, "best": summary["best"], "preferred": preferred, "reason": review.get("reason", ""),
        "n_reports": review.get("n_reports", len(inp.reports)), "retrieval_k": summary.get("retrieval_k"),
        "comparison": comparison_rows(summary, inp.costs, preferred), "figures": figs,
        "legend": [(figures.short(c, 40), palette[c]) for c in cat_order], "map_n": inp.map_n,
        "map_method": cfg.map.method, "map_names": [m[0] for m in inp.maps],
        "themes": themes, "theme_options": options, "theme_metrics": th,
        "emerging": em, "emerging_metrics": review.get("emerging", {}),
        "queue": queue.to_dict("records"), "queue_metrics": review.get("queue", {}), "queue_total": len(inp.queue),
        "duplicates": dups.to_dict("records"), "duplicates_total": len(inp.duplicates),
        "duplicates_metrics": review.get("duplicates", {}), "search_metrics": review.get("search", {}),
        "data": inp.data, "deid": inp.deid, "audit": inp.audit,
        "results_md": results_table(summary, inp.costs),
    }


def _asset(name: str) -> str:
    return resources.files("incident_lm.report").joinpath("assets", name).read_text(encoding="utf-8")


def render_html(ctx: Mapping[str, Any]) -> str:
    """The page: the template with the CSS and script inlined, every value autoescaped."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FunctionLoader(lambda n: _asset(n)), autoescape=True,
                             undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _num
    env.filters["pct"] = lambda x, d=1: "–" if x is None else f"{100 * float(x):.{d}f}%"
    env.filters["tojson_attr"] = lambda x: json.dumps(x, separators=(",", ":"))
    page = env.get_template("index.html.j2").render(**ctx, css=_asset("report.css"), script=_asset("report.js"))
    found = external_references(page)
    if found:
        raise ValueError(f"the report would reference outside the page: {found[:3]}")
    return page


def external_references(text: str) -> list[str]:
    """Every piece of ``text`` that would make a browser fetch from outside the page (see EXTERNAL_REFERENCE)."""
    return [m.group(0) for m in EXTERNAL_REFERENCE.finditer(text)]


def render_summary(ctx: Mapping[str, Any]) -> str:
    """``reports/summary.md``: the page's answers in Markdown (no plots)."""
    em, q, th = ctx["emerging"], ctx["queue_metrics"], ctx["theme_metrics"]
    lines = [f"# {ctx['title']}", "",
             f"{ctx['n_reports']:,} reports. Open `reports/index.html` in a browser for the plots and the theme explorer.",
             "", "## Which representation", "",
             f"- Best probe on {ctx['primary']}: **{ctx['best'][ctx['primary']]}** (baseline {ctx['baseline']}).",
             f"- Used for review: **{ctx['preferred']}**. {ctx['reason']}.", "", ctx["results_md"].rstrip(), "",
             "## Themes", "",
             f"{th.get('n_themes', len(ctx['themes']))} themes; {100 * th.get('unassigned_share', 0):.1f}% of reports "
             f"unassigned; stability between two seeds (ARI) {_num(th.get('stability_ari'))}.", "",
             "| theme | reports | top terms | main categories |", "|---|---|---|---|"]
    for t in sorted(ctx["themes"], key=lambda r: -r["size"])[:15]:
        cats = "; ".join(f"{c} {v:.0%}" for c, v in t["categories"])
        lines.append(f"| {t['label']} | {t['size']:,} | {_md(t['terms'])} | {_md(cats)} |")
    lines += ["", "## Emerging themes", ""]
    if em["latest"]:
        lines.append(f"{em['n_flags']} flags over {len(em['months'])} months tested; latest month {em['latest']}: "
                     f"{len(em['latest_flags'])} flagged.")
        if em["latest_flags"]:
            lines += ["", "| theme (that month's refit) | observed | expected | threshold | q | top terms |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {f['theme']} ({f['refit']}) | {f['observed']} | {f['expected']} | {f['threshold']} | {f['q']} | "
                      f"{_md(f['terms'])} |" for f in em["latest_flags"]]
    else:
        lines.append("No month had enough history to test.")
    lines += ["", "## Review queue (first 10)", "", f"{q.get('flagged', 0):,} reports in the flagged head "
              f"(the {100 * q.get('flag_share', 0):.0f}% most novel, most harmful first).", "",
              "| rank | id | harm | category | reason |", "|---|---|---|---|---|"]
    lines += [f"| {r['rank']} | {r['id']} | {_md(r.get('harm', ''))} | {_md(r.get('category', ''))} | "
              f"{_md(r.get('reason', ''))} |" for r in ctx["queue"][:10]]
    audit = ctx["audit"]
    if audit.get("skipped"):
        audit_line = "skipped: " + audit.get("reason", "")
    elif "truth" in audit and audit["truth"] is None:
        res = audit.get("residual") or {}
        audit_line = (f"no planted truth; residual-risk scan of {res.get('n_files', 0)} files: "
                      f"{res.get('hits', 0)} identifier-shaped string(s)")
    else:
        audit_line = (f"{'clean' if audit.get('clean') else 'FINDINGS'}: {audit.get('n_findings', 0)} found in "
                      f"{audit.get('n_files_scanned', 0)} files")
    data = ctx["data"]
    lines += ["", "## Data and de-identification", "",
              f"- Rows read {data.get('rows_read', 0):,}, kept {data.get('rows_kept', 0):,}; dropped: "
              + ", ".join(f"{k} {v:,}" for k, v in (data.get("rows_dropped") or {}).items() if v) + ".",
              "- Redactions: " + ", ".join(f"{k} {v:,}" for k, v in (data.get("redactions") or {}).items() if v) + ".",
              f"- {ctx['duplicates_total']:,} likely re-report pairs.", f"- Audit of the artefacts: {audit_line}.", ""]
    return "\n".join(lines)


def _md(text: Any) -> str:
    return str(text if text is not None and text == text else "").replace("|", "\\|").replace("\n", " ")
