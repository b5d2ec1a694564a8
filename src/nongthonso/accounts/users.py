"""Accounts the province office manages (the «Tài khoản» page): whom it may manage, and every change, audited.

Scope is decided here, in querysets, never in a template:

- an office (a «Văn phòng Điều phối NTM tỉnh» membership) manages the accounts holding a role on a unit its
  membership covers (``services.office_prefixes``: its province, everything below, the versions it succeeded); a
  superuser, every account;
- system administrators (staff, superusers) are managed in /admin/ only, and nobody changes their own account here;
- roles (every registered role: ``core.registry``) are granted on units in force today inside the office's scope, at
  the role's level;
  roles held elsewhere are neither shown nor touched;
- what concerns the whole account — disable, enable, name and e-mail, the password mail, lifting a login lockout —
  is refused when the account also holds a role outside the office's scope (another office manages it too);
- an account keeps at least one role: the last one is not revoked (the account would leave every office's list);
  disable the account instead.

Refusals raise ``Refused`` with a Vietnamese message saying what to do instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Value
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from nongthonso.audit.services import record
from nongthonso.core import registry
from nongthonso.units.models import Unit

from . import throttling
from .models import Membership, Role
from .services import grant, memberships, office_prefixes, revoke, role_at, under, unit_phrase

User = get_user_model()
# The page edits the name whole, in Vietnamese order («Hoàng Thị Hoa»), kept in first_name; an account made
# elsewhere may have it split, first then last, as Django's get_full_name joins them.
PROFILE_FIELDS = ("first_name", "last_name", "email")


class Refused(Exception):
    """The office may not do this; ``message`` (Vietnamese) says why and what to do instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def may_manage(actor) -> bool:
    """Whether ``actor`` manages accounts at all (a province office, or a superuser)."""
    return office_prefixes(actor) != set()


def _scope(actor) -> set[str] | None:
    """``office_prefixes``, refused when empty (not a province office)."""
    prefixes = office_prefixes(actor)
    if prefixes == set():
        raise Refused("Chỉ Văn phòng Điều phối NTM tỉnh (hoặc quản trị hệ thống) quản lý tài khoản và giao vai trò.")
    return prefixes


def _memberships_in(prefixes: set[str] | None) -> QuerySet[Membership]:
    return Membership.objects.all() if prefixes is None else Membership.objects.filter(under(prefixes))


def roles_in_scope(actor) -> QuerySet[Membership]:
    """The memberships on units ``actor`` manages (every one for a superuser; none for others)."""
    prefixes = office_prefixes(actor)
    return Membership.objects.none() if prefixes == set() else _memberships_in(prefixes)


def managed_users(actor) -> QuerySet:
    """The accounts ``actor`` manages (see the module's rules), each annotated with ``shared``: it also holds a role
    outside ``actor``'s scope. Nothing for an actor who is not a province office."""
    prefixes = office_prefixes(actor)
    users = User.objects.filter(is_staff=False, is_superuser=False)
    if prefixes is None:
        return users.annotate(shared=Value(False))
    if not prefixes:
        return users.none()
    inside = Membership.objects.filter(under(prefixes))
    outside = Membership.objects.exclude(under(prefixes))
    return (users.filter(Exists(inside.filter(user=OuterRef("pk"))))
            .annotate(shared=Exists(outside.filter(user=OuterRef("pk")))))


def grantable_units(actor, today: dt.date | None = None) -> QuerySet[Unit]:
    """Units in force ``today`` on which ``actor`` may grant roles, top level first, then in Vietnamese order."""
    prefixes = _scope(actor)
    units = Unit.objects.valid_on(today or timezone.localdate()).select_related("unit_type__level")
    if prefixes is not None:
        units = units.filter(under(prefixes, "path"))
    return units.order_by("unit_type__level__depth", "sort_key", "code")


@dataclass
class Account:
    """One row of the accounts page: the account, its roles in the office's scope, how many it holds elsewhere, and
    its login lockout (if any)."""

    user: object
    roles: list[Membership]
    shared: bool
    lockout: throttling.Lockout | None = None
    role_names: list[str] = field(default_factory=list)


