"""The dashboards' cache (reports.selectors.cached): a write shows on the very next request, each visitor gets
its own CSRF token and name on a cached page, and nothing is cached from a transaction that may roll back.

Tests run inside a transaction that is rolled back, where ``selectors.cached`` stores nothing (a value is
stored on commit); the tests that exercise the cache run each request's on-commit callbacks when it ends, as
autocommit would.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from nongthonso.accounts.services import grant
from nongthonso.recognition.models import Decision
from nongthonso.reports import selectors, views

URL = "/bang-dieu-khien/"
PARAMS = {"as_of": "2023-06-30"}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Each request (each ``selectors.cached`` call) runs its ``transaction.on_commit`` callbacks when it ends, as
    it would in autocommit: the cache stores what it computes."""
    cached = selectors.cached

    def committing(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return cached(*args, **kwargs)

    monkeypatch.setattr(selectors, "cached", committing)


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("quantri", "quantri@example.vn", None))
    return client


def histogram(html: str) -> dict[int, int]:
    blob = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html,
                                re.S).group(1))
    return dict(zip(blob["histogram"]["labels"], blob["histogram"]["values"], strict=True))


def get(client, url: str = URL, params: dict | None = None) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, PARAMS if params is None else params)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _table_read(sql: str) -> str:
    """The table a query reads, or «revision» for the data revision (its statement, or on PostgreSQL its function)."""
    if "MAX(" in sql or sql.startswith(f"SELECT {selectors.REVISION_FUNCTION_PREFIX}"):
        return "revision"
    return sql.split(" FROM ")[1].split()[0]


@pytest.mark.django_db
def test_a_value_change_shows_on_the_very_next_request(dossiers_open, admin_client, on_commit, failing_value,
                                                       first_met_indicator, latest_2023):
    public_before, _ = get(Client(), "/")
    first, computed = get(admin_client)
    again, cached = get(admin_client)
    assert again == first.replace(_token(first), _token(again))  # the same page, served from the cache …
    assert len(computed) > 20  # … with the session, the user and the data revision only
    assert [_table_read(sql) for sql in cached] == ['"django_session"', '"auth_user"', "revision"]
    # when a commune meeting 19 criteria loses one through the data entry service
    assessment = next(a for a in latest_2023() if a.criteria_met == 19)
    _, indicator = first_met_indicator(assessment)
    from nongthonso.assessments.services import set_value

    set_value(assessment, indicator["code"], failing_value(assessment, indicator["code"]))
    # then the very next request shows it
    after, _ = get(admin_client)
    before_counts, after_counts = histogram(first), histogram(after)
    assert after_counts[19] == before_counts[19] - 1 and after_counts[18] == before_counts[18] + 1
    # the public page, recomputed too, shows published data only: the draft dossier is not on it
    public, queries = get(Client(), "/")
    assert len(queries) > 20 and histogram(public) == histogram(public_before)


@pytest.mark.django_db
def test_writes_outside_the_audited_paths_change_the_revision_too(on_commit, latest_2023):
    with CaptureQueriesContext(connection) as ctx:
        revision = selectors.data_revision()
    assert len(ctx.captured_queries) == 1
    decision = Decision.objects.create(number="1/QĐ-THU", date="2023-06-01", authority="UBND tỉnh",
                                       level="xa-ntm", for_year=2022)
    assert selectors.data_revision() != revision
    revision = selectors.data_revision()
    decision.units.add(latest_2023()[0].unit)  # a unit linked to a decision: a new row of the link table
    assert selectors.data_revision() != revision


@pytest.mark.django_db
def test_each_visitor_gets_its_own_token_and_name_on_a_cached_page(client, django_user_model, on_commit, latest_2023):
    district = latest_2023()[0].unit.parent
    pages = {}
    for name in ("vpdp.mot", "vpdp.hai"):
        user = django_user_model.objects.create_user(name, password=None, first_name=name.upper())
        grant(user, "district_office", district)
        browser = Client()
        browser.force_login(user)
        for _ in range(2):  # computed, then cached
            response = browser.get(URL, PARAMS)
            html = response.content.decode()
            assert views.CSRF_PLACEHOLDER not in html
            assert name.upper() in html
            # the page's token is a masking of the secret in this browser's CSRF cookie
            assert _unmask_cipher_token(_token(html)) == browser.cookies["csrftoken"].value
        pages[name] = html
    assert "VPDP.HAI" not in pages["vpdp.mot"] and "VPDP.MOT" not in pages["vpdp.hai"]
    # a visitor without cookies gets a token (and the cookie) too
    response = client.get("/", PARAMS)
    response = client.get("/", PARAMS)
    assert _unmask_cipher_token(_token(response.content.decode())) == client.cookies["csrftoken"].value


@pytest.mark.django_db
def test_a_page_with_messages_is_rendered_for_its_request(on_commit):
    from django.contrib.auth.models import AnonymousUser

    for text in ("Đã lưu.", "Đã gửi hồ sơ."):
        request = RequestFactory().get("/", PARAMS)
        request.user, request.session = AnonymousUser(), SessionStore()
        request._messages = FallbackStorage(request)
        request._messages.add(constants.SUCCESS, text)
        html = views.summary_page(request).content.decode()
        assert text in html and views.CSRF_PLACEHOLDER not in html
        assert len(get_messages(request)) == 0 or get_messages(request).used


