"""The shipped criteria catalogue: shape, provenance, loading and versioning."""

import pytest
from django.core.exceptions import ValidationError

from nongthonso.criteria.catalogue import load_catalogue, read_catalogue
from nongthonso.criteria.models import CriteriaSet, Threshold


def _specs():
    return {s["code"]: s for s in read_catalogue()}


def _indicators(spec):
    return [i for c in spec["criteria"] for i in c["indicators"]]


def test_the_catalogue_ships_every_set_named_in_the_design():
    specs = _specs()
    assert set(specs) == {"xa-ntm-2021-2025", "xa-ntm-nang-cao-2021-2025", "xa-ntm-kieu-mau-2021-2025",
                          "huyen-ntm-2021-2025", "xa-ntm-2026-2030", "xa-ntm-hien-dai-19-2026"}
    ntm = specs["xa-ntm-2021-2025"]
    assert len(ntm["criteria"]) == 19 and len(_indicators(ntm)) == 57
    assert [c["name"] for c in ntm["criteria"]][9] == "Thu nhập"
    assert len(specs["xa-ntm-nang-cao-2021-2025"]["criteria"]) == 19
    assert len([c for c in specs["huyen-ntm-2021-2025"]["criteria"] if not c.get("condition")]) == 9
    new = specs["xa-ntm-2026-2030"]
    assert len(new["criteria"]) == 10 and new["threshold_dimension"] == "commune_group"
    model = specs["xa-ntm-kieu-mau-2021-2025"]
    assert model["requires"] == {"set": "xa-ntm-nang-cao-2021-2025"}
    assert _indicators(model)[0]["threshold_ref"]["factor"] == 1.1


def test_revocation_key_criteria_are_the_ones_decision_18_names():
    ntm = _specs()["xa-ntm-2021-2025"]
    assert {c["name"] for c in ntm["criteria"] if c.get("revocation_key")} == {
        "Thu nhập", "Môi trường và an toàn thực phẩm", "Quốc phòng và An ninh"}


def test_unverified_thresholds_say_so():
    for spec in _specs().values():
        for ind in _indicators(spec):
            assert "verified" in ind, (spec["code"], ind["code"])
            assert ind.get("source"), (spec["code"], ind["code"])


@pytest.mark.django_db
def test_reloading_the_same_files_changes_nothing():
    before = list(CriteriaSet.objects.values_list("code", "version"))
    assert {outcome for _, outcome in load_catalogue()} == {"unchanged"}
    assert list(CriteriaSet.objects.values_list("code", "version")) == before


@pytest.mark.django_db
def test_a_set_in_use_is_changed_only_by_a_new_version(tmp_path):
    # given the commune set, used by the demo's assessments, and a file that changes one threshold
    import shutil

    from nongthonso.criteria.catalogue import CATALOGUE_DIR
    for path in CATALOGUE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "xa-ntm-2021-2025.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("threshold: 100", "threshold: 99", 1),
                      encoding="utf-8")
    # when the files are loaded
    outcomes = {cset.code: outcome for cset, outcome in load_catalogue(tmp_path)}
    # then a new version supersedes the old one, which keeps its thresholds
    assert outcomes["xa-ntm-2021-2025"] == "new_version"
    old, new = CriteriaSet.objects.filter(code="xa-ntm-2021-2025").order_by("version")
    assert (new.version, old.superseded_by_id) == (old.version + 1, new.pk)
    assert old.assessments.exists() and not new.assessments.exists()


@pytest.mark.django_db
def test_editing_a_threshold_of_a_set_in_use_is_refused_with_the_way_out():
    threshold = Threshold.objects.filter(indicator__criteria_set__code="xa-ntm-2021-2025").first()
    threshold.value = 1
    with pytest.raises(ValidationError, match="Hãy tạo phiên bản mới"):
        threshold.full_clean()
