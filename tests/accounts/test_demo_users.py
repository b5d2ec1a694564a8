"""`nongthonso demo_users`: logins for the two-tier roles, Argon2-hashed, printed, and the same after a second run."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from nongthonso.accounts.models import Membership
from nongthonso.assessments.models import Assessment
from nongthonso.assessments.workflow import definition_of
from nongthonso.demo.management.commands.demo_users import DEMO_PASSWORD

LOGINS = {
    "vpdp.tinh": [("province_office", "19", "tinh")],
    "canbo.vanphu": [("commune_officer", "05845", "xa")],
    "canbo.lamvy": [("commune_officer", "05542", "xa")],
    "kiemnhiem.vanphu": [("commune_officer", "05845", "xa"), ("province_office", "19", "tinh")],
    "xem.thainguyen": [("viewer", "19", "tinh")],
}


@pytest.mark.django_db
def test_demo_users_hold_the_two_tier_roles_and_can_log_in():
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
