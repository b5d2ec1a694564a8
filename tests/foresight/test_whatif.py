"""What-if (``foresight.whatif``) on the demo: verdicts and the province summary recomputed without writing, equal to
what really writing the same values gives; scenarios saved (audited), compared; scope."""

import datetime as dt
import json

import pytest
from django.db import transaction
from django.urls import reverse

from nongthonso.assessments.models import Assessment, IndicatorValue, Standing
from nongthonso.assessments.selectors import grouping_of
from nongthonso.assessments.services import set_value
from nongthonso.audit.models import AuditEntry
from nongthonso.criteria.choices import Level
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.foresight import scope, whatif
from nongthonso.foresight.gaps import distances
from nongthonso.foresight.models import Scenario
from nongthonso.foresight.ranking import base
from nongthonso.reports.services import summary

pytestmark = pytest.mark.django_db


def _world(province):
    communes = scope.communes(_superuser(), province, AS_OF)
    return base(province, AS_OF, Level.XA_NTM, communes), grouping_of(communes, AS_OF)


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model()(is_superuser=True, is_active=True)


def _flip(b):
    """A commune of ``b`` failing exactly one indicator, and the change that makes it pass."""
    for i, c in enumerate(b.communes):
        d = distances(b.cs, b.values[i:i + 1], b.years[i:i + 1], b.classes[i:i + 1])
        if d.indicators_failing[0] == 1 and d.indicators_unknown[0] == 0 and b.required_ok[i]:
            col = int(d.failing[0].nonzero()[0][0])
            code = b.cs.indicator_codes[col]
            if b.cs.value_types[col] == "boolean":
                value = True
            elif b.cs.comparators[col] in (">=", ">"):
                value = float(d.result.thresholds[0, col]) + (1 if b.cs.comparators[col] == ">" else 0)
            else:
                value = float(d.result.thresholds[0, col]) - (1 if b.cs.comparators[col] == "<" else 0)
            return c, code, value
    raise AssertionError("the demo has a commune failing one indicator")


def _stored():
    return (Assessment.objects.order_by("pk").values_list("pk", "criteria_met", "eligible", "version").count(),
            list(IndicatorValue.objects.order_by("pk").values_list("pk", "value")),
            list(Standing.objects.order_by("pk").values_list("pk", "criteria_met")), AuditEntry.objects.count())


def test_a_value_change_flips_a_verdict_and_nothing_is_written(province_19):
    # given the demo province on 30/6/2023 and a commune one indicator short of the NTM standard
    b, grouping = _world(province_19)
    commune, code, value = _flip(b)
    before = _stored()
    # when the what-if sets that indicator to its threshold
    changes = whatif.parse_changes([{"kind": "value", "unit": commune.code, "indicator": code, "value": value}],
                                   b, grouping)
    outcome = whatif.run(b, changes, grouping)
    # then the commune now meets the standard, one more commune reaches the level
    verdict, = outcome.verdicts
    assert verdict.unit == commune and not verdict.eligible_before and verdict.eligible_after
    assert outcome.reaching[1] == outcome.reaching[0] + 1
    # and no value, result, standing or audit entry changed
    assert _stored() == before


def test_the_what_if_summary_equals_the_summary_after_really_writing_the_values(province_19, dossiers_open):
    # given two changes: one commune's failing indicator met, and a +10 %/year trend over a district for 2 years
    b, grouping = _world(province_19)
    commune, code, value = _flip(b)
    group = grouping.of[commune.pk].key
    pct = next(c for c in b.cs.indicator_codes if b.cs.value_types[b.cs.index[c]] == "percent")
    raw = [{"kind": "trend", "group": group, "indicator": pct, "percent": 10, "years": 2},
           {"kind": "value", "unit": commune.code, "indicator": code, "value": value}]
    changes = whatif.parse_changes(raw, b, grouping)
    outcome = whatif.run(b, changes, grouping)
    new_values, changed = whatif.apply(b, changes, grouping)
    assert len(changed) > 1
    # when the same values are really written, in a transaction rolled back afterwards
    with transaction.atomic():
        for i in sorted(changed):
            assessment = Assessment.objects.select_related("criteria_set").get(pk=b.assessment_ids[i])
            for col, code_i in enumerate(b.cs.indicator_codes):
                old, new = b.values[i, col], new_values[i, col]
                if not (old == new or (old != old and new != new)):
                    stored = bool(new) if b.cs.value_types[col] == "boolean" else round(float(new), 6)
                    set_value(assessment, code_i, stored)
        written = summary(province_19.code, AS_OF)
        transaction.set_rollback(True)
    # then the what-if's summary is the summary of the written values, figure for figure (the sections other
    # apps add are read from their own rows and kept as stored)
    mine, theirs = outcome.summary_after.to_dict(), written.to_dict()
    for key in outcome.summary_after.sections:
        mine.pop(key)
        theirs.pop(key)
    assert mine == theirs
    assert outcome.summary_after.avg_criteria != outcome.summary_before.avg_criteria or \
        outcome.summary_after.communes_all_met != outcome.summary_before.communes_all_met


