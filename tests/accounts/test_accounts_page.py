"""The province office's accounts page (accounts.users, views_users): it manages the accounts holding a role in its
province and only those, grants roles only on units in force inside it, never touches what another office shares,
and every change is audited."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from nongthonso.accounts import users
from nongthonso.accounts.models import Membership
from nongthonso.audit.models import AuditEntry
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db
User = get_user_model()


def today_unit(code: str, level: str) -> Unit:
    return Unit.objects.valid_on(timezone.localdate()).select_related("unit_type__level").get(
        code=code, unit_type__level__code=level)


@pytest.fixture
def place(other_province_dossier):
    """Today's Thái Nguyên with two of its communes, and a commune of another (synthetic) province."""
    province = today_unit("19", "tinh")
    communes = list(Unit.objects.valid_on(timezone.localdate()).filter(path__startswith=province.path,
                                                                       unit_type__level__code="xa")
                    .order_by("code")[:2])
    elsewhere = other_province_dossier.unit
    return province, communes, elsewhere


@pytest.fixture
def office(place, make_user):
    return make_user("vp.tinh", "province_office", place[0], first_name="Lê Văn Phòng")


@pytest.fixture
def people(place, make_user):
    """An officer of a commune of the province, a viewer of the province, an officer of the other province, and one
    account holding roles in both provinces."""
    province, (first, second), elsewhere = place
    shared = make_user("kiem.hai.tinh", "commune_officer", second, email="kiem@example.vn")
    Membership.objects.create(user=shared, role="commune_officer", unit=elsewhere)
    return {
        "officer": make_user("canbo.mot", "commune_officer", first, email="mot@example.vn", first_name="Trần Một"),
        "viewer": make_user("xem.tinh", "viewer", province, email="xem@example.vn"),
        "outsider": make_user("canbo.ngoai", "commune_officer", elsewhere, email="ngoai@example.vn"),
        "shared": shared,
        "admin": make_user("quan.tri", "viewer", province, is_staff=True),
    }


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _audit_tail(since: int) -> list[tuple[str, str, str]]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", "model", "actor")[since:])


def test_the_office_sees_the_accounts_of_its_province_only(office, people):
    managed = set(users.managed_users(office).values_list("username", flat=True))
    assert managed == {"vp.tinh", "canbo.mot", "xem.tinh", "kiem.hai.tinh"}
    page = _as(office).get("/tai-khoan/")
    html = page.content.decode()
    assert page.status_code == 200
    assert set(re.findall(r'data-account="([^"]+)"', html)) == managed
    # the shared account shows its roles in the province and says it has others, without naming them
    row = html[html.index('data-account="kiem.hai.tinh"'):]
    row = row[:row.index("</tr>")]
    assert "ngoài phạm vi của bạn" in row and "Thử Nghiệm" not in row
    # the search and the filters narrow the list
    html = _as(office).get("/tai-khoan/", {"q": "canbo", "role": "commune_officer"}).content.decode()
    assert set(re.findall(r'data-account="([^"]+)"', html)) == {"canbo.mot"}


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_an_account_outside_the_scope_is_404_and_untouched(office, people, who):
    target = people[who]
    client = _as(office)
    before = AuditEntry.objects.count()
    assert client.get(f"/tai-khoan/{target.pk}/").status_code == 404
    for path, data in (("trang-thai/", {"active": "0"}), ("thong-tin/", {"full_name": "X", "email": "x@example.vn"}),
                       ("gui-thu-mat-khau/", {}), ("mo-khoa-dang-nhap/", {}),
                       ("vai-tro/", {"role": "viewer", "unit": target.memberships.first().unit_id})):
        assert client.post(f"/tai-khoan/{target.pk}/{path}", data).status_code == 404, path
    target.refresh_from_db()
    assert target.is_active and target.first_name == "" and AuditEntry.objects.count() == before
    assert not mail.outbox


