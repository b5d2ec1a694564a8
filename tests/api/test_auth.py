"""Token auth for machine clients, session auth (with CSRF for writes) for the browser, and the token command."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from nongthonso.api.models import ApiToken
from nongthonso.assessments.models import IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(dossiers_open, assessed_communes, dossier, make_user, dai_tu):
    commune = assessed_communes(dai_tu)[0]
    return make_user("api.xa", "commune_officer", commune), dossier(commune)


def test_a_valid_token_authenticates_the_user(province_user, province_token, call):
    # when a client sends its token
    response = call("GET", "/api/assessments?limit=1", province_token)
    # then it sees the province's dossiers, and the token's last use is recorded
    assert response.status_code == 200
    assert response.json()["count"] > 100
    assert ApiToken.objects.get(user=province_user).last_used_at is not None


def test_only_a_hash_of_the_token_is_stored(province_user):
    # when a token is issued
    row, token = ApiToken.issue(province_user, "hệ thống báo cáo")
    # then the database holds its SHA-256 and a short prefix, never the token
    assert token.startswith("nts_") and len(token) > 40
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.key_hash, row.prefix, row.name} and token.startswith(row.prefix)


@pytest.mark.parametrize("header", ["Bearer nts_wrong", "Bearer ", "bearer nts_" + "A" * 43])
def test_a_wrong_token_is_401_in_the_error_format(province_token, header, assert_error, call):
    # when a client sends a token that was never issued
    response = call("GET", "/api/units", Authorization=header)
    # then 401, code invalid_token, and the message says how to get a token
    error = assert_error(response, 401, "invalid_token")
    assert "nongthonso api_token" in error["message"]


def test_no_credentials_is_401_unauthenticated(db, assert_error, call):
    error = assert_error(call("GET", "/api/assessments"), 401, "unauthenticated")
    assert "Authorization: Bearer" in error["message"] and "/dang-nhap/" in error["message"]


def test_a_revoked_token_or_inactive_user_is_refused(province_user, province_token, assert_error, call, token_for):
    # given a token that worked
    assert call("GET", "/api/units?limit=1", province_token).status_code == 200
    # when it is revoked, then it no longer works
    ApiToken.objects.filter(user=province_user).update(revoked_at=timezone.now())
    assert_error(call("GET", "/api/units?limit=1", province_token), 401, "invalid_token")
    # and a fresh token of a deactivated user does not work either
    fresh = token_for(province_user)
    province_user.is_active = False
    province_user.save()
    assert_error(call("GET", "/api/units?limit=1", fresh), 401, "invalid_token")


def test_a_token_request_reads_the_memberships_with_the_token_and_a_withdrawn_role_stops_at_once(
        province_user, province_token, province_19, dai_tu, call, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nongthonso.accounts.services import grant, revoke

    # given a user who also heads a district's office, and a list already computed for that scope
    grant(province_user, "district_office", dai_tu)
    url = "/api/assessments?limit=5"
    with django_capture_on_commit_callbacks(execute=True):  # (kept once the request's data is committed)
        first = call("GET", url, province_token).json()
    # when the same list is asked for again
    with CaptureQueriesContext(connection) as seen:
        again = call("GET", url, province_token)
    # then the token, its user and both memberships came in one query, and the page from the cache: besides the token
    # only the data revision was read (and the token's last use is not written again within minutes)
    assert again.json() == first
    assert len(seen.captured_queries) == 2, [q["sql"][:80] for q in seen.captured_queries]
    assert "accounts_membership" in seen.captured_queries[0]["sql"]
    # when the province role is withdrawn, then the next request sees only the district's dossiers: nothing of the
    # scope is kept between requests
    revoke(province_user, "province_office", province_19)
    narrower = call("GET", url, province_token).json()
    assert 0 < narrower["count"] < first["count"]
    # and with no role left, nothing
    revoke(province_user, "district_office", dai_tu)
    assert call("GET", url, province_token).json()["count"] == 0


def test_a_role_granted_while_a_list_is_computed_does_not_reach_others_of_the_old_scope(
        assessed_communes, dai_tu, make_user, token_for, call, monkeypatch, django_capture_on_commit_callbacks):
    from nongthonso.accounts.services import grant
    from nongthonso.api.routers import assessments as router

    # given two officers of the same commune (the same scope, so they share a cached list)
    commune = assessed_communes(dai_tu)[0]
    first, second = make_user("xa.mot", "commune_officer", commune), make_user("xa.hai", "commune_officer", commune)
    first_token, second_token = token_for(first), token_for(second)
    # when the first is made the district's office just after their token (and scope) was read, before the list is
    # computed — the grant commits from elsewhere between the two reads
    read_scope = router.scope_key

    def scope_then_grant(user, action):
        scope = read_scope(user, action)
        if user.pk == first.pk:
            grant(type(user).objects.get(pk=first.pk), "district_office", dai_tu)
        return scope

    monkeypatch.setattr(router, "scope_key", scope_then_grant)
    url = "/api/assessments?limit=200"
    with django_capture_on_commit_callbacks(execute=True):
        widened = call("GET", url, first_token).json()
    monkeypatch.setattr(router, "scope_key", read_scope)
    # then the first sees the district's dossiers (the memberships read while computing), and the second, of the old
    # scope, still only the commune's: the wider list was not kept under the scope read first
    with django_capture_on_commit_callbacks(execute=True):
        narrow = call("GET", url, second_token).json()
    assert {row["unit"]["id"] for row in narrow["items"]} == {commune.pk}
    assert widened["count"] > narrow["count"]


def test_session_auth_reads_with_the_browser_session(province_user, call):
    # given a logged-in browser
    client = Client()
    client.force_login(province_user)
    # when it reads the API with its session cookie only
    response = call("GET", "/api/assessments?limit=1", client=client)
    # then the session authenticates it
    assert response.status_code == 200
    assert response.json()["count"] > 100


def test_session_writes_need_the_csrf_token(officer, assert_error, call, snapshot):
    # given a commune officer logged in through the browser, and an open dossier of its commune
    user, assessment = officer
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = f"/api/assessments/{assessment.pk}/values/2.1"
    before = snapshot(assessment)

    # when it writes without the CSRF token: 403 csrf_failed, nothing written
    error = assert_error(call("PUT", url, body={"value": 61}, client=client), 403, "csrf_failed")
    assert "X-CSRFToken" in error["message"]
    assert snapshot(assessment) == before

    # when it sends the token from the csrftoken cookie, as the web pages do
    client.get("/")  # any page sets the cookie
    csrf = client.cookies["csrftoken"].value
    response = call("PUT", url, body={"value": 61}, client=client, **{"X-CSRFToken": csrf})

    # then the value is stored
    assert response.status_code == 200, response.content.decode()
    assert IndicatorValue.objects.get(assessment=assessment, indicator__code="2.1").value == 61


def test_token_writes_need_no_csrf(officer, call, token_for):
    user, assessment = officer
    response = call("PUT", f"/api/assessments/{assessment.pk}/values/2.1", token_for(user), {"value": 62},
                    client=Client(enforce_csrf_checks=True))
    assert response.status_code == 200, response.content.decode()


def test_the_api_token_command_prints_a_working_token(province_user, call):
    # when the command creates a token for a user
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", province_user.username, "Hệ thống báo cáo của Sở", stdout=out, stderr=err)
    token = out.getvalue().strip()

    # then standard output is the token alone, stored only as a hash, and it works
    row = ApiToken.objects.get(user=province_user, name="Hệ thống báo cáo của Sở")
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert "chỉ hiện một lần" in err.getvalue() and token not in err.getvalue()
    assert call("GET", "/api/units?limit=1", token).status_code == 200


def test_the_api_token_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match=r"Không có tài khoản «khong\.co»"):
        call_command("api_token", "khong.co", "thử", stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()
