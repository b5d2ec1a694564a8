"""The report as a DOCX administrative document (python-docx): Times New Roman, A4, the decree's margins, the
national motto beside the issuing body, number and symbol, place and date, title, body, recipients and signature
block."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .figures import ReportFigures
from .layout import (
    BODY_PT,
    FOOTER_LEFT_MM,
    HEADER_LEFT_MM,
    MARGINS_MM,
    PAGE_MM,
    SHARE_HEADINGS,
    SIGN_PLACEHOLDER,
    DocumentOptions,
    body_sections,
    district_rows,
    one_line,
    share_rows,
    table_headings,
    title_lines,
)

FONT_NAME = "Times New Roman"


@dataclass(frozen=True)
class Table:
    """A table of a document's body: the headings, the rows as text, the columns' widths (mm, adding up to the
    text's width, 165 mm), which columns hold text (left-aligned; the others are figures, right-aligned, the first
    a centred number) and whether the last row is a total (bold)."""

    headings: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths_mm: Sequence[float]
    text_columns: frozenset[int] = frozenset({1})
    total_row: bool = False


def build_docx(figures: ReportFigures, options: DocumentOptions | None = None) -> bytes:
    sections: list[tuple[str, str | Table]] = []
    for kind, text in body_sections(figures):
        if kind == "districts":
            sections.append(("table", Table(table_headings(figures), district_rows(figures),
                                            [10, 45, 15, 20, 18, 20, 20, 17], total_row=True)))
        elif kind == "shares":
            sections.append(("table", Table(SHARE_HEADINGS, share_rows(figures), [12, 103, 25, 25])))
        else:
            sections.append((kind, text))
    return administrative_docx((options or DocumentOptions()).resolved(figures), title_lines(figures), sections)


def administrative_docx(opts: DocumentOptions, title: tuple[str, str],
                        sections: Iterable[tuple[str, str | Table]]) -> bytes:
    """A Vietnamese administrative document (Decree 30/2020/NĐ-CP, Appendix I) with ``opts``'s parts (resolved: every
    field given), the kind of document and its subject ``title``, and the body's ``sections`` in order: ("heading",
    text), ("text", paragraph), ("note", smaller italic text) or ("table", :class:`Table`). Any report laid out as
    one goes through here."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

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
    props.title = one_line(" ".join(title))
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

    kind, subject = title
    _para(doc, kind, size=14, bold=True, align=C, before=18)
    _para(doc, subject, size=14, bold=True, align=C)
    p = _para(doc, "", size=6, align=C)
    _bottom_border(p, indent_mm=(width_mm - 40) / 2)
    _para(doc, "", size=6)

    for kind_, part in sections:
        if isinstance(part, Table):
            _data_table(doc, part.headings, part.rows, part.widths_mm, text_columns=set(part.text_columns),
                        total_row=part.total_row)
        elif kind_ == "heading":
            p = _para(doc, part, bold=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=6, after=6, indent_mm=12.7)
            p.paragraph_format.keep_with_next = True
        elif kind_ == "text":
            _para(doc, part, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=6, indent_mm=12.7, line=1.15)
        elif kind_ == "note":
            _para(doc, part, size=12, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=6, indent_mm=12.7)

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
