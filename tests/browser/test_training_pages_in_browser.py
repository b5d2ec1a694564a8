"""In headless Chromium, against the app served as ``make run`` does: the province office (organiser) creates a
training course with a session and two bridge points — the main one at the province, a sub-point at Xã Vạn Phú
hosted by its commune officer — and registers two people there; the host then calls the roll at their point on a
390 px phone; the demo's course, with its 50-odd bridge points, fits a phone too. Pages fit the screen and break no
Content-Security-Policy rule. Screenshots:
artifacts/screenshots/training-*.png."""

import os
import subprocess
import sys
from pathlib import Path

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
VAN_PHU = "05845"  # Xã Vạn Phú (2026), the demo's walk-through commune; canbo.vanphu is its officer
CODE = "cds-van-phu-2026"
DEMO_COURSE = "cds-ntm-thai-nguyen-2023"  # the demo's October 2023 course (nongthonso.demo.training_2023)


def _target_groups(browser_data: Path) -> None:
    """The registration form needs target groups: one, if the demo's catalogue holds none."""
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data), "DJANGO_DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}"}
    code = ("from nongthonso.training.models import TargetGroup\n"
            "TargetGroup.objects.exists() or TargetGroup.objects.create(code='truong-xom', label='Trưởng xóm', "
            "level='xom', grassroots=True)")
    script = str(Path(sys.executable).with_name("nongthonso"))
    subprocess.run([script, "shell", "-c", code], env=env, check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parents[2])


def _register(page, name: str, position: str) -> None:
    page.fill("#dang-ky input[name=full_name]", name)
    page.fill("#dang-ky input[name=position]", position)
    page.fill("#dang-ky input[name=unit]", VAN_PHU)
    page.select_option("#dang-ky select[name=target_group]", index=1)
    page.select_option("#dang-ky select[name=bridge_point]", label="Điểm cầu Xã Vạn Phú")
    page.click("#dang-ky button[type=submit]")
    page.wait_for_selector(f".messages >> text=Đã đăng ký {name}.")


def test_the_organiser_sets_up_a_course_and_the_host_calls_the_roll_on_a_phone(watched, fits, app_server, login,
                                                                              screenshot, browser_data):
    _target_groups(browser_data)
    page, problems = watched(DESKTOP)
    login(page, app_server, "vpdp.tinh")
    page.click("header nav >> text=Tập huấn")
    page.click("a.button:has-text('Tạo khoá')")
    assert page.input_value("input[name=organiser]") == "19"  # the office's province, filled in
    page.fill("input[name=code]", CODE)
    page.fill("input[name=title]", "Tập huấn chuyển đổi số cho xã Vạn Phú")
    page.fill("input[name=plan]", "Kế hoạch 154/KH-UBND ngày 15/10/2022")
    page.fill("input[name=organiser_name]", "Văn phòng Điều phối NTM tỉnh")
    page.fill("input[name=starts_on]", "2026-03-10")
    page.fill("input[name=ends_on]", "2026-03-12")
    page.select_option("select[name=mode]", "hybrid")
    screenshot(page, "training-course-new-desktop")
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:has-text('Tập huấn chuyển đổi số cho xã Vạn Phú')")

    # a theory session
    page.click("a.button:has-text('Thêm buổi')")
    page.select_option("select[name=kind]", "theory")
    page.fill("input[name=title]", "Chuyển đổi số trong xây dựng NTM")
    page.fill("input[name=starts_at]", "2026-03-10T08:00")
    page.fill("input[name=ends_at]", "2026-03-10T11:30")
    page.fill("input[name=venue]", "Hội trường UBND tỉnh")
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:has-text('Chuyển đổi số trong xây dựng NTM')")
    page.click(f"nav.crumbs a[href='/tap-huan/{CODE}/']")

    # two bridge points: the main one at the province, a sub-point at Vạn Phú hosted by its commune officer
    for name, unit, main, host in (("Điểm cầu chính — UBND tỉnh", "19", True, ""),
                                   ("Điểm cầu Xã Vạn Phú", VAN_PHU, False, "canbo.vanphu")):
        page.click("a.button:has-text('Thêm điểm cầu')")
        page.fill("input[name=name]", name)
        if main:
            page.check("input[name=is_main]")
        page.fill("input[name=host_unit]", unit)
        page.keyboard.press("Escape")  # close the unit picker's list
        page.fill("input[name=capacity]", "120" if main else "40")
        page.fill("input[name=host_user]", host)
        page.click("main form button[type=submit]:has-text('Lưu điểm cầu')")
        page.wait_for_selector(f"table.points >> text={name}")
    assert page.locator("table.points tbody tr").count() == 2
    assert fits(page)
    screenshot(page, "training-course-desktop")

    # the organiser registers two people at the sub-point
    page.click("a.button:has-text('Học viên')")
    _register(page, "Nguyễn Thị Hoa", "Phó Chủ tịch UBND xã")
    _register(page, "Lò Văn Minh", "Trưởng xóm")
    assert page.locator("table.people tbody tr").count() == 2
    assert "Nghị định 13/2023/NĐ-CP" in page.inner_text("#du-lieu-ca-nhan")
    screenshot(page, "training-participants-desktop")
    assert problems == []

    # the host, on a phone, opens the session and calls the roll at their point
    phone, phone_problems = watched(PHONE)
    login(phone, app_server, "canbo.vanphu")
    phone.goto(f"{app_server}/tap-huan/{CODE}/")
    phone.click("table.sessions a")
    phone.wait_for_selector("#diem-cau")
    assert phone.locator("form.connection-form").count() == 1  # only their point's connection form
    phone.select_option("form.connection-form select", "connected")
    phone.click("form.connection-form button[type=submit]")
    phone.wait_for_selector(".messages >> text=Đã ghi tình trạng kết nối")
    assert fits(phone)
    screenshot(phone, "training-session-phone")
    phone.click("a.button:has-text('Điểm danh tại điểm cầu')")
    phone.wait_for_selector("ul.roll")
    assert phone.locator("ul.roll li").count() == 2
    phone.check("ul.roll li:has-text('Nguyễn Thị Hoa') input[type=checkbox]")
    assert phone.inner_text("[data-present-count]") == "1"  # counted as ticked (roll_call.js)
    assert fits(phone)
    screenshot(phone, "training-roll-call-phone")
    phone.click("button.save-roll")
    phone.wait_for_selector(".messages >> text=Đã lưu điểm danh: 1 người có mặt tại điểm cầu (thêm 1, bỏ 0).")
    assert phone.locator("ul.roll li[data-present]").count() == 1
    screenshot(phone, "training-roll-call-saved-phone")
    assert phone_problems == []

    # the course page counts the host's roll call: one person online at one sub-point
    page.goto(f"{app_server}/tap-huan/{CODE}/")
    assert page.inner_text('[data-figure="online"]') == "1"
    assert page.inner_text('[data-figure="points"]') == "1"
    assert page.locator("table.points .badge.connection-connected").count() == 1


def test_the_demo_course_with_its_fifty_bridge_points_fits_a_phone(watched, fits, app_server, login, screenshot):
    phone, problems = watched(PHONE)
    login(phone, app_server, "taphuan.tinh")  # the demo's training organiser
    phone.goto(f"{app_server}/tap-huan/{DEMO_COURSE}/")
    assert phone.locator("table.points tbody tr").count() > 50
    assert int(phone.inner_text('[data-figure="in_person"]')) > 0
    assert fits(phone)  # the wide tables scroll inside their box
    screenshot(phone, "training-demo-course-phone")
    assert problems == []
