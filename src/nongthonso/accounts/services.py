"""Scope: which units, and so which assessments, a user may see or act on.

Every query for dossiers goes through ``restrict`` (or ``Assessment.objects.restrict(user, action)``,
which calls it), so a view cannot forget to scope data. A membership covers its unit and everything
below it: a district office's scope is every unit whose ``path`` starts with the district's path.

- province office: the whole province — view, return, approve, record the decision, reopen;
- district office: its district — view, verify, return;
- commune officer: its commune — view, enter values, submit;
- viewer: everything in its unit, read only;
- superuser: everything (the workflow's state rules still apply).

The roles and actions, and what each role carries, are read from the registry (``core.registry``): the four roles
and eight dossier actions registered by this app, and whatever other apps register.

A membership names one unit *version*. It also covers the versions that unit succeeded by lineage (the new
province's office sees and acts on the old provinces' dossiers, a merged commune's officer on its
predecessors'), so nothing is orphaned by a reorganisation. Roles granted on a version that has ceased are listed
for the province office to grant again on the successor (``handovers``, ``hand_over``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from nongthonso.audit.services import record
from nongthonso.core import registry
from nongthonso.core.registry import role_actions
from nongthonso.units.models import Unit
from nongthonso.units.services import earlier_versions, successors_in_force

from .models import Action, Membership, Role

ACTIONS: tuple[str, ...] = tuple(Action.values)  # the actions on a dossier (this app's; others register more)
_CACHE = "_nongthonso_memberships"
_PAIRS = "_nongthonso_membership_pairs"  # (role, unit id) of each membership, read with the user (api.auth)
_ROLE, _UNIT = "_membership_role", "_membership_unit"


@dataclass(frozen=True)
class Refusal:
    """Why a user may not do something: ``code`` is "login", "role" or "scope"; ``message`` is Vietnamese."""

    code: str
    message: str


def _check_action(action: str) -> None:
    if registry.find(registry.Action, action) is None:
        raise ValueError(f"Unknown action {action!r}; use one of {', '.join(registry.codes(registry.Action))}.")


def action_label(action: str) -> str:
    return registry.get(registry.Action, action).label


def _verb(action: str) -> str:
    label = action_label(action)
    return label[0].lower() + label[1:]


def unit_phrase(unit: Unit) -> str:
    """«Huyện Đại Từ» → «huyện Đại Từ», to use inside a sentence."""
    return unit.name[:1].lower() + unit.name[1:]


def role_at(role: str, unit: Unit) -> str:
    """«Văn phòng Điều phối NTM huyện Đại Từ», «cán bộ phụ trách NTM xã Na Mao» … (a role no installed app registers
    any more, left in a membership: «vai trò «…» tại …»)."""
    entry = registry.find(registry.Role, role)
    if entry is None:
        return f"vai trò «{role}» tại {unit_phrase(unit)}"
    return entry.title.format(unit=unit_phrase(unit))


def roles_for(action: str) -> tuple[str, ...]:
    """The roles that may do ``action`` (within their units)."""
    _check_action(action)
    return tuple(role.code for role in registry.entries(registry.Role) if action in role_actions(role.code))


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def memberships(user) -> list[Membership]:
    """The user's memberships (cached on the user object for the request), each with ``covered``: the path
    prefixes it covers — its unit's and those of the versions that unit succeeded by lineage."""
    if not _active(user):
        return []
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("unit__unit_type__level"))
        earlier = earlier_versions({m.unit_id for m in cached})
        paths = dict(Unit.objects.filter(pk__in={pk for ids in earlier.values() for pk in ids})
                     .values_list("pk", "path"))
        for m in cached:
            m.covered = (m.unit.path, *sorted(paths[pk] for pk in earlier[m.unit_id]))
        setattr(user, _CACHE, cached)
    return cached


def covers(membership: Membership, unit: Unit) -> bool:
    """Whether ``membership`` reaches ``unit`` (below its unit, or below a version its unit succeeded)."""
    return any(unit.path.startswith(prefix) for prefix in membership.covered)


