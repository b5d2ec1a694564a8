"""Test set-up: every test database holds the Thái Nguyên demo (raw inputs only), built once per run.

Tests run inside a transaction that is rolled back, so each starts from the same demo state.

The fixtures that tests in more than one folder use are defined here, those of one folder in its ``conftest.py``;
test modules import nothing from one another. A fixture that needs arguments is a factory: it returns the function
to call (``make_user("tinh", "province_office", province_19)``).

The demo's own facts (its report date, criteria sets, walk-through communes) are taken from ``nongthonso.demo``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from nongthonso.accounts.services import ACTIONS
from nongthonso.assessments.models import State
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.demo.thai_nguyen_2026 import AS_OF as DAY_2026
from nongthonso.demo.thai_nguyen_2026 import SET_2021, SET_2026, WALKTHROUGH

THREE_TIER_TODAY = dt.date(2025, 6, 1)
DAI_TU = "171"  # Huyện Đại Từ, the district of the three-tier tests
VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýÁÀẢÃẠĐ")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from nongthonso.demo.thai_nguyen import build

    with django_db_blocker.unblock():
        build()
        _DemoRows.copy()  # outside any test's transaction, which would roll the copy back


@pytest.fixture(autouse=True)
def language_restored():
    """Each test starts and ends in the site's language: a request in English (the language cookie) activates English
    for the thread, and without this a later test would read English labels."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- today ----------------------------------------------------------------------------------------------------

@pytest.fixture
def today_is(monkeypatch) -> Callable[[dt.date], dt.date]:
    """``today_is(date)``: from then on in the test, today is ``date``. Only today's date moves
    (``timezone.localdate()`` without an argument); timestamps and conversions of given times stay real."""
    from django.utils import timezone

    real = timezone.localdate

    def set_today(day: dt.date) -> dt.date:
        monkeypatch.setattr("django.utils.timezone.localdate",
                            lambda value=None, timezone=None: day if value is None else real(value, timezone))
        return day

    return set_today


@pytest.fixture
def before_two_tier(today_is):
    """Today is 1/6/2025: districts still exist, so the three-tier workflow is in force and the 2023 dossiers are
    not moved to the two-tier one."""
    return today_is(THREE_TIER_TODAY)


# --- the demo's units and dossiers ------------------------------------------------------------------------------

@pytest.fixture
def unit_at(db):
    """``unit_at(code, level)``: the unit with that code at that level (``tinh``, ``huyen``, ``xa``) as it was on the
    demo's report date, 30/6/2023."""
    from nongthonso.units.models import Unit

    def find(code: str, level: str) -> Unit:
        return Unit.objects.valid_on(AS_OF).get(code=code, unit_type__level__code=level)

    return find


@pytest.fixture
def province_19(unit_at):
    """Thái Nguyên (19) as it was on 30/6/2023."""
    return unit_at("19", "tinh")


@pytest.fixture
def dai_tu(unit_at):
    """Huyện Đại Từ (171) on 30/6/2023: the district whose communes the three-tier tests work on."""
    return unit_at(DAI_TU, "huyen")


@pytest.fixture
def new_unit(db):
    """``new_unit(code, level="xa")``: the version of ``code`` in force on 30/6/2026 (the new province, whose
    communes lie directly under it)."""
    from nongthonso.units.models import Unit

    def find(code: str, level: str = "xa") -> Unit:
        return (Unit.objects.valid_on(DAY_2026).select_related("unit_type__level", "parent__unit_type__level")
                .get(code=code, unit_type__level__code=level))

    return find


@pytest.fixture
def van_phu(new_unit):
    """Xã Vạn Phú (2026, Vạn Phú + Văn Yên): the demo's first walk-through commune."""
    return new_unit(WALKTHROUGH[0])


@pytest.fixture
def lam_vy(new_unit):
    """Xã Lam Vỹ (2026, Lam Vỹ + Linh Thông): the demo's second walk-through commune."""
    return new_unit(WALKTHROUGH[1])


@pytest.fixture
def assessed_communes(db):
    """``assessed_communes(district)``: the district's rural communes with a 2023 NTM assessment, by code."""
    from nongthonso.units.models import Unit

    def communes(district) -> list[Unit]:
        return list(Unit.objects.valid_on(AS_OF).within(district).rural_communes()
                    .filter(assessments__year=2023, assessments__criteria_set__code=SET_2021).order_by("code"))

    return communes


