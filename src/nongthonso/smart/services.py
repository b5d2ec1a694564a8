"""The writes of smart NTM: a figure entered for a unit, a pilot designated, its recognition, a pilot village's values
against the smart-village criteria. Each checks who may (``scope``), checks the data (a refusal names the field and
the fix, in Vietnamese), writes in one transaction and audits the write (``audit.services.record``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from nongthonso.audit.services import record
from nongthonso.core.imports import MAX_NOTE
from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import DATE_HINT, NumberInvalid, parse_bool, parse_date, parse_number
from nongthonso.units.models import Unit

from . import scope
from .models import Figure, Measure, Pilot, PilotKind, PilotValue, level_phrase, period_end
from .villages import province_of, village_set

MIN_YEAR = 2020  # the programmes start in 2021-2022; earlier figures are no one's target


class Refused(PermissionError):
    """The user may not make this write; ``message`` (Vietnamese) says why and who may."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Rejected(ValueError):
    """The data cannot be written; ``errors`` maps each field to what is wrong and how to fix it (Vietnamese)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- figures -----------------------------------------------------------------------------------------------------

def whole_number(text, what: str) -> tuple[int | None, str | None]:
    """``text`` as a whole number ≥ 0 (Vietnamese or plain writing: «2.169», 2169), or an error about ``what``."""
    if text is None or str(text).strip() == "":
        return None, f"thiếu {what}. Điền một số nguyên không âm, ví dụ 2.169."
    try:
        number = parse_number(str(text))
    except NumberInvalid:
        return None, f"{what} «{text}» không phải là số. Điền một số nguyên không âm, ví dụ 2.169."
    if not math.isfinite(number) or number < 0 or number != int(number):
        return None, f"{what} «{text}» phải là số nguyên không âm (số hồ sơ, số hợp tác xã …), ví dụ 2.169."
    if number > 2_000_000_000:
        return None, f"{what} «{text}» quá lớn; kiểm tra lại số liệu."
    return int(number), None


def figure_problems(measure: Measure, unit: Unit, year: int, numerator, denominator, source: str,
                    note: str = "", today: dt.date | None = None) -> tuple[dict[str, str], int | None, int | None]:
    """The problems of a figure, by field (empty: none), and its numerator and denominator as numbers."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    level = unit.unit_type.level.code
    if level not in measure.levels:
        wanted = ", ".join(level_phrase(lv) for lv in measure.levels)
        errors["unit"] = (f"«{measure.label}» do đơn vị {wanted} nhập; {unit.name} ({unit.code}) là đơn vị "
                          f"{level_phrase(level)}. Chọn đơn vị đúng cấp.")
    if not MIN_YEAR <= year <= today.year:
        errors["year"] = f"năm {year} không hợp lệ: điền năm từ {MIN_YEAR} đến {today.year}."
    elif not unit.is_valid_on(period_end(year, today)):
        errors["unit"] = (f"{unit.name} ({unit.code}) không còn hiệu lực ngày {format_date(period_end(year, today))}, "
                          f"ngày số liệu năm {year} được tính. Chọn đơn vị đang có hiệu lực vào ngày đó.")
    num, problem = whole_number(numerator, "tử số")
    if problem:
        errors["numerator"] = problem
    den, problem = whole_number(denominator, "mẫu số")
    if problem:
        errors["denominator"] = problem
    if num is not None and den is not None and num > den:
        errors["numerator"] = (f"tử số {num} lớn hơn mẫu số {den}: «{measure.numerator_label}» là một phần của "
                               f"«{measure.denominator_label}». Kiểm tra lại hai số.")
    source = " ".join((source or "").split())
    if not source:
        errors["source"] = ("thiếu nguồn số liệu: ghi nơi lấy số (ví dụ «Hệ thống quản lý văn bản của UBND xã, "
                            "31/12/2023»).")
    elif len(source) > 300:
        errors["source"] = "nguồn số liệu dài quá 300 ký tự; rút gọn lại."
    if len(note) > MAX_NOTE:
        errors["note"] = f"ghi chú dài quá {MAX_NOTE} ký tự; rút gọn lại."
    if "\x00" in source + note:
        errors["note" if "\x00" in note else "source"] = "có ký tự rỗng (NUL) không lưu được; gõ lại nội dung."
    return errors, num, den


