"""Login throttling (django-axes; the limits are in settings): the Vietnamese lockout page, who is locked out, and
lifting a lockout.

After ``AXES_FAILURE_LIMIT`` wrong passwords for one user name from one address, that pair is refused until
``AXES_COOLOFF_TIME`` has passed since the last counted failure, whatever is typed — on the web login and on the
admin's. Failures while locked out are not counted, so the time the page gives does not move. A right password
before the limit, a password set through the reset mail, or the province office (accounts page) clears the count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from nongthonso.audit.services import record


@dataclass(frozen=True)
class Lockout:
    """A user name refused from one address until ``until`` (aware)."""

    username: str
    ip_address: str | None
    until: dt.datetime


def _cool_off() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(0)


def lockouts(usernames=None, now: dt.datetime | None = None) -> dict[str, Lockout]:
    """The lockouts in force (of ``usernames``; None: of everyone), in one query: for each locked user name, the one
    that ends last."""
    now = now or timezone.now()
    cool_off = _cool_off()
    attempts = AccessAttempt.objects.filter(attempt_time__gt=now - cool_off,
                                            failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if usernames is not None:
        attempts = attempts.filter(username__in=list(usernames))
    rows = attempts.values("username", "ip_address").annotate(last=Max("attempt_time")).order_by("last")
    return {row["username"]: Lockout(row["username"], row["ip_address"], row["last"] + cool_off) for row in rows}


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the page a locked-out login gets (429), in Vietnamese: when to try again, how to
    reset the password, whom to call to lift the lockout now."""
    username = get_client_username(request, credentials) or ""
    ip_address = getattr(request, "axes_ip_address", None)
    last = (AccessAttempt.objects.filter(username=username, ip_address=ip_address)
            .aggregate(last=Max("attempt_time"))["last"])
    until = timezone.localtime((last or timezone.now()) + _cool_off())
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    return render(request, "registration/locked_out.html", {
        "username": username, "until": until, "minutes": minutes,
        "failure_limit": get_failure_limit(request, credentials), "support_contact": settings.SUPPORT_CONTACT,
    }, status=settings.AXES_HTTP_RESPONSE_CODE)


def unlock(user, *, by=None, note: str = "Mở khóa đăng nhập") -> int:
    """Clear ``user``'s failed logins (every address), audited when there was any. Returns how many were cleared."""
    username = user.get_username()
    locked = lockouts([username])
    cleared = reset(username=username)
    if cleared:
        record("update", user, before={"login_locked_until": locked[username].until.isoformat()
                                       if username in locked else None},
               after={"login_locked_until": None}, user=by, note=note)
    return cleared
