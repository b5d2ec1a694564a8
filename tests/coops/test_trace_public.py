"""The public page of a lot (``coops.public_trace``): no login, what a consumer is shown (product, producer and
address, times, GTIN, lot, growing-area codes, shelf life, standards in force, OCOP stars), the chain one step back
and forward, 404 for an unknown lot, the GS1 Digital Link redirect, the QR code of the page's address, cached per
data revision."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.utils import timezone

from nongthonso.coops import public_trace, trace

from . import trace_rows
from .trace_rows import lot_data

trace_world = trace_rows.trace_world  # the fixture


def _chain(w):
    a = trace.lot_from_harvests(w.coop, lot_data("T-A", best_before=dt.date(2027, 5, 10)), [(w.first, "120")])
    b = trace.lot_from_harvests(w.coop, lot_data("T-B"), [(w.second, "80")])
    packed = trace.process(w.coop, lot_data("P/1", gtin="08939999000024", name="Chè hộp 200 g", unit="hộp",
                                            produced=dt.date(2026, 5, 12), standards="TCVN 9740:2013"),
                           [(a, "100"), (b, "80")], "450")
    trace.observe(packed, "shipping", when=timezone.make_aware(dt.datetime(2026, 5, 13, 8)), read_point="Kho HTX")
    return a, b, packed


def test_the_page_shows_what_a_consumer_needs_without_login(client, trace_world):
    w = trace_world
    a, _b, packed = _chain(w)
    response = client.get(f"/truy-xuat/{a.identifier}/")
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("Chè búp Tân Cương", "Hợp tác xã chè Vạn Phú (thử)", "Xóm Soi, Vạn Phú", w.coop.unit.name,
                  "08939999000017", "T-A", "VN-TN-VP-0007", "10/5/2027", "VG-2025-118", "Dữ liệu minh họa"):
        assert shown in html, shown
    assert "HC-2020-9" not in html  # the organic certificate of the other plot expired, and is not this lot's
    assert f'href="/truy-xuat/{packed.identifier}/"' in html  # one step forward
    assert "8/5/2026" in html and "T-01" in html  # the harvest, its date and plot


def test_a_processed_lot_shows_its_inputs_and_the_plots_and_standards_behind_them(client, trace_world):
    w = trace_world
    a, b, packed = _chain(w)
    html = client.get(f"/truy-xuat/{packed.identifier}/").content.decode()
    assert f'href="/truy-xuat/{a.identifier}/"' in html and f'href="/truy-xuat/{b.identifier}/"' in html
    assert "VN-TN-VP-0007" in html and "VG-2025-118" in html and "TCVN 9740:2013" in html
    assert "Kho HTX" in html and "13/5/2026 08:00" in html
    page = public_trace.lot_page(packed.identifier)
    assert [p.code for p in page.plots] == ["T-01", "T-02"] and page.outputs == []


def test_ocop_stars_show_when_the_lots_product_is_certified(client, trace_world):
    from nongthonso.ocop.models import Certificate, add_months


    w = trace_world
    from nongthonso.ocop.models import Producer, ProducerKind, Product, ProductGroup, Provenance, SubGroup

    group = ProductGroup.objects.create(code="T-DU", name="Đồ uống (thử)", provenance=Provenance.PLACEHOLDER)
    sub = SubGroup.objects.create(group=group, code="T-DU-CHE", name="Chè", provenance="placeholder")
    producer = Producer.objects.create(name=w.coop.name, kind=ProducerKind.COOPERATIVE, unit=w.coop.unit,
                                       synthetic=True)
    product = Product.objects.create(code="T-CHE-1", name="Chè búp", producer=producer, subgroup=sub,
                                     unit=w.coop.unit, synthetic=True)
    lot = trace.lot_from_harvests(w.coop, lot_data("O-1", ocop_product_id=product.pk), [(w.first, "10")])
    assert "data-ocop-stars" not in client.get(f"/truy-xuat/{lot.identifier}/").content.decode()
    Certificate.objects.create(product=product, stars=4, decision_number="12/QĐ-UBND",
                               decision_date=dt.date(2026, 1, 5), valid_until=add_months(dt.date(2026, 1, 5), 36),
                               issuing_level="tinh", synthetic=True)
    assert 'data-ocop-stars="4"' in client.get(f"/truy-xuat/{lot.identifier}/").content.decode()


def test_an_unknown_lot_is_not_found(client, trace_world):
    response = client.get("/truy-xuat/08939999000017-KHONGCO/")
    assert response.status_code == 404
    assert client.get("/truy-xuat/08939999000017-KHONGCO/qr.png").status_code == 404
    assert client.get("/01/08939999000017/10/KHONGCO").status_code == 404
    assert client.get("/01/08939999000016/10/T-A").status_code == 404  # a wrong check digit


def test_the_gs1_digital_link_resolves_to_the_page(client, trace_world):
    w = trace_world
    _a, _b, packed = _chain(w)
    assert trace.digital_link(packed) == f"{settings.SITE_URL}/01/08939999000024/10/P%2F1"
    response = client.get("/01/08939999000024/10/P%2F1")
    assert response.status_code == 302 and response["Location"] == f"/truy-xuat/{packed.identifier}/"
    assert client.get("/01/8939999000024/10/P%2F1")["Location"] == f"/truy-xuat/{packed.identifier}/"  # GTIN-13


def test_the_qr_code_holds_the_page_address(client, trace_world):
    w = trace_world
    lot = trace.lot_from_harvests(w.coop, lot_data("Q-1"), [(w.first, "1")])
    url = f"{settings.SITE_URL}/truy-xuat/{lot.identifier}/"
    assert trace.public_url(lot) == url
    # no QR decoder is installed: the code served is the one segno makes of the page's address
    assert public_trace.qr(lot).matrix == segno.make(url, error="m", micro=False).matrix
    png = client.get(f"/truy-xuat/{lot.identifier}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = client.get(f"/truy-xuat/{lot.identifier}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get(f"/truy-xuat/{lot.identifier}/qr.gif").status_code == 404


def test_a_repeated_request_costs_one_query_and_a_new_event_shows_at_once(
        client, trace_world, django_assert_num_queries, django_capture_on_commit_callbacks):
    w = trace_world
    lot = trace.lot_from_harvests(w.coop, lot_data("C-1"), [(w.first, "5")])
    path = f"/truy-xuat/{lot.identifier}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(path)
    with django_assert_num_queries(1):  # the data revision
        assert client.get(path).status_code == 200
    trace.observe(lot, "shipping", when=timezone.make_aware(dt.datetime(2026, 5, 20, 10)), read_point="Chợ Thái")
    assert "Chợ Thái" in client.get(path).content.decode()