def snapshot(figure: Figure) -> dict:
    return {"measure": figure.measure.code, "unit": figure.unit.code, "unit_id": figure.unit_id, "year": figure.year,
            "numerator": figure.numerator, "denominator": figure.denominator, "source": figure.source,
            "note": figure.note}


@transaction.atomic
def record_figure(user, measure: Measure, unit: Unit, year: int, numerator, denominator, source: str,
                  note: str = "", *, synthetic: bool = False, audit_note: str = "", actor: str = ""
                  ) -> tuple[Figure, str]:
    """Write the figure of ``measure`` for ``unit`` and ``year`` (a new one, or the one recorded replaced), as
    ``user`` (None: the command line, the demo). Returns it and "created", "updated" or "unchanged". Raises Refused
    or Rejected."""
    if user is not None:
        refused = scope.enter_refusal(user, unit)
        if refused:
            raise Refused(refused)
    note = (note or "").strip()
    errors, num, den = figure_problems(measure, unit, year, numerator, denominator, source, note)
    if errors:
        raise Rejected(errors)
    source = " ".join(source.split())
    figure = Figure.objects.select_for_update().filter(measure=measure, unit=unit, year=year).first()
    if figure is None:
        figure = Figure.objects.create(measure=measure, unit=unit, year=year, numerator=num, denominator=den,
                                       source=source, note=note, entered_by=user, synthetic=synthetic)
        record("create", figure, after=snapshot(figure), user=user, actor=actor, note=audit_note)
        return figure, "created"
    before = snapshot(figure)
    if (figure.numerator, figure.denominator, figure.source, figure.note) == (num, den, source, note):
        return figure, "unchanged"
    figure.numerator, figure.denominator, figure.source, figure.note = num, den, source, note
    figure.entered_by, figure.entered_at, figure.synthetic = user, timezone.now(), synthetic
    figure.save()
    record("update", figure, before=before, after=snapshot(figure), user=user, actor=actor, note=audit_note)
    return figure, "updated"


# --- pilots ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DecisionText:
    """A decision as typed: number, date (any way ``parse_date`` reads), authority."""

    number: str
    date: str | dt.date | None
    authority: str


def _decision(data: DecisionText, prefix: str, what: str, errors: dict[str, str], *, not_before: dt.date | None = None
              ) -> tuple[str, dt.date | None, str]:
    number, authority = " ".join(data.number.split()), " ".join(data.authority.split())
    if not number:
        errors[f"{prefix}number"] = f"thiếu số {what}, ví dụ 1234/QĐ-UBND."
    elif len(number) > 60:
        errors[f"{prefix}number"] = "số quyết định dài quá 60 ký tự."
    date = parse_date(data.date) if data.date else None
    if date is None:
        errors[f"{prefix}date"] = f"thiếu ngày {what} hoặc ngày không đúng dạng. {DATE_HINT}"
    elif date > timezone.localdate():
        errors[f"{prefix}date"] = f"ngày {format_date(date)} ở tương lai: chỉ ghi quyết định đã ban hành."
    elif not_before is not None and date < not_before:
        errors[f"{prefix}date"] = (f"ngày {format_date(date)} trước ngày chọn thí điểm ({format_date(not_before)}): "
                                   "kiểm tra lại ngày.")
    if not authority:
        errors[f"{prefix}authority"] = "thiếu cơ quan ban hành, ví dụ UBND tỉnh Thái Nguyên."
    elif len(authority) > 200:
        errors[f"{prefix}authority"] = "tên cơ quan ban hành dài quá 200 ký tự."
    return number, date, authority


def pilot_snapshot(pilot: Pilot) -> dict:
    return {"kind": pilot.kind, "commune": pilot.commune.code, "commune_id": pilot.commune_id,
            "village": pilot.village.code if pilot.village_id else None, "village_name": pilot.village_name,
            "decision_number": pilot.decision_number, "decision_date": pilot.decision_date.isoformat(),
            "authority": pilot.authority, "recognition_number": pilot.recognition_number,
            "recognised_on": pilot.recognised_on.isoformat() if pilot.recognised_on else None,
            "recognition_authority": pilot.recognition_authority, "note": pilot.note}


