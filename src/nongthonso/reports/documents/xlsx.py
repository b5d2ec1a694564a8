"""The report as an XLSX workbook (openpyxl): the summary, the table by group and the criterion shares; numbers
stay numbers with Excel number formats."""

from __future__ import annotations

import io

from nongthonso.core.text import format_date
from nongthonso.criteria.choices import Level
from nongthonso.units import groupings

from ..services import Summary
from .figures import ReportFigures
from .layout import vi_text

SHEET_TITLES = {groupings.FORMER_DISTRICT: "Theo huyện cũ", groupings.COMMUNE_GROUP: "Theo nhóm xã"}
INT_FORMAT = "#,##0"
DEC_FORMAT = "0.0"
DATE_FORMAT = "d/m/yyyy"


def summary_items(figures: ReportFigures) -> list[tuple[str, object, str, str | None]]:
    """The "Tổng hợp" sheet: (label, value, unit of measure, Excel number format)."""
    d = figures.data
    items: list[tuple[str, object, str, str | None]] = [
        ("Đơn vị", f"{d.unit.name} (mã {d.unit.code})", "", None),
        ("Số liệu đến ngày", figures.as_of, "", DATE_FORMAT),
        ("Kỳ báo cáo từ ngày", d.period_start, "", DATE_FORMAT),
        ("Tổng số xã", d.communes_total, "xã", INT_FORMAT),
        ("Xã đạt chuẩn nông thôn mới", d.ntm, "xã", INT_FORMAT),
        ("Tỷ lệ xã đạt chuẩn nông thôn mới", d.ntm_pct, "%", DEC_FORMAT),
        ("Xã đạt chuẩn nông thôn mới nâng cao", d.advanced, "xã", INT_FORMAT),
        ("Xã đạt chuẩn nông thôn mới kiểu mẫu", d.model, "xã", INT_FORMAT),
        ("Xóm nông thôn mới kiểu mẫu", d.model_hamlets, "xóm", INT_FORMAT),
        ("Số xã có bản đánh giá", d.communes_assessed, "xã", INT_FORMAT),
        ("Bình quân tiêu chí đạt/xã", d.avg_criteria, "tiêu chí", DEC_FORMAT),
        ("Số tiêu chí đạt thấp nhất", d.min_criteria, "tiêu chí", INT_FORMAT),
        ("Số xã dưới 10 tiêu chí", d.communes_below_10, "xã", INT_FORMAT),
    ]
    if figures.two_tier:
        items = [item for item in items if item[0] != "Số xã dưới 10 tiêu chí"] + _two_tier_items(d)
    for level, dec in d.decisions_in_period.items():
        items.append((f"Công nhận trong kỳ: {Level(level).label}", dec.communes, "xã", INT_FORMAT))
    items.append(("Thu hồi trong kỳ", d.revocations_in_period, "xã", INT_FORMAT))
    for level, n in d.registrations.items():
        items.append((f"Đăng ký năm {d.registrations_year}: {Level(level).label}", n, "xã", INT_FORMAT))
    if figures.two_tier:
        return items + _completion_items(d)
    done = d.completed_districts
    items.append(("Đơn vị cấp huyện hoàn thành nhiệm vụ xây dựng NTM", len(done), "đơn vị", INT_FORMAT))
    if done:
        items.append(("Gồm", ", ".join(done), "", None))
    return items


def _two_tier_items(d: dict) -> list[tuple[str, object, str, str | None]]:
    items: list[tuple[str, object, str, str | None]] = [
        ("Xã tạm giữ mức đạt chuẩn (hình thành sau sắp xếp, chờ quyết định công nhận)", d.provisional, "xã",
         INT_FORMAT),
        ("Xã nông thôn mới hiện đại", d.modern, "xã", INT_FORMAT),
    ]
    for entry in d.criteria_sets:
        items += [(f"Bộ tiêu chí: {entry.name}", entry.legal_basis, "", None),
                  ("Số tiêu chí của bộ", entry.criteria, "tiêu chí", INT_FORMAT),
                  ("Số xã đánh giá theo bộ", entry.communes, "xã", INT_FORMAT),
                  ("Bình quân tiêu chí đạt/xã theo bộ", entry.avg_criteria, "tiêu chí", DEC_FORMAT),
                  ("Số xã đạt đủ tiêu chí của bộ", entry.all_met, "xã", INT_FORMAT)]
    return items


