"""Test set-up: every test database holds the Thái Nguyên demo (raw inputs only), built once per run.

Tests run inside a transaction that is rolled back, so each starts from the same demo state.
"""

import re

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from nongthonso.demo.thai_nguyen import build

    with django_db_blocker.unblock():
        build()
        _DemoRows.copy()  # outside any test's transaction, which would roll the copy back


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
# derived from (nor the derived tables themselves) is not checked at all; one that does is checked for the units
# whose source or derived rows differ from the demo's — found in the database, against a copy of the demo's rows
# taken once per session.


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


class _DemoRows:
    """What the derived rows of each unit depend on (unit id first in each row), as the demo holds it, copied into
    temporary tables; ``touched(tables)``: the units whose rows differ now, in the tables written."""

    demo: "_DemoRows | None" = None  # the copy, taken once the demo is built (``django_db_setup``)

    @classmethod
    def copy(cls) -> None:
        cls.demo = cls()

    def __init__(self):
        from django.db import connection

        from nongthonso.assessments import standings
        from nongthonso.assessments.models import Assessment, Standing
        from nongthonso.criteria.models import CriteriaSet
        from nongthonso.recognition import spells
        from nongthonso.recognition.models import Decision, Spell
        from nongthonso.units.models import Unit

        through = Decision.units.through
        sources = [  # (the tables whose writes change them, the rows)
            ([Assessment], Assessment.objects.values_list("unit_id", "pk", "year", "criteria_set_id", "criteria_met",
                                                          "criteria_total")),
            # a set's place among the sets (``standings.set_ranks``) concerns the units assessed against it
            ([CriteriaSet], Assessment.objects.values_list("unit_id", "criteria_set__level", "criteria_set__version",
                                                           "criteria_set__effective_from").distinct()),
            ([Decision, through], through.objects.values_list("unit_id", "decision__level", "decision__date",
                                                              "decision_id", "decision__kind")),
            ([Unit], Unit.objects.values_list("pk", "unit_type_id", "valid_from", "valid_to")),
            ([Standing], Standing.objects.values_list(*standings.FIELDS)),
            ([Spell], Spell.objects.values_list(*spells.FIELDS)),
        ]
        self.rows: dict[str, tuple[str, str, tuple]] = {}  # table written → (copy, SQL of the rows, its params)
        with connection.cursor() as cursor:
            for i, (models, rows) in enumerate(sources):
                sql, params = rows.order_by().query.sql_with_params()
                copy = f"nongthonso_demo_rows_{i}"
                cursor.execute(f"CREATE TEMPORARY TABLE {copy} AS {sql}", params)
                for model in models:
                    self.rows[model._meta.db_table] = (copy, sql, params)

    def touched(self, tables: set[str]) -> set[int]:
        from django.db import connection

        units = set()
        with connection.cursor() as cursor:
            for copy, sql, params in {self.rows[table] for table in tables & set(self.rows)}:
                cursor.execute(f"SELECT * FROM ({sql} EXCEPT SELECT * FROM {copy}) AS added UNION "
                               f"SELECT * FROM (SELECT * FROM {copy} EXCEPT {sql}) AS removed", params * 2)
                units.update(row[0] for row in cursor.fetchall())
        return units


@pytest.fixture(scope="session")
def _demo_rows(django_db_setup) -> _DemoRows:
    return _DemoRows.demo


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
    demo = request.getfixturevalue("_demo_rows")
    writes = _Writes()
    with connection.execute_wrapper(writes):
        yield
    units = demo.touched(writes.tables)
    if not units:
        return
    from nongthonso.assessments import standings
    from nongthonso.recognition import spells

    problems = [f"standings: {p}" for p in standings.check(units)] + [f"spells: {p}" for p in spells.check(units)]
    if problems:
        pytest.fail(f"{len(problems)} derived rows out of step after this test (`nongthonso rebuild_derived --check` "
                    "would fail): a writer that bypasses the services must refresh them "
                    "(assessments.standings.STANDINGS.touch, recognition.spells.SPELLS.touch):\n"
                    + "\n".join(problems[:30]), pytrace=False)