@transaction.atomic
def designate_pilot(user, *, kind: str, commune: Unit | None, decision: DecisionText, village: Unit | None = None,
                    village_name: str = "", note: str = "", synthetic: bool = False) -> Pilot:
    """Record that the province designates ``commune`` (kind «commune») or a village of it (kind «village»: a xóm
    unit ``village``, or ``village_name`` where the tree has none) as a pilot, by ``decision``. Raises Refused or
    Rejected."""
    errors: dict[str, str] = {}
    village_name = " ".join((village_name or "").split())
    if kind not in PilotKind.values:
        errors["kind"] = "chọn loại mô hình: xã nông thôn mới thông minh hoặc thôn (xóm) thông minh."
    if commune is None:
        errors["commune"] = "thiếu xã: điền mã GSO của xã (5 chữ số) hoặc tìm theo tên."
    elif not commune.unit_type.is_rural:
        errors["commune"] = (f"{commune.name} ({commune.code}) là {commune.unit_type.name.lower()}, không phải xã: "
                             "mô hình thông minh thí điểm ở xã và thôn, xóm của xã.")
        commune = None
    if commune is not None and user is not None:
        refused = scope.manage_refusal(user, commune)
        if refused:
            raise Refused(refused)
    number, date, authority = _decision(decision, "decision_", "quyết định chọn thí điểm", errors)
    if commune is not None and date is not None and not commune.is_valid_on(date):
        errors["commune"] = (f"{commune.name} ({commune.code}) không có hiệu lực ngày {format_date(date)} (ngày quyết "
                             "định). Chọn xã đang có hiệu lực vào ngày đó.")
    if kind == PilotKind.COMMUNE:
        if village is not None or village_name:
            errors["village"] = "mô hình xã thông minh không ghi thôn, xóm; bỏ trống ô thôn, xóm."
        elif commune is not None and Pilot.objects.filter(kind=kind, commune=commune).exists():
            errors["commune"] = f"{commune.name} đã được chọn thí điểm xã nông thôn mới thông minh."
    elif kind == PilotKind.VILLAGE:
        if village is None and not village_name:
            errors["village"] = ("thiếu thôn, xóm: điền mã thôn, xóm trong danh mục, hoặc tên thôn nếu danh mục chưa "
                                 "có.")
        elif village is not None and village_name:
            errors["village"] = "chỉ ghi một trong hai: mã thôn, xóm trong danh mục hoặc tên thôn."
        elif village is not None and commune is not None and village.parent_id != commune.pk:
            errors["village"] = f"{village.name} ({village.code}) không thuộc {commune.name}. Kiểm tra mã thôn, xóm."
        elif village is not None and Pilot.objects.filter(village=village).exists():
            errors["village"] = f"{village.name} đã được chọn thí điểm thôn thông minh."
        elif len(village_name) > 200:
            errors["village"] = "tên thôn dài quá 200 ký tự."
        elif village_name and commune is not None and Pilot.objects.filter(commune=commune,
                                                                           village_name__iexact=village_name).exists():
            errors["village"] = f"Thôn {village_name} của {commune.name} đã được chọn thí điểm."
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"ghi chú dài quá {MAX_NOTE} ký tự."
    if errors:
        raise Rejected(errors)
    pilot = Pilot.objects.create(kind=kind, commune=commune, village=village, village_name=village_name,
                                 decision_number=number, decision_date=date, authority=authority, note=note,
                                 created_by=user, synthetic=synthetic)
    record("create", pilot, after=pilot_snapshot(pilot), user=user)
    return pilot


