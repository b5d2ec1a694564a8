"""The world of the co-operative registry tests (imported by them: ``from .registry_world import registry``): two
communes of the new province, a co-operative in each with members and capital movements, the roles of the
permission matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from nongthonso.coops.models import Contribution, Cooperative, Member, MemberKind, Sector, ServiceUse, YearFigures
from nongthonso.demo.thai_nguyen_2026 import AS_OF as DAY_2026


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(name="registry")
def registry_world(today_is, van_phu, lam_vy, new_unit, make_user):
    """Co-operatives «HTX chè Vạn Phú» (two members: 30 + 20 − 5 million đồng of capital, one of them left) and «HTX
    miến Lam Vỹ» (one member); their communes' officers, the province office, a viewer, each co-operative's manager
    account, an account without a role."""
    today_is(DAY_2026)
    province = new_unit("19", "tinh")
    vp = Cooperative.objects.create(name="Hợp tác xã chè Vạn Phú", registration_code="4607000001", unit=van_phu,
                                    sector=Sector.CROPS, synthetic=True)
    lv = Cooperative.objects.create(name="Hợp tác xã miến Lam Vỹ", registration_code="4607000002", unit=lam_vy,
                                    sector=Sector.MIXED, synthetic=True)
    an = Member.objects.create(cooperative=vp, code="TV001", kind=MemberKind.INDIVIDUAL, name="Nguyễn Văn An",
                               joined_on=dt.date(2020, 3, 1))
    binh = Member.objects.create(cooperative=vp, code="TV002", kind=MemberKind.HOUSEHOLD, name="Hộ Trần Thị Bình",
                                 joined_on=dt.date(2021, 1, 5))
    left = Member.objects.create(cooperative=vp, code="TV003", kind=MemberKind.INDIVIDUAL, name="Lê Văn Cường",
                                 joined_on=dt.date(2020, 3, 1), left_on=dt.date(2024, 12, 31), status="left")
    Member.objects.create(cooperative=lv, code="TV001", kind=MemberKind.INDIVIDUAL, name="Hoàng Thị Dung",
                          joined_on=dt.date(2022, 6, 1))
    Contribution.objects.create(member=an, date=dt.date(2020, 3, 1), amount=Decimal(30_000_000))
    Contribution.objects.create(member=binh, date=dt.date(2021, 1, 5), amount=Decimal(20_000_000))
    Contribution.objects.create(member=binh, date=dt.date(2024, 1, 5), amount=Decimal(-5_000_000))
    Contribution.objects.create(member=left, date=dt.date(2020, 3, 1), amount=Decimal(10_000_000))
    Contribution.objects.create(member=left, date=dt.date(2024, 12, 31), amount=Decimal(-10_000_000))
    ServiceUse.objects.create(member=an, year=2025, service="Cung ứng phân bón", value=Decimal(4_500_000))
    YearFigures.objects.create(cooperative=vp, year=2025, revenue=Decimal(1_200_000_000), profit=Decimal(90_000_000),
                               distributed=Decimal(30_000_000), employees=12)
    manager_vp, manager_lv = make_user("htx.vanphu"), make_user("htx.lamvy")
    vp.managers.add(manager_vp)
    lv.managers.add(manager_lv)
    return dict(
        vp=vp, lv=lv, an=an, binh=binh, left=left, van_phu=van_phu, lam_vy=lam_vy, province=province,
        manager_vp=manager_vp, manager_lv=manager_lv,
        officer_vp=make_user("cb.vp", "commune_officer", van_phu),
        officer_lv=make_user("cb.lv", "commune_officer", lam_vy),
        office=make_user("vp.tinh", "province_office", province),
        viewer=make_user("xem.tinh", "viewer", province),
        stranger=make_user("khong.vai.tro"),
        anonymous=None,
    )
