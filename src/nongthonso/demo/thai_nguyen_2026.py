"""The Thái Nguyên demo in 2026: the new province (old Thái Nguyên + old Bắc Kạn, 77 xã and 15 phường directly under
it since 1/7/2025), the 2026-2030 criteria, two-tier dossiers. Real units, synthetic raw inputs.

Built by ``thai_nguyen.build`` after the 2023 demo, with its own random seed, so the 2023 figures stay exactly as
they were. Everything stored here is a raw input, flagged ``synthetic`` (or noted as demo data where a row has no
flag): which old Bắc Kạn communes held which status before the merger (one "status as of 1/1/2025" decision per
level, since the units' earlier history is not loaded), the 2025 self-assessments of the old communes, the
province's decisions recognising merged communes, the commune groups of Decision 51/2025, the 2026
self-assessments on the 2026-2030 set (indicator values) and where each dossier stands in the workflow, the
registrations for 2026. What is real: the units and their lineage, the criteria catalogue, the workflows.

Nothing here is a result: the provisional statuses of merged communes, the criteria met, every count of the 2026
summary are computed from these inputs by the engine and the recognition rules.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

from django.utils import timezone

from nongthonso.assessments.definitions import definitions
from nongthonso.assessments.evaluation import evaluate_assessment
from nongthonso.assessments.models import Assessment, WorkflowEvent
from nongthonso.assessments.services import get_or_create_assessment
from nongthonso.assessments.workflow import transfer_ended
from nongthonso.criteria.choices import LEVEL_RANK, Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.models import Decision, Registration
from nongthonso.recognition.services import statuses_on
from nongthonso.units.groups import spans_of
from nongthonso.units.models import CommuneGroupAssignment, Unit
from nongthonso.units.services import earlier_versions

from .raw_values import assess

SEED = 20261204
PROVINCE = "19"
OLD_BAC_KAN = "06"
EVE = dt.date(2025, 6, 30)  # the last day of the three-tier structure
NEW_DAY = dt.date(2025, 7, 1)
AS_OF = dt.date(2026, 6, 30)
AUTHORITY = "UBND tỉnh Thái Nguyên"
DEMO_NOTE = "Số hiệu minh họa (demo)"
SNAPSHOT_NOTE = ("Minh họa (demo): tình trạng đạt chuẩn của xã trước sắp xếp, tổng hợp các quyết định trước ngày "
                 "1/1/2025 (lịch sử đơn vị của tỉnh Bắc Kạn cũ chỉ được nạp từ 1/1/2025)")
ACTOR_PROVINCE = "Văn phòng Điều phối NTM tỉnh Thái Nguyên"
SET_2021, SET_2026 = "xa-ntm-2021-2025", "xa-ntm-2026-2030"

# the communes whose officers the demo users are (demo_users): merged communes, their 2026 dossiers opened through
# the application (values carried from 2025, awaiting confirmation)
WALKTHROUGH = ("05845", "05542")  # Xã Vạn Phú (Vạn Phú + Văn Yên), Xã Lam Vỹ (Lam Vỹ + Linh Thông)
# commune groups of Decision 51/2025 by former district (synthetic): group 1 next to the cities, group 3 in the
# mountains (all of old Bắc Kạn, Định Hóa, Võ Nhai), group 2 elsewhere
GROUP_1_FORMER = {"164", "165", "172"}
GROUP_3_FORMER = {"167", "170"}
GROUP_DECISION = ("318/QĐ-UBND", dt.date(2026, 2, 20))
# share of old Bắc Kạn communes recognised before the merger (synthetic)
BAC_KAN_NTM, BAC_KAN_ADVANCED, BAC_KAN_MODEL = 38, 8, 1


def _past(day: dt.date) -> dt.date:
    """``day``, or today when ``day`` is still to come: the demo records only what has happened (a decision or a
    step dated in the future would be refused by the application itself)."""
    return min(day, timezone.localdate())


def _former_district(unit: Unit, predecessors: dict[int, list[Unit]]) -> str | None:
    """The code of the district most of the unit's predecessors sat in on 30/6/2025 (ties: the smallest code)."""
    codes = Counter(p.parent.code for p in predecessors.get(unit.pk, ()) if p.parent_id)
    if not codes:
        return None
    top = max(codes.values())
    return min(code for code, n in codes.items() if n == top)


