"""Fixtures of the import/export tests: tables written as CSV or XLSX files, the messages of a refused import, an
open commune dossier."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from nongthonso.assessments.models import Assessment
from nongthonso.core.imports import ImportFailed
from nongthonso.demo.thai_nguyen_2026 import SET_2021


@pytest.fixture
def write_table():
    """``write_table(folder, name, rows, fmt)``: ``rows`` (the header first) as a CSV (UTF-8) or XLSX file named
    ``name`` + the format's suffix; returns its path."""

    def write(folder: Path, name: str, rows: list[list], fmt: str) -> Path:
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            path.write_text(buffer.getvalue(), encoding="utf-8")
        else:
            workbook = Workbook()
            sheet = workbook.active
            for row in rows:
                sheet.append(row)
            workbook.save(path)
        return path

    return write


@pytest.fixture
def import_errors(import_counts):
    """``import_errors(importer, path, **kwargs)``: the messages of an import that ``importer`` refuses, having
    checked that it wrote nothing."""

    def refused(importer, path: Path, **kwargs) -> list[str]:
        before = import_counts()
        with pytest.raises(ImportFailed) as exc:
            importer(path, **kwargs)
        assert import_counts() == before, "a refused import wrote something"
        return [str(e) for e in exc.value.errors]

    return refused


@pytest.fixture
def commune_code(dossiers_open):
    """A commune meeting all 19 criteria whose 2023 dossier is open for editing (a draft)."""
    assessment = (Assessment.objects.filter(year=2023, criteria_set__code=SET_2021, criteria_met=19)
                  .order_by("unit__code").first())
    return assessment.unit.code
