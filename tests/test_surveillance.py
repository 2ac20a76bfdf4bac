"""Tests for incident_lm.review.surveillance: parity with R's ``surveillance::farringtonFlexible``
(skipped without R, except in CI) and checks that need no R."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from incident_lm.core.params import ParamsError, read_section
from incident_lm.review.surveillance import (
    FarringtonConfig,
    benjamini_hochberg,
    farrington_flexible,
    farrington_series,
    reference_blocks,
)

# --------------------------------------------------------------------------------------------------
# Parity with R
# --------------------------------------------------------------------------------------------------
#: Configurations compared with R, each run on every series below.
R_CASES: dict[str, FarringtonConfig] = {
    # Noufaily's improved method for months (the defaults), with and without the population offset
    "noufaily": FarringtonConfig(),
    "noufaily_offset": FarringtonConfig(population_offset=True),
    # Farrington (1996): windows only, reweighting beyond 1, trend kept only when significant
    "original": FarringtonConfig(n_periods=1, w=2, past_excluded=2, weights_threshold=1.0, trend_p=0.05),
    # no trend, 3 uneven seasonal blocks (7 months between windows: 4 + 3), b = 4, offset
    "no_trend": FarringtonConfig(b=4, w=2, n_periods=3, past_excluded=3, trend=False, alpha=0.01,
                                 population_offset=True),
    # no reweighting, trend tested at 5 %, limit54 off
    "no_reweight": FarringtonConfig(reweight=False, trend_p=0.05, limit54=(0, 4)),
    # Farrington's delta threshold on the 2/3 power scale
    "delta": FarringtonConfig(threshold_method="delta", trend_p=0.05),
}

#: R code generating the series: 7 years of months, columns of one sts object.
R_SERIES = r"""
set.seed(20130330)
n <- 84; tt <- 1:n
season <- exp(0.6 * sin(2 * pi * tt / 12))
pop <- round(900 * exp(0.008 * tt) * (1 + 0.15 * cos(2 * pi * tt / 12)))
outbreak <- rep(1, n); outbreak[30:33] <- 4; outbreak[81:84] <- 2.5
y <- cbind(
  seasonal  = rnbinom(n, mu = 25 * season, size = 8),
  trend     = rnbinom(n, mu = 12 * exp(0.015 * tt) * season, size = 20),
  outbreaks = rnbinom(n, mu = 12 * season * outbreak, size = 10),
  rate      = rnbinom(n, mu = 0.03 * pop * season, size = 15),
  sparse    = rpois(n, 1.3)
)
popm <- matrix(pop, n, ncol(y))
"""

R_RUN = r"""
args <- commandArgs(TRUE)
suppressPackageStartupMessages(library(surveillance))
s <- sts(observed = y, start = c(2015, 1), frequency = 12, population = popm)
write.csv(data.frame(series = rep(colnames(y), each = n), t = rep(tt - 1, ncol(y)),
                     y = as.vector(y), pop = as.vector(popm)), args[1], row.names = FALSE)
