"""What-if: change values of communes — one value of one commune, or «+x% a year» / «+x a year» on an indicator over
a group of communes for some years — and see the verdicts and the province summary recomputed, **without writing
anything**: the changed values exist only in the arrays the engine evaluates (``ranking.Base.values``), and the
summary's criteria figures are recomputed by the summary's own builder (``reports.services.criteria_figures``) over
the stored rows with the changed communes' counts put in place of theirs.

Changes are plain JSON (``Scenario.changes``), checked by :func:`parse_changes`:

- ``{"kind": "value", "unit": "05431", "indicator": "2.1", "value": 85}`` — the commune's value (``null``: unknown),
  checked as an entry in the dossier would be (``assessments.services.parse_value``);
- ``{"kind": "trend", "group": "171", "indicator": "2.1", "percent": 5, "years": 2}`` — every commune of the group
  (a key of the grouping: the district, the former district, ``nhom-1`` …; ``""``: every commune in scope) gets the
  value × (1 + 5/100)² — or, with ``"add": 3`` instead of ``percent``, the value + 3 × 2; unknown values stay
  unknown; percentages are kept within 0–100, counts and amounts at 0 or more.

Changes apply in order; a later change of the same value wins.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.assessments.errors import ValueRejected
from nongthonso.assessments.models import Standing
from nongthonso.assessments.services import parse_value
from nongthonso.core.errors import Invalid
from nongthonso.criteria import engine
from nongthonso.criteria.choices import Level
from nongthonso.reports.services import Summary, commune_sets, criteria_figures, summary
from nongthonso.units.groupings import Grouping
from nongthonso.units.models import Unit

from .ranking import Base, Ranking, rank

VALUE, TREND = "value", "trend"
MAX_CHANGES = 500
MAX_YEARS = 10


class ScenarioInvalid(Invalid):
    """A change that cannot be applied; the message (Vietnamese, under the field ``changes``) names the change and how
    to fix it."""

    def __init__(self, message: str):
        super().__init__({"changes": message})


def _where(i: int) -> str:
    return _("Thay đổi thứ %(n)s") % {"n": i + 1}


def parse_changes(raw, b: Base, grouping: Grouping) -> list[dict]:
    """The changes, checked against the communes and the set of ``b``: a list of normalised dicts. Raises
    ScenarioInvalid."""
    if not isinstance(raw, list):
        raise ScenarioInvalid(_("Các thay đổi phải là một danh sách."))
    if len(raw) > MAX_CHANGES:
        raise ScenarioInvalid(_("Một kịch bản có tối đa %(n)s thay đổi.") % {"n": MAX_CHANGES})
    indicators = {i.code: i for i in b.cset.indicators.all()}
    groups = {g.key for g in grouping.groups}
    codes = {c.code for c in b.communes}
    out = []
    for i, change in enumerate(raw):
        if not isinstance(change, dict) or change.get("kind") not in (VALUE, TREND):
            raise ScenarioInvalid(_("%(where)s: «kind» phải là «value» (đổi một giá trị của một xã) hoặc «trend» "
                                    "(tăng theo năm cho một nhóm xã).") % {"where": _where(i)})
        code = str(change.get("indicator", "")).strip()
        indicator = indicators.get(code)
        if indicator is None:
            raise ScenarioInvalid(_("%(where)s: bộ tiêu chí %(set)s không có chỉ tiêu mã «%(code)s».")
                                  % {"where": _where(i), "set": b.cset.code, "code": code})
        if change["kind"] == VALUE:
            unit = str(change.get("unit", "")).strip()
            if unit not in codes:
                raise ScenarioInvalid(_(
                    "%(where)s: xã mã «%(unit)s» không nằm trong các xã bạn xem được có hồ sơ theo bộ %(set)s "
                    "(năm %(year)s trở về trước). Chọn một xã trong danh sách.")
                    % {"where": _where(i), "unit": unit, "set": b.cset.code, "year": b.year})
            try:
                value = parse_value(indicator, change.get("value"))
            except ValueRejected as exc:
                raise ScenarioInvalid(f"{_where(i)}: {exc}") from None
            out.append({"kind": VALUE, "unit": unit, "indicator": code, "value": value})
            continue
        group = str(change.get("group", "") or "").strip()
        if group and group not in groups:
            raise ScenarioInvalid(_("%(where)s: không có nhóm «%(group)s»; chọn một trong: %(groups)s, hoặc để trống "
                                    "cho mọi xã.") % {"where": _where(i), "group": group,
                                                      "groups": ", ".join(sorted(groups))})
        if indicator.value_type in ("boolean", "category"):
            raise ScenarioInvalid(_("%(where)s: chỉ tiêu %(code)s không phải là số nên không tăng theo năm được; "
                                    "đổi giá trị từng xã.") % {"where": _where(i), "code": code})
        step = {name: change.get(name) for name in ("percent", "add") if change.get(name) not in (None, "")}
        if len(step) != 1:
            raise ScenarioInvalid(_("%(where)s: ghi đúng một trong «percent» (tăng x%% mỗi năm) hoặc «add» (cộng x "
                                    "mỗi năm).") % {"where": _where(i)})
        (mode, amount), = step.items()
        years = change.get("years", 1)
        try:
            amount, years = float(amount), int(years)
        except (TypeError, ValueError):
            raise ScenarioInvalid(_("%(where)s: mức tăng và số năm phải là số.") % {"where": _where(i)}) from None
        if not math.isfinite(amount) or not 1 <= years <= MAX_YEARS or (mode == "percent" and amount <= -100):
            raise ScenarioInvalid(_("%(where)s: số năm từ 1 đến %(max)s; mức tăng phần trăm lớn hơn -100.")
                                  % {"where": _where(i), "max": MAX_YEARS})
        out.append({"kind": TREND, "group": group, "indicator": code, mode: amount, "years": years})
    return out


def apply(b: Base, changes: list[dict], grouping: Grouping) -> tuple[np.ndarray, set[int]]:
    """The encoded values with ``changes`` (parsed) applied, and the rows changed. ``b`` itself is left as it is."""
    values = b.values.copy()
    cs = b.cs
    row_of = {c.code: i for i, c in enumerate(b.communes)}
    changed: set[int] = set()
    for change in changes:
        col = cs.index[change["indicator"]]
        if change["kind"] == VALUE:
            i = row_of[change["unit"]]
            value = change["value"]
            values[i, col] = math.nan if value is None else engine.encode_value(value, cs.value_types[col],
                                                                                cs.categories[col])
            changed.add(i)
            continue
        rows = [i for i, c in enumerate(b.communes)
                if not change["group"] or (grouping.of.get(c.pk) and grouping.of[c.pk].key == change["group"])]
        old = values[rows, col]
        if "percent" in change:
            new = old * (1 + change["percent"] / 100) ** change["years"]
        else:
            new = old + change["add"] * change["years"]
        low, high = (0.0, 100.0) if cs.value_types[col] == "percent" else (0.0, math.inf)
        values[rows, col] = np.clip(new, low, high)
        changed.update(i for i, before, after in zip(rows, old, values[rows, col], strict=True)
                       if not (before == after or (math.isnan(before) and math.isnan(after))))
    return values, changed


@dataclass(frozen=True)
class Verdict:
    unit: Unit
    criteria_met_before: int
    criteria_met_after: int
    eligible_before: bool
    eligible_after: bool

    @property
    def flipped(self) -> bool:
        return self.eligible_before != self.eligible_after


@dataclass(frozen=True)
class Outcome:
    """A what-if's result: the rankings before and after, the verdicts of the communes changed, the province
    summary as stored and as it would be."""

    changes: list[dict]
    before: Ranking
    after: Ranking
    verdicts: list[Verdict]
    summary_before: Summary
    summary_after: Summary

    @property
    def reaching(self) -> tuple[int, int]:
        """Communes meeting the level (by their values) before and after."""
        return (sum(r.eligible for r in self.before.rows), sum(r.eligible for r in self.after.rows))

    def headline(self) -> dict:
        return headline(self)


def _average(ranking: Ranking) -> float | None:
    rows = ranking.rows
    return round(sum(r.criteria_met for r in rows) / len(rows), 1) if rows else None


HEADLINE_LABELS = (  # the rows of a comparison, in order
    ("reaching", gettext_lazy("Xã đạt mức này theo số liệu")),
    ("avg_criteria_ranked", gettext_lazy("Số tiêu chí đạt bình quân (các xã có hồ sơ theo bộ tiêu chí này)")),
    ("communes_assessed", gettext_lazy("Xã đã đánh giá (báo cáo tổng hợp)")),
    ("avg_criteria", gettext_lazy("Số tiêu chí đạt bình quân/xã (báo cáo tổng hợp)")),
    ("communes_all_met", gettext_lazy("Xã đạt đủ tiêu chí (báo cáo tổng hợp)")),
    ("communes_below_10", gettext_lazy("Xã dưới 10 tiêu chí (báo cáo tổng hợp)")),
    ("min_criteria", gettext_lazy("Số tiêu chí thấp nhất (báo cáo tổng hợp)")),
    ("ntm", gettext_lazy("Xã đã được công nhận đạt chuẩn NTM")),
)


def headline(outcome: Outcome) -> dict:
    """The figures a comparison shows: communes reaching the level, criteria met per commune on average (of the
    communes ranked), and the summary's headline figures, before and after."""
    s0, s1 = outcome.summary_before, outcome.summary_after
    return {
        "reaching": outcome.reaching,
        "avg_criteria_ranked": (_average(outcome.before), _average(outcome.after)),
        "communes_assessed": (s0.communes_assessed, s1.communes_assessed),
        "avg_criteria": (s0.avg_criteria, s1.avg_criteria),
        "communes_all_met": (s0.communes_all_met, s1.communes_all_met),
        "communes_below_10": (s0.communes_below_10, s1.communes_below_10),
        "min_criteria": (s0.min_criteria, s1.min_criteria),
        "ntm": (s0.ntm, s1.ntm),
    }


