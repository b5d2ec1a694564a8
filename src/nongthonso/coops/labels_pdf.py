"""Label sheets as PDF (fpdf2, in the font ``reports.documents.fonts.report_font`` finds — every Vietnamese letter):
A4 portrait, ``COLUMNS`` × ``ROWS`` labels a page, each with the product name, GTIN and lot number, the production
date and shelf life, the co-operative, the QR code (segno) of the lot's public page and its address as text.

Nothing here queries or decides: the caller passes the lots it may print (scoped) with their co-operative loaded.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence

from nongthonso.core.text import format_date
from nongthonso.reports.documents.pdf import start_document

from . import trace
from .models import Lot

COLUMNS, ROWS = 2, 5  # 10 labels of 95 × 55 mm on A4
MARGIN_X, MARGIN_Y = 10, 11
INK, MUTED, GREEN = (29, 35, 32), (91, 102, 95), (27, 107, 58)
MAX_LABELS = 500


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _qr_png(url: str) -> bytes:
    from .public_trace import qr_of_url

    out = io.BytesIO()
    qr_of_url(url).save(out, kind="png", scale=6, border=1)
    return out.getvalue()


def filename(lot: Lot) -> str:
    return f"tem-{lot.identifier}.pdf"


def build_labels_pdf(lots: Sequence[Lot], copies: int = COLUMNS * ROWS) -> bytes:
    """``copies`` labels of each lot, one after another, ``COLUMNS × ROWS`` a page. Raises
    ``fonts.ReportFontMissing`` when no Vietnamese font is installed."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    start_document(pdf, "Tem truy xuất nguồn gốc")
    width = (pdf.w - 2 * MARGIN_X) / COLUMNS
    height = (pdf.h - 2 * MARGIN_Y) / ROWS
    slots = [lot for lot in lots for _copy in range(copies)][:MAX_LABELS]
    images = {lot.pk: _qr_png(trace.public_url(lot)) for lot in lots}
    for index, lot in enumerate(slots):
        place = index % (COLUMNS * ROWS)
        if place == 0:
            pdf.add_page()
        x = MARGIN_X + (place % COLUMNS) * width
        y = MARGIN_Y + (place // COLUMNS) * height
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=1.5, gap=1.2)  # cut along the dashes
        pdf.rect(x, y, width, height)
        pdf.set_dash_pattern()
        qr = height - 14
        pdf.image(io.BytesIO(images[lot.pk]), x=x + width - qr - 3, y=y + 3, w=qr, h=qr)
        text_w = width - qr - 9
        pdf.set_xy(x + 4, y + 4)
        pdf.set_text_color(*GREEN)
        pdf.set_font("report", "B", 7.5)
        pdf.cell(text_w, 4, _nfc("TRUY XUẤT NGUỒN GỐC"), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        pdf.set_font("report", "B", 11)
        pdf.multi_cell(text_w, 4.8, _nfc(lot.product_name[:80]), new_x=XPos.LEFT, new_y=YPos.NEXT,
                       max_line_height=4.8)
        pdf.set_font("report", "", 8.5)
        lines = [f"GTIN: {lot.gtin}", f"Số lô: {lot.lot_number}", f"Ngày sản xuất: {format_date(lot.produced_on)}"]
        if lot.best_before:
            lines.append(f"Hạn sử dụng: {format_date(lot.best_before)}")
        lines.append(lot.cooperative.name[:70])
        for line in lines:
            pdf.set_x(x + 4)
            pdf.cell(text_w, 4.2, _nfc(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
        url = trace.public_url(lot)
        size = 7.0
        pdf.set_font("report", "", size)
        while size > 4.5 and pdf.get_string_width(url) > width - 8:
            size -= 0.5
            pdf.set_font("report", "", size)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(x + 4, y + height - 8)
        pdf.cell(width - 8, 4, url)
        pdf.set_text_color(*INK)
    return bytes(pdf.output())
