"""Tokens for machine clients of the API. Only a SHA-256 of each token is stored; the token itself is
shown once, when it is created (``nongthonso api_token USERNAME NAME``)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models

TOKEN_PREFIX = "nts_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


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

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "name"]
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"

    def __str__(self):
        return f"{self.name} ({self.prefix}…) — {self.user}"

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        """Create a token for ``user``; returns the row and the token (the only time it is available)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(user=user, name=name, key_hash=hash_token(token), prefix=token[:10])
        return row, token
