"""The signed-in OCOP statistics page (/ocop/thong-ke/), its workbook, and the OCOP section of the dashboards
(a ``core.registry.SummarySection``)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.test import Client
from openpyxl import load_workbook

from . import stats_world

ocop_world = stats_world.ocop_world  # the fixture

pytestmark = pytest.mark.django_db
PAGE = "/ocop/thong-ke/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def office(ocop_world, make_user):
    return make_user("vpdp-tinh", "province_office", ocop_world.province)


def test_the_page_shows_the_figures_tables_and_chart(office):
    response = signed_in(office).get(PAGE, {"unit": "19", "as_of": "2026-06-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-figure="total"><b>4</b>', html)
    assert re.search(r'data-figure="stars-5"><b>1</b>.*data-figure="stars-4"><b>2</b>', html, re.S)
    row = re.search(r'<tr data-commune="05845">(.*?)</tr>', html, re.S).group(1)
    assert "<td class=\"num\">2</td>" in row and "Văn Yên" in row  # Chè Tân Cương came from Văn Yên
    assert '<tr data-product="19-MD-02">' in html and "1/8/2026" in html  # expiring
    assert "Không đăng ký đánh giá lại" in html  # revoked, with its reason
    assert '<tr data-state="proposed"><th scope="row">Đã đề xuất, chờ hội đồng chấm</th><td class="num">1</td>' in html
    assert 'id="ocop-stats-data"' in html and "ocop/stats.js" in html and "chart-ocop-groups" in html
    assert "<style" not in html and "onclick" not in html  # CSP: no inline style or handler
    assert "/ocop/thong-ke.xlsx?unit=19&amp;as_of=2026-06-30&amp;from=2026-01-01" in html


def test_a_commune_officer_sees_their_commune_by_default(ocop_world, make_user):
    officer = make_user("xa-lam-vy", "commune_officer", ocop_world.lam_vy)
    html = signed_in(officer).get(PAGE, {"as_of": "2026-06-30"}).content.decode()
    assert re.search(r'data-figure="total"><b>2</b>', html)
    assert f'placeholder="{ocop_world.lam_vy.code}"' in html
    # the province asked for: still only what the officer may see
    html = signed_in(officer).get(PAGE, {"unit": "19", "as_of": "2026-06-30"}).content.decode()
    assert re.search(r'data-figure="total"><b>2</b>', html) and "19-MD-02" not in html


def test_refusals_and_errors_in_vietnamese(office, make_user):
    assert signed_in(make_user("khong-vai-tro")).get(PAGE).status_code == 403
    response = signed_in(office).get(PAGE, {"unit": "99999", "as_of": "2026-06-30"})
    assert response.status_code == 404 and "Không có đơn vị mã «99999»" in response.content.decode()
    response = signed_in(office).get(PAGE, {"unit": "19", "as_of": "2026-06-30", "from": "2026-07-01"})
    assert response.status_code == 400 and "Đầu kỳ 1/7/2026 sau ngày báo cáo 30/6/2026" in response.content.decode()
    response = signed_in(office).get(PAGE, {"unit": "19", "from": "hôm qua"})
    assert response.status_code == 400 and "Ngày đầu kỳ «hôm qua» không hợp lệ" in response.content.decode()
    assert Client().get(PAGE).status_code == 302  # a login first


def test_the_workbook(ocop_world, office, make_user):
    response = signed_in(office).get("/ocop/thong-ke.xlsx", {"unit": "19", "as_of": "2026-06-30"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="thong-ke-ocop-19-2026-06-30.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert len(list(book["Sản phẩm OCOP"].iter_rows(min_row=2))) == 5
    officer = make_user("xa-van-phu", "commune_officer", ocop_world.van_phu)
    book = load_workbook(io.BytesIO(signed_in(officer).get("/ocop/thong-ke.xlsx", {"unit": "19",
                                                                                   "as_of": "2026-06-30"}).content))
    assert sorted(r[0] for r in book["Sản phẩm OCOP"].iter_rows(min_row=2, values_only=True)) == [
        "19-MD-02", "19-TC-01"]
    assert signed_in(make_user("khong-vai-tro")).get("/ocop/thong-ke.xlsx").status_code == 403


def test_the_dashboards_show_the_ocop_section(ocop_world, office, admin_client):
    cache.clear()
    html = signed_in(office).get("/bang-dieu-khien/", {"unit": "19", "as_of": "2026-06-30"}).content.decode()
    section = re.search(r'<section class="card" aria-labelledby="h-ocop" data-section="ocop">(.*?)</section>', html,
                        re.S).group(1)
    assert re.search(r'data-figure="ocop_total"><b>4</b>', section)
    assert re.search(r'data-figure="ocop_expiring"><b>1</b>', section)
    assert '<tr data-group="2"><th scope="row">Đồ uống</th><td class="num">2</td>' in section
    assert "/ocop/thong-ke/?unit=19&amp;as_of=2026-06-30" in section
    public = Client().get("/", {"unit": "19", "as_of": "2026-06-30"}).content.decode()
    assert 'data-section="ocop"' in public and "/ocop/thong-ke/" not in public  # no link for the public
    # before any certificate, nothing at all (the 2023 pages stay as they were)
    assert 'data-section="ocop"' not in Client().get("/", {"unit": "19", "as_of": "2023-06-30"}).content.decode()
