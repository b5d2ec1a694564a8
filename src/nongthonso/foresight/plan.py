"""The registration plan: which communes to register for which level next year so that the province reaches its
targets at least cost, and the province office's decision on each suggestion (accepted ones become registrations).

**Suggest** (``suggest``), for each level with a target, from the rows stored on the plan's date ``as_of``:

- the province's rural communes in force on ``as_of``; those holding the level then (``recognition.services``:
  decisions, merger rule; a higher level counts at the lower ones) are the current count; those already registered
  for the level and the plan's year count by their chance (below);
- the target count: the number entered, or the share entered × the number of communes, rounded up;
- candidates: the other communes with a dossier against the level's set (``ranking.base``): the cost of closing
  their gaps (``gaps.distances``: Σ unit cost × gap) and the probability of meeting the level by the plan's year
  (``forecast.run``: the bootstrap forecast from their history of values);
- the **chance** a candidate counts with: its forecast probability; where the forecast gives it none (0: its
  trend alone does not carry every criterion over the line by the year — on short histories, most communes), the
  forecast's point estimate instead, the expected share of criteria met by the year (expected criteria met ÷
  criteria), and its reasons say so;
- the rule (greedy): candidates in order of **cost per expected success** (cost ÷ chance; fewer failing criteria,
  then the higher chance, then the shorter distance break ties — and decide alone where the province set no unit
  costs), taken one by one until the expected count (current + Σ chances) reaches the target. A candidate with
  chance 0 is never taken. Greedy by cost per expected success is the classic rule for this
  knapsack-like choice; it is what a planner can check by hand from the reasons each suggestion carries.

**Decide** (``decide``): the province office (``record_decision`` on the province: ``accounts.services``) accepts a
suggestion (it becomes a ``recognition.Registration``, as the registrations import creates one, audited), edits its
level, or rejects it, with an optional note. A suggestion is decided once: a second decision (two people, two tabs)
is refused with who decided it and when.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import _active, restrict
from nongthonso.audit.services import record
from nongthonso.core.text import format_date, format_number
from nongthonso.criteria.choices import COMMUNE_LEVELS, Comparator, Level
from nongthonso.recognition.models import Registration
from nongthonso.recognition.services import statuses_on
from nongthonso.units.models import Unit

from . import forecast
from .models import Plan, PlanSuggestion
from .ranking import ForesightError, Row, base, rank

DECIDE = Action.RECORD_DECISION  # the province office's action: deciding suggestions registers communes
MAIN_GAPS = 3  # gaps named in a suggestion's reasons
SYMBOLS = dict(Comparator.choices)  # ">=" → "≥"


class PlanRefused(ValueError):
    """A plan or a decision that cannot be made as asked; the message (Vietnamese) says why and what to do."""


# --- who sees and decides what (the queryset layer) ---------------------------------------------------------------

def plans(user, action: str = Action.VIEW) -> QuerySet[Plan]:
    """The plans ``user`` may see (``view`` over the whole province) or decide (``record_decision`` there)."""
    if not _active(user):
        return Plan.objects.none()
    return restrict(Plan.objects.select_related("province", "created_by"), user, action, path_field="province__path")


def suggestions(user, action: str = Action.VIEW) -> QuerySet[PlanSuggestion]:
    if not _active(user):
        return PlanSuggestion.objects.none()
    return restrict(PlanSuggestion.objects.select_related("plan__province", "unit"), user, action,
                    path_field="plan__province__path")


# --- the greedy choice (no Django) ----------------------------------------------------------------------------------

def order(costs: np.ndarray, probabilities: np.ndarray, criteria_failing: np.ndarray, distances: np.ndarray
          ) -> np.ndarray:
    """The candidates' indices by cost per expected success (cost ÷ probability), then fewer failing criteria,
    higher probability, shorter distance; those with probability 0 left out."""
    p = np.asarray(probabilities, dtype=float)
    keep = np.flatnonzero(p > 0)
    ratio = np.asarray(costs, dtype=float)[keep] / p[keep]
    return keep[np.lexsort((np.asarray(distances)[keep], -p[keep], np.asarray(criteria_failing)[keep], ratio))]


def choose(costs, probabilities, criteria_failing, distances, needed: float) -> list[int]:
    """The candidates taken, in order, until the Σ of their probabilities reaches ``needed`` (all of them when it
    never does; none when nothing is needed)."""
    taken, expected = [], 0.0
    for i in order(costs, probabilities, criteria_failing, distances):
        if expected >= needed - 1e-9:
            break
        taken.append(int(i))
        expected += float(probabilities[i])
    return taken


# --- suggest ---------------------------------------------------------------------------------------------------------

def parse_target(text: str, level: str) -> dict | None:
    """A target as typed: «65%» (a share of the communes) or «40» (a number); None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    share = text.endswith("%")
    try:
        value = float(text.rstrip("%").strip().replace(",", "."))
    except ValueError:
        value = -1.0
    if value < 0 or (share and value > 100) or math.isnan(value):
        raise PlanRefused(_("Mục tiêu «%(text)s» của mức «%(level)s» không đọc được; ghi số xã (ví dụ 40) hoặc tỷ "
                            "lệ phần trăm số xã của tỉnh (ví dụ 65%%).") % {"text": text, "level": Level(level).label})
    return {"value": value, "share": share}


