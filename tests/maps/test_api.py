"""The maps over the REST API (issue 15): the layers a caller may draw, a layer's GeoJSON — the map page's very
data, in the page's scope — and one unit version's boundary; outside the scope, unknown layers and units are 404."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from nongthonso.core import registry
from nongthonso.maps.layers import indicator_choices
from nongthonso.maps.models import UnitShape
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db
DAY = "2023-06-30"


def _page_data(user, **query):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("maps_data"), query)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_the_layers_a_caller_may_draw(call, make_user, token_for, dai_tu):
    response = call("get", f"/api/maps/layers?as_of={DAY}", token_for(make_user("huyen-api", "district_office",
                                                                               dai_tu)))
    assert response.status_code == 200, response.content
    layers = {layer["key"]: layer for layer in response.json()}
    # every registered layer (signed in: the public ones and the others), in the registry's order
    assert list(layers) == [layer.code for layer in registry.entries(registry.MapLayer)]
    assert layers["level"]["public"] and not layers["registration"]["public"]
    assert layers["level"]["kind"] == "category" and {e["value"] for e in layers["level"]["legend"]} >= {"none"}
    assert layers["ocop_products"]["kind"] == "number" and not layers["ocop_products"]["rural_only"]
    # the indicator layer's choices are the indicators of the set in force on the date, as on the page
    assert [c["code"] for c in layers["indicator"]["choices"]] == [
        code for code, _label in indicator_choices(dt.date(2023, 6, 30))]
    assert call("get", "/api/maps/layers").status_code == 401


def test_a_layer_is_the_page_s_data_in_the_page_s_scope(call, make_user, token_for, dai_tu):
    officer = make_user("huyen-api", "district_office", dai_tu)
    token = token_for(officer)
    response = call("get", f"/api/maps/layers/level?as_of={DAY}", token)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/geo+json")
    data = response.json()
    assert data == _page_data(officer, layer="level", as_of=DAY)
    assert data["type"] == "FeatureCollection" and data["unit"]["code"] == dai_tu.code and data["features"]
    paths = dict(Unit.objects.filter(pk__in=[f["id"] for f in data["features"]]).values_list("pk", "path"))
    assert all(path.startswith(dai_tu.path) for path in paths.values())
    # a layer with a choice: the same as the page too
    choice = call("get", f"/api/maps/layers/indicator?as_of={DAY}&choice=1.1", token).json()
    assert choice == _page_data(officer, layer="indicator", as_of=DAY, choice="1.1")
    assert choice["layer"]["choice"] == "1.1"


def test_a_commune_officer_sees_the_published_map_of_the_unit_above(call, make_user, token_for, van_phu,
                                                                      assert_error):
    officer = make_user("xa-api", "commune_officer", on=van_phu)
    token = token_for(officer)
    data = call("get", "/api/maps/layers/level?as_of=2026-06-30", token).json()
    assert data["unit"]["code"] == van_phu.parent.code and van_phu.pk in {f["id"] for f in data["features"]}
    assert data == _page_data(officer, layer="level", as_of="2026-06-30")
    # the non-public layer is drawn for a signed-in officer too, in the same scope
    assert call("get", "/api/maps/layers/registration?as_of=2026-06-30", token).status_code == 200


def test_outside_the_scope_unknown_layers_units_and_bad_dates(call, make_user, token_for, dai_tu, assert_error,
                                                               other_province_dossier):
    stranger = token_for(make_user("tinh-khac", "province_office", other_province_dossier.unit.parent.parent))
    error = assert_error(call("get", f"/api/maps/layers/level?as_of={DAY}&unit=19", stranger), 404, "not_found")
    assert "«19»" in error["message"] and "ngoài phạm vi" in error["message"]
    assert "hiển thị số liệu" not in error["message"] and "bỏ tham số unit" in error["message"]  # nothing is drawn
    # the stranger's own province is drawn, nothing of province 19
    own = call("get", f"/api/maps/layers/level?as_of={DAY}", stranger).json()
    assert own["unit"]["code"] == "T06"
    token = token_for(make_user("huyen-api", "district_office", dai_tu))
    error = assert_error(call("get", f"/api/maps/layers/khong-co?as_of={DAY}", token), 404, "not_found")
    assert "khong-co" in error["message"] and "level" in error["message"]
    error = assert_error(call("get", "/api/maps/layers/level?as_of=31-02-2023", token), 400, "invalid_date")
    assert "as_of" in error["message"] and "2023-06-30" in error["message"]
    assert_error(call("get", "/api/maps/layers/level?as_of=2023-02-31", token), 400, "invalid_date")
    admin = token_for(make_user("admin-api", is_superuser=True))
    error = assert_error(call("get", f"/api/maps/layers/level?as_of={DAY}&unit=99999", admin), 404, "not_found")
    assert "99999" in error["message"]


def test_the_boundary_of_one_unit_version(call, make_user, token_for, dai_tu, assert_error):
    token = token_for(make_user("huyen-api", "district_office", dai_tu))
    inside = (UnitShape.objects.filter(unit__path__startswith=dai_tu.path, unit__valid_to__gte="2023-06-30")
              .select_related("unit").first())
    response = call("get", f"/api/maps/shapes/{inside.unit.code}?as_of={DAY}", token)
    assert response.status_code == 200, response.content
    feature = response.json()
    assert feature["type"] == "Feature" and feature["id"] == inside.unit_id
    assert feature["geometry"] == inside.geometry and feature["properties"]["code"] == inside.unit.code
    assert feature["bbox"] == list(inside.bbox) and feature["properties"]["synthetic"] == inside.synthetic
    outside = (UnitShape.objects.exclude(unit__path__startswith=dai_tu.path)
               .filter(unit__valid_to__gte="2023-06-30", unit__valid_from__lte="2023-06-30",
                       unit__unit_type__level__code="xa").select_related("unit").first())
    error = assert_error(call("get", f"/api/maps/shapes/{outside.unit.code}?as_of={DAY}", token), 404, "not_found")
    assert outside.unit.code in error["message"]
    assert_error(call("get", f"/api/maps/shapes/99999?as_of={DAY}", token), 404, "not_found")
    assert_error(call("get", "/api/maps/shapes/05569?as_of=2023-13-01", token), 400, "invalid_date")
