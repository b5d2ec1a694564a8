"""Traceability services: lots made from harvests, processing that merges lots, shipping and receiving — every write
an EPCIS 2.0-shaped ``TraceEvent`` and an audit entry.

Identifiers follow GS1: a GTIN-14 with its check digit (``check_digit``), a lot number of GS1 AI (10) — up to 20
characters of the GS1 «CSET 82» set (``lot_number_problem``) — and the GS1 Digital Link URI
``https://<SITE_URL host>/01/<gtin>/10/<lot>`` beside the Vietnamese public path ``/truy-xuat/<identifier>/``.

Quantities are raw rows: what a lot took from a harvest is kept in its commissioning event
(``quantities["harvests"]``), what a processing took from a lot in the transformation event
(``quantities["inputs"]``); what is left of a harvest or a lot is counted from them (``harvest_left``,
``lot_left``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.audit.services import record

from .models import Cooperative, DiaryEntry, EntryKind, EventType, Lot, TraceEvent

# GS1 General Specifications, figure 7.11-1: the 82 characters a lot number (AI 10) may hold
CSET82 = re.compile(r"""[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}""")
# a synthetic GS1 company prefix for the demo only (893 is GS1 Viet Nam's; the rest is made up, never assigned)
DEMO_GTIN_PREFIX = "0893999900"
# UN/CEFACT Rec. 20 codes of the units people type (EPCIS quantityList's «uom»)
UOM = {"kg": "KGM", "kilogam": "KGM", "g": "GRM", "gam": "GRM", "tấn": "TNE", "tan": "TNE", "tạ": "", "l": "LTR",
       "lít": "LTR", "lit": "LTR", "ml": "MLT"}


class TraceError(ValueError):
    """A refused write, in Vietnamese: which field, why, how to fix it."""


# --- identifiers -------------------------------------------------------------------------------------------------

def check_digit(digits: str) -> int:
    """The GS1 check digit of ``digits`` (the GTIN without its last digit): weights 3, 1, 3 … from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def gtin_problem(raw: str) -> str | None:
    """Why ``raw`` is not a GTIN (8, 12, 13 or 14 digits with a valid check digit), or None."""
    value = (raw or "").strip()
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        return _("GTIN «%(raw)s» phải gồm 8, 12, 13 hoặc 14 chữ số (mã vạch in trên bao bì).") % {"raw": value[:30]}
    expected = check_digit(value[:-1])
    if int(value[-1]) != expected:
        return _("GTIN «%(raw)s» sai số kiểm tra: chữ số cuối phải là %(digit)s. Kiểm tra lại mã trên giấy chứng "
                 "nhận mã số mã vạch của hợp tác xã.") % {"raw": value, "digit": expected}
    return None


def gtin14(raw: str) -> str:
    """``raw`` as a GTIN-14 (padded with zeros on the left); raises TraceError when it is not a GTIN."""
    problem = gtin_problem(raw)
    if problem:
        raise TraceError(problem)
    return raw.strip().zfill(14)


def demo_gtin(item: int) -> str:
    """A synthetic GTIN-14 for the demo (``DEMO_GTIN_PREFIX``, never a real company's), item reference ``item``."""
    body = f"{DEMO_GTIN_PREFIX}{item % 1000:03d}"
    return body + str(check_digit(body))


def lot_number_problem(raw: str) -> str | None:
    """Why ``raw`` is not a GS1 lot number (AI 10: 1 to 20 characters of CSET 82, no space nor diacritics)."""
    if CSET82.fullmatch(raw or ""):
        return None
    return _("Số lô «%(raw)s» không hợp lệ: 1 đến 20 ký tự gồm chữ không dấu, chữ số và các dấu ! \" %% & ' ( ) * "
             "+ , - . / : ; < = > ? _ (không có dấu cách, không có chữ có dấu).") % {"raw": (raw or "")[:40]}


def identifier_for(gtin: str, lot_number: str) -> str:
    """The URL-safe path segment of a lot's public page: ``<gtin>-<lot>`` (the lot percent-encoded with «~» for «%»,
    which CSET 82 lacks, so two lots never share it); a long one ends with a digest instead."""
    encoded = quote(lot_number, safe="-._").replace("%", "~")
    segment = f"{gtin}-{encoded}"
    if len(segment) <= 60:
        return segment
    return f"{gtin}-{encoded[:24]}-{hashlib.sha256(lot_number.encode()).hexdigest()[:16]}"


