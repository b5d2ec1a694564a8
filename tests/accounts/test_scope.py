"""Scoping where data is queried: each role sees exactly the dossiers and units of its unit."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from nongthonso.accounts.models import Membership
from nongthonso.accounts.services import grant, memberships, refusal, restrict, revoke, visible_units
from nongthonso.assessments.models import Assessment
from nongthonso.audit.models import AuditEntry
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.demo.thai_nguyen_2026 import SET_2021 as NTM_SET
from nongthonso.units.models import Unit


def assessments_2023(user, action="view"):
    return Assessment.objects.restrict(user, action).filter(year=2023, criteria_set__code=NTM_SET)


@pytest.mark.django_db
def test_a_district_office_sees_exactly_its_districts_communes(dai_tu, make_user):
    # given the Đại Từ district office
    user = make_user("huyen", "district_office", dai_tu)
    # when it lists the 2023 assessments
    seen = assessments_2023(user)
    # then it gets exactly the communes of Đại Từ, each once
    expected = set(Unit.objects.valid_on(AS_OF).within(dai_tu).rural_communes().values_list("pk", flat=True))
    assert len(expected) == 27
    assert sorted(seen.values_list("unit_id", flat=True)) == sorted(expected)
    assert set(seen.values_list("unit__parent__code", flat=True)) == {dai_tu.code}


@pytest.mark.django_db
def test_a_commune_officer_sees_exactly_one(assessed_communes, dai_tu, make_user):
    commune = assessed_communes(dai_tu)[0]
    user = make_user("xa", "commune_officer", commune)
    assert [a.unit for a in assessments_2023(user)] == [commune]
    assert [a.unit for a in assessments_2023(user, "edit_values")] == [commune]
    assert assessments_2023(user, "verify").count() == 0


@pytest.mark.django_db
def test_the_province_office_and_the_viewer_see_the_whole_province_but_the_viewer_writes_nothing(make_user,
                                                                                                 province_19):
    province = province_19
    office, viewer = make_user("tinh", "province_office", province), make_user("xem", "viewer", province)
    assert assessments_2023(office).count() == assessments_2023(viewer).count() == 126
    assert assessments_2023(office, "approve").count() == 126
    for action in ("edit_values", "submit", "verify", "return", "approve", "record_decision", "reopen"):
        assert assessments_2023(viewer, action).count() == 0


@pytest.mark.django_db
def test_superusers_see_all_and_anonymous_inactive_or_roleless_users_see_nothing(make_user, province_19):
    everything = Assessment.objects.count()
    admin = get_user_model().objects.create_user("quantri", password=None, is_superuser=True)
    assert Assessment.objects.restrict(admin, "view").count() == everything
    inactive = make_user("nghi", "province_office", province_19, is_active=False)
    for user in (AnonymousUser(), None, make_user("chua-co-vai-tro"), inactive):
        assert Assessment.objects.restrict(user, "view").count() == 0
        assert visible_units(user, AS_OF).count() == 0


@pytest.mark.django_db
def test_visible_units_are_the_roles_unit_and_everything_below_it_on_the_date(dai_tu, make_user):
    user = make_user("huyen", "district_office", dai_tu)
    expected = {dai_tu.pk, *Unit.objects.valid_on(AS_OF).within(dai_tu).values_list("pk", flat=True)}
    assert set(visible_units(user, AS_OF).values_list("pk", flat=True)) == expected
    assert restrict(Unit.objects.valid_on(AS_OF), user, "view").count() == len(expected)


@pytest.mark.django_db
def test_two_memberships_add_up_and_nested_ones_do_not_double_count(assessed_communes, dai_tu, make_user, unit_at,
                                                                    province_19):
    province = province_19
    phu_luong = unit_at("167", "huyen")
    user = make_user("hai-huyen", "district_office", dai_tu)
    grant(user, "district_office", phu_luong)
    both = assessments_2023(user).count()
    assert both == (len(assessed_communes(dai_tu)) + len(assessed_communes(phu_luong)))
    grant(user, "viewer", province)
    grant(user, "viewer", dai_tu)
    assert assessments_2023(user).count() == 126
    assert assessments_2023(user, "verify").count() == both


@pytest.mark.django_db
def test_restricting_costs_one_query_and_memberships_are_read_once_per_user(django_assert_num_queries, dai_tu,
                                                                            make_user):
    user = make_user("huyen", "district_office", dai_tu)
    user = get_user_model().objects.get(pk=user.pk)  # fresh, nothing cached
    with django_assert_num_queries(3):  # the memberships, the versions their units succeeded (lineage), the assessments
        list(assessments_2023(user))
    with django_assert_num_queries(1):
        list(assessments_2023(user, "verify"))


@pytest.mark.django_db
def test_a_role_must_sit_at_its_level(assessed_communes, dai_tu, make_user):
    commune = assessed_communes(dai_tu)[0]
    user = make_user("sai-cap")
    before = (Membership.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as refused:
        grant(user, "district_office", commune)
    assert refused.value.message_dict["unit"] == [
        f"Vai trò «Văn phòng Điều phối NTM huyện» phải gắn với một đơn vị cấp huyện; «{commune.name}» là đơn vị "
        "cấp xã. Chọn lại đơn vị hoặc đổi vai trò."]
    assert (Membership.objects.count(), AuditEntry.objects.count()) == before
    grant(user, "viewer", commune)  # a viewer may sit at any level
    assert [m.role for m in memberships(user)] == ["viewer"]


@pytest.mark.django_db
def test_granting_is_idempotent_and_granting_and_revoking_are_audited(assessed_communes, dai_tu, make_user):
    user = make_user("huyen")
    first = grant(user, "district_office", dai_tu)
    assert grant(user, "district_office", dai_tu) == first
    assert Membership.objects.filter(user=user).count() == 1
    assert refusal(user, "verify", assessed_communes(dai_tu)[0]) is None
    assert revoke(user, "district_office", dai_tu) == 1
    assert refusal(user, "verify", assessed_communes(dai_tu)[0]).code == "role"
    entries = AuditEntry.objects.filter(model="accounts.membership").order_by("pk")
    assert [(e.action, (e.after or e.before)["role"], (e.after or e.before)["unit"]) for e in entries] == [
        ("create", "district_office", dai_tu.code), ("delete", "district_office", dai_tu.code)]


@pytest.mark.django_db
def test_the_scope_key_follows_what_the_scope_is_made_of(assessed_communes, dai_tu, make_user,
                                                         django_assert_num_queries):
    from nongthonso.accounts.services import scope_key, scope_paths

    commune, other = assessed_communes(dai_tu)[:2]
    one = make_user("xa.mot", "commune_officer", commune)
    two = make_user("xa.hai", "commune_officer", commune)
    # two officers of the same commune have the same key (and the same scope); read with one query, no join
    with django_assert_num_queries(1):
        key = scope_key(one, "view")
    assert key == scope_key(two, "view") and scope_paths(one, "view") == scope_paths(two, "view")
    # a role that does not allow the action is not part of the key; the memberships already read cost no query
    assert scope_key(one, "record_decision") == ()
    memberships(one)
    with django_assert_num_queries(0):
        assert scope_key(one, "view") == key
    # a membership more changes the key; nobody and a superuser have keys of their own
    grant(one, "commune_officer", other, by=None)
    assert scope_key(get_user_model().objects.get(pk=one.pk), "view") != key
    assert scope_key(AnonymousUser(), "view") == ()
    admin = get_user_model().objects.create_superuser("qt.khoa", "qt@example.vn", "x")
    assert scope_key(admin, "view") == ("*",)
