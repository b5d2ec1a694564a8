"""In headless Chromium, against the app served as ``make run`` does: a course's organiser uploads a Zoom participants
report on the session's page «Nhập điểm danh», sees the preview with one person of the file matched with no
participant (a commune's shared computer), picks the participant it was from the course's list, confirms, and the
attendance is there — at 1280 px, and on a 390 px phone. Screenshots: artifacts/screenshots/attendance-import-*.png.

The course, its bridge points, participants and the organiser's account are written into the served database first
(``nongthonso shell``, the same database the server reads), under codes of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DEMO_PASSWORD, DESKTOP, ROOT

PHONE = {"width": 390, "height": 844}
ORGANISER = "bt.diemdanh"

SETUP = """
import datetime as dt, json
from zoneinfo import ZoneInfo
from django.contrib.auth import get_user_model
from django.utils import timezone
from nongthonso.accounts.services import grant
from nongthonso.training.models import BridgePoint, Course, Participant, Session
from nongthonso.units.models import Unit

code = {code!r}
today = timezone.localdate()
province = Unit.objects.valid_on(today).get(code="19", unit_type__level__code="tinh")
commune = Unit.objects.valid_on(today).filter(parent=province, unit_type__level__code="xa").order_by("code").first()
user, made = get_user_model().objects.get_or_create(username={organiser!r})
if made:
    user.set_password({password!r})
    user.save()
    grant(user, "training_organiser", province)
course, _ = Course.objects.get_or_create(code=code, defaults=dict(
    title="Tập huấn chuyển đổi số NTM (thử trên trình duyệt)", organiser=province, starts_on=dt.date(2023, 10, 11),
    ends_on=dt.date(2023, 10, 15), mode="hybrid", synthetic=True))
main, _ = BridgePoint.objects.get_or_create(course=course, name="Điểm cầu chính", is_main=True, host_unit=province)
sub, _ = BridgePoint.objects.get_or_create(course=course, name="Điểm cầu " + commune.name, host_unit=commune)
hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
session, _ = Session.objects.get_or_create(course=course, title="Chuyển đổi số trong NTM", kind="theory", defaults=dict(
    starts_at=dt.datetime(2023, 10, 11, 8, tzinfo=hanoi), ends_at=dt.datetime(2023, 10, 11, 11, 30, tzinfo=hanoi)))
for name, email in (("Nguyễn Văn An", "an.nguyen@thainguyen.gov.vn"), ("Trần Thị Bình", "binh.tran@thainguyen.gov.vn"),
                    ("Lê Văn Cường", "cuong.le@thainguyen.gov.vn")):
    Participant.objects.get_or_create(course=course, email=email, defaults=dict(
        full_name=name, bridge_point=sub, registered_via="organiser", synthetic=True))
