"""The improved Farrington algorithm (Noufaily et al. 2013) for monthly incident counts.

A port of R's ``surveillance::farringtonFlexible`` (Salmon, Schumacher and Höhle 2016,
J Stat Softw 70(10)) restricted to what monthly theme counts need, step for step:

1. **Baseline.** For the tested period ``t`` the reference periods are ``t - freq, t - 2 freq, ...,
   t - b freq``, each with a window of ``+/- w`` periods; the current window is ``t - w .. t``.
   With ``n_periods > 1`` every period between two windows is used too, cut into ``n_periods - 1``
   blocks of (almost) equal length: a zero-order spline of the season, fitted as an
   ``n_periods``-level factor whose last level is the windows (R's ``blocks()``). The last
   ``past_excluded + 1`` periods (``t - past_excluded .. t``) are then dropped from the baseline
   (R's ``pastWeeksNotIncluded``), so a theme that started to grow recently does not raise its
   own baseline.
2. **Model.** A quasi-Poisson GLM with log link, ``log mu = a + beta * time + gamma[season] (+ log
   population)``, fitted by iteratively reweighted least squares exactly as R's ``glm.fit`` does it
   (same starting values, convergence rule and weights), so the fitted values match R's to
   rounding. The dispersion is the Pearson statistic over the residual degrees of freedom, floored
   at 1 (``phi``).
3. **Past outbreaks.** Standardised Anscombe residuals ``s = 3/2 (y^(2/3) mu^(-1/6) - mu^(1/2)) /
   sqrt(phi (1 - h))``; baseline periods with ``s > weights_threshold`` get weight ``gamma s^-2``,
   the others ``gamma``, with ``gamma`` making the weights sum to the number of periods; the model
   is refitted with these weights and ``phi`` re-estimated.
4. **Trend.** The trend is kept only if its t-test p-value is below ``trend_p``, ``b >= 3`` and the
   prediction at ``t`` does not exceed the largest baseline count; otherwise steps 2-3 are redone
   without it. With the default ``trend_p = 1`` (Noufaily) only the last two conditions matter.
5. **Threshold.** ``nbPlugin`` (Noufaily): the ``1 - alpha`` quantile of a negative binomial with
   mean ``mu0`` and variance ``phi mu0`` (Poisson when ``phi == 1``); the p-value is
   ``P(Y >= observed)`` under the same distribution. ``delta`` (Farrington 1996): a normal
   approximation on the ``powertrans`` scale that adds the estimation variance.
6. **Alarm** when the observed count exceeds the threshold and at least ``limit54[0]`` reports were
   received in the last ``limit54[1]`` periods (current one included).

Only ``counts[: t + 1]`` is read when testing ``t``: the test is prospective.

One R quirk is reproduced on purpose, for parity: after the reweighted refit R stores the outbreak
weights over the model's working weights, so the dispersion that ``summary.glm`` (the trend t-test)
and ``predict.glm`` (the ``delta`` method's standard error) see is ``sum(omega ((y - mu) / mu)^2) /
df``, roughly ``phi / mu``, not ``phi``. The trend test is then much too liberal for counts above 1;
it matters only when ``trend_p < 1`` or with ``threshold_method="delta"``.

Where this differs from R (all documented on the functions): the threshold and expected count are
reported even when the ``limit54`` rule suppresses the alarm (R blanks them; here ``enough_cases``
says so); a fit that R would report with an error or a warning (non-convergence without trend, a
rank-deficient design, no residual degrees of freedom) gives an untested result; the alarm is
``observed > threshold`` (R's exceedance score for ``nbPlugin`` divides by ``threshold - log(mu0)``,
which gives the same answer unless the threshold is below ``log(mu0)``, possible only with an
extreme dispersion); the configuration is checked more strictly (no empty seasonal block, no
window reaching past ``t``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import linalg, stats

from incident_lm.core.params import param

__all__ = ["FarringtonConfig", "FarringtonResult", "benjamini_hochberg", "farrington_flexible",
           "farrington_series", "reference_blocks"]

_DBL_EPS = float(np.finfo(float).eps)
#: R's ``glm.control()``: relative deviance change for convergence, and the iteration limit.
_GLM_EPSILON = 1e-8
_GLM_MAXIT = 25


@dataclass(frozen=True)
class FarringtonConfig:
    """Control knobs of :func:`farrington_flexible` (R's ``farringtonFlexible`` ``control`` list).

    The defaults are Noufaily et al.'s improved method (seasonal factor over the whole history,
    reweighting only beyond 2.58, recent half-year excluded, trend always tried, negative-binomial
    plug-in threshold) adapted to monthly counts.

    Parameters
    ----------
    b : int
        Years back in the baseline (R ``b``; Noufaily: 5). The first testable period is
        ``b * freq + w`` (0-based), i.e. five years and a month of history by default.
    w : int
        Half-width of the window around each reference period, in periods (R ``w``). 1 month: the
        reference values for March are February-April of past years, a season of three months
        (Noufaily's 3 weeks would be 7 months here, too wide to follow a season; ECDC's
        EpiSignalDetection also uses ``w = 1`` for monthly data).
    freq : int
        Periods per year (R ``sts@freq``): 12 for months.
    n_periods : int
        Levels of the seasonal factor (R ``noPeriods``): the windows form one level and the
        ``freq - 2w - 1`` periods between two windows are cut into ``n_periods - 1`` blocks. With
        ``w = 1``, 4 levels split the year into four 3-month seasons (the window and three
        blocks of 3 months), each estimated from about 15 baseline months over 5 years.
        Noufaily's weekly 10 levels (blocks of 5 weeks) would mean 1-month blocks here: 8
        season parameters from 60 noisy months. 1 gives the original Farrington baseline
        (windows only).
    past_excluded : int
        Most recent periods before ``t`` left out of the baseline (R ``pastWeeksNotIncluded``;
        ``t - past_excluded .. t`` are dropped). 6 months, Noufaily's 26 weeks.
    alpha : float
        The threshold is the ``1 - alpha`` quantile of the predictive distribution (one-sided;
        R's default 0.05, as in Salmon et al.'s improved-method example).
    trend : bool
        Try a linear time trend (R ``trend``).
    trend_p : float
        Keep the trend only if its p-value is below this (R ``pThresholdTrend``). 1 as Noufaily
        advise: the trend is always kept unless ``b < 3`` or the prediction would exceed every
        baseline count.
    reweight : bool
        Down-weight past outbreaks by their Anscombe residuals and refit (R ``reweight``).
    weights_threshold : float
        Standardised Anscombe residual above which a baseline period is down-weighted
        (R ``weightsThreshold``; Noufaily: 2.58, Farrington 1996: 1).
    threshold_method : {"nbPlugin", "delta"}
        ``nbPlugin``: negative-binomial quantile with the fitted mean and dispersion plugged in
        (Noufaily). ``delta``: Farrington's (1996) normal approximation on the ``powertrans``
        scale, including the estimation variance.
    powertrans : {"2/3", "1/2", "none"}
        Transformation of the ``delta`` method (R ``powertrans``); unused by ``nbPlugin``.
    population_offset : bool
        Model counts relative to a population (e.g. all reports in the month) through an offset
        ``log(population)`` (R ``populationOffset``); then ``population`` must be given.
    limit54 : tuple of (int, int)
        ``(cases, periods)``: no alarm unless at least ``cases`` were reported in the last
        ``periods`` periods, the current one included (R ``limit54``; Farrington: 5 in 4).
    window : int
        Not in R (1 = R's test): also test the sum of the last ``window`` periods, ``t`` included,
        against the sum of the fitted model's predictions for them (each with its own season, trend
        and offset; the periods are inside the guard band, so none is in the baseline), under the same
        count family (quasi-Poisson sums keep the dispersion: mean ``M``, variance ``phi M``). A
        problem that persists accumulates excess over the window; a one-period chance spike is
        diluted by it. The window's result is in ``window_*`` of :class:`FarringtonResult`; the
        single-period fields are unchanged. At most ``past_excluded + 1`` (the window must not reach
        the baseline).
    p_value : {"plugin", "predictive"}
        ``plugin`` (R): the p-value and threshold of the count distribution with the fitted mean
        plugged in. ``predictive`` (not in R; with ``nbPlugin``): the p-value averaged over the
        estimation uncertainty of the mean (its log normal with the fit's standard error, as
        ``predict.glm``'s ``se.fit`` gives it; Gauss-Hermite quadrature), so a mean fitted from a
        handful of past counts does not make a small count look impossible. Thresholds and alarms
        stay the plug-in ones.
    """

    b: int = param(5, min=1)
    w: int = param(1, min=0)
    freq: int = param(12, min=1)
    n_periods: int = param(4, min=1)
    past_excluded: int = param(6, min=0)
    alpha: float = param(0.05, min=1e-12, max=0.5)
    trend: bool = True
    trend_p: float = param(1.0, min=0.0, max=1.0)
    reweight: bool = True
    weights_threshold: float = param(2.58, min=0.0)
    threshold_method: Literal["nbPlugin", "delta"] = "nbPlugin"
    powertrans: Literal["2/3", "1/2", "none"] = "2/3"
    population_offset: bool = False
    limit54: tuple[int, ...] = param((5, 4), item_min=0)
    window: int = param(1, min=1)
    p_value: Literal["plugin", "predictive"] = "plugin"

    def __post_init__(self) -> None:
        if 2 * self.w + 1 > self.freq:
            raise ValueError(f"w: a window of 2w+1 = {2 * self.w + 1} periods is longer than a year "
                             f"(freq = {self.freq})")
        gap = self.freq - 2 * self.w - 1
        if self.n_periods > 1 and gap < self.n_periods - 1:
            raise ValueError(f"n_periods: {self.n_periods - 1} seasonal blocks do not fit in the "
                             f"{gap} periods between two windows (freq - 2w - 1)")
        if self.past_excluded >= self.b * self.freq:
            raise ValueError(f"past_excluded: {self.past_excluded} periods would leave no baseline "
                             f"(b * freq = {self.b * self.freq})")
        if len(self.limit54) != 2 or self.limit54[1] < 1:
            raise ValueError("limit54: expected (cases >= 0, periods >= 1)")
        if self.window > self.past_excluded + 1:
            raise ValueError(f"window: {self.window} periods would reach the baseline (at most past_excluded + 1 "
                             f"= {self.past_excluded + 1})")

    @property
    def min_history(self) -> int:
        """The first testable index (0-based): ``b`` full years and a window of history before it."""
        return self.b * self.freq + self.w


@dataclass(frozen=True)
class FarringtonResult:
    """The test of one period.

    Parameters
    ----------
    t : int
        The tested index.
    observed : float
        ``counts[t]``.
    expected : float
        Predicted mean ``mu0`` (NaN when untested).
    threshold : float
        Upper bound: an alarm needs ``observed > threshold`` (NaN when untested).
    p : float
        Upper-tail p-value ``P(Y >= observed)`` under the predictive distribution (NaN when
        untested or ``observed`` is missing).
    alarm : bool
        ``observed > threshold`` and ``enough_cases``.
    phi : float
        Dispersion of the final fit (>= 1; NaN when untested).
    trend : bool
        Whether the final model has a time trend.
    enough_cases : bool
        The ``limit54`` rule holds (R reports no threshold or expected count otherwise; here both
        are kept and only the alarm is withheld).
    n_baseline : int
        Baseline periods in the fit.
    status : {"ok", "short_history", "no_fit"}
        ``short_history``: ``t < cfg.min_history``; ``no_fit``: the GLM did not converge (with or
        without trend), its design was rank-deficient or it had no residual degrees of freedom.
    window_observed, window_expected, window_threshold, window_p : float
        The same for the sum of the last ``cfg.window`` periods (equal to the single-period fields
        when ``cfg.window == 1``; NaN when untested or a period of the window is missing).
    window_alarm : bool
        ``window_observed > window_threshold``, ``observed > expected`` (the current period itself
        above its prediction) and ``enough_cases``; equal to ``alarm`` when ``cfg.window == 1``.
    """

    t: int
    observed: float
    expected: float
    threshold: float
    p: float
    alarm: bool
    phi: float
    trend: bool
    enough_cases: bool
    n_baseline: int
    status: Literal["ok", "short_history", "no_fit"]
    window_observed: float = float("nan")
    window_expected: float = float("nan")
    window_threshold: float = float("nan")
    window_p: float = float("nan")
    window_alarm: bool = False


# --------------------------------------------------------------------------------------------------
# Baseline
# --------------------------------------------------------------------------------------------------
def reference_blocks(t: int, cfg: FarringtonConfig) -> np.ndarray:
    """Seasonal level of every period up to ``t`` (R's ``blocks()``), before any exclusion.

    Parameters
    ----------
    t : int
        The tested index, at least ``cfg.min_history``.
    cfg : FarringtonConfig

    Returns
    -------
    ndarray, shape (t + 1,)
        ``cfg.n_periods`` for the current window ``t - w .. t`` and the reference windows
        ``t - i freq +/- w`` (``i = 1 .. b``); ``1 .. n_periods - 1`` for the blocks between two
        windows (first blocks one period longer when the gap does not divide evenly); NaN for
        periods outside the baseline (older than the oldest window, or between windows when
        ``n_periods == 1``).
    """
    if t < cfg.min_history:
        raise ValueError(f"t = {t}: the baseline needs t >= b * freq + w = {cfg.min_history}")
    p, w, freq = cfg.n_periods, cfg.w, cfg.freq
    levels = np.full(t + 1, np.nan)
    levels[t - w: t + 1] = p
    gap = freq - 2 * w - 1
    lengths = np.full(max(p - 1, 0), gap // max(p - 1, 1))
    lengths[: gap % max(p - 1, 1)] += 1
    for i in range(1, cfg.b + 1):
        ref = t - i * freq
        levels[ref - w: ref + w + 1] = p
        start = ref + w + 1
        for j, length in enumerate(lengths, start=1):
            levels[start: start + length] = j
            start += length
    return levels


# --------------------------------------------------------------------------------------------------
# The quasi-Poisson GLM, as R's glm.fit
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Fit:
    """A converged (or not) IRLS fit; ``q`` and ``r`` factor the last iteration's weighted design."""

    coef: np.ndarray
    mu: np.ndarray
    work_w: np.ndarray
    q: np.ndarray
    r: np.ndarray
    df_resid: int
    converged: bool
    full_rank: bool
    has_trend: bool

    def dispersion(self, y: np.ndarray, weights: np.ndarray | None = None) -> float:
        """Pearson dispersion as ``summary.glm``: ``sum(w * ((y - mu) / mu)^2) / df``, ``w`` the
        working weights unless ``weights`` is given."""
        if self.df_resid <= 0:
            return float("nan")
        w = self.work_w if weights is None else weights
        return float(np.sum(w * ((y - self.mu) / self.mu) ** 2) / self.df_resid)

    def hat(self) -> np.ndarray:
        """Leverages of the weighted design (``hatvalues``; values within 10 eps of 1 set to 1)."""
        h = np.sum(self.q ** 2, axis=1)
        h[h > 1 - 10 * _DBL_EPS] = 1.0
        return h

    def unscaled_coef(self, j: int) -> float:
        """Diagonal element ``j`` of ``(X'WX)^-1`` (``summary.glm``'s ``cov.unscaled``)."""
        e = np.zeros(self.r.shape[0])
        e[j] = 1.0
        return self.unscaled(e)

    def unscaled(self, x0: np.ndarray) -> float:
        """``x0' (X'WX)^-1 x0`` for one design row."""
        z = linalg.solve_triangular(self.r, x0, trans="T")
        return float(z @ z)


def _deviance(y: np.ndarray, mu: np.ndarray, prior_w: np.ndarray) -> float:
    """Poisson deviance (R's ``poisson()$dev.resids`` summed)."""
    r = mu * prior_w
    pos = y > 0
    r[pos] = prior_w[pos] * (y[pos] * np.log(y[pos] / mu[pos]) - (y[pos] - mu[pos]))
    return float(2 * np.sum(r))


def _glm_quasipoisson(X: np.ndarray, y: np.ndarray, offset: np.ndarray, prior_w: np.ndarray,
                      has_trend: bool) -> _Fit:
    """IRLS for a log-link quasi-Poisson GLM, step for step as R's ``glm.fit``.

    Parameters
    ----------
    X : ndarray, shape (n, k)
        Design matrix.
    y : ndarray, shape (n,)
        Counts.
    offset : ndarray, shape (n,)
        Offset on the link scale.
    prior_w : ndarray, shape (n,)
        Prior weights (all positive).
    has_trend : bool
        Column 1 of ``X`` is the time trend (recorded on the fit).

    Returns
    -------
    _Fit
        Starting from ``mu = y + 0.1``, iterating until the relative change of deviance is below
        1e-8 (at most 25 iterations); ``work_w``, ``q`` and ``r`` are those of the last iteration,
        ``coef`` and ``mu`` its result, as in R.
    """
    n, k = X.shape
    eta = np.log(y + 0.1)
    mu = np.maximum(np.exp(eta), _DBL_EPS)
    dev_old = _deviance(y, mu, prior_w)
    coef = np.zeros(k)
    work = q = r = np.empty(0)
    converged = False
    for _ in range(_GLM_MAXIT):
        mu_eta = np.maximum(np.exp(eta), _DBL_EPS)
        z = (eta - offset) + (y - mu) / mu_eta
        work = np.sqrt(prior_w * mu_eta ** 2 / mu)
        q, r = np.linalg.qr(X * work[:, None])
        diag = np.abs(np.diag(r))
        if diag.min() <= 1e-7 * max(diag.max(), 1e-300):
            return _Fit(coef, mu, work ** 2, q, r, n - k, False, False, has_trend)
        coef = linalg.solve_triangular(r, q.T @ (z * work))
        eta = X @ coef + offset
        mu = np.maximum(np.exp(eta), _DBL_EPS)
        dev = _deviance(y, mu, prior_w)
        if not np.isfinite(dev):
            break
        if abs(dev - dev_old) / (abs(dev) + 0.1) < _GLM_EPSILON:
            converged = True
            break
        dev_old = dev
    return _Fit(coef, mu, work ** 2, q, r, n - k, converged, True, has_trend)


def _anscombe(fit: _Fit, y: np.ndarray, phi: float) -> np.ndarray:
    """Standardised Anscombe residuals (R's ``anscombe.residuals``)."""
    mu = fit.mu
    a = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu))
    with np.errstate(divide="ignore", invalid="ignore"):
        return a / np.sqrt(phi * (1 - fit.hat()))


