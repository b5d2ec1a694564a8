"""OCOP statistics as of any date (``ocop.reports``) and ``nongthonso report ocop``: every figure counted from the
world's certificates, products, producers and dossiers (tests/ocop/stats_world.py)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nongthonso.ocop.reports import statistics, statistics_text
from nongthonso.units.services import UnitNotFound

from . import stats_world

ocop_world = stats_world.ocop_world  # the fixture

pytestmark = pytest.mark.django_db


def test_products_in_force_by_stars_and_group(ocop_world):
    data = statistics("19", ocop_world.day)
    # revoked Mật ong out; Gạo nếp once, at its latest decision's 4★; the other province's Trà hoa vàng out
    assert data.products_total == 4
    assert data.products_by_stars == {"5": 1, "4": 2, "3": 1}
    groups = {row.code: (row.total, row.by_stars) for row in data.products_by_group}
    assert list(groups) == ["1", "2", "3", "4", "5", "6"]  # every group of the catalogue, in its order
    assert groups["1"] == (2, {"5": 0, "4": 1, "3": 1}) and groups["2"] == (2, {"5": 1, "4": 1, "3": 0})
    assert all(groups[code] == (0, {"5": 0, "4": 0, "3": 0}) for code in "3456")


def test_a_merged_communes_products_count_under_the_commune_in_force(ocop_world):
    rows = {row.code: row for row in statistics("19", ocop_world.day).products_by_commune}
    van_phu = rows[ocop_world.van_phu.code]
    assert (van_phu.total, van_phu.by_stars) == (2, {"5": 0, "4": 1, "3": 1})
    assert van_phu.former == [ocop_world.van_yen.name] and van_phu.in_force
    assert rows[ocop_world.lam_vy.code].total == 2
    assert sum(row.total for row in rows.values()) == 4


def test_before_the_merger_the_old_commune_is_its_own_row(ocop_world):
    data = statistics("19", dt.date(2024, 12, 31))
    rows = {row.name: row for row in data.products_by_commune}
    assert rows[ocop_world.van_yen.name].total == 1 and rows[ocop_world.van_yen.name].former == []
    # on 31/12/2024: Chè, Miến, Mật ong (not yet revoked) and Gạo nếp's first 3★
    assert data.products_by_stars == {"5": 0, "4": 1, "3": 3}


def test_expiring_and_revoked(ocop_world):
    data = statistics("19", ocop_world.day)
    expiring = data.expiring_90_days
    assert expiring.until == dt.date(2026, 9, 28)
    assert [(i.product_code, i.valid_until) for i in expiring.items] == [("19-MD-02", dt.date(2026, 8, 1))]
    assert expiring.count == 1
    revoked = data.revoked_in_period
    assert revoked.count == 1 and revoked.by_stars == {"5": 0, "4": 0, "3": 1}
    assert revoked.items[0].revocation_reason == "Không đăng ký đánh giá lại"
    # a period that ends before the revocation
    assert statistics("19", dt.date(2026, 3, 14)).revoked_in_period.count == 0
    assert statistics("19", ocop_world.day, period_start=dt.date(2026, 3, 16)).revoked_in_period.count == 0


def test_gao_nep_renewed_before_expiry_is_not_expiring(ocop_world):
    """Gạo nếp's first certificate runs out on 1/2/2027, inside 90 days of 1/12/2026, but its 4★ runs to 2029."""
    data = statistics("19", dt.date(2026, 12, 1))
    assert "19-GN-05" not in [item.product_code for item in data.expiring_90_days.items]


def test_producers_by_kind_and_dossiers_by_state_on_the_day(ocop_world):
    data = statistics("19", ocop_world.day)
    kinds = {row.kind: (row.producers, row.certified) for row in data.producers_by_kind}
    assert kinds == {"hop_tac_xa": (1, 1), "doanh_nghiep": (1, 1), "to_hop_tac": (0, 0), "ho_kinh_doanh": (1, 1)}
    assert (data.producers_total, data.producers_certified) == (3, 3)
    states = {row.state: row.ratings for row in data.ratings_in_progress}
    assert states["proposed"] == 1 and data.ratings_in_progress_total == 1
    earlier = {row.state: row.ratings for row in statistics("19", dt.date(2026, 5, 15)).ratings_in_progress}
    assert earlier["submitted"] == 1 and earlier["proposed"] == 0
    assert statistics("19", dt.date(2026, 4, 30)).ratings_in_progress_total == 0


