"""Open data: public CSV and JSON downloads of published figures, equal to the summary's."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from nongthonso.assessments.models import Assessment
from nongthonso.reports.selectors import public_summary
from nongthonso.reports.services import summary

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2023, 6, 30)
QUERY = {"as_of": "2023-06-30", "unit": "19"}


def get_csv(client, slug: str, **query) -> list[dict]:
    response = client.get(f"/du-lieu-mo/{slug}.csv", {**QUERY, **query})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def get_json(client, slug: str, **query) -> dict:
    response = client.get(f"/du-lieu-mo/{slug}.json", {**QUERY, **query})
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def test_the_page_lists_every_download_without_a_login(client):
    html = client.get("/du-lieu-mo/", QUERY).content.decode()
    for slug in ("xa-dat-chuan", "theo-huyen", "theo-nam"):
        for fmt in ("csv", "json"):
            assert f'href="/du-lieu-mo/{slug}.{fmt}?as_of=2023-06-30&amp;unit=19"' in html


def test_recognised_communes_match_the_summary(client):
    figures = summary("19", AS_OF)
    rows = get_csv(client, "xa-dat-chuan")
    data = get_json(client, "xa-dat-chuan")
    assert figures.ntm == 108
    by_level = {level: [r for r in rows if r["level"] == level]
                for level in ("xa_ntm", "xa_ntm_nang_cao", "xa_ntm_kieu_mau")}
    assert len(by_level["xa_ntm"]) == 108
    assert len(by_level["xa_ntm_nang_cao"]) == figures.advanced
    assert len(by_level["xa_ntm_kieu_mau"]) == figures.model
    assert [{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in r.items()} for r in data["rows"]] == rows
    assert (data["dataset"], data["as_of"], data["unit"], data["published_only"]) == (
        "xa-dat-chuan", "2023-06-30", {"code": "19", "name": "Tỉnh Thái Nguyên"}, True)
    assert [f["name"] for f in data["fields"]] == list(rows[0])
    first = by_level["xa_ntm"][0]
    assert first["decision_number"] and first["decision_date"] <= "2023-06-30" and first["district_name"]


def test_figures_by_district_and_by_year_match_the_summary(client):
    figures = public_summary("19", AS_OF)
    districts = get_csv(client, "theo-huyen")
    assert sum(int(r["ntm"]) for r in districts) == figures.ntm == 108
    assert sum(int(r["communes"]) for r in districts) == figures.communes_total
    assert sum(int(r["communes_assessed"]) for r in districts) == figures.communes_assessed
    json_rows = get_json(client, "theo-huyen")["rows"]
    assert [r["district_code"] for r in json_rows] == [r["district_code"] for r in districts]
    years = get_json(client, "theo-nam")["rows"]
    assert [r["year"] for r in years] == list(range(2016, 2024))
    last = years[-1]
    assert (last["date"], last["ntm"], last["communes"]) == ("2023-06-30", 108, figures.communes_total)
    assert [r["year"] for r in get_csv(client, "theo-nam")] == [str(y) for y in range(2016, 2024)]


def test_only_published_assessments_count(client, dossiers_open):
    """With the 2023 dossiers reopened (drafts), their figures leave the open data (2022 ones remain)."""
    draft_2023 = Assessment.objects.filter(year=2023, state="draft").count()
    assert draft_2023 > 100
    years = {r["year"]: r for r in get_json(client, "theo-nam")["rows"]}
    assert years[2023]["communes_assessed"] == 0 and years[2023]["avg_criteria"] is None
    assert years[2022]["communes_assessed"] > 0
    assert sum(r["communes_assessed"] for r in get_json(client, "theo-huyen")["rows"]) == \
        public_summary("19", AS_OF).communes_assessed
    assert sum(1 for r in get_csv(client, "xa-dat-chuan") if r["level"] == "xa_ntm") == 108  # decisions: public


def test_bad_requests(client):
    assert client.get("/du-lieu-mo/khong-co.csv").status_code == 404
    assert client.get("/du-lieu-mo/theo-nam.xml").status_code == 404
    response = client.get("/du-lieu-mo/theo-nam.csv", {"as_of": "30-06-2023"})
    assert response.status_code == 400 and "Ngày «30-06-2023» không hợp lệ" in response.content.decode()
    response = client.get("/du-lieu-mo/theo-nam.json", {"unit": "99"})
    assert response.status_code == 404 and "Không có đơn vị mã «99»" in response.content.decode()
