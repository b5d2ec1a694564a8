"""`nongthonso demo_users`: logins for the two-tier roles, Argon2-hashed, printed, and the same after a second run;
refused in production or beside real accounts unless forced, and never resetting an account it did not create."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from nongthonso.accounts.models import Membership
from nongthonso.assessments.models import Assessment
from nongthonso.assessments.workflow import definition_of
from nongthonso.audit.models import AuditEntry
from nongthonso.demo.management.commands import demo_users
from nongthonso.demo.management.commands.demo_users import DEMO_PASSWORD, FORCE

LOGINS = {
    "vpdp.tinh": [("province_office", "19", "tinh")],
    "canbo.vanphu": [("commune_officer", "05845", "xa")],
    "canbo.lamvy": [("commune_officer", "05542", "xa")],
    "kiemnhiem.vanphu": [("commune_officer", "05845", "xa"), ("province_office", "19", "tinh")],
    "xem.thainguyen": [("viewer", "19", "tinh")],
    "taphuan.tinh": [("training_organiser", "19", "tinh")],
    "diemcau.lamvy": [("bridge_host", "05542", "xa")],
}


@pytest.fixture
def development(settings):
    settings.DEBUG = True  # the tests run with DEBUG off, as production does


@pytest.mark.django_db
def test_demo_users_hold_the_two_tier_roles_and_can_log_in(development):
    # when the command runs twice
    first, second = io.StringIO(), io.StringIO()
    call_command("demo_users", stdout=first)
    state = sorted(Membership.objects.values_list("user__username", "role", "unit_id"))
    call_command("demo_users", stdout=second)
    # then each demo user holds exactly its roles, on the units in force today, unchanged by the second run
    assert sorted(Membership.objects.values_list("user__username", "role", "unit_id")) == state
    users = {u.username: u for u in get_user_model().objects.filter(memberships__isnull=False).distinct()}
    assert set(users) == set(LOGINS)
    for username, roles in LOGINS.items():
        held = sorted((m.role, m.unit.code, m.unit.unit_type.level.code, m.unit.valid_to)
                      for m in Membership.objects.filter(user__username=username).select_related("unit__unit_type"))
        assert held == sorted((role, code, level, None) for role, code, level in roles)
    # the commune officers' 2026 dossiers exist, follow the two-tier workflow and are open for entry
    for username in ("canbo.vanphu", "canbo.lamvy"):
        commune = Membership.objects.get(user__username=username).unit
        dossier = Assessment.objects.get(unit=commune, year=2026, criteria_set__code="xa-ntm-2026-2030")
        assert (dossier.state, definition_of(dossier).code) == ("draft", "hai-cap")
    # and every password is Argon2-hashed and the printed one works
    for user in users.values():
        assert user.password.startswith("argon2$")
        assert user.check_password(DEMO_PASSWORD)
    for out in (first.getvalue(), second.getvalue()):
        assert DEMO_PASSWORD in out
        assert all(username in out for username in users)
    assert "tạo mới" in first.getvalue() and "tạo mới" not in second.getvalue()
    assert ("cán bộ phụ trách NTM xã Vạn Phú; Văn phòng Điều phối NTM tỉnh Thái Nguyên" in first.getvalue())


def test_the_command_knows_every_user_name_it_creates(development, db):
    call_command("demo_users", stdout=io.StringIO())
    assert set(demo_users.USERNAMES) == set(LOGINS) == set(demo_users.demo_accounts())


@pytest.mark.django_db
def test_refused_with_debug_off_unless_forced():
    # production settings (DJANGO_DEBUG=0): refused, nothing written
    before = (get_user_model().objects.count(), AuditEntry.objects.count())
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0") as refused:
        call_command("demo_users", stdout=io.StringIO())
    assert FORCE in str(refused.value)
    assert (get_user_model().objects.count(), AuditEntry.objects.count()) == before
    # forced: the demo logins are made
    call_command("demo_users", FORCE, stdout=io.StringIO())
    assert set(demo_users.demo_accounts()) == set(LOGINS)


@pytest.mark.django_db
def test_refused_beside_real_accounts_and_never_resets_one(development, settings, make_user, unit_at):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # a real province office that happens to be called «vpdp.tinh», with its own password and role
    real = make_user("vpdp.tinh", "province_office", unit_at("19", "tinh"), email="vp@thainguyen.gov.vn")
    real.set_password("Mat-khau-that-2026")
    real.save()
    with pytest.raises(CommandError, match=r"vpdp\.tinh") as refused:
        call_command("demo_users", stdout=io.StringIO())
    assert "không phải minh họa" in str(refused.value) and FORCE in str(refused.value)
    assert not get_user_model().objects.filter(username="canbo.vanphu").exists()
    # forced: the other demo logins are made, the real account is left as it was, and the command says so
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_users", FORCE, stdout=out, stderr=err)
    real.refresh_from_db()
    assert real.check_password("Mat-khau-that-2026") and real.email == "vp@thainguyen.gov.vn"
    assert [(m.role, m.note) for m in real.memberships.all()] == [("province_office", "")]
    assert set(demo_users.demo_accounts()) == set(LOGINS) - {"vpdp.tinh"}
    assert "Bỏ qua «vpdp.tinh»" in err.getvalue() and "vpdp.tinh" not in out.getvalue()
