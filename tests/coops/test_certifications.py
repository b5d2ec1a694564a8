"""Certifications: the form (OCOP products of the co-operative's own producer only, scans checked by content and
served by permission), audit, the API, and the expiry notices — 30 days ahead, in-app and e-mail, once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from nongthonso.audit.services import history
from nongthonso.coops import certifications, plots
from nongthonso.coops.models import Certification, CertificationKind
from nongthonso.notifications.models import Notification
from nongthonso.ocop.models import Producer, ProducerKind, Product, SubGroup

from .plots_world import SQUARE, make_world

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(make_user, van_phu, lam_vy):
    w = make_world(make_user, van_phu, lam_vy)
    w.plot = plots.save_plot(w.tea, {"code": "T01", "unit": van_phu, "area_m2": 11500, "crop": "Chè",
                                     "geometry": plots.parse(SQUARE)}, user=w.manager)
    subgroup = SubGroup.objects.first()
    own = Producer.objects.create(name="HTX chè Vạn Phú", kind=ProducerKind.values[0], unit=van_phu,
                                  cooperative_key=w.tea.registration_code)
    stranger = Producer.objects.create(name="Cơ sở khác", kind=ProducerKind.values[0], unit=van_phu)
    w.product = Product.objects.create(code="KT-CHE-01", name="Chè búp Vạn Phú", producer=own, subgroup=subgroup,
                                       unit=van_phu)
    w.foreign = Product.objects.create(code="KT-KHAC-01", name="Miến khác", producer=stranger, subgroup=subgroup,
                                       unit=van_phu)
    return w


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _data(world, **changes):
    data = {"kind": CertificationKind.VIETGAP, "number": "VG-2026-001", "certifier": "Trung tâm chứng nhận (minh họa)",
            "scope": "Chè búp tươi", "plots": [world.plot.pk], "issued_on": "2026-01-10", "valid_until": "2029-01-09"}
    data.update(changes)
    return data


def test_the_manager_records_a_certification_with_a_scan_served_only_within_scope(world):
    client = _client(world.manager)
    scan = SimpleUploadedFile("giay.pdf", PDF, "application/pdf")
    response = client.post(reverse("coops_certification_new", args=[world.tea.pk]), {**_data(world), "scan": scan})
    assert response.status_code == 302
    certification = Certification.objects.get()
    assert list(certification.plots.all()) == [world.plot] and certification.scan.name.endswith(".pdf")
    assert history(certification).get(action="create").after["plots"] == ["T01"]
    url = reverse("coops_certification_scan", args=[world.tea.pk, certification.pk])
    served = _client(world.viewer).get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF and "sandbox" in served["Content-Security-Policy"]
    assert _client(world.other).get(url).status_code == 404
    page = client.get(reverse("coops_certifications", args=[world.tea.pk])).content.decode()
    assert f'data-certification="{certification.pk}"' in page and "VG-2026-001" in page


def test_a_scan_that_is_not_a_pdf_or_image_by_content_is_refused(world):
    fake = SimpleUploadedFile("giay.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = _client(world.manager).post(reverse("coops_certification_new", args=[world.tea.pk]),
                                           {**_data(world), "scan": fake})
    assert response.status_code == 400 and "kiểm tra theo nội dung tệp" in response.content.decode()
    assert not Certification.objects.exists()


def test_only_the_products_of_the_cooperatives_own_producer_may_be_linked(world):
    client = _client(world.manager)
    url = reverse("coops_certification_new", args=[world.tea.pk])
    assert list(certifications.ocop_products(world.tea)) == [world.product]
    response = client.post(url, _data(world, kind=CertificationKind.OCOP, ocop_product=world.foreign.pk))
    assert response.status_code == 400 and not Certification.objects.exists()
    response = client.post(url, _data(world, kind=CertificationKind.OCOP, valid_until="2025-01-01"))
    body = response.content.decode()
    assert "Ngày hết hạn trước ngày cấp" in body and "chọn sản phẩm OCOP" in body
    assert client.post(url, _data(world, kind=CertificationKind.OCOP, ocop_product=world.product.pk)).status_code == 302
    assert Certification.objects.get().ocop_product == world.product


def test_viewers_may_not_add_and_the_api_lists_in_scope(world, call, token_for, assert_error):
    refused = _client(world.viewer).post(reverse("coops_certification_new", args=[world.tea.pk]), _data(world))
    assert refused.status_code == 403
    certifications.save_certification(world.tea, {**_data(world), "plots": [world.plot],
                                                  "issued_on": dt.date(2026, 1, 10),
                                                  "valid_until": dt.date(2029, 1, 9)}, user=world.manager)
    listed = call("GET", f"/api/coops/{world.tea.pk}/certifications", token_for(world.viewer)).json()
    assert listed["count"] == 1 and listed["items"][0]["plots"] == ["T01"] and not listed["items"][0]["has_scan"]
    assert_error(call("GET", f"/api/coops/{world.tea.pk}/certifications", token_for(world.other)), 404,
                 "not_found")


def test_expiry_is_noticed_thirty_days_ahead_once_in_app_and_by_email(world, django_capture_on_commit_callbacks):
    world.manager.email = "htx@example.org"
    world.manager.save()
    soon = certifications.save_certification(
        world.tea, {**_data(world), "plots": [world.plot], "issued_on": dt.date(2024, 1, 1),
                    "valid_until": dt.date(2026, 7, 20)}, user=world.manager)
    certifications.save_certification(
        world.tea, {**_data(world, number="VG-XA"), "plots": [], "issued_on": dt.date(2024, 1, 1),
                    "valid_until": dt.date(2026, 9, 1)}, user=world.manager)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("coops_notices", "--today", "2026-06-30", stdout=out)
    assert "1 chứng nhận được báo sắp hết hạn." in out.getvalue()
    notices = Notification.objects.filter(verb=certifications.EXPIRY)
    assert {n.recipient for n in notices} == {world.manager, world.officer}
    text = notices.get(recipient=world.manager).text
    assert "VG-2026-001" in text and "20/7/2026" in text and "còn 20 ngày" in text and "T01" in text
    assert any("VG-2026-001" in m.body for m in mail.outbox)
    soon.refresh_from_db()
    assert soon.expiry_notice_sent_at is not None
    assert history(soon).filter(actor="coops_notices").count() == 1
    assert certifications.send_expiry_notices(dt.date(2026, 7, 1)) == []  # once
    assert notices.count() == 2
    # renewed: noticed again before the new date
    certifications.save_certification(world.tea, {"valid_until": dt.date(2026, 8, 20)}, user=world.manager,
                                      certification=soon)
    assert [c.pk for c in certifications.send_expiry_notices(dt.date(2026, 7, 25))] == [soon.pk]