def forget_memberships(user) -> None:
    for name in (_CACHE, _PAIRS):
        if user is not None and hasattr(user, name):
            delattr(user, name)


def with_membership_pairs(queryset: QuerySet, user_field: str = "user") -> QuerySet:
    """``queryset`` (of rows with a user, reached through ``user_field``) with one row per membership of that user —
    one row when they have none — each carrying the membership's role and unit id: who a request comes from and
    what they may do, read in one query (a Bearer token, ``api.auth``). Hand the rows to
    ``remember_membership_pairs``. The memberships are read on every request, never kept between requests: a role
    withdrawn stops at once."""
    return queryset.annotate(**{_ROLE: F(f"{user_field}__memberships__role"),
                                _UNIT: F(f"{user_field}__memberships__unit_id")})


def remember_membership_pairs(user, rows) -> None:
    """Keep on ``user``, for the request, the (role, unit id) pairs of ``rows`` from ``with_membership_pairs``:
    ``scope_key`` then reads them instead of querying."""
    setattr(user, _PAIRS, [(getattr(r, _ROLE), getattr(r, _UNIT)) for r in rows if getattr(r, _ROLE) is not None])


def scope_paths(user, action: str) -> list[str] | None:
    """Path prefixes of the units where ``user`` may do ``action``: None means everywhere (superuser),
    an empty list nowhere. Prefixes already covered by a shorter one are dropped."""
    _check_action(action)
    if not _active(user):
        return []
    if user.is_superuser:
        return None
    paths = sorted({p for m in memberships(user) if action in role_actions(m.role) for p in m.covered}, key=len)
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def scope_key(user, action: str) -> tuple:
    """What ``scope_paths(user, action)`` is made of, read without building it: ``("*",)`` for a superuser, ``()``
    for nobody, else the (role, unit id) of each membership whose role allows ``action``. With the data revision
    (units and their lineage are revision tables) it determines the scope, so a response computed for a scope can be
    kept under this key (``api.caching``). One query without joins — none when the memberships were already read."""
    _check_action(action)
    if not _active(user):
        return ()
    if user.is_superuser:
        return ("*",)
    known = getattr(user, _CACHE, None)
    pairs = ([(m.role, m.unit_id) for m in known] if known is not None else getattr(user, _PAIRS, None))
    if pairs is None:
        pairs = Membership.objects.filter(user=user).order_by().values_list("role", "unit_id")
    return tuple(sorted((role, unit) for role, unit in pairs if action in role_actions(role)))


def restrict(queryset: QuerySet, user, action: str, *, path_field: str | None = None) -> QuerySet:
    """``queryset`` narrowed to the rows where ``user`` may do ``action``.

    Works on any model with a unit: ``path_field`` defaults to ``path`` for ``Unit`` and ``unit__path``
    for everything else. The workflow state is not considered here (see ``assessments.workflow``).
    """
    paths = scope_paths(user, action)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    if path_field is None:
        path_field = "path" if issubclass(queryset.model, Unit) else "unit__path"
    return queryset.filter(under(paths, path_field))


def visible_units(user, date: dt.date, action: str = Action.VIEW) -> QuerySet[Unit]:
    """Unit versions in force on ``date`` that ``user`` may see (or do ``action`` on)."""
    return restrict(Unit.objects.valid_on(date), user, action, path_field="path")


def acting_membership(user, action: str, unit: Unit) -> Membership | None:
    """The membership under which ``user`` may do ``action`` on ``unit`` (the closest one), if any."""
    _check_action(action)
    found = [m for m in memberships(user) if action in role_actions(m.role) and covers(m, unit)]
    return max(found, key=lambda m: (unit.path.startswith(m.unit.path), len(m.unit.path)), default=None)


def can(user, action: str, unit: Unit) -> bool:
    return refusal(user, action, unit) is None


def chain_by_level(unit: Unit) -> dict[str, Unit]:
    """The unit and its ancestors by level code: {"tinh": …, "huyen": …, "xa": …} (no "huyen" since 1/7/2025)."""
    return {u.unit_type.level.code: u for u in [*unit.ancestors(), unit]}


