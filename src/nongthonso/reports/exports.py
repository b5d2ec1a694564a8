"""Report exports: the provincial summary with the tables by group (the district in force in the three-tier years;
for a two-tier province the former district from lineage or the commune group, ``reports.groupings``) and by
criterion, as XLSX, as DOCX laid out as a Vietnamese administrative document (Decree 30/2020/NĐ-CP, Appendix I) and
as PDF with the same layout. A two-tier report says nothing of districts except the labelled former ones.

Nothing here computes a figure: :func:`report_figures` gathers what ``reports.services.summary`` and the
dashboard's selectors computed (the views pass the dashboard's own cached figures), and the three builders
only lay them out. Each builder returns the file's bytes.

- XLSX (openpyxl): numbers stay numbers; Excel number formats (``#,##0``, ``0.0``) show them with the reader's
  locale separators (1.234 and 85,7 in a Vietnamese Excel).
- DOCX (python-docx): Times New Roman, A4, the decree's margins, the national motto beside the issuing body,
  number and symbol, place and date, title, body, recipients and signature block.
- PDF (fpdf2): the same layout. Times New Roman may not be redistributed, so the PDF embeds DejaVu Serif
  (full Vietnamese coverage), found by :func:`report_font` — see docs/adr/0004-report-formats.md.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import translation

from nongthonso.core.text import format_date, format_number, format_percent
from nongthonso.units import groupings
from nongthonso.units.services import find_unit

from . import selectors
from .selectors import GroupRow, level_label
from .services import TWO_TIER, summary, summary_text

FORMATS = ("xlsx", "docx", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


# --- the figures -------------------------------------------------------------------------------------------

@dataclass
class ReportFigures:
    """What a report shows: the summary dict (``reports.services.summary``, or ``selectors.public_summary``),
    its Vietnamese paragraph, the table by group (``districts``: rows of ``selectors.group_table``; ``grouping``:
    what they group by) and the criterion shares — as the dashboard shows them."""

    data: dict
    text: str
    districts: list[GroupRow]
    shares: list[dict]
    grouping: str = groupings.IN_FORCE

    @property
    def two_tier(self) -> bool:
        return self.data.get("structure") == TWO_TIER

    @property
    def grouped_by_unit_in_force(self) -> bool:
        return self.grouping == groupings.IN_FORCE

    @property
    def as_of(self) -> dt.date:
        return dt.date.fromisoformat(self.data["as_of"])

    @property
    def unit_code(self) -> str:
        return self.data["unit"]["code"]

    @property
    def unit_name(self) -> str:
        return self.data["unit"]["name"]


def report_figures(code: str, as_of: dt.date, *, period_start: dt.date | None = None, published: bool = False,
                   grouping: str | None = None) -> ReportFigures:
    """The figures of unit ``code`` on ``as_of``, from the same functions as the dashboard
    (``reports.views._compute_figures``); ``grouping``: see ``reports.groupings`` (default the setting's). Raises
    ``UnitNotFound``."""
    data = (selectors.public_summary(code, as_of, grouping=grouping) if published
            else summary(code, as_of, period_start, grouping=grouping))
    root = find_unit(code, as_of)
    scope = selectors.Scope(root, as_of, published, grouping)
    return ReportFigures(data, summary_text(data), selectors.group_table(root, as_of, scope=scope),
                         selectors.criterion_shares(root, as_of, scope=scope), scope.grouping.kind)


def filename(code: str, as_of: dt.date, fmt: str) -> str:
    """``bao-cao-tong-hop-19-2023-06-30.pdf``: ASCII, so every browser and mail client keeps it."""
    return f"bao-cao-tong-hop-{code}-{as_of.isoformat()}.{fmt}"


# --- the document's parameters -----------------------------------------------------------------------------

DEFAULT_SYMBOL = "BC-VPĐP"
DEFAULT_BODY = "VĂN PHÒNG ĐIỀU PHỐI NTM"
DEFAULT_AUTHORITY = "KT. CHÁNH VĂN PHÒNG"
DEFAULT_POSITION = "PHÓ CHÁNH VĂN PHÒNG"
SIGN_PLACEHOLDER = "(Ký, ghi rõ họ tên, đóng dấu)"
_TYPE_WORDS = ("Thành phố", "Thị xã", "Huyện", "Quận", "Thị trấn", "Phường", "Xã", "Tỉnh")


def _bare_name(name: str) -> str:
    """"Tỉnh Thái Nguyên" → "Thái Nguyên" (the place name of the document's place and date line)."""
    for word in _TYPE_WORDS:
        if name.startswith(word + " "):
            return name[len(word) + 1:]
    return name


@dataclass
class DocumentOptions:
    """The administrative document's own parts (Decree 30/2020/NĐ-CP, Appendix I). Empty fields take
    defaults from the unit: "UBND TỈNH THÁI NGUYÊN", place "Thái Nguyên", the report's date."""

    number: str = ""  # "Số: 25/BC-VPĐP"; empty leaves the number for the clerk to fill in
    symbol: str = DEFAULT_SYMBOL
    date: dt.date | None = None  # the document's date (default: the report's as-of date)
    place: str = ""
    parent_body: str = ""  # cơ quan chủ quản, e.g. "UBND TỈNH THÁI NGUYÊN"
    body: str = DEFAULT_BODY  # cơ quan ban hành
    recipients: list[str] = field(default_factory=list)
    authority: str = DEFAULT_AUTHORITY  # "KT. CHÁNH VĂN PHÒNG"
    position: str = DEFAULT_POSITION
    signer: str = ""  # the signer's name; empty leaves the placeholder line

    def resolved(self, figures: ReportFigures) -> DocumentOptions:
        name = figures.unit_name
        return DocumentOptions(
            number=self.number.strip(), symbol=self.symbol.strip() or DEFAULT_SYMBOL,
            date=self.date or figures.as_of, place=self.place.strip() or _bare_name(name),
            parent_body=self.parent_body.strip() or f"UBND {name.upper()}", body=self.body.strip() or DEFAULT_BODY,
            recipients=[r.strip().lstrip("-–+• ").strip() for r in self.recipients if r.strip().lstrip("-–+• ")]
            or default_recipients(figures),
            authority=self.authority.strip(), position=self.position.strip(), signer=self.signer.strip())

    @property
    def number_line(self) -> str:
        # a blank number keeps room for the number the clerk writes in on issue
        return f"Số: {self.number or ' ' * 7}/{self.symbol}"

    def place_date_line(self) -> str:
        return f"{self.place}, {vi_long_date(self.date)}"


def default_recipients(figures: ReportFigures) -> list[str]:
    scope = _scope_word(figures.data)
    below = "xã, phường" if figures.two_tier else "huyện, thành phố"
    return ["Ban Chỉ đạo các CTMTQG tỉnh (b/c);", "Thường trực UBND tỉnh (b/c);",
            "Các sở, ban, ngành thành viên;", f"UBND các {below} thuộc {scope};", "Lưu: VT, VPĐP."]


def vi_long_date(date: dt.date) -> str:
    """"ngày 30 tháng 6 năm 2023"; a day below 10 and the months 1 and 2 take a leading zero (Decree 30)."""
    day = f"{date.day:02d}" if date.day < 10 else str(date.day)
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"ngày {day} tháng {month} năm {date.year}"


def _scope_word(data: dict) -> str:
    kind = data["unit"]["type"].lower()
    return f"{kind} {_bare_name(data['unit']['name'])}"


# --- the document's text (shared by DOCX and PDF) ----------------------------------------------------------

def title_lines(figures: ReportFigures) -> tuple[str, str]:
    """The kind of document and its subject (trích yếu), the subject broken where the title reads best."""
    return ("BÁO CÁO", f"Kết quả xây dựng nông thôn mới\ntrên địa bàn {_scope_word(figures.data)} "
                       f"đến ngày {format_date(figures.as_of)}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


DISTRICT_HEADINGS = ("TT", "Đơn vị", "Số xã", "Đạt chuẩn NTM", "Tỷ lệ", "NTM nâng cao", "NTM kiểu mẫu",
                     "Bình quân tiêu chí/xã")
# a two-tier province: its rows are former districts or commune groups, the 2026-2030 levels
GROUP_HEADINGS = ("TT", "", "Số xã", "Đạt chuẩn NTM", "Tỷ lệ", "NTM hiện đại", "Số xã có đánh giá",
                  "Bình quân tiêu chí/xã")
SHARE_HEADINGS = ("TT", "Tiêu chí", "Số xã đạt", "Tỷ lệ")


def _num(value, decimals: int = 0) -> str:
    return "—" if value is None else format_number(value, decimals)


def _pct(value) -> str:
    return "—" if value is None else format_percent(value)


def _vi(text) -> str:
    with translation.override("vi"):
        return str(text)


def table_headings(figures: ReportFigures) -> tuple[str, ...]:
    """The headings of the table by group: the district table of the three-tier years, or for other groupings
    the grouping's own label over the rows and the 2026-2030 columns."""
    if figures.grouped_by_unit_in_force:
        return DISTRICT_HEADINGS
    return ("TT", _vi(groupings.LABELS[figures.grouping]), *GROUP_HEADINGS[2:])


def table_title(figures: ReportFigures) -> str:
    return _vi(groupings.TITLES[figures.grouping])


def district_rows(figures: ReportFigures) -> list[tuple[str, ...]]:
    """The table by group as text, with the total row last (the dashboard's table and its footer)."""
    d = figures.data
    if not figures.grouped_by_unit_in_force:
        rows = [(str(i), r.name, _num(r.communes), _num(r.ntm), _pct(r.ntm_pct), _num(r.modern), _num(r.assessed),
                 _num(r.avg_criteria, 1)) for i, r in enumerate(figures.districts, 1)]
        rows.append(("", "Tổng cộng", _num(d["communes_total"]), _num(d["ntm"]), _pct(d["ntm_pct"]),
                     _num(d["modern"]), _num(d["communes_assessed"]), _num(d["avg_criteria"], 1)))
        return rows
    rows = [(str(i), r.name, _num(r.communes), _num(r.ntm), _pct(r.ntm_pct), _num(r.advanced), _num(r.model),
             _num(r.avg_criteria, 1)) for i, r in enumerate(figures.districts, 1)]
    rows.append(("", "Tổng cộng", _num(d["communes_total"]), _num(d["ntm"]), _pct(d["ntm_pct"]),
                 _num(d["advanced"]), _num(d["model"]), _num(d["avg_criteria"], 1)))
    return rows


def group_notes(figures: ReportFigures) -> str:
    """The rows' notes (a commune formed from communes of several former districts) as one sentence."""
    notes = [f"{r.name}: {r.note}" for r in figures.districts if r.note]
    return ("Ghi chú: " + "; ".join(notes) + ".") if notes else ""


def share_rows(figures: ReportFigures) -> list[tuple[str, ...]]:
    return [(r["code"], r["name"], f"{_num(r['met'])}/{_num(r['assessed'])}", _pct(r["share"]))
            for r in figures.shares]


def body_sections(figures: ReportFigures) -> list[tuple[str, str]]:
    """The body's parts in order: ("heading", text), ("text", paragraph), ("districts", ""), ("shares", "")."""
    parts = [("heading", "1. Kết quả chung"), ("text", figures.text),
             ("heading", f"2. {table_title(figures)}"), ("districts", "")]
    if group_notes(figures):
        parts.append(("note", group_notes(figures)))
    parts += [("heading", "3. Tỷ lệ xã đạt từng tiêu chí"), ("shares", "")]
    note = (f"Số liệu được tính từ dữ liệu gốc của hệ thống Nông thôn số (quyết định công nhận, giá trị chỉ tiêu) "
            f"đến ngày {format_date(figures.as_of)}")
    if figures.data.get("published_only"):
        note += "; chỉ dùng các bản đánh giá đã được tỉnh thẩm định hoặc đã có quyết định công nhận"
    if figures.grouping == groupings.FORMER_DISTRICT:
        note += ("; huyện cũ của mỗi xã xác định theo lịch sử đơn vị hành chính (xã hình thành từ xã của nhiều huyện "
                 "cũ được tính vào huyện cũ có nhiều xã cũ nhất)")
    unverified = sorted({t["legal_basis"] for t in (figures.data.get("province_completion") or {}).get("targets", [])
                         if not t["verified"]})
    if unverified:
        note += (f"; mục tiêu theo {', '.join(unverified)} lấy từ bản tin báo chí, chưa đối chiếu nguyên văn văn "
                 "bản")
    parts.append(("note", note + "."))
    parts.append(("text", f"Trên đây là báo cáo kết quả xây dựng nông thôn mới trên địa bàn "
                          f"{_scope_word(figures.data)} đến ngày {format_date(figures.as_of)}./."))
    return parts


# --- XLSX --------------------------------------------------------------------------------------------------

SHEET_TITLES = {groupings.FORMER_DISTRICT: "Theo huyện cũ", groupings.COMMUNE_GROUP: "Theo nhóm xã"}
INT_FORMAT = "#,##0"
DEC_FORMAT = "0.0"
DATE_FORMAT = "d/m/yyyy"


def summary_items(figures: ReportFigures) -> list[tuple[str, object, str, str | None]]:
    """The "Tổng hợp" sheet: (label, value, unit of measure, Excel number format)."""
    d = figures.data
    items: list[tuple[str, object, str, str | None]] = [
        ("Đơn vị", f"{d['unit']['name']} (mã {d['unit']['code']})", "", None),
        ("Số liệu đến ngày", figures.as_of, "", DATE_FORMAT),
        ("Kỳ báo cáo từ ngày", dt.date.fromisoformat(d["period_start"]), "", DATE_FORMAT),
        ("Tổng số xã", d["communes_total"], "xã", INT_FORMAT),
        ("Xã đạt chuẩn nông thôn mới", d["ntm"], "xã", INT_FORMAT),
        ("Tỷ lệ xã đạt chuẩn nông thôn mới", d["ntm_pct"], "%", DEC_FORMAT),
        ("Xã đạt chuẩn nông thôn mới nâng cao", d["advanced"], "xã", INT_FORMAT),
        ("Xã đạt chuẩn nông thôn mới kiểu mẫu", d["model"], "xã", INT_FORMAT),
        ("Xóm nông thôn mới kiểu mẫu", d["model_hamlets"], "xóm", INT_FORMAT),
        ("Số xã có bản đánh giá", d["communes_assessed"], "xã", INT_FORMAT),
        ("Bình quân tiêu chí đạt/xã", d["avg_criteria"], "tiêu chí", DEC_FORMAT),
        ("Số tiêu chí đạt thấp nhất", d["min_criteria"], "tiêu chí", INT_FORMAT),
        ("Số xã dưới 10 tiêu chí", d["communes_below_10"], "xã", INT_FORMAT),
    ]
    if figures.two_tier:
        items = [item for item in items if item[0] != "Số xã dưới 10 tiêu chí"] + _two_tier_items(d)
    for level, dec in d["decisions_in_period"].items():
        items.append((f"Công nhận trong kỳ: {level_label(level)}", dec["communes"], "xã", INT_FORMAT))
    items.append(("Thu hồi trong kỳ", d["revocations_in_period"], "xã", INT_FORMAT))
    for level, n in d["registrations"].items():
        items.append((f"Đăng ký năm {d['registrations_year']}: {level_label(level)}", n, "xã", INT_FORMAT))
    if figures.two_tier:
        return items + _completion_items(d)
    done = d["completed_districts"]
    items.append(("Đơn vị cấp huyện hoàn thành nhiệm vụ xây dựng NTM", len(done), "đơn vị", INT_FORMAT))
    if done:
        items.append(("Gồm", ", ".join(done), "", None))
    return items


def _two_tier_items(d: dict) -> list[tuple[str, object, str, str | None]]:
    items: list[tuple[str, object, str, str | None]] = [
        ("Xã tạm giữ mức đạt chuẩn (hình thành sau sắp xếp, chờ quyết định công nhận)", d["provisional"], "xã",
         INT_FORMAT),
        ("Xã nông thôn mới hiện đại", d["modern"], "xã", INT_FORMAT),
    ]
    for entry in d["criteria_sets"]:
        items += [(f"Bộ tiêu chí: {entry['name']}", entry["legal_basis"], "", None),
                  ("Số tiêu chí của bộ", entry["criteria"], "tiêu chí", INT_FORMAT),
                  ("Số xã đánh giá theo bộ", entry["communes"], "xã", INT_FORMAT),
                  ("Bình quân tiêu chí đạt/xã theo bộ", entry["avg_criteria"], "tiêu chí", DEC_FORMAT),
                  ("Số xã đạt đủ tiêu chí của bộ", entry["all_met"], "xã", INT_FORMAT)]
    return items


def _completion_items(d: dict) -> list[tuple[str, object, str, str | None]]:
    completion = d.get("province_completion")
    if not completion:
        return []
    decision = completion["decision"]
    status = "Đã công nhận" if completion["completed"] else "Chưa công nhận"
    if decision:
        status += f" (Quyết định số {decision['number']} ngày {format_date(dt.date.fromisoformat(decision['date']))})"
    items: list[tuple[str, object, str, str | None]] = [
        (f"Tỉnh hoàn thành nhiệm vụ xây dựng NTM ({completion['legal_basis']})", status, "", None)]
    for t in completion["targets"]:
        label = f"Mục tiêu đến năm {t['by_year']} ({t['legal_basis']}): {t['text']}"
        items += [(label, t["target_pct"], "%", DEC_FORMAT),
                  (f"Hiện đạt: {t['text']}", t["actual_pct"], "%", DEC_FORMAT)]
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
        rows.append([None, "Tổng cộng", d["communes_total"], d["ntm"], d["ntm_pct"], d["advanced"], d["model"],
                     d["communes_assessed"], d["avg_criteria"]])
    else:
        ws = wb.create_sheet(SHEET_TITLES[figures.grouping])
        ws.append(["Mã", _vi(groupings.LABELS[figures.grouping]), "Số xã", "Đạt chuẩn NTM",
                   "Tỷ lệ đạt chuẩn NTM (%)", "NTM hiện đại", "NTM nâng cao", "NTM kiểu mẫu", "Số xã có đánh giá",
                   "Bình quân tiêu chí/xã", "Ghi chú"])
        formats = (None, None, INT_FORMAT, INT_FORMAT, DEC_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT,
                   DEC_FORMAT, None)
        rows = [[r.code or None, r.name, r.communes, r.ntm, r.ntm_pct, r.modern, r.advanced, r.model, r.assessed,
                 r.avg_criteria, r.note or None] for r in figures.districts]
        rows.append([None, "Tổng cộng", d["communes_total"], d["ntm"], d["ntm_pct"], d["modern"], d["advanced"],
                     d["model"], d["communes_assessed"], d["avg_criteria"], None])
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


# --- DOCX --------------------------------------------------------------------------------------------------

FONT_NAME = "Times New Roman"
BODY_PT = 13
# Decree 30/2020/NĐ-CP, Appendix I: A4; top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
PAGE_MM = (210, 297)
HEADER_LEFT_MM = 66  # issuing body and number; the rest (the national motto and the date) on the right
FOOTER_LEFT_MM = 80  # recipients; the rest: the signature block
SIGN_SPACE_MM = 22  # room for the signature and the seal


def build_docx(figures: ReportFigures, options: DocumentOptions | None = None) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    opts = (options or DocumentOptions()).resolved(figures)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(10)
    width_mm = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]

    for name in ("Normal", "Table Grid"):
        _style_font(doc.styles[name], BODY_PT if name == "Normal" else 12)
    normal = doc.styles["Normal"].paragraph_format
    normal.space_before, normal.space_after, normal.line_spacing = Pt(0), Pt(0), 1.0
    props = doc.core_properties
    props.title = _one_line(" ".join(title_lines(figures)))
    props.author = "Nông thôn số"
    props.language = "vi-VN"

    # page numbers from the second page on, top centre (Decree 30)
    section.different_first_page_header_footer = True
    _page_number(section.header.paragraphs[0])

    C = WD_ALIGN_PARAGRAPH.CENTER
    # header block: a borderless table, issuing body left, national motto right
    head = _borderless_table(doc, 2, [HEADER_LEFT_MM, width_mm - HEADER_LEFT_MM])
    left, right = head.cell(0, 0), head.cell(0, 1)
    _para(left, opts.parent_body, size=12.5, align=C, first=True)
    _para(left, opts.body, size=12.5, bold=True, align=C)
    _rule(left, (HEADER_LEFT_MM - 22) / 2)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12.5, bold=True, align=C, first=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", size=13.5, bold=True, underline=True, align=C)
    _para(head.cell(1, 0), opts.number_line, size=13, align=C, first=True, before=6)
    _para(head.cell(1, 1), opts.place_date_line(), size=13.5, italic=True, align=C, first=True, before=6)

    kind, subject = title_lines(figures)
    _para(doc, kind, size=14, bold=True, align=C, before=18)
    _para(doc, subject, size=14, bold=True, align=C)
    p = _para(doc, "", size=6, align=C)
    _bottom_border(p, indent_mm=(width_mm - 40) / 2)
    _para(doc, "", size=6)

    for kind_, text in body_sections(figures):
        if kind_ == "heading":
            p = _para(doc, text, bold=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=6, after=6, indent_mm=12.7)
            p.paragraph_format.keep_with_next = True
        elif kind_ == "text":
            _para(doc, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=6, indent_mm=12.7, line=1.15)
        elif kind_ == "note":
            _para(doc, text, size=12, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=6, indent_mm=12.7)
        elif kind_ == "districts":
            _data_table(doc, table_headings(figures), district_rows(figures), [10, 45, 15, 20, 18, 20, 20, 17],
                        text_columns={1}, total_row=True)
        elif kind_ == "shares":
            _data_table(doc, SHARE_HEADINGS, share_rows(figures), [12, 103, 25, 25], text_columns={1})

    # recipients (left) and signature (right)
    _para(doc, "", size=6)
    foot = _borderless_table(doc, 1, [FOOTER_LEFT_MM, width_mm - FOOTER_LEFT_MM])
    left, right = foot.cell(0, 0), foot.cell(0, 1)
    _para(left, "Nơi nhận:", size=12, bold=True, italic=True, first=True)
    for item in opts.recipients:
        _para(left, f"- {item}", size=11)
    first = True
    for line in (opts.authority, opts.position):
        if line:
            _para(right, line.upper(), size=13.5, bold=True, align=C, first=first)
            first = False
    _para(right, SIGN_PLACEHOLDER, size=12, italic=True, align=C, first=first)
    for _ in range(4):
        _para(right, "", size=13)
    _para(right, opts.signer or "……………………………", size=13.5, bold=True, align=C)
    _keep_together(foot)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _style_font(style, size: float) -> None:
    """Times New Roman for every script slot (Word picks the slot by character), Vietnamese proofing."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = FONT_NAME
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), FONT_NAME)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _para(container, text: str, *, size: float = BODY_PT, bold: bool = False, italic: bool = False,
          underline: bool = False, align=None, first: bool = False, before: float = 0, after: float = 0,
          indent_mm: float = 0, line: float = 1.0):
    """A paragraph in ``container`` (the document or a table cell); ``first`` reuses a cell's empty first
    paragraph."""
    from docx.shared import Mm, Pt

    p = container.paragraphs[0] if first else container.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(before), Pt(after), line
    if indent_mm:
        fmt.first_line_indent = Mm(indent_mm)
    if align is not None:
        p.alignment = align
    if text:
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
    else:
        p.paragraph_format.line_spacing = Pt(size)
    return p


def _rule(cell, indent_mm: float) -> None:
    """The short line under the issuing body's name (an empty paragraph with a bottom border)."""
    from docx.shared import Pt

    p = cell.add_paragraph()
    p.paragraph_format.line_spacing = Pt(2)
    p.paragraph_format.space_after = Pt(0)
    _bottom_border(p, indent_mm=indent_mm)


def _bottom_border(p, *, indent_mm: float) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Mm(indent_mm)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    _insert(ppr, border, _PPR_AFTER_BORDER)


# pPr children that follow w:pBdr in the schema's sequence (WordprocessingML is order-sensitive)
_PPR_AFTER_BORDER = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                     "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                     "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                     "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                     "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _insert(parent, child, successors: Sequence[str]) -> None:
    """Insert ``child`` into ``parent`` before the first of ``successors`` present (else at the end)."""
    from docx.oxml.ns import qn

    tags = {qn(t) for t in successors}
    for i, existing in enumerate(parent):
        if existing.tag in tags:
            parent.insert(i, child)
            return
    parent.append(child)


def _borderless_table(doc, rows: int, widths_mm: Sequence[float]):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    _insert(tbl_pr, borders, ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                              "w:tblDescription"))
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    _insert(tbl_pr, margins, ("w:tblLook", "w:tblCaption", "w:tblDescription"))
    _widths(table, widths_mm)
    return table


def _widths(table, widths_mm: Sequence[float]) -> None:
    from docx.shared import Mm

    for i, column in enumerate(table.columns):
        column.width = Mm(widths_mm[i])
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            cell.width = Mm(widths_mm[i])


def _data_table(doc, headings: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float], *,
                text_columns: set[int], total_row: bool = False) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = doc.add_table(rows=1 + len(rows), cols=len(headings))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # repeat the heading row on every page
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for i, text in enumerate(headings):
        _para(header.cells[i], text, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, first=True,
              before=2, after=2)
    for r, row in enumerate(rows, 1):
        bold = total_row and r == len(rows)
        for i, text in enumerate(row):
            align = (WD_ALIGN_PARAGRAPH.LEFT if i in text_columns
                     else WD_ALIGN_PARAGRAPH.CENTER if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
            _para(table.rows[r].cells[i], text, size=12, bold=bold, align=align, first=True, before=2, after=2)
    _widths(table, widths_mm)
    _para(doc, "", size=6)


def _keep_together(table) -> None:
    """Keep the signature table's paragraphs on one page (keep-with-next) and the row unsplit."""
    from docx.oxml import OxmlElement

    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def _page_number(paragraph) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "2"), ("end", None)):
        run = paragraph.add_run()
        run.font.size = Pt(BODY_PT)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = " PAGE "
            run._r.append(instr)
        else:
            run.text = text


