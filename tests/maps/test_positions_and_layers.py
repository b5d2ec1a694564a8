"""Unit positions read by the units import (lat/lon), and the OCOP and co-operatives layers from their raw rows."""

import datetime as dt
import json

import pytest
from django.db.models import Q
from django.urls import reverse

from nongthonso.coops.models import Cooperative
from nongthonso.core.imports import ImportFailed
from nongthonso.maps.services import positions
from nongthonso.ocop.status import certified_on
from nongthonso.units.imports import import_units
from nongthonso.units.models import Unit, UnitType
from nongthonso.units.reference import ensure_reference_data
from nongthonso.units.services import successors_in_force

pytestmark = pytest.mark.django_db
HEADER = "code,name,type,parent_code,valid_from,valid_to,lat,lon"


@pytest.fixture
def province(db):
    ensure_reference_data()
    return Unit.objects.create(code="90", name="Tỉnh Thử Nghiệm", unit_type=UnitType.objects.get(code="tinh"),
                               valid_from=dt.date(2020, 1, 1))


def _write(tmp_path, text):
    path = tmp_path / "units.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_units_file_gives_positions(tmp_path, province):
    import_units(_write(tmp_path, f"{HEADER}\n90001,Xã Suối Hai,xa,90,2024-01-01,,\"21,6\",105.85\n"
                                  "90002,Xã Suối Ba,xa,90,2024-01-01,,,\n"))
    one, two = Unit.objects.get(code="90001"), Unit.objects.get(code="90002")
    assert (one.lat, one.lon) == (21.6, 105.85) and two.lat is None
    assert positions([one, two]) == {one.pk: (21.6, 105.85)}


@pytest.mark.parametrize("lat,lon,column,words", [
    ("105.85", "21.6", "lat", "đổi chỗ vĩ độ và kinh độ"),
    ("abc", "105.8", "lat", "không phải số"),
    ("21.6", "", "lon", "chỉ có một trong hai tọa độ"),
])
def test_a_bad_position_is_refused_naming_the_column(tmp_path, province, lat, lon, column, words):
    with pytest.raises(ImportFailed) as failed:
        import_units(_write(tmp_path, f"{HEADER}\n90001,Xã Suối Hai,xa,90,2024-01-01,,{lat},{lon}\n"))
    error = failed.value.errors[0]  # a swapped pair: both columns are named
    assert error.row == 2 and error.column == column and words in error.message
    assert not Unit.objects.filter(code="90001").exists()


def test_units_without_position_take_the_boundary_centroid(van_phu):
    (lat, lon), = positions([van_phu]).values()
    shape = van_phu.shape
    assert shape.min_lat <= lat <= shape.max_lat and shape.min_lon <= lon <= shape.max_lon


def _layer(client, code, day):
    response = client.get(reverse("maps_data"), {"layer": code, "as_of": day})
    assert response.status_code == 200, response.content
    return {f["id"]: f["properties"]["value"] for f in json.loads(response.content)["features"]}


def test_ocop_layer_counts_certified_products_onto_merged_communes(client):
    values = _layer(client, "ocop_products", "2026-06-30")
    day = dt.date(2026, 6, 30)
    products = list(certified_on(day).select_related("unit"))
    # independently: each product's commune followed forward to the version in force on the day
    successors = successors_in_force([p.unit for p in products], day)
    expected: dict[int, int] = dict.fromkeys(values, 0)
    for product in products:
        for unit in successors[product.unit_id][:1]:
            if unit.pk in expected:
                expected[unit.pk] += 1
    assert values == expected and sum(values.values()) > 0


def test_cooperatives_layer_is_signed_in_and_counts_active_ones(client, make_user):
    assert client.get(reverse("maps_data"), {"layer": "cooperatives"}).status_code == 400
    client.force_login(make_user("tinh-htx", is_superuser=True))
    day = dt.date(2026, 6, 30)
    values = _layer(client, "cooperatives", day.isoformat())
    active = Cooperative.objects.filter(Q(established_on__isnull=True) | Q(established_on__lte=day)).filter(
        Q(ceased_on__isnull=True) | Q(ceased_on__gt=day))
    assert sum(values.values()) == active.filter(unit_id__in=values).count() > 0


@pytest.fixture
def english_catalogue(monkeypatch):
    """``english_catalogue(entries)``: the English catalogue with ``entries`` added for this test ({msgid: text}, or
    {(msgid, plural index): text}) — the messages translated as the catalogue will translate them."""
    from django.utils.translation import trans_real

    def add(entries: dict):
        catalog = trans_real.translation("en")._catalog
        monkeypatch.setattr(catalog, "_catalogs", [{**catalog._catalogs[0], **entries}, *catalog._catalogs[1:]])

    return add


@pytest.mark.parametrize(("code", "msgid", "unit", "english", "english_unit"), [
    ("ocop_products", "%(n)s sản phẩm OCOP", "sản phẩm", "OCOP product", "products"),
    ("cooperatives", "%(n)s hợp tác xã", "HTX", "co-operative", "co-ops"),
])
def test_count_layers_speak_the_request_s_language(client, make_user, english_catalogue, code, msgid, unit, english,
                                                   english_unit):
    from django.conf import settings

    english_catalogue({(msgid, 0): f"%(n)s {english}", (msgid, 1): f"%(n)s {english}s", unit: english_unit})
    client.force_login(make_user("tinh-dem", is_superuser=True))
    query = {"layer": code, "as_of": "2026-06-30"}
    vietnamese = json.loads(client.get(reverse("maps_data"), query).content)
    counted = [f for f in vietnamese["features"] if f["properties"]["value"]]
    assert counted and all(f["properties"]["text"] == msgid % {"n": f["properties"]["value"]} for f in counted)
    assert vietnamese["legend"][0]["label"] == f"0 {unit}"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = json.loads(client.get(reverse("maps_data"), query).content)
    texts = {f["id"]: f["properties"]["text"] for f in data["features"] if f["properties"]["value"]}
    assert texts == {f["id"]: f"{f['properties']['value']} {english}" + ("s" if f["properties"]["value"] != 1 else "")
                     for f in counted}
    assert data["legend"][0]["label"] == f"0 {english_unit}" and data["legend"][-1]["label"].endswith(english_unit)