@pytest.fixture
def dossier(db):
    """``dossier(commune, year=2023)``: the commune's NTM (2021-2025 set) assessment of that year."""
    from nongthonso.assessments.models import Assessment

    def find(commune, year: int = 2023) -> Assessment:
        return (Assessment.objects.select_related("unit", "criteria_set")
                .get(unit=commune, year=year, criteria_set__code=SET_2021))

    return find


@pytest.fixture
def dossier_2026(db):
    """``dossier_2026(commune, confirmed=True)``: the commune's 2026 dossier (the demo's, or a new one with values
    carried from 2025); ``confirmed``: its carried values confirmed, as an officer does before submitting."""
    from django.utils import timezone

    from nongthonso.assessments.models import Assessment, IndicatorValue
    from nongthonso.assessments.services import get_or_create_assessment
    from nongthonso.criteria.models import CriteriaSet

    def find(commune, *, confirmed: bool = True) -> Assessment:
        cset = CriteriaSet.objects.get(code=SET_2026, superseded_by__isnull=True)
        assessment = get_or_create_assessment(commune, 2026, cset)
        if confirmed:
            IndicatorValue.objects.filter(assessment=assessment, carried__isnull=False).update(
                confirmed_at=timezone.now())
        return Assessment.objects.select_related("unit__unit_type__level", "unit__parent__unit_type__level",
                                                 "criteria_set").get(pk=assessment.pk)

    return find


@pytest.fixture
def dossiers_open(db):
    """The demo publishes its 2022/2023 dossiers (approved, so locked); tests that edit values or walk the
    workflow from the start reopen the 2023 ones, as the province would."""
    from nongthonso.assessments.models import Assessment

    Assessment.objects.filter(year=2023).update(state=Assessment.State.DRAFT)


@pytest.fixture
def other_province_dossier(db):
    """A commune of a second (synthetic) province, outside province 19, with its 2023 assessment."""
    from nongthonso.assessments.models import Assessment
    from nongthonso.criteria.models import CriteriaSet
    from nongthonso.units.models import Unit, UnitType

    since = dt.date(1997, 1, 1)
    province = Unit.objects.create(code="T06", name="Tỉnh Thử Nghiệm", unit_type=UnitType.objects.get(code="tinh"),
                                   valid_from=since, synthetic=True)
    district = Unit.objects.create(code="T061", name="Huyện Thử Nghiệm", parent=province,
                                   unit_type=UnitType.objects.get(code="huyen"), valid_from=since, synthetic=True)
    commune = Unit.objects.create(code="T06101", name="Xã Thử Nghiệm", parent=district,
                                  unit_type=UnitType.objects.get(code="xa"), valid_from=since, synthetic=True)
    cset = CriteriaSet.objects.get(code=SET_2021, superseded_by__isnull=True)
    return Assessment.objects.create(unit=commune, year=2023, criteria_set=cset, synthetic=True)


@pytest.fixture
def put_in_state(db):
    """``put_in_state(assessment, state)``: test arrangement only (the application changes state through
    ``workflow.perform``); returns the assessment reloaded."""
    from nongthonso.assessments.models import Assessment

    def put(assessment: Assessment, state: str) -> Assessment:
        Assessment.objects.filter(pk=assessment.pk).update(state=state)
        assessment.refresh_from_db()
        return assessment

    return put


@dataclass(frozen=True)
class Snapshot:
    state: str
    version: int
    values: dict
    events: int
    audit_entries: int
    decisions: int
    decision_links: int


@pytest.fixture
def snapshot(db):
    """``snapshot(assessment)``: what a refused write must leave as it was (compare two snapshots)."""
    from nongthonso.assessments.models import Assessment, IndicatorValue, WorkflowEvent
    from nongthonso.audit.models import AuditEntry
    from nongthonso.recognition.models import Decision

    def take(assessment: Assessment) -> Snapshot:
        row = Assessment.objects.get(pk=assessment.pk)
        return Snapshot(
            state=row.state, version=row.version,
            values=dict(IndicatorValue.objects.filter(assessment=row).values_list("indicator__code", "value")),
            events=WorkflowEvent.objects.filter(assessment=row).count(),
            audit_entries=AuditEntry.objects.count(),
            decisions=Decision.objects.count(),
            decision_links=Decision.units.through.objects.count(),
        )

    return take