def digital_link(lot: Lot) -> str:
    """The GS1 Digital Link URI of ``lot`` on this site's host: https://<host>/01/<gtin>/10/<lot>."""
    return f"{settings.SITE_URL}/01/{lot.gtin}/10/{quote(lot.lot_number, safe='')}"


def public_url(lot: Lot) -> str:
    """The absolute address of the lot's public page (what its QR code holds)."""
    return settings.SITE_URL + reverse("coops_trace_public", args=[lot.identifier])


def lgtin(lot: Lot) -> str:
    """The EPC class URI of the lot (GS1 Tag Data Standard, LGTIN): urn:epc:class:lgtin:<prefix>.<item>.<lot>, the
    company prefix taken as 7 digits (the GTIN's digits after the indicator, split where GS1 Viet Nam's are)."""
    indicator, rest = lot.gtin[0], lot.gtin[1:13]
    prefix, item = rest[:7], indicator + rest[7:]
    return f"urn:epc:class:lgtin:{prefix}.{item}.{quote(lot.lot_number, safe='')}"


def uom(unit: str) -> str:
    """The UN/CEFACT code of a unit people type («kg» → KGM), "" when there is none."""
    return UOM.get((unit or "").strip().lower(), "")


# --- what is left ------------------------------------------------------------------------------------------------

def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def harvest_used(entry: DiaryEntry, *, exclude_event: int | None = None) -> Decimal:
    """What the lots made so far took from harvest ``entry`` (their commissioning events' quantities)."""
    used = Decimal(0)
    events = TraceEvent.objects.filter(biz_step="commissioning", outputs__harvests=entry).distinct()
    for event in events.exclude(pk=exclude_event):
        used += _decimal(event.quantities.get("harvests", {}).get(str(entry.pk), 0))
    return used


def harvest_left(entry: DiaryEntry) -> Decimal:
    return (entry.quantity or Decimal(0)) - harvest_used(entry)


def lot_used(lot: Lot) -> Decimal:
    """What processing took from ``lot`` (the transformation events it is an input of)."""
    used = Decimal(0)
    for event in lot.consumed_by.filter(event_type=EventType.TRANSFORMATION):
        used += _decimal(event.quantities.get("inputs", {}).get(str(lot.pk), 0))
    return used


def lot_left(lot: Lot) -> Decimal:
    return lot.quantity - lot_used(lot)


# --- writes ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LotData:
    """What a new lot is: its identity and its description (the rest comes from its sources)."""

    gtin: str
    lot_number: str
    product_name: str
    quantity_unit: str
    produced_on: dt.date
    best_before: dt.date | None = None
    standards: str = ""
    ocop_product_id: int | None = None
    synthetic: bool = False


def _new_lot(cooperative: Cooperative, data: LotData, quantity: Decimal) -> Lot:
    gtin = gtin14(data.gtin)
    problem = lot_number_problem(data.lot_number)
    if problem:
        raise TraceError(problem)
    if not data.product_name.strip():
        raise TraceError(_("Chưa có tên sản phẩm của lô: nhập tên như in trên bao bì."))
    if data.best_before and data.best_before < data.produced_on:
        raise TraceError(_("Hạn sử dụng %(until)s trước ngày sản xuất %(made)s: sửa một trong hai ngày.") % {
            "until": data.best_before.strftime("%d/%m/%Y"), "made": data.produced_on.strftime("%d/%m/%Y")})
    if Lot.objects.filter(gtin=gtin, lot_number=data.lot_number).exists():
        raise TraceError(_("Đã có lô số «%(lot)s» của GTIN %(gtin)s: mỗi lô một số lô riêng, chọn số khác.") % {
            "lot": data.lot_number, "gtin": gtin})
    return Lot.objects.create(
        cooperative=cooperative, gtin=gtin, lot_number=data.lot_number,
        identifier=identifier_for(gtin, data.lot_number), product_name=data.product_name.strip()[:300],
        ocop_product_id=data.ocop_product_id, quantity=quantity, quantity_unit=data.quantity_unit.strip()[:30],
        produced_on=data.produced_on, best_before=data.best_before, standards=data.standards.strip()[:400],
        synthetic=data.synthetic)


