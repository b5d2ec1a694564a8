"""Files that would exhaust the server are refused before they are parsed (issue 11, item 2): an XLSX «zip bomb» of
shared strings or blank rows, an archive of too many members, a CSV of one endless line or of too many rows. Each
refusal is a Vietnamese message saying what to do, arrives before openpyxl opens the file, and costs little memory."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from nongthonso.accounts.models import Role
from nongthonso.assessments.imports import import_values
from nongthonso.assessments.models import Assessment
from nongthonso.core.imports import ImportFailed, TableFile
from nongthonso.core.spreadsheets import LIMITS, MB
from nongthonso.dataio import uploads
from nongthonso.demo.thai_nguyen_2026 import SET_2021

pytestmark = pytest.mark.django_db
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ("unit_code", "year", "indicator_code", "value")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def workbook(path: Path, replace: dict[str, Iterator[bytes]] | None = None, extra: int = 0) -> Path:
    """A workbook whose first sheet has the values header, written to ``path``, with members replaced by (or added
    from) chunks of XML (``replace``) and ``extra`` small members added."""
    book = Workbook()
    book.active.append(list(HEADER))
    buffer = io.BytesIO()
    book.save(buffer)
    replace = replace or {}
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename not in replace:
                out.writestr(info.filename, source.read(info.filename))
        for name, chunks in replace.items():
            with out.open(name, "w") as member:
                for chunk in chunks:
                    member.write(chunk)
        for i in range(extra):
            out.writestr(f"customXml/item{i}.xml", "<x/>")
    return path


def shared_strings(size: int) -> Iterator[bytes]:
    """``size`` bytes of one short string repeated: the shape of a «1.5 GB of shared strings in 3 MB» bomb."""
    yield f'<sst xmlns="{MAIN}">'.encode()
    block = b"<si><t>x</t></si>" * 4096
    for _ in range(size // len(block)):
        yield block
    yield b"</sst>"


def blank_rows(rows: int, numbered: bool) -> Iterator[bytes]:
    """A sheet of the header and ``rows`` blank rows, with their numbers (compresses some 7 times) or without (a
    thousand times)."""
    yield (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
           + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in zip("ABCD", HEADER,
                                                                                        strict=True))
           + "</row>").encode()
    for start in range(2, rows + 2, 1000):
        ns = range(start, min(start + 1000, rows + 2))
        yield "".join(f'<row r="{n}"><c r="A{n}"/></row>' if numbered else "<row><c/></row>" for n in ns).encode()
    yield b"</sheetData></worksheet>"


@pytest.fixture
def officer(dossiers_open, make_user, token_for):
    """A commune officer (who may import values) and a token."""
    commune = (Assessment.objects.filter(year=2023, criteria_set__code=SET_2021).select_related("unit")
               .order_by("unit__code").first().unit)
    user = make_user("gioi-han.can-bo-xa", Role.COMMUNE_OFFICER, commune)
    return user, token_for(user)


@pytest.fixture
def no_openpyxl(monkeypatch):
    """openpyxl must not open any workbook during the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused before")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def post(path: Path, token: str):
    return Client().post("/api/imports/values?dry_run=true",
                         {"file": SimpleUploadedFile(path.name, path.read_bytes())},
                         headers={"Authorization": f"Bearer {token}"})


def test_a_shared_strings_bomb_is_refused_before_parsing_in_little_memory(tmp_path, officer, no_openpyxl,
                                                                           assert_error, import_counts):
    # given a workbook of a few dozen KB holding 24 MB of shared strings (openpyxl would hold 1.5 million strings)
    path = workbook(tmp_path / "bom.xlsx", {"xl/sharedStrings.xml": shared_strings(24 * MB)})
    assert path.stat().st_size < 200 * 1024
    _, token = officer
    before = import_counts()

    # when a commune officer sends it for a dry run, memory traced
    tracemalloc.start()
    try:
        response = post(path, token)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then it is refused, saying why and what to do; nothing was parsed or written, and memory stayed small
    error = assert_error(response, 422, "import_failed")
    assert error["message"].startswith("Tệp «bom.xlsx»: phần «xl/sharedStrings.xml» giải nén ra 24 MB từ ")
    assert "mức cho phép 100 lần" in error["message"] and "lưu thành «CSV UTF-8»" in error["message"]
    assert peak < 20 * MB, f"peak {peak / MB:.1f} MB"
    assert import_counts() == before


def test_a_user_who_may_import_nothing_is_refused_before_the_bomb_is_stored(tmp_path, dossiers_open, make_user,
                                                                            token_for, province_19, no_openpyxl,
                                                                            assert_error, monkeypatch):
    path = workbook(tmp_path / "bom.xlsx", {"xl/sharedStrings.xml": shared_strings(24 * MB)})
    viewer = make_user("gioi-han.nguoi-xem", Role.VIEWER, province_19)
    monkeypatch.setattr(uploads, "write", lambda upload: pytest.fail("the file was stored"))
    error = assert_error(post(path, token_for(viewer)), 403, "forbidden")
    assert error["message"].startswith("Vai trò của bạn (người xem dữ liệu của tỉnh Thái Nguyên) không được nhập «Giá "
                                       "trị chỉ tiêu».")


def test_a_sheet_of_blank_rows_that_compresses_a_thousand_times_is_refused_before_parsing(tmp_path, no_openpyxl):
    path = workbook(tmp_path / "trong.xlsx", {"xl/worksheets/sheet1.xml": blank_rows(400_000, numbered=False)})
    with pytest.raises(ImportFailed) as exc:
        TableFile(path, HEADER)
    (error,) = exc.value.errors
    assert error.message.startswith("Tệp «trong.xlsx»: phần «xl/worksheets/sheet1.xml» giải nén ra ")
    assert "hàng triệu ô trống" in error.message and "Ctrl+End" in error.message


