"""The province's unit costs of closing an indicator's gap: checked, saved and audited here (the page
/du-bao/chi-phi/, the import kind ``indicator-costs``: ``nongthonso import indicator-costs FILE``, /nhap-du-lieu/,
``POST /api/imports/indicator-costs``).

A cost row names the province (GSO code), the criteria set and the indicator, the cost per unit of gap in đồng, what
one unit of gap is, the source and its provenance (``core.choices.Provenance``), and the dates it applies. A row
with the province, indicator and start date of a recorded cost replaces it, so an export imports back unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from nongthonso.audit.services import record
from nongthonso.core.choices import Provenance
from nongthonso.core.errors import Invalid, Refused
from nongthonso.core.imports import (
    PREVIEW_CHANGES,
    Change,
    ErrorList,
    ImportFailed,
    ImportResult,
    Progress,
    RowError,
    TableFile,
    unique_rows,
)
from nongthonso.core.text import format_date, format_number
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL

from . import scope
from .models import IndicatorCost

KIND = "indicator-costs"
COLUMNS = ("province", "set", "indicator", "cost_per_unit", "unit_of_measure", "source", "provenance", "valid_from")
OPTIONAL = ("valid_to",)
LABELS = {"province": "Mã tỉnh", "set": "Bộ tiêu chí", "indicator": "Mã chỉ tiêu", "cost_per_unit": "Đơn giá (đồng)",
          "unit_of_measure": "Đơn vị khoảng cách", "source": "Nguồn số liệu", "provenance": "Nguồn gốc",
          "valid_from": "Áp dụng từ", "valid_to": "Áp dụng đến"}
COLUMNS_HELP = ("province (mã GSO của tỉnh), set (mã bộ tiêu chí), indicator (mã chỉ tiêu), cost_per_unit (đồng cho "
                "một đơn vị khoảng cách), unit_of_measure («1 điểm phần trăm», «cả chỉ tiêu»), source, provenance ("
                + ", ".join(Provenance.values) + "), valid_from (YYYY-MM-DD); thêm được valid_to.")
MAX_COST = Decimal(10) ** 15
FIELDS = ("cost_per_unit", "unit_of_measure", "source", "provenance", "valid_to")


class CostRejected(Invalid):
    """A unit cost that cannot be saved: ``field`` names the field, the message (Vietnamese) says how to fix it."""

    def __init__(self, field: str, message: str):
        super().__init__({field: message})
        self.field = field


def parse_cost(text) -> Decimal:
    raw = str(text or "").strip().replace(" ", "").replace(".", "").replace(",", ".")
    try:
        cost = Decimal(raw)
    except InvalidOperation:
        raise CostRejected("cost_per_unit", _("Đơn giá «%(raw)s» không phải là số đồng; ghi số nguyên, ví dụ "
                                              "150000000.") % {"raw": text}) from None
    if not cost.is_finite() or cost < 0 or cost >= MAX_COST:
        raise CostRejected("cost_per_unit", _("Đơn giá phải từ 0 đến dưới 10^15 đồng; «%(raw)s» nằm ngoài khoảng "
                                              "này.") % {"raw": text})
    return cost.quantize(Decimal(1))


def parse_date(text, field: str) -> dt.date | None:
    raw = str(text or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CostRejected(field, _("Ngày «%(raw)s» không hợp lệ; ghi theo dạng YYYY-MM-DD, ví dụ 2026-01-01.")
                           % {"raw": raw}) from None


def check(cost: IndicatorCost) -> None:
    """The checks every way in makes (page, import): raises CostRejected."""
    if not (cost.unit_of_measure or "").strip():
        raise CostRejected("unit_of_measure", _("Ghi đơn vị khoảng cách mà đơn giá tính cho, ví dụ «1 điểm phần "
                                                "trăm» hoặc «cả chỉ tiêu»."))
    if not (cost.source or "").strip():
        raise CostRejected("source", _("Ghi nguồn của đơn giá (văn bản, dự toán, báo cáo) để người xem đối chiếu "
                                       "được."))
    if cost.provenance not in Provenance.values:
        raise CostRejected("provenance", _("Nguồn gốc phải là một trong: %(values)s.")
                           % {"values": ", ".join(Provenance.values)})
    if cost.valid_to is not None and cost.valid_to < cost.valid_from:
        raise CostRejected("valid_to", _("Ngày kết thúc (%(end)s) trước ngày bắt đầu (%(start)s).")
                           % {"end": format_date(cost.valid_to), "start": format_date(cost.valid_from)})
    overlap = (IndicatorCost.objects.filter(indicator=cost.indicator, province=cost.province)
               .exclude(pk=cost.pk).exclude(valid_from=cost.valid_from)
               .filter(valid_from__lte=cost.valid_to or dt.date.max))
    overlap = [o for o in overlap if o.valid_to is None or o.valid_to >= cost.valid_from]
    if overlap:
        other = overlap[0]
        raise CostRejected("valid_from", _(
            "Chỉ tiêu %(code)s đã có đơn giá áp dụng từ %(start)s%(end)s, chồng lên khoảng ngày này. Ghi ngày kết "
            "thúc cho đơn giá cũ trước, hoặc sửa đơn giá đó.") % {
            "code": cost.indicator.code, "start": format_date(other.valid_from),
            "end": f" đến {format_date(other.valid_to)}" if other.valid_to else ""})


def snapshot(cost: IndicatorCost) -> dict:
    return {"indicator": cost.indicator.code, "set": cost.indicator.criteria_set.code, "province": cost.province.code,
            "cost_per_unit": str(cost.cost_per_unit), "currency": cost.currency,
            "unit_of_measure": cost.unit_of_measure, "source": cost.source, "provenance": cost.provenance,
            "valid_from": cost.valid_from.isoformat(),
            "valid_to": cost.valid_to.isoformat() if cost.valid_to else None}


@transaction.atomic
def save_cost(user, cost: IndicatorCost, *, before: dict | None = None, note: str = "") -> IndicatorCost:
    """Check and save ``cost`` (new or edited: ``before`` its snapshot as it was), audited. Raises CostRejected, or
    ``core.errors.Refused`` when ``user`` is not the province office of its province (None: the command line)."""
    if user is not None and not scope.may_manage_costs(user, cost.province):
        raise Refused(_("Chỉ Văn phòng Điều phối NTM của %(province)s được đặt đơn giá khắc phục chỉ tiêu.")
                              % {"province": cost.province.name})
    check(cost)
    cost.updated_by = user
    cost.save()
    record("create" if before is None else "update", cost, before=before, after=snapshot(cost), user=user,
           note=note)
    return cost


@transaction.atomic
def delete_cost(user, cost: IndicatorCost) -> None:
    if not scope.may_manage_costs(user, cost.province):
        raise Refused(_("Chỉ Văn phòng Điều phối NTM của %(province)s được xoá đơn giá này.")
                              % {"province": cost.province.name})
    before = snapshot(cost)
    record("delete", cost, before=before, user=user)
    cost.delete()


# --- the import -------------------------------------------------------------------------------------------------

def may_import(user) -> bool:
    return scope.may_manage_costs(user)


@dataclass
class _Row:
    n: int
    cost: IndicatorCost


def _parse(n: int, raw: dict[str, str], provinces: dict[str, list[Unit]], user, errors: ErrorList) -> _Row | None:
    found: list[RowError] = []

    def fail(column: str, message: str) -> None:
        found.append(RowError(n, column, raw.get(column, ""), message))

    try:
        valid_from = parse_date(raw["valid_from"], "valid_from")
        if valid_from is None:
            fail("valid_from", _("thiếu ngày bắt đầu áp dụng (YYYY-MM-DD)."))
        valid_to = parse_date(raw.get("valid_to", ""), "valid_to")
    except CostRejected as exc:
        fail(exc.field, str(exc))
        valid_from = valid_to = None
    province = None
    versions = provinces.get(raw["province"], [])
    if not versions:
        fail("province", _("không có tỉnh mã này; ghi mã GSO của tỉnh, ví dụ 19."))
    elif valid_from is not None:
        province = next((p for p in versions if p.valid_from <= valid_from
                         and (p.valid_to is None or p.valid_to >= valid_from)), None)
        if province is None:
            fail("province", _("tỉnh mã này không có hiệu lực ngày %(day)s; đơn giá gắn với tỉnh đang có hiệu lực "
                               "ngày bắt đầu áp dụng.") % {"day": format_date(valid_from)})
        elif user is not None and not scope.may_manage_costs(user, province):
            fail("province", _("bạn không phải Văn phòng Điều phối NTM của tỉnh này, nên không đặt đơn giá cho "
                               "tỉnh này được."))
    cset = CriteriaSet.objects.filter(code=raw["set"], superseded_by__isnull=True).first()
    indicator = None
    if cset is None:
        fail("set", _("không có bộ tiêu chí mã này; xem danh sách ở trang Bộ tiêu chí."))
    else:
        indicator = Indicator.objects.filter(criteria_set=cset, code=raw["indicator"]).select_related(
            "criteria_set").first()
        if indicator is None:
            fail("indicator", _("bộ tiêu chí %(set)s không có chỉ tiêu mã này.") % {"set": cset.code})
    try:
        cost_per_unit = parse_cost(raw["cost_per_unit"])
    except CostRejected as exc:
        fail("cost_per_unit", str(exc))
        cost_per_unit = None
    if found:
        for error in found:
            errors.add(error)
        return None
    cost = (IndicatorCost.objects.filter(indicator=indicator, province=province, valid_from=valid_from).first()
            or IndicatorCost(indicator=indicator, province=province, valid_from=valid_from))
    cost._before = snapshot(cost) if cost.pk else None
    cost.cost_per_unit, cost.unit_of_measure = cost_per_unit, " ".join(raw["unit_of_measure"].split())
    cost.source, cost.provenance, cost.valid_to = " ".join(raw["source"].split()), raw["provenance"], valid_to
    try:
        check(cost)
    except CostRejected as exc:
        errors.add(RowError(n, exc.field, raw.get(exc.field, ""), str(exc)))
        return None
    return _Row(n, cost)


def import_costs(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                 progress: Progress | None = None) -> ImportResult:
    """Import unit costs, all rows or none. Raises ImportFailed with every error."""
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", _(
            "Chỉ Văn phòng Điều phối NTM tỉnh được nhập đơn giá khắc phục chỉ tiêu."))])
    table = TableFile(path, COLUMNS, OPTIONAL, name=name, labels=LABELS)
    provinces: dict[str, list[Unit]] = {}
    for unit in Unit.objects.at_level(PROVINCE_LEVEL):
        provinces.setdefault(unit.code, []).append(unit)
    errors = ErrorList()
    rows = unique_rows(table, lambda n, raw: _parse(n, raw, provinces, user, errors),
                       lambda row: (row.cost.indicator.pk, row.cost.province.pk, row.cost.valid_from),
                       column="indicator", same="tỉnh, chỉ tiêu và ngày bắt đầu", errors=errors, progress=progress)
    result = ImportResult(dry_run=dry_run)
    changed = []
    for row in rows:
        before = row.cost._before
        if before is not None and before == snapshot(row.cost):
            result.unchanged += 1
            continue
        changed.append(row)
        result.created += before is None
        result.updated += before is not None
        if len(result.changes) < PREVIEW_CHANGES:
            result.changes.append(Change(
                row.n, "create" if before is None else "update",
                f"{row.cost.province.name} · {row.cost.indicator.criteria_set.code} · {row.cost.indicator.code}",
                "" if before is None else before["cost_per_unit"], format_number(row.cost.cost_per_unit)))
    if dry_run:
        return result
    with transaction.atomic():
        for row in changed:
            save_cost(user, row.cost, before=row.cost._before, note=_("Nhập tệp %(name)s, dòng %(n)s")
                      % {"name": table.name, "n": row.n})
    return result
