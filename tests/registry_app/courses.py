"""The test app's code behind its registry entries: an all-or-nothing CSV import of courses (audited, refused row by
row where the user may not record a course; its option ``held_on`` dates the rows that leave the date empty), their
export, the derived tally of courses per unit, the public list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from nongthonso.accounts.services import refusal, scope_paths
from nongthonso.audit.services import record
from nongthonso.core.imports import ErrorList, ImportResult, Progress, Refusals, RowError, TableFile, report_progress
from nongthonso.core.registry import ExportRequest
from nongthonso.dataio.exports import NothingFound, Table, scoped
from nongthonso.units.models import Unit

from .apps import RECORD_COURSE
from .models import Course, CourseTally

COLUMNS = ("unit_code", "title", "held_on")


def _why_not(user, unit: Unit) -> str | None:
    found = refusal(user, RECORD_COURSE, unit)
    return found.message if found else None


def held_on_option(text: str) -> dt.date:
    """The import's option ``held_on`` (``core.registry.ImportOption``): the date of the rows that leave it empty."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("cần một ngày dạng 2024-05-20.") from None


def import_courses(path: str | Path, *, dry_run: bool = False, user=None, name: str | None = None,
                   progress: Progress | None = None, held_on: dt.date | None = None) -> ImportResult:
    table = TableFile(path, COLUMNS, name=name)
    errors, refused = ErrorList(), Refusals(user, _why_not)
    rows: list[tuple[Unit, str, dt.date]] = []
    default = held_on
    n = 0
    for row, cells in table.rows():
        n += 1
        try:
            held_on = dt.date.fromisoformat(cells["held_on"]) if cells["held_on"] or default is None else default
        except ValueError:
            errors.add(RowError(row, "held_on", cells["held_on"], "ngày không hợp lệ. Viết dạng 2024-05-20."))
            continue
        unit = Unit.objects.valid_on(held_on).filter(code=cells["unit_code"]).first()
        if unit is None:
            errors.add(RowError(row, "unit_code", cells["unit_code"], "không có đơn vị mã này còn hiệu lực ngày "
                                                                      "tổ chức. Kiểm tra mã GSO."))
        elif not cells["title"]:
            errors.add(RowError(row, "title", "", "thiếu tên khoá. Điền tên khoá tập huấn."))
        elif message := refused(unit):
            errors.add(RowError(row, "unit_code", unit.code, message))
        else:
            rows.append((unit, cells["title"], held_on))
    report_progress(progress, table, "check", n, done=True)
    if errors:
        raise errors.fail()
    result = ImportResult(created=len(rows), dry_run=dry_run)
    if not dry_run:
        with transaction.atomic():
            for unit, title, held_on in rows:
                course = Course.objects.create(unit=unit, title=title, held_on=held_on)
                record("create", course, after={"unit": unit.code, "title": title, "held_on": held_on.isoformat()},
                       user=user)
            refresh({unit.pk for unit, _title, _date in rows})
    return result


def courses_export(request: ExportRequest) -> Table:
    """Courses within ``request.unit`` (all without it), held in ``request.year`` when given, in the import's columns;
    a user sees those of the units where they may record a course."""
    condition = Q()
    if request.unit:
        paths = list(Unit.objects.filter(code=request.unit).values_list("path", flat=True))
        if not paths:
            raise NothingFound(f"Không có đơn vị mã «{request.unit}». Kiểm tra mã GSO.")
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(unit__path__startswith=path)
    if request.year is not None:
        condition &= Q(held_on__year=request.year)
    if request.user is not None:
        condition = scoped(condition, "unit__path", scope_paths(request.user, RECORD_COURSE))
    rows = Course.objects.filter(condition).order_by("held_on", "pk").values_list("unit__code", "title", "held_on")
    return Table("Khoá tập huấn", COLUMNS, ((code, title, date.isoformat()) for code, title, date in rows))


# --- the report: courses per unit --------------------------------------------------------------------------------

def courses_report(fmt: str, *, unit: str | None) -> str:
    """``nongthonso report courses [--unit CODE] --format text|json``: the courses within the unit (all without it)."""
    rows = Course.objects.order_by("held_on", "pk").values_list("unit__code", "title")
    if unit:
        paths = list(Unit.objects.filter(code=unit).values_list("path", flat=True))
        if not paths:
            raise LookupError(f"Không có đơn vị mã «{unit}». Kiểm tra mã GSO.")
        rows = rows.filter(unit__path__startswith=paths[0])
    if fmt == "json":
        return json.dumps([{"unit_code": code, "title": title} for code, title in rows], ensure_ascii=False)
    return "\n".join(f"{code}: {title}" for code, title in rows)


# --- the derived table: courses per unit ----------------------------------------------------------------------------

def _counts(unit_ids: Iterable[int] | None = None) -> dict[int, int]:
    qs = Course.objects.all() if unit_ids is None else Course.objects.filter(unit_id__in=list(unit_ids))
    return dict(qs.values_list("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))


def refresh(unit_ids: Iterable[int]) -> None:
    unit_ids = list(unit_ids)
    counts = _counts(unit_ids)
    CourseTally.objects.filter(unit_id__in=unit_ids).exclude(unit_id__in=list(counts)).delete()
    for unit_id, n in counts.items():
        CourseTally.objects.update_or_create(unit_id=unit_id, defaults={"courses": n})


def rebuild() -> int:
    counts = _counts()
    CourseTally.objects.all().delete()
    CourseTally.objects.bulk_create(CourseTally(unit_id=unit_id, courses=n) for unit_id, n in counts.items())
    return len(counts)


def check() -> list[str]:
    counts, kept = _counts(), dict(CourseTally.objects.values_list("unit_id", "courses"))
    return [f"đơn vị {unit_id}: {counts.get(unit_id, 0)} khoá, bảng dẫn xuất ghi {kept.get(unit_id, 0)}"
            for unit_id in sorted(counts.keys() | kept.keys()) if counts.get(unit_id) != kept.get(unit_id)]


# --- the public page -----------------------------------------------------------------------------------------------

@require_GET
def public_courses(request):
    courses = Course.objects.select_related("unit").order_by("held_on", "pk")
    return render(request, "registry_app/courses.html", {"courses": courses})


def summary_section(root: Unit, as_of: dt.date, period_start: dt.date) -> dict:
    """A section of the provincial summary (``core.registry.SummarySection``): the courses held in ``root``'s subtree
    in the period."""
    courses = Course.objects.filter(held_on__gte=period_start, held_on__lte=as_of)
    if root.pk is not None:
        courses = courses.filter(unit__in=Unit.objects.filter(path__startswith=root.path).values("pk"))
    return {"courses": courses.count()}


def summary_sentence(section: dict) -> str:
    return f"Trong kỳ đã tổ chức {section['courses']} khoá tập huấn." if section["courses"] else ""
