"""What each resource returns: units on a date with ancestors, the criteria catalogue with thresholds,
dossiers with values and results, values written through the API (re-evaluated at once), workflow steps,
decisions, registrations and the summary — paginated and filtered."""

import datetime as dt

import pytest

from nongthonso.assessments.models import Assessment, State
from nongthonso.criteria.models import CriteriaSet, Threshold
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.recognition.models import Decision
from nongthonso.reports.services import summary, summary_text
from nongthonso.units.models import Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_two_tier")]


def test_units_on_a_date_with_level_parent_and_ancestors(province_token, call, dai_tu):
    # given the district Đại Từ on 30/6/2023
    # when the communes under it are listed on that date
    data = call("GET", f"/api/units?as_of={AS_OF}&level=xa&parent={dai_tu.pk}&limit=500", province_token).json()
    # then they are exactly the communes in force then, in Vietnamese order, each with province and district above it
    expected = Unit.objects.valid_on(AS_OF).filter(parent=dai_tu, unit_type__level__code="xa")
    assert data["count"] == expected.count() > 20
    assert [u["id"] for u in data["items"]] == list(expected.order_by("sort_key", "code", "pk").values_list("pk",
                                                                                                          flat=True))
    first = data["items"][0]
    assert [(a["code"], a["level"]) for a in first["ancestors"]] == [("19", "tinh"), ("171", "huyen")]
    assert (first["level"], first["depth"], first["parent_id"]) == ("xa", 3, dai_tu.pk)


def test_units_are_paginated_with_limit_offset_and_count(province_token, call):
    whole = call("GET", f"/api/units?as_of={AS_OF}&level=xa&limit=500", province_token).json()
    page2 = call("GET", f"/api/units?as_of={AS_OF}&level=xa&limit=10&offset=10", province_token).json()
    assert (page2["count"], page2["limit"], page2["offset"]) == (whole["count"], 10, 10)
    assert page2["items"] == whole["items"][10:20]


def test_units_after_the_2025_reorganisation_have_no_districts(province_token, call):
    data = call("GET", "/api/units?as_of=2025-07-01&level=huyen", province_token).json()
    assert data["count"] == 0


def test_one_unit_and_an_unknown_one(province_token, assert_error, call, dai_tu):
    data = call("GET", f"/api/units/{dai_tu.pk}", province_token).json()
    assert (data["code"], data["name"], data["valid_to"]) == ("171", dai_tu.name, "2025-06-30")
    error = assert_error(call("GET", "/api/units/999999", province_token), 404, "not_found")
    assert "999999" in error["message"] and "/api/units" in error["message"]


def test_criteria_sets_with_criteria_indicators_thresholds_and_provenance(province_token, assert_error, call):
    # given the 2021-2025 NTM commune set
    cs = CriteriaSet.objects.get(code="xa-ntm-2021-2025", superseded_by__isnull=True)
    listed = call("GET", "/api/criteria-sets?level=xa_ntm", province_token).json()
    assert cs.pk in {s["id"] for s in listed["items"]}
    # when it is read
    data = call("GET", f"/api/criteria-sets/{cs.pk}", province_token).json()
    # then it has its 19 criteria (and conditions), every indicator, and every threshold with verified and source
    assert data["code"] == "xa-ntm-2021-2025" and data["criteria_count"] == cs.criteria.count()
    assert [c["code"] for c in data["criteria"]][:3] == ["1", "2", "3"]
    indicators = {i["code"]: i for c in data["criteria"] for i in c["indicators"]}
    assert set(indicators) == set(cs.indicators.values_list("code", flat=True))
    thresholds = sum(len(i["thresholds"]) for i in indicators.values())
    assert thresholds == Threshold.objects.filter(indicator__criteria_set=cs).count() > 0
    sample = Threshold.objects.filter(indicator__criteria_set=cs).select_related("indicator").first()
    assert {"value": sample.value, "verified": sample.verified, "source": sample.source}.items() <= next(
        t for t in indicators[sample.indicator.code]["thresholds"]
        if (t["region"], t["commune_group"], t["year"], t["province_code"])
        == (sample.region, sample.commune_group, sample.year, sample.province_code)).items()
    assert_error(call("GET", "/api/criteria-sets/999999", province_token), 404, "not_found")