def test_a_commune_and_the_country(ocop_world):
    commune = statistics(ocop_world.van_phu.code, ocop_world.day)
    assert commune.products_total == 2  # its own and its predecessor Văn Yên's
    country = statistics("VN", ocop_world.day)
    assert country.products_total == 5 and country.products_by_stars["4"] == 3


def test_scoped_to_what_the_user_may_see(ocop_world, make_user):
    officer = make_user("can-bo-lam-vy", "commune_officer", ocop_world.lam_vy)
    data = statistics("19", ocop_world.day, user=officer)
    assert data.products_total == 2 and data.products_by_stars == {"5": 1, "4": 1, "3": 0}
    member = make_user("htx-che")
    ocop_world.producers.coop.members.add(member)
    assert statistics("19", ocop_world.day, user=member).products_total == 1
    assert statistics("19", ocop_world.day, user=make_user("nobody")).products_total == 0


def test_paragraph_in_vietnamese(ocop_world):
    text = statistics_text(statistics("19", ocop_world.day))
    assert text.startswith("Tính đến 30/6/2026, tỉnh Thái Nguyên có 4 sản phẩm OCOP còn hiệu lực: 1 sản phẩm 5 sao, "
                           "2 sản phẩm 4 sao, 1 sản phẩm 3 sao, của 3 chủ thể.")
    assert "1 sản phẩm hết hạn giấy chứng nhận trong 90 ngày tới (đến 28/9/2026)" in text
    assert "Trong năm 2026 đã thu hồi 1 giấy chứng nhận." in text
    assert "dữ liệu minh họa" in text


def test_wrong_unit_or_period(ocop_world):
    with pytest.raises(UnitNotFound):
        statistics("99999", ocop_world.day)
    with pytest.raises(ValueError, match="Đầu kỳ"):
        statistics("19", ocop_world.day, period_start=dt.date(2026, 7, 1))


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", "ocop", *args, stdout=out)
    return out.getvalue()


def test_command_json_and_text(ocop_world):
    data = json.loads(run("--unit", "19", "--as-of", "2026-06-30", "--format", "json"))
    assert {"products_by_stars", "products_by_group", "expiring_90_days", "revoked_in_period"} <= set(data)
    assert data["products_by_stars"] == {"5": 1, "4": 2, "3": 1}
    assert data["expiring_90_days"]["items"][0]["valid_until"] == "2026-08-01"
    text = run("--unit", "19", "--as-of", "2026-06-30")
    assert text.startswith("Tính đến 30/6/2026, tỉnh Thái Nguyên có 4 sản phẩm OCOP")


def test_command_xlsx_needs_output(ocop_world, tmp_path):
    from openpyxl import load_workbook

    with pytest.raises(CommandError, match="--output"):
        run("--unit", "19", "--as-of", "2026-06-30", "--format", "xlsx")
    target = tmp_path / "ocop.xlsx"
    call_command("report", "ocop", "--unit", "19", "--as-of", "2026-06-30", "--format", "xlsx", "--output",
                 str(target), stdout=io.StringIO(), stderr=io.StringIO())
    book = load_workbook(target)
    assert "Sản phẩm OCOP" in book.sheetnames and "Thống kê" in book.sheetnames


def test_command_errors_in_vietnamese(ocop_world):
    with pytest.raises(CommandError, match="Không có đơn vị mã «99999»"):
        run("--unit", "99999", "--as-of", "2026-06-30")
    with pytest.raises(CommandError, match="ngày"):
        run("--unit", "19", "--as-of", "30-06-2026")
