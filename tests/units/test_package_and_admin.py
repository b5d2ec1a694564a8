"""Loading any province from the package; the admin pages and the ``units`` command."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from vietnamadminunits.database import query

from nongthonso.units import services
from nongthonso.units.models import LineageEvent, Unit
from nongthonso.units.packages import load_province_2025_from_package, load_province_from_package

pytestmark = pytest.mark.django_db


def test_a_centrally_run_city_loads_with_its_district_types():
    # given Hà Nội in the package's three-tier list
    expected = query("SELECT COUNT(*) AS n, COUNT(DISTINCT districtCode) AS d FROM admin_units_legacy "
                     "WHERE provinceCode = '01' AND wardCode != ''")[0]
    # when it is loaded for 2025-01-01 … 2025-06-30
    hanoi = load_province_from_package("01", dt.date(2025, 1, 1), dt.date(2025, 6, 30), "DBSH")
    # then province, districts and communes are versions with the right types and names
    assert (hanoi.name, hanoi.unit_type.code, hanoi.region) == ("Thành phố Hà Nội", "thanh_pho_tw", "DBSH")
    on = dt.date(2025, 3, 1)
    assert services.units_valid_on(on, within=hanoi, level="huyen").count() == expected["d"]
    assert services.units_valid_on(on, within=hanoi, level="xa").count() == expected["n"]
    ba_dinh = services.unit_on("001", on)
    assert (ba_dinh.name, ba_dinh.unit_type.code, ba_dinh.parent) == ("Quận Ba Đình", "quan", hanoi)
    son_tay = Unit.objects.get(code="269", valid_from=dt.date(2025, 1, 1))
    assert (son_tay.name, son_tay.unit_type.code) == ("Thị xã Sơn Tây", "thi_xa")
    # and loading it again changes nothing
    count = Unit.objects.count()
    assert load_province_from_package("01", dt.date(2025, 1, 1), dt.date(2025, 6, 30), "DBSH") == hanoi
    assert Unit.objects.count() == count


def test_a_two_tier_province_loads_with_communes_under_the_province():
    cao_bang = load_province_2025_from_package("04", dt.date(2025, 7, 1), region="TDMNPB")
    expected = query("SELECT COUNT(*) AS n FROM admin_units WHERE provinceCode = '04'")[0]["n"]
    communes = services.communes(cao_bang, dt.date(2026, 1, 1), rural_only=False)
    assert communes.count() == expected
    assert {c.parent_id for c in communes} == {cao_bang.pk}


def test_the_admin_lists_units_and_events(admin_client, history):
    # a quoted phrase, folded like search_text ("xa van phu 05845")
    response = admin_client.get("/admin/units/unit/", {"q": '"Vạn Phú"'})
    assert response.status_code == 200
    assert "Xã Vạn Phú" in response.content.decode()
    assert response.context["cl"].result_count == 2  # the 2024 version and the 2025 one
    event = LineageEvent.objects.filter(legal_basis__contains="1240").first()
    assert admin_client.get("/admin/units/lineageevent/").status_code == 200
    assert admin_client.get(f"/admin/units/lineageevent/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/units/unittype/").status_code == 200
    assert admin_client.get("/admin/units/unitlevel/").status_code == 200


def test_the_units_command_shows_a_code_over_time(history):
    out = io.StringIO()
    call_command("units", "show", "05569", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "05569 Xã Bảo Cường (1/10/2022 – 30/11/2024) — Tỉnh Thái Nguyên › Huyện Định Hóa"
    assert "    sau: 05569 Thị trấn Chợ Chu (1/12/2024 – 30/6/2025)" in lines
    out = io.StringIO()
    call_command("units", "list", "--on", "30/06/2023", "--within", "19", "--level", "xa", "--rural", stdout=out)
    assert out.getvalue().splitlines()[-1] == "126 đơn vị."
