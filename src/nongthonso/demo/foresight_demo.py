"""The foresight part of the Thái Nguyên demo: the province's unit costs of closing an indicator's gap, for the
2021-2025 NTM set (the province of 30/6/2023) and the 2026-2030 one (the province of 2026), so that the ranking
/du-bao/gan-dat-chuan/ prices the gaps.

Everything here is synthetic (``synthetic=True``, provenance «Tạm đặt, chưa đối chiếu»): no province has published
such unit costs; the figures are drawn from a seeded generator in ranges by the kind of indicator (a percentage
point, a count, a whole yes/no indicator) and say so in their source. A few indicators are left without a cost, so
that the pages show how a missing unit cost is reported. Nothing else in the demo changes.
"""

from __future__ import annotations

import datetime as dt
import random

from nongthonso.core.choices import Provenance
from nongthonso.criteria.models import CriteriaSet
from nongthonso.foresight.models import IndicatorCost
from nongthonso.units.models import Unit

SEED = 20260630
PROVINCE = "19"
SETS = (("xa-ntm-2021-2025", dt.date(2023, 6, 30), dt.date(2021, 1, 1)),
        ("xa-ntm-2026-2030", dt.date(2026, 6, 30), dt.date(2026, 1, 1)))
SOURCE = "Số liệu minh họa (demo), không phải đơn giá của tỉnh."
# (đồng per unit of gap: low, high, step) by the kind of indicator; what one unit of gap is
RANGES = {"percent": (50_000_000, 400_000_000, 1_000_000, "1 điểm phần trăm"),
          "boolean": (500_000_000, 5_000_000_000, 10_000_000, "cả chỉ tiêu"),
          "category": (500_000_000, 3_000_000_000, 10_000_000, "cả chỉ tiêu")}
OTHER = (5_000_000, 80_000_000, 1_000_000)
UNPRICED_SHARE = 0.1  # indicators left without a cost


def clear() -> None:
    IndicatorCost.objects.filter(synthetic=True).delete()


def build(say=lambda *_: None) -> int:
    clear()
    rng = random.Random(SEED)
    made = []
    for code, day, start in SETS:
        cset = CriteriaSet.objects.filter(code=code, superseded_by__isnull=True).first()
        province = Unit.objects.valid_on(day).filter(code=PROVINCE, unit_type__level__code="tinh").first()
        if cset is None or province is None:
            continue
        for indicator in cset.indicators.order_by("position", "code"):
            if rng.random() < UNPRICED_SHARE:
                continue
            low, high, step, *unit = RANGES.get(indicator.value_type, OTHER)
            measure = unit[0] if unit else f"1 {indicator.unit}".strip() if indicator.unit else "1 đơn vị"
            made.append(IndicatorCost(
                indicator=indicator, province=province, cost_per_unit=rng.randrange(low, high, step),
                unit_of_measure=measure, source=SOURCE, provenance=Provenance.PLACEHOLDER,
                valid_from=max(start, province.valid_from), synthetic=True))
    IndicatorCost.objects.bulk_create(made)
    say(f"Dự báo: {len(made)} đơn giá khắc phục chỉ tiêu (minh họa).")
    return len(made)
