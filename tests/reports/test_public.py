"""Public pages (no login): the province dashboard and the recognised communes, with published data only."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from nongthonso.assessments.models import Assessment
from nongthonso.criteria.choices import Level
from nongthonso.recognition.services import statuses_on
from nongthonso.reports import selectors
from nongthonso.reports.services import summary

AS_OF = dt.date(2023, 6, 30)
RECOGNISED = "/cong-khai/xa-dat-chuan/"


@pytest.fixture
def published(db):
    """The province has approved the 2022 and 2023 self-assessments (as the demo records them)."""
    Assessment.objects.filter(year__in=(2022, 2023)).update(state="approved")


def level_rows(html: str, level: str) -> list[str]:
    table = re.search(rf'<table data-level="{level}">(.*?)</table>', html, re.S)
    return re.findall(r'<tr data-commune="(\w+)">', table.group(1)) if table else []


@pytest.mark.django_db
def test_the_public_dashboard_needs_no_login(client, published, district_rows):
    response = client.get("/", {"as_of": "2023-06-30"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="figure" data-figure="ntm"><b>108/126</b><span>xã đạt chuẩn NTM (85,7%)</span></div>' in html
    assert '<div class="figure" data-figure="avg_criteria"><b>18,2</b>' in html
    assert "108/126 xã đạt chuẩn nông thôn mới, bằng 85,7% tổng số xã" in html
    rows = district_rows(html)
    assert len(rows) == 9 and sum(n for _, n, _ in rows) == 126 and sum(ntm for _, _, ntm in rows) == 108
    for chart in ("histogram", "shares", "trend", "registrations"):
        assert f'id="chart-{chart}"' in html and f'data-table="{chart}"' in html
    assert 'id="dashboard-data"' in html
    # no alert list on the public page
    assert "Cảnh báo" not in html and 'data-table="alerts"' not in html and "data-alert=" not in html


@pytest.mark.django_db
def test_published_assessments_are_approved_or_recognised():
    states = {"draft", "submitted", "returned", "verified", "approved", "recognised"}
    ids = list(Assessment.objects.order_by("pk").values_list("pk", flat=True)[:len(states)])
    for pk, state in zip(ids, sorted(states), strict=True):
        Assessment.objects.filter(pk=pk).update(state=state)
    shown = set(selectors.published_assessments().filter(pk__in=ids).values_list("state", flat=True))
    assert shown == {"approved", "recognised"}


@pytest.mark.django_db
def test_unpublished_assessments_stay_off_the_public_pages(client, published, province_19, rural_communes):
    Assessment.objects.filter(year=2023).update(state="verified")  # 2023 not yet approved by the province
    data = selectors.public_summary("19", AS_OF)
    internal = summary("19", AS_OF)
    # decisions are public: the recognition figures do not change
    assert (data.ntm, data.advanced, data.model) == (internal.ntm, internal.advanced, internal.model)
    # the criteria figures come from the latest *published* assessment: 2022's
    latest_2022 = {a.unit_id: a.criteria_met for a in Assessment.objects.filter(
        year=2022, criteria_set__code="xa-ntm-2021-2025", unit__in=rural_communes(province_19))}
    assert data.communes_assessed == len(latest_2022) == 126
    assert data.avg_criteria == round(sum(latest_2022.values()) / 126, 1)
    assert data.criteria_met_sum != internal.criteria_met_sum
    html = client.get("/", {"as_of": "2023-06-30"}).content.decode()
    assert f'data-figure="avg_criteria"><b>{str(data.avg_criteria).replace(".", ",")}</b>' in html
    # nothing published at all: no criteria figures, but the decisions still show
    Assessment.objects.update(state="draft")
    html = client.get("/", {"as_of": "2023-06-30"}).content.decode()
    assert '<div class="figure" data-figure="avg_criteria"><b>—</b>' in html
    assert "<b>108/126</b>" in html
    assert "bình quân đạt" not in html
    assert "Chưa có bản đánh giá." in html


@pytest.mark.django_db
def test_the_recognised_lists_need_no_login(client, province_19, rural_communes):
    response = client.get(RECOGNISED, {"as_of": "2023-06-30"})
    html = response.content.decode()
    assert response.status_code == 200
    assert len(level_rows(html, Level.XA_NTM)) == 108
    assert len(level_rows(html, Level.XA_NANG_CAO)) == 17
    assert len(level_rows(html, Level.XA_KIEU_MAU)) == 4
    # each commune with the decision that recognised it: number and date written 24/5/2023
    province = province_19
    communes = {c.code: c for c in rural_communes(province)}
    statuses = statuses_on(communes.values(), AS_OF)
    code = level_rows(html, Level.XA_KIEU_MAU)[0]
    decision = statuses[communes[code].pk].decisions[Level.XA_KIEU_MAU]
    row = re.search(rf'<table data-level="{Level.XA_KIEU_MAU}">.*?<tr data-commune="{code}">(.*?)</tr>', html,
                    re.S).group(1)
    assert decision.number in row
    assert f"<td>{decision.date.day}/{decision.date.month}/{decision.date.year}</td>" in row
    # in Vietnamese alphabetical order
    ntm = level_rows(html, Level.XA_NTM)
    assert ntm == [c.code for c in sorted((communes[c] for c in ntm), key=lambda c: (c.sort_key, c.code))]


@pytest.mark.django_db
def test_the_recognised_lists_filter_by_district_and_date(client, unit_at, rural_communes):
    html = client.get(RECOGNISED, {"as_of": "2023-06-30", "huyen": "165"}).content.decode()
    song_cong = {c.code for c in rural_communes(unit_at("165", "huyen"))}
    rows = level_rows(html, Level.XA_NTM)
    assert rows and set(rows) <= song_cong and len(rows) == summary("165", AS_OF).ntm
    assert '<option value="165" selected>' in html
    # an earlier date: fewer recognised communes, as the decisions say
    html = client.get(RECOGNISED, {"as_of": "2022-12-31"}).content.decode()
    assert len(level_rows(html, Level.XA_NTM)) == summary("19", dt.date(2022, 12, 31)).ntm < 108
    # a district that does not exist gets a message in Vietnamese, and the whole province
    html = client.get(RECOGNISED, {"as_of": "2023-06-30", "huyen": "999"}).content.decode()
    assert "Không có huyện mã «999»" in html
    assert len(level_rows(html, Level.XA_NTM)) == 108


@pytest.mark.django_db
def test_the_public_pages_refuse_writes(client):
    assert client.post("/").status_code == 405
    assert client.post(RECOGNISED).status_code == 405


@pytest.mark.django_db
def test_the_public_queries_do_not_grow_with_the_communes(client, published, unit_at, grow, count_queries, query_bound):
    district = unit_at("165", "huyen")
    dashboard = {"as_of": "2023-06-30", "unit": "165"}
    lists = {"as_of": "2023-06-30", "huyen": "165"}
    grow(district, 10)
    small = count_queries(client, "/", dashboard), count_queries(client, RECOGNISED, lists)
    grow(district, 200)
    large = count_queries(client, "/", dashboard), count_queries(client, RECOGNISED, lists)
    assert small == large
    assert max(large) <= query_bound
    assert len(level_rows(client.get(RECOGNISED, lists).content.decode(), Level.XA_NTM)) == 200
