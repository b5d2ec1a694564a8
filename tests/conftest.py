"""Test set-up: every test database holds the Thái Nguyên demo (raw inputs only), built once per run.

Tests run inside a transaction that is rolled back, so each starts from the same demo state.
"""

import re
from collections import Counter

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from nongthonso.demo.thai_nguyen import build

    with django_db_blocker.unblock():
        build()


@pytest.fixture
def province_19(db):
    import datetime as dt

    from nongthonso.units.models import Unit

    return Unit.objects.valid_on(dt.date(2023, 6, 30)).get(code="19", unit_type__level__code="tinh")


@pytest.fixture
def dossiers_open(db):
    """The demo publishes its 2022/2023 dossiers (approved, so locked); tests that edit values or walk the
    workflow from the start reopen the 2023 ones, as the province would."""
    from nongthonso.assessments.models import Assessment

    Assessment.objects.filter(year=2023).update(state=Assessment.State.DRAFT)


THREE_TIER_TODAY = __import__("datetime").date(2025, 6, 1)


@pytest.fixture
def before_two_tier(monkeypatch):
    """Today is 1/6/2025: districts still exist, so the three-tier workflow is in force and the 2023 dossiers are
    not moved to the two-tier one. Only today's date moves (``timezone.localdate()``); timestamps stay real."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return THREE_TIER_TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return THREE_TIER_TODAY


# --- the derived rows stay in step after every test that writes ---------------------------------------------------
# ``nongthonso rebuild_derived --check`` must stay green whatever a test writes: after each test using the database
# (in its rolled-back transaction), the standings and spells of the units the test touched are compared with a
# fresh computation, and any difference fails the test. Cheap: a test that writes none of the tables they are
# derived from (or the derived tables themselves) is not checked at all; one that does is checked for the units
# whose source rows differ from the demo's, plus those whose derived rows do.


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "derived_rows_may_drift: the test leaves standings or spells out of step on purpose (not checked)")


class _Writes:
    """A ``connection.execute_wrapper`` noting the tables a test writes (INSERT, UPDATE, DELETE)."""

    WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        match = self.WRITE.match(sql)
        if match:
            self.tables.add(match.group(1))
        return execute(sql, params, many, context)


def _derived_sources() -> dict[str, object]:
    """{table: a function reading what the derived rows of each unit depend on, as {(unit id, row): count}}."""
    from nongthonso.assessments import standings
    from nongthonso.assessments.models import Assessment, Standing
    from nongthonso.criteria.models import CriteriaSet
    from nongthonso.recognition import spells
    from nongthonso.recognition.models import Decision, Spell
    from nongthonso.units.models import Unit

    through = Decision.units.through

    def rows(qs, *fields):
        return lambda: Counter((row[0], row) for row in qs.values_list(*fields))

    def links():
        return Counter((row[0], row) for row in through.objects.values_list(
            "unit_id", "decision__level", "decision__date", "decision_id", "decision__kind"))

    def ranks():  # a set's place among the sets concerns every unit assessed at its level
        ranked = standings.set_ranks()
        return Counter((unit_id, ranked[set_id]) for unit_id, set_id in Assessment.objects.values_list(
            "unit_id", "criteria_set_id").distinct())

    return {
        Assessment._meta.db_table: rows(Assessment.objects, "unit_id", "pk", "year", "criteria_set_id",
                                        "criteria_met", "criteria_total"),
        through._meta.db_table: links,
        Decision._meta.db_table: links,
        Unit._meta.db_table: rows(Unit.objects, "pk", "unit_type_id", "valid_from", "valid_to"),
        CriteriaSet._meta.db_table: ranks,
        Standing._meta.db_table: rows(Standing.objects, *standings.FIELDS),
        Spell._meta.db_table: rows(Spell.objects, *spells.FIELDS),
    }


@pytest.fixture(scope="session")
def _derived_baseline(django_db_setup, django_db_blocker):
    """What the derived rows depend on in the demo every test starts from (read once)."""
    with django_db_blocker.unblock():
        return {table: read() for table, read in _derived_sources().items()}


@pytest.fixture(autouse=True)
def _derived_rows_in_step(request):
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or "db" in request.fixturenames
    transactional = "transactional_db" in request.fixturenames or (marker is not None and marker.kwargs.get(
        "transaction"))
    if not uses_db or transactional or request.node.get_closest_marker("derived_rows_may_drift"):
        yield
        return
    from django.db import connection

    request.getfixturevalue("db")  # set up before this fixture, so rolled back after its check
    baseline = request.getfixturevalue("_derived_baseline")
    writes = _Writes()
    with connection.execute_wrapper(writes):
        yield
    written = writes.tables & set(baseline)
    if not written:
        return
    from nongthonso.assessments import standings
    from nongthonso.recognition import spells

    sources = _derived_sources()
    units = set()
    for table in written:
        before, after = baseline[table], sources[table]()
        units.update(unit_id for unit_id, _ in (before - after) + (after - before))
    problems = [f"standings: {p}" for p in standings.check(units)] + [f"spells: {p}" for p in spells.check(units)]
    if problems:
        pytest.fail(f"{len(problems)} derived rows out of step after this test (`nongthonso rebuild_derived --check` "
                    "would fail): a writer that bypasses the services must refresh them "
                    "(assessments.standings.STANDINGS.touch, recognition.spells.SPELLS.touch):\n"
                    + "\n".join(problems[:30]), pytrace=False)
