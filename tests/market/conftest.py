"""Fixtures of the supply–demand board tests: a synthetic co-operative selling tea, a registered buyer asking for it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest


@pytest.fixture
def market_world(db, make_user, van_phu, lam_vy):
    from nongthonso.coops.models import Cooperative, Sector
    from nongthonso.market.models import Buyer

    manager = make_user("htx_che", email="htx@example.vn")
    coop = Cooperative.objects.create(name="HTX Chè Kiểm Thử", registration_code="KT-0001", unit=van_phu,
                                      sector=Sector.CROPS, synthetic=True)
    coop.managers.add(manager)
    buyer_user = make_user("nguoi_mua", email="mua@example.vn")
    buyer = Buyer.objects.create(name="Công ty Thu Mua Kiểm Thử", unit=lam_vy, phone="0912000111", synthetic=True)
    buyer.users.add(buyer_user)
    stranger = make_user("nguoi_la")
    today = dt.date.today()
    return SimpleNamespace(manager=manager, coop=coop, buyer_user=buyer_user, buyer=buyer, stranger=stranger,
                           van_phu=van_phu, lam_vy=lam_vy, today=today)


@pytest.fixture
def post(market_world):
    """``post(kind, user, **fields)``: a listing saved through the service (audited, matches refreshed)."""
    from nongthonso.market import services
    from nongthonso.market.models import Listing

    w = market_world

    def make(kind: str, user, **fields):
        party = {"cooperative": w.coop} if kind == "offer" else {"buyer": w.buyer}
        values = {"product": "Chè búp tươi", "quantity": 100, "quantity_unit": "kg", "period_start": w.today,
                  "period_end": w.today + dt.timedelta(days=30), "unit": w.van_phu if kind == "offer" else w.lam_vy,
                  "contact_name": "Nguyễn Văn Thử", "contact_phone": "0987654321",
                  "contact_email": f"{kind}@example.vn", "synthetic": True, **party, **fields}
        return services.save_listing(Listing(kind=kind, **values), user)

    return make
