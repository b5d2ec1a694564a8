"""The provincial summary reproduces the 2023 report from raw data, and follows every change at once."""

import dataclasses
import datetime as dt
import io
import json
import pickle

import pytest
from django.core.management import call_command

from nongthonso.assessments.evaluation import evaluate
from nongthonso.assessments.models import Assessment
from nongthonso.assessments.services import set_value
from nongthonso.criteria.choices import Level
from nongthonso.recognition.services import status_on
from nongthonso.reports import selectors
from nongthonso.reports.alerts import alerts
from nongthonso.reports.services import summary, summary_text
from nongthonso.units.models import Unit

AS_OF = dt.date(2023, 6, 30)
NTM_SET = "xa-ntm-2021-2025"

@pytest.mark.django_db
def test_the_demo_reproduces_the_2023_report(report_2023):
    data = summary("19", AS_OF)
    assert {k: getattr(data, k) for k in ("communes_total", "ntm", "ntm_pct", "advanced", "model", "model_hamlets",
                                          "avg_criteria", "min_criteria", "communes_below_10")} == {
        "communes_total": 126, "ntm": 108, "ntm_pct": 85.7, "advanced": 17, "model": 4, "model_hamlets": 88,
        "avg_criteria": 18.2, "min_criteria": 10, "communes_below_10": 0}
    assert {lvl: d.communes for lvl, d in data.decisions_in_period.items()} == {
        Level.XA_NTM: 10, Level.XA_NANG_CAO: 9, Level.XA_KIEU_MAU: 4}
    assert {d.for_years[0] for d in data.decisions_in_period.values()} == {2022}
    assert data.registrations == {Level.XA_NTM: 11, Level.XA_NANG_CAO: 12, Level.XA_KIEU_MAU: 4}
    assert data.completed_districts == ["thành phố Thái Nguyên", "thành phố Sông Công", "thành phố Phổ Yên",
                                           "huyện Phú Bình"]
    assert [(d.number, d.date) for d in data.district_decisions_in_period] == [("567/QĐ-TTg", dt.date(2023, 5, 24))]
    assert summary_text(data) == report_2023



@pytest.mark.django_db
def test_the_summary_is_plain_immutable_data_and_its_json_is_the_reports():
    data = summary("19", AS_OF)
    assert pickle.loads(pickle.dumps(data)) == data  # the dashboards' cache stores it pickled
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.ntm = 0  # a cached summary is shared: nobody changes it in place
    as_json = data.to_dict()
    assert list(as_json)[:4] == ["as_of", "period_start", "unit", "communes_total"]
    assert (as_json["as_of"], as_json["unit"], as_json["district_decisions_in_period"][0]["date"]) == (
        "2023-06-30", {"code": "19", "name": "Tỉnh Thái Nguyên", "type": "Tỉnh"}, "2023-05-24")
    assert "published_only" not in as_json and json.loads(json.dumps(as_json)) == as_json
    published = selectors.public_summary("19", AS_OF)
    assert published.published_only and list(published.to_dict())[-1] == "published_only"
    assert (published.ntm, published.province_completion) == (data.ntm, data.province_completion)


@pytest.mark.django_db
def test_the_criteria_figures_come_from_the_engine_over_raw_values(latest_2023):
    # given the raw values of every commune's 2023 self-assessment, evaluated afresh by the engine
    counts = [evaluate(a).criteria_met for a in latest_2023()]
    # then the engine's own output gives the report's figures
    assert len(counts) == 126
    assert round(sum(counts) / len(counts), 1) == 18.2
    assert min(counts) == 10
    # and the stored results the summary reads are exactly the engine's
    assert sorted(counts) == sorted(a.criteria_met for a in latest_2023())


