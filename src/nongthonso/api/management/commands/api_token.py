"""``nongthonso api_token USERNAME NAME``: create an API token for a user and print it (the only time it is
shown; only its SHA-256 is stored). The token alone goes to standard output, the explanation to standard
error, so ``TOKEN=$(nongthonso api_token vpdp.tinh "Hệ thống báo cáo")`` works."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from nongthonso.api.models import ApiToken
from nongthonso.audit.services import record


class Command(BaseCommand):
    help = ("Tạo mã truy cập API cho một tài khoản và in mã ra (chỉ hiện một lần; hệ thống chỉ lưu bản băm "
            "SHA-256). Máy khách gửi mã trong tiêu đề «Authorization: Bearer <mã>».")

    def add_arguments(self, parser):
        parser.add_argument("username", help="tên đăng nhập của tài khoản dùng mã")
        parser.add_argument("name", help="tên gợi nhớ của mã, ví dụ «Hệ thống báo cáo của Sở»")

    def handle(self, *args, username: str, name: str, **options):
        name = name.strip()
        if not name:
            raise CommandError("Cần đặt tên cho mã (ví dụ «Hệ thống báo cáo của Sở») để sau này biết mã nào cần "
                               "thu hồi.")
        if len(name) > 100:
            raise CommandError(f"Tên mã dài {len(name)} ký tự; tối đa 100 ký tự.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Không có tài khoản «{username}». Kiểm tra tên đăng nhập (trang quản trị, mục Người "
                               "dùng) hoặc tạo tài khoản trước.")
        if not user.is_active:
            raise CommandError(f"Tài khoản «{username}» đang bị khóa; mở khóa trước khi tạo mã.")
        row, token = ApiToken.issue(user, name)
        record("create", row, after={"user": username, "name": name, "prefix": row.prefix},
               note="Tạo mã truy cập API")
        self.stderr.write(f"Đã tạo mã truy cập API «{name}» cho {username} (đầu mã {row.prefix}…). Mã chỉ hiện một lần "
                          "dưới đây; lưu lại an toàn. Gửi kèm yêu cầu: «Authorization: Bearer <mã>». Thu hồi tại "
                          "trang quản trị, mục «Mã truy cập API».")
        self.stdout.write(token)
