"""The batch sync of entries queued offline (page and API share ``coops.sync.sync``): stored / duplicate /
conflict (server edit, pre-harvest rule) / invalid, per entry, in one request; CSRF on the page; scope."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.coops import diary
from nongthonso.coops.models import DiaryEntry

from . import diary_fixtures

diary_world = diary_fixtures.diary_world  # the fixture
pytestmark = pytest.mark.django_db


def ours(model):
    """The rows of ``model`` of the test's co-operatives (the session database holds the demo's diaries too)."""
    path = "cycle__plot__cooperative" if model.__name__ == "DiaryEntry" else "entry__cycle__plot__cooperative"
    return model.objects.filter(**{path + "__registration_code__startswith": "TEST-DIARY"})
API = "/api/coops/diary/sync"


def row(cycle, kind="other", day="2026-03-01", **fields):
    return {"client_id": str(uuid.uuid4()), "cycle": cycle.pk, "version": None, "kind": kind, "date": day,
            "recorded_at": "2026-03-01T07:30:00+07:00", **fields}


def test_one_request_answers_each_entry(diary_world, call, token_for):
    w = diary_world
    spray = row(w.cycle, "spraying", "2026-03-01", input_name="Regent 800WG", phi_days=14)
    early = row(w.cycle, "harvest", "2026-03-05", quantity="80", quantity_unit="kg")
    late = row(w.cycle, "harvest", "2026-03-20", quantity="100", quantity_unit="kg")
    broken = row(w.cycle, "harvest", "2026-03-21")
    elsewhere = {**row(w.cycle), "cycle": w.cycle.pk + 10_000}
    answer = call("POST", API, token_for(w.manager), {"entries": [early, spray, late, broken, elsewhere]})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["conflict", "stored", "stored", "invalid", "invalid"]
    assert results[0]["message"].endswith("được thu hoạch từ ngày 15/03/2026.")
    assert "sản lượng" in results[3]["errors"]["quantity"]
    assert "Không tìm thấy vụ" in results[4]["message"]
    stored = ours(DiaryEntry).get(client_id=late["client_id"])
    assert stored.recorded_by == w.manager and stored.recorded_at.isoformat().startswith("2026-03-01T00:30")
    assert results[2]["id"] == stored.pk and results[2]["version"] == 1


def test_sending_the_queue_twice_stores_once(diary_world, call, token_for):
    w = diary_world
    batch = {"entries": [row(w.cycle, day=f"2026-03-{d:02d}") for d in range(1, 6)]}
    token = token_for(w.manager)
    assert {r["status"] for r in call("POST", API, token, batch).json()["results"]} == {"stored"}
    again = call("POST", API, token, batch).json()["results"]
    assert {r["status"] for r in again} == {"duplicate"}
    assert ours(DiaryEntry).count() == 5
    ids = [str(pk) for pk in ours(DiaryEntry).values_list("pk", flat=True)]
    assert AuditEntry.objects.filter(model="coops.diaryentry", object_id__in=ids).count() == 5


def test_an_entry_edited_on_the_server_meanwhile_comes_back_as_a_conflict_with_its_version(diary_world, call,
                                                                                          token_for):
    w = diary_world
    first = diary.write(w.manager, w.cycle, {"kind": "other", "date": "2026-03-01", "note": "làm cỏ"})
    diary.write(w.manager, w.cycle, {"kind": "other", "date": "2026-03-01", "note": "làm cỏ, tỉa cành"},
                client_id=first.client_id, base_version=1)
    offline_edit = {**row(w.cycle, note="làm cỏ hàng 3"), "client_id": first.client_id, "version": 1}
    result = call("POST", API, token_for(w.manager), {"entries": [offline_edit]}).json()["results"][0]
    assert result["status"] == "conflict"
    assert result["server"]["note"] == "làm cỏ, tỉa cành" and result["server"]["version"] == 2
    retried = {**offline_edit, "version": 2}
    assert call("POST", API, token_for(w.manager), {"entries": [retried]}).json()["results"][0]["status"] == "stored"
    assert ours(DiaryEntry).get(client_id=first.client_id).note == "làm cỏ hàng 3"


def test_the_page_endpoint_needs_the_csrf_token(diary_world):
    w = diary_world
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.manager)
    body = json.dumps({"entries": [row(w.cycle)]})
    assert client.post(reverse("coops_diary_sync"), body, content_type="application/json").status_code == 403
    client.get(reverse("coops_diary_cycle", args=[w.cycle.pk]))
    token = client.cookies["csrftoken"].value
    answer = client.post(reverse("coops_diary_sync"), body, content_type="application/json",
                         headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "stored"


def test_a_batch_out_of_bounds_or_malformed_is_refused_whole(diary_world, client, settings):
    client.force_login(diary_world.manager)
    url = reverse("coops_diary_sync")
    bad = client.post(url, "not json", content_type="application/json")
    assert bad.status_code == 400 and "JSON" in bad.json()["detail"]
    settings.COOPS_DIARY_SYNC_MAX = 2
    many = json.dumps({"entries": [row(diary_world.cycle) for _ in range(3)]})
    big = client.post(url, many, content_type="application/json")
    assert big.status_code == 400 and "quá 2 dòng" in big.json()["detail"]
    assert not ours(DiaryEntry).exists()


def test_another_cooperatives_manager_cannot_write_into_this_diary(diary_world, call, token_for):
    w = diary_world
    result = call("POST", API, token_for(w.stranger), {"entries": [row(w.cycle)]}).json()["results"][0]
    assert result["status"] == "invalid" and not ours(DiaryEntry).exists()


def test_entries_list_in_scope(diary_world, call, token_for):
    w = diary_world
    diary.write(w.manager, w.cycle, {"kind": "harvest", "date": "2026-03-02", "quantity": "5", "quantity_unit": "kg"})
    mine = call("GET", f"/api/coops/diary/entries?cycle={w.cycle.pk}", token_for(w.manager)).json()
    assert mine["count"] == 1 and mine["items"][0]["quantity"] == "5.000" and mine["items"][0]["plot"] == "T01"
    assert call("GET", "/api/coops/diary/entries", token_for(w.stranger)).json()["count"] == 0