@pytest.mark.django_db
def test_the_report_command_prints_the_paragraph_and_the_json(report_2023):
    out = io.StringIO()
    call_command("report", "summary", "--unit", "19", "--as-of", "2023-06-30", stdout=out)
    assert out.getvalue().strip() == report_2023
    out = io.StringIO()
    call_command("report", "summary", "--unit", "19", "--as-of", "2023-06-30", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    for key in ("as_of", "unit", "communes_total", "ntm", "ntm_pct", "advanced", "model", "model_hamlets",
                "avg_criteria", "min_criteria", "communes_below_10", "decisions_in_period", "registrations",
                "completed_districts"):
        assert key in data


@pytest.mark.django_db
def test_changing_one_value_moves_the_average_at_once(dossiers_open, failing_value, first_met_indicator, latest_2023):
    # given a commune meeting all 19 criteria
    assessment = next(a for a in latest_2023() if a.criteria_met == 19)
    before = summary("19", AS_OF)
    _, indicator = first_met_indicator(assessment)
    # when one of its values drops below the threshold
    set_value(assessment, indicator["code"], failing_value(assessment, indicator["code"]))
    # then the commune's count and the province's sum move by one, with no rebuild step
    assessment.refresh_from_db()
    after = summary("19", AS_OF)
    assert assessment.criteria_met == 18
    assert after.criteria_met_sum == before.criteria_met_sum - 1
    assert after.criteria_distribution["19"] == before.criteria_distribution["19"] - 1
    assert after.criteria_distribution["18"] == before.criteria_distribution["18"] + 1


@pytest.mark.django_db
def test_crossing_a_threshold_changes_the_count_and_the_summary(dossiers_open, failing_value, first_met_indicator,
                                                                latest_2023):
    # given a commune at exactly 10 criteria
    assessment = next(a for a in latest_2023() if a.criteria_met == 10)
    criterion_code, indicator = first_met_indicator(assessment)
    threshold = indicator["threshold"]
    # when a met indicator falls below its threshold
    set_value(assessment, indicator["code"], failing_value(assessment, indicator["code"]))
    data = summary("19", AS_OF)
    # then the commune has 9 criteria and the summary says so in figures and words
    assert data.communes_below_10 == 1 and data.min_criteria == 9
    assert "còn 1 xã dưới 10 tiêu chí" in summary_text(data)
    # when the value is raised back to exactly the threshold
    set_value(assessment, indicator["code"], threshold)
    data = summary("19", AS_OF)
    assert data.communes_below_10 == 0 and data.min_criteria == 10
    assert "không có xã dưới 10 tiêu chí" in summary_text(data)
    assert criterion_code in {c["code"] for c in Assessment.objects.get(pk=assessment.pk).results["criteria"]
                              if c["status"] == "met"}


@pytest.mark.django_db
def test_every_value_change_is_audited(dossiers_open, failing_value, first_met_indicator, latest_2023):
    from nongthonso.audit.models import AuditEntry

    assessment = next(a for a in latest_2023() if a.criteria_met == 19)
    _, indicator = first_met_indicator(assessment)
    set_value(assessment, indicator["code"], failing_value(assessment, indicator["code"]), note="kiểm tra")
    entry = AuditEntry.objects.filter(model="assessments.indicatorvalue").latest("pk")
    assert entry.action == "update"
    assert entry.before["value"] == indicator["value"]
    assert entry.after["note"] == "kiểm tra"


@pytest.mark.django_db
def test_recognised_communes_now_failing_are_alerts(province_19):
    communes = Unit.objects.valid_on(AS_OF).within(province_19).rural_communes()
    found = alerts(communes, AS_OF)
    ntm_alerts = [a for a in found if a.level == Level.XA_NTM]
    assert len(ntm_alerts) == 5
    assert all(a.assessment.criteria_met == 18 and not a.revoke for a in ntm_alerts)
    assert {a.action for a in ntm_alerts} == {"Duy trì, nâng chất các tiêu chí"}


@pytest.mark.django_db
def test_status_as_of_any_date():
    before_2023 = summary("19", dt.date(2022, 12, 31))
    assert (before_2023.ntm, before_2023.advanced, before_2023.model) == (98, 8, 0)
    assert before_2023.completed_districts == ["thành phố Thái Nguyên", "thành phố Sông Công",
                                                  "thành phố Phổ Yên"]


@pytest.mark.django_db
def test_a_commune_merged_from_two_advanced_communes_is_provisionally_advanced():
    van_phu = Unit.objects.valid_on(dt.date(2025, 1, 1)).get(code="05845")
    status = status_on(van_phu, dt.date(2025, 1, 1))
    assert van_phu.name == "Xã Vạn Phú"
    assert status.provisional
    assert status.commune_level == Level.XA_NANG_CAO
    assert "chờ UBND tỉnh ra quyết định công nhận" in status.note