def _event(cooperative: Cooperative, **fields) -> TraceEvent:
    fields.setdefault("event_time", timezone.now())
    return TraceEvent.objects.create(event_id=f"urn:uuid:{uuid.uuid4()}", cooperative=cooperative,
                                     biz_location=fields.pop("biz_location", None) or cooperative.unit, **fields)


def _lot_row(lot: Lot) -> dict:
    return {"gtin": lot.gtin, "lot_number": lot.lot_number, "product_name": lot.product_name,
            "quantity": str(lot.quantity), "unit": lot.quantity_unit, "produced_on": lot.produced_on.isoformat()}


def _positive(raw, what: str) -> Decimal:
    value = _decimal(raw)
    if value <= 0:
        raise TraceError(_("Số lượng lấy từ %(what)s phải lớn hơn 0.") % {"what": what})
    return value


@transaction.atomic
def lot_from_harvests(cooperative: Cooperative, data: LotData, taken: list[tuple[DiaryEntry, object]], *,
                      user=None, event_time: dt.datetime | None = None) -> Lot:
    """A lot made from harvests of ``cooperative``: ``taken`` = (harvest entry, quantity taken from it); each
    quantity at most what is left of its harvest. An ObjectEvent ADD (commissioning) records it."""
    if not taken:
        raise TraceError(_("Chọn ít nhất một lần thu hoạch trong nhật ký để tạo lô."))
    # the harvests locked: two lots made at once cannot both take what is left of one harvest
    list(DiaryEntry.objects.select_for_update().filter(pk__in=[entry.pk for entry, _raw in taken]).order_by("pk"))
    allocation: dict[str, str] = {}
    total = Decimal(0)
    for entry, raw in taken:
        where = _("lần thu hoạch ngày %(date)s") % {"date": entry.date.strftime("%d/%m/%Y")}
        if entry.kind != EntryKind.HARVEST or entry.cycle.plot.cooperative_id != cooperative.pk:
            raise TraceError(_("Nhật ký %(id)s không phải lần thu hoạch của hợp tác xã này.") % {"id": entry.pk})
        if str(entry.pk) in allocation:
            raise TraceError(_("%(where)s được chọn hai lần: mỗi lần thu hoạch chọn một lần.") % {"where": where})
        quantity = _positive(raw, where)
        left = harvest_left(entry)
        if quantity > left:
            raise TraceError(_("Lấy %(qty)s %(unit)s từ %(where)s, nhưng lần này chỉ còn %(left)s %(unit)s chưa "
                               "vào lô nào: giảm số lượng.") % {
                "qty": quantity, "unit": entry.quantity_unit, "where": where, "left": max(left, Decimal(0))})
        allocation[str(entry.pk)] = str(quantity)
        total += quantity
    lot = _new_lot(cooperative, data, total)
    lot.harvests.set([entry for entry, _raw in taken])
    event = _event(cooperative, event_type=EventType.OBJECT, action="ADD", biz_step="commissioning",
                   disposition="active", read_point=cooperative.address[:200], synthetic=data.synthetic,
                   event_time=event_time or timezone.make_aware(dt.datetime.combine(data.produced_on, dt.time(7))),
                   quantities={str(lot.pk): {"quantity": str(total), "uom": uom(lot.quantity_unit)},
                               "harvests": allocation})
    event.outputs.set([lot])
    record("coops.lot.create", lot, after={**_lot_row(lot), "harvests": allocation}, user=user,
           note=_("Lô tạo từ %(n)s lần thu hoạch") % {"n": len(allocation)})
    return lot


