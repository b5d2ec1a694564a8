"""Assessment services: set values, evaluate with the engine, store the results — in one transaction.

A changed value re-evaluates its assessment at once (and the assessments of sets that require this
one, e.g. the model-commune rule requires the advanced set), so every figure computed from stored
results — the provincial summary included — reflects it immediately, with no batch rebuild.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from nongthonso.audit.services import record
from nongthonso.criteria import engine
from nongthonso.criteria.catalogue import compiled
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import Unit

from .models import Assessment, IndicatorValue

_TRUE = {"1", "true", "đúng", "đạt", "có", "co", "dat", "x", "yes"}
_FALSE = {"0", "false", "sai", "không", "khong", "không đạt", "khong dat", "chưa đạt", "no"}


class ValueRejected(ValueError):
    """A value that does not fit its indicator; the message (Vietnamese) says how to fix it."""


def parse_value(indicator: Indicator, raw: Any) -> Any:
    """Turn raw input (text from a form or file, or a Python value) into the stored value.

    Returns None for an empty value (unknown). Raises ValueRejected with a Vietnamese message.
    """
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    vt = indicator.value_type
    if vt == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueRejected(f"Chỉ tiêu {indicator.code} nhận «Đạt» hoặc «Không đạt» (1/0, có/không); "
                            f"«{raw}» không hợp lệ.")
    if vt == "category":
        if raw in indicator.categories:
            return raw
        raise ValueRejected(f"Chỉ tiêu {indicator.code} chỉ nhận một trong các giá trị: "
                            f"{', '.join(indicator.categories)}.")
    if isinstance(raw, bool):
        raise ValueRejected(f"Chỉ tiêu {indicator.code} cần một số, không phải Đạt/Không.")
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = str(raw).strip().replace(" ", "").rstrip("%")
        if "," in text and "." in text:  # 1.234,5 (Vietnamese) → 1234.5
            text = text.replace(".", "").replace(",", ".")
        elif "," in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueRejected(
                f"Chỉ tiêu {indicator.code} cần một số ({indicator.unit or 'không có đơn vị'}); «{raw}» không "
                "phải là số. Dùng dấu phẩy cho phần thập phân, ví dụ 85,7.") from None
    if math.isnan(number) or math.isinf(number):
        raise ValueRejected(f"Chỉ tiêu {indicator.code} cần một số hữu hạn.")
    if vt == "percent" and not 0 <= number <= 100:
        raise ValueRejected(f"Chỉ tiêu {indicator.code} là tỷ lệ phần trăm, phải từ 0 đến 100; «{raw}» nằm "
                            "ngoài khoảng này.")
    if vt in ("money", "number") and number < 0:
        raise ValueRejected(f"Chỉ tiêu {indicator.code} không nhận số âm.")
    return int(number) if number.is_integer() and vt == "number" else number


@dataclass(frozen=True)
class UnitContext:
    """What the engine needs to know about a unit to pick its thresholds."""

    province_code: str | None
    region: str | None
    group: int | None
    flags: tuple[str, ...]


def unit_context(unit: Unit) -> UnitContext:
    chain = [*unit.ancestors(), unit]
    province = chain[0]
    region = next((u.region for u in reversed(chain) if u.region), None)
    flags = tuple(f for f in ("dac_biet_kho_khan", "atk") if getattr(unit, f))
    return UnitContext(province.code if province.unit_type.level.depth == 1 else None, region,
                       unit.commune_group, flags)


def _values_of(assessment: Assessment) -> dict[str, Any]:
    return {code: value for code, value in assessment.values.values_list("indicator__code", "value")}


def evaluate(assessment: Assessment, ctx: UnitContext | None = None) -> engine.UnitResult:
    """Run the engine over the assessment's stored values (no writes)."""
    ctx = ctx or unit_context(assessment.unit)
    cs = compiled(assessment.criteria_set, ctx.province_code)
    return engine.evaluate_one(cs, _values_of(assessment), year=assessment.year, region=ctx.region,
                               group=ctx.group, flags=ctx.flags)


def _required_eligible(assessment: Assessment) -> bool | None:
    required = assessment.criteria_set.requires
    if required is None:
        return None
    other = (Assessment.objects.filter(unit=assessment.unit, year=assessment.year,
                                       criteria_set__code=required.code)
             .order_by("-criteria_set__version").values_list("eligible", flat=True).first())
    return bool(other)


def evaluate_assessment(assessment: Assessment, ctx: UnitContext | None = None) -> Assessment:
    """Evaluate and store the results on the assessment."""
    result = evaluate(assessment, ctx)
    data = result.to_dict()
    eligible = result.eligible
    required_ok = _required_eligible(assessment)
    if required_ok is not None:
        data["requires"] = {"set": assessment.criteria_set.requires.code, "eligible": required_ok}
        eligible = eligible and required_ok
    assessment.results = data
    assessment.criteria_met = result.criteria_met
    assessment.criteria_failed = result.criteria_failed
    assessment.criteria_unknown = result.criteria_unknown
    assessment.criteria_total = result.criteria_total
    assessment.eligible = eligible
    assessment.revoke = result.revoke
    assessment.evaluated_at = timezone.now()
    assessment.save(update_fields=["results", "criteria_met", "criteria_failed", "criteria_unknown",
                                   "criteria_total", "eligible", "revoke", "evaluated_at"])
    return assessment


