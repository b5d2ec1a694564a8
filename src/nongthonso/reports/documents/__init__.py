"""Report documents: the provincial summary with the tables by group (the district in force in the three-tier
years; for a two-tier province the former district from lineage or the commune group, ``reports.groupings``) and by
criterion, as XLSX, as DOCX laid out as a Vietnamese administrative document (Decree 30/2020/NĐ-CP, Appendix I) and
as PDF with the same layout. A two-tier report says nothing of districts except the labelled former ones.

Nothing here computes a figure: ``figures.report_figures`` gathers what ``reports.services.summary`` and the
dashboard's selectors computed (the views pass the dashboard's own cached figures), and the builders only lay them
out, one module per format; :func:`build` is the one entry point and returns the file's bytes.

- ``xlsx`` (openpyxl): numbers stay numbers; Excel number formats (``#,##0``, ``0.0``) show them with the reader's
  locale separators (1.234 and 85,7 in a Vietnamese Excel).
- ``docx`` (python-docx): Times New Roman, A4, the decree's margins, the national motto beside the issuing body,
  number and symbol, place and date, title, body, recipients and signature block.
- ``pdf`` (fpdf2): the same layout. Times New Roman may not be redistributed, so the PDF embeds DejaVu Serif
  (full Vietnamese coverage), found by ``fonts.report_font`` — see docs/adr/0004-report-formats.md.
- ``layout``: the administrative document's parts and text shared by DOCX and PDF (and the labels XLSX shares).
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from .docx import build_docx
from .figures import ReportFigures
from .layout import DocumentOptions
from .pdf import build_pdf
from .xlsx import build_xlsx

FORMATS = ("xlsx", "docx", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def filename(code: str, as_of: dt.date, fmt: str) -> str:
    """``bao-cao-tong-hop-19-2023-06-30.pdf``: ASCII, so every browser and mail client keeps it."""
    return f"bao-cao-tong-hop-{code}-{as_of.isoformat()}.{fmt}"


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
