"""OCOP products in the national system's column layout (``ocop.exports``), through the export kind «ocop_national»
(command line, /xuat-du-lieu/, /api/exports/) and the statistics workbook."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from nongthonso.ocop.exports import ASSUMPTIONS, HEADER, national_table, statistics_workbook
from nongthonso.ocop.reports import find_root

from . import stats_world

ocop_world = stats_world.ocop_world  # the fixture

pytestmark = pytest.mark.django_db


def rows_of(table) -> dict[str, dict]:
    return {row[0]: dict(zip(HEADER, row, strict=True)) for row in table.rows}


@pytest.fixture
def scored(ocop_world):
    """Chè Tân Cương's certificate issued on the provincial council's evaluation: two members seated, each giving
    every criterion of the 148 sheet 80% of its maximum (scored through ``ocop.scoring``, the engine's result)."""
    from nongthonso.ocop import scoring
    from nongthonso.ocop.models import Council, CouncilMember, Evaluation, Rating, RatingState, Round

    council = Council.objects.create(name="Hội đồng OCOP tỉnh 2024", unit=ocop_world.province, year=2024,
                                     synthetic=True)
    members = [CouncilMember.objects.create(council=council, full_name=name, order=i)
               for i, name in enumerate(("Chủ tịch", "Ủy viên"))]
    sitting = Round.objects.create(council=council, name="Đợt 1", date=dt.date(2024, 4, 20), synthetic=True)
    sitting.members.set(members)
    rating = Rating.objects.create(product=ocop_world.products.che, year=2024, sheet=ocop_world.sheet,
                                   workflow="ocop-148", state=RatingState.PROPOSED, stage="tinh", synthetic=True)
    evaluation = Evaluation.objects.create(rating=rating, round=sitting)
    compiled = scoring.spec_of(ocop_world.sheet).compiled
    points = {code: round(top * 0.8, 2) for code, top in zip(compiled.criterion_codes, compiled.max_points.tolist(),
                                                             strict=True)}
    for member in members:
        scoring.set_scores(evaluation, member, points)
    Rating.objects.filter(pk=rating.pk).update(state=RatingState.CERTIFIED)  # then decided: the certificate below
    ocop_world.certificates.che.rating = rating
    ocop_world.certificates.che.save(update_fields=["rating"])
    evaluation.refresh_from_db()
    assert evaluation.complete and evaluation.total is not None
    return evaluation


def test_one_row_per_product_with_its_latest_certificate_and_status(ocop_world, scored):
    rows = rows_of(national_table("19", ocop_world.day))
    assert sorted(rows) == ["19-GN-05", "19-MD-02", "19-MO-04", "19-RN-03", "19-TC-01"]  # not the other province's
    che = rows["19-TC-01"]
    assert (che["Hạng sao"], che["Tổng điểm"]) == (4, float(scored.total))
    assert [che[f"Điểm phần {code}"] for code in "ABC"] == [scored.parts[code] for code in "ABC"]
    assert sum(che[f"Điểm phần {code}"] for code in "ABC") == pytest.approx(che["Tổng điểm"])
    assert (che["Xã, phường"], che["Xã, phường khi đăng ký"]) == (ocop_world.van_phu.name, ocop_world.van_yen.name)
    assert che["Tỉnh, thành phố"] == ocop_world.province.name
    assert (che["Loại hình chủ thể"], che["Người đại diện"], che["Điện thoại"]) == (
        "Hợp tác xã", "Nguyễn Văn An", "0912 345 678")
    assert (che["Cấp công nhận"], che["Hiệu lực đến"], che["Tình trạng"]) == (
        "Cấp tỉnh", dt.date(2027, 5, 10), "Còn hiệu lực")
    assert rows["19-GN-05"]["Số quyết định công nhận"] == "450/QĐ-UBND" and rows["19-GN-05"]["Hạng sao"] == 4
    assert rows["19-MO-04"]["Tình trạng"] == "Đã thu hồi" and rows["19-MO-04"]["Ngày thu hồi"] == dt.date(2026, 3, 15)
    assert rows["19-RN-03"]["Cấp công nhận"] == "Trung ương"
    assert rows["19-MD-02"]["Tổng điểm"] is None  # a certificate recorded without its dossier
    assert rows["19-MD-02"]["Xã, phường khi đăng ký"] == ""  # the same commune, its earlier version
    assert all(row["Dữ liệu minh họa"] == "Có" for row in rows.values())


def test_on_an_earlier_date(ocop_world):
    rows = rows_of(national_table("19", dt.date(2027, 9, 1)))
    assert rows["19-MD-02"]["Tình trạng"] == "Hết hiệu lực"
    assert "19-RN-03" in rows
    assert "19-RN-03" not in rows_of(national_table("19", dt.date(2025, 6, 30)))


def test_cells_are_never_formulas(ocop_world, tmp_path):
    producer = ocop_world.producers.coop
    producer.name = '=HYPERLINK("http://example.com","bấm")'
    producer.save(update_fields=["name"])
    target = tmp_path / "ocop.xlsx"
    call_command("export", "ocop_national", "--unit", "19", "--as-of", "2026-06-30", "--output", str(target),
                 stdout=io.StringIO(), stderr=io.StringIO())
    sheet = load_workbook(target).active
    assert [c.value for c in sheet[1]] == list(HEADER)
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == producer.name]
    assert cells and all(c.data_type == "s" for c in cells)
    csv_file = tmp_path / "ocop.csv"
    call_command("export", "ocop_national", "--unit", "19", "--as-of", "2026-06-30", "--output", str(csv_file),
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert "'=HYPERLINK" in csv_file.read_text(encoding="utf-8-sig")


def test_the_workbook_says_what_is_assumed(ocop_world):
    book = load_workbook(io.BytesIO(statistics_workbook(find_root("19", ocop_world.day), ocop_world.day)))
    assert book.sheetnames == ["Ghi chú", "Sản phẩm OCOP", "Thống kê", "Theo xã", "Sắp hết hạn", "Đã thu hồi"]
    notes = [row[1] for row in book["Ghi chú"].iter_rows(min_row=2, values_only=True)]
    assert all(text in notes for text in ASSUMPTIONS) and any("minh họa" in str(n) for n in notes)
    stats = {row[0]: row[1:] for row in book["Thống kê"].iter_rows(min_row=2, values_only=True)}
    assert stats["Tổng số sản phẩm còn hiệu lực"] == (4, 1, 2, 1)
    assert [row[0] for row in book["Sắp hết hạn"].iter_rows(min_row=2, values_only=True)] == ["19-MD-02"]
    assert [row[0] for row in book["Đã thu hồi"].iter_rows(min_row=2, values_only=True)] == ["19-MO-04"]


def test_scoped_in_the_api_and_refused_without_ocop(ocop_world, make_user, token_for, call, assert_error):
    officer = make_user("xa-lam-vy", "commune_officer", ocop_world.lam_vy)
    response = call("GET", "/api/exports/ocop_national?format=xlsx&unit=19&year=2026", token_for(officer))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        "19-GN-05", "19-MO-04", "19-RN-03"]
    stranger = make_user("khong-vai-tro")
    assert_error(call("GET", "/api/exports/ocop_national?unit=19", token_for(stranger)), 403, "forbidden")