def target_count(target: dict, communes: int) -> int:
    return math.ceil(target["value"] / 100.0 * communes - 1e-9) if target["share"] else math.ceil(target["value"])


@dataclass
class Suggested:
    unit: Unit
    level: str
    rank: int
    cost: float
    probability: float
    reasons: dict


def _money(value: float) -> str:
    return format_number(value)


def _percent(p: float) -> str:
    return format_number(100.0 * p, 0) + "%"


def _reasons(row: Row, p: float, chance: float, year: int, position: int, next_row: tuple[Row, float] | None
             ) -> dict:
    gaps = sorted(row.gaps, key=lambda g: -g.normalised)[:MAIN_GAPS]
    text = []
    if row.failing_criteria:
        text.append(_("Còn %(n)s tiêu chí chưa đạt: %(codes)s (hồ sơ năm %(year)s).") % {
            "n": row.criteria_failing, "codes": ", ".join(row.failing_criteria), "year": row.year})
    else:
        text.append(_("Đạt %(met)s/%(total)s tiêu chí theo hồ sơ năm %(year)s.") % {
            "met": row.criteria_met, "total": row.criteria_total, "year": row.year})
    if gaps:
        text.append(_("Khoảng cách chính: %(gaps)s.") % {"gaps": "; ".join(
            f"{g.code}: {g.value_text} / {SYMBOLS.get(g.comparator, g.comparator)} {g.threshold_text}" for g in gaps)})
    cost = _("Chi phí khắc phục ước tính %(cost)s đồng") % {"cost": _money(row.cost)}
    if row.cost_missing:
        cost += _(" (tối thiểu: %(n)s chỉ tiêu chưa có đơn giá)") % {"n": row.cost_missing}
    text.append(cost + ".")
    text.append(_("Xác suất đạt chuẩn đến năm %(year)s theo dự báo: %(p)s.") % {"year": year, "p": _percent(p)})
    if chance != p:
        text.append(_("Vì xác suất theo xu hướng bằng 0, kế hoạch tính khả năng đạt bằng tỷ lệ tiêu chí dự báo đạt "
                      "vào năm %(year)s: %(chance)s.") % {"year": year, "chance": _percent(chance)})
    ratio = row.cost / chance
    why = _("Xếp thứ %(rank)s theo chi phí cho mỗi xã kỳ vọng đạt chuẩn (%(ratio)s đồng).") % {
        "rank": position, "ratio": _money(ratio)}
    if next_row is not None:
        other, q = next_row
        why += " " + _("Xã đầu tiên không được chọn, %(name)s, cần %(ratio)s đồng cho mỗi xã kỳ vọng đạt chuẩn "
                       "(khả năng đạt %(p)s).") % {"name": other.unit.name, "ratio": _money(other.cost / q),
                                               "p": _percent(q)}
    text.append(why)
    return {"criteria_failing": row.failing_criteria, "criteria_met": row.criteria_met,
            "criteria_total": row.criteria_total, "assessment_year": row.year,
            "gaps": [{"code": g.code, "name": g.name, "value": g.value_text, "threshold": g.threshold_text,
                      "comparator": g.comparator, "cost": g.cost} for g in gaps],
            "cost": row.cost, "cost_missing": row.cost_missing, "probability": round(p, 3),
            "chance": round(chance, 3), "chance_from": "probability" if chance == p else "expected_criteria",
            "cost_per_success": round(ratio), "text": text}