def _outbreak_weights(s: np.ndarray, threshold: float) -> np.ndarray:
    """``gamma s^-2`` above ``threshold``, ``gamma`` below, summing to ``len(s)`` (R's weights)."""
    high = s > threshold
    raw = np.where(high, 1.0 / np.where(high, s, 1.0) ** 2, 1.0)
    return raw * (len(s) / raw.sum())


# --------------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------------
def _untested(t: int, observed: float, enough: bool, n: int,
              status: Literal["short_history", "no_fit"]) -> FarringtonResult:
    nan = float("nan")
    return FarringtonResult(t=t, observed=observed, expected=nan, threshold=nan, p=nan, alarm=False,
                            phi=nan, trend=False, enough_cases=enough, n_baseline=n, status=status)


class _Counts:
    """The count distribution of a Farrington threshold: Poisson of mean ``mu`` (``phi <= 1``), else negative
    binomial of mean ``mu`` and variance ``phi mu``. Calls scipy's distribution functions directly: a frozen
    ``stats.nbinom(...)`` builds its docstrings each time, most of the cost over thousands of tests."""

    def __init__(self, mu: float, phi: float):
        if phi <= 1:
            self._dist, self._args = stats.poisson, (mu,)
        else:
            self._dist, self._args = stats.nbinom, (mu / (phi - 1), 1 / phi)

    def ppf(self, q: float) -> float:
        return self._dist.ppf(q, *self._args)

    def cdf(self, x: float) -> float:
        return self._dist.cdf(x, *self._args)

    def sf(self, x: float) -> float:
        return self._dist.sf(x, *self._args)


