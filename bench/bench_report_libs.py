"""The evidence behind the HTML report's plotting choice: page size, build time, offline behaviour and the time
a headless browser takes to open the page, for the same figures drawn by each candidate library.

Usage (from the repository root; the candidates that are not installed are recorded as such)::

    pip install plotly bokeh altair      # only for this benchmark; the report needs matplotlib and jinja2
    python bench/bench_report_libs.py [--points 5000 20000 100000] [--out bench/results/report_libs.json]

Figures: a bar chart of probe macro-F1 with confidence intervals (8 representations x 2 targets) and a 2-D map
of N reports coloured by 15 categories (random points: only the count matters). Candidates: matplotlib to inline
SVG (every point a vector shape), matplotlib to inline SVG with the scatter layer rasterised (one PNG inside the
SVG, the report's choice), plotly with its script inlined, bokeh with its resources inlined, altair (Vega-Lite).
"Open" is the wall time of ``chromium --headless --dump-dom`` on the page less the same on an empty page, best of
``--repeats``; chromium runs with its network pointed at nothing, and ``external`` counts any http(s) URL left in
the page. A 1M-report map is not drawn point by point by any candidate: the report samples it (``report.map``).
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from common import environment

from incident_lm.core.io import write_json

EXTERNAL = re.compile(r"https?://", re.I)
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=20000", "--dump-dom"]


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)).astype(np.float32), rng.integers(0, 15, size=n)


def _bars() -> tuple[list[str], np.ndarray, np.ndarray]:
    reps = [f"rep_{i}" for i in range(8)]
    f1 = np.linspace(0.4, 0.75, 8)
    return reps, f1, np.full(8, 0.02)


def mpl_page(xy: np.ndarray, cat: np.ndarray, rasterized: bool) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = []
    reps, f1, err = _bars()
    for fig_fn in ("bars", "map"):
        fig, ax = plt.subplots(figsize=(6, 4))
        if fig_fn == "bars":
            ax.barh(reps, f1, xerr=err)
        else:
            ax.scatter(xy[:, 0], xy[:, 1], c=cat, s=2, cmap="tab20", rasterized=rasterized, linewidths=0)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", dpi=110)
        plt.close(fig)
        parts.append(buf.getvalue().split("?>", 1)[-1])
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"


def plotly_page(xy: np.ndarray, cat: np.ndarray) -> str:
    import plotly.graph_objects as go

    reps, f1, err = _bars()
    bars = go.Figure(go.Bar(x=f1, y=reps, orientation="h", error_x={"array": err}))
    scat = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", marker={"color": cat, "size": 3}))
    return (bars.to_html(include_plotlyjs=True, full_html=True)
            + scat.to_html(include_plotlyjs=False, full_html=False))


def bokeh_page(xy: np.ndarray, cat: np.ndarray) -> str:
    from bokeh.embed import file_html
    from bokeh.layouts import column
    from bokeh.plotting import figure
    from bokeh.resources import INLINE

    reps, f1, _ = _bars()
    b = figure(y_range=reps, height=300)
    b.hbar(y=reps, right=f1, height=0.8)
    s = figure(height=400, output_backend="webgl")
    palette = np.array([f"#{(37 * i) % 256:02x}{(91 * i) % 256:02x}{(173 * i) % 256:02x}" for i in range(15)])
    s.scatter(xy[:, 0], xy[:, 1], size=2, color=palette[cat].tolist())
    return file_html(column(b, s), INLINE, "bench")


def altair_page(xy: np.ndarray, cat: np.ndarray) -> str:
    import altair as alt
    import pandas as pd

    alt.data_transformers.disable_max_rows()
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "c": cat})
    chart = alt.Chart(frame).mark_circle(size=4).encode(x="x", y="y", color="c:N")
    buf = io.StringIO()
    try:
        chart.save(buf, format="html", inline=True)  # needs vl-convert-python for the inlined scripts
    except Exception as exc:  # noqa: BLE001 - recorded as the reason the candidate fails offline
        raise RuntimeError(f"inline HTML unavailable: {type(exc).__name__}: {str(exc)[:120]}") from exc
    return buf.getvalue()


def report_page(xy: np.ndarray, cat: np.ndarray) -> str:
    """The report's own figures (``incident_lm.report.figures``): matplotlib, points rasterised, URLs stripped."""
    from incident_lm.report import figures

    reps, f1, err = _bars()
    import pandas as pd

    bars = pd.DataFrame({"representation": reps, "target": "category", "macro_f1": f1, "ci_low": f1 - err,
                         "ci_high": f1 + err})
    names = [str(c) for c in range(15)]
    svg = figures.f1_bars(bars, "rep_0") + figures.maps([("map", xy, cat.astype(str))], figures.colours(names))
    return "<!doctype html><html><body>" + svg + "</body></html>"


CANDIDATES = {
    "incident_lm_report_figures": report_page,
    "matplotlib_svg": lambda xy, c: mpl_page(xy, c, rasterized=False),
    "matplotlib_svg_rasterised_points": lambda xy, c: mpl_page(xy, c, rasterized=True),
    "plotly_inline": plotly_page,
    "bokeh_inline": bokeh_page,
    "altair_inline": altair_page,
}


def open_seconds(browser: str, page: Path, blank: Path, repeats: int) -> float:
    def run(p: Path) -> float:
        t0 = time.perf_counter()
        subprocess.run([browser, *BROWSER_FLAGS, p.as_uri()], capture_output=True, timeout=180, check=False)
        return time.perf_counter() - t0
    return round(max(0.0, min(run(page) for _ in range(repeats)) - min(run(blank) for _ in range(repeats))), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, nargs="+", default=[5000, 20000, 100000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="bench/results/report_libs.json")
    args = ap.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        blank = Path(tmp) / "blank.html"
        blank.write_text("<!doctype html><html><body></body></html>")
        for n in args.points:
            xy, cat = _data(n)
            for name, fn in CANDIDATES.items():
                row: dict = {"candidate": name, "points": n}
                try:
                    t0 = time.perf_counter()
                    html = fn(xy, cat)
                    row["build_s"] = round(time.perf_counter() - t0, 3)
                except ImportError as exc:
                    row["error"] = f"not installed: {exc.name}"
                except Exception as exc:  # noqa: BLE001 - the reason goes into the results
                    row["error"] = str(exc)
                else:
                    page = Path(tmp) / f"{name}_{n}.html"
                    page.write_text(html)
                    row["bytes"] = len(html.encode())
                    row["external_urls"] = len(EXTERNAL.findall(html))
                    row["png_inline"] = html.count("data:image/png;base64")
                    if browser:
                        row["open_s"] = open_seconds(browser, page, blank, args.repeats)
                rows.append(row)
                print(row, flush=True)
    packages = ("matplotlib", "jinja2", "plotly", "bokeh", "altair", "numpy")
    write_json(args.out, {"rows": rows, "browser": browser, "environment": environment(packages)})


if __name__ == "__main__":
    main()