def accounts(actor, users: QuerySet) -> list[Account]:
    """``users`` (from ``managed_users``) as page rows, in three queries whatever their number."""
    prefixes = office_prefixes(actor)
    roles = _memberships_in(prefixes).select_related("unit__unit_type__level").order_by("role", "unit__sort_key")
    users = list(users.prefetch_related(Prefetch("memberships", queryset=roles, to_attr="scoped_roles")))
    locked = throttling.lockouts([u.get_username() for u in users])
    return [Account(u, u.scoped_roles, u.shared, locked.get(u.get_username()),
                    [role_at(m.role, m.unit) for m in u.scoped_roles]) for u in users]


def account(actor, pk: int) -> Account | None:
    """One account ``actor`` manages; None when it does not manage it (the view answers 404)."""
    rows = accounts(actor, managed_users(actor).filter(pk=pk))
    return rows[0] if rows else None


def _not_self(actor, user) -> None:
    if actor.pk == user.pk:
        raise Refused("Bạn không tự thay đổi tài khoản hay vai trò của mình ở trang này; đề nghị một cán bộ khác của "
                      "Văn phòng Điều phối NTM tỉnh hoặc quản trị hệ thống.")


def _whole_account(actor, user) -> None:
    """Refuse a change to the whole account of ``user`` unless ``actor`` alone manages it."""
    _not_self(actor, user)
    if managed_users(actor).filter(pk=user.pk, shared=False).exists():
        return
    raise Refused(f"Tài khoản «{user.get_username()}» còn vai trò ở đơn vị ngoài phạm vi của bạn, nên bạn chỉ giao và "
                  "thu hồi được vai trò trong phạm vi của mình; khóa tài khoản, sửa thông tin hay gửi thư đặt mật khẩu "
                  "do quản trị hệ thống thực hiện.")


def _check_grant(actor, role: str, unit: Unit) -> None:
    if registry.find(registry.Role, role) is None:
        raise Refused(f"Không có vai trò «{role}»; chọn một vai trò trong danh sách.")
    if not grantable_units(actor).filter(pk=unit.pk).exists():
        raise Refused(f"«{unit}» không thuộc phạm vi của bạn hoặc không còn hiệu lực, nên bạn không giao được vai "
                      f"trò trên đơn vị này. Chọn một đơn vị trong danh sách (thuộc tỉnh bạn phụ trách).")
    try:
        Membership(role=role, unit=unit).clean()  # the unit's level must be the role's (its registered levels)
    except ValidationError as error:
        raise Refused(" ".join(error.messages)) from None


def _profile(user) -> dict:
    return {"username": user.get_username(), **{f: getattr(user, f) for f in PROFILE_FIELDS},
            "is_active": user.is_active}


@transaction.atomic
def create_account(actor, *, username: str, full_name: str, email: str, role: str, unit: Unit) -> User:
    """A new account with no usable password (the person sets it from the mail ``send_password_mail`` sends) and its
    first role. Audited: the account, then the role."""
    _scope(actor)
    _check_grant(actor, role, unit)
    if User.objects.filter(username=username).exists():
        raise Refused(f"Tên đăng nhập «{username}» đã có người dùng; chọn tên khác (ví dụ thêm tên xã).")
    user = User(username=username, first_name=full_name, email=email)
    user.set_unusable_password()
    user.save()
    record("create", user, after=_profile(user), user=actor, note="Tạo tài khoản (trang Tài khoản)")
    grant(user, role, unit, by=actor, note=f"Giao khi tạo tài khoản, bởi {actor.get_username()}")
    return user


@transaction.atomic
def update_profile(actor, user, *, full_name: str, email: str) -> bool:
    """Change the account's name (kept whole in ``first_name``) and e-mail; audited with before and after. Returns
    whether anything changed."""
    _whole_account(actor, user)
    before = _profile(user)
    if full_name != user.get_full_name():
        user.first_name, user.last_name = full_name, ""
    user.email = email
    if _profile(user) == before:
        return False
    user.save(update_fields=list(PROFILE_FIELDS))
    record("update", user, before=before, after=_profile(user), user=actor, note="Sửa thông tin tài khoản")
    return True


