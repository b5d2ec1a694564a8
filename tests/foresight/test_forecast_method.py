"""The forecast's numpy layer on hand-made series: the trend recovered, robustness to an outlier, the band's coverage
on synthetic noise, probabilities non-decreasing in the years, the Brier score by hand."""

import numpy as np
import pytest

from nongthonso.criteria import engine
from nongthonso.foresight.forecast import brier, last_observed, persistence, simulate
from nongthonso.foresight.trend import bootstrap, nanmedian_last, theil_sen, theil_sen_reference

YEARS = np.arange(2021, 2026)


def _spec(*indicators):
    """A one-criterion-per-indicator set: (code, comparator, threshold, value type)."""
    return {"code": "thu-du-bao", "version": 1, "level": "xa_ntm", "name": "Bộ thử", "threshold_dimension": "none",
            "criteria": [{"code": str(i + 1), "name": f"Tiêu chí {i + 1}", "indicators": [
                {"code": code, "name": f"Chỉ tiêu {code}", "value_type": vt, "comparator": op, "threshold": thr}]}
                for i, (code, op, thr, vt) in enumerate(indicators)]}


def test_exact_line_recovered():
    values = np.array([[3.0, 5.0, 7.0, 9.0, 11.0], [50.0, 47.5, 45.0, 42.5, 40.0]])
    fit = theil_sen(YEARS, values)
    assert fit.slope.tolist() == [2.0, -2.5]
    assert fit.at(2030).tolist() == [21.0, 27.5]
    assert np.allclose(fit.residuals, 0.0)


def test_one_outlier_does_not_move_the_line():
    values = np.array([[3.0, 5.0, 7.0, 9.0, 60.0]])  # a typing slip in the last year
    fit = theil_sen(YEARS, values)
    assert fit.slope[0] == 2.0 and fit.at(2030)[0] == 21.0
    ols = np.polyfit(YEARS, values[0], 1)[0]
    assert abs(ols - 2.0) > 1.0  # least squares would be pulled by it


def test_missing_years_and_single_values():
    values = np.array([[1.0, np.nan, 5.0, np.nan, 9.0], [np.nan, 4.0, np.nan, np.nan, np.nan], [np.nan] * 5])
    fit = theil_sen(YEARS, values)
    assert fit.slope[0] == 2.0 and fit.at(2026)[0] == 11.0
    assert fit.slope[1] == 0.0 and fit.at(2030)[1] == 4.0  # one value: carried forward
    assert np.isnan(fit.slope[2]) and np.isnan(fit.at(2030)[2])  # none: unknown
    assert last_observed(values).tolist()[:2] == [9.0, 4.0] and np.isnan(last_observed(values)[2])


def test_vectorised_fit_equals_the_plain_reference():
    rng = np.random.default_rng(7)
    values = rng.normal(size=(300, 8, 5))
    values[rng.random(values.shape) < 0.2] = np.nan
    fit = theil_sen(YEARS, values)
    slope, intercept = theil_sen_reference(YEARS, values)
    assert np.allclose(fit.slope, slope, equal_nan=True) and np.allclose(fit.intercept, intercept, equal_nan=True)
    rows = rng.normal(size=(50, 7))
    rows[rng.random(rows.shape) < 0.3] = np.nan
    expected = np.nanmedian(rows, axis=1)
    assert np.allclose(nanmedian_last(rows), expected, equal_nan=True)


def test_band_covers_future_values_on_synthetic_noise():
    """The band is nominally 80%; on five-point series the residual bootstrap is known to run narrow (the residuals
    of a fitted line understate the noise): measured 67% here, documented in docs/foresight.md. The test pins it in
    a range so that a change of method that narrows or widens it shows."""
    rng = np.random.default_rng(11)
    n = 4000
    slope, sigma = rng.uniform(-2, 2, n), rng.uniform(0.5, 3, n)
    all_years = np.arange(2021, 2028)
    truth = 40 + slope[:, None] * (all_years - 2021) + rng.normal(size=(n, 7)) * sigma[:, None]
    fit = theil_sen(all_years[:5], truth[:, :5])
    draws = bootstrap(fit, all_years[5:], 400, seed=3)
    low, high = np.percentile(draws, (10, 90), axis=0)
    inside = ((truth[:, 5:] >= low) & (truth[:, 5:] <= high)).mean()
    assert 0.62 <= inside <= 0.90, inside


