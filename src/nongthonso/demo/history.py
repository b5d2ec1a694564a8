"""The demo's history of values: the 2024 self-assessments of the old Thái Nguyên communes on the 2021-2025 commune
set, beside the 2022, 2023 and 2025 ones the demo already holds — so that each commune that kept its unit from 2022
to mid-2025 has four years of values (2022-2025) for the forecast's trends and its backtest (``foresight.forecast``).
Raw inputs, flagged synthetic like every demo value (``raw_values.SYNTHETIC_SOURCE``).

**2024**, between 2023 and 2025 (deterministic, its own seed — nothing the 2023 and 2026 demos built changes): a
numeric value on the line from the commune's 2023 value to its 2025 value with some noise; a yes/no or category
value is either year's. A commune holding NTM on 31/12/2024 keeps every indicator at no worse than the threshold,
so its values are consistent with its recognition.

**No 2021 values**: the public dashboard of 2023 shows, for each year since 2019, the average criteria met by the
communes assessed that year ("—" for 2021: none); 2021 assessments would change that figure of the 2023 page, and
there is no way to store an assessment that is not counted without a new field (a model change this part may not
make). The history therefore starts in 2022 in the demo; the forecast reads 2021 onward wherever it is stored.

Added by ``nongthonso demo`` after the demo itself (``--no-history`` leaves it out), not by ``thai_nguyen.build``:
the test database is built by ``thai_nguyen.build`` alone, and many tests create assessments of 2024 for demo
communes; the tests that need the history add it themselves (``tests/foresight``).

Why the figures of 2023 and 2026 do not change: the new assessments are of 2024 only, on the set the 2022, 2023 and
2025 ones use; a commune's latest assessment as of 2023 stays its 2023 one, and as of 2025 or 2026 its 2025 one
(the later year wins, ``assessments.models.LATEST_ORDER``); the 2026 dashboard counts the 2026 communes, whose own
dossiers are on the 2026-2030 set. ``tests/foresight/test_demo_history.py`` checks it: the golden summaries of
``tests/golden`` computed again with the history added.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.db import transaction

from nongthonso.assessments.bulk import store_values
from nongthonso.assessments.evaluation import unit_contexts
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.audit.context import request_context
from nongthonso.criteria.catalogue import compiled
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.services import statuses_on

from .raw_values import SYNTHETIC_SOURCE

SEED = 20212025
SET_CODE = "xa-ntm-2021-2025"
YEAR = 2024  # the year this module adds
_GOOD = {">=": 1, ">": 1, "<=": -1, "<": -1}


def _numeric(vt: str, value) -> bool:
    return vt in ("percent", "number", "money") and isinstance(value, int | float) and not isinstance(value, bool)


def _shape(vt: str, value: float, integer: bool):
    """A generated number in the indicator's domain and in the form of the values it is made from."""
    if vt == "percent":
        value = min(max(value, 0.0), 100.0)
    value = max(value, 0.0)
    return round(value) if integer else round(value, 1)


def _no_worse(op: str, value, threshold: float, integer: bool):
    """``value`` moved up (down for «≤») to just meet ``threshold`` when it misses it."""
    if op in (">=", ">"):
        floor = threshold if op == ">=" else (threshold + (1 if integer else 0.1))
        return max(value, math.ceil(floor) if integer else round(floor, 1))
    ceiling = threshold if op == "<=" else (threshold - (1 if integer else 0.1))
    return min(value, math.floor(ceiling) if integer else round(ceiling, 1))


@transaction.atomic
def build(say=lambda *_: None) -> dict:
    """Add the 2024 assessments to a database holding the demo (``nongthonso demo`` calls it after
    ``thai_nguyen.build``), in one transaction."""
    with request_context(actor="nongthonso demo"):
        return _build(say)


def _build(say) -> dict:
    rng = random.Random(SEED)
    cset = CriteriaSet.objects.get(code=SET_CODE, superseded_by__isnull=True)
    indicators = {i.code: i for i in cset.indicators.all()}
    stored: dict[tuple[int, int], dict[str, object]] = {}
    for unit_id, year, code, value in (IndicatorValue.objects.filter(
            assessment__criteria_set=cset, assessment__year__in=(2023, 2025), assessment__synthetic=True)
            .order_by().values_list("assessment__unit_id", "assessment__year", "indicator__code", "value")):
        stored.setdefault((unit_id, year), {})[code] = value
    units = {a.unit_id: a.unit for a in Assessment.objects.filter(criteria_set=cset, year=2023, synthetic=True)
             .select_related("unit")}
    contexts = unit_contexts(list(units))
    held_2024 = statuses_on(units.values(), dt.date(2024, 12, 31))
    plans = []
    for unit_id in sorted(units, key=lambda pk: units[pk].code):
        ctx = contexts[unit_id]
        cs = compiled(cset, ctx.province_code)
        cls = cs.threshold_class(region=ctx.region, group=None, flags=ctx.flags)
        if (unit_id, 2023) in stored and (unit_id, 2025) in stored:
            plans.append((unit_id, YEAR, _year_2024(rng, cs, cs.thresholds_for(YEAR, cls), stored[(unit_id, 2023)],
                                                    stored[(unit_id, 2025)], held_2024[unit_id].holds(Level.XA_NTM))))
    created = {}
    for unit_id, year, _ in plans:
        created[(unit_id, year)] = Assessment(unit=units[unit_id], year=year, criteria_set=cset, synthetic=True)
    Assessment.objects.bulk_create(created.values(), batch_size=500)
    rows = [(created[(unit_id, year)], indicators[code], value, SYNTHETIC_SOURCE, "")
            for unit_id, year, values in plans for code, value in values.items() if code in indicators]
    store_values(rows, actor="nongthonso demo")
    Assessment.objects.filter(pk__in=[a.pk for a in created.values()]).update(state=Assessment.State.APPROVED)
    say(f"Lịch sử số liệu (minh họa): {len(created)} hồ sơ năm {YEAR}, {len(rows)} giá trị.")
    return {"assessments": len(created), "values": len(rows)}


def _year_2024(rng: random.Random, cs, thresholds, before: dict, after: dict, holder: bool) -> dict:
    values = {}
    for col, code in enumerate(cs.indicator_codes):
        first, last = before.get(code), after.get(code)
        vt, op = cs.value_types[col], cs.comparators[col]
        if first is None or last is None:
            if (first if first is not None else last) is not None:
                values[code] = first if first is not None else last
            continue
        t = float(thresholds[col])
        if _numeric(vt, first) and _numeric(vt, last) and op in _GOOD:
            integer = isinstance(first, int) and isinstance(last, int)
            share = min(max(rng.gauss(0.5, 0.15), 0.0), 1.0)
            value = _shape(vt, float(first) + share * (float(last) - float(first)), integer)
            if holder and not math.isnan(t):
                value = _no_worse(op, value, t, integer)
        else:
            value = rng.choice((first, last))
            if holder and vt == "boolean":
                value = first if first == bool(t) else last if last == bool(t) else value
        values[code] = value
    return values
