"""The smart-NTM reference data: the targets file loaded after every migrate and by ``nongthonso smart load`` (a
programme rewritten only when its entry changed, so an admin's correction stays; a bad file refused naming the entry
and the fix), and the province's smart-village criteria set loaded through the criteria catalogue's loader."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command

from nongthonso.audit.models import AuditEntry
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.smart.catalogue import TARGETS_FILE, TargetsError, load_targets, read_targets
from nongthonso.smart.models import Programme, Target

pytestmark = pytest.mark.django_db


def _file(tmp_path, change=None):
    data = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))
    if change:
        change(data)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_target_of_the_file_is_loaded_with_its_provenance():
    data = read_targets()
    codes = [t["code"] for p in data["programmes"] for t in p["targets"]]
    assert sorted(codes) == sorted(Target.objects.values_list("code", flat=True))
    target = Target.objects.get(code="qd924-ho-so-xa")
    assert (target.level, target.comparator, float(target.value), target.kind, target.measure.code,
            target.provenance) == ("xa", ">=", 60.0, "entered", "ho-so-truc-tuyen", "secondary")
    plan = Programme.objects.get(code="kh-154-2022-thai-nguyen")
    assert (plan.province_code, plan.verified, plan.legal_basis) == (
        "19", False, "Kế hoạch 154/KH-UBND ngày 15/10/2022 của UBND tỉnh Thái Nguyên")


def test_loading_again_changes_nothing_and_keeps_an_admins_correction(tmp_path):
    Target.objects.filter(code="qd924-ho-so-xa").update(value=65)
    before = AuditEntry.objects.count()
    assert {outcome for _code, outcome in load_targets()} == {"unchanged"}
    assert AuditEntry.objects.count() == before
    assert float(Target.objects.get(code="qd924-ho-so-xa").value) == 65.0

    def raise_commune_target(data):
        data["programmes"][0]["targets"][2]["value"] = 70
        del data["programmes"][0]["targets"][-1]

    outcomes = dict(load_targets(_file(tmp_path, raise_commune_target)))
    assert outcomes == {"qd-924-2022": "updated", "kh-154-2022-thai-nguyen": "unchanged"}
    assert float(Target.objects.get(code="qd924-ho-so-xa").value) == 70.0
    assert not Target.objects.filter(code="qd924-thi-diem-xa").exists()
    assert AuditEntry.objects.filter(model="smart.target", action="delete", object_repr__contains="thí điểm").exists()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["programmes"][0]["targets"][0].update(kind="guess"), "«kind: guess» không hợp lệ"),
    (lambda d: d["programmes"][0]["targets"][0].update(measure="khong-co"), "không có số liệu nhập «khong-co»"),
    (lambda d: d["programmes"][0]["targets"][0].update(value=120), "tỷ lệ 120% phải từ 0 đến 100"),
    (lambda d: d["programmes"][0]["targets"][3].pop("indicator"), "cần mã chỉ tiêu"),
    (lambda d: d["programmes"][0]["targets"][0].update(level="xom"), "«level: xom» không hợp lệ"),
    (lambda d: d["programmes"][1]["targets"][0].update(code="qd924-ho-so-tinh"), "đã dùng"),
])
def test_a_wrong_targets_file_is_refused_naming_the_entry(tmp_path, change, message):
    path = _file(tmp_path, change)
    before = list(Target.objects.order_by("code").values_list("code", "value"))
    with pytest.raises(TargetsError, match=message):
        load_targets(path)
    assert list(Target.objects.order_by("code").values_list("code", "value")) == before


def test_the_provinces_smart_village_set_is_in_the_criteria_catalogue():
    cset = CriteriaSet.objects.get(code="thon-thong-minh-19", superseded_by__isnull=True)
    assert (cset.level, cset.province_code, cset.verified) == (Level.THON_THONG_MINH, "19", False)
    assert cset.criteria.count() == 7 and "GIỮ CHỖ" in cset.legal_basis
    assert all(i.source and not i.verified for i in cset.indicators.all())


def test_the_command_loads_both_files():
    out = io.StringIO()
    call_command("smart", "load", stdout=out)
    assert out.getvalue().splitlines() == ["chương trình qd-924-2022: không đổi",
                                           "chương trình kh-154-2022-thai-nguyen: không đổi",
                                           "bộ tiêu chí thon-thong-minh-19 v1: không đổi"]