def actors_text(actors, unit: Unit) -> str:
    """``actors`` — (role, level code) pairs — as the offices of ``unit``'s chain that they name, in words:
    «Văn phòng Điều phối NTM huyện Đại Từ hoặc Văn phòng Điều phối NTM tỉnh Thái Nguyên»."""
    chain = chain_by_level(unit)
    names = [role_at(role, chain[level]) for role, level in actors if level in chain]
    return " hoặc ".join(dict.fromkeys(names)) or "quản trị hệ thống"


def who_may(action: str, unit: Unit) -> str:
    """Who may do ``action`` on ``unit``, in words: «Văn phòng Điều phối NTM huyện Đại Từ hoặc …»."""
    if action == Action.VIEW:
        return f"người được giao vai trò tại {unit_phrase(unit)} hoặc đơn vị cấp trên"
    return actors_text([(role, level) for role in roles_for(action)
                        for level in (registry.get(registry.Role, role).levels or ())], unit)


def refusal(user, action: str, unit: Unit) -> Refusal | None:
    """None when ``user`` may do ``action`` on ``unit``; otherwise why not, and who may."""
    _check_action(action)
    verb = _verb(action)
    if not _active(user):
        return Refusal("login", f"Bạn cần đăng nhập để {verb}.")
    if user.is_superuser or acting_membership(user, action, unit) is not None:
        return None
    who = who_may(action, unit)
    own = memberships(user)
    same_role = [m for m in own if action in role_actions(m.role)]
    if same_role:
        mine = "; ".join(role_at(m.role, m.unit) for m in same_role)
        return Refusal("scope", f"Bạn là {mine}, nên không được {verb} của {unit_phrase(unit)}. "
                                f"Việc này do {who} thực hiện.")
    if own:
        mine = "; ".join(role_at(m.role, m.unit) for m in own)
        return Refusal("role", f"Vai trò của bạn ({mine}) không được {verb}. Việc này do {who} thực hiện.")
    return Refusal("role", f"Tài khoản của bạn chưa được giao vai trò nào nên không được {verb}. Việc này do "
                           f"{who} thực hiện; đề nghị Văn phòng Điều phối NTM tỉnh giao vai trò nếu bạn cần.")


@transaction.atomic
def grant(user, role: str, unit: Unit, *, by=None, note: str = "") -> Membership:
    """Give ``user`` ``role`` over ``unit`` (idempotent, audited). Raises ValidationError (Vietnamese)
    when the unit is not at the role's level."""
    membership = Membership(user=user, role=role, unit=unit, note=note)
    membership.full_clean(validate_unique=False, validate_constraints=False)
    existing = Membership.objects.filter(user=user, role=role, unit=unit).first()
    forget_memberships(user)
    if existing is not None:
        return existing
    membership.save()
    record("create", membership, after={"user": user.get_username(), "role": role, "unit": unit.code,
                                        "unit_id": unit.pk}, user=by)
    return membership


@transaction.atomic
def revoke(user, role: str, unit: Unit, *, by=None) -> int:
    """Take ``role`` over ``unit`` away from ``user`` (audited). Returns how many memberships went."""
    removed = 0
    for membership in Membership.objects.filter(user=user, role=role, unit=unit):
        record("delete", membership, before={"user": user.get_username(), "role": role, "unit": unit.code,
                                             "unit_id": unit.pk}, user=by)
        membership.delete()
        removed += 1
    forget_memberships(user)
    return removed


# --- roles on units that ceased: hand them over to the successors ---------------------------------------------

@dataclass
class Handover:
    """A role granted on a unit version that has ceased, and the versions in force today that succeeded it at the
    same level (by lineage): where the role should be granted again. No successor at that level (a district office
    after 1/7/2025): the role can only be withdrawn."""

    membership: Membership
    successors: list[Unit]

    @property
    def ended(self) -> dt.date:
        return self.membership.unit.valid_to


