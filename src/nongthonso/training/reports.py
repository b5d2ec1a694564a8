"""Training reports, counted from the raw rows (attendance, participants, bridge points, headcounts); no figure is
ever typed in.

**A course** (:func:`course_report`):

- *in person*: the distinct participants with at least one ``in_person`` attendance row; *online*: those with at
  least one ``online`` row (a person who followed one day in the room and another online is in both);
- *bridge points*: the distinct sub-points (not the main point) with online attendance at them, or reported
  ``connected`` for a session — a point that connected but whose roll was not called still took part;
- sessions by kind with the days they cover (a session over several days counts each of them once), attendance per
  session, participants by target group, by unit (the unit just below the organiser the participant's unit lies in)
  and by bridge point (registered there, attended there, capacity);
- the sentence of the province's report, «N người trực tiếp, gần M học viên tại hơn K điểm cầu trực tuyến»
  (:func:`report_sentence`), with the rounding rule of :func:`approximate`.

**Coverage** (:func:`coverage`): per unit and target group, the people trained against the headcount of that unit,
group and year (``Headcount``), and the share against the target (``CoverageTarget``).

- *A person* is identified across courses by e-mail (case-insensitive), else by phone (digits; +84 read as 0), else
  by name (diacritics, case and spacing folded) with unit: the same official trained in two courses counts once. A
  participant whose personal data was erased (Decree 13/2023/NĐ-CP) can no longer be matched, and counts as a
  person of their own.
- *Trained*: at least one attendance row (in person or online) at a session that starts within the target's period,
  up to the end of the year asked for (the whole 2021-2025 target counts what was done from 2021 to that year);
  for a group without a target, within the year.
- *Which target*: the group's own, else — for a group of grassroots cadres, or of full-time NTM staff — the target
  of that kind of cadre (QĐ 3360: 100% of full-time NTM staff, ≥ 80% of grassroots cadres), a
  :class:`CategoryRow` adding up the groups it covers.
- *Where*: a trained person counts for the headcount of the deepest unit above their own unit (the unit version
  recorded on the participant) that has a headcount of their group that year; one with none is counted apart
  (``unassigned``), so that the province sees whose headcount is missing. The table's rows are the units just below
  the unit asked for, each adding up what lies below it; only headcounts within the user's scope are read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from nongthonso.accounts.services import granted_units, scope_paths, under
from nongthonso.core.text import fold, format_date, format_number
from nongthonso.units.models import Unit
from nongthonso.units.services import UnitNotFound

from .apps import ORGANISE, VIEW
from .models import (
    Attendance,
    AttendanceMode,
    BridgePoint,
    ConnectionStatus,
    Course,
    CoverageTarget,
    Headcount,
    Participant,
    Session,
    SessionKind,
    TargetGroup,
)

ONLINE, IN_PERSON = AttendanceMode.ONLINE, AttendanceMode.IN_PERSON
NEAR_BELOW = 5  # «gần X»: at most 5% below the round figure X
MORE_ABOVE = 10  # «hơn X»: at most 10% above the round figure X
NO_GROUP = "Chưa xác định nhóm đối tượng"
NO_UNIT = "Chưa ghi đơn vị công tác"


# --- the sentence -------------------------------------------------------------------------------------------------

def approximate(n: int) -> str:
    """``n`` as a report's sentence gives it: near a round figure, the round figure.

    The round figures of ``n`` are the multiples of the power of ten just below it (of 10 for 10-99, of 100 for
    100-999, of 1,000 for 1,000-9,999 …). «gần X» when ``n`` is below the next round figure X by at most 5% of X
    (987 → «gần 1.000», 950 → «gần 1.000», 949 → not «gần»); «hơn X» when ``n`` is above the round figure X below it
    by at most 10% of X (53 → «hơn 50», 55 → «hơn 50», 56 → 56); otherwise, and for a round figure itself or a
    number below 10, the exact figure (1.000, 56, 7).
    """
    if n < 10:
        return format_number(n)
    step = 10 ** (len(str(n)) - 1)
    above = -(-n // step) * step
    if above != n and n * 100 >= above * (100 - NEAR_BELOW):
        return f"gần {format_number(above)}"
    below = n // step * step
    if below != n and (n - below) * 100 <= below * MORE_ABOVE:
        return f"hơn {format_number(below)}"
    return format_number(n)


def report_sentence(in_person: int, online: int, points: int) -> str:
    """«180 người trực tiếp, gần 1.000 học viên tại hơn 50 điểm cầu trực tuyến»: the in-person figure exact, the
    online ones through :func:`approximate`. A course with no one online (or no one in the room) says only the
    other half; online learners followed from no sub-point are said without the points."""
    parts = []
    if in_person or not online:
        parts.append(f"{format_number(in_person)} người trực tiếp")
    if online:
        text = f"{approximate(online)} học viên"
        text += f" tại {approximate(points)} điểm cầu trực tuyến" if points else " trực tuyến"
        parts.append(text)
    return ", ".join(parts)


# --- a course -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SessionRow:
    id: int
    kind: str
    kind_label: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    days: list[dt.date]
    venue: str
    visited_sites: list[str]
    in_person: int
    online: int
    bridge_points: int  # sub-points with online attendance at this session or connected for it


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    sessions: int
    days: int


@dataclass(frozen=True)
class Tally:
    """People registered, in person and online, of a target group or a unit."""

    code: str  # the target group's or the unit's; "" for participants without one
    name: str
    registered: int
    in_person: int
    online: int


@dataclass(frozen=True)
class PointRow:
    id: int
    name: str
    is_main: bool
    host_unit_code: str
    host_unit_name: str
    level: str
    address: str
    capacity: int | None
    host_name: str
    registered: int  # participants registered at this point
    attended: int  # distinct participants with an attendance row at this point
    connected: int  # sessions for which the point reported a connection


@dataclass(frozen=True)
class CourseReport:
    code: str
    title: str
    plan: str
    organiser_code: str
    organiser_name: str  # the body that organised it («Văn phòng Điều phối NTM tỉnh …»), else the unit's name
    organiser_unit_name: str
    organiser_province: str  # the province the organiser lies in (a document's place)
    starts_on: dt.date
    ends_on: dt.date
    mode: str
    mode_label: str
    synthetic: bool
    registered: int
    in_person: int
    online: int
    bridge_points: int
    bridge_points_registered: int  # sub-points set up for the course
    days: int
    sessions_by_kind: list[KindRow]
    sessions: list[SessionRow]
    participants_by_group: list[Tally]
    participants_by_unit: list[Tally]
    by_bridge_point: list[PointRow]
    sentence: str

    def to_dict(self) -> dict:
        """The report as JSON data (``nongthonso report training --format json``, the API): dates as ISO text."""
        data = asdict(self)
        data["starts_on"], data["ends_on"] = self.starts_on.isoformat(), self.ends_on.isoformat()
        for session in data["sessions"]:
            session["starts_at"] = session["starts_at"].isoformat()
            session["ends_at"] = session["ends_at"].isoformat()
            session["days"] = [day.isoformat() for day in session["days"]]
        return data


def _days(starts_at: dt.datetime, ends_at: dt.datetime) -> list[dt.date]:
    """The local dates a session covers (one for a session within a day)."""
    first, last = timezone.localdate(starts_at), timezone.localdate(ends_at)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _mode_counts(field_name: str) -> dict[str, Count]:
    """Distinct participants in person and online, over the attendance rows reached through ``field_name``."""
    return {mode: Count(f"{field_name}participant", distinct=True, filter=Q(**{f"{field_name}mode": mode}))
            for mode in (IN_PERSON, ONLINE)}


def course_report(course: Course) -> CourseReport:
    """Every figure of ``course``'s report, from its rows (see the module)."""
    attendance = Attendance.objects.filter(session__course=course)
    in_person = attendance.filter(mode=IN_PERSON).values("participant").distinct().count()
    online = attendance.filter(mode=ONLINE).values("participant").distinct().count()

    sub_points = BridgePoint.objects.filter(course=course, is_main=False)
    # (session, sub-point) pairs: online attendance there, or a connection reported
    took_part = set(attendance.filter(mode=ONLINE, bridge_point__in=sub_points)
                    .values_list("session_id", "bridge_point_id").distinct())
    took_part |= set(sub_points.filter(connections__status=ConnectionStatus.CONNECTED)
                     .values_list("connections__session_id", "pk"))
    points = len({point for _, point in took_part})

    per_session = defaultdict(dict)
    for row in attendance.values("session_id", "mode").annotate(n=Count("participant", distinct=True)):
        per_session[row["session_id"]][row["mode"]] = row["n"]
    sessions, kind_days, kind_sessions, all_days = [], defaultdict(set), defaultdict(int), set()
    kinds = dict(SessionKind.choices)
    for s in Session.objects.filter(course=course).order_by("starts_at", "pk"):
        days = _days(s.starts_at, s.ends_at)
        kind_days[s.kind].update(days)
        kind_sessions[s.kind] += 1
        all_days.update(days)
        sessions.append(SessionRow(
            s.pk, s.kind, kinds.get(s.kind, s.kind), s.title, timezone.localtime(s.starts_at),
            timezone.localtime(s.ends_at), days, s.venue, [line.strip() for line in s.visited_sites.splitlines()
                                                            if line.strip()],
            per_session[s.pk].get(IN_PERSON, 0), per_session[s.pk].get(ONLINE, 0),
            sum(1 for session, _ in took_part if session == s.pk)))
    by_kind = [KindRow(kind, label, kind_sessions[kind], len(kind_days[kind]))
               for kind, label in SessionKind.choices if kind_sessions[kind]]

    people = Participant.objects.filter(course=course)
    groups = [Tally(r["target_group__code"] or "", r["target_group__label"] or NO_GROUP, r["registered"],
                       r[IN_PERSON], r[ONLINE])
              for r in people.values("target_group__code", "target_group__label", "target_group__order")
              .annotate(registered=Count("pk", distinct=True), **_mode_counts("attendance__"))
              .order_by("target_group__order", "target_group__code")]
    groups.sort(key=lambda g: g.code == "")  # those without a group last

    return CourseReport(
        code=course.code, title=course.title, plan=course.plan, organiser_code=course.organiser.code,
        organiser_name=course.organiser_name or course.organiser.name, organiser_unit_name=course.organiser.name,
        organiser_province=province_of(course.organiser).name, starts_on=course.starts_on,
        ends_on=course.ends_on, mode=course.mode, mode_label=course.get_mode_display(), synthetic=course.synthetic,
        registered=people.count(), in_person=in_person, online=online, bridge_points=points,
        bridge_points_registered=sub_points.count(), days=len(all_days), sessions_by_kind=by_kind,
        sessions=sessions, participants_by_group=groups, participants_by_unit=_by_unit(course, people),
        by_bridge_point=_by_point(course), sentence=report_sentence(in_person, online, points))


