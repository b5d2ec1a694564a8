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
    """The median along the last axis ignoring NaN (NaN where a row has no value)."""
    a = np.asarray(a, dtype=np.float64)
    shape, width = a.shape[:-1], a.shape[-1]
    return _median_rows(np.moveaxis(a, -1, 0).reshape(width, -1)).reshape(shape)


def last_observed(values: np.ndarray) -> np.ndarray:
    """(...): each series' last value along the last axis (NaN when it has none) — the naive baseline's forecast."""
    observed = ~np.isnan(values)
    idx = values.shape[-1] - 1 - np.argmax(observed[..., ::-1], axis=-1)
    last = np.take_along_axis(values, idx[..., None], -1)[..., 0]
    return np.where(observed.any(axis=-1), last, np.nan)


def _median_rows(rows: np.ndarray) -> np.ndarray:
    """The median of each column of ``rows`` (W, N) ignoring NaN. The columns are short (the pairwise slopes of a few
    years), so instead of one sort per column the W rows are put in order by an odd–even transposition network
    (element-wise minimum/maximum over all columns at once, NaN as +inf); the middle one or two are then picked by each
    column's count. Several times quicker than ``np.nanmedian``."""
    width = rows.shape[0]
    if width == 0:
        return np.full(rows.shape[1:], np.nan)
    stack = np.array(rows, dtype=np.float64)
    missing = np.isnan(stack)
    count = width - missing.sum(axis=0)
    stack[missing] = np.inf
    low = np.empty(stack.shape[1:])
    for rnd in range(width):
        for i in range(rnd % 2, width - 1, 2):
            np.minimum(stack[i], stack[i + 1], out=low)
            np.maximum(stack[i], stack[i + 1], out=stack[i + 1])
            stack[i] = low
    empty = count == 0
    upper = np.where(empty, 0, count // 2)
    lower = np.where(empty, 0, (count - 1) // 2)
    columns = np.arange(stack.shape[1])
    median = 0.5 * (stack[lower, columns] + stack[upper, columns])
    return np.where(empty, np.nan, median)


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
    extrapolated where the history shows one). Computed years-first (one row per year, one column per series), so
    that every step is an operation on whole contiguous rows."""
    years = np.asarray(years, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    shape, width = values.shape[:-1], values.shape[-1]
    rows = np.moveaxis(values, -1, 0).reshape(width, -1)  # (T, N)
    origin = float(years.mean()) if years.size else 0.0
    t = (years - origin)[:, None]
    i, j, dt = _pairs(years)
    slopes = np.empty((len(i), rows.shape[1]))
    for p, (a, b) in enumerate(zip(i, j, strict=True)):
        np.subtract(rows[b], rows[a], out=slopes[p])
        slopes[p] /= dt[p]  # NaN where either end is missing
    observed = width - np.isnan(rows).sum(axis=0)
    slope = _median_rows(slopes)
    slope[observed == 1] = 0.0
    if min_tau is not None:
        pairs = np.maximum(len(i) - np.isnan(slopes).sum(axis=0), 1)
        tau = ((slopes > 0).sum(axis=0) - (slopes < 0).sum(axis=0)) / pairs
        slope[(np.abs(tau) < min_tau) & ~np.isnan(slope)] = 0.0
    intercept = _median_rows(rows - slope * t)
    residuals = rows - (intercept + slope * t)
    return Trend(years, origin, slope.reshape(shape), intercept.reshape(shape),
                 np.moveaxis(residuals.reshape(width, *shape), 0, -1), observed.reshape(shape))


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
