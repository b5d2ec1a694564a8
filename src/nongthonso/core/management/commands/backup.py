import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from nongthonso.core.backup import BackupError, create_backup
from nongthonso.core.text import format_number


class Command(BaseCommand):
    help = ("Sao lưu toàn bộ cơ sở dữ liệu và các tệp minh chứng (MEDIA_ROOT) vào một tệp .tar.gz: "
            "nongthonso backup /var/backups/nongthonso/ntm-2024-05-24.tar.gz. Khôi phục: nongthonso restore TỆP. "
            "Xem docs/operations.md.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp sao lưu sẽ tạo (.tar.gz); tệp cùng tên sẽ bị thay")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="cơ sở dữ liệu (mặc định: default)")

    def handle(self, *args, file, database, **options):
        try:
            manifest = create_backup(file, using=database, log=self.stderr.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = os.path.getsize(file)
        self.stdout.write(
            f"Đã sao lưu {format_number(manifest['data']['rows'])} bản ghi và {manifest['media']['files']} tệp minh "
            f"chứng vào {file} ({format_number(size / 1048576, 1)} MB).")
