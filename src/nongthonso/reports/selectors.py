"""Dashboard queries: figures for a root unit (province, district …) as of a date, computed from stored raw
data (units, decisions, registrations) and the engine's stored results (assessments).

Every function runs a bounded number of queries that does not grow with the number of communes: units,
decisions and assessments are each fetched in one query (or one per level / per year of a trend) and
combined in Python. Functions that need the same base data accept ``scope=`` (a :class:`Scope`) so a
page computes the communes, their statuses and their latest assessments once.

``published=True`` restricts every assessment-derived figure to :func:`published_assessments` — what the
public pages show. Decisions, registrations and units are public in any case.

:func:`cached` keeps a page's computed figures in Django's cache under the :func:`data_revision`, a single
cheap query whose result changes with every write, so a cached figure is never older than the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Count, F, Func, JSONField, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.assessments.latest import latest_assessments as _latest_assessments
from nongthonso.assessments.latest import latest_by_set
from nongthonso.assessments.models import Assessment
from nongthonso.core import registry
from nongthonso.criteria.choices import COMMUNE_LEVELS, IMPLIES, LEVEL_RANK, Level
from nongthonso.criteria.models import Criterion
from nongthonso.recognition.models import Decision, Registration
from nongthonso.recognition.services import Status, ntm_counts_on, statuses_on
from nongthonso.units import groupings
from nongthonso.units.collation import vi_name_order
from nongthonso.units.groupings import Group, Grouping
from nongthonso.units.models import Unit

from .alerts import alerts
from .services import Summary, commune_sets, criteria_figures, find_root, summary

# Workflow states whose figures may be shown to the public (see published_assessments).
PUBLISHED_STATES = ("approved", "recognised")

# commune levels as the pages name them (the same words as Level's labels, translatable)
LEVEL_LABELS = {
    Level.XA_NTM: gettext_lazy("Xã đạt chuẩn nông thôn mới"),
    Level.XA_NANG_CAO: gettext_lazy("Xã đạt chuẩn nông thôn mới nâng cao"),
    Level.XA_KIEU_MAU: gettext_lazy("Xã đạt chuẩn nông thôn mới kiểu mẫu"),
    Level.XA_HIEN_DAI: gettext_lazy("Xã nông thôn mới hiện đại"),
}


def levels_in_use(as_of: dt.date, period_start: dt.date | None = None, *, also: Iterable[str] = ()) -> list[str]:
    """The commune levels a page lists on ``as_of`` (``services.commune_sets``: those of a criteria set in force in
    the period, default the year so far), with ``also`` (levels the data names), in ``COMMUNE_LEVELS`` order."""
    used, _ = commune_sets(period_start or dt.date(as_of.year, 1, 1), as_of)
    wanted = set(used) | set(also)
    return [lvl for lvl in COMMUNE_LEVELS if lvl in wanted]


def level_label(level: str) -> str:
    """A commune level's name in the active language (Level's own label for any other level)."""
    return str(LEVEL_LABELS.get(level) or Level(level).label)


def published_assessments() -> QuerySet[Assessment]:
    """Assessments whose figures may be published: approved by the province or recognised by a decision.

    The one place that says what "published" means; while Assessment has no workflow ``state`` field, every
    assessment counts."""
    qs = Assessment.objects.all()
    if any(f.name == "state" for f in Assessment._meta.get_fields()):
        qs = qs.filter(state__in=PUBLISHED_STATES)
    return qs


def assessments(published: bool = False) -> QuerySet[Assessment]:
    return published_assessments() if published else Assessment.objects.all()


def latest_assessments(units: Iterable[Unit], level: str, year: int, *, published: bool = False
                       ) -> dict[int, Assessment]:
    """``assessments.latest.latest_assessments``, optionally among published assessments only."""
    return _latest_assessments(units, level, year, published_assessments() if published else None)


@dataclass
class Scope:
    """The communes under ``root`` on ``as_of`` (the root itself too when it is a commune), with their
    grouping (``reports.groupings``: the district in force, the former district, or the commune group —
    ``group_by`` chooses between the last two, default the setting's), statuses and latest NTM assessments — each
    computed once, on first use."""

    root: Unit
    as_of: dt.date
    published: bool = False
    group_by: str | None = None

    @cached_property
    def communes(self) -> list[Unit]:
        return list(Unit.objects.valid_on(self.as_of).filter(path__startswith=self.root.path).rural_communes()
                    .only("id", "code", "name", "sort_key", "valid_from", "valid_to", "path", "parent_id")
                    .order_by(vi_name_order(), "code"))

    @cached_property
    def grouping(self) -> Grouping:
        return groupings.resolve(self.communes, self.root, self.as_of, self.group_by)

    @property
    def groups(self) -> list[Group]:
        return self.grouping.groups

    def group_of(self, commune: Unit) -> Group | None:
        return self.grouping.of.get(commune.pk)

    @cached_property
    def statuses(self) -> dict[int, Status]:
        return statuses_on(self.communes, self.as_of)

    @cached_property
    def latest(self) -> dict[int, Assessment]:
        return latest_assessments(self.communes, Level.XA_NTM, self.as_of.year, published=self.published)


def _scope(root: Unit, as_of: dt.date, published: bool, scope: Scope | None, group_by: str | None = None) -> Scope:
    if scope is not None:
        return scope
    return Scope(root, as_of, published, group_by)


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


# --- the table by group (district, former district, commune group) -------------------------------------------

@dataclass
class GroupRow:
    code: str
    name: str
    key: str = ""
    note: str = ""  # «gồm một phần từ …»: communes formed from communes of several former districts
    communes: int = 0
    ntm: int = 0
    advanced: int = 0
    model: int = 0
    modern: int = 0
    assessed: int = 0
    criteria_met_sum: int = 0

    @property
    def avg_criteria(self) -> float | None:
        return round(self.criteria_met_sum / self.assessed, 1) if self.assessed else None

    @property
    def ntm_pct(self) -> float | None:
        return round(100 * self.ntm / self.communes, 1) if self.communes else None


DistrictRow = GroupRow  # the name of the three-tier years


def group_table(root: Unit, as_of: dt.date, *, published: bool = False, scope: Scope | None = None,
                group_by: str | None = None) -> list[GroupRow]:
    """One row per group of the communes under ``root`` (``Scope.grouping``: the district-level units in force in
    Vietnamese order, or the former districts, or the commune groups): rural communes, how many hold NTM / advanced /
    model / modern status, average criteria met."""
    s = _scope(root, as_of, published, scope, group_by)
    notes = s.grouping.notes(s.communes)
    rows = {g.key: GroupRow(g.code, g.name, g.key, notes.get(g.key, "")) for g in s.groups}
    for commune in s.communes:
        group = s.group_of(commune)
        if group is None:
            continue
        row = rows[group.key]
        status = s.statuses[commune.pk]
        row.communes += 1
        row.ntm += status.holds(Level.XA_NTM)
        row.advanced += status.holds(Level.XA_NANG_CAO)
        row.model += status.holds(Level.XA_KIEU_MAU)
        row.modern += status.holds(Level.XA_HIEN_DAI)
        assessment = s.latest.get(commune.pk)
        if assessment is not None:
            row.assessed += 1
            row.criteria_met_sum += assessment.criteria_met
    return list(rows.values())


district_table = group_table  # the name of the three-tier years


# --- criteria met ----------------------------------------------------------------------------------------

def criteria_histogram(root: Unit, as_of: dt.date, *, published: bool = False, scope: Scope | None = None
                       ) -> list[dict]:
    """How many communes meet 0, 1, … N criteria (N: the largest number of criteria of the sets used), by
    each commune's latest NTM assessment. ``[{"criteria": n, "communes": count}, …]``."""
    s = _scope(root, as_of, published, scope)
    if not s.latest:
        return []
    counts = Counter(a.criteria_met for a in s.latest.values())
    top = max(max(a.criteria_total for a in s.latest.values()), max(counts))
    return [{"criteria": n, "communes": counts.get(n, 0)} for n in range(top + 1)]


def criterion_shares(root: Unit, as_of: dt.date, *, published: bool = False, scope: Scope | None = None
                     ) -> list[dict]:
    """For each counted criterion of the NTM criteria set most communes were assessed against, the share
    of those communes meeting it (``results["criteria"][i]["status"] == "met"``, read in the database so
    the rest of the stored results is not transferred).

    ``[{"code", "name", "met", "assessed", "share"}, …]`` in the set's order; four queries."""
    s = _scope(root, as_of, published, scope)
    if not s.latest:
        return []
    by_set = Counter(a.criteria_set_id for a in s.latest.values())
    set_id = max(by_set, key=lambda k: (by_set[k], k))
    criteria = list(Criterion.objects.filter(criteria_set_id=set_id).order_by("position")
                    .values("code", "name", "condition"))
    if not criteria:
        return []
    ids = [a.pk for a in s.latest.values() if a.criteria_set_id == set_id]
    rows = Assessment.objects.filter(pk__in=ids).order_by()  # counted: no ordering, no join of the units
    # the stored results list the criteria in the set's order; check it on one row, then read statuses only
    codes = rows.order_by("pk").values(**{f"c{i}": KT(f"results__criteria__{i}__code")
                                          for i in range(len(criteria))}).first() or {}
    aligned = [codes.get(f"c{i}") == c["code"] for i, c in enumerate(criteria)]
    met = Counter()
    assessed = 0
    for row in _criterion_statuses(rows, len(criteria)):
        assessed += 1
        for i, status in enumerate(row):
            if status == "met" and aligned[i]:
                met[i] += 1
    return [{"code": c["code"], "name": c["name"], "met": met[i], "assessed": assessed,
             "share": round(100 * met[i] / assessed, 1) if assessed else None}
            for i, c in enumerate(criteria) if not c["condition"]]


def _criterion_statuses(rows: QuerySet[Assessment], count: int) -> Iterator[Sequence[str | None]]:
    """``results["criteria"][i]["status"]`` for i < ``count`` of each of ``rows``, read in the database in one pass
    over each row's results (~10 KB), where a key transform per path reads them once per criterion: on SQLite one
    ``JSON_EXTRACT`` with every path (it returns them as a JSON array; SQLite parses the text each time); on
    PostgreSQL the criteria listed once (``jsonb_array_elements``) and their statuses gathered — each access to a
    large ``jsonb`` value fetches and decompresses it again: 19 key transforms took 12 ms for a province's 124
    dossiers. A criterion past the end of a dossier's list, or without a status, is None."""
    vendor = connections[rows.db].vendor
    if count < 2 or vendor not in ("sqlite", "postgresql"):
        yield from rows.values_list(*[KT(f"results__criteria__{i}__status") for i in range(count)])
        return
    if vendor == "sqlite":
        paths = [Value(f"$.criteria[{i}].status") for i in range(count)]
        for (text,) in rows.values_list(Func(F("results"), *paths, function="JSON_EXTRACT", output_field=TextField())):
            yield [None] * count if text is None else json.loads(text)
        return
    # each criterion's status in the list's order (null where one has none), the list read once per dossier
    statuses = Func(F("results"), output_field=JSONField(), template=(
        "(SELECT jsonb_agg(criterion -> 'status' ORDER BY position) "
        "FROM jsonb_array_elements(%(expressions)s -> 'criteria') WITH ORDINALITY AS listed(criterion, position))"))
    for (found,) in rows.values_list(statuses):
        found = list(found or [])[:count]
        yield [*found, *([None] * (count - len(found)))]


# --- trend -----------------------------------------------------------------------------------------------

def trend(root: Unit, years: Iterable[int], *, as_of: dt.date | None = None, published: bool = False
          ) -> list[dict]:
    """Per year: communes and NTM communes at the year's end (from decisions; the end is capped at
    ``as_of`` and at the end of ``root``'s validity), and the average criteria met by that year's NTM
    assessments of the communes under ``root``.

    Units are taken as recorded on the year's end; for years before ``root``'s recorded history begins,
    the communes as first recorded. Queries: 3, whatever the number of years (a few more per year after a merger,
    for the merger rule)."""
    years = sorted(set(years))
    if not years:
        return []
    ends = {}
    for year in years:
        end = dt.date(year, 12, 31)
        if as_of is not None:
            end = min(end, as_of)
        if root.valid_to is not None:
            end = min(end, root.valid_to)
        ends[year] = end
    first, last = max(min(ends.values()), root.valid_from), max(ends.values())
    # (id, valid from, valid to) of every commune in force at some point of the years: plain rows, no instances
    communes = list(Unit.objects.filter(path__startswith=root.path, valid_from__lte=last).rural_communes()
                    .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first)).order_by()
                    .values_list("id", "valid_from", "valid_to"))
    met_by_year: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    qs = (assessments(published)
          .filter(year__in=years, criteria_set__level=Level.XA_NTM, unit__path__startswith=root.path,
                  unit__unit_type__is_rural=True)
          .values_list("year", "unit_id", "criteria_set__version", "criteria_met"))
    for year, unit_id, version, criteria_met in qs:
        kept = met_by_year[year].get(unit_id)
        if kept is None or version > kept[0]:
            met_by_year[year][unit_id] = (version, criteria_met)
    rows, points = [], []
    for year in years:
        end = ends[year]
        units_on = max(end, root.valid_from)
        present = [pk for pk, start, stop in communes if start <= units_on and (stop is None or stop >= units_on)]
        if present and end >= dt.date(year, 1, 1):
            points.append((end, units_on))
        met = [m for _, m in met_by_year[year].values()]
        rows.append({"year": year, "date": end, "communes": len(present), "ntm": 0, "units_on": units_on,
                     "assessed": len(met), "avg_criteria": _average(met)})
    # counted in the database, every year at once (statuses_on's rules, merger rule too)
    ntm = dict(zip(points, ntm_counts_on(Unit.objects.filter(pk__in=[pk for pk, *_ in communes]), points),
                   strict=True))
    for row in rows:
        row["ntm"] = ntm.get((row["date"], row.pop("units_on")), 0)
    return rows


