"""Shared pieces of all-or-nothing imports: reading a table file (CSV or XLSX) and reporting row errors
in Vietnamese.

Every importer validates *every* row first, collects all errors, and writes nothing unless there are
none; then it writes inside one transaction. Row numbers are the file's row numbers as a spreadsheet
shows them (the header is row 1).

:class:`TableFile` reads either format, told apart by content (an XLSX file is a ZIP archive, starting
with ``PK\\x03\\x04``; anything else must be UTF-8 text), and streams: a CSV file is read line by line, an
XLSX sheet row by row (openpyxl in read-only mode), so a file of a million rows is never held in memory. Files
that would cost too much to read are refused before they are parsed (``core.spreadsheets``: an XLSX archive's
sizes and compression ratios; the rows, blank rows in a row and the length of a CSV line), each with a Vietnamese
message saying what to do. Text a CSV export neutralised against formula injection (``spreadsheets.csv_cell``) is
given back as it was, so an export imports back unchanged.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from .spreadsheets import (
    FileRefused,
    blank_rows_message,
    check_xlsx,
    csv_text,
    limit,
    line_too_long_message,
    number_text,
    too_many_rows_message,
    xlsx_text,
)
from .text import fold, format_number

# progress(phase, rows done, bytes done, bytes in the file); phase is "check" (validating) or "write"
Progress = Callable[[str, int, int, int], None]
R = TypeVar("R")
ZIP_MAGIC = b"PK\x03\x04"
MAX_ERRORS = 1000  # errors listed; beyond this only counted (bounded memory for a million bad rows)
MAX_NOTE = 2000  # characters of a note, in a file as through the API
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class RowError:
    row: int  # 0 = the file as a whole
    column: str
    value: str
    message: str  # says what is wrong and how to fix it

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        where = f"Dòng {self.row}"
        if self.column:
            where += f", cột «{self.column}»"
        if self.value != "":
            where += f" (giá trị «{self.value}»)"
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    """Raised with every error found; nothing has been written."""

    def __init__(self, errors: Sequence[RowError], total: int | None = None):
        self.errors = list(errors)
        self.total = len(self.errors) if total is None else total  # errors found (some may be only counted)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class Change:
    """One row that creates or updates something, for the preview of a dry run."""

    row: int
    action: str  # "create" or "update"
    what: str  # e.g. "Xã Hùng Sơn (05431) · 2023 · chỉ tiêu 2.1"
    before: str = ""
    after: str = ""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    messages: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # the first PREVIEW_CHANGES rows that change something

    def summary(self) -> str:
        verb = "Sẽ" if self.dry_run else "Đã"
        text = (f"{verb} tạo mới {self.created}, cập nhật {self.updated}, "
                f"giữ nguyên {self.unchanged} dòng.")
        if self.dry_run:
            text += " (Chạy thử: chưa ghi gì vào cơ sở dữ liệu.)"
        return text


PREVIEW_CHANGES = 50


class ErrorList:
    """Row errors as an importer finds them: the first MAX_ERRORS kept, the rest counted."""

    def __init__(self, limit: int | None = None):
        self.limit = MAX_ERRORS if limit is None else limit
        self.kept: list[RowError] = []
        self.total = 0

    def add(self, error: RowError) -> None:
        self.total += 1
        if len(self.kept) < self.limit:
            self.kept.append(error)

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def fail(self, extra: Sequence[RowError] = (), uncounted: int = 0) -> ImportFailed:
        """``ImportFailed`` with the errors kept, ``extra`` ones found apart (at most ``limit`` of them) and the number
        of ``uncounted`` errors found apart but not listed in ``extra``."""
        return ImportFailed(self.final(extra, uncounted), total=self.total + len(extra) + uncounted)

    def final(self, extra: Sequence[RowError] = (), uncounted: int = 0) -> list[RowError]:
        """Every kept error (with ``extra``) in row order, and a last line when some were only counted."""
        total = self.total + len(extra) + uncounted
        errors = sorted([*self.kept, *extra], key=lambda e: e.row)[:self.limit]
        if total > len(errors):
            errors.append(RowError(0, "", "", (
                f"Còn {total - len(errors)} lỗi khác không liệt kê (tổng cộng {total} lỗi). Sửa các lỗi trên rồi "
                "chạy thử lại để xem tiếp.")))
        return errors


class Refusals:
    """Why the importing ``user`` may not import the rows of a unit, asked once per unit: ``why(user, unit)``
    gives the message, or None when they may. Without a user (the command line) nothing is refused."""

    def __init__(self, user, why: Callable[[Any, Any], str | None]):
        self.user, self.why = user, why
        self.found: dict[int, str | None] = {}  # unit pk → message or None

    def __call__(self, unit) -> str | None:
        if self.user is None:
            return None
        if unit.pk not in self.found:
            self.found[unit.pk] = self.why(self.user, unit)
        return self.found[unit.pk]


def text_error(row: int, column: str, text: str, max_chars: int) -> RowError | None:
    """The error of a free-text cell (a note, a source) longer than ``max_chars`` or holding a NUL character (which
    PostgreSQL cannot store); None when it is fine. A long text is shown cut short."""
    if len(text) > max_chars:
        return RowError(row, column, text[:60] + "…", (
            f"dài {format_number(len(text))} ký tự, quá mức cho phép ({format_number(max_chars)} ký tự). Rút gọn nội "
            "dung, hoặc đưa phần chi tiết vào tệp minh chứng của hồ sơ."))
    if "\x00" in text:
        return RowError(row, column, "", (
            "ô này chứa ký tự rỗng (NUL, mã 0), không lưu được — thường do chép từ một chương trình khác. Gõ lại nội "
            "dung ô."))
    return None


def note_text(row: Mapping[str, str], n: int, add: Callable[[RowError], None]) -> str | None:
    """The ``note`` of row ``n`` as the imports of decisions, registrations and commune groups keep it (runs of white
    space as one space); None when the file has no note column. A note longer than the API takes (``MAX_NOTE``) or
    holding a NUL character is a row error, given to ``add``."""
    if "note" not in row:
        return None
    note = " ".join(row["note"].split())
    problem = text_error(n, "note", note, MAX_NOTE)
    if problem is not None:
        add(problem)
    return note


# --- messages about the file as a whole ---------------------------------------------------------------

def not_found_message(path: Path) -> str:
    return f"Không tìm thấy tệp «{path}». Kiểm tra lại đường dẫn."


def empty_message(name: str) -> str:
    return f"Tệp «{name}» rỗng. Hãy dùng tệp mẫu và điền dữ liệu."


def not_a_table_message(name: str) -> str:
    return (f"Tệp «{name}» không phải CSV hoặc XLSX (tệp CSV phải mã UTF-8). Hãy dùng tệp mẫu (.xlsx), hoặc trong "
            "Excel chọn «Lưu thành» → «Sổ làm việc Excel (*.xlsx)» hay «CSV UTF-8 (phân tách bằng dấu phẩy)».")


def no_data_message(name: str) -> str:
    return f"Tệp «{name}» không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Điền dữ liệu từ dòng 2."


def unique_rows(table, parse: Callable[[int, dict], R | None], key: Callable[[R], Hashable], *, column: str,
                same: str, errors: ErrorList, progress: Progress | None = None) -> list[R]:
    """Every row of ``table`` parsed (``parse(n, cells)``: the row, or None once it has added its errors to
    ``errors``), a row whose ``key`` an earlier row had refused on ``column`` («trùng với dòng 4 (cùng {same}). Giữ
    lại một dòng.»); then the check's progress reported, every error raised at once, an empty file refused."""
    rows: list[R] = []
    seen: dict[Hashable, int] = {}
    for n, cells in table.rows():
        row = parse(n, cells)
        if row is None:
            continue
        found = key(row)
        if found in seen:
            errors.add(RowError(n, column, cells[column], f"trùng với dòng {seen[found]} (cùng {same}). Giữ lại một "
                                                         "dòng."))
            continue
        seen[found] = n
        rows.append(row)
    if progress is not None:
        progress("check", len(rows), table.size, table.size)
    if errors:
        raise errors.fail()
    if not rows:
        raise ImportFailed([RowError(0, "", "", no_data_message(table.name))])
    return rows