def _completion_items(d: Summary) -> list[tuple[str, object, str, str | None]]:
    completion = d.province_completion
    if not completion:
        return []
    decision = completion.decision
    status = "Đã công nhận" if completion.completed else "Chưa công nhận"
    if decision:
        status += f" (Quyết định số {decision.number} ngày {format_date(decision.date)})"
    items: list[tuple[str, object, str, str | None]] = [
        (f"Tỉnh hoàn thành nhiệm vụ xây dựng NTM ({completion.legal_basis})", status, "", None)]
    for t in completion.targets:
        label = f"Mục tiêu đến năm {t.by_year} ({t.legal_basis}): {t.text}"
        items += [(label, t.target_pct, "%", DEC_FORMAT),
                  (f"Hiện đạt: {t.text}", t.actual_pct, "%", DEC_FORMAT)]
    return items


def build_xlsx(figures: ReportFigures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    wb = Workbook()
    wb.properties.title = f"Báo cáo tổng hợp — {figures.unit_name} — {format_date(figures.as_of)}"
    wb.properties.creator = "Nông thôn số"
    wb.properties.language = "vi-VN"

    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append(["Chỉ tiêu", "Giá trị", "Đơn vị tính"])
    for label, value, unit, number_format in summary_items(figures):
        ws.append([label, value, unit])
        if number_format and value is not None:
            ws.cell(ws.max_row, 2).number_format = number_format
    ws.append([])
    ws.append(["Tóm tắt", figures.text])
    ws.cell(ws.max_row, 1).font = bold
    ws.cell(ws.max_row, 2).alignment = wrap
    ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=3)
    ws.row_dimensions[ws.max_row].height = 15 * (len(figures.text) // 70 + 1)
    _sheet_layout(ws, {"A": 58, "B": 62, "C": 12}, bold)

    d = figures.data
    if figures.grouped_by_unit_in_force:
        ws = wb.create_sheet("Theo huyện")
        ws.append(["Mã", "Đơn vị", "Số xã", "Đạt chuẩn NTM", "Tỷ lệ đạt chuẩn NTM (%)", "NTM nâng cao",
                   "NTM kiểu mẫu", "Số xã có đánh giá", "Bình quân tiêu chí/xã"])
        formats = (None, None, INT_FORMAT, INT_FORMAT, DEC_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT, DEC_FORMAT)
        rows = [[r.code, r.name, r.communes, r.ntm, r.ntm_pct, r.advanced, r.model, r.assessed, r.avg_criteria]
                for r in figures.districts]
        rows.append([None, "Tổng cộng", d.communes_total, d.ntm, d.ntm_pct, d.advanced, d.model,
                     d.communes_assessed, d.avg_criteria])
    else:
        ws = wb.create_sheet(SHEET_TITLES[figures.grouping])
        ws.append(["Mã", vi_text(groupings.LABELS[figures.grouping]), "Số xã", "Đạt chuẩn NTM",
                   "Tỷ lệ đạt chuẩn NTM (%)", "NTM hiện đại", "NTM nâng cao", "NTM kiểu mẫu", "Số xã có đánh giá",
                   "Bình quân tiêu chí/xã", "Ghi chú"])
        formats = (None, None, INT_FORMAT, INT_FORMAT, DEC_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT,
                   DEC_FORMAT, None)
        rows = [[r.code or None, r.name, r.communes, r.ntm, r.ntm_pct, r.modern, r.advanced, r.model, r.assessed,
                 r.avg_criteria, r.note or None] for r in figures.districts]
        rows.append([None, "Tổng cộng", d.communes_total, d.ntm, d.ntm_pct, d.modern, d.advanced,
                     d.model, d.communes_assessed, d.avg_criteria, None])
    for row in rows:
        ws.append(row)
        for col, number_format in enumerate(formats, 1):
            if number_format:
                ws.cell(ws.max_row, col).number_format = number_format
    for cell in ws[ws.max_row]:
        cell.font = bold
    widths = {"A": 8, "B": 26, "C": 9, "D": 15, "E": 14, "F": 14, "G": 14, "H": 14, "I": 14}
    if not figures.grouped_by_unit_in_force:
        widths.update({"B": 32, "J": 14, "K": 48})
    _sheet_layout(ws, widths, bold)

    ws = wb.create_sheet("Theo tiêu chí")
    ws.append(["Mã", "Tiêu chí", "Số xã đạt", "Số xã đánh giá", "Tỷ lệ xã đạt (%)"])
    for r in figures.shares:
        ws.append([r["code"], r["name"], r["met"], r["assessed"], r["share"]])
        for col, number_format in ((3, INT_FORMAT), (4, INT_FORMAT), (5, DEC_FORMAT)):
            ws.cell(ws.max_row, col).number_format = number_format
    _sheet_layout(ws, {"A": 8, "B": 44, "C": 12, "D": 15, "E": 16}, bold)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_layout(ws, widths: dict[str, float], bold) -> None:
    """Bold, wrapped header row, frozen; column widths; print on A4 fitting the width."""
    from openpyxl.styles import Alignment

    for cell in ws[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "A2"
    for column, width in widths.items():
        ws.column_dimensions[column].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