# --- PDF ---------------------------------------------------------------------------------------------------

class ReportFontMissing(RuntimeError):
    """No font with Vietnamese glyphs could be found for the PDF."""


# Characters every report uses: a font missing any of them would print boxes.
_VIETNAMESE = "ĂăÂâĐđÊêÔôƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
# (family, {style: file name}); the first whose regular and bold files exist and cover Vietnamese wins.
_FAMILIES = (
    ("Times New Roman", {"": "times.ttf", "B": "timesbd.ttf", "I": "timesi.ttf", "BI": "timesbi.ttf"}),
    ("Times New Roman", {"": "Times New Roman.ttf", "B": "Times New Roman Bold.ttf",
                         "I": "Times New Roman Italic.ttf", "BI": "Times New Roman Bold Italic.ttf"}),
    ("DejaVu Serif", {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf",
                      "BI": "DejaVuSerif-BoldItalic.ttf"}),
)
SYSTEM_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu")


@dataclass(frozen=True)
class ReportFont:
    family: str
    files: dict  # style ("", "B", "I", "BI") → path


def _font_dirs() -> list[Path]:
    """Where to look, in order: the setting or environment variable NONGTHONSO_REPORT_FONT_DIR (e.g. a folder
    with the province's licensed Times New Roman), matplotlib's bundled DejaVu fonts (a declared dependency,
    so always there after ``pip install``), then the system's DejaVu fonts (Debian: fonts-dejavu-core and
    fonts-dejavu-extra)."""
    dirs = []
    custom = getattr(settings, "NONGTHONSO_REPORT_FONT_DIR", None) or os.environ.get("NONGTHONSO_REPORT_FONT_DIR")
    if custom:
        dirs.append(Path(custom))
    spec = importlib.util.find_spec("matplotlib")  # locates the package without importing it
    if spec is not None and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf")
    dirs += [Path(d) for d in SYSTEM_FONT_DIRS]
    return dirs