@transaction.atomic
def recognise_pilot(user, pilot: Pilot, decision: DecisionText) -> Pilot:
    """Record the decision recognising ``pilot`` (it meets the province's criteria). Raises Refused or Rejected."""
    if user is not None:
        refused = scope.manage_refusal(user, pilot.commune)
        if refused:
            raise Refused(refused)
    pilot = Pilot.objects.select_for_update(of=("self",)).select_related("commune", "village").get(pk=pilot.pk)
    errors: dict[str, str] = {}
    number, date, authority = _decision(decision, "recognition_", "quyết định công nhận", errors,
                                        not_before=pilot.decision_date)
    if errors:
        raise Rejected(errors)
    before = pilot_snapshot(pilot)
    pilot.recognition_number, pilot.recognised_on, pilot.recognition_authority = number, date, authority
    pilot.save(update_fields=["recognition_number", "recognised_on", "recognition_authority"])
    record("update", pilot, before=before, after=pilot_snapshot(pilot), user=user, note="Công nhận mô hình thông minh")
    return pilot


def _value(raw, value_type: str) -> tuple[object, str | None]:
    if value_type == "boolean":
        value = parse_bool(raw)
        return value, None if value is not None else "chọn Đạt hoặc Không đạt (có / không)."
    try:
        number = parse_number(str(raw))
    except NumberInvalid as exc:
        return None, str(exc)
    if not math.isfinite(number) or number < 0:
        return None, f"«{raw}» phải là một số không âm."
    if value_type == "percent" and number > 100:
        return None, f"tỷ lệ {raw}% lớn hơn 100%."
    return number, None


@transaction.atomic
def set_pilot_values(user, pilot: Pilot, year: int, raw: dict[str, str], source: str = "",
                     *, synthetic: bool = False) -> int:
    """Write a pilot village's values for ``year`` on the indicators of the province's smart-village criteria (an
    empty entry removes the value). Returns how many values changed. Raises Refused or Rejected (by indicator code)."""
    if user is not None:
        refused = scope.manage_refusal(user, pilot.commune)
        if refused:
            raise Refused(refused)
    today = timezone.localdate()
    cset = village_set(province_of(pilot.commune), period_end(year, today))
    errors: dict[str, str] = {}
    if pilot.kind != PilotKind.VILLAGE:
        errors["pilot"] = "chỉ thôn, xóm thông minh có giá trị theo bộ tiêu chí thôn thông minh."
    if cset is None:
        errors["pilot"] = (f"tỉnh chưa có bộ tiêu chí thôn thông minh có hiệu lực năm {year}: nạp bộ tiêu chí của tỉnh "
                           "(nongthonso smart load) trước.")
    if not MIN_YEAR <= year <= today.year:
        errors["year"] = f"năm {year} không hợp lệ: điền năm từ {MIN_YEAR} đến {today.year}."
    source = " ".join((source or "").split())
    if len(source) > 300:
        errors["source"] = "nguồn số liệu dài quá 300 ký tự."
    if errors:
        raise Rejected(errors)
    types = dict(cset.indicators.values_list("code", "value_type"))
    wanted: dict[str, object] = {}
    for code, text in raw.items():
        if code not in types:
            errors[code] = f"bộ tiêu chí thôn thông minh không có chỉ tiêu {code}."
            continue
        if text is None or str(text).strip() == "":
            wanted[code] = None
            continue
        value, problem = _value(text, types[code])
        if problem:
            errors[code] = problem
        else:
            wanted[code] = value
    if errors:
        raise Rejected(errors)
    current = {v.indicator_code: v for v in PilotValue.objects.filter(pilot=pilot, year=year)}
    changed = 0
    for code, value in wanted.items():
        row = current.get(code)
        if value is None:
            if row is not None:
                record("delete", row, before={"indicator": code, "year": year, "value": row.value}, user=user)
                row.delete()
                changed += 1
            continue
        if row is None:
            row = PilotValue.objects.create(pilot=pilot, indicator_code=code, year=year, value=value, source=source,
                                            updated_by=user, synthetic=synthetic)
            record("create", row, after={"indicator": code, "year": year, "value": value, "source": source},
                   user=user)
            changed += 1
        elif row.value != value or row.source != source:
            before = {"indicator": code, "year": year, "value": row.value, "source": row.source}
            row.value, row.source, row.updated_by, row.updated_at = value, source, user, timezone.now()
            row.save()
            record("update", row, before=before, after={"indicator": code, "year": year, "value": value,
                                                         "source": source}, user=user)
            changed += 1
    return changed

