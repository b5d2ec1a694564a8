"""The permission matrix of the co-operative registry: every role of the issue (province, district and commune
offices, a viewer, a co-operative's manager on their own and on another co-operative, an account without a role,
anonymous) over the pages and the API, for the co-operative of Vạn Phú."""

from __future__ import annotations

import datetime as dt

import pytest

from nongthonso.coops.models import Cooperative, Sector
from nongthonso.units.models import Unit

from .registry_world import client_of, registry_world  # noqa: F401  (the fixture «registry»)

pytestmark = pytest.mark.django_db

LOGIN = 302  # anonymous: sent to the login page

# who: (list, detail, edit, managers, add a member, API list, API detail) for the Vạn Phú co-operative
MATRIX = {
    "office": (200, 200, 200, 200, 200, 200, 200),
    "officer_vp": (200, 200, 200, 200, 200, 200, 200),
    "officer_lv": (200, 404, 404, 404, 404, 200, 404),
    "viewer": (200, 200, 403, 403, 403, 200, 200),
    "manager_vp": (200, 200, 200, 403, 200, 200, 200),
    "manager_lv": (200, 404, 404, 404, 404, 200, 404),
    "stranger": (403, 404, 404, 404, 404, 200, 404),
    "anonymous": (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 401, 401),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_the_matrix(registry, who, call):
    client = client_of(registry[who])
    base = f"/hop-tac-xa/{registry['vp'].pk}/"
    got = (client.get("/hop-tac-xa/").status_code, client.get(base).status_code,
           client.get(base + "sua/").status_code, client.get(base + "tai-khoan/").status_code,
           client.get(base + "thanh-vien/moi/").status_code, call("GET", "/api/coops", client=client).status_code,
           call("GET", f"/api/coops/{registry['vp'].pk}", client=client).status_code)
    assert got == MATRIX[who]


@pytest.mark.parametrize(("who", "listed"), [
    ("office", {"vp", "lv"}), ("viewer", {"vp", "lv"}), ("officer_vp", {"vp"}), ("officer_lv", {"lv"}),
    ("manager_vp", {"vp"}), ("manager_lv", {"lv"}), ("stranger", set()),
])
def test_lists_hold_what_is_in_scope(registry, who, listed, call):
    client = client_of(registry[who])
    expected = {registry[key].pk for key in listed}
    page = client.get("/hop-tac-xa/")
    if listed:
        assert {c.pk for c in page.context["page"].object_list} == expected
    assert {c["id"] for c in call("GET", "/api/coops", client=client).json()["items"]} == expected


def test_a_district_office_manages_the_cooperatives_of_its_communes(registry, dai_tu, make_user):
    """A co-operative registered in a commune of Huyện Đại Từ while districts existed: its district office sees and
    edits it, not those of another district's communes."""
    commune = Unit.objects.valid_on(dt.date(2023, 6, 30)).filter(parent=dai_tu).order_by("code").first()
    coop = Cooperative.objects.create(name="Hợp tác xã chè Đại Từ", registration_code="4607000050", unit=commune,
                                      sector=Sector.CROPS, synthetic=True)
    district = client_of(make_user("vp.daitu", "district_office", dai_tu))
    assert district.get(f"/hop-tac-xa/{coop.pk}/").status_code == 200
    assert district.get(f"/hop-tac-xa/{coop.pk}/sua/").status_code == 200
    assert district.get(f"/hop-tac-xa/{registry['lv'].pk}/").status_code == 404
    # the forms post through the same checks: another co-operative's manager cannot write to it
    other = client_of(registry["manager_lv"])
    assert other.post(f"/hop-tac-xa/{coop.pk}/so-lieu-nam/moi/", {"year": "2025"}).status_code == 404