# --- the three-tier permission matrix ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PermissionMatrix:
    """Every role × every action × a dossier inside or outside the role's unit: what a role may do and which
    dossiers it covers (written out independently of the roles and actions the apps register), the state each action
    starts from and the state it ends in, and the value a permitted edit writes."""

    roles: tuple[str, ...]
    targets: tuple[str, ...]
    may: dict[str, set[str]]
    covers: dict[str, set[str]]
    starts_from: dict[str, str]
    ends_in: dict[str, str]
    indicator: str = "2.1"
    new_value: float = 55.5


THREE_TIER_MATRIX = PermissionMatrix(
    roles=("province_office", "district_office", "commune_officer", "viewer"),
    targets=("own_commune", "same_district", "other_district", "other_province"),
    may={
        "province_office": {"view", "return", "approve", "record_decision", "reopen"},
        "district_office": {"view", "verify", "return"},
        "commune_officer": {"view", "edit_values", "submit"},
        "viewer": {"view"},
    },
    covers={
        "province_office": {"own_commune", "same_district", "other_district"},
        "district_office": {"own_commune", "same_district"},
        "commune_officer": {"own_commune"},
        "viewer": {"own_commune", "same_district", "other_district"},
    },
    starts_from={"view": State.DRAFT, "edit_values": State.DRAFT, "submit": State.DRAFT, "verify": State.SUBMITTED,
                 "return": State.SUBMITTED, "approve": State.VERIFIED, "record_decision": State.APPROVED,
                 "reopen": State.APPROVED},
    ends_in={"submit": State.SUBMITTED, "verify": State.VERIFIED, "return": State.RETURNED,
             "approve": State.APPROVED, "record_decision": State.RECOGNISED, "reopen": State.DRAFT},
)


def pytest_generate_tests(metafunc):
    """A test taking ``three_tier_matrix`` and ``role``, ``action``, ``target`` runs once per cell of the matrix
    (the services' and the API's matrix tests alike)."""
    if "three_tier_matrix" in metafunc.fixturenames and {"role", "action", "target"} <= set(metafunc.fixturenames):
        matrix = THREE_TIER_MATRIX
        metafunc.parametrize(("role", "action", "target"),
                             [(r, a, t) for r in matrix.roles for a in ACTIONS for t in matrix.targets])


@pytest.fixture
def three_tier_matrix() -> PermissionMatrix:
    """The expected three-tier permission matrix (the 2023 dossiers, before 1/7/2025)."""
    return THREE_TIER_MATRIX


@pytest.fixture
def three_tier_world(before_two_tier, assessed_communes, dai_tu, dossier, make_user, other_province_dossier,
                     province_19):
    """The matrix's users and dossiers, today being 1/6/2025. Each role holds one membership: the province office
    and the viewer over province 19, the district office over Đại Từ, the commune officer over one Đại Từ commune.
    The dossiers (2023): that commune's ("own"), another commune of Đại Từ, a commune of another district, a commune
    of another province."""
    own, sibling = assessed_communes(dai_tu)[:2]
    elsewhere = next(c for d in province_19.children.filter(code__in=["167", "168", "169", "170"]).order_by("code")
                     for c in assessed_communes(d))
    users = {
        "province_office": make_user("tinh", "province_office", province_19),
        "district_office": make_user("huyen", "district_office", dai_tu),
        "commune_officer": make_user("xa", "commune_officer", own),
        "viewer": make_user("xem", "viewer", province_19),
    }
    dossiers = {"own_commune": dossier(own), "same_district": dossier(sibling), "other_district": dossier(elsewhere),
                "other_province": other_province_dossier}
    return SimpleNamespace(users=users, dossiers=dossiers)


# --- users and the API ------------------------------------------------------------------------------------------