def empty_sheet_message(name: str, sheet: str) -> str:
    return (f"Trang tính đầu tiên («{sheet}») của tệp «{name}» không có dữ liệu. Dữ liệu phải nằm ở trang tính "
            "đầu tiên, dòng 1 là dòng tiêu đề.")


def _fail(message: str, row: int = 0) -> ImportFailed:
    return ImportFailed([RowError(row, "", "", message)])


# --- cell values as text ------------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV file would hold: 85.7 → "85.7", 12.0 → "12", a date → "2023-06-30"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return xlsx_text(value.strip())
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return number_text(value)  # 1.234 as «1,234»: a dot before three digits groups thousands (core.vocabulary)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# --- reading a table -----------------------------------------------------------------------------------

class StreamedFile:
    """A file an import reads as a stream, CSV or XLSX (told by content: an XLSX file is a ZIP archive): what can be
    checked before reading it — the file exists and is not empty, an archive is within ``core.spreadsheets``' limits
    (``check_xlsx``, before openpyxl opens it) —, how far a pass has read (``position``), and a workbook's first sheet
    row by row (``sheet_rows``). ``TableFile`` reads a table under a header row; the attendance reports of
    ``training.attendance_formats`` look for theirs."""

    @staticmethod
    def not_a_table(name: str) -> str:
        """The message for a file that is neither (a subclass reading more encodings says so)."""
        return not_a_table_message(name)

    def __init__(self, path: str | Path, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        self._handle: IO[bytes] | None = None
        if not self.path.is_file():
            raise _fail(not_found_message(self.path))
        self.size = self.path.stat().st_size
        if self.size == 0:
            raise _fail(empty_message(self.name))
        with self.path.open("rb") as f:
            self.head = f.read(SNIFF_BYTES)  # the first bytes, to tell the format and the text's encoding
        self.format = "xlsx" if self.head.startswith(ZIP_MAGIC) else "csv"
        if self.format == "xlsx":
            try:
                check_xlsx(self.path, self.name)  # before openpyxl reads anything: a "zip bomb" is refused here
            except FileRefused as exc:
                raise _fail(str(exc)) from None
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
                raise _fail(self.not_a_table(self.name)) from None

    @property
    def position(self) -> int:
        """Bytes read so far in the current pass (approximate for XLSX: the compressed stream)."""
        try:
            return self._handle.tell() if self._handle is not None else 0
        except (ValueError, OSError):
            return self.size

    def sheet_rows(self) -> Iterator[tuple[int, tuple]]:
        """(row number, the cells' values) of the workbook's first sheet (openpyxl, read-only), refusing more than
        ``IMPORT_MAX_ROWS`` rows — the sheet's declared dimension checked first. ``sheet_title``: the sheet's."""
        from openpyxl import load_workbook

        max_rows = limit("IMPORT_MAX_ROWS")
        with self.path.open("rb") as raw:
            try:
                with warnings.catch_warnings():  # "no default style" and the like: not the user's concern
                    warnings.simplefilter("ignore")
                    workbook = load_workbook(raw, read_only=True, data_only=True)
                sheet = workbook.worksheets[0]
                declared = sheet.max_row  # from the sheet's <dimension>, when it has one
            except Exception:  # a ZIP that is not a workbook (a .docx renamed …), or a damaged file
                raise _fail(self.not_a_table(self.name)) from None
            self._handle = raw
            self.sheet_title = sheet.title
            try:
                if declared is not None and declared > max_rows:
                    raise _fail(too_many_rows_message(self.name, max_rows))
                sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
                for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    if n > max_rows:
                        raise _fail(too_many_rows_message(self.name, max_rows))
                    yield n, values
            finally:
                self._handle = None
                workbook.close()


class TableFile(StreamedFile):
    """A CSV or XLSX file of rows under a header row, read as a stream.

    ``TableFile(path, required, optional, name=…)`` checks what can be checked without reading the rows
    (the file exists, is not empty, is CSV or XLSX) and raises ImportFailed with a Vietnamese message;
    ``rows()`` checks the header and yields ``(row number, {column: text})``, ``records()`` the same with
    the cells as a list in ``header`` order (faster for big files). Each call reads the file anew, so an
    importer can make two passes. ``name`` is the name to show in messages (an upload's original name).
    Cells are stripped of surrounding white space, except those of the ``verbatim`` columns (free text such as a
    note, kept byte for byte).

    The header names each column by its code (``unit_code``) or, given ``labels`` (code → Vietnamese name), by its
    Vietnamese name in any case, with or without diacritics («Mã xã», «ma xa»). A row of names directly followed by
    the row of the same columns' codes — the Excel templates' two header rows, one for people, one for programs —
    is one header. ``ignored`` columns are accepted and read but mean nothing to the import (the template's
    indicator names).
    """

    def __init__(self, path: str | Path, required: Sequence[str], optional: Sequence[str] = (), *,
                 name: str | None = None, verbatim: Sequence[str] = (), labels: Mapping[str, str] | None = None,
                 ignored: Sequence[str] = ()):
        self.required, self.optional, self.verbatim = tuple(required), tuple(optional), tuple(verbatim)
        self.ignored, self.labels = tuple(ignored), dict(labels or {})
        self._codes = {*self.required, *self.optional, *self.ignored}
        self._by_label = {fold(" ".join(label.split())): code for code, label in self.labels.items()}
        self.header: list[str] = []
        self._codes_row = 0
        super().__init__(path, name)
        if self.format == "xlsx":
            return
        head = self.head
        try:
            text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) < SNIFF_BYTES)
        except UnicodeDecodeError:
            raise _fail(not_a_table_message(self.name)) from None
        if "\x00" in text:
            raise _fail(not_a_table_message(self.name))
        if not text.strip():
            raise _fail(empty_message(self.name))
        first = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
        self.delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))

    def _columns(self, cells: Sequence[str]) -> list[str]:
        """The column codes a header row names (see the class), trailing empty cells left out."""
        header = [c if c in self._codes else self._by_label.get(fold(" ".join(c.split())), c) for c in cells]
        while header and not header[-1]:
            header.pop()
        return header

    def _label_hint(self) -> str:
        if not self.labels:
            return ""
        named = [self.labels[c] for c in self.required if c in self.labels]
        extra = [self.labels[c] for c in self.optional if c in self.labels]
        return (f" Cũng có thể dùng tên cột tiếng Việt như trong tệp mẫu: {', '.join(named)}"
                + (f" (có thể thêm: {', '.join(extra)})" if extra else "") + ".")

    def _check_header(self, header: list[str], row: int) -> None:
        required, optional = self.required, self.optional
        missing = [c for c in required if c not in header]
        if missing:
            raise ImportFailed([RowError(row, c, "", (
                f"Thiếu cột «{c}». Dòng đầu tiên phải có các cột: {', '.join(required)}"
                + (f" (có thể thêm: {', '.join(optional)})" if optional else "") + "." + self._label_hint()
            )) for c in missing])
        unknown = [c for c in header if c not in self._codes]
        if unknown:
            raise ImportFailed([RowError(row, c, "", (
                f"Cột «{c}» không được hỗ trợ. Xóa cột này hoặc sửa tên cho đúng: "
                f"{', '.join([*required, *optional])}." + self._label_hint())) for c in unknown])
        seen = set()
        for c in header:
            if c in seen:
                raise ImportFailed([RowError(row, c, "", f"Cột «{c}» có hai lần ở dòng tiêu đề. Xóa một cột.")])
            seen.add(c)

    def _start(self, cells: Sequence[str], row: int) -> None:
        """Take ``cells`` (stripped) of row ``row`` as the header."""
        header = self._columns(cells)
        self._check_header(header, row)
        self.header = header
        self._codes_row = row + 1  # a row naming the same columns there belongs to the header

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells in ``header`` order); blank rows are skipped (their numbers are kept)."""
        return self._xlsx_records() if self.format == "xlsx" else self._csv_records()

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        for n, cells in self.records():
            yield n, dict(zip(self.header, cells, strict=True))

    def _kept(self) -> list[int]:
        """Positions of the ``verbatim`` columns in the header."""
        return [i for i, c in enumerate(self.header) if c in self.verbatim]

    def _csv_records(self) -> Iterator[tuple[int, list[str]]]:
        max_rows, max_blank = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_BLANK_ROWS")
        max_chars = limit("IMPORT_MAX_LINE_CHARS")
        with self.path.open("rb") as raw:
            self._handle = raw
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            quoted = [False]  # whether the lines of the record just read hold an apostrophe
            reader = csv.reader(bounded_lines(text, max_chars, quoted), delimiter=self.delimiter)
            strip = str.strip
            n = filled = 0
            try:
                header = None
                for n, cells in enumerate(reader, start=1):
                    if n > max_rows:
                        raise _fail(too_many_rows_message(self.name, max_rows))
                    if header is None:
                        if not any(c.strip() for c in cells):
                            continue
                        self._start([c.strip() for c in cells], n)
                        header = self.header
                        width, kept, filled, codes_row = len(header), self._kept(), n, self._codes_row
                        continue
                    if len(cells) != width:
                        cells = (cells + [""] * width)[:width]
                    stripped = list(map(strip, cells))
                    if not any(stripped):
                        if n - filled > max_blank:
                            raise _fail(blank_rows_message(self.name, filled + 1, max_blank))
                        continue
                    if n == codes_row and self._columns(stripped) == header:
                        continue
                    filled = n
                    if kept and stripped != cells:  # a cell had white space around it: keep the verbatim ones'
                        for i in kept:
                            stripped[i] = cells[i]
                    if quoted[0]:  # rare: only then look for what csv_cell neutralised
                        quoted[0] = False
                        stripped = [csv_text(c) if c[:1] == "'" else c for c in stripped]
                    yield n, stripped
            except UnicodeDecodeError:
                raise _fail(not_a_table_message(self.name), n + 1) from None
            except LineTooLong:
                raise ImportFailed([RowError(n + 1, "", "", line_too_long_message(max_chars))]) from None
            except csv.Error as exc:
                raise ImportFailed([RowError(n + 1, "", "", (
                    f"dòng này không đọc được theo định dạng CSV ({exc}). Kiểm tra dấu ngoặc kép trong ô.")
                )]) from None
            finally:
                self._handle = None
            if header is None:
                raise _fail(empty_message(self.name))

    def _xlsx_records(self) -> Iterator[tuple[int, list[str]]]:
        max_blank = limit("IMPORT_MAX_BLANK_ROWS")
        header = None
        width = filled = 0
        kept: list[int] = []
        for n, values in self.sheet_rows():
            if header is None:
                cells = [cell_text(v) for v in values]
                if not any(cells):
                    continue
                self._start(cells, n)
                header = self.header
                width, kept, filled = len(header), self._kept(), n
                continue
            cells = [cell_text(v) for v in values[:width]]
            if n == self._codes_row and self._columns(cells) == header:
                continue
            if not any(cells):
                if n - filled > max_blank:
                    raise _fail(blank_rows_message(self.name, filled + 1, max_blank))
                continue
            filled = n
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            for i in kept:
                if i < len(values) and isinstance(values[i], str):
                    cells[i] = xlsx_text(values[i])
            yield n, cells
        if header is None:
            raise _fail(empty_sheet_message(self.name, self.sheet_title))


class LineTooLong(Exception):
    """A line longer than ``IMPORT_MAX_LINE_CHARS`` (``bounded_lines``)."""


def bounded_lines(text: IO[str], max_chars: int, quoted: list[bool]) -> Iterator[str]:
    """The lines of ``text``, refusing one longer than ``max_chars`` before it is all in memory (a file of one
    200 MB line would otherwise be read whole); ``quoted[0]`` is set when a line holds an apostrophe."""
    readline = text.readline
    while line := readline(max_chars + 1):
        if len(line) > max_chars:
            raise LineTooLong
        if "'" in line:
            quoted[0] = True
        yield line


def read_table(path: str | Path, required: Sequence[str], optional: Sequence[str] = (), *,
               name: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, row) from a CSV (UTF-8) or XLSX file (first sheet), after checking the header.

    Raises ImportFailed for a file that is missing, empty, neither CSV nor XLSX, or lacks required columns.
    """
    yield from TableFile(path, required, optional, name=name).rows()


read_csv = read_table  # the name earlier importers use; it reads XLSX too


def report_progress(progress: Progress | None, table: TableFile, phase: str, rows: int, *, done: bool = False
                    ) -> None:
    """Tell ``progress`` how far a pass through ``table`` is (``done``: the whole file has been read)."""
    if progress is not None:
        progress(phase, rows, table.size if done else table.position, table.size)