def province_of(unit: Unit) -> Unit:
    """The top of ``unit``'s tree (its province), or ``unit`` itself."""
    return (unit.ancestors() or [unit])[0]


def _child_id(path: str, root_path: str) -> int | None:
    """The id of the unit just below ``root_path`` on ``path`` (``path`` itself when it is that unit); None when
    ``path`` does not lie under ``root_path`` or is it."""
    if not path.startswith(root_path) or path == root_path:
        return None
    return int(path[len(root_path):].split("/", 1)[0])


def _by_unit(course: Course, people: QuerySet[Participant]) -> list[Tally]:
    """Participants by the unit just below the organiser their unit lies in (the organiser's own staff under the
    organiser; a unit elsewhere under itself), the organiser first, then in Vietnamese order."""
    root = course.organiser
    totals: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in (people.values("unit_id", "unit__path")
              .annotate(registered=Count("pk", distinct=True), **_mode_counts("attendance__"))):
        if r["unit_id"] is None:
            key = None
        elif r["unit__path"] == root.path:
            key = root.pk
        else:
            key = _child_id(r["unit__path"], root.path) or r["unit_id"]
        for i, name in enumerate(("registered", IN_PERSON, ONLINE)):
            totals[key][i] += r[name]
    units = Unit.objects.in_bulk([key for key in totals if key is not None])
    order = sorted((key for key in totals if key is not None), key=lambda k: (k != root.pk, units[k].sort_key))
    rows = [Tally(units[key].code, units[key].name, *totals[key]) for key in order]
    if None in totals:
        rows.append(Tally("", NO_UNIT, *totals[None]))
    return rows


