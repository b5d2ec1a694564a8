"""Hot pages of the dossier workflow cost a number of queries that does not grow with the number of dossiers:
the province office's work list, and the REST API's list of dossiers."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def definitions_stay_cached(monkeypatch):
    """The workflow definitions are re-checked against the database at most once a second: on a loaded machine a
    second can pass between two measured calls and add that one query to one of them. Counted here is the page's
    own work, so the re-check waits longer than any test."""
    monkeypatch.setattr("nongthonso.assessments.definitions.RECHECK_SECONDS", 3600.0)


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_work_list_costs_the_same_whatever_it_lists(make_user, new_unit):
    # the province office of the new province: every 2026 dossier waiting at the province, and the old ones due to
    # move (the demo has a few dozen); a district office of nothing: an empty list
    client = Client()
    client.force_login(make_user("tinh", "province_office", new_unit("19", "tinh")))
    client.get("/ho-so/")  # the definitions cached
    full = _queries(lambda: client.get("/ho-so/"))
    client.force_login(make_user("xem", "viewer", new_unit("05845")))
    empty = _queries(lambda: client.get("/ho-so/"))
    assert full <= empty + 6  # one query per step that has dossiers waiting (session, user, memberships aside)
    assert full <= 15


def test_the_api_list_of_dossiers_costs_the_same_for_5_and_for_100(call, make_user, new_unit, token_for):
    token = token_for(make_user("api.tinh", "province_office", new_unit("19", "tinh")))
    call("GET", "/api/assessments?limit=5", token)
    small = _queries(lambda: call("GET", "/api/assessments?limit=5", token))
    large = _queries(lambda: call("GET", "/api/assessments?limit=100", token))
    assert small == large
