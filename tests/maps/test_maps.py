"""Maps (issue 15 item 1): boundaries per unit version, the import, the layers from raw rows, the data's scope."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.criteria.choices import Level
from nongthonso.maps.imports import import_boundaries
from nongthonso.maps.models import UnitShape
from nongthonso.recognition.services import statuses_on
from nongthonso.units.models import Unit
from nongthonso.units.services import distance_km, position

pytestmark = pytest.mark.django_db
DAY_2023, DAY_2026 = dt.date(2023, 6, 30), dt.date(2026, 6, 30)


def _features(client, **query):
    """The layer's data; ``features`` only the communes (the wards and towns, drawn without a value, apart)."""
    response = client.get(reverse("maps_data"), query)
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    data["wards"] = [f for f in data["features"] if f["properties"]["url"] is None]
    data["features"] = [f for f in data["features"] if f["properties"]["url"] is not None]
    return data


def _square(lon, lat, size=0.01):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}


def _file(tmp_path, features, name="ranh-gioi.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _feature(code, geometry, **props):
    return {"type": "Feature", "properties": {"code": code, **props}, "geometry": geometry}


def test_demo_shapes_differ_between_2023_and_2026(client, van_phu):
    """The 2026 map draws the merged communes: each the union of its predecessors' cells, so fewer, larger shapes."""
    old, new = _features(client, as_of="2023-06-30"), _features(client, as_of="2026-06-30")
    assert old["synthetic"] and new["synthetic"]
    old_codes = {f["properties"]["code"] for f in old["features"]}
    new_codes = {f["properties"]["code"] for f in new["features"]}
    assert len(old["features"]) == Unit.objects.valid_on(DAY_2023).filter(path__startswith=Unit.objects.valid_on(
        DAY_2023).get(code="19", unit_type__level__code="tinh").path).rural_communes().count()
    assert old_codes != new_codes
    shape = UnitShape.objects.get(unit=van_phu)
    parts = UnitShape.objects.filter(unit__in=van_phu.starting_events.first().predecessors.all())
    assert parts.count() >= 2 and shape.area_km2 == pytest.approx(sum(p.area_km2 for p in parts), rel=1e-6)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in new["features"] + new["wards"])
    assert new["wards"] and all(f["properties"]["value"] is None for f in new["wards"])
    assert not Unit.objects.filter(pk__in=[f["id"] for f in new["wards"]], unit_type__is_rural=True).exists()


def test_level_layer_values_come_from_decisions(client):
    data = _features(client, layer="level", as_of="2023-06-30")
    ids = [f["id"] for f in data["features"]]
    statuses = statuses_on(Unit.objects.filter(pk__in=ids), DAY_2023)
    for feature in data["features"]:
        assert feature["properties"]["value"] == (statuses[feature["id"]].commune_level or "none")
        assert feature["properties"]["url"] == reverse("scorecard", args=[feature["id"]])
    assert sum(f["properties"]["value"] != "none" for f in data["features"]) > 0


def test_criteria_layer_reads_the_latest_assessment(client, van_phu):
    from nongthonso.reports.selectors import latest_assessments

    data = _features(client, layer="criteria_met", as_of="2026-06-30")
    by_id = {f["id"]: f["properties"] for f in data["features"]}
    latest = latest_assessments([van_phu], Level.XA_NTM, 2026, published=True)
    if van_phu.pk in latest:
        a = latest[van_phu.pk]
        assert by_id[van_phu.pk]["value"] == pytest.approx(100 * a.criteria_met / a.criteria_total)
        assert f"{a.criteria_met}/{a.criteria_total}" in by_id[van_phu.pk]["text"]


def test_registration_layer_is_not_public_but_signed_in(client, make_user):
    response = client.get(reverse("maps_data"), {"layer": "registration", "as_of": "2023-06-30"})
    assert response.status_code == 400 and "trên trang công khai" in json.loads(response.content)["error"]
    client.force_login(make_user("admin-maps", is_superuser=True))
    data = _features(client, layer="registration", as_of="2023-06-30")
    from nongthonso.recognition.models import Registration
    expected = set(Registration.objects.filter(target_year=2023, unit_id__in=[f["id"] for f in data["features"]])
                   .values_list("unit_id", flat=True))
    assert {f["id"] for f in data["features"] if f["properties"]["value"]} == expected


def test_signed_in_scope_is_the_users_district(client, make_user, dai_tu):
    client.force_login(make_user("huyen-maps", "district_office", on=dai_tu))
    data = _features(client, layer="level", as_of="2023-06-30")
    assert data["unit"]["code"] == dai_tu.code
    assert all(Unit.objects.get(pk=f["id"]).path.startswith(dai_tu.path) for f in data["features"])
    response = client.get(reverse("maps_data"), {"as_of": "2023-06-30", "unit": "19"})
    assert response.status_code == 403


def test_bad_date_and_layer_are_explained(client):
    assert client.get(reverse("maps_data"), {"as_of": "31/02/2023"}).status_code == 400
    response = client.get(reverse("maps_data"), {"layer": "khong-co"})
    assert response.status_code == 400 and "khong-co" in json.loads(response.content)["error"]


