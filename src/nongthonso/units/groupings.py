"""How the report tables group a root's communes — one module for the summary (its ``grouping`` key), the dashboards'
table, the alert and recognised lists, the report exports and the open data.

Nothing here names a level: a unit's place in the tree is read from its materialised path (``/province/…/unit/``).

- ``IN_FORCE`` (``"don-vi"``): a commune that sits under an intermediate unit on the date — between the top of its
  path (the province) and itself: the district of the three-tier years, to 30/6/2025 — is grouped under that unit,
  as the reports always did. This always applies where the structure has such a unit (commune groups only start in
  2026, and in those years the former district *is* the district in force).
- ``FORMER_DISTRICT`` (``"huyen-cu"``, the default for communes directly under their province — two tiers, from
  1/7/2025): the district the commune's predecessors belonged to on the eve of its creation, read from the lineage
  (the events that created the unit version, dated its ``valid_from``; a predecessor that was itself directly under
  a province is followed back to its own predecessors). A commune formed from communes of several former districts
  goes to the one that gave most predecessors (ties: Vietnamese order of the names), and its row says which other
  former districts it took part of. Rows are labelled as former units: «Huyện Đại Từ (cũ)».
- ``COMMUNE_GROUP`` (``"nhom-xa"``): the commune group in force on the date (Decision 51/2025/QĐ-TTg, dated facts
  read by ``units.groups``); communes without one in a row «Chưa xếp nhóm».

The province chooses between the last two with the setting ``NONGTHONSO_REPORT_GROUPING`` (default ``huyen-cu``);
the dashboards take ``?nhom=`` to override it. Queries: one for the intermediate units (three tiers); for the former
districts two per step back in the lineage (one step for the 2025 reorganisation) and one for the districts' names;
one for the commune groups — never one per commune.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.core.text import vi_sort_key
from nongthonso.core.vocabulary import running_name
from nongthonso.units.choices import CommuneGroup
from nongthonso.units.collation import vi_name_order
from nongthonso.units.groups import group_on, spans_of
from nongthonso.units.models import LineageEvent, Unit

IN_FORCE = "don-vi"
FORMER_DISTRICT = "huyen-cu"
COMMUNE_GROUP = "nhom-xa"
CHOICES = (FORMER_DISTRICT, COMMUNE_GROUP)  # what a province may choose (for communes directly under it)
DEFAULT = FORMER_DISTRICT
MAX_STEPS = 6  # steps back in the lineage (the 2025 reorganisation is one)

# the column header of each grouping, and the heading of its table
LABELS = {
    IN_FORCE: gettext_lazy("Đơn vị"),
    FORMER_DISTRICT: gettext_lazy("Huyện cũ (theo lịch sử đơn vị)"),
    COMMUNE_GROUP: gettext_lazy("Nhóm xã (Quyết định 51/2025/QĐ-TTg)"),
}
TITLES = {
    IN_FORCE: gettext_lazy("Kết quả theo đơn vị cấp huyện"),
    FORMER_DISTRICT: gettext_lazy("Kết quả theo huyện cũ (theo lịch sử đơn vị)"),
    COMMUNE_GROUP: gettext_lazy("Kết quả theo nhóm xã (Quyết định 51/2025/QĐ-TTg)"),
}
CHOICE_NAMES = {
    FORMER_DISTRICT: gettext_lazy("Huyện cũ (theo lịch sử đơn vị)"),
    COMMUNE_GROUP: gettext_lazy("Nhóm xã (Quyết định 51/2025/QĐ-TTg)"),
}
NO_GROUP_KEY = "chua-xep-nhom"
NO_FORMER_KEY = "chua-ro-huyen-cu"


def configured() -> str:
    """The province's grouping (setting ``NONGTHONSO_REPORT_GROUPING``, default ``huyen-cu``)."""
    value = (getattr(settings, "NONGTHONSO_REPORT_GROUPING", "") or DEFAULT).strip()
    if value not in CHOICES:
        raise ImproperlyConfigured(f"NONGTHONSO_REPORT_GROUPING={value!r}: chọn một trong {', '.join(CHOICES)}.")
    return value


