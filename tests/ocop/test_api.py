"""/api/ocop/: products with their stars on a date, producers, certificates, dossiers and statistics, scoped by
``ocop.scope`` (roles × own or other unit: 404 outside), token or session, the API's one error format."""

from __future__ import annotations

import pytest
from django.test import Client

from . import stats_world

ocop_world = stats_world.ocop_world  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(ocop_world, make_user):
    """Who asks: offices and officers on their units, a producer's own account, nobody, a superuser."""
    w = ocop_world
    member = make_user("ho-binh")
    w.producers.household.members.add(member)
    return {
        "province_office": make_user("vpdp-tinh", "province_office", w.province),
        "viewer": make_user("xem-tinh", "viewer", w.province),
        "lam_vy_officer": make_user("xa-lam-vy", "commune_officer", w.lam_vy),
        "van_phu_officer": make_user("xa-van-phu", "commune_officer", w.van_phu),
        "producer": member,
        "nobody": make_user("khong-vai-tro"),
        "superuser": make_user("quan-tri", is_superuser=True, is_staff=True),
    }


# (who, product code, status): Rượu ngô is Lam Vỹ's; Chè Tân Cương came to Vạn Phú from Văn Yên; Trà hoa vàng is
# the other province's
MATRIX = [
    ("province_office", "19-RN-03", 200), ("province_office", "19-TC-01", 200), ("province_office", "T07-TH-01", 404),
    ("viewer", "19-RN-03", 200), ("viewer", "T07-TH-01", 404),
    ("lam_vy_officer", "19-RN-03", 200), ("lam_vy_officer", "19-TC-01", 404),
    ("van_phu_officer", "19-TC-01", 200), ("van_phu_officer", "19-RN-03", 404),
    ("producer", "19-RN-03", 200), ("producer", "19-TC-01", 404),
    ("nobody", "19-RN-03", 404),
    ("superuser", "T07-TH-01", 200),
]


@pytest.mark.parametrize(("who", "code", "status"), MATRIX)
def test_permission_matrix(people, token_for, call, assert_error, who, code, status):
    response = call("GET", f"/api/ocop/products/{code}?as_of=2026-06-30", token_for(people[who]))
    if status == 404:
        assert "không có sản phẩm ocop" in assert_error(response, 404, "not_found")["message"].lower()
    else:
        assert response.status_code == 200 and response.json()["code"] == code
    listed = call("GET", "/api/ocop/products?limit=500", token_for(people[who])).json()["items"]
    assert (code in [item["code"] for item in listed]) == (status == 200)


def test_without_credentials_401(ocop_world, call, assert_error):
    assert_error(call("GET", "/api/ocop/products"), 401, "unauthenticated")
    assert_error(call("GET", "/api/ocop/statistics", "not-a-token"), 401, "invalid_token")


def test_session_auth(people):
    client = Client()
    client.force_login(people["province_office"])
    response = client.get("/api/ocop/products/19-TC-01")
    assert response.status_code == 200


def test_product_detail_with_stars_on_a_date(people, token_for, call):
    token = token_for(people["province_office"])
    gao = call("GET", "/api/ocop/products/19-GN-05?as_of=2026-06-30", token).json()
    assert (gao["stars"], gao["valid_until"]) == (4, "2029-04-01")
    assert [c["decision_number"] for c in gao["certificates"]] == ["450/QĐ-UBND", "30/QĐ-UBND"]
    assert gao["producer_detail"]["kind"] == "ho_kinh_doanh" and gao["group"]["code"] == "1"
    assert call("GET", "/api/ocop/products/19-GN-05?as_of=2025-01-01", token).json()["stars"] == 3
    honey = call("GET", "/api/ocop/products/19-MO-04?as_of=2026-06-30", token).json()
    assert honey["stars"] is None and honey["certificates"][0]["status"] == "revoked"


def test_product_filters(people, token_for, call):
    token = token_for(people["province_office"])

    def codes(query: str) -> list[str]:
        return [item["code"] for item in call("GET", f"/api/ocop/products?as_of=2026-06-30&{query}", token)
                .json()["items"]]

    assert codes("stars=4") == ["19-TC-01", "19-GN-05"]  # by name: Chè…, Gạo…; Gạo nếp's earlier 3★ superseded
    assert codes("stars=3") == ["19-MD-02"]
    assert codes("certified=true&group=2") == ["19-TC-01", "19-RN-03"]
    assert codes("q=che tan cuong") == ["19-TC-01"]
    assert codes(f"unit={people['lam_vy_officer'].memberships.first().unit.code}") == [
        "19-GN-05", "19-MO-04", "19-RN-03"]


def test_producers_certificates_ratings(people, token_for, call):
    office = token_for(people["province_office"])
    producers = call("GET", "/api/ocop/producers?kind=hop_tac_xa", office).json()
    assert [p["name"] for p in producers["items"]] == ["HTX Chè Văn Yên"]
    revoked = call("GET", "/api/ocop/certificates?as_of=2026-06-30&status=revoked", office).json()
    assert [c["product_code"] for c in revoked["items"]] == ["19-MO-04"]
    in_force = call("GET", "/api/ocop/certificates?as_of=2026-06-30&status=in_force", office).json()
    assert in_force["count"] == 5  # Gạo nếp's 3★ of 2024 still runs beside its 4★
    expired = call("GET", "/api/ocop/certificates?as_of=2026-06-30&status=expired", office).json()
    assert [c["decision_number"] for c in expired["items"]] == []
    ratings = call("GET", "/api/ocop/ratings?state=proposed", office).json()
    assert [r["product_code"] for r in ratings["items"]] == ["19-MD-02"]
    assert call("GET", "/api/ocop/ratings", token_for(people["producer"])).json()["count"] == 0


def test_statistics_scoped_to_the_caller(people, token_for, call):
    office = call("GET", "/api/ocop/statistics?unit=19&as_of=2026-06-30", token_for(people["province_office"]))
    data = office.json()
    assert data["products_by_stars"] == {"5": 1, "4": 2, "3": 1} and data["expiring_90_days"]["count"] == 1
    assert data["text"].startswith("Tính đến 30/6/2026")
    lam_vy = call("GET", "/api/ocop/statistics?unit=19&as_of=2026-06-30", token_for(people["lam_vy_officer"])).json()
    assert lam_vy["products_total"] == 2


def test_statistics_errors(people, token_for, call, assert_error):
    token = token_for(people["province_office"])
    assert_error(call("GET", "/api/ocop/statistics?unit=99999&as_of=2026-06-30", token), 404, "not_found")
    assert_error(call("GET", "/api/ocop/statistics?as_of=30-06-2026", token), 422, "validation_error")
    assert_error(call("GET", "/api/ocop/statistics?as_of=2026-06-30&period_start=2026-07-01", token), 422,
                 "validation_error")
    assert_error(call("GET", "/api/ocop/products?stars=2", token), 422, "validation_error")


def test_the_summary_carries_the_ocop_section(people, token_for, call):
    data = call("GET", "/api/summary?unit=19&as_of=2026-06-30", token_for(people["viewer"])).json()
    assert data["ocop"]["products_by_stars"] == {"5": 1, "4": 2, "3": 1}
    assert (data["ocop"]["expiring_90_days"], data["ocop"]["revoked_in_period"]) == (1, 1)
    assert "Có 4 sản phẩm OCOP còn hiệu lực (1 sản phẩm 5 sao, 2 sản phẩm 4 sao, 1 sản phẩm 3 sao)" in data["text"]