def _by_point(course: Course) -> list[PointRow]:
    points = (BridgePoint.objects.filter(course=course).select_related("host_unit__unit_type__level")
              .annotate(registered=Count("participants", distinct=True),
                        attended=Count("attendance__participant", distinct=True),
                        connected=Count("connections", distinct=True,
                                        filter=Q(connections__status=ConnectionStatus.CONNECTED))))
    return [PointRow(p.pk, p.name, p.is_main, p.host_unit.code, p.host_unit.name, p.host_unit.unit_type.level.name,
                     p.address, p.capacity, p.host_name, p.registered, p.attended, p.connected) for p in points]


# --- coverage -----------------------------------------------------------------------------------------------------

_NOT_DIGIT = re.compile(r"\D")


def person_key(email: str, phone: str, full_name: str, unit_id: int | None, pk: int, erased: bool) -> str:
    """Who a participant row is, across courses (see the module): e-mail, else phone, else name and unit."""
    if erased:
        return f"erased:{pk}"
    email = email.strip().lower()
    if email:
        return f"email:{email}"
    digits = _NOT_DIGIT.sub("", phone)
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    if digits:
        return f"phone:{digits}"
    return f"name:{' '.join(fold(full_name).split())}|{unit_id or ''}"


@dataclass(frozen=True)
class TargetRef:
    group_code: str  # the target group the target is set for
    group_label: str
    share: float
    period_start: dt.date
    period_end: dt.date
    source: str
    provenance: str

    @property
    def text(self) -> str:
        return (f"{format_number(self.share)}% ({self.group_label}, {format_date(self.period_start)} – "
                f"{format_date(self.period_end)})")


