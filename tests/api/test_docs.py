"""The OpenAPI document and the interactive docs, served by the app itself (no CDN)."""

import re

import pytest
from django.test import Client

from nongthonso.api.main import api

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("get", "/api/units"), ("get", "/api/units/{unit_id}"), ("get", "/api/criteria-sets"),
    ("get", "/api/criteria-sets/{set_id}"), ("get", "/api/assessments"), ("get", "/api/assessments/{assessment_id}"),
    ("put", "/api/assessments/{assessment_id}/values/{indicator_code}"), ("post", "/api/assessments"),
    ("post", "/api/assessments/{assessment_id}/confirm"),
    ("post", "/api/assessments/{assessment_id}/values/{indicator_code}/confirm"),
    ("post", "/api/assessments/{assessment_id}/steps/{action}"), ("get", "/api/decisions"),
    ("get", "/api/registrations"), ("get", "/api/summary"), ("post", "/api/imports/{kind}"),
    ("get", "/api/exports/{kind}"), ("get", "/api/templates/{set_code}"),
    # the apps above the API (core.registry.ApiRouter): training's reports, smart NTM, the registry's test app
    ("get", "/api/training/courses/{code}/report"), ("get", "/api/training/coverage"), ("get", "/api/smart/targets"),
    ("get", "/api/test-courses"),
    # training's courses, participants and roll call (training.api)
    ("get", "/api/training/courses"), ("get", "/api/training/courses/{code}"),
    ("get", "/api/training/courses/{code}/participants"), ("post", "/api/training/courses/{code}/participants"),
    ("put", "/api/training/courses/{code}/sessions/{session_id}/bridge-points/{point_id}/attendance"),
    # OCOP's products, producers, certificates, dossiers and statistics (ocop.api)
    ("get", "/api/ocop/products"), ("get", "/api/ocop/products/{code}"), ("get", "/api/ocop/producers"),
    ("get", "/api/ocop/certificates"), ("get", "/api/ocop/ratings"), ("get", "/api/ocop/statistics"),
    # OCOP's rating workflow: open a dossier, its steps, a step, a member's points, a revocation (ocop.api)
    ("post", "/api/ocop/ratings"), ("get", "/api/ocop/ratings/{rating_id}"),
    ("post", "/api/ocop/ratings/{rating_id}/steps"),
    ("put", "/api/ocop/ratings/{rating_id}/evaluations/{evaluation_id}/scores/{member_id}"),
    ("post", "/api/ocop/certificates/{certificate_id}/revoke"),
    # co-operatives: the registry, plots and certifications, lots and their EPCIS events (coops.api*)
    ("get", "/api/coops"), ("get", "/api/coops/{coop_id}"), ("get", "/api/coops/{cooperative_id}/plots"),
    ("post", "/api/coops/{cooperative_id}/plots"), ("get", "/api/coops/{cooperative_id}/certifications"),
    ("get", "/api/coops/lots"), ("get", "/api/coops/lots/{lot_id}"), ("get", "/api/coops/lots/{lot_id}/epcis"),
    ("post", "/api/coops/diary/sync"), ("get", "/api/coops/diary/entries"),
    # the supply–demand board (market.api)
    ("get", "/api/market/listings"), ("get", "/api/market/matches"),
    # foresight: the communes closest to the standard, a what-if without saving (foresight.api_gaps)
    ("get", "/api/foresight/gaps"), ("post", "/api/foresight/whatif"),
    # foresight: the forecast of meeting a level by a year (foresight.api_forecast)
    ("get", "/api/foresight/forecast"),
    # foresight: the registration plan, made and decided (foresight.api_plan)
    ("get", "/api/foresight/plans"), ("post", "/api/foresight/plans"), ("get", "/api/foresight/plans/{plan_id}"),
    ("post", "/api/foresight/plans/{plan_id}/suggestions/{suggestion_id}"),
    # the maps: the layers, a layer's GeoJSON, a unit's boundary (maps.api)
    ("get", "/api/maps/layers"), ("get", "/api/maps/layers/{key}"), ("get", "/api/maps/shapes/{unit_code}"),
}


def test_the_openapi_document_lists_every_endpoint_with_its_errors():
    # when the document is fetched without credentials (it is public; the operations are not)
    response = Client().get("/api/openapi.json")
    doc = response.json()

    # then it names the API and holds exactly the endpoints built
    assert response.status_code == 200
    assert (doc["info"]["title"], doc["info"]["version"], doc["openapi"][:2]) == ("Nông thôn số API", "1", "3.")
    assert {(m, p) for p, ops in doc["paths"].items() for m in ops} == ENDPOINTS
    # and every operation requires a token or a session and documents the error format for every failure
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["security"] == [{"TokenAuth": []}, {"SessionAuth": []}], (method, path)
            for status in ("400", "401", "403", "404", "409", "422"):
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
    assert doc["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert set(doc["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message"}


def test_the_docs_page_uses_only_the_apps_own_static_files():
    # when the interactive docs are opened
    client = Client()
    html = client.get("/api/docs").content.decode()

    # then every script and stylesheet comes from /static/ninja/ on this server, nothing from elsewhere
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/static/ninja/") for a in assets), assets
    assert "http://" not in html and "https://" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    # and those files are served
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_operation_ids_are_the_function_names():
    ids = {op["operationId"] for ops in api.get_openapi_schema()["paths"].values() for op in ops.values()}
    assert ids == {"list_units", "get_unit", "list_criteria_sets", "get_criteria_set", "list_assessments",
                   "get_assessment", "put_value", "take_step", "list_decisions", "list_registrations", "get_summary",
                   "import_file", "export_file", "get_template", "open_assessment", "confirm_carried",
                   "confirm_carried_value", "get_course_report", "get_coverage", "list_smart_targets",
                   "list_test_courses", "list_courses", "get_course", "list_participants", "register_participant",
                   "put_roll_call", "list_products", "get_product", "list_producers", "list_certificates",
                   "list_ratings", "get_statistics", "start_ocop_rating", "get_ocop_rating", "take_ocop_step",
                   "put_ocop_scores", "revoke_ocop_certificate", "list_coops", "get_coop", "list_plots",
                   "create_plot", "list_certifications", "list_lots", "get_lot", "get_epcis", "sync_diary",
                   "list_entries", "list_listings", "list_matches", "list_foresight_gaps",
                   "foresight_what_if", "foresight_forecast", "list_plans", "get_plan", "create_plan",
                   "decide_suggestion", "list_map_layers", "map_layer_data", "map_shape"}
