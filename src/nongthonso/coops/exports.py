"""The yearly update of the co-operatives for the national co-operative information system
(``registry.ExportKind("coops", …)``: ``nongthonso export coops --format xlsx [--unit CODE] [--year YYYY]``,
/xuat-du-lieu/, ``/api/exports/coops``).

Circular 09/2024/TT-BKHĐT (in force from 1/7/2024) asks every co-operative group, co-operative and union to update its
information once a year, by 15 December, on forms VII-1 (tổ hợp tác), VII-2 (hợp tác xã) and VII-3 (liên hiệp hợp tác
xã) of its Appendix VII; the update covers 15 December of the previous year to 14 December. The workbook has one sheet
per form and a «Ghi chú» sheet. The forms' exact fields were not available when this was written: the columns are
the ones the registry keeps that such an update asks for (identity, members, capital, results) and are **assumed**
— the «Ghi chú» sheet and docs/coops.md say so; check them against the forms before sending.

Every figure is counted from the stored rows: members on 14 December from the members' dates, members' capital from
the capital movements up to that day, joins and departures of the period; revenue, profit, distribution and
employees are the co-operative's yearly figures as entered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from nongthonso.core.dates import default_as_of
from nongthonso.core.registry import ExportRequest
from nongthonso.core.text import format_date
from nongthonso.dataio.exports import NothingFound, Table
from nongthonso.units.models import Unit

from . import scope, services
from .models import Contribution, Cooperative, LegalForm, Officer, YearFigures

CODE = "coops"
FILENAME = "cap-nhat-hop-tac-xa"
FORMS = ((LegalForm.GROUP, "VII-1", "Tổ hợp tác"), (LegalForm.COOPERATIVE, "VII-2", "Hợp tác xã"),
         (LegalForm.UNION, "VII-3", "Liên hiệp hợp tác xã"))
HEADER = ("STT", "Mã số", "Tên", "Mã số thuế", "Xã, phường", "Mã xã", "Trụ sở", "Điện thoại", "Thư điện tử",
          "Lĩnh vực", "Mô hình hoạt động", "Ngày thành lập", "Ngày giải thể, chấm dứt", "Vốn điều lệ (đồng)",
          "Số thành viên (ngày 14/12)", "Thành viên mới trong kỳ", "Thành viên ra khỏi trong kỳ",
          "Vốn góp của thành viên (đồng, ngày 14/12)", "Doanh thu (đồng)", "Lợi nhuận (đồng)",
          "Lãi chia cho thành viên (đồng)", "Lao động thường xuyên", "Cán bộ quản lý đương nhiệm",
          "Dữ liệu minh họa")
ASSUMED = ("Các cột của biểu do hệ thống giả định theo những gì danh sách hợp tác xã lưu trữ (định danh, thành viên, "
           "vốn góp, kết quả hoạt động); chưa đối chiếu với mẫu biểu VII-1, VII-2, VII-3 của Phụ lục VII Thông tư "
           "09/2024/TT-BKHĐT. Đối chiếu với mẫu biểu chính thức trước khi gửi.")
MONEY = DecimalField(max_digits=18, decimal_places=0)


def period(year: int) -> tuple[dt.date, dt.date]:
    """The period of ``year``'s update: 15 December of the year before to 14 December."""
    return dt.date(year - 1, 12, 15), dt.date(year, 12, 14)


def may_export(user) -> bool:
    return scope.may_view(user)