@pytest.mark.django_db
def test_nothing_is_cached_from_inside_a_transaction():
    """The test's own transaction may roll back (as any request's could): the figures computed inside it are
    not stored, so no other request can see data that was never committed."""
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert selectors.cached("test", (1,), compute) == {"n": 1}
    assert selectors.cached("test", (1,), compute) == {"n": 2}


@pytest.mark.django_db
def test_a_stored_value_is_reused_until_the_data_changes(on_commit):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert selectors.cached("test", (1,), compute) == 1
    assert selectors.cached("test", (1,), compute) == 1
    assert selectors.cached("test", (2,), compute) == 2  # other parts, another entry
    Decision.objects.create(number="2/QĐ-THU", date="2023-06-01", authority="UBND tỉnh", level="xa-ntm")
    assert selectors.cached("test", (1,), compute) == 3


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _plain_revision() -> str:
    """The data revision read with the plain statement, as ``data_revision`` joins it."""
    from nongthonso.core import registry

    with connection.cursor() as cursor:
        cursor.execute(selectors._revision_sql("postgresql", registry.entries(registry.RevisionTable)))
        return ".".join("-" if v is None else str(v) for v in cursor.fetchone())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL reads the revision through a function")
@pytest.mark.django_db
def test_on_postgresql_the_revision_is_read_through_a_function_planned_once():
    """The function made after migrate gives the very token of the plain statement, in one query, and moves with a
    write; making it again changes nothing."""
    name, _create = selectors.revision_function()
    plain = _plain_revision()
    with CaptureQueriesContext(connection) as queries:
        token = selectors.data_revision()
    assert token == plain
    assert [q["sql"].split("(")[0] for q in queries.captured_queries] == [f"SELECT {name}"]
    Decision.objects.create(number="99/QĐ-THU", date="2023-06-01", authority="UBND tỉnh", level="xa-ntm")
    moved = selectors.data_revision()
    assert moved != token
    assert selectors.ensure_revision_function() == name and selectors.data_revision() == moved


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL reads the revision through a function")
@pytest.mark.django_db
def test_on_postgresql_the_function_runs_its_subqueries_only_when_the_snapshot_moved(other_connection):
    """Told the snapshot of the last read, the function gives no token while nothing was committed since (the
    caller keeps the last one); a commit elsewhere moves the snapshot and, when it adds a row to a registered
    table, the token; a transaction that is still open does not move the token others see; and a transaction that
    has written itself always gets the token of its own rows, with no snapshot to keep."""
    name, _create = selectors.revision_function()
    other = other_connection

    def read(known: str | None) -> tuple[str | None, str | None]:
        return tuple(other.execute(f"SELECT {name}(%s)", [known]).fetchone()[0])

    added = None
    try:
        snapshot, token = read(None)
        assert token == _plain_revision() and read(snapshot) == (snapshot, None)  # nothing committed since
        # a row of a registered table committed by another connection: a new snapshot, a new token
        added = other.execute("INSERT INTO units_lineageevent (kind, effective_date, legal_basis, note, verified) "
                              "VALUES ('split', '2025-01-01', '', '', false) RETURNING id").fetchone()[0]
        moved, after = read(snapshot)
        assert moved != snapshot and after not in (None, token) and selectors.data_revision() == after
        # this test's transaction writes (not committed): the other connection's token does not move (its snapshot
        # moves only when a transaction it would list has begun before; this one's commit would move it)
        Decision.objects.create(number="98/QĐ-THU", date="2023-06-01", authority="UBND tỉnh", level="xa-ntm")
        again, same = read(moved)
        assert (again, same) == (moved, None) or (again != moved and same == after)
        # … and this transaction sees its own row at once, under a snapshot its later writes would not move
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {name}(%s)", [again])
            assert cursor.fetchone()[0] == [None, _plain_revision()]
        kept = dict(selectors._last_read)
        assert selectors.data_revision() == _plain_revision() != after and selectors._last_read == kept
    finally:
        if added is not None:
            other.execute("DELETE FROM units_lineageevent WHERE id = %s", [added])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL reads the revision through a function")
@pytest.mark.django_db
def test_on_postgresql_a_read_under_the_last_snapshot_keeps_the_last_token(monkeypatch):
    """Two reads with nothing committed between: the second tells the function the first's snapshot, which
    answers with no token, and ``data_revision`` gives the one it kept."""
    monkeypatch.setattr(selectors, "_last_read", {})
    first = selectors.data_revision()
    ((snapshot, token),) = selectors._last_read.values()
    assert token == first == _plain_revision()
    with CaptureQueriesContext(connection) as queries:
        assert selectors.data_revision() == first
    assert snapshot in queries.captured_queries[0]["sql"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL reads the revision through a function")
@pytest.mark.django_db
def test_without_its_function_the_revision_is_the_plain_statements(monkeypatch):
    """A database where the function is missing and cannot be made here (inside a transaction, or a user not allowed
    to create functions) gives the same token from the plain statement."""
    monkeypatch.setattr(selectors, "revision_function",
                        lambda entries=None: ("nongthonso_revision_missing", "SELECT 1 / 0"))
    plain = _plain_revision()
    with CaptureQueriesContext(connection) as queries:
        assert selectors.data_revision() == plain
    assert "to_regprocedure" in queries.captured_queries[0]["sql"] and "MAX(" in queries.captured_queries[-1]["sql"]
