"""The OCOP catalogue as data: loaded after migrate (every installation has it), idempotent, every row with its
provenance and source; a sheet in use is locked; ``sheet_for`` picks the version in force on a day."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal

import pytest
import yaml

from nongthonso.audit.models import AuditEntry
from nongthonso.ocop import catalogue
from nongthonso.ocop.models import (
    ProductGroup,
    Provenance,
    ScoringSheet,
    SheetCriterion,
    SheetPart,
    StarBand,
    SubGroup,
)

pytestmark = pytest.mark.django_db


def _counts() -> tuple:
    return tuple(m.objects.count() for m in (ProductGroup, SubGroup, ScoringSheet, SheetPart, SheetCriterion,
                                             StarBand))


def test_migrate_loaded_the_six_groups_and_both_sheet_versions():
    assert list(ProductGroup.objects.values_list("code", "name"))[:2] == [("1", "Thực phẩm"), ("2", "Đồ uống")]
    assert ProductGroup.objects.count() == 6
    assert SubGroup.objects.get(code="1.3.a").lead_ministry == "Bộ Công Thương"
    sheets = {s.code: s for s in ScoringSheet.objects.all()}
    assert {code: [int(p.max_points) for p in s.parts.order_by("order")] for code, s in sheets.items()} == {
        "ocop-148-2023": [40, 25, 35], "ocop-1048-2019": [35, 25, 40]}
    assert sheets["ocop-1048-2019"].valid_to == dt.date(2023, 2, 23)
    assert sheets["ocop-148-2023"].valid_from == dt.date(2023, 2, 24) and sheets["ocop-148-2023"].valid_to is None
    assert all(s.certificate_months == 36 and s.council_rule == "mean" for s in sheets.values())


def test_every_row_carries_provenance_and_source():
    for model in (ProductGroup, SubGroup, ScoringSheet, SheetCriterion, StarBand):
        assert not model.objects.filter(source="").exists(), model
        assert set(model.objects.values_list("provenance", flat=True)) <= {Provenance.QUOTED, Provenance.SECONDARY,
                                                                          Provenance.PLACEHOLDER}
    # nothing claims to be checked against the text: the criteria are placeholders, the sheets and bands unverified
    assert set(SheetCriterion.objects.values_list("provenance", flat=True)) == {Provenance.PLACEHOLDER}
    assert not ScoringSheet.objects.filter(verified=True).exists()
    assert not StarBand.objects.filter(verified=True).exists()
    # sub-groups beyond Phụ lục I's excerpt are placeholders
    assert SubGroup.objects.get(code="2.1").provenance == Provenance.PLACEHOLDER


def test_the_148_sheet_has_a_bonus_and_a_minimum_requirement_for_three_stars():
    sheet = ScoringSheet.objects.get(code="ocop-148-2023")
    assert sheet.criteria.filter(bonus=True).count() >= 1
    gate = sheet.criteria.get(minimum_stars__isnull=False)
    assert (gate.code, gate.minimum_stars, gate.minimum_points) == ("C2.1", 3, Decimal("3.00"))
    assert sum(c.max_points for c in sheet.criteria.filter(bonus=False)) == 100
    assert list(sheet.bands.values_list("stars", "min_points")) == [
        (5, Decimal(90)), (4, Decimal(70)), (3, Decimal(50)), (2, Decimal(30)), (1, Decimal(0))]


def test_loading_again_changes_nothing():
    before, audit = _counts(), AuditEntry.objects.count()
    counts = catalogue.load()
    assert counts["created"] == counts["updated"] == counts["deleted"] == 0
    assert _counts() == before and AuditEntry.objects.count() == audit


def test_a_corrected_file_updates_the_row_audited_and_a_province_row_is_left_alone(tmp_path):
    sheets = tmp_path / "sheets"
    shutil.copytree(catalogue.SHEETS_DIR, sheets)
    groups = yaml.safe_load(catalogue.GROUPS_FILE.read_text(encoding="utf-8"))
    groups["groups"][1]["subgroups"][0]["lead_ministry"] = "Bộ Công Thương"
    (tmp_path / "groups.yaml").write_text(yaml.safe_dump(groups, allow_unicode=True), encoding="utf-8")
    own = SubGroup.objects.create(group=ProductGroup.objects.get(code="1"), code="1.9", name="Của tỉnh",
                                  provenance=Provenance.PROVINCE, source="Quyết định của UBND tỉnh")
    counts = catalogue.load(groups_file=tmp_path / "groups.yaml", sheets_dir=sheets)
    assert counts["updated"] == 1 and counts["created"] == 0
    entry = AuditEntry.objects.filter(model="ocop.subgroup", action="update").latest("pk")
    assert entry.before == {"lead_ministry": ""} and entry.after == {"lead_ministry": "Bộ Công Thương"}
    assert SubGroup.objects.filter(pk=own.pk).exists()


def test_a_sheet_in_use_is_not_changed_by_the_loader(tmp_path, scoring_world):
    scoring_world.score("Chủ tịch", {"A1.1": 3})
    sheets = tmp_path / "sheets"
    shutil.copytree(catalogue.SHEETS_DIR, sheets)
    path = sheets / "qd-148-2023.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["bands"][0]["min_points"] = 85
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="hạng 5 sao: phiếu đã được hội đồng dùng để chấm điểm"):
        catalogue.load(sheets_dir=sheets)
    assert ScoringSheet.objects.get(code="ocop-148-2023").bands.get(stars=5).min_points == 90


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: s["parts"][0]["criteria"][0].update(max_points=9),
     "phần «A»: các tiêu chí (không kể điểm cộng) cộng lại 45 điểm, khác điểm tối đa 40"),
    (lambda s: s["parts"][0]["criteria"][0].update(provenance="chac_chan"), "«provenance: chac_chan» không hợp lệ"),
    (lambda s: s["parts"][0]["criteria"][0].update(source=""), "thiếu «source»"),
    (lambda s: s.update(valid_from="24/02/2023"), "«valid_from» phải là ngày dạng YYYY-MM-DD"),
])
def test_a_bad_sheet_file_is_refused_naming_the_row(tmp_path, mutate, message):
    spec = yaml.safe_load((catalogue.SHEETS_DIR / "qd-148-2023.yaml").read_text(encoding="utf-8"))
    mutate(spec)
    path = tmp_path / "phieu.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match=re.escape(message)):
        catalogue.read_sheet(path)


@pytest.mark.parametrize(("day", "code"), [
    (dt.date(2019, 8, 21), "ocop-1048-2019"), (dt.date(2023, 2, 23), "ocop-1048-2019"),
    (dt.date(2023, 2, 24), "ocop-148-2023"), (dt.date(2026, 12, 4), "ocop-148-2023")])
def test_sheet_for_gives_the_version_in_force_on_the_day(day, code):
    assert catalogue.sheet_for(SubGroup.objects.get(code="1.1.a"), day).code == code
    assert catalogue.sheet_for(None, day).code == code


def test_sheet_for_prefers_a_sheet_naming_the_subgroup():
    general = ScoringSheet.objects.get(code="ocop-148-2023")
    tea = SubGroup.objects.get(code="2.2")
    own = ScoringSheet.objects.create(code="ocop-148-do-uong", name="Phiếu đồ uống", legal_basis="148/QĐ-TTg",
                                      valid_from=dt.date(2023, 2, 24), provenance=Provenance.PLACEHOLDER)
    own.subgroups.add(tea)
    assert catalogue.sheet_for(tea, dt.date(2024, 1, 1)) == own
    assert catalogue.sheet_for(SubGroup.objects.get(code="2.1"), dt.date(2024, 1, 1)) == general
    assert catalogue.sheet_for(tea, dt.date(2019, 1, 1)) is None  # before any sheet
