"""Certificates as PDF (fpdf2, in the font ``reports.documents.fonts.report_font`` finds — every Vietnamese letter):
one A4 landscape page per certificate, with the issuing body and the national motto, the holder's name, position and
unit, the course, its dates and form, the sessions attended, the number and date, the signature block, and a QR
code (segno) carrying the address of the public verification page, printed beside it as text.

Nothing here queries or decides: the caller passes certificates that may be printed (``certificates.for_pdf``) with
their participant (and unit) and course loaded, and the address of each one's verification page.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence

from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import bare_name
from nongthonso.reports.documents.pdf import start_document

from .checkin import qr_png
from .models import Certificate

INK = (29, 35, 32)
GREEN = (27, 107, 58)
MUTED = (91, 102, 95)
MARGIN = 14
SIGN_PLACEHOLDER = "(Ký, ghi rõ họ tên, đóng dấu)"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def filename(course_code: str, number: str | None = None) -> str:
    """``chung-nhan-<course>.pdf`` (every certificate) or ``chung-nhan-<course>-<number>.pdf``."""
    tail = "" if number is None else "-" + number.replace("/", "-")
    return f"chung-nhan-{course_code}{tail}.pdf"


def build_certificates_pdf(certificates: Sequence[Certificate], verify_url: Callable[[Certificate], str],
                           attended: dict[int, tuple[int, int]] | None = None) -> bytes:
    """One page per certificate. ``verify_url(c)``: the address its QR code carries; ``attended``: participant id →
    (sessions attended, sessions of the course), printed when given. Raises ``fonts.ReportFontMissing``."""
    from fpdf import FPDF
    from fpdf.enums import Align, XPos, YPos

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    start_document(pdf, "Giấy chứng nhận hoàn thành khoá tập huấn")
    width = pdf.w - 2 * MARGIN

    def centred(text: str, size: float, style: str = "", colour=INK, gap: float = 1.35) -> None:
        pdf.set_font("report", style, size)
        pdf.set_text_color(*colour)
        pdf.set_x(MARGIN)
        pdf.multi_cell(width, size * 0.3528 * gap, _nfc(text), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    for certificate in certificates:
        person = certificate.participant
        course = person.course
        pdf.add_page()
        # the frame: a thick and a thin rule
        pdf.set_draw_color(*GREEN)
        pdf.set_line_width(1.2)
        pdf.rect(7, 7, pdf.w - 14, pdf.h - 14)
        pdf.set_line_width(0.3)
        pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
        pdf.set_draw_color(*INK)

        # header: the issuing body (left), the national motto (right)
        top = MARGIN + 2
        half = width / 2
        pdf.set_text_color(*INK)
        for x, lines in ((MARGIN, [(course.organiser.name.upper(), ""),
                                   ((course.organiser_name or "").upper(), "B")]),
                         (MARGIN + half, [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B"),
                                          ("Độc lập - Tự do - Hạnh phúc", "B")])):
            pdf.set_xy(x, top)
            for text, style in lines:
                if not text:
                    continue
                pdf.set_font("report", style, 12)
                pdf.set_x(x)
                pdf.cell(half, 6, _nfc(text), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_line_width(0.3)
        pdf.line(MARGIN + half + half / 2 - 28, top + 13, MARGIN + half + half / 2 + 28, top + 13)

        pdf.set_y(top + 24)
        centred("GIẤY CHỨNG NHẬN", 30, "B", GREEN, gap=1.2)
        centred("HOÀN THÀNH KHOÁ TẬP HUẤN", 15, "B", GREEN)
        pdf.set_y(pdf.get_y() + 4)
        centred("Chứng nhận Ông/Bà", 13, "I", MUTED)
        centred(person.full_name, 24, "B")
        details = " · ".join(part for part in (person.position, person.unit.name if person.unit else "") if part)
        if details:
            centred(details, 13)
        pdf.set_y(pdf.get_y() + 3)
        centred("đã tham gia khoá tập huấn", 13, "I", MUTED)
        centred(f"«{course.title}»", 16, "B")
        when = (format_date(course.starts_on) if course.starts_on == course.ends_on
                else f"từ ngày {format_date(course.starts_on)} đến ngày {format_date(course.ends_on)}")
        line = f"Thời gian: {when} · Hình thức: {course.get_mode_display().lower()}"
        if attended and person.pk in attended:
            done, total = attended[person.pk]
            line += f" · Tham dự {done}/{total} buổi"
        centred(line, 12)
        if course.plan:
            centred(f"Căn cứ: {course.plan}", 11, "I", MUTED)

        # bottom: the QR code and the number (left), the place, date and signature (right)
        qr_size = 34
        bottom = pdf.h - MARGIN - 4
        qr_top = bottom - qr_size - 12
        url = verify_url(certificate)
        pdf.image(io.BytesIO(qr_png(url)), x=MARGIN + 4, y=qr_top, w=qr_size, h=qr_size)
        pdf.set_xy(MARGIN + 4 + qr_size + 3, qr_top + 4)
        pdf.set_font("report", "B", 11)
        pdf.cell(90, 5.5, _nfc(f"Số: {certificate.number}"), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font("report", "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(100, 4.5, _nfc("Xác minh giấy chứng nhận: quét mã QR hoặc mở địa chỉ"), new_x=XPos.LEFT,
                 new_y=YPos.NEXT)
        size = 9.5  # the address on one line, smaller when it is long
        while size > 6 and pdf.get_string_width(url) > 100:
            size -= 0.5
            pdf.set_font("report", "", size)
        pdf.cell(100, 4.5, url, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        x, w = MARGIN + half, half
        pdf.set_xy(x, qr_top - 6)
        place = bare_name(course.organiser.name)
        day = certificate.issued_on
        pdf.set_font("report", "I", 12)
        pdf.cell(w, 6, _nfc(f"{place}, ngày {day.day} tháng {day.month} năm {day.year}"), align=Align.C,
                 new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font("report", "B", 12.5)
        pdf.cell(w, 6, _nfc((course.organiser_name or "THỦ TRƯỞNG ĐƠN VỊ").upper()), align=Align.C,
                 new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font("report", "I", 11)
        pdf.set_text_color(*MUTED)
        pdf.cell(w, 5.5, _nfc(SIGN_PLACEHOLDER), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
    return bytes(pdf.output())
