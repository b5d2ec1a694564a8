"""In headless Chromium, against the app served as ``make run`` does: Vạn Phú's commune officer registers a
co-operative, grants its manager account and adds a member with a capital contribution at 1366 px; the co-operative's
page and list fit a 390 px phone. No Content-Security-Policy violation. Screenshots:
artifacts/screenshots/coops-registry-*.png."""

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
VAN_PHU = "05845"  # Xã Vạn Phú (2026); canbo.vanphu is its officer


def test_the_officer_registers_a_cooperative_and_a_member_and_the_pages_fit_a_phone(watched, fits, app_server,
                                                                                     login, screenshot):
    page, problems = watched(DESKTOP)
    login(page, app_server, "canbo.vanphu")
    page.goto(app_server + "/hop-tac-xa/")
    page.click("a.button:has-text('Đăng ký hợp tác xã')")
    page.fill("input[name=name]", "Hợp tác xã Chè sạch Vạn Phú (minh họa)")
    page.fill("input[name=registration_code]", "4607999001")
    page.fill("input[name=unit]", VAN_PHU)
    page.select_option("select[name=sector]", "trong_trot")
    screenshot(page, "coops-registry-new-desktop")
    page.click("main form.stacked button[type=submit]")
    page.wait_for_selector("h1:has-text('Hợp tác xã Chè sạch Vạn Phú')")
    assert "Đã đăng ký hợp tác xã" in page.locator(".messages").inner_text()

    page.click("a:has-text('Thêm thành viên')")
    page.fill("input[name=code]", "TV001")
    page.select_option("select[name=kind]", "ca_nhan")
    page.fill("input[name=name]", "Nguyễn Văn Minh")
    page.fill("input[name=joined_on]", "2025-03-01")
    page.click("main form.stacked button[type=submit]")
    page.wait_for_selector("tr[data-member]")
    page.click("a:has-text('góp, trả vốn')")
    page.fill("input[name=date]", "2025-03-01")
    page.fill("input[name=amount]", "25000000")
    page.click("main form.stacked button[type=submit]")
    page.wait_for_selector("dd[data-capital]")
    assert page.get_attribute("dd[data-capital]", "data-capital") == "25000000"
    assert page.get_attribute("dd[data-members]", "data-members") == "1"
    screenshot(page, "coops-registry-detail-desktop")
    url = page.url
    assert fits(page)
    assert problems == []

    phone, phone_problems = watched(PHONE)
    login(phone, app_server, "canbo.vanphu")
    phone.goto(url)
    phone.wait_for_selector("tr[data-member]")
    assert fits(phone)
    screenshot(phone, "coops-registry-detail-phone")
    phone.goto(app_server + "/hop-tac-xa/?q=che sach")
    assert phone.locator("tr[data-coop]").count() == 1
    assert fits(phone)
    screenshot(phone, "coops-registry-list-phone")
    assert phone_problems == []