#: Gauss-Hermite nodes and weights (probabilists', normalised) of the predictive p-value.
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


def _predictive_sf(observed: float, eta: float, se: float, phi: float) -> float:
    """``P(Y >= observed)`` averaged over ``log mu ~ Normal(eta, se^2)``: the plug-in p-value with the
    estimation uncertainty of the mean integrated out (``se`` 0 or not finite: the plug-in one)."""
    if not np.isfinite(se) or se <= 0:
        return float(_Counts(float(np.exp(eta)), phi).sf(observed - 1))
    mus = np.exp(eta + se * _GH_NODES)
    if phi <= 1:
        sf = stats.poisson.sf(observed - 1, mus)
    else:
        sf = stats.nbinom.sf(observed - 1, mus / (phi - 1), 1 / phi)
    return float(np.clip(np.dot(_GH_WEIGHTS, sf), 0.0, 1.0))


def _nb_upper(q: float, mu: float, phi: float) -> float:
    """Smallest ``x`` with ``P(Y <= x) >= q``, Y negative binomial of mean ``mu``, variance
    ``phi mu`` (R's ``qnbinom(q, mu / (phi - 1), 1 / phi)``; ``qpois`` when ``phi == 1``)."""
    dist = _Counts(mu, phi)
    x = float(dist.ppf(q))
    if not np.isfinite(x):
        return x
    target = q * (1 - 64 * _DBL_EPS)  # R's fuzz for left continuity
    while x > 0 and dist.cdf(x - 1) >= target:
        x -= 1
    while dist.cdf(x) < target:
        x += 1
    return x


