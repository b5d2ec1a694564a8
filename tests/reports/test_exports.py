"""Report exports: each format opens and shows the dashboard's figures — XLSX read back with openpyxl, DOCX with
python-docx (the administrative-document layout of Decree 30/2020/NĐ-CP), PDF turned into PNG pages with
pdftoppm and saved under artifacts/reports/ for review — through the downloads (login, scope, content types,
file names) and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.shortcuts import resolve_url
from django.urls import reverse
from docx.shared import Pt

from nongthonso.accounts.services import grant
from nongthonso.assessments.models import Assessment
from nongthonso.reports import documents, selectors
from nongthonso.reports.documents import fonts
from nongthonso.reports.documents.figures import ReportFigures, report_figures
from nongthonso.reports.documents.layout import DocumentOptions, vi_long_date
from nongthonso.units.models import Unit
from nongthonso.units.services import find_unit

AS_OF = dt.date(2023, 6, 30)
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"
SUMMARY_PHRASE = "108/126 xã đạt chuẩn nông thôn mới, bằng 85,7%"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TAGLINE = "Độc lập - Tự do - Hạnh phúc"


@pytest.fixture
def figures(db) -> ReportFigures:
    return report_figures("19", AS_OF)


def _save(name: str, content: bytes) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(content)
    return path


def _words(text: str) -> str:
    return " ".join(text.split())


# --- XLSX -------------------------------------------------------------------------------------------------

def _items(ws) -> dict[str, object]:
    return {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}


@pytest.mark.django_db
def test_the_xlsx_reads_back_with_the_dashboards_figures(figures, province_19):
    content = documents.build("xlsx", figures)
    _save("summary.xlsx", content)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Tổng hợp", "Theo huyện", "Theo tiêu chí"]

    ws = wb["Tổng hợp"]
    items = _items(ws)
    assert items["Tổng số xã"] == 126 and items["Xã đạt chuẩn nông thôn mới"] == 108
    assert items["Tỷ lệ xã đạt chuẩn nông thôn mới"] == pytest.approx(85.7)
    assert items["Bình quân tiêu chí đạt/xã"] == pytest.approx(18.2)
    assert (items["Xã đạt chuẩn nông thôn mới nâng cao"], items["Xã đạt chuẩn nông thôn mới kiểu mẫu"],
            items["Xóm nông thôn mới kiểu mẫu"], items["Số xã dưới 10 tiêu chí"]) == (17, 4, 88, 0)
    assert items["Số liệu đến ngày"].date() == AS_OF
    assert SUMMARY_PHRASE in items["Tóm tắt"]
    # numbers are stored as numbers, shown with Excel number formats (the reader's locale separators)
    cells = {row[0].value: row[1] for row in ws.iter_rows(min_row=2) if row[0].value}
    assert isinstance(cells["Tổng số xã"].value, int) and cells["Tổng số xã"].number_format == "#,##0"
    assert cells["Tỷ lệ xã đạt chuẩn nông thôn mới"].number_format == "0.0"
    for sheet in wb:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1] if cell.value)
        assert sheet.column_dimensions["B"].width >= 20

    ws = wb["Theo huyện"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(rows) == 9
    assert sum(r[2] for r in rows) == 126 and sum(r[3] for r in rows) == 108
    total = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "Tổng cộng"]
    assert total and total[0][2:4] == (126, 108)
    # the same rows as the dashboard's district table
    table = selectors.district_table(province_19, AS_OF)
    assert [(r[0], r[1], r[2], r[3], r[8]) for r in rows] == [
        (d.code, d.name, d.communes, d.ntm, d.avg_criteria) for d in table]

    ws = wb["Theo tiêu chí"]
    shares = selectors.criterion_shares(province_19, AS_OF)
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(shares) == 19
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [(s["code"], s["met"], s["assessed"], s["share"])
                                                        for s in shares]


# --- DOCX -------------------------------------------------------------------------------------------------

def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.django_db
def test_the_docx_is_an_administrative_document(figures):
    options = DocumentOptions(number="25", signer="Nguyễn Văn A",
                                      recipients=["Như trên;", "- Lưu: VT, VPĐP."])
    content = documents.build("docx", figures, options)
    _save("summary.docx", content)
    document = docx.Document(io.BytesIO(content))

    # page: A4, the decree's margins, Times New Roman 13 pt
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 20 <= round(section.top_margin.mm) <= 25 and 20 <= round(section.bottom_margin.mm) <= 25
    assert 30 <= round(section.left_margin.mm) <= 35 and 15 <= round(section.right_margin.mm) <= 20
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)
    for p in document.paragraphs:
        for run in p.runs:
            assert run.font.name in (None, "Times New Roman")  # inherits Normal's font

    # header block: issuing body (left) beside the national motto (right), borderless
    head = document.tables[0]
    left, right = head.cell(0, 0).text, head.cell(0, 1).text
    assert "UBND TỈNH THÁI NGUYÊN" in left and "VĂN PHÒNG ĐIỀU PHỐI NTM" in left
    assert MOTTO in right and TAGLINE in right
    tagline = next(r for p in head.cell(0, 1).paragraphs for r in p.runs if r.text == TAGLINE)
    assert tagline.underline and tagline.bold
    assert 'w:val="nil"' in head._tbl.tblPr.xml  # no borders
    assert head.cell(1, 0).text == "Số: 25/BC-VPĐP"
    date_line = head.cell(1, 1).paragraphs[0]
    assert date_line.text == "Thái Nguyên, ngày 30 tháng 6 năm 2023"
    assert all(run.italic for run in date_line.runs)

    # title, body with the dashboard's paragraph, the tables
    texts = [p.text for p in document.paragraphs]
    title = texts.index("BÁO CÁO")
    assert document.paragraphs[title].runs[0].bold
    assert document.paragraphs[title].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert _words(texts[title + 1]) == ("Kết quả xây dựng nông thôn mới trên địa bàn tỉnh Thái Nguyên đến ngày "
                                        "30/6/2023")
    assert figures.text in texts and SUMMARY_PHRASE in figures.text
    districts = document.tables[1]
    assert [c.text for c in districts.rows[0].cells][:3] == ["TT", "Đơn vị", "Số xã"]
    assert len(districts.rows) == 1 + 9 + 1 and districts.rows[-1].cells[2].text == "126"
    assert districts.rows[-1].cells[4].text == "85,7%"
    assert len(document.tables[2].rows) == 1 + 19

    # recipients (bottom left) and signature block (bottom right)
    foot = document.tables[-1]
    recipients, signature = foot.cell(0, 0), foot.cell(0, 1)
    heading = recipients.paragraphs[0]
    assert heading.text == "Nơi nhận:" and heading.runs[0].bold and heading.runs[0].italic
    assert [p.text for p in recipients.paragraphs[1:]] == ["- Như trên;", "- Lưu: VT, VPĐP."]
    lines = [p.text for p in signature.paragraphs if p.text]
    assert lines == ["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "(Ký, ghi rõ họ tên, đóng dấu)", "Nguyễn Văn A"]
    assert document.core_properties.language == "vi-VN"


@pytest.mark.django_db
def test_the_document_defaults(figures):
    document = docx.Document(io.BytesIO(documents.build("docx", figures)))
    text = _all_text(document)
    assert "Số:" in text and "/BC-VPĐP" in text  # the number is left for the clerk
    assert "Lưu: VT, VPĐP." in text and "UBND các huyện, thành phố thuộc tỉnh Thái Nguyên;" in text
    assert "(Ký, ghi rõ họ tên, đóng dấu)" in text
    assert vi_long_date(dt.date(2023, 2, 5)) == "ngày 05 tháng 02 năm 2023"  # Decree 30's leading zeros
    assert vi_long_date(dt.date(2023, 12, 24)) == "ngày 24 tháng 12 năm 2023"


# --- PDF --------------------------------------------------------------------------------------------------

def _tool(name: str) -> str | None:
    """A poppler tool; in CI it must be there (.ci/run installs poppler-utils)."""
    path = shutil.which(name)
    if path is None and os.environ.get("CI"):
        pytest.fail(f"{name} (Debian package poppler-utils) is missing in CI")
    return path


@pytest.mark.django_db
def test_the_pdf_opens_and_is_saved_as_png_pages(figures):
    content = documents.build("pdf", figures, DocumentOptions(number="25"))
    pdf = _save("summary.pdf", content)
    assert content.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", content))
    assert pages >= 1
    font = fonts.report_font()
    assert font.family.replace(" ", "").encode() in content  # the Vietnamese font is embedded

    pdftotext = _tool("pdftotext")
    if pdftotext:
        text = _words(subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                     check=True, timeout=60).stdout.decode())
        for expected in (MOTTO, TAGLINE, "VĂN PHÒNG ĐIỀU PHỐI NTM", "Số: 25/BC-VPĐP",
                         "Thái Nguyên, ngày 30 tháng 6 năm 2023", "BÁO CÁO", SUMMARY_PHRASE, "Nơi nhận:",
                         "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Huyện Đại Từ", "Quốc phòng và An ninh"):
            assert expected in text, expected

    pdftoppm = _tool("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; the PDF was checked without rendering it")
    for old in ARTIFACTS.glob("summary-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-r", "110", "-png", str(pdf), str(ARTIFACTS / "summary")], check=True, timeout=120)
    images = sorted(ARTIFACTS.glob("summary-*.png"))
    assert len(images) == pages and images[0].name == "summary-1.png"
    from PIL import Image

    with Image.open(images[0]) as image:
        assert image.width < image.height  # portrait A4
        dark = sum(image.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255:])
        assert dark > 5000  # text was drawn, not a blank page


@pytest.mark.django_db
def test_a_missing_font_is_a_clear_vietnamese_error(figures, tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "_font_dirs", lambda: [tmp_path])
    with pytest.raises(fonts.ReportFontMissing, match="Không tìm thấy phông chữ có đủ dấu tiếng Việt"):
        documents.build("pdf", figures)


def test_a_font_without_vietnamese_is_passed_over(tmp_path, settings):
    """Liberation Serif 1.x (Debian's fonts-liberation) has no ơ, ư, ạ …: a folder of such files is passed over
    for the next place that has a font with Vietnamese (matplotlib's DejaVu Serif)."""
    liberation = Path("/usr/share/fonts/truetype/liberation")
    regular = liberation / "LiberationSerif-Regular.ttf"
    if not regular.is_file() or fonts._covers_vietnamese(regular):
        pytest.skip("no Liberation Serif without Vietnamese on this machine")
    shutil.copy(regular, tmp_path / "times.ttf")
    shutil.copy(liberation / "LiberationSerif-Bold.ttf", tmp_path / "timesbd.ttf")
    assert fonts._find_font((tmp_path,)) is None
    settings.NONGTHONSO_REPORT_FONT_DIR = str(tmp_path)
    assert fonts.report_font().family == "DejaVu Serif"


# --- downloads --------------------------------------------------------------------------------------------

def _url(fmt: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"unit": "19", "as_of": "2023-06-30", **params}.items())
    return f"{reverse(f'report_{fmt}')}?{query}"


@pytest.mark.django_db
def test_the_downloads_require_a_login(client):
    for fmt in documents.FORMATS:
        response = client.get(_url(fmt))
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", documents.FORMATS)
def test_each_download_has_its_type_and_file_name(admin_client, fmt):
    assert reverse(f"report_{fmt}") == f"/bao-cao/tong-hop.{fmt}"
    response = admin_client.get(_url(fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == documents.CONTENT_TYPES[fmt]
    assert response["Content-Disposition"] == f'attachment; filename="bao-cao-tong-hop-19-2023-06-30.{fmt}"'
    content = response.content
    if fmt == "xlsx":
        assert _items(openpyxl.load_workbook(io.BytesIO(content))["Tổng hợp"])["Xã đạt chuẩn nông thôn mới"] == 108
    elif fmt == "docx":
        assert SUMMARY_PHRASE in _all_text(docx.Document(io.BytesIO(content)))
    else:
        assert content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_the_document_parameters_come_from_the_query(admin_client):
    response = admin_client.get(_url("docx", number="17", signer="Trần Thị B", recipient="Như trên;",
                                     date="2023-07-03"))
    text = _all_text(docx.Document(io.BytesIO(response.content)))
    assert "Số: 17/BC-VPĐP" in text and "Trần Thị B" in text and "- Như trên;" in text
    assert "Thái Nguyên, ngày 03 tháng 7 năm 2023" in text
    response = admin_client.get(_url("pdf", as_of="30-06-2023"))
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()


@pytest.mark.django_db
def test_the_downloads_follow_the_dashboards_scope(client, django_user_model):
    district = Unit.objects.valid_on(AS_OF).get(code="171", unit_type__level__code="huyen")
    user = django_user_model.objects.create_user("vpdp.daitu.baocao", password=None)
    grant(user, "district_office", district)
    client.force_login(user)
    response = client.get(f"{reverse('report_xlsx')}?as_of=2023-06-30")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-tong-hop-171-2023-06-30.xlsx"'
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = [r for r in wb["Theo huyện"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert [r[0] for r in rows] == ["171"]
    assert _items(wb["Tổng hợp"])["Tổng số xã"] == rows[0][2]
    # a unit outside the user's scope is refused, not replaced by another
    response = client.get(_url("pdf"))
    assert response.status_code == 403
    assert "nằm ngoài phạm vi được giao của bạn" in response.content.decode()


@pytest.mark.django_db
def test_a_user_without_a_role_downloads_the_published_figures(client, django_user_model):
    Assessment.objects.update(state="draft")  # nothing published: assessment figures are withheld
    client.force_login(django_user_model.objects.create_user("khach.baocao", password=None))
    response = client.get(f"{reverse('report_xlsx')}?as_of=2023-06-30")
    assert response.status_code == 200
    items = _items(openpyxl.load_workbook(io.BytesIO(response.content))["Tổng hợp"])
    assert items["Xã đạt chuẩn nông thôn mới"] == 108  # decisions are public
    assert items["Số xã có bản đánh giá"] == 0 and items["Bình quân tiêu chí đạt/xã"] is None


@pytest.mark.django_db
def test_the_dashboard_links_the_downloads(admin_client, client):
    html = admin_client.get("/bang-dieu-khien/", {"as_of": "2023-06-30", "unit": "19"}).content.decode()
    line = re.search(r"<p class=\"note\" data-downloads>.*?</p>", html, re.S).group(0)
    assert "Tải báo cáo" in line
    for fmt in documents.FORMATS:
        assert f'href="/bao-cao/tong-hop.{fmt}?unit=19&amp;as_of=2023-06-30"' in line
    assert "data-downloads" not in client.get("/", {"as_of": "2023-06-30"}).content.decode()  # public page


@pytest.mark.django_db
def test_a_download_without_a_font_says_what_to_install(admin_client, tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "_font_dirs", lambda: [tmp_path])
    response = admin_client.get(_url("pdf"))
    assert response.status_code == 503
    assert "fonts-dejavu-core" in response.content.decode()


# --- CLI --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("fmt", documents.FORMATS)
def test_the_cli_writes_each_format(tmp_path, fmt):
    out = tmp_path / f"bao-cao.{fmt}"
    call_command("report", "summary", "--unit", "19", "--as-of", "2023-06-30", "--format", fmt,
                 "--output", str(out), "--number", "25", "--signer", "Nguyễn Văn A", stderr=io.StringIO())
    content = out.read_bytes()
    if fmt == "xlsx":
        assert _items(openpyxl.load_workbook(out)["Tổng hợp"])["Tổng số xã"] == 126
    elif fmt == "docx":
        text = _all_text(docx.Document(str(out)))
        assert "Số: 25/BC-VPĐP" in text and "Nguyễn Văn A" in text and SUMMARY_PHRASE in text
    else:
        assert content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_the_cli_needs_an_output_file_for_binary_formats():
    with pytest.raises(CommandError, match="cần --output"):
        call_command("report", "summary", "--unit", "19", "--as-of", "2023-06-30", "--format", "pdf")
    with pytest.raises(CommandError, match="Không có đơn vị mã «99»"):
        call_command("report", "summary", "--unit", "99", "--as-of", "2023-06-30", "--format", "xlsx",
                     "--output", os.devnull)


@pytest.mark.django_db
def test_report_figures_are_the_dashboards(figures, province_19):
    assert find_unit("19", AS_OF) == province_19
    assert figures.data.ntm == 108 and figures.data.communes_total == 126
    assert [d.code for d in figures.districts] == [d.code for d in selectors.district_table(province_19, AS_OF)]
