"""The diary's one write path (``coops.diary``): fields checked with Vietnamese messages, the pre-harvest rule, dedupe
by client_id, optimistic versions, audit; the diary pages (scope, cycles, entries, photos, the service worker)."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.coops import diary
from nongthonso.coops.models import CropCycle, DiaryEntry, DiaryPhoto

from . import diary_fixtures

diary_world = diary_fixtures.diary_world  # the fixture

pytestmark = pytest.mark.django_db


def ours(model):
    """The rows of ``model`` of the test's co-operatives (the session database holds the demo's diaries too)."""
    path = "cycle__plot__cooperative" if model.__name__ == "DiaryEntry" else "entry__cycle__plot__cooperative"
    return model.objects.filter(**{path + "__registration_code__startswith": "TEST-DIARY"})


def spray(day="2026-03-01", phi="14", name="Regent 800WG"):
    return {"kind": "spraying", "date": day, "input_name": name, "dose": "1,5", "dose_unit": "g/bình", "phi_days": phi}


def harvest(day, quantity="120"):
    return {"kind": "harvest", "date": day, "quantity": quantity, "quantity_unit": "kg"}


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 0)).save(out, "PNG")
    return out.getvalue()


def test_a_harvest_inside_the_interval_of_a_spray_is_refused_with_the_dates(diary_world):
    w = diary_world
    assert diary.write(w.manager, w.cycle, spray()).status == diary.STORED
    refused = diary.write(w.manager, w.cycle, harvest("2026-03-10"))
    assert refused.status == diary.CONFLICT
    assert refused.message == ("Chưa được thu hoạch: lần phun «Regent 800WG» ngày 01/03/2026 có thời gian cách ly 14 "
                               "ngày, được thu hoạch từ ngày 15/03/2026.")
    assert diary.write(w.manager, w.cycle, harvest("2026-03-15")).status == diary.STORED
    assert list(ours(DiaryEntry).filter(cycle=w.cycle).values_list("kind", flat=True)) == ["spraying", "harvest"]


def test_the_latest_release_of_overlapping_sprays_is_named(diary_world):
    w = diary_world
    diary.write(w.manager, w.cycle, spray("2026-03-01", "14", "Thuốc A"))
    diary.write(w.manager, w.cycle, spray("2026-03-05", "7", "Thuốc B"))
    refused = diary.write(w.manager, w.cycle, harvest("2026-03-13"))
    assert "«Thuốc A»" in refused.message and "từ ngày 15/03/2026" in refused.message


def test_a_spray_of_another_cycle_does_not_block(diary_world):
    w = diary_world
    other = CropCycle.objects.create(plot=w.plot, name="Vụ thu", crop="Chè", started_on=dt.date(2026, 2, 1))
    diary.write(w.manager, other, spray())
    assert diary.write(w.manager, w.cycle, harvest("2026-03-02")).status == diary.STORED


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"kind": "spraying", "date": "2026-03-01", "input_name": "X"}, "phi_days", "thời gian cách ly"),
    ({"kind": "spraying", "date": "2026-03-01", "phi_days": "7"}, "input_name", "tên thuốc"),
    ({"kind": "harvest", "date": "2026-03-01"}, "quantity", "sản lượng"),
    ({"kind": "harvest", "date": "2026-03-01", "quantity": "abc"}, "quantity", "không phải là số"),
    ({"kind": "dig", "date": "2026-03-01"}, "kind", "không có trong danh sách"),
    ({"kind": "other", "date": "32/13/2026"}, "date", "không đọc được"),
    ({"kind": "other", "date": "2099-01-01"}, "date", "tương lai"),
    ({"kind": "spraying", "date": "2026-03-01", "input_name": "X", "phi_days": "-3"}, "phi_days", "số ngày nguyên"),
])
def test_fields_are_checked_with_a_vietnamese_message_naming_the_field(diary_world, data, field, words):
    outcome = diary.write(diary_world.manager, diary_world.cycle, data)
    assert outcome.status == diary.INVALID
    assert words in outcome.errors[field]
    assert not ours(DiaryEntry).exists()


def test_an_entry_before_the_cycle_started_is_invalid(diary_world):
    outcome = diary.write(diary_world.manager, diary_world.cycle, {"kind": "other", "date": "2026-01-01"})
    assert outcome.status == diary.INVALID and "trước ngày bắt đầu vụ «Vụ xuân 2026» (01/02/2026)" in outcome.message


def test_the_same_client_id_is_stored_once_and_edits_raise_the_version(diary_world):
    w = diary_world
    cid = str(uuid.uuid4())
    first = diary.write(w.manager, w.cycle, spray(), client_id=cid)
    again = diary.write(w.manager, w.cycle, spray(), client_id=cid)
    assert (first.status, again.status) == (diary.STORED, diary.DUPLICATE)
    assert again.entry.pk == first.entry.pk
    edited = diary.write(w.manager, w.cycle, spray(phi="10"), client_id=cid, base_version=1)
    assert edited.status == diary.STORED and edited.entry.version == 2
    stale = diary.write(w.manager, w.cycle, spray(phi="3"), client_id=cid, base_version=1)
    assert stale.status == diary.CONFLICT and "phiên bản 2" in stale.message
    assert stale.as_dict()["server"]["phi_days"] == 10
    assert ours(DiaryEntry).get(client_id=cid).phi_days == 10


def test_every_stored_entry_is_audited_once(diary_world):
    w = diary_world
    cid = str(uuid.uuid4())
    diary.write(w.manager, w.cycle, spray(), client_id=cid)
    diary.write(w.manager, w.cycle, spray(), client_id=cid)
    diary.write(w.manager, w.cycle, spray(phi="9"), client_id=cid, base_version=1)
    entry = ours(DiaryEntry).get(client_id=cid)
    log = AuditEntry.objects.filter(model="coops.diaryentry", object_id=str(entry.pk)).order_by("pk")
    assert [(a.action, a.user, a.after["phi_days"]) for a in log] == [("create", w.manager, 14),
                                                                       ("update", w.manager, 9)]
    assert log[1].before["phi_days"] == 14


def test_scope_only_the_managers_and_offices_managing_the_cooperative(diary_world, make_user, dai_tu):
    w = diary_world
    office = make_user("diary_office", "district_office", dai_tu)
    viewer = make_user("diary_viewer", "viewer", dai_tu)
    assert set(diary.cycles(w.manager)) == set(diary.cycles(office)) == {w.cycle}
    assert not diary.cycles(w.stranger).exists()
    assert not diary.cycles(viewer).exists()  # viewing co-operatives is not keeping their diaries


def test_pages_list_plots_open_a_cycle_and_write_an_entry(client, diary_world):
    w = diary_world
    client.force_login(w.manager)
    page = client.get(reverse("coops_diary", args=[w.coop.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đồi chè" in html and "Vụ xuân 2026" in html and 'rel="manifest"' in html
    made = client.post(reverse("coops_diary", args=[w.coop.pk]),
                       {"plot": w.plot.pk, "name": "Vụ hè 2026", "started_on": "2026-05-01"})
    cycle = CropCycle.objects.get(name="Vụ hè 2026")
    assert made.status_code == 302 and made.url == reverse("coops_diary_cycle", args=[cycle.pk])
    assert cycle.crop == "Chè"
    assert AuditEntry.objects.filter(model="coops.cropcycle", object_id=str(cycle.pk), action="create").exists()
    ok = client.post(reverse("coops_diary_cycle", args=[cycle.pk]), spray("2026-05-02"))
    assert ok.status_code == 302
    refused = client.post(reverse("coops_diary_cycle", args=[cycle.pk]), harvest("2026-05-03"))
    assert refused.status_code == 400
    assert "được thu hoạch từ ngày 16/05/2026" in refused.content.decode()
    assert "Regent 800WG" in client.get(reverse("coops_diary_cycle", args=[cycle.pk])).content.decode()


def test_an_entry_is_edited_from_its_page_and_a_stale_edit_is_refused(client, diary_world):
    # given a spray written on the page
    w = diary_world
    client.force_login(w.manager)
    url = reverse("coops_diary_cycle", args=[w.cycle.pk])
    client.post(url, spray("2026-03-01"))
    entry = ours(DiaryEntry).get()
    # when its «Sửa» link is followed (the page without its script): the form holds the entry and its version
    html = client.get(url, {"sua": str(entry.client_id)}).content.decode()
    assert f'href="?sua={entry.client_id}#diary-form"' in client.get(url).content.decode()
    assert "Sửa dòng nhật ký" in html and 'value="Regent 800WG"' in html
    assert f'name="client_id" value="{entry.client_id}"' in html and 'name="version" value="1"' in html
    # and the edit is saved: same entry, version raised, audited with what it was before
    edit = {**spray("2026-03-02", phi="7"), "client_id": str(entry.client_id), "version": "1"}
    assert client.post(url, edit).status_code == 302
    entry.refresh_from_db()
    assert (entry.date, entry.phi_days, entry.version, ours(DiaryEntry).count()) == (dt.date(2026, 3, 2), 7, 2, 1)
    audit = AuditEntry.objects.get(model="coops.diaryentry", object_id=str(entry.pk), action="update")
    assert audit.before["phi_days"] == 14 and audit.after["phi_days"] == 7
    # then an edit made from the first version is refused, naming both versions, and changes nothing
    stale = client.post(url, {**edit, "phi_days": "3"})
    assert stale.status_code == 400
    assert "phiên bản 2, bạn sửa từ phiên bản 1" in stale.content.decode()
    entry.refresh_from_db()
    assert (entry.phi_days, entry.version) == (7, 2)
    # and an entry of another cycle, or no entry, cannot be opened for editing
    assert client.get(url, {"sua": str(uuid.uuid4())}).status_code == 404
    assert client.get(url, {"sua": "khong-phai-ma"}).status_code == 404


def test_pages_are_out_of_scope_for_others(client, diary_world):
    w = diary_world
    client.force_login(w.stranger)
    assert client.get(reverse("coops_diary", args=[w.coop.pk])).status_code == 404
    assert client.get(reverse("coops_diary_cycle", args=[w.cycle.pk])).status_code == 404
    assert client.post(reverse("coops_diary_cycle", args=[w.cycle.pk]), spray()).status_code == 404
    assert not ours(DiaryEntry).exists()


def test_a_cycle_needs_a_name_and_a_start(client, diary_world):
    client.force_login(diary_world.manager)
    page = client.post(reverse("coops_diary", args=[diary_world.coop.pk]), {"plot": diary_world.plot.pk})
    assert page.status_code == 400
    assert "Ghi tên vụ" in page.content.decode() and "ngày bắt đầu vụ" in page.content.decode()


def test_photos_are_checked_by_content_and_served_in_scope(client, diary_world):
    w = diary_world
    entry = diary.write(w.manager, w.cycle, spray()).entry
    client.force_login(w.manager)
    url = reverse("coops_diary_photo_upload", args=[entry.client_id])
    fake = client.post(url, {"file": SimpleUploadedFile("anh.jpg", b"<html>not a photo</html>", "image/jpeg")})
    assert fake.status_code == 400 and "JPEG" in fake.json()["detail"]
    ok = client.post(url, {"file": SimpleUploadedFile("anh.jpg", png_bytes(), "image/jpeg")})
    assert ok.status_code == 201
    photo = ours(DiaryPhoto).get(pk=ok.json()["id"])
    assert photo.content_type == "image/png" and photo.file.name.endswith(".png")
    served = client.get(reverse("coops_diary_photo", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    client.force_login(w.stranger)
    assert client.get(reverse("coops_diary_photo", args=[photo.pk])).status_code == 404
    assert client.post(url, {"file": SimpleUploadedFile("a.png", png_bytes())}).status_code == 404


def test_a_photo_over_the_bound_is_refused_before_reading(client, diary_world, settings):
    settings.COOPS_DIARY_PHOTO_MAX_BYTES = 10
    entry = diary.write(diary_world.manager, diary_world.cycle, spray()).entry
    client.force_login(diary_world.manager)
    answer = client.post(reverse("coops_diary_photo_upload", args=[entry.client_id]),
                         {"file": SimpleUploadedFile("a.png", png_bytes())})
    assert answer.status_code == 400 and not ours(DiaryPhoto).exists()


def test_the_service_worker_is_served_at_the_diary_scope(client):
    answer = client.get(reverse("coops_diary_sw"))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert reverse("coops_diary_sw").rsplit("/", 1)[0] + "/" == reverse("coops_diary_home")
    assert b"caches.open" in answer.content
