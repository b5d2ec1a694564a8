"""One certificate status on a date (``ocop.status.certificate_status``), read by the dossier page, the public
catalogue, the exports and the API: each boundary day, and the same answer as the queryset rule
(``Certificate.objects.in_force_on``)."""

from __future__ import annotations

import datetime as dt

import pytest

from nongthonso.ocop import status
from nongthonso.ocop.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(rating_world, new_rating):
    """Decided 15/8/2025, valid until 15/8/2028, revoked from 1/2/2027 (a synthetic certificate)."""
    rating = new_rating()
    return Certificate.objects.create(product=rating_world.product, rating=rating, stars=4,
                                      decision_number="12/QĐ-UBND", decision_date=dt.date(2025, 8, 15),
                                      issuing_level="tinh", valid_until=dt.date(2028, 8, 15), synthetic=True)


CASES = [
    (dt.date(2025, 8, 14), "chua_hieu_luc", "not_yet", "Chưa có hiệu lực", "Có hiệu lực từ 15/8/2025"),
    (dt.date(2025, 8, 15), "con_hieu_luc", "in_force", "Còn hiệu lực", "Còn hiệu lực đến 15/8/2028"),
    (dt.date(2028, 8, 15), "con_hieu_luc", "in_force", "Còn hiệu lực", "Còn hiệu lực đến 15/8/2028"),
    (dt.date(2028, 8, 16), "het_han", "expired", "Hết hiệu lực", "Hết hiệu lực từ 16/8/2028"),
]


@pytest.mark.parametrize(("day", "code", "key", "label", "text"), CASES)
def test_each_boundary_day(certificate, day, code, key, label, text):
    found = status.certificate_status(certificate, day)
    assert (found.code, found.key, found.label, found.text) == (code, key, label, text)
    assert found.in_force == Certificate.objects.in_force_on(day).filter(pk=certificate.pk).exists()


def test_a_revocation_counts_from_its_date(certificate):
    certificate.revoked_on, certificate.revocation_decision = dt.date(2027, 2, 1), "5/QĐ-UBND"
    certificate.save()
    before, on = (status.certificate_status(certificate, dt.date(2027, 1, 31)),
                  status.certificate_status(certificate, dt.date(2027, 2, 1)))
    assert (before.code, on.code, on.key, on.text) == ("con_hieu_luc", "thu_hoi", "revoked", "Đã thu hồi từ 1/2/2027")
    assert [Certificate.objects.in_force_on(d).filter(pk=certificate.pk).exists()
            for d in (dt.date(2027, 1, 31), dt.date(2027, 2, 1))] == [True, False]
