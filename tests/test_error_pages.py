"""With DEBUG off (as the tests and production run), errors are Vietnamese pages — never Django's debug pages, which
list the URL patterns and settings; every page carries the favicon and a Content-Security-Policy."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory
from django.views import defaults

DEBUG_PAGE = ("URLconf", "urlpatterns", "Django tried these URL patterns", "DEBUG = True", "Page not found")


def _assert_vietnamese_page(response, status: int, title: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert not [marker for marker in DEBUG_PAGE if marker in html]
    assert "Content-Security-Policy" in response
    return html


@pytest.mark.django_db
def test_an_unknown_address_is_a_vietnamese_404_without_the_url_patterns(client, settings):
    assert settings.DEBUG is False
    html = _assert_vietnamese_page(client.get("/khong-co-trang-nay/"), 404, "Không tìm thấy trang")
    assert "Không có trang «/khong-co-trang-nay/»" in html
    assert 'href="/dang-nhap/?next=/khong-co-trang-nay/"' in html  # some pages need a login
    assert 'rel="icon"' in html


@pytest.mark.django_db
def test_another_communes_page_is_the_same_404(settings, make_user, van_phu, lam_vy):
    officer = make_user("canbo.vanphu.thu", "commune_officer", van_phu)
    client = Client()
    client.force_login(officer)
    assert client.get(f"/xa/{van_phu.pk}/").status_code == 200
    html = _assert_vietnamese_page(client.get(f"/xa/{lam_vy.pk}/"), 404, "Không tìm thấy trang")
    assert "đề nghị Văn phòng Điều phối NTM tỉnh giao vai trò" in html
    assert "Lam Vỹ" not in html and "No Unit matches" not in html


def test_the_500_and_400_pages_need_neither_the_request_nor_the_database():
    request = RequestFactory().get("/")
    html = _assert_page(defaults.server_error(request), 500, "Lỗi hệ thống")
    assert "Thử lại sau ít phút" in html
    _assert_page(defaults.bad_request(request, Exception("x")), 400, "Yêu cầu không hợp lệ")


def _assert_page(response, status, title):
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html and 'href="/static/nongthonso/app.css"' in html
    return html


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post("/dang-nhap/", {"username": "a", "password": "b"})
    html = _assert_vietnamese_page(response, 403, "Biểu mẫu đã hết hạn")
    assert "tải lại trang (F5)" in html


@pytest.mark.django_db
def test_the_favicon_is_served_and_linked(client):
    assert finders.find("nongthonso/favicon.svg")
    home = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/nongthonso/favicon.svg" type="image/svg+xml">' in home
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/nongthonso/favicon.svg"
