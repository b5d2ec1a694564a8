"""The Thái Nguyên demo, first half of 2023: real units, synthetic raw inputs.

Everything here is *raw input*: indicator values, decisions, registrations, hamlets. Nothing is a
result. The values are generated deterministically (fixed seed) so that the engine, evaluating them
against the catalogue's thresholds, reproduces the figures of the province's 2023 report:

    108/126 xã NTM (85,7%), 17 nâng cao, 4 kiểu mẫu, 88 xóm NTM kiểu mẫu, bình quân 18,2 tiêu chí/xã,
    không có xã dưới 10 tiêu chí; in the first half of 2023, 10 / 9 / 4 recognitions for 2022;
    11 / 12 / 4 registrations for 2023; Decision 567/QĐ-TTg of 24/5/2023 for Phú Bình; four
    district-level units done.

What is real: the units and their history, the criteria catalogue, Decision 567/QĐ-TTg, and the
figures above (from the report). What is synthetic (and flagged ``synthetic=True`` wherever stored):
which communes hold which status, every indicator value, every other decision number, the hamlets.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from nongthonso.assessments.models import Assessment
from nongthonso.audit.context import request_context
from nongthonso.criteria.catalogue import compiled, load_catalogue
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.models import Decision, Registration
from nongthonso.units.lineage import load_thai_nguyen_history
from nongthonso.units.models import Unit, UnitType
from nongthonso.units.reference import ensure_reference_data

from . import coops_demo, foresight_demo, ocop_demo, smart_2023, thai_nguyen_2026, training_2023
from .raw_values import assess

SEED = 20230630
AS_OF = dt.date(2023, 6, 30)
H1_START = dt.date(2023, 1, 1)
PROVINCE = "19"
AUTHORITY_PROVINCE = "UBND tỉnh Thái Nguyên"
AUTHORITY_PM = "Thủ tướng Chính phủ"

# District-level units that completed the programme by mid-2023 (the report): code -> (level, decision)
COMPLETED = {
    "164": (Level.HOAN_THANH, "synthetic", dt.date(2016, 3, 15), 2015),   # TP Thái Nguyên
    "165": (Level.HOAN_THANH, "synthetic", dt.date(2019, 4, 10), 2018),   # TP Sông Công
    "172": (Level.HOAN_THANH, "synthetic", dt.date(2021, 6, 8), 2020),    # TP Phổ Yên
    "173": (Level.HUYEN_NTM, "567/QĐ-TTg", dt.date(2023, 5, 24), 2022),   # H. Phú Bình (real decision)
}
# Where the 18 communes not yet NTM are (synthetic, mountain districts first)
NOT_NTM_BY_DISTRICT = {"170": 7, "167": 4, "171": 3, "168": 2, "169": 2}
# Communes merged into Vạn Phú on 1/12/2024; both were NTM nâng cao before the merger (press)
ADVANCED_BEFORE_MERGER = ("05839", "05845")

# Target number of NTM criteria met in the 2023 self-assessment (calibration of the raw values)
REGISTERED_NTM_TARGETS = [18, 17, 17, 16, 16, 15, 15, 15, 14, 14, 13]
OTHER_NOT_NTM_TARGETS = [12, 11, 11, 11, 10, 10, 10]
NTM_FAILING_ONE = 5  # recognised communes whose 2023 values miss one criterion ("duy trì, nâng chất")



@dataclass
class Plan:
    ntm_before: list[Unit]
    ntm_h1: list[Unit]
    advanced_before: list[Unit]
    advanced_h1: list[Unit]
    model_h1: list[Unit]
    not_ntm: list[Unit]
    registered: dict[str, list[Unit]]
    targets: dict[int, int]  # unit pk -> criteria met in 2023


def _pick(rng: random.Random, pool: list[Unit], n: int, exclude=()) -> list[Unit]:
    candidates = [u for u in pool if u not in exclude]
    return sorted(rng.sample(candidates, n), key=lambda u: u.code)


def _plan(rng: random.Random, communes: list[Unit], district_of: dict[int, Unit]) -> Plan:
    by_district = defaultdict(list)
    for c in communes:
        by_district[district_of[c.pk].code].append(c)
    protected = [c for c in communes if c.code in ADVANCED_BEFORE_MERGER]
    not_ntm = []
    for code, n in NOT_NTM_BY_DISTRICT.items():
        not_ntm += _pick(rng, by_district[code], n, exclude=protected)
    ntm = [c for c in communes if c not in not_ntm]
    # advanced: 8 before 2023 (including the two later merged into Vạn Phú), 9 recognised for 2022 in H1 2023
    advanced_before = sorted(protected + _pick(rng, ntm, 6, exclude=protected), key=lambda u: u.code)
    advanced_h1 = _pick(rng, ntm, 9, exclude=advanced_before)
    model_h1 = _pick(rng, advanced_before, 4, exclude=protected)
    ntm_h1 = _pick(rng, ntm, 10, exclude=advanced_before + advanced_h1 + protected)
    ntm_before = [c for c in ntm if c not in ntm_h1]
    advanced = advanced_before + advanced_h1
    registered = {
        Level.XA_NTM: not_ntm[: len(REGISTERED_NTM_TARGETS)],
        Level.XA_NANG_CAO: _pick(rng, ntm, 12, exclude=advanced),
        Level.XA_KIEU_MAU: _pick(rng, advanced, 4, exclude=model_h1),
    }
    # registered-for-NTM communes are the strongest of those not yet NTM
    rest = [c for c in not_ntm if c not in registered[Level.XA_NTM]]
    targets = {c.pk: 19 for c in ntm}
    for c in _pick(rng, ntm, NTM_FAILING_ONE, exclude=advanced + ntm_h1):
        targets[c.pk] = 18
    for c, t in zip(registered[Level.XA_NTM], REGISTERED_NTM_TARGETS, strict=True):
        targets[c.pk] = t
    for c, t in zip(rest, OTHER_NOT_NTM_TARGETS, strict=True):
        targets[c.pk] = t
    return Plan(ntm_before, ntm_h1, advanced_before, advanced_h1, model_h1, not_ntm, registered, targets)


def _decision(number: str, date: dt.date, level: str, units: list[Unit], *, for_year: int | None,
              authority: str = AUTHORITY_PROVINCE, synthetic: bool = True, note: str = "") -> Decision:
    decision = Decision.objects.create(
        number=number, date=date, authority=authority, level=level, for_year=for_year,
        synthetic=synthetic, note=note or ("Số hiệu minh họa (demo)" if synthetic else ""))
    decision.units.set(units)
    return decision


def _spread_decisions(rng, units: list[Unit], level: str, years: range, serial: list[int],
                      date_window: tuple[dt.date, dt.date] | None = None) -> None:
    """Group ``units`` into yearly decisions (synthetic numbers), dated in the following spring or
    inside ``date_window``."""
    units = list(units)
    rng.shuffle(units)
    per_year = defaultdict(list)
    for i, unit in enumerate(units):
        per_year[years[i % len(years)]].append(unit)
    for year, batch in sorted(per_year.items()):
        # one decision per date; a few dates per year
        chunks = [batch[i:i + 4] for i in range(0, len(batch), 4)]
        for chunk in chunks:
            if date_window:
                start, end = date_window
                date = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
            else:
                date = dt.date(year + 1, rng.randint(1, 5), rng.randint(1, 28))
            serial[0] += rng.randint(3, 40)
            _decision(f"{serial[0]}/QĐ-UBND", date, level, chunk, for_year=year)


def _hamlets(rng: random.Random, communes: list[Unit]) -> list[Unit]:
    xom = UnitType.objects.get(code="xom")
    existing = Unit.objects.filter(parent__in=communes, unit_type=xom)
    if existing.exists():
        return list(existing)
    created = []
    for commune in communes:
        for i in range(1, rng.randint(7, 14) + 1):
            unit = Unit(code=f"{commune.code}-X{i:02d}", name=f"Xóm {i} ({commune.name.removeprefix('Xã ')})",
                        unit_type=xom, parent=commune, valid_from=commune.valid_from, valid_to=commune.valid_to,
                        synthetic=True)
            unit.save()
            created.append(unit)
    return created


@transaction.atomic
def build(stdout=None) -> dict:
    """Create the demo in the current database (units, catalogue, raw data). Idempotent for units and
    the catalogue; raw demo data is replaced."""
    say = stdout.write if stdout else (lambda *_: None)
    rng = random.Random(SEED)
    with request_context(actor="nongthonso demo"):
        ensure_reference_data()
        load_thai_nguyen_history()
        load_catalogue()
        say("Đã nạp đơn vị hành chính và bộ tiêu chí.")
        province = Unit.objects.valid_on(AS_OF).get(code=PROVINCE, unit_type__level__code="tinh")
        within = Unit.objects.valid_on(AS_OF).within(province)
        communes = list(within.rural_communes().select_related("parent", "unit_type").order_by("code"))
        districts = {d.code: d for d in within.at_level("huyen")}
        district_of = {c.pk: c.parent for c in communes}
        _clear_demo_data()
        plan = _plan(rng, communes, district_of)

        serial = [100]
        _spread_decisions(rng, plan.ntm_before, Level.XA_NTM, range(2012, 2022), serial)
        _spread_decisions(rng, plan.ntm_h1, Level.XA_NTM, range(2022, 2023), serial, (H1_START, AS_OF))
        _spread_decisions(rng, plan.advanced_before, Level.XA_NANG_CAO, range(2019, 2022), serial)
        _spread_decisions(rng, plan.advanced_h1, Level.XA_NANG_CAO, range(2022, 2023), serial, (H1_START, AS_OF))
        _spread_decisions(rng, plan.model_h1, Level.XA_KIEU_MAU, range(2022, 2023), serial, (H1_START, AS_OF))
        for code, (level, number, date, for_year) in COMPLETED.items():
            real = number != "synthetic"
            _decision(number if real else f"{serial[0] + 7}/QĐ-TTg", date, level, [districts[code]],
                      for_year=for_year, authority=AUTHORITY_PM, synthetic=not real,
                      note="Quyết định thật (báo cáo của tỉnh, 2023)" if real else "")
            serial[0] += 11
        for level, units in plan.registered.items():
            for unit in units:
                Registration.objects.create(unit=unit, target_level=level, target_year=2023,
                                            registered_on=dt.date(2023, 1, rng.randint(5, 31)), synthetic=True)

        hamlets = _hamlets(rng, communes)
        ntm_units = set(plan.ntm_before + plan.ntm_h1)
        eligible_hamlets = [h for h in hamlets if h.parent in ntm_units]
        model_hamlets = sorted(rng.sample(eligible_hamlets, 88), key=lambda h: h.code)
        by_district = defaultdict(list)
        for h in model_hamlets:
            by_district[district_of[h.parent_id].code].append(h)
        for code, batch in sorted(by_district.items()):
            for year_i, chunk in enumerate(batch[i:i + 6] for i in range(0, len(batch), 6)):
                serial[0] += 5
                _decision(f"{serial[0]}/QĐ-UBND", dt.date(2019 + year_i % 4, rng.randint(3, 12), rng.randint(1, 28)),
                          Level.XOM_KIEU_MAU, chunk, for_year=2018 + year_i % 4,
                          authority=f"UBND {districts[code].name}")

        ntm_set = CriteriaSet.objects.get(code="xa-ntm-2021-2025", superseded_by__isnull=True)
        adv_set = CriteriaSet.objects.get(code="xa-ntm-nang-cao-2021-2025", superseded_by__isnull=True)
        model_set = CriteriaSet.objects.get(code="xa-ntm-kieu-mau-2021-2025", superseded_by__isnull=True)
        n_values = 0
        # 2023 self-assessments, calibrated to the report
        n_values += assess(rng, ntm_set, [(c, plan.targets[c.pk]) for c in communes], 2023)
        # 2022: full marks for the communes recognised by then (or for 2022), one criterion fewer for the rest
        targets_2022 = [(c, 19 if c in ntm_units else max(plan.targets[c.pk] - 1, 10)) for c in communes]
        n_values += assess(rng, ntm_set, targets_2022, 2022)
        advanced = plan.advanced_before + plan.advanced_h1
        adv_total = compiled(adv_set, PROVINCE).n_criteria
        n_values += assess(rng, adv_set, [(c, adv_total) for c in advanced]
                            + [(c, adv_total - rng.randint(1, 4)) for c in plan.registered[Level.XA_NANG_CAO]], 2023)
        model_total = compiled(model_set, PROVINCE).n_criteria
        n_values += assess(rng, model_set, [(c, model_total) for c in plan.model_h1]
                            + [(c, model_total - 1) for c in plan.registered[Level.XA_KIEU_MAU]], 2023)
        # the province's figures of mid-2023 are appraised (published); new dossiers start as drafts
        Assessment.objects.filter(synthetic=True).update(state=Assessment.State.APPROVED)
        say(f"Năm 2023: {Decision.objects.count()} quyết định, {Registration.objects.count()} đăng ký, "
            f"{len(hamlets)} xóm (minh họa), {n_values} giá trị chỉ tiêu (minh họa).")
        # the province today: two tiers, the 2026-2030 criteria (its own seed: the figures above stay as they are)
        later = thai_nguyen_2026.build(say=say)
        # the October 2023 training course and the 2023 headcounts of the officials it is for
        training_2023.build(say=say)
        # the smart-NTM targets' 2023 inputs (figures entered, pilots): rows of their own, nothing above changes
        smart_2023.build(say=say)
        # OCOP: producers, products, councils' member scores, dossiers and the certificates decided from them
        ocop_demo.build(say=say)
        # co-operatives (joining the OCOP demo's co-operative producers), their 2026 season, lots, the board
        coops_demo.build(say=say)
        # foresight: the province's unit costs of closing indicator gaps (synthetic), rows of their own
        foresight_demo.build(say=say)
    return {"values": n_values + later["values"], "hamlets": len(hamlets)}


def _clear_demo_data() -> None:
    foresight_demo.clear()
    smart_2023.clear()
    thai_nguyen_2026.clear()
    Assessment.objects.filter(synthetic=True).delete()
    Registration.objects.filter(synthetic=True).delete()
    Decision.objects.filter(note__in=["Số hiệu minh họa (demo)", "Quyết định thật (báo cáo của tỉnh, 2023)"]).delete()
    Decision.objects.filter(synthetic=True).delete()