def test_assessments_filtered_by_year_unit_set_and_state(province_token, call, dai_tu):
    url = f"/api/assessments?year=2023&unit={dai_tu.pk}&set=xa-ntm-2021-2025&state=approved&limit=500"
    data = call("GET", url, province_token).json()
    expected = Assessment.objects.filter(year=2023, unit__path__startswith=dai_tu.path,
                                         criteria_set__code="xa-ntm-2021-2025", state="approved")
    assert data["count"] == expected.count() > 10
    assert {a["id"] for a in data["items"]} == set(expected.values_list("pk", flat=True))
    assert all(a["unit"]["level"] == "xa" and a["state"] == "approved" for a in data["items"])


def test_the_assessment_list_runs_the_same_queries_whatever_the_page_size_and_shows_what_a_full_read_shows(
        province_token, call, monkeypatch):
    # given a page of 5 and a page of 200 dossiers of the province, after a first request (which also records the
    # token's use and reads the workflows)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nongthonso.api.routers.assessments import _RELATED, assessment_out

    # the workflow definitions' once-a-second re-check held off: a loaded machine must not add it to one page only
    monkeypatch.setattr("nongthonso.assessments.definitions.RECHECK_SECONDS", 3600.0)
    call("GET", "/api/assessments?limit=1", province_token)
    counts, pages = [], []
    for limit in (5, 200):
        with CaptureQueriesContext(connection) as queries:
            pages.append(call("GET", f"/api/assessments?limit={limit}", province_token).json())
        counts.append(len(queries))
    # then the queries do not grow with the page (types, parents and sets read once for the page, not per row) …
    assert counts[0] == counts[1]
    # … and every row is what serializing the dossier read with all its relations gives
    items = pages[1]["items"]
    full = Assessment.objects.select_related(*_RELATED).in_bulk([a["id"] for a in items])
    assert len(items) == 200
    for item in items:
        expected = assessment_out(full[item["id"]])
        when = expected.pop("evaluated_at")  # a datetime here, its JSON text in the response
        assert {k: v for k, v in item.items() if k != "evaluated_at"} == expected
        assert (item["evaluated_at"] is None) == (when is None)


def test_one_assessment_with_values_results_and_the_actions_open_to_the_caller(province_token, assessed_communes,
                                                                               call, dossier, dai_tu):
    assessment = dossier(assessed_communes(dai_tu)[0])
    data = call("GET", f"/api/assessments/{assessment.pk}", province_token).json()
    assert data["criteria_met"] == assessment.criteria_met and data["results"] == assessment.results
    assert len(data["values"]) == assessment.values.count() > 20
    assert data["state"] == "approved"
    # the province office may reopen or record the decision of an approved dossier, not enter values
    assert [a["action"] for a in data["actions"]] == ["record_decision", "reopen"]


@pytest.fixture
def commune_officer(dossiers_open, assessed_communes, dossier, make_user, token_for, dai_tu):
    commune = assessed_communes(dai_tu)[0]
    user = make_user("api.xa", "commune_officer", commune)
    return user, token_for(user), dossier(commune)


def _met_numeric_indicator(assessment: Assessment) -> tuple[str, float]:
    """An indicator whose criterion is met, compared with ≥ a positive threshold: setting it to 0 fails it."""
    for criterion in assessment.results["criteria"]:
        if criterion["status"] != "met" or criterion["condition"]:
            continue
        for ind in criterion["indicators"]:
            if ind["comparator"] == ">=" and isinstance(ind["threshold"], int | float) and ind["threshold"] > 0 \
                    and not isinstance(ind["threshold"], bool):
                return ind["code"], ind["value"]
    raise AssertionError("the demo dossier has no met numeric criterion")


