"""``nongthonso import plots``: GeoJSON or lat/lon, all or nothing, Vietnamese row errors, dry run, scope."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from nongthonso.coops import imports_plots
from nongthonso.coops.models import Plot
from nongthonso.core.imports import ImportFailed

from .plots_world import BOWTIE, PARIS, SQUARE, make_world

pytestmark = pytest.mark.django_db
HEADER = ["cooperative_code", "plot_code", "commune_code", "area_m2", "crop", "member_code", "geometry", "lat", "lon"]


@pytest.fixture
def world(make_user, van_phu, lam_vy):
    return make_world(make_user, van_phu, lam_vy)


def _csv(tmp_path, rows, name="thua.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_a_good_file_creates_plots_then_updates_and_keeps_unchanged_ones(tmp_path, world):
    code = world.van_phu.code
    path = _csv(tmp_path, [["HTX-VP-01", "T01", code, "5000", "Chè", "TV01", json.dumps(SQUARE), "", ""],
                           ["HTX-VP-01", "T02", code, "800", "Chè", "", "", "21.59", "105.85"]])
    dry = imports_plots.run(path, dry_run=True)
    assert (dry.created, dry.dry_run) == (2, True) and not Plot.objects.exists()
    assert any("Dòng 2 (thửa T01)" in m and "khác diện tích khai báo" in m for m in dry.messages)
    result = imports_plots.run(path)
    assert result.created == 2
    assert Plot.objects.get(code="T01").geometry == SQUARE and Plot.objects.get(code="T01").member == world.member
    assert Plot.objects.get(code="T02").geometry == {"type": "Point", "coordinates": [105.85, 21.59]}
    again = _csv(tmp_path, [["HTX-VP-01", "T01", code, "11500", "Chè", "TV01", json.dumps(SQUARE), "", ""],
                            ["HTX-VP-01", "T02", code, "800", "Chè", "", "", "21.59", "105.85"]])
    second = imports_plots.run(again)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1) and not second.messages


def test_a_bad_file_writes_nothing_and_names_each_row_column_and_fix(tmp_path, world):
    code = world.van_phu.code
    path = _csv(tmp_path, [
        ["HTX-VP-01", "T01", code, "5000", "Chè", "", json.dumps(SQUARE), "", ""],
        ["HTX-VP-01", "T02", code, "5000", "Chè", "", json.dumps(BOWTIE), "", ""],
        ["HTX-VP-01", "T03", code, "5000", "Chè", "", json.dumps(PARIS), "", ""],
        ["HTX-XX", "T04", "99999", "-1", "", "TV99", "", "bắc", "105"],
        ["HTX-VP-01", "T01", code, "5000", "Chè", "", "", "", ""],
    ])
    with pytest.raises(ImportFailed) as failed:
        imports_plots.run(path)
    text = str(failed.value)
    assert "Dòng 3, cột «geometry»" in text and "tự cắt nhau" in text
    assert "Dòng 4, cột «geometry»" in text and "ngoài lãnh thổ Việt Nam" in text
    assert "Dòng 5, cột «cooperative_code» (giá trị «HTX-XX»)" in text
    assert "Dòng 5, cột «commune_code»" in text and "Dòng 5, cột «area_m2»" in text and "Dòng 5, cột «lat»" in text
    assert "Dòng 6, cột «plot_code»" in text and "trùng với dòng 2" in text
    assert not Plot.objects.exists()


def test_a_user_imports_only_the_plots_of_cooperatives_they_manage(tmp_path, world):
    path = _csv(tmp_path, [["HTX-LV-01", "T01", world.lam_vy.code, "100", "Lúa", "", "", "", ""]])
    with pytest.raises(ImportFailed) as failed:
        imports_plots.run(path, user=world.manager)
    assert "bạn không quản lý hợp tác xã «HTX lúa Lam Vỹ (minh họa)»" in str(failed.value)
    with pytest.raises(ImportFailed) as nobody:
        imports_plots.run(path, user=world.viewer)
    assert "Chỉ tài khoản quản lý hợp tác xã" in str(nobody.value)
    assert imports_plots.run(path, user=world.other).created == 1


def test_the_command_imports_plots_with_a_dry_run(tmp_path, world):
    path = _csv(tmp_path, [["HTX-VP-01", "T01", world.van_phu.code, "11500", "Chè", "", json.dumps(SQUARE), "", ""]])
    out = io.StringIO()
    call_command("import", "plots", str(path), "--dry-run", stdout=out)
    assert "Chạy thử" in out.getvalue() and not Plot.objects.exists()
    call_command("import", "plots", str(path), stdout=io.StringIO())
    assert Plot.objects.get().cooperative == world.tea
