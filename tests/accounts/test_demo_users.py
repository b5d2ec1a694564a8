"""`nongthonso demo_users`: one login per role, Argon2-hashed, printed, and the same after a second run."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from nongthonso.accounts.management.commands.demo_users import DEMO_PASSWORD
from nongthonso.accounts.models import Membership
from nongthonso.assessments.models import Assessment
from nongthonso.criteria.choices import Level
from nongthonso.recognition.services import status_on

from .helpers import AS_OF, NTM_SET

LOGINS = {"vpdp.tinh": ("province_office", "19"), "vpdp.daitu": ("district_office", "171"),
          "xem.thainguyen": ("viewer", "19")}


@pytest.mark.django_db
def test_demo_users_are_created_once_per_role_and_can_log_in():
    # when the command runs twice
    first, second = io.StringIO(), io.StringIO()
    call_command("demo_users", stdout=first)
    state = sorted(Membership.objects.values_list("user__username", "role", "unit_id"))
    call_command("demo_users", stdout=second)
    # then there are four demo users, each with exactly one role, unchanged by the second run
    assert sorted(Membership.objects.values_list("user__username", "role", "unit_id")) == state
    users = {u.username: u for u in get_user_model().objects.filter(memberships__isnull=False)}
    assert len(users) == 4 and len(state) == 4
    for username, (role, code) in LOGINS.items():
        membership = Membership.objects.get(user__username=username)
        assert (membership.role, membership.unit.code) == (role, code)
    officer = Membership.objects.get(role="commune_officer")
    commune = officer.unit
    # the commune officer's commune is in Đại Từ, has a 2023 self-assessment, and is not yet NTM
    assert commune.parent.code == "171"
    assert Assessment.objects.filter(unit=commune, year=2023, criteria_set__code=NTM_SET).exists()
    assert not status_on(commune, AS_OF).holds(Level.XA_NTM)
    # and every password is Argon2-hashed and the printed one works
    for user in users.values():
        assert user.password.startswith("argon2$")
        assert user.check_password(DEMO_PASSWORD)
    for out in (first.getvalue(), second.getvalue()):
        assert DEMO_PASSWORD in out
        assert all(username in out for username in users)
    assert "tạo mới" in first.getvalue() and "tạo mới" not in second.getvalue()


@pytest.mark.django_db
def test_a_published_demo_dossier_is_reopened_for_the_walkthrough():
    # given a demo that has approved every 2023 dossier
    Assessment.objects.update(state="approved")
    # when the demo users are created (twice)
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    call_command("demo_users", stdout=io.StringIO())
    # then the commune officer's own dossier is open again, by one recorded step with its reason
    commune = Membership.objects.get(role="commune_officer").unit
    dossier = Assessment.objects.get(unit=commune, year=2023, criteria_set__code=NTM_SET)
    assert dossier.state == "draft"
    assert [(e.action, e.from_state, e.to_state, e.actor_name) for e in dossier.workflow_events.all()] == [
        ("reopen", "approved", "draft", "vpdp.tinh")]
    assert dossier.workflow_events.get().reason.startswith("Tài khoản minh họa: mở lại hồ sơ")
    assert f"Đã mở lại hồ sơ năm 2023 của {commune}" in out.getvalue()
    assert Assessment.objects.exclude(state="approved").count() == 1