@dataclass(frozen=True)
class CoverageRow:
    unit_code: str
    unit_name: str
    drill: bool  # whether the unit has headcounts below it (its own table)
    group_code: str
    group_label: str
    headcount: int
    trained: int
    share: float | None
    target: TargetRef | None
    met: bool | None


@dataclass(frozen=True)
class CategoryRow:
    """A target and what it covers: its own group and the groups of its kind of cadre without a target of their
    own, added up over the unit asked for."""

    target: TargetRef
    groups: list[str]
    headcount: int
    trained: int
    share: float | None
    met: bool | None


@dataclass(frozen=True)
class Coverage:
    unit_code: str
    unit_name: str
    province_name: str
    year: int
    rows: list[CoverageRow]
    totals: list[CoverageRow]  # per target group, over the unit asked for
    categories: list[CategoryRow]
    unassigned: dict[str, int] = field(default_factory=dict)  # group label → people trained with no headcount

    def to_dict(self) -> dict:
        return asdict(self)


class OutOfScope(LookupError):
    """The unit asked for lies outside the user's scope; the message (Vietnamese) says so."""


def reading_paths(user) -> list[str] | None:
    """Path prefixes of the units whose training figures ``user`` may read (None: everywhere; ``user`` None: the
    command line, everywhere): those of their view and organise roles."""
    if user is None:
        return None
    view, organise = scope_paths(user, VIEW), scope_paths(user, ORGANISE)
    if view is None or organise is None:
        return None
    return sorted(set(view) | set(organise), key=len)


def default_unit(user) -> str:
    """The unit a coverage page opens on: the highest unit of the user's training roles, else the home province."""
    units = [] if user is None else granted_units(user, VIEW) + granted_units(user, ORGANISE)
    return min(units, key=lambda u: len(u.path)).code if units else settings.HOME_PROVINCE