def recomputed_summary(base_summary: Summary, province: Unit, as_of: dt.date, counts: dict[int, int]) -> Summary:
    """``base_summary`` with its criteria figures computed again by ``reports.services.criteria_figures`` from each
    commune's latest NTM assessment as stored (the standings covering the year, as the summary reads them), the
    assessments of ``counts`` ({assessment id: criteria met}) counted with the figure given. Reads two queries."""
    communes = Unit.objects.valid_on(as_of).within(province).rural_communes()
    year = as_of.year
    standing = {unit_id: (assessment_id, met, set_id, total) for unit_id, assessment_id, met, set_id, total in
                Standing.objects.filter(unit__in=communes, level=Level.XA_NTM, from_year__lte=year, to_year__gt=year)
                .values_list("unit_id", "assessment_id", "criteria_met", "criteria_set_id", "criteria_total")}
    tally: dict[tuple, int] = {}
    for unit_id in communes.values_list("pk", flat=True):
        found = standing.get(unit_id)
        if found is None:
            key = (None, None, None)
        else:
            assessment_id, met, set_id, total = found
            key = (counts.get(assessment_id, met), set_id, total)
        tally[key] = tally.get(key, 0) + 1
    _levels, sets = commune_sets(base_summary.period_start, as_of)
    figures = criteria_figures([(*key, n) for key, n in tally.items()], sets)
    return dataclasses.replace(base_summary, **figures.as_fields())


def run(b: Base, changes: list[dict], grouping: Grouping) -> Outcome:
    """The what-if of ``changes`` (parsed) over ``b``. Writes nothing."""
    values, changed = apply(b, changes, grouping)
    before = rank(b, grouping)
    after = rank(b, grouping, values=values)
    by_unit_before = {r.unit.pk: r for r in before.rows}
    by_unit_after = {r.unit.pk: r for r in after.rows}
    verdicts = [Verdict(b.communes[i], by_unit_before[b.communes[i].pk].criteria_met,
                        by_unit_after[b.communes[i].pk].criteria_met, by_unit_before[b.communes[i].pk].eligible,
                        by_unit_after[b.communes[i].pk].eligible) for i in sorted(changed)]
    stored = summary(b.province.code, b.as_of)
    counts = ({b.assessment_ids[i]: by_unit_after[b.communes[i].pk].criteria_met for i in changed}
              if b.level == Level.XA_NTM else {})
    after_summary = recomputed_summary(stored, b.province, b.as_of, counts) if counts else stored
    return Outcome(changes, before, after, verdicts, stored, after_summary)
