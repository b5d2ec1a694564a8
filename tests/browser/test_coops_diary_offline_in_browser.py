"""In headless Chromium at 390 px, against the app served as ``make run`` does: a co-operative's manager opens a crop
cycle's diary online (the service worker installs and keeps the diary shell), goes offline, records three entries,
one with a photo (queued in IndexedDB), reloads the page offline (the service worker answers from its cache, the queue
still there), comes back online and sees them synced (the server's rows exist), edits one from its row; a harvest
inside the interval of a spray is refused with the first day it is allowed. Screenshots:
artifacts/screenshots/coops-diary-*.png.

Offline is made real for every request: ``set_offline`` alone is not enough. In the page reloaded offline,
``navigator.onLine`` may still read true (seen with the renderer slowed down: the emulation reaches the new document
late), so the diary rightly tries to sync on load; and the service worker's fetches get the emulation through a
session of their own, attached only once the worker (re)starts. While offline, a route therefore aborts every request
to the app, from the page or from the worker, as a lost network does."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]
MANAGER, PASSWORD = "htx.nhatky.thu", "Nhat-ky-ngoai-tuyen-2026"
SETUP = """
import datetime as dt
from django.contrib.auth import get_user_model
from nongthonso.coops.models import Cooperative, CropCycle, DiaryEntry, Plot
from nongthonso.units.models import Unit

province = Unit.objects.filter(code="19", unit_type__level__code="tinh").order_by("-valid_from").first()
commune = Unit.objects.filter(unit_type__level__code="xa", path__startswith=province.path).first()
coop = Cooperative.objects.create(name="HTX chè thử nhật ký (minh họa)", registration_code="BROWSER-DIARY",
                                  unit=commune, sector="trong_trot", synthetic=True)
coop.managers.add(get_user_model().objects.create_user("{user}", password="{password}"))
plot = Plot.objects.create(cooperative=coop, code="B01", name="Đồi chè số 1", unit=commune, area_m2=900, crop="Chè",
                           synthetic=True)
cycle = CropCycle.objects.create(plot=plot, name="Vụ thử", crop="Chè",
                                 started_on=dt.date.today() - dt.timedelta(days=60), synthetic=True)
DiaryEntry.objects.create(cycle=cycle, kind="spraying", date=dt.date.today() - dt.timedelta(days=3),
                          input_name="Thuốc thử ABC", phi_days=14, synthetic=True)
