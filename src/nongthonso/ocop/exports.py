"""OCOP products in the national system's column layout, and the statistics workbook.

The national OCOP management and supervision system (ocopvietnam.gov.vn, Bộ NN&MT) publishes no data dictionary
that we could read. The columns below are those its product records are seen to hold (product code, name, group
and sub-group, stars, score total and by part A/B/C, recognition decision number and date, issuing level,
certificate expiry, status; the producer's name, type, address, commune, representative and contacts), in that
order, with Vietnamese headings of our own: **an assumption**, written in the workbook's «Ghi chú» sheet and in
docs/ocop.md, to check against the national system's import template when the coordination office provides it.

- One row per product certified on or before the date: its latest certificate decided by then, and the status of
  that certificate on the date (in force, expired, revoked).
- The score is the council's evaluation of the dossier that led to the certificate (its last complete round);
  blank for a certificate recorded without its dossier.
- The commune is the one in force on the date (a merged commune's successor, by lineage), and the commune it was
  registered with when they differ; the province is the one above the commune in force.

Cells go through ``core.spreadsheets``' formula-safe writers (``dataio.exports`` for the export kind; here for the
workbook): a producer named «=HYPERLINK(…)» stays text.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from nongthonso.core.registry import ExportRequest
from nongthonso.core.spreadsheets import xlsx_cells
from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import require_date
from nongthonso.dataio.exports import ExportError, NothingFound, Table
from nongthonso.units.models import Unit, UnitLevel
from nongthonso.units.services import UnitNotFound, successors_in_force

from . import scope
from .models import Certificate, Evaluation, Product
from .reports import (
    NATIONAL,
    OcopStatistics,
    find_root,
    scoped_products,
    statistics_of,
    statistics_text,
)
from .status import certificate_status

FILENAME = "san-pham-ocop-mau-quoc-gia"
CENTRAL = "trung_uong"
HEADER = (
    "Mã sản phẩm", "Tên sản phẩm", "Nhóm sản phẩm", "Phân nhóm (bộ sản phẩm)", "Hạng sao", "Tổng điểm",
    "Điểm phần A", "Điểm phần B", "Điểm phần C", "Số quyết định công nhận", "Ngày quyết định", "Cấp công nhận",
    "Cơ quan ban hành", "Hiệu lực đến", "Tình trạng", "Ngày thu hồi", "Tên chủ thể", "Loại hình chủ thể",
    "Địa chỉ chủ thể", "Xã, phường", "Xã, phường khi đăng ký", "Tỉnh, thành phố", "Người đại diện", "Điện thoại",
    "Thư điện tử", "Dữ liệu minh họa",
)
ASSUMPTIONS = (
    "Hệ thống quản lý và giám sát sản phẩm OCOP quốc gia (ocopvietnam.gov.vn) chưa công bố danh mục trường dữ liệu "
    "hay mẫu nhập. Các cột của bảng «Sản phẩm OCOP» là những trường thấy được trên hồ sơ sản phẩm của hệ thống đó "
    "(mã, tên, nhóm, phân nhóm, hạng sao, điểm tổng và phần A/B/C, số và ngày quyết định, cấp công nhận, hạn giấy "
    "chứng nhận, tình trạng; tên, loại hình, địa chỉ, xã, người đại diện, liên lạc của chủ thể), theo thứ tự đó, "
    "với tên cột do Nông thôn số đặt: cần đối chiếu với mẫu của Văn phòng Điều phối NTM Trung ương trước khi nộp.",
    "Mỗi sản phẩm một dòng: giấy chứng nhận mới nhất có quyết định đến ngày báo cáo; tình trạng là tình trạng của "
    "giấy đó vào ngày báo cáo (còn hiệu lực, hết hiệu lực, đã thu hồi).",
    "Điểm là kết quả chấm của hội đồng trong đợt đánh giá cuối cùng đủ điểm của hồ sơ dẫn tới giấy chứng nhận "
    "(trung bình điểm các thành viên); để trống khi giấy chứng nhận được ghi không kèm hồ sơ.",
    "Xã, phường là đơn vị còn hiệu lực vào ngày báo cáo (xã mới sau sắp xếp, theo lịch sử đơn vị); cột «khi đăng ký» "
    "ghi xã cũ khi khác.",
)


def _level_names() -> dict[str, str]:
    names = dict(UnitLevel.objects.values_list("code", "name"))  # «Cấp tỉnh», «Cấp huyện»
    names[CENTRAL] = "Trung ương"
    return names


def _scores(rating_ids: list[int]) -> dict[int, Evaluation]:
    """{rating id: its last complete evaluation} (one query)."""
    found: dict[int, Evaluation] = {}
    for evaluation in (Evaluation.objects.filter(rating_id__in=rating_ids, complete=True)
                       .order_by("rating_id", "round__date", "pk")):
        found[evaluation.rating_id] = evaluation
    return found


def _communes(units: list[Unit], day: dt.date) -> dict[int, Unit]:
    """{registered commune id: the commune in force on ``day`` it is, or became by lineage (itself when none)}."""
    ended = [unit for unit in units if not unit.is_valid_on(day)]
    after = successors_in_force(ended, day) if ended else {}
    return {unit.pk: (after.get(unit.pk) or [unit])[0] for unit in units}


def _provinces(communes: Sequence[Unit]) -> dict[int, str]:
    """{commune id: the name of the unit at the top of its tree (its province)}."""
    tops = {unit.pk: int(unit.path.strip("/").split("/")[0]) for unit in communes if unit.path}
    names = dict(Unit.objects.filter(pk__in=set(tops.values())).values_list("pk", "name"))
    return {pk: names.get(top, "") for pk, top in tops.items()}


def latest_certificates(products: QuerySet[Product], day: dt.date) -> list[Certificate]:
    """The latest certificate decided on or before ``day`` of each of ``products``, by product name."""
    chosen: dict[int, Certificate] = {}
    for certificate in (Certificate.objects.filter(product__in=products.values("pk"), decision_date__lte=day)
                        .select_related("product__subgroup__group", "product__producer", "product__unit",
                                        "issuing_unit")
                        .order_by("product_id", "decision_date", "pk")):
        chosen[certificate.product_id] = certificate  # the latest decision wins
    return sorted(chosen.values(), key=lambda c: (c.product.name, c.product.code))


def national_rows(products: QuerySet[Product], day: dt.date) -> Iterator[list[Any]]:
    """The rows of the national layout (:data:`HEADER`) for ``products`` on ``day``."""
    certificates = latest_certificates(products, day)
    registered = {c.product.unit.pk: c.product.unit for c in certificates}
    communes = _communes(list(registered.values()), day)
    provinces = _provinces(list(communes.values()))
    scores = _scores([c.rating_id for c in certificates if c.rating_id])
    levels = _level_names()
    for c in certificates:
        product, producer = c.product, c.product.producer
        evaluation = scores.get(c.rating_id) if c.rating_id else None
        parts = evaluation.parts if evaluation else {}
        commune = communes[product.unit.pk]
        yield [
            product.code, product.name, product.subgroup.group.name, product.subgroup.name, c.stars,
            float(evaluation.total) if evaluation and evaluation.total is not None else None,
            *(_points(parts.get(code)) for code in ("A", "B", "C")),
            c.decision_number, c.decision_date, levels.get(c.issuing_level, c.issuing_level),
            c.issuing_authority or (c.issuing_unit.name if c.issuing_unit else ""), c.valid_until,
            certificate_status(c, day).label,
            c.revoked_on if c.revoked_on and c.revoked_on <= day else None,
            producer.name, producer.get_kind_display(), producer.address, commune.name,
            product.unit.name if commune.code != product.unit.code else "", provinces.get(commune.pk, ""),
            producer.representative, producer.phone, producer.email,
            "Có" if product.synthetic or c.synthetic else "",
        ]


def _points(value: Any) -> float | None:
    return None if value is None else float(value)


def national_table(code: str, day: dt.date, user=None) -> Table:
    """The products of unit ``code`` (``NATIONAL``: all) that ``user`` may see (None: the command line, all), in
    the national layout. Raises NothingFound for an unknown unit."""
    try:
        root = find_root(code, day)
    except UnitNotFound as exc:
        raise NothingFound(str(exc)) from None
    return Table(title="Sản phẩm OCOP", header=list(HEADER), rows=national_rows(scoped_products(root, user), day))


def national_export(request: ExportRequest) -> Table:
    """``core.registry.ExportKind`` «ocop_national»: ``nongthonso export ocop_national --unit 19 --as-of DATE``,
    /xuat-du-lieu/ and ``/api/exports/ocop_national``. Default date: 31/12 of the year asked for, else today."""
    if request.as_of is not None:
        day = request.as_of
    elif request.year is not None:
        day = min(dt.date(request.year, 12, 31), timezone.localdate())
    else:
        day = timezone.localdate()
    return national_table(request.unit or (NATIONAL if request.user is None else settings.HOME_PROVINCE), day,
                          request.user)


def may_export(user) -> bool:
    return scope.may_view(user)


# --- the statistics workbook ----------------------------------------------------------------------------------------

def _sheet(book, title: str, header: Sequence[str], rows, widths: Sequence[int]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(xlsx_cells(sheet, header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(xlsx_cells(sheet, row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = "d/m/yyyy"
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"


def _stars_cells(by_stars: dict[str, int]) -> list[int]:
    return [by_stars.get(str(stars), 0) for stars in (5, 4, 3)]


def workbook(data: OcopStatistics, products: QuerySet[Product]) -> bytes:
    """The statistics of ``data`` and the products in the national layout, as an XLSX file: «Ghi chú» (what the
    file is, the assumptions), «Sản phẩm OCOP», «Thống kê», «Theo xã», «Sắp hết hạn», «Đã thu hồi»."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    book.properties.title = f"Sản phẩm OCOP — {data.unit_name} — {format_date(data.as_of)}"
    book.properties.creator = "Nông thôn số"
    book.properties.language = "vi-VN"
    notes = [["Nội dung", "Sản phẩm OCOP và thống kê"], ["Đơn vị", f"{data.unit_name} (mã {data.unit_code})"],
             ["Ngày báo cáo", data.as_of], ["Kỳ thu hồi", f"{format_date(data.period_start)} – "
                                                          f"{format_date(data.as_of)}"],
             ["Lập lúc", timezone.localtime().strftime("%d/%m/%Y %H:%M")]]
    notes += [[f"Giả định {i}", text] for i, text in enumerate(ASSUMPTIONS, 1)]
    if data.synthetic:
        notes.append(["Lưu ý", "Số liệu gồm dữ liệu minh họa (không phải số liệu thật)."])
    _sheet(book, "Ghi chú", ["Mục", "Nội dung"], notes, [18, 120])
    _sheet(book, "Sản phẩm OCOP", HEADER, national_rows(products, data.as_of),
           [14, 32, 20, 24, 8, 9, 9, 9, 9, 18, 12, 14, 28, 12, 14, 12, 32, 16, 30, 22, 22, 20, 22, 14, 24, 10])
    stats = [["Tổng số sản phẩm còn hiệu lực", data.products_total, *_stars_cells(data.products_by_stars)]]
    stats += [[f"Nhóm {row.code}. {row.name}", row.total, *_stars_cells(row.by_stars)]
              for row in data.products_by_group]
    stats += [[f"Chủ thể: {row.label}", row.producers, None, None, None] for row in data.producers_by_kind]
    stats += [[f"Hồ sơ: {row.label}", row.ratings, None, None, None] for row in data.ratings_in_progress]
    stats += [["Sắp hết hạn (90 ngày)", data.expiring_90_days.count, None, None, None],
              ["Đã thu hồi trong kỳ", data.revoked_in_period.count, *_stars_cells(data.revoked_in_period.by_stars)]]
    _sheet(book, "Thống kê", ["Chỉ tiêu", "Số lượng", "5 sao", "4 sao", "3 sao"], stats, [50, 10, 8, 8, 8])
    _sheet(book, "Theo xã", ["Mã xã", "Xã, phường", "Số sản phẩm", "5 sao", "4 sao", "3 sao", "Gồm xã cũ"],
           [[row.code, row.name, row.total, *_stars_cells(row.by_stars), "; ".join(row.former)]
            for row in data.products_by_commune], [10, 30, 12, 8, 8, 8, 40])
    line_header = ["Mã sản phẩm", "Tên sản phẩm", "Chủ thể", "Xã, phường", "Hạng sao", "Số quyết định",
                   "Ngày quyết định", "Hiệu lực đến"]
    _sheet(book, "Sắp hết hạn", line_header,
           [[i.product_code, i.product_name, i.producer_name, i.commune, i.stars, i.decision_number, i.decision_date,
             i.valid_until] for i in data.expiring_90_days.items], [14, 32, 32, 22, 8, 18, 12, 12])
    _sheet(book, "Đã thu hồi", [*line_header, "Ngày thu hồi", "Quyết định thu hồi", "Lý do"],
           [[i.product_code, i.product_name, i.producer_name, i.commune, i.stars, i.decision_number, i.decision_date,
             i.valid_until, i.revoked_on, i.revocation_decision, i.revocation_reason]
            for i in data.revoked_in_period.items], [14, 32, 32, 22, 8, 18, 12, 12, 12, 18, 40])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statistics_workbook(root: Unit, day: dt.date, period_start: dt.date | None = None, user=None) -> bytes:
    return workbook(statistics_of(root, day, period_start, user), scoped_products(root, user))


def workbook_filename(data: OcopStatistics) -> str:
    return f"thong-ke-ocop-{data.unit_code}-{data.as_of.isoformat()}.xlsx"


# --- the command line -----------------------------------------------------------------------------------------------

COMMAND_FORMATS = ("text", "json", "xlsx")


def command_report(fmt: str, *, unit: str | None, as_of: str | None) -> str | bytes:
    """``nongthonso report ocop --unit CODE --as-of DATE --format text|json|xlsx`` (``core.registry.ReportKind``):
    the command line sees every unit. Raises LookupError or ValueError (Vietnamese) for an unknown unit or date."""
    day = require_date(as_of) if as_of else timezone.localdate()
    root = find_root(unit or settings.HOME_PROVINCE, day)
    data = statistics_of(root, day)
    if fmt == "json":
        return json.dumps(data.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "text":
        return statistics_text(data)
    return workbook(data, scoped_products(root))


__all__ = ["ASSUMPTIONS", "COMMAND_FORMATS", "HEADER", "ExportError", "command_report", "national_export",
           "national_table", "statistics_workbook", "workbook", "workbook_filename"]
