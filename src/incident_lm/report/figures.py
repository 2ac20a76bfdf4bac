"""The report's figures as inline SVG: matplotlib drawn to SVG text, with nothing that points outside the page.

Why matplotlib (``bench/bench_report_libs.py``, results in the README): an SVG needs no script to show, so the
page opens at once and offline; a map's points are drawn into one PNG inside the SVG, so its size does not
grow with the number of reports. Text stays text (``svg.fonttype: none``: the browser's own sans-serif, no
font file) and ids are salted with a constant, so the same inputs give the same page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

# one colour per category, colour-blind-safe for the first eight (Okabe-Ito), then tab20's
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#8c564b", "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ff9896", "#c5b0d5", "#c49c94",
           "#f7b6d2", "#dbdb8d", "#9edae5", "#393b79")

_RC = {"svg.fonttype": "none", "svg.hashsalt": "incident-lm", "font.family": "sans-serif", "font.size": 9,
       "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 10, "axes.titleweight": "bold"}
_STRIP = (re.compile(r"<\?xml[^>]*\?>\s*"), re.compile(r"<!DOCTYPE[^>]*>\s*"),
          re.compile(r"<metadata>.*?</metadata>\s*", re.S), re.compile(r'\s+xmlns(:\w+)?="[^"]*"'))


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def to_svg(fig, label: str) -> str:
    """``fig`` as SVG text for inlining in HTML: no XML prolog, metadata or namespace URLs; closed after."""
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", dpi=110, bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    for pattern in _STRIP:
        svg = pattern.sub("", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(label)}" class="figure" ', 1).strip()


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def short(label: str, n: int = 28) -> str:
    """A category name cut to ``n`` characters for an axis."""
    label = re.sub(r"\s*\(.*?\)", "", str(label)).strip() or str(label)
    return label if len(label) <= n else label[: n - 1].rstrip() + "…"


def colours(categories: Sequence[str]) -> dict[str, str]:
    """Category -> colour, in the order given (the most frequent first gets the clearest colours)."""
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(categories)}


def f1_bars(bars: pd.DataFrame, baseline: str, preferred: str | None = None) -> str:
    """Probe macro-F1 with its 95% CI per representation, one panel per target.

    ``bars``: rows (representation, target, macro_f1, ci_low, ci_high) as ``report.tables.bar_rows`` writes.
    """
    plt = _plt()
    targets = list(dict.fromkeys(bars["target"]))
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(1, len(targets), figsize=(3.6 * len(targets), 0.32 * bars["representation"].nunique()
                                                           + 1.2), squeeze=False)
        for ax, target in zip(axes[0], targets, strict=True):
            sub = bars[bars["target"] == target].sort_values("macro_f1")
            y = np.arange(len(sub))
            col = ["#D55E00" if r == baseline else "#0072B2" if r == preferred else "#7f7f7f"
                   for r in sub["representation"]]
            ax.barh(y, sub["macro_f1"], color=col, height=0.65)
            err = np.vstack([sub["macro_f1"] - sub["ci_low"], sub["ci_high"] - sub["macro_f1"]])
            ax.errorbar(sub["macro_f1"], y, xerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=2)
            ax.set_yticks(y, sub["representation"])
            ax.set_xlim(0, 1)
            ax.set_title(f"{target}: probe macro-F1 (95% CI)")
            ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        return to_svg(fig, "Probe macro-F1 with confidence intervals per representation and target")


def cost_quality(points: pd.DataFrame, target: str) -> str:
    """Throughput (documents per second, log scale) against probe macro-F1, one labelled point per
    representation. ``points``: representation, docs_per_second, macro_f1."""
    plt = _plt()
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(5.2, 3.4))
        ok = points.dropna(subset=["docs_per_second", "macro_f1"])
        ax.scatter(ok["docs_per_second"], ok["macro_f1"], color="#0072B2", s=24, zorder=3)
        for _, r in ok.iterrows():
            ax.annotate(r["representation"], (r["docs_per_second"], r["macro_f1"]), fontsize=8,
                        xytext=(4, 3), textcoords="offset points")
        if len(ok) and (ok["docs_per_second"] > 0).all():
            ax.set_xscale("log")
        ax.set_xlabel("documents per second (transform, this machine)")
        ax.set_ylabel(f"probe macro-F1 ({target})")
        ax.set_title("Cost against quality")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return to_svg(fig, "Cost against quality: documents per second against probe macro-F1")


def confusion(pairs: pd.DataFrame, title: str) -> str:
    """Row-normalised confusion matrix (actual x predicted) with counts, from (actual, predicted) pairs."""
    plt = _plt()
    labels = sorted(set(pairs["actual"]) | set(pairs["predicted"]))
    table = pd.crosstab(pairs["actual"], pairs["predicted"]).reindex(index=labels, columns=labels, fill_value=0)
    counts = table.to_numpy()
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    n = len(labels)
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(0.42 * n + 3.2, 0.36 * n + 2.2))
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for i in range(n):
            for j in range(n):
                if counts[i, j]:
                    ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=6.5,
                            color="white" if share[i, j] > 0.55 else "black")
        ax.set_xticks(range(n), [short(x, 22) for x in labels], rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(n), [short(x, 30) for x in labels], fontsize=7)
        ax.set_xlabel("predicted")
        ax.set_ylabel("actual (colour: share of the row)")
        ax.set_title(title)
        ax.spines[:].set_visible(False)
        fig.tight_layout()
        return to_svg(fig, title)


def maps(panels: Sequence[tuple[str, np.ndarray, np.ndarray]], palette: Mapping[str, str],
         columns: int = 4, size: float = 2.6) -> str:
    """2-D maps of reports coloured by category: one panel per (title, xy (n, 2), categories (n,)).

    The points of each panel are drawn as one embedded PNG (rasterised), so the SVG's size does not grow
    with the number of points; axes carry no units (the projection's axes mean nothing on their own).
    """
    plt = _plt()
    cols = min(columns, len(panels))
    rows = -(-len(panels) // cols)
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows + 0.3), squeeze=False)
        for ax in axes.ravel()[len(panels):]:
            ax.set_visible(False)
        for ax, (title, xy, cats) in zip(axes.ravel(), panels, strict=False):
            cats = np.asarray(cats, dtype=str)
            ax.scatter(xy[:, 0], xy[:, 1], c=[palette.get(c, "#bbbbbb") for c in cats], s=7 if len(xy) < 4000 else 3,
                       linewidths=0, alpha=0.8, rasterized=True)
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.spines[:].set_visible(False)
        fig.tight_layout()
        return to_svg(fig, "Map of reports coloured by category: " + ", ".join(p[0] for p in panels))


def series(months: Sequence[str], observed: Sequence[float], expected: Sequence[float],
           threshold: Sequence[float], flagged: Sequence[bool], title: str,
           final: Sequence[float] | None = None) -> str:
    """A theme's monthly count against the surveillance method's expected value and alarm threshold, with
    the flagged months marked; ``final``, where given, is the count in the theme as fitted on all reports
    (hindsight, drawn for context)."""
    plt = _plt()
    x = np.arange(len(months))
    obs, flag = np.asarray(observed, dtype=float), np.asarray(flagged, dtype=bool)
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(5.6, 2.3))
        ax.bar(x, obs, color="#9ecae1", width=0.8, label="observed")
        ax.plot(x, np.asarray(expected, dtype=float), color="#333333", lw=1.2, label="expected")
        ax.plot(x, np.asarray(threshold, dtype=float), color="#D55E00", lw=1.2, ls="--", label="threshold")
        if final is not None:
            ax.plot(x, np.asarray(final, dtype=float), color="#7f7f7f", lw=1, ls=":", label="in the final theme")
        if flag.any():
            ax.scatter(x[flag], obs[flag], marker="v", color="#D55E00", s=30, zorder=4, label="flagged")
        step = max(1, -(-len(months) // 7))
        ax.set_xticks(x[::step], [months[i] for i in x[::step]], fontsize=7)
        ax.set_ylabel("reports")
        ax.set_title(title, fontsize=9, loc="left")
        ax.legend(fontsize=7, frameon=False, ncol=5, loc="upper left")
        top = np.r_[obs, np.asarray(threshold, dtype=float), np.asarray(final if final is not None else [], dtype=float)]
        ax.set_ylim(0, max(1.0, float(np.nanmax(top))) * 1.35)
        fig.tight_layout()
        return to_svg(fig, f"Monthly series of {title}")


def sparkline(counts: Sequence[int], width: int = 120, height: int = 24) -> str:
    """A theme's monthly counts as a tiny SVG line (hand-written: hundreds of themes, no plotting library)."""
    values = np.asarray(counts, dtype=float)
    if not len(values):
        return ""
    top = max(values.max(), 1.0)
    xs = np.linspace(1, width - 1, len(values)) if len(values) > 1 else np.array([width / 2])
    ys = height - 1 - (values / top) * (height - 3)
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="monthly counts, peak {int(top)}"><polyline fill="none" stroke="#0072B2" '
            f'stroke-width="1.2" points="{pts}"/></svg>')
