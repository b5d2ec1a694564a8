"""The choropleths ``maps`` registers (``core.registry.MapLayer``), each computed from the stored raw rows as of the
map's date: the level a commune holds (recognition decisions, the merger rule), the criteria its latest assessment
meets, one indicator's verdict, the level it registered for the year. OCOP products and co-operatives are registered
by their own apps (``ocop/apps.py``, ``coops/apps.py``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.assessments.models import Assessment
from nongthonso.core.registry import LegendEntry, MapRequest
from nongthonso.core.text import format_number
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.recognition.models import Registration
from nongthonso.recognition.services import statuses_on
from nongthonso.reports.selectors import latest_assessments, published_assessments

NONE = "none"
# the colours: ColorBrewer «Greens» (a pale orange for «not yet»)/«RdYlGn», readable in print and by colour-blind
# readers; grey is for «no figure» (maps.views)
LEVEL_COLORS = {NONE: "#fdd0a2", Level.XA_NTM: "#a1d99b", Level.XA_NANG_CAO: "#41ab5d", Level.XA_KIEU_MAU: "#006d2c",
                Level.XA_HIEN_DAI: "#00441b"}
STATUS_COLORS = {"met": "#1a9850", "not_met": "#d73027", "unknown": "#bdbdbd"}
SHARE_BINS = ((0, 50, "#d73027"), (50, 75, "#fc8d59"), (75, 100, "#fee08b"), (100, None, "#1a9850"))


def level_legend() -> tuple[LegendEntry, ...]:
    return (LegendEntry(gettext_lazy("Chưa đạt chuẩn"), LEVEL_COLORS[NONE], value=NONE),
            *(LegendEntry(level.label, LEVEL_COLORS[level], value=level.value) for level in COMMUNE_LEVELS))


def level_held(request: MapRequest) -> dict[int, str]:
    """The highest commune level each commune holds on the date (decisions, the merger rule)."""
    return {pk: status.commune_level or NONE for pk, status in statuses_on(request.units, request.as_of).items()}


def level_text(value: str) -> str:
    return str(Level(value).label) if value != NONE else _("Chưa đạt chuẩn")


def criteria_met(request: MapRequest) -> dict[int, tuple[float, str]]:
    """The share of criteria met by each commune's latest NTM assessment up to the date's year, with its text
    «15/19 tiêu chí»."""
    latest = latest_assessments(request.units, Level.XA_NTM, request.as_of.year, published=request.published)
    return {pk: (100 * a.criteria_met / a.criteria_total,
                 _("%(met)s/%(total)s tiêu chí (năm %(year)s)") % {"met": a.criteria_met, "total": a.criteria_total,
                                                                   "year": a.year})
            for pk, a in latest.items() if a.criteria_total}


def share_legend() -> tuple[LegendEntry, ...]:
    def bound(v):
        return format_number(v)
    return tuple(LegendEntry(_("Đạt tất cả tiêu chí") if high is None else
                             _("%(low)s–dưới %(high)s%%") % {"low": bound(low), "high": bound(high)},
                             color, low=low, high=high) for low, high, color in SHARE_BINS)


def indicator_choices(as_of: dt.date) -> list[tuple[str, str]]:
    """The indicators of the commune NTM sets in force on ``as_of`` (the latest version first), by code."""
    sets = (CriteriaSet.objects.filter(level=Level.XA_NTM, effective_from__lte=as_of)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=as_of)).order_by("-version"))
    chosen = sets.first() or CriteriaSet.objects.filter(level=Level.XA_NTM).order_by("-effective_from").first()
    if chosen is None:
        return []
    return [(code, f"{code}. {name[:90]}") for code, name in
            Indicator.objects.filter(criteria_set=chosen).order_by("criterion__position", "position")
            .values_list("code", "name")]


def indicator_status(request: MapRequest) -> dict[int, tuple[str, str]]:
    """One indicator's verdict (met / not met / unknown) in each commune's latest NTM assessment, with its value and
    threshold; the indicator is ``request.choice`` (default the first of ``indicator_choices``)."""
    code = request.choice or next(iter(indicator_choices(request.as_of)), ("", ""))[0]
    if not code:
        return {}
    latest = latest_assessments(request.units, Level.XA_NTM, request.as_of.year, published=request.published)
    among = published_assessments() if request.published else Assessment.objects.all()
    rows = among.filter(
        pk__in=[a.pk for a in latest.values()]).values_list("unit_id", "results")
    found: dict[int, tuple[str, str]] = {}
    for unit_id, results in rows:
        for criterion in (results or {}).get("criteria", ()):
            for indicator in criterion.get("indicators", ()):
                if indicator.get("code") == code:
                    status = indicator.get("status") or "unknown"
                    found[unit_id] = (status, _("Chỉ tiêu %(code)s: %(value)s (ngưỡng %(threshold)s)") % {
                        "code": code, "value": _plain(indicator.get("value")),
                        "threshold": _plain(indicator.get("threshold"))})
    return found


def _plain(value) -> str:
    if value is None:
        return _("chưa có số liệu")
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def status_legend() -> tuple[LegendEntry, ...]:
    return (LegendEntry(gettext_lazy("Đạt"), STATUS_COLORS["met"], value="met"),
            LegendEntry(gettext_lazy("Chưa đạt"), STATUS_COLORS["not_met"], value="not_met"),
            LegendEntry(gettext_lazy("Chưa xác định"), STATUS_COLORS["unknown"], value="unknown"))


def status_text(value: str) -> str:
    return {"met": _("Đạt"), "not_met": _("Chưa đạt")}.get(value, _("Chưa xác định"))


def registration_target(request: MapRequest) -> dict[int, str]:
    """The highest commune level each commune registered to reach in the date's year (``recognition.Registration``)."""
    found: dict[int, str] = {}
    rank = {level: i for i, level in enumerate(COMMUNE_LEVELS)}
    for unit_id, level in (Registration.objects.filter(unit__in=request.units, target_year=request.as_of.year)
                           .values_list("unit_id", "target_level")):
        if level in rank and (unit_id not in found or rank[level] > rank[found[unit_id]]):
            found[unit_id] = level
    return found


def registration_legend() -> tuple[LegendEntry, ...]:
    return tuple(LegendEntry(level.label, LEVEL_COLORS[level], value=level.value) for level in COMMUNE_LEVELS)
