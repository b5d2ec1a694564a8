"""The report as a PDF (fpdf2) with the DOCX's administrative-document layout, in the font ``fonts.report_font``
finds."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from .figures import ReportFigures
from .fonts import report_font
from .layout import (
    BODY_PT,
    FOOTER_LEFT_MM,
    HEADER_LEFT_MM,
    MARGINS_MM,
    SHARE_HEADINGS,
    SIGN_PLACEHOLDER,
    SIGN_SPACE_MM,
    DocumentOptions,
    body_sections,
    district_rows,
    one_line,
    share_rows,
    table_headings,
    title_lines,
)


def _nfc(text: str) -> str:
    """Precomposed Vietnamese letters: every one of them is in the font, so no shaping is needed."""
    return unicodedata.normalize("NFC", text)


def build_pdf(figures: ReportFigures, options: DocumentOptions | None = None) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import Align, XPos, YPos

    opts = (options or DocumentOptions()).resolved(figures)
    font = report_font()
    title = one_line(" ".join(title_lines(figures)))

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
