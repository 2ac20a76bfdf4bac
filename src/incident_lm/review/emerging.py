"""Emerging themes, tested as a monthly run would see them.

For every month ``t`` tested, themes are refitted on the reports received up to ``t`` (every
``refit_every`` months; in between, the month's new reports are assigned to the latest themes; with
``assign_current`` the fit stops before ``t`` and the month's own reports are assigned), each
theme's monthly counts over that history are tested at ``t`` against their own past by the improved
Farrington method (:mod:`incident_lm.review.surveillance`) with the month's total reports as the
population offset (with ``farrington.window`` > 1, the sum of the last months against the model's
predictions for them: a new problem persists and accumulates, a chance spike of one month does not), and
the themes' p-values are adjusted across themes by Benjamini-Hochberg; with
``confirm_seeds``, a theme that passes must pass again in refits with other seeds. No flag
at ``t`` uses a report from after ``t``; no theme exists because later reports formed it.

Themes of different refits are different clusterings: each refitted theme is named after the final
theme (fitted on all reports) that most of its members belong to, so one theme can be followed across
months.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from incident_lm.core.params import param
from incident_lm.review.surveillance import FarringtonConfig, benjamini_hochberg, farrington_flexible
from incident_lm.review.themes import (
    UNASSIGNED,
    ThemeConfig,
    ThemeFit,
    class_tfidf,
    default_n_themes,
    fit_themes,
    top_terms,
)

EMERGING_COLUMNS = ("month", "theme", "final_theme", "observed", "expected", "threshold", "window_observed",
                    "window_expected", "p", "q", "alarm", "confirm_q", "flagged", "rank", "top_terms", "report_ids")


@dataclass(frozen=True)
class EmergingConfig:
    """``review.emerging``: the prospective monthly surveillance of themes.

    Parameters
    ----------
    n_themes : int or None
        Themes of each monthly refit. None: twice the review's default for the history's size
        (:func:`~incident_lm.review.themes.default_n_themes`), so that a new problem gets a centre of
        its own sooner (chosen on a development corpus: the generator with another seed).
    fdr : float
        A theme is flagged in a month when its Benjamini-Hochberg q-value across that month's themes is
        at most ``fdr`` (and its count is above the Farrington threshold; with ``farrington.window`` > 1
        the window's count above the window's threshold and the month's own above its prediction).
    refit_every : int
        Refit the themes on the history every this many months (1: every month).
    n_init : int
        k-means restarts of each refit.
    warm_start : bool
        Start each refit from the last one's centres (one k-means run, several times faster; themes
        stay put, so a new problem wins a centre of its own later).
    assign_current : bool
        Fit each month's themes on the months before it and assign the month's own reports to them
        (default False: fit through the month itself). On the development corpus True flagged the
        planted theme a month sooner with fewer false alarms, but on a series with no change it flagged
        more months; left off until a multi-seed evaluation settles it.
    confirm_seeds : int
        Refits with other k-means seeds that must agree before a theme is flagged (0: none). A theme
        that passes the test in a month is looked up in each confirming refit (same reports, same
        number of themes, seed ``seed + 1``, ``seed + 2``, ...) as the theme holding most of its
        month's reports; the flag stands only if that theme also raises an alarm with a
        Benjamini-Hochberg q-value at most ``fdr`` among the confirming refit's themes. A new problem
        forms a theme whatever the seed; a theme k-means carved out of one month's reports by chance
        does not. Costs one more refit in the months where something passed.
    months : int or None
        Test only the last this many months that have enough history (None: all of them).
    fit_sample : int or None
        Each refit's k-means sees at most this many reports of the history (a sample seeded by the month);
        the rest are assigned to its centres, as a new month's reports are. Bounds a refit's cost once the
        history outgrows it (a million reports: 24 refits over the whole history would dominate the
        review); below it every report is fitted. None: always the whole history.
    examples : int
        Example report ids listed per flagged theme and month.
    farrington : FarringtonConfig
        The surveillance method's settings.
    """

    n_themes: int | None = param(None, min=2)
    fdr: float = param(0.02, min=0.0, max=1.0)
    refit_every: int = param(1, min=1)
    n_init: int = param(1, min=1)
    warm_start: bool = False
    assign_current: bool = False
    confirm_seeds: int = param(0, min=0)
    months: int | None = param(None, min=1)
    fit_sample: int | None = param(50_000, min=100)
    examples: int = param(5, min=1)
    farrington: FarringtonConfig = field(default_factory=FarringtonConfig)


def month_index(dates: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Dates -> ``(n,)`` month number (0 = first month; -1 = no date) and the ``YYYY-MM`` of each number."""
    d = pd.to_datetime(dates, errors="coerce")
    ok = d.notna().to_numpy()
    if not ok.any():
        return np.full(len(d), -1, dtype=int), []
    per = d[ok].dt.to_period("M")
    first, last = per.min(), per.max()
    months = [str(p) for p in pd.period_range(first, last, freq="M")]
    idx = np.full(len(d), -1, dtype=int)
    idx[ok] = (per.dt.year.to_numpy() - first.year) * 12 + (per.dt.month.to_numpy() - first.month)
    return idx, months


