"""In headless Chromium, at 1366 px and on a 390 px phone, against the app served as ``make run`` does (DEBUG off):
the province office creates an account, which sets its password from the mailed link and signs in; a role is
granted; the pages fit the screen; and no page breaks the Content-Security-Policy. Screenshots:
artifacts/screenshots/accounts-*.png."""

import re

from nongthonso.demo.management.commands import demo_users

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "Dong-lua-chin-2026"


def test_the_office_creates_an_account_that_sets_its_password_and_signs_in(watched, fits, app_server, server_log,
                                                                           login, screenshot):
    page, problems = watched(DESKTOP)
    login(page, app_server, "vpdp.tinh")
    page.click("header nav >> text=Tài khoản")
    page.wait_for_selector('[data-account="canbo.vanphu"]')
    # the demo's accounts, all in the province
    assert page.locator("[data-account]").count() == len(demo_users.USERNAMES)
    screenshot(page, "accounts-list-desktop")

    # the office creates an account for a new commune officer of Lam Vỹ
    page.click("a.button:has-text('Tạo tài khoản')")
    page.fill("input[name=username]", "canbo.lamvy2")
    page.fill("input[name=full_name]", "Hoàng Thị Hoa")
    page.fill("input[name=email]", "hoa.lamvy@example.vn")
    page.select_option("select[name=role]", "commune_officer")
    page.select_option("select[name=unit]", label="Xã Lam Vỹ (05542)")
    screenshot(page, "accounts-create-desktop")
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:has-text('canbo.lamvy2')")
    messages = page.locator(".messages").inner_text()
    assert "Đã tạo tài khoản canbo.lamvy2" in messages
    assert "Đã gửi thư đặt mật khẩu tới hoa.lamvy@example.vn" in messages
    assert page.locator('[data-state="no-password"]').count() == 1

    # and grants it a second role: viewer of the province
    page.select_option("form.grant select[name=role]", "viewer")
    page.select_option("form.grant select[name=unit]", label="Tỉnh Thái Nguyên (19)")
    page.click("form.grant button[type=submit]")
    page.wait_for_selector('tr[data-role="viewer"]')
    assert page.locator("table.roles tbody tr").count() == 2
    assert fits(page)
    screenshot(page, "accounts-detail-desktop")
    account_url = page.url

    # the new officer opens the mailed link (printed by the console mail backend), sets a password, signs in
    mail = server_log.read_text()
    link = re.findall(r"http://127\.0\.0\.1:\d+/dat-mat-khau/\S+/", mail)[-1]
    officer, officer_problems = watched(PHONE)
    officer.goto(link)
    officer.wait_for_selector("text=Đặt mật khẩu mới cho tài khoản «canbo.lamvy2»")
    officer.fill("input[name=new_password1]", NEW_PASSWORD)
    officer.fill("input[name=new_password2]", NEW_PASSWORD)
    screenshot(officer, "accounts-set-password-phone")
    officer.click("main form button[type=submit]")
    officer.wait_for_selector("text=Mật khẩu mới đã được lưu")
    login(officer, app_server, "canbo.lamvy2", NEW_PASSWORD)
    assert officer.locator("header .who").inner_text() == "Hoàng Thị Hoa"

    # at 390 px the office's pages fit the screen
    phone, phone_problems = watched(PHONE)
    login(phone, app_server, "vpdp.tinh")
    for url, name in ((app_server + "/tai-khoan/", "accounts-list-phone"), (account_url, "accounts-detail-phone"),
                      (app_server + "/tai-khoan/them/", "accounts-create-phone")):
        phone.goto(url)
        assert fits(phone), name
        screenshot(phone, name)
    assert problems == officer_problems == phone_problems == []


def test_no_page_breaks_the_content_security_policy(watched, app_server, login):
    page, problems = watched(DESKTOP)
    login(page, app_server, "vpdp.tinh")
    page.goto(app_server + "/bang-dieu-khien/")
    page.wait_for_function("() => document.querySelectorAll('canvas').length > 0")  # Chart.js drew
    for path in ("/", "/xa/", "/ho-so/", "/xuat-du-lieu/", "/cong-khai/xa-dat-chuan/", "/du-lieu-mo/",
                 "/tieu-chi/doi-chieu-nguong/", "/khong-co-trang-nay/"):
        page.goto(app_server + path)
        page.wait_for_load_state("networkidle")
    page.goto(app_server + "/api/docs")
    page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI rendered the operations
    # the import page's progress: submitting a form starts polling (no inline handler, no htmx filter)
    page.goto(app_server + "/nhap-du-lieu/")
    with page.expect_request(re.compile(r"/nhap-du-lieu/tien-do/")):
        page.evaluate("document.querySelector('form[data-import-progress]')"
                      ".dispatchEvent(new Event('submit', {bubbles: true, cancelable: true}))")
    assert problems == []


def test_a_missing_page_is_the_vietnamese_404(page, app_server, login, screenshot):
    login(page, app_server, "canbo.vanphu")
    response = page.goto(app_server + "/ho-so/999999/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy trang"
    assert "urlpatterns" not in page.content()
    screenshot(page, "error-404")
