"""Plots: geometry checked with shapely (type, validity, Vietnam, area against the declared one), the pages (scope,
CSRF-protected forms, audit) and the API."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from nongthonso.audit.services import history
from nongthonso.coops import plots
from nongthonso.coops.models import Plot

from .plots_world import BOWTIE, LINE, PARIS, SQUARE, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, van_phu, lam_vy):
    return make_world(make_user, van_phu, lam_vy)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- geometry ----------------------------------------------------------------------------------------------------

def test_a_polygon_is_measured_on_the_local_equal_area_projection():
    geometry = plots.parse(json.dumps(SQUARE))
    # 0.001° of longitude at 21.5005° N × 0.001° of latitude on the authalic sphere
    assert geometry.area_m2 == pytest.approx(103.46 * 111.19, rel=0.002)
    assert (round(geometry.lon, 4), round(geometry.lat, 4)) == (105.8005, 21.5005)
    assert geometry.kind == "Polygon" and geometry.vertices == 5


def test_a_feature_collection_of_one_feature_gives_its_geometry_and_a_point_has_no_area():
    wrapped = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": SQUARE}]}
    assert plots.parse(wrapped).geojson == SQUARE
    point = plots.point(21.59, 105.85)
    assert point.area_m2 is None and point.geojson == {"type": "Point", "coordinates": [105.85, 21.59]}


@pytest.mark.parametrize(("value", "words"), [
    (BOWTIE, "tự cắt nhau"),
    (PARIS, "ngoài lãnh thổ Việt Nam"),
    (LINE, "«LineString» không dùng được"),
    ("{không phải json", "Không đọc được GeoJSON"),
    ({"type": "Polygon", "coordinates": [[[105.8, 21.5], [105.801, 21.5]]]}, "vòng khép kín"),
    ({"type": "FeatureCollection", "features": []}, "có 0 đối tượng"),
])
def test_bad_geometries_are_refused_saying_how_to_fix_them(value, words):
    with pytest.raises(plots.GeometryError) as refused:
        plots.parse(json.dumps(value) if isinstance(value, dict) else value)
    assert words in str(refused.value)


def test_a_declared_area_more_than_a_fifth_off_is_warned():
    geometry = plots.parse(SQUARE)
    assert plots.area_warning(geometry, 11000) == ""
    warning = plots.area_warning(geometry, 5000)
    assert "5.000 m²" in warning and "quá 20%" in warning


# --- pages -------------------------------------------------------------------------------------------------------

def _post(world, **changes):
    data = {"code": "T01", "name": "Đồi chè", "unit": world.van_phu.pk, "member": world.member.pk,
            "area_m2": "11500", "crop": "Chè Trung du", "season": "2026", "growing_area_code": "VN-TN-001",
            "geometry_text": json.dumps(SQUARE)}
    data.update(changes)
    return data


def test_the_manager_adds_a_plot_with_its_geometry_audited_and_listed(world):
    client = _client(world.manager)
    response = client.post(reverse("coops_plot_new", args=[world.tea.pk]), _post(world))
    assert response.status_code == 302
    plot = Plot.objects.get(cooperative=world.tea, code="T01")
    assert plot.geometry == SQUARE and plot.member == world.member and str(plot.area_m2) == "11500.0"
    entry = history(plot).get(action="create")
    assert entry.user == world.manager and entry.after["geometry"] == SQUARE
    page = client.get(reverse("coops_plots", args=[world.tea.pk])).content.decode()
    assert 'data-plot="T01"' in page and "21.50050, 105.80050" in page and "data-warning" not in page


def test_an_uploaded_geojson_file_replaces_the_text_and_a_far_area_warns(world):
    client = _client(world.manager)
    upload = SimpleUploadedFile("thua.geojson", json.dumps(SQUARE).encode(), "application/geo+json")
    response = client.post(reverse("coops_plot_new", args=[world.tea.pk]),
                           {**_post(world, area_m2="5000", geometry_text=""), "geometry_file": upload}, follow=True)
    assert Plot.objects.get(code="T01").geometry == SQUARE
    assert "khác diện tích khai báo" in response.content.decode()


def test_a_bad_geometry_is_shown_on_the_form_and_nothing_is_saved(world):
    client = _client(world.manager)
    response = client.post(reverse("coops_plot_new", args=[world.tea.pk]),
                           _post(world, geometry_text=json.dumps(BOWTIE)))
    assert response.status_code == 400 and "tự cắt nhau" in response.content.decode()
    too_big = SimpleUploadedFile("to.geojson", b" " * (plots.MAX_GEOJSON_BYTES + 1))
    response = client.post(reverse("coops_plot_new", args=[world.tea.pk]),
                           {**_post(world, geometry_text=""), "geometry_file": too_big})
    assert response.status_code == 400 and "512 KB" in response.content.decode()
    assert not Plot.objects.exists()


def test_scope_other_managers_see_nothing_viewers_read_only_the_commune_officer_edits(world):
    plot = plots.save_plot(world.tea, {"code": "T02", "unit": world.van_phu, "area_m2": 100, "crop": "Chè",
                                       "geometry": None}, user=world.manager)
    list_url, edit_url = reverse("coops_plots", args=[world.tea.pk]), reverse("coops_plot_edit",
                                                                              args=[world.tea.pk, plot.pk])
    assert _client(world.other).get(list_url).status_code == 404
    viewer = _client(world.viewer)
    assert viewer.get(list_url).status_code == 200
    refused = viewer.post(edit_url, _post(world, code="T02"))
    assert refused.status_code == 403 and "chỉ được xem" in refused.content.decode()
    officer = _client(world.officer)
    assert officer.post(edit_url, _post(world, code="T02", crop="Chè xanh")).status_code == 302
    plot.refresh_from_db()
    assert plot.crop == "Chè xanh"
    assert history(plot).filter(action="update", user=world.officer).exists()
    with pytest.raises(plots.Refused):
        plots.save_plot(world.tea, {"crop": "x"}, user=world.other, plot=plot)


def test_the_form_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager)
    assert client.post(reverse("coops_plot_new", args=[world.tea.pk]), _post(world)).status_code == 403
    assert not Plot.objects.exists()


# --- API ---------------------------------------------------------------------------------------------------------

def test_the_api_lists_and_creates_plots_in_scope(world, call, token_for, assert_error):
    token = token_for(world.manager)
    url = f"/api/coops/{world.tea.pk}/plots"
    body = {"code": "T05", "commune": world.van_phu.code, "member": "TV01", "area_m2": 5000, "crop": "Chè",
            "geometry": SQUARE}
    created = call("POST", url, token, body)
    assert created.status_code == 200, created.content
    assert created.json()["computed_area_m2"] == pytest.approx(11504, rel=0.002)
    assert "khác diện tích khai báo" in created.json()["area_warning"]
    listed = call("GET", url, token).json()
    assert listed["count"] == 1 and listed["items"][0]["member"] == "TV01"
    assert_error(call("POST", url, token, {**body, "code": "T06", "geometry": BOWTIE}), 422, "geometry")
    assert_error(call("POST", url, token, body), 409, "duplicate")
    assert_error(call("GET", url, token_for(world.other)), 404, "not_found")
    assert_error(call("POST", url, token_for(world.viewer), {**body, "code": "T07"}), 403, "role")