out <- list()
for (name in names(cases)) {
  ctl <- cases[[name]]
  ctl$range <- (12 * ctl$b + ctl$w + 1):n
  ctl$glmWarnings <- FALSE
  r <- farringtonFlexible(s, control = ctl)
  k <- length(ctl$range)
  out[[name]] <- data.frame(case = name, series = rep(colnames(y), each = k),
                            t = rep(ctl$range - 1, ncol(y)),
                            observed = as.vector(observed(r)), upperbound = as.vector(upperbound(r)),
                            expected = as.vector(control(r)$expected), alarm = as.vector(alarms(r)),
                            pvalue = as.vector(control(r)$pvalue), phi = as.vector(control(r)$phiVector),
                            trend = as.vector(control(r)$trend))
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
"""


def _r_bool(x: bool) -> str:
    return "TRUE" if x else "FALSE"


def r_control(cfg: FarringtonConfig) -> str:
    """``cfg`` as a farringtonFlexible control list."""
    return (f"list(b = {cfg.b}, w = {cfg.w}, noPeriods = {cfg.n_periods}, "
            f"pastWeeksNotIncluded = {cfg.past_excluded}, alpha = {cfg.alpha!r}, "
            f"trend = {_r_bool(cfg.trend)}, pThresholdTrend = {cfg.trend_p!r}, "
            f"reweight = {_r_bool(cfg.reweight)}, weightsThreshold = {cfg.weights_threshold!r}, "
            f"thresholdMethod = '{cfg.threshold_method}', powertrans = '{cfg.powertrans}', "
            f"populationOffset = {_r_bool(cfg.population_offset)}, "
            f"limit54 = c({cfg.limit54[0]}, {cfg.limit54[1]}))")


def _r_available() -> str | None:
    """None if Rscript and the surveillance package are there, else why not."""
    if shutil.which("Rscript") is None:
        return "Rscript not found"
    res = subprocess.run(["Rscript", "-e", "library(surveillance)"], capture_output=True, text=True)
    if res.returncode != 0:
        return f"R package surveillance not installed ({res.stderr.strip()[-200:]})"
    return None


@pytest.fixture(scope="module")
def r_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Series generated in R and farringtonFlexible's results on them, from one Rscript call."""
    missing = _r_available()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: .ci/run should have installed r-cran-surveillance "
                        "(apt-get install r-cran-surveillance)")
        pytest.skip(f"{missing}; the parity test needs R's surveillance package")
    tmp = tmp_path_factory.mktemp("farrington_r")
    cases = ",\n  ".join(f"{name} = {r_control(cfg)}" for name, cfg in R_CASES.items())
    script = tmp / "farrington.R"
    script.write_text(f"{R_SERIES}\ncases <- list(\n  {cases}\n)\n{R_RUN}", encoding="utf-8")
    series_csv, results_csv = tmp / "series.csv", tmp / "results.csv"
    res = subprocess.run(["Rscript", str(script), str(series_csv), str(results_csv)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"Rscript failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return pd.read_csv(series_csv), pd.read_csv(results_csv)


#: Relative tolerance on expected counts, p-values, dispersion and the delta threshold. The GLM is
#: fitted by the same IRLS iterations as R's glm.fit (same start, same stopping rule, same weights),
#: so only floating-point rounding is left (QR and summation order, and write.csv's 15 digits): the
#: largest relative difference seen over all cases is 3e-14. 1e-9 leaves room for other BLAS/LAPACK
#: builds while still catching any change of method (a different dispersion or baseline moves these
#: by 1e-3 or more). Negative-binomial thresholds are integers and must be identical.
RTOL = 1e-9


@pytest.mark.parametrize("case", list(R_CASES))
def test_matches_r_farringtonflexible(r_results: tuple[pd.DataFrame, pd.DataFrame], case: str) -> None:
    series, results = r_results
    cfg = R_CASES[case]
    for name, ours_in in series.groupby("series", sort=False):
        r = results[(results["case"] == case) & (results["series"] == name)].reset_index(drop=True)
        ours = farrington_series(ours_in["y"].to_numpy(), ours_in["pop"].to_numpy(), cfg)
        where = f"{case}/{name}"
        assert ours["t"].tolist() == r["t"].tolist(), where
        assert (ours["status"] == "ok").all(), where
        np.testing.assert_array_equal(ours["observed"], r["observed"], err_msg=where)
        # R blanks the bound and the expected count when limit54 fails; we keep them
        np.testing.assert_array_equal(ours["enough_cases"], r["upperbound"].notna(), err_msg=where)
        ok = ours["enough_cases"].to_numpy()
        np.testing.assert_allclose(ours["expected"][ok], r["expected"][ok], rtol=RTOL, err_msg=where)
        if cfg.threshold_method == "nbPlugin":  # integer quantiles: identical
            np.testing.assert_array_equal(ours["threshold"][ok], r["upperbound"][ok], err_msg=where)
        else:
            np.testing.assert_allclose(ours["threshold"][ok], r["upperbound"][ok], rtol=RTOL,
                                       err_msg=where)
        np.testing.assert_allclose(ours["p"], r["pvalue"], rtol=RTOL, atol=1e-14, err_msg=where)
        np.testing.assert_allclose(ours["phi"], r["phi"], rtol=RTOL, err_msg=where)
        np.testing.assert_array_equal(ours["trend"], r["trend"] == 1, err_msg=where)
        np.testing.assert_array_equal(ours["alarm"], r["alarm"], err_msg=where)


def test_r_cases_exercise_the_branches(r_results: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """The parity cases are not vacuous: alarms, suppressed alarms, trends kept and dropped,
    Poisson (phi = 1) and negative-binomial thresholds all occur."""
    _, results = r_results
    assert results["alarm"].sum() >= 5
    assert results["upperbound"].isna().any()  # limit54 at work (sparse series)
    assert (results["trend"] == 1).any() and (results["trend"] == 0).any()
    assert (results["phi"] == 1).any() and (results["phi"] > 1).any()


# --------------------------------------------------------------------------------------------------
# Without R
# --------------------------------------------------------------------------------------------------
def seasonal_counts(n: int, seed: int, level: float = 20.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return rng.poisson(level * np.exp(0.3 * np.sin(2 * np.pi * t / 12))).astype(float)


def test_flat_poisson_raises_almost_no_alarms() -> None:
    y = np.random.default_rng(0).poisson(20, 120).astype(float)
    out = farrington_series(y)
    assert len(out) == 120 - FarringtonConfig().min_history
    assert (out["status"] == "ok").all()
    assert out["alarm"].mean() <= 0.1  # nominal 5 %, the discrete quantile is conservative
    strict = farrington_series(y, cfg=FarringtonConfig(alpha=0.001))
    assert strict["alarm"].sum() <= 1
    # the trend is always fitted (trend_p = 1), so the expected count wanders a little with the noise
    assert out["expected"].between(15, 30).all() and abs(out["expected"].median() - 20) < 2


def test_jump_in_the_last_month_is_flagged() -> None:
    y = seasonal_counts(84, seed=1)
    y[-1] = 3 * y[-13] + 30
    res = farrington_flexible(y, len(y) - 1)
    assert res.status == "ok" and res.alarm
    assert res.p < 1e-4
    assert res.observed > res.threshold > res.expected
    quiet = farrington_flexible(y, len(y) - 2)
    assert not quiet.alarm and quiet.p > 0.01


def test_too_short_history_gives_nan_and_no_alarm() -> None:
    cfg = FarringtonConfig()
    y = seasonal_counts(cfg.min_history + 3, seed=2)
    y[cfg.min_history - 1] = 500  # huge, but not testable
    res = farrington_flexible(y, cfg.min_history - 1)
    assert res.status == "short_history" and not res.alarm
    assert np.isnan(res.expected) and np.isnan(res.threshold) and np.isnan(res.p)
    out = farrington_series(y, start=0)
    assert len(out) == len(y)
    early = out[out["t"] < cfg.min_history]
    assert (early["status"] == "short_history").all() and not early["alarm"].any()
    assert early["threshold"].isna().all()
    assert (out.loc[out["t"] >= cfg.min_history, "status"] == "ok").all()
    assert farrington_series(y[:10]).empty


def test_prospective_future_counts_are_not_read() -> None:
    y = seasonal_counts(96, seed=3)
    pop = np.linspace(1000, 1400, 96)
    cfg = FarringtonConfig(population_offset=True)
    t = 70
    base = farrington_flexible(y, t, pop, cfg)
    changed_y, changed_pop = y.copy(), pop.copy()
    changed_y[t + 1:] = 1000
    changed_pop[t + 1:] = 1.0
    assert farrington_flexible(changed_y, t, changed_pop, cfg) == base
    rows = farrington_series(y, pop, cfg)
    again = farrington_series(changed_y, changed_pop, cfg)
    pd.testing.assert_frame_equal(rows[rows["t"] <= t], again[again["t"] <= t])


def test_population_offset_scales_the_expected_count() -> None:
    y = seasonal_counts(84, seed=4)
    pop = np.full(84, 5000.0)
    # no trend: with one, R's rule "the prediction may not exceed the largest baseline count"
    # compares counts, so doubling the population at t could drop the trend
    cfg = FarringtonConfig(population_offset=True, trend=False)
    base = farrington_flexible(y, 83, pop, cfg)
    assert base.expected == pytest.approx(farrington_flexible(y, 83, pop * 7, cfg).expected, rel=1e-9)
    doubled = pop.copy()
    doubled[83] *= 2  # twice the reports this month: twice the expected theme count
    assert farrington_flexible(y, 83, doubled, cfg).expected == pytest.approx(2 * base.expected, rel=1e-9)
    with pytest.raises(ValueError, match="population"):
        farrington_flexible(y, 83, None, cfg)
    # without the offset the population is ignored
    assert farrington_flexible(y, 83, doubled) == farrington_flexible(y, 83)


def test_limit54_withholds_the_alarm_on_low_counts() -> None:
    y = np.zeros(84)
    y[::7] = 1
    y[-1] = 4  # far above a near-zero baseline, but 4 < 5 reports in the last 4 months
    res = farrington_flexible(y, 83)
    assert res.observed > res.threshold and not res.enough_cases and not res.alarm
    assert farrington_flexible(y, 83, cfg=FarringtonConfig(limit54=(0, 4))).alarm


def test_reweighting_discounts_a_past_outbreak() -> None:
    y = seasonal_counts(84, seed=5)
    y[60:62] *= 5  # an outbreak in the baseline (before the excluded half-year)
    kept = farrington_flexible(y, 83, cfg=FarringtonConfig(reweight=False))
    reweighted = farrington_flexible(y, 83)
    assert reweighted.expected < kept.expected and reweighted.phi < kept.phi


def test_reference_blocks_for_months() -> None:
    cfg = FarringtonConfig()  # b = 5, w = 1, 4 levels
    t = cfg.min_history + 5
    levels = reference_blocks(t, cfg)
    assert levels.shape == (t + 1,)
    assert np.isnan(levels[: t - cfg.b * cfg.freq - cfg.w]).all()
    window = [t - i * 12 + d for i in range(cfg.b + 1) for d in (-1, 0, 1) if t - i * 12 + d <= t]
    assert (levels[window] == 4).all()
    year = levels[t - 12 + 2: t - 1]  # the 9 months between two windows: 3 blocks of 3
    assert year.tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    uneven = reference_blocks(60, FarringtonConfig(b=4, w=2, n_periods=3))  # 7 months: 4 + 3
    assert uneven[60 - 12 + 3: 60 - 2].tolist() == [1, 1, 1, 1, 2, 2, 2]


def test_config_checks_and_params_reading() -> None:
    with pytest.raises(ValueError, match="n_periods"):
        FarringtonConfig(n_periods=11)  # 10 blocks in the 9 months between windows
    with pytest.raises(ValueError, match="w"):
        FarringtonConfig(w=6)
    with pytest.raises(ValueError, match="limit54"):
        FarringtonConfig(limit54=(5, 0))
    cfg = read_section(FarringtonConfig, {"w": 2, "n_periods": 3, "limit54": [3, 4]})
    assert cfg.limit54 == (3, 4) and cfg.min_history == 62
    with pytest.raises(ParamsError, match="threshold_method"):
        read_section(FarringtonConfig, {"threshold_method": "muan"})


def test_benjamini_hochberg() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4): 0.02, 0.02, 0.04, 0.04 after the step-up minimum
    np.testing.assert_allclose(benjamini_hochberg(p), [0.02, 0.04, 0.04, 0.02, np.nan])
    assert np.isnan(benjamini_hochberg([np.nan, np.nan])).all()
    assert benjamini_hochberg([]).shape == (0,)
    np.testing.assert_allclose(benjamini_hochberg([0.9, 0.95]), [0.95, 0.95])
    with pytest.raises(ValueError):
        benjamini_hochberg([0.5, 1.5])
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(6)
    p = np.concatenate([rng.uniform(size=40), rng.uniform(0, 1e-3, size=10)])
    np.testing.assert_allclose(benjamini_hochberg(p), multitest.multipletests(p, method="fdr_bh")[1])
    with_nan = p.copy()
    with_nan[::7] = np.nan
    ok = ~np.isnan(with_nan)
    np.testing.assert_allclose(benjamini_hochberg(with_nan)[ok],
                               multitest.multipletests(with_nan[ok], method="fdr_bh")[1])


def test_ci_script_installs_r() -> None:
    script = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "r-cran-surveillance" in script
    assert script.index("r-cran-surveillance") < script.index("make test")


# --------------------------------------------------------------------------------------------------
# The window of recent periods (not in R: ``window = 1`` is R's test)
# --------------------------------------------------------------------------------------------------
def test_window_of_one_is_the_single_period_test() -> None:
    y = seasonal_counts(84, seed=5)
    pop = np.linspace(800, 1200, 84)
    for cfg in (FarringtonConfig(), FarringtonConfig(population_offset=True)):
        for t in (70, 83):
            r = farrington_flexible(y, t, pop, cfg)
            assert (r.window_observed, r.window_expected, r.window_threshold, r.window_p, r.window_alarm) == (
                r.observed, r.expected, r.threshold, r.p, r.alarm)


def test_window_sums_the_predictions_of_its_periods() -> None:
    # windows-only baseline, no trend, no offset: every period of the window (all inside the current
    # reference window of w = 2) is predicted the same mean, so the window's is `window` times it
    y = np.random.default_rng(6).poisson(6, 90).astype(float)
    cfg = FarringtonConfig(n_periods=1, w=2, trend=False, window=3)
    r = farrington_flexible(y, 89, cfg=cfg)
    assert r.window_observed == y[87:90].sum()
    assert r.window_expected == pytest.approx(3 * r.expected, rel=1e-12)
    # with seasons and a trend each period has its own prediction: the sum differs from 3 x the current one
    seasonal = FarringtonConfig(window=3)
    s = farrington_flexible(seasonal_counts(84, seed=7), 83, cfg=seasonal)
    assert s.window_expected != pytest.approx(3 * s.expected, rel=1e-3)
    assert s.window_expected > 0


def test_window_separates_a_persistent_rise_from_a_one_month_spike() -> None:
    base = np.random.default_rng(8).poisson(2.0, 84).astype(float)
    cfg = FarringtonConfig(window=3, limit54=(0, 4))
    rising, spike = base.copy(), base.copy()
    rising[81:84] = base[81:84] + [3, 4, 5]
    spike[81:84] = [0, 0, base[83] + 6]
    r_rise, r_spike = farrington_flexible(rising, 83, cfg=cfg), farrington_flexible(spike, 83, cfg=cfg)
    assert r_rise.window_p < r_rise.p  # the excess accumulates over the window
    assert r_spike.window_p > r_spike.p  # a spike alone is diluted by the quiet months before it
    # what a multiple-testing correction across themes sees: the rise far stronger than the spike
    assert r_rise.window_alarm and r_rise.window_p < 1e-4 < 1e-3 < r_spike.window_p
    # no alarm when the window is high but the current month has fallen back below its prediction
    fallen = rising.copy()
    fallen[83] = 0
    assert not farrington_flexible(fallen, 83, cfg=cfg).window_alarm


def test_window_may_not_reach_the_baseline() -> None:
    with pytest.raises(ValueError, match="window"):
        FarringtonConfig(past_excluded=2, window=4)
    FarringtonConfig(past_excluded=2, window=3)


def test_predictive_p_value_allows_for_a_mean_fitted_from_few_counts() -> None:
    # a sparse series: the mean is fitted from a handful of past counts, so it is uncertain
    y = np.random.default_rng(9).poisson(0.4, 72).astype(float)
    y[-1] = 4
    plugin = farrington_flexible(y, 71, cfg=FarringtonConfig(b=3, limit54=(0, 4)))
    pred = farrington_flexible(y, 71, cfg=FarringtonConfig(b=3, limit54=(0, 4), p_value="predictive"))
    assert pred.expected == plugin.expected and pred.threshold == plugin.threshold
    assert pred.alarm == plugin.alarm
    assert pred.p > 2 * plugin.p  # the uncertainty of the mean fattens the tail
    # a long, dense baseline leaves little uncertainty: the two p-values nearly agree
    dense = seasonal_counts(84, level=200, seed=10)
    dense[-1] *= 1.3
    a = farrington_flexible(dense, 83, cfg=FarringtonConfig())
    b = farrington_flexible(dense, 83, cfg=FarringtonConfig(p_value="predictive"))
    assert b.p >= a.p and b.p == pytest.approx(a.p, rel=0.5, abs=1e-6)
    # the window's p-value is made the same way
    w = farrington_flexible(y, 71, cfg=FarringtonConfig(b=3, limit54=(0, 4), p_value="predictive", window=3))
    w_plugin = farrington_flexible(y, 71, cfg=FarringtonConfig(b=3, limit54=(0, 4), window=3))
    assert w.window_expected == pytest.approx(w_plugin.window_expected) and w.window_p > w_plugin.window_p