def suggest_level(province: Unit, as_of: dt.date, year: int, level: str, target: dict
                  ) -> tuple[dict, list[Suggested]]:
    """The summary and the suggestions of one level (see the module)."""
    communes = list(Unit.objects.valid_on(as_of).within(province).rural_communes().in_vietnamese_order())
    if not communes:
        raise PlanRefused(_("%(province)s không có xã nào còn hiệu lực ngày %(date)s.") % {
            "province": province.name, "date": format_date(as_of)})
    statuses = statuses_on(communes, as_of)
    holding = [c for c in communes if statuses[c.pk].holds(level)]
    registered_ids = set(Registration.objects.filter(unit__in=communes, target_level=level, target_year=year)
                         .values_list("unit_id", flat=True))
    open_ = [c for c in communes if not statuses[c.pk].holds(level)]
    registered = [c for c in open_ if c.pk in registered_ids]
    candidates = [c for c in open_ if c.pk not in registered_ids]
    wanted = target_count(target, len(communes))
    try:
        ranking = rank(base(province, as_of, level, candidates)) if candidates else None
    except ForesightError as exc:
        raise PlanRefused(str(exc)) from None
    rows = ranking.rows if ranking else []
    forecast_units = [*registered, *(r.unit for r in rows)]
    result = forecast.run(forecast_units, level, today=as_of, until=year) if forecast_units else None
    p_of: dict[int, float] = {}
    chance_of: dict[int, float] = {}
    if result is not None:
        sim, h = result.prediction, int(np.searchsorted(result.prediction.horizon, year))
        total = result.history.cs.n_criteria or 1
        for i, u in enumerate(result.history.units):
            p_of[u.pk] = float(sim.meets_by[i, h])
            chance_of[u.pk] = p_of[u.pk] if p_of[u.pk] > 0 else float(sim.expected_met[i, h]) / total
    elif forecast_units:
        raise PlanRefused(_("Chưa có bộ tiêu chí «%(level)s» có hiệu lực năm %(year)s để dự báo; chọn năm hoặc mức "
                            "khác.") % {"level": Level(level).label, "year": year})
    registered_expected = sum(chance_of.get(c.pk, 0.0) for c in registered)
    needed = wanted - len(holding) - registered_expected
    probs = np.array([chance_of.get(r.unit.pk, 0.0) for r in rows])
    costs = np.array([r.cost for r in rows])
    failing = np.array([r.criteria_failing for r in rows])
    dist = np.array([r.distance for r in rows])
    taken = choose(costs, probs, failing, dist, needed) if rows else []
    ranked = list(order(costs, probs, failing, dist)) if rows else []
    first_left = next((int(i) for i in ranked if int(i) not in taken), None)
    left = (rows[first_left], float(probs[first_left])) if first_left is not None else None
    out = [Suggested(rows[i].unit, level, n, rows[i].cost, p_of.get(rows[i].unit.pk, 0.0),
                     _reasons(rows[i], p_of.get(rows[i].unit.pk, 0.0), float(probs[i]), year, n, left))
           for n, i in enumerate(taken, start=1)]
    expected = len(holding) + registered_expected + float(probs[taken].sum() if taken else 0.0)
    summary = {"communes": len(communes), "holding": len(holding), "registered": len(registered),
               "registered_expected": round(registered_expected, 2), "target": wanted,
               "candidates": len(rows), "without_dossier": len(ranking.base.missing) if ranking else 0,
               "suggested": len(out), "expected": round(expected, 2),
               "shortfall": round(max(wanted - expected, 0.0), 2),
               "cost": sum(s.cost for s in out), "criteria_set": ranking.cset.code if ranking else ""}
    return summary, out


@transaction.atomic
def create(user, province: Unit, as_of: dt.date, year: int, targets: dict[str, dict]) -> Plan:
    """Compute and store the plan (audited). ``targets``: {level: parse_target(…)}, at least one."""
    if not _may_decide(user, province):
        raise PlanRefused(_("Chỉ Văn phòng Điều phối NTM tỉnh lập được kế hoạch đăng ký đạt chuẩn của %(province)s.")
                          % {"province": province.name})
    if year <= as_of.year:
        raise PlanRefused(_("Năm đăng ký %(year)s phải sau năm của ngày tính (%(as_of)s); chọn năm sau.") % {
            "year": year, "as_of": as_of.year})
    if not targets:
        raise PlanRefused(_("Nhập mục tiêu cho ít nhất một mức (số xã hoặc tỷ lệ %, ví dụ 65%)."))
    summaries, rows = {}, []
    for level in [lvl for lvl in COMMUNE_LEVELS if lvl in targets]:
        summary, suggested = suggest_level(province, as_of, year, level, targets[level])
        summaries[level] = summary
        targets[level]["count"] = summary["target"]
        rows.extend(suggested)
    plan = Plan.objects.create(province=province, year=year, as_of=as_of, targets=targets, summary=summaries,
                               created_by=user)
    PlanSuggestion.objects.bulk_create([PlanSuggestion(
        plan=plan, unit=s.unit, level=s.level, rank=s.rank, cost=round(s.cost), probability=s.probability,
        reasons=s.reasons) for s in rows])
    record("create", plan, after={"province": province.code, "year": year, "as_of": as_of.isoformat(),
                                  "targets": targets, "suggestions": len(rows)}, user=user)
    return plan