def farrington_flexible(counts: np.ndarray, t: int, population: np.ndarray | None = None,
                        cfg: FarringtonConfig = FarringtonConfig()) -> FarringtonResult:  # noqa: B008
    """Test period ``t`` of a count series against its Farrington baseline.

    Parameters
    ----------
    counts : array-like, shape (n,)
        Counts per period (months by default), oldest first. NaN marks a missing period: left out
        of the baseline (as R does); missing at ``t`` gives no p-value and no alarm.
    t : int
        Index to test (0-based; negative counts from the end). Only ``counts[: t + 1]`` is read.
    population : array-like, shape (n,), optional
        Positive offset per period (e.g. all reports in the month), used only when
        ``cfg.population_offset``; ``population[t]`` scales the prediction.
    cfg : FarringtonConfig

    Returns
    -------
    FarringtonResult
        ``status == "short_history"`` (NaN expected and threshold, no alarm) when
        ``t < cfg.min_history``.

    Raises
    ------
    ValueError
        ``counts`` is not 1-D or has negative values; ``population`` is missing, of another shape
        or not positive where used while ``cfg.population_offset`` is set.
    IndexError
        ``t`` outside the series.
    """
    y_all = np.asarray(counts, dtype=float)
    if y_all.ndim != 1:
        raise ValueError(f"counts: expected a 1-D array, got shape {y_all.shape}")
    n_all = len(y_all)
    if not -n_all <= t < n_all:
        raise IndexError(f"t = {t} outside a series of {n_all} periods")
    t = int(t) % n_all
    y_all = y_all[: t + 1]  # prospective: nothing after t is read
    if np.any(y_all < 0):
        raise ValueError("counts: negative counts")
    pop_t = None
    if cfg.population_offset:
        if population is None:
            raise ValueError("population: required when cfg.population_offset is set")
        pop = np.asarray(population, dtype=float)
        if pop.shape != (n_all,):
            raise ValueError(f"population: expected shape ({n_all},), got {pop.shape}")
        pop_t = pop[: t + 1]
    observed = float(y_all[t])

    cases, periods = cfg.limit54
    recent = y_all[max(t - periods + 1, 0): t + 1]
    enough = bool(not np.isnan(recent).any() and recent.sum() >= cases)
    if t < cfg.min_history:
        return _untested(t, observed, enough, 0, "short_history")

    # Baseline (R's algo.farrington.data.glm)
    levels = reference_blocks(t, cfg)
    kept = levels.copy()
    kept[t - cfg.past_excluded: t + 1] = np.nan
    idx = np.flatnonzero(~np.isnan(kept) & ~np.isnan(y_all))
    y = y_all[idx]
    offset = np.zeros(len(idx))
    offset0 = 0.0
    if pop_t is not None:
        used = np.append(pop_t[idx], pop_t[t])
        if not np.all(np.isfinite(used) & (used > 0)):
            raise ValueError(f"population: must be positive and finite at the baseline and at t = {t}")
        offset, offset0 = np.log(used[:-1]), float(np.log(used[-1]))
    groups = levels[idx]
    season = np.unique(groups)  # factor levels present, sorted (R's as.factor)
    if cfg.n_periods not in season or len(idx) == 0:
        return _untested(t, observed, enough, len(idx), "no_fit")

    def design(trend: bool) -> tuple[np.ndarray, np.ndarray]:
        """The baseline's design matrix and the row at t (whose level is the current block's)."""
        return _design(idx, groups, season, trend), _design(np.array([t]), np.array([cfg.n_periods]), season, trend)[0]

    def fit(trend: bool) -> tuple[_Fit, float, float, np.ndarray] | None:
        """R's algo.farrington.fitGLM.flexible: fit, phi, reweight, refit; None if unusable.

        Also returns the dispersion R's ``summary.glm`` and ``predict.glm`` see on the returned
        model: R stores the outbreak weights over the model's working weights after the refit,
        so with ``reweight`` that is ``sum(omega ((y - mu) / mu)^2) / df``, not ``phi``.
        """
        X, x0 = design(trend)
        model = _glm_quasipoisson(X, y, offset, np.ones(len(y)), trend)
        if not model.converged and trend:
            trend = False
            X, x0 = design(False)
            model = _glm_quasipoisson(X, y, offset, np.ones(len(y)), False)
        if not model.converged:
            return None
        phi = max(model.dispersion(y), 1.0)
        summary_disp = model.dispersion(y)
        if cfg.reweight:
            omega = _outbreak_weights(_anscombe(model, y, phi), cfg.weights_threshold)
            if not np.all(np.isfinite(omega)):
                return None
            model = _glm_quasipoisson(X, y, offset, omega, trend)  # R does not check convergence
            phi = max(model.dispersion(y), 1.0)
            summary_disp = model.dispersion(y, omega)
        if not model.full_rank or not np.isfinite(phi):
            return None
        return model, phi, summary_disp, x0

    fitted = fit(cfg.trend)
    if fitted is None:
        return _untested(t, observed, enough, len(idx), "no_fit")
    model, phi, summary_disp, x0 = fitted
    if model.has_trend:  # R's algo.farrington.glm: keep the trend only if all three criteria hold
        t_stat = model.coef[1] / np.sqrt(summary_disp * model.unscaled_coef(1))
        p_trend = 2 * stats.t.sf(abs(t_stat), model.df_resid)
        mu_pred = np.exp(x0 @ model.coef + offset0)
        if not (cfg.b >= 3 and p_trend < cfg.trend_p and mu_pred <= y.max()):
            fitted = fit(False)
            if fitted is None:
                return _untested(t, observed, enough, len(idx), "no_fit")
            model, phi, summary_disp, x0 = fitted

    eta0 = float(x0 @ model.coef + offset0)
    mu0 = float(np.exp(eta0))
    if cfg.threshold_method == "nbPlugin":
        if not np.isfinite(mu0):
            return _untested(t, observed, enough, len(idx), "no_fit")
        threshold = _nb_upper(1 - cfg.alpha, mu0, phi)
        if not np.isfinite(observed):
            p = float("nan")
        elif cfg.p_value == "predictive":
            p = _predictive_sf(observed, eta0, np.sqrt(summary_disp * model.unscaled(x0)), phi)
        else:
            p = float(_Counts(mu0, phi).sf(observed - 1))
    else:  # delta: Farrington (1996) on the powertrans scale, with the estimation variance
        se_mu = np.sqrt(summary_disp * model.unscaled(x0)) * mu0  # predict.glm's se.fit
        tau = phi + se_mu ** 2 / mu0
        power, sd = {"2/3": (2 / 3, np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)),
                     "1/2": (1 / 2, np.sqrt(tau / 4)),
                     "none": (1.0, np.sqrt(mu0 * tau))}[cfg.powertrans]
        threshold = float((mu0 ** power + stats.norm.ppf(1 - cfg.alpha) * sd) ** (1 / power))
        p = float(stats.norm.sf(observed ** power, mu0 ** power, sd)) if np.isfinite(observed) \
            else float("nan")
    alarm = bool(enough and np.isfinite(threshold) and observed > threshold)
    window = {"window_observed": observed, "window_expected": mu0, "window_threshold": float(threshold),
              "window_p": p, "window_alarm": alarm}
    if cfg.window > 1:
        window = _window_test(y_all, t, levels, season, model, phi, summary_disp, pop_t, cfg,
                              observed > mu0 and enough)
    return FarringtonResult(t=t, observed=observed, expected=mu0, threshold=float(threshold), p=p,
                            alarm=alarm, phi=float(phi), trend=model.has_trend, enough_cases=enough,
                            n_baseline=len(idx), status="ok", **window)