@transaction.atomic
def set_active(actor, user, active: bool) -> bool:
    """Disable (``active=False``: the person can no longer log in nor use API tokens; roles are kept) or enable the
    account; audited. Returns whether it changed."""
    _whole_account(actor, user)
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    record("update", user, before={"is_active": not active}, after={"is_active": active}, user=actor,
           note="Mở lại tài khoản" if active else "Khóa tài khoản")
    return True


def grant_role(actor, user, role: str, unit: Unit) -> Membership:
    """Grant ``role`` on ``unit`` to a managed account (``services.grant``: idempotent, audited)."""
    _scope(actor)
    _not_self(actor, user)
    _check_grant(actor, role, unit)
    return grant(user, role, unit, by=actor, note=f"Giao trên trang Tài khoản, bởi {actor.get_username()}")


@transaction.atomic
def revoke_role(actor, membership: Membership) -> None:
    """Take a role in ``actor``'s scope away (``services.revoke``, audited) — never the account's last role."""
    prefixes = _scope(actor)
    user = membership.user
    _not_self(actor, user)
    if not _memberships_in(prefixes).filter(pk=membership.pk).exists():
        raise Refused("Vai trò này gắn với đơn vị ngoài phạm vi của bạn; bạn không thu hồi được.")
    if not Membership.objects.filter(user=user).exclude(pk=membership.pk).exists():
        raise Refused(f"Đây là vai trò cuối cùng của «{user.get_username()}»: tài khoản không còn vai trò nào sẽ ra "
                      "khỏi danh sách quản lý. Giao vai trò mới trước rồi thu hồi vai trò này; nếu người này thôi làm "
                      "việc, khóa tài khoản.")
    revoke(user, membership.role, membership.unit, by=actor)


def unlock(actor, user) -> int:
    """Lift ``user``'s login lockout (``throttling.unlock``, audited). Returns how many failed attempts went."""
    _whole_account(actor, user)
    with transaction.atomic():
        return throttling.unlock(user, by=actor, note=f"Mở khóa đăng nhập, bởi {actor.get_username()}")


def password_link(request, user) -> str:
    """The absolute link at which ``user`` sets a new password (Django's reset token: valid
    ``PASSWORD_RESET_TIMEOUT``, used once, void when the password or the last login changes)."""
    path = reverse("password_reset_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                                                     "token": default_token_generator.make_token(user)})
    return request.build_absolute_uri(path)


def send_password_mail(actor, user, request, *, welcome: bool) -> None:
    """Mail ``user`` a link to set their password: a welcome for a new account, otherwise a reset the office asked
    for. Refused when the account has no e-mail address; mail errors (``OSError``, ``SMTPException``) propagate."""
    _whole_account(actor, user)
    if not user.email:
        raise Refused(f"Tài khoản «{user.get_username()}» chưa có địa chỉ thư điện tử; nhập địa chỉ (mục Thông tin tài "
                      "khoản) rồi gửi lại.")
    context = {"user": user, "link": password_link(request, user), "office": actor, "welcome": welcome,
               "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86_400), "site": request.get_host(),
               "roles": [role_at(m.role, m.unit) for m in Membership.objects.filter(user=user).select_related("unit")]}
    subject = loader.render_to_string("accounts/mail/password_subject.txt", context).strip()
    body = loader.render_to_string("accounts/mail/password_body.txt", context)
    EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()


def office_label(actor) -> str:
    """«Văn phòng Điều phối NTM tỉnh Thái Nguyên» (the offices ``actor`` is), or «quản trị hệ thống»."""
    if actor.is_superuser:
        return "quản trị hệ thống"
    return "; ".join(dict.fromkeys(f"Văn phòng Điều phối NTM {unit_phrase(m.unit)}" for m in memberships(actor)
                                   if m.role == Role.PROVINCE_OFFICE))
