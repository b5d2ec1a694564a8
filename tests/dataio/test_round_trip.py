"""Round trip: export values (province 19, 2023) → import into a database without them → identical values,
identical results and an identical summary. Decisions and registrations likewise."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.recognition.models import Decision, Registration
from nongthonso.reports.services import summary

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2023, 6, 30)


def values_2023() -> list[tuple]:
    return sorted(IndicatorValue.objects.filter(assessment__year=2023).values_list(
        "assessment__unit_id", "assessment__criteria_set__code", "indicator__code", "value", "note", "source"))


def results_2023() -> list[tuple]:
    return sorted(Assessment.objects.filter(year=2023).values_list(
        "unit_id", "criteria_set__code", "criteria_met", "criteria_failed", "criteria_unknown", "criteria_total",
        "eligible", "revoke", "results"), key=lambda r: r[:2])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_values_export_then_import_into_an_empty_year_gives_identical_values_and_summary(tmp_path, fmt):
    # given the demo's 2023 values, their results and the province's summary
    values, results, figures = values_2023(), results_2023(), summary("19", AS_OF)
    assert len(values) > 9000 and figures.ntm == 108
    # when they are exported …
    path = tmp_path / f"gia-tri-19-2023.{fmt}"
    call_command("export", "values", "--unit", "19", "--year", "2023", "--format", fmt, "--output", str(path),
                 stderr=io.StringIO())
    # … the year is emptied (no 2023 assessment or value is left) …
    IndicatorValue.objects.filter(assessment__year=2023).delete()
    Assessment.objects.filter(year=2023).delete()
    assert not Assessment.objects.filter(year=2023).exists()
    assert summary("19", AS_OF) != figures
    # … and the file is imported
    out = io.StringIO()
    call_command("import", "values", str(path), stdout=out)
    assert out.getvalue().startswith(f"Đã tạo mới {len(values)}, cập nhật 0, giữ nguyên 0 dòng.")
    # then the values, the stored results and the summary are what they were
    assert values_2023() == values
    assert results_2023() == results
    assert summary("19", AS_OF) == figures


def test_importing_the_export_again_changes_nothing(tmp_path, dossiers_open):
    path = tmp_path / "gia-tri.xlsx"
    call_command("export", "values", "--unit", "19", "--year", "2023", "--output", str(path), stderr=io.StringIO())
    out = io.StringIO()
    call_command("import", "values", str(path), "--dry-run", stdout=out)
    assert out.getvalue().startswith(f"Sẽ tạo mới 0, cập nhật 0, giữ nguyên {len(values_2023())} dòng.")


def _decisions() -> list[tuple]:
    return sorted((d.number, d.date, d.authority, d.kind, d.level, d.for_year, d.note,
                   tuple(sorted(u.pk for u in d.units.all()))) for d in Decision.objects.prefetch_related("units"))


def _registrations() -> list[tuple]:
    return sorted(Registration.objects.values_list("unit_id", "target_level", "target_year", "registered_on", "note"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_decisions_and_registrations_round_trip(tmp_path, fmt):
    decisions, registrations, figures = _decisions(), _registrations(), summary("19", AS_OF)
    assert len(decisions) > 50 and len(registrations) > 20
    for kind in ("decisions", "registrations"):
        call_command("export", kind, "--output", str(tmp_path / f"{kind}.{fmt}"), stderr=io.StringIO())
        out = io.StringIO()
        call_command("import", kind, str(tmp_path / f"{kind}.{fmt}"), "--dry-run", stdout=out)
        assert "tạo mới 0, cập nhật 0," in out.getvalue()
    Decision.objects.all().delete()
    Registration.objects.all().delete()
    for kind in ("decisions", "registrations"):
        call_command("import", kind, str(tmp_path / f"{kind}.{fmt}"), stdout=io.StringIO())
    assert _decisions() == decisions
    assert _registrations() == registrations
    assert summary("19", AS_OF) == figures


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_units_export_imports_back_unchanged(tmp_path, fmt):
    path = tmp_path / f"don-vi.{fmt}"
    call_command("export", "units", "--unit", "19", "--output", str(path), stderr=io.StringIO())
    out = io.StringIO()
    call_command("import", "units", str(path), "--dry-run", stdout=out)
    assert out.getvalue().startswith("Sẽ tạo mới 0, cập nhật 0, giữ nguyên ")
