"""EPCIS 2.0 JSON-LD of a lot's chain (``coops.epcis``), checked against the standard's rules and with ``epcpy`` (a
maintained implementation of GS1's EPC Tag Data Standard: every LGTIN class URI parsed back to its GTIN and lot);
the ``report epcis`` command; the lots page, its forms and downloads (label sheet PDF read back) within scope."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from epcpy.epc_schemes import LGTIN

from nongthonso.coops import epcis, trace
from nongthonso.coops.models import Lot

from . import trace_rows
from .trace_rows import lot_data

trace_world = trace_rows.trace_world  # the fixture

CBV_STEPS = {"commissioning", "transforming", "shipping", "receiving"}
CBV_DISPOSITIONS = {"active", "in_transit", "in_progress"}
OFFSET = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")  # the schema's eventTimeZoneOffset pattern


def _chain(w):
    a = trace.lot_from_harvests(w.coop, lot_data("T-A"), [(w.first, "120")])
    b = trace.lot_from_harvests(w.coop, lot_data("T-B"), [(w.second, "80")])
    packed = trace.process(w.coop, lot_data("P/1", gtin="08939999000024", name="Chè hộp", unit="hộp",
                                            produced=dt.date(2026, 5, 12)), [(a, "100"), (b, "80")], "450")
    trace.observe(packed, "shipping", when=timezone.make_aware(dt.datetime(2026, 5, 13, 8)), read_point="Kho")
    return a, b, packed


def _check_quantity(item: dict, lots: dict[str, Lot]) -> None:
    parsed = LGTIN(item["epcClass"])  # raises on a malformed LGTIN URI
    lot = lots[item["epcClass"]]
    assert parsed.gs1_element_string() == f"(01){lot.gtin}(10){lot.lot_number}"
    assert (item["quantity"] > 0 and item.get("uom", "KGM") in ("KGM",)) or item.get("uom") is None


def test_the_document_follows_epcis_2_and_its_uris_parse(trace_world):
    w = trace_world
    a, b, packed = _chain(w)
    doc = json.loads(json.dumps(epcis.document(packed)))
    assert doc["type"] == "EPCISDocument" and doc["schemaVersion"] == "2.0"
    assert doc["@context"] == ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
    dt.datetime.fromisoformat(doc["creationDate"])
    events = doc["epcisBody"]["eventList"]
    assert [e["type"] for e in events] == ["ObjectEvent", "ObjectEvent", "TransformationEvent", "ObjectEvent"]
    lots = {trace.lgtin(x): x for x in (a, b, packed)}
    for event in events:
        assert event["eventID"].startswith("urn:uuid:") and uuid.UUID(event["eventID"][9:])
        assert dt.datetime.fromisoformat(event["eventTime"]).tzinfo is not None
        assert OFFSET.match(event["eventTimeZoneOffset"])
        assert event["bizStep"] in CBV_STEPS and event["disposition"] in CBV_DISPOSITIONS
        assert event["readPoint"]["id"].startswith("urn:") and event["bizLocation"]["id"].startswith("urn:")
        if event["type"] == "ObjectEvent":
            assert event["action"] in ("ADD", "OBSERVE") and event["epcList"] == []
            for item in event["quantityList"]:
                _check_quantity(item, lots)
        else:
            assert "action" not in event
            for item in event["inputQuantityList"] + event["outputQuantityList"]:
                _check_quantity(item, lots)
    merge = events[2]
    assert {(i["epcClass"], i["quantity"]) for i in merge["inputQuantityList"]} == {
        (trace.lgtin(a), 100.0), (trace.lgtin(b), 80.0)}
    assert merge["outputQuantityList"] == [{"epcClass": trace.lgtin(packed), "quantity": 450.0}]  # «hộp»: no uom
    assert events[3]["action"] == "OBSERVE" and events[3]["bizStep"] == "shipping"


def test_the_report_command_writes_it_and_names_a_missing_lot(trace_world):
    w = trace_world
    _a, _b, packed = _chain(w)
    out = io.StringIO()
    call_command("report", "epcis", "--lot", packed.identifier, "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["type"] == "EPCISDocument"
    out = io.StringIO()
    call_command("report", "epcis", "--lot", str(packed.pk), "--format", "json", stdout=out)
    assert len(json.loads(out.getvalue())["epcisBody"]["eventList"]) == 4
    with pytest.raises(Exception, match="Không có lô"):
        call_command("report", "epcis", "--lot", "KHONGCO", "--format", "json", stdout=io.StringIO())


def test_the_lots_page_is_scoped_and_its_forms_write_lots(client, trace_world, make_user):
    w = trace_world
    page = f"/hop-tac-xa/{w.coop.pk}/lo-hang/"
    assert client.get(page).status_code == 302  # login
    client.force_login(w.manager)
    html = client.get(page).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html and 'data-form="harvests"' in html
    response = client.post(page, {"action": "harvests", f"h{w.first.pk}": "150", "gtin": "08939999000017",
                                  "lot_number": "F-1", "product_name": "Chè", "quantity_unit": "kg",
                                  "produced_on": "2026-05-10"}, follow=True)
    assert "chỉ còn 120" in response.content.decode() and not Lot.objects.exists()
    response = client.post(page, {"action": "harvests", f"h{w.first.pk}": "100", "gtin": "08939999000017",
                                  "lot_number": "F-1", "product_name": "Chè", "quantity_unit": "kg",
                                  "produced_on": "2026-05-10"})
    assert response.status_code == 302
    lot = Lot.objects.get(lot_number="F-1")
    assert client.post(page, {"action": "shipping", "lot": lot.pk, "day": "2026-05-11",
                              "read_point": "Chợ"}).status_code == 302
    assert lot.consumed_by.count() == 0 and lot.produced_by.count() == 2
    # the other co-operative's page is not found for this manager; a viewer elsewhere sees nothing either
    assert client.get(f"/hop-tac-xa/{w.other.pk}/lo-hang/").status_code == 404
    assert client.get(f"/hop-tac-xa/{w.other.pk}/lo-hang/{lot.pk}/epcis.jsonld").status_code == 404
    viewer = make_user("xem_xa", "viewer", w.coop.unit)
    client.force_login(viewer)
    seen = client.get(page)
    assert seen.status_code == 200 and 'data-form="harvests"' not in seen.content.decode()
    assert client.post(page, {"action": "shipping", "lot": lot.pk, "day": "2026-05-12"}).status_code == 404
    epcis_file = client.get(f"/hop-tac-xa/{w.coop.pk}/lo-hang/{lot.pk}/epcis.jsonld")
    assert json.loads(epcis_file.content)["type"] == "EPCISDocument"


def test_the_label_sheet_pdf_reads_back(client, trace_world, tmp_path):
    w = trace_world
    lot = trace.lot_from_harvests(w.coop, lot_data("L-9", best_before=dt.date(2027, 5, 10)), [(w.first, "10")])
    client.force_login(w.manager)
    response = client.get(f"/hop-tac-xa/{w.coop.pk}/lo-hang/{lot.pk}/tem.pdf", {"so": "12"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", content)) == 2  # 12 labels, 10 a page
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; the PDF was checked without reading its text")
    path = tmp_path / "tem.pdf"
    path.write_bytes(content)
    text = subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode()
    for shown in ("TRUY XUẤT NGUỒN GỐC", "Chè búp Tân Cương", "GTIN: 08939999000017", "Số lô: L-9",
                  "Hạn sử dụng: 10/5/2027", trace.public_url(lot)):
        assert text.count(shown) == 12, shown


def test_the_api_lists_the_lots_in_scope_with_their_chain_and_epcis(trace_world, call, make_user, token_for):
    w = trace_world
    a, b, packed = _chain(w)
    token = token_for(w.manager)
    listed = call("GET", "/api/coops/lots", token=token)
    assert listed.status_code == 200 and listed.json()["count"] == 3
    detail = call("GET", f"/api/coops/lots/{packed.pk}", token=token).json()
    assert [x["id"] for x in detail["inputs"]] == [a.pk, b.pk] and detail["outputs"] == []
    assert detail["digital_link"].endswith("/01/08939999000024/10/P%2F1") and detail["quantity_left"] == 450
    assert call("GET", f"/api/coops/lots/{a.pk}", token=token).json()["quantity_left"] == 20
    assert call("GET", f"/api/coops/lots/{packed.pk}/epcis", token=token).json()["type"] == "EPCISDocument"
    stranger = token_for(make_user("htx_khac"))
    assert call("GET", "/api/coops/lots", token=stranger).json()["count"] == 0
    assert call("GET", f"/api/coops/lots/{packed.pk}", token=stranger).status_code == 404
