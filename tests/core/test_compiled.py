"""Statements compiled once and run again (``core.compiled``): the rows are read every time, only the compiling is
kept; a key that misses an input is caught; what Django converts is converted the same way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Min
from django.test.utils import CaptureQueriesContext, override_settings

from nongthonso.core import compiled
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_kept():
    """Each test starts with no statement kept (they are kept on the connection, which outlives a test)."""
    compiled.forget()
    yield
    compiled.forget()


@pytest.fixture
def counting():
    """``counting(queryset_factory)``: the factory, counting how often it is called (``.calls``)."""

    class Build:
        def __init__(self, factory):
            self.factory, self.calls = factory, 0

        def __call__(self):
            self.calls += 1
            return self.factory()

    return Build


@override_settings(NONGTHONSO_CHECK_COMPILED=False)
def test_rows_are_read_again_each_time_and_the_queryset_is_built_once(province_19, counting):
    # given a statement of a province's communes (code, name, the date they came into force)
    def communes():
        return (Unit.objects.filter(path__startswith=province_19.path, unit_type__is_rural=True)
                .order_by("code").values_list("code", "name", "valid_from"))

    build = counting(communes)
    key = ("test.communes", province_19.pk, province_19.path)
    # when it is run twice
    first = compiled.rows(key, build)
    with CaptureQueriesContext(connection) as seen:
        second = compiled.rows(key, build)
    # then both give what the queryset gives, dates as dates (SQLite stores text), from one statement each time,
    # and the queryset was built once
    assert first == second == list(communes()) and first
    assert isinstance(first[0][2], dt.date)
    assert len(seen.captured_queries) == 1 and build.calls == 1
    # and a change of the data shows at once: the rows are never kept, only the SQL
    renamed = Unit.objects.get(code=first[0][0], valid_from=first[0][2])
    Unit.objects.filter(pk=renamed.pk).update(name="Xã Đổi Tên")
    assert compiled.rows(key, build)[0][1] == "Xã Đổi Tên" and build.calls == 1


@override_settings(NONGTHONSO_CHECK_COMPILED=True)
def test_a_key_missing_an_input_is_caught_when_checking(province_19, dai_tu):
    # given a statement whose key forgets the unit it is built from (the test suite checks every kept statement)
    def under(unit):
        return lambda: Unit.objects.filter(path__startswith=unit.path).order_by().values_list("pk")

    compiled.rows("test.forgetful", under(province_19))
    # when it is run for another unit under the same key, then the check says so
    with pytest.raises(compiled.CompiledMismatch, match="does not name everything"):
        compiled.rows("test.forgetful", under(dai_tu))
    # and with the unit in the key, both are right
    assert len(compiled.rows(("test.minded", dai_tu.path), under(dai_tu))) < len(
        compiled.rows(("test.minded", province_19.path), under(province_19)))


def test_an_empty_selection_runs_nothing():
    with CaptureQueriesContext(connection) as seen:
        assert compiled.rows("test.empty", lambda: Unit.objects.filter(pk__in=[]).values_list("pk")) == []
        assert compiled.rows("test.empty", lambda: Unit.objects.filter(pk__in=[]).values_list("pk")) == []
    assert seen.captured_queries == []


@override_settings(NONGTHONSO_CHECK_COMPILED=False)
def test_counts_are_kept_and_other_aggregates_go_through_django(province_19, counting):
    # given a count (the database's number is the result) and an earliest date (SQLite returns text, Django a date)
    def units():
        return Unit.objects.filter(path__startswith=province_19.path).order_by()

    count, earliest = counting(units), counting(units)
    counted = compiled.aggregate(("test.count", province_19.path), count, n=Count("pk"))
    first = compiled.aggregate(("test.min", province_19.path), earliest, first=Min("valid_from"))
    # when each is asked again, then the same answers as Django's, of the same types; the count's statement was built
    # once, the earliest date's each time
    with CaptureQueriesContext(connection) as seen:
        assert compiled.aggregate(("test.count", province_19.path), count, n=Count("pk")) == counted
    assert len(seen.captured_queries) == 1
    assert counted == units().aggregate(n=Count("pk")) and counted["n"] > 100
    again = compiled.aggregate(("test.min", province_19.path), earliest, first=Min("valid_from"))
    assert again == first == units().aggregate(first=Min("valid_from"))
    assert isinstance(again["first"], dt.date)
    assert (count.calls, earliest.calls) == (1, 2)


@override_settings(NONGTHONSO_CHECK_COMPILED=False)
def test_at_most_max_kept_statements_are_kept_per_connection(monkeypatch):
    monkeypatch.setattr(compiled, "MAX_KEPT", 3)
    compiled.forget()
    for n in range(5):
        compiled.rows(("test.many", n), lambda n=n: Unit.objects.filter(pk=n).values_list("pk"))
    assert compiled.kept_keys() == [("rows", ("test.many", n)) for n in (2, 3, 4)]


@override_settings(NONGTHONSO_CHECK_COMPILED=False)
def test_the_aggregates_are_part_of_the_key_and_no_key_keeps_nothing(province_19, dai_tu):
    # given one key and two different counts under the same name
    def units():
        return Unit.objects.filter(path__startswith=province_19.path).order_by()

    every = compiled.aggregate("test.same", units, n=Count("pk"))
    kinds = compiled.aggregate("test.same", units, n=Count("unit_type", distinct=True))
    # then each is counted as asked
    assert every == units().aggregate(n=Count("pk")) and kinds == units().aggregate(n=Count("unit_type", distinct=True))
    assert every != kinds
    # and a statement without a key is never kept: two territories, two answers
    assert compiled.aggregate(None, units, n=Count("pk")) == every
    district = compiled.aggregate(None, lambda: Unit.objects.filter(path__startswith=dai_tu.path), n=Count("pk"))
    assert district["n"] < every["n"]
    assert all(key[1] == "test.same" for key in compiled.kept_keys())


def test_rows_refuses_what_it_would_return_in_another_shape():
    for shaped in (Unit.objects.values("code"), Unit.objects.values_list("code", flat=True), Unit.objects.all()):
        with pytest.raises(TypeError, match="values_list"):
            compiled.rows(("test.shape", str(shaped.query)), lambda shaped=shaped: shaped)


def test_a_long_list_of_ids_is_not_kept():
    assert compiled.ids_key("test.ids", [3, 1, 2]) == ("test.ids", (3, 1, 2))
    assert compiled.ids_key("test.ids", range(17)) is None
    assert compiled.rows(compiled.ids_key("test.ids", range(100)), lambda: Unit.objects.filter(
        pk__in=list(range(100))).order_by("pk").values_list("pk")) == list(
        Unit.objects.filter(pk__in=list(range(100))).order_by("pk").values_list("pk"))
    assert compiled.kept_keys() == []