@pytest.fixture
def make_user(db):
    """``make_user(username, role=None, on=None, **fields)``: a user (no usable password: Argon2 hashing is
    deliberately slow) holding ``role`` over the unit ``on``."""
    from django.contrib.auth import get_user_model

    from nongthonso.accounts.services import grant

    def make(username: str, role: str | None = None, on=None, **fields):
        user = get_user_model().objects.create_user(username=username, password=None, **fields)
        if role is not None:
            grant(user, role, on)
        return user

    return make


@pytest.fixture
def token_for(db):
    """``token_for(user, name="kiểm thử")``: a new API token of the user (the secret sent as Bearer)."""
    from nongthonso.api.models import ApiToken

    def issue(user, name: str = "kiểm thử") -> str:
        return ApiToken.issue(user, name)[1]

    return issue


@pytest.fixture
def call():
    """``call(method, url, token=None, body=None, client=None, **headers)``: one request to the API, with
    ``Authorization: Bearer <token>`` when a token is given and ``body`` sent as JSON."""
    from django.test import Client

    def request(method: str, url: str, token: str | None = None, body: Any = None, client: Client | None = None,
                **headers):
        client = client or Client()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        elif method.upper() in ("POST", "PUT"):
            kwargs.update(data="", content_type="application/json")  # no body at all (not an empty form)
        return getattr(client, method.lower())(url, **kwargs)

    return request


@pytest.fixture
def assert_error():
    """``assert_error(response, status, code)``: the response is the API's one error format with this status and
    machine code and a Vietnamese message; returns the ``error`` object."""
    from nongthonso.api.errors import Error

    def check(response, status: int, code: str) -> dict:
        assert response.status_code == status, response.content.decode()
        assert response["Content-Type"].startswith("application/json")
        data = response.json()
        Error.model_validate(data)  # exactly {"error": {"code", "message", "details"}}
        assert set(data) == {"error"} and set(data["error"]) == {"code", "message", "details"}
        assert data["error"]["code"] == code, data
        message = data["error"]["message"]
        assert len(message) > 20 and VIETNAMESE & set(message), message
        return data["error"]

    return check


# --- imports ----------------------------------------------------------------------------------------------------

@pytest.fixture
def import_counts(db):
    """``import_counts()``: everything an import may write — values, assessments, decisions and their units,
    registrations, audit entries — counted (an import that fails leaves them all as they were)."""
    from nongthonso.assessments.models import Assessment, IndicatorValue
    from nongthonso.audit.models import AuditEntry
    from nongthonso.recognition.models import Decision, Registration

    def count() -> tuple:
        return (IndicatorValue.objects.count(), Assessment.objects.count(), Decision.objects.count(),
                Decision.units.through.objects.count(), Registration.objects.count(), AuditEntry.objects.count())

    return count


