"""Fixtures of the import/export tests: files in CSV or XLSX, counts of what an import may write."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.audit.models import AuditEntry
from nongthonso.recognition.models import Decision, Registration

NTM_SET = "xa-ntm-2021-2025"


def write_table(folder: Path, name: str, rows: list[list], fmt: str) -> Path:
    """``rows`` (the header first) as a CSV (UTF-8) or XLSX file named ``name`` + the format's suffix."""
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


def docx_bytes() -> bytes:
    """A (minimal) Word document: a ZIP archive, like an XLSX file, but not a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def counts() -> tuple:
    """Everything an import writes: values, assessments, decisions, registrations, audit entries."""
    return (IndicatorValue.objects.count(), Assessment.objects.count(), Decision.objects.count(),
            Decision.units.through.objects.count(), Registration.objects.count(), AuditEntry.objects.count())


@pytest.fixture
def commune_code(dossiers_open):
    """A commune meeting all 19 criteria whose 2023 dossier is open for editing (a draft)."""
    assessment = (Assessment.objects.filter(year=2023, criteria_set__code=NTM_SET, criteria_met=19)
                  .order_by("unit__code").first())
    return assessment.unit.code
