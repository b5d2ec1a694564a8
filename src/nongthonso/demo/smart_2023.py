"""The smart-NTM part of the Thái Nguyên demo: the raw inputs of 2023, so that the progress page computes every target
of Decision 924/QĐ-TTg and Plan 154/KH-UBND for 2023.

What is real: the programmes and their targets (``smart/data/targets.yaml``, with their sources), the commune Tức
Tranh (Phú Lương) as the province's first pilot smart NTM commune and its hamlet Khe Cốc as a smart village (press,
2023: VietNamNet «Thí điểm xây dựng xã nông thôn mới thông minh đầu tiên ở Thái Nguyên»; Đại biểu Nhân dân,
20/11/2023). What is synthetic (``synthetic=True`` on every row): every figure entered, every decision number and
date, the other pilot villages, every value against the smart-village criteria. The smart villages recognised in the
communes with a 2023 model-commune dossier are as many as that dossier reports (its indicator «2»), so that the
register agrees with the dossiers.

Nothing here changes a row of the 2023 or 2026 demo (its figures and exports stay as they are): the rows are the
smart app's own. Built with the models directly, like the rest of the demo (its rows are not user writes).
"""

from __future__ import annotations

import datetime as dt
import random

from nongthonso.accounts.services import unit_phrase
from nongthonso.assessments.models import IndicatorValue
from nongthonso.criteria.catalogue import compiled
from nongthonso.smart.catalogue import load as load_smart
from nongthonso.smart.models import Figure, Measure, Pilot, PilotKind, PilotValue
from nongthonso.smart.villages import village_set
from nongthonso.units.models import Unit

SEED = 20231011  # the first day of the October 2023 course
YEAR = 2023
DAY = dt.date(2023, 12, 31)  # the day the 2023 progress is read on
PROVINCE = "19"
PILOT_COMMUNE = "05641"  # Xã Tức Tranh, huyện Phú Lương (press, 2023)
PILOT_VILLAGE_NAME = "Xóm Khe Cốc"  # its hamlet that reached «NTM thông minh» (press, 2023); not in the unit tree
MODEL_SET, SMART_VILLAGES = "xa-ntm-kieu-mau-2021-2025", "2"
AUTHORITY = "UBND tỉnh Thái Nguyên"
NOTE = "Số, ngày quyết định là minh họa (demo)."
MISSING_COMMUNES = 4  # communes left without a 2023 records figure, so that the page shows a partial coverage


def clear() -> None:
    PilotValue.objects.filter(synthetic=True).delete()
    Pilot.objects.filter(synthetic=True).delete()
    Figure.objects.filter(synthetic=True).delete()


def _figures(rng: random.Random, province: Unit, districts: list[Unit], communes: list[Unit]) -> list[Figure]:
    measures = {m.code: m for m in Measure.objects.all()}
    made: list[Figure] = []

    def add(code: str, unit: Unit, numerator: int, denominator: int, source: str) -> None:
        made.append(Figure(measure=measures[code], unit=unit, year=YEAR, numerator=numerator,
                           denominator=denominator, source=source, synthetic=True))

    def records(low: float, high: float, size: tuple[int, int]) -> tuple[int, int]:
        total = rng.randint(*size)
        return round(total * rng.uniform(low, high)), total

    add("ho-so-truc-tuyen", province, *records(.88, .97, (38_000, 52_000)),
        "Hệ thống quản lý văn bản và điều hành tỉnh, 31/12/2023 (minh họa)")
    for district in districts:
        add("ho-so-truc-tuyen", district, *records(.72, .96, (7_000, 19_000)),
            f"Hệ thống quản lý văn bản và điều hành {district.name}, 31/12/2023 (minh họa)")
        models = rng.randint(1, 6)
        add("chuoi-gia-tri-so", district, min(models, rng.choice([0, 0, 1, 2, models])), models,
            f"Báo cáo của {district.name} (minh họa)")
        add("dich-vu-thiet-yeu-so", district, rng.choice([0, 1, 1, 2, 3]), 6, f"Báo cáo của {district.name} (minh họa)")
    skipped = set(rng.sample(range(len(communes)), MISSING_COMMUNES))
    for i, commune in enumerate(communes):
        source = f"Báo cáo của UBND {unit_phrase(commune)} (minh họa)"
        if i not in skipped:
            add("ho-so-truc-tuyen", commune, *records(.45, .99, (600, 3_200)), source)
        coops = rng.choice([0, 0, 1, 1, 2, 3, 4, 6])
        add("htx-ung-dung-cds", commune, min(coops, rng.choice([0, 1, 1, 2, 3])) if coops else 0, coops, source)
        add("dich-vu-thiet-yeu-so", commune, rng.choice([0, 0, 0, 1, 1, 2]), 4, source)
        rounds = rng.randint(1, 2)
        add("lay-y-kien-truc-tuyen", commune, rng.randint(0, rounds) if rng.random() < .7 else 0, rounds, source)
    Figure.objects.bulk_create(made)
    return made


