"""The demo's history of values (``demo.history``): the years present, labelled synthetic, consistent with the
recognitions — and the figures of 2023 and 2026 unchanged: the golden summaries and dashboards (``tests/golden``)
computed again with the history added."""

import datetime as dt
from io import StringIO

from django.core.management import call_command

from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.criteria.choices import Level
from nongthonso.demo.history import SET_CODE
from nongthonso.demo.raw_values import SYNTHETIC_SOURCE
from nongthonso.recognition.services import statuses_on
from tests import test_golden as golden


def test_years_present_and_labelled_synthetic(demo_history):
    years = set(Assessment.objects.filter(criteria_set__code=SET_CODE).values_list("year", flat=True))
    assert {2022, 2023, 2024, 2025} <= years
    added = Assessment.objects.filter(criteria_set__code=SET_CODE, year=2024)
    assert added.count() == demo_history["assessments"] > 100 and not added.filter(synthetic=False).exists()
    values = IndicatorValue.objects.filter(assessment__in=added)
    assert values.count() == demo_history["values"]
    assert not values.exclude(source=SYNTHETIC_SOURCE).exists()


def test_communes_holding_ntm_in_2024_meet_it_in_their_2024_values(demo_history):
    added = list(Assessment.objects.filter(criteria_set__code=SET_CODE, year=2024).select_related("unit"))
    held = statuses_on([a.unit for a in added], dt.date(2024, 12, 31))
    holders = [a for a in added if held[a.unit_id].holds(Level.XA_NTM)]
    assert holders and all(a.eligible for a in holders)


def test_trajectories_differ_between_communes(demo_history):
    """Communes improve at different rates: the 2023→2025 change in criteria met is not the same everywhere, and
    each 2024 count lies within reach of the two (values between, criteria recounted)."""
    met = {}
    for unit_id, year, n in (Assessment.objects.filter(criteria_set__code=SET_CODE, year__in=(2023, 2024, 2025))
                             .values_list("unit_id", "year", "criteria_met")):
        met.setdefault(unit_id, {})[year] = n
    complete = [m for m in met.values() if len(m) == 3]
    assert len({m[2025] - m[2023] for m in complete}) > 2
    assert all(min(m[2023], m[2025]) - 3 <= m[2024] <= max(m[2023], m[2025]) + 3 for m in complete)


def test_the_golden_figures_of_2023_and_2026_do_not_change(demo_history, today_is, client):
    today_is(golden.TODAY)
    for name, unit, as_of, grouping in golden.SUMMARIES:
        args = ["report", "summary", "--unit", unit, "--as-of", as_of, "--format", "json"]
        if grouping:
            args += ["--nhom", grouping]
        out = StringIO()
        call_command(*args, stdout=out)
        assert out.getvalue() == (golden.GOLDEN / f"summary-{name}.json").read_text(encoding="utf-8"), name
    for name, url in golden.PAGES:
        response = client.get(url)
        parser = golden._MainText()
        parser.feed(response.content.decode())
        assert "\n".join(parser.lines) + "\n" == (golden.GOLDEN / f"page-{name}.txt").read_text(encoding="utf-8"), name
