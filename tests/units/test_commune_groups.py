"""Commune groups as dated facts: which group a commune is in on a date and for a year (the group in force on 31/12
of the year assessed), read in one query for many communes; the admin lists and finds them and a change there
evaluates the commune's assessments again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nongthonso.assessments.evaluation import evaluate_assessment, unit_context, unit_contexts
from nongthonso.assessments.models import Assessment
from nongthonso.criteria.models import CriteriaSet
from nongthonso.units.groups import GroupSpan, group_for_year, group_on, spans_of
from nongthonso.units.models import CommuneGroupAssignment, Unit, UnitType

pytestmark = pytest.mark.django_db
NEW_FROM = dt.date(2025, 7, 1)


@pytest.fixture
def communes():
    """Two communes of their own under the new province: one regrouped on 1/1/2027, one never grouped."""
    province = Unit.objects.get(code="19", valid_from=NEW_FROM)
    xa = UnitType.objects.get(code="xa")
    grouped = Unit.objects.create(code="T9601", name="Xã Có Nhóm", unit_type=xa, parent=province, valid_from=NEW_FROM)
    never = Unit.objects.create(code="T9602", name="Xã Chưa Nhóm", unit_type=xa, parent=province, valid_from=NEW_FROM)
    CommuneGroupAssignment.objects.create(unit=grouped, group=3, valid_from=dt.date(2026, 2, 15),
                                          valid_to=dt.date(2026, 12, 31), decision_number="120/QĐ-UBND")
    CommuneGroupAssignment.objects.create(unit=grouped, group=1, valid_from=dt.date(2027, 1, 1),
                                          decision_number="45/QĐ-UBND")
    return grouped, never


def test_the_group_on_a_date_is_the_latest_starting_span_covering_it():
    spans = (GroupSpan(2, dt.date(2026, 2, 15), None), GroupSpan(1, dt.date(2026, 7, 1), dt.date(2026, 12, 31)))
    assert [group_on(spans, d) for d in (dt.date(2026, 2, 14), dt.date(2026, 3, 1), dt.date(2026, 8, 1),
                                          dt.date(2027, 1, 1))] == [None, 2, 1, 2]


def test_a_year_is_assessed_in_the_group_in_force_on_its_last_day(communes):
    grouped, never = communes
    assert [group_for_year(grouped.pk, y) for y in (2025, 2026, 2027)] == [None, 3, 1]
    assert group_for_year(never.pk, 2026) is None
    ctx = unit_context(grouped)
    assert (ctx.province_code, ctx.group_in(2026), ctx.group_in(2027)) == ("19", 3, 1)
    assert unit_contexts([grouped.pk, never.pk])[never.pk].groups == ()


def test_the_spans_of_many_communes_are_one_query(communes):
    grouped, never = communes
    with CaptureQueriesContext(connection) as queries:
        spans = spans_of([grouped.pk, never.pk])
    assert len(queries) == 1
    assert spans == {grouped.pk: (GroupSpan(3, dt.date(2026, 2, 15), dt.date(2026, 12, 31)),
                                  GroupSpan(1, dt.date(2027, 1, 1), None))}


def test_the_admin_lists_finds_and_changes_groups(admin_client, communes):
    grouped, _ = communes
    listed = admin_client.get("/admin/units/communegroupassignment/", {"q": "co nhom"})
    assert listed.status_code == 200 and listed.context["cl"].result_count == 2
    by_number = admin_client.get("/admin/units/communegroupassignment/", {"q": "120/QĐ-UBND"})
    assert by_number.context["cl"].result_count == 1
    # a change in the admin evaluates the commune's assessments on the sets by group again
    cset = CriteriaSet.objects.get(code="xa-ntm-2026-2030", superseded_by__isnull=True)
    assessment = Assessment.objects.create(unit=grouped, year=2026, criteria_set=cset)
    evaluate_assessment(assessment)
    assert assessment.results["threshold_class"] == "3"
    span = CommuneGroupAssignment.objects.get(unit=grouped, group=3)
    response = admin_client.post(f"/admin/units/communegroupassignment/{span.pk}/change/", {
        "unit": grouped.pk, "group": 2, "valid_from": "2026-02-15", "valid_to": "2026-12-31",
        "decision_number": "120/QĐ-UBND", "decision_date": "", "authority": "", "note": ""})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.results["threshold_class"] == "2"


def test_an_assignment_edited_by_hand_may_not_overlap_another():
    import datetime as dt

    from django.core.exceptions import ValidationError

    from nongthonso.units.models import CommuneGroupAssignment, Unit

    commune = Unit.objects.valid_on(dt.date(2026, 6, 30)).filter(unit_type__code="xa").order_by("code").first()
    CommuneGroupAssignment.objects.filter(unit=commune).delete()
    CommuneGroupAssignment.objects.create(unit=commune, group=2, valid_from=dt.date(2026, 2, 15),
                                          decision_number="1/QĐ-UBND")
    clash = CommuneGroupAssignment(unit=commune, group=3, valid_from=dt.date(2026, 9, 1), decision_number="2/QĐ-UBND")
    with pytest.raises(ValidationError) as refused:
        clash.full_clean()
    assert "hai lần xếp nhóm của một xã không được trùng thời gian" in str(refused.value)
    CommuneGroupAssignment.objects.filter(unit=commune).update(valid_to=dt.date(2026, 8, 31))
    clash.full_clean()  # once the first ends the day before, it fits
