"""Property-based testing of the API against its own OpenAPI document (schemathesis, through the WSGI app).

Every operation — writes included — gets generated valid and invalid requests, authenticated with a token
of a province-office user. Every response must be a non-5xx, with a status code the document lists, the
declared content type, and a body that matches the declared schema (the error schema included). The test
runs inside a pytest-django transaction, so whatever the generated writes (workflow steps) did is rolled
back: runs are independent of each other and of the rest of the suite.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from nongthonso.demo.thai_nguyen_2026 import SET_2021 as NTM_SET
from nongthonso.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


# Fetching the document needs no database (schemathesis.pytest.from_fixture would defer it to a fixture, but its
# lazy loader does not work with pytest 9); each operation below is then its own test with its own transaction.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def in_test_transaction(db, dossiers_open):
    """Requests through the WSGI app run in the test's transaction (rolled back afterwards). Django's test client
    does the same: a request must not close the database connection that holds the transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_every_operation_conforms_to_the_openapi_document(case, in_test_transaction, province_token):
    response = case.call(headers={"Authorization": f"Bearer {province_token}"})
    case.validate_response(response, checks=CHECKS)


# The same checks on the demo's real dossiers: generated ids rarely hit an existing dossier, so the operations on
# one dossier get their ids (and indicator codes) mapped onto real ones — the user's own commune, a commune of the
# same district and one of another district — and run as the province office and as the commune officer, whose
# writes (values, submission) then succeed and are checked against the success schemas too.
REAL: dict[str, list] = {}


@pytest.fixture
def real_dossiers(in_test_transaction, assessed_communes, dossier, unit_at, dai_tu):
    from nongthonso.criteria.models import Indicator

    own, sibling = assessed_communes(dai_tu)[:2]
    elsewhere = assessed_communes(unit_at("167", "huyen"))[0]
    REAL["assessments"] = [dossier(own).pk, dossier(own).pk, dossier(sibling).pk, dossier(elsewhere).pk]
    REAL["indicators"] = list(Indicator.objects.filter(criteria_set__code=NTM_SET).order_by("position")
                              .values_list("code", flat=True).distinct())
    REAL["own"] = [own]
    yield
    REAL.clear()


def map_path_parameters(context, path_parameters):
    ids, codes = REAL.get("assessments"), REAL.get("indicators")
    value = path_parameters.get("assessment_id")
    if ids and isinstance(value, int) and not isinstance(value, bool):
        path_parameters["assessment_id"] = ids[value % len(ids)]
    code = path_parameters.get("indicator_code")
    if codes and isinstance(code, str) and code.isascii() and code:
        path_parameters["indicator_code"] = codes[sum(map(ord, code)) % len(codes)]
    return path_parameters


on_dossiers = schema.include(path_regex=r"^/api/assessments/\{assessment_id\}")


@on_dossiers.hooks.apply(map_path_parameters)
@on_dossiers.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_operations_on_real_dossiers_as_the_province_office(case, real_dossiers, province_token):
    response = case.call(headers={"Authorization": f"Bearer {province_token}"})
    case.validate_response(response, checks=CHECKS)


@on_dossiers.hooks.apply(map_path_parameters)
@on_dossiers.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_operations_on_real_dossiers_as_the_commune_officer(case, real_dossiers, make_user, token_for):
    if "officer" not in REAL:
        REAL["officer"] = [token_for(make_user("api.sch.xa", "commune_officer", REAL["own"][0]))]
    response = case.call(headers={"Authorization": f"Bearer {REAL['officer'][0]}"})
    case.validate_response(response, checks=CHECKS)
