"""The provincial summary: every figure computed from stored raw data (decisions, assessments, units).

``summary(code, as_of)`` returns the figures as a dict (the JSON of ``nongthonso report summary``);
``summary_text`` renders them as a Vietnamese paragraph in the style of the province's reports.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Q

from nongthonso.assessments.services import latest_assessments
from nongthonso.core.text import format_date, format_number, format_percent
from nongthonso.criteria.choices import COMMUNE_LEVELS, DISTRICT_LEVELS, Level
from nongthonso.recognition.models import Decision, Registration
from nongthonso.recognition.services import statuses_on
from nongthonso.units.models import Unit

BELOW = 10  # "không có xã dưới 10 tiêu chí"


class UnitNotFound(LookupError):
    pass


def find_unit(code: str, as_of: dt.date) -> Unit:
    unit = Unit.objects.valid_on(as_of).filter(code=code).select_related("unit_type__level").first()
    if unit is None:
        raise UnitNotFound(f"Không có đơn vị mã «{code}» còn hiệu lực ngày {format_date(as_of)}. "
                           "Kiểm tra mã GSO hoặc ngày báo cáo.")
    return unit


def summary(code: str, as_of: dt.date, period_start: dt.date | None = None) -> dict:
    """Figures for the unit ``code`` as it was on ``as_of``; decisions counted from ``period_start``
    (default: 1 January of the same year) to ``as_of``."""
    unit = find_unit(code, as_of)
    period_start = period_start or dt.date(as_of.year, 1, 1)
    within = Unit.objects.valid_on(as_of).within(unit)
    communes = list(within.rural_communes().only("id", "code", "name", "sort_key", "valid_from"))
    statuses = statuses_on(communes, as_of)
    ntm = sum(1 for s in statuses.values() if s.holds(Level.XA_NTM))
    advanced = sum(1 for s in statuses.values() if s.holds(Level.XA_NANG_CAO))
    model = sum(1 for s in statuses.values() if s.holds(Level.XA_KIEU_MAU))
    provisional = sum(1 for s in statuses.values() if s.provisional)

    hamlets = list(within.at_level("xom").only("id", "valid_from"))
    hamlet_status = statuses_on(hamlets, as_of, merger_rule=False)
    model_hamlets = sum(1 for s in hamlet_status.values() if Level.XOM_KIEU_MAU in s.levels)

    latest = latest_assessments(communes, Level.XA_NTM, as_of.year)
    counts = [a.criteria_met for a in latest.values()]
    assessed = len(counts)
    avg = round(sum(counts) / assessed, 1) if assessed else None
    dist = Counter(counts)

    unit_ids = [c.pk for c in communes]
    period = Q(date__gte=period_start, date__lte=as_of)
    decisions = {}
    for level in COMMUNE_LEVELS:
        qs = Decision.objects.filter(period, level=level, kind=Decision.Kind.RECOGNITION)
        recognised = qs.filter(units__in=unit_ids).values("units").distinct().count()
        years = sorted(set(qs.filter(units__in=unit_ids).values_list("for_year", flat=True)) - {None})
        decisions[level] = {"communes": recognised, "for_years": years}
    revoked = (Decision.objects.filter(period, kind=Decision.Kind.REVOCATION, units__in=unit_ids)
               .values("units").distinct().count())

    registrations = dict.fromkeys(COMMUNE_LEVELS, 0)
    for level, n in Counter(Registration.objects.filter(unit_id__in=unit_ids, target_year=as_of.year)
                            .values_list("target_level", flat=True)).items():
        registrations[level] = n

    districts = list(within.at_level("huyen").select_related("unit_type").order_by("code"))
    district_status = statuses_on(districts, as_of, merger_rule=False)
    completed = [d for d in districts if district_status[d.pk].levels & set(DISTRICT_LEVELS)]
    district_decisions = [
        {"number": dec.number, "date": dec.date.isoformat(), "authority": dec.authority,
         "level": dec.level, "for_year": dec.for_year,
         "units": [district_display_name(u) for u in dec.units.all()]}
        for dec in Decision.objects.filter(period, level__in=DISTRICT_LEVELS, units__in=[d.pk for d in districts])
        .distinct().prefetch_related("units__unit_type").order_by("date")
    ]
    return {
        "as_of": as_of.isoformat(),
        "period_start": period_start.isoformat(),
        "unit": {"code": unit.code, "name": unit.name, "type": unit.unit_type.name},
        "communes_total": len(communes),
        "ntm": ntm,
        "ntm_pct": round(100 * ntm / len(communes), 1) if communes else None,
        "advanced": advanced,
        "model": model,
        "provisional": provisional,
        "model_hamlets": model_hamlets,
        "communes_assessed": assessed,
        "avg_criteria": avg,
        "criteria_met_sum": sum(counts),
        "min_criteria": min(counts) if counts else None,
        "communes_below_10": sum(1 for c in counts if c < BELOW),
        "criteria_distribution": {str(k): dist[k] for k in sorted(dist)},
        "decisions_in_period": decisions,
        "revocations_in_period": revoked,
        "registrations": registrations,
        "registrations_year": as_of.year,
        "completed_districts": [district_display_name(d) for d in completed],
        "district_decisions_in_period": district_decisions,
    }


_TYPE_WORDS = ("Thành phố", "Thị xã", "Huyện", "Quận", "Thị trấn", "Phường", "Xã", "Tỉnh")


def district_display_name(unit: Unit) -> str:
    """"thành phố Thái Nguyên", "huyện Phú Bình": the type word in lower case, as running text writes it."""
    for word in _TYPE_WORDS:
        if unit.name.startswith(word + " "):
            return word.lower() + unit.name[len(word):]
    return unit.name


_LEVEL_PHRASE = {
    Level.XA_NTM: "xã đạt chuẩn nông thôn mới",
    Level.XA_NANG_CAO: "xã đạt chuẩn nông thôn mới nâng cao",
    Level.XA_KIEU_MAU: "xã đạt chuẩn nông thôn mới kiểu mẫu",
}


def _period_phrase(start: dt.date, end: dt.date) -> str:
    next_day = end + dt.timedelta(days=1)
    if start == dt.date(end.year, 1, 1) and next_day.day == 1:
        months = end.month
        return f"Trong {months} tháng đầu năm {end.year}" if months < 12 else f"Trong năm {end.year}"
    return f"Từ ngày {format_date(start)} đến ngày {format_date(end)}"


def _join(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + " và " + parts[-1] if len(parts) > 1 else "".join(parts)


def summary_text(data: dict) -> str:
    """The figures as a Vietnamese paragraph, numbers written the Vietnamese way (85,7%)."""
    as_of = dt.date.fromisoformat(data["as_of"])
    start = dt.date.fromisoformat(data["period_start"])
    sentences = []
    dec = data["decisions_in_period"]
    if any(d["communes"] for d in dec.values()):
        years = sorted({y for d in dec.values() for y in d["for_years"]})
        parts = [f"{d['communes']} {_LEVEL_PHRASE[level]}" for level, d in dec.items() if d["communes"]]
        year_text = f" năm {', '.join(str(y) for y in years)}" if years else ""
        sentences.append(f"{_period_phrase(start, as_of)}, đã công nhận {', '.join(parts)}{year_text}.")
    pct = format_percent(data["ntm_pct"]) if data["ntm_pct"] is not None else "—"
    body = (f"Đến nay, toàn {_scope_word(data)} có {data['ntm']}/{data['communes_total']} "
            f"xã đạt chuẩn nông thôn mới, bằng {pct} tổng số xã; "
            f"{data['advanced']} xã đạt chuẩn nông thôn mới nâng cao; "
            f"{data['model']} xã đạt chuẩn nông thôn mới kiểu mẫu; "
            f"{data['model_hamlets']} xóm nông thôn mới kiểu mẫu")
    if data["avg_criteria"] is not None:
        body += f"; bình quân đạt {format_number(data['avg_criteria'], 1)} tiêu chí/xã"
        below = data["communes_below_10"]
        body += (f" và không có xã dưới {BELOW} tiêu chí" if below == 0
                 else f"; còn {below} xã dưới {BELOW} tiêu chí")
    sentences.append(body + ".")
    reg = data["registrations"]
    if any(reg.values()):
        parts = [f"{n} {_LEVEL_PHRASE[level].replace('xã đạt', 'xã đăng ký đạt', 1)}"
                 for level, n in reg.items() if n]
        sentences.append(f"Năm {data['registrations_year']}, có {'; '.join(parts)}.")
    for d in data["district_decisions_in_period"]:
        date = dt.date.fromisoformat(d["date"])
        level = ("đạt chuẩn nông thôn mới" if d["level"] == Level.HUYEN_NTM
                 else "hoàn thành nhiệm vụ xây dựng nông thôn mới")
        year = f" năm {d['for_year']}" if d["for_year"] else ""
        names = _join([n for n in d["units"]])
        sentences.append(f"Ngày {format_date(date)}, {d['authority']} đã ban hành Quyết định số {d['number']} "
                         f"công nhận {names} {level}{year}.")
    done = data["completed_districts"]
    if done:
        sentences.append(f"Đến nay, {_scope_word(data)} có {len(done)} đơn vị cấp huyện hoàn thành nhiệm vụ xây "
                         f"dựng nông thôn mới gồm {_join(done)}.")
    return " ".join(sentences)


def _scope_word(data: dict) -> str:
    kind = data["unit"]["type"].lower()
    return "tỉnh" if kind in ("tỉnh",) else ("thành phố" if "thành phố" in kind else kind)
