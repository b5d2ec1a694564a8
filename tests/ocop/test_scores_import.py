"""The ``ocop-scores`` import (command line, web, API share it): council members' points from CSV or XLSX, all rows
or nothing, a Vietnamese error per row naming the column, the value and the fix; only the offices that rate OCOP
products over the product's unit; audited; every evaluation touched refreshed once."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from nongthonso.audit.models import AuditEntry
from nongthonso.core import registry
from nongthonso.core.imports import ImportFailed
from nongthonso.demo import ocop_demo
from nongthonso.ocop.imports_scores import COLUMNS, import_scores
from nongthonso.ocop.models import Evaluation, MemberScore

pytestmark = pytest.mark.django_db
HEADER = [*COLUMNS, "round_date"]
SEATED = ("Chủ tịch", "Phó chủ tịch", "Ủy viên")


@pytest.fixture(autouse=True)
def _without_the_demo_scores(db):
    """These tests count every member score and take the 148 sheet as one no council has used yet: the demo's OCOP
    rows (``nongthonso.demo.ocop_demo``) out of the way."""
    ocop_demo.clear()


def _file(tmp_path, rows, fmt: str = "csv", header=HEADER):
    path = tmp_path / f"diem-cham.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        path.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        book = Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        book.save(path)
    return path


def _sheet_rows(w, fractions=(0.9, 0.8, 0.7)) -> list[list]:
    """Every seated member's points on every criterion, ``fraction`` of the maximum each (points as Vietnamese
    writes them)."""
    return [[w.product.code, w.round.name, member, code, str(points).replace(".", ","), ""]
            for member, fraction in zip(SEATED, fractions, strict=True) for code, points in w.full(fraction).items()]


def _state() -> tuple:
    return (list(MemberScore.objects.order_by("pk").values_list("member_id", "criterion_id", "points")),
            list(Evaluation.objects.order_by("pk").values_list("total", "stars")), AuditEntry.objects.count())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_council_sheet_is_imported_audited_and_scored(tmp_path, scoring_world, fmt):
    w = scoring_world
    path = _file(tmp_path, _sheet_rows(w), fmt)
    n = 3 * len(w.criteria)
    preview = import_scores(path, dry_run=True, user=w.office)
    assert (preview.created, preview.updated) == (n, 0) and not MemberScore.objects.exists()
    result = import_scores(path, user=w.office)
    assert result.created == n
    evaluation = Evaluation.objects.get(pk=w.evaluation.pk)
    assert evaluation.complete and evaluation.total == Decimal("81.60") and evaluation.stars == 4
    entries = AuditEntry.objects.filter(model="ocop.evaluation", user=w.office)
    assert entries.count() == 3 and {e.after["member"] for e in entries} == set(SEATED)
    assert all(e.note == "Nhập tệp diem-cham." + fmt for e in entries)
    again = import_scores(path, user=w.office)
    assert (again.created, again.updated, again.unchanged) == (0, 0, n)


def test_a_corrected_point_replaces_the_recorded_one(tmp_path, scoring_world):
    w = scoring_world
    import_scores(_file(tmp_path, _sheet_rows(w)))
    # by the round's number and the member's name without diacritics; an empty point clears it
    rows = [[w.product.code, str(w.round.pk), "chu tich", "C2.1", "1", ""],
            [w.product.code, w.round.name, "Ủy viên", "B2.2", "", ""]]
    result = import_scores(_file(tmp_path, rows))
    assert (result.created, result.updated) == (0, 2)
    evaluation = Evaluation.objects.get(pk=w.evaluation.pk)
    assert not evaluation.complete and evaluation.stars is None
    assert MemberScore.objects.get(member=w.members["Chủ tịch"], criterion__code="C2.1").points == Decimal("1.00")


def test_a_bad_file_writes_nothing_and_names_every_error(tmp_path, scoring_world):
    w = scoring_world
    before = _state()
    code, name = w.product.code, w.round.name
    path = _file(tmp_path, [
        ["KHONG-CO", name, "Chủ tịch", "A1.1", "3", ""],
        [code, "Đợt 9", "Chủ tịch", "A1.1", "3", ""],
        [code, name, "Nguyễn Văn Khách", "A1.1", "3", ""],
        [code, name, "Dự khuyết", "A1.1", "3", ""],
        [code, name, "Chủ tịch", "Z9", "3", ""],
        [code, name, "Chủ tịch", "A1.1", "4,5", ""],
        [code, name, "Chủ tịch", "A1.2", "ba", ""],
        [code, name, "Chủ tịch", "A1.3", "2", "31/02/2024"],
        [code, name, "Phó chủ tịch", "A1.1", "1", ""],
        [code, name, "pho chu tich", "A1.1", "2", ""],
    ])
    with pytest.raises(ImportFailed) as failed:
        import_scores(path, user=w.office)
    messages = [str(e) for e in failed.value.errors]
    assert messages[0].startswith("Dòng 2, cột «product_code» (giá trị «KHONG-CO»): không có hồ sơ nào của sản phẩm")
    assert messages[1].startswith(f"Dòng 3, cột «round» (giá trị «Đợt 9»): sản phẩm {code} không được chấm trong "
                                  f"đợt này. Các đợt của sản phẩm: số {w.round.pk} «{name}» ngày 10/9/2024.")
    assert messages[2].startswith("Dòng 4, cột «member» (giá trị «Nguyễn Văn Khách»): hội đồng «Hội đồng OCOP tỉnh "
                                  "Thái Nguyên 2024» không có thành viên tên này. Các thành viên: Chủ tịch,")
    assert "Dòng 5, cột «member» (giá trị «Dự khuyết»): «Dự khuyết» không dự họp đợt" in messages[3]
    assert messages[4].startswith("Dòng 6, cột «criterion» (giá trị «Z9»): phiếu «Phiếu đánh giá sản phẩm OCOP chung "
                                  "theo Quyết định 148/QĐ-TTg» không có tiêu chí mã này. Dùng một trong: A1.1,")
    assert messages[5] == ("Dòng 7, cột «points» (giá trị «4,5»): Điểm 4,5 của tiêu chí A1.1 «Tổ chức sản xuất: nguồn "
                           "nguyên liệu» nằm ngoài thang điểm: ghi từ 0 đến 4 điểm.")
    assert "Dòng 8, cột «points» (giá trị «ba»)" in messages[6] and "không phải là số" in messages[6]
    assert messages[7].startswith("Dòng 9, cột «round_date» (giá trị «31/02/2024»)")
    assert "Dòng 11, cột «criterion» (giá trị «A1.1»): trùng với dòng 10" in messages[8]
    assert len(messages) == 9
    assert _state() == before


def test_only_the_offices_rating_the_products_unit_may_import(tmp_path, scoring_world):
    w = scoring_world
    path = _file(tmp_path, _sheet_rows(w)[:1])
    for user in (w.commune_officer, w.nobody, w.member_user):
        with pytest.raises(ImportFailed, match="không được nhập điểm chấm OCOP"):
            import_scores(path, user=user)
    with pytest.raises(ImportFailed) as failed:
        import_scores(path, user=w.district)  # the office of another district
    assert str(failed.value.errors[0]).startswith("Dòng 2, cột «product_code» (giá trị «TN-KT-001»): Bạn là")
    assert not MemberScore.objects.exists()


def test_two_rounds_of_one_name_need_the_date(tmp_path, scoring_world):
    import datetime as dt

    from nongthonso.ocop.models import Evaluation as Ev
    from nongthonso.ocop.models import Rating, RatingState, Round

    w = scoring_world
    later = Round.objects.create(council=w.council, name=w.round.name, date=dt.date(2024, 11, 5), synthetic=True)
    rating = Rating.objects.create(product=w.product, year=2024, sheet=w.sheet, workflow="ocop-148",
                                   state=RatingState.PROPOSED, synthetic=True)
    Ev.objects.create(rating=rating, round=later)
    with pytest.raises(ImportFailed, match="có nhiều đợt cùng tên"):
        import_scores(_file(tmp_path, [[w.product.code, w.round.name, "Chủ tịch", "A1.1", "3", ""]]))
    result = import_scores(_file(tmp_path, [[w.product.code, w.round.name, "Chủ tịch", "A1.1", "3", "5/11/2024"]]))
    assert result.created == 1
    assert MemberScore.objects.get().evaluation.round == later


def test_the_command_line_imports_a_file(tmp_path, scoring_world):
    w = scoring_world
    path = _file(tmp_path, _sheet_rows(w, (1, 1, 1))[:2])
    out = io.StringIO()
    call_command("import", "ocop-scores", str(path), "--dry-run", stdout=out)
    assert out.getvalue().startswith("Sẽ tạo mới 2, cập nhật 0, giữ nguyên 0 dòng.")
    assert not MemberScore.objects.exists()
    call_command("import", "ocop-scores", str(path), stdout=out)
    assert MemberScore.objects.count() == 2
    assert registry.get(registry.ImportKind, "ocop-scores").may_use(w.office)
    assert not registry.get(registry.ImportKind, "ocop-scores").may_use(w.commune_officer)


def test_the_api_imports_a_file_and_refuses_a_bad_one_row_by_row(tmp_path, scoring_world, token_for, assert_error):
    from django.test import Client

    w = scoring_world
    client = Client()

    def post(path, user, query=""):
        with path.open("rb") as f:
            return client.post(f"/api/imports/ocop-scores{query}", {"file": f},
                               headers={"Authorization": f"Bearer {token_for(user)}"})

    bad = _file(tmp_path, [[w.product.code, w.round.name, "Chủ tịch", "A1.1", "9", ""]])
    refused = assert_error(post(bad, w.office), 422, "import_failed")
    assert (refused["details"][0]["row"], refused["details"][0]["field"]) == (2, "points")
    good = _file(tmp_path, _sheet_rows(w)[:5])
    assert post(good, w.commune_officer).status_code == 403
    response = post(good, w.office, "?dry_run=true")
    assert response.status_code == 200 and response.json()["created"] == 5 and not MemberScore.objects.exists()
    assert post(good, w.office).json()["created"] == 5 and MemberScore.objects.count() == 5


def test_the_columns_may_be_named_in_vietnamese(tmp_path, scoring_world):
    w = scoring_world
    header = ["Mã sản phẩm", "Đợt đánh giá", "Thành viên hội đồng", "Mã tiêu chí", "Điểm", "ngay hop"]
    path = _file(tmp_path, [[w.product.code, w.round.name, "Ủy viên", "A1.1", "2,5", "10/9/2024"]], header=header)
    assert import_scores(path, user=w.office).created == 1
    assert MemberScore.objects.get().points == Decimal("2.50")