def chosen(raw: str | None) -> tuple[str, str | None]:
    """The grouping asked for with ``?nhom=`` (empty: the setting's), and a message when it was unusable."""
    if not raw:
        return configured(), None
    if raw in CHOICES:
        return raw, None
    return configured(), _("Cách nhóm «%(value)s» không có; chọn một trong: %(choices)s.") % {
        "value": raw, "choices": ", ".join(f"{c} ({CHOICE_NAMES[c]})" for c in CHOICES)}


def kind_for(two_tier: bool, requested: str | None = None) -> str:
    """What a table groups by: the intermediate unit in force where there is one, else the province's choice."""
    return (requested or configured()) if two_tier else IN_FORCE


def describe(kind: str) -> dict:
    """The summary's ``grouping``: the code and its Vietnamese label (the JSON is the same in every language)."""
    from django.utils import translation

    with translation.override("vi"):
        return {"code": kind, "label": str(LABELS[kind])}


@dataclass(frozen=True)
class Group:
    """One row of a grouped table."""

    key: str  # stable: the unit's code for a district (in force or former), "nhom-1" …, NO_GROUP_KEY
    code: str  # shown: the district's GSO code, the group number, ""
    name: str  # the row's label: «Huyện Đại Từ», «Huyện Đại Từ (cũ)», «Nhóm 1 (…)», «Chưa xếp nhóm»


@dataclass
class Grouping:
    kind: str
    groups: list[Group]  # every row, in display order
    of: dict[int, Group]  # commune pk → its row
    also_from: dict[int, list[Group]] = field(default_factory=dict)  # commune pk → other former districts

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])

    @property
    def title(self) -> str:
        return str(TITLES[self.kind])

    def by_key(self, key: str) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)

    def notes(self, communes: Iterable[Unit]) -> dict[str, str]:
        """{row key: note} for the rows holding a commune formed from communes of several former districts:
        «Xã Đại Phúc gồm một phần từ thành phố Thái Nguyên (cũ), thành phố Phổ Yên (cũ)» (communes in Vietnamese
        order, the other former districts by the number of communes they gave, then in Vietnamese order)."""
        parts: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for c in communes:
            others = self.also_from.get(c.pk)
            row = self.of.get(c.pk)
            if not others or row is None:
                continue
            text = _("%(commune)s gồm một phần từ %(districts)s") % {
                "commune": c.name, "districts": ", ".join(running_name(o.name) for o in others)}
            parts[row.key].append((vi_sort_key(c.name), text))
        return {key: "; ".join(text for _key, text in sorted(found)) for key, found in parts.items()}


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def intermediate_id(unit: Unit) -> int | None:
    """The unit between the top of ``unit``'s path (its province) and itself, if any (the district of the
    three-tier years); None for a unit directly under its province."""
    return intermediate_id_of_path(unit.path)


def intermediate_id_of_path(path: str) -> int | None:
    ids = _path_ids(path)
    return ids[1] if len(ids) >= 3 else None


def resolve(communes: Sequence[Unit], root: Unit, as_of: dt.date, requested: str | None = None) -> Grouping:
    """The grouping of ``communes`` (those of ``root`` on ``as_of``; with ``path``) — see the module's docstring."""
    choice = requested or configured()
    groups: list[Group] = []
    of: dict[int, Group] = {}
    in_force = {c.pk: i for c in communes if (i := intermediate_id(c)) is not None}
    if in_force:
        # every unit of the intermediate units' levels under root (a district with no rural commune included), as
        # the district table always listed them
        levels = Unit.objects.filter(pk__in=set(in_force.values())).values("unit_type__level")
        units = list(Unit.objects.valid_on(as_of).filter(path__startswith=root.path, unit_type__level__in=levels)
                     .only("id", "code", "name", "sort_key").order_by(vi_name_order(), "code"))
        rows = {u.pk: Group(u.code, u.code, u.name) for u in units}
        groups += rows.values()
        for pk, unit_id in in_force.items():
            if unit_id in rows:
                of[pk] = rows[unit_id]
    rest = [c for c in communes if c.pk not in of]
    if not rest:
        return Grouping(IN_FORCE, groups, of)
    if choice == COMMUNE_GROUP:
        (more, found), also = _by_commune_group(rest, as_of), {}
    else:
        more, found, also = _by_former_district(rest)
    return Grouping(choice, groups + more, {**of, **found}, also)


