"""The provincial summary as it was computed before issue 5 (every unit, decision and assessment loaded and
counted in Python, over ``statuses_on`` and ``latest_assessments``): the reference the optimised
``reports.services.summary`` must equal. Kept as it was, except that the root may be the whole country
(``find_root``), that decisions of the same date are listed by id, and that ties between assessments of the
same year and set version are broken as ``assessments.models.LATEST_ORDER`` breaks them (the old query left
them to the database). Issue 9 (two tiers, 2026-2030) added, computed the same slow way: the levels in use (those
of the criteria sets in force in the period, and any level decided or registered), the structure (a commune under a
unit below its province or not), districts as the units holding a district-level recognition (no level named),
the modern communes, the criteria sets of the latest assessments, the grouping and the province's completion."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict

from django.db.models import Q

from nongthonso.assessments.models import LATEST_ORDER, Assessment
from nongthonso.core import registry
from nongthonso.criteria.choices import COMMUNE_LEVELS, DISTRICT_LEVELS, PROVINCE_LEVELS, Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.models import Decision, Registration
from nongthonso.recognition.services import statuses_on
from nongthonso.reports import targets
from nongthonso.reports.services import BELOW, district_display_name, find_root
from nongthonso.units import groupings
from nongthonso.units.models import Unit


def latest_assessments(units, level: str, year: int) -> dict[int, Assessment]:
    unit_ids = [u.pk for u in units]
    latest: dict[int, Assessment] = {}
    qs = (Assessment.objects.filter(unit_id__in=unit_ids, year__lte=year, criteria_set__level=level)
          .order_by("unit_id", *LATEST_ORDER)
          .only("id", "unit_id", "year", "criteria_met", "criteria_failed", "criteria_unknown",
                "criteria_total", "eligible", "revoke", "criteria_set_id"))
    for a in qs:
        latest.setdefault(a.unit_id, a)
    return latest


def reference_summary(code: str, as_of: dt.date, period_start: dt.date | None = None) -> dict:
    """The summary as the JSON of ``summary(…).to_dict()`` (the report command's, the API's)."""
    unit = find_root(code, as_of)
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
    in_use = {cs.level for cs in CriteriaSet.objects.filter(level__in=COMMUNE_LEVELS)
              if cs.effective_from <= as_of and (cs.effective_to is None or cs.effective_to >= period_start)}
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
    used = [lvl for lvl in COMMUNE_LEVELS if lvl in in_use or decisions[lvl]["communes"] or registrations[lvl]]
    decisions = {lvl: decisions[lvl] for lvl in used}
    registrations = {lvl: registrations[lvl] for lvl in used}

    # the districts: the units under the root that a district-level decision ever named
    districts = list(within.filter(decisions__level__in=DISTRICT_LEVELS).distinct().select_related("unit_type")
                     .order_by("code"))
    district_status = statuses_on(districts, as_of, merger_rule=False)
    completed = [d for d in districts if district_status[d.pk].levels & set(DISTRICT_LEVELS)]
    district_decisions = [
        {"number": dec.number, "date": dec.date.isoformat(), "authority": dec.authority,
         "level": dec.level, "for_year": dec.for_year,
         "units": [district_display_name(u) for u in dec.units.all()]}
        for dec in Decision.objects.filter(period, level__in=DISTRICT_LEVELS, units__in=[d.pk for d in districts])
        .distinct().prefetch_related("units__unit_type").order_by("date", "pk")
    ]
    two_tier = bool(communes) and not any(len([p for p in c.path.strip("/").split("/") if p]) >= 3 for c in communes)
    by_set: dict[int, list[Assessment]] = {}
    for a in latest.values():
        by_set.setdefault(a.criteria_set_id, []).append(a)
    sets = {cs.pk: cs for cs in CriteriaSet.objects.filter(pk__in=list(by_set))}
    criteria_sets = [{"code": sets[pk].code, "name": sets[pk].name, "legal_basis": sets[pk].legal_basis,
                      "criteria": max(a.criteria_total for a in found), "communes": len(found),
                      "criteria_met_sum": sum(a.criteria_met for a in found),
                      "all_met": sum(1 for a in found if a.criteria_met >= a.criteria_total),
                      "avg_criteria": round(sum(a.criteria_met for a in found) / len(found), 1)}
                     for pk, found in sorted(by_set.items(), key=lambda kv: (sets[kv[0]].effective_from, kv[0]))]
    completion = None
    if unit.pk is not None and unit.parent_id is None:
        decided = (Decision.objects.filter(units=unit, level__in=PROVINCE_LEVELS, date__lte=as_of)
                   .order_by("-date", "-pk").first())
        rule = targets.completion_rule()
        completion = {
            "level": rule.level, "legal_basis": rule.legal_basis, "applies": as_of >= rule.applies_from,
            "completed": decided is not None and decided.kind == Decision.Kind.RECOGNITION,
            "decision": None if decided is None else {
                "number": decided.number, "date": decided.date.isoformat(), "authority": decided.authority,
                "kind": decided.kind, "level": decided.level, "for_year": decided.for_year},
            "decision_in_period": decided is not None and decided.date >= period_start,
            "targets": [],
        }
    data = {
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
        "structure": "two_tier" if two_tier else "three_tier",
        "modern": sum(1 for s in statuses.values() if s.holds(Level.XA_HIEN_DAI)),
        "criteria_total": (None if not criteria_sets else criteria_sets[0]["criteria"] if len(criteria_sets) == 1
                           else {e["code"]: e["criteria"] for e in criteria_sets}),
        "criteria_sets": criteria_sets,
        "communes_all_met": sum(e["all_met"] for e in criteria_sets),
        "grouping": groupings.describe(groupings.kind_for(two_tier)),
        "province_completion": completion,
    }
    if completion is not None:
        held = {Level.XA_NTM: ntm, Level.XA_NANG_CAO: advanced, Level.XA_KIEU_MAU: model,
                Level.XA_HIEN_DAI: data["modern"]}
        completion["targets"] = [asdict(t) for t in targets.progress(as_of, len(communes), held)]
    # the sections other apps add (core.registry.SummarySection): their own figures, under their codes
    data.update({entry.code: entry.build(unit, as_of, period_start)
                 for entry in registry.entries(registry.SummarySection)})
    return data