def _series(labels: np.ndarray, month: np.ndarray, n_months: int, n_themes: int) -> np.ndarray:
    """(n_themes, n_months) counts of reports per theme and month (unassigned reports are not counted)."""
    ok = labels >= 0
    out = np.zeros((n_themes, n_months), dtype=float)
    np.add.at(out, (labels[ok], month[ok]), 1.0)
    return out


def _final_names(labels: np.ndarray, final: np.ndarray, n_themes: int) -> np.ndarray:
    """For every refitted theme, the final theme most of its members are in (-1 when none)."""
    out = np.full(n_themes, UNASSIGNED, dtype=int)
    ok = (labels >= 0) & (final >= 0)
    if not ok.any():
        return out
    frame = pd.DataFrame({"a": labels[ok], "b": final[ok]})
    top = frame.groupby("a")["b"].agg(lambda s: s.value_counts().index[0])
    out[top.index.to_numpy()] = top.to_numpy()
    return out


def testable_months(n_months: int, cfg: FarringtonConfig) -> int:
    """The first month index with enough history for the Farrington baseline."""
    return min(cfg.min_history, n_months)


def _month_tests(labels: np.ndarray, month: np.ndarray, t: int, kept: np.ndarray, population: np.ndarray,
                 cfg: FarringtonConfig) -> tuple[np.ndarray, list, np.ndarray, np.ndarray]:
    """Test every kept theme at month ``t``: (theme numbers, Farrington results, p, BH q), over one history."""
    series = _series(labels, month, t + 1, len(kept))
    themes = np.flatnonzero(kept)
    results = [farrington_flexible(series[c], t, population=population, cfg=cfg) for c in themes]
    p = np.array([r.window_p for r in results], dtype=float)  # the month's own p when cfg.window == 1
    return themes, results, p, benjamini_hochberg(p)


def fit_sample(rows: np.ndarray, limit: int | None, seed: int, t: int) -> np.ndarray:
    """``rows`` themselves, or (more than ``limit`` of them) a sorted sample of ``limit`` seeded by the month."""
    if limit is None or len(rows) <= limit:
        return rows
    return np.sort(np.random.default_rng([seed, t]).choice(rows, limit, replace=False))