def test_draws_are_deterministic_for_a_seed():
    fit = theil_sen(YEARS, np.array([[1.0, 2.5, 2.0, 4.0, 5.5]]))
    assert np.array_equal(bootstrap(fit, [2026], 50, seed=1), bootstrap(fit, [2026], 50, seed=1))
    assert not np.array_equal(bootstrap(fit, [2026], 50, seed=1), bootstrap(fit, [2026], 50, seed=2))


def test_probability_by_year_is_non_decreasing_and_follows_the_trend():
    cs = engine.compile_spec(_spec(("a", ">=", 80, "percent"), ("b", "<=", 5, "percent")))
    values = np.array([
        [[60, 64, 67, 71, 74], [9, 8.5, 8, 7.2, 6.8]],  # improving: crosses both thresholds around 2027-2029
        [[60, 60, 61, 60, 60], [9, 9, 9, 9, 9]],  # stalled
        [[90, 91, 92, 92, 93], [2, 2, 2, 2, 2]],  # already meets
    ], dtype=float)
    horizon = list(range(2026, 2031))
    sim = simulate(cs, YEARS, values, horizon, np.full((3, 5), cs.unclassified), draws=300, seed=5)
    assert np.all(np.diff(sim.meets_by, axis=1) >= 0)
    assert np.all(sim.meets_by >= sim.meets - 1e-12)
    assert sim.meets_by[0, 0] < 0.5 < sim.meets_by[0, -1]
    assert sim.meets_by[1, -1] < 0.05
    assert sim.meets_by[2, 0] > 0.95
    assert sim.expected_met[2, 0] == pytest.approx(2.0, abs=0.05)
    assert np.all(sim.low <= sim.median) and np.all(sim.median <= sim.high)
    assert sim.high[0, 0].max() <= 100.0  # percentages kept within 0-100


def test_brier_by_hand():
    # forecasts 0.9, 0.2, 0.6 for outcomes 1, 0, 0: ((0.1)² + (0.2)² + (0.6)²) / 3 = 0.41 / 3
    assert brier([0.9, 0.2, 0.6], [1, 0, 0]) == pytest.approx(0.41 / 3)
    assert brier([1, 0, np.nan], [1, 1, 0]) == pytest.approx(0.5)  # the NaN pair is left out
    assert brier([0.5] * 4, [1, 0, 1, 0]) == 0.25


def test_persistence_rates_of_the_smoothed_baseline():
    status = np.array([[1, 1, 1], [0, 1, 1], [0, 0, 1], [1, 0, np.nan]], dtype=float)
    stay, rise = persistence(status)
    # met → next: (1→1, 1→1, 1→1, 1→0) = 3/4; not met → next: (0→1, 0→0, 0→1) = 2/3
    assert stay == pytest.approx(0.75) and rise == pytest.approx(2 / 3)


def test_short_series_borrow_the_noise_of_their_indicator():
    """A commune with two values has no residuals of its own; it gets its indicator's spread across the communes
    with longer histories, so its probability is not a bare 0 or 1."""
    cs = engine.compile_spec(_spec(("a", ">=", 80, "percent")))
    rng = np.random.default_rng(2)
    rich = 70 + np.arange(5) * 2.0 + rng.normal(0, 3, (200, 5))  # hovering near the threshold, noisy
    short = np.array([[np.nan, np.nan, np.nan, 77.0, 79.0]])
    values = np.concatenate([rich, short])[:, None, :]
    sim = simulate(cs, YEARS, values, [2026], np.full((201, 1), cs.unclassified), draws=400, seed=4)
    assert sim.high[-1, 0, 0] - sim.low[-1, 0, 0] > 3.0
    assert 0.05 < sim.meets[-1, 0] < 0.95
