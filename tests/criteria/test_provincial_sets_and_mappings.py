"""A provincial set (the pilot «xã NTM hiện đại» of Thái Nguyên) applies only to its province's units; the mapping of
2021-2025 indicators to 2026-2030 ones is data with provenance, and the loader refuses a bad mapping file."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from nongthonso.assessments.models import Assessment
from nongthonso.assessments.services import SetNotApplicable, get_or_create_assessment, open_dossier
from nongthonso.criteria import engine
from nongthonso.criteria.applicability import applies_to, set_for, sets_for
from nongthonso.criteria.catalogue import (
    CATALOGUE_DIR,
    CatalogueError,
    compiled,
    load_all,
    read_catalogue,
    read_mappings,
)
from nongthonso.criteria.models import CriteriaSet, IndicatorMapping
from nongthonso.units.models import Unit, UnitType

HIEN_DAI = "xa-ntm-hien-dai-19-2026"
MAPPING = "xa-ntm-2021-2025__xa-ntm-2026-2030.yaml"
NEW_FROM = dt.date(2025, 7, 1)


def _specs():
    return {s["code"]: s for s in read_catalogue()}


def test_the_modern_commune_set_is_a_provincial_placeholder_with_provenance():
    spec = _specs()[HIEN_DAI]
    assert (spec["level"], spec["province"], spec["requires"], spec["threshold_dimension"]) == (
        "xa_ntm_hien_dai", "19", {"set": "xa-ntm-2026-2030"}, "commune_group")
    assert "Phụ lục II" in spec["legal_basis"] and "GIỮ CHỖ" in spec["legal_basis"]
    indicators = [i for c in spec["criteria"] for i in c["indicators"]]
    assert len(indicators) == 11
    assert all(i["verified"] is False and "GIỮ CHỖ" in i["source"] for i in indicators)
    income = next(i for i in indicators if i.get("threshold_ref"))
    assert income["threshold_ref"] == {"set": "xa-ntm-2026-2030", "indicator": "3.1", "factor": 1.3}


def test_its_income_threshold_follows_the_communes_group_and_is_unknown_without_one():
    specs = _specs()
    cs = engine.compile_spec(specs[HIEN_DAI], referenced=specs)
    for group, threshold in ((1, 97.5), (2, 84.5), (3, 65)):
        r = engine.evaluate_one(cs, {"2.1": 90}, year=2026, group=group)
        assert r.criteria[1].indicators[0].threshold == threshold
    r = engine.evaluate_one(cs, {"2.1": 90}, year=2026, group=None)
    assert (r.criteria[1].indicators[0].status, r.notes[0]["indicators"]) == ("unknown", ["2.1"])


@pytest.mark.django_db
def test_the_loader_stores_the_province_and_the_set_applies_only_there(make_user):
    # given the loaded catalogue, a commune of Thái Nguyên and one of another province (2026)
    cset = CriteriaSet.objects.get(code=HIEN_DAI, superseded_by__isnull=True)
    national = CriteriaSet.objects.get(code="xa-ntm-2026-2030", superseded_by__isnull=True)
    assert (cset.province_code, national.province_code, cset.requires) == ("19", "", national)
    province = Unit.objects.get(code="19", valid_from=NEW_FROM)
    ours = Unit.objects.filter(parent=province, unit_type__is_rural=True).order_by("code").first()
    other_province = Unit.objects.create(code="T08", name="Tỉnh Thử", unit_type=UnitType.objects.get(code="tinh"),
                                         valid_from=NEW_FROM, synthetic=True)
    theirs = Unit.objects.create(code="T0801", name="Xã Thử", unit_type=UnitType.objects.get(code="xa"),
                                 parent=other_province, valid_from=NEW_FROM, synthetic=True)
    # then the sets offered differ, the NTM set is the national one for both
    assert [s.code for s in sets_for(ours, 2026)] == [HIEN_DAI, "xa-ntm-2026-2030"]
    assert [s.code for s in sets_for(theirs, 2026)] == ["xa-ntm-2026-2030"]
    assert set_for(ours, 2026, "xa_ntm") == set_for(theirs, 2026, "xa_ntm") == national
    assert set_for(theirs, 2026, "xa_ntm_hien_dai") is None
    assert (applies_to(cset, ours), applies_to(cset, theirs), applies_to(national, theirs)) == (True, False, True)
    # and no dossier of the provincial set can be created for the other province's commune
    message = ("Bộ tiêu chí «Bộ tiêu chí xã nông thôn mới hiện đại tỉnh Thái Nguyên giai đoạn 2026-2030 (thí điểm)» "
               f"({HIEN_DAI}) do tỉnh mã 19 ban hành, chỉ áp dụng cho các xã của tỉnh đó; Xã Thử (T0801) không thuộc "
               "tỉnh này. Chọn bộ tiêu chí quốc gia hoặc bộ của tỉnh mình.")
    with pytest.raises(SetNotApplicable) as exc:
        get_or_create_assessment(theirs, 2026, cset)
    assert str(exc.value) == message
    officer = make_user("canbo-thu", "commune_officer", theirs)
    with pytest.raises(SetNotApplicable) as exc:
        open_dossier(theirs, 2026, officer, set_code=HIEN_DAI)
    assert str(exc.value) == message
    assert not Assessment.objects.filter(unit=theirs).exists()
    # the level without a set of its own province: nothing to open
    with pytest.raises(SetNotApplicable, match="Không có bộ tiêu chí «Xã nông thôn mới hiện đại» nào"):
        open_dossier(theirs, 2026, officer, level="xa_ntm_hien_dai")
    # while Thái Nguyên's commune gets its dossier, evaluated (its requirement met or not)
    ours_officer = make_user("canbo-td", "commune_officer", ours)
    a, created = open_dossier(ours, 2026, ours_officer, set_code=HIEN_DAI)
    assert (created, a.criteria_set, a.results["requires"]) == (True, cset, {"set": "xa-ntm-2026-2030",
                                                                             "eligible": False})
    assert compiled(cset, "19").level == "xa_ntm_hien_dai"


@pytest.mark.django_db
def test_a_values_file_may_not_name_a_provincial_set_for_another_province(tmp_path):
    from nongthonso.assessments.imports import import_values
    from nongthonso.core.imports import ImportFailed

    other_province = Unit.objects.create(code="T08", name="Tỉnh Thử", unit_type=UnitType.objects.get(code="tinh"),
                                         valid_from=NEW_FROM, synthetic=True)
    Unit.objects.create(code="T0801", name="Xã Thử", unit_type=UnitType.objects.get(code="xa"),
                        parent=other_province, valid_from=NEW_FROM, synthetic=True)
    path = tmp_path / "v.csv"
    path.write_text(f"unit_code,year,indicator_code,value,set\nT0801,2026,1.1,85,{HIEN_DAI}\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_values(path)
    assert [str(e) for e in exc.value.errors] == [
        f"Dòng 2, cột «set» (giá trị «{HIEN_DAI}»): bộ tiêu chí này do tỉnh mã 19 ban hành, chỉ áp dụng cho các xã "
        "của tỉnh đó; Xã Thử (T0801) không thuộc tỉnh này. Sửa cột «set» hoặc mã đơn vị."]


def test_a_province_that_is_not_a_gso_code_is_refused(tmp_path):
    shutil.copy(CATALOGUE_DIR / f"{HIEN_DAI}.yaml", tmp_path / f"{HIEN_DAI}.yaml")
    path = tmp_path / f"{HIEN_DAI}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('province: "19"', "province: Thái Nguyên"),
                    encoding="utf-8")
    from nongthonso.criteria.catalogue import read_spec

    with pytest.raises(CatalogueError) as exc:
        read_spec(path)
    assert str(exc.value) == (f"Tệp «{HIEN_DAI}.yaml»: «province» phải là mã GSO của tỉnh (chữ số, ví dụ \"19\"), "
                              "không phải «Thái Nguyên». Bỏ khóa này nếu là bộ tiêu chí quốc gia.")


# --- the mapping ----------------------------------------------------------------------------------------------------

def test_the_mapping_pairs_indicators_of_the_same_type_and_direction_all_unverified():
    specs = read_catalogue()
    (entry,) = read_mappings(CATALOGUE_DIR, specs)
    assert (entry["from_set"], entry["to_set"], len(entry["pairs"])) == ("xa-ntm-2021-2025", "xa-ntm-2026-2030", 31)
    assert all(p["verified"] is False and p["source"] for p in entry["pairs"])
    pairs = {p["to"]: p["from"] for p in entry["pairs"]}
    assert (pairs["2.2"], pairs["3.1"], pairs["2.10"], pairs["8.3"]) == ("2.2", "10", "9.1", "17.11")
    assert not {"6.1", "8.1", "8.2", "6.2", "7.2", "7.3"} & set(pairs)  # left without a source, on purpose


@pytest.mark.django_db
def test_the_mapping_is_loaded_between_the_latest_versions_and_reloads_unchanged():
    mappings = IndicatorMapping.objects.select_related("from_indicator__criteria_set", "to_indicator__criteria_set")
    assert mappings.count() == 31
    assert {(m.from_indicator.criteria_set.code, m.to_indicator.criteria_set.code) for m in mappings} == {
        ("xa-ntm-2021-2025", "xa-ntm-2026-2030")}
    assert mappings.get(to_indicator__code="3.1").from_indicator.code == "10"
    assert not mappings.filter(verified=True).exists()
    results, outcomes = load_all()
    assert outcomes == [("xa-ntm-2021-2025", "xa-ntm-2026-2030", "unchanged")]
    assert {o for _, o in results} == {"unchanged"}


def _catalogue_with(tmp_path, text: str, name: str = MAPPING):
    for path in CATALOGUE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / name).write_text(text, encoding="utf-8")
    return tmp_path


HEAD = 'from_set: xa-ntm-2021-2025\nto_set: xa-ntm-2026-2030\nsource: "thử"\nmappings:\n'


@pytest.mark.parametrize(("text", "name", "message"), [
    (HEAD + '  - {from: "2.2", to: "1.1"}\n', MAPPING,
     "Tệp «mappings/xa-ntm-2021-2025__xa-ntm-2026-2030.yaml», cặp thứ 1 (2.2 → 1.1): chỉ tiêu 2.2 của bộ "
     "«xa-ntm-2021-2025» là tỷ lệ (%), còn chỉ tiêu 1.1 của bộ «xa-ntm-2026-2030» là Đạt/Không: giá trị không mang "
     "sang được. Chỉ nối hai chỉ tiêu cùng kiểu giá trị."),
    (HEAD + '  - {from: "11", to: "2.2"}\n', MAPPING,
     "Tệp «mappings/xa-ntm-2021-2025__xa-ntm-2026-2030.yaml», cặp thứ 1 (11 → 2.2): chỉ tiêu 11 so sánh «<=», chỉ "
     "tiêu 2.2 so sánh «>=»: hai chỉ tiêu đo theo chiều khác nhau, giá trị không mang sang được. Chỉ nối hai chỉ tiêu "
     "cùng chiều so sánh."),
    (HEAD + '  - {from: "2.2", to: "2.2"}\n  - {from: "2.3", to: "2.2"}\n', MAPPING,
     "Tệp «mappings/xa-ntm-2021-2025__xa-ntm-2026-2030.yaml», cặp thứ 2 (2.3 → 2.2): chỉ tiêu 2.2 của bộ "
     "«xa-ntm-2026-2030» đã có nguồn ở cặp thứ 1. Mỗi chỉ tiêu của bộ sau chỉ nhận giá trị từ một chỉ tiêu của bộ "
     "trước."),
    (HEAD + '  - {from: "99", to: "2.2"}\n', MAPPING,
     "Tệp «mappings/xa-ntm-2021-2025__xa-ntm-2026-2030.yaml», cặp thứ 1 (99 → 2.2): bộ «xa-ntm-2021-2025» không có "
     "chỉ tiêu mã 99. Sửa mã chỉ tiêu."),
    (HEAD.replace('source: "thử"\n', "") + '  - {from: "2.2", to: "2.2"}\n', MAPPING,
     "Tệp «mappings/xa-ntm-2021-2025__xa-ntm-2026-2030.yaml», cặp thứ 1 (2.2 → 2.2): thiếu «source»: ghi căn cứ "
     "của sự tương ứng (văn bản đã đối chiếu, hoặc vì sao suy ra như vậy)."),
    (HEAD + '  - {from: "2.2", to: "2.2"}\n', "cu__moi.yaml",
     "Tệp «mappings/cu__moi.yaml»: tên tệp phải là «xa-ntm-2021-2025__xa-ntm-2026-2030.yaml» (bộ trước__bộ sau) "
     "cho khớp với from_set và to_set."),
    (HEAD.replace("xa-ntm-2021-2025", "xa-ntm-2020") + '  - {from: "2.2", to: "2.2"}\n', MAPPING,
     "Tệp «mappings/xa-ntm-2021-2025__xa-ntm-2026-2030.yaml»: «from_set: xa-ntm-2020» không phải bộ tiêu chí nào "
     "trong danh mục. Dùng mã bộ tiêu chí, một trong: huyen-ntm-2021-2025, xa-ntm-2021-2025, xa-ntm-2026-2030, "
     "xa-ntm-hien-dai-19-2026, xa-ntm-kieu-mau-2021-2025, xa-ntm-nang-cao-2021-2025."),
])
@pytest.mark.django_db
def test_a_bad_mapping_file_is_refused_with_the_pair_and_the_fix_and_nothing_is_written(tmp_path, text, name,
                                                                                         message):
    folder = _catalogue_with(tmp_path, text, name)
    before = (list(IndicatorMapping.objects.values_list("pk", "source")),
              list(CriteriaSet.objects.values_list("pk", "version", "updated_at")))
    with pytest.raises(CatalogueError) as exc:
        load_all(folder)
    assert str(exc.value) == message
    assert (list(IndicatorMapping.objects.values_list("pk", "source")),
            list(CriteriaSet.objects.values_list("pk", "version", "updated_at"))) == before


@pytest.mark.django_db
def test_a_changed_mapping_file_adds_changes_and_removes_pairs(tmp_path):
    folder = _catalogue_with(tmp_path, HEAD + '  - {from: "2.2", to: "2.2", source: "mới"}\n'
                                              '  - {from: "17.1", to: "8.1"}\n')
    _results, outcomes = load_all(folder)
    assert outcomes == [("xa-ntm-2021-2025", "xa-ntm-2026-2030", "updated")]
    assert sorted(IndicatorMapping.objects.values_list("from_indicator__code", "to_indicator__code", "source")) == [
        ("17.1", "8.1", "thử"), ("2.2", "2.2", "mới")]