def office_prefixes(user) -> set[str] | None:
    """Path prefixes of the units where ``user`` is the province office (its units and the versions they succeeded):
    where it hands roles over and manages accounts. None: everywhere (a superuser); empty: nowhere."""
    if not _active(user):
        return set()
    if user.is_superuser:
        return None
    return {p for m in memberships(user) if m.role == Role.PROVINCE_OFFICE for p in m.covered}


def within(user, action: str, field: str) -> Q | None:
    """The rows whose ``field`` (a unit path) lies in ``user``'s scope for ``action``; None: everywhere (superuser)."""
    paths = scope_paths(user, action)
    return None if paths is None else under(paths, field)


def under(prefixes, field: str = "unit__path") -> Q:
    """The rows whose ``field`` (a unit's path) starts with one of ``prefixes``; none when there is none."""
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(**{f"{field}__startswith": prefix})
    return condition


def may_hand_over(user) -> bool:
    """Whether ``user`` may hand roles over and manage accounts (a province office, or a superuser): the menu shows
    the pages to them."""
    return office_prefixes(user) != set()


def handovers(user, today: dt.date | None = None) -> list[Handover]:
    """Roles granted on unit versions that ceased before ``today``, within the units where ``user`` is the province
    office (a superuser: all), each with the successors to grant it on instead. A few queries, whatever the number
    of roles (``units.services.successors_in_force``)."""
    today = today or timezone.localdate()
    if not _active(user):
        return []
    ceased = Membership.objects.filter(unit__valid_to__lt=today).select_related("user", "unit__unit_type__level")
    prefixes = office_prefixes(user)
    if prefixes is not None:
        if not prefixes:
            return []
        ceased = ceased.filter(under(prefixes))
    rows = list(ceased.order_by("unit__sort_key", "unit__code", "user__username", "role"))
    after = successors_in_force([m.unit for m in rows], today)
    return [Handover(m, [u for u in after[m.unit_id] if u.unit_type.level_id == m.unit.unit_type.level_id])
            for m in rows]


def handover_refusal(user, membership: Membership, successor: Unit | None, today: dt.date | None = None) -> str | None:
    """Why ``user`` may not hand ``membership`` over to ``successor`` (None: withdraw it); None when they may."""
    listed = {h.membership.pk: h for h in handovers(user, today)}
    handover = listed.get(membership.pk)
    if handover is None:
        return ("Vai trò này không thuộc danh sách cần giao lại của bạn: đơn vị của nó còn hiệu lực, hoặc nằm ngoài "
                "phạm vi Văn phòng Điều phối NTM tỉnh mà bạn phụ trách.")
    if successor is not None and successor.pk not in {u.pk for u in handover.successors}:
        names = ", ".join(u.name for u in handover.successors) or "không có"
        return (f"«{successor}» không phải đơn vị kế thừa {unit_phrase(membership.unit)} (đơn vị kế thừa cùng cấp: "
                f"{names}). Chọn một đơn vị trong danh sách.")
    return None


@transaction.atomic
def hand_over(membership: Membership, successor: Unit | None, *, by=None) -> Membership | None:
    """Grant ``membership``'s role again on ``successor`` (when given), then withdraw it from the ceased unit; both
    audited. Returns the new membership (None when only withdrawn)."""
    old = membership.unit
    note = (f"Giao lại từ {old.name} ({old.code}), đơn vị hết hiệu lực ngày {old.valid_to.day}/{old.valid_to.month}/"
            f"{old.valid_to.year}")
    granted = grant(membership.user, membership.role, successor, by=by, note=note) if successor else None
    revoke(membership.user, membership.role, old, by=by)
    return granted


def granted_units(user, action: str) -> list[Unit]:
    """The units the user's roles for ``action`` are granted on (not the earlier versions they also reach through
    lineage): where a page scoped to the user starts. Empty for a superuser (everything) or a user with no role."""
    _check_action(action)
    return [m.unit for m in memberships(user) if action in role_actions(m.role)]