@transaction.atomic
def process(cooperative: Cooperative, data: LotData, taken: list[tuple[Lot, object]], quantity, *, user=None,
            event_time: dt.datetime | None = None) -> Lot:
    """Processing (sơ chế, chế biến, đóng gói) that takes ``taken`` = (input lot, quantity) of ``cooperative`` and
    makes one new lot of ``quantity``: a TransformationEvent with its inputs, outputs and quantities."""
    if not taken:
        raise TraceError(_("Chọn ít nhất một lô đầu vào để chế biến, đóng gói."))
    list(Lot.objects.select_for_update().filter(pk__in=[lot.pk for lot, _raw in taken]).order_by("pk"))  # likewise
    inputs: dict[str, str] = {}
    for lot, raw in taken:
        if lot.cooperative_id != cooperative.pk:
            raise TraceError(_("Lô %(lot)s không phải của hợp tác xã này.") % {"lot": lot.lot_number})
        if str(lot.pk) in inputs:
            raise TraceError(_("Lô %(lot)s được chọn hai lần.") % {"lot": lot.lot_number})
        used = _positive(raw, _("lô %(lot)s") % {"lot": lot.lot_number})
        left = lot_left(lot)
        if used > left:
            raise TraceError(_("Lấy %(qty)s %(unit)s từ lô %(lot)s, nhưng lô chỉ còn %(left)s %(unit)s: giảm số "
                               "lượng.") % {"qty": used, "unit": lot.quantity_unit, "lot": lot.lot_number,
                                            "left": max(left, Decimal(0))})
        inputs[str(lot.pk)] = str(used)
    made = _positive(quantity, _("sản phẩm đầu ra"))
    lot = _new_lot(cooperative, data, made)
    event = _event(cooperative, event_type=EventType.TRANSFORMATION, action="", biz_step="transforming",
                   disposition="active", read_point=cooperative.address[:200], synthetic=data.synthetic,
                   event_time=event_time or timezone.make_aware(dt.datetime.combine(data.produced_on, dt.time(9))),
                   quantities={"inputs": inputs, "outputs": {str(lot.pk): str(made)},
                               "uom": {str(x.pk): uom(x.quantity_unit) for x, _raw in taken} | {
                                   str(lot.pk): uom(lot.quantity_unit)}})
    event.inputs.set([x for x, _raw in taken])
    event.outputs.set([lot])
    record("coops.lot.process", lot, after={**_lot_row(lot), "inputs": inputs}, user=user,
           note=_("Lô chế biến từ %(n)s lô") % {"n": len(inputs)})
    return lot


STEPS = {"shipping": ("in_transit", gettext_lazy("Xuất hàng")), "receiving": ("in_progress", gettext_lazy("Nhận hàng"))}


@transaction.atomic
def observe(lot: Lot, biz_step: str, *, when: dt.datetime, read_point: str = "", biz_location=None, user=None,
            quantity=None) -> TraceEvent:
    """A shipping or receiving of ``lot`` (ObjectEvent OBSERVE) at ``read_point`` (a place in words) and
    ``biz_location`` (a unit; default the co-operative's commune)."""
    if biz_step not in STEPS:
        raise TraceError(_("Bước «%(step)s» không dùng ở đây: chọn xuất hàng hoặc nhận hàng.") % {"step": biz_step})
    if when < timezone.make_aware(dt.datetime.combine(lot.produced_on, dt.time.min)):
        raise TraceError(_("Thời điểm %(when)s trước ngày sản xuất của lô: sửa thời điểm.") % {
            "when": timezone.localtime(when).strftime("%d/%m/%Y %H:%M")})
    amount = _positive(quantity, _("lô %(lot)s") % {"lot": lot.lot_number}) if quantity not in (None, "") \
        else lot.quantity
    event = _event(lot.cooperative, event_type=EventType.OBJECT, action="OBSERVE", biz_step=biz_step,
                   disposition=STEPS[biz_step][0], read_point=read_point.strip()[:200], biz_location=biz_location,
                   event_time=when, synthetic=lot.synthetic,
                   quantities={str(lot.pk): {"quantity": str(amount), "uom": uom(lot.quantity_unit)}})
    event.outputs.set([lot])
    record(f"coops.lot.{biz_step}", lot, after={"event": event.event_id, "time": when.isoformat(),
                                                "read_point": event.read_point, "quantity": str(amount)},
           user=user)
    return event


# --- the chain ---------------------------------------------------------------------------------------------------

def events_of(lot: Lot):
    """Every event naming ``lot`` (as input or output), in time order."""
    return (TraceEvent.objects.filter(pk__in=lot.consumed_by.values("pk")) |
            TraceEvent.objects.filter(pk__in=lot.produced_by.values("pk"))).distinct().order_by("event_time", "pk")


def inputs_of(lot: Lot) -> list[Lot]:
    """One step back: the lots processing turned into ``lot``."""
    return list(Lot.objects.filter(consumed_by__outputs=lot, consumed_by__event_type=EventType.TRANSFORMATION)
                .distinct().order_by("produced_on", "pk"))


def outputs_of(lot: Lot) -> list[Lot]:
    """One step forward: the lots made by processing ``lot``."""
    return list(Lot.objects.filter(produced_by__inputs=lot, produced_by__event_type=EventType.TRANSFORMATION)
                .distinct().order_by("produced_on", "pk"))
