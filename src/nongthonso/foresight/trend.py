"""Robust linear trends of many short series at once. Pure numpy: no Django, no I/O.

A series is one indicator of one commune over a few years (2021 onward: five or six points). Arrays are
``(..., T)`` — any leading shape (communes × indicators) — with NaN where a year has no value.

- ``theil_sen``: the Theil–Sen estimator (median of the pairwise slopes, median intercept), NaN-aware, vectorised
  over every series: one sort over the T·(T−1)/2 pairwise slopes. A series with one value gets slope 0 (its value
  carried forward); a series with none stays NaN (unknown).
- ``theil_sen_reference``: the same fit written plainly with ``np.nanmedian`` — the benchmark's reference and the
  tests' cross-check.
- ``bootstrap``: draws of the fitted line and of a future observation by resampling each series' own residuals
  (seeded generator: the same inputs give the same draws); see docs/adr/0009-forecast-method.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def nanmedian_last(a: np.ndarray) -> np.ndarray:
    """The median along the last axis ignoring NaN (NaN where a row has no value). The rows are short (the pairwise
    slopes of a few years), so instead of one sort per row the values are laid out one array per position and put in
    order by an odd–even transposition network (element-wise minimum/maximum over all rows at once, NaN as +inf);
    the middle one or two are then picked by each row's count. Several times quicker than ``np.nanmedian``."""
    a = np.asarray(a, dtype=np.float64)
    shape, width = a.shape[:-1], a.shape[-1]
    if width == 0:
        return np.full(shape, np.nan)
    stack = np.moveaxis(a, -1, 0).reshape(width, -1).copy()
    count = width - np.isnan(stack).sum(axis=0)
    stack[np.isnan(stack)] = np.inf
    for rnd in range(width):
        for i in range(rnd % 2, width - 1, 2):
            low = np.minimum(stack[i], stack[i + 1])
            np.maximum(stack[i], stack[i + 1], out=stack[i + 1])
            stack[i] = low
    empty = count == 0
    upper = np.where(empty, 0, count // 2)
    lower = np.where(empty, 0, (count - 1) // 2)
    columns = np.arange(stack.shape[1])
    median = 0.5 * (stack[lower, columns] + stack[upper, columns])
    return np.where(empty, np.nan, median).reshape(shape)


def _pairs(years: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    i, j = np.triu_indices(len(years), k=1)
    return i, j, (years[j] - years[i]).astype(np.float64)


@dataclass(frozen=True)
class Trend:
    """Fitted lines of series ``(..., T)``: value(year) = intercept + slope · (year − origin)."""

    years: np.ndarray  # (T,) the observed years
    origin: float  # years are centred on it (numerically stable intercepts)
    slope: np.ndarray  # (...)
    intercept: np.ndarray  # (...)
    residuals: np.ndarray  # (..., T) NaN where the year has no value
    observed: np.ndarray  # (...) int: number of values

    def at(self, year: float | np.ndarray) -> np.ndarray:
        """The fitted value at ``year`` (a scalar, or years broadcast on a new last axis)."""
        year = np.asarray(year, dtype=np.float64)
        if year.ndim == 0:
            return self.intercept + self.slope * (float(year) - self.origin)
        return self.intercept[..., None] + self.slope[..., None] * (year - self.origin)


def theil_sen(years, values, *, min_tau: float | None = None) -> Trend:
    """Theil–Sen fit of every series of ``values`` (..., T) observed at ``years`` (T,). With ``min_tau``, a series
    whose values do not move one way consistently — Kendall's tau (rising pairs minus falling pairs, over the pairs)
    below ``min_tau`` in absolute value — gets no slope: its level is the median of its values (a trend is only
    extrapolated where the history shows one)."""
    years = np.asarray(years, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    origin = float(years.mean()) if years.size else 0.0
    t = years - origin
    i, j, dt = _pairs(years)
    slopes = (values[..., j] - values[..., i]) / dt  # NaN where either end is missing
    slope = nanmedian_last(slopes)
    observed = np.sum(~np.isnan(values), axis=-1)
    slope = np.where(observed == 1, 0.0, slope)
    if min_tau is not None:
        pairs = np.sum(~np.isnan(slopes), axis=-1)
        tau = (np.sum(slopes > 0, axis=-1) - np.sum(slopes < 0, axis=-1)) / np.maximum(pairs, 1)
        slope = np.where((np.abs(tau) < min_tau) & ~np.isnan(slope), 0.0, slope)
    intercept = nanmedian_last(values - slope[..., None] * t)
    residuals = values - (intercept[..., None] + slope[..., None] * t)
    return Trend(years, origin, slope, intercept, residuals, observed)


def theil_sen_reference(years, values) -> tuple[np.ndarray, np.ndarray]:
    """The same fit written plainly (``np.nanmedian`` over a stacked pairwise-slope array): (slope, intercept)."""
    years = np.asarray(years, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    t = years - years.mean()
    i, j = np.triu_indices(len(years), k=1)
    slopes = (values[..., j] - values[..., i]) / (years[j] - years[i])
    with np.errstate(all="ignore"), quiet():
        slope = np.nanmedian(slopes, axis=-1)
        slope = np.where(np.sum(~np.isnan(values), axis=-1) == 1, 0.0, slope)
        intercept = np.nanmedian(values - slope[..., None] * t, axis=-1)
    return slope, intercept


class quiet:
    """``np.nanmedian`` warns on all-NaN rows (an indicator never entered): expected here, silenced."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


def bootstrap(trend: Trend, horizon, draws: int, seed: int, *, min_tau: float | None = None) -> np.ndarray:
    """Simulated values ``(draws, ..., H)`` at the ``horizon`` years (H,): for each draw, the series' residuals
    resampled with replacement, the line refitted on fitted + resampled residuals (Theil–Sen, as the fit), and a
    fresh resampled residual added at each horizon year (the noise of a future observation); ``min_tau`` as in the
    fit. Residuals are inflated
    by sqrt(n / (n − 2)) for the two fitted parameters (n the series' values, when n > 2). A series with one value
    (no residual spread) stays at that value; a series with none is NaN."""
    rng = np.random.default_rng(seed)
    horizon = np.asarray(horizon, dtype=np.float64)
    res = trend.residuals
    shape, T = res.shape[:-1], res.shape[-1]
    n = trend.observed
    scale = np.where(n > 2, np.sqrt(n / np.maximum(n - 2, 1)), 1.0)
    # each series' observed residuals packed to the front, so that a uniform index into the first n picks one
    order = np.argsort(np.isnan(res), axis=-1, kind="stable")
    packed = np.take_along_axis(res, order, -1) * scale[..., None]
    packed = np.where(np.isnan(packed), 0.0, packed)
    count = np.maximum(n, 1)[None, ..., None]

    def resample(width: int) -> np.ndarray:
        idx = (rng.random((draws, *shape, width)) * count).astype(np.int64)
        return np.take_along_axis(np.broadcast_to(packed, (draws, *shape, T)), idx, -1)

    t = trend.years - trend.origin
    observed = ~np.isnan(res)
    fitted = trend.intercept[..., None] + trend.slope[..., None] * t
    star = np.where(observed, fitted + resample(T), np.nan)  # (draws, ..., T)
    refit = theil_sen(trend.years, star, min_tau=min_tau)
    line = refit.intercept[..., None] + refit.slope[..., None] * (horizon - trend.origin)
    noise = resample(len(horizon))
    single = (n == 1)[None, ..., None]
    line = np.where(single, trend.intercept[None, ..., None], line + noise)
    return line
