"""Traceability services (``coops.trace``): GS1 check digits and lot numbers, lots from harvests within what is left
of them, processing that merges lots (the chain back and forward), shipping events; every write audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from nongthonso.audit.models import AuditEntry
from nongthonso.coops import trace
from nongthonso.coops.models import EventType, Lot, TraceEvent

from . import trace_rows
from .trace_rows import lot_data

trace_world = trace_rows.trace_world  # the fixture


@pytest.mark.parametrize(("gtin", "ok"), [
    ("09506000134352", True),  # the GTIN of GS1's Digital Link examples
    ("4006381333931", True),  # the EAN-13 of the usual textbook example
    ("08939999000017", True),  # the demo's first synthetic GTIN
    ("96385074", True),  # the GTIN-8 of GS1's own example
    ("036000291452", True),  # UPC-A example from GS1 (12 digits)
    ("08939999000016", False),  # wrong check digit
    ("8934588012225", False),
    ("0893999900001", False),  # 13 digits whose last is not the check digit
    ("089399990000AB", False),
    ("", False),
])
def test_gtins_are_checked_by_their_gs1_check_digit(gtin, ok):
    assert (trace.gtin_problem(gtin) is None) is ok


def test_a_wrong_check_digit_says_which_digit_it_should_be():
    problem = trace.gtin_problem("08939999000016")
    assert "số kiểm tra" in problem and "phải là 7" in problem


def test_the_demo_gtins_carry_a_valid_check_digit_and_the_synthetic_prefix():
    for item in (1, 2, 999):
        gtin = trace.demo_gtin(item)
        assert len(gtin) == 14 and gtin.startswith(trace.DEMO_GTIN_PREFIX) and trace.gtin_problem(gtin) is None


@pytest.mark.parametrize(("lot", "ok"), [
    ("L2026-05/A", True), ("ABC_123.x", True), ("x" * 20, True),
    ("x" * 21, False), ("LÔ 1", False), ("lô1", False), ("A B", False), ("", False), ("A#1", False),
])
def test_lot_numbers_follow_gs1_ai_10(lot, ok):
    assert (trace.lot_number_problem(lot) is None) is ok


def test_identifiers_are_url_safe_and_distinct():
    a, b = trace.identifier_for("08939999000017", "L/1"), trace.identifier_for("08939999000017", "L-2F1")
    assert a == "08939999000017-L~2F1" and a != b
    long = trace.identifier_for("08939999000017", '!"%&\'()*+,!"%&\'()*+,')
    assert len(long) <= 60 and "/" not in long


def test_a_lot_from_harvests_records_its_commissioning_and_is_audited(trace_world):
    w = trace_world
    lot = trace.lot_from_harvests(w.coop, lot_data("L2605"), [(w.first, "100"), (w.second, "30.5")], user=w.manager)
    assert lot.quantity == Decimal("130.5") and lot.identifier == "08939999000017-L2605"
    assert set(lot.harvests.all()) == {w.first, w.second}
    event = TraceEvent.objects.get(outputs=lot)
    assert (event.event_type, event.action, event.biz_step) == (EventType.OBJECT, "ADD", "commissioning")
    assert event.event_id.startswith("urn:uuid:") and event.biz_location == w.coop.unit
    assert event.quantities["harvests"] == {str(w.first.pk): "100", str(w.second.pk): "30.5"}
    assert trace.harvest_left(w.first) == Decimal("20") and trace.harvest_left(w.second) == Decimal("49.5")
    entry = AuditEntry.objects.get(action="coops.lot.create", object_id=str(lot.pk))
    assert entry.user == w.manager and entry.after["lot_number"] == "L2605"


def test_a_harvest_cannot_give_more_than_is_left_of_it(trace_world):
    w = trace_world
    trace.lot_from_harvests(w.coop, lot_data("A1"), [(w.first, "100")])
    with pytest.raises(trace.TraceError, match="chỉ còn 20"):
        trace.lot_from_harvests(w.coop, lot_data("A2"), [(w.first, "20.001")])
    with pytest.raises(trace.TraceError, match="lớn hơn 0"):
        trace.lot_from_harvests(w.coop, lot_data("A3"), [(w.first, "0")])
    assert Lot.objects.filter(lot_number__in=["A2", "A3"]).count() == 0
    assert trace.lot_from_harvests(w.coop, lot_data("A4"), [(w.first, "20")]).quantity == 20


def test_refusals_name_the_field_and_leave_nothing_written(trace_world):
    w = trace_world
    cases = [
        (lot_data("B1", gtin="08939999000016"), [(w.first, "1")], "số kiểm tra"),
        (lot_data("LÔ 1"), [(w.first, "1")], "Số lô"),
        (lot_data("B2", best_before=dt.date(2026, 1, 1)), [(w.first, "1")], "Hạn sử dụng"),
        (lot_data("B3"), [], "thu hoạch"),
        (lot_data("B4"), [(w.first, "1"), (w.first, "1")], "hai lần"),
    ]
    for data, taken, words in cases:
        with pytest.raises(trace.TraceError, match=words):
            trace.lot_from_harvests(w.coop, data, taken)
    trace.lot_from_harvests(w.coop, lot_data("B5"), [(w.first, "1")])
    with pytest.raises(trace.TraceError, match="Đã có lô"):
        trace.lot_from_harvests(w.coop, lot_data("B5"), [(w.first, "1")])
    assert Lot.objects.count() == 1 and TraceEvent.objects.count() == 1


def test_another_cooperatives_harvest_is_refused(trace_world):
    w = trace_world
    with pytest.raises(trace.TraceError, match="không phải lần thu hoạch của hợp tác xã này"):
        trace.lot_from_harvests(w.other, lot_data("C1"), [(w.first, "1")])


def test_processing_merges_lots_and_the_chain_reads_back_and_forward(trace_world):
    w = trace_world
    a = trace.lot_from_harvests(w.coop, lot_data("T-A"), [(w.first, "120")])
    b = trace.lot_from_harvests(w.coop, lot_data("T-B"), [(w.second, "80")])
    packed = trace.process(w.coop, lot_data("P-1", gtin="08939999000024", name="Chè hộp 200 g", unit="hộp",
                                            produced=dt.date(2026, 5, 12)),
                           [(a, "100"), (b, "80")], "450", user=w.manager)
    event = TraceEvent.objects.get(event_type=EventType.TRANSFORMATION)
    assert set(event.inputs.all()) == {a, b} and list(event.outputs.all()) == [packed]
    assert event.quantities["inputs"] == {str(a.pk): "100", str(b.pk): "80"}
    assert trace.inputs_of(packed) == [a, b] and trace.outputs_of(a) == [packed] and trace.outputs_of(packed) == []
    assert trace.lot_left(a) == 20 and trace.lot_left(b) == 0
    with pytest.raises(trace.TraceError, match="chỉ còn 0"):
        trace.process(w.coop, lot_data("P-2"), [(b, "1")], "1")
    with pytest.raises(trace.TraceError, match="không phải của hợp tác xã này"):
        trace.process(w.other, lot_data("P-3"), [(a, "1")], "1")
    assert AuditEntry.objects.filter(action="coops.lot.process", object_id=str(packed.pk)).exists()


def test_shipping_and_receiving_are_observe_events(trace_world):
    w = trace_world
    lot = trace.lot_from_harvests(w.coop, lot_data("S-1"), [(w.first, "50")])
    when = timezone.make_aware(dt.datetime(2026, 5, 11, 8, 30))
    event = trace.observe(lot, "shipping", when=when, read_point="Kho HTX", user=w.manager)
    assert (event.event_type, event.action, event.disposition) == (EventType.OBJECT, "OBSERVE", "in_transit")
    assert list(trace.events_of(lot)) == [TraceEvent.objects.get(biz_step="commissioning"), event]
    with pytest.raises(trace.TraceError, match="trước ngày sản xuất"):
        trace.observe(lot, "receiving", when=timezone.make_aware(dt.datetime(2026, 1, 1)))
    with pytest.raises(trace.TraceError, match="xuất hàng hoặc nhận hàng"):
        trace.observe(lot, "destroying", when=when)
    assert AuditEntry.objects.filter(action="coops.lot.shipping", object_id=str(lot.pk)).count() == 1
