"""``/api/units``: a commune's group (Decision 51/2025/QĐ-TTg) is the one in force on the date asked, with the whole
history of the provincial decisions; the list reads the groups of a page in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nongthonso.units.models import CommuneGroupAssignment, Unit

pytestmark = pytest.mark.django_db
NEW_FROM = dt.date(2025, 7, 1)


@pytest.fixture
def commune() -> Unit:
    """A rural commune of Thái Nguyên since 1/7/2025, in group 2 in 2026 and group 1 from 2027 (the demo's groups
    are set aside: the test's own decide)."""
    CommuneGroupAssignment.objects.all().delete()
    province = Unit.objects.get(code="19", valid_from=NEW_FROM)
    unit = Unit.objects.filter(parent=province, unit_type__is_rural=True).order_by("code").first()
    CommuneGroupAssignment.objects.create(unit=unit, group=2, valid_from=dt.date(2026, 2, 15),
                                          valid_to=dt.date(2026, 12, 31), decision_number="120/QĐ-UBND",
                                          decision_date=dt.date(2026, 2, 10), authority="UBND tỉnh Thái Nguyên")
    CommuneGroupAssignment.objects.create(unit=unit, group=1, valid_from=dt.date(2027, 1, 1),
                                          decision_number="45/QĐ-UBND", decision_date=dt.date(2026, 12, 20),
                                          note="đô thị hóa", synthetic=True)
    return unit


HISTORY = [
    {"group": 2, "valid_from": "2026-02-15", "valid_to": "2026-12-31", "decision_number": "120/QĐ-UBND",
     "decision_date": "2026-02-10", "authority": "UBND tỉnh Thái Nguyên", "note": "", "synthetic": False},
    {"group": 1, "valid_from": "2027-01-01", "valid_to": None, "decision_number": "45/QĐ-UBND",
     "decision_date": "2026-12-20", "authority": "", "note": "đô thị hóa", "synthetic": True},
]


@pytest.mark.parametrize(("as_of", "group"), [("2026-01-31", None), ("2026-06-30", 2), ("2027-03-01", 1)])
def test_a_unit_gives_its_group_on_the_date_asked_and_its_history(province_token, commune, as_of, group, call):
    data = call("GET", f"/api/units?as_of={as_of}&code={commune.code}", province_token).json()
    assert [(u["id"], u["commune_group"], u["commune_group_history"]) for u in data["items"]] == [
        (commune.pk, group, HISTORY)]
    one = call("GET", f"/api/units/{commune.pk}?as_of={as_of}", province_token).json()
    assert (one["commune_group"], one["commune_group_history"]) == (group, HISTORY)


def test_without_a_date_the_group_is_todays(province_token, commune, monkeypatch, call):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2026, 5, 1))
    assert call("GET", f"/api/units/{commune.pk}", province_token).json()["commune_group"] == 2


def test_a_unit_never_grouped_has_none_and_an_empty_history(province_token, call):
    province = Unit.objects.get(code="19", valid_from=NEW_FROM)
    data = call("GET", f"/api/units/{province.pk}?as_of=2026-06-30", province_token).json()
    assert (data["commune_group"], data["commune_group_history"]) == (None, [])


def test_the_groups_of_a_page_are_read_in_one_query(province_token, commune, call):
    for other in Unit.objects.filter(parent=commune.parent, unit_type__is_rural=True).exclude(pk=commune.pk)[:20]:
        CommuneGroupAssignment.objects.create(unit=other, group=3, valid_from=dt.date(2026, 2, 15))
    url = "/api/units?as_of=2026-06-30&level=xa&limit={}"
    call("GET", url.format(1), province_token)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert call("GET", url.format(5), province_token).status_code == 200
    with CaptureQueriesContext(connection) as many:
        page = call("GET", url.format(60), province_token).json()
    assert len(many) == len(few)
    assert sum(1 for u in page["items"] if u["commune_group"] == 3) == 20
