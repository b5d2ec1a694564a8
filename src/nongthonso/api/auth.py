"""Who is calling: a machine client with ``Authorization: Bearer <token>``, or a browser with its session.

- ``TokenAuth``: looks the token up by its SHA-256 (tokens are never stored). A Bearer header with a
  wrong or revoked token is refused at once (401 ``invalid_token``), even if a session cookie is sent too; an
  expired one with 401 ``token_expired``, saying when it expired and how to get a new one.
- ``SessionAuth``: the Django session of a logged-in user; unsafe methods (PUT, POST …) must carry the
  CSRF token (header ``X-CSRFToken``), as the web app's forms do (403 ``csrf_failed`` otherwise).

Both return the user; operations read it from ``request.auth``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from nongthonso.accounts.services import remember_membership_pairs, with_membership_pairs
from nongthonso.core.text import format_date

from .errors import ApiError
from .models import ApiToken, hash_token

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
_TOUCH_EVERY = dt.timedelta(minutes=5)  # last_used_at is written at most this often per token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        token = (token or "").strip()
        # the token, its user and the user's memberships in one query (a row per membership): the scope of every
        # request is then known without another round trip (accounts.services.scope_key)
        rows = (list(with_membership_pairs(ApiToken.objects.usable().select_related("user")
                                           .filter(key_hash=hash_token(token)).order_by()))
                if token else [])
        row = rows[0] if rows else None
        now = timezone.now()
        if row is not None and row.expired(now):
            expired = timezone.localtime(row.expires_at)
            raise ApiError(401, "token_expired",
                           f"Mã truy cập API «{row.name}» (đầu mã {row.prefix}…) đã hết hạn lúc {expired:%H:%M} ngày "
                           f"{format_date(expired)}. Đề nghị quản trị tạo mã mới bằng lệnh «nongthonso api_token "
                           f"{row.user.get_username()} TÊN_MÃ» (mã mới dùng được {settings.API_TOKEN_DAYS} ngày) rồi "
                           "thay mã trong máy khách.")
        if row is None:
            raise ApiError(401, "invalid_token",
                           "Mã truy cập API không đúng, đã bị thu hồi hoặc tài khoản đã bị khóa. Kiểm tra tiêu đề "
                           "«Authorization: Bearer <mã>» (mã bắt đầu bằng «nts_»), hoặc đề nghị quản trị tạo mã mới "
                           "bằng lệnh «nongthonso api_token TÊN_ĐĂNG_NHẬP TÊN_MÃ».")
        if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        remember_membership_pairs(row.user, rows)
        request.user = row.user
        return row.user


class SessionAuth(APIKeyCookie):
    """The browser's Django session; CSRF is checked for unsafe methods of logged-in users only (an anonymous
    request is simply not authenticated: 401, not a CSRF error)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        unsafe = request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False)
        if unsafe and check_csrf(request) is not None:
            raise ApiError(403, "csrf_failed",
                           "Yêu cầu ghi dữ liệu bằng phiên đăng nhập của trình duyệt phải kèm mã CSRF: gửi tiêu đề "
                           "«X-CSRFToken» với giá trị của cookie «csrftoken». Máy khách khác nên dùng mã truy cập "
                           "API (tiêu đề «Authorization: Bearer <mã>»).")
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
