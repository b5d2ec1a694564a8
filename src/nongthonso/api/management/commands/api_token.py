"""``nongthonso api_token USERNAME NAME [--days N]``: create an API token for a user and print it (the only time it is
shown; only its SHA-256 is stored). The token alone goes to standard output, the explanation — with its expiry — to
standard error, so ``TOKEN=$(nongthonso api_token vpdp.tinh "Hệ thống báo cáo")`` works.

``nongthonso api_token --list [USERNAME]``: every token (of one user), with when it was last used and when it
expires or was revoked."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nongthonso.api.models import ApiToken
from nongthonso.audit.services import record
from nongthonso.core.text import format_date

MAX_DAYS = 3650


def _when(value) -> str:
    value = timezone.localtime(value)
    return f"{value:%H:%M} {format_date(value)}"


class Command(BaseCommand):
    help = ("Tạo mã truy cập API cho một tài khoản và in mã ra (chỉ hiện một lần; hệ thống chỉ lưu bản băm "
            "SHA-256; mã có hạn dùng). Máy khách gửi mã trong tiêu đề «Authorization: Bearer <mã>». Với --list: liệt "
            "kê các mã và hạn dùng.")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="tên đăng nhập của tài khoản dùng mã")
        parser.add_argument("name", nargs="?", help="tên gợi nhớ của mã, ví dụ «Hệ thống báo cáo của Sở»")
        parser.add_argument("--days", type=int, default=None,
                            help=f"mã dùng được bao nhiêu ngày (mặc định {settings.API_TOKEN_DAYS}, tối đa {MAX_DAYS})")
        parser.add_argument("--list", action="store_true",
                            help="liệt kê các mã (của tài khoản USERNAME nếu có) với lần dùng gần nhất và hạn dùng")

    def handle(self, *args, username: str | None, name: str | None, days: int | None, list: bool, **options):
        if list:
            self._list(username)
            return
        if not username or name is None:
            raise CommandError("Cần tên đăng nhập và tên mã: nongthonso api_token TÊN_ĐĂNG_NHẬP \"TÊN MÃ\" "
                               "(hoặc --list để xem các mã đã tạo).")
        name = name.strip()
        if not name:
            raise CommandError("Cần đặt tên cho mã (ví dụ «Hệ thống báo cáo của Sở») để sau này biết mã nào cần "
                               "thu hồi.")
        if len(name) > 100:
            raise CommandError(f"Tên mã dài {len(name)} ký tự; tối đa 100 ký tự.")
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days {days}: mã dùng được từ 1 đến {MAX_DAYS} ngày.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Không có tài khoản «{username}». Kiểm tra tên đăng nhập (trang quản trị, mục Người "
                               "dùng) hoặc tạo tài khoản trước.")
        if not user.is_active:
            raise CommandError(f"Tài khoản «{username}» đang bị khóa; mở khóa trước khi tạo mã.")
        row, token = ApiToken.issue(user, name, days)
        record("create", row, after={"user": username, "name": name, "prefix": row.prefix,
                                     "expires_at": row.expires_at.isoformat()},
               note="Tạo mã truy cập API")
        self.stderr.write(f"Đã tạo mã truy cập API «{name}» cho {username} (đầu mã {row.prefix}…), dùng được đến "
                          f"{_when(row.expires_at)}. Mã chỉ hiện một lần dưới đây; lưu lại an toàn. Gửi kèm yêu cầu: "
                          "«Authorization: Bearer <mã>». Thu hồi tại trang quản trị, mục «Mã truy cập API»; trước "
                          "khi hết hạn, tạo mã mới và thay trong máy khách.")
        self.stdout.write(token)

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if username:
            tokens = tokens.filter(user__username=username)
        now = timezone.now()
        rows = [(t.user.get_username(), t.name, f"{t.prefix}…",
                 _when(t.last_used_at) if t.last_used_at else "chưa dùng", self._state(t, now)) for t in tokens]
        if not rows:
            self.stdout.write("Chưa có mã truy cập API nào" + (f" của «{username}»." if username else "."))
            return
        header = ("tài khoản", "tên mã", "đầu mã", "dùng gần nhất", "trạng thái")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
        for row in [header, *rows]:
            self.stdout.write("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]))

    @staticmethod
    def _state(token: ApiToken, now) -> str:
        if token.revoked_at:
            return f"đã thu hồi {_when(token.revoked_at)}"
        if token.expired(now):
            return f"hết hạn {_when(token.expires_at)}"
        if not token.user.is_active:
            return "tài khoản đang bị khóa"
        return f"dùng được đến {_when(token.expires_at)}"
