"""From one period to the next: a new dossier starts from the latest values of the earlier period, each marked
«mang sang, cần xác nhận» until an officer confirms it (or enters a value over it).

``prefill`` runs when a dossier is created (``services.get_or_create_assessment``: the web «Mở / tạo hồ sơ» and
``POST /api/assessments``) for a set that indicator mappings lead into (``criteria.IndicatorMapping``, loaded from
``catalogue/mappings/FROM__TO.yaml``). Each mapped indicator gets its value from:

- **own**: the commune's own latest assessment of the earlier set (year ≤ the new year − 1); or, when it has none,
- **worst_case**: the commune was formed by a reorganisation (a ``LineageEvent`` effective on the day its version
  begins, the commune among the successors: a merger usually, also a split, a rename …): the latest assessments
  of its predecessors (a predecessor without one: its own predecessors, up to ``GENERATIONS``), and across them
  the worst value — the lowest for a «≥» indicator, the highest for «≤», «không đạt» for a yes/no one when any
  predecessor's is, a category only when they all agree — and nothing when any predecessor lacks a value.

Why the worst case and not a mean weighted by population: no population figures are stored for the former
communes, so no weighting is possible; and the worst case never makes a merged commune look compliant before an
officer has checked. The reason is stored with each value (``IndicatorValue.carried["why"]``).

``unconfirmed`` lists the values still awaiting confirmation (the workflow's «submit» refuses while there are
any); ``confirm_values`` confirms them (audited; refused like ``set_value`` when the dossier is locked or the user
may not enter values).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from nongthonso.audit.services import record
from nongthonso.core.text import display_value
from nongthonso.criteria.models import Indicator, IndicatorMapping, Threshold
from nongthonso.units.choices import LineageKind
from nongthonso.units.models import LineageEvent, Unit

from .errors import ValueRejected
from .models import LATEST_ORDER, Assessment, IndicatorValue
from .workflow import ensure_editable, stale_error

OWN, WORST_CASE = "own", "worst_case"
GENERATIONS = 3  # how far back through predecessors without an assessment of their own
WHY = {
    OWN: "Giá trị mới nhất của chính xã theo bộ tiêu chí giai đoạn trước.",
    WORST_CASE: ("Xã hình thành do sắp xếp đơn vị hành chính: không lưu số dân của các xã trước sắp xếp nên không "
                 "tính được bình quân theo dân số; lấy giá trị bất lợi nhất của các xã đó (thấp nhất với chỉ tiêu "
                 "«≥», cao nhất với chỉ tiêu «≤», «không đạt» với chỉ tiêu Đạt/Không) để xã mới không bị coi là đạt "
                 "khi cán bộ chưa kiểm tra."),
}
# when a unit's version began through several events on the same day, the one whose predecessors to follow
_KIND_ORDER = [LineageKind.MERGE, LineageKind.SPLIT, LineageKind.ESTABLISH, LineageKind.RENAME, LineageKind.CHANGE_TYPE,
               LineageKind.TRANSFER]


@dataclass(frozen=True)
class _Mapping:
    to: Indicator
    from_set: str  # the earlier set's code (values are read from its assessments, any version)
    from_code: str


@dataclass(frozen=True)
class _Leaf:
    """A unit whose own assessment gives values: the unit and its latest assessment of the earlier set."""

    unit: Unit
    assessment_id: int
    year: int


@dataclass
class _Sources:
    rule: str
    leaves: list[_Leaf]
    event: LineageEvent | None = None


def mappings_into(cset) -> list[_Mapping]:
    """The indicators of ``cset`` that have a source in an earlier set (the latest version of it first)."""
    found: dict[int, _Mapping] = {}
    for m in (IndicatorMapping.objects.filter(to_indicator__criteria_set=cset)
              .select_related("to_indicator", "from_indicator__criteria_set")
              .order_by("to_indicator__position", "-from_indicator__criteria_set__version", "pk")):
        found.setdefault(m.to_indicator_id, _Mapping(m.to_indicator, m.from_indicator.criteria_set.code,
                                                     m.from_indicator.code))
    return list(found.values())


def _latest(unit_ids: Iterable[int], set_code: str, last_year: int) -> dict[int, tuple[int, int]]:
    """{unit id: (its latest assessment of ``set_code`` up to ``last_year``, that year)} — one query."""
    found: dict[int, tuple[int, int]] = {}
    for pk, unit_id, year in (Assessment.objects.filter(unit_id__in=list(unit_ids), criteria_set__code=set_code,
                                                        year__lte=last_year)
                              .order_by("unit_id", *LATEST_ORDER).values_list("pk", "unit_id", "year")):
        found.setdefault(unit_id, (pk, year))
    return found


def _starting_events(units: list[Unit]) -> dict[int, LineageEvent]:
    """{unit id: the lineage event its version began with} (effective on its first day, it among the successors)."""
    through = LineageEvent.successors.through
    links = list(through.objects.filter(unit_id__in=[u.pk for u in units]).values_list("unit_id", "lineageevent_id"))
    events = {e.pk: e for e in LineageEvent.objects.filter(pk__in={e for _, e in links})
              .prefetch_related("predecessors__unit_type")}
    starts = {u.pk: u.valid_from for u in units}
    found: dict[int, LineageEvent] = {}
    for unit_id, event_id in links:
        event = events[event_id]
        if event.effective_date != starts[unit_id]:
            continue
        current = found.get(unit_id)
        rank = _KIND_ORDER.index(event.kind) if event.kind in _KIND_ORDER else len(_KIND_ORDER)
        if current is None or rank < (_KIND_ORDER.index(current.kind) if current.kind in _KIND_ORDER
                                      else len(_KIND_ORDER)):
            found[unit_id] = event
    return found


def sources(unit: Unit, set_code: str, last_year: int) -> _Sources | None:
    """Where the values of ``unit``'s new dossier come from (``set_code`` assessments up to ``last_year``): the unit
    itself, or the predecessors it was formed from (through as many generations as needed, up to GENERATIONS);
    None when there is nothing, or when a predecessor has nothing (its values are missing, so nothing is carried)."""
    own = _latest([unit.pk], set_code, last_year)
    if unit.pk in own:
        pk, year = own[unit.pk]
        return _Sources(OWN, [_Leaf(unit, pk, year)])
    top = _starting_events([unit]).get(unit.pk)
    if top is None or not top.predecessors.all():
        return None
    leaves: list[_Leaf] = []
    # urban predecessors (thị trấn, phường) are outside the NTM programme: they have no values to carry and do not
    # hold the rural ones back (as the merger rule leaves them out of a merged commune's status)
    frontier = [p for p in top.predecessors.all() if p.pk != unit.pk and p.unit_type.is_rural]
    if not frontier:
        return None
    for _generation in range(GENERATIONS):
        latest = _latest([u.pk for u in frontier], set_code, last_year)
        leaves += [_Leaf(u, *latest[u.pk]) for u in frontier if u.pk in latest]
        rest = [u for u in frontier if u.pk not in latest]
        if not rest:
            return _Sources(WORST_CASE, sorted(leaves, key=lambda leaf: (leaf.unit.sort_key, leaf.unit.code)), top)
        events = _starting_events(rest)
        if any(u.pk not in events or not events[u.pk].predecessors.all() for u in rest):
            return None  # a predecessor with neither an assessment nor predecessors of its own: values missing
        frontier = [p for u in rest for p in events[u.pk].predecessors.all() if p.pk != u.pk and p.unit_type.is_rural]
        if not frontier:
            return None
    return None


def _passing_boolean(indicator: Indicator) -> bool:
    """The value that meets a yes/no indicator (its national default row; «Đạt» when there is none)."""
    value = (Threshold.objects.filter(indicator=indicator, region="", commune_group__isnull=True, year__isnull=True,
                                      province_code="").values_list("value", flat=True).first())
    return value if isinstance(value, bool) else True


def worst(indicator: Indicator, values: list[Any]) -> Any:
    """The least favourable of ``values`` for ``indicator``; None when there is no telling (categories that differ)."""
    if len(set(map(repr, values))) == 1:
        return values[0]
    if indicator.value_type == "boolean":
        return not _passing_boolean(indicator)
    if indicator.value_type == "category":
        return None
    numbers = [float(v) for v in values]
    low = indicator.comparator in (">=", ">")
    chosen = min(numbers) if low else max(numbers)
    return next(v for v in values if float(v) == chosen)


def prefill(assessment: Assessment, *, user=None) -> list[IndicatorValue]:
    """Give a new dossier the values mapped from the earlier period (see the module's doc), each marked carried and
    unconfirmed, each creation audited. Returns the values written (none: no mapping, or nothing to carry)."""
    mappings = mappings_into(assessment.criteria_set)
    if not mappings:
        return []
    existing = set(IndicatorValue.objects.filter(assessment=assessment).values_list("indicator_id", flat=True))
    by_set: dict[str, list[_Mapping]] = {}
    for m in mappings:
        if m.to.pk not in existing:
            by_set.setdefault(m.from_set, []).append(m)
    written = []
    for set_code, group in by_set.items():
        found = sources(assessment.unit, set_code, assessment.year - 1)
        if found is None:
            continue
        values: dict[int, dict[str, Any]] = {}
        for assessment_id, code, value in (IndicatorValue.objects.filter(
                assessment_id__in=[leaf.assessment_id for leaf in found.leaves],
                indicator__code__in={m.from_code for m in group}).values_list("assessment_id", "indicator__code",
                                                                              "value")):
            if value is not None:
                values.setdefault(assessment_id, {})[code] = value
        for m in group:
            got = [values.get(leaf.assessment_id, {}).get(m.from_code) for leaf in found.leaves]
            if any(v is None for v in got):
                continue  # a source without this value: nothing is carried
            value = worst(m.to, got) if found.rule == WORST_CASE else got[0]
            if value is None:
                continue
            carried = {"rule": found.rule, "set": set_code, "why": WHY[found.rule], "from": [
                {"unit_id": leaf.unit.pk, "code": leaf.unit.code, "name": leaf.unit.name, "year": leaf.year,
                 "indicator": m.from_code, "value": v} for leaf, v in zip(found.leaves, got, strict=True)]}
            if found.event is not None:
                carried["event"] = {"kind": found.event.kind, "date": found.event.effective_date.isoformat(),
                                    "legal_basis": found.event.legal_basis}
            source = f"Mang sang từ bộ tiêu chí {set_code} ({years_text(carried)}), cần xác nhận"
            item = IndicatorValue.objects.create(assessment=assessment, indicator=m.to, value=value, source=source,
                                                 updated_by=user, carried=carried)
            record("create", item, after={"value": value, "source": source, "note": "", "carried": found.rule},
                   user=user, note=f"Mang sang từ năm {years_text(carried)} ({set_code}), cần xác nhận")
            written.append(item)
    return written


def years_text(*carried: dict | None) -> str:
    """The year(s) carried values come from (one value's ``carried``, or several): «2024», «2023–2024»."""
    years = sorted({s["year"] for c in carried if c for s in c.get("from", ())})
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def unconfirmed(assessment: Assessment) -> list[str]:
    """The codes of the indicators whose value was carried from the earlier period and not yet confirmed (nor
    changed by an officer), in the set's order. One query."""
    return IndicatorValue.objects.filter(assessment=assessment).awaiting_confirmation().codes()


CONFIRM_NOTE = "Xác nhận giá trị mang sang từ giai đoạn trước"


@transaction.atomic
def confirm_values(assessment: Assessment, codes: Iterable[str] | None = None, user=None, *,
                   expected_version: int | None = None) -> list[str]:
    """Confirm the carried values of ``codes`` (None: every one still awaiting confirmation) as ``user``'s: each
    audited, the dossier's version bumped. Refused (``workflow.WorkflowError``) like ``set_value`` when the dossier
    is locked, the user may not enter its values, or it changed since ``expected_version``; a code that is not an
    indicator of the set, or whose value was not carried: ``errors.ValueRejected``. Values already confirmed are
    left as they are. Returns the codes confirmed now."""
    ensure_editable(assessment, user)  # locks the dossier's row and re-reads its state and version
    if expected_version is not None and expected_version != assessment.version:
        raise stale_error(assessment, expected_version)
    values = {v.indicator.code: v for v in IndicatorValue.objects.select_for_update()
              .filter(assessment=assessment).select_related("indicator").order_by("indicator__position")}
    if codes is None:
        chosen = [v for v in values.values() if v.needs_confirmation]
    else:
        codes = list(dict.fromkeys(codes))
        known = set(assessment.criteria_set.indicators.filter(code__in=codes).values_list("code", flat=True))
        for code in codes:
            if code not in known:
                raise ValueRejected(f"Bộ tiêu chí «{assessment.criteria_set.code}» không có chỉ tiêu mã «{code}».")
            if code not in values or values[code].carried is None:
                raise ValueRejected(f"Chỉ tiêu {code} không có giá trị mang sang từ giai đoạn trước nên không có gì "
                                    "để xác nhận.")
        chosen = [values[code] for code in codes if values[code].needs_confirmation]
    now = timezone.now()
    for value in chosen:
        value.confirmed_at, value.confirmed_by = now, user
        value.save(update_fields=["confirmed_at", "confirmed_by"])
        record("update", value, before={"value": value.value, "confirmed": False},
               after={"value": value.value, "confirmed": True}, user=user, note=CONFIRM_NOTE)
    if chosen:
        Assessment.objects.filter(pk=assessment.pk).update(version=models.F("version") + 1)
        assessment.version += 1
    return [value.indicator.code for value in chosen]


def _shown(value: Any, indicator: Indicator) -> str:
    if indicator.value_type == "boolean":
        return "Đạt" if value else "Không đạt"
    return display_value(value, indicator.unit or "")


def _rule_words(indicator: Indicator) -> str:
    if indicator.value_type == "boolean":
        return "lấy «Không đạt» nếu có xã không đạt"
    if indicator.value_type == "category":
        return "các xã cùng giá trị"
    return "lấy giá trị thấp nhất" if indicator.comparator in (">=", ">") else "lấy giá trị cao nhất"


def carried_text(carried: dict | None, indicator: Indicator) -> str:
    """The sources of a carried value, for people: «xã A: 82,5; xã B: 76 (lấy giá trị thấp nhất)»."""
    if not carried:
        return ""
    sources = carried.get("from", ())
    years = {s["year"] for s in sources}
    parts = []
    for s in sources:
        name = s["name"][:1].lower() + s["name"][1:]
        year = f" ({s['year']})" if len(years) > 1 else ""
        parts.append(f"{name}{year}: {_shown(s['value'], indicator)}")
    text = "; ".join(parts)
    if carried.get("rule") == WORST_CASE and len(sources) > 1:
        text += f" ({_rule_words(indicator)})"
    return text
