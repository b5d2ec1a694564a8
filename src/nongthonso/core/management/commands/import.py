"""``nongthonso import KIND FILE [--dry-run]``: all-or-nothing import of a CSV file.

KIND: units (đơn vị hành chính), values (giá trị chỉ tiêu); decisions and registrations are not
available yet. Errors go to stderr, one per line, and nothing is written.
"""

from django.core.management.base import BaseCommand, CommandError

from nongthonso.audit.context import request_context
from nongthonso.core.imports import ImportFailed

KINDS = {
    "units": "đơn vị hành chính",
    "values": "giá trị chỉ tiêu",
    "decisions": "quyết định công nhận",
    "registrations": "đăng ký mục tiêu",
}


def _importer(kind: str):
    if kind == "units":
        from nongthonso.units.loaders import import_units

        return import_units
    if kind == "values":
        try:
            from nongthonso.assessments.imports import import_values
        except ImportError:
            raise CommandError("Chức năng nhập giá trị chỉ tiêu (values) chưa có trong phiên bản này.",
                               returncode=2) from None
        return import_values
    raise CommandError(f"Chức năng nhập {KINDS[kind]} ({kind}) chưa có trong phiên bản này.", returncode=2)


class Command(BaseCommand):
    help = ("Nhập dữ liệu từ tệp CSV (UTF-8), tất cả hoặc không: units (đơn vị hành chính), "
            "values (giá trị chỉ tiêu). Dùng --dry-run để kiểm tra trước.")

    def add_arguments(self, parser):
        parser.add_argument("kind", help="loại dữ liệu: " + ", ".join(KINDS))
        parser.add_argument("file", help="đường dẫn tệp CSV")
        parser.add_argument("--dry-run", action="store_true",
                            help="chỉ kiểm tra và báo kết quả, không ghi vào cơ sở dữ liệu")

    def handle(self, *args, kind, file, dry_run, **options):
        if kind not in KINDS:
            raise CommandError(f"Loại dữ liệu «{kind}» không hợp lệ. Dùng một trong: {', '.join(KINDS)}.",
                               returncode=2)
        importer = _importer(kind)
        try:
            with request_context(actor=f"nongthonso import {kind}"):
                result = importer(file, dry_run=dry_run)
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Không nhập được: {len(exc.errors)} lỗi. Chưa ghi gì vào cơ sở dữ liệu.") from None
        self.stdout.write(result.summary())
        for message in result.messages:
            self.stdout.write(message)