def _coops(request: ExportRequest, start: dt.date, end: dt.date) -> QuerySet[Cooperative]:
    rows = Cooperative.objects.all() if request.user is None else scope.cooperatives(request.user)
    if request.unit:
        if not Unit.objects.filter(code=request.unit).exists():
            raise NothingFound(f"Không có đơn vị mã «{request.unit}». Kiểm tra mã GSO.")
        rows = services.within_unit(rows, request.unit)
    rows = rows.filter(Q(established_on__isnull=True) | Q(established_on__lte=end),
                       Q(ceased_on__isnull=True) | Q(ceased_on__gte=start))
    on_end = Q(members__joined_on__lte=end) & (Q(members__left_on__isnull=True) | Q(members__left_on__gt=end))
    capital = (Contribution.objects.filter(member__cooperative=OuterRef("pk"), date__lte=end).order_by()
               .values("member__cooperative").annotate(s=Sum("amount")).values("s"))
    return rows.select_related("unit").annotate(
        n_members=Count("members", filter=on_end, distinct=True),
        n_joined=Count("members", filter=Q(members__joined_on__range=(start, end)), distinct=True),
        n_left=Count("members", filter=Q(members__left_on__range=(start, end)), distinct=True),
        capital_on_end=Coalesce(Subquery(capital), Value(0, output_field=MONEY)),
    ).order_by("unit__code", "name", "pk")


def _whole(amount) -> int | None:
    return None if amount is None else int(amount)


def _rows(coops: list[Cooperative], year: int, end: dt.date) -> Iterator[tuple]:
    figures = {f.cooperative_id: f for f in YearFigures.objects.filter(cooperative__in=coops, year=year)}
    officers: dict[int, list[str]] = {}
    for o in Officer.objects.filter(cooperative__in=coops).filter(
            Q(start_on__isnull=True) | Q(start_on__lte=end), Q(end_on__isnull=True) | Q(end_on__gte=end)):
        officers.setdefault(o.cooperative_id, []).append(f"{o.full_name} ({o.position})")
    for n, c in enumerate(coops, 1):
        f = figures.get(c.pk)
        yield (n, c.registration_code, c.name, c.tax_code, c.unit.name, c.unit.code, c.address, c.phone, c.email,
               c.get_sector_display(), c.model, c.established_on, c.ceased_on, _whole(c.charter_capital),
               c.n_members, c.n_joined, c.n_left, _whole(c.capital_on_end),
               _whole(f.revenue) if f else None, _whole(f.profit) if f else None,
               _whole(f.distributed) if f else None, f.employees if f else None,
               "; ".join(officers.get(c.pk, [])), "có" if c.synthetic else "")


def yearly_update(request: ExportRequest) -> Table:
    """The workbook of ``request.year``'s update (default: this year): forms VII-1, VII-2, VII-3 and «Ghi chú»."""
    year = request.year or default_as_of().year
    start, end = period(year)
    coops = list(_coops(request, start, end))
    sheets = [Table(f"{code} {label}", HEADER, list(_rows([c for c in coops if c.legal_form == form], year, end)))
              for form, code, label in FORMS]
    counts = {code: sum(1 for c in coops if c.legal_form == form) for form, code, _label in FORMS}
    notes = [
        ("Nội dung", f"Cập nhật thông tin hằng năm của tổ hợp tác, hợp tác xã, liên hiệp hợp tác xã năm {year} "
                     "(Thông tư 09/2024/TT-BKHĐT, hạn 15/12)."),
        ("Kỳ cập nhật", f"Từ {format_date(start)} đến {format_date(end)}."),
        ("Phạm vi", f"Đơn vị {request.unit}." if request.unit else "Các hợp tác xã trong phạm vi của người xuất."),
        ("Số đơn vị", ", ".join(f"biểu {code}: {n}" for code, n in counts.items()) + "."),
        ("Cách tính", "Số thành viên, thành viên mới, ra khỏi đếm từ danh sách thành viên (ngày gia nhập, ngày ra "
                      "khỏi); vốn góp là tổng các lần góp, trả vốn đến 14/12; doanh thu, lợi nhuận, lãi chia, lao "
                      "động lấy từ số liệu năm hợp tác xã đã nhập (để trống khi chưa nhập)."),
        ("Cột giả định", ASSUMED),
        ("Dữ liệu minh họa", "Dòng có «có» ở cột «Dữ liệu minh họa» là dữ liệu minh họa, không phải số liệu thật."),
    ]
    first, *more = sheets
    return Table(first.title, first.header, first.rows, more=[*more, Table("Ghi chú", ("Mục", "Nội dung"), notes)])
