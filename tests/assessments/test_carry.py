"""From 2025 to 2026: a commune's new dossier starts from its own latest values of the 2021-2025 set or, for a commune
formed by a merger, from its predecessors' — the worst case — each marked «mang sang, cần xác nhận» until an officer
confirms it or enters a value over it. The units, lineage and earlier assessments here are the test's own."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from nongthonso.accounts.models import Role
from nongthonso.assessments import carry
from nongthonso.assessments.bulk import store_values
from nongthonso.assessments.errors import ValueRejected
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.assessments.services import get_or_create_assessment, set_value
from nongthonso.assessments.workflow import WorkflowError
from nongthonso.audit.models import AuditEntry
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import LineageEvent, Unit, UnitType

pytestmark = pytest.mark.django_db
OLD_SET, NEW_SET = "xa-ntm-2021-2025", "xa-ntm-2026-2030"
MERGED_ON = dt.date(2025, 7, 1)
WHY_WORST = carry.WHY[carry.WORST_CASE]


def _unit(code: str, name: str, parent: Unit, start: dt.date, end: dt.date | None = None) -> Unit:
    return Unit.objects.create(code=code, name=name, unit_type=UnitType.objects.get(code="xa"), parent=parent,
                               valid_from=start, valid_to=end, synthetic=True)


def _merge(successor: Unit, *predecessors: Unit, on: dt.date = MERGED_ON) -> LineageEvent:
    event = LineageEvent.objects.create(kind="merge", effective_date=on, legal_basis="Nghị quyết thử nghiệm")
    event.predecessors.set(predecessors)
    event.successors.set([successor])
    return event


def _assess(unit: Unit, year: int, values: dict) -> Assessment:
    cset = CriteriaSet.objects.get(code=OLD_SET, superseded_by__isnull=True)
    assessment = Assessment.objects.create(unit=unit, year=year, criteria_set=cset, synthetic=True)
    for code, value in values.items():
        IndicatorValue.objects.create(assessment=assessment, indicator=cset.indicators.get(code=code), value=value)
    return assessment


@pytest.fixture
def world(make_user):
    """New Thái Nguyên (from 1/7/2025) with: «Xã Hợp Nhất», formed on 1/7/2025 from «Xã An» and «Xã Bình» (Bình
    itself formed on 1/12/2024 from «Xã Bình Thượng» and «Xã Bình Hạ», which have assessments, Bình none); «Xã Riêng»,
    with a 2025 assessment of its own; «Xã Thiếu», formed from «Xã An» and «Xã Không Số» (no assessment at all)."""
    province = Unit.objects.get(code="19", valid_from=MERGED_ON)
    old_province = Unit.objects.get(code="19", valid_to=dt.date(2025, 6, 30))
    old_end = dt.date(2025, 6, 30)
    an = _unit("T9001", "Xã An", old_province, dt.date(2020, 1, 1), old_end)
    binh = _unit("T9002", "Xã Bình", old_province, dt.date(2024, 12, 1), old_end)
    thuong = _unit("T9003", "Xã Bình Thượng", old_province, dt.date(2020, 1, 1), dt.date(2024, 11, 30))
    ha = _unit("T9004", "Xã Bình Hạ", old_province, dt.date(2020, 1, 1), dt.date(2024, 11, 30))
    none = _unit("T9005", "Xã Không Số", old_province, dt.date(2020, 1, 1), old_end)
    merged = _unit("T9101", "Xã Hợp Nhất", province, MERGED_ON)
    own = _unit("T9102", "Xã Riêng", province, MERGED_ON)
    missing = _unit("T9103", "Xã Thiếu", province, MERGED_ON)
    event = _merge(merged, an, binh)
    _merge(binh, thuong, ha, on=dt.date(2024, 12, 1))
    _merge(missing, an, none)
    # the latest assessments (2024, 2023) win over older ones (2022); what they hold decides what is carried
    _assess(an, 2022, {"2.2": 10, "2.1": 10})
    _assess(an, 2024, {"2.2": 82.5, "2.1": 100, "1.1": True, "9.1": False, "10": 48.5})
    _assess(thuong, 2023, {"2.2": 76, "2.1": 100, "1.1": False, "9.1": True, "10": 51})
    _assess(ha, 2023, {"2.2": 90, "1.1": True, "9.1": False, "10": 44})  # no 2.1
    _assess(own, 2025, {"2.2": 88, "10": 61.5, "12.1": 95})  # 12.1 has no 2026 counterpart
    cset = CriteriaSet.objects.get(code=NEW_SET, superseded_by__isnull=True)
    officer = make_user("canbo-hopnhat", Role.COMMUNE_OFFICER, merged)
    return SimpleNamespace(province=province, an=an, binh=binh, thuong=thuong, ha=ha, merged=merged, own=own,
                           missing=missing, event=event, cset=cset, officer=officer)


def _carried(assessment: Assessment) -> dict:
    return {v.indicator.code: (v.value, v.carried["rule"]) for v in
            IndicatorValue.objects.filter(assessment=assessment, carried__isnull=False).select_related("indicator")}


def _source(unit: Unit, year: int, code: str, value) -> dict:
    return {"unit_id": unit.pk, "code": unit.code, "name": unit.name, "year": year, "indicator": code, "value": value}


def test_a_merged_commune_starts_from_the_worst_case_of_its_predecessors(world):
    # when the merged commune's 2026 dossier is created
    a = get_or_create_assessment(world.merged, 2026, world.cset, user=world.officer)
    # then each mapped indicator every source has a value for carries the worst of them; 2.1 (Bình Hạ has none)
    # carries nothing
    assert _carried(a) == {
        "2.2": (76, "worst_case"),       # 2.2 ≥: the lowest of 82,5 · 76 · 90
        "1.1": (False, "worst_case"),    # yes/no: «không đạt» when any is
        "2.10": (True, "worst_case"),    # «nhà tạm, dột nát» (met when «không»): «có» when any has
        "3.1": (44, "worst_case"),       # income ≥: the lowest
    }
    roads = IndicatorValue.objects.get(assessment=a, indicator__code="2.2")
    assert roads.carried == {
        "rule": "worst_case", "set": OLD_SET, "why": WHY_WORST,
        "from": [_source(world.an, 2024, "2.2", 82.5), _source(world.ha, 2023, "2.2", 90),
                 _source(world.thuong, 2023, "2.2", 76)],
        "event": {"kind": "merge", "date": "2025-07-01", "legal_basis": "Nghị quyết thử nghiệm"}}
    assert (roads.confirmed_at, roads.confirmed_by, roads.needs_confirmation, roads.updated_by) == (
        None, None, True, world.officer)
    assert roads.source == f"Mang sang từ bộ tiêu chí {OLD_SET} (2023–2024), cần xác nhận"
    assert carry.unconfirmed(a) == ["1.1", "2.2", "2.10", "3.1"]
    # and the dossier has been evaluated with them
    a.refresh_from_db()
    assert a.evaluated_at is not None and a.results["criteria"][0]["code"] == "1"
    assert next(i for c in a.results["criteria"] for i in c["indicators"] if i["code"] == "2.2")["value"] == 76


def test_the_creation_and_each_carried_value_are_audited(world):
    a = get_or_create_assessment(world.merged, 2026, world.cset, user=world.officer)
    created = AuditEntry.objects.get(model="assessments.assessment", object_id=str(a.pk), action="create")
    assert (created.user, created.after) == (world.officer, {
        "unit": "T9101", "year": 2026, "set": NEW_SET, "carried": {"1.1": False, "2.2": 76, "2.10": True, "3.1": 44}})
    values = AuditEntry.objects.filter(model="assessments.indicatorvalue", action="create",
                                       object_id__in=[str(pk) for pk in a.values.values_list("pk", flat=True)])
    assert sorted((e.after["value"], e.after["carried"], e.note) for e in values if e.after["value"] == 76) == [
        (76, "worst_case", f"Mang sang từ năm 2023–2024 ({OLD_SET}), cần xác nhận")]
    assert values.count() == 4 and {e.user for e in values} == {world.officer}


def test_a_commune_with_its_own_assessment_carries_its_own_values(world):
    a = get_or_create_assessment(world.own, 2026, world.cset)
    assert _carried(a) == {"2.2": (88, "own"), "3.1": (61.5, "own")}
    assert IndicatorValue.objects.get(assessment=a, indicator__code="3.1").carried == {
        "rule": "own", "set": OLD_SET, "why": carry.WHY[carry.OWN],
        "from": [_source(world.own, 2025, "10", 61.5)]}


def test_nothing_is_carried_when_a_predecessor_has_no_values(world):
    a = get_or_create_assessment(world.missing, 2026, world.cset)
    assert _carried(a) == {} and carry.unconfirmed(a) == []
    assert "carried" not in AuditEntry.objects.get(model="assessments.assessment", object_id=str(a.pk)).after


def test_only_earlier_years_count_and_a_set_without_mappings_carries_nothing(world):
    # a 2025 dossier (year − 1 = 2024) does not see the 2025 assessment of «Xã Riêng»
    assert _carried(get_or_create_assessment(world.own, 2025, world.cset)) == {}
    # a 2024 dossier of the 2021-2025 set: nothing maps into that set
    old = CriteriaSet.objects.get(code=OLD_SET, superseded_by__isnull=True)
    assert _carried(get_or_create_assessment(world.own, 2026, old)) == {}


@pytest.mark.parametrize(("comparator", "values", "worst"), [
    (">=", [82.5, 76, 90], 76), ("<=", [3.5, 4.2, 1.0], 4.2), (">", [5, 5, 5], 5), ("<", [1, 2], 2)])
def test_the_worst_of_numbers_follows_the_comparator(comparator, values, worst):
    indicator = Indicator(code="x", value_type="percent", comparator=comparator)
    assert carry.worst(indicator, values) == worst


def test_categories_are_carried_only_when_they_agree():
    indicator = Indicator(code="x", value_type="category", comparator="in", categories=["A", "B"])
    assert (carry.worst(indicator, ["A", "A"]), carry.worst(indicator, ["A", "B"])) == ("A", None)


def test_confirming_one_value_then_all(world):
    a = get_or_create_assessment(world.merged, 2026, world.cset, user=world.officer)
    version = Assessment.objects.get(pk=a.pk).version
    # one value
    assert carry.confirm_values(a, ["2.2"], world.officer) == ["2.2"]
    roads = IndicatorValue.objects.get(assessment=a, indicator__code="2.2")
    assert (roads.value, roads.confirmed_by, roads.needs_confirmation) == (76, world.officer, False)
    assert roads.confirmed_at is not None
    entry = AuditEntry.objects.filter(model="assessments.indicatorvalue", object_id=str(roads.pk)).latest("pk")
    assert (entry.action, entry.before, entry.after, entry.note, entry.user) == (
        "update", {"value": 76, "confirmed": False}, {"value": 76, "confirmed": True}, carry.CONFIRM_NOTE,
        world.officer)
    assert Assessment.objects.get(pk=a.pk).version == version + 1
    # again: nothing more to confirm for it
    assert carry.confirm_values(a, ["2.2"], world.officer) == []
    # then every value still waiting
    assert carry.confirm_values(a, None, world.officer) == ["1.1", "2.10", "3.1"]
    assert carry.unconfirmed(a) == [] and Assessment.objects.get(pk=a.pk).version == version + 2


def test_confirming_a_value_that_was_not_carried_is_refused(world):
    a = get_or_create_assessment(world.merged, 2026, world.cset, user=world.officer)
    with pytest.raises(ValueRejected) as exc:
        carry.confirm_values(a, ["2.2", "2.1"], world.officer)
    assert str(exc.value) == ("Chỉ tiêu 2.1 không có giá trị mang sang từ giai đoạn trước nên không có gì để xác "
                              "nhận.")
    with pytest.raises(ValueRejected, match=r"không có chỉ tiêu mã «99\.9»"):
        carry.confirm_values(a, ["99.9"], world.officer)
    assert carry.unconfirmed(a) == ["1.1", "2.2", "2.10", "3.1"]  # nothing confirmed, not even 2.2


def test_confirming_is_refused_when_the_dossier_is_locked_or_not_the_users(world, make_user):
    a = get_or_create_assessment(world.merged, 2026, world.cset, user=world.officer)
    outsider = make_user("canbo-rieng", Role.COMMUNE_OFFICER, world.own)
    with pytest.raises(WorkflowError) as refused:
        carry.confirm_values(a, None, outsider)
    assert refused.value.code in ("role", "scope")
    Assessment.objects.filter(pk=a.pk).update(state=Assessment.State.SUBMITTED)
    before = AuditEntry.objects.count()
    with pytest.raises(WorkflowError) as locked:
        carry.confirm_values(a, None, world.officer)
    assert locked.value.code == "locked"
    assert carry.unconfirmed(a) == ["1.1", "2.2", "2.10", "3.1"] and AuditEntry.objects.count() == before


def test_an_officer_setting_a_carried_value_confirms_it_as_their_own(world):
    a = get_or_create_assessment(world.merged, 2026, world.cset, user=world.officer)
    set_value(a, "2.2", "80,5", user=world.officer, source="Nhập trực tiếp")
    roads = IndicatorValue.objects.get(assessment=a, indicator__code="2.2")
    assert (roads.value, roads.confirmed_by, roads.needs_confirmation) == (80.5, world.officer, False)
    assert roads.carried["rule"] == "worst_case"  # where it came from is kept
    entry = AuditEntry.objects.filter(model="assessments.indicatorvalue", object_id=str(roads.pk)).latest("pk")
    assert entry.after == {"value": 80.5, "source": "Nhập trực tiếp", "note": "", "confirmed": True}
    assert carry.unconfirmed(a) == ["1.1", "2.10", "3.1"]
    # a value written by the system (no user) does not confirm anything
    store_values([(a, a.criteria_set.indicators.get(code="3.1"), 45, "", "")])
    assert carry.unconfirmed(a) == ["1.1", "2.10", "3.1"]


def test_a_values_file_over_a_carried_value_confirms_it(world, tmp_path):
    from nongthonso.assessments.imports import import_values

    a = get_or_create_assessment(world.merged, 2026, world.cset, user=world.officer)
    path = tmp_path / "gia-tri.csv"
    path.write_text(f"unit_code,year,indicator_code,value,set\nT9101,2026,2.2,79,{NEW_SET}\n", encoding="utf-8")
    import_values(path, user=world.officer)
    roads = IndicatorValue.objects.get(assessment=a, indicator__code="2.2")
    assert (roads.value, roads.confirmed_by_id, roads.needs_confirmation) == (79, world.officer.pk, False)
    assert carry.unconfirmed(a) == ["1.1", "2.10", "3.1"]


def test_the_dossier_page_marks_carried_values_and_confirms_them(client, world):
    client.force_login(world.officer)
    # opened from the scorecard: created, pre-filled, and said so
    response = client.post(f"/xa/{world.merged.pk}/mo-ho-so/", {"year": "2026"}, follow=True)
    a = Assessment.objects.get(unit=world.merged, year=2026)
    html = response.content.decode()
    assert ("Đã điền sẵn 4 giá trị mang sang từ giai đoạn trước; mỗi giá trị cần được xác nhận (hoặc sửa) trước khi "
            "gửi hồ sơ.") in html
    assert "4 giá trị mang sang từ năm 2023–2024 cần xác nhận" in html
    assert "Xác nhận tất cả giá trị mang sang" in html
    row = html[html.index('data-indicator="2.2"'):]
    row = row[:row.index("</div>")]
    assert 'data-carried="pending"' in row
    assert "Mang sang từ năm 2023–2024, cần xác nhận" in row
    assert "xã An (2024): 82,5%; xã Bình Hạ (2023): 90%; xã Bình Thượng (2023): 76% (lấy giá trị thấp nhất)" in row
    assert f'hx-post="/ho-so/{a.pk}/xac-nhan/"' in row
    # one value with htmx: its criterion comes back, confirmed
    fragment = client.post(f"/ho-so/{a.pk}/xac-nhan/", {"code": "2.2", "version": a.version},
                           HTTP_HX_REQUEST="true").content.decode()
    assert 'data-carried="confirmed"' in fragment and "Mang sang từ năm 2023–2024, đã xác nhận" in fragment
    # all the others with the button
    done = client.post(f"/ho-so/{a.pk}/xac-nhan/", {"all": "1"}, follow=True).content.decode()
    assert "Đã xác nhận 3 giá trị mang sang." in done and "cần xác nhận</h2>" not in done
    assert carry.unconfirmed(a) == []


def test_the_api_opens_a_prefilled_dossier_and_confirms_its_values(world, call, token_for):
    token = token_for(world.officer)
    opened = call("POST", "/api/assessments", token, {"unit_id": world.merged.pk, "year": 2026})
    assert opened.status_code == 200, opened.content
    data = opened.json()
    assert (data["created"], data["criteria_set"]["code"], data["unconfirmed"]) == (
        True, NEW_SET, ["1.1", "2.2", "2.10", "3.1"])
    roads = next(v for v in data["values"] if v["indicator"] == "2.2")
    assert (roads["value"], roads["needs_confirmation"], roads["confirmed_by"], roads["carried"]["rule"]) == (
        76, True, None, "worst_case")
    assert [s["code"] for s in roads["carried"]["from"]] == ["T9001", "T9004", "T9003"]
    again = call("POST", "/api/assessments", token, {"unit_id": world.merged.pk, "year": 2026}).json()
    assert (again["created"], again["id"]) == (False, data["id"])
    # one value, then the rest
    one = call("POST", f"/api/assessments/{data['id']}/values/2.2/confirm", token).json()
    assert (one["confirmed"], one["assessment"]["unconfirmed"]) == (["2.2"], ["1.1", "2.10", "3.1"])
    rest = call("POST", f"/api/assessments/{data['id']}/confirm", token, {"indicators": None}).json()
    assert (rest["confirmed"], rest["assessment"]["unconfirmed"]) == (["1.1", "2.10", "3.1"], [])
    assert next(v for v in rest["assessment"]["values"] if v["indicator"] == "2.2")["confirmed_by"] == (
        "canbo-hopnhat")


def test_the_api_refuses_confirming_like_entering_values(world, call, make_user, token_for):
    a = get_or_create_assessment(world.merged, 2026, world.cset, user=world.officer)
    office = make_user("vp-tinh", Role.PROVINCE_OFFICE, world.province)
    refused = call("POST", f"/api/assessments/{a.pk}/confirm", token_for(office), {})
    assert (refused.status_code, refused.json()["error"]["code"]) in ((403, "role"), (403, "scope"))
    stranger = make_user("canbo-rieng", Role.COMMUNE_OFFICER, world.own)
    hidden = call("POST", f"/api/assessments/{a.pk}/confirm", token_for(stranger), {})
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "not_found")
    bad = call("POST", f"/api/assessments/{a.pk}/confirm", token_for(world.officer), {"indicators": ["2.1"]})
    assert (bad.status_code, bad.json()["error"]["message"]) == (
        422, "Chỉ tiêu 2.1 không có giá trị mang sang từ giai đoạn trước nên không có gì để xác nhận.")
    Assessment.objects.filter(pk=a.pk).update(state=Assessment.State.SUBMITTED)
    locked = call("POST", f"/api/assessments/{a.pk}/confirm", token_for(world.officer), {})
    assert (locked.status_code, locked.json()["error"]["code"]) == (409, "locked")
    assert carry.unconfirmed(a) == ["1.1", "2.2", "2.10", "3.1"]


def test_opening_a_dossier_through_the_api_needs_the_communes_officer(world, call, make_user, token_for):
    office = make_user("vp-tinh", Role.PROVINCE_OFFICE, world.province)
    response = call("POST", "/api/assessments", token_for(office), {"unit_id": world.merged.pk, "year": 2026})
    assert response.status_code == 403
    assert not Assessment.objects.filter(unit=world.merged).exists()
    unknown = call("POST", "/api/assessments", token_for(world.officer), {"unit_id": world.own.pk, "year": 2026})
    assert unknown.status_code == 404


def test_an_urban_predecessor_does_not_hold_the_rural_ones_back(world):
    # given a commune formed from Xã An and a township (thị trấn: outside the NTM programme, no assessment)
    town = Unit.objects.create(code="T9006", name="Thị trấn Thử", unit_type=UnitType.objects.get(code="thi_tran"),
                               parent=world.an.parent, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2025, 6, 30),
                               synthetic=True)
    with_town = _unit("T9104", "Xã Có Thị Trấn", world.province, MERGED_ON)
    _merge(with_town, world.an, town)
    # when its dossier is created: Xã An's values are carried (the worst case of one rural predecessor)
    a = get_or_create_assessment(with_town, 2026, world.cset)
    assert _carried(a) == {"2.2": (82.5, "worst_case"), "2.1": (100, "worst_case"), "1.1": (True, "worst_case"),
                           "2.10": (False, "worst_case"), "3.1": (48.5, "worst_case")}
    assert {s["code"] for v in IndicatorValue.objects.filter(assessment=a) for s in v.carried["from"]} == {"T9001"}
