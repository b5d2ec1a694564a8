"""In headless Chromium, against the app served as ``make run`` does: the organiser opens a session's QR poster and
opens check-in; the QR code on the poster encodes the address printed under it; a participant opens that address on
a 390 px phone, types their phone number and taps «Điểm danh»; a second tap says they are already checked in. The
pages fit the screen and break no Content-Security-Policy. Screenshots: artifacts/screenshots/checkin-*.png."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import segno

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]
ORGANISER, PASSWORD = "tochuc.taphuan.qr", "Diem-danh-QR-2023"
# a course of the served demo's province, made with the app's models (the demo may hold courses of its own)
SETUP = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from nongthonso.accounts.services import grant
from nongthonso.training.models import BridgePoint, Course, Participant, Session, TargetGroup
from nongthonso.units.models import Unit

day = dt.date(2023, 10, 11)
province = Unit.objects.valid_on(day).get(code="19", unit_type__level__code="tinh")
commune = Unit.objects.valid_on(day).filter(unit_type__level__code="xa", path__startswith=province.path).first()
course = Course.objects.create(code="qr-trinh-duyet", title="Tập huấn điểm danh bằng mã QR", organiser=province,
                               organiser_name="Văn phòng Điều phối NTM tỉnh", starts_on=day, ends_on=day,
                               mode="in_person")
start = timezone.make_aware(dt.datetime(2023, 10, 11, 8))
session = Session.objects.create(course=course, kind="theory", title="Khai mạc và chuyên đề 1", starts_at=start,
                                 ends_at=start + dt.timedelta(hours=3), venue="Hội trường A")
BridgePoint.objects.create(course=course, name="Hội trường tỉnh", is_main=True, host_unit=province)
group, _ = TargetGroup.objects.get_or_create(code="truong-xom", defaults={{"label": "Trưởng xóm", "level": "xom"}})
course.target_groups.add(group)
Participant.objects.create(course=course, full_name="Nguyễn Thị Mai", position="Chủ tịch UBND xã", unit=commune,
                           phone="0904 111 222", registered_via="organiser")
user = get_user_model().objects.create_user("{user}", password="{password}")
grant(user, "training_organiser", province)
print(session.pk)
"""


@pytest.fixture(scope="module")
def course_session(app_server, browser_data) -> int:
    """The id of the session of a course made in the served database, and its organiser's account."""
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data),
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}", "DJANGO_DEBUG": "1"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    done = subprocess.run([script, "shell", "-c", SETUP.format(user=ORGANISER, password=PASSWORD)], env=env,
                          cwd=ROOT, check=True, capture_output=True, text=True, timeout=120)
    return int(done.stdout.strip().splitlines()[-1])


def test_a_participant_checks_in_by_the_poster_s_qr_code_on_a_phone(course_session, app_server, watched, login,
                                                                     fits, screenshot):
    poster_url = f"{app_server}/tap-huan/qr-trinh-duyet/buoi/{course_session}/ma-qr/"
    organiser, organiser_problems = watched(DESKTOP)
    login(organiser, app_server, ORGANISER, PASSWORD)
    organiser.goto(poster_url)
    organiser.wait_for_selector("[data-poster]")
    assert organiser.locator('[data-open="0"]').count() == 1
    organiser.click("button[value=open]")
    organiser.wait_for_selector('[data-open="1"]')
    assert "Đã mở điểm danh QR" in organiser.locator(".messages").inner_text()
    assert organiser.locator("button[data-print]").is_visible()  # the script shows the print button
    screenshot(organiser, "checkin-poster-desktop")

    # the QR code is the address printed under it
    address = organiser.locator("[data-qr-link]").inner_text().strip()
    assert re.fullmatch(re.escape(app_server) + r"/diem-danh/[\w-]+/", address), address
    drawn = organiser.locator("figure.qr-poster svg path").get_attribute("d")
    expected = segno.make(address, error="m", micro=False).svg_inline(scale=4, omitsize=True)
    assert drawn == re.search(r' d="([^"]+)"', expected).group(1)
    assert organiser_problems == []

    # a participant's phone opens it
    phone, problems = watched(PHONE)
    phone.goto(address)
    phone.wait_for_selector("[data-checkin-form]")
    assert "Tập huấn điểm danh bằng mã QR" in phone.locator("main").inner_text()
    assert "Nguyễn Thị Mai" not in phone.content()
    assert fits(phone)
    screenshot(phone, "checkin-form-phone")
    phone.fill("#contact", "0904111222")
    phone.click("button:has-text('Điểm danh')")
    phone.wait_for_selector('[data-checked-in="new"]')
    assert "N. T. Mai" in phone.locator("[data-checked-in]").inner_text()
    assert fits(phone)
    screenshot(phone, "checkin-done-phone")

    # a second tap, from another phone with the number written otherwise, finds the row already there
    again, again_problems = watched(PHONE)
    again.goto(address)
    again.fill("#contact", "+84 904 111 222")
    again.click("button:has-text('Điểm danh')")
    again.wait_for_selector('[data-checked-in="already"]')
    assert "Bạn đã điểm danh rồi" in again.locator("main").inner_text()
    screenshot(again, "checkin-already-phone")
    assert problems == [] and again_problems == []

    # the poster counts the check-in; at 390 px it fits too
    organiser.reload()
    assert organiser.locator('[data-checked-in-count="1"]').count() == 1
    organiser.set_viewport_size(PHONE)
    assert fits(organiser)
    screenshot(organiser, "checkin-poster-phone")


