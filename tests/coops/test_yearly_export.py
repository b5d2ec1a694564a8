"""The yearly update export (``nongthonso export coops``): one sheet per form VII-1..3 and «Ghi chú», members and
capital counted from rows on 14 December, joins and departures of the period, yearly figures, scope, formula-safe
cells."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from nongthonso.coops import exports
from nongthonso.coops.models import Contribution, Cooperative, LegalForm, Member, Officer, Sector
from nongthonso.core.registry import ExportRequest
from nongthonso.dataio.exports import to_bytes

from .registry_world import registry_world  # noqa: F401  (the fixture «registry»)

pytestmark = pytest.mark.django_db


def _sheets(table) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(to_bytes(table, "xlsx")))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _column(header, name):
    return header.index(name)


def test_one_sheet_per_form_with_figures_counted_from_rows(registry):
    Member.objects.create(cooperative=registry["vp"], code="TV009", kind="ca_nhan", name="Vào sau kỳ",
                          joined_on=dt.date(2025, 12, 20))  # after 14/12/2025: not a member yet
    Contribution.objects.create(member=registry["an"], date=dt.date(2025, 12, 20), amount=Decimal(7_000_000))
    Officer.objects.create(cooperative=registry["vp"], full_name="Nguyễn Văn An", position="Giám đốc",
                           start_on=dt.date(2020, 3, 1))
    Cooperative.objects.create(name="Tổ hợp tác mây tre Lam Vỹ", registration_code="THT-01", unit=registry["lam_vy"],
                               sector=Sector.SERVICES, legal_form=LegalForm.GROUP)
    sheets = _sheets(exports.yearly_update(ExportRequest(year=2025)))
    assert list(sheets) == ["VII-1 Tổ hợp tác", "VII-2 Hợp tác xã", "VII-3 Liên hiệp hợp tác xã", "Ghi chú"]
    header, *rows = sheets["VII-2 Hợp tác xã"]
    assert {r[_column(header, "Mã số")] for r in rows} == {"4607000001", "4607000002"}
    vp = next(r for r in rows if r[_column(header, "Mã số")] == "4607000001")
    assert vp[_column(header, "Số thành viên (ngày 14/12)")] == 2  # TV003 left on 31/12/2024, TV009 came later
    assert vp[_column(header, "Thành viên ra khỏi trong kỳ")] == 1  # 31/12/2024 lies in 15/12/2024–14/12/2025
    assert vp[_column(header, "Vốn góp của thành viên (đồng, ngày 14/12)")] == 45_000_000  # not the 20/12 movement
    assert vp[_column(header, "Doanh thu (đồng)")] == 1_200_000_000
    assert vp[_column(header, "Cán bộ quản lý đương nhiệm")] == "Nguyễn Văn An (Giám đốc)"
    assert vp[_column(header, "Dữ liệu minh họa")] == "có"
    assert [r[2] for r in sheets["VII-1 Tổ hợp tác"][1:]] == ["Tổ hợp tác mây tre Lam Vỹ"]
    notes = dict(sheets["Ghi chú"][1:])
    assert "giả định" in notes["Cột giả định"] and "15/12/2024" in notes["Kỳ cập nhật"]
    assert notes["Số đơn vị"] == "biểu VII-1: 1, biểu VII-2: 2, biểu VII-3: 0."


def test_scope_and_unit(registry):
    mine = exports.yearly_update(ExportRequest(year=2025, user=registry["officer_lv"]))
    assert [r[1] for r in mine.rows] == []  # VII-1 first: no co-operative group in Lam Vỹ
    coops = _sheets(mine)["VII-2 Hợp tác xã"][1:]
    assert [r[1] for r in coops] == ["4607000002"]
    by_unit = _sheets(exports.yearly_update(ExportRequest(year=2025, unit=registry["van_phu"].code)))
    assert [r[1] for r in by_unit["VII-2 Hợp tác xã"][1:]] == ["4607000001"]


def test_text_that_looks_like_a_formula_stays_text_and_the_command_writes_xlsx(registry, tmp_path):
    registry["vp"].address = "=HYPERLINK(\"http://x\")"
    registry["vp"].save()
    path = tmp_path / "cap-nhat.xlsx"
    call_command("export", "coops", "--year", "2025", "--format", "xlsx", "--output", str(path),
                 stderr=io.StringIO())
    sheet = load_workbook(path)["VII-2 Hợp tác xã"]
    header = [c.value for c in sheet[1]]
    cell = next(row[header.index("Trụ sở")] for row in sheet.iter_rows(min_row=2) if row[1].value == "4607000001")
    assert cell.data_type == "s"
    with pytest.raises(CommandError, match="không xuất được dạng CSV"):
        call_command("export", "coops", "--format", "csv", "--output", str(tmp_path / "x.csv"))
