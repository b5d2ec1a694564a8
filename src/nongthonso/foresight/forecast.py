"""Forecast: from each commune's history of values, a trend per indicator with its uncertainty band and the
probability that the commune meets a level by each year to 2030; the province's expected count beside its targets;
the backtest of the method against the naive baseline (last value carried forward).

Two layers:

- ``predict`` (numpy over communes × indicators × years, no Django): robust linear trends (``trend.theil_sen``)
  projected to each future year; the probabilities that each commune meets every criterion, and each indicator its
  threshold, that year come from models calibrated on the province's own history (``calibration``: what the gaps
  and the trends of earlier years turned into, judged by the criteria engine). The band around each trend is a
  residual bootstrap (``trend.bootstrap``), drawn on demand for the commune shown;
- ``history`` / ``forecast`` / ``backtest`` (Django): read the stored raw values — a commune's own assessments of
  the level's set, and those of the earlier period's set mapped into it (``criteria.IndicatorMapping``) of the
  commune and of the communes it was formed from (the worst value across them, as ``assessments.carry`` does) —
  and hand them to ``predict``. Nothing is stored: every figure is computed from the raw rows each time.

The method and why: docs/adr/0009-forecast-method.md (trends, band) and
0010-forecast-calibration.md (probabilities); the figures of the demo's backtest: docs/foresight.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nongthonso.criteria import engine

from . import calibration
from .trend import Trend, bootstrap, last_observed, quiet, theil_sen

FIRST_YEAR = 2021  # the histories start with the 2021-2025 period
LAST_YEAR = 2030  # the end of the 2026-2030 programme: forecasts run at least to it
DRAWS = 200  # bootstrap draws of a commune's band
SEED = 2030  # the draws' seed: the same stored values give the same forecast
BAND = (10.0, 90.0)  # the band: the 10th to 90th percentile of the bootstrap draws (an 80% interval)
MAIN_GAPS = 3  # indicators listed as a commune's main gaps: failing now or on the trend, least likely to be met first
MIN_TAU = 0.6  # a trend is extrapolated only where the values move one way (|Kendall's tau| ≥ 0.6), else the level


# --- the numpy layer ----------------------------------------------------------------------------------------------


@dataclass
class Prediction:
    """The forecast of n communes × k indicators at the H ``horizon`` years."""

    years: np.ndarray  # (T,) history years
    horizon: np.ndarray  # (H,)
    values: np.ndarray  # (n, k, T) the history
    trend: Trend  # fitted on the history: slope, intercept (n, k)
    median: np.ndarray  # (n, k, H) the projection: the trend at each horizon year, within the indicator's domain
    meets: np.ndarray  # (n, H) probability of meeting every criterion in that year (calibrated)
    meets_by: np.ndarray  # (n, H) probability of having met them in that year or an earlier horizon year
    expected_met: np.ndarray  # (n, H) expected number of criteria met
    indicator_met: np.ndarray  # (n, k, H) probability each indicator meets its threshold (calibrated)
    thresholds: np.ndarray  # (n, k, H) the threshold each commune is judged against that year
    failing: np.ndarray  # (n, k, H) bool: the indicator fails that year on its last value or on its trend
    calibration: calibration.Calibration
    spread: np.ndarray  # (k,) each indicator's residual spread across communes (a short series' band)
    cs: engine.CompiledSet
    draws: int = DRAWS
    seed: int = SEED

    def band(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Commune ``i``'s band: the 10th percentile, median and 90th percentile (k, H) of ``draws`` bootstrap
        draws of its indicators' paths (``trend.bootstrap``; computed for the one commune asked, on demand)."""
        one = Trend(self.trend.years, self.trend.origin, self.trend.slope[i:i + 1], self.trend.intercept[i:i + 1],
                    self.trend.residuals[i:i + 1], self.trend.observed[i:i + 1])
        sims = bootstrap(one, self.horizon, self.draws, self.seed, min_tau=MIN_TAU)
        sims = _pooled_noise(one, sims, self.spread, self.seed)
        sims = _domain(self.cs, sims, last_observed(self.values[i:i + 1]))
        # a series is NaN in every draw or in none (no value ever entered): the plain percentile propagates it
        low, median, high = np.percentile(sims, (BAND[0], 50.0, BAND[1]), axis=0)
        return low[0], median[0], high[0]


