"""The review stage's work: themes, emerging themes, the review queue and likely re-reports, from one
representation's saved features, with every figure measured against planted truth when there is some.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, v_measure_score

from incident_lm.core.errors import DataError
from incident_lm.core.params import as_plain, param
from incident_lm.review.duplicates import DuplicateConfig, find_duplicates, score_duplicates
from incident_lm.review.emerging import EmergingConfig, month_index, prospective_signals, score_emerging
from incident_lm.review.queue import (
    SCORES,
    QueueConfig,
    harm_severity,
    novelty_scores,
    queue_order,
    score_queue,
)
from incident_lm.review.reports import stack_features
from incident_lm.review.select import SelectConfig
from incident_lm.review.themes import (
    UNASSIGNED,
    ThemeConfig,
    class_tfidf,
    excerpt,
    fit_themes,
    renumber,
    term_vectorizer,
    theme_space,
    top_terms,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewConfig:
    """The ``review`` params section.

    Parameters
    ----------
    representation : str
        The representation whose features the review works in, or ``auto`` (the criterion of
        :mod:`incident_lm.review.select`, stated in ``metrics/review.json``).
    seed : int
        Seed of every clustering.
    truth : str or None
        Folder of planted ground truth (the synthetic corpus's ``emerging.csv``, ``novel.csv``,
        ``duplicates.csv``, ``incidents.csv``); None for real data (nothing is scored).
    """

    representation: str = "auto"
    seed: int = 0
    truth: str | None = None
    select: SelectConfig = field(default_factory=SelectConfig)
    themes: ThemeConfig = field(default_factory=ThemeConfig)
    emerging: EmergingConfig = field(default_factory=EmergingConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)
    duplicates: DuplicateConfig = field(default_factory=DuplicateConfig)
    search_queries: int = param(100, min=0)


@dataclass
class Truth:
    """Planted ground truth read from ``review.truth``."""

    emerging: pd.DataFrame | None = None
    novel: pd.DataFrame | None = None
    duplicates: pd.DataFrame | None = None
    folder: Path | None = None

    @classmethod
    def read(cls, folder: str | Path | None) -> Truth:
        if folder is None:
            return cls()
        folder = Path(folder)
        if not folder.is_dir():
            raise DataError(f"{folder}: review.truth folder not found (set review.truth: null for real data)")

        def opt(name: str) -> pd.DataFrame | None:
            p = folder / name
            return pd.read_csv(p, dtype=str) if p.exists() else None

        return cls(opt("emerging.csv"), opt("novel.csv"), opt("duplicates.csv"), folder)

    def ids(self) -> set[str]:
        """Every report id the truth names."""
        out: set[str] = set()
        for frame in (self.emerging, self.novel, self.duplicates):
            if frame is not None:
                out |= set(frame.iloc[:, 0].astype(str))
                if frame is self.duplicates:
                    out |= set(frame.iloc[:, 1].astype(str))
        return out

    def matching(self, report_ids: set[str]) -> Truth:
        """This truth, or none when it names no report of the data (truth of another corpus: not scored)."""
        if self.folder is None:
            return self
        if not self.ids() & report_ids:
            log.warning("%s: review.truth names none of the %d reports: nothing is scored against it (set "
                        "review.truth: null for real data)", self.folder, len(report_ids))
            return Truth()
        return self


@dataclass
class ReviewOutputs:
    """What the review stage writes."""

    themes: pd.DataFrame
    assignments: pd.DataFrame
    theme_months: pd.DataFrame
    emerging: pd.DataFrame
    queue: pd.DataFrame
    duplicates: pd.DataFrame
    metrics: dict[str, Any]
    timings: dict[str, float]


def _mix(values: pd.Series, n: int = 3) -> str:
    shares = values.value_counts(normalize=True).head(n)
    return "; ".join(f"{k} {v:.0%}" for k, v in shares.items())


def build_review(features_dir: str | Path, split: pd.DataFrame, cfg: ReviewConfig, truth: Truth | None = None
                 ) -> ReviewOutputs:
    """Themes, emerging themes, the review queue and duplicates over every report of the split.

    Parameters
    ----------
    features_dir : path
        ``features/NAME`` of the review representation.
    split : DataFrame
        The split reports (``id``, ``date``, ``text``, ``split`` and label columns).
    cfg : ReviewConfig
    truth : Truth, optional
        Planted truth to score against.
    """
    truth = truth or Truth()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    X, reports = stack_features(features_dir, split)
    ids = reports["id"].astype(str).to_numpy()
    n = len(reports)
    Z = theme_space(X, cfg.themes, seed=cfg.seed)
    timings["load_and_reduce_s"] = time.perf_counter() - t0

    # ---- themes over every report
    t = time.perf_counter()
    fit = fit_themes(Z, cfg.themes, seed=cfg.seed)
    labels, mapping = renumber(fit.labels)
    n_themes = len(mapping)
    other = fit_themes(Z, cfg.themes, seed=cfg.themes.stability_seed)
    timings["themes_s"] = time.perf_counter() - t
    t = time.perf_counter()
    vec = term_vectorizer(cfg.themes, n)
    counts = vec.fit_transform(reports["text"].tolist()).tocsr()
    vocab = vec.get_feature_names_out().tolist()
    W = class_tfidf(counts, labels, n_themes)
    terms = top_terms(W, vocab, cfg.themes.top_terms)
    timings["terms_s"] = time.perf_counter() - t

    month, months = month_index(reports["date"])
    dates = pd.to_datetime(reports["date"]).dt.strftime("%Y-%m-%d").fillna("")
    sim_final = fit.similarity
    has = {c: c in reports.columns for c in ("category", "harm")}
    rows = []
    theme_months = []
    for c in range(-1, n_themes):
        members = np.flatnonzero(labels == c)
        if c == UNASSIGNED and not len(members):
            continue
        sub = reports.iloc[members]
        row: dict[str, Any] = {"theme": c, "size": len(members), "share": len(members) / n,
                               "top_terms": "; ".join(terms[c]) if c >= 0 else "(unassigned)"}
        if has["category"]:
            row["categories"] = _mix(sub["category"])
        if has["harm"]:
            row["harm_mix"] = _mix(sub["harm"], 5)
        m = month[members]
        per = np.bincount(m[m >= 0], minlength=len(months)) if months else np.zeros(0, dtype=int)
        if months and per.sum():
            row["first_month"] = months[int(np.flatnonzero(per)[0])]
            row["last_month"] = months[int(np.flatnonzero(per)[-1])]
            row["peak_month"] = months[int(per.argmax())]
        row["monthly"] = json.dumps([int(x) for x in per])
        best = members[np.argsort(-sim_final[members], kind="stable")][: cfg.themes.excerpts] if c >= 0 else \
            members[: cfg.themes.excerpts]
        row["report_ids"] = " ".join(ids[best])
        for i, b in enumerate(best, 1):
            row[f"excerpt_{i}"] = excerpt(reports["text"].iloc[b], cfg.themes.excerpt_chars)
        rows.append(row)
        theme_months.extend({"theme": c, "month": months[j], "count": int(per[j])} for j in range(len(months)))
    themes = pd.DataFrame(rows)
    assignments = pd.DataFrame({"id": ids, "theme": labels, "similarity": sim_final.astype(np.float32)})

    theme_metrics: dict[str, Any] = {
        "n_themes": n_themes, "unassigned_share": float((labels == UNASSIGNED).mean()),
        "median_size": float(np.median(np.bincount(labels[labels >= 0]))) if n_themes else 0.0,
        "largest_share": float(np.bincount(labels[labels >= 0]).max() / n) if n_themes else 0.0,
        "stability_ari": float(adjusted_rand_score(fit.raw_labels, other.raw_labels)),
    }
    for target in ("category", "harm"):
        if has[target]:
            y = reports[target].astype(str).to_numpy()
            ok = labels >= 0
            theme_metrics[f"v_measure_{target}"] = float(v_measure_score(y[ok], labels[ok]))
            theme_metrics[f"ari_{target}"] = float(adjusted_rand_score(y[ok], labels[ok]))

    # ---- emerging themes, prospectively
    t = time.perf_counter()
    signals = prospective_signals(Z, month, months, ids, labels, counts, vocab, cfg.themes, cfg.emerging,
                                  seed=cfg.seed)
    timings["emerging_s"] = time.perf_counter() - t
    flagged = signals[signals["flagged"]] if len(signals) else signals
    per_month = flagged.groupby("month").size().reindex(sorted(signals["month"].unique()), fill_value=0) \
        if len(signals) else pd.Series(dtype=int)
    emerging_metrics: dict[str, Any] = {
        "months_tested": int(signals["month"].nunique()) if len(signals) else 0,
        "flagged_per_month": {"median": float(per_month.median()) if len(per_month) else None,
                              "mean": float(per_month.mean()) if len(per_month) else None,
                              "max": int(per_month.max()) if len(per_month) else None},
        "latest_month": months[-1] if months else None,
        "flagged_latest_month": int(per_month.iloc[-1]) if len(per_month) else None,
    }
    if truth.emerging is not None and len(signals):
        emerging_metrics["planted"] = score_emerging(signals, set(truth.emerging["RP01"]),
                                                     sorted(truth.emerging["month"].unique()))
    emerging = signals.drop(columns=["_members"]).sort_values(["month", "rank"], kind="stable") \
        .reset_index(drop=True) if len(signals) else signals.drop(columns=["_members"])

    # ---- the review queue
    t = time.perf_counter()
    nov = novelty_scores(Z, fit, reports["text"].tolist(), k=cfg.queue.k, reference=cfg.queue.reference,
                         seed=cfg.seed, rare_share=cfg.queue.rare_share)
    severity = harm_severity(reports["harm"] if has["harm"] else None, n)
    order, head = queue_order(nov[cfg.queue.score], severity, cfg.queue.flag_share)
    timings["queue_s"] = time.perf_counter() - t
    pct = (np.argsort(np.argsort(nov[cfg.queue.score], kind="stable"), kind="stable") + 1) / n
    top = order[: cfg.queue.top]
    term_of = {c: "; ".join(terms[c][:3]) for c in range(n_themes)}
    nearest = Z[top] @ fit.centroids.T
    nearest[:, ~fit.kept] = -np.inf
    near_raw = nearest.argmax(axis=1)
    reasons = []
    for r, i in enumerate(top):
        near = mapping.get(int(near_raw[r]), UNASSIGNED)
        bits = [f"novelty in the top {100 * (1 - pct[i]):.1f}% (theme distance {nov['theme_distance'][i]:.2f}, "
                f"rare-term weight {nov['rare_terms'][i]:.1f})"]
        bits.append("no theme of its own" if labels[i] == UNASSIGNED else f"theme {labels[i]}")
        if near >= 0:
            bits.append(f"nearest theme {near}: {term_of.get(near, '')}")
        if has["harm"]:
            bits.append(f"harm {reports['harm'].iloc[i]}")
        reasons.append("; ".join(bits))
    queue = pd.DataFrame({
        "rank": np.arange(1, len(top) + 1), "id": ids[top],
        "date": dates.iloc[top].to_numpy(),
        "harm": reports["harm"].iloc[top].to_numpy() if has["harm"] else "",
        "category": reports["category"].iloc[top].to_numpy() if has["category"] else "",
        "theme": labels[top], "novelty": nov[cfg.queue.score][top].round(4), "novelty_pct": pct[top].round(4),
        "head": head[top], "reason": reasons,
        "excerpt": [excerpt(x, cfg.themes.excerpt_chars) for x in reports["text"].iloc[top]],
    })
    queue_metrics: dict[str, Any] = {"score": cfg.queue.score, "flag_share": cfg.queue.flag_share,
                                     "flagged": int(head.sum())}
    if truth.novel is not None:
        planted = set(truth.novel["RP01"])
        queue_metrics["planted"] = score_queue(order, ids, planted)
        queue_metrics["planted"]["in_flagged"] = int(sum(1 for i in np.flatnonzero(head) if ids[i] in planted))
        by_score = {}
        for s in SCORES:
            o, _ = queue_order(nov[s], severity, cfg.queue.flag_share)
            by_novelty = np.lexsort((np.arange(n), -nov[s]))
            by_score[s] = {"queue": score_queue(o, ids, planted)["recall_top"],
                           "novelty_only": score_queue(by_novelty, ids, planted)["recall_top"]}
        queue_metrics["planted"]["recall_top_by_score"] = by_score

    # ---- likely re-reports
    t = time.perf_counter()
    pairs = find_duplicates(Z, reports["date"], cfg.duplicates, blocks=fit.raw_labels)
    timings["duplicates_s"] = time.perf_counter() - t
    duplicates = pd.DataFrame({
        "id_a": ids[pairs["i"]], "id_b": ids[pairs["j"]], "similarity": pairs["similarity"].round(4).to_numpy(),
        "days_apart": pairs["days_apart"].to_numpy(),
        "date_a": dates.iloc[pairs["i"]].to_numpy(), "date_b": dates.iloc[pairs["j"]].to_numpy(),
        "excerpt_a": [excerpt(reports["text"].iloc[i], cfg.themes.excerpt_chars) for i in pairs["i"]],
        "excerpt_b": [excerpt(reports["text"].iloc[j], cfg.themes.excerpt_chars) for j in pairs["j"]],
    })
    dup_metrics: dict[str, Any] = {"pairs": len(duplicates), **as_plain(cfg.duplicates)}
    if truth.duplicates is not None:
        dup_metrics["planted"] = score_duplicates(pairs, ids, truth.duplicates)

    metrics = {"n_reports": n, "themes": theme_metrics, "emerging": emerging_metrics, "queue": queue_metrics,
               "duplicates": dup_metrics}
    tm = pd.DataFrame(theme_months, columns=["theme", "month", "count"])
    return ReviewOutputs(themes, assignments, tm, emerging, queue, duplicates, metrics, timings)
