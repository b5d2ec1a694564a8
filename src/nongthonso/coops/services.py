"""The writes of the co-operative registry: co-operatives, their manager accounts, officers, members, capital
movements, service use and yearly figures. Every write checks the permission again (``scope``), runs in one
transaction and is audited (``audit.services.record``); what does not fit raises ``Invalid`` (a Vietnamese message
per field), what the user may not do ``Refused``.

- An **office** with ``manage_coops`` over a co-operative's commune registers and edits it, grants its manager
  accounts, and keeps its records.
- A **co-operative manager** keeps their co-operative's officers, members, capital movements, service use and yearly
  figures, and edits its contacts — never its commune, registration code or managers.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import DecimalField, Model, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from nongthonso.accounts.services import can, restrict, scope_paths, under, unit_phrase
from nongthonso.audit.services import record
from nongthonso.core.dates import default_as_of
from nongthonso.core.errors import Invalid, Refused
from nongthonso.core.text import format_date
from nongthonso.units.models import Unit
from nongthonso.units.services import predecessors_of

from . import scope
from .apps import MANAGE
from .models import Contribution, Cooperative, Member, MemberStatus

COMMUNE_LEVEL = "xa"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,29}$")
# what a co-operative's manager may change of its identity (the office keeps the rest)
MANAGER_FIELDS = frozenset({"model", "address", "phone", "email", "tax_code", "charter_capital"})
COOP_FIELDS = ("name", "registration_code", "tax_code", "legal_form", "sector", "model", "established_on", "address",
               "phone", "email", "charter_capital", "ceased_on")

__all__ = ["Invalid", "Refused", "create_cooperative", "is_office", "may_add", "may_keep", "save_record",
           "set_managers", "update_cooperative"]


# --- reading --------------------------------------------------------------------------------------------------------

def within_unit(rows: QuerySet, code: str, field: str = "unit") -> QuerySet:
    """The rows whose ``field`` lies in the unit of GSO ``code`` — any version of it and the units its versions were
    formed from (a merged commune's co-operatives registered in its former communes), with what lies below them."""
    versions = list(Unit.objects.filter(code=code))
    paths = {u.path for u in versions} | {p.path for u in versions for p in predecessors_of(u)}
    return rows.filter(under(paths, f"{field}__path"))


def capital_of() -> Coalesce:
    """A member's capital: the sum of its capital movements (0 without any), for ``annotate``."""
    total = (Contribution.objects.filter(member=OuterRef("pk")).order_by().values("member")
             .annotate(s=Sum("amount")).values("s"))
    return Coalesce(Subquery(total), Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=0)))


def coop_capital() -> Coalesce:
    """A co-operative's members' capital: the sum of its members' capital movements, for ``annotate``."""
    total = (Contribution.objects.filter(member__cooperative=OuterRef("pk")).order_by()
             .values("member__cooperative").annotate(s=Sum("amount")).values("s"))
    return Coalesce(Subquery(total), Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=0)))


def _plain(value: Any) -> Any:
    """A value as the audit log keeps it (dates ISO, amounts as text)."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def snapshot(obj: Model) -> dict:
    """The concrete fields of a row, ready for the audit log."""
    return {f.attname: _plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields
            if f.attname not in ("id", "search", "sort_key")}


def record_change(obj, before: dict, after: dict, user, note: str = "") -> bool:
    keys = [k for k in after if before.get(k) != after.get(k)]
    if keys:
        record("update", obj, before={k: before.get(k) for k in keys}, after={k: after[k] for k in keys}, user=user,
               note=note)
    return bool(keys)


# --- who may ---------------------------------------------------------------------------------------------------------

def may_add(user) -> bool:
    """Whether ``user`` registers co-operatives somewhere (an office with ``manage_coops``)."""
    return scope_paths(user, MANAGE) != []


def is_office(user, coop: Cooperative) -> bool:
    """Whether ``user`` acts as the state's office for ``coop`` (its commune in their ``manage_coops`` scope)."""
    return can(user, MANAGE, coop.unit)


def may_keep(user, coop: Cooperative) -> bool:
    """Whether ``user`` keeps ``coop``'s records (its office or its manager)."""
    return scope.managed(user).filter(pk=coop.pk).exists()


def managed_communes(user) -> QuerySet[Unit]:
    return restrict(Unit.objects.valid_on(default_as_of()).at_level(COMMUNE_LEVEL), user, MANAGE, path_field="path")


def commune(code: Any, field: str, user=None) -> Unit:
    """The commune of GSO ``code`` in force today — one ``user`` manages co-operatives of, when given."""
    on = default_as_of()
    code = str(code or "").strip()[:20]
    if not code:
        raise Invalid({field: "Nhập mã GSO của xã, phường (5 chữ số, ví dụ 05845), hoặc bấm «tìm mã theo tên»."})
    unit = Unit.objects.valid_on(on).at_level(COMMUNE_LEVEL).filter(code=code).first()
    if unit is None:
        raise Invalid({field: f"Không có xã, phường mã «{code}» còn hiệu lực ngày {format_date(on)}. Kiểm tra mã GSO "
                              "theo địa giới hiện hành."})
    if user is not None and not can(user, MANAGE, unit):
        raise Invalid({field: f"{unit.name} ({code}) nằm ngoài phạm vi bạn được quản lý hợp tác xã. Chọn xã, phường "
                              "trong phạm vi của bạn."})
    return unit


# --- co-operatives ---------------------------------------------------------------------------------------------------