def _covers_vietnamese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    try:
        cmap = TTFont(path, lazy=True).getBestCmap() or {}
    except Exception:  # not a font fontTools reads: not usable
        return False
    return all(ord(c) in cmap for c in _VIETNAMESE)


@lru_cache
def _find_font(dirs: tuple[Path, ...]) -> ReportFont | None:
    for directory in dirs:
        for family, names in _FAMILIES:
            files = {style: directory / name for style, name in names.items() if (directory / name).is_file()}
            if "" not in files or "B" not in files:
                continue
            if not all(_covers_vietnamese(p) for p in files.values()):
                continue
            files.setdefault("I", files[""])  # no italic file: the upright one (legible, not slanted)
            files.setdefault("BI", files["B"])
            return ReportFont(family, {k: str(v) for k, v in files.items()})
    return None


def report_font() -> ReportFont:
    """The PDF's font (see :func:`_font_dirs`). Raises :class:`ReportFontMissing` with what to install."""
    dirs = tuple(_font_dirs())
    found = _find_font(dirs)
    if found is None:
        _find_font.cache_clear()  # a font installed later is found without a restart
        raise ReportFontMissing(
            "Không tìm thấy phông chữ có đủ dấu tiếng Việt để tạo báo cáo PDF. Cài lại gói Python của ứng dụng "
            "(matplotlib kèm phông DejaVu Serif), hoặc cài gói Debian fonts-dejavu-core và fonts-dejavu-extra, "
            "hoặc đặt biến NONGTHONSO_REPORT_FONT_DIR trỏ tới thư mục có times.ttf, timesbd.ttf, timesi.ttf, "
            "timesbi.ttf. Đã tìm trong: " + ", ".join(str(d) for d in dirs) + ".")
    return found


