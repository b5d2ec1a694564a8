"""A small synthetic world for the production diary tests: one co-operative in a commune of Đại Từ, its manager, a
plot and a crop cycle, and a manager of another co-operative. Take the fixture with
``diary_world = diary_fixtures.diary_world`` (after ``from . import diary_fixtures``)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest


@pytest.fixture
def diary_world(db, unit_at, make_user):
    from nongthonso.coops.models import Cooperative, CropCycle, Plot
    from nongthonso.units.models import Unit

    commune = Unit.objects.filter(unit_type__level__code="xa", path__startswith=unit_at("171", "huyen").path).first()
    coop = Cooperative.objects.create(name="HTX Chè Thử Nghiệm (minh họa)", registration_code="TEST-DIARY-01",
                                      unit=commune, sector="trong_trot", synthetic=True)
    other = Cooperative.objects.create(name="HTX Khác (minh họa)", registration_code="TEST-DIARY-02", unit=commune,
                                       sector="trong_trot", synthetic=True)
    manager = make_user("diary_manager")
    coop.managers.add(manager)
    stranger = make_user("diary_stranger")
    other.managers.add(stranger)
    plot = Plot.objects.create(cooperative=coop, code="T01", name="Đồi chè", unit=commune, area_m2=1200, crop="Chè",
                               synthetic=True)
    cycle = CropCycle.objects.create(plot=plot, name="Vụ xuân 2026", crop="Chè", started_on=dt.date(2026, 2, 1),
                                     synthetic=True)
    return SimpleNamespace(coop=coop, other=other, manager=manager, stranger=stranger, plot=plot, cycle=cycle,
                           commune=commune)