def test_roles_are_granted_only_on_units_in_force_inside_the_province(office, people, place):
    province, (_, second), elsewhere = place
    officer = people["officer"]
    # the form offers the province and its communes in force, nothing of the other province, no ceased unit
    offered = set(users.grantable_units(office).values_list("pk", flat=True))
    assert province.pk in offered and second.pk in offered and elsewhere.pk not in offered
    assert not Unit.objects.filter(pk__in=offered, valid_to__lt=timezone.localdate()).exists()
    # a unit of the other province posted anyway: refused by the form, nothing written
    before = AuditEntry.objects.count()
    response = _as(office).post(f"/tai-khoan/{officer.pk}/vai-tro/", {"role": "viewer", "unit": elsewhere.pk})
    assert response.status_code == 400
    assert "không thuộc phạm vi của bạn" in response.content.decode()
    # and by the service, called directly
    with pytest.raises(users.Refused, match="không thuộc phạm vi của bạn"):
        users.grant_role(office, officer, "viewer", elsewhere)
    # a role at the wrong level: the model's Vietnamese message names the level it needs
    with pytest.raises(users.Refused, match="phải gắn với một đơn vị"):
        users.grant_role(office, officer, "commune_officer", province)
    assert AuditEntry.objects.count() == before and officer.memberships.count() == 1


def test_granting_and_revoking_a_role_is_audited(office, people, place):
    second = place[1][1]
    officer = people["officer"]
    client = _as(office)
    since = AuditEntry.objects.count()
    response = client.post(f"/tai-khoan/{officer.pk}/vai-tro/", {"role": "commune_officer", "unit": second.pk})
    assert response.status_code == 302
    granted = Membership.objects.get(user=officer, unit=second)
    assert _audit_tail(since) == [("create", "accounts.membership", "vp.tinh")]
    # revoking it
    response = client.post(f"/tai-khoan/{officer.pk}/vai-tro/{granted.pk}/thu-hoi/")
    assert response.status_code == 302 and not Membership.objects.filter(pk=granted.pk).exists()
    assert _audit_tail(since)[1:] == [("delete", "accounts.membership", "vp.tinh")]


def test_the_last_role_is_not_revoked_and_a_role_elsewhere_not_at_all(office, people):
    officer, shared = people["officer"], people["shared"]
    last = officer.memberships.get()
    client = _as(office)
    response = client.post(f"/tai-khoan/{officer.pk}/vai-tro/{last.pk}/thu-hoi/", follow=True)
    assert "vai trò cuối cùng" in response.content.decode() and Membership.objects.filter(pk=last.pk).exists()
    # the shared account's role in the other province is not the office's to revoke
    foreign = shared.memberships.exclude(unit__path__startswith=office.memberships.get().unit.path).get()
    with pytest.raises(users.Refused, match="ngoài phạm vi của bạn"):
        users.revoke_role(office, foreign)
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_disabling_and_enabling_an_account_is_audited_and_stops_its_login(office, people):
    officer = people["officer"]
    client = _as(office)
    since = AuditEntry.objects.count()
    assert client.post(f"/tai-khoan/{officer.pk}/trang-thai/", {"active": "0"}).status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    entry = AuditEntry.objects.order_by("pk").last()
    assert (entry.action, entry.model, entry.before, entry.after, entry.user_id) == (
        "update", "auth.user", {"is_active": True}, {"is_active": False}, office.pk)
    assert _as(officer).get("/ho-so/").status_code == 302  # to the login page: a disabled account is logged out
    client.post(f"/tai-khoan/{officer.pk}/trang-thai/", {"active": "1"})
    officer.refresh_from_db()
    assert officer.is_active and len(_audit_tail(since)) == 2


