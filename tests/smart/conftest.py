"""Fixtures of the smart-NTM tests: the province as it was at the end of 2023, the users of each role, a test
programme whose targets a test writes itself, and a small province of its own for computations by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from nongthonso.smart.models import Programme, Target

END_2023 = dt.date(2023, 12, 31)
TODAY = dt.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def fixed_today(today_is):
    """Today is 4/12/2026, as for the golden outputs: 2023 is read on 31/12/2023."""
    return today_is(TODAY)


@pytest.fixture
def province_2023(db):
    """Thái Nguyên (19) as it was on 31/12/2023."""
    from nongthonso.units.models import Unit

    return Unit.objects.valid_on(END_2023).get(code="19", unit_type__level__code="tinh")


@pytest.fixture
def at_2023(db):
    """``at_2023(code, level)``: the unit of that code and level in force on 31/12/2023."""
    from nongthonso.units.models import Unit

    def find(code: str, level: str = "xa"):
        return Unit.objects.valid_on(END_2023).select_related("unit_type__level", "parent").get(
            code=code, unit_type__level__code=level)

    return find


@pytest.fixture
def users(make_user, province_2023, at_2023):
    """One user per role: the province office and a viewer over province 19, the office of Phú Lương (168), the
    officer of Tức Tranh (05641), and a user with no role."""
    return SimpleNamespace(
        office=make_user("smart.tinh", "province_office", province_2023),
        viewer=make_user("smart.xem", "viewer", province_2023),
        district=make_user("smart.huyen", "district_office", at_2023("168", "huyen")),
        commune=make_user("smart.xa", "commune_officer", at_2023("05641")),
        nobody=make_user("smart.khong"),
    )


@pytest.fixture
def programme(db):
    """A programme of its own for province 19, applying in 2023."""
    return Programme.objects.create(
        code="thu-nghiem", name="Chương trình thử nghiệm", short_name="CT thử", legal_basis="Văn bản thử",
        issuer="UBND tỉnh", issued_on=dt.date(2023, 1, 1), province_code="19", applies_from=dt.date(2023, 1, 1),
        applies_to=dt.date(2025, 12, 31), source="thử nghiệm")


@pytest.fixture
def make_target(programme):
    """``make_target(code, kind, level, value, **fields)``: a target of the test programme."""

    def make(code: str, kind: str, level: str, value, **fields) -> Target:
        defaults = {"pillar": "government", "label": f"Mục tiêu {code}", "deadline": dt.date(2025, 12, 31),
                    "provenance": "placeholder", "source": "thử nghiệm"}
        return Target.objects.create(programme=programme, code=code, kind=kind, level=level,
                                     value=Decimal(str(value)), **{**defaults, **fields})

    return make


@pytest.fixture
def small_province(db):
    """A synthetic province T09 with one district and five communes (and a ward, which no commune target counts),
    in force since 2000: ``.province``, ``.district``, ``.communes``, ``.ward``."""
    from nongthonso.units.models import Unit, UnitType

    types = {t.code: t for t in UnitType.objects.filter(code__in=["tinh", "huyen", "xa", "phuong"])}
    since = dt.date(2000, 1, 1)
    province = Unit.objects.create(code="T09", name="Tỉnh Thử", unit_type=types["tinh"], valid_from=since,
                                   synthetic=True)
    district = Unit.objects.create(code="T091", name="Huyện Thử", unit_type=types["huyen"], parent=province,
                                   valid_from=since, synthetic=True)
    communes = [Unit.objects.create(code=f"T0910{i}", name=f"Xã Thử {i}", unit_type=types["xa"], parent=district,
                                    valid_from=since, synthetic=True, region="TDMNPB") for i in range(1, 6)]
    ward = Unit.objects.create(code="T09199", name="Phường Thử", unit_type=types["phuong"], parent=district,
                               valid_from=since, synthetic=True)
    return SimpleNamespace(province=province, district=district, communes=communes, ward=ward)
