"""Calibration: the chance that a commune meets a level — and each indicator its threshold — in a future year, learned
from the province's own history of what its gaps and its trends turned into. No Django here (numpy, scikit-learn).

The trends (``trend.theil_sen``) say where each value is heading; the engine says what that means against the
thresholds. Neither says how often a commune that is one criterion short today, or whose trend crosses the threshold
in two years, actually meets it then. The history does: for every pair of history years (an *origin* and a later
*target*), the features are computed from the values known at the origin — the last values carried to the target
year, and the trend fitted on the years up to the origin projected to it, both judged against the target year's
thresholds — and the outcome is the engine's verdict on the values stored for the target year. A logistic regression
(scikit-learn, L2-penalised, standardised features) maps features to the chance of meeting. This is what weather
forecasting calls *model output statistics*: a physical or trend model's output corrected, and turned into
calibrated probabilities, by a statistical model fitted on the same place's past forecasts and outcomes.

Two models, fitted on the same pairs:

- **commune** (meets every criterion in the target year): criteria, indicators and distance still failing now and
  the weakest indicator's margin; the same on the trend's projection; indicators unknown; years ahead;
- **indicator** (meets its threshold): its signed margin now and on the projection (comparator-aware, normalised
  by the threshold's size as ``gaps`` does, clipped to ±1; ±1 for yes/no and categories); years ahead.

Years ahead beyond the longest pair of the history are read as that longest pair (the model does not extrapolate
past what the history has shown; the projection still moves with the target year). Where the history has no pair
whose outcomes differ (every commune met, or none did), the model is the observed share — and with no pair at all,
the value carried: 1 for met now, 0 otherwise. The method and why: docs/adr/0010-forecast-calibration.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nongthonso.criteria import engine

from . import gaps
from .trend import last_observed, theil_sen

PENALTY_C = 1.0  # scikit-learn's inverse L2 strength on standardised features (few, well-scaled features: 1 is mild)
MAX_UNITS = 1000  # communes sampled when fitting (seeded; a province has fewer): the models have nine and four
MAX_INDICATOR_ROWS = 60_000  # commune × indicator rows sampled when fitting the indicator model
SEED = 2030

COMMUNE_FEATURES = ("criteria_failing_now", "indicators_failing_now", "distance_now", "weakest_margin_now",
                    "criteria_failing_trend", "distance_trend", "weakest_margin_trend", "indicators_unknown",
                    "years_ahead")
INDICATOR_FEATURES = ("met_now", "margin_now", "margin_trend", "years_ahead")


def margins(cs: engine.CompiledSet, values: np.ndarray, res: engine.BatchResult) -> np.ndarray:
    """(n, k) signed margins in [−1, 1]: how far each value is past (+) or short of (−) its threshold, normalised by
    the threshold's size (1 when it is 0) for the quantities of ``gaps.measured``; +1 met, −1 not met for yes/no,
    categories and «equal to»; NaN where the indicator is unknown."""
    status = res.indicator_status
    quantity = gaps.measured(cs)
    lower_better = np.array([op in ("<=", "<") for op in cs.comparators])
    thr = res.thresholds
    scale = np.abs(thr)
    scale = np.where(np.isnan(scale) | (scale == 0), 1.0, scale)
    with np.errstate(invalid="ignore"):
        signed = np.where(lower_better, thr - values, values - thr) / scale
    margin = np.where(quantity, np.clip(signed, -1.0, 1.0), np.where(status == 1, 1.0, -1.0))
    return np.where(status < 0, np.nan, margin)


@dataclass
class Features:
    """The features of n communes for one target year."""

    commune: np.ndarray  # (n, len(COMMUNE_FEATURES))
    indicator: np.ndarray  # (n, k, len(INDICATOR_FEATURES)); NaN rows: the indicator is unknown now
    now: gaps.Distances  # the last values carried, judged against the target year's thresholds
    trend: gaps.Distances  # the projection


def features(cs: engine.CompiledSet, now: np.ndarray, projected: np.ndarray, year: int, classes: np.ndarray,
             ahead: float, *, same_as: Features | None = None) -> Features:
    """Features of communes whose last values are ``now`` (n, k) and whose trends project ``projected`` (n, k) at
    ``year`` (their threshold classes ``classes``), ``ahead`` years after the last history year. ``same_as``: the
    features of the same ``now`` against the same thresholds (another year with no year-specific row): the verdicts
    on ``now`` are taken from it rather than evaluated again."""
    if same_as is not None:
        d_now, m_now = same_as.now, same_as.indicator[..., INDICATOR_FEATURES.index("margin_now")]
    else:
        d_now = gaps.distances(cs, now, year, classes)
        m_now = margins(cs, now, d_now.result)
    d_trend = gaps.distances(cs, projected, year, classes)
    n = now.shape[0]
    m_trend = margins(cs, projected, d_trend.result)
    m_trend = np.where(np.isnan(m_trend), m_now, m_trend)
    commune = np.column_stack([d_now.criteria_failing, d_now.indicators_failing, d_now.distance, _weakest(m_now),
                               d_trend.criteria_failing, d_trend.distance, _weakest(m_trend),
                               d_now.indicators_unknown, np.full(n, float(ahead))]).astype(np.float64)
    met_now = np.where(np.isnan(m_now), np.nan, (d_now.result.indicator_status == 1).astype(np.float64))
    indicator = np.stack([met_now, m_now, m_trend, np.full(m_now.shape, float(ahead))], axis=-1)
    return Features(commune, indicator, d_now, d_trend)


def _weakest(margin: np.ndarray) -> np.ndarray:
    """(n,) the smallest margin of each commune's known indicators (how close its weakest indicator is to failing,
    or how far the worst one is short); 0 for a commune with no indicator known."""
    known = ~np.isnan(margin)
    return np.where(known.any(axis=1), np.min(np.where(known, margin, np.inf), axis=1), 0.0)


class Model:
    """A fitted model ``probability(X)``: logistic regression on standardised features, or a constant where the
    history cannot support one. ``ahead_column``/``max_ahead``: years ahead are capped at the longest pair fitted."""

    def __init__(self, X: np.ndarray, y: np.ndarray, *, ahead_column: int, fallback: float):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.ahead_column = ahead_column
        self.rows = len(y)
        self.max_ahead = float(X[:, ahead_column].max()) if len(y) else 1.0
        self.pipeline = None
        self.constant = float(y.mean()) if len(y) else fallback
        if len(y) and 0 < y.sum() < len(y):
            self.pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=PENALTY_C, max_iter=1000))
            self.pipeline.fit(X, y)

    def probability(self, X: np.ndarray) -> np.ndarray:
        """P(met) for each row of ``X`` (NaN rows give NaN). The fitted pipeline's own formula — standardise, then
        the logistic of the linear score — written as one matrix product over the standardised weights, so that
        half a million rows take one pass (``tests/foresight/test_forecast_method.py`` checks it equals
        ``predict_proba``)."""
        X = np.asarray(X, dtype=np.float64)
        unknown = np.isnan(X).any(axis=1)
        if self.pipeline is None:
            return np.where(unknown, np.nan, self.constant)
        scaler, logit = self.pipeline[0], self.pipeline[-1]
        weights = logit.coef_[0] / scaler.scale_
        bias = float(logit.intercept_[0]) - float((scaler.mean_ * weights).sum())
        ahead = X[:, self.ahead_column]
        score = X @ weights + (np.minimum(ahead, self.max_ahead) - ahead) * weights[self.ahead_column] + bias
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-score))

    def describe(self, names: tuple[str, ...]) -> dict:
        """The model as data (for the backtest's output and the docs): rows fitted, and the coefficients per
        standardised feature, or the constant."""
        if self.pipeline is None:
            return {"rows": self.rows, "constant": None if np.isnan(self.constant) else round(self.constant, 4)}
        logit = self.pipeline[-1]
        return {"rows": self.rows, "intercept": round(float(logit.intercept_[0]), 4),
                "coefficients": {name: round(float(c), 4) for name, c in zip(names, logit.coef_[0], strict=True)}}


@dataclass
class Calibration:
    commune: Model
    indicator: Model
    pairs: int  # pairs of history years fitted on

    def describe(self) -> dict:
        return {"pairs": self.pairs, "commune": self.commune.describe(COMMUNE_FEATURES),
                "indicator": self.indicator.describe(INDICATOR_FEATURES)}


def fit(cs: engine.CompiledSet, years, values: np.ndarray, classes: np.ndarray, *, min_tau: float,
        project, seed: int = SEED) -> Calibration:
    """Fit both models on the history ``values`` (n, k, T) at ``years`` (T,), the communes' threshold classes each
    history year ``classes`` (n, T). ``project(trend, year, last)`` turns a trend fitted on the years up to an origin
    into values at a target year (the forecast's own projection, so that the models learn from what the forecast
    will feed them)."""
    years = np.asarray(years, dtype=np.int64)
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero((~np.isnan(values)).any(axis=(1, 2)))
    if len(rows) > MAX_UNITS:
        rows = np.sort(rng.choice(rows, MAX_UNITS, replace=False))
    values, classes = values[rows], np.asarray(classes)[rows]
    T = values.shape[2]
    Xc, yc, Xi, yi = [], [], [], []
    pairs = 0
    for t in range(1, T):
        truth = engine.evaluate_batch(cs, values[:, :, t], int(years[t]), classes[:, t])
        commune_out = np.where(truth.criteria_unknown > 0, np.nan, truth.eligible.astype(float))
        indicator_out = np.where(truth.indicator_status < 0, np.nan, (truth.indicator_status == 1).astype(float))
        for o in range(t):
            past = values[:, :, :o + 1]
            seen = np.flatnonzero((~np.isnan(past)).any(axis=(1, 2)) & ~np.isnan(commune_out))
            if len(seen) == 0:
                continue
            pairs += 1
            last = last_observed(past[seen])
            trend = theil_sen(years[:o + 1], past[seen], min_tau=min_tau)
            f = features(cs, last, project(trend, int(years[t]), last), int(years[t]), classes[seen, t],
                         int(years[t] - years[o]))  # in years, as ``predict`` counts them: the years may skip
            Xc.append(f.commune)
            yc.append(commune_out[seen])
            Xi.append(f.indicator.reshape(-1, len(INDICATOR_FEATURES)))
            yi.append(indicator_out[seen].reshape(-1))
    Xc_all = np.vstack(Xc) if Xc else np.empty((0, len(COMMUNE_FEATURES)))
    yc_all = np.concatenate(yc) if yc else np.empty(0)
    Xi_all = np.vstack(Xi) if Xi else np.empty((0, len(INDICATOR_FEATURES)))
    yi_all = np.concatenate(yi) if yi else np.empty(0)
    keep = ~np.isnan(yi_all) & ~np.isnan(Xi_all).any(axis=1)
    Xi_all, yi_all = Xi_all[keep], yi_all[keep]
    if len(yi_all) > MAX_INDICATOR_ROWS:
        pick = np.sort(rng.choice(len(yi_all), MAX_INDICATOR_ROWS, replace=False))
        Xi_all, yi_all = Xi_all[pick], yi_all[pick]
    commune = Model(Xc_all, yc_all, ahead_column=COMMUNE_FEATURES.index("years_ahead"), fallback=np.nan)
    indicator = Model(Xi_all, yi_all, ahead_column=INDICATOR_FEATURES.index("years_ahead"), fallback=np.nan)
    return Calibration(commune, indicator, pairs)