print(cycle.pk)
"""
COUNT = """
from nongthonso.coops.models import DiaryEntry, DiaryPhoto
print(DiaryEntry.objects.filter(cycle_id={cycle}).count(), DiaryPhoto.objects.filter(entry__cycle_id={cycle}).count())
"""


def _shell(browser_data, code: str) -> str:
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data),
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}", "DJANGO_DEBUG": "1"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    done = subprocess.run([script, "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True,
                          text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def diary_cycle(app_server, browser_data) -> int:
    return int(_shell(browser_data, SETUP.format(user=MANAGER, password=PASSWORD)))


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 120, 60)).save(out, "PNG")
    return out.getvalue()


def _go_offline(tab, base: str):
    """Cut the network for the page and its service worker; return what undoes it."""

    def lost(route):
        route.abort("internetdisconnected")

    pattern = f"{base}/**"
    tab.context.route(pattern, lost)
    tab.context.set_offline(True)
    tab.wait_for_function("() => navigator.onLine === false")

    def back_online() -> None:
        tab.context.unroute(pattern, lost)
        tab.context.set_offline(False)

    return back_online


QUEUED = """() => idbKeyval.values(idbKeyval.createStore("nongthonso-diary", "queue"))
  .then((all) => all.map((r) => [r.cycle, r.kind, r.state, !!r.photo]).sort())"""


def _record(tab, kind: str, day: dt.date, **fields) -> None:
    tab.select_option("#entry-kind", kind)
    tab.fill("#entry-date", day.isoformat())
    for name, value in fields.items():
        tab.fill(f"#entry-{name}", value)


def test_entries_written_offline_are_kept_and_synced(diary_cycle, app_server, browser_data, watched, login, fits,
                                                     screenshot):
    tab, problems = watched(PHONE)
    login(tab, app_server, MANAGER, PASSWORD)
    tab.goto(f"{app_server}/nhat-ky-san-xuat/vu/{diary_cycle}/")
    tab.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    tab.wait_for_function("() => caches.open('nongthonso-diary-v1').then((c) => c.keys())"
                          ".then((k) => k.some((r) => r.url.includes('/static/coops/diary.js'))"
                          " && k.some((r) => r.url.includes('/nhat-ky-san-xuat/vu/')))")
    today = dt.date.today()

    back_online = _go_offline(tab, app_server)
    _record(tab, "planting", today, input="Giống chè LDP1")
    tab.click("#diary-form button[type=submit]")
    _record(tab, "fertilising", today, input="NPK 16-16-8", dose="2", **{"dose-unit": "kg"})
    tab.set_input_files("#entry-photo", files=[{"name": "bon-phan.png", "mimeType": "image/png", "buffer": _png()}])
    tab.click("#diary-form button[type=submit]")
    _record(tab, "irrigation", today, note="Tưới đẫm buổi sáng")
    tab.click("#diary-form button[type=submit]")
    tab.wait_for_function("() => document.querySelectorAll('#diary-queue-list li').length === 3")
    assert "Không có mạng" in tab.inner_text("#diary-status")

    reloaded = tab.reload()  # offline: the service worker answers with the diary shell from its cache
    assert reloaded is not None and reloaded.from_service_worker
    tab.wait_for_function("() => document.querySelectorAll('#diary-queue-list li').length === 3")
    assert "(có ảnh)" in tab.inner_text("#diary-queue-list")
    # The queue itself, in IndexedDB: the three entries still waiting (a sync tried on load, if any, kept them).
    assert tab.evaluate(QUEUED) == [[diary_cycle, "fertilising", "pending", True],
                                    [diary_cycle, "irrigation", "pending", False],
                                    [diary_cycle, "planting", "pending", False]]
    assert fits(tab)
    screenshot(tab, "coops-diary-offline-queue")
    assert _shell(browser_data, COUNT.format(cycle=diary_cycle)) == "1 0"

    back_online()
    tab.evaluate("() => window.dispatchEvent(new Event('online'))")
    tab.wait_for_function("() => document.querySelectorAll('#diary-rows tbody tr').length === 4", timeout=30_000)
    assert tab.locator("#diary-queue").is_hidden()
    assert _shell(browser_data, COUNT.format(cycle=diary_cycle)) == "4 1"
    irrigation = tab.locator("#diary-rows tbody tr", has_text="Tưới đẫm buổi sáng")
    assert irrigation.locator("td").nth(1).inner_text() == "Tưới nước"
    screenshot(tab, "coops-diary-synced")

    irrigation.locator("a.diary-edit").click()  # editing a saved entry fills the form with it
    assert tab.inner_text("#diary-form-title") == "Sửa dòng nhật ký"
    assert tab.input_value("#entry-note") == "Tưới đẫm buổi sáng" and tab.input_value("#entry-kind") == "irrigation"
    tab.fill("#entry-note", "Tưới đẫm buổi chiều")
    assert fits(tab)
    screenshot(tab, "coops-diary-edit")
    tab.click("#diary-form button[type=submit]")
    tab.wait_for_selector("#diary-rows tbody tr:has-text('Tưới đẫm buổi chiều')", timeout=30_000)
    assert tab.locator("#diary-rows tbody tr").count() == 4  # the same entry, edited
    assert tab.locator("#diary-rows tbody tr:has-text('Tưới đẫm buổi chiều')").get_attribute("data-version") == "2"

    _record(tab, "harvest", today, quantity="50", **{"quantity-unit": "kg"})
    tab.click("#diary-form button[type=submit]")
    tab.wait_for_selector("#diary-queue-list li[data-state=conflict]")
    allowed = today - dt.timedelta(days=3) + dt.timedelta(days=14)
    assert f"được thu hoạch từ ngày {allowed:%d/%m/%Y}" in tab.inner_text("#diary-queue-list")
    assert fits(tab)
    screenshot(tab, "coops-diary-harvest-refused")
    tab.click("#diary-queue-list li[data-state=conflict] button:has-text('Bỏ dòng này')")
    tab.wait_for_function("() => document.querySelectorAll('#diary-queue-list li').length === 0")
    assert _shell(browser_data, COUNT.format(cycle=diary_cycle)) == "4 1"
    assert problems == []


def test_a_sync_that_fails_while_online_is_tried_again_by_itself(diary_cycle, app_server, browser_data, watched,
                                                                 login, fits, screenshot):
    """A network without internet: the browser says online, the sync fails; no «online» event will come, so the
    diary tries again by itself (after 5 s, then longer) and the entry reaches the server with no click."""
    tab, problems = watched(PHONE)
    login(tab, app_server, MANAGER, PASSWORD)
    tab.goto(f"{app_server}/nhat-ky-san-xuat/vu/{diary_cycle}/")
    entries, photos = map(int, _shell(browser_data, COUNT.format(cycle=diary_cycle)).split())
    sync = f"{app_server}/nhat-ky-san-xuat/dong-bo/**"

    def unreachable(route):
        route.abort("connectionrefused")

    tab.context.route(sync, unreachable)
    _record(tab, "irrigation", dt.date.today(), note="Tưới khi mạng chập chờn")
    tab.click("#diary-form button[type=submit]")
    tab.wait_for_function("() => document.getElementById('diary-status').textContent.includes('Chưa gửi được')")
    assert tab.evaluate("() => navigator.onLine") is True
    assert tab.locator("#diary-queue-list li").count() == 1
    assert fits(tab)
    screenshot(tab, "coops-diary-retry-waiting")

    tab.context.unroute(sync, unreachable)  # the server is reachable again; nothing else happens on the page
    tab.wait_for_selector("#diary-rows tbody tr:has-text('Tưới khi mạng chập chờn')", timeout=30_000)
    assert _shell(browser_data, COUNT.format(cycle=diary_cycle)) == f"{entries + 1} {photos}"
    assert problems == []
