"""``nongthonso import diary FILE [--dry-run]``: all or nothing, Vietnamese row errors, the pre-harvest rule across the
file in date order, the same file twice stores nothing new."""

from __future__ import annotations

import pytest

from nongthonso.coops import imports_diary
from nongthonso.coops.models import DiaryEntry
from nongthonso.core.imports import ImportFailed

from . import diary_fixtures

diary_world = diary_fixtures.diary_world  # the fixture
pytestmark = pytest.mark.django_db


def ours(model):
    """The rows of ``model`` of the test's co-operatives (the session database holds the demo's diaries too)."""
    path = "cycle__plot__cooperative" if model.__name__ == "DiaryEntry" else "entry__cycle__plot__cooperative"
    return model.objects.filter(**{path + "__registration_code__startswith": "TEST-DIARY"})
HEADER = "cooperative,plot,cycle,kind,date,input_name,phi_days,quantity,quantity_unit\n"


def write(tmp_path, *lines: str):
    path = tmp_path / "nhat-ky.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_imports_all_rows_and_again_nothing_new(diary_world, tmp_path):
    path = write(tmp_path, "TEST-DIARY-01,T01,Vụ xuân 2026,Bón phân,05/03/2026,NPK 16-16-8,,,",
                 "test-diary-01,t01,vu xuan 2026,harvest,2026-03-20,,,150,kg")
    dry = imports_diary.import_diary(path, dry_run=True)
    assert (dry.created, ours(DiaryEntry).count()) == (2, 0)
    done = imports_diary.import_diary(path, user=diary_world.manager)
    assert done.created == 2 and ours(DiaryEntry).count() == 2
    assert set(ours(DiaryEntry).values_list("kind", flat=True)) == {"fertilising", "harvest"}
    again = imports_diary.import_diary(path)
    assert (again.created, again.unchanged) == (0, 2)


def test_the_pre_harvest_rule_runs_across_the_file_in_date_order(diary_world, tmp_path):
    # the harvest comes first in the file, the spray that blocks it later: date order decides
    path = write(tmp_path, "TEST-DIARY-01,T01,Vụ xuân 2026,harvest,10/03/2026,,,150,kg",
                 "TEST-DIARY-01,T01,Vụ xuân 2026,spraying,01/03/2026,Regent 800WG,14,,")
    with pytest.raises(ImportFailed) as failed:
        imports_diary.import_diary(path)
    assert str(failed.value) == ("Dòng 2, cột «date» (giá trị «10/03/2026»): Chưa được thu hoạch: lần phun «Regent "
                                 "800WG» ngày 01/03/2026 có thời gian cách ly 14 ngày, được thu hoạch từ ngày "
                                 "15/03/2026.")
    assert not ours(DiaryEntry).exists()


def test_row_errors_name_the_row_column_and_fix(diary_world, tmp_path):
    path = write(tmp_path, "TEST-DIARY-01,T99,Vụ xuân 2026,other,01/03/2026,,,,",
                 "TEST-DIARY-01,T01,Vụ xuân 2026,spraying,01/03/2026,,,,",
                 "TEST-DIARY-01,T01,Vụ xuân 2026,other,01/03/2026,,,,")
    with pytest.raises(ImportFailed) as failed:
        imports_diary.import_diary(path)
    text = [str(e) for e in failed.value.errors]
    assert text[0].startswith("Dòng 2, cột «cycle» (giá trị «Vụ xuân 2026»): không có vụ này trên thửa «T99»")
    assert any(t.startswith("Dòng 3, cột «input_name»") for t in text)
    assert any(t.startswith("Dòng 3, cột «phi_days»") and "nhãn thuốc" in t for t in text)
    assert not ours(DiaryEntry).exists()


def test_a_manager_of_another_cooperative_cannot_import_into_it(diary_world, tmp_path, make_user):
    path = write(tmp_path, "TEST-DIARY-01,T01,Vụ xuân 2026,other,01/03/2026,,,,")
    with pytest.raises(ImportFailed) as failed:
        imports_diary.import_diary(path, user=diary_world.stranger)
    assert "không có vụ này" in str(failed.value)
    with pytest.raises(ImportFailed) as nobody:
        imports_diary.import_diary(path, user=make_user("diary_nobody"))
    assert "không quản lý hợp tác xã nào" in str(nobody.value)


def test_the_import_kind_is_registered_for_the_command_line(diary_world, tmp_path):
    from django.core.management import call_command

    path = write(tmp_path, "TEST-DIARY-01,T01,Vụ xuân 2026,irrigation,01/03/2026,,,,")
    call_command("import", "diary", str(path))
    assert ours(DiaryEntry).get().kind == "irrigation"
