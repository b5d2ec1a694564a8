"""Vietnamese order from the database itself, on both engines: ICU's ``vi`` collation (``vi_icu``) on
PostgreSQL, the stored ``sort_key`` on SQLite (``units.collation.vi_name_order``).

The expected lists are written out: they are what ``ORDER BY name COLLATE "vi-x-icu"`` returned on
PostgreSQL 15 (Debian, ICU 72), and both engines must give exactly them.
"""

import datetime as dt
import random

import pytest
from django.db import connection

from nongthonso.assessments.models import Assessment
from nongthonso.units.collation import VI_COLLATION, vi_name_order
from nongthonso.units.models import Unit, UnitType

DISTRICTS_ICU = ["Đại Từ", "Định Hóa", "Đồng Hỷ", "Phổ Yên", "Phú Bình", "Phú Lương", "Sông Công", "Thái Nguyên",
                 "Võ Nhai"]
# spaces sort before every letter ("Ba Bể" < "Bách Quang"); letters decide before tones ("Bảo Lạc" < "Bảo Lâm");
# ă and â are letters after a ("Bắc Kạn" after every "Ba…"/"Bá…"); đ after d; digits compare as text
WITH_SPACES_ICU = ["An Lão", "Ăn", "Ân Thi", "Ba Bể", "Ba Vì", "Bách Quang", "Bạch Thông", "Bảo Lạc", "Bảo Lâm",
                   "Bắc Kạn", "Duy Tiên", "Dương Minh Châu", "Đà Bắc", "Đắk Mil", "Ea Súp", "Tân Phú", "Thái Nguyên",
                   "TP. Hồ Chí Minh", "Xã 1", "Xã 10", "Xã 2", "Yên Bái"]

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="ICU collations exist on PostgreSQL only")


def _stored(names: list[str]) -> list[Unit]:
    """The names saved as units in shuffled order (and in code order against the expected one)."""
    huyen = UnitType.objects.get(code="huyen")
    shuffled = names[:]
    random.Random(7).shuffle(shuffled)
    return [Unit.objects.create(code=f"T{i:03d}", name=name, unit_type=huyen, valid_from=dt.date(2000, 1, 1))
            for i, name in enumerate(shuffled)]


def _icu_order(pks: list[int], collation: str) -> list[str]:
    """The names ordered by the database's own collation (raw SQL, no application code)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT name FROM units_unit WHERE id = ANY(%s) ORDER BY name COLLATE "{collation}", code',
                       [pks])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
@pytest.mark.parametrize("expected", [DISTRICTS_ICU, WITH_SPACES_ICU], ids=["districts", "with-spaces"])
def test_database_returns_names_in_vietnamese_order(expected):
    units = _stored(expected)
    pks = [u.pk for u in units]
    assert [u.name for u in Unit.objects.filter(pk__in=pks).in_vietnamese_order()] == expected
    assert list(Unit.objects.filter(pk__in=pks).order_by(vi_name_order()).values_list("name", flat=True)) == expected
    assert list(Unit.objects.filter(pk__in=pks).order_by(vi_name_order(descending=True))
                .values_list("name", flat=True)) == expected[::-1]


@pytest.mark.django_db
def test_the_nine_thai_nguyen_districts_of_the_demo_come_back_in_vietnamese_order(province_19):
    districts = Unit.objects.valid_on(dt.date(2023, 6, 30)).within(province_19).at_level("huyen")
    assert [d.name for d in districts.in_vietnamese_order()] == [
        "Huyện Đại Từ", "Huyện Định Hóa", "Huyện Đồng Hỷ", "Huyện Phú Bình", "Huyện Phú Lương", "Huyện Võ Nhai",
        "Thành phố Phổ Yên", "Thành phố Sông Công", "Thành phố Thái Nguyên"]


@pytest.mark.django_db
def test_joined_lists_order_by_the_unit_name():
    """``vi_name_order("unit__")``: rows joined to a unit (assessments here) in their unit's Vietnamese order."""
    rows = list(Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025")
                .select_related("unit").order_by(vi_name_order("unit__"), "unit__code"))
    assert len(rows) > 100
    assert [a.unit.name for a in rows] == [a.unit.name for a in sorted(rows, key=lambda a: (a.unit.sort_key,
                                                                                         a.unit.code))]


@pytest.mark.django_db
def test_stored_sort_key_agrees_with_the_collation_on_every_demo_name():
    """The API and ``Meta.ordering`` sort by ``sort_key`` (indexed); on PostgreSQL the pages sort with ICU.
    Both must give one order for every name the demo holds (Thái Nguyên's units, 2008-2025, and hamlets)."""
    by_collation = list(Unit.objects.order_by(vi_name_order(), "code").values_list("name", flat=True))
    by_key = list(Unit.objects.order_by("sort_key", "code").values_list("name", flat=True))
    assert len(by_collation) > 1000
    assert by_collation == by_key


@pg_only
@pytest.mark.django_db
def test_migration_created_the_icu_collation_and_it_matches_postgresqls_own():
    with connection.cursor() as cursor:
        cursor.execute("SELECT collprovider, colliculocale FROM pg_collation WHERE collname = %s", [VI_COLLATION])
        assert cursor.fetchone() == ("i", "vi")
    units = _stored(WITH_SPACES_ICU + DISTRICTS_ICU)
    pks = [u.pk for u in units]
    ours = _icu_order(pks, VI_COLLATION)
    assert ours == _icu_order(pks, "vi-x-icu")  # the collation PostgreSQL ships with ICU
    assert ours == list(Unit.objects.filter(pk__in=pks).in_vietnamese_order().values_list("name", flat=True))
    assert ours != _icu_order(pks, "C")


@pg_only
@pytest.mark.django_db
def test_on_postgresql_the_order_by_uses_the_icu_collation():
    sql = str(Unit.objects.in_vietnamese_order().query)
    assert f'COLLATE "{VI_COLLATION}"' in sql
