"""Golden outputs: what a user sees of the 2023 and 2026 figures, messages and exports, byte for byte.

Refactorings must not change any of it. Each case renders one output through a public boundary (the CLI, a page, a
document) and compares it with the file under ``tests/golden/``. A deliberate change of output is recorded by
re-running with ``GOLDEN_UPDATE=1`` and reviewing the diff of ``tests/golden/`` in the commit.

Only the stable part of each output is compared: the figures' JSON and text, each CSV export, the cells of the XLSX
report, the paragraphs and table cells of the DOCX report, the visible text of the ``<main>`` element of a page (the
menu and the footer may gain entries as modules are added), and the messages of a rejected import.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"

# (name, unit, as of, grouping): the 2023 report as the province published it, and the province today
SUMMARIES = [
    ("2023", "19", "2023-06-30", None),
    ("2023-year-end", "19", "2023-12-31", None),
    ("2026", "19", "2026-06-30", None),
    ("2026-commune-groups", "19", "2026-06-30", "nhom-xa"),
]
EXPORTS = [
    ("values-2023", "values", ["--unit", "19", "--year", "2023"]),
    ("values-2026", "values", ["--unit", "19", "--year", "2026"]),
    ("decisions", "decisions", ["--unit", "19"]),
    ("registrations", "registrations", ["--unit", "19"]),
    ("units-2023", "units", ["--unit", "19", "--as-of", "2023-06-30"]),
    ("units-2026", "units", ["--unit", "19", "--as-of", "2026-06-30"]),
    ("commune-groups", "commune_groups", ["--unit", "19"]),
]
PAGES = [
    ("home-2023", "/?as_of=2023-06-30"),
    ("home-2026", "/?as_of=2026-06-30"),
    ("public-recognised-2023", "/cong-khai/xa-dat-chuan/?as_of=2023-06-30"),
    ("public-recognised-2026", "/cong-khai/xa-dat-chuan/?as_of=2026-06-30"),
]


TODAY = __import__("datetime").date(2026, 12, 4)  # the pages' quick links are counted back from today


@pytest.fixture(autouse=True)
def fixed_today(today_is):
    today_is(TODAY)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}: run with GOLDEN_UPDATE=1 once and review it"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        got = path.with_suffix(path.suffix + ".got")
        got.write_text(text, encoding="utf-8")
        pytest.fail(f"{name} changed: compare {path} with {got} (diff -u); if the change is meant, "
                    "re-run with GOLDEN_UPDATE=1 and commit the new golden file")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "unit", "as_of", "grouping"), SUMMARIES, ids=[c[0] for c in SUMMARIES])
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_summary(name, unit, as_of, grouping, fmt):
    args = ["report", "summary", "--unit", unit, "--as-of", as_of, "--format", fmt]
    if grouping:
        args += ["--nhom", grouping]
    check(f"summary-{name}.{'json' if fmt == 'json' else 'txt'}", run(*args))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kind", "args"), EXPORTS, ids=[c[0] for c in EXPORTS])
def test_csv_export(name, kind, args, tmp_path):
    target = tmp_path / "out.csv"
    call_command("export", kind, *args, "--output", str(target), stdout=io.StringIO())
    check(f"export-{name}.csv", target.read_text(encoding="utf-8-sig"))


def _xlsx_cells(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    lines = []
    for sheet in book.worksheets:
        lines.append(f"## {sheet.title}")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    lines.append(f"{cell.coordinate}\t{cell.value!r}")
    return "\n".join(lines) + "\n"


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines) + "\n"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "unit", "as_of", "grouping"), SUMMARIES[::2], ids=[c[0] for c in SUMMARIES[::2]])
@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_report_document(name, unit, as_of, grouping, fmt, tmp_path):
    target = tmp_path / f"report.{fmt}"
    call_command("report", "summary", "--unit", unit, "--as-of", as_of, "--format", fmt, "--output", str(target),
                 "--date", as_of, stdout=io.StringIO())
    data = target.read_bytes()
    assert zipfile.is_zipfile(io.BytesIO(data))
    check(f"report-{name}.{fmt}.txt", _xlsx_cells(data) if fmt == "xlsx" else _docx_text(data))


class _MainText(HTMLParser):
    """The visible text inside ``<main>``, one line per text run, scripts and styles left out."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.skip = 0
        self.lines: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        elif tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        elif tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if self.depth and not self.skip and text:
            self.lines.append(text)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), PAGES, ids=[c[0] for c in PAGES])
def test_public_page(name, url, client):
    response = client.get(url)
    assert response.status_code == 200
    parser = _MainText()
    parser.feed(response.content.decode())
    check(f"page-{name}.txt", "\n".join(parser.lines) + "\n")


BAD_VALUES = (
    "unit_code,year,indicator_code,value,note,set\n"
    "99999,2023,1.1,dat,,xa-ntm-2021-2025\n"
    "05431,abc,1.1,dat,,xa-ntm-2021-2025\n"
    ",2023,,,,\n"
    "05431,2023,99.9,1.234,,\n"
    "05431,2023,2.1,1e300,,\n"
)


@pytest.mark.django_db
def test_import_messages(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text(BAD_VALUES, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "values", str(source), "--dry-run", stdout=out, stderr=err)
    check("import-values-errors.txt", out.getvalue() + err.getvalue() + str(exc.value) + "\n")
