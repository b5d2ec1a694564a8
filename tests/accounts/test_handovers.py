"""Roles granted on unit versions that ceased (the 2024 and 2025 reorganisations): listed for the province office,
granted again on the successor by lineage, or withdrawn where no successor exists at that level (districts)."""

import datetime as dt

import pytest
from django.test import Client

from nongthonso.accounts.models import Membership
from nongthonso.accounts.services import hand_over, handover_refusal, handovers, memberships
from nongthonso.audit.models import AuditEntry
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ceased(dai_tu, make_user, new_unit, unit_at):
    """A commune officer on Ký Phú (merged into Vạn Phú on 1/12/2024, which merged again on 1/7/2025), a district
    office on Đại Từ (no districts since 1/7/2025), and the new province's office."""
    ky_phu = unit_at("05845", "xa")
    assert ky_phu.name == "Xã Ký Phú" and ky_phu.is_valid_on(AS_OF)
    officer = make_user("canbo.kyphu", "commune_officer", ky_phu)
    district = make_user("huyen.daitu", "district_office", dai_tu)
    office = make_user("tinh", "province_office", new_unit("19", "tinh"))
    return ky_phu, officer, district, office


def test_the_province_office_sees_the_roles_on_ceased_units_with_their_successors(ceased, van_phu):
    _, officer, _, office = ceased
    rows = {h.membership.user.username: h for h in handovers(office)}
    assert set(rows) == {"canbo.kyphu", "huyen.daitu"}
    assert [u.name for u in rows["canbo.kyphu"].successors] == ["Xã Vạn Phú"]
    assert rows["canbo.kyphu"].successors[0].pk == van_phu.pk
    assert rows["huyen.daitu"].successors == []
    # a commune officer is not the province office: nothing to hand over
    assert handovers(officer) == []


def test_handing_over_grants_on_the_successor_and_withdraws_the_old_role_audited(ceased, lam_vy, van_phu):
    ky_phu, officer, _, office = ceased
    membership = Membership.objects.get(user=officer)
    entries = AuditEntry.objects.count()
    assert handover_refusal(office, membership, lam_vy).startswith("«Xã Lam Vỹ» không phải đơn vị kế thừa")
    assert handover_refusal(office, membership, van_phu) is None

    granted = hand_over(membership, van_phu, by=office)

    assert [(m.role, m.unit_id) for m in Membership.objects.filter(user=officer)] == [("commune_officer", van_phu.pk)]
    assert granted.note == "Giao lại từ Xã Ký Phú (05845), đơn vị hết hiệu lực ngày 30/11/2024"
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "model")[entries:]) == [
        ("create", "accounts.membership"), ("delete", "accounts.membership")]
    # the new role still reaches Ký Phú's old dossiers through lineage
    assert any(ky_phu.path.startswith(prefix) for m in memberships(officer) for prefix in m.covered)


def test_the_page_hands_over_every_role_with_one_successor_in_one_action(ceased, van_phu):
    _, officer, district, office = ceased
    client = Client()
    client.force_login(office)
    page = client.get("/vai-tro/giao-lai/").content.decode()
    assert "canbo.kyphu" in page and "huyen.daitu" in page and "Không có đơn vị kế thừa cùng cấp." in page

    response = client.post("/vai-tro/giao-lai/tat-ca/", follow=True)

    assert "Đã giao lại 1 vai trò trên đơn vị kế thừa." in response.content.decode()
    assert Membership.objects.get(user=officer).unit_id == van_phu.pk
    # the district role has no successor: withdrawn on its own row
    row = Membership.objects.get(user=district)
    client.post(f"/vai-tro/giao-lai/{row.pk}/")
    assert not Membership.objects.filter(user=district).exists()


def test_someone_else_may_not_hand_over(ceased, van_phu):
    ky_phu, officer, _, _ = ceased
    membership = Membership.objects.get(user=officer)
    client = Client()
    client.force_login(officer)
    response = client.post(f"/vai-tro/giao-lai/{membership.pk}/", {"successor": van_phu.pk}, follow=True)
    assert "Vai trò này không thuộc danh sách cần giao lại của bạn" in response.content.decode()
    assert Membership.objects.get(user=officer).unit_id == ky_phu.pk


@pytest.mark.parametrize("who", ["viewer", "other_province_office"])
def test_a_viewer_or_another_provinces_office_may_not_hand_over(ceased, who, make_user, new_unit, van_phu):
    ky_phu, officer, _, _ = ceased
    province = new_unit("19", "tinh")
    if who == "viewer":
        user = make_user("xem.tinh", "viewer", province)
    else:
        other = Unit.objects.valid_on(dt.date(2026, 6, 30)).filter(unit_type__level__code="tinh").exclude(
            pk=province.pk).first() or Unit.objects.create(
            code="T70", name="Tỉnh Khác", unit_type=province.unit_type, valid_from=dt.date(2000, 1, 1), synthetic=True)
        user = make_user("tinh.khac", "province_office", other)
    membership = Membership.objects.get(user=officer)
    entries = AuditEntry.objects.count()
    client = Client()
    client.force_login(user)
    assert handovers(user) == []
    menu = client.get("/ho-so/").content.decode().split("<main>")[0]
    assert ("/vai-tro/giao-lai/" in menu) is (who != "viewer")  # the page is a province office's
    response = client.post(f"/vai-tro/giao-lai/{membership.pk}/", {"successor": van_phu.pk}, follow=True)
    assert "Vai trò này không thuộc danh sách cần giao lại của bạn" in response.content.decode()
    response = client.post("/vai-tro/giao-lai/tat-ca/", follow=True).content.decode()
    assert ("Chỉ Văn phòng Điều phối NTM tỉnh giao lại được vai trò" in response if who == "viewer"
            else "Đã giao lại 0 vai trò trên đơn vị kế thừa." in response)  # another province's: none of its own
    assert Membership.objects.get(user=officer).unit_id == ky_phu.pk
    assert AuditEntry.objects.count() == entries


def test_the_list_costs_the_same_for_one_role_or_many(ceased, django_assert_max_num_queries, make_user):
    _, _, _, office = ceased
    for i, old in enumerate(Unit.objects.filter(valid_to=dt.date(2025, 6, 30), unit_type__code="xa")
                             .order_by("code")[:30]):
        make_user(f"canbo.cu{i}", "commune_officer", old)
    handovers(office)  # the office's memberships read
    with django_assert_max_num_queries(8):  # the roles, then two queries per generation of lineage events
        rows = handovers(office)
    assert len(rows) == 32 and all(len(r.successors) == 1 for r in rows if r.membership.role == "commune_officer")