# --- registrations against achievements -----------------------------------------------------------------

def registrations_vs_achievements(root: Unit, year: int, *, as_of: dt.date | None = None) -> list[dict]:
    """Per commune level in use that year (``levels_in_use``, and any level registered or recognised): communes
    under ``root`` registered to reach it in ``year``, and communes recognised at it by decisions "for" ``year``
    (dated on or before ``as_of`` when given). Three queries."""
    registered = dict(Registration.objects.filter(unit__path__startswith=root.path, target_year=year,
                                                  target_level__in=COMMUNE_LEVELS)
                      .values_list("target_level").annotate(n=Count("unit_id", distinct=True)))
    links = Decision.units.through.objects.filter(
        unit__path__startswith=root.path, decision__for_year=year, decision__kind=Decision.Kind.RECOGNITION,
        decision__level__in=COMMUNE_LEVELS)
    if as_of is not None:
        links = links.filter(decision__date__lte=as_of)
    recognised = dict(links.values_list("decision__level").annotate(n=Count("unit_id", distinct=True)))
    end = min(dt.date(year, 12, 31), as_of) if as_of is not None else dt.date(year, 12, 31)
    levels = levels_in_use(end, dt.date(year, 1, 1), also=[lvl for lvl, n in {**registered, **recognised}.items() if n])
    return [{"level": level, "registered": registered.get(level, 0), "recognised": recognised.get(level, 0)}
            for level in levels]


