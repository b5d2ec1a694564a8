"""Pilot smart communes and villages: the province office designates them and records their recognition (audited; no
one else may), a village's values are judged against the province's smart-village criteria, and each commune's smart
villages are set beside the model-commune rule (≥ 1 smart village, the threshold read from the catalogue)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.criteria.choices import Level
from nongthonso.recognition.models import Decision
from nongthonso.smart import services
from nongthonso.smart.models import Pilot, PilotValue
from nongthonso.smart.services import DecisionText, Refused, Rejected
from nongthonso.smart.villages import communes_villages, pilots_progress, register_communes
from nongthonso.units.models import Unit, UnitType

pytestmark = pytest.mark.django_db
URL = reverse("smart_pilots")
END_2023 = dt.date(2023, 12, 31)
DECISION = {"decision_number": "1234/QĐ-UBND", "decision_date": "20/5/2023", "authority": "UBND tỉnh Thái Nguyên"}


def _designate(client, **fields):
    return client.post(URL, {"tinh": "19", "nam": "2023", **DECISION, **fields})


def test_the_province_office_designates_a_pilot_commune(client, users, at_2023):
    client.force_login(users.office)
    response = _designate(client, kind="commune", commune="05635")
    assert response.status_code == 302
    pilot = Pilot.objects.get(kind="commune", commune=at_2023("05635"))
    assert (pilot.decision_number, pilot.decision_date, pilot.created_by) == ("1234/QĐ-UBND", dt.date(2023, 5, 20),
                                                                              users.office)
    entry = AuditEntry.objects.get(model="smart.pilot", object_id=str(pilot.pk), action="create")
    assert entry.user == users.office and entry.after["commune"] == "05635"
    html = client.get(response["Location"]).content.decode()
    assert f'data-pilot="{pilot.pk}"' in html and "Đã ghi" in html


def test_only_the_province_office_may_designate(client, users):
    for user in (users.district, users.commune, users.viewer):
        client.force_login(user)
        assert "data-designate-form" not in client.get(URL, {"nam": "2023"}).content.decode()
        assert _designate(client, kind="commune", commune="05635").status_code == 403
    with pytest.raises(Refused, match="Văn phòng Điều phối NTM tỉnh"):
        services.designate_pilot(users.district, kind="commune", commune=Unit.objects.get(code="05635"),
                                 decision=DecisionText(**{"number": "1", "date": "1/1/2023", "authority": "UBND"}))
    assert not Pilot.objects.filter(commune__code="05635").exists()


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"kind": "village", "commune": "05641"}, "village", "thiếu thôn, xóm"),
    ({"kind": "village", "commune": "05641", "village": "05635-X01"}, "village", "không thuộc Xã Tức Tranh"),
    ({"kind": "commune", "commune": "05641"}, "commune", "đã được chọn thí điểm"),  # the demo's pilot
    ({"kind": "commune", "commune": "05641", "village_name": "Xóm Mới"}, "village", "không ghi thôn, xóm"),
    ({"kind": "commune", "commune": "05635", "decision_date": "20/5/2099"}, "decision_date", "ở tương lai"),
    ({"kind": "commune", "commune": "05635", "authority": ""}, "decision_authority", "thiếu cơ quan ban hành"),
])
def test_a_wrong_designation_is_refused_naming_the_field(client, users, fields, field, message):
    client.force_login(users.office)
    before = Pilot.objects.count()
    response = _designate(client, **fields)
    html = response.content.decode()
    assert response.status_code == 400
    found = re.search(rf'data-error="{field}">(.*?)</p>', html, re.S)
    assert found and message in found.group(1)
    assert Pilot.objects.count() == before


def test_a_ward_is_not_a_commune_for_a_pilot(users, at_2023):
    ward = Unit.objects.valid_on(END_2023).filter(unit_type__code="phuong", path__startswith="/1/").first()
    with pytest.raises(Rejected) as refused:
        services.designate_pilot(users.office, kind="commune", commune=ward,
                                 decision=DecisionText("1/QĐ-UBND", "1/3/2023", "UBND tỉnh"))
    assert "không phải xã" in refused.value.errors["commune"]


def test_a_named_village_is_recognised_and_counts_for_its_commune(client, users, at_2023):
    commune = at_2023("05635")
    pilot = services.designate_pilot(users.office, kind="village", commune=commune, village_name="Xóm Đồng Chằm",
                                     decision=DecisionText("77/QĐ-UBND", "2/2/2023", "UBND tỉnh Thái Nguyên"))
    client.force_login(users.office)
    url = reverse("smart_pilot", args=[pilot.pk])
    refused = client.post(url, {"nam": "2023", "recognise": "1", "recognition_number": "88/QĐ-UBND",
                                "recognised_on": "1/1/2023", "recognition_authority": "UBND huyện"})
    assert refused.status_code == 400 and "trước ngày chọn thí điểm" in refused.content.decode()
    assert client.post(url, {"nam": "2023", "recognise": "1", "recognition_number": "88/QĐ-UBND",
                             "recognised_on": "5/9/2023", "recognition_authority": "UBND huyện"}).status_code == 302
    pilot.refresh_from_db()
    assert pilot.recognised_on == dt.date(2023, 9, 5)
    assert AuditEntry.objects.filter(model="smart.pilot", object_id=str(pilot.pk), action="update").exists()
    (row,) = communes_villages(at_2023("19", "tinh"), [commune], 2023, END_2023)
    assert row.recognised == ["Xóm Đồng Chằm"] and row.rule.status == "met" and row.rule.threshold == "≥ 1"
    (before,) = communes_villages(at_2023("19", "tinh"), [commune], 2023, dt.date(2023, 9, 4))
    assert before.count == 0 and before.designated == ["Xóm Đồng Chằm"] and before.rule.status == "not_met"


def test_a_village_recognised_by_a_decision_counts_once(users, at_2023, province_2023):
    commune = at_2023("05635")
    village = Unit.objects.filter(parent=commune, unit_type__code="xom").order_by("code").first()
    decision = Decision.objects.create(number="9/QĐ-UBND", date=dt.date(2023, 6, 1), authority="UBND huyện",
                                       level=Level.THON_THONG_MINH, for_year=2023)
    decision.units.add(village)
    (row,) = communes_villages(province_2023, [commune], 2023, END_2023)
    assert row.recognised == [village.name]
    pilot = services.designate_pilot(users.office, kind="village", commune=commune, village=village,
                                     decision=DecisionText("7/QĐ-UBND", "2/2/2023", "UBND tỉnh"))
    services.recognise_pilot(users.office, pilot, DecisionText("9/QĐ-UBND", "1/6/2023", "UBND huyện"))
    (row,) = communes_villages(province_2023, [commune], 2023, END_2023)
    assert row.count == 1


def test_the_register_agrees_with_the_demos_model_commune_dossiers(province_2023):
    communes = register_communes(province_2023, 2023, END_2023)
    rows = communes_villages(province_2023, communes, 2023, END_2023)
    with_dossier = [r for r in rows if r.rule.dossier_value is not None]
    assert len(with_dossier) == 8  # the demo's eight 2023 model-commune dossiers
    assert all(r.consistent for r in with_dossier)
    assert {r.rule.status for r in with_dossier if r.count} == {"met"}
    assert {r.rule.status for r in with_dossier if not r.count} == {"not_met"}
    tuc_tranh = next(r for r in rows if r.commune.code == "05641")
    assert tuc_tranh.recognised == ["Xóm Khe Cốc"] and len(tuc_tranh.designated) == 1


def test_a_villages_values_are_judged_against_the_provinces_criteria(client, users, province_2023):
    pilot = Pilot.objects.get(village_name="Xóm Khe Cốc")
    (state,) = pilots_progress([pilot], province_2023, 2023, END_2023)
    assert state.result.criteria_met == state.result.criteria_total == 7 and state.recognised
    client.force_login(users.office)
    url = reverse("smart_pilot", args=[pilot.pk])
    response = client.post(url, {"nam": "2023", "value_4.1": "60", "value_1.2": "không", "source": "Rà soát 2023"})
    assert response.status_code == 302
    assert PilotValue.objects.get(pilot=pilot, indicator_code="4.1", year=2023).value == 60
    (state,) = pilots_progress([pilot], province_2023, 2023, END_2023)
    assert state.result.criteria_met == 5  # 4.1 below 77%, and 1.2: no free Wi-Fi
    html = client.get(url, {"nam": "2023"}).content.decode()
    assert 'data-criteria-met="5/7"' in html and '<tr data-indicator="4.1" data-status="not_met">' in html
    wrong = client.post(url, {"nam": "2023", "value_4.1": "120", "value_9.9": "1"})
    assert wrong.status_code == 400
    assert "lớn hơn 100%" in wrong.content.decode()
    assert PilotValue.objects.get(pilot=pilot, indicator_code="4.1", year=2023).value == 60


def test_the_pilots_page_lists_the_demo_pilots_for_a_viewer_without_the_form(client, users):
    client.force_login(users.viewer)
    html = client.get(URL, {"nam": "2023"}).content.decode()
    assert "Xã Tức Tranh" in html and "Xóm Khe Cốc" in html and "data-designate-form" not in html
    assert 'data-commune="05641" data-count="1" data-rule="met"' in html


def test_a_pilot_outside_the_users_scope_is_not_found(client, users):
    client.force_login(users.commune)  # Tức Tranh
    elsewhere = Pilot.objects.exclude(commune__code="05641").first()
    assert client.get(reverse("smart_pilot", args=[elsewhere.pk])).status_code == 404
    own = Pilot.objects.filter(commune__code="05641").first()
    response = client.get(reverse("smart_pilot", args=[own.pk]), {"nam": "2023"})
    assert response.status_code == 200 and "data-recognise-form" not in response.content.decode()


def test_a_village_of_a_province_without_a_smart_village_set_has_no_criteria(users, small_province):
    hamlet = Unit.objects.create(code="T09101-X1", name="Xóm Thử", parent=small_province.communes[0],
                                 unit_type=UnitType.objects.get(code="xom"), valid_from=dt.date(2000, 1, 1))
    pilot = Pilot.objects.create(kind="village", commune=small_province.communes[0], village=hamlet,
                                 decision_number="1/QĐ", decision_date=dt.date(2023, 1, 1), authority="UBND")
    (state,) = pilots_progress([pilot], small_province.province, 2023, END_2023)
    assert state.result is None
    with pytest.raises(Rejected) as refused:
        services.set_pilot_values(None, pilot, 2023, {"1.1": "90"})
    assert "chưa có bộ tiêu chí thôn thông minh" in refused.value.errors["pilot"]


def test_a_pilot_communes_page_shows_its_smart_villages_and_its_own_progress(client, users):
    pilot = Pilot.objects.get(kind="commune", commune__code="05641")
    client.force_login(users.commune)
    html = client.get(reverse("smart_pilot", args=[pilot.pk]), {"nam": "2023"}).content.decode()
    assert 'data-villages="1"' in html and "Xóm Khe Cốc" in html
    rows = dict(re.findall(r'<tr data-target="([a-z0-9-]+)" data-status="([a-z_]+)">', html))
    # Tức Tranh's own dossier and figures: 8.4 of its NTM dossier, its records and co-operatives figures
    assert rows["qd924-xa-8-4"] == "met" and rows["qd924-nc-8-4"] == "missing"
    assert {"qd924-ho-so-xa", "qd924-htx-cds", "kh154-y-kien-truc-tuyen"} <= set(rows)
