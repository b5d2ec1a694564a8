"""Spreadsheet cells that stay data, and spreadsheet files that cannot exhaust the server (issue 11).

**Writing.** Every export, template and report writes its cells through this module:

- :func:`xlsx_cells` — a row of values as openpyxl cells in which text is always a *string* cell: openpyxl would
  store a ``str`` starting with «=» as a formula (a note ``=HYPERLINK("http://…")`` would become a live link), and
  «#N/A» as an error. Numbers, dates and booleans stay what they are. Characters XML cannot hold (control
  characters a note may carry) are written with the OOXML escape ``_xHHHH_``, which Excel shows as the character
  and :func:`xlsx_text` reads back.
- :func:`csv_cell` — a text cell of a CSV file neutralised as OWASP's guidance on CSV injection says: text starting
  with ``= + - @``, a tab or a carriage return gets a leading apostrophe, so a spreadsheet opening the file shows
  it as text. A text that itself starts with an apostrophe followed by one of those (or by another apostrophe)
  gets one too, so that :func:`csv_text` — which every CSV import applies — gives back exactly what was exported:
  an export → import round trip keeps each note byte for byte. Numbers are not text: -5 stays -5.
- :func:`number_text` — a number as the imports read it back exactly, in CSV files and wherever a number becomes
  text.

**Reading.** :func:`check_xlsx` inspects an XLSX file (a ZIP archive) before openpyxl touches it: the number of
members and the size of the central directory (read from the archive's end record, before :mod:`zipfile` builds
anything), the total uncompressed size, each member's compression ratio and the size of the parts openpyxl holds
in memory whole (the shared-strings table above all). A file over a limit is refused at once with a Vietnamese
message saying what to do; reading such a file would take gigabytes of memory or minutes of CPU. The limits are
settings (defaults in ``LIMITS``): :func:`limit` reads them.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from .text import format_number
from .vocabulary import THOUSANDS

MB = 1024 * 1024

# settings name → default
LIMITS = {
    "IMPORT_MAX_ROWS": 2_000_000,  # rows of a CSV file or a sheet, header and blank rows included
    "IMPORT_MAX_BLANK_ROWS": 100_000,  # blank rows one after another (each costs openpyxl as much as a full one)
    "IMPORT_MAX_LINE_CHARS": 1_000_000,  # characters of one line of a CSV file
    "IMPORT_XLSX_MAX_MEMBERS": 1000,  # files inside the archive (a workbook holds a dozen or so)
    "IMPORT_XLSX_MAX_UNCOMPRESSED": 256 * MB,  # the members' total size once uncompressed (the sheets are parsed)
    "IMPORT_XLSX_MAX_RATIO": 100,  # uncompressed ÷ compressed size of a member (sheets of data: 5-20)
    "IMPORT_XLSX_MAX_IN_MEMORY": 16 * MB,  # the parts openpyxl reads whole, uncompressed: all but the sheets
}
RATIO_FROM = MB  # members smaller than this uncompressed are not judged by their ratio
CENTRAL_DIRECTORY_ENTRY = 46  # bytes of a central directory entry before its name, extra field and comment
STREAMED = re.compile(r"^xl/worksheets/[^/]+\.xml$")  # the sheets, which openpyxl reads as a stream


def limit(name: str) -> int:
    """The limit ``name`` (a key of ``LIMITS``): the setting of that name, or the default."""
    return int(getattr(settings, name, LIMITS[name]))


# --- writing ------------------------------------------------------------------------------------------------------

FORMULA_START = frozenset("=+-@\t\r")  # what a spreadsheet may take as the start of a formula (OWASP)
_QUOTED = FORMULA_START | {"'"}
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_OOXML_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_text(value: float | int) -> str:
    """A number as the imports read it back exactly: 85.7, 100, 1234567.25; a decimal that Vietnamese would read as
    thousands (1.234 — one thousand two hundred and thirty-four, ``core.vocabulary``) with a decimal comma: 1,234."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value) if isinstance(value, float) else str(value)
    return text.replace(".", ",") if THOUSANDS.fullmatch(text) else text


def csv_cell(value: Any) -> str:
    """A cell of a CSV export: numbers as :func:`number_text`, None as empty, text neutralised (see the module)."""
    if value is None:
        return ""
    if _is_number(value):
        return number_text(value)
    text = str(value)
    first = text[:1]
    if first in FORMULA_START or (first == "'" and text[1:2] in _QUOTED):
        return "'" + text
    return text


def csv_text(text: str) -> str:
    """What :func:`csv_cell` wrote, given back: the apostrophe it added is taken off."""
    if text[:1] == "'" and text[1:2] in _QUOTED:
        return text[1:]
    return text


def _xml_text(text: str) -> str:
    """``text`` as a string cell can hold it: a literal ``_xHHHH_`` protected, then characters XML cannot hold
    escaped as ``_xHHHH_`` (OOXML's escape, which Excel reads)."""
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: "_x005F" + m.group(0), text)
    if _ILLEGAL_XML.search(text):
        text = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text


def xlsx_text(value: Any) -> Any:
    """A cell's value as read from an XLSX file, its OOXML escapes (``_xHHHH_``) undone; other values as they are."""
    if isinstance(value, str) and "_x" in value:
        return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(0)[2:6], 16)), value)
    return value