def test_import_is_all_or_nothing_and_names_the_feature(tmp_path, van_phu):
    before = UnitShape.objects.get(unit=van_phu).geometry
    path = _file(tmp_path, [
        _feature(van_phu.code, _square(105.8, 21.6), valid_on="2026-06-30"),
        _feature("99999", _square(105.9, 21.6)),
        _feature(van_phu.code, _square(5.0, 21.6), valid_on="2026-06-30", name="Sai"),
    ])
    with pytest.raises(ImportFailed) as failed:
        import_boundaries(path)
    messages = [str(e) for e in failed.value.errors]
    assert any("đối tượng thứ 2" in m and "99999" in m for m in messages)
    assert any("đối tượng thứ 3" in m and ("ngoài lãnh thổ" in m or "đã có ranh giới" in m) for m in messages)
    assert UnitShape.objects.get(unit=van_phu).geometry == before


def test_import_repairs_a_bow_tie_and_audits(tmp_path, van_phu):
    bow_tie = {"type": "Polygon", "coordinates": [[[105.8, 21.6], [105.82, 21.62], [105.82, 21.6], [105.8, 21.62],
                                                   [105.8, 21.6]]]}
    path = _file(tmp_path, [_feature(van_phu.code, bow_tie, valid_on="30/6/2026")])
    assert import_boundaries(path, dry_run=True).updated == 1
    assert UnitShape.objects.get(unit=van_phu).synthetic
    result = import_boundaries(path)
    shape = UnitShape.objects.get(unit=van_phu)
    assert result.updated == 1 and not shape.synthetic and shape.source == "ranh-gioi.geojson"
    assert shape.geometry["type"] == "MultiPolygon" and shape.area_km2 > 0
    entry = AuditEntry.objects.filter(model="maps.unitshape", object_id=str(shape.pk)).latest("pk")
    assert entry.action == "update" and entry.after["source"] == "ranh-gioi.geojson"


def test_import_refuses_what_is_not_geojson(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(ImportFailed, match="FeatureCollection"):
        import_boundaries(path)
    path.write_text("{không phải json", encoding="utf-8")
    with pytest.raises(ImportFailed, match="JSON"):
        import_boundaries(path)


def test_import_needs_the_role(tmp_path, make_user, van_phu, dai_tu):
    path = _file(tmp_path, [_feature(van_phu.code, _square(105.8, 21.6), valid_on="2026-06-30")])
    with pytest.raises(ImportFailed, match="không được cập nhật ranh giới"):
        import_boundaries(path, user=make_user("huyen-ranh-gioi", "district_office", on=dai_tu))


def test_position_and_distance(van_phu):
    assert position(van_phu) is None  # the demo's units carry no position: the map uses the boundary's centroid
    van_phu.lat, van_phu.lon = 21.59, 105.85
    assert position(van_phu) == (21.59, 105.85)
    hanoi_to_thai_nguyen = distance_km((21.0278, 105.8342), [(21.5942, 105.8482)])[0]
    assert 60 < hanoi_to_thai_nguyen < 66


def test_the_command_and_the_upload_page(tmp_path, client, make_user, van_phu):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import CommandError, call_command

    path = _file(tmp_path, [_feature(van_phu.code, _square(105.8, 21.6), valid_on="2026-06-30")])
    out = io.StringIO()
    call_command("import", "boundaries", str(path), "--dry-run", stdout=out)
    assert out.getvalue().startswith("Sẽ tạo mới 0, cập nhật 1") and UnitShape.objects.get(unit=van_phu).synthetic
    csv = tmp_path / "units.csv"
    csv.write_text("code,name\n1,a\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 lỗi"):
        call_command("import", "boundaries", str(csv), stdout=io.StringIO(), stderr=err)
    assert "không phải JSON hợp lệ" in err.getvalue()

    page = reverse("maps_upload")
    client.force_login(make_user("xa-ranh-gioi", "commune_officer", on=van_phu))
    assert client.get(page).status_code == 403
    client.force_login(make_user("tinh-ranh-gioi", "province_office", on=van_phu.parent))
    bad = client.post(page, {"file": SimpleUploadedFile("a.geojson", b"code,name\n")})
    assert bad.status_code == 400 and "không phải GeoJSON" in bad.content.decode()
    body = path.read_bytes()
    done = client.post(page, {"file": SimpleUploadedFile("ranh-gioi.geojson", body)}, follow=True)
    assert done.status_code == 200 and "Đã tạo mới 0, cập nhật 1" in done.content.decode()
    shape = UnitShape.objects.get(unit=van_phu)
    assert not shape.synthetic and shape.uploaded_by.username == "tinh-ranh-gioi"


def test_a_commune_officer_sees_the_published_map_of_the_unit_above(client, make_user, van_phu):
    """As on the dashboard: the province (the unit above a 2026 commune), published figures; the panel asks for it
    without naming the unit."""
    client.force_login(make_user("xa-ban-do", "commune_officer", on=van_phu))
    dashboard = client.get(reverse("dashboard"), {"as_of": "2026-06-30"}).content.decode()
    assert 'data-url="/ban-do/du-lieu/?layer=level&amp;as_of=2026-06-30&amp;unit="' in dashboard
    data = _features(client, layer="level", as_of="2026-06-30")
    assert data["unit"]["code"] == van_phu.parent.code and van_phu.pk in {f["id"] for f in data["features"]}
