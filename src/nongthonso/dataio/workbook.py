"""Excel templates for entering indicator values, one per criteria set (``nongthonso export template``).

The workbook has three sheets:

1. «Giá trị» — the values sheet ``import values`` reads: two header rows, the columns' Vietnamese names for people
   (row 1: «Mã đơn vị», «Năm» …) above their codes for programs (row 2: ``unit_code, year, indicator_code,
   indicator_name, value, note, source, set``; the import takes either, and ``indicator_name`` — each indicator's
   name beside its code — is there to be read, not imported), then either one block of rows per commune of a unit
   (``unit``/``year`` given; the values already recorded filled in) or one block with the set's indicators for the
   user to copy per commune. Drop-down lists (data validation): the set's indicator codes, the years the set applies to,
   the set's code, the communes' codes (with a unit), and per row «Đạt»/«Không đạt» for yes/no
   indicators, a number from 0 to 100 for percentages, a number ≥ 0 for counts and money, the categories
   for category indicators.
2. «Chỉ tiêu» — the indicators: code, name, unit, value type, comparator, threshold hint (regions by name),
   verified flag (for a template of a unit, «Đã xác nhận» and the citations where its province confirmed every
   row of the indicator).
3. «Hướng dẫn» — how to fill the file, numbers written the Vietnamese way included.

Every text cell is a string cell (``core.spreadsheets.xlsx_cells``): a recorded note «=1+1» or the threshold «= Đạt»
is never a formula.

Rows of the values sheet with no unit code, year or value (a block left unused) are skipped on import.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation

from nongthonso.assessments.imports import IGNORED, LABELS, OPTIONAL, REQUIRED
from nongthonso.assessments.models import IndicatorValue
from nongthonso.core.spreadsheets import xlsx_cells
from nongthonso.criteria.applicability import province_code_of
from nongthonso.criteria.choices import Comparator, ValueType
from nongthonso.criteria.confirmations import confirmed_indicators
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.criteria.wording import provenance_label
from nongthonso.units.choices import Region
from nongthonso.units.models import Unit

from .exports import FALSE_TEXT, TRUE_TEXT, ExportError, NothingFound, roots, scoped, value_cell

VALUES_SHEET, INDICATORS_SHEET, HELP_SHEET = "Giá trị", "Chỉ tiêu", "Hướng dẫn"
HEADER = (*REQUIRED[:3], *IGNORED, REQUIRED[3], *OPTIONAL)  # the indicator's name beside its code
FIRST_ROW = 3  # below the two header rows: names, then codes
EXTRA_ROWS = 1000  # empty rows below the blocks that still carry the drop-downs
NUMBER_HINT = ("Số viết theo kiểu Việt Nam: dấu phẩy ngăn phần thập phân (85,7), dấu chấm ngăn hàng nghìn "
               "(1.234 là một nghìn hai trăm ba mươi tư; 1.234,5). Ô kiểu số của Excel được đọc đúng như Excel hiện.")
COLUMN_HELP = {
    "unit_code": "Mã GSO của xã (5 chữ số, ví dụ 05431). Ô dạng văn bản: giữ số 0 ở đầu.",
    "year": "Năm đánh giá, ví dụ 2023.",
    "indicator_code": "Mã chỉ tiêu — chọn trong danh sách (xem trang «Chỉ tiêu»).",
    "indicator_name": "Tên chỉ tiêu, để đọc cho dễ — không nhập vào hệ thống.",
    "value": ("Giá trị: «Đạt»/«Không đạt» với chỉ tiêu đạt/không đạt; số với chỉ tiêu tỷ lệ (0–100), số lượng, "
              "tiền (theo đơn vị tính của chỉ tiêu). Để trống: chưa có số liệu."),
    "note": "Ghi chú (không bắt buộc).",
    "source": "Nguồn số liệu (không bắt buộc), ví dụ «Báo cáo UBND xã 12/2023».",
    "set": "Mã bộ tiêu chí — đã điền sẵn.",
}
HEAD_FILL = PatternFill("solid", fgColor="E3F1E7")
CODE_FONT = Font(italic=True, size=9, color="5F6B66")


def _number(value) -> str:
    if isinstance(value, bool):
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).replace(".", ",")


def threshold_hint(indicator: Indicator) -> str:
    """The thresholds in words, each with its provenance tag: «≥ 90 (tạm đặt, chưa đối chiếu); vùng Trung du và miền
    núi phía Bắc: ≥ 80 (theo nguồn thứ cấp); vùng Bắc Trung Bộ, năm 2023: ≥ 44 (tạm đặt, chưa đối chiếu)»."""
    symbol = Comparator(indicator.comparator).label
    parts = []
    for t in indicator.thresholds.all():
        where = []
        if t.province_code:
            where.append(f"tỉnh {t.province_code}")
        if t.region:
            where.append(f"vùng {Region(t.region).label if t.region in Region.values else t.region}")
        if t.commune_group:
            where.append(f"nhóm {t.commune_group}")
        if t.year:
            where.append(f"năm {t.year}")
        text = f"{symbol} {_number(t.value)} ({provenance_label(t.provenance).lower()})"
        parts.append(f"{', '.join(where)}: {text}" if where else text)
    if indicator.threshold_ref:
        parts.append(f"theo bộ {indicator.threshold_ref.get('set', '')}")
    return "; ".join(parts)


def _provenance(indicator: Indicator, confirmations: list | None) -> str:
    """«Đã xác nhận: Quyết định 318/QĐ-TTg, Phụ lục I, trang 5» when the province confirmed every row of the
    indicator; otherwise whether the catalogue's row was checked."""
    if confirmations:
        return "Đã xác nhận: " + "; ".join(dict.fromkeys(c.citation for c in confirmations))
    return "Đã đối chiếu" if indicator.verified else "Chưa đối chiếu"