def _refresh_dependents(assessment: Assessment) -> None:
    dependents = Assessment.objects.filter(unit=assessment.unit, year=assessment.year,
                                           criteria_set__requires__code=assessment.criteria_set.code)
    for dependent in dependents.select_related("criteria_set__requires", "unit"):
        evaluate_assessment(dependent)


def get_or_create_assessment(unit: Unit, year: int, criteria_set: CriteriaSet, *, synthetic: bool = False
                             ) -> Assessment:
    assessment, created = Assessment.objects.get_or_create(
        unit=unit, year=year, criteria_set=criteria_set, defaults={"synthetic": synthetic})
    if created:
        record("create", assessment, after={"unit": unit.code, "year": year, "set": criteria_set.code})
    return assessment


@transaction.atomic
def set_value(assessment: Assessment, indicator_code: str, raw: Any, *, user=None, source: str = "",
              note: str = "") -> IndicatorValue:
    """Validate and store one value, audit it, re-evaluate the assessment and its dependents.

    Refused (workflow.WorkflowError, Vietnamese) when the dossier is locked (submitted or later) or
    ``user`` may not enter values for its unit."""
    from .workflow import ensure_editable

    ensure_editable(assessment, user)
    indicator = assessment.criteria_set.indicators.filter(code=indicator_code).first()
    if indicator is None:
        raise ValueRejected(f"Bộ tiêu chí «{assessment.criteria_set.code}» không có chỉ tiêu mã "
                            f"«{indicator_code}».")
    value = parse_value(indicator, raw)
    current = IndicatorValue.objects.select_for_update().filter(assessment=assessment,
                                                                indicator=indicator).first()
    before = None if current is None else {"value": current.value, "source": current.source,
                                           "note": current.note}
    if current is None:
        current = IndicatorValue(assessment=assessment, indicator=indicator)
    current.value, current.source, current.note, current.updated_by = value, source, note, user
    current.save()
    record("create" if before is None else "update", current, before=before,
           after={"value": value, "source": source, "note": note}, user=user)
    Assessment.objects.filter(pk=assessment.pk).update(version=assessment.version + 1)
    assessment.version += 1
    evaluate_assessment(assessment)
    _refresh_dependents(assessment)
    return current


@transaction.atomic
def store_values(rows: Iterable[tuple[Assessment, Indicator, Any, str, str]], *, user=None,
                 actor: str = "", note: str = "") -> tuple[int, int, int]:
    """Write many already-validated values (imports, the demo), audit them per assessment, then
    evaluate each touched assessment once. Rows are (assessment, indicator, value, source, note).
    Returns (created, updated, unchanged)."""
    rows = list(rows)
    assessments = {a.pk: a for a, *_ in rows}
    existing = {(v.assessment_id, v.indicator_id): v for v in
                IndicatorValue.objects.filter(assessment_id__in=assessments)}
    to_create, to_update, unchanged = [], [], 0
    before: dict[int, dict] = {}
    after: dict[int, dict] = {}
    for assessment, indicator, value, source, row_note in rows:
        current = existing.get((assessment.pk, indicator.pk))
        if current is not None and (current.value, current.source, current.note) == (value, source, row_note):
            unchanged += 1
            continue
        after.setdefault(assessment.pk, {})[indicator.code] = value
        if current is None:
            to_create.append(IndicatorValue(assessment=assessment, indicator=indicator, value=value,
                                            source=source, note=row_note, updated_by=user))
        else:
            before.setdefault(assessment.pk, {})[indicator.code] = current.value
            current.value, current.source, current.note, current.updated_by = value, source, row_note, user
            to_update.append(current)
    from .workflow import ensure_editable

    for assessment_id in after:  # locked dossiers and other users' units are refused before any write
        ensure_editable(assessments[assessment_id], user)
    IndicatorValue.objects.bulk_create(to_create, batch_size=2000)
    IndicatorValue.objects.bulk_update(to_update, ["value", "source", "note", "updated_by"], batch_size=2000)
    for assessment_id, changed in after.items():
        record("import", assessments[assessment_id], before=before.get(assessment_id), after=changed,
               user=user, actor=actor, note=note)
    Assessment.objects.filter(pk__in=list(after)).update(version=models.F("version") + 1)
    contexts: dict[int, UnitContext] = {}
    for assessment in sorted(assessments.values(), key=lambda a: a.criteria_set.requires_id is not None):
        ctx = contexts.setdefault(assessment.unit_id, unit_context(assessment.unit))
        evaluate_assessment(assessment, ctx)
    return len(to_create), len(to_update), unchanged


def latest_assessments(units: Iterable[Unit], level: str, year: int) -> dict[int, Assessment]:
    """For each unit, its most recent assessment (year ≤ ``year``) against a set of ``level``."""
    unit_ids = [u.pk for u in units]
    latest: dict[int, Assessment] = {}
    qs = (Assessment.objects.filter(unit_id__in=unit_ids, year__lte=year, criteria_set__level=level)
          .order_by("unit_id", "-year", "-criteria_set__version")
          .only("id", "unit_id", "year", "criteria_met", "criteria_failed", "criteria_unknown",
                "criteria_total", "eligible", "revoke", "criteria_set_id"))
    for a in qs:
        latest.setdefault(a.unit_id, a)
    return latest


def values_mapping(assessment: Assessment) -> Mapping[str, Any]:
    return _values_of(assessment)