# --- alerts ----------------------------------------------------------------------------------------------

@dataclass
class AlertRow:
    commune: Unit
    group: str  # the name of the commune's row in the grouping (its district in the three-tier years)
    level: str
    criteria_met: int
    criteria_total: int
    revoke: bool
    reason: str = ""

    @property
    def level_label(self) -> str:
        return level_label(self.level)

    @property
    def district(self) -> str:  # the name of the three-tier years
        return self.group

    @property
    def action(self) -> str:
        return _("Xem xét thu hồi") if self.revoke else _("Duy trì, nâng chất")


def alert_rows(root: Unit, as_of: dt.date, *, scope: Scope | None = None) -> list[AlertRow]:
    """Communes recognised at a level whose latest assessment for it fails (``alerts.alerts``),
    revocation cases first. Internal data: never for public pages."""
    s = _scope(root, as_of, False, scope)
    # the scope's statuses, and its latest NTM assessments when they are among all assessments, as the table read them
    latest = {} if s.published else {Level.XA_NTM: s.latest}
    return [AlertRow(a.unit, getattr(s.group_of(a.unit), "name", ""), a.level,
                     a.assessment.criteria_met, a.assessment.criteria_total, a.revoke)
            for a in alerts(s.communes, as_of, statuses=s.statuses, latest=latest)]


