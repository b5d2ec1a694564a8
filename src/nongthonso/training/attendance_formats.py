"""Reading video platforms' attendance reports: which platform wrote a file, told by its header, and its rows.

A report is a table under a header row, sometimes below a preamble: Zoom's «Export with meeting data» puts the
meeting's own row first, Microsoft Teams a «1. Summary» section, Google Meet none. So the header is looked for in the
first ``HEADER_SEARCH_ROWS`` rows: the first row whose column names are those of one of the ``FORMATS`` (names compared
folded — lower case, without diacritics, white space collapsed). Then each row below is read into a
:class:`ReportRow`: who (the name as displayed, its variants for matching, an e-mail, a phone), how long (seconds), and
for the project's own file the mode and bridge point named.

Files are read as a stream (one row at a time, each line bounded like every CSV import, ``core.spreadsheets``
limits): CSV in UTF-8 (with or without a byte-order mark) or UTF-16 (Teams writes UTF-16 with a byte-order mark,
tab-separated), with ``,``, ``;`` or tab as the delimiter; or an XLSX workbook (its first sheet, checked by
``core.spreadsheets.check_xlsx`` before openpyxl opens it). Row numbers are the file's (the first line is 1), as a
spreadsheet shows them.

Teams' report has further sections after the participants' table («3. In-Meeting Activities»: one row per join): the
table ends at its first blank row. Other reports skip blank rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from nongthonso.core.imports import (
    SNIFF_BYTES,
    ErrorList,
    ImportFailed,
    LineTooLong,
    RowError,
    StreamedFile,
    bounded_lines,
    cell_text,
    empty_message,
)
from nongthonso.core.spreadsheets import (
    blank_rows_message,
    csv_text,
    limit,
    line_too_long_message,
    too_many_rows_message,
)
from nongthonso.core.text import fold

from .models import AttendanceMethod

HEADER_SEARCH_ROWS = 40  # rows looked through for the header (Teams' summary section is about ten)
MAX_NAME = 200  # Participant.full_name
MAX_EMAIL = 254
MAX_SECONDS = 24 * 3600  # one row's time in the meeting: more is not a duration of a session
PHONE_DIGITS = (8, 15)


def header_key(text: str) -> str:
    """A column name as compared: «Duration (Minutes)» → «duration (minutes)», «Họ tên» → «ho ten»."""
    return " ".join(fold(text.replace("\ufeff", "")).split())


_NON_WORD = re.compile(r"[^\w]+")
_NON_WORD_LINES = re.compile(r"[^\w\n]+")
_MARKS = re.compile("[\u0300-\u036f]")  # the combining marks a decomposed Vietnamese letter carries
_SPACES = re.compile(r"  +")
_SPACES_AROUND_LINES = re.compile(r" *\n *")


def _folded_key(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def name_keys(names: list[str]) -> list[str]:
    """Each of ``names`` as matched: folded (``core.text.fold``: lower case, no diacritics), anything but letters and
    digits as one space — «Nguyễn Văn  An.» → «nguyen van an». All at once (the names joined, decomposed and stripped
    of their marks in a few passes over one string), which for the 100,000 people of a course costs a fraction of
    folding them one by one; names in another script are folded one by one."""
    if not names:
        return []
    text = "\n".join(name.replace("\n", " ") for name in names).lower().replace("đ", "d")
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFD", text))
        if not text.isascii():
            return [_folded_key(name) for name in names]
    if not text.replace("\n", "").replace(" ", "").isalnum():
        text = _NON_WORD_LINES.sub(" ", text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _SPACES_AROUND_LINES.sub("\n", text)
    return text.strip(" ").split("\n")


def name_key(text: str) -> str:
    """One name as matched (see ``name_keys``)."""
    return name_keys([text])[0]


def phone_key(text: str) -> str:
    """A phone number as matched: its digits, +84 / 84 written as the leading 0 — «+84 912 345 678» → «0912345678»;
    empty when it has too few or too many digits to be one."""
    digits = re.sub(r"\D", "", text)
    if text.strip().startswith("+84") or (digits.startswith("84") and len(digits) == 11):
        digits = "0" + digits[2:]
    return digits if PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1] else ""


_PHONE_LIKE = re.compile(r"^\+?[\d\s.\-()]{8,20}$")
_PHONE_START = frozenset("+0123456789")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")  # enough to match on; a person created from a row is checked fully
_PARENS = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def name_variants(name: str) -> tuple[str, ...]:
    """The keys a displayed name may match under, best first: the whole name, and for «Nguyễn Văn An (iPhone)» —
    Zoom's «Name (Original Name)» after a rename, Teams' «(Guest)» — the part before the brackets and the part in
    them."""
    keys = [name_key(name)]
    found = _PARENS.match(name)
    if found:
        keys += [name_key(found.group(1)), name_key(found.group(2))]
    return tuple(dict.fromkeys(k for k in keys if k))


# --- durations ----------------------------------------------------------------------------------------------------

_UNITS = {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "gio": 3600,
          "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "phut": 60, "p": 60,
          "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "giay": 1}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)")
_CLOCK = re.compile(r"(\d{1,3}):(\d{2})(?::(\d{2}))?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class DurationInvalid(ValueError):
    pass


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def seconds_of(text: str, *, minutes_only: bool = False) -> int:
    """The seconds a duration cell says: «45» (minutes), «1h 2m 3s», «10m 59s» (Teams), «1 hr 4 min», «< 1 min»
    (Meet), «1 giờ 5 phút», «1:02:03» (h:mm:ss), «1:05» (h:mm). ``minutes_only``: a number of minutes and nothing else
    (Zoom's «Duration (Minutes)»). Raises :class:`DurationInvalid`."""
    text = fold(text).strip().lstrip("<").strip()
    if _NUMBER.fullmatch(text):
        return round(_number(text) * 60)
    if minutes_only:
        raise DurationInvalid(text)
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, secs = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        if minutes > 59 or secs > 59:
            raise DurationInvalid(text)
        return hours * 3600 + minutes * 60 + secs
    parts = _PART.findall(text)
    if not parts or _PART.sub("", text).strip() or any(unit not in _UNITS for _, unit in parts):
        raise DurationInvalid(text)
    return round(sum(_number(value) * _UNITS[unit] for value, unit in parts))


# --- the formats ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    """A report's layout: the header names of each part of a row (folded, see :func:`header_key`), which of them
    tell this format from the others, and how its durations are written."""

    code: str  # zoom, meet, teams, csv
    method: str  # AttendanceMethod: how the attendance rows it gives are recorded
    label: str
    names: dict[str, tuple[str, ...]]  # part → the header names it goes by, first the one the docs show
    recognise: Callable[[set[str]], bool]  # the header's folded names → whether they are this format's
    minutes_only: bool = False  # durations are a number of minutes (Zoom)
    ends_at_blank: bool = False  # the table ends at the first blank row (Teams' sections)
    strict: bool = False  # every column must be one of ``names`` (the project's own file)

    def find(self, header: Sequence[str]) -> dict[str, int]:
        """Part → the column's index in ``header`` (folded names), for the parts the header has."""
        found = {}
        for part, names in self.names.items():
            for wanted in names:
                if wanted in header:
                    found[part] = header.index(wanted)
                    break
        return found

    def columns_text(self) -> str:
        """The columns as the platform names them, for messages and the page: «Name (Original Name), User Email …»."""
        return ", ".join(LABELS.get(names[0], names[0]) for names in self.names.values())


def _has(header: set[str], *names: str) -> bool:
    return any(n in header for n in names)


ZOOM_NAMES = ("name (original name)", "name")
ZOOM_EMAIL = ("user email",)
ZOOM_MINUTES = ("duration (minutes)", "total duration (minutes)")
TEAMS_NAMES = ("name", "full name")
TEAMS_DURATION = ("in-meeting duration", "duration", "attendance duration")
TEAMS_ONLY = ("in-meeting duration", "participant id (upn)", "role", "first join", "last leave")
MEET_NAMES = ("name", "full name", "participant")
MEET_DURATION = ("duration", "time in call")
MEET_ONLY = ("time joined", "time exited", "first seen", "last seen", "time in call", "first name", "last name")

ZOOM = Format(
    "zoom", AttendanceMethod.ZOOM, _("Báo cáo người tham gia Zoom"),
    {"name": ZOOM_NAMES, "email": ZOOM_EMAIL, "duration": ZOOM_MINUTES},
    # the meeting's own row of «Export with meeting data» (Meeting ID, Topic …, User Email, Duration (Minutes)) is not
    # the participants' header: it has no participant's name
    lambda h: _has(h, *ZOOM_NAMES) and _has(h, *ZOOM_EMAIL) and _has(h, *ZOOM_MINUTES) and "meeting id" not in h,
    minutes_only=True,
)
TEAMS = Format(
    "teams", AttendanceMethod.TEAMS, _("Báo cáo điểm danh Microsoft Teams"),
    {"name": TEAMS_NAMES, "email": ("email",), "duration": TEAMS_DURATION},
    lambda h: _has(h, *TEAMS_NAMES) and _has(h, *TEAMS_DURATION) and _has(h, *TEAMS_ONLY),
    ends_at_blank=True,
)
MEET = Format(
    "meet", AttendanceMethod.MEET, _("Báo cáo điểm danh Google Meet"),
    {"first_name": ("first name",), "last_name": ("last name",), "name": MEET_NAMES, "email": ("email",),
     "duration": MEET_DURATION},
    lambda h: (_has(h, "first name", *MEET_NAMES) and _has(h, *MEET_DURATION) and _has(h, *MEET_ONLY)),
)
# the project's own file: the column codes, or their Vietnamese names (names of data, not translated)
OWN_COLUMNS = {"full_name": "Họ tên", "email": "Thư điện tử", "phone": "Điện thoại", "bridge_point": "Điểm cầu",
               "mode": "Hình thức", "minutes": "Số phút"}
OWN = Format(
    "csv", AttendanceMethod.CSV, _("Tệp điểm danh theo mẫu của hệ thống"),
    {part: (part, header_key(label)) for part, label in OWN_COLUMNS.items()},
    lambda h: _has(h, "full_name", "ho ten"),
    strict=True,
)
FORMATS = (ZOOM, TEAMS, MEET, OWN)  # tried in this order: the more distinctive headers first
LABELS = {"name (original name)": "Name (Original Name)", "user email": "User Email",
          "duration (minutes)": "Duration (Minutes)", "name": "Name", "email": "Email",
          "in-meeting duration": "In-Meeting Duration", "first name": "First name", "last name": "Last name",
          "duration": "Duration", **{part: part for part in OWN_COLUMNS}}


def recognise(cells: Sequence[str]) -> tuple[Format, list[str]] | None:
    """The format whose header ``cells`` are, and the folded header; None when they are no report's header."""
    header = [header_key(c) for c in cells]
    names = set(header) - {""}
    for fmt in FORMATS:
        if fmt.recognise(names):
            return fmt, header
    return None


def unknown_format_message(name: str) -> str:
    return (f"Không nhận ra tệp «{name}»: trong {HEADER_SEARCH_ROWS} dòng đầu không có dòng tiêu đề của báo cáo Zoom "
            f"({ZOOM.columns_text()}…), Google Meet (First name, Last name, Email, Duration…), Microsoft Teams (Name, "
            f"First Join, Last Leave, In-Meeting Duration, Email…) hay tệp mẫu của hệ thống ({OWN.columns_text()}). "
            "Tải lại báo cáo điểm danh từ nền tảng họp trực tuyến (không sửa dòng tiêu đề), hoặc dùng tệp mẫu.")


# --- a row ----------------------------------------------------------------------------------------------------------

class ReportRow(NamedTuple):
    """One row of a report: who, how long, and (the project's own file) the mode and bridge point named."""

    row: int
    name: str  # as displayed in the file
    email: str  # lower case, or ""
    phone: str  # phone_key, or ""
    seconds: int | None  # None: the file does not say (the project's file without minutes)
    mode: str = ""  # the project's file: as written, or ""
    point: str = ""  # the project's file: the bridge point named, or ""
    other_order: str = ""  # Google Meet: «Last name First name», matched too

    @property
    def names(self) -> tuple[str, ...]:
        """The keys its name may match under (``name_variants``), computed when asked: most rows are matched by
        e-mail, and folding costs more than the rest of reading a row."""
        keys = name_variants(self.name)
        return tuple(dict.fromkeys((*keys, name_key(self.other_order)))) if self.other_order else keys


@dataclass
class Report:
    """A file being read: its format once the header is found, and the row errors met."""

    format: Format
    header: list[str]  # folded
    columns: dict[str, int]
    shown: list[str]  # the header as written, for messages
    errors: ErrorList = field(default_factory=ErrorList)

    def column(self, part: str) -> str:
        index = self.columns.get(part)
        return self.shown[index] if index is not None else part

    @property
    def name_column(self) -> str:
        return self.column(next((p for p in ("full_name", "name", "first_name") if p in self.columns), "name"))


# --- reading the file -----------------------------------------------------------------------------------------------

def _fail(message: str, row: int = 0) -> ImportFailed:
    return ImportFailed([RowError(row, "", "", message)])


def not_text_message(name: str) -> str:
    return (f"Tệp «{name}» không phải CSV (UTF-8 hoặc UTF-16) hay XLSX. Tải lại báo cáo điểm danh từ Zoom, Google Meet "
            "hoặc Microsoft Teams; nếu đã mở và lưu lại bằng Excel, chọn «Lưu thành» → «CSV UTF-8» hoặc "
            "«Sổ làm việc Excel (*.xlsx)».")


def _encoding(head: bytes) -> str | None:
    """The text encoding of a file starting with ``head``: from its byte-order mark; UTF-16 without a mark when every
    other byte is NUL (text in Latin letters and digits: the header at least); else UTF-8 if it decodes; None
    otherwise."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd and odd.count(0) > len(odd) * 0.9:
            return "utf-16-le"
        if even and even.count(0) > len(even) * 0.9:
            return "utf-16-be"
        return None
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        return None
    return "utf-8-sig"


class ReportFile(StreamedFile):
    """A report being read (see the module): ``rows()`` finds the header, then yields a :class:`ReportRow` per row;
    ``report`` is set once the header is found. ``position`` / ``size``: bytes read of the file, for progress."""

    not_a_table = staticmethod(not_text_message)

    def __init__(self, path: str | Path, name: str | None = None):
        self.report: Report | None = None
        self._quoted = [True]  # whether the row just read may hold a cell starting with an apostrophe
        self.encoding = ""  # a workbook's
        super().__init__(path, name)
        if self.format == "xlsx":
            return
        encoding = _encoding(self.head)
        if encoding is None:
            raise _fail(not_text_message(self.name))
        self.encoding = encoding
        text = self.head.decode(encoding, errors="ignore")
        if not text.strip():
            raise _fail(empty_message(self.name))
        self.delimiter = max((",", ";", "\t"), key=lambda d: (text.count(d), d == ","))

    # -- raw rows: (row number, cells) --

    def _cells(self) -> Iterator[tuple[int, list[str]]]:
        return self._xlsx_cells() if not self.encoding else self._csv_cells()

    def _csv_cells(self) -> Iterator[tuple[int, list[str]]]:
        max_rows, max_chars = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_LINE_CHARS")
        n = 0
        self._quoted[0] = False
        with self.path.open("rb") as raw:
            self._handle = raw
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            try:
                lines = bounded_lines(text, max_chars, self._quoted)
                for n, cells in enumerate(csv.reader(lines, delimiter=self.delimiter), start=1):
                    if n > max_rows:
                        raise _fail(too_many_rows_message(self.name, max_rows))
                    yield n, cells
            except UnicodeDecodeError:
                raise _fail(not_text_message(self.name), n + 1) from None
            except LineTooLong:
                raise ImportFailed([RowError(n + 1, "", "", line_too_long_message(max_chars))]) from None
            except csv.Error as exc:
                raise ImportFailed([RowError(n + 1, "", "", (
                    f"dòng này không đọc được theo định dạng CSV ({exc}). Kiểm tra dấu ngoặc kép trong ô."))]) from None
            finally:
                self._handle = None

    def _xlsx_cells(self) -> Iterator[tuple[int, list[str]]]:
        for n, values in self.sheet_rows():
            yield n, [cell_text(v) for v in values]

    # -- the report --

    def rows(self) -> Iterator[ReportRow]:
        """The rows under the header (see the module). Errors in a row are collected in ``report.errors``
        (the caller decides when there are too many); a file whose header is not found raises ImportFailed."""
        cells_of = self._cells()
        try:
            for n, cells in cells_of:
                if n > HEADER_SEARCH_ROWS:
                    break
                found = recognise(cells)
                if found is not None:
                    fmt, header = found
                    self.report = Report(fmt, header, fmt.find(header), [c.strip() for c in cells])
                    self._check_own_header(n)
                    yield from self._body(cells_of)
                    return
        finally:
            cells_of.close()
        raise _fail(unknown_format_message(self.name))

    def _check_own_header(self, row: int) -> None:
        report = self.report
        if not report.format.strict:
            return
        known = {name for names in report.format.names.values() for name in names}
        unknown = [shown for key, shown in zip(report.header, report.shown, strict=True) if key and key not in known]
        if unknown:
            allowed = ", ".join(OWN_COLUMNS)
            raise ImportFailed([RowError(row, c, "", f"Cột «{c}» không có trong tệp mẫu. Xóa cột này hoặc sửa tên cho "
                                                     f"đúng: {allowed} (hoặc tên tiếng Việt: "
                                                     f"{', '.join(OWN_COLUMNS.values())}).")
                                for c in unknown])

    def _body(self, cells_of: Iterator[tuple[int, list[str]]]) -> Iterator[ReportRow]:
        report = self.report
        fmt, columns = report.format, report.columns
        width = len(report.header)
        own = fmt.code == "csv"
        # the cells a row is read from; a part the header lacks reads the empty cell added at the end of each row
        parts = itemgetter(*(columns.get(part, width) for part in (
            "full_name" if own else "name", "first_name", "last_name", "email", "phone", "mode", "bridge_point",
            "minutes" if own else "duration")))
        max_blank, max_minutes = limit("IMPORT_MAX_BLANK_ROWS"), MAX_SECONDS // 60
        quoted, xlsx, strip, new_row = self._quoted, not self.encoding, str.strip, tuple.__new__
        filled = started = 0
        for n, cells in cells_of:
            if len(cells) != width:
                cells = (cells + [""] * width)[:width]
            cells.append("")
            name, first, last, email, phone_text, mode, point, duration = map(strip, parts(cells))
            if not (name or first or last or email or phone_text or mode or point or duration
                    or any(c.strip() for c in cells)):
                if fmt.ends_at_blank and started:
                    return
                if n - max(filled, 1) > max_blank:
                    raise _fail(blank_rows_message(self.name, filled + 1, max_blank))
                continue
            filled = started = n
            if xlsx or quoted[0]:  # rare: only then look for what csv_cell neutralised
                quoted[0] = False
                name, first, last, email, phone_text, mode, point, duration = map(
                    _clean, (name, first, last, email, phone_text, mode, point, duration))
            elif (email and duration.isdigit() and not (first or last or phone_text or mode or point)
                  and "  " not in name and name[:1] not in _PHONE_START and len(name) <= MAX_NAME
                  and len(email) <= MAX_EMAIL and _EMAIL.fullmatch(email)):  # most rows: a name, an e-mail, minutes
                minutes = int(duration)
                if minutes <= max_minutes:
                    yield new_row(ReportRow, (n, name, email.lower(), "", minutes * 60, "", "", ""))
                    continue
            row = self._row(n, (name, first, last, email, phone_text, mode, point), duration, fmt)
            if row is not None:
                yield row

    def _row(self, n: int, values: tuple[str, ...], duration: str, fmt: Format) -> ReportRow | None:
        """The row, checked; None after adding its errors to the report's."""
        name, first, last, email, phone_text, mode, point = values
        other_order = ""
        if not name and (first or last):  # Google Meet: «First name», «Last name»; either order matches
            name, other_order = f"{first} {last}".strip(), f"{last} {first}".strip()
        if "  " in name:
            name = " ".join(name.split())
        email = email.lower()
        phone = phone_key(phone_text) if phone_text else ""
        if not phone and name[:1] in _PHONE_START and _PHONE_LIKE.match(name):  # dialled in: the number is the name
            phone = phone_key(name)
        if point and "  " in point:
            point = " ".join(point.split())
        errors_before = len(self.report.errors)
        self._check(n, name, email, phone, phone_text)
        seconds = self._seconds(n, duration, fmt)
        if len(self.report.errors) > errors_before:
            return None
        return ReportRow(n, name, email, phone, seconds, mode, point, other_order)

    def _check(self, n: int, name: str, email: str, phone: str, phone_text: str) -> None:
        """The errors of a row's who: too long a name, an e-mail or a phone that is none, nobody at all."""
        report = self.report
        add = report.errors.add
        if len(name) > MAX_NAME:
            add(RowError(n, report.name_column, name[:60] + "…", (
                f"họ tên dài {len(name)} ký tự, quá {MAX_NAME} ký tự. Rút gọn ô này.")))
        if email and (len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email)):
            add(RowError(n, report.column("email"), email[:80], (
                "không phải địa chỉ thư điện tử hợp lệ (dạng ten@vi-du.vn). Sửa ô này hoặc để trống.")))
        if phone_text and not phone:
            add(RowError(n, report.column("phone"), phone_text[:40], (
                f"số điện thoại cần {PHONE_DIGITS[0]}–{PHONE_DIGITS[1]} chữ số, ví dụ 0912 345 678. Sửa ô này hoặc để "
                "trống.")))
        if not (name or email or phone):
            add(RowError(n, report.name_column, "", (
                "dòng không có họ tên, thư điện tử hay điện thoại nên không biết là ai. Điền ít nhất một trong ba, "
                "hoặc xóa dòng này.")))

    def _seconds(self, n: int, text: str, fmt: Format) -> int | None:
        report = self.report
        part = "minutes" if fmt.code == "csv" else "duration"
        if not text:
            if fmt.code == "csv":
                return None  # the project's file: minutes optional
            report.errors.add(RowError(n, report.column(part), "", (
                "thiếu thời lượng tham dự. Tải lại báo cáo từ nền tảng họp trực tuyến (không xóa ô nào).")))
            return None
        minutes_only = fmt.minutes_only or fmt.code == "csv"
        try:
            seconds = seconds_of(text, minutes_only=minutes_only)
        except DurationInvalid:
            hint = "một số phút, ví dụ 45" if minutes_only else "dạng 45 (phút), 1h 2m 3s, 1 hr 4 min hoặc 1:02:03"
            report.errors.add(RowError(n, report.column(part), text[:40], (
                f"thời lượng không đọc được: cần {hint}. Sửa ô này (hoặc tải lại báo cáo).")))
            return None
        if seconds > MAX_SECONDS:
            report.errors.add(RowError(n, report.column(part), text[:40], (
                "thời lượng quá 24 giờ, không phải của một buổi học. Kiểm tra ô này (số phút, không phải số giây).")))
            return None
        return seconds


def _clean(text: str) -> str:
    """A cell stripped, with the apostrophe a CSV export put before a formula-like text taken off."""
    text = text.strip()
    return csv_text(text) if text[:1] == "'" else text
