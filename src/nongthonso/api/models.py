"""Tokens for machine clients of the API. Only a SHA-256 of each token is stored; the token itself is
shown once, when it is created (``nongthonso api_token USERNAME NAME``). A token expires ``API_TOKEN_DAYS`` days
after it is issued (``--days`` for another lifetime); then the client gets 401 ``token_expired`` and needs a new one."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "nts_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Not revoked, of an active user (expired or not)."""
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def active(self, now: dt.datetime | None = None):
        """Usable and not expired at ``now``."""
        return self.usable().filter(expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name="người dùng")
    name = models.CharField("tên mã", max_length=100, help_text="Máy khách dùng mã này, ví dụ «Hệ thống báo cáo sở»")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("đầu mã", max_length=12, editable=False,
                              help_text="Vài ký tự đầu của mã để nhận ra mã, không đủ để dùng.")
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    last_used_at = models.DateTimeField("lần dùng gần nhất", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("ngày thu hồi", null=True, blank=True)
    expires_at = models.DateTimeField("hết hạn", help_text="Sau thời điểm này mã không dùng được nữa; tạo mã mới.")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "name"]
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"

    def __str__(self):
        return f"{self.name} ({self.prefix}…) — {self.user}"

    def expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @classmethod
    def issue(cls, user, name: str, days: int | None = None) -> tuple["ApiToken", str]:
        """Create a token for ``user``, valid ``days`` (default ``API_TOKEN_DAYS``); returns the row and the token
        (the only time it is available)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires_at = timezone.now() + dt.timedelta(days=days or settings.API_TOKEN_DAYS)
        row = cls.objects.create(user=user, name=name, key_hash=hash_token(token), prefix=token[:10],
                                 expires_at=expires_at)
        return row, token
