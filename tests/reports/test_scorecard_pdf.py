"""A commune's scorecard as a PDF (``/xa/<id>/ket-qua.pdf``, issue 11 point 12): linked from the scorecard page with
the page's date, year and set; scoped like the page; its text — read back with pdftotext — says what the page says,
each figure taken from the same card the page is built from."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import translation

from nongthonso.accounts.models import Role
from nongthonso.assessments import selectors
from nongthonso.assessments.models import Assessment
from nongthonso.core.text import format_date, format_number
from nongthonso.criteria import confirmations
from nongthonso.criteria.models import Threshold
from nongthonso.recognition.services import status_on
from nongthonso.reports.documents import fonts
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2023, 6, 30)
LAM_VY = "05542"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"  # beside the report documents


def _pdftotext(content: bytes, tmp_path, *options: str) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext (Debian package poppler-utils) is needed: .ci/run installs it")
    path = tmp_path / "scorecard.pdf"
    path.write_bytes(content)
    return subprocess.run([pdftotext, *options, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode()


def _loose(text: str) -> str:
    """Words on one line, hyphens left out: a cell's text wraps inside its cell, and pdftotext drops the hyphen that
    ends a line («xanh -» / «sạch» reads «xanh sạch»)."""
    return " ".join(re.sub(r"[\s-]+", " ", text).split())


def _text(content: bytes, tmp_path) -> str:
    """The PDF's text, as pdftotext reads it, :func:`_loose`."""
    return _loose(_pdftotext(content, tmp_path))


def _first_lines(content: bytes, tmp_path) -> dict[str, str]:
    """{indicator code: the first printed line of its row} (pdftotext -layout: one line across every column)."""
    lines = _pdftotext(content, tmp_path, "-layout").splitlines()
    return {m.group(1): line for line in lines if (m := re.match(r"\s*(\d+\.\d+|\d+) \S", line))}


@pytest.fixture
def lam_vy_2023(unit_at):
    return unit_at(LAM_VY, "xa")


@pytest.fixture
def officer(client, make_user, lam_vy_2023):
    """Lam Vỹ's commune officer (on the 2023 commune), signed in."""
    client.force_login(make_user("can-bo-lam-vy", Role.COMMUNE_OFFICER, lam_vy_2023))
    return client


def _pdf_link(client, commune: Unit) -> str:
    html = client.get(f"/xa/{commune.pk}/", {"as_of": AS_OF.isoformat()}).content.decode()
    return re.search(r'<a href="([^"]+)" download data-scorecard-pdf>', html).group(1).replace("&amp;", "&")


def test_the_scorecard_page_links_to_its_pdf_for_the_same_date_year_and_set(officer, lam_vy_2023):
    commune = lam_vy_2023
    link = _pdf_link(officer, commune)
    card = selectors.scorecard(commune, AS_OF)
    assert urlsplit(link).path == f"/xa/{commune.pk}/ket-qua.pdf"
    assert parse_qs(urlsplit(link).query) == {"as_of": [AS_OF.isoformat()], "year": [str(card.assessment.year)],
                                              "set": [card.assessment.criteria_set.code]}


def test_the_pdf_says_what_the_scorecard_says(officer, lam_vy_2023, tmp_path):
    commune = lam_vy_2023
    response = officer.get(_pdf_link(officer, commune))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="ket-qua-{LAM_VY}-2023.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"scorecard-{LAM_VY}-2023.pdf").write_bytes(response.content)
    text = _text(response.content, tmp_path)

    with translation.override("vi"):
        card = selectors.scorecard(commune, AS_OF)
    a = card.assessment
    for expected in (f"{commune.name} {commune.parent.name}, {commune.parent.parent.name} · Mã {commune.code}",
                     f"{card.level_label} Mức công nhận đến ngày {format_date(AS_OF)}",
                     f"{format_number(a.criteria_met)}/{format_number(a.criteria_total)}",
                     f"Kết quả năm {a.year} theo {a.criteria_set.name}",
                     f"Trạng thái hồ sơ: {a.get_state_display()}"):
        assert _loose(expected) in text, expected
    first_lines = _first_lines(response.content, tmp_path)
    for c in card.criteria:
        assert _loose(f"{c.code}. {c.name}") in text
        for i in c.indicators:
            assert _loose(f"{i.code} {i.name}") in text
            # the row's first line: the name's first words, then the first word of each other cell, in order
            cells = [cell.split()[0] for cell in (i.value, i.threshold, i.gap or "—", i.status_label,
                                                  i.provenance_label)]
            assert re.search(r"\s.*?".join(map(re.escape, cells)), first_lines[i.code]), (i.code, cells)
    for d in card.decisions:
        assert _loose(f"{d.number} {format_date(d.date)}") in text
    assert re.search(r"Trang 1/(\d+)", text)
    assert "Lịch sử thay đổi" not in text  # the history of edits stays on the page