def test_the_other_public_pages_work_on_a_phone(course_session, app_server, watched, login, fits, screenshot):
    """Self-registration (with the Decree 13/2023 notice), the evaluation form and the certificate check, at 390 px."""
    organiser, organiser_problems = watched(DESKTOP)
    login(organiser, app_server, ORGANISER, PASSWORD)
    organiser.goto(f"{app_server}/tap-huan/qr-trinh-duyet/dang-ky/")
    organiser.click("button[value=open]")
    organiser.wait_for_selector('[data-open="1"]')
    register_url = organiser.locator("[data-qr-link]").inner_text().strip()
    organiser.goto(f"{app_server}/tap-huan/qr-trinh-duyet/danh-gia/")
    organiser.click("button[value=defaults]")
    organiser.wait_for_selector("[data-object=programme] form.question-edit")
    organiser.click("button[value=open]")
    organiser.wait_for_selector('[data-open="1"]')
    evaluation_url = organiser.locator("[data-qr-link]").inner_text().strip()
    assert fits(organiser)
    screenshot(organiser, "evaluation-questions-desktop")

    phone, problems = watched(PHONE)
    phone.goto(register_url)
    phone.wait_for_selector("[data-notice]")
    assert fits(phone)
    phone.fill("#full_name", "Hoàng Văn Em")
    phone.fill("#position", "Trưởng xóm")
    phone.select_option("#unit", index=3)
    phone.select_option("#target_group", index=1)
    phone.select_option("#bridge_point", index=1)
    phone.fill("#phone", "0905 333 444")
    phone.click("button:has-text('Đăng ký')")
    phone.wait_for_selector("#err-consent")  # consent is required: the form comes back saying so
    assert phone.locator("#full_name").input_value() == "Hoàng Văn Em"
    screenshot(phone, "register-consent-phone")
    phone.check("#consent")
    phone.click("button:has-text('Đăng ký')")
    phone.wait_for_selector("[data-registered]")
    assert "H. V. Em" in phone.locator("main").inner_text()
    screenshot(phone, "register-done-phone")

    phone.goto(evaluation_url)
    phone.fill("#contact", "0905333444")
    phone.click("button:has-text('Mở phiếu đánh giá')")
    phone.wait_for_selector("[data-evaluation-form]")
    assert fits(phone)
    phone.locator(".scale label").first.click()
    screenshot(phone, "evaluation-form-phone")
    phone.click("button:has-text('Gửi phiếu')")
    phone.wait_for_selector('[data-evaluation-sent="new"]')

    phone.goto(f"{app_server}/xac-minh-chung-nhan/khong-co-ma-nay/")
    phone.wait_for_selector('[data-certificate-state="unknown"]')
    assert fits(phone)
    assert problems == [] and organiser_problems == []