def _by_commune_group(communes: Sequence[Unit], as_of: dt.date) -> tuple[list[Group], dict[int, Group]]:
    spans = spans_of(c.pk for c in communes)
    rows = {g.value: Group(f"nhom-{g.value}", str(g.value), str(g.label)) for g in CommuneGroup}
    none = Group(NO_GROUP_KEY, "", str(_("Chưa xếp nhóm")))
    found = {}
    for c in communes:
        group = group_on(spans.get(c.pk, ()), as_of)
        found[c.pk] = rows.get(group, none)
    listed = list(rows.values()) + ([none] if none in found.values() else [])
    return listed, found


def former_districts(units: Iterable[Unit]) -> dict[int, Counter]:
    """{unit pk: Counter(former district pk → predecessors it gave)} for units created by lineage events: each
    predecessor of the event that created the unit version (dated its ``valid_from``) counts for the unit above it
    then (the district); a predecessor directly under its province is followed back in turn. Two queries per step."""
    found: dict[int, Counter] = {u.pk: Counter() for u in units}
    frontier: dict[int, set[int]] = {pk: {pk} for pk in found}  # unit whose predecessors to read → origins
    for _step in range(MAX_STEPS):
        if not frontier:
            break
        created: dict[int, set[int]] = defaultdict(set)  # event → the units of the frontier it created
        links = LineageEvent.successors.through.objects.filter(
            unit_id__in=list(frontier), lineageevent__effective_date=F("unit__valid_from"))
        for event_id, unit_id in links.values_list("lineageevent_id", "unit_id"):
            created[event_id].add(unit_id)
        if not created:
            break
        following: dict[int, set[int]] = defaultdict(set)
        for event_id, pred_id, path in (LineageEvent.predecessors.through.objects
                                        .filter(lineageevent_id__in=list(created))
                                        .values_list("lineageevent_id", "unit_id", "unit__path")):
            origins = set().union(*(frontier[s] for s in created[event_id]))
            above = intermediate_id_of_path(path)
            if above is not None:
                for origin in origins:
                    found[origin][above] += 1
            elif len(_path_ids(path)) >= 2:  # directly under a province: one step further back
                following[pred_id] |= origins
        frontier = following
    return found


def _by_former_district(communes: Sequence[Unit]) -> tuple[list[Group], dict[int, Group], dict[int, list[Group]]]:
    counts = former_districts(communes)
    ids = {pk for counter in counts.values() for pk in counter}
    info = {pk: (code, name, key) for pk, code, name, key in
            Unit.objects.filter(pk__in=ids).values_list("pk", "code", "name", "sort_key")}
    rows: dict[str, Group] = {}
    order: dict[str, tuple] = {}

    def row(pk: int) -> Group:
        code, name, key = info[pk]
        if code not in rows:
            rows[code] = Group(code, code, _("%(name)s (cũ)") % {"name": name})
            order[code] = (key, code)
        return rows[code]

    none = Group(NO_FORMER_KEY, "", str(_("Chưa xác định được huyện cũ")))
    found: dict[int, Group] = {}
    also: dict[int, list[Group]] = {}
    for c in communes:
        counter = counts.get(c.pk)
        if not counter:
            found[c.pk] = none
            continue
        # by code: several versions of one district count as one
        by_code: Counter = Counter()
        for pk, n in counter.items():
            by_code[info[pk][0]] += n
        pks = {info[pk][0]: pk for pk in counter}
        ranked = sorted(by_code, key=lambda code: (-by_code[code], info[pks[code]][2], code))
        found[c.pk] = row(pks[ranked[0]])
        if len(ranked) > 1:
            also[c.pk] = [row(pks[code]) for code in ranked[1:]]
    # the rows of the districts some commune belongs to (a district that only gave part of a commune is named in
    # that commune's note, not listed with no commune)
    main = {g.key for g in found.values()}
    listed = sorted((g for g in rows.values() if g.key in main), key=lambda g: order[g.key])
    if none in found.values():
        listed.append(none)
    return listed, found, also
