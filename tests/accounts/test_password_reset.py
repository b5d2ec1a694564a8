"""Password reset by e-mail (Django's views and tokens, Vietnamese pages and mail): the link sets a new password
once, the change is audited and lifts a login lockout; an unknown address gets the same answer and no mail."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from nongthonso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
NEW = "Ruong-bac-thang-2026"


@pytest.fixture
def person(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return get_user_model().objects.create_user("canbo.quen", email="quen@example.vn", password="Mat-khau-cu-2025")


def _ask(client, email="quen@example.vn"):
    return client.post("/quen-mat-khau/", {"email": email})


def _link(message) -> str:
    return re.search(r"http://testserver(/dat-mat-khau/\S+/)", message.body).group(1)


def test_the_login_page_offers_the_reset(client):
    html = client.get("/dang-nhap/").content.decode()
    assert 'href="/quen-mat-khau/"' in html and "Quên mật khẩu?" in html
    assert "Thư điện tử của tài khoản" in client.get("/quen-mat-khau/").content.decode()


def test_the_mailed_link_sets_a_new_password_once_audited(client, person, settings):
    # a lockout from earlier wrong passwords
    AccessAttempt.objects.create(username="canbo.quen", ip_address="127.0.0.1", user_agent="", get_data="",
                                 post_data="", http_accept="", path_info="/dang-nhap/",
                                 failures_since_start=settings.AXES_FAILURE_LIMIT)
    # when the person asks for a link
    response = _ask(client)
    assert response.status_code == 302 and response["Location"] == "/quen-mat-khau/da-gui/"
    assert "Kiểm tra hộp thư" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == ["quen@example.vn"] and message.subject == "Nông thôn số: đặt lại mật khẩu"
    assert "canbo.quen" in message.body and "chỉ dùng được một lần" in message.body
    # and opens it, then sets a password
    page = client.get(_link(message), follow=True)
    form_url = page.redirect_chain[-1][0]
    assert "Đặt mật khẩu mới cho tài khoản «canbo.quen»" in page.content.decode()
    since = AuditEntry.objects.count()
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/dat-mat-khau/xong/"
    person.refresh_from_db()
    assert person.check_password(NEW)
    # then the change is audited (never the password itself), the lockout is lifted, the person logs in
    entries = list(AuditEntry.objects.order_by("pk")[since:])
    assert [(e.action, e.model, e.actor) for e in entries] == [("update", "auth.user", "canbo.quen")] * 2
    assert NEW not in str([(e.before, e.after, e.note) for e in entries])
    assert not AccessAttempt.objects.filter(username="canbo.quen").exists()
    assert Client().post("/dang-nhap/", {"username": "canbo.quen", "password": NEW}).status_code == 302
    # and the link does not work a second time
    again = Client().get(_link(message), follow=True).content.decode()
    assert "Liên kết đặt mật khẩu không dùng được" in again


def test_an_unknown_or_disabled_address_gets_the_same_answer_and_no_mail(client, person):
    person.is_active = False
    person.save()
    for email in ("khong-co@example.vn", "quen@example.vn"):
        response = _ask(client, email)
        assert response.status_code == 302 and response["Location"] == "/quen-mat-khau/da-gui/"
    assert not mail.outbox


def test_a_weak_password_is_refused_in_vietnamese(client, person):
    _ask(client)
    page = client.get(_link(mail.outbox[0]), follow=True)
    response = client.post(page.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mật khẩu này quá phổ biến." in html and "Mật khẩu này hoàn toàn là số." in html
    person.refresh_from_db()
    assert person.check_password("Mat-khau-cu-2025")


def test_an_account_without_a_password_yet_can_ask_for_a_link(client, db):
    get_user_model().objects.create_user("canbo.moi", email="moi@example.vn", password=None)
    _ask(client, "moi@example.vn")
    assert [m.to for m in mail.outbox] == [["moi@example.vn"]]
