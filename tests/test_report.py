"""The offline HTML report: figures, the theme explorer's data, the emerging view, escaping, the no-URL rule, the
Markdown summary, and the page opened in a real headless browser with no network.

The page is built here from a small hand-made set of inputs (fast); ``tests/test_pipeline.py`` opens the page a
real ``dvc repro`` wrote.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from incident_lm.audit import Auditor
from incident_lm.report import figures
from incident_lm.report.html import (
    SECTIONS,
    ReportConfig,
    ReportInputs,
    build_context,
    emerging_view,
    external_references,
    render_html,
    render_summary,
    theme_rows,
)
from incident_lm.review.maps import MapConfig, project, stratified_sample
from tests.browser import open_page

MONTHS = [f"{y}-{m:02d}" for y in (2022, 2023) for m in range(1, 13)]
CATS = ["Medication", "Patient accident", "Treatment, procedure", "Documentation"]
HARMS = ["1 No harm", "2 Low", "3 Moderate", "4 Severe", "5 Death"]
EVIL = "<script>alert('x')</script> & more"


def toy_inputs(n: int = 240) -> ReportInputs:
    rng = np.random.default_rng(0)
    ids = [f"R{i:04d}" for i in range(n)]
    month = np.arange(n) % len(MONTHS)
    reports = pd.DataFrame({
        "id": ids, "date": [f"{MONTHS[m]}-15" for m in month], "category": [CATS[i % 4] for i in range(n)],
        "harm": [HARMS[min(4, int(x))] for x in rng.exponential(0.8, n)],
        "text": [f"report {i} about {CATS[i % 4].lower()} [PERSON] given the wrong dose" for i in range(n)],
        "split": np.where(np.arange(n) % 5 == 0, "test", "train")})
    reports.loc[3, "text"] = EVIL
    theme = np.where(np.arange(n) % 17 == 0, -1, np.arange(n) % 4)
    assignments = pd.DataFrame({"id": ids, "theme": theme, "similarity": rng.random(n).astype(np.float32)})
    rows, tm = [], []
    for c in range(-1, 4):
        members = np.flatnonzero(theme == c)
        per = np.bincount(month[members], minlength=len(MONTHS))
        rows.append({"theme": c, "size": len(members), "share": len(members) / n,
                     "top_terms": "(unassigned)" if c < 0 else f"term{c}a; term{c}b",
                     "first_month": MONTHS[0], "last_month": MONTHS[-1], "peak_month": MONTHS[int(per.argmax())],
                     "monthly": json.dumps(per.tolist()), "report_ids": " ".join(ids[i] for i in members[:2]),
                     "excerpt_1": reports["text"][members[0]], "excerpt_2": reports["text"][members[1]]})
        tm += [{"theme": c, "month": m, "count": int(k)} for m, k in zip(MONTHS, per, strict=True)]
    em = []
    for t, m in enumerate(MONTHS[12:]):
        for c in range(4):
            flagged = c == 2 and t >= 10
            em.append({"month": m, "theme": c, "final_theme": c, "observed": 9 if flagged else 2, "expected": 2.0,
                       "threshold": 5.0, "p": 0.001 if flagged else 0.5, "q": 0.004 if flagged else 0.9,
                       "alarm": flagged, "flagged": flagged, "rank": 1 if flagged else 2 + c,
                       "top_terms": "term2a; insulin" if flagged else "", "report_ids": "R0002 R0003"})
    summary = {
        "baseline": "tfidf", "targets": ["category", "harm"], "retrieval_k": 10,
        "best": {"category": "tfidf", "harm": "tfidf"},
        "representations": {
            "tfidf": {"category": {"macro_f1": 0.74, "macro_f1_ci": [0.72, 0.75], "precision_at_k": 0.57,
                                   "v_measure": 0.13},
                      "harm": {"macro_f1": 0.35, "macro_f1_ci": [0.33, 0.38], "precision_at_k": 0.56,
                               "v_measure": 0.01}, "dim": 30000},
            "bert": {t: {"macro_f1": f, "macro_f1_ci": [f - 0.02, f + 0.02], "vs_tfidf_diff": f - b,
                         "vs_tfidf_ci": [f - b - 0.02, f - b + 0.02], "vs_tfidf_p": 0.0, "precision_at_k": 0.43,
                         "v_measure": 0.17} for t, f, b in (("category", 0.52, 0.74), ("harm", 0.24, 0.35))}
            | {"dim": 384}}}
    from incident_lm.report.tables import bar_rows

    xy = rng.random((n, 2)).astype(np.float32)
    return ReportInputs(
        compare=summary, bars=bar_rows(summary),
        costs={"tfidf": {"transform_docs_per_second": 12000.0}, "bert": {"transform_docs_per_second": 310.0}},
        confusion=pd.DataFrame({"actual": [CATS[i % 4] for i in range(60)],
                                "predicted": [CATS[(i + (i % 7 == 0)) % 4] for i in range(60)]}),
        review={"representation": "bert", "reason": "review.representation is 'auto': the best V-measure",
                "n_reports": n, "themes": {"n_themes": 4, "unassigned_share": 0.06, "stability_ari": 0.7,
                                           "v_measure_category": 0.4},
                "emerging": {"planted": {"onset": "2023-09", "first_flag": "2023-11", "rank_at_flag": 1,
                                         "false_alarms_per_month": {"median": 0.0, "max": 1}}},
                "queue": {"flagged": 5, "flag_share": 0.02, "planted": {"recall_top": 0.5}},
                "duplicates": {"min_similarity": 0.8, "max_days": 3, "planted": {"precision": 0.9, "recall": 0.5}}},
        themes=pd.DataFrame(rows), theme_months=pd.DataFrame(tm), assignments=assignments,
        emerging=pd.DataFrame(em),
        queue=pd.DataFrame({"rank": [1, 2], "id": ["R0003", "R0010"], "date": ["2023-01-15", "2023-02-15"],
                            "harm": ["4 Severe", "1 No harm"], "category": ["Medication", "Documentation"],
                            "theme": [2, -1], "novelty": [0.99, 0.98], "novelty_pct": [0.999, 0.998],
                            "head": [True, True], "reason": ["novelty in the top 0.1%", "rare terms"],
                            "excerpt": [EVIL, "report 10"]}),
        duplicates=pd.DataFrame({"id_a": ["R0001"], "id_b": ["R0005"], "similarity": [0.93], "days_apart": [1],
                                 "date_a": ["2023-01-15"], "date_b": ["2023-01-16"],
                                 "excerpt_a": ["report 1"], "excerpt_b": ["report 5"]}),
        reports=reports,
        data={"rows_read": n + 3, "rows_kept": n, "rows_dropped": {"too_short": 2, "duplicate_text": 1},
              "files_read": ["x.csv"], "preset": "nrls", "text_fields": ["IN07"],
              "redactions": {"PERSON": 12, "NHS_NUMBER": 3}},
        deid={"docs_scored": 40, "per_type": {"PERSON": {"recall": 1.0, "precision": 0.99}}},
        audit={"clean": True, "n_findings": 0, "n_files_scanned": 120, "n_planted_values": 300,
               "n_distinctive_tokens": 90},
        maps=[("bert", xy, reports["category"].to_numpy()), ("tfidf", xy[:100], reports["category"][:100].to_numpy())],
        map_n=n)


@pytest.fixture(scope="module")
def ctx() -> dict:
    return build_context(toy_inputs(), ReportConfig())


@pytest.fixture(scope="module")
def page(ctx: dict) -> str:
    return render_html(ctx)


def test_figures_are_inline_svg_that_point_nowhere(ctx: dict) -> None:
    for name, svg in ctx["figures"].items():
        assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>"), name
        assert "<?xml" not in svg and "<!DOCTYPE" not in svg and not external_references(svg), name
        assert "http" not in svg, name
    assert "data:image/png;base64," in ctx["figures"]["map"]  # the points are one raster inside the SVG


def test_sparkline_draws_one_point_per_month() -> None:
    svg = figures.sparkline([0, 3, 1, 5])
    pts = svg.split('points="')[1].split('"')[0].split()
    assert len(pts) == 4 and float(pts[3].split(",")[1]) < float(pts[0].split(",")[1])  # peak is higher up
    assert figures.sparkline([]) == ""


@pytest.mark.parametrize("bad", ['<img src="https://example.org/a.png">', '<script src="//cdn.example.com/x.js">',
                                 "<style>@import 'x.css';</style>", "<div style=\"background:url(a.png)\">",
                                 "<link href='http://fonts.example.net/f.css'>", "url( 'x.svg')"])
def test_external_reference_check_catches_every_kind(bad: str) -> None:
    assert external_references(f"<p>ok</p>{bad}")


@pytest.mark.parametrize("fine", ['clip-path="url(#p1a2)"', "<image xlink:href='data:image/png;base64,AAA'>",
                                  "24/7 cover and/or 1/2 dose", "url(data:image/png;base64,AA)"])
def test_external_reference_check_leaves_local_things(fine: str) -> None:
    assert not external_references(fine)


def test_page_has_every_section_and_escapes_report_text(page: str, ctx: dict) -> None:
    for sid, heading in SECTIONS:
        assert f'<section id="{sid}" data-section>' in page and heading in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in page
    assert page.count("<script") == 2  # the JSON data block and the page's own script: nothing else
    assert not external_references(page) and "Content-Security-Policy" in page
    assert page.count('<tr data-theme="') == len(ctx["themes"]) == 5


def test_a_url_in_the_text_stops_the_page() -> None:
    inp = toy_inputs()
    inp.queue.loc[1, "excerpt"] = "see https://intranet.example.nhs.uk/x"
    with pytest.raises(ValueError, match="outside the page"):
        render_html(build_context(inp, ReportConfig()))


def test_theme_rows_carry_the_filters_data() -> None:
    inp = toy_inputs()
    rows, options = theme_rows(inp, ReportConfig(), MONTHS)
    assert [r["theme"] for r in rows] == [0, 1, 2, 3, -1]  # unassigned last
    joined = inp.assignments.merge(inp.reports, on="id")
    for r in rows:
        members = joined[joined["theme"] == r["theme"]]
        assert r["size"] == len(members) and len(r["monthly"]) == len(MONTHS)
        assert r["cat_shares"] == pytest.approx(members["category"].value_counts(normalize=True).round(3).to_dict())
        # harm_at_least[i]: reports at level i or worse
        for i, level in enumerate(options["harm_levels"]):
            worse = options["harm_levels"][i:]
            assert r["harm_at_least"][i] == members["harm"].isin(worse).sum(), level
    assert options["harm_levels"] == sorted(options["harm_levels"])  # "1 No harm" .. "5 Death"
    assert options["categories"][0] in CATS and options["months"] == MONTHS


def test_emerging_view_puts_the_latest_months_flags_first() -> None:
    inp = toy_inputs()
    view = emerging_view(inp, ReportConfig())
    assert view["latest"] == "2023-12" and [f["theme"] for f in view["latest_flags"]] == [2]
    assert [t["theme"] for t in view["themes"]] == [2] and view["themes"][0]["latest"]
    assert view["themes"][0]["flag_months"] == ["2023-11", "2023-12"]
    series = view["themes"][0]["series"]
    assert list(series["month"]) == MONTHS[12:] and series["observed"].iloc[-1] == 9
    assert view["themes"][0]["examples"][0][0] == "R0002" and sum(view["per_month"]) == view["n_flags"] == 2


def test_summary_answers_the_four_questions(ctx: dict) -> None:
    md = render_summary(ctx)
    assert "Best probe on category: **tfidf**" in md and "Used for review: **bert**" in md
    assert "## Themes" in md and "| theme | reports |" in md
    assert "latest month 2023-12: 1 flagged" in md and "| 2 (2) | 9 |" in md and "| 1 | R0003 |" in md
    assert "Rows read 243, kept 240" in md and "Audit of the artefacts: clean" in md


def test_stratified_sample_keeps_proportions_and_every_label() -> None:
    labels = np.array(["a"] * 900 + ["b"] * 90 + ["c"] * 10)
    idx = stratified_sample(labels, 100, seed=1)
    assert len(idx) == len(set(idx)) == 100
    counts = pd.Series(labels[idx]).value_counts()
    assert set(counts.index) == {"a", "b", "c"} and 85 <= counts["a"] <= 92 and counts["c"] >= 1
    assert np.array_equal(idx, stratified_sample(labels, 100, seed=1))
    assert sorted(stratified_sample(labels, 5000)) == list(range(1000))


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_is_two_dimensional_scaled_and_repeatable(method: str) -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 20)) * 5
    X = np.vstack([c + rng.normal(size=(40, 20)) for c in centres]).astype(np.float32)
    cfg = MapConfig(method=method, max_iter=250, perplexity=10)
    Y = project(X, cfg)
    assert Y.shape == (120, 2) and Y.dtype == np.float32 and Y.min() == 0 and Y.max() == pytest.approx(1)
    np.testing.assert_allclose(Y, project(X, cfg), atol=1e-5)
    # clusters stay apart: each point's nearest other point is in its own cluster
    d = ((Y[:, None] - Y[None]) ** 2).sum(-1) + np.eye(len(Y)) * 9
    assert (d.argmin(1) // 40 == np.arange(120) // 40).mean() >= 0.9  # t-SNE varies with BLAS kernels; chance is 1/3
    assert project(sp.csr_matrix(X), cfg).shape == (120, 2)


def test_self_audit_finds_a_planted_value_in_its_reports_excerpt() -> None:
    truth = pd.DataFrame({"doc": ["R1"], "type": ["PERSON"], "value": ["Doreen Price-Jones"]})
    auditor = Auditor(truth, {"lindqvist": "PERSON"})
    res = auditor.scan_texts([("R1", "seen by doreen  price-jones today"), ("R2", "Doreen Price-Jones")], "page")
    assert [(f.kind, f.where) for f in res.findings] == [("value", "report R1")]
    res = auditor.scan_texts([(None, "<td>Mr Lindqvist</td>")], "page")
    assert [f.kind for f in res.findings] == ["token"] and not auditor.scan_texts([(None, "fine")], "p").findings


def test_page_opens_offline_in_a_headless_browser(page: str, tmp_path) -> None:
    path = tmp_path / "index.html"
    path.write_text(page, encoding="utf-8")
    opened = open_page(path, "report-toy.png")
    check = opened.selfcheck()
    assert opened.console == [], opened.console
    assert check["ready"] == "1" and check["errors"] == "0", check
    assert int(check["sections"]) == len(SECTIONS) and int(check["theme-rows"]) == 5
    assert int(check["figures"]) >= 6  # f1, cost, confusion, map, small maps, one emerging series
    assert opened.screenshot.stat().st_size > 10_000


def test_the_browser_check_sees_a_blocked_load_and_a_script_error(page: str, tmp_path) -> None:
    """The check above can fail: the same page with an external image and a broken script."""
    path = tmp_path / "broken.html"
    path.write_text(page.replace("</main>", '<img src="https://example.org/x.png"></main>')
                    .replace("</body>", "<script>noSuchFunction();</script></body>"), encoding="utf-8")
    opened = open_page(path, "report-broken.png")
    assert any("example.org" in m for m in opened.console) and any("noSuchFunction" in m for m in opened.console)


def test_page_text_drops_images_styles_and_code_but_keeps_data() -> None:
    from incident_lm.audit import page_text

    page = ('<style>td { border: 1px solid }</style><img src="data:image/png;base64,AAcom/1pxZZ+9==">'
            '<script>var x = 1;</script><script type="application/json">{"c": "Lindqvist"}</script><td>Price</td>')
    text = page_text(page)
    assert "1px" not in text and "com" not in text and "var x" not in text
    assert "Lindqvist" in text and "Price" in text
    assert "border" in page_text(page, html=False) and "AAcom" not in page_text(page, html=False)
    # an inline figure's own attributes (the plotting library's CSS and ids) are not text: "8px" and "5px" are
    # also postcode inward codes; the figure's <text> and a title attribute are kept
    svg = ('<svg><g id="text_15" clip-path="url(#p3a9c)"><text style="font-size: 8px; font-family: DejaVu Sans" '
           'x="1.5">fasttext_sif</text><title>Lindqvist</title><rect style="fill: #fff" title="Price"/></g></svg>')
    text = page_text(svg)
    assert "8px" not in text and "DejaVu" not in text and "p3a9c" not in text and "text_15" not in text
    assert "fasttext_sif" in text and "Lindqvist" in text and "Price" in text
