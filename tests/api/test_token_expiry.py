"""API tokens expire (``API_TOKEN_DAYS`` after they are issued, or ``--days``): an expired token gets a Vietnamese 401
``token_expired`` saying when and what to do; the command shows the expiry; tokens older than the migration got one."""

import datetime as dt
import importlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from nongthonso.api.models import ApiToken

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("nongthonso.api.migrations.0002_apitoken_expires_at")


def test_a_token_expires_after_the_configured_lifetime(province_user, settings):
    settings.API_TOKEN_DAYS = 30
    before = timezone.now()
    row, _ = ApiToken.issue(province_user, "báo cáo")
    assert before + dt.timedelta(days=30) <= row.expires_at <= timezone.now() + dt.timedelta(days=30)
    assert ApiToken.issue(province_user, "ngắn", days=7)[0].expires_at < row.expires_at


def test_an_expired_token_is_401_token_expired_in_vietnamese(province_user, call, assert_error):
    row, token = ApiToken.issue(province_user, "Hệ thống báo cáo của Sở")
    assert call("GET", "/api/units?limit=1", token).status_code == 200
    # when its time has passed
    ended = timezone.now() - dt.timedelta(minutes=1)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=ended, last_used_at=None)
    # then it is refused with its own code, a message naming the token, when it ended and how to get a new one
    error = assert_error(call("GET", "/api/units?limit=1", token), 401, "token_expired")
    local = timezone.localtime(ended)
    assert "«Hệ thống báo cáo của Sở»" in error["message"] and row.prefix in error["message"]
    assert f"{local:%H:%M} ngày {local.day}/{local.month}/{local.year}" in error["message"]
    assert "nongthonso api_token api.tinh" in error["message"]
    assert ApiToken.objects.get(pk=row.pk).last_used_at is None
    assert not ApiToken.objects.active().filter(pk=row.pk).exists()


def test_a_revoked_expired_token_is_just_invalid(province_user, call, assert_error):
    row, token = ApiToken.issue(province_user, "cũ")
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(days=1),
                                              revoked_at=timezone.now())
    assert_error(call("GET", "/api/units?limit=1", token), 401, "invalid_token")


def test_the_command_prints_the_expiry_and_lists_the_tokens(province_user, settings):
    err = io.StringIO()
    out = io.StringIO()
    call_command("api_token", "api.tinh", "Hệ thống báo cáo", "--days", "10", stdout=out, stderr=err)
    row = ApiToken.objects.get(user=province_user, name="Hệ thống báo cáo")
    local = timezone.localtime(row.expires_at)
    assert f"dùng được đến {local:%H:%M} {local.day}/{local.month}/{local.year}" in err.getvalue()
    assert re.fullmatch(r"nts_\S+\n", out.getvalue())
    assert dt.timedelta(days=9, hours=23) < row.expires_at - row.created_at <= dt.timedelta(days=10)
    # an expired and a revoked token beside it
    old = ApiToken.issue(province_user, "cũ")[0]
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(days=2))
    gone = ApiToken.issue(province_user, "đã thu hồi")[0]
    ApiToken.objects.filter(pk=gone.pk).update(revoked_at=timezone.now())
    listing = io.StringIO()
    call_command("api_token", "--list", "api.tinh", stdout=listing)
    lines = {line.split("  ")[1].strip(): line for line in listing.getvalue().splitlines()[1:]}
    assert "dùng được đến" in lines["Hệ thống báo cáo"] and "chưa dùng" in lines["Hệ thống báo cáo"]
    assert "hết hạn" in lines["cũ"] and "đã thu hồi" in lines["đã thu hồi"]


@pytest.mark.parametrize("days", ["0", "3651"])
def test_the_command_refuses_a_lifetime_out_of_range(province_user, days):
    with pytest.raises(CommandError, match="từ 1 đến 3650 ngày"):
        call_command("api_token", "api.tinh", "x", "--days", days, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.filter(user=province_user).exists()


def test_tokens_older_than_the_migration_get_an_expiry_with_time_to_change_them():
    migrated = timezone.now()
    lifetime = dt.timedelta(days=90)
    # a token of last week: its full lifetime
    recent = migrated - dt.timedelta(days=7)
    assert MIGRATION.first_expiry(recent, migrated, lifetime) == recent + lifetime
    # a token of two years ago: not cut off at the upgrade, but a month later
    ancient = migrated - dt.timedelta(days=730)
    assert MIGRATION.first_expiry(ancient, migrated, lifetime) == migrated + MIGRATION.GRACE
