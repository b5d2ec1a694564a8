"""The public OCOP catalogue and product pages (``ocop.public``): no login, search without diacritics, filters by
group, stars and commune (in force and former), Vietnamese order, pages; a product's page with its certificate's
status in words, photos only of certified products, the QR code of the page's address; cached per data revision with
a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import segno
from django.conf import settings

from nongthonso.audit.services import record
from nongthonso.ocop import public
from nongthonso.ocop.models import Certificate

from . import public_world
from .public_world import certify, photo

fresh_cache, ocop_world = public_world.fresh_cache, public_world.ocop_world  # the fixtures

CATALOGUE = "/san-pham-ocop/"


def listed(response) -> list[str]:
    """The product codes a catalogue page lists, in its order."""
    assert response.status_code == 200
    return re.findall(r'data-product="([^"]+)"', response.content.decode())


def test_the_catalogue_lists_the_products_certified_today_in_vietnamese_order_without_login(client, ocop_world):
    w = ocop_world
    response = client.get(CATALOGUE)
    # «Đậu» before «Mật» (Vietnamese order; the code points would put «Đ» after «M»); expired, revoked and never
    # certified products are not listed
    assert listed(response) == [w.tea.code, w.tofu.code, w.honey.code]
    html = response.content.decode()
    assert 'data-total="3"' in html
    assert "bốn sao" in html and "ba sao" in html
    assert f'href="/san-pham-ocop/{w.tea.code}/"' in html


def test_a_past_date_lists_what_was_certified_then(client, ocop_world):
    w = ocop_world
    # 1/6/2024: the noodles' certificate ran until 10/1/2025 and the wine's was not revoked yet; tofu and honey not
    # certified yet
    assert listed(client.get(CATALOGUE, {"ngay": "1/6/2024"})) == [w.noodles.code, w.wine.code]
    response = client.get(CATALOGUE, {"ngay": "hôm qua"})
    assert "không hợp lệ" in response.content.decode()
    assert listed(response) == [w.tea.code, w.tofu.code, w.honey.code]  # today, said so


@pytest.mark.parametrize(("typed", "found"), [
    ("tra tan cuong", ["tea"]),  # «trà» is «chè» in the south; no diacritics typed
    ("CHÈ tân", ["tea"]),
    ("mat ong", ["honey"]),
    ("van phu", ["tea", "tofu", "honey"]),  # the commune: the tea's commune merged into Vạn Phú
    ("van yen", ["tea"]),  # and the former one
    ("hop tac xa", ["tea"]),  # the producer
    ("TN-MAT", ["honey"]),  # the code
    ("ruou", []),  # revoked: not in the catalogue
    ("banh chung", []),  # never certified
])
def test_search_without_diacritics(client, ocop_world, typed, found):
    assert listed(client.get(CATALOGUE, {"q": typed})) == [getattr(ocop_world, name).code for name in found]


def test_filters_by_group_stars_and_commune_old_and_new(client, ocop_world):
    w = ocop_world
    assert listed(client.get(CATALOGUE, {"nhom": w.drinks.code})) == [w.tea.code]
    assert listed(client.get(CATALOGUE, {"sao": "4"})) == [w.tea.code]
    assert listed(client.get(CATALOGUE, {"sao": "3", "q": "van phu"})) == [w.tofu.code, w.honey.code]
    # the tea comes from Văn Yên, merged into Vạn Phú: found under both
    assert listed(client.get(CATALOGUE, {"xa": w.van_phu.pk})) == [w.tea.code, w.tofu.code, w.honey.code]
    assert listed(client.get(CATALOGUE, {"xa": w.van_yen.pk})) == [w.tea.code]
    html = client.get(CATALOGUE).content.decode()
    assert f'<option value="{w.van_phu.pk}">{w.van_phu.name}</option>' in html
    assert f'<option value="{w.van_yen.pk}">{w.van_yen.name} (cũ)</option>' in html
    bad = client.get(CATALOGUE, {"sao": "sáu"}).content.decode()
    assert "Hạng sao «sáu» không hợp lệ: chọn 3, 4 hoặc 5 sao." in bad


def test_pages_of_the_catalogue(client, ocop_world, monkeypatch):
    w = ocop_world
    monkeypatch.setattr(public, "PAGE_SIZE", 2)
    first = client.get(CATALOGUE, {"q": "van"})
    assert listed(first) == [w.tea.code, w.tofu.code]
    assert "trang=2" in first.content.decode() and "Trang 1/2" in first.content.decode()
    assert listed(client.get(CATALOGUE, {"q": "van", "trang": "2"})) == [w.honey.code]


def text(html: str) -> str:
    """What the page reads, without its tags."""
    return re.sub(r"<[^>]+>", "", html)


# --- a product's page --------------------------------------------------------------------------------------------

def page(client, product, **params):
    response = client.get(f"/san-pham-ocop/{product.code}/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_certified_product_page(client, ocop_world):
    w = ocop_world
    html = page(client, w.tea)
    assert 'data-state="in_force"' in html
    assert "Sản phẩm OCOP 4 sao" in html and "★★★★☆" in text(html) and "bốn sao" in html
    assert "1234/QĐ-UBND" in html and "1/3/2025" in html and "1/3/2028" in html
    assert "Giấy chứng nhận còn hiệu lực đến ngày 1/3/2028" in html
    assert "Ủy ban nhân dân tỉnh Thái Nguyên" in html
    assert "Hợp tác xã chè Tân Cương" in html and "Hợp tác xã" in html
    assert f"{w.van_phu.name} (trước là {w.van_yen.name})" in html
    assert "Đồ uống (thử)" in html and "Chè búp, chè lá" in html
    assert "sao thủ công" in html and "Vùng chè nổi tiếng" in html
    for image in w.tea_photos:
        assert f'src="/san-pham-ocop/{w.tea.code}/anh/{image.pk}/"' in html
    assert "<svg" in html and f"{settings.SITE_URL}/san-pham-ocop/{w.tea.code}/" in html
    assert f'href="/san-pham-ocop/{w.tea.code}/tem/"' in html


def test_an_expired_certificate_is_said_plainly(client, ocop_world):
    html = page(client, ocop_world.noodles)
    assert 'data-state="expired"' in html
    assert "Giấy chứng nhận OCOP đã hết hạn" in html
    assert ("Giấy chứng nhận đã hết hiệu lực từ ngày 10/1/2025: ngày 30/6/2026 sản phẩm không còn là sản phẩm OCOP "
            "được công nhận.") in html
    assert "big-stars" not in html  # no stars drawn: it holds none today


def test_a_revoked_certificate_is_said_plainly_with_its_reason(client, ocop_world):
    html = page(client, ocop_world.wine)
    assert 'data-state="revoked"' in html
    assert "Giấy chứng nhận OCOP đã bị thu hồi" in html
    assert "Giấy chứng nhận đã bị thu hồi ngày 1/2/2026 theo quyết định 45/QĐ-UBND" in html
    assert "Chủ thể không đăng ký đánh giá lại, vi phạm sử dụng biểu trưng OCOP." in html
    # on a date before the revocation it was in force
    assert 'data-state="in_force"' in page(client, ocop_world.wine, ngay="2025-12-31")


def test_a_date_before_the_first_decision(client, ocop_world):
    html = page(client, ocop_world.tea, ngay="2024-01-01")
    assert 'data-state="not_yet"' in html
    assert "Ngày 1/1/2024 sản phẩm chưa được công nhận OCOP; sản phẩm được công nhận từ ngày 1/3/2025." in html


def test_a_renewal_to_more_stars_shows_the_latest_decision(client, ocop_world):
    w = ocop_world
    certify(w.tea, 5, "2361/QĐ-BNNMT", dt.date(2026, 6, 1))
    html = page(client, w.tea)
    assert "Sản phẩm OCOP 5 sao" in html and "2361/QĐ-BNNMT" in html and "Các lần công nhận" in html


def test_never_certified_or_unknown_products_are_not_found(client, ocop_world):
    w = ocop_world
    for path in (f"/san-pham-ocop/{w.cake.code}/", "/san-pham-ocop/KHONG-CO/", f"/san-pham-ocop/{w.cake.code}/tem/",
                 f"/san-pham-ocop/{w.cake.code}/qr.png", f"/san-pham-ocop/{w.cake.code}/qr.svg"):
        assert client.get(path).status_code == 404, path
    # a certificate decided in the future does not make the page public yet
    certify(w.cake, 3, "999/QĐ-UBND", w.today + dt.timedelta(days=10))
    assert client.get(f"/san-pham-ocop/{w.cake.code}/").status_code == 404


def test_photos_of_certified_products_only(client, ocop_world):
    w = ocop_world
    image = w.tea_photos[0]
    response = client.get(f"/san-pham-ocop/{w.tea.code}/anh/{image.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # the photo of a product never certified: not served, neither under its own code nor under another's
    assert client.get(f"/san-pham-ocop/{w.cake.code}/anh/{w.cake_photo.pk}/").status_code == 404
    assert client.get(f"/san-pham-ocop/{w.tea.code}/anh/{w.cake_photo.pk}/").status_code == 404


def test_the_qr_code_holds_the_page_address(client, ocop_world):
    w = ocop_world
    expected = f"{settings.SITE_URL}/san-pham-ocop/{w.tea.code}/"
    assert public.product_url(w.tea.code) == expected
    # no QR decoder is installed: the code served is the one segno makes of the page's address
    made = segno.make(expected, error="m", micro=False)
    assert public.qr(w.tea.code).matrix == made.matrix
    png = client.get(f"/san-pham-ocop/{w.tea.code}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = client.get(f"/san-pham-ocop/{w.tea.code}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get(f"/san-pham-ocop/{w.tea.code}/qr.gif").status_code == 404
    label = client.get(f"/san-pham-ocop/{w.tea.code}/tem/").content.decode()
    assert "<svg" in label and expected in label and "1234/QĐ-UBND" in label and "bốn sao" in label
    # an expired product's label says not to use it
    assert ("Giấy chứng nhận không còn hiệu lực: không dùng tem này."
            in client.get(f"/san-pham-ocop/{w.noodles.code}/tem/").content.decode())
    assert ("Sản phẩm chưa được công nhận vào ngày này: không dùng tem này."
            in client.get(f"/san-pham-ocop/{w.tea.code}/tem/", {"ngay": "2024-01-01"}).content.decode())


# --- speed: queries and the cache ---------------------------------------------------------------------------------

def _queries(client, path, django_assert_max_num_queries, n):
    with django_assert_max_num_queries(n) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_queries_do_not_grow_with_the_products(client, ocop_world, django_assert_max_num_queries):
    w = ocop_world
    list_before = _queries(client, CATALOGUE, django_assert_max_num_queries, 8)
    page_before = _queries(client, f"/san-pham-ocop/{w.tea.code}/", django_assert_max_num_queries, 7)
    for i in range(5):
        more = type(w.tea).objects.create(code=f"TN-THEM-{i}", name=f"Sản phẩm thêm {i}", producer=w.tea.producer,
                                          subgroup=w.tea.subgroup, unit=w.van_phu, synthetic=True)
        certify(more, 3, f"{i}/QĐ", dt.date(2026, 2, 1))
        photo(more)
        photo(w.tea)
    assert _queries(client, CATALOGUE, django_assert_max_num_queries, 8) == list_before
    assert _queries(client, f"/san-pham-ocop/{w.tea.code}/", django_assert_max_num_queries, 7) == page_before


def test_a_repeated_request_costs_one_query_and_a_new_certificate_shows_at_once(
        client, ocop_world, django_assert_num_queries, django_capture_on_commit_callbacks):
    w = ocop_world
    for path in (CATALOGUE, f"/san-pham-ocop/{w.tofu.code}/"):
        with django_capture_on_commit_callbacks(execute=True):  # the cache is filled once the request commits
            client.get(path)
        with django_assert_num_queries(1):  # the data revision
            assert client.get(path).status_code == 200
    certify(w.cake, 4, "77/QĐ-UBND", dt.date(2026, 6, 1))  # a new row: a new data revision
    assert w.cake.code in listed(client.get(CATALOGUE))
    # a revocation, as the rating service writes it: the row changed and the change audited in one transaction
    certificate = Certificate.objects.get(product=w.tofu)
    certificate.revoked_on, certificate.revocation_reason = dt.date(2026, 6, 2), "Vi phạm chất lượng (thử)."
    certificate.save()
    record("update", certificate, before={"revoked_on": None}, after={"revoked_on": "2026-06-02"})
    assert 'data-state="revoked"' in page(client, w.tofu)


def test_the_pages_are_in_the_menu_and_need_no_login(client, ocop_world):
    home = client.get("/").content.decode()
    assert 'href="/san-pham-ocop/"' in home
    assert client.get(CATALOGUE).status_code == 200
