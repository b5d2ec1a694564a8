"""Finding a unit the way people name it: «dai tu», «Đại Từ», «xa van phu» or its GSO code «05830».

The unit picker (the search page and its JSON, ``accounts.views_units``) asks this module for the units of a queryset
it has already narrowed to what the user may see; nothing here knows about users. The query is folded like the
stored ``Unit.search_text`` (``core.text.fold``: lower case, no diacritics, «đ» → «d»), and every word of it must
occur in that text (name and code), so «dai tu», «Đại Từ» and «tu dai» all find «Xã Đại Từ». One query, capped: a
code typed in full comes first, then provinces before districts before communes, then Vietnamese alphabetical order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from nongthonso.core.text import fold, format_date

from .collation import vi_name_order
from .models import Unit
from .services import COMMUNE_LEVEL, DISTRICT_LEVEL, PROVINCE_LEVEL

# the levels a report, an export or a dossier is asked for; hamlets (xóm) are not roots of anything
PICKABLE_LEVELS = (PROVINCE_LEVEL, DISTRICT_LEVEL, COMMUNE_LEVEL)
MAX_QUERY = 100
LIMIT = 20


@dataclass(frozen=True)
class Period:
    """The days a unit must be in force on (at least one of them) to be offered: one date (``?as_of=``), or a whole
    year (``?year=``: an export of 2025 may name a district that ended on 30/6/2025 or a commune formed on 1/7)."""

    start: dt.date
    end: dt.date

    @classmethod
    def on(cls, date: dt.date) -> Period:
        return cls(date, date)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def units(self, queryset: QuerySet[Unit] | None = None) -> QuerySet[Unit]:
        """The unit versions of ``queryset`` (default all) in force on at least one day of the period."""
        qs = Unit.objects.all() if queryset is None else queryset
        return qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.start), valid_from__lte=self.end)


@dataclass(frozen=True)
class Found:
    units: list[Unit]
    truncated: bool  # more units matched than were returned


def words(query: str) -> list[str]:
    """The folded words of ``query`` («  Đại   Từ » → ["dai", "tu"]), at most ``MAX_QUERY`` characters read."""
    return fold(query[:MAX_QUERY]).split()


def search(queryset: QuerySet[Unit], query: str, *, limit: int = LIMIT) -> Found:
    """The units of ``queryset`` at a pickable level whose name or code holds every word of ``query``, best first,
    one version per code (the latest of those in ``queryset``), at most ``limit``."""
    terms = words(query)
    if not terms:
        return Found([], False)
    qs = queryset.filter(unit_type__level__code__in=PICKABLE_LEVELS)
    for term in terms:
        qs = qs.filter(search_text__contains=term)
    code = query.strip()
    qs = (qs.annotate(code_match=Case(When(code=code, then=Value(0)), default=Value(1), output_field=IntegerField()))
          .select_related("unit_type__level", "parent")
          .order_by("code_match", "unit_type__level__depth", vi_name_order(using=qs.db), "code", "-valid_from"))
    found: dict[str, Unit] = {}
    # a code has at most a few versions in a period: reading three times the limit leaves enough distinct codes
    for unit in qs[: limit * 3 + 1]:
        found.setdefault(unit.code, unit)
        if len(found) > limit:
            break
    units = list(found.values())
    return Found(units[:limit], len(units) > limit)


def describe(unit: Unit, period: Period) -> dict:
    """What the picker shows of a unit: its code, name, level, the unit above it, and its dates when it was not in
    force for the whole period (a version that ended or began in it)."""
    partial = unit.valid_from > period.start or (unit.valid_to is not None and unit.valid_to < period.end)
    dates = ""
    if partial:
        until = format_date(unit.valid_to) if unit.valid_to else _("nay")
        dates = f"{format_date(unit.valid_from)} – {until}"
    return {"code": unit.code, "name": unit.name, "level": unit.unit_type.level.name,
            "parent": unit.parent.name if unit.parent_id else "", "dates": dates}
