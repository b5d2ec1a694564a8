"""The co-operative registry pages: the list in scope with its search and filters, a co-operative's page with capital
counted from capital movements, the office's and the manager's forms (what each may change), audited writes, CSRF,
Vietnamese messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from nongthonso.audit.models import AuditEntry
from nongthonso.coops.models import Contribution, Cooperative, Member, YearFigures

from .registry_world import client_of, registry_world  # noqa: F401  (the fixture «registry»)

pytestmark = pytest.mark.django_db


def test_the_list_searches_without_diacritics_and_filters(registry):
    office = client_of(registry["office"])
    page = office.get("/hop-tac-xa/", {"q": "che van phu"})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    assert registry["vp"].name in page.content.decode()
    assert office.get("/hop-tac-xa/", {"sector": "tong_hop"}).context["page"].object_list[0] == registry["lv"]
    assert office.get("/hop-tac-xa/", {"unit": registry["lam_vy"].code}).context["page"].paginator.count == 1
    registry["lv"].ceased_on = dt.date(2025, 1, 1)
    registry["lv"].save()
    assert list(office.get("/hop-tac-xa/", {"status": "active"}).context["page"].object_list) == [registry["vp"]]


def test_the_list_is_in_vietnamese_alphabetical_order(registry):
    # «Đ» after «D» and before «E», whatever the engine (ICU collation on PostgreSQL, the stored key on SQLite)
    for name in ("Hợp tác xã Đồng Hỷ", "Hợp tác xã Dương Tự", "Hợp tác xã Ea Thử"):
        Cooperative.objects.create(name=name, registration_code=name[-5:], unit=registry["van_phu"],
                                   sector="tong_hop", synthetic=True)
    names = [c.name for c in client_of(registry["office"]).get("/hop-tac-xa/", {"q": "hop tac xa"})
             .context["page"].object_list]
    mine = [n for n in names if n.split()[-2] in ("Đồng", "Dương", "Ea")]
    assert mine == ["Hợp tác xã Dương Tự", "Hợp tác xã Đồng Hỷ", "Hợp tác xã Ea Thử"]


def test_the_page_counts_members_and_capital_from_rows(registry):
    page = client_of(registry["officer_vp"]).get(f"/hop-tac-xa/{registry['vp'].pk}/")
    assert page.status_code == 200
    assert page.context["n_active"] == 2  # the third left
    assert page.context["capital"] == Decimal(45_000_000)  # 30 + 20 − 5 + 10 − 10 million
    capital = {m.code: m.capital for m in page.context["members"]}
    assert capital == {"TV001": Decimal(30_000_000), "TV002": Decimal(15_000_000), "TV003": Decimal(0)}
    Contribution.objects.create(member=registry["an"], date=dt.date(2025, 5, 1), amount=Decimal(1_000_000))
    again = client_of(registry["officer_vp"]).get(f"/hop-tac-xa/{registry['vp'].pk}/")
    assert again.context["capital"] == Decimal(46_000_000)


def test_an_office_registers_a_cooperative_in_its_commune_only_and_it_is_audited(registry):
    officer = client_of(registry["officer_vp"])
    data = {"name": "Hợp tác xã rau an toàn Vạn Phú", "registration_code": "4607000099", "legal_form": "hop_tac_xa",
            "unit": registry["van_phu"].code, "sector": "trong_trot"}
    page = officer.post("/hop-tac-xa/moi/", data)
    assert page.status_code == 302
    coop = Cooperative.objects.get(registration_code="4607000099")
    assert AuditEntry.objects.filter(model="coops.cooperative", object_id=str(coop.pk), action="create").exists()
    refused = officer.post("/hop-tac-xa/moi/", {**data, "registration_code": "4607000100",
                                                "unit": registry["lam_vy"].code})
    assert refused.status_code == 400
    assert "nằm ngoài phạm vi" in refused.content.decode()
    duplicate = officer.post("/hop-tac-xa/moi/", data)
    assert duplicate.status_code == 400
    assert "đã là của hợp tác xã khác" in duplicate.content.decode()


def test_a_manager_edits_contacts_but_not_the_commune_or_the_code(registry):
    manager = client_of(registry["manager_vp"])
    coop = registry["vp"]
    form = manager.get(f"/hop-tac-xa/{coop.pk}/sua/")
    assert form.status_code == 200
    assert "unit" not in form.context["form"].fields and "registration_code" not in form.context["form"].fields
    page = manager.post(f"/hop-tac-xa/{coop.pk}/sua/", {"address": "Xóm Đồng Tâm", "phone": "0208 3855 123",
                                                        "unit": registry["lam_vy"].code,
                                                        "registration_code": "HACKED"})
    assert page.status_code == 302
    coop.refresh_from_db()
    assert (coop.address, coop.unit, coop.registration_code) == ("Xóm Đồng Tâm", registry["van_phu"], "4607000001")
    entry = AuditEntry.objects.get(model="coops.cooperative", object_id=str(coop.pk), action="update")
    assert entry.after == {"address": "Xóm Đồng Tâm", "phone": "0208 3855 123"}
    assert manager.get(f"/hop-tac-xa/{coop.pk}/tai-khoan/").status_code == 403


def test_the_office_grants_manager_accounts_audited(registry, make_user):
    make_user("htx.vanphu2")
    page = client_of(registry["officer_vp"]).post(f"/hop-tac-xa/{registry['vp'].pk}/tai-khoan/",
                                                  {"managers": "htx.vanphu, htx.vanphu2"})
    assert page.status_code == 302
    assert sorted(registry["vp"].managers.values_list("username", flat=True)) == ["htx.vanphu", "htx.vanphu2"]
    assert AuditEntry.objects.filter(model="coops.cooperative", note__contains="tài khoản quản lý").exists()
    missing = client_of(registry["officer_vp"]).post(f"/hop-tac-xa/{registry['vp'].pk}/tai-khoan/",
                                                     {"managers": "khong.co"})
    assert missing.status_code == 400
    assert "Không có tài khoản đang hoạt động tên khong.co" in missing.content.decode()


def test_a_manager_keeps_members_capital_service_use_and_figures(registry):
    manager = client_of(registry["manager_vp"])
    coop = registry["vp"]
    added = manager.post(f"/hop-tac-xa/{coop.pk}/thanh-vien/moi/", {
        "code": "TV004", "kind": "ca_nhan", "name": "Đỗ Văn Em", "joined_on": "2025-02-01", "status": "active"})
    assert added.status_code == 302
    member = Member.objects.get(cooperative=coop, code="TV004")
    duplicate = manager.post(f"/hop-tac-xa/{coop.pk}/thanh-vien/moi/", {
        "code": "TV004", "kind": "ca_nhan", "name": "Trùng mã", "joined_on": "2025-02-01", "status": "active"})
    assert duplicate.status_code == 400
    assert manager.post(f"/hop-tac-xa/{coop.pk}/thanh-vien/{member.pk}/gop-von/",
                        {"date": "2025-02-01", "amount": "5000000"}).status_code == 302
    assert manager.post(f"/hop-tac-xa/{coop.pk}/thanh-vien/{member.pk}/dich-vu/",
                        {"year": "2025", "service": "Tiêu thụ chè", "value": "12000000"}).status_code == 302
    no_date = manager.post(f"/hop-tac-xa/{coop.pk}/thanh-vien/{member.pk}/", {
        "code": "TV004", "kind": "ca_nhan", "name": "Đỗ Văn Em", "joined_on": "2025-02-01", "status": "left"})
    assert no_date.status_code == 400
    assert "nhập ngày ra khỏi" in no_date.content.decode()
    left = manager.post(f"/hop-tac-xa/{coop.pk}/thanh-vien/{member.pk}/", {
        "code": "TV004", "kind": "ca_nhan", "name": "Đỗ Văn Em", "joined_on": "2025-02-01", "status": "left",
        "left_on": "2025-11-30"})
    assert left.status_code == 302
    member.refresh_from_db()
    assert member.status == "left"
    assert manager.post(f"/hop-tac-xa/{coop.pk}/so-lieu-nam/moi/", {"year": "2024", "revenue": "800000000",
                                                                    "employees": "9"}).status_code == 302
    assert YearFigures.objects.filter(cooperative=coop, year=2024, employees=9).exists()
    assert manager.post(f"/hop-tac-xa/{coop.pk}/so-lieu-nam/moi/", {"year": "2025"}).status_code == 400
    models = set(AuditEntry.objects.values_list("model", flat=True))
    assert {"coops.member", "coops.contribution", "coops.serviceuse", "coops.yearfigures"} <= models
    # the other co-operative's manager: not found
    assert client_of(registry["manager_lv"]).get(f"/hop-tac-xa/{coop.pk}/thanh-vien/moi/").status_code == 404


def test_writes_need_the_csrf_token(registry):
    client = Client(enforce_csrf_checks=True)
    client.force_login(registry["manager_vp"])
    page = client.post(f"/hop-tac-xa/{registry['vp'].pk}/so-lieu-nam/moi/", {"year": "2023"})
    assert page.status_code == 403
    assert not YearFigures.objects.filter(year=2023).exists()


def test_a_viewer_sees_but_may_not_edit_and_is_told_why(registry):
    viewer = client_of(registry["viewer"])
    assert viewer.get(f"/hop-tac-xa/{registry['vp'].pk}/").status_code == 200
    refused = viewer.get(f"/hop-tac-xa/{registry['vp'].pk}/thanh-vien/moi/")
    assert refused.status_code == 403
    assert "không được sửa hồ sơ của hợp tác xã" in refused.content.decode()


def test_the_admin_lists_every_coops_and_market_model_and_audits_its_writes(registry, make_user):
    from django.apps import apps

    admin_user = make_user("quantri", is_staff=True, is_superuser=True)
    client = client_of(admin_user)
    for app in ("coops", "market"):
        for model in apps.get_app_config(app).get_models():
            url = f"/admin/{app}/{model._meta.model_name}/"
            assert client.get(url).status_code == 200, url
    coop = registry["vp"]
    page = client.post("/admin/coops/yearfigures/add/", {"cooperative": coop.pk, "year": "2023",
                                                            "revenue": "5000000"})
    assert page.status_code == 302
    assert AuditEntry.objects.filter(model="coops.yearfigures", action="create", user=admin_user).exists()
