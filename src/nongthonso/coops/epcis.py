"""EPCIS 2.0 JSON-LD of a lot's events (GS1 EPCIS 2.0, section 12 «JSON/JSON-LD bindings»).

An ``EPCISDocument`` with the standard ``@context``, ``schemaVersion`` "2.0", ``creationDate`` and
``epcisBody.eventList``; each event with ``eventID`` (urn:uuid:…), ``eventTime`` and ``eventTimeZoneOffset``,
``bizStep`` and ``disposition`` as CBV bare words (EPCIS 2.0 allows them for the standard vocabulary), a lot as a
``quantityList`` entry of its LGTIN class URI (urn:epc:class:lgtin:…) with the UN/CEFACT unit when there is one,
``readPoint`` (the co-operative's site, an URN of its registration code) and ``bizLocation`` (the unit, an URN of its
GSO code). Built from the rows only (``TraceEvent``, ``Lot``).

``nongthonso report epcis --lot <id or identifier>`` writes it (``ReportKind`` in ``apps.py``; ``nongthonso export``
takes no per-lot option), and so does the lot's page for the co-operative (``views_trace``) and the API.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _

from . import trace
from .models import EventType, Lot, TraceEvent

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def _quantity(event: TraceEvent, lot: Lot, amount) -> dict:
    item = {"epcClass": trace.lgtin(lot), "quantity": float(amount)}
    unit = trace.uom(lot.quantity_unit)
    if unit:
        item["uom"] = unit
    return item


def _site(event: TraceEvent) -> str:
    return f"urn:nongthonso:htx:{quote(event.cooperative.registration_code, safe='')}"


def event_json(event: TraceEvent) -> dict:
    """One event as EPCIS 2.0 JSON-LD."""
    local = timezone.localtime(event.event_time)
    data: dict = {"type": event.event_type, "eventID": event.event_id,
                  "eventTime": local.isoformat(timespec="seconds"), "eventTimeZoneOffset": event.event_timezone}
    outputs = list(event.outputs.all())
    if event.event_type == EventType.TRANSFORMATION:
        used, made = event.quantities.get("inputs", {}), event.quantities.get("outputs", {})
        data["inputQuantityList"] = [_quantity(event, x, used.get(str(x.pk), x.quantity)) for x in event.inputs.all()]
        data["outputQuantityList"] = [_quantity(event, x, made.get(str(x.pk), x.quantity)) for x in outputs]
    else:
        data["action"] = event.action
        data["epcList"] = []
        data["quantityList"] = [
            _quantity(event, x, event.quantities.get(str(x.pk), {}).get("quantity", x.quantity)) for x in outputs]
    data["bizStep"] = event.biz_step
    if event.disposition:
        data["disposition"] = event.disposition
    data["readPoint"] = {"id": _site(event)}
    if event.biz_location_id:
        data["bizLocation"] = {"id": f"urn:nongthonso:donvi:{event.biz_location.code}"}
    return data


def events_for(lot: Lot) -> list[TraceEvent]:
    """The events of ``lot`` and of the lots one step back and forward (the chain the page shows)."""
    lots = [lot, *trace.inputs_of(lot), *trace.outputs_of(lot)]
    events = TraceEvent.objects.none()
    for x in lots:
        events = events | trace.events_of(x)
    return list(events.distinct().order_by("event_time", "pk").select_related("cooperative", "biz_location")
                .prefetch_related("inputs", "outputs"))


def document(lot: Lot) -> dict:
    """The EPCISDocument of ``lot``'s chain."""
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.localtime().isoformat(timespec="seconds"),
        "epcisBody": {"eventList": [event_json(e) for e in events_for(lot)]},
    }


def find_lot(raw: str, lots=None) -> Lot:
    """The lot ``raw`` names (its id or its identifier) among ``lots`` (default: all); LookupError in Vietnamese."""
    lots = Lot.objects.all() if lots is None else lots
    raw = (raw or "").strip()
    found = lots.filter(pk=int(raw)).first() if raw.isdigit() else lots.filter(identifier=raw).first()
    if found is None:
        raise LookupError(_("Không có lô «%(raw)s»: ghi số id của lô hoặc mã truy xuất (phần cuối địa chỉ "
                            "/truy-xuat/…/).") % {"raw": raw[:60]})
    return found


def content(lot: Lot) -> str:
    return json.dumps(document(lot), ensure_ascii=False, indent=2)


def command_report(fmt: str, lot: str | None = None, **_options) -> str:
    """``nongthonso report epcis --lot ID``: the EPCIS 2.0 JSON-LD of the lot."""
    if not lot:
        raise ValueError(_("Thiếu --lot: ghi số id của lô hoặc mã truy xuất."))
    return content(find_lot(lot))
