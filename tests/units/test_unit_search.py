"""The unit picker's search: units found by name without diacritics or by code (``units.search``), and its endpoint
``/don-vi/tim/`` (``accounts.views_units``), which offers only the units the user may see — the units of the user's
roles, or for the public pages the home province's — as JSON for the picker script, or as a page that carries the
chosen code back to the form when scripts do not run (issue 11, point 14)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import nongthonso
from nongthonso.accounts.models import Role
from nongthonso.units.models import Unit, UnitType
from nongthonso.units.search import Period, search

pytestmark = pytest.mark.django_db
URL = "/don-vi/tim/"
TODAY = Period.on(dt.date(2026, 6, 30))  # two tiers: communes directly under the province
MID_2023 = Period.on(dt.date(2023, 6, 30))  # three tiers: Huyện Đại Từ (171) and its communes


def _codes(found) -> list[str]:
    return [u.code for u in found.units]


def _json(client, **params):
    response = client.get(URL, {"format": "json", **params})
    return response.status_code, response.json()


@pytest.mark.parametrize("typed", ["dai tu", "Đại Từ", "ĐẠI TỪ", "  tu   dai ", "xa dai tu"])
def test_a_name_is_found_however_it_is_typed(typed):
    assert _codes(search(TODAY.units(), typed)) == ["05830"]


def test_a_code_typed_in_full_comes_first():
    found = search(MID_2023.units(), "171")
    assert found.units[0].name == "Huyện Đại Từ"
    assert all("171" in u.code for u in found.units)


def test_provinces_before_districts_before_communes_then_alphabetical():
    found = search(MID_2023.units(), "dai")
    depths = [u.unit_type.level.depth for u in found.units]
    assert depths == sorted(depths)
    communes = [u for u in found.units if u.unit_type.level.code == "xa"]
    assert [u.sort_key for u in communes] == sorted(u.sort_key for u in communes)


def test_hamlets_are_never_offered():
    hamlets = MID_2023.units().filter(unit_type__level__code="xom")
    assert hamlets.filter(search_text__contains="xom").exists()  # they would match
    found = search(MID_2023.units(), "xom", limit=1000)
    assert all(u.unit_type.level.code != "xom" for u in found.units)


def test_a_year_offers_every_unit_in_force_in_it_once_per_code():
    found = search(Period.year(2025).units(), "dai tu")
    assert sorted(_codes(found)) == ["05830", "171"]  # the district to 30/6, the commune from 1/7
    province = search(Period.year(2025).units(), "19").units[0]
    assert (province.code, province.valid_from) == ("19", dt.date(2025, 7, 1))  # the latest of its two versions


def test_many_matches_are_capped_and_said_so():
    found = search(TODAY.units(), "xa", limit=5)
    assert len(found.units) == 5 and found.truncated
    assert not search(TODAY.units(), "").units


# --- the endpoint ---------------------------------------------------------------------------------------------------

def test_signed_out_users_may_search_only_the_public_units(client):
    status, data = _json(client, q="dai tu")
    assert status == 401 and data["results"] == [] and "Đăng nhập" in data["status"]
    response = client.get(URL, {"q": "dai tu"})
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    status, data = _json(client, q="dai tu", scope="public", as_of="2026-06-30")
    assert status == 200
    assert [r["code"] for r in data["results"]] == ["05830"]
    assert data["results"][0] == {"code": "05830", "name": "Xã Đại Từ", "level": "Cấp xã",
                                  "parent": "Tỉnh Thái Nguyên", "dates": ""}
    assert data["status"] == "1 đơn vị khớp «dai tu»."


def test_the_public_scope_is_the_home_province(make_user):
    province = Unit.objects.create(code="T06", name="Tỉnh Thử Nghiệm", unit_type=UnitType.objects.get(code="tinh"),
                                   valid_from=dt.date(1997, 1, 1), synthetic=True)
    Unit.objects.create(code="T06101", name="Xã Đại Từ Thử Nghiệm", parent=province,
                        unit_type=UnitType.objects.get(code="xa"), valid_from=dt.date(1997, 1, 1), synthetic=True)
    anonymous = Client()
    _, data = _json(anonymous, q="dai tu", scope="public", as_of="2026-06-30")
    assert [r["code"] for r in data["results"]] == ["05830"]
    admin = make_user("quan-tri", is_superuser=True, is_staff=True)
    signed_in = Client()
    signed_in.force_login(admin)
    _, data = _json(signed_in, q="dai tu", as_of="2026-06-30")
    assert sorted(r["code"] for r in data["results"]) == ["05830", "T06101"]  # a superuser sees every province


def test_a_province_office_finds_any_unit_of_its_province(client, make_user, new_unit):
    client.force_login(make_user("vpdp", Role.PROVINCE_OFFICE, new_unit("19", "tinh")))
    _, data = _json(client, q="dai tu", as_of="2026-06-30")
    assert [r["code"] for r in data["results"]] == ["05830"]
    _, data = _json(client, q="dai tu", year="2025")
    assert {r["code"]: r["dates"] for r in data["results"]} == {"171": "1/10/2022 – 30/6/2025",
                                                                "05830": "1/7/2025 – nay"}


def test_a_commune_officer_is_offered_only_the_units_of_the_role(client, make_user, lam_vy):
    client.force_login(make_user("can-bo", Role.COMMUNE_OFFICER, lam_vy))
    _, data = _json(client, q="dai tu", as_of="2026-06-30")
    assert data["results"] == []
    assert data["status"] == ("Không có đơn vị nào khớp «dai tu» trong phạm vi bạn được xem (còn hiệu lực ngày "
                              "30/6/2026). Kiểm tra tên (gõ không dấu cũng được), mã GSO hoặc ngày.")
    _, data = _json(client, q="lam vy", as_of="2026-06-30")
    assert [r["code"] for r in data["results"]] == ["05542"]
    # and, by lineage, the communes Lam Vỹ was formed from, on a date before the merger
    _, data = _json(client, q="xa", as_of="2025-06-30")
    assert {r["name"] for r in data["results"]} == {"Xã Lam Vỹ", "Xã Linh Thông"}


def test_a_role_of_another_app_is_offered_its_units_too(client, make_user, new_unit, lam_vy):
    # a training organiser (no dossier role) types the participants' units; a bridge-point host, its commune's
    client.force_login(make_user("tap-huan", "training_organiser", new_unit("19", "tinh")))
    _, data = _json(client, q="dai tu", as_of="2026-06-30")
    assert [r["code"] for r in data["results"]] == ["05830"]
    client.force_login(make_user("diem-cau", "bridge_host", lam_vy))
    _, data = _json(client, q="dai tu", as_of="2026-06-30")
    assert data["results"] == []
    _, data = _json(client, q="lam vy", as_of="2026-06-30")
    assert [r["code"] for r in data["results"]] == ["05542"]


def test_an_account_without_a_role_is_told_why_nothing_is_offered(client, make_user):
    client.force_login(make_user("chua-co-vai-tro"))
    _, data = _json(client, q="dai tu")
    assert data["results"] == []
    assert data["status"].startswith("Tài khoản của bạn chưa được giao vai trò nào")


def test_the_messages_say_what_to_type_and_when_to_narrow(client):
    _, data = _json(client, q="", scope="public")
    assert data["status"] == "Gõ tên đơn vị (có dấu hoặc không dấu) hoặc mã GSO, ví dụ «dai tu» hoặc «05830»."
    _, data = _json(client, q="xa", scope="public", as_of="2026-06-30")
    assert len(data["results"]) == 20 and data["truncated"]
    assert data["status"] == "Hơn 20 đơn vị khớp «xa»; gõ thêm để thu hẹp."
    _, data = _json(client, q="dai tu", scope="public", year="hai nghìn")
    assert data["problem"].startswith("Năm «hai nghìn» không hợp lệ")
    status, data = _json(client, q="dai tu", scope="everyone")
    assert status == 400 and "«view» hoặc «public»" in data["status"]


def test_as_many_queries_for_twenty_units_as_for_one(client, make_user, new_unit):
    client.force_login(make_user("vpdp", Role.PROVINCE_OFFICE, new_unit("19", "tinh")))
    with CaptureQueriesContext(connection) as one:
        assert len(_json(client, q="lam vy", as_of="2026-06-30")[1]["results"]) == 1
    with CaptureQueriesContext(connection) as twenty:
        assert len(_json(client, q="xa", as_of="2026-06-30")[1]["results"]) == 20
    assert len(twenty) == len(one)


def test_without_scripts_the_page_links_each_unit_back_to_the_form(client):
    response = client.get(URL, {"q": "Đại Từ", "scope": "public", "as_of": "2023-06-30",
                                "next": "/du-lieu-mo/?as_of=2023-06-30#bo-du-lieu", "field": "unit"})
    html = response.content.decode()
    assert response.status_code == 200 and "1 đơn vị khớp «Đại Từ»." in html
    link = response.context["results"][0]["back"]
    parts = urlsplit(link)
    assert (parts.path, parts.fragment) == ("/du-lieu-mo/", "bo-du-lieu")
    assert parse_qs(parts.query) == {"as_of": ["2023-06-30"], "unit": ["171"]}
    assert f'href="{link.replace("&", "&amp;")}"' in html


@pytest.mark.parametrize("target, field", [
    ("https://evil.example/", "unit"), ("//evil.example/x", "unit"), ("javascript:alert(1)", "unit"),
    ("/du-lieu-mo/", "unit&x=1"), ("/du-lieu-mo/", ""),
])
def test_the_way_back_goes_only_to_a_page_of_this_site(client, target, field):
    response = client.get(URL, {"q": "dai tu", "scope": "public", "next": target, "field": field})
    assert response.status_code == 200
    assert response.context["results"] and all(r["back"] is None for r in response.context["results"])
    assert not re.search(r'href="[^"]*evil\.example', response.content.decode())


# --- the forms that take a unit code ----------------------------------------------------------------------------------

def _fields(html: str) -> dict[str, str]:
    """{input id: the picker's scope} of the unit fields of a page."""
    found = re.findall(r'<span class="unit-field" data-unit-search="/don-vi/tim/" data-unit-scope="(\w+)"[^>]*>'
                       r'.*?<input id="([\w-]+)" name="unit"', html, re.S)
    return {field: scope for scope, field in found}


def test_every_form_that_takes_a_unit_code_has_the_picker(client, make_user, new_unit):
    client.force_login(make_user("vpdp", Role.PROVINCE_OFFICE, new_unit("19", "tinh")))
    assert _fields(client.get("/xuat-du-lieu/").content.decode()) == {"template-unit": "view", "export-unit": "view"}
    assert _fields(client.get("/bang-dieu-khien/").content.decode()) == {"dashboard-unit": "view"}
    assert _fields(Client().get("/du-lieu-mo/").content.decode()) == {"open-data-unit": "public"}
    # without scripts: a link to the search page that comes back to this page
    html = Client().get("/du-lieu-mo/?as_of=2023-06-30").content.decode()
    link = re.search(r'<a class="unit-lookup" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {"scope": ["public"], "field": ["unit"], "as_of": ["2023-06-30"],
                                              "next": ["/du-lieu-mo/?as_of=2023-06-30"]}


def test_no_template_asks_for_a_unit_code_in_a_plain_field():
    """A unit code is typed only through _unit_field.html (hidden fields carry a code already chosen)."""
    offenders = []
    for template in Path(nongthonso.__file__).parent.glob("*/templates/**/*.html"):
        for tag in re.findall(r"<input\b[^>]*>", template.read_text(encoding="utf-8")):
            if re.search(r'name="(unit|unit_code)"', tag) and 'type="hidden"' not in tag \
                    and template.name != "_unit_field.html":
                offenders.append(f"{template.name}: {tag}")
    assert offenders == []