def _coop_values(data: dict, errors: dict[str, str], current: Cooperative | None = None) -> dict:
    values = {k: data[k] for k in COOP_FIELDS if k in data}
    for key in ("name", "registration_code", "tax_code", "model", "address", "phone", "email"):
        if key in values:
            values[key] = str(values[key] or "").strip()
    if "name" in values and not values["name"]:
        errors["name"] = "Nhập tên hợp tác xã, ví dụ «Hợp tác xã chè La Bằng»."
    code = values.get("registration_code")
    if code is not None:
        if not CODE.fullmatch(code):
            errors["registration_code"] = ("Mã số hợp tác xã gồm chữ và số (tối đa 30 ký tự, không dấu cách), ví dụ "
                                           "4607000123.")
        elif Cooperative.objects.filter(registration_code=code).exclude(pk=getattr(current, "pk", None)).exists():
            errors["registration_code"] = (f"Mã số «{code}» đã là của hợp tác xã khác. Kiểm tra lại giấy chứng nhận "
                                           "đăng ký hợp tác xã.")
    established, ceased = values.get("established_on"), values.get("ceased_on")
    if established and established > default_as_of():
        errors["established_on"] = "Ngày thành lập không được sau hôm nay."
    if established and ceased and ceased < established:
        errors["ceased_on"] = "Ngày giải thể không được trước ngày thành lập."
    return values


@transaction.atomic
def create_cooperative(user, data: dict, *, synthetic: bool = False) -> Cooperative:
    if not may_add(user):
        raise Refused("Chỉ Văn phòng Điều phối NTM và cán bộ xã được giao quản lý hợp tác xã mới đăng ký được hợp tác "
                      "xã vào danh sách.")
    errors: dict[str, str] = {}
    values = _coop_values(data, errors)
    try:
        values["unit"] = commune(data.get("unit"), "unit", user)
    except Invalid as invalid:
        errors.update(invalid.errors)
    if errors:
        raise Invalid(errors)
    coop = Cooperative.objects.create(synthetic=synthetic, **values)
    record("create", coop, after=snapshot(coop), user=user)
    return coop


@transaction.atomic
def update_cooperative(user, coop: Cooperative, data: dict) -> bool:
    """Save ``coop``'s fields: all for its office (a new commune: one it manages too), the contacts for its manager.
    Whether anything changed."""
    coop = Cooperative.objects.select_for_update().get(pk=coop.pk)
    if not may_keep(user, coop):
        raise Refused(f"Bạn không được sửa hợp tác xã «{coop.name}». Việc này do cán bộ {unit_phrase(coop.unit)} hoặc "
                      "Văn phòng Điều phối NTM thực hiện.")
    office = is_office(user, coop)
    given = data if office else {k: v for k, v in data.items() if k in MANAGER_FIELDS}
    errors: dict[str, str] = {}
    values = _coop_values(given, errors, coop)
    code = str(data.get("unit") or "").strip()
    if office and code and code != coop.unit.code:
        try:
            values["unit"] = commune(code, "unit", user)
        except Invalid as invalid:
            errors.update(invalid.errors)
    if errors:
        raise Invalid(errors)
    before = snapshot(coop)
    for name, value in values.items():
        setattr(coop, name, value)
    coop.save()
    return record_change(coop, before, snapshot(coop), user)


@transaction.atomic
def set_managers(user, coop: Cooperative, usernames: str) -> bool:
    """Grant ``coop``'s manager accounts (user names separated by commas, spaces or lines): its office only."""
    if not is_office(user, coop):
        raise Refused("Chỉ cán bộ quản lý hợp tác xã của xã (hoặc Văn phòng Điều phối NTM) mới giao được tài khoản "
                      f"quản lý cho «{coop.name}».")
    names = sorted({n for n in re.split(r"[\s,;]+", usernames or "") if n})
    users = list(get_user_model().objects.filter(username__in=names, is_active=True))
    missing = sorted(set(names) - {u.username for u in users})
    if missing:
        raise Invalid({"managers": f"Không có tài khoản đang hoạt động tên {', '.join(missing)}. Kiểm tra tên đăng "
                                   "nhập, hoặc đề nghị quản trị hệ thống tạo tài khoản trước."})
    before = sorted(coop.managers.values_list("username", flat=True))
    if before == names:
        return False
    coop.managers.set(users)
    record("update", coop, before={"managers": before}, after={"managers": names}, user=user,
           note="giao tài khoản quản lý hợp tác xã")
    return True


# --- the co-operative's own records ----------------------------------------------------------------------------------

def _coop_of(obj: Model) -> Cooperative:
    if isinstance(obj, Member) or hasattr(obj, "cooperative_id"):
        return obj.cooperative
    return obj.member.cooperative


@transaction.atomic
def save_record(user, obj: Model, *, note: str = "") -> bool:
    """Create or update ``obj`` — an officer, member, capital movement, service use or yearly figures, already
    validated by its form — for a co-operative ``user`` keeps; audited. Whether anything was written."""
    coop = _coop_of(obj)
    if not may_keep(user, coop):
        raise Refused(f"Bạn không được sửa hồ sơ của hợp tác xã «{coop.name}». Việc này do hợp tác xã (tài khoản quản "
                      "lý) hoặc cán bộ quản lý hợp tác xã của xã thực hiện.")
    if isinstance(obj, Member) and obj.status == MemberStatus.LEFT and obj.left_on is None:
        raise Invalid({"left_on": "Thành viên đã ra khỏi hợp tác xã: nhập ngày ra khỏi."})
    if obj.pk is None:
        obj.save()
        record("create", obj, after=snapshot(obj), user=user, note=note)
        return True
    before = snapshot(type(obj).objects.get(pk=obj.pk))
    obj.save()
    return record_change(obj, before, snapshot(obj), user, note)