def _values(rng: random.Random, pilot: Pilot, cs, *, failing: int = 0, missing: int = 0) -> list[PilotValue]:
    """Values of the year for each indicator of the smart-village set: meeting its threshold, except ``failing`` of
    them (below it) and ``missing`` left out."""
    thresholds = cs.thresholds_for(YEAR, None)
    codes = list(cs.indicator_codes)
    rng.shuffle(codes)
    left_out, below = set(codes[:missing]), set(codes[missing:missing + failing])
    made = []
    for code in sorted(set(codes) - left_out):
        col = cs.index[code]
        kind, threshold = cs.value_types[col], float(thresholds[col])
        meets = code not in below
        if kind == "boolean":
            value: object = meets
        elif kind == "percent":
            low, high = (threshold, 100) if meets else (max(0, threshold - 35), threshold - 5)
            value = round(rng.uniform(low, high), 1)
        else:
            value = round(threshold + rng.uniform(0, 15) if meets else threshold * rng.uniform(.3, .8), 1)
        made.append(PilotValue(pilot=pilot, indicator_code=code, year=YEAR, value=value,
                               source="Biên bản rà soát của UBND xã (minh họa)", synthetic=True))
    return made


def _pilots(rng: random.Random, province: Unit, communes: list[Unit]) -> tuple[int, int]:
    by_code = {c.code: c for c in communes}
    serial = [1200]

    def number() -> str:
        serial[0] += rng.randint(5, 60)
        return f"{serial[0]}/QĐ-UBND"

    pilot_commune = by_code[PILOT_COMMUNE]
    designated = dt.date(2023, 5, 15)
    decision = number()
    pilots = [Pilot(kind=PilotKind.COMMUNE, commune=pilot_commune, decision_number=decision,
                    decision_date=designated, authority=AUTHORITY, synthetic=True,
                    note="Xã đầu tiên của tỉnh thí điểm xây dựng xã nông thôn mới thông minh (báo chí, 2023). " + NOTE)]
    khe_coc = Pilot(kind=PilotKind.VILLAGE, commune=pilot_commune, village_name=PILOT_VILLAGE_NAME,
                    decision_number=decision, decision_date=designated, authority=AUTHORITY,
                    recognition_number=number(), recognised_on=dt.date(2023, 9, 20),
                    recognition_authority=f"UBND {pilot_commune.parent.name.lower()}", synthetic=True,
                    note="Xóm đạt nông thôn mới thông minh (báo chí, 2023); chưa có trong danh mục đơn vị. " + NOTE)
    hamlets = {c.pk: list(Unit.objects.filter(parent=c, unit_type__code="xom").order_by("code")) for c in communes}
    in_progress = Pilot(kind=PilotKind.VILLAGE, commune=pilot_commune, village=rng.choice(hamlets[pilot_commune.pk]),
                        decision_number=decision, decision_date=designated, authority=AUTHORITY, synthetic=True,
                        note=NOTE)
    pilots += [khe_coc, in_progress]
    # the smart villages the 2023 model-commune dossiers report: that many recognised in each commune
    reported = (IndicatorValue.objects.filter(assessment__criteria_set__code=MODEL_SET, assessment__year=YEAR,
                                              indicator__code=SMART_VILLAGES, assessment__unit__in=communes)
                .values_list("assessment__unit_id", "value").order_by("assessment__unit__code"))
    recognised = []
    for unit_id, count in reported:
        if not count:
            continue
        decision, day = number(), dt.date(2022, rng.randint(2, 6), rng.randint(1, 28))
        recognition, on = number(), dt.date(2022, rng.randint(9, 12), rng.randint(1, 28))
        for village in sorted(rng.sample(hamlets[unit_id], int(count)), key=lambda u: u.code):
            recognised.append(Pilot(kind=PilotKind.VILLAGE, commune=village.parent, village=village,
                                    decision_number=decision, decision_date=day, authority=AUTHORITY,
                                    recognition_number=recognition, recognised_on=on,
                                    recognition_authority=AUTHORITY, synthetic=True, note=NOTE))
    Pilot.objects.bulk_create(pilots + recognised)
    cset = village_set(province, DAY)
    values = []
    if cset is not None:
        cs = compiled(cset, province.code)
        values += _values(rng, khe_coc, cs)
        values += _values(rng, in_progress, cs, failing=2, missing=1)
        for pilot in recognised:
            values += _values(rng, pilot, cs)
    PilotValue.objects.bulk_create(values)
    return len(pilots) + len(recognised), len(values)


def build(say=lambda *_: None) -> dict:
    """The smart-NTM rows of 2023 (replacing the demo's earlier ones)."""
    clear()
    load_smart(actor="nongthonso demo")
    rng = random.Random(SEED)
    province = Unit.objects.valid_on(DAY).get(code=PROVINCE, unit_type__level__code="tinh")
    within = Unit.objects.valid_on(DAY).within(province)
    districts = list(within.at_level("huyen").order_by("code"))
    communes = list(within.rural_communes().select_related("parent").order_by("code"))
    figures = _figures(rng, province, districts, communes)
    pilots, values = _pilots(rng, province, communes)
    say(f"Nông thôn mới thông minh 2023: {len(figures)} số liệu đơn vị nhập, {pilots} mô hình thí điểm, {values} giá "
        "trị tiêu chí thôn thông minh (minh họa).")
    return {"figures": len(figures), "pilots": pilots, "values": values}
