"""``nongthonso import KIND FILE [--dry-run]``: all-or-nothing import of a CSV or XLSX file.

KIND: a registered import kind (``core.registry.ImportKind``): values (giá trị chỉ tiêu), decisions (quyết định công
nhận), registrations (đăng ký đạt chuẩn), commune_groups (nhóm xã theo QĐ 51/2025/QĐ-TTg), units (đơn vị hành
chính), and those of other apps. A kind's options (``ImportOption``: ``attendance`` needs ``--session ID``) are
arguments too, ``--<name>``; one given for a kind that does not take it is refused. The command line imports as the
system: every kind, every row the importer accepts. The format is told by content (XLSX is a ZIP file). Errors go to
stderr, one per line, and nothing is written. On a terminal (or with ``--progress``) a progress line on stderr shows
rows processed and bytes read.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from nongthonso.audit.context import request_context
from nongthonso.core import registry
from nongthonso.core.imports import ImportFailed
from nongthonso.dataio import services

PHASES = {"check": "Kiểm tra", "write": "Ghi", "evaluate": "Tính lại kết quả"}


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class ProgressLine:
    """A one-line progress report rewritten in place (carriage return), at most every ``interval`` s."""

    def __init__(self, stream, interval: float = 0.25):
        self.stream, self.interval = stream, interval
        self.last = 0.0
        self.shown = False
        self.phase = ""

    def __call__(self, phase: str, rows: int, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < self.interval and done < total:
            return
        if phase != self.phase and self.shown:
            self.stream.write("\n")
        self.phase, self.last = phase, now
        if phase == "evaluate":
            text = f"{PHASES[phase]}: {_number(total)} bản đánh giá…"
        else:
            pct = 100 * done / total if total else 100
            mb = f"{done / 1e6:.1f}/{total / 1e6:.1f}".replace(".", ",")
            text = f"{PHASES.get(phase, phase)}: {_number(rows)} dòng · {mb} MB ({pct:.0f}%)"
        self.stream.write("\r" + text.ljust(60))
        self.stream.flush()
        self.shown = True

    def end(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def _options() -> dict[str, tuple[registry.ImportOption, list[str]]]:
    """Every import kind's options by name (the first kind's entry; the system check keeps them alike), with the
    codes of the kinds that take each."""
    found: dict[str, tuple[registry.ImportOption, list[str]]] = {}
    for kind in registry.entries(registry.ImportKind):
        for option in kind.options:
            found.setdefault(option.name, (option, []))[1].append(kind.code)
    return found


def _kinds_text() -> str:
    return ", ".join(f"{kind.code} ({str(kind.label).lower()})" for kind in registry.entries(registry.ImportKind))


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return (f"Nhập dữ liệu từ tệp CSV (UTF-8) hoặc XLSX, tất cả hoặc không: {_kinds_text()}. Dùng --dry-run để "
                "kiểm tra trước.")

    def add_arguments(self, parser):
        parser.add_argument("kind", help="loại dữ liệu: " + ", ".join(registry.codes(registry.ImportKind)))
        parser.add_argument("file", help="đường dẫn tệp CSV hoặc XLSX")
        parser.add_argument("--dry-run", action="store_true",
                            help="chỉ kiểm tra và báo kết quả, không ghi vào cơ sở dữ liệu")
        parser.add_argument("--progress", action="store_true",
                            help="luôn hiện tiến độ trên stderr (mặc định: chỉ khi chạy ở cửa sổ lệnh)")
        for option, kinds in _options().values():
            text = f"({', '.join(kinds)}) {option.label}" + (f": {option.help}" if option.help else "")
            if option.flag:
                parser.add_argument(option.argument, dest=option.name, action="store_true", default=None, help=text)
            else:
                parser.add_argument(option.argument, dest=option.name, metavar=option.name.upper(), help=text)

    def handle(self, *args, kind, file, dry_run, progress=False, **options):
        entry = registry.find(registry.ImportKind, kind)
        if entry is None:
            raise CommandError(f"Loại dữ liệu «{kind}» không hợp lệ. Dùng một trong: "
                               f"{', '.join(registry.codes(registry.ImportKind))}.", returncode=2)
        given = {name: options[name] for name in _options() if options.get(name) is not None}
        stray = services.unknown_options(entry, given)
        if stray:
            known = ", ".join(o.argument for o in entry.options) or "không có tùy chọn riêng"
            raise CommandError(f"{', '.join(_options()[n][0].argument for n in stray)} không dùng cho «{kind}» "
                               f"({known}).", returncode=2)
        try:
            values = services.option_values(entry, given, spell=lambda option: option.argument)
        except services.OptionError as exc:
            raise CommandError(str(exc), returncode=2) from None
        line = ProgressLine(self.stderr._out) if progress or self.stderr.isatty() else None
        try:
            with request_context(actor=f"nongthonso import {kind}"):
                kwargs = {"progress": line} if line is not None else {}
                result = entry.run(file, dry_run=dry_run, **kwargs, **values)
        except ImportFailed as exc:
            if line is not None:
                line.end()
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Không nhập được: {exc.total} lỗi. Chưa ghi gì vào cơ sở dữ liệu.") from None
        if line is not None:
            line.end()
        self.stdout.write(result.summary())
        for message in result.messages:
            self.stdout.write(message)
