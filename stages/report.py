"""Stage report: the offline HTML report (reports/index.html) and its Markdown summary (reports/summary.md) from
the metrics and the review outputs (params ``report``), and the data of its main plots for ``dvc plots``.

Before anything is written, the rendered page and summary are searched for the planted identifiers (when the
corpus has planted truth, ``deid.truth``): a finding stops the stage and nothing is written.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from incident_lm.audit import auditor, corpus_ordinary_words, page_text
from incident_lm.core import stage
from incident_lm.core.artefacts import read_split
from incident_lm.core.errors import DataError
from incident_lm.core.io import read_json, write_csv, write_text
from incident_lm.core.params import load_params, load_section, read_section
from incident_lm.deid.residual import ResidualScan
from incident_lm.report.html import (
    ReportConfig,
    ReportInputs,
    build_context,
    cost_points,
    render_html,
    render_summary,
)
from incident_lm.report.tables import bar_rows, load_costs
from incident_lm.review.maps import project, stratified_sample
from incident_lm.review.reports import stack_features


def _maps(features_root: Path, order: list[str], split: pd.DataFrame, cfg: ReportConfig
          ) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], pd.DataFrame]:
    """The preferred representation's map (``report.map.points`` reports) and the others' small maps (the
    first ``small_points`` of the same sample), with the plotted rows as a table."""
    reports = split.sort_values("id", kind="stable").reset_index(drop=True)
    labels = reports["category"].astype(str).to_numpy() if "category" in reports.columns else np.zeros(len(reports))
    sample = reports["id"].astype(str).to_numpy()[stratified_sample(labels, cfg.map.points, cfg.map.seed)]
    panels, rows = [], []
    names = [n for n in order if (features_root / n / "ids.parquet").exists()]
    for i, name in enumerate(names if cfg.map.others else names[:1]):
        X, rep = stack_features(features_root / name, split)
        pos = pd.Series(np.arange(len(rep)), index=rep["id"].astype(str))
        ids = sample if i == 0 else sample[: cfg.map.small_points]
        take = pos.reindex(ids).dropna().astype(int).to_numpy()
        xy = project(X[take], cfg.map)
        cats = rep["category"].astype(str).to_numpy()[take] if "category" in rep.columns else np.full(len(take), "")
        panels.append((name, xy, cats))
        rows.append(pd.DataFrame({"representation": name, "id": rep["id"].astype(str).to_numpy()[take],
                                  "x": xy[:, 0].round(4), "y": xy[:, 1].round(4), "category": cats}))
        stage.log.info("map of %s: %d reports", name, len(take))
    return panels, pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _self_audit(ctx: dict, page: str, summary: str, args: argparse.Namespace) -> str:
    """Search the rendered text for planted identifiers; raise before anything is written."""
    params = load_params(args.params)
    truth = (params.get("deid") or {}).get("truth")
    shown = [(t_id, x) for t in ctx["themes"] for t_id, x in t["excerpts"]]
    shown += [(str(r["id"]), str(r.get("excerpt", ""))) for r in ctx["queue"]]
    shown += [(str(d[f"id_{s}"]), str(d[f"excerpt_{s}"])) for d in ctx["duplicates"] for s in "ab"]
    shown += [(i, x) for e in ctx["emerging"]["themes"] for i, x in e["examples"]]
    if not truth:  # real data: the residual-risk scan of every excerpt shown and of the summary
        limit = (params.get("deid") or {}).get("max_residual")
        scan = ResidualScan(ordinary=corpus_ordinary_words(args.input))
        scan.add([i for i, _ in shown] + [str(args.summary)], [x for _, x in shown] + [summary])
        res = scan.to_dict(limit)
        if not res["pass"]:
            raise DataError(f"{res['hits']} identifier-shaped string(s) would be written to the report, above "
                            f"deid.max_residual = {limit}: " + "; ".join(f"{it['id']} {it['type']}: {it['excerpt']}"
                                                                         for it in res["sample"][:5]))
        return f"no planted truth; residual-risk scan of {len(shown)} excerpts: {res['hits']} hit(s)"
    found = []
    check = auditor(params["data"]["source"], truth)
    for rel, text, per_report in ((args.out, page, shown), (args.summary, summary, [])):
        res = check.scan_texts([(None, page_text(text)), *per_report], rel)
        found += res.findings
    if found:
        raise DataError(f"{len(found)} planted identifier(s) would be written to the report: "
                        + "; ".join(f"{f.file}: {f.type} {f.masked} ({f.where})" for f in found[:5])
                        + " (the de-identification missed them: see deid in params.yaml)")
    return "clean"


def main(args: argparse.Namespace) -> dict:
    cfg = read_section(ReportConfig, load_section("report", args.params))
    timings: dict[str, float] = {}
    t = time.perf_counter()
    compare = read_json(args.compare)
    review = read_json(args.review)
    split = read_split(args.input)
    reports_dir = Path(args.reports_dir)
    inp = ReportInputs(
        compare=compare, bars=bar_rows(compare), costs=load_costs(args.costs),
        confusion=pd.read_csv(args.confusion, dtype=str, keep_default_na=False),
        review=review, themes=pd.read_csv(reports_dir / "themes.csv"),
        theme_months=pd.read_csv(reports_dir / "theme_months.csv", dtype={"month": str}),
        assignments=pd.read_parquet(reports_dir / "themes.parquet"),
        emerging=pd.read_csv(reports_dir / "emerging.csv", dtype={"month": str}),
        queue=pd.read_csv(reports_dir / "review_queue.csv", dtype={"id": str}, keep_default_na=False),
        duplicates=pd.read_csv(reports_dir / "duplicates.csv", dtype={"id_a": str, "id_b": str},
                               keep_default_na=False),
        reports=split, data=read_json(args.data_metrics), deid=read_json(args.deid_metrics),
        audit=read_json(args.audit))
    timings["read_s"] = time.perf_counter() - t

    t = time.perf_counter()
    preferred = review["representation"]
    order = [preferred] + [n for n in compare["representations"] if n != preferred]
    inp.maps, map_rows = _maps(Path(args.features_root), order, split, cfg)
    inp.map_n = len(inp.maps[0][1]) if inp.maps else 0
    timings["maps_s"] = time.perf_counter() - t

    t = time.perf_counter()
    ctx = build_context(inp, cfg)
    page, summary = render_html(ctx), render_summary(ctx)
    timings["render_s"] = time.perf_counter() - t
    t = time.perf_counter()
    audit = _self_audit(ctx, page, summary, args)
    timings["self_audit_s"] = time.perf_counter() - t

    plots = Path(args.plots_dir)
    write_csv(cost_points(compare, inp.costs), plots / "cost_quality.csv")
    write_csv(map_rows[map_rows["representation"] == preferred] if len(map_rows) else map_rows, plots / "map.csv")
    top = ctx["emerging"]["themes"][:1]
    series = top[0]["series"] if top else pd.DataFrame(columns=["month", "observed", "expected", "threshold"])
    write_csv(series.assign(t=np.arange(len(series))), plots / "emerging.csv")
    write_text(args.summary, summary)
    write_text(args.out, page)
    stage.log.info("report: %s (%.0f kB), %s; self-audit %s", args.out, len(page.encode()) / 1024, args.summary,
                   audit)
    return {"page_bytes": len(page.encode()), "summary_bytes": len(summary.encode()), "map_points": inp.map_n,
            "themes": len(ctx["themes"]), "self_audit": audit, **{k: round(v, 3) for k, v in timings.items()}}


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--input", required=True, help="split reports (labels, dates, de-identified text)")
    ap.add_argument("--compare", required=True, help="the comparison summary (JSON)")
    ap.add_argument("--costs", required=True, help="folder of the represent stages' cost figures")
    ap.add_argument("--confusion", required=True, help="the best probe's (actual, predicted) pairs (CSV)")
    ap.add_argument("--review", required=True, help="the review's figures (JSON)")
    ap.add_argument("--reports-dir", required=True, help="folder of the review tables")
    ap.add_argument("--features-root", required=True, help="folder of every representation's features (maps)")
    ap.add_argument("--data-metrics", required=True, help="rows read and dropped, redactions (JSON)")
    ap.add_argument("--deid-metrics", required=True, help="de-identification scores (JSON)")
    ap.add_argument("--audit", required=True, help="the artefact audit (JSON)")
    ap.add_argument("--out", required=True, help="the page (HTML)")
    ap.add_argument("--summary", required=True, help="the summary (Markdown)")
    ap.add_argument("--plots-dir", required=True, help="folder of the plot data for dvc plots")
    stage.run("report", main, ap)
