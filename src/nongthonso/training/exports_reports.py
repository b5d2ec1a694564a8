"""The training reports as files, like the provincial summary's: XLSX (numbers stay numbers, every cell written
through ``core.spreadsheets``' formula-safe writer) and DOCX laid out as an administrative document (Decree
30/2020/NĐ-CP, ``reports.documents.docx.administrative_docx``), always in Vietnamese. Nothing here computes a figure:
the builders lay out what ``training.reports`` counted."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from django.utils import timezone, translation

from nongthonso.core.spreadsheets import xlsx_cells
from nongthonso.core.text import format_date, format_number, format_percent
from nongthonso.core.vocabulary import bare_name
from nongthonso.reports.documents import CONTENT_TYPES
from nongthonso.reports.documents.docx import Table, administrative_docx
from nongthonso.reports.documents.layout import DEFAULT_BODY, DocumentOptions

from .models import Course
from .reports import CourseReport, Coverage, CoverageRow, course_report

FORMATS = ("xlsx", "docx")
INT, DEC, DATE = "#,##0", "0.0", "d/m/yyyy"
COMMAND_FORMATS = ("text", "json", *FORMATS)
__all__ = ["COMMAND_FORMATS", "CONTENT_TYPES", "FORMATS", "command_report", "course_document", "course_filename",
           "coverage_document", "coverage_filename"]


def course_filename(report: CourseReport, fmt: str) -> str:
    return f"bao-cao-tap-huan-{report.code}.{fmt}"


def coverage_filename(data: Coverage, fmt: str) -> str:
    return f"do-bao-phu-tap-huan-{data.unit_code}-{data.year}.{fmt}"


def command_report(fmt: str, *, course: str | None) -> str | bytes:
    """``nongthonso report training --course CODE --format text|json|xlsx|docx`` (``core.registry.ReportKind``): the
    command line reads every course. Raises LookupError (Vietnamese) for an unknown course."""
    found = Course.objects.select_related("organiser").filter(code=course).first()
    if found is None:
        raise LookupError(f"Không có khoá tập huấn mã «{course}». Kiểm tra mã khoá (trang Tập huấn, hoặc trong "
                          "đường dẫn /tap-huan/<mã>/).")
    report = course_report(found)
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "text":
        return course_text(report)
    return course_document(report, fmt)


def course_text(r: CourseReport) -> str:
    """The report as plain text for the terminal."""
    kinds = "; ".join(f"{k.label.lower()} {format_number(k.sessions)} buổi, {format_number(k.days)} ngày"
                      for k in r.sessions_by_kind)
    lines = [f"{r.title} (mã {r.code}){' — dữ liệu minh họa' if r.synthetic else ''}",
             f"{r.organiser_name}; {format_date(r.starts_on)} – {format_date(r.ends_on)}; {r.mode_label.lower()}"
             + (f"; {r.plan}" if r.plan else ""),
             f"{r.sentence}.",
             f"Đăng ký {format_number(r.registered)}; trực tiếp {format_number(r.in_person)}; trực tuyến "
             f"{format_number(r.online)}; điểm cầu có tham dự {format_number(r.bridge_points)}/"
             f"{format_number(r.bridge_points_registered)}; {format_number(r.days)} ngày ({kinds or 'chưa có buổi'}).",
             "Theo nhóm đối tượng (đăng ký / trực tiếp / trực tuyến):"]
    lines += [f"  - {g.name}: {format_number(g.registered)} / {format_number(g.in_person)} / {format_number(g.online)}"
              for g in r.participants_by_group]
    lines.append("Các buổi (trực tiếp / trực tuyến / điểm cầu):")
    lines += [f"  - {', '.join(format_date(d) for d in s.days)} {s.kind_label.lower()}: {format_number(s.in_person)} "
              f"/ {format_number(s.online)} / {format_number(s.bridge_points)}" for s in r.sessions]
    return "\n".join(lines)


def course_document(report: CourseReport, fmt: str) -> bytes:
    with translation.override("vi"):
        return _course_xlsx(report) if fmt == "xlsx" else _course_docx(report)


def coverage_document(data: Coverage, fmt: str) -> bytes:
    with translation.override("vi"):
        return _coverage_xlsx(data) if fmt == "xlsx" else _coverage_docx(data)


# --- shared -------------------------------------------------------------------------------------------------------

def _num(value: int | None) -> str:
    return "—" if value is None else format_number(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value)


def _met(value: bool | None) -> str:
    return {True: "Đạt", False: "Chưa đạt"}.get(value, "—")


def _options(unit_name: str, province_name: str, date: dt.date, recipients: list[str]) -> DocumentOptions:
    """The document's parts: issued by the coordination office of ``unit_name`` (its People's Committee above it)."""
    return DocumentOptions(date=date, place=bare_name(province_name), parent_body=f"UBND {unit_name.upper()}",
                           body=DEFAULT_BODY, recipients=recipients)


def _workbook(title: str):
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.title = title
    wb.properties.creator = "Nông thôn số"
    wb.properties.language = "vi-VN"
    wb.remove(wb.active)
    return wb


def _sheet(wb, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], formats: Sequence[str | None],
           widths: Sequence[int]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append(xlsx_cells(ws, header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(xlsx_cells(ws, row))
        for col, number_format in enumerate(formats, 1):
            if number_format and ws.cell(ws.max_row, col).value is not None:
                ws.cell(ws.max_row, col).number_format = number_format
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- a course -----------------------------------------------------------------------------------------------------

def _course_items(r: CourseReport) -> list[tuple[str, Any, str, str | None]]:
    items: list[tuple[str, Any, str, str | None]] = [
        ("Khoá tập huấn", r.title, "", None),
        ("Mã khoá", r.code, "", None),
        ("Căn cứ, kế hoạch", r.plan, "", None),
        ("Cơ quan tổ chức", r.organiser_name, "", None),
        ("Từ ngày", r.starts_on, "", DATE),
        ("Đến ngày", r.ends_on, "", DATE),
        ("Hình thức", r.mode_label, "", None),
        ("Số học viên đăng ký", r.registered, "người", INT),
        ("Dự trực tiếp", r.in_person, "người", INT),
        ("Dự trực tuyến", r.online, "người", INT),
        ("Điểm cầu trực tuyến có tham dự", r.bridge_points, "điểm cầu", INT),
        ("Điểm cầu trực tuyến đã thiết lập", r.bridge_points_registered, "điểm cầu", INT),
        ("Số ngày học", r.days, "ngày", INT),
    ]
    for kind in r.sessions_by_kind:
        items += [(f"{kind.label}: số buổi", kind.sessions, "buổi", INT), (f"{kind.label}: số ngày", kind.days, "ngày",
                                                                            INT)]
    if r.synthetic:
        items.append(("Ghi chú", "Dữ liệu minh họa (không phải số liệu thật)", "", None))
    return items


def _course_xlsx(r: CourseReport) -> bytes:
    wb = _workbook(f"Báo cáo tập huấn — {r.title}")
    _sheet(wb, "Tổng hợp", ["Chỉ tiêu", "Giá trị", "Đơn vị tính"],
           [[label, value, unit] for label, value, unit, _ in _course_items(r)] + [["Tóm tắt", r.sentence, ""]],
           [None, None, None], [40, 70, 12])
    ws = wb["Tổng hợp"]
    for row, (_, _, _, number_format) in enumerate(_course_items(r), 2):
        if number_format:
            ws.cell(row, 2).number_format = number_format
    _sheet(wb, "Buổi học", ["TT", "Buổi học", "Loại buổi", "Bắt đầu", "Kết thúc", "Địa điểm", "Nơi tham quan",
                            "Dự trực tiếp", "Dự trực tuyến", "Điểm cầu tham dự"],
           [[i, s.title, s.kind_label, s.starts_at.replace(tzinfo=None), s.ends_at.replace(tzinfo=None), s.venue,
             "; ".join(s.visited_sites), s.in_person, s.online, s.bridge_points] for i, s in enumerate(r.sessions, 1)],
           [INT, None, None, "d/m/yyyy h:mm", "d/m/yyyy h:mm", None, None, INT, INT, INT],
           [5, 60, 22, 16, 16, 30, 40, 12, 12, 12])
    _sheet(wb, "Theo nhóm đối tượng", ["Nhóm đối tượng", "Đăng ký", "Dự trực tiếp", "Dự trực tuyến"],
           [[g.name, g.registered, g.in_person, g.online] for g in r.participants_by_group],
           [None, INT, INT, INT], [55, 12, 12, 12])
    _sheet(wb, "Theo đơn vị", ["Mã", "Đơn vị", "Đăng ký", "Dự trực tiếp", "Dự trực tuyến"],
           [[u.code or None, u.name, u.registered, u.in_person, u.online] for u in r.participants_by_unit],
           [None, None, INT, INT, INT], [8, 40, 12, 12, 12])
    _sheet(wb, "Theo điểm cầu", ["Điểm cầu", "Điểm cầu chính", "Mã đơn vị", "Đơn vị đăng cai", "Cấp", "Địa chỉ",
                                 "Người chủ trì", "Sức chứa", "Đăng ký", "Tham dự", "Số buổi đã kết nối"],
           [[p.name, "Có" if p.is_main else "", p.host_unit_code, p.host_unit_name, p.level, p.address, p.host_name,
             p.capacity, p.registered, p.attended, p.connected] for p in r.by_bridge_point],
           [None, None, None, None, None, None, None, INT, INT, INT, INT], [45, 10, 8, 30, 12, 35, 30, 10, 10, 10, 12])
    return _save(wb)


def _course_docx(r: CourseReport) -> bytes:
    title = ("BÁO CÁO", f"Kết quả lớp {r.title[:1].lower()}{r.title[1:]}\n"
                        f"(từ ngày {format_date(r.starts_on)} đến ngày {format_date(r.ends_on)})")
    kinds = "; ".join(f"{k.label.lower()} {format_number(k.days)} ngày ({format_number(k.sessions)} buổi)"
                      for k in r.sessions_by_kind)
    general = (f"Thực hiện {r.plan or 'kế hoạch tập huấn'}, {r.organiser_name} tổ chức lớp tập huấn theo hình thức "
               f"{r.mode_label.lower()} từ ngày {format_date(r.starts_on)} đến ngày {format_date(r.ends_on)}"
               + (f" ({kinds})" if kinds else "") + f". Thành phần tham dự gồm {r.sentence}.")
    sections: list[tuple[str, str | Table]] = [
        ("heading", "1. Kết quả chung"), ("text", general),
        ("text", f"Tổng số học viên đăng ký: {format_number(r.registered)} người; có "
                 f"{format_number(r.bridge_points_registered)} điểm cầu trực tuyến được thiết lập, "
                 f"{format_number(r.bridge_points)} điểm cầu có học viên tham dự hoặc kết nối."),
        ("heading", "2. Các buổi học"),
        ("table", Table(("TT", "Buổi học", "Ngày", "Trực tiếp", "Trực tuyến", "Điểm cầu"),
                        [(str(i), f"{s.title} ({s.kind_label.lower()})", ", ".join(format_date(d) for d in s.days),
                          _num(s.in_person), _num(s.online), _num(s.bridge_points))
                         for i, s in enumerate(r.sessions, 1)], [10, 75, 25, 19, 19, 17])),
        ("heading", "3. Học viên theo nhóm đối tượng"),
        ("table", Table(("TT", "Nhóm đối tượng", "Đăng ký", "Trực tiếp", "Trực tuyến"),
                        [(str(i), g.name, _num(g.registered), _num(g.in_person), _num(g.online))
                         for i, g in enumerate(r.participants_by_group, 1)], [10, 80, 25, 25, 25])),
        ("heading", "4. Học viên theo đơn vị"),
        ("table", Table(("TT", "Đơn vị", "Đăng ký", "Trực tiếp", "Trực tuyến"),
                        [(str(i), u.name, _num(u.registered), _num(u.in_person), _num(u.online))
                         for i, u in enumerate(r.participants_by_unit, 1)], [10, 80, 25, 25, 25])),
        ("heading", "5. Điểm cầu"),
        ("table", Table(("TT", "Điểm cầu", "Sức chứa", "Đăng ký", "Tham dự", "Buổi kết nối"),
                        [(str(i), p.name, _num(p.capacity), _num(p.registered), _num(p.attended), _num(p.connected))
                         for i, p in enumerate(r.by_bridge_point, 1)], [10, 75, 20, 20, 20, 20])),
        ("note", "Số liệu được tính từ dữ liệu gốc của hệ thống Nông thôn số (danh sách học viên, điểm danh từng "
                 "buổi, báo cáo kết nối của các điểm cầu). «Gần», «hơn»: số làm tròn tới số tròn gần nhất khi chênh "
                 "không quá 5% (gần) hoặc 10% (hơn); các bảng ghi số chính xác."
                 + (" Khoá học này là dữ liệu minh họa." if r.synthetic else "")),
        ("text", f"Trên đây là báo cáo kết quả lớp {r.title[:1].lower()}{r.title[1:]}./."),
    ]
    recipients = ["Ban Chỉ đạo các CTMTQG tỉnh (b/c);", "Văn phòng Điều phối NTM Trung ương (b/c);",
                  "Các đơn vị có điểm cầu;", "Lưu: VT, VPĐP."]
    # the organiser's province names the place (a district organiser: the province above it)
    return administrative_docx(_options(r.organiser_unit_name, r.organiser_province, timezone.localdate(),
                                        recipients), title, sections)


# --- coverage -----------------------------------------------------------------------------------------------------

def _target_text(row: CoverageRow) -> str:
    return f"{format_number(row.target.share)}%" if row.target else "—"


def _coverage_xlsx(c: Coverage) -> bytes:
    wb = _workbook(f"Độ bao phủ tập huấn — {c.unit_name} — {c.year}")
    header = ["Mã đơn vị", "Đơn vị", "Nhóm đối tượng", "Số cán bộ", "Đã tập huấn", "Tỷ lệ (%)", "Chỉ tiêu (%)",
              "Chỉ tiêu theo nhóm", "Kết quả"]
    rows = [[r.unit_code, r.unit_name, r.group_label, r.headcount, r.trained, r.share,
             r.target.share if r.target else None, r.target.group_label if r.target else None, _met(r.met)]
            for r in [*c.rows, *c.totals]]
    _sheet(wb, "Theo đơn vị", header, rows, [None, None, None, INT, INT, DEC, DEC, None, None],
           [10, 32, 45, 11, 11, 10, 10, 40, 10])
    _sheet(wb, "Theo chỉ tiêu", ["Chỉ tiêu", "Tỷ lệ mục tiêu (%)", "Thời kỳ", "Các nhóm đối tượng", "Số cán bộ",
                                 "Đã tập huấn", "Tỷ lệ (%)", "Kết quả", "Căn cứ", "Nguồn"],
           [[k.target.group_label, k.target.share, f"{format_date(k.target.period_start)} – "
             f"{format_date(k.target.period_end)}", "; ".join(k.groups), k.headcount, k.trained, k.share, _met(k.met),
             k.target.source, k.target.provenance] for k in c.categories],
           [None, DEC, None, None, INT, INT, DEC, None, None, None], [40, 12, 22, 60, 11, 11, 10, 10, 60, 12])
    if c.unassigned:
        _sheet(wb, "Chưa có số cán bộ", ["Nhóm đối tượng", "Số người đã tập huấn thuộc đơn vị chưa có số cán bộ"],
               [[label, n] for label, n in c.unassigned.items()], [None, INT], [50, 30])
    return _save(wb)


def _coverage_docx(c: Coverage) -> bytes:
    title = ("BÁO CÁO", f"Kết quả tập huấn cán bộ xây dựng nông thôn mới\ntrên địa bàn {c.unit_name[:1].lower()}"
                        f"{c.unit_name[1:]} năm {c.year}")
    sections: list[tuple[str, str | Table]] = [
        ("heading", "1. So với chỉ tiêu"),
        ("table", Table(("TT", "Chỉ tiêu (các nhóm đối tượng)", "Số cán bộ", "Đã tập huấn", "Tỷ lệ", "Kết quả"),
                        [(str(i), f"{k.target.text}: {'; '.join(k.groups)}", _num(k.headcount), _num(k.trained),
                          _pct(k.share), _met(k.met)) for i, k in enumerate(c.categories, 1)],
                        [10, 85, 20, 20, 15, 15])),
        ("heading", "2. Theo nhóm đối tượng"),
        ("table", Table(("TT", "Nhóm đối tượng", "Số cán bộ", "Đã tập huấn", "Tỷ lệ", "Chỉ tiêu"),
                        [(str(i), r.group_label, _num(r.headcount), _num(r.trained), _pct(r.share), _target_text(r))
                         for i, r in enumerate(c.totals, 1)], [10, 85, 20, 20, 15, 15])),
        ("heading", "3. Theo đơn vị"),
        ("table", Table(("TT", "Đơn vị", "Nhóm đối tượng", "Số cán bộ", "Đã tập huấn", "Tỷ lệ", "Chỉ tiêu"),
                        [(str(i), r.unit_name, r.group_label, _num(r.headcount), _num(r.trained), _pct(r.share),
                          _target_text(r)) for i, r in enumerate(c.rows, 1)],
                        [10, 35, 45, 18, 18, 20, 19], text_columns=frozenset({1, 2}))),
    ]
    note = ("Số liệu được tính từ dữ liệu gốc của hệ thống Nông thôn số: người đã tập huấn là người có ít nhất một "
            "lượt điểm danh trong thời kỳ của chỉ tiêu tính đến hết năm báo cáo, mỗi người chỉ tính một lần (nhận biết "
            "qua thư điện tử, số điện thoại, hoặc họ tên và đơn vị); số cán bộ theo số liệu đơn vị đã nhập.")
    if c.unassigned:
        note += " Có người đã tập huấn thuộc đơn vị chưa nhập số cán bộ: " + "; ".join(
            f"{label} ({format_number(n)} người)" for label, n in c.unassigned.items()) + "."
    sections += [("note", note), ("text", f"Trên đây là báo cáo kết quả tập huấn cán bộ xây dựng nông thôn mới năm "
                                          f"{c.year}./.")]
    recipients = ["Ban Chỉ đạo các CTMTQG tỉnh (b/c);", "Văn phòng Điều phối NTM Trung ương (b/c);", "Lưu: VT, VPĐP."]
    return administrative_docx(_options(c.unit_name, c.province_name, timezone.localdate(), recipients), title,
                               sections)