def _history(assessment: Assessment, steps: list[tuple[str, str, str, str, str, dt.date]], workflow_pk: int) -> None:
    """Record where a dossier stands as the workflow events that brought it there (demo actors, no user):
    (action, from, to, actor's role, reason, date)."""
    version = assessment.version
    for action, source, target, role, reason, day in steps:
        version += 1
        WorkflowEvent.objects.create(
            assessment=assessment, action=action, from_state=source, to_state=target, actor=None,
            actor_name="minh họa (demo)", actor_role=role, reason=reason, version=version,
            details={"workflow": "hai-cap" if day >= NEW_DAY else "ba-cap", "demo": True},
            timestamp=dt.datetime.combine(_past(day), dt.time(9, 30), tzinfo=dt.UTC))
    Assessment.objects.filter(pk=assessment.pk).update(state=steps[-1][2], version=version, workflow_id=workflow_pk)


def build(rng: random.Random | None = None, say=lambda *_: None) -> dict:
    """Add the 2026 demo to a database holding the 2023 one (``thai_nguyen.build`` calls it in its transaction)."""
    rng = rng or random.Random(SEED)
    flows = definitions()
    three_tier, two_tier = flows["ba-cap"], flows["hai-cap"]
    set_2021 = CriteriaSet.objects.get(code=SET_2021, superseded_by__isnull=True)
    set_2026 = CriteriaSet.objects.get(code=SET_2026, superseded_by__isnull=True)
    province = Unit.objects.valid_on(AS_OF).get(code=PROVINCE, unit_type__level__code="tinh")
    communes = list(Unit.objects.valid_on(AS_OF).within(province).rural_communes().order_by("code"))
    bac_kan = Unit.objects.valid_on(EVE).get(code=OLD_BAC_KAN, unit_type__level__code="tinh")
    old_home = Unit.objects.valid_on(EVE).get(code=PROVINCE, unit_type__level__code="tinh")
    old_bk = list(Unit.objects.valid_on(EVE).within(bac_kan).rural_communes().order_by("code"))
    old_all = old_bk + list(Unit.objects.valid_on(EVE).within(old_home).rural_communes().order_by("code"))

    # 1. old Bắc Kạn: who held which level before the merger (a status snapshot per level)
    ntm = sorted(rng.sample(old_bk, BAC_KAN_NTM), key=lambda u: u.code)
    advanced = sorted(rng.sample(ntm, BAC_KAN_ADVANCED), key=lambda u: u.code)
    model = sorted(rng.sample(advanced, BAC_KAN_MODEL), key=lambda u: u.code)
    for number, level, units in (("12/QĐ-UBND", Level.XA_NTM, ntm), ("13/QĐ-UBND", Level.XA_NANG_CAO, advanced),
                                 ("14/QĐ-UBND", Level.XA_KIEU_MAU, model)):
        decision = Decision.objects.create(number=number, date=dt.date(2025, 1, 2), authority="UBND tỉnh Bắc Kạn",
                                           level=level, for_year=None, synthetic=True, note=SNAPSHOT_NOTE)
        decision.units.set(units)

    # 2. old Thái Nguyên after mid-2023: the communes registered for 2023 recognised early in 2024
    registered = [r.unit for r in Registration.objects.filter(target_year=2023, target_level=Level.XA_NTM)
                  .select_related("unit").order_by("unit__code")]
    decision = Decision.objects.create(number="421/QĐ-UBND", date=dt.date(2024, 2, 26), authority=AUTHORITY,
                                       level=Level.XA_NTM, for_year=2023, synthetic=True, note=DEMO_NOTE)
    decision.units.set(registered)

    # 3. the 2025 self-assessments of every old commune (the values a 2026 dossier starts from)
    eve = statuses_on(old_all, EVE)
    targets = [(u, (19 if rng.random() > 0.1 else 18) if eve[u.pk].holds(Level.XA_NTM) else rng.randint(11, 17))
               for u in old_all]
    n_values = assess(rng, set_2021, targets, 2025)
    Assessment.objects.filter(year=2025, criteria_set=set_2021, synthetic=True).update(state="approved")
    # one of them was waiting at its district on 30/6/2025: it moves to the province's queue (with an event)
    waiting = next(u for u, _ in targets if u.path.startswith(old_home.path) and not eve[u.pk].holds(Level.XA_NTM))
    left = Assessment.objects.get(unit=waiting, year=2025, criteria_set=set_2021)
    Assessment.objects.filter(pk=left.pk).update(state="draft")
    left.refresh_from_db()
    _history(left, [("submit", "draft", "submitted", f"cán bộ phụ trách NTM {waiting.name[:1].lower()}"
                     f"{waiting.name[1:]}", "", dt.date(2025, 6, 20))], three_tier.pk)

    # 4. the new communes: their predecessors, former districts, groups
    earlier = earlier_versions([c.pk for c in communes])
    old_by_pk = {u.pk: u for u in Unit.objects.filter(pk__in={pk for ids in earlier.values() for pk in ids},
                                                       valid_to=EVE).select_related("parent")}
    predecessors = {c.pk: [old_by_pk[pk] for pk in earlier[c.pk] if pk in old_by_pk] for c in communes}
    bk_districts = {d.code for d in Unit.objects.valid_on(EVE).within(bac_kan).at_level("huyen")}
    number, day = GROUP_DECISION
    for commune in communes:
        former = _former_district(commune, predecessors)
        group = 1 if former in GROUP_1_FORMER else 3 if (former in GROUP_3_FORMER or former in bk_districts) else 2
        CommuneGroupAssignment.objects.create(
            unit=commune, group=group, valid_from=dt.date(2026, 2, 15), decision_number=number,
            decision_date=_past(day), authority=AUTHORITY, synthetic=True,
            note="Minh họa (demo): nhóm xã theo Quyết định 51/2025/QĐ-TTg, xếp theo huyện cũ")

    # 5. merged communes recognised by the province (the others keep the provisional status the merger rule gives)
    on_new_day = statuses_on(communes, NEW_DAY)
    provisional = [c for c in communes if on_new_day[c.pk].provisional]
    recognised_2026 = sorted(rng.sample(provisional, round(len(provisional) * 0.6)), key=lambda u: u.code)
    by_level = defaultdict(list)
    for commune in recognised_2026:  # at the level the merger rule gives them (Công văn 267/BNN-VPĐP)
        by_level[on_new_day[commune.pk].commune_level].append(commune)
    serial = 600
    for level, units in sorted(by_level.items(), key=lambda item: LEVEL_RANK[item[0]]):
        for month, start in enumerate(range(0, len(units), 6), start=1):
            serial += rng.randint(20, 90)
            decision = Decision.objects.create(
                number=f"{serial}/QĐ-UBND", date=_past(dt.date(2026, min(month, 6), rng.randint(5, 25))),
                authority=AUTHORITY, level=level, for_year=2025, synthetic=True,
                note="Số hiệu minh họa (demo): công nhận xã hình thành sau sắp xếp (Công văn 267/BNN-VPĐP)")
            decision.units.set(units[start:start + 6])

    # 6. the 2026 self-assessments on the 2026-2030 set, every commune
    holders = statuses_on(communes, AS_OF)
    n_criteria = 10
    others = [c for c in communes if c.code not in WALKTHROUGH]
    # three communes not yet NTM reach every criterion in 2026 (the province recognises two of them in November)
    reaching = set(rng.sample([c for c in others if not holders[c.pk].holds(Level.XA_NTM)], 3))
    plan = []
    for commune in others:
        strong = holders[commune.pk].holds(Level.XA_NTM)
        plan.append((commune, n_criteria if commune in reaching else rng.choice([8, 9, 9, 10, 10]) if strong
                     else rng.randint(4, 8)))
    n_values += assess(rng, set_2026, plan, 2026)
    # the walk-through communes open theirs through the application: values carried from their predecessors' 2025
    # self-assessments (worst case across predecessors), each awaiting an officer's confirmation
    for code in WALKTHROUGH:
        opened = get_or_create_assessment(next(c for c in communes if c.code == code), 2026, set_2026, synthetic=True)
        if not Assessment.objects.filter(pk=opened.pk).values_list("results", flat=True).get():
            evaluate_assessment(opened)

    # 7. where the 2026 dossiers stand: every state of the two-tier workflow
    dossiers = {a.unit_id: a for a in Assessment.objects.filter(year=2026, criteria_set=set_2026)
                .exclude(unit__code__in=WALKTHROUGH).select_related("unit")}
    by_unit = {c.pk: c for c in communes}
    candidates = sorted(dossiers.values(), key=lambda a: a.unit.code)
    rng.shuffle(candidates)
    full_not_ntm = [a for a in candidates
                    if a.criteria_met == n_criteria and not holders[a.unit_id].holds(Level.XA_NTM)]
    officer = "cán bộ phụ trách NTM {}"
    states = {"recognised": full_not_ntm[:2]}
    rest = [a for a in candidates if a not in states["recognised"]]
    states.update(approved=rest[:5], submitted=rest[5:13], returned=rest[13:16])
    decision_2026 = None
    for state, rows in states.items():
        for a in rows:
            who = officer.format(by_unit[a.unit_id].name[:1].lower() + by_unit[a.unit_id].name[1:])
            steps = [("submit", "draft", "submitted", who, "", dt.date(2026, 8, rng.randint(3, 28)))]
            if state == "returned":
                steps.append(("return", "submitted", "returned", ACTOR_PROVINCE,
                              "Tiêu chí 6: thiếu danh sách hộ nghèo đa chiều đã được phê duyệt (minh họa)",
                              dt.date(2026, 9, rng.randint(2, 20))))
            if state in ("approved", "recognised"):
                steps.append(("approve", "submitted", "approved", ACTOR_PROVINCE, "Hội đồng thẩm định thống nhất",
                              dt.date(2026, 10, rng.randint(1, 25))))
            if state == "recognised":
                if decision_2026 is None:
                    decision_2026 = Decision.objects.create(
                        number="2215/QĐ-UBND", date=_past(dt.date(2026, 11, 18)), authority=AUTHORITY,
                        level=Level.XA_NTM, for_year=2026, synthetic=True, note=DEMO_NOTE)
                decision_2026.units.add(a.unit)
                steps.append(("record_decision", "approved", "recognised", ACTOR_PROVINCE, "",
                              dt.date(2026, 11, 18)))
            _history(a, steps, two_tier.pk)
    Assessment.objects.filter(pk__in=[a.pk for a in dossiers.values()], state="draft").update(workflow_id=two_tier.pk)

    # 8. registrations for 2026: communes not yet NTM that come close; the strongest NTM ones for the pilot level
    close = sorted((a for a in candidates if not holders[a.unit_id].holds(Level.XA_NTM) and a.criteria_met >= 7
                    and a not in states["recognised"]), key=lambda a: a.unit.code)
    strong = sorted((a for a in candidates if holders[a.unit_id].holds(Level.XA_NTM) and a.criteria_met == n_criteria),
                    key=lambda a: a.unit.code)[:4]
    for rows, level in ((close, Level.XA_NTM), (strong, Level.XA_HIEN_DAI)):
        for a in rows:
            Registration.objects.create(unit=a.unit, target_level=level, target_year=2026,
                                        registered_on=_past(dt.date(2026, 1, rng.randint(6, 30))), synthetic=True)

    moved = transfer_ended()
    say(f"Năm 2026: {len(communes)} xã của tỉnh mới, {len(provisional)} xã hình thành sau sắp xếp từ các xã đều đã "
        f"đạt chuẩn ({len(recognised_2026)} đã có quyết định công nhận lại), {len(dossiers) + len(WALKTHROUGH)} hồ sơ "
        f"năm 2026, {moved} hồ sơ chuyển từ quy trình ba cấp sang hai cấp.")
    return {"values": n_values, "communes": len(communes), "groups": len(spans_of(c.pk for c in communes))}


def clear() -> None:
    """The 2026 demo's rows that ``thai_nguyen._clear_demo_data`` does not already remove (assessments, decisions
    and registrations are flagged synthetic and go there)."""
    CommuneGroupAssignment.objects.filter(synthetic=True).delete()