def test_a_merged_commune_shows_where_it_came_from(client, make_user, new_unit, lam_vy, tmp_path):
    today, commune = dt.date(2026, 6, 30), lam_vy
    client.force_login(make_user("vp-tinh", Role.PROVINCE_OFFICE, new_unit("19", "tinh")))
    response = client.get(f"/xa/{commune.pk}/ket-qua.pdf", {"as_of": today.isoformat()})
    assert response.status_code == 200
    text = _text(response.content, tmp_path)
    card = selectors.scorecard(commune, today)
    assert "Hình thành do sắp xếp đơn vị hành chính" in text
    for row in card.lineage:
        for p in row.predecessors:
            assert _loose(f"{p.unit.name} ({p.unit.code})") in text
    assert _loose("Nhóm xã (Quyết định 51/2025/QĐ-TTg)") in text


def test_the_pdf_is_scoped_like_the_page(client, officer, lam_vy_2023):
    other = Unit.objects.valid_on(AS_OF).rural_communes().exclude(code=LAM_VY).first()
    assert officer.get(f"/xa/{other.pk}/").status_code == 404
    response = officer.get(f"/xa/{other.pk}/ket-qua.pdf")
    assert response.status_code == 404
    assert other.name not in response.content.decode(errors="replace")
    client.logout()
    response = client.get(f"/xa/{lam_vy_2023.pk}/ket-qua.pdf")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_what_cannot_be_printed_is_said_in_vietnamese(officer, lam_vy_2023, tmp_path, monkeypatch):
    pk = lam_vy_2023.pk
    response = officer.get(f"/xa/{pk}/ket-qua.pdf", {"as_of": AS_OF.isoformat(), "year": "2099"})
    assert response.status_code == 404
    assert response.content.decode() == "Xã Lam Vỹ không có bản đánh giá năm 2099; chọn một năm trong danh sách."
    response = officer.get(f"/xa/{pk}/ket-qua.pdf", {"year": "hai nghìn"})
    assert response.status_code == 400
    assert response.content.decode().startswith("Năm «hai nghìn» không hợp lệ; nhập năm bằng số, ví dụ 2023.")
    response = officer.get(f"/xa/{pk}/ket-qua.pdf", {"as_of": "31/02/2023"})
    assert response.status_code == 400 and response.content.decode().startswith("Ngày «31/02/2023» không hợp lệ")
    monkeypatch.setattr(fonts, "_font_dirs", lambda: [tmp_path])
    response = officer.get(f"/xa/{pk}/ket-qua.pdf", {"as_of": AS_OF.isoformat()})
    assert response.status_code == 503
    assert response.content.decode().startswith("Không tìm thấy phông chữ có đủ dấu tiếng Việt")


def test_the_pdf_is_in_vietnamese_whatever_the_pages_language(officer, lam_vy_2023, tmp_path):
    officer.cookies["django_language"] = "en"
    pk = lam_vy_2023.pk
    text = _text(officer.get(f"/xa/{pk}/ket-qua.pdf", {"as_of": AS_OF.isoformat()}).content, tmp_path)
    assert "Kết quả năm 2023 theo" in text and "Đạt chuẩn theo số liệu" in text


def test_the_pdf_says_which_thresholds_the_province_confirmed_and_revokes_only_a_level_held(
        client, make_user, new_unit, tmp_path):
    """Issue 11, items 7 and 8, in the PDF as on the page: a threshold confirmed by the province shows its citation;
    a commune holding no level is not «thuộc diện xem xét thu hồi», whatever its results."""
    failing = next(a for a in Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025", revoke=True)
                   .select_related("unit", "criteria_set").order_by("unit__code")
                   if not status_on(a.unit, AS_OF).levels)
    office = make_user("vp-tinh", Role.PROVINCE_OFFICE, new_unit("19", "tinh"))
    roads = Threshold.objects.get(indicator__criteria_set=failing.criteria_set, indicator__code="2.1")
    confirmations.confirm(office, failing.criteria_set, "19", [roads.pk], confirmations.Citation(
        document="Quyết định 318/QĐ-TTg ngày 08/3/2022", appendix="Phụ lục I", page="5"))
    client.force_login(office)
    response = client.get(f"/xa/{failing.unit.pk}/ket-qua.pdf", {"as_of": AS_OF.isoformat()})
    text = _text(response.content, tmp_path)
    assert _loose("Đã xác nhận: Quyết định 318/QĐ TTg ngày 08/3/2022, Phụ lục I, trang 5") in text
    assert "Thuộc diện xem xét thu hồi" not in text
