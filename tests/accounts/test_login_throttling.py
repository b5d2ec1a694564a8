"""Login throttling (django-axes, accounts.throttling): wrong passwords for one user name from one address lock that
pair out — on the web login and the admin's — with a Vietnamese page saying until when and whom to call."""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db
PASSWORD = "Mat-khau-dung-2026"


@pytest.fixture
def person(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast: the tests type a lot
    return get_user_model().objects.create_user("canbo.thu", password=PASSWORD)


def _login(client, password, username="canbo.thu", url="/dang-nhap/"):
    return client.post(url, {"username": username, "password": password})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_30_wrong_passwords_then_the_right_one_is_refused(client, person):
    # when someone tries 30 wrong passwords, then the right one
    for _ in range(30):
        assert _login(client, "doan-thu").status_code in (200, 429)
    response = _login(client, PASSWORD)
    # then the right one is refused too, with the Vietnamese lockout page, and nobody is logged in
    assert response.status_code == 429
    assert not _logged_in(client)
    html = response.content.decode()
    assert "Tạm khóa đăng nhập" in html
    assert f"mật khẩu đã nhập sai {settings.AXES_FAILURE_LIMIT} lần liên tiếp" in html
    assert "Quên mật khẩu" in html and "Văn phòng Điều phối NTM tỉnh" in html
    # and the failures after the limit did not push the lockout further
    assert AccessAttempt.objects.get(username="canbo.thu").failures_since_start == settings.AXES_FAILURE_LIMIT


def test_the_lockout_page_says_until_when_and_whom_to_call(client, person, settings):
    settings.SUPPORT_CONTACT = "Văn phòng Điều phối NTM tỉnh, 0208 3 855 123"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sai")
    response = _login(client, PASSWORD)
    html = response.content.decode()
    last = AccessAttempt.objects.get(username="canbo.thu").attempt_time
    until = timezone.localtime(last + settings.AXES_COOLOFF_TIME)
    assert f"Thử lại sau {until:%H:%M} ngày {until.day}/{until.month}/{until.year}" in html
    minutes = int(re.search(r"khoảng (\d+) phút nữa", html).group(1))
    assert abs(minutes - settings.AXES_COOLOFF_TIME.total_seconds() / 60) <= 1
    assert "0208 3 855 123" in html


def test_the_lockout_ends_after_its_time(client, person):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sai")
    assert _login(client, PASSWORD).status_code == 429
    # when the lockout time has passed since the last failure
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
    # then the right password logs in
    assert _login(client, PASSWORD).status_code == 302
    assert _logged_in(client)


def test_a_right_password_before_the_limit_starts_the_count_again(client, person):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "sai")
    assert _login(client, PASSWORD).status_code == 302
    client.post("/dang-xuat/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "sai")
    assert _login(client, PASSWORD).status_code == 302


def test_the_lockout_is_per_user_name_and_address(client, person):
    get_user_model().objects.create_user("canbo.khac", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sai")
    assert _login(client, PASSWORD).status_code == 429
    # the same person from another machine, and another person from this one, still log in
    elsewhere = Client(REMOTE_ADDR="10.0.0.7")
    assert _login(elsewhere, PASSWORD).status_code == 302
    assert _login(Client(), PASSWORD, username="canbo.khac").status_code == 302


def test_the_admin_login_is_throttled_too(client, person):
    person.is_staff = True
    person.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sai", url="/admin/login/")
    response = _login(client, PASSWORD, url="/admin/login/?next=/admin/")
    assert response.status_code == 429 and "Tạm khóa đăng nhập" in response.content.decode()
    assert not _logged_in(client)
    # the lockout holds on the web login as well: the same user name from the same address
    assert _login(client, PASSWORD).status_code == 429


def test_the_limit_and_the_time_come_from_the_settings(client, person, settings):
    settings.AXES_FAILURE_LIMIT = 2
    _login(client, "sai")
    assert _login(client, PASSWORD).status_code == 302
    client.post("/dang-xuat/")
    _login(client, "sai")
    _login(client, "sai")
    assert _login(client, PASSWORD).status_code == 429
