"""Expiry notices: certificates ending within 30 days, told once to the producer and the rating office."""

import datetime as dt
from io import StringIO

from django.core import mail
from django.core.management import call_command

from nongthonso.notifications.models import Notification
from nongthonso.ocop import notices
from nongthonso.ocop.models import Certificate, add_months


def _certificate(world, decided=dt.date(2023, 5, 10), stars=4, level="tinh"):
    return Certificate.objects.create(product=world.product, stars=stars, decision_number="45/QĐ-UBND",
                                      decision_date=decided, issuing_level=level,
                                      issuing_authority="Ủy ban nhân dân tỉnh Thái Nguyên",
                                      valid_until=add_months(decided, 36), synthetic=True)


def test_told_once_within_30_days(rating_world, django_capture_on_commit_callbacks):
    w = rating_world
    certificate = _certificate(w)  # valid until 10/5/2026
    assert notices.send_expiry_notices(dt.date(2026, 4, 9)) == []  # 31 days before
    with django_capture_on_commit_callbacks(execute=True):
        assert notices.send_expiry_notices(dt.date(2026, 4, 10)) == [certificate]
    told = Notification.objects.filter(verb=notices.EXPIRY).order_by("recipient__username")
    assert [n.recipient.username for n in told] == ["chu_the", "ocop_tinh"]
    assert told[0].text.splitlines()[:2] == [
        "Giấy chứng nhận OCOP sắp hết hạn: sản phẩm «Chè búp Kiểm Thử» (chủ thể «HTX Chè Kiểm Thử»).",
        "Công nhận 4 sao theo quyết định 45/QĐ-UBND ngày 10/5/2023 của Ủy ban nhân dân tỉnh Thái Nguyên; hiệu lực "
        "đến 10/5/2026 (còn 30 ngày)."]
    assert told[0].link == f"/ocop/ho-so/lap-moi/?san-pham={w.product.pk}"
    assert sorted(m.to[0] for m in mail.outbox) == ["chuthe@example.vn", "tinh@example.vn"]
    certificate.refresh_from_db()
    assert certificate.expiry_notice_sent_at is not None
    assert notices.send_expiry_notices(dt.date(2026, 4, 20)) == []
    assert told.count() == 2


def test_a_district_certificate_tells_the_district_office(rating_world):
    _certificate(rating_world, stars=3, level="huyen")
    notices.send_expiry_notices(dt.date(2026, 5, 1))
    assert sorted(Notification.objects.filter(verb=notices.EXPIRY).values_list("recipient__username", flat=True)) == [
        "chu_the", "ocop_huyen"]


def test_revoked_or_expired_certificates_are_not_noticed(rating_world):
    revoked = _certificate(rating_world)
    revoked.revoked_on = dt.date(2025, 1, 1)
    revoked.save()
    assert notices.send_expiry_notices(dt.date(2026, 4, 20)) == []
    assert notices.send_expiry_notices(dt.date(2026, 5, 11)) == []


def test_the_command_takes_a_day(rating_world):
    _certificate(rating_world)
    out = StringIO()
    call_command("ocop_notices", "--today", "20/4/2026", stdout=out)
    assert out.getvalue().splitlines() == [
        "Đã báo: Chè búp Kiểm Thử — 4 sao, quyết định 45/QĐ-UBND, hết hạn 10/5/2026",
        "1 giấy chứng nhận được báo sắp hết hạn."]
    out = StringIO()
    call_command("ocop_notices", "--today", "2026-04-21", stdout=out)
    assert out.getvalue().splitlines() == ["0 giấy chứng nhận được báo sắp hết hạn."]


def test_a_certificate_another_run_has_claimed_is_left_to_it(rating_world, monkeypatch):
    certificate = _certificate(rating_world)
    listed = notices.due(dt.date(2026, 4, 20))  # what this run listed, before the other run claimed it
    monkeypatch.setattr(notices, "due", lambda today, within: listed.model.objects.filter(pk=certificate.pk))
    Certificate.objects.filter(pk=certificate.pk).update(expiry_notice_sent_at=dt.datetime(2026, 4, 20, 1, 0,
                                                                                           tzinfo=dt.UTC))
    assert notices.send_expiry_notices(dt.date(2026, 4, 20)) == []
    assert not Notification.objects.filter(verb=notices.EXPIRY).exists()