def _ranges(column: str, rows: list[int]) -> str:
    """Rows [2, 3, 4, 9] of column D as «D2:D4 D9»."""
    parts, start, prev = [], None, None
    for row in [*sorted(rows), None]:
        if start is not None and (row is None or row != prev + 1):
            parts.append(f"{column}{start}" if start == prev else f"{column}{start}:{column}{prev}")
            start = None
        if row is not None and start is None:
            start = row
        prev = row
    return " ".join(parts)


def _column(letter: str, last: int) -> str:
    """The data rows of a column of the values sheet: «C3:C1060»."""
    return f"{letter}{FIRST_ROW}:{letter}{last}"


def _years(cset: CriteriaSet) -> list[int]:
    last = cset.effective_to.year if cset.effective_to else cset.effective_from.year + 5
    return list(range(cset.effective_from.year, last + 1))


def _validation(kind: str, *, formula1: str | None = None, formula2: str | None = None, operator: str | None = None,
                title: str, message: str, error: str) -> DataValidation:
    dv = DataValidation(type=kind, formula1=formula1, formula2=formula2, operator=operator, allow_blank=True,
                        showErrorMessage=True, showInputMessage=True)
    dv.promptTitle, dv.prompt = title[:32], message[:255]
    dv.errorTitle, dv.error = "Giá trị không hợp lệ", error[:255]
    return dv