def _nfc(text: str) -> str:
    """Precomposed Vietnamese letters: every one of them is in the font, so no shaping is needed."""
    return unicodedata.normalize("NFC", text)


def build_pdf(figures: ReportFigures, options: DocumentOptions | None = None) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import Align, XPos, YPos

    opts = (options or DocumentOptions()).resolved(figures)
    font = report_font()
    title = _one_line(" ".join(title_lines(figures)))

    class Document(FPDF):
        def header(self):  # page number from the second page on, top centre (Decree 30)
            if self.page_no() > 1:
                self.set_font("report", "", 13)
                self.set_y(10)
                self.cell(0, 6, str(self.page_no()), align=Align.C)
                self.set_y(MARGINS_MM["top"])

    pdf = Document(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGINS_MM["left"], MARGINS_MM["top"], MARGINS_MM["right"])
    pdf.set_auto_page_break(True, margin=MARGINS_MM["bottom"])
    for style, path in font.files.items():
        pdf.add_font("report", style, path)
    pdf.set_title(_nfc(title))
    pdf.set_author("Nông thôn số")
    pdf.set_creator("Nông thôn số")
    pdf.set_lang("vi-VN")
    pdf.add_page()
    width = pdf.epw
    lm = pdf.l_margin
    pt = 25.4 / 72  # mm per point

    def line(text: str, x: float, w: float, *, size: float, style: str = "", align=Align.C, gap: float = 1.3):
        """One centred line in a column, narrowed (not wrapped) when it is too wide for it."""
        text = _nfc(text)
        pdf.set_font("report", style, size)
        natural = pdf.get_string_width(text)
        stretch = min(100.0, 100.0 * (w - 4) / natural) if natural else 100.0
        pdf.set_stretching(max(stretch, 80.0))
        pdf.set_x(x)
        pdf.cell(w, size * pt * gap, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
        used = min(natural * pdf.font_stretching / 100, w)
        pdf.set_stretching(100)
        return used

    def rule(x: float, w: float, length: float, y: float | None = None):
        y = pdf.get_y() if y is None else y
        pdf.set_line_width(0.3)
        pdf.line(x + (w - length) / 2, y, x + (w + length) / 2, y)

    # header block: issuing body (left), national motto (right), then number and place/date on one row
    left_w, right_w = HEADER_LEFT_MM, width - HEADER_LEFT_MM
    top = pdf.get_y()
    pdf.set_xy(lm, top)
    line(opts.parent_body, lm, left_w, size=12)
    used = line(opts.body, lm, left_w, size=12, style="B")
    rule(lm, left_w, min(used, left_w) / 2.2, pdf.get_y() + 0.8)
    left_bottom = pdf.get_y()
    pdf.set_xy(lm + left_w, top)
    line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", lm + left_w, right_w, size=12, style="B")
    used = line("Độc lập - Tự do - Hạnh phúc", lm + left_w, right_w, size=13, style="B")
    rule(lm + left_w, right_w, used, pdf.get_y() + 0.6)
    row2 = max(left_bottom, pdf.get_y()) + 4
    pdf.set_xy(lm, row2)
    line(opts.number_line, lm, left_w, size=13)
    pdf.set_xy(lm + left_w, row2)
    line(opts.place_date_line(), lm + left_w, right_w, size=13, style="I")

    # title
    kind, subject = title_lines(figures)
    pdf.set_y(pdf.get_y() + 8)
    pdf.set_font("report", "B", 14)
    pdf.cell(width, 14 * pt * 1.4, _nfc(kind), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("report", "B", 13.5)
    pdf.multi_cell(width, 13.5 * pt * 1.35, _nfc(subject), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    rule(lm, width, 40, pdf.get_y() + 2)
    pdf.set_y(pdf.get_y() + 6)

    indent = 12.7
    for kind_, text in body_sections(figures):
        if kind_ == "heading" and pdf.get_y() + 30 > pdf.h - pdf.b_margin:
            pdf.add_page()  # no heading alone at the foot of a page
        if kind_ in ("heading", "text", "note"):
            size = 12 if kind_ == "note" else BODY_PT
            style = {"heading": "B", "note": "I"}.get(kind_, "")
            pdf.set_font("report", style, size)
            with pdf.text_columns(text_align=Align.J, line_height=1.2) as cols:
                para = cols.paragraph(first_line_indent=indent, bottom_margin=2.2)
                para.write(_nfc(text))
                cols.end_paragraph()
        elif kind_ == "districts":
            _pdf_table(pdf, table_headings(figures), district_rows(figures), (9, 47, 13, 18, 18, 18, 18, 24),
                       text_columns={1}, total_row=True)
        elif kind_ == "shares":
            _pdf_table(pdf, SHARE_HEADINGS, share_rows(figures), (12, 103, 25, 25), text_columns={1})

    # recipients (left) and signature block (right), kept on one page
    foot_left = FOOTER_LEFT_MM
    pdf.set_font("report", "", 11)
    left_h = 12 * pt * 1.4 + sum(len(pdf.multi_cell(foot_left - 4, 11 * pt * 1.3, _nfc(f"- {item}"),
                                                    dry_run=True, output="LINES")) * 11 * pt * 1.3
                                 for item in opts.recipients)
    right_h = 3 * 13.5 * pt * 1.3 + 12 * pt * 1.3 + SIGN_SPACE_MM
    if pdf.get_y() + 4 + max(left_h, right_h) > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y() + 4
    pdf.set_xy(lm, top)
    line("Nơi nhận:", lm, foot_left, size=12, style="BI", align=Align.L, gap=1.4)
    for item in opts.recipients:
        pdf.set_x(lm)
        pdf.set_font("report", "", 11)
        pdf.multi_cell(foot_left - 4, 11 * pt * 1.3, _nfc(f"- {item}"), align=Align.L, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    x, w = lm + foot_left, width - foot_left
    pdf.set_xy(x, top)
    for text in (opts.authority, opts.position):
        if text:
            line(text.upper(), x, w, size=13.5, style="B")
    line(SIGN_PLACEHOLDER, x, w, size=12, style="I")
    pdf.set_y(pdf.get_y() + SIGN_SPACE_MM)
    line(opts.signer or "……………………………", x, w, size=13.5, style="B")
    return bytes(pdf.output())


def _pdf_table(pdf, headings: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float], *,
               text_columns: set[int], total_row: bool = False) -> None:
    from fpdf.enums import Align, TableCellFillMode
    from fpdf.fonts import FontFace as face

    rows = list(rows)
    pdf.set_font("report", "", 11)
    aligns = tuple(Align.L if i in text_columns else Align.C if i == 0 else Align.R for i in range(len(headings)))
    with pdf.table(col_widths=widths, width=sum(widths), align=Align.L, text_align=aligns, line_height=5.6,
                   headings_style=face(emphasis="BOLD"), cell_fill_mode=TableCellFillMode.NONE,
                   padding=(0.8, 1.2), first_row_as_headings=True, repeat_headings=1) as table:
        heading = table.row()
        for text in headings:
            heading.cell(_nfc(text), align=Align.C)
        for i, values in enumerate(rows, 1):
            row = table.row()
            style = face(emphasis="BOLD") if total_row and i == len(rows) else None
            for text in values:
                row.cell(_nfc(text), style=style)
    pdf.set_y(pdf.get_y() + 4)


# --- one entry point --------------------------------------------------------------------------------------

def build(fmt: str, figures: ReportFigures, options: DocumentOptions | None = None) -> bytes:
    """The report as ``fmt`` (xlsx, docx or pdf), always in Vietnamese (an official document), whatever the
    language of the request."""
    if fmt not in FORMATS:
        raise ValueError(f"Định dạng «{fmt}» không được hỗ trợ; chọn một trong: {', '.join(FORMATS)}.")
    with translation.override("vi"):
        if fmt == "xlsx":
            return build_xlsx(figures)
        if fmt == "docx":
            return build_docx(figures, options)
        return build_pdf(figures, options)