def _design(periods: np.ndarray, levels: np.ndarray, season: np.ndarray, trend: bool) -> np.ndarray:
    """Rows of the baseline GLM's design, one per period: intercept, [R's ``wtime``, the 1-based period], then a
    dummy per seasonal level after the first present (treatment contrasts, as R's ``as.factor``).
    ``periods`` and ``levels``: ``(n,)``; returns ``(n, n_columns)``."""
    cols = [np.ones(len(periods))] + ([periods + 1.0] if trend else [])
    return np.column_stack(cols + [(levels == level).astype(float) for level in season[1:]])


def _window_test(y_all: np.ndarray, t: int, levels: np.ndarray, season: np.ndarray, model: _Fit, phi: float,
                 summary_disp: float, pop_t: np.ndarray | None, cfg: FarringtonConfig, current_high: bool
                 ) -> dict[str, Any]:
    """The sum of periods ``t - window + 1 .. t`` against the model's predictions for them (see
    ``FarringtonConfig.window``). A period's season is that of the same period a year before (its level in
    the baseline's blocks); its trend value and offset are its own."""
    span = np.arange(t - cfg.window + 1, t + 1)
    X = _design(span, levels[span - cfg.freq], season, model.has_trend)
    offset = np.log(pop_t[span]) if pop_t is not None else np.zeros(len(span))
    mus = np.exp(X @ model.coef + offset)
    expected = float(mus.sum())
    observed = float(y_all[span].sum())
    if not (np.isfinite(expected) and np.isfinite(observed)):
        nan = float("nan")
        return {"window_observed": observed, "window_expected": expected, "window_threshold": nan,
                "window_p": nan, "window_alarm": False}
    threshold = _nb_upper(1 - cfg.alpha, expected, phi)
    if cfg.p_value == "predictive":  # delta method: d(sum mu)/d(coef) = sum mu_s x_s
        se_log = np.sqrt(summary_disp * model.unscaled(mus @ X)) / expected
        p = _predictive_sf(observed, float(np.log(expected)), se_log, phi)
    else:
        p = float(_Counts(expected, phi).sf(observed - 1))
    return {"window_observed": observed, "window_expected": expected, "window_threshold": float(threshold),
            "window_p": p, "window_alarm": bool(current_high and observed > threshold)}