def test_put_a_value_re_evaluates_the_dossier_at_once(commune_officer, call):
    # given an open dossier and an indicator of a met criterion
    _user, token, assessment = commune_officer
    code, old = _met_numeric_indicator(assessment)
    met_before = assessment.criteria_met

    # when the commune officer sets it to 0 through the API
    response = call("PUT", f"/api/assessments/{assessment.pk}/values/{code}", token,
                    {"value": 0, "note": "đo lại", "source": "biên bản kiểm tra"})

    # then the value is stored and the criterion now fails: one criterion fewer, in the response and in the database
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    stored_value = data["value"]
    assert (stored_value["indicator"], stored_value["value"], stored_value["source"]) == (code, 0, "biên bản kiểm tra")
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.criteria_met == met_before - 1 == data["assessment"]["criteria_met"]
    assert data["assessment"]["version"] == stored.version == assessment.version + 1
    assert next(v for v in data["assessment"]["values"] if v["indicator"] == code)["value"] == 0

    # and setting it back restores the count
    back = call("PUT", f"/api/assessments/{assessment.pk}/values/{code}", token, {"value": old}).json()
    assert back["assessment"]["criteria_met"] == met_before


def test_the_list_is_kept_until_the_data_changes_and_never_shared_across_scopes(
        commune_officer, province_token, call, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _user, token, assessment = commune_officer
    # given the commune officer's list computed once (kept once the request's data is committed)
    with django_capture_on_commit_callbacks(execute=True):
        first = call("GET", "/api/assessments", token)
    # when it is asked again, nothing changed: the same answer, without reading a single dossier
    with CaptureQueriesContext(connection) as queries:
        again = call("GET", "/api/assessments", token)
    assert again.status_code == 200 and again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json; charset=utf-8"
    # (the data revision's MAX(id) of the table is all that touches it: no dossier's column is read)
    assert not any('"assessments_assessment"."' in q["sql"] for q in queries.captured_queries)
    mine = first.json()
    assert {row["unit"]["id"] for row in mine["items"]} == {assessment.unit_id}
    # the province office asking the same URL gets its own scope's list, not the officer's
    with django_capture_on_commit_callbacks(execute=True):
        province = call("GET", "/api/assessments", province_token).json()
    assert province["count"] > mine["count"]
    # after a value is written, the next list shows the dossier re-evaluated
    code, _old = _met_numeric_indicator(assessment)
    with django_capture_on_commit_callbacks(execute=True):
        assert call("PUT", f"/api/assessments/{assessment.pk}/values/{code}", token, {"value": 0}).status_code == 200
    after = call("GET", "/api/assessments", token).json()
    row = next(r for r in after["items"] if r["id"] == assessment.pk)
    assert row["criteria_met"] == assessment.criteria_met - 1 and row["version"] == assessment.version + 1


def test_put_accepts_vietnamese_decimal_text_and_null(commune_officer, call):
    _user, token, assessment = commune_officer
    url = f"/api/assessments/{assessment.pk}/values/2.1"
    assert call("PUT", url, token, {"value": "85,7"}).json()["value"]["value"] == 85.7
    assert call("PUT", url, token, {"value": None}).json()["value"]["value"] is None


def test_workflow_steps_through_the_api_from_submission_to_decision(commune_officer, call, make_user, token_for,
                                                                    dai_tu, province_19):
    # given the commune's open dossier, its district office and the province office
    _user, token, assessment = commune_officer
    district = token_for(make_user("api.huyen", "district_office", dai_tu))
    province = token_for(make_user("api.tinh2", "province_office", province_19))
    steps = f"/api/assessments/{assessment.pk}/steps/"

    # when each takes its step
    submitted = call("POST", steps + "submit", token)  # no body at all
    returned = call("POST", steps + "return", district, {"reason": "Tiêu chí 2: thiếu biên bản"})
    resubmitted = call("POST", steps + "submit", token, {"expected_version": returned.json()["assessment"]["version"]})
    verified = call("POST", steps + "verify", district, {})
    approved = call("POST", steps + "approve", province, {})
    decided = call("POST", steps + "record_decision", province, {"decision": {
        "number": "903/QĐ-UBND", "date": "2023-12-22", "authority": "UBND tỉnh Thái Nguyên"}})

    # then every step succeeds, in order, and the decision is recorded for the commune
    responses = [submitted, returned, resubmitted, verified, approved, decided]
    assert [r.status_code for r in responses] == [200] * 6, [r.content.decode() for r in responses]
    assert [r.json()["event"]["to_state"] for r in responses] == [
        "submitted", "returned", "submitted", "verified", "approved", "recognised"]
    assert returned.json()["event"]["reason"] == "Tiêu chí 2: thiếu biên bản"
    assert decided.json()["event"]["details"]["decision"]["number"] == "903/QĐ-UBND"
    assert list(Decision.objects.get(number="903/QĐ-UBND").units.all()) == [assessment.unit]


def test_decisions_filtered_by_level_and_year(province_token, call):
    data = call("GET", "/api/decisions?level=xa_ntm&year=2023&limit=500", province_token).json()
    expected = Decision.objects.filter(level="xa_ntm", date__year=2023)
    assert data["count"] == expected.count() > 0
    assert all(d["level"] == "xa_ntm" and d["date"].startswith("2023-") for d in data["items"])
    assert all(d["units"] for d in data["items"])


def test_registrations_filtered_by_level_and_year(province_token, call):
    data = call("GET", "/api/registrations?level=xa_ntm_nang_cao&year=2023", province_token).json()
    assert data["count"] == summary("19", AS_OF).registrations["xa_ntm_nang_cao"] > 0
    assert all(r["target_level"] == "xa_ntm_nang_cao" and r["target_year"] == 2023 for r in data["items"])


def test_summary_is_the_reports_summary(province_token, call):
    # when the summary of province 19 on 30/6/2023 is read through the API
    data = call("GET", "/api/summary?unit=19&as_of=2023-06-30", province_token).json()
    # then it holds the same figures as reports.services.summary, plus the Vietnamese paragraph
    expected = summary("19", dt.date(2023, 6, 30))
    assert data == {**expected.to_dict(), "text": summary_text(expected)}
    assert (data["ntm"], data["communes_total"], data["ntm_pct"], data["avg_criteria"]) == (108, 126, 85.7, 18.2)
    assert "108/126 xã đạt chuẩn nông thôn mới, bằng 85,7%" in data["text"]


def test_summary_of_an_unknown_unit_is_404_with_the_reports_message(province_token, assert_error, call):
    error = assert_error(call("GET", "/api/summary?unit=99&as_of=2023-06-30", province_token), 404, "not_found")
    assert "Không có đơn vị mã «99» còn hiệu lực ngày 30/6/2023" in error["message"]


def test_a_returned_dossier_is_editable_again(commune_officer, call, put_in_state):
    _user, token, assessment = commune_officer
    put_in_state(assessment, State.RETURNED)
    assert call("PUT", f"/api/assessments/{assessment.pk}/values/2.1", token, {"value": 70}).status_code == 200


def test_the_kept_list_follows_the_day_a_workflow_ends(commune_officer, call, today_is,
                                                       django_capture_on_commit_callbacks):
    # given the officer's open dossier listed while the three-tier workflow is in force (kept for the data revision)
    _user, token, assessment = commune_officer
    with django_capture_on_commit_callbacks(execute=True):
        before = call("GET", "/api/assessments", token).json()
    assert next(r for r in before["items"] if r["id"] == assessment.pk)["workflow"] == "ba-cap"
    # when the workflow ends (30/6/2025) with no write since, and the same list is asked the next month
    today_is(dt.date(2025, 7, 15))
    after = call("GET", "/api/assessments", token).json()
    # then the row shows the workflow the dossier's next step will follow, as the dossier's own page does
    assert next(r for r in after["items"] if r["id"] == assessment.pk)["workflow"] == "hai-cap"