def unit_during(code: str, year: int) -> Unit:
    """The version of ``code`` in force during ``year`` (the latest when several were). Raises UnitNotFound."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    unit = (Unit.objects.filter(code=code, valid_from__lte=end)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start)).order_by("-valid_from").first())
    if unit is None:
        raise UnitNotFound(f"Không có đơn vị mã «{code}» có hiệu lực trong năm {year}. Kiểm tra mã GSO hoặc năm.")
    return unit


def headcount_years(user) -> list[int]:
    """The years with headcounts ``user`` may read, latest first."""
    rows = Headcount.objects.all()
    paths = reading_paths(user)
    if paths is not None:
        rows = rows.filter(under(paths, "unit__path"))
    return sorted(set(rows.values_list("year", flat=True)), reverse=True)


def _targets(year: int) -> dict[int, TargetRef]:
    """The target of each target group for ``year``: its own (the latest period), else its kind of cadre's."""
    found = (CoverageTarget.objects.filter(period_start__year__lte=year, period_end__year__gte=year)
             .select_related("target_group").order_by("target_group__order", "-period_start"))
    own: dict[int, TargetRef] = {}
    for t in found:
        own.setdefault(t.target_group_id, TargetRef(
            t.target_group.code, t.target_group.label, float(t.share), t.period_start, t.period_end, t.source,
            t.provenance))
    with_target = list(TargetGroup.objects.filter(pk__in=own).order_by("order", "code"))
    kinds = {flag: next((own[g.pk] for g in with_target if getattr(g, flag)), None)
             for flag in ("full_time_ntm", "grassroots")}
    applying = dict(own)
    for group in TargetGroup.objects.exclude(pk__in=own):
        for flag in ("full_time_ntm", "grassroots"):
            if getattr(group, flag) and kinds[flag] is not None:
                applying[group.pk] = kinds[flag]
                break
    return applying


def _window(target: TargetRef | None, year: int) -> tuple[dt.datetime, dt.datetime]:
    """The instants a session must start between for its attendance to count as trained for ``year``."""
    start = target.period_start if target else dt.date(year, 1, 1)
    end = min(target.period_end, dt.date(year, 12, 31)) if target else dt.date(year, 12, 31)
    zone = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, zone),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, zone))


def _share(trained: int, headcount: int) -> float | None:
    return round(trained * 100 / headcount, 1) if headcount else None


def _met(share: float | None, target: TargetRef | None) -> bool | None:
    if share is None or target is None:
        return None
    return Decimal(str(share)) >= Decimal(str(target.share))


def trained_people(group: TargetGroup, target: TargetRef | None, year: int, root_path: str,
                   paths: list[str] | None) -> list[tuple[str, str]]:
    """(person key, unit path) of each participant row of ``group`` trained for ``year`` (see the module) whose unit
    lies under the path ``root_path`` and within ``paths`` (None: anywhere)."""
    start, end = _window(target, year)
    rows = (Participant.objects.order_by().filter(target_group=group, unit__path__startswith=root_path,
                                       attendance__session__starts_at__gte=start,
                                       attendance__session__starts_at__lt=end).distinct())
    if paths is not None:
        rows = rows.filter(under(paths, "unit__path"))
    return [(person_key(email, phone, name, unit_id, pk, erased is not None), path)
            for pk, email, phone, name, unit_id, path, erased in rows.values_list(
                "pk", "email", "phone", "full_name", "unit_id", "unit__path", "erased_at")]