def _may_decide(user, province: Unit) -> bool:
    return restrict(Unit.objects.filter(pk=province.pk), user, DECIDE).exists()


# --- decide ----------------------------------------------------------------------------------------------------------

ACCEPT, EDIT, REJECT = "accept", "edit", "reject"


def snapshot(s: PlanSuggestion) -> dict:
    return {"unit": s.unit.code, "level": s.level, "edited_level": s.edited_level, "status": s.status,
            "note": s.note, "registration": s.registration_id}


def decide(user, pk: int, decision: str, *, level: str = "", note: str = "") -> PlanSuggestion:
    """Accept, edit (the level) or reject the suggestion ``pk`` (one ``user`` may decide: else 404 upstream via
    ``suggestions``). Refused when it was already accepted or rejected, or when the commune is already registered
    for that level and year."""
    note = " ".join((note or "").split())[:1000]
    with transaction.atomic():
        s = suggestions(user, DECIDE).select_for_update(of=("self",)).get(pk=pk)
        if s.status != PlanSuggestion.Status.SUGGESTED:
            raise PlanRefused(_("Đề xuất của xã %(name)s đã được %(who)s quyết định («%(status)s») lúc %(when)s; tải "
                                "lại trang để xem.") % {
                "name": s.unit.name, "who": s.decided_by.get_username() if s.decided_by else _("người khác"),
                "status": s.get_status_display(),
                "when": timezone.localtime(s.decided_at).strftime("%H:%M %d/%m/%Y") if s.decided_at else "—"})
        before = snapshot(s)
        if decision in (ACCEPT, EDIT) and level and level != s.chosen_level:
            if level not in COMMUNE_LEVELS:
                raise PlanRefused(_("Mức «%(level)s» không phải mức đạt chuẩn của xã; chọn một mức trong danh sách.")
                                  % {"level": level})
            s.edited_level = "" if level == s.level else level
        if decision == EDIT:
            if before == snapshot(s) and note == s.note:
                raise PlanRefused(_("Chọn một mức khác mức đang đề xuất rồi bấm «Sửa mức»."))
            s.note = note or s.note
            s.save(update_fields=["edited_level", "note"])
            record("update", s, before=before, after=snapshot(s), user=user, note="Sửa mức đề xuất")
            return s
        if decision == ACCEPT:
            year = s.plan.year
            if Registration.objects.filter(unit=s.unit, target_level=s.chosen_level, target_year=year).exists():
                raise PlanRefused(_("Xã %(name)s đã đăng ký «%(level)s» năm %(year)s; từ chối đề xuất này hoặc sửa "
                                    "mức.") % {"name": s.unit.name, "level": Level(s.chosen_level).label,
                                               "year": year})
            today = timezone.localdate()
            registration = Registration.objects.create(
                unit=s.unit, target_level=s.chosen_level, target_year=year, registered_on=min(today, dt.date(
                    year, 12, 31)), note=note or _("Theo kế hoạch đăng ký đạt chuẩn năm %(year)s (số %(pk)s).") % {
                    "year": year, "pk": s.plan_id})
            record("create", registration, after={
                "unit": s.unit.code, "target_level": registration.target_level, "target_year": year,
                "registered_on": registration.registered_on.isoformat(), "note": registration.note},
                user=user, note=f"Chấp nhận đề xuất {s.pk} của kế hoạch {s.plan_id}")
            s.status, s.registration = PlanSuggestion.Status.ACCEPTED, registration
        elif decision == REJECT:
            s.status = PlanSuggestion.Status.REJECTED
        else:
            raise PlanRefused(_("Chọn Chấp nhận, Sửa mức hoặc Từ chối."))
        s.note, s.decided_by, s.decided_at = note, user, timezone.now()
        s.save(update_fields=["status", "edited_level", "registration", "note", "decided_by", "decided_at"])
        record("update", s, before=before, after=snapshot(s), user=user)
        return s