@pytest.fixture
def not_a_table() -> dict[str, bytes]:
    """Files an importer must refuse as no table, by kind: ``png`` (a 1×1 image) and ``docx`` (a minimal Word
    document: a ZIP archive, like an XLSX workbook, but no workbook)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return {"png": PNG, "docx": buffer.getvalue()}


# --- PostgreSQL: one transaction waiting for another's lock -------------------------------------------------------

@dataclass(frozen=True)
class LockWait:
    """The second transaction as ``pg_stat_activity`` showed it while the first held its locks."""

    wait_event_type: str  # "Lock"
    wait_event: str  # e.g. "transactionid", "tuple"
    query: str  # the statement that waited


@dataclass(frozen=True)
class LockRace:
    results: tuple  # what ``first`` and ``second`` returned, or the exception each raised
    wait: LockWait


LOCK_RACE_TIMEOUT = 30  # seconds: a bound on every wait, never a pause that synchronises anything


@pytest.fixture
def other_connection(db):
    """On PostgreSQL, a second connection to the test database (psycopg, autocommit), outside the test's
    transaction: what it writes is committed at once and seen by the test's connection (read committed), not the
    other way round. Closed after the test; the test deletes what it committed."""
    import psycopg
    from django.db import connection

    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params, autocommit=True) as other:
        yield other


@pytest.fixture
def lock_race():
    """``lock_race(first, second)``, on PostgreSQL with committed rows (not inside a test transaction): ``first``
    runs in a transaction of its own connection, which stays open once ``first`` returns, so the row locks it took
    are held; ``second`` then starts in another connection. The test's connection polls ``pg_stat_activity`` until
    ``second``'s backend waits on a lock (``wait_event_type`` «Lock») that ``first``'s backend holds
    (``pg_blocking_pids``), and only then lets ``first`` commit. Returns both results and the wait seen; fails if
    ``second`` finished, or did not wait, within the bound: the order is proved, not left to timing."""
    from django.db import connection, transaction

    def own_pid() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def seen_waiting(pid: int, holder: int, finished: threading.Event) -> LockWait | None:
        deadline = time.monotonic() + LOCK_RACE_TIMEOUT
        with connection.cursor() as cursor:
            while not finished.is_set() and time.monotonic() < deadline:
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh statistics on every poll
                cursor.execute("SELECT wait_event_type, wait_event, query, %s = ANY(pg_blocking_pids(pid)) "
                               "FROM pg_stat_activity WHERE pid = %s", [holder, pid])
                row = cursor.fetchone()
                if row is not None and row[0] == "Lock" and row[3]:
                    return LockWait(*row[:3])
                time.sleep(0.005)  # the polling interval
        return None

    def race(first: Callable[[], Any], second: Callable[[], Any]) -> LockRace:
        pids: list[int | None] = [None, None]
        results: list[Any] = [None, None]
        holding, release, finished = threading.Event(), threading.Event(), threading.Event()

        def run_first() -> None:
            try:
                pids[0] = own_pid()
                with transaction.atomic():
                    results[0] = first()
                    holding.set()
                    if not release.wait(timeout=LOCK_RACE_TIMEOUT):
                        raise TimeoutError("the first transaction was never let commit")
            except Exception as exc:  # reported below
                results[0] = exc
            finally:
                holding.set()
                connection.close()  # this thread's connection: the test database must be droppable at the end

        def run_second() -> None:
            try:
                pids[1] = own_pid()
                if holding.wait(timeout=LOCK_RACE_TIMEOUT):
                    results[1] = second()
            except Exception as exc:  # the refusal is the result
                results[1] = exc
            finally:
                finished.set()
                connection.close()

        threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
        for thread in threads:
            thread.start()
        try:
            wait = None
            if holding.wait(timeout=LOCK_RACE_TIMEOUT) and None not in pids:
                wait = seen_waiting(pids[1], pids[0], finished)
        finally:
            release.set()
            for thread in threads:
                thread.join(timeout=LOCK_RACE_TIMEOUT)
        assert not any(t.is_alive() for t in threads), "a transaction never finished (deadlock?)"
        assert wait is not None, f"the second transaction never waited for a lock of the first: {results}"
        return LockRace(tuple(results), wait)

    return race


# --- the extension registry's test app --------------------------------------------------------------------------

def pytest_configure(config):
    """The extension registry's test app (``tests/registry_app``) is installed for the whole run, as a new module
    would be: it registers one entry of every kind from its ``ready()``, and ``tests/test_registry.py`` shows every
    consumer picks them up. Django is set up by now (pytest-django), before any test module is imported: the apps
    are loaded again with it (``override_settings``, never disabled). Only users given its role see its entries."""
    from django.conf import settings
    from django.test.utils import override_settings

    if settings.configured and "tests.registry_app" not in settings.INSTALLED_APPS:
        override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.registry_app"]).enable()
    if settings.configured:  # every statement kept by core.compiled is built again and compared with the kept one
        override_settings(NONGTHONSO_CHECK_COMPILED=True).enable()
    config.addinivalue_line(  # the drift check below
        "markers", "derived_rows_may_drift: the test leaves standings or spells out of step on purpose (not checked)")


# --- the derived rows stay in step after every test that writes ---------------------------------------------------
# ``nongthonso rebuild_derived --check`` must stay green whatever a test writes: after each test using the database
# (in its rolled-back transaction), the standings and spells of the units the test touched are compared with a
# fresh computation, and any difference fails the test. Cheap: a test that writes none of the tables they are
# derived from (nor the derived tables themselves) is not checked at all; one that does is checked for the units
# whose source or derived rows differ from the demo's — found in the database, against a copy of the demo's rows
# taken once per session.


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

    demo: _DemoRows | None = None  # the copy, taken once the demo is built (``django_db_setup``)

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
