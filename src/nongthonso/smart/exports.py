"""The smart-NTM exports (``core.registry.ExportKind``, written by ``dataio``'s formula-safe writers): the progress of
every target of a province for a year (``smart_targets``), and the figures the units entered in the columns of their
import (``smart_figures``), so that an export imports back unchanged."""

from __future__ import annotations

from django.conf import settings

from nongthonso.accounts.services import under
from nongthonso.core.registry import ExportRequest
from nongthonso.dataio.exports import ExportError, NothingFound, Table
from nongthonso.units.models import Unit

from . import scope
from .imports import EXPORT_COLUMNS
from .models import Figure, period_end
from .progress import Progress, default_year, progress

PROGRESS_HEADER = ("Chương trình", "Mã mục tiêu", "Trụ cột", "Cấp", "Mục tiêu", "Chỉ tiêu", "Đơn vị", "Thời hạn",
                   "Năm", "Đạt được", "Tử số", "Mẫu số", "Đánh giá", "Còn thiếu", "Đơn vị có số liệu",
                   "Đơn vị được tính", "Nguồn chỉ tiêu", "Trích nguồn", "Cách tính", "Ghi chú")


def _number(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _row(p: Progress) -> tuple:
    t = p.target
    return (t.programme.short_name, t.code, t.get_pillar_display(), t.get_level_display(), t.label,
            f"{'≥' if t.comparator == '>=' else '≤'} {float(t.value):g}", t.get_value_unit_display(),
            t.deadline.isoformat(), p.year, _number(p.value), p.numerator, p.denominator, p.status_text,
            _number(p.gap), p.units_with_data, p.units_total, t.get_provenance_display(), t.source, p.basis, p.note)


def province_for(request: ExportRequest) -> tuple[Unit, int]:
    """The province and year an export is asked for (default: the home province, this year), as the user may see
    it. Raises NothingFound (the API answers 404) for a province that is not there or not theirs."""
    year = request.year or default_year()
    code = request.unit or settings.HOME_PROVINCE
    as_of = period_end(year)
    found = (scope.provinces(request.user, as_of) if request.user is not None
             else list(Unit.objects.valid_on(as_of).at_level("tinh").select_related("unit_type__level")))
    province = next((u for u in found if u.code == code), None)
    if province is None:
        raise NothingFound(f"Không có tỉnh mã «{code}» trong phạm vi của bạn vào năm {year}. Tiến độ nông thôn mới "
                           "thông minh xuất theo mã tỉnh (ví dụ 19) và năm.")
    return province, year


def progress_table(province: Unit, year: int) -> Table:
    rows = [_row(p) for programme in progress(province, year) for p in programme.targets]
    if not rows:
        raise ExportError(f"Năm {year} không có chương trình chuyển đổi số nào áp dụng cho {province.name}: chọn năm "
                          "khác (các chương trình hiện có áp dụng tới năm 2025).")
    return Table(f"Tiến độ NTM thông minh {year}", PROGRESS_HEADER, rows)


def targets_export(request: ExportRequest) -> Table:
    return progress_table(*province_for(request))


def figures_export(request: ExportRequest) -> Table:
    """The figures entered within the unit asked for (its code: every version of it; default the home province), of
    the year asked for (default every year), those of the units the user may see."""
    code = request.unit or settings.HOME_PROVINCE
    paths = list(Unit.objects.filter(code=code).values_list("path", flat=True))
    if not paths:
        raise NothingFound(f"Không có đơn vị mã «{code}». Kiểm tra mã GSO (tỉnh 2 chữ số, huyện 3, xã 5).")
    qs = Figure.objects.filter(under(paths, "unit__path"))
    if request.year is not None:
        qs = qs.filter(year=request.year)
    if request.user is not None:
        qs = scope.visible(qs, request.user, path_field="unit__path")
    qs = qs.order_by("measure__position", "year", "unit__code").values_list(
        "measure__code", "unit__code", "year", "numerator", "denominator", "source", "note")
    return Table("Số liệu chuyển đổi số", EXPORT_COLUMNS, qs.iterator(chunk_size=2000))
