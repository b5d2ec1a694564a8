"""The provincial summary: every figure computed from stored raw data (decisions, assessments, units).

``summary(code, as_of)`` returns the figures as a dict (the JSON of ``nongthonso report summary``);
``summary_text`` renders them as a Vietnamese paragraph in the style of the province's reports (``summary_text_en``:
the same in English, for the pages in English mode).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.expressions import RawSQL

from nongthonso.assessments.services import latest_criteria_met
from nongthonso.core.text import format_date, format_number, format_percent
from nongthonso.criteria.choices import COMMUNE_LEVELS, DISTRICT_LEVELS, Level
from nongthonso.recognition.models import Decision, Registration
from nongthonso.recognition.services import commune_level_counts, count_holding, held_spells
from nongthonso.units.models import Unit, UnitFacts, UnitLevel, UnitType

BELOW = 10  # "không có xã dưới 10 tiêu chí"


class UnitNotFound(LookupError):
    pass


NATIONAL = "VN"  # the code that asks for the whole country (every province): summary("VN", as_of)


def find_unit(code: str, as_of: dt.date) -> Unit:
    unit = Unit.objects.valid_on(as_of).filter(code=code).select_related("unit_type__level").first()
    if unit is None:
        raise UnitNotFound(f"Không có đơn vị mã «{code}» còn hiệu lực ngày {format_date(as_of)}. "
                           "Kiểm tra mã GSO hoặc ngày báo cáo.")
    return unit


def national_unit() -> Unit:
    """The whole country as the root of a summary: not stored; its ``path`` "/" holds every unit."""
    level = UnitLevel(code="quoc_gia", name="Cả nước", name_en="Country", depth=0)
    kind = UnitType(code="quoc_gia", name="Cả nước", name_en="Country", level=level)
    return Unit(code=NATIONAL, name="Cả nước", unit_type=kind, path="/", valid_from=dt.date.min)


def find_root(code: str, as_of: dt.date) -> Unit:
    """``find_unit``, or the whole country for ``NATIONAL``."""
    return national_unit() if code == NATIONAL else find_unit(code, as_of)


def in_force_under(root: Unit, as_of: dt.date, prefix: str = "") -> Q:
    """``Unit.objects.valid_on(as_of).within(root)`` as a condition on the unit reached through ``prefix`` (e.g.
    ``"unit__"`` from a decision link): the database joins the unit instead of listing the units in a subquery,
    which is what pays when they are many (the whole country: no test of the path at all)."""
    q = Q(**{f"{prefix}valid_from__lte": as_of}) & (Q(**{f"{prefix}valid_to__isnull": True})
                                                     | Q(**{f"{prefix}valid_to__gte": as_of}))
    if root.pk is not None:
        q &= Q(**{f"{prefix}path__startswith": root.path}) & ~Q(**{f"{prefix}pk": root.pk})
    return q


def _compiled(units) -> RawSQL:
    """The ids of ``units`` as a subquery compiled once, for the several counts that use it (Django would compile
    the queryset again inside each)."""
    sql, params = units.order_by().values("pk").query.sql_with_params()
    return RawSQL(sql, params)


def summary(code: str, as_of: dt.date, period_start: dt.date | None = None) -> dict:
    """Figures for the unit ``code`` (``NATIONAL``: the whole country) as it was on ``as_of``; decisions
    counted from ``period_start`` (default: 1 January of the same year) to ``as_of``.

    Every count is an aggregate in the database over querysets of the units in scope — no unit, decision or
    assessment is loaded one by one — so the cost grows with the database's work, not with Python's: about a
    dozen queries for a province or for the 10,000 communes of the country (docs/performance.md)."""
    unit = find_root(code, as_of)
    period_start = period_start or dt.date(as_of.year, 1, 1)
    within = Unit.objects.filter(in_force_under(unit, as_of))
    # Rows that refer to a unit reach the units in scope, for a province or a district, by a subquery (its few
    # units found under the path index, then each one's rows through their index); for the whole country, the
    # derived rows (standings, spells) by the copy of the unit's type and dates they carry (``UnitFacts``: no
    # join of 80,000 units), decision links and registrations by a join.
    national = unit.pk is None
    linked = in_force_under(unit, as_of, "unit__")
    if national:
        # the unit types by id, not joined: then SQLite finds the communes through the index on the type instead
        # of reading every unit (70,000 hamlets among them)
        rural, hamlet = [], []
        for pk, is_rural, level in UnitType.objects.values_list("pk", "is_rural", "level__code"):
            (rural if is_rural else hamlet if level == "xom" else []).append(pk)
        communes = within.filter(unit_type_id__in=rural)
        linked_communes = linked & Q(unit__unit_type_id__in=rural)
        derived_communes = UnitFacts.in_force(as_of, rural)
        hamlets = UnitFacts.in_force(as_of, hamlet)
    else:
        communes = within.rural_communes()
        linked_communes = derived_communes = Q(unit_id__in=_compiled(communes))
        hamlets = Q(unit_id__in=_compiled(within.at_level("xom")))
    dist = latest_criteria_met(communes, Level.XA_NTM, as_of.year, where=derived_communes if national else None)
    communes_total = sum(dist.values())
    dist.pop(None, None)  # communes with no assessment yet
    held = commune_level_counts(communes, as_of, where=derived_communes)
    ntm, advanced, model = held[Level.XA_NTM], held[Level.XA_NANG_CAO], held[Level.XA_KIEU_MAU]
    model_hamlets = count_holding(hamlets, as_of, {"model": [Level.XOM_KIEU_MAU]})["model"]

    assessed = sum(dist.values())
    met_sum = sum(k * n for k, n in dist.items())
    avg = round(met_sum / assessed, 1) if assessed else None

    # the decisions of the period touch a few thousand communes at most: their links read once, counted here
    recognised: dict[str, set[int]] = {level: set() for level in COMMUNE_LEVELS}
    years: dict[str, set[int]] = {level: set() for level in COMMUNE_LEVELS}
    revoked: set[int] = set()
    for unit_id, kind, level, year in (
            Decision.units.through.objects.filter(
                linked_communes, Q(decision__kind=Decision.Kind.REVOCATION) | Q(decision__level__in=COMMUNE_LEVELS),
                decision__date__gte=period_start, decision__date__lte=as_of)
            .order_by().values_list("unit_id", "decision__kind", "decision__level", "decision__for_year")):
        if kind == Decision.Kind.REVOCATION:
            revoked.add(unit_id)
        else:
            recognised[level].add(unit_id)
            if year is not None:
                years[level].add(year)
    decisions = {level: {"communes": len(recognised[level]), "for_years": sorted(years[level])}
                 for level in COMMUNE_LEVELS}

    registrations = dict.fromkeys(COMMUNE_LEVELS, 0)
    registrations.update(Registration.objects.filter(linked_communes, target_year=as_of.year).order_by()
                         .values_list("target_level").annotate(n=Count("pk")))

    districts = within.at_level("huyen")
    completed = (districts.filter(pk__in=held_spells(as_of, levels=DISTRICT_LEVELS).values("unit_id"))
                 .order_by("code").values_list("name", flat=True))
    found = list(Decision.objects.filter(date__gte=period_start, date__lte=as_of, level__in=DISTRICT_LEVELS,
                                         units__in=districts).distinct().order_by("date", "pk")
                 .values("pk", "number", "date", "authority", "level", "for_year"))
    names: dict[int, list[str]] = {d["pk"]: [] for d in found}
    if found:  # each decision's units by name, in the units' order (one query, no unit instances)
        for decision_id, name in (Decision.units.through.objects.filter(decision_id__in=list(names))
                                  .order_by("unit__sort_key", "unit__code").values_list("decision_id", "unit__name")):
            names[decision_id].append(district_display_name_of(name))
    district_decisions = [{"number": d["number"], "date": d["date"].isoformat(), "authority": d["authority"],
                           "level": d["level"], "for_year": d["for_year"], "units": names[d["pk"]]} for d in found]
    return {
        "as_of": as_of.isoformat(),
        "period_start": period_start.isoformat(),
        "unit": {"code": unit.code, "name": unit.name, "type": unit.unit_type.name},
        "communes_total": communes_total,
        "ntm": ntm,
        "ntm_pct": round(100 * ntm / communes_total, 1) if communes_total else None,
        "advanced": advanced,
        "model": model,
        "provisional": held["provisional"],
        "model_hamlets": model_hamlets,
        "communes_assessed": assessed,
        "avg_criteria": avg,
        "criteria_met_sum": met_sum,
        "min_criteria": min(dist) if dist else None,
        "communes_below_10": sum(n for k, n in dist.items() if k < BELOW),
        "criteria_distribution": {str(k): dist[k] for k in sorted(dist)},
        "decisions_in_period": decisions,
        "revocations_in_period": len(revoked),
        "registrations": registrations,
        "registrations_year": as_of.year,
        "completed_districts": [district_display_name_of(name) for name in completed],
        "district_decisions_in_period": district_decisions,
    }


_TYPE_WORDS = ("Thành phố", "Thị xã", "Huyện", "Quận", "Thị trấn", "Phường", "Xã", "Tỉnh")


def district_display_name(unit: Unit) -> str:
    """"thành phố Thái Nguyên", "huyện Phú Bình": the type word in lower case, as running text writes it."""
    return district_display_name_of(unit.name)


def district_display_name_of(name: str) -> str:
    for word in _TYPE_WORDS:
        if name.startswith(word + " "):
            return word.lower() + name[len(word):]
    return name


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


def _join(parts: list[str], conjunction: str = "và") -> str:
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}" if len(parts) > 1 else "".join(parts)


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
    whole = "cả nước" if data["unit"]["code"] == NATIONAL else f"toàn {_scope_word(data)}"
    body = (f"Đến nay, {whole} có {data['ntm']}/{data['communes_total']} "
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
        where = "cả nước" if data["unit"]["code"] == NATIONAL else _scope_word(data)
        sentences.append(f"Đến nay, {where} có {len(done)} đơn vị cấp huyện hoàn thành nhiệm vụ xây "
                         f"dựng nông thôn mới gồm {_join(done)}.")
    return " ".join(sentences)


def _scope_word(data: dict) -> str:
    kind = data["unit"]["type"].lower()
    return "tỉnh" if kind in ("tỉnh",) else ("thành phố" if "thành phố" in kind else kind)


_LEVEL_PHRASE_EN = {
    Level.XA_NTM: ("commune", "communes", "meeting the new rural standard"),
    Level.XA_NANG_CAO: ("commune", "communes", "meeting the advanced new rural standard"),
    Level.XA_KIEU_MAU: ("commune", "communes", "meeting the model new rural standard"),
}


def _count_en(n: int, level: str) -> str:
    one, many, what = _LEVEL_PHRASE_EN[level]
    return f"{n} {one if n == 1 else many} {what}"


def _period_phrase_en(start: dt.date, end: dt.date) -> str:
    next_day = end + dt.timedelta(days=1)
    if start == dt.date(end.year, 1, 1) and next_day.day == 1:
        months = end.month
        return (f"In the first {months} month{'s' if months > 1 else ''} of {end.year}" if months < 12
                else f"In {end.year}")
    return f"From {format_date(start)} to {format_date(end)}"


def _join_and(parts: list[str]) -> str:
    return _join(parts, "and")


def summary_text_en(data: dict) -> str:
    """``summary_text`` in English, for the pages in English mode: the same figures, numbers and dates written
    as the rest of those pages writes them (85,7%, 24/5/2023); decision numbers and names as recorded. The
    official outputs (report exports, the API's ``text``, the command line) keep the Vietnamese paragraph."""
    as_of = dt.date.fromisoformat(data["as_of"])
    start = dt.date.fromisoformat(data["period_start"])
    sentences = []
    dec = data["decisions_in_period"]
    if any(d["communes"] for d in dec.values()):
        years = sorted({y for d in dec.values() for y in d["for_years"]})
        parts = [_count_en(d["communes"], level) for level, d in dec.items() if d["communes"]]
        year_text = f" for {', '.join(str(y) for y in years)}" if years else ""
        sentences.append(f"{_period_phrase_en(start, as_of)}, {_join_and(parts)} were recognised{year_text}.")
    pct = format_percent(data["ntm_pct"]) if data["ntm_pct"] is not None else "—"
    whole = "the country" if data["unit"]["code"] == NATIONAL else f"{data['unit']['name']}"
    body = (f"To date, {whole} has {data['ntm']}/{data['communes_total']} communes meeting the new rural "
            f"standard ({pct} of all communes), {data['advanced']} advanced and {data['model']} model new rural "
            f"communes, and {data['model_hamlets']} model new rural hamlets")
    if data["avg_criteria"] is not None:
        body += f"; communes meet {format_number(data['avg_criteria'], 1)} criteria on average"
        below = data["communes_below_10"]
        body += (f", and none meets fewer than {BELOW}" if below == 0
                 else f", and {below} meet{'s' if below == 1 else ''} fewer than {BELOW}")
    sentences.append(body + ".")
    reg = data["registrations"]
    if any(reg.values()):
        parts = [_count_en(n, level).replace(" meeting", " registered to meet", 1) for level, n in reg.items() if n]
        sentences.append(f"For {data['registrations_year']}, {'; '.join(parts)}.")
    for d in data["district_decisions_in_period"]:
        level = ("as meeting the new rural standard" if d["level"] == Level.HUYEN_NTM
                 else "as having completed the new rural development programme")
        year = f" for {d['for_year']}" if d["for_year"] else ""
        sentences.append(f"On {format_date(dt.date.fromisoformat(d['date']))}, {d['authority']} issued Decision "
                         f"No. {d['number']} recognising {_join_and(d['units'])} {level}{year}.")
    done = data["completed_districts"]
    if done:
        where = "the country" if data["unit"]["code"] == NATIONAL else data["unit"]["name"]
        sentences.append(f"To date, {len(done)} district-level unit{'s' if len(done) != 1 else ''} of {where} "
                         f"{'have' if len(done) != 1 else 'has'} completed the new rural development programme: "
                         f"{_join_and(done)}.")
    return " ".join(sentences)
