"""The demo's history of values (``demo.history``): the years present, labelled synthetic, consistent with the
recognitions, and the 2023 and 2026 figures unchanged (the golden files: ``tests/test_golden.py``)."""

import datetime as dt

import pytest

from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.criteria.choices import Level
from nongthonso.demo.history import SET_CODE
from nongthonso.demo.raw_values import SYNTHETIC_SOURCE
from nongthonso.recognition.services import statuses_on


@pytest.mark.django_db
def test_years_present_and_labelled_synthetic():
    years = set(Assessment.objects.filter(criteria_set__code=SET_CODE).values_list("year", flat=True))
    assert {2022, 2023, 2024, 2025} <= years
    added = Assessment.objects.filter(criteria_set__code=SET_CODE, year=2024)
    assert added.count() > 100 and not added.filter(synthetic=False).exists()
    values = IndicatorValue.objects.filter(assessment__in=added)
    assert values.exists() and not values.exclude(source=SYNTHETIC_SOURCE).exists()


@pytest.mark.django_db
def test_communes_holding_ntm_in_2024_meet_it_in_their_2024_values():
    added = list(Assessment.objects.filter(criteria_set__code=SET_CODE, year=2024).select_related("unit"))
    held = statuses_on([a.unit for a in added], dt.date(2024, 12, 31))
    holders = [a for a in added if held[a.unit_id].holds(Level.XA_NTM)]
    assert holders and all(a.eligible for a in holders)


@pytest.mark.django_db
def test_trajectories_differ_between_communes():
    """Communes improve at different rates: the 2023→2025 change in criteria met is not the same everywhere."""
    met = {}
    for unit_id, year, n in (Assessment.objects.filter(criteria_set__code=SET_CODE, year__in=(2023, 2024, 2025))
                             .values_list("unit_id", "year", "criteria_met")):
        met.setdefault(unit_id, {})[year] = n
    changes = {m[2025] - m[2023] for m in met.values() if len(m) == 3}
    assert len(changes) > 2
