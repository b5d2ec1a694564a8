"""Assessment services: the values of one dossier — parse and check a value, set it (audited), open a dossier.

A changed value re-evaluates its assessment at once, and the assessments of sets that require this one (the
model-commune rule requires the advanced set), before the write commits (``evaluation``, through the write path of
``core.derived``), so every figure computed from stored results — the provincial summary included — reflects it
immediately, with no batch rebuild. Writing many values at once: ``bulk``; importing a file of them: ``imports``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.utils import timezone

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import refusal
from nongthonso.audit.services import record
from nongthonso.core.derived import writing
from nongthonso.core.text import format_date, format_number, same_value
from nongthonso.core.vocabulary import NumberInvalid, parse_bool, parse_number
from nongthonso.criteria.applicability import applies_to, not_applicable_message, set_for
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import Unit
from nongthonso.units.services import successors_on

from . import carry
from .errors import ValueRejected
from .evaluation import evaluate_assessment
from .models import Assessment, IndicatorValue
from .workflow import WorkflowError, ensure_editable, stale_error

MAX_NUMBER = 10**15 - 1  # a stored number's largest size: beyond it a float loses units (and 1e300 is a typo)


def parse_value(indicator: Indicator, raw: Any) -> Any:
    """Turn raw input (text from a form or file, or a Python value) into the stored value.

    Returns None for an empty value (unknown). Raises ValueRejected with a Vietnamese message.
    """
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    vt = indicator.value_type
    if vt == "boolean":
        if (answer := parse_bool(raw)) is not None:
            return answer
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
        try:
            number = parse_number(raw)
        except NumberInvalid:
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
    if abs(number) > MAX_NUMBER:
        unit = f" {indicator.unit}" if indicator.unit else ""
        raise ValueRejected(f"Chỉ tiêu {indicator.code}: «{raw}» quá lớn, giá trị không được vượt quá "
                            f"{format_number(MAX_NUMBER)}{unit}. Kiểm tra đơn vị tính và số chữ số.")
    return int(number) if number.is_integer() and vt == "number" else number


class SetNotApplicable(ValueError):
    """A provincial criteria set asked for a unit of another province; the message (Vietnamese) says so."""


@writing()
def get_or_create_assessment(unit: Unit, year: int, criteria_set: CriteriaSet, *, synthetic: bool = False,
                             user=None) -> Assessment:
    """The dossier of ``unit`` for ``year`` against ``criteria_set``, created when there is none: then pre-filled
    with the values mapped from the earlier period (``carry.prefill``: each marked «cần xác nhận»), audited and
    evaluated. Raises SetNotApplicable for a provincial set of another province."""
    if not applies_to(criteria_set, unit):
        raise SetNotApplicable(not_applicable_message(criteria_set, unit))
    assessment, created = Assessment.objects.get_or_create(
        unit=unit, year=year, criteria_set=criteria_set, defaults={"synthetic": synthetic})
    if created:
        carried = carry.prefill(assessment, user=user)
        after = {"unit": unit.code, "year": year, "set": criteria_set.code}
        if carried:
            after["carried"] = {v.indicator.code: v.value for v in carried}
        record("create", assessment, after=after, user=user)
        evaluate_assessment(assessment)
    return assessment


def open_dossier(unit: Unit, year: int, user, *, set_code: str | None = None, level: str | None = None
                 ) -> tuple[Assessment, bool]:
    """Open (or create) the dossier ``user`` asks for: ``unit``'s for ``year`` against the set ``set_code`` (its
    latest version), or the set of ``level`` (default: the commune NTM level) in force that year that applies to
    the unit (national, or its own province's). Returns (the dossier, whether it was created). Raises
    ``workflow.WorkflowError`` when the user may not enter the unit's values, SetNotApplicable when no such set
    applies to the unit that year."""
    refused = refusal(user, Action.EDIT_VALUES, unit)
    if refused is not None:
        raise WorkflowError(refused.message, refused.code)
    if set_code:
        cset = CriteriaSet.objects.filter(code=set_code, superseded_by__isnull=True).first()
        if cset is None:
            raise SetNotApplicable(f"Không có bộ tiêu chí mã «{set_code}». Xem danh sách bộ tiêu chí.")
        if not applies_to(cset, unit):
            raise SetNotApplicable(not_applicable_message(cset, unit))
        if not (cset.effective_from.year <= year <= (cset.effective_to.year if cset.effective_to else year)):
            raise SetNotApplicable(
                f"Bộ tiêu chí «{cset.name}» chỉ áp dụng cho các năm {cset.effective_from.year}–"
                f"{cset.effective_to.year if cset.effective_to else '…'}; chọn năm khác hoặc bộ tiêu chí khác.")
    else:
        level = level or Level.XA_NTM
        cset = set_for(unit, year, level)
        if cset is None:
            raise SetNotApplicable(f"Không có bộ tiêu chí «{Level(level).label}» nào có hiệu lực trong năm {year} áp "
                                   f"dụng cho {unit.name}.")
    existed = Assessment.objects.filter(unit=unit, year=year, criteria_set=cset).first()
    if existed is not None:
        return existed, False
    _check_can_be_assessed(unit, year, cset)
    return get_or_create_assessment(unit, year, cset, user=user), True


def _check_can_be_assessed(unit: Unit, year: int, cset: CriteriaSet) -> None:
    """A new dossier is for a rural commune (a commune set: xã, not phường, thị trấn or a province) that exists
    during ``year``; otherwise SetNotApplicable says why and, for a unit that has ceased, which ones succeeded it."""
    if cset.level in COMMUNE_LEVELS and not unit.unit_type.is_rural:
        raise SetNotApplicable(f"{unit.name} là {unit.unit_type.name.lower()}, không phải xã, nên không có hồ sơ "
                               f"«{cset.get_level_display()}». Chọn một xã.")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if unit.valid_from <= last and (unit.valid_to is None or unit.valid_to >= first):
        return
    span = f"từ {format_date(unit.valid_from)}" + (f" đến {format_date(unit.valid_to)}" if unit.valid_to else "")
    text = f"{unit.name} (mã {unit.code}) chỉ có {span}, nên không mở được hồ sơ năm {year}."
    if unit.valid_to is not None and unit.valid_to < first:
        after = successors_on(unit, last)
        if after:
            text += f" Hồ sơ năm {year} mở cho đơn vị kế thừa: {', '.join(u.name for u in after)}."
    raise SetNotApplicable(text)


@writing()
def set_value(assessment: Assessment, indicator_code: str, raw: Any, *, user=None, source: str = "",
              note: str = "", expected_version: int | None = None) -> IndicatorValue:
    """Validate and store one value, audit it, re-evaluate the assessment and its dependents (before the write
    commits: wrap several calls in ``core.derived.writing()`` to refresh the derived rows once for all of them).

    An edit that changes nothing — the value (as typed: 71 is 71,0; Đạt is not 1), its source and note as stored, and
    not the confirmation of a carried value — writes nothing: no audit entry, no new version, no evaluation; the
    stored value is returned (an empty value where there was none: an unsaved row).

    Refused (workflow.WorkflowError, Vietnamese) when the dossier is locked (submitted or later) or
    ``user`` may not enter values for its unit. ``expected_version``: the ``Assessment.version`` the
    user's page was loaded with (optimistic locking); when the dossier has changed since, the value is
    refused with code "stale", naming who changed it and when, and nothing is written."""
    ensure_editable(assessment, user)  # locks the assessment row and re-reads its state and version
    if expected_version is not None and expected_version != assessment.version:
        raise stale_error(assessment, expected_version, indicator_code)
    indicator = assessment.criteria_set.indicators.filter(code=indicator_code).first()
    if indicator is None:
        raise ValueRejected(f"Bộ tiêu chí «{assessment.criteria_set.code}» không có chỉ tiêu mã "
                            f"«{indicator_code}».")
    value = parse_value(indicator, raw)
    current = IndicatorValue.objects.select_for_update().filter(assessment=assessment,
                                                                indicator=indicator).order_by("pk").first()
    before = None if current is None else {"value": current.value, "source": current.source,
                                           "note": current.note}
    if current is None and value is None:
        return IndicatorValue(assessment=assessment, indicator=indicator)
    if (current is not None and not (current.needs_confirmation and user is not None)
            and same_value(current.value, value) and (current.source, current.note) == (source, note)):
        return current
    if current is None:
        current = IndicatorValue(assessment=assessment, indicator=indicator)
    else:
        current.indicator = indicator  # the same row, already read (its audit entry names it)
    after = {"value": value, "source": source, "note": note}
    if current.needs_confirmation and user is not None:  # a carried value an officer sets is theirs now
        current.confirmed_at, current.confirmed_by = timezone.now(), user
        after["confirmed"] = True
    current.value, current.source, current.note, current.updated_by = value, source, note, user
    current.save()
    record("create" if before is None else "update", current, before=before, after=after, user=user)
    Assessment.objects.filter(pk=assessment.pk).update(version=assessment.version + 1)
    assessment.version += 1
    evaluate_assessment(assessment)  # in place (the caller shows it); its standings and dependents at the end
    return current