print(json.dumps({{"session": session.pk, "sub": sub.name}}))
"""

COUNT = """
from nongthonso.training.models import Attendance
print(sorted((a.participant.full_name, a.method, a.minutes) for a in Attendance.objects.filter(session_id={session})))
"""

ZOOM = """\
Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,In Waiting Room
Nguyễn Văn An,an.nguyen@thainguyen.gov.vn,10/11/2023 07:58:40 AM,10/11/2023 11:30:55 AM,212,No,Y,No
Máy tính UBND xã (Zoom),,10/11/2023 08:00:05 AM,10/11/2023 11:10:31 AM,190,Yes,,No
Lê Văn Cường,cuong.le@thainguyen.gov.vn,10/11/2023 08:05:00 AM,10/11/2023 09:05:00 AM,60,No,Y,No
Lê Văn Cường,cuong.le@thainguyen.gov.vn,10/11/2023 09:20:00 AM,10/11/2023 11:20:00 AM,120,No,Y,No
"""


def _manage(browser_data: Path, code: str) -> str:
    """Run ``code`` with ``nongthonso shell`` on the served database; its output."""
    script = str(Path(sys.executable).with_name("nongthonso"))
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data),
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}", "DJANGO_DEBUG": "1"}
    done = subprocess.run([script, "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def course_session(app_server, browser_data):
    """The session to import into, in the served database (written once, found again by later tests)."""
    return json.loads(_manage(browser_data, SETUP.format(code="bt-diem-danh", organiser=ORGANISER,
                                                         password=DEMO_PASSWORD)))


def _import(page, base: str, session: int, zoom: Path, screenshot, name: str) -> None:
    page.goto(f"{base}/tap-huan/bt-diem-danh/buoi/{session}/nhap-diem-danh/")
    page.set_input_files("input[type=file][name=file]", str(zoom))
    page.click("form.import-form button[type=submit]")
    page.wait_for_selector("[data-result=preview]")
    assert page.locator("[data-count=unmatched]").inner_text() == "1"
    assert page.locator("fieldset.unmatched legend").inner_text().startswith("Dòng 3: «Máy tính UBND xã (Zoom)»")
    screenshot(page, f"attendance-import-preview-{name}")
    # confirming without a choice asks again, naming the person
    page.click("form.resolve-form button[type=submit]")
    page.wait_for_selector("fieldset.unmatched.missing")
    assert "Còn 1 người chưa chọn cách xử lý" in page.locator("p.card.error").inner_text()
    # the organiser knows that computer was Trần Thị Bình's: picked from the course's list
    option = page.locator("#course-participants option[value^='Trần Thị Bình']").get_attribute("value")
    page.fill("fieldset.unmatched input.resolve-search", option)
    assert page.locator("fieldset.unmatched select.resolve-choice").input_value() == "other"  # the script keeps step
    screenshot(page, f"attendance-import-resolved-{name}")
    page.click("form.resolve-form button[type=submit]")
    page.wait_for_selector("[data-result=done]")


def test_the_organiser_imports_a_zoom_report_and_resolves_the_unmatched_row_by_hand(
        watched, fits, app_server, browser_data, login, screenshot, course_session, tmp_path):
    zoom = tmp_path / "zoom-participants.csv"
    zoom.write_text(ZOOM, encoding="utf-8")
    page, problems = watched(DESKTOP)
    login(page, app_server, ORGANISER)
    _import(page, app_server, course_session["session"], zoom, screenshot, "desktop")
    rows = {row.locator("td").nth(2).inner_text(): row.locator("td").nth(3).inner_text()
            for row in page.locator("table.import-matched tbody tr").all()}
    assert rows == {"Nguyễn Văn An": "thư điện tử", "Lê Văn Cường": "thư điện tử", "Trần Thị Bình": "ban tổ chức chọn"}
    assert page.locator("[data-count=created]").inner_text() == "3"
    assert fits(page)
    screenshot(page, "attendance-import-done-desktop")
    stored = _manage(browser_data, COUNT.format(session=course_session["session"]))
    assert stored == ("[('Lê Văn Cường', 'zoom', 180), ('Nguyễn Văn An', 'zoom', 212), "
                      "('Trần Thị Bình', 'zoom', 190)]")  # Cường's two joins summed
    assert problems == []


def test_the_import_works_on_a_phone(watched, fits, app_server, browser_data, login, screenshot, course_session,
                                     tmp_path):
    zoom = tmp_path / "zoom-participants.csv"
    zoom.write_text(ZOOM.replace(",212,", ",200,"), encoding="utf-8")
    page, problems = watched(PHONE)
    login(page, app_server, ORGANISER)
    _import(page, app_server, course_session["session"], zoom, screenshot, "phone")
    assert fits(page)
    screenshot(page, "attendance-import-done-phone")
    # after the desktop's import too: one row each, An's minutes those of the last file
    stored = _manage(browser_data, COUNT.format(session=course_session["session"]))
    assert stored == ("[('Lê Văn Cường', 'zoom', 180), ('Nguyễn Văn An', 'zoom', 200), "
                      "('Trần Thị Bình', 'zoom', 190)]")
    assert problems == []
