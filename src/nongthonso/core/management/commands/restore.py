from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from nongthonso.core.backup import BackupError, restore_backup
from nongthonso.core.text import format_number


class Command(BaseCommand):
    help = ("Khôi phục một bản sao lưu (nongthonso backup) vào cơ sở dữ liệu trống (tự chạy migrate) và MEDIA_ROOT. "
            "Từ chối khi cơ sở dữ liệu đã có dữ liệu, trừ khi có --force. Xem docs/operations.md.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp sao lưu (.tar.gz) do «nongthonso backup» tạo")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="cơ sở dữ liệu (mặc định: default)")
        parser.add_argument("--force", action="store_true",
                            help="thay toàn bộ dữ liệu đang có bằng dữ liệu trong bản sao lưu")
        parser.add_argument("--check", action="store_true",
                            help="chỉ kiểm tra tệp sao lưu (chữ ký HMAC, mã SHA-256 của mọi mục), không ghi gì")
        parser.add_argument("--allow-unsigned", action="store_true",
                            help="nhận bản sao lưu định dạng cũ, chưa có chữ ký HMAC (chỉ khi chắc chắn tệp không "
                                 "bị sửa)")

    def handle(self, *args, file, database, force, check, allow_unsigned, **options):
        try:
            manifest = restore_backup(file, using=database, force=force, check_only=check,
                                      allow_unsigned=allow_unsigned, log=self.stderr.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if check:
            self.stdout.write(f"Tệp {file} hợp lệ.")
            return
        self.stdout.write(
            f"Đã khôi phục {format_number(manifest['data']['rows'])} bản ghi và {manifest['media']['files']} tệp "
            f"minh chứng từ {file} (sao lưu lúc {manifest['created_at']}). Người dùng cần đăng nhập lại.")
