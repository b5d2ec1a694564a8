"""The signed-in province dashboard: login, the demo's figures, selectors consistent with the summary, scope
by role, and a number of queries that does not grow with the number of communes."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from nongthonso.accounts.services import grant
from nongthonso.assessments import standings
from nongthonso.assessments.models import Assessment
from nongthonso.core.text import vi_sort_key
from nongthonso.criteria.choices import Level
from nongthonso.reports import selectors
from nongthonso.reports.alerts import alerts
from nongthonso.reports.services import summary
from nongthonso.units.models import Unit

AS_OF = dt.date(2023, 6, 30)
URL = "/bang-dieu-khien/"
@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("quantri", "quantri@example.vn", None)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_dashboard_requires_a_login(client):
    response = client.get(URL, {"as_of": "2023-06-30"})
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.django_db
def test_the_dashboard_shows_the_demo_figures(admin_client, province_19, rural_communes, district_rows):
    response = admin_client.get(URL, {"as_of": "2023-06-30"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="figure" data-figure="ntm"><b>108/126</b><span>xã đạt chuẩn NTM (85,7%)</span></div>' in html
    assert '<div class="figure" data-figure="avg_criteria"><b>18,2</b>' in html
    assert "bình quân đạt 18,2 tiêu chí/xã" in html
    rows = district_rows(html)
    assert len(rows) == 9
    assert sum(n for _, n, _ in rows) == 126
    assert sum(ntm for _, _, ntm in rows) == 108
    names = [u.name for u in Unit.objects.filter(code__in=[c for c, _, _ in rows]).valid_on(AS_OF).at_level("huyen")
             .order_by("sort_key")]
    assert re.findall(r'<tr data-district="\w+"><th scope="row">([^<]+)</th>', html) == names  # Vietnamese order
    # charts: Chart.js from the app's own static files, data in a json_script blob, a table for each chart
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "/static/nongthonso/dashboard.js" in html
    assert not re.search(r'<script[^>]+src="https?://', html)
    blob = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html,
                                re.S).group(1))
    assert sum(blob["histogram"]["values"]) == 126
    assert len(blob["shares"]["values"]) == 19
    assert blob["trend"]["labels"][-1] == 2023 and blob["trend"]["ntm"][-1] == 108
    assert blob["registrations"]["registered"] == [11, 12, 4]
    for table in ("histogram", "shares", "trend", "registrations", "alerts"):
        assert f'data-table="{table}"' in html
    assert html.count('role="img" aria-label=') == 4
    # the alert list, with the action for each commune
    assert "Cảnh báo: đã công nhận nhưng số liệu mới nhất không đạt" in html
    found = alerts(rural_communes(province_19), AS_OF)
    assert found and html.count("<tr data-alert=") == len(found)
    assert "Duy trì, nâng chất" in html
    assert f'<a href="{reverse("scorecard", args=[found[0].unit.pk])}">{found[0].unit.name}</a>' in html


@pytest.mark.django_db
def test_dates_and_numbers_are_written_the_vietnamese_way(admin_client):
    html = admin_client.get(URL, {"as_of": "2023-05-24"}).content.decode()
    assert "Số liệu đến ngày 24/5/2023" in html
    html = admin_client.get(URL, {"as_of": "2023-06-30"}).content.decode()
    visible = re.sub(r'<script id="dashboard-data".*?</script>', "", html, flags=re.S)  # raw numbers for the JS
    assert "85,7%" in visible and "85.7" not in visible and "18.2" not in visible
    assert "(30/6/2023)" in html  # the trend table's last date


@pytest.mark.django_db
def test_the_selectors_agree_with_the_summary(province_19, rural_communes):
    data = summary("19", AS_OF)
    scope = selectors.Scope(province_19, AS_OF)
    rows = selectors.district_table(province_19, AS_OF, scope=scope)
    assert len(rows) == 9
    assert sum(r.communes for r in rows) == data.communes_total == 126
    assert sum(r.ntm for r in rows) == data.ntm == 108
    assert sum(r.advanced for r in rows) == data.advanced == 17
    assert sum(r.model for r in rows) == data.model == 4
    assert sum(r.criteria_met_sum for r in rows) == data.criteria_met_sum
    assert [r.name for r in rows] == sorted((r.name for r in rows), key=vi_sort_key)

    histogram = selectors.criteria_histogram(province_19, AS_OF, scope=scope)
    assert [h["criteria"] for h in histogram] == list(range(20))
    assert sum(h["communes"] for h in histogram) == 126
    mean = sum(h["criteria"] * h["communes"] for h in histogram) / 126
    assert round(mean, 1) == data.avg_criteria == 18.2
    assert {str(h["criteria"]): h["communes"] for h in histogram if h["communes"]} == data.criteria_distribution
    assert all(h["communes"] == 0 for h in histogram[:10])  # "không có xã dưới 10 tiêu chí"

    shares = selectors.criterion_shares(province_19, AS_OF, scope=scope)
    assert [s["code"] for s in shares] == [str(i) for i in range(1, 20)]
    assert all(s["assessed"] == 126 for s in shares)
    # the criteria met, counted criterion by criterion, add up to the communes' totals
    assert sum(s["met"] for s in shares) == data.criteria_met_sum

    trend = selectors.trend(province_19, range(2021, 2024), as_of=AS_OF)
    assert [t["year"] for t in trend] == [2021, 2022, 2023]
    assert trend[-1]["ntm"] == 108 and trend[-1]["avg_criteria"] == 18.2 and trend[-1]["communes"] == 126
    assert summary("19", dt.date(2022, 12, 31)).ntm == trend[1]["ntm"]
    assert trend[0]["ntm"] <= trend[1]["ntm"] <= trend[2]["ntm"]

    reg = {r["level"]: (r["registered"], r["recognised"])
           for r in selectors.registrations_vs_achievements(province_19, 2023, as_of=AS_OF)}
    assert {lvl: n for lvl, (n, _) in reg.items()} == data.registrations
    done_2022 = {r["level"]: r["recognised"] for r in selectors.registrations_vs_achievements(province_19, 2022)}
    # the decisions of the first half of 2023 were all "for 2022"
    for level, d in data.decisions_in_period.items():
        assert done_2022[level] >= d.communes

    rows = selectors.alert_rows(province_19, AS_OF, scope=scope)
    expected = alerts(rural_communes(province_19), AS_OF)
    assert [(r.commune.pk, r.level) for r in rows] == [(a.unit.pk, a.level) for a in expected]
    assert all(r.action in ("Duy trì, nâng chất", "Xem xét thu hồi") for r in rows)
    assert all(r.district for r in rows)


@pytest.mark.django_db
def test_an_alert_follows_the_data(admin_client, province_19):
    """A recognised commune whose latest assessment fails half its criteria is listed for revocation."""
    scope = selectors.Scope(province_19, AS_OF)
    recognised = next(c for c in scope.communes
                      if scope.statuses[c.pk].holds(Level.XA_NTM) and scope.latest[c.pk].criteria_met == 19)
    Assessment.objects.filter(pk=scope.latest[recognised.pk].pk).update(criteria_met=9, criteria_failed=10,
                                                                        eligible=False, revoke=True)
    standings.refresh([recognised.pk])  # update() sends no signals: as any writer around the services must
    html = admin_client.get(URL, {"as_of": "2023-06-30"}).content.decode()
    row = re.search(rf'<tr data-alert="{recognised.code}">.*?</tr>', html, re.S).group(0)
    assert "9/19" in row and "Xem xét thu hồi" in row


@pytest.mark.django_db
def test_a_district_office_sees_its_district(client, django_user_model, unit_at, rural_communes, district_rows, dai_tu):
    district = dai_tu
    user = django_user_model.objects.create_user("vpdp.daitu.test", password=None)
    grant(user, "district_office", district)
    client.force_login(user)
    html = client.get(URL, {"as_of": "2023-06-30"}).content.decode()
    assert "Bảng điều khiển — Huyện Đại Từ" in html
    assert [code for code, _, _ in district_rows(html)] == ["171"]
    communes = rural_communes(district)
    assert f"<b>{summary('171', AS_OF).ntm}/{len(communes)}</b>" in html
    for row in re.findall(r'<tr data-alert="(\w+)">', html):
        assert row in {c.code for c in communes}
    # another unit is refused with a message, and the district's figures are shown
    html = client.get(URL, {"as_of": "2023-06-30", "unit": "19"}).content.decode()
    assert "nằm ngoài phạm vi được giao của bạn" in html
    assert "Bảng điều khiển — Huyện Đại Từ" in html


@pytest.mark.django_db
def test_a_user_without_a_role_sees_published_figures_only(client, django_user_model):
    Assessment.objects.update(state="draft")
    client.force_login(django_user_model.objects.create_user("khach", password=None))
    html = client.get(URL, {"as_of": "2023-06-30"}).content.decode()
    assert "chưa được giao vai trò" in html
    assert "<b>108/126</b>" in html  # decisions are public
    assert '<div class="figure" data-figure="avg_criteria"><b>—</b>' in html
    assert 'data-table="alerts"' not in html


@pytest.mark.django_db
def test_the_dashboard_queries_do_not_grow_with_the_communes(admin_client, unit_at, grow, count_queries, query_bound):
    """10 communes or 200: the same number of queries (and a small one)."""
    district = unit_at("165", "huyen")  # Thành phố Sông Công, 3 rural communes
    params = {"as_of": "2023-06-30", "unit": "165"}
    grow(district, 10)
    small = count_queries(admin_client, URL, params)
    grow(district, 200)
    large = count_queries(admin_client, URL, params)
    assert small == large <= query_bound
    html = admin_client.get(URL, params).content.decode()
    assert "<b>200/200</b>" in html


@pytest.mark.django_db
def test_the_province_dashboard_queries_do_not_grow_with_the_communes(admin_client, unit_at, grow, count_queries,
                                                                      query_bound, dai_tu):
    params = {"as_of": "2023-06-30"}
    before = count_queries(admin_client, URL, params)
    grow(dai_tu, 27 + 74)  # Đại Từ grows: the province reaches 200 communes
    after = count_queries(admin_client, URL, params)
    assert before == after <= query_bound
    assert "/200</b>" in admin_client.get(URL, params).content.decode()


@pytest.mark.django_db
def test_the_criterion_statuses_read_in_one_pass_are_those_of_each_path(province_19):
    """``criterion_shares`` reads each dossier's criterion statuses in one pass (one JSON_EXTRACT of every path on
    SQLite, the criteria listed once on PostgreSQL): the same values, in the same order, as a key transform per path —
    a criterion missing from a dossier's results, or without a status, included (None)."""
    from django.db.models.fields.json import KT

    scope = selectors.Scope(province_19, AS_OF)
    rows = Assessment.objects.filter(pk__in=[a.pk for a in scope.latest.values()]).order_by("pk")
    count = len(rows.first().results["criteria"]) + 1  # one path past the end of every dossier's list
    expected = [list(r) for r in rows.values_list(*[KT(f"results__criteria__{i}__status") for i in range(count)])]
    got = [list(r) for r in selectors._criterion_statuses(rows, count)]
    assert got == expected
    assert len(got) == 126 and all(r[-1] is None for r in got) and {"met", "not_met"} <= {s for r in got for s in r}
    # a criterion without a status (not written by the engine, but read alike): None in its place, the rest in theirs
    first = rows.first()
    results = first.results
    del results["criteria"][1]["status"]
    Assessment.objects.filter(pk=first.pk).update(results=results)
    expected = [list(r) for r in rows.values_list(*[KT(f"results__criteria__{i}__status") for i in range(count)])]
    assert [list(r) for r in selectors._criterion_statuses(rows, count)] == expected
    assert expected[0][1] is None and expected[0][2] is not None