def coverage(code: str, year: int, user=None) -> Coverage:
    """The coverage of the unit ``code`` (its version in force during ``year``) in ``year``, as ``user`` may read it
    (None: the command line, everything). Raises UnitNotFound, OutOfScope."""
    root = unit_during(code, year)
    paths = reading_paths(user)
    if paths is not None and not any(root.path.startswith(p) for p in paths):
        raise OutOfScope(f"Đơn vị mã «{code}» ({root.name}) nằm ngoài phạm vi được giao của bạn. Chọn một đơn vị "
                         "thuộc phạm vi vai trò tập huấn hoặc vai trò xem của bạn.")
    headcounts = Headcount.objects.filter(year=year, unit__path__startswith=root.path).select_related(
        "unit", "target_group")
    if paths is not None:
        headcounts = headcounts.filter(under(paths, "unit__path"))
    by_group: dict[int, list[Headcount]] = defaultdict(list)
    for h in headcounts:
        by_group[h.target_group_id].append(h)
    targets = _targets(year)
    groups = {g.pk: g for g in TargetGroup.objects.filter(pk__in=by_group)}

    cells: dict[tuple[int, int], tuple[int, set[str]]] = {}  # (row unit id, group id) → headcount, people
    totals, unassigned = [], {}
    keys_by_group: dict[int, set[str]] = {}
    for group_id in sorted(by_group, key=lambda pk: (groups[pk].order, groups[pk].code)):
        group, rows = groups[group_id], by_group[group_id]
        at_path = {h.unit.path: h for h in rows}
        people: dict[int, set[str]] = defaultdict(set)  # headcount id → person keys
        missing: set[str] = set()
        for key, path in trained_people(group, targets.get(group_id), year, root.path, paths):
            owner = _deepest(at_path, path)
            (people[owner.pk] if owner else missing).add(key)
        all_keys: set[str] = set()
        for h in rows:
            row_unit = root.pk if h.unit_id == root.pk else _child_id(h.unit.path, root.path)
            count, keys = cells.get((row_unit, group_id), (0, set()))
            cells[(row_unit, group_id)] = (count + h.count, keys | people[h.pk])
            all_keys |= people[h.pk]
        keys_by_group[group_id] = all_keys
        headcount = sum(h.count for h in rows)
        target = targets.get(group_id)
        share = _share(len(all_keys), headcount)
        totals.append(CoverageRow(root.code, root.name, False, group.code, group.label, headcount, len(all_keys),
                                  share, target, _met(share, target)))
        if missing:
            unassigned[group.label] = len(missing)

    units = Unit.objects.in_bulk({unit_id for unit_id, _ in cells})
    deeper = _units_with_headcounts_below(units.values(), year)
    rows = []
    for unit_id, group_id in sorted(cells, key=lambda c: (c[0] != root.pk, units[c[0]].sort_key,
                                                          groups[c[1]].order, groups[c[1]].code)):
        count, keys = cells[(unit_id, group_id)]
        unit, group, target = units[unit_id], groups[group_id], targets.get(group_id)
        share = _share(len(keys), count)
        rows.append(CoverageRow(unit.code, unit.name, unit_id != root.pk and unit_id in deeper, group.code,
                                group.label, count, len(keys), share, target, _met(share, target)))
    return Coverage(root.code, root.name, province_of(root).name, year, rows, totals,
                    _categories(targets, groups, totals, keys_by_group), unassigned)


def _deepest(at_path: dict[str, Headcount], path: str) -> Headcount | None:
    """The headcount of the deepest unit on ``path`` (a participant's unit) that has one."""
    while path:
        found = at_path.get(path)
        if found is not None:
            return found
        path = path[:path.rstrip("/").rfind("/") + 1] if path.rstrip("/") else ""
    return None


def _units_with_headcounts_below(units: Iterable[Unit], year: int) -> set[int]:
    """The ids of ``units`` with a headcount of ``year`` strictly below them (a table of their own to open)."""
    units = list(units)
    below = Headcount.objects.filter(year=year).filter(under([u.path for u in units], "unit__path"))
    paths = set(below.values_list("unit__path", flat=True))
    return {u.pk for u in units if any(p != u.path and p.startswith(u.path) for p in paths)}


def _categories(targets: dict[int, TargetRef], groups: dict[int, TargetGroup], totals: list[CoverageRow],
                keys_by_group: dict[int, set[str]]) -> list[CategoryRow]:
    """One row per target that applies to a group with headcounts: the groups it covers, added up (a person in two of
    them counts once)."""
    covered: dict[TargetRef, list[int]] = defaultdict(list)
    for group_id, target in targets.items():
        if group_id in groups:
            covered[target].append(group_id)
    by_code = {t.group_code: t for t in totals}
    rows = []
    for target, group_ids in covered.items():
        group_ids.sort(key=lambda pk: (groups[pk].order, groups[pk].code))
        headcount = sum(by_code[groups[pk].code].headcount for pk in group_ids)
        trained = len(set().union(*(keys_by_group[pk] for pk in group_ids)))
        share = _share(trained, headcount)
        rows.append(CategoryRow(target, [groups[pk].label for pk in group_ids], headcount, trained, share,
                                _met(share, target)))
    return rows


def coverage_share(group_code: str, code: str, year: int) -> tuple[int, int]:
    """(people trained, headcount) of the target group ``group_code`` over the unit ``code`` in ``year``, as
    :func:`coverage` counts them (for the smart-NTM targets). Raises UnitNotFound."""
    found = next((t for t in coverage(code, year).totals if t.group_code == group_code), None)
    return (found.trained, found.headcount) if found else (0, 0)