def farrington_series(counts: np.ndarray, population: np.ndarray | None = None,
                      cfg: FarringtonConfig = FarringtonConfig(),  # noqa: B008
                      start: int | None = None) -> pd.DataFrame:
    """Test every period from ``start`` to the end, each prospectively.

    Parameters
    ----------
    counts : array-like, shape (n,)
        Counts per period, oldest first.
    population : array-like, shape (n,), optional
        Offset per period (see :func:`farrington_flexible`).
    cfg : FarringtonConfig
    start : int, optional
        First index to test; default ``cfg.min_history``, the first with enough history (an
        earlier one gives ``short_history`` rows).

    Returns
    -------
    DataFrame, one row per tested index ``start .. n - 1``
        Columns ``t, observed, expected, threshold, p, alarm, phi, trend, enough_cases,
        n_baseline, status`` (the fields of :class:`FarringtonResult`).
    """
    y = np.asarray(counts, dtype=float)
    first = cfg.min_history if start is None else int(start)
    rows = [farrington_flexible(y, t, population, cfg) for t in range(max(first, 0), len(y))]
    columns = list(FarringtonResult.__dataclass_fields__)
    return pd.DataFrame([[getattr(r, c) for c in columns] for r in rows], columns=columns).astype(
        {"t": int, "observed": float, "expected": float, "threshold": float, "p": float, "alarm": bool,
         "phi": float, "trend": bool, "enough_cases": bool, "n_baseline": int, "status": object})


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (step-up false discovery rate adjustment).

    Parameters
    ----------
    p : array-like, shape (m,)
        P-values in [0, 1]; NaN allowed.

    Returns
    -------
    ndarray, shape (m,)
        ``q[i] = min over j with p[j] >= p[i] of p[j] * m' / rank(j)``, capped at 1, where ``m'``
        counts the non-NaN p-values; NaN where ``p`` is NaN. Rejecting ``q <= level`` controls the
        FDR at ``level`` (as ``statsmodels`` ``multipletests(method="fdr_bh")`` and R's
        ``p.adjust(method="BH")``).

    Raises
    ------
    ValueError
        A p-value outside [0, 1].
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    values = p[ok]
    if np.any((values < 0) | (values > 1)):
        raise ValueError("benjamini_hochberg: p-values must lie in [0, 1]")
    m = len(values)
    if m == 0:
        return out
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    q = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    adjusted = np.empty(m)
    adjusted[order] = q
    out[ok] = adjusted
    return out