def test_changes_are_checked_with_messages_naming_the_change(province_19):
    b, grouping = _world(province_19)
    with pytest.raises(whatif.ScenarioInvalid, match=r"Thay đổi thứ 1.*không có chỉ tiêu mã «99\.9»"):
        whatif.parse_changes([{"kind": "value", "unit": b.communes[0].code, "indicator": "99.9", "value": 1}],
                             b, grouping)
    pct = next(c for c in b.cs.indicator_codes if b.cs.value_types[b.cs.index[c]] == "percent")
    with pytest.raises(whatif.ScenarioInvalid, match=r"Thay đổi thứ 2.*phần trăm"):
        whatif.parse_changes([{"kind": "value", "unit": b.communes[0].code, "indicator": pct, "value": 50},
                              {"kind": "value", "unit": b.communes[0].code, "indicator": pct, "value": 150}],
                             b, grouping)
    with pytest.raises(whatif.ScenarioInvalid, match="không có nhóm «nowhere»"):
        whatif.parse_changes([{"kind": "trend", "group": "nowhere", "indicator": pct, "add": 1}], b, grouping)


def test_the_level_set_is_the_period_s(province_19, new_unit):
    # given the same province in 2023 (three tiers) and in 2026 (two tiers)
    b_2023 = _world(province_19)[0]
    province_2026 = new_unit("19", "tinh")
    communes = scope.communes(_superuser(), province_2026, dt.date(2026, 6, 30))
    b_2026 = base(province_2026, dt.date(2026, 6, 30), Level.XA_NTM, communes)
    # then each is ranked against the NTM set of its period
    assert b_2023.cset.code == "xa-ntm-2021-2025" and b_2026.cset.code == "xa-ntm-2026-2030"


def test_pages_save_open_and_compare_scenarios_audited(client, make_user, province_19):
    office = make_user("tinh", "province_office", province_19)
    client.force_login(office)
    b = _world(province_19)[0]
    commune, code, value = _flip(b)
    place = {"tinh": "19", "as_of": AS_OF.isoformat(), "muc": Level.XA_NTM}
    url = reverse("foresight_whatif")
    # adding a change recomputes without saving anything
    audit = AuditEntry.objects.count()
    page = client.post(url, {**place, "changes": "[]", "add": "value", "unit": commune.code, "indicator": code,
                             "value": str(value).replace(".", ",")})
    assert page.status_code == 200, page.content.decode()[:2000]
    assert f'data-verdict="{commune.code}" data-eligible-after="1"' in page.content.decode()
    assert AuditEntry.objects.count() == audit and not Scenario.objects.exists()
    changes = page.context["changes_json"]
    # saving it writes the scenario, audited
    saved = client.post(url, {**place, "changes": changes, "save": "1", "name": "Đạt thêm một xã"})
    first = Scenario.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("foresight_scenario", args=[first.pk])
    assert AuditEntry.objects.filter(model="foresight.scenario", object_id=str(first.pk), action="create").exists()
    # a second scenario: nothing changed
    client.post(url, {**place, "changes": json.dumps([{"kind": "trend", "group": "", "indicator": code,
                                                       "add": 0, "years": 1}]), "save": "1", "name": "Giữ nguyên"})
    second = Scenario.objects.exclude(pk=first.pk).get()
    # compared side by side: the first reaches one commune more than the second
    page = client.get(reverse("foresight_compare"), {"a": first.pk, "b": second.pk})
    assert page.status_code == 200
    (_first, one), (_second, two) = page.context["sides"]
    assert one["headline"]["reaching"][1] == two["headline"]["reaching"][1] + 1
    # another user sees neither
    client.force_login(make_user("khac", "province_office", province_19))
    assert client.get(reverse("foresight_scenario", args=[first.pk])).status_code == 404
    assert client.get(reverse("foresight_compare"), {"a": first.pk, "b": second.pk}).status_code == 404


def test_a_bad_change_on_the_page_says_what_to_fix(client, make_user, province_19):
    client.force_login(make_user("tinh", "province_office", province_19))
    b, _ = _world(province_19)
    page = client.post(reverse("foresight_whatif"), {"tinh": "19", "as_of": AS_OF.isoformat(), "changes": "[]",
                                                     "add": "value", "unit": b.communes[0].code, "indicator": "99.9",
                                                     "value": "1"})
    assert page.status_code == 400
    assert "không có chỉ tiêu mã «99.9»" in page.content.decode()


def test_what_if_needs_a_csrf_token(make_user, province_19):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("tinh", "province_office", province_19))
    assert client.post(reverse("foresight_whatif"), {"tinh": "19"}).status_code == 403


def test_the_api_what_if_answers_the_verdicts_and_saves_nothing(call, make_user, token_for, province_19,
                                                                assert_error):
    b, _grouping = _world(province_19)
    commune, code, value = _flip(b)
    token = token_for(make_user("tinh", "province_office", province_19))
    before = _stored()
    body = {"province": "19", "as_of": AS_OF.isoformat(), "level": Level.XA_NTM,
            "changes": [{"kind": "value", "unit": commune.code, "indicator": code, "value": value}]}
    response = call("POST", "/api/foresight/whatif", token, body=body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["verdicts"] == [{"code": commune.code, "name": commune.name, "eligible_before": False,
                                 "eligible_after": True, "criteria_met_before": data["verdicts"][0]
                                 ["criteria_met_before"], "criteria_met_after": data["verdicts"][0]
                                 ["criteria_met_after"]}]
    assert data["headline"]["reaching"][1] == data["headline"]["reaching"][0] + 1
    assert data["summary"]["unit"]["code"] == "19" and _stored() == before
    wrong = call("POST", "/api/foresight/whatif", token, body={**body, "changes": [{"kind": "nothing"}]})
    assert_error(wrong, 422, "invalid_scenario")
