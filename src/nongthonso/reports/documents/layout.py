"""The administrative document's parts (Decree 30/2020/NĐ-CP, Appendix I) and text shared by the DOCX and PDF
builders: the options (number, body, recipients, signer …), the page geometry, the title, the body's sections and
the tables as text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import translation

from nongthonso.core.text import format_date, format_number, format_percent
from nongthonso.core.vocabulary import bare_name
from nongthonso.units import groupings

from ..services import Summary
from .figures import ReportFigures

# --- the document's parameters -----------------------------------------------------------------------------

DEFAULT_SYMBOL = "BC-VPĐP"
DEFAULT_BODY = "VĂN PHÒNG ĐIỀU PHỐI NTM"
DEFAULT_AUTHORITY = "KT. CHÁNH VĂN PHÒNG"
DEFAULT_POSITION = "PHÓ CHÁNH VĂN PHÒNG"
SIGN_PLACEHOLDER = "(Ký, ghi rõ họ tên, đóng dấu)"


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
            date=self.date or figures.as_of, place=self.place.strip() or bare_name(name),
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


def _scope_word(data: Summary) -> str:
    kind = data.unit.type.lower()
    return f"{kind} {bare_name(data.unit.name)}"


# --- the document's text (shared by DOCX and PDF) ----------------------------------------------------------

def title_lines(figures: ReportFigures) -> tuple[str, str]:
    """The kind of document and its subject (trích yếu), the subject broken where the title reads best."""
    return ("BÁO CÁO", f"Kết quả xây dựng nông thôn mới\ntrên địa bàn {_scope_word(figures.data)} "
                       f"đến ngày {format_date(figures.as_of)}")


def one_line(text: str) -> str:
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


def vi_text(text) -> str:
    with translation.override("vi"):
        return str(text)


def table_headings(figures: ReportFigures) -> tuple[str, ...]:
    """The headings of the table by group: the district table of the three-tier years, or for other groupings
    the grouping's own label over the rows and the 2026-2030 columns."""
    if figures.grouped_by_unit_in_force:
        return DISTRICT_HEADINGS
    return ("TT", vi_text(groupings.LABELS[figures.grouping]), *GROUP_HEADINGS[2:])


def table_title(figures: ReportFigures) -> str:
    return vi_text(groupings.TITLES[figures.grouping])


def district_rows(figures: ReportFigures) -> list[tuple[str, ...]]:
    """The table by group as text, with the total row last (the dashboard's table and its footer)."""
    d = figures.data
    if not figures.grouped_by_unit_in_force:
        rows = [(str(i), r.name, _num(r.communes), _num(r.ntm), _pct(r.ntm_pct), _num(r.modern), _num(r.assessed),
                 _num(r.avg_criteria, 1)) for i, r in enumerate(figures.districts, 1)]
        rows.append(("", "Tổng cộng", _num(d.communes_total), _num(d.ntm), _pct(d.ntm_pct),
                     _num(d.modern), _num(d.communes_assessed), _num(d.avg_criteria, 1)))
        return rows
    rows = [(str(i), r.name, _num(r.communes), _num(r.ntm), _pct(r.ntm_pct), _num(r.advanced), _num(r.model),
             _num(r.avg_criteria, 1)) for i, r in enumerate(figures.districts, 1)]
    rows.append(("", "Tổng cộng", _num(d.communes_total), _num(d.ntm), _pct(d.ntm_pct),
                 _num(d.advanced), _num(d.model), _num(d.avg_criteria, 1)))
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
    if figures.data.published_only:
        note += "; chỉ dùng các bản đánh giá đã được tỉnh thẩm định hoặc đã có quyết định công nhận"
    if figures.grouping == groupings.FORMER_DISTRICT:
        note += ("; huyện cũ của mỗi xã xác định theo lịch sử đơn vị hành chính (xã hình thành từ xã của nhiều huyện "
                 "cũ được tính vào huyện cũ có nhiều xã cũ nhất)")
    completion = figures.data.province_completion
    unverified = sorted({t.legal_basis for t in (completion.targets if completion else []) if not t.verified})
    if unverified:
        note += (f"; mục tiêu theo {', '.join(unverified)} lấy từ bản tin báo chí, chưa đối chiếu nguyên văn văn "
                 "bản")
    parts.append(("note", note + "."))
    parts.append(("text", f"Trên đây là báo cáo kết quả xây dựng nông thôn mới trên địa bàn "
                          f"{_scope_word(figures.data)} đến ngày {format_date(figures.as_of)}./."))
    return parts


# --- the page (shared by DOCX and PDF) ---------------------------------------------------------------------

BODY_PT = 13
# Decree 30/2020/NĐ-CP, Appendix I: A4; top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
PAGE_MM = (210, 297)
HEADER_LEFT_MM = 66  # issuing body and number; the rest (the national motto and the date) on the right
FOOTER_LEFT_MM = 80  # recipients; the rest: the signature block
SIGN_SPACE_MM = 22  # room for the signature and the seal