def test_editing_the_name_and_e_mail_is_audited(office, people):
    officer = people["officer"]
    client = _as(office)
    html = client.get(f"/tai-khoan/{officer.pk}/").content.decode()
    assert 'value="Trần Một"' in html and 'value="mot@example.vn"' in html
    response = client.post(f"/tai-khoan/{officer.pk}/thong-tin/", {"full_name": "Trần Văn Một",
                                                                   "email": "tran.mot@example.vn"})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert (officer.get_full_name(), officer.email) == ("Trần Văn Một", "tran.mot@example.vn")
    entry = AuditEntry.objects.order_by("pk").last()
    assert (entry.model, entry.before["first_name"], entry.after["first_name"], entry.after["email"]) == (
        "auth.user", "Trần Một", "Trần Văn Một", "tran.mot@example.vn")
    # the same again changes nothing and writes nothing
    since = AuditEntry.objects.count()
    client.post(f"/tai-khoan/{officer.pk}/thong-tin/", {"full_name": "Trần Văn Một", "email": "tran.mot@example.vn"})
    assert AuditEntry.objects.count() == since
    # another account's address is refused
    response = client.post(f"/tai-khoan/{officer.pk}/thong-tin/", {"full_name": "Trần Văn Một",
                                                                   "email": "XEM@example.vn"})
    assert response.status_code == 400 and "đã dùng cho một tài khoản khác" in response.content.decode()


def test_a_shared_account_is_changed_only_role_by_role(office, people, place):
    shared = people["shared"]
    html = _as(office).get(f"/tai-khoan/{shared.pk}/").content.decode()
    assert "Khóa tài khoản" not in html and "Gửi thư đặt mật khẩu" not in html
    before = AuditEntry.objects.count()
    for call in (lambda: users.set_active(office, shared, False),
                 lambda: users.update_profile(office, shared, full_name="X", email="x@example.vn")):
        with pytest.raises(users.Refused, match="quản trị hệ thống"):
            call()
    shared.refresh_from_db()
    assert shared.is_active and shared.first_name == "" and AuditEntry.objects.count() == before
    # but the office grants it a role in the province
    users.grant_role(office, shared, "viewer", place[0])
    assert shared.memberships.filter(unit=place[0]).exists()


def test_the_office_does_not_change_its_own_account(office, people):
    html = _as(office).get(f"/tai-khoan/{office.pk}/").content.decode()
    assert "Đây là tài khoản của bạn" in html and "Giao vai trò" not in html
    with pytest.raises(users.Refused, match="không tự thay đổi"):
        users.set_active(office, office, False)
    with pytest.raises(users.Refused, match="không tự thay đổi"):
        users.grant_role(office, office, "viewer", office.memberships.get().unit)


def test_creating_an_account_mails_a_link_to_set_its_password(office, place):
    commune = place[1][0]
    client = _as(office)
    since = AuditEntry.objects.count()
    response = client.post("/tai-khoan/them/", {
        "username": "canbo.moi", "full_name": "Nguyễn Văn Mới", "email": "moi@example.vn",
        "role": "commune_officer", "unit": commune.pk})
    created = User.objects.get(username="canbo.moi")
    assert response.status_code == 302 and response["Location"] == f"/tai-khoan/{created.pk}/"
    assert not created.has_usable_password()
    assert [(m.role, m.unit_id) for m in created.memberships.all()] == [("commune_officer", commune.pk)]
    assert _audit_tail(since) == [("create", "auth.user", "vp.tinh"), ("create", "accounts.membership", "vp.tinh")]
    # the welcome mail names the account and its role and carries a link to set the password
    (message,) = mail.outbox
    assert message.to == ["moi@example.vn"] and "tài khoản của bạn đã được tạo" in message.subject
    assert "canbo.moi" in message.body and f"cán bộ phụ trách NTM {commune.name[:1].lower()}" in message.body
    link = re.search(r"http://testserver(/dat-mat-khau/\S+/)", message.body).group(1)
    # which the new user opens to set a password, then logs in with it
    anonymous = Client()
    form_page = anonymous.get(link, follow=True)
    assert "Đặt mật khẩu mới cho tài khoản «canbo.moi»" in form_page.content.decode()
    done = anonymous.post(form_page.redirect_chain[-1][0], {"new_password1": "Lua-chin-vang-2026",
                                                            "new_password2": "Lua-chin-vang-2026"})
    assert done.status_code == 302
    created.refresh_from_db()
    assert created.check_password("Lua-chin-vang-2026")