def xlsx_cell(sheet, value: Any) -> Any:
    """``value`` for a row of ``sheet`` (normal or write-only): text as a string cell, anything else as it is (openpyxl
    writes numbers, dates, booleans and None as they are)."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import Cell

    cell = Cell(sheet, row=1, column=1)  # placed where it is appended
    cell._value, cell.data_type = _xml_text(value), "s"  # never a formula ("f") or an error ("e")
    return cell


def xlsx_cells(sheet, values: Iterable[Any]) -> list:
    """A row for ``sheet.append``: each value through :func:`xlsx_cell`."""
    return [xlsx_cell(sheet, v) for v in values]


# --- reading: the limits of an XLSX file --------------------------------------------------------------------------

class FileRefused(Exception):
    """A file over a limit; the message (Vietnamese) says which and what to do."""


def _mb(size: int) -> str:
    return format_number(size / MB, 1 if size < 10 * MB else 0)


def _end_record(path: Path) -> tuple[int, int] | None:
    """(entries, central directory size) from the ZIP end record, found as :mod:`zipfile` finds it (the last 22
    bytes, else the last signature in the final 64 KiB); None when there is none or it is a ZIP64 one (a workbook
    small enough to take never needs ZIP64)."""
    signature, size = b"PK\x05\x06", 22
    with path.open("rb") as f:
        f.seek(0, 2)
        length = f.tell()
        if length < size:
            return None
        f.seek(length - size)
        data = f.read()
        if not (data[:4] == signature and data[-2:] == b"\0\0"):
            start = max(length - 65535 - size, 0)
            f.seek(start)
            tail = f.read()
            found = tail.rfind(signature)
            if found < 0 or len(tail) - found < size:
                return None
            data = tail[found:found + size]
    _, disk, cd_disk, _, entries, cd_size, _, _ = struct.unpack("<4s4H2LH", data)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or disk or cd_disk:
        return None
    return entries, cd_size


def check_xlsx(path: str | Path, name: str) -> None:
    """Raise :class:`FileRefused` when the XLSX file at ``path`` is over a limit (see the module), reading only the
    archive's directory; :class:`zipfile.BadZipFile` when it is not a ZIP archive this can read."""
    path = Path(path)
    end = _end_record(path)
    if end is None:
        raise zipfile.BadZipFile(name)
    entries, cd_size = end
    max_members = limit("IMPORT_XLSX_MAX_MEMBERS")
    if entries > max_members or cd_size > max_members * (CENTRAL_DIRECTORY_ENTRY + 1024):
        raise FileRefused(
            f"Tệp «{name}» chứa {format_number(entries)} tệp nén bên trong, nhiều hơn mức cho phép "
            f"({format_number(max_members)}): không phải một sổ Excel thông thường. Mở tệp bằng Excel, chép dữ liệu "
            "sang một sổ mới rồi lưu thành «Sổ làm việc Excel (*.xlsx)» hoặc «CSV UTF-8», rồi tải lên lại.")
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    _check_members(members, name)


def _check_members(members: Sequence[zipfile.ZipInfo], name: str) -> None:
    max_total, max_ratio = limit("IMPORT_XLSX_MAX_UNCOMPRESSED"), limit("IMPORT_XLSX_MAX_RATIO")
    total = sum(m.file_size for m in members)
    if total > max_total:
        raise FileRefused(
            f"Tệp «{name}» khi giải nén lớn {_mb(total)} MB, quá mức cho phép ({_mb(max_total)} MB). Chia dữ liệu "
            "thành nhiều tệp nhỏ hơn, hoặc xóa các dòng, cột trống thừa rồi lưu lại và tải lên.")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_FROM and ratio > max_ratio:
            raise FileRefused(
                f"Tệp «{name}»: phần «{member.filename}» giải nén ra {_mb(member.file_size)} MB từ "
                f"{_mb(member.compress_size)} MB (nén {format_number(ratio)} lần, mức cho phép {max_ratio} lần) — "
                "dấu hiệu của hàng triệu ô trống hoặc một «bom nén». Trong Excel, xóa các dòng, cột trống thừa "
                "(Ctrl+End cho biết ô cuối cùng Excel ghi nhận), lưu lại rồi tải lên; hoặc lưu thành «CSV UTF-8».")
    held = [m for m in members if not STREAMED.match(m.filename)]
    max_held = limit("IMPORT_XLSX_MAX_IN_MEMORY")
    if sum(m.file_size for m in held) > max_held:
        largest = max(held, key=lambda m: m.file_size)
        raise FileRefused(
            f"Tệp «{name}»: phần «{largest.filename}» (bảng chữ dùng chung, kiểu định dạng …) lớn "
            f"{_mb(largest.file_size)} MB khi giải nén; các phần phải đọc trọn vào bộ nhớ (mọi phần trừ các trang "
            f"tính) chỉ được tới {_mb(max_held)} MB. Lưu dữ liệu thành «CSV UTF-8», hoặc chia thành nhiều tệp.")


def too_many_rows_message(name: str, max_rows: int) -> str:
    return (f"Tệp «{name}» có hơn {format_number(max_rows)} dòng (kể cả dòng trống), quá mức cho phép. Xóa các dòng "
            "trống ở cuối trang tính, hoặc chia dữ liệu thành nhiều tệp.")


def blank_rows_message(name: str, first: int, max_blank: int) -> str:
    return (f"Tệp «{name}» có hơn {format_number(max_blank)} dòng trống liên tiếp, từ dòng {format_number(first)}. "
            "Xóa các dòng trống thừa (trong Excel: chọn các dòng đó, «Xóa»; Ctrl+End cho biết ô cuối cùng Excel ghi "
            "nhận), lưu lại rồi tải lên.")


def line_too_long_message(max_chars: int) -> str:
    return (f"dòng này dài quá {format_number(max_chars)} ký tự. Kiểm tra dấu ngoặc kép trong các ô (một dấu ngoặc "
            "kép không đóng làm cả phần sau thành một ô), hoặc tệp không phải CSV.")