def build_template(set_code: str, *, unit_code: str | None = None, year: int | None = None,
                   scope: list[str] | None = None) -> bytes:
    """The template of the criteria set ``set_code`` (its latest version) as XLSX bytes; with ``unit_code``
    and ``year``, one block per rural commune within the unit, with the values recorded for ``year`` (only
    of communes within the path prefixes ``scope`` when given: the units the user may view)."""
    cset = (CriteriaSet.objects.filter(code=set_code, superseded_by__isnull=True).order_by("-version").first())
    if cset is None:
        codes = ", ".join(CriteriaSet.objects.latest_versions().order_by("code").values_list("code", flat=True))
        raise NothingFound(f"Không có bộ tiêu chí mã «{set_code}». Dùng một trong: {codes}.")
    if (unit_code is None) != (year is None):
        raise ExportError("Muốn điền sẵn danh sách xã, cần cả mã đơn vị và năm (--unit và --year).")
    years = _years(cset)
    if year is not None and year not in years:
        raise ExportError(f"Bộ tiêu chí «{cset.code}» chỉ áp dụng cho các năm {years[0]}–{years[-1]}. Sửa năm.")
    indicators = list(cset.indicators.select_related("criterion").prefetch_related("thresholds")
                      .order_by("position", "pk"))
    communes: list[Unit] = []
    recorded: dict[tuple[int, int], tuple] = {}
    confirmed: dict[str, list] = {}
    if unit_code is not None:
        end = dt.date(year, 12, 31)
        found = roots(unit_code, dt.date(year, 1, 1), end)
        paths = [u.path for u in found]
        confirmed = confirmed_indicators(cset, province_code_of(found[-1]))
        communes = [u for u in Unit.objects.valid_on(end).rural_communes().order_by("code")
                    if any(u.path.startswith(p) for p in paths)]
        if not communes:
            raise NothingFound(f"Đơn vị mã «{unit_code}» không có xã nào còn hiệu lực ngày 31/12/{year}.")
        for unit_id, indicator_id, value, note, source in IndicatorValue.objects.filter(
                scoped(Q(), "assessment__unit__path", scope),
                assessment__year=year, assessment__criteria_set=cset, assessment__unit__in=communes).values_list(
                "assessment__unit_id", "indicator_id", "value", "note", "source"):
            recorded[(unit_id, indicator_id)] = (value_cell(value), note or None, source or None)

    workbook = Workbook()
    values = workbook.active
    values.title = VALUES_SHEET
    listing = workbook.create_sheet(INDICATORS_SHEET)
    guide = workbook.create_sheet(HELP_SHEET)

    # --- the indicators sheet
    listing.append(xlsx_cells(listing, ["code", "Tên chỉ tiêu", "Đơn vị tính", "Kiểu giá trị", "So sánh",
                                        "Ngưỡng đạt (gợi ý)", "Đã đối chiếu văn bản", "Tiêu chí", "value_type"]))
    for indicator in indicators:
        listing.append(xlsx_cells(listing, [
            indicator.code, indicator.name, indicator.unit, ValueType(indicator.value_type).label,
            Comparator(indicator.comparator).label, threshold_hint(indicator),  # «= Đạt»: text, not a formula
            _provenance(indicator, confirmed.get(indicator.code)),
            f"{indicator.criterion.code}. {indicator.criterion.name}", indicator.value_type]))
    for cell in listing[1]:
        cell.font, cell.fill = Font(bold=True), HEAD_FILL
    for column, width in zip("ABCDEFGHI", (9, 70, 18, 16, 9, 40, 18, 40, 10), strict=True):
        listing.column_dimensions[column].width = width
    for row in listing.iter_rows(min_row=2, max_col=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    listing.freeze_panes = "B2"

    # --- the values sheet: the columns' names (for people) above their codes (for programs)
    values.append(xlsx_cells(values, [LABELS[c] for c in HEADER]))
    values.append(xlsx_cells(values, HEADER))
    for column, (name, code) in enumerate(zip(values[1], values[2], strict=True), start=1):
        name.font, name.fill, code.font, code.fill = Font(bold=True), HEAD_FILL, CODE_FONT, HEAD_FILL
        name.comment = Comment(COLUMN_HELP[code.value], "Nông thôn số")
        values.column_dimensions[get_column_letter(column)].width = {3: 14, 4: 48}.get(column, 14 if column < 3 else 22)
    values.freeze_panes = f"A{FIRST_ROW}"
    letter = {code: get_column_letter(i) for i, code in enumerate(HEADER, start=1)}
    blocks = communes or [None]
    by_type: dict[str, list[int]] = defaultdict(list)
    categories: dict[int, list[str]] = {}
    row_number = FIRST_ROW - 1
    for commune in blocks:
        for indicator in indicators:
            row_number += 1
            value, note, source = (None, None, None) if commune is None else recorded.get(
                (commune.pk, indicator.pk), (None, None, None))
            cells = {"unit_code": commune.code if commune else None, "year": year if commune else None,
                     "indicator_code": indicator.code, "indicator_name": indicator.name, "value": value,
                     "note": note, "source": source, "set": cset.code}
            values.append(xlsx_cells(values, [cells[c] for c in HEADER]))
            if indicator.value_type == "category":
                categories.setdefault(indicator.pk, indicator.categories)
                by_type[f"category:{indicator.pk}"].append(row_number)
            else:
                by_type[indicator.value_type].append(row_number)
    last = row_number + EXTRA_ROWS
    for row in values.iter_rows(min_row=FIRST_ROW, max_row=last, max_col=1):
        row[0].number_format = "@"  # codes stay text: 05431 keeps its 0

    n = len(indicators)
    rules = [
        (_validation("list", formula1=f"{quote_sheetname(INDICATORS_SHEET)}!$A$2:$A${n + 1}",
                     title="Mã chỉ tiêu", message="Chọn mã chỉ tiêu của bộ " + cset.code,
                     error=f"Chỉ dùng mã chỉ tiêu của bộ {cset.code} (trang «{INDICATORS_SHEET}»)."),
         _column(letter["indicator_code"], last)),
        (_validation("list", formula1='"' + ",".join(str(y) for y in years) + '"', title="Năm",
                     message=f"Năm đánh giá, {years[0]}–{years[-1]}",
                     error=f"Bộ {cset.code} áp dụng cho các năm {years[0]}–{years[-1]}."),
         _column(letter["year"], last)),
        (_validation("list", formula1=f'"{cset.code}"', title="Bộ tiêu chí", message="Mã bộ tiêu chí",
                     error=f"Tệp mẫu này dành cho bộ tiêu chí {cset.code}."), _column(letter["set"], last)),
    ]
    if communes:
        codes_sheet = workbook.create_sheet("Xã")
        codes_sheet.append(xlsx_cells(codes_sheet, ["unit_code", "Tên"]))
        for commune in communes:
            codes_sheet.append(xlsx_cells(codes_sheet, [commune.code, commune.name]))
        codes_sheet.column_dimensions["B"].width = 30
        rules.append((_validation(
            "list", formula1=f"{quote_sheetname('Xã')}!$A$2:$A${len(communes) + 1}", title="Mã xã",
            message="Mã GSO của xã (trang «Xã»)", error="Chỉ dùng mã xã trong trang «Xã»."),
            _column(letter["unit_code"], last)))
    type_rules = {
        "boolean": lambda: _validation("list", formula1=f'"{TRUE_TEXT},{FALSE_TEXT}"', title="Đạt / Không đạt",
                                       message="Chọn «Đạt» hoặc «Không đạt»",
                                       error="Chỉ tiêu này nhận «Đạt» hoặc «Không đạt»."),
        "percent": lambda: _validation("decimal", formula1="0", formula2="100", operator="between",
                                       title="Tỷ lệ (%)", message="Một số từ 0 đến 100, ví dụ 85,7",
                                       error="Tỷ lệ phần trăm phải từ 0 đến 100."),
        "number": lambda: _validation("decimal", formula1="0", operator="greaterThanOrEqual", title="Số",
                                      message="Một số không âm", error="Chỉ tiêu này cần một số không âm."),
        "money": lambda: _validation("decimal", formula1="0", operator="greaterThanOrEqual", title="Tiền",
                                     message="Một số không âm theo đơn vị tính của chỉ tiêu; 1.234,5 là một nghìn "
                                             "hai trăm ba mươi tư phẩy năm",
                                     error="Chỉ tiêu này cần một số tiền không âm."),
    }
    for key, rows in by_type.items():
        if key.startswith("category:"):
            allowed = categories[int(key.split(":")[1])]
            dv = _validation("list", formula1='"' + ",".join(allowed) + '"', title="Phân loại",
                             message="Chọn một giá trị", error="Chọn một trong: " + ", ".join(allowed))
        else:
            dv = type_rules[key]()
        rules.append((dv, _ranges(letter["value"], rows)))
    for dv, cells in rules:
        dv.sqref = MultiCellRange(cells)
        values.add_data_validation(dv)

    # --- the guide
    lines = [
        f"Tệp mẫu nhập giá trị chỉ tiêu — {cset.name} (mã {cset.code}, phiên bản {cset.version})",
        "",
        (f"1. Điền trang «{VALUES_SHEET}» từ dòng {FIRST_ROW}: mỗi dòng là một chỉ tiêu của một xã trong một năm. "
         "Dòng 1 là tên cột, dòng 2 là mã cột cho máy đọc: giữ nguyên hai dòng này. Cột «Tên chỉ tiêu» chỉ để đọc: "
         "hệ thống không nhập cột này."),
        ("2. Mỗi khối dòng là đủ các chỉ tiêu của bộ; điền mã xã, năm và giá trị. Cần thêm xã thì chép thêm khối. "
         "Dòng không có mã xã, năm và giá trị được bỏ qua khi nhập."),
        "3. Chỉ tiêu «Đạt/Không đạt»: chọn trong danh sách. Tỷ lệ: số từ 0 đến 100, dùng dấu phẩy thập phân (85,7).",
        f"   {NUMBER_HINT} Tiền ghi theo đơn vị tính của chỉ tiêu (ví dụ triệu đồng/người/năm: 45,5).",
        "4. Để trống ô giá trị: chưa có số liệu (chỉ tiêu được tính là «chưa xác định»).",
        f"5. Xem tên, đơn vị tính và ngưỡng đạt của từng chỉ tiêu ở trang «{INDICATORS_SHEET}».",
        ("6. Tải tệp lên trang «Nhập dữ liệu», chọn «Giá trị chỉ tiêu», bấm «Kiểm tra» để xem trước thay đổi và "
         "các lỗi (dòng, cột, giá trị, cách sửa); sửa hết lỗi rồi bấm «Xác nhận nhập». Tệp được nhập toàn bộ "
         "hoặc không nhập dòng nào."),
        "7. Dòng lệnh: nongthonso import values TỆP.xlsx --dry-run (kiểm tra), rồi bỏ --dry-run để nhập.",
    ]
    for line in lines:
        guide.append(xlsx_cells(guide, [line]))
    guide["A1"].font = Font(bold=True, size=13)
    guide.column_dimensions["A"].width = 120

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_filename(set_code: str, unit_code: str | None = None, year: int | None = None) -> str:
    parts = ["mau-nhap", set_code, unit_code, str(year) if year else None]
    return "-".join(p for p in parts if p) + ".xlsx"