# --- recognised communes (public list) -------------------------------------------------------------------

@dataclass
class RecognisedRow:
    commune: Unit
    group: Group | None  # the commune's row in the grouping (its district in the three-tier years)
    decision: Decision | None
    provisional: bool = False
    note: str = ""


@dataclass
class RecognisedList:
    level: str
    rows: list[RecognisedRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return level_label(self.level)


def recognised_communes(root: Unit, as_of: dt.date, *, scope: Scope | None = None) -> list[RecognisedList]:
    """Per commune level in use (``levels_in_use``: NTM, advanced, model in 2023; NTM and modern from 2026 — and
    any level a commune holds), the communes under ``root`` holding it on ``as_of``, in Vietnamese order, each with
    the decision that recognised it (for a commune that holds a level through a higher one, that decision).
    Decisions are public; no assessment data is used."""
    s = _scope(root, as_of, True, scope)
    held = {lvl for c in s.communes for lvl in COMMUNE_LEVELS if s.statuses[c.pk].holds(lvl)}
    lists = {level: RecognisedList(level) for level in levels_in_use(as_of, also=held)}
    for commune in s.communes:
        status = s.statuses[commune.pk]
        for level in lists:
            if not status.holds(level):
                continue
            decision = status.decisions.get(level)
            if decision is None:
                higher = sorted((lvl for lvl in status.decisions if lvl != level and level in IMPLIES.get(lvl, ())),
                                key=LEVEL_RANK.get)
                decision = status.decisions[higher[0]] if higher else None
            lists[level].rows.append(RecognisedRow(commune, s.group_of(commune), decision,
                                                   status.provisional, status.note))
    return list(lists.values())


# --- the summary with published assessments only --------------------------------------------------------

def public_summary(code: str, as_of: dt.date, grouping: str | None = None, *, root: Unit | None = None) -> Summary:
    """``reports.services.summary`` with every assessment-derived figure recomputed from published
    assessments only (decisions, registrations and units are public). ``root``: as for ``summary``."""
    root = find_root(code, as_of) if root is None else root
    data = summary(code, as_of, grouping=grouping, root=root)
    within = Unit.objects.valid_on(as_of) if root.pk is None else Unit.objects.valid_on(as_of).within(root)
    # each commune's latest published assessment (LATEST_ORDER, as the counts pick it), with its set: counted in the
    # database (one query), nothing loaded
    rows = latest_by_set(within.rural_communes(), Level.XA_NTM, as_of.year, published_assessments())
    _, sets = commune_sets(data.period_start, as_of)
    # the programme targets compare the counts of communes holding a level, which do not change
    return replace(data, **criteria_figures(rows, sets).as_fields(), published_only=True)


# --- cached figures ---------------------------------------------------------------------------------------

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long a cached figure may live (seconds; the setting NONGTHONSO_FIGURES_CACHE_SECONDS). Freshness does not
# depend on it — the key carries the data revision — it only bounds the life of entries for revisions nobody
# asks for any more, and of a figure left behind by a write that bypasses both the audit log and the admin
# and creates no row (an UPDATE typed in a database shell).
CACHE_SECONDS = 300


def _revision_tables(entries: tuple[registry.RevisionTable, ...]) -> list[tuple[str, str]]:
    """(table, primary key column) of every table the apps register as bumping the revision
    (``core.registry.RevisionTable``): the audit log (every write through the app's services), Django's admin log
    (every admin add, change or delete), and the raw tables written outside both (the demo creates decisions,
    registrations, units …)."""
    return [(e.model._meta.db_table, e.model._meta.pk.column) for e in entries]


@lru_cache
def _revision_columns(vendor: str, entries: tuple[registry.RevisionTable, ...]) -> tuple[str, ...]:
    quote = connection.ops.quote_name
    return tuple(f"(SELECT MAX({quote(pk)}) FROM {quote(table)})" for table, pk in _revision_tables(entries))


def _revision_sql(vendor: str, entries: tuple[registry.RevisionTable, ...]) -> str:
    return "SELECT " + ", ".join(_revision_columns(vendor, entries))


# On PostgreSQL the revision is read through a PL/pgSQL function holding the same statement: the server plans the
# ~30 subqueries once per session and keeps the plan (PL/pgSQL caches its statements' plans), where a plain
# statement is planned on every request (1.1 ms against 0.27 ms on the national data, most of a cached page's
# database time). Named after its code's digest, so a change of the registered tables is a new function; made
# by ``ensure_revision_function`` after every migrate, or at the first read of a process. Prepared statements would
# do the same but are off in Django's PostgreSQL backend, for connection poolers (PgBouncer's transaction mode):
# a function works through any pooler. Functions of earlier table lists are left in place (a few hundred bytes
# each): a process of the previous release still serving while an upgrade migrates keeps reading its own.
#
# The function is given the snapshot of the last read that gave a token (``pg_current_snapshot()``, the xids whose
# work the reading statement sees) and runs the subqueries only when the snapshot differs: two statements holding
# the same snapshot see the same committed rows, so the same token. A snapshot moves with every transaction that
# writes anywhere in the cluster (a session saved, a login), so it is only the guard: the token still moves with
# the registered tables alone, and the figures cached under it stay. A transaction that has written itself sees
# its own rows under an unchanged snapshot: the function then always runs the subqueries, and gives no snapshot to
# keep. Nor does a standby, whose snapshots do not list the primary's transactions in progress (a commit there
# may leave the text as it was); and the server's start time is compared with the snapshot, since a restored or
# failed-over server behind the same address numbers its transactions again. Unchanged data costs a round trip and a
# comparison, as ``SELECT 1`` does (the public dashboard at 64% of /healthz's requests/s against 59–60% with the
# subqueries on every request; docs/performance.md, ADR 0013).
REVISION_FUNCTION_PREFIX = "nongthonso_revision_"
_functions_found: set[tuple[str, str]] = set()  # (database, function) seen committed in the database
_functions_refused: set[tuple[str, str]] = set()  # (database, function) this process could not create: not retried
# (host, port, database, function) → (snapshot, token) of the last read that gave both: shared by the threads of a
# process (each read takes the pair as a whole, and replaces it as a whole)
_last_read: dict[tuple[str, ...], tuple[str, str]] = {}


def revision_function(entries: tuple[registry.RevisionTable, ...] | None = None) -> tuple[str, str]:
    """(name, ``CREATE OR REPLACE FUNCTION`` statement) of the PostgreSQL function returning the revision token."""
    return _function_for(registry.entries(registry.RevisionTable) if entries is None else entries)


@lru_cache
def _function_for(entries: tuple[registry.RevisionTable, ...]) -> tuple[str, str]:
    columns = _revision_columns("postgresql", entries)
    token = ", ".join(f"COALESCE({column}::text, '-')" for column in columns)
    # the server's start joins the snapshot (after a restore or a failover behind the same address, transaction ids
    # come again); a standby's snapshots do not list the primary's transactions in progress: no snapshot kept there
    code = ("DECLARE snapshot text := pg_postmaster_start_time()::text || '/' || pg_current_snapshot()::text; "
            "token text; BEGIN "
            "IF txid_current_if_assigned() IS NOT NULL OR pg_is_in_recovery() THEN snapshot := NULL; "
            "ELSIF snapshot = known THEN RETURN ARRAY[snapshot, NULL]; END IF; "
            f"SELECT concat_ws('.', {token}) INTO token; RETURN ARRAY[snapshot, token]; END")
    name = REVISION_FUNCTION_PREFIX + hashlib.sha256(code.encode()).hexdigest()[:12]
    return name, (f"CREATE OR REPLACE FUNCTION {name}(known text) RETURNS text[] LANGUAGE plpgsql STABLE AS "
                  f"$revision$ {code} $revision$")


def ensure_revision_function(using: str = "default", *, once: bool = False) -> str | None:
    """Create the revision function on ``using`` when it is PostgreSQL (``post_migrate``; idempotent). Returns its
    name, or None (another database, or not allowed to create functions: the plain statement is read instead).
    ``once``: not again when this process already made or found it."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return None
    name, create = revision_function()
    key = (str(conn.settings_dict["NAME"]), name)
    if once and key in _functions_found:
        return name
    if once and key in _functions_refused:
        return None
    try:
        with transaction.atomic(using=using), conn.cursor() as cursor:
            cursor.execute(create)
    except DatabaseError:
        log.warning("revision function not created; the plain statement is read instead", exc_info=True)
        _functions_refused.add(key)  # reads use the plain statement without asking again on every request
        return None
    if not conn.in_atomic_block:  # committed: later reads need not look it up
        _functions_found.add(key)
    return name


def _revision_function_in(conn) -> str | None:
    """The revision function's name when it exists in ``conn``'s database (looked up once per process), else None."""
    name, _create = revision_function()
    key = (str(conn.settings_dict["NAME"]), name)
    if key in _functions_found:
        return name
    if key in _functions_refused:
        return None
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [f"{name}(text)"])
        exists = cursor.fetchone()[0]
    if exists:  # only this module creates it, and only where it commits at once: it stays
        _functions_found.add(key)
    elif not conn.in_atomic_block:  # made here only in autocommit, so that it commits at once
        exists = ensure_revision_function(conn.alias) is not None
    return name if exists else None


def data_revision() -> str:
    """A token that changes with every write the figures could depend on: the largest id of the audit log
    (every service writes an AuditEntry in the write's transaction), of the admin log, and of each raw
    table the figures read (creations outside the audited paths, e.g. ``nongthonso demo``). Ids only grow,
    so a later write never brings back an earlier token. One query; each ``MAX(id)`` is an index lookup (on
    PostgreSQL through the function above, planned once per session, and run only when the snapshot moved since
    the process's last read)."""
    entries = registry.entries(registry.RevisionTable)
    function = _revision_function_in(connection) if connection.vendor == "postgresql" else None
    with connection.cursor() as cursor:
        if function is not None:
            return _read_through(cursor, function)
        cursor.execute(_revision_sql(connection.vendor, entries))
        row = cursor.fetchone()
    return ".".join("-" if v is None else str(v) for v in row)


def _read_through(cursor, function: str) -> str:
    """The token the revision function gives, told the last snapshot this process read it under (see above)."""
    key = (*(str(connection.settings_dict[k]) for k in ("HOST", "PORT", "NAME")), function)
    known = _last_read.get(key)
    cursor.execute(f"SELECT {function}(%s)", [known[0] if known else None])
    snapshot, token = cursor.fetchone()[0]
    if token is None:  # the snapshot of the last read: its token
        return known[1]
    if snapshot is not None:
        _last_read[key] = (snapshot, token)
    return token


def cached(name: str, parts: tuple, compute: Callable[[], T], *, keep: Callable[[], bool] | None = None) -> T:
    """``compute()``, kept in Django's cache under ``name``, ``parts`` and the :func:`data_revision`.

    The revision is read before computing, so a cached value is never older than its key. A value is
    stored only once the data it was computed from is committed (``transaction.on_commit``: at once in
    autocommit, never from inside a transaction that is rolled back), and only if ``keep()`` (asked right after
    computing) says ``parts`` still describe what it was computed from — a caller's scope read before the computation
    and again during it. A cache that fails (a shared cache that is down) costs speed, not answers: the figures are
    computed."""
    revision = data_revision()
    database = connection.settings_dict["NAME"]  # a cache shared by several databases keeps them apart
    digest = hashlib.sha256(repr((parts, database, revision)).encode()).hexdigest()[:32]
    key = f"nongthonso:figures:{name}:{digest}"
    try:
        value = cache.get(key)
    except Exception:  # pragma: no cover - depends on an external cache
        log.warning("figures cache unavailable; computing", exc_info=True)
        value = None
    if value is not None:
        return value
    value = compute()
    if keep is not None and not keep():
        return value

    def store():
        try:
            cache.set(key, value, getattr(settings, "NONGTHONSO_FIGURES_CACHE_SECONDS", CACHE_SECONDS))
        except Exception:  # pragma: no cover - depends on an external cache
            log.warning("figures cache unavailable; not stored", exc_info=True)

    transaction.on_commit(store)
    return value
