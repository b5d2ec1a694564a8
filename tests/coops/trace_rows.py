"""Hand-made co-operative rows for the traceability tests (synthetic): a tea co-operative of Xã Vạn Phú with two
plots (one with a growing-area code and a VietGAP certificate in force, one whose organic certificate has expired),
a crop cycle on each and two harvests (120 kg and 80 kg); a second co-operative elsewhere for the scope tests.
Today is 30/6/2026. The test modules take ``trace_world`` (``trace_world = trace_rows.trace_world``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from nongthonso.demo.thai_nguyen_2026 import AS_OF as DAY_2026


def lot_data(lot_number: str, *, gtin: str = "08939999000017", name: str = "Chè búp Tân Cương", unit: str = "kg",
             produced: dt.date = dt.date(2026, 5, 10), **more):
    from nongthonso.coops.trace import LotData

    return LotData(gtin=gtin, lot_number=lot_number, product_name=name, quantity_unit=unit, produced_on=produced,
                   synthetic=True, **more)


@pytest.fixture
def trace_world(db, settings, tmp_path, today_is, van_phu, lam_vy, make_user):
    from nongthonso.coops.models import (
        Certification,
        CertificationKind,
        Cooperative,
        CropCycle,
        DiaryEntry,
        EntryKind,
        Plot,
        Sector,
    )

    cache.clear()
    settings.MEDIA_ROOT = tmp_path
    today_is(DAY_2026)
    coop = Cooperative.objects.create(name="Hợp tác xã chè Vạn Phú (thử)", registration_code="TEST-HTX-0001",
                                      unit=van_phu, sector=Sector.CROPS, address="Xóm Soi, Vạn Phú", synthetic=True)
    other = Cooperative.objects.create(name="Hợp tác xã rau Lam Vỹ (thử)", registration_code="TEST-HTX-0002",
                                       unit=lam_vy, sector=Sector.CROPS, synthetic=True)
    hill = Plot.objects.create(cooperative=coop, code="T-01", name="Đồi chè", unit=van_phu, crop="Chè", area_m2=5000,
                               growing_area_code="VN-TN-VP-0007", synthetic=True)
    valley = Plot.objects.create(cooperative=coop, code="T-02", unit=van_phu, crop="Chè", area_m2=3000,
                                 synthetic=True)
    vietgap = Certification.objects.create(cooperative=coop, kind=CertificationKind.VIETGAP, number="VG-2025-118",
                                           certifier="Trung tâm chứng nhận (thử)", issued_on=dt.date(2025, 3, 1),
                                           valid_until=dt.date(2028, 3, 1), synthetic=True)
    vietgap.plots.set([hill])
    expired = Certification.objects.create(cooperative=coop, kind=CertificationKind.ORGANIC, number="HC-2020-9",
                                           certifier="Tổ chức hữu cơ (thử)", issued_on=dt.date(2020, 1, 1),
                                           valid_until=dt.date(2023, 1, 1), synthetic=True)
    expired.plots.set([valley])

    def harvest(plot, day, kg):
        cycle = CropCycle.objects.create(plot=plot, name=f"Vụ {day.year}", crop="Chè", started_on=dt.date(2026, 2, 1),
                                         synthetic=True)
        return DiaryEntry.objects.create(cycle=cycle, kind=EntryKind.HARVEST, date=day, quantity=Decimal(kg),
                                         quantity_unit="kg", synthetic=True)

    manager = make_user("htx_vanphu")
    coop.managers.add(manager)
    return SimpleNamespace(coop=coop, other=other, hill=hill, valley=valley, vietgap=vietgap, manager=manager,
                           first=harvest(hill, dt.date(2026, 5, 8), "120"),
                           second=harvest(valley, dt.date(2026, 5, 9), "80"))
