"""Certificates: issued by the decision step for the sheet's 36 months (29/2 clamped), stars not above the score,
revocation with its decision and reason, the product's status before and after it."""

import datetime as dt

import pytest

from nongthonso.audit.models import AuditEntry
from nongthonso.ocop import certificates, status, workflow
from nongthonso.ocop.certificates import CertificateRejected
from nongthonso.ocop.models import Certificate
from nongthonso.ocop.workflow import WorkflowError


@pytest.fixture
def scored_1489(rating_world, new_rating, council_scores, today_is):
    """``scored_1489(points, today)``: a dossier under Decision 1489 scored by the provincial council."""

    def make(points=(30, 20, 25), today=dt.date(2025, 8, 20), sitting=dt.date(2025, 8, 5)):
        w = rating_world
        today_is(dt.date(2025, 8, 1))
        rating = new_rating()
        workflow.perform(rating, "submit", w.producer_user)
        workflow.perform(rating, "preassess", w.xa, pre_assessment="Đủ hồ sơ.")
        council_scores(rating, "tinh", points=points, day=sitting)
        today_is(today)
        workflow.perform(rating, "score", w.tinh)
        return rating

    return make


def test_valid_36_months_from_the_decision(rating_world, scored_1489):
    rating = scored_1489()
    workflow.perform(rating, "decide", rating_world.tinh, stars=3, decision={"number": "9/QĐ-UBND",
                                                                            "date": "15/8/2025"})
    certificate = Certificate.objects.get(rating=rating)
    assert (certificate.decision_date, certificate.valid_until, certificate.stars) == (
        dt.date(2025, 8, 15), dt.date(2028, 8, 15), 3)
    entry = AuditEntry.objects.get(model="ocop.certificate", object_id=str(certificate.pk), action="create")
    assert entry.after["valid_until"] == "2028-08-15"


def test_a_decision_of_29_february_runs_to_28_february(rating_world, new_rating, council_scores, today_is):
    w = rating_world
    today_is(dt.date(2024, 2, 1))
    rating = new_rating(2024)
    workflow.perform(rating, "submit", w.producer_user)
    council_scores(rating, "huyen", points=(25, 15, 25), day=dt.date(2024, 2, 20))
    today_is(dt.date(2024, 3, 1))
    workflow.perform(rating, "score", w.huyen)
    workflow.perform(rating, "decide", w.huyen, decision={"number": "29/QĐ-UBND", "date": "2024-02-29"})
    assert Certificate.objects.get(rating=rating).valid_until == dt.date(2027, 2, 28)


def test_stars_above_the_score_are_refused(rating_world, scored_1489):
    rating = scored_1489(points=(25, 15, 25))  # 65 points: 3★
    with pytest.raises(WorkflowError) as caught:
        workflow.perform(rating, "decide", rating_world.tinh, stars=4,
                         decision={"number": "9/QĐ-UBND", "date": "2025-08-15"})
    assert (caught.value.code, caught.value.message) == ("stars", (
        "Kết quả chấm của hội đồng (65 điểm, hạng 3 sao) không đủ để công nhận 4 sao. Chọn hạng sao không cao hơn kết "
        "quả chấm, hoặc kết luận không công nhận."))
    with pytest.raises(WorkflowError) as caught:
        workflow.perform(rating, "decide", rating_world.tinh, stars=3, decision={"number": "", "date": "2025-08-15"})
    assert caught.value.message == "Phải ghi số quyết định công nhận, ví dụ «1234/QĐ-UBND»."
    assert not Certificate.objects.filter(rating=rating).exists()
    assert rating.state == "scored"


def test_revocation_keeps_the_status_before_it(rating_world, scored_1489, today_is):
    w = rating_world
    rating = scored_1489()
    workflow.perform(rating, "decide", w.tinh, stars=4, decision={"number": "9/QĐ-UBND", "date": "2025-08-15"})
    certificate = Certificate.objects.get(rating=rating)
    today_is(dt.date(2026, 3, 1))
    with pytest.raises(CertificateRejected) as caught:
        certificates.revoke(certificate, number="7/QĐ-UBND", date="2026-02-01", reason="", user=w.tinh)
    assert caught.value.message == "Phải ghi lý do thu hồi, ví dụ «Không đăng ký đánh giá lại khi hết 36 tháng»."
    with pytest.raises(CertificateRejected) as caught:
        certificates.revoke(certificate, number="7/QĐ-UBND", date="2026-02-01", reason="Vi phạm", user=w.xa)
    assert caught.value.code == "role"
    certificates.revoke(certificate, number="7/QĐ-UBND", date="1/2/2026", reason="Vi phạm sử dụng nhãn OCOP",
                        user=w.tinh)
    product = w.product.pk
    assert status.stars_on([product], dt.date(2026, 1, 31))[product][0] == 4
    assert product not in status.stars_on([product], dt.date(2026, 2, 1))
    assert certificates.status_text(certificate, dt.date(2026, 1, 31)) == "Còn hiệu lực đến 15/8/2028"
    assert certificates.status_text(certificate, dt.date(2026, 2, 1)) == "Đã thu hồi từ 1/2/2026"
    entry = AuditEntry.objects.get(model="ocop.certificate", object_id=str(certificate.pk), action="update")
    assert (entry.before["revoked_on"], entry.after["revoked_on"]) == (None, "2026-02-01")
    with pytest.raises(CertificateRejected) as caught:
        certificates.revoke(certificate, number="8/QĐ-UBND", date="2026-02-02", reason="Lần hai", user=w.tinh)
    assert caught.value.message == ("Giấy chứng nhận theo quyết định 9/QĐ-UBND đã bị thu hồi ngày 1/2/2026 (quyết định "
                                    "7/QĐ-UBND).")


def test_a_re_rating_renews_the_previous_certificate(rating_world, scored_1489, today_is):
    w = rating_world
    rating = scored_1489()
    workflow.perform(rating, "decide", w.tinh, stars=4, decision={"number": "9/QĐ-UBND", "date": "2025-08-15"})
    today_is(dt.date(2028, 7, 20))
    renewal = workflow.start(w.product, w.producer_user)
    assert renewal.previous == Certificate.objects.get(rating=rating)