@pytest.mark.parametrize("field, value, message", [
    ("username", "cán bộ", "có ký tự không dùng được"),
    ("username", "CANBO.MOT", "đã có người dùng"),
    ("email", "mot@example.vn", "đã dùng cho một tài khoản khác"),
    ("email", "khong-phai-thu", "không hợp lệ"),
])
def test_a_wrong_new_account_is_refused_with_a_vietnamese_message(office, people, place, field, value, message):
    data = {"username": "canbo.moi", "full_name": "Nguyễn Văn Mới", "email": "moi@example.vn", "role": "viewer",
            "unit": place[0].pk, field: value}
    response = _as(office).post("/tai-khoan/them/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username="canbo.moi").exists() and not mail.outbox


def test_the_office_lifts_a_login_lockout_audited(office, people, settings):
    officer = people["officer"]
    AccessAttempt.objects.create(username="canbo.mot", ip_address="10.1.2.3", user_agent="x", get_data="",
                                 post_data="", http_accept="", path_info="/dang-nhap/",
                                 failures_since_start=settings.AXES_FAILURE_LIMIT)
    client = _as(office)
    html = client.get("/tai-khoan/", {"state": "locked"}).content.decode()
    assert re.findall(r'data-account="([^"]+)"', html) == ["canbo.mot"] and "Tạm khóa đăng nhập đến" in html
    assert client.post(f"/tai-khoan/{officer.pk}/mo-khoa-dang-nhap/").status_code == 302
    assert not AccessAttempt.objects.filter(username="canbo.mot").exists()
    entry = AuditEntry.objects.order_by("pk").last()
    assert (entry.model, entry.object_id, entry.after) == ("auth.user", str(officer.pk), {"login_locked_until": None})


def test_the_office_sends_a_password_mail(office, people, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    officer = people["officer"]
    officer.set_password("Mat-khau-cu-2025")
    officer.save()
    _as(office).post(f"/tai-khoan/{officer.pk}/gui-thu-mat-khau/")
    (message,) = mail.outbox
    assert message.to == ["mot@example.vn"] and "đặt mật khẩu mới" in message.subject
    assert "/dat-mat-khau/" in message.body
    officer.refresh_from_db()
    assert officer.check_password("Mat-khau-cu-2025")  # the old password stands until a new one is set


def test_only_a_province_office_opens_the_page(people):
    officer = people["officer"]
    client = _as(officer)
    response = client.get("/tai-khoan/")
    assert response.status_code == 403 and "Chỉ Văn phòng Điều phối NTM tỉnh" in response.content.decode()
    assert client.get("/tai-khoan/them/").status_code == 403
    assert 'href="/tai-khoan/"' not in client.get("/").content.decode()
    assert client.post(f"/tai-khoan/{people['viewer'].pk}/trang-thai/", {"active": "0"}).status_code == 404
    assert Client().get("/tai-khoan/").status_code == 302  # to the login page


def test_every_change_needs_the_csrf_token(office, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    response = client.post(f"/tai-khoan/{people['officer'].pk}/trang-thai/", {"active": "0"})
    assert response.status_code == 403 and "Biểu mẫu đã hết hạn" in response.content.decode()
    people["officer"].refresh_from_db()
    assert people["officer"].is_active


def test_the_list_takes_a_few_queries_whatever_the_number_of_accounts(office, place, make_user,
                                                                    django_assert_max_num_queries):
    for n in range(30):
        make_user(f"canbo.{n:02d}", "commune_officer", place[1][n % 2])
    client = _as(office)
    client.get("/tai-khoan/")  # warm the session and the caches
    with django_assert_max_num_queries(16):
        assert client.get("/tai-khoan/").status_code == 200