def _domain(cs: engine.CompiledSet, sims: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Values brought back into each indicator's domain: percentages within 0–100, numbers and money not below 0,
    yes/no as 1 when the projected share of "yes" is at least one half, categories held at their last value (a
    category has no trend). ``sims`` is (D, n, k, H); ``last`` (n, k) the last observed value."""
    types = np.array(cs.value_types)
    percent = types == "percent"
    positive = np.isin(types, ("number", "money"))
    boolean = types == "boolean"
    category = (types == "category") | np.array([op in ("in", "==") for op in cs.comparators])
    out = sims
    out[:, :, percent] = np.clip(out[:, :, percent], 0.0, 100.0)
    out[:, :, positive] = np.maximum(out[:, :, positive], 0.0)
    out[:, :, boolean] = np.where(np.isnan(out[:, :, boolean]), np.nan, (out[:, :, boolean] >= 0.5).astype(float))
    out[:, :, category] = last[None, :, category, None]
    return out


def residual_spread(fitted: Trend) -> np.ndarray:
    """(k,) each indicator's residual standard deviation across the series with three values or more (inflated as
    in ``trend.bootstrap``); NaN where no commune has three values."""
    n = fitted.observed
    scale = np.sqrt(n / np.maximum(n - 2, 1))[..., None]
    residuals = np.where((n >= 3)[..., None], fitted.residuals * scale, np.nan)
    with quiet():  # an indicator no commune has three values of: NaN, no warning
        return np.sqrt(np.nanmean(residuals ** 2, axis=(0, 2)))


def _pooled_noise(fitted: Trend, sims: np.ndarray, spread: np.ndarray, seed: int) -> np.ndarray:
    """A series with one or two values has no residual spread of its own (a line through two points fits them
    exactly), so its draws would all be alike: it gets the noise of its indicator across the communes — Gaussian,
    with the standard deviation ``spread`` (``residual_spread``). An indicator no commune has three values of stays
    without noise. ``sims`` is (D, n, k, H)."""
    n = fitted.observed  # (n, k)
    sparse = (n >= 1) & (n < 3) & ~np.isnan(spread)[None, :]
    if not sparse.any():
        return sims
    rng = np.random.default_rng(seed + 1)
    noise = rng.standard_normal(sims.shape) * np.where(sparse, np.nan_to_num(spread)[None, :], 0.0)[None, :, :, None]
    return sims + noise


def project(cs: engine.CompiledSet):
    """The projection the models are fitted on and fed: ``trend`` at ``year``, within each indicator's domain
    (``last``: the last values, for the categories)."""
    def at(trend: Trend, year: int, last: np.ndarray) -> np.ndarray:
        return _domain(cs, trend.at(float(year))[None, :, :, None], last)[0, :, :, 0]
    return at


def criteria_expected(cs: engine.CompiledSet, indicator_met: np.ndarray) -> np.ndarray:
    """(n,) expected number of counted criteria met — a criterion is met when all its indicators are — from the
    indicators' probabilities (n, k) taken as independent within a criterion; an unknown indicator (NaN) counts as
    not met, as the engine counts it."""
    p = np.nan_to_num(indicator_met, nan=0.0)
    members = cs.incidence > 0  # (k, c)
    per_criterion = [p[:, members[:, c]].prod(axis=1) for c in np.flatnonzero(cs.counted)]
    return np.sum(per_criterion, axis=0) if per_criterion else np.zeros(len(p))


def predict(cs: engine.CompiledSet, years: Sequence[int], values: np.ndarray, horizon: Sequence[int],
            classes: np.ndarray, *, past_classes: np.ndarray | None = None, draws: int = DRAWS,
            seed: int = SEED) -> Prediction:
    """Forecast ``values`` (n, k, T: the history at ``years``, NaN = no value) at the ``horizon`` years against the
    compiled set ``cs``: the trends and their projection, and the probabilities from the models calibrated on the
    history itself (``calibration``). ``classes`` (n, H) are the communes' threshold-class indices each horizon year,
    ``past_classes`` (n, T) each history year (by default the first horizon year's). ``draws`` and ``seed``: the
    band's bootstrap (``Prediction.band``) and the calibration's sampling."""
    years = np.asarray(years, dtype=np.int64)
    horizon = np.asarray(horizon, dtype=np.int64)
    classes = np.asarray(classes, dtype=np.int64)
    n, k, T = values.shape
    H = len(horizon)
    if past_classes is None:
        past_classes = np.repeat(classes[:, :1], T, axis=1)
    at = project(cs)
    fitted = theil_sen(years, values, min_tau=MIN_TAU)
    calib = calibration.fit(cs, years, values, past_classes, min_tau=MIN_TAU, project=at, seed=seed)
    last = last_observed(values)
    median = np.empty((n, k, H))
    meets = np.zeros((n, H))
    indicator_met = np.full((n, k, H), np.nan)
    thresholds = np.zeros((n, k, H))
    failing = np.zeros((n, k, H), dtype=bool)
    expected = np.zeros((n, H))
    seen: dict[tuple[int, bytes], calibration.Features] = {}  # the verdicts on the last values, per thresholds
    for h, year in enumerate(horizon):
        median[:, :, h] = at(fitted, int(year), last)
        key = (cs.year_index(int(year)), classes[:, h].tobytes())
        f = calibration.features(cs, last, median[:, :, h], int(year), classes[:, h], float(year - years[-1]),
                                 same_as=seen.get(key))
        seen.setdefault(key, f)
        thresholds[:, :, h] = f.now.result.thresholds
        failing[:, :, h] = f.now.failing | f.trend.failing
        status = f.now.result.indicator_status
        if calib.commune.rows:
            # an indicator with no value (never entered, or no threshold for the commune's class) leaves its criterion
            # unknown, and the engine meets no commune with one: 0 — as the expected count and the values carried
            # say. The models learnt only from outcomes the engine could judge (every value known in the target year)
            meets[:, h] = np.where((status < 0).any(axis=1), 0.0,
                                   np.nan_to_num(calib.commune.probability(f.commune)))
        else:  # no history to learn from: the verdict on the values carried
            meets[:, h] = f.now.result.eligible
        if calib.indicator.rows:
            flat = f.indicator.reshape(-1, len(calibration.INDICATOR_FEATURES))
            indicator_met[:, :, h] = calib.indicator.probability(flat).reshape(n, k)
        else:
            indicator_met[:, :, h] = np.where(status < 0, np.nan, (status == 1).astype(float))
        expected[:, h] = criteria_expected(cs, indicator_met[:, :, h])
    return Prediction(years, horizon, values, fitted, median, meets, np.maximum.accumulate(meets, axis=1), expected,
                      indicator_met, thresholds, failing, calib, residual_spread(fitted), cs, draws, seed)


def brier(probability: np.ndarray, outcome: np.ndarray) -> float:
    """The Brier score: the mean squared difference between the forecast probabilities and the 0/1 outcomes (0 is
    perfect; always saying 0.5 scores 0.25). NaN pairs are left out."""
    p = np.asarray(probability, dtype=np.float64).ravel()
    o = np.asarray(outcome, dtype=np.float64).ravel()
    keep = ~(np.isnan(p) | np.isnan(o))
    return float(np.mean((p[keep] - o[keep]) ** 2)) if keep.any() else float("nan")


def persistence(status: np.ndarray) -> tuple[float, float]:
    """From 0/1 statuses (n, T) of consecutive years: the share met next year among those met, and among those not
    met — the smoothed naive baseline's two probabilities (``backtest``)."""
    now, nxt = status[:, :-1].ravel(), status[:, 1:].ravel()
    keep = ~(np.isnan(now) | np.isnan(nxt))
    now, nxt = now[keep], nxt[keep]
    stay = float(nxt[now == 1].mean()) if (now == 1).any() else 1.0
    rise = float(nxt[now == 0].mean()) if (now == 0).any() else 0.0
    return stay, rise


# --- the Django layer -----------------------------------------------------------------------------------------------


@dataclass
class History:
    """The stored values of ``units`` for the set ``cs`` at ``years`` (n, k, T)."""

    units: list
    cset: object
    cs: engine.CompiledSet
    years: list[int]
    values: np.ndarray
    contexts: dict = field(default_factory=dict)

    def classes(self, years: Sequence[int]) -> np.ndarray:
        """(n, len(years)): each commune's threshold-class index each year (its region, flags, commune group)."""
        out = np.empty((len(self.units), len(years)), dtype=np.int64)
        for i, unit in enumerate(self.units):
            ctx = self.contexts[unit.pk]
            for h, year in enumerate(years):
                out[i, h] = self.cs.class_index(self.cs.threshold_class(region=ctx.region, group=ctx.group_in(year),
                                                                        flags=ctx.flags))
        return out


def level_set(level: str, year: int, province_code: str | None):
    """The criteria set of ``level`` in force in ``year`` (the province's own set first, as recognition picks it), or
    None."""
    from django.db.models import Q

    from nongthonso.criteria.models import CriteriaSet

    sets = (CriteriaSet.objects.filter(level=level, superseded_by__isnull=True)
            .in_force_on(dt.date(year, 12, 31))
            .filter(Q(province_code="") | Q(province_code=province_code or "")).order_by("-province_code", "-version"))
    return sets.first()


def history(units: Sequence, cset, years: Sequence[int]) -> History:
    """The history of ``units`` for ``cset``: each year, each indicator's value from the unit's own assessments of
    that set (any version) and, failing one, from those of an earlier period's set mapped into it; for a commune
    formed by a reorganisation, also from the communes it was formed from — the worst value across them (lowest for
    «≥», highest for «≤», "no" for yes/no), as a merged commune's dossier is prefilled (``assessments.carry``)."""
    from nongthonso.assessments.evaluation import unit_contexts
    from nongthonso.assessments.models import IndicatorValue
    from nongthonso.criteria.catalogue import compiled
    from nongthonso.criteria.models import Indicator, IndicatorMapping
    from nongthonso.units.services import earlier_versions

    units = list(units)
    contexts = unit_contexts([u.pk for u in units])
    province = next((c.province_code for c in contexts.values() if c.province_code), None)
    cs = compiled(cset, province)
    years = [int(y) for y in years]
    values = np.full((len(units), cs.n_indicators, len(years)), np.nan)
    if not units or not years:
        return History(units, cset, cs, years, values, contexts)
    row_of = {u.pk: i for i, u in enumerate(units)}
    sources: dict[int, set[int]] = {}  # source unit id -> rows it feeds
    for pk, earlier in earlier_versions(list(row_of)).items():
        for source in {pk, *earlier}:
            sources.setdefault(source, set()).add(row_of[pk])
    direct = dict(Indicator.objects.filter(criteria_set__code=cset.code).values_list("pk", "code"))
    mapped = dict(IndicatorMapping.objects.filter(to_indicator__criteria_set__code=cset.code)
                  .values_list("from_indicator_id", "to_indicator__code"))
    column = {code: i for i, code in enumerate(cs.indicator_codes)}
    year_of = {y: t for t, y in enumerate(years)}
    lower_better = np.array([op in ("<=", "<") for op in cs.comparators])
    found: dict[tuple[int, int, int, bool], float] = {}
    rows = (IndicatorValue.objects.filter(assessment__unit_id__in=list(sources), assessment__year__in=years,
                                          indicator_id__in=[*direct, *mapped])
            .order_by().values_list("assessment__unit_id", "assessment__year", "indicator_id", "value"))
    for unit_id, year, indicator_id, value in rows:
        own = indicator_id in direct
        col = column.get(direct[indicator_id] if own else mapped[indicator_id])
        if col is None:
            continue
        try:
            encoded = engine.encode_value(value, cs.value_types[col], cs.categories[col])
        except (engine.SpecError, TypeError, ValueError):
            continue  # a mapped category outside this set's list: no value
        if np.isnan(encoded):
            continue
        for row in sources[unit_id]:
            key = (row, col, year_of[year], own)
            current = found.get(key)
            if current is None:
                found[key] = encoded
            else:
                found[key] = max(current, encoded) if lower_better[col] else min(current, encoded)
    for (row, col, t, own), encoded in found.items():
        if own or (row, col, t, True) not in found:
            values[row, col, t] = encoded
    return History(units, cset, cs, years, values, contexts)


def history_years(until: int) -> list[int]:
    return list(range(FIRST_YEAR, until + 1))


@dataclass
class Forecast:
    """A forecast of the communes of ``history`` for ``level``: the prediction and how to read it."""

    level: str
    history: History
    prediction: Prediction

    def row(self, i: int, year: int) -> dict:
        """Commune ``i``'s forecast for ``year``: probability, expected criteria met, main gaps."""
        sim, cs = self.prediction, self.history.cs
        h = int(np.searchsorted(sim.horizon, year))
        unit = self.history.units[i]
        p_ind = sim.indicator_met[i, :, h]
        # an indicator with no value in any year cannot be forecast: listed as missing, not as a gap
        missing = np.isnan(self.history.values[i]).all(axis=1)
        failing = sim.failing[i, :, h]
        order = [int(c) for c in np.argsort(p_ind, kind="stable") if failing[c] and not missing[c]][:MAIN_GAPS]
        gaps = [{"indicator": cs.indicator_codes[c], "name": cs.indicator_names[c],
                 "probability_met": round(float(p_ind[c]), 3),
                 "expected": _num(sim.median[i, c, h]), "threshold": _num(sim.thresholds[i, c, h]),
                 "comparator": cs.comparators[c]} for c in order]
        return {"unit": unit.code, "name": unit.name, "year": int(year),
                "probability": round(float(sim.meets_by[i, h]), 3),
                "probability_in_year": round(float(sim.meets[i, h]), 3),
                "by_year": {int(y): round(float(p), 3) for y, p in zip(sim.horizon, sim.meets_by[i], strict=True)},
                "expected_criteria_met": round(float(sim.expected_met[i, h]), 2), "criteria_total": cs.n_criteria,
                "main_gaps": gaps, "missing": [cs.indicator_codes[c] for c in np.flatnonzero(missing)]}

    def expected_counts(self) -> dict[int, float]:
        """Expected number of communes having met the level by each horizon year (the sum of the probabilities)."""
        sim = self.prediction
        return {int(y): round(float(sim.meets_by[:, h].sum()), 2) for h, y in enumerate(sim.horizon)}

    def series(self, i: int, col: int) -> dict:
        """Indicator ``col`` of commune ``i``: history, trend line, band and median at the horizon (for a chart)."""
        sim, hist = self.prediction, self.history
        cs = hist.cs
        low, median, high = sim.band(i)
        return {"indicator": cs.indicator_codes[col], "name": cs.indicator_names[col],
                "value_type": cs.value_types[col], "comparator": cs.comparators[col],
                "history": {int(y): _num(v) for y, v in zip(hist.years, hist.values[i, col], strict=True)},
                "trend": {int(y): _num(sim.trend.at(y)[i, col]) for y in [*hist.years, *sim.horizon]},
                "median": {int(y): _num(v) for y, v in zip(sim.horizon, median[col], strict=True)},
                "low": {int(y): _num(v) for y, v in zip(sim.horizon, low[col], strict=True)},
                "high": {int(y): _num(v) for y, v in zip(sim.horizon, high[col], strict=True)},
                "threshold": {int(y): _num(v) for y, v in zip(sim.horizon, sim.thresholds[i, col], strict=True)}}


def _num(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, 3)


def run(units: Sequence, level: str, *, today: dt.date, until: int = LAST_YEAR, draws: int = DRAWS,
        seed: int = SEED) -> Forecast | None:
    """The forecast of ``units`` (communes) for ``level``: history from 2021 to ``today``'s year, horizon from the
    next year to ``until`` (at least 2030). None when no set of the level is in force in the horizon."""
    from nongthonso.assessments.evaluation import unit_contexts

    units = list(units)
    first, last = today.year + 1, max(until, LAST_YEAR)
    contexts = unit_contexts([u.pk for u in units[:1]])
    province = next((c.province_code for c in contexts.values()), None)
    cset = level_set(level, first, province)
    if cset is None:
        return None
    hist = history(units, cset, history_years(today.year))
    horizon = list(range(first, last + 1))
    sim = predict(hist.cs, hist.years, hist.values, horizon, hist.classes(horizon),
                  past_classes=hist.classes(hist.years), draws=draws, seed=seed)
    return Forecast(level, hist, sim)


def province_expectation(result: Forecast, targets: dict[int, float]) -> list[dict]:
    """Per horizon year: the expected count of communes having met the level, the target (a count; a share of the
    communes when given as a fraction below 1 … see ``parse_target``) and the difference."""
    n = len(result.history.units)
    rows = []
    for year, expected in result.expected_counts().items():
        target = targets.get(year)
        rows.append({"year": year, "communes": n, "expected": expected,
                     "target": target, "shortfall": None if target is None else round(max(target - expected, 0), 2)})
    return rows


def backtest(units: Sequence, cset, fit_years: Sequence[int], test_year: int, *, seed: int = SEED) -> dict:
    """Fit on ``fit_years``, predict ``test_year``, score against the values stored for ``test_year``: the Brier
    score of the method and of the naive baseline (the last value carried forward) — per commune (meets every
    criterion) and per indicator (meets its threshold). The baseline is given hard (0/1) and smoothed (its 0/1
    replaced by the rates at which a status held, or changed, from one fit year to the next). The method's models
    are calibrated on the fit years only: nothing of ``test_year`` is seen before it is scored."""
    fit_years = [int(y) for y in fit_years]
    hist = history(units, cset, [*fit_years, int(test_year)])
    past, actual = hist.values[:, :, :-1], hist.values[:, :, -1]
    keep = (~np.isnan(actual)).any(axis=1) & ((~np.isnan(past)).sum(axis=2) >= 2).any(axis=1)
    past, actual = past[keep], actual[keep]
    units = [u for u, k in zip(hist.units, keep, strict=True) if k]
    classes_all = hist.classes([*fit_years, int(test_year)])[keep]
    cs = hist.cs
    sim = predict(cs, fit_years, past, [test_year], classes_all[:, -1:], past_classes=classes_all[:, :-1], seed=seed)
    truth = engine.evaluate_batch(cs, actual, int(test_year), classes_all[:, -1])
    carried = engine.evaluate_batch(cs, last_observed(past), int(test_year), classes_all[:, -1])
    # the statuses in the fit years (each year's own thresholds), for the smoothed baseline
    commune_status, indicator_status = [], []
    for t, year in enumerate(fit_years):
        res = engine.evaluate_batch(cs, past[:, :, t], year, classes_all[:, t])
        commune_status.append(np.where(res.criteria_unknown > 0, np.nan, res.eligible.astype(float)))
        indicator_status.append(np.where(res.indicator_status < 0, np.nan, (res.indicator_status == 1).astype(float)))
    stay_c, rise_c = persistence(np.stack(commune_status, axis=1))
    ind = np.stack(indicator_status, axis=2)  # (n, k, T)
    stay_i, rise_i = persistence(ind.reshape(-1, ind.shape[2]))

    known_c = truth.criteria_unknown == 0
    outcome_c = np.where(known_c, truth.eligible.astype(float), np.nan)
    known_i = truth.indicator_status >= 0
    outcome_i = np.where(known_i, (truth.indicator_status == 1).astype(float), np.nan)
    method_i = np.where(carried.indicator_status >= 0, sim.indicator_met[:, :, 0], np.nan)
    hard_c = carried.eligible.astype(float)
    hard_i = np.where(carried.indicator_status >= 0, (carried.indicator_status == 1).astype(float), np.nan)

    def scores(method, hard, stay, rise, outcome) -> dict:
        return {"method": round(brier(method, outcome), 4), "baseline": round(brier(hard, outcome), 4),
                "baseline_smoothed": round(brier(np.where(hard == 1, stay, rise), outcome), 4),
                "cases": int((~np.isnan(outcome) & ~np.isnan(method) & ~np.isnan(hard)).sum()),
                "events": int(np.nansum(np.where(np.isnan(method) | np.isnan(hard), np.nan, outcome))),
                "smoothing": {"stay": round(stay, 4), "rise": round(rise, 4)}}

    return {"criteria_set": cset.code, "fit_years": fit_years, "test_year": int(test_year), "communes": len(units),
            "seed": seed, "calibration": sim.calibration.describe(),
            "commune": scores(sim.meets[:, 0], hard_c, stay_c, rise_c, outcome_c),
            "indicator": scores(method_i, hard_i, stay_i, rise_i, outcome_i)}


# --- what the command, the page and the API show ------------------------------------------------------------------


class ForecastError(ValueError):
    """A forecast that cannot be made as asked; the message says why and what to change (Vietnamese)."""


def parse_target(text: str) -> tuple[int, float, bool]:
    """A province target «YEAR=N» (a number of communes) or «YEAR=P%» (a share of the communes): (year, value,
    is_share)."""
    year, sep, value = text.partition("=")
    try:
        if not sep:
            raise ValueError
        share = value.strip().endswith("%")
        number = float(value.strip().rstrip("%").replace(",", "."))
        return int(year), number, share
    except ValueError:
        raise ForecastError(f"Chỉ tiêu «{text}» không đọc được; ghi dạng NĂM=SỐ_XÃ (2030=60) hoặc NĂM=TỶ_LỆ% "
                            "(2030=65%).") from None


def province_of(unit):
    """The province version ``unit`` lies in (itself when it is one)."""
    from nongthonso.units.models import Unit

    top = int(unit.path.strip("/").split("/")[0])
    return unit if unit.pk == top else Unit.objects.select_related("unit_type__level").get(pk=top)


def report(unit, year: int, level: str, *, today: dt.date, targets: Sequence[str] = (), draws: int = DRAWS,
           communes=None) -> dict:
    """The forecast asked by ``nongthonso forecast`` (and the page and the API): for each commune of ``unit`` (the
    unit itself when it is a commune; ``communes`` when the caller has already restricted them to a user's scope),
    the probability of meeting ``level`` by ``year``, the expected criteria met, the main gaps; for the province
    (the communes of the province the unit lies in), the expected count per year beside the targets given."""
    from nongthonso.units.models import Unit

    if year <= today.year:
        raise ForecastError(f"Năm dự báo {year} phải sau năm hiện tại ({today.year}).")
    province = province_of(unit)
    all_communes = list(Unit.objects.valid_on(today).within(province).rural_communes().order_by("code"))
    result = run(all_communes, level, today=today, until=max(year, LAST_YEAR), draws=draws)
    if result is None:
        raise ForecastError(f"Chưa có bộ tiêu chí cấp «{level}» có hiệu lực năm {today.year + 1}; nạp bộ tiêu chí "
                            "(nongthonso criteria) rồi chạy lại.")
    if communes is None:
        communes = [c for c in all_communes if c.pk == unit.pk or c.path.startswith(unit.path)]
    wanted = {c.pk for c in communes}
    n = len(all_communes)
    parsed = {}
    for text in targets:
        t_year, value, share = parse_target(text)
        parsed[t_year] = round(value / 100.0 * n, 2) if share else value
    rows = [result.row(i, year) for i, c in enumerate(result.history.units) if c.pk in wanted]
    series = []
    if len(rows) == 1:  # one commune: the trend of each of its main gaps, with the band (the page's charts)
        i = next(i for i, c in enumerate(result.history.units) if c.pk in wanted)
        column = {code: col for col, code in enumerate(result.history.cs.indicator_codes)}
        series = [result.series(i, column[gap["indicator"]]) for gap in rows[0]["main_gaps"]]
    return {"unit": unit.code, "name": unit.name, "level": level, "year": year,
            "criteria_set": result.history.cset.code, "history_years": result.history.years,
            "draws": draws, "seed": SEED, "calibration": result.prediction.calibration.describe(),
            "synthetic_inputs": _synthetic(result.history),
            "communes": rows, "series": series,
            "province": {"unit": province.code, "name": province.name,
                         "expectation": province_expectation(result, parsed)}}


def _synthetic(hist: History) -> bool:
    """True when any value the forecast stands on is demo data (flagged synthetic), so that outputs say so."""
    from nongthonso.assessments.models import Assessment

    return Assessment.objects.filter(unit__in=hist.units, synthetic=True).exists()


class NotVisible(ForecastError):
    """The unit asked for is not within the user's scope (or does not exist that day): the page and the API answer
    as if it did not exist."""


def for_user(user, code: str, year: int, level: str, *, today: dt.date, targets: Sequence[str] = (),
             draws: int = DRAWS) -> dict:
    """``report`` for a signed-in user: the unit must be one they may view (``accounts.services.visible_units``) and
    only the communes within their scope are listed; the province's expected count is an aggregate, shown to all."""
    from nongthonso.accounts.models import Action
    from nongthonso.accounts.services import visible_units

    unit = visible_units(user, today).filter(code=code).select_related("unit_type__level").first()
    if unit is None:
        raise NotVisible(f"Không có đơn vị mã «{code}» trong phạm vi bạn được xem ngày {today:%d/%m/%Y}. Kiểm tra "
                         "mã GSO của xã, huyện hoặc tỉnh.")
    communes = list(visible_units(user, today, Action.VIEW).filter(path__startswith=unit.path).rural_communes())
    return report(unit, year, level, today=today, targets=targets, draws=draws, communes=communes)
