"""One commune's scorecard as a PDF (fpdf2, in the font ``fonts.report_font`` finds): what the scorecard page shows,
on A4 — the commune and where it sits, its recognition level on the date, the counts of criteria met, failed and
unknown, each criterion and indicator of the assessment against its threshold with the gap, the verdict and whether
the threshold was checked against its source, how the commune was formed by a reorganisation, its commune group and
the decisions about it. Not the history of edits, which only the page shows.

Nothing here computes or queries: the caller passes ``assessments.selectors.scorecard``'s card — built for a commune
the user may see — and the labels come from the same presenters as the page's. Always in Vietnamese, as the report
documents are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from nongthonso.core.text import format_date, format_number

from .fonts import report_font
from .pdf import _nfc, start_document

MARGIN_MM = 15
INK = (29, 35, 32)
MUTED = (91, 102, 95)
GREEN = (27, 107, 58)
RED = (179, 38, 30)
HEAD_FILL = (238, 243, 239)
STATUS_COLOURS = {"met": GREEN, "not_met": RED}
CRITERIA_HEADINGS = ("Chỉ tiêu", "Giá trị", "Ngưỡng", "Khoảng cách", "Kết quả", "Nguồn ngưỡng")
CRITERIA_WIDTHS = (63, 25, 28, 18, 22, 24)
LEGEND = ("«Đã xác nhận»: Văn phòng Điều phối NTM tỉnh đã đối chiếu ngưỡng với văn bản (văn bản, điều hoặc phụ lục, "
          "trang). «Trích từ văn bản»: ngưỡng trích từ chính văn bản quy định. «Theo nguồn thứ cấp»: ngưỡng lấy từ báo "
          "chí hoặc văn bản của địa phương khác, chưa đối chiếu văn bản gốc. «Tạm đặt, chưa đối chiếu»: chưa tìm được "
          "nguồn, chỉ dùng để tham khảo. Giá trị «—» là chưa có số liệu (chưa xác định), không phải không đạt.")


def _provenance(row) -> str:
    """What backs an indicator's threshold: the province's confirmation and its citation, or the catalogue row's
    provenance tag («Trích từ văn bản», «Theo nguồn thứ cấp», «Tạm đặt, chưa đối chiếu»)."""
    if row.confirmation is not None:
        return f"Đã xác nhận: {row.confirmation.citation}"
    return row.provenance_label


def filename(card) -> str:
    """``ket-qua-05542-2023.pdf`` (the assessment's year) or ``ket-qua-05542-2023-06-30.pdf`` (none: the date)."""
    when = str(card.assessment.year) if card.assessment else card.as_of.isoformat()
    return f"ket-qua-{card.unit.code}-{when}.pdf"


def _where(unit) -> str:
    """«Huyện Đại Từ, Tỉnh Thái Nguyên · Mã 05542»."""
    above = [u.name for u in (unit.parent, unit.parent.parent if unit.parent_id else None) if u is not None]
    return " · ".join(part for part in (", ".join(above), f"Mã {unit.code}") if part)


def build_scorecard_pdf(card, *, printed: dt.datetime | None = None) -> bytes:
    """The PDF of ``card`` (``assessments.selectors.Scorecard``). Raises ``fonts.ReportFontMissing``."""
    from fpdf import FPDF
    from fpdf.enums import Align, XPos, YPos

    report_font()  # before any work: a missing font is said at once
    printed = timezone.localtime(printed or timezone.now())
    unit, a = card.unit, card.assessment
    title = f"{unit.name} — Kết quả đánh giá"

    class Document(FPDF):
        def footer(self):
            self.set_y(-11)
            self.set_font("report", "", 8)
            self.set_text_color(*MUTED)
            self.cell(0, 4, _nfc(f"{title} · Nông thôn số, in lúc {printed:%H:%M} {format_date(printed)}"),
                      align=Align.L)
            self.set_x(self.l_margin)
            self.cell(0, 4, f"Trang {self.page_no()}/{{nb}}", align=Align.R)

    pdf = Document(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM + 2)
    start_document(pdf, title)
    pdf.add_page()
    width = pdf.epw

    def text(value: str, *, size: float = 10, style: str = "", colour=INK, gap: float = 1.5, align=Align.L):
        pdf.set_font("report", style, size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, size * 0.3528 * 1.35, _nfc(value), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(pdf.get_y() + gap)

    def heading(value: str):
        if pdf.get_y() + 30 > pdf.h - pdf.b_margin:
            pdf.add_page()  # no heading alone at the foot of a page
        pdf.set_y(pdf.get_y() + 2)
        text(value, size=12.5, style="B", gap=1.5)

    # the commune
    text(f"Nông thôn số · Kết quả đánh giá xã · số liệu đến ngày {format_date(card.as_of)}", size=8.5, colour=MUTED,
         gap=2)
    text(unit.name, size=17, style="B", gap=0.5)
    text(_where(unit), size=10, colour=MUTED, gap=4)

    # the figures
    level = card.level_label + (" (tạm thời)" if card.status.provisional else "")
    figures = [(f"Mức công nhận đến ngày {format_date(card.as_of)}", level,
                "met" if card.status.commune_level else "not_met")]
    if a is not None:
        figures += [(f"Tiêu chí đạt (năm {a.year})", f"{format_number(a.criteria_met)}/"
                     f"{format_number(a.criteria_total)}", None),
                    ("Tiêu chí không đạt", format_number(a.criteria_failed), None),
                    ("Tiêu chí chưa xác định (thiếu số liệu)", format_number(a.criteria_unknown), None),
                    ("Đạt chuẩn theo số liệu", "Đạt" if a.eligible else "Chưa đạt", "met" if a.eligible else "not_met")]
    _figures(pdf, figures, width)
    if card.status.note:
        text(card.status.note, size=9.5, style="I", colour=MUTED, gap=2)

    # how the commune was formed, and its group
    for row in card.lineage:
        event = row.event
        heading("Hình thành do sắp xếp đơn vị hành chính")
        unchecked = "" if event.verified else " (chưa đối chiếu văn bản)"
        text(f"{event.get_kind_display()} ngày {format_date(event.effective_date)} — {event.legal_basis}{unchecked}",
             size=10, gap=1.5)
        _table(pdf, ("Đơn vị trước sắp xếp", f"Mức đạt chuẩn ngày {format_date(row.eve)}", "Quyết định công nhận",
                     "Tiêu chí đạt (bản đánh giá gần nhất)"), (50, 34, 60, 36),
               [(f"{p.unit.name} ({p.unit.code})",
                 p.level_label + (" (tạm thời)" if p.status.provisional else ""),
                 "; ".join(f"{label}: {d.number} ngày {format_date(d.date)}" if d else label
                           for label, d in p.levels) or "—",
                 (f"{format_number(p.assessment.criteria_met)}/{format_number(p.assessment.criteria_total)} "
                  f"({p.assessment.year})") if p.assessment else "—")
                for p in row.predecessors])
    if card.groups_apply:
        heading("Nhóm xã (Quyết định 51/2025/QĐ-TTg)")
        if card.groups:
            _table(pdf, ("Nhóm", "Áp dụng", "Quyết định", "Cơ quan ban hành"), (60, 36, 44, 40),
                   [(g.get_group_display(),
                     f"{format_date(g.valid_from)} – {format_date(g.valid_to) if g.valid_to else 'nay'}",
                     (g.decision_number + (f" ngày {format_date(g.decision_date)}" if g.decision_date else ""))
                     if g.decision_number else "—", g.authority or "—") for g in card.groups])
        else:
            text("Xã chưa được xếp nhóm: các chỉ tiêu có ngưỡng theo nhóm xã chưa xác định được.", size=10)

    # the assessment
    if a is None:
        heading("Kết quả đánh giá")
        text("Xã chưa có bản đánh giá theo bộ tiêu chí xã nông thôn mới đến năm đang xem.", size=10)
    else:
        heading(f"Kết quả năm {a.year} theo {a.criteria_set.name}")
        about = [f"Trạng thái hồ sơ: {a.get_state_display()}"]
        if a.evaluated_at:
            about.append(f"tính lúc {timezone.localtime(a.evaluated_at):%H:%M} "
                         f"{format_date(timezone.localtime(a.evaluated_at))}")
        if a.synthetic:
            about.append("dữ liệu minh họa (demo)")
        text(" · ".join(about), size=9.5, colour=MUTED, gap=2)
        if card.revocation_due:
            text(f"Thuộc diện xem xét thu hồi (Quyết định 18/2022/QĐ-TTg): {a.results.get('revoke_reason', '')}",
                 size=10, style="B", colour=RED, gap=2)
        for note in (a.results or {}).get("notes") or ():
            text(note.get("message", ""), size=9.5, style="I", colour=MUTED, gap=1.5)
        if card.criteria:
            _criteria(pdf, card.criteria)
            text(LEGEND, size=8.5, style="I", colour=MUTED, gap=2)
        else:
            text("Bản đánh giá này chưa có kết quả tính; số liệu sẽ được tính khi nhập giá trị chỉ tiêu.", size=10)

    # the decisions
    heading("Quyết định")
    if card.decisions:
        _table(pdf, ("Số, ký hiệu", "Ngày ban hành", "Nội dung", "Cơ quan ban hành"), (40, 26, 64, 50),
               [(d.number, format_date(d.date),
                 f"{d.get_kind_display()}: {d.get_level_display()}" + (f" (năm {d.for_year})" if d.for_year else "")
                 + (" (minh họa)" if d.synthetic else ""), d.authority) for d in card.decisions])
    else:
        text("Chưa có quyết định công nhận hoặc thu hồi nào về xã này.", size=10)
    return bytes(pdf.output())


def _figures(pdf, figures: Sequence[tuple[str, str, str | None]], width: float) -> None:
    """The counts as boxes in one row: the figure large, what it counts below."""
    from fpdf.enums import Align, XPos, YPos

    gap = 2.5
    box = (width - gap * (len(figures) - 1)) / len(figures)
    top, x, bottom = pdf.get_y(), pdf.l_margin, pdf.get_y()
    for label, value, status in figures:
        pdf.set_draw_color(215, 222, 217)
        pdf.set_xy(x + 2, top + 2)
        pdf.set_font("report", "B", 13)
        pdf.set_text_color(*STATUS_COLOURS.get(status, GREEN))
        pdf.multi_cell(box - 4, 6, _nfc(value), align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font("report", "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(box - 4, 3.8, _nfc(label), align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottom = max(bottom, pdf.get_y() + 2)
        x += box + gap
    x = pdf.l_margin
    for _ in figures:
        pdf.rect(x, top, box, bottom - top)
        x += box + gap
    pdf.set_text_color(*INK)
    pdf.set_xy(pdf.l_margin, bottom + 3)


def _grid(pdf, widths: Sequence[float], aligns):
    """An fpdf2 table in the scorecard's style: 9 pt, light rules, shaded headings repeated on each page, each cell's
    text from its top."""
    from fpdf.enums import Align, TableCellFillMode, VAlign
    from fpdf.fonts import FontFace

    pdf.set_font("report", "", 9)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(215, 222, 217)
    return pdf.table(col_widths=widths, width=sum(widths), align=Align.L, text_align=aligns, line_height=4.4,
                     headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
                     cell_fill_mode=TableCellFillMode.NONE, padding=(0.8, 1.2), first_row_as_headings=True,
                     repeat_headings=1, v_align=VAlign.T)


def _table(pdf, headings: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[str]]) -> None:
    from fpdf.enums import Align

    with _grid(pdf, widths, Align.L) as table:
        heading = table.row()
        for value in headings:
            heading.cell(_nfc(value))
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(_nfc(str(value)))
    pdf.set_y(pdf.get_y() + 3)


def _criteria(pdf, criteria) -> None:
    """Each criterion a shaded row (its verdict at the right), then its indicators."""
    from fpdf.enums import Align
    from fpdf.fonts import FontFace

    aligns = (Align.L, Align.R, Align.R, Align.R, Align.L, Align.L)
    head = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    with _grid(pdf, CRITERIA_WIDTHS, aligns) as table:
        row = table.row()
        for value in CRITERIA_HEADINGS:
            row.cell(_nfc(value))
        for c in criteria:
            row = table.row()
            label = f"{c.code}. {c.name}" + (" (điều kiện công nhận)" if c.condition else "")
            row.cell(_nfc(label), colspan=4, style=head)
            row.cell(_nfc(c.status_label), colspan=2, style=FontFace(
                emphasis="BOLD", fill_color=HEAD_FILL, color=STATUS_COLOURS.get(c.status, MUTED)))
            for i in c.indicators:
                row = table.row()
                row.cell(_nfc(f"{i.code} {i.name}"))
                row.cell(_nfc(i.value))
                row.cell(_nfc(i.threshold))
                row.cell(_nfc(i.gap or "—"))
                row.cell(_nfc(i.status_label), style=FontFace(color=STATUS_COLOURS.get(i.status, MUTED)))
                row.cell(_nfc(_provenance(i)))
    pdf.set_y(pdf.get_y() + 2)