def _refit_like(Z: np.ndarray, hist: np.ndarray, fit_rows: np.ndarray, k: int, theme_cfg: ThemeConfig,
                n_init: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A refit like the month's own with another seed: ``k`` centres fitted on the same reports, the rest of
    the history assigned to them. Returns the ``(len(hist),)`` labels of the history and the ``(k,)`` kept
    mask."""
    other = fit_themes(Z[fit_rows], dataclasses.replace(theme_cfg, n_init=n_init), seed=seed, n_themes=k)
    labels = np.full(len(Z), UNASSIGNED, dtype=int)
    labels[fit_rows] = other.labels
    fitted = np.zeros(len(Z), dtype=bool)
    fitted[fit_rows] = True
    rest = hist[~fitted[hist]]
    if len(rest):
        labels[rest] = other.assign(Z[rest])[0]
    return labels[hist], other.kept


def _confirming_q(now_labels: np.ndarray, candidates: list[int], other: tuple[np.ndarray, np.ndarray],
                  hist: np.ndarray, month: np.ndarray, t: int, population: np.ndarray,
                  cfg: FarringtonConfig) -> np.ndarray:
    """For each candidate theme, the q-value in the confirming refit of the theme holding most of its month-``t``
    reports (``inf`` when that theme raises no alarm or the reports are all unassigned there)."""
    other_labels, kept = other
    themes, results, _, q = _month_tests(other_labels, month[hist], t, kept, population, cfg)
    alarm_q = {int(c): (q[i] if r.window_alarm else np.inf) for i, (c, r) in enumerate(zip(themes, results, strict=True))}
    other_now = other_labels[month[hist] == t]
    out = np.full(len(candidates), np.inf)
    for j, c in enumerate(candidates):
        held = other_now[(now_labels == c) & (other_now >= 0)]
        if len(held):
            out[j] = alarm_q.get(int(np.bincount(held).argmax()), np.inf)
    return out


def prospective_signals(Z: np.ndarray, month: np.ndarray, months: list[str], ids: np.ndarray,
                        final_labels: np.ndarray, counts: sp.csr_matrix | None, vocabulary: list[str] | None,
                        theme_cfg: ThemeConfig, cfg: EmergingConfig, seed: int = 0,
                        tested: list[int] | None = None) -> pd.DataFrame:
    """Every (month, theme) test of the prospective back-test.

    Parameters
    ----------
    Z : (n, d) unit vectors of all reports
    month : (n,) month index of every report (-1 = undated: left out)
    months : list of ``YYYY-MM`` for the month indices
    ids : (n,) report ids
    final_labels : (n,) theme of every report in the final (all-report) fit, to name refitted themes
    counts : (n, n_terms) term counts for the c-TF-IDF labels of refitted themes (None: no terms)
    vocabulary : the terms of ``counts``' columns
    tested : list of int, optional
        Month indices to test (default: every month with enough history, or the last ``cfg.months``).

    Returns
    -------
    DataFrame
        Columns :data:`EMERGING_COLUMNS`; ``theme`` is the refit's own theme number, ``final_theme`` the
        final theme it is named after, ``confirm_q`` the largest q-value of its counterparts in the
        confirming refits (``inf``: a counterpart raised no alarm; NaN: not asked, because the theme did not
        pass or ``confirm_seeds`` is 0). Empty when the history is too short for one test.
    """
    n_months = len(months)
    first = testable_months(n_months, cfg.farrington)
    if tested is None:
        tested = list(range(first, n_months))
        if cfg.months is not None:
            tested = tested[-cfg.months:]
    tested = [t for t in tested if first <= t < n_months]
    rows: list[dict] = []
    fit: ThemeFit | None = None
    fit_rows = np.zeros(0, dtype=int)
    last_fit = -10**9
    labels = np.full(len(Z), UNASSIGNED, dtype=int)
    population_all = np.bincount(month[month >= 0], minlength=n_months).astype(float)
    for t in tested:
        hist = np.flatnonzero((month >= 0) & (month <= t))
        refit = fit is None or t - last_fit >= cfg.refit_every
        if refit:
            # fitted through t itself, or on the months before t (t's reports then assigned)
            fit_rows = hist if not cfg.assign_current else np.flatnonzero((month >= 0) & (month < t))
            k = cfg.n_themes or 2 * default_n_themes(len(fit_rows))
            fit_rows = fit_sample(fit_rows, cfg.fit_sample, seed, t)
            if fit is not None and cfg.warm_start:  # from the last refit's centres: faster, but a new
                fit = fit_themes(Z[fit_rows], theme_cfg, seed=seed, init=fit.centroids)  # problem is slower to win one
            else:
                fit = fit_themes(Z[fit_rows], dataclasses.replace(theme_cfg, n_init=cfg.n_init), seed=seed,
                                 n_themes=min(k, len(fit_rows)))
            last_fit = t
            labels[:] = UNASSIGNED
            labels[fit_rows] = fit.labels
            rest = np.setdiff1d(hist, fit_rows, assume_unique=True)
            if cfg.assign_current:
                rest = rest[month[rest] < t]  # month t's own reports are assigned below
            if len(rest):
                labels[rest] = fit.assign(Z[rest])[0]
        if not refit or cfg.assign_current:
            new = np.flatnonzero(month == t)
            labels[new] = fit.assign(Z[new])[0]
        k = len(fit.kept)
        population = population_all[: t + 1]
        names = _final_names(labels[hist], final_labels[hist], k)
        themes, results, p, q = _month_tests(labels[hist], month[hist], t, fit.kept, population, cfg.farrington)
        order = np.argsort(np.where(np.isnan(p), np.inf, p), kind="stable")
        rank = np.empty(len(themes), dtype=int)
        rank[order] = np.arange(1, len(themes) + 1)
        now = hist[month[hist] == t]
        passed = [i for i, r in enumerate(results) if r.window_alarm and q[i] <= cfg.fdr]
        confirm_q = np.full(len(themes), np.nan)
        if passed and cfg.confirm_seeds:
            confirm_q[passed] = -np.inf
            for j in range(1, cfg.confirm_seeds + 1):
                other = _refit_like(Z, hist, fit_rows, k, theme_cfg, cfg.n_init, seed + j)
                confirm_q[passed] = np.maximum(confirm_q[passed], _confirming_q(
                    labels[now], [themes[i] for i in passed], other, hist, month, t, population, cfg.farrington))
        flagged_idx = [i for i in passed if not confirm_q[i] > cfg.fdr]  # NaN: not asked to confirm
        terms: dict[int, list[str]] = {}
        if counts is not None and vocabulary is not None and flagged_idx:
            in_hist = np.full(len(labels), UNASSIGNED)  # the history's rows only, without copying them
            in_hist[hist] = labels[hist]
            W = class_tfidf(counts, in_hist, k)
            for i in flagged_idx:
                terms[i] = top_terms(W[[themes[i]]], vocabulary, theme_cfg.top_terms)[0]
        for i, (c, r) in enumerate(zip(themes, results, strict=True)):
            members = now[labels[now] == c]
            rows.append({
                "month": months[t], "theme": int(c), "final_theme": int(names[c]), "observed": r.observed,
                "expected": r.expected, "threshold": r.threshold, "window_observed": r.window_observed,
                "window_expected": r.window_expected, "p": p[i], "q": q[i], "alarm": bool(r.window_alarm),
                "confirm_q": confirm_q[i], "flagged": i in flagged_idx, "rank": int(rank[i]),
                "top_terms": "; ".join(terms.get(i, [])), "report_ids": " ".join(map(str, ids[members][: cfg.examples])),
                "_members": ids[members],
            })
    frame = pd.DataFrame(rows, columns=[*EMERGING_COLUMNS, "_members"])
    return frame


def score_emerging(signals: pd.DataFrame, truth_ids: set[str], truth_months: list[str]) -> dict:
    """How the back-test did on a planted emerging theme.

    The planted theme's theme in a month is the one holding most of that month's planted reports. A
    false alarm is a flagged theme with no planted report that month.

    Returns
    -------
    dict
        ``onset`` (first planted month), ``first_flag`` (first month the planted theme is flagged),
        ``months_to_flag``, ``rank_at_flag`` (its p-value rank among that month's themes), ``flag_months``
        (the planted months in which it is flagged), ``false_alarms_per_month`` (median, mean, max,
        and per month), ``months_tested``.
    """
    out: dict = {"months_tested": int(signals["month"].nunique()) if len(signals) else 0}
    if signals.empty:
        return {**out, "onset": None, "first_flag": None}
    has = signals["_members"].map(lambda m: sum(1 for x in m if str(x) in truth_ids))
    signals = signals.assign(_planted=has)
    fa = signals[(signals["flagged"]) & (signals["_planted"] == 0)].groupby("month").size()
    all_months = sorted(signals["month"].unique())
    fa = fa.reindex(all_months, fill_value=0)
    out["false_alarms_per_month"] = {"median": float(fa.median()), "mean": float(fa.mean()), "max": int(fa.max()),
                                     "by_month": {m: int(v) for m, v in fa.items()}}
    onset = min(truth_months) if truth_months else None
    out["onset"] = onset
    first_flag = None
    rank = None
    flag_months = []
    for m in all_months:
        rows = signals[signals["month"] == m]
        if rows["_planted"].max() <= 0:
            continue
        top = rows.loc[rows["_planted"].idxmax()]
        if top["flagged"]:
            flag_months.append(m)
            if first_flag is None:
                first_flag, rank = m, int(top["rank"])
    out["first_flag"] = first_flag
    out["rank_at_flag"] = rank
    out["flag_months"] = flag_months
    if onset and first_flag:
        a, b = pd.Period(onset, "M"), pd.Period(first_flag, "M")
        out["months_to_flag"] = int((b - a).n)
    else:
        out["months_to_flag"] = None
    return out