def test_blank_rows_one_after_another_are_counted_while_streaming(tmp_path, settings):
    # given a sheet of 3,000 numbered blank rows (it compresses too little to be judged by its ratio) …
    path = workbook(tmp_path / "dong-trong.xlsx", {"xl/worksheets/sheet1.xml": blank_rows(3000, numbered=True)})
    settings.IMPORT_MAX_BLANK_ROWS = 1000  # … and a limit of 1,000 blank rows in a row
    with pytest.raises(ImportFailed) as exc:
        list(TableFile(path, HEADER).records())
    assert [str(e) for e in exc.value.errors] == [
        "Tệp «dong-trong.xlsx» có hơn 1.000 dòng trống liên tiếp, từ dòng 2. Xóa các dòng trống thừa (trong Excel: "
        "chọn các dòng đó, «Xóa»; Ctrl+End cho biết ô cuối cùng Excel ghi nhận), lưu lại rồi tải lên."]


@pytest.mark.parametrize(("setting", "value", "replace", "extra", "start"), [
    ("IMPORT_XLSX_MAX_UNCOMPRESSED", MB, {"xl/sharedStrings.xml": shared_strings(2 * MB)}, 0,
     "Tệp «x.xlsx» khi giải nén lớn 2,0 MB, quá mức cho phép (1,0 MB). Chia dữ liệu thành nhiều tệp"),
    ("IMPORT_XLSX_MAX_IN_MEMORY", MB, {"xl/sharedStrings.xml": shared_strings(2 * MB)}, 0,
     "Tệp «x.xlsx»: phần «xl/sharedStrings.xml» (bảng chữ dùng chung, kiểu định dạng …) lớn 2,0 MB khi giải nén; "
     "các phần phải đọc trọn vào bộ nhớ (mọi phần trừ các trang tính) chỉ được tới 1,0 MB."),
    ("IMPORT_XLSX_MAX_MEMBERS", 50, {}, 60,
     "Tệp «x.xlsx» chứa 69 tệp nén bên trong, nhiều hơn mức cho phép (50): không phải một sổ Excel thông thường."),
])
def test_each_limit_of_an_archive_is_a_setting(tmp_path, settings, no_openpyxl, setting, value, replace, extra,
                                               start):
    assert LIMITS[setting] > value  # the default is larger
    setattr(settings, setting, value)
    settings.IMPORT_XLSX_MAX_RATIO = 10_000
    path = workbook(tmp_path / "x.xlsx", replace, extra)
    with pytest.raises(ImportFailed) as exc:
        TableFile(path, HEADER)
    assert str(exc.value).startswith(start)


def test_a_sheet_declaring_more_rows_than_allowed_is_refused_before_its_rows_are_read(tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 100
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADER))
    sheet.cell(500, 1, "05431")
    book.save(tmp_path / "dai.xlsx")
    with pytest.raises(ImportFailed) as exc:
        list(TableFile(tmp_path / "dai.xlsx", HEADER).records())
    assert str(exc.value) == ("Tệp «dai.xlsx» có hơn 100 dòng (kể cả dòng trống), quá mức cho phép. Xóa các dòng "
                              "trống ở cuối trang tính, hoặc chia dữ liệu thành nhiều tệp.")


def test_a_csv_file_of_too_many_rows_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 100
    path = tmp_path / "nhieu.csv"
    path.write_text(",".join(HEADER) + "\n" + "05431,2023,2.1,90\n" * 200, encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_values(path, dry_run=True)
    assert str(exc.value).startswith("Tệp «nhieu.csv» có hơn 100 dòng (kể cả dòng trống), quá mức cho phép.")


def test_a_csv_line_longer_than_allowed_is_refused_before_it_is_read_whole(tmp_path, settings):
    # given a CSV file whose third line is 5 MB long (a file of one endless line would be read whole)
    settings.IMPORT_MAX_LINE_CHARS = 10_000
    path = tmp_path / "dong-dai.csv"
    path.write_bytes((",".join(HEADER) + "\n05431,2023,2.1,90\n05431,2023,2.2," + "9" * (5 * MB) + "\n").encode())
    tracemalloc.start()
    try:
        with pytest.raises(ImportFailed) as exc:
            list(TableFile(path, HEADER).records())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [str(e) for e in exc.value.errors] == [
        "Dòng 3: dòng này dài quá 10.000 ký tự. Kiểm tra dấu ngoặc kép trong các ô (một dấu ngoặc kép không đóng làm "
        "cả phần sau thành một ô), hoặc tệp không phải CSV."]
    assert peak < MB


def test_a_zip_that_is_no_archive_at_its_end_is_not_a_table(tmp_path):
    path = tmp_path / "cut.xlsx"
    whole = workbook(tmp_path / "whole.xlsx").read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # the central directory is gone
    with pytest.raises(ImportFailed) as exc:
        TableFile(path, HEADER)
    assert str(exc.value).startswith("Tệp «cut.xlsx» không phải CSV hoặc XLSX")


def test_an_ordinary_workbook_is_well_within_the_limits(tmp_path):
    # a values export of a province: a sheet compresses 5-20 times, far from the limits
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Giá trị")
    sheet.append(list(HEADER))
    for n in range(20_000):
        sheet.append([f"{5000 + n % 300:05d}", 2023, f"{n % 19 + 1}.1", "Đạt" if n % 3 else 97.5])
    book.save(tmp_path / "thuong.xlsx")
    with zipfile.ZipFile(tmp_path / "thuong.xlsx") as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size / info.compress_size < LIMITS["IMPORT_XLSX_MAX_RATIO"] / 4
    assert sum(1 for _ in TableFile(tmp_path / "thuong.xlsx", HEADER).records()) == 20_000
