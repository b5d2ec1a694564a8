"""Writes through the API guard what the web form guards (issue 11, item 6): a value write takes the version of the
dossier the client read (``expected_version``, as the entry page sends) and a stale one is refused with 409; a body
that is not a JSON object («"hello"», ``[]``) is refused with 422, not taken as an empty one."""

import pytest
from django.test import Client

from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

CODE = "2.1"


@pytest.fixture
def officers(dossiers_open, assessed_communes, dai_tu, dossier, make_user, token_for):
    """Two commune officers of the same commune, and its open 2023 dossier."""
    commune = assessed_communes(dai_tu)[0]
    hoa, binh = make_user("api.hoa", "commune_officer", commune), make_user("api.binh", "commune_officer", commune)
    return token_for(hoa), token_for(binh), dossier(commune)


def _value(a):
    return IndicatorValue.objects.filter(assessment=a, indicator__code=CODE).values_list("value", flat=True).get()


def test_a_value_written_from_a_stale_version_is_refused(officers, assert_error, call):
    hoa, binh, a = officers
    url = f"/api/assessments/{a.pk}/values/{CODE}"
    read = call("GET", f"/api/assessments/{a.pk}", binh).json()["version"]

    first = call("PUT", url, hoa, {"value": 88, "expected_version": read})
    assert first.status_code == 200, first.content.decode()
    assert first.json()["assessment"]["version"] == read + 1
    entries = AuditEntry.objects.count()

    stale = call("PUT", url, binh, {"value": 45, "expected_version": read})

    error = assert_error(stale, 409, "stale")
    assert "vừa được api.hoa thay đổi" in error["message"] and "nhập chỉ tiêu 2.1 = 88" in error["message"]
    assert f"phiên bản {read + 1}, trang của bạn là phiên bản {read}" in error["message"]
    assert _value(a) == 88 and Assessment.objects.get(pk=a.pk).version == read + 1
    assert AuditEntry.objects.count() == entries  # nothing written

    # re-read, then the write goes through; a client that sends no version is not checked (as the web form)
    again = call("PUT", url, binh, {"value": 45, "expected_version": read + 1})
    assert again.status_code == 200 and _value(a) == 45
    assert call("PUT", url, hoa, {"value": 50}).status_code == 200 and _value(a) == 50


def test_the_openapi_document_describes_the_expected_version():
    doc = Client().get("/api/openapi.json").json()
    field = doc["components"]["schemas"]["ValueIn"]["properties"]["expected_version"]
    assert "409 stale" in field["description"]
    put = doc["paths"]["/api/assessments/{assessment_id}/values/{indicator_code}"]["put"]
    assert "expected_version" in put["description"]


@pytest.mark.parametrize("body", ["hello", [], 5, True, [{"reason": "Tiêu chí 2"}]])
def test_a_step_body_that_is_not_an_object_is_refused(officers, body, assert_error, call):
    hoa, _binh, a = officers
    response = call("POST", f"/api/assessments/{a.pk}/steps/submit", hoa, body)

    error = assert_error(response, 422, "validation_error")
    assert "nội dung JSON phải là một đối tượng JSON" in error["message"]
    assert Assessment.objects.get(pk=a.pk).state == "draft"


@pytest.mark.parametrize(("path", "body"), [
    ("confirm", "hello"),
    ("values/2.1/confirm", []),
    ("values/2.1", "85"),
    ("steps/record_decision", {"decision": "1234/QĐ-UBND"}),
])
def test_other_bodies_and_objects_that_are_not_objects_are_refused(officers, path, body, assert_error, call):
    hoa, _binh, a = officers
    method = "PUT" if path == "values/2.1" else "POST"
    before = Assessment.objects.get(pk=a.pk).version
    assert_error(call(method, f"/api/assessments/{a.pk}/{path}", hoa, body), 422, "validation_error")
    assert Assessment.objects.get(pk=a.pk).version == before
