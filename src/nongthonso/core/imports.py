"""Shared pieces of all-or-nothing imports: reading a table file and reporting row errors in Vietnamese.

Every importer validates *every* row first, collects all errors, and writes nothing unless there are
none; then it writes inside one transaction. Row numbers are the file's line numbers as a spreadsheet
shows them (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path


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

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "Sẽ" if self.dry_run else "Đã"
        text = (f"{verb} tạo mới {self.created}, cập nhật {self.updated}, "
                f"giữ nguyên {self.unchanged} dòng.")
        if self.dry_run:
            text += " (Chạy thử: chưa ghi gì vào cơ sở dữ liệu.)"
        return text


def read_csv(path: str | Path, required: Sequence[str], optional: Sequence[str] = ()
             ) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, row) from a UTF-8 CSV file, after checking the header.

    Raises ImportFailed for a file that is empty, not UTF-8 text, or lacks required columns.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFailed([RowError(0, "", "", f"Không tìm thấy tệp «{path}». Kiểm tra lại đường dẫn.")])
    raw = path.read_bytes()
    if not raw.strip():
        raise ImportFailed([RowError(0, "", "", f"Tệp «{path.name}» rỗng. Hãy dùng tệp mẫu và điền dữ liệu.")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([RowError(0, "", "", (
            f"Tệp «{path.name}» không phải văn bản CSV mã UTF-8. Trong Excel, chọn "
            "«Lưu thành» → «CSV UTF-8 (phân tách bằng dấu phẩy)»."))]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFailed([RowError(1, c, "", (
            f"Thiếu cột «{c}». Dòng đầu tiên phải có các cột: {', '.join(required)}"
            + (f" (có thể thêm: {', '.join(optional)})" if optional else "") + "."
        )) for c in missing])
    unknown = [c for c in header if c not in required and c not in optional]
    if unknown:
        raise ImportFailed([RowError(1, c, "", (
            f"Cột «{c}» không được hỗ trợ. Xóa cột này hoặc sửa tên cho đúng: "
            f"{', '.join([*required, *optional])}.")) for c in unknown])
    reader.fieldnames = header
    for i, row in enumerate(reader, start=2):
        yield i, {k: (v or "").strip() for k, v in row.items() if k is not None}
