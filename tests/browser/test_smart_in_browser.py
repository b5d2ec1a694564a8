"""In headless Chromium, at 1366 px and on a 390 px phone, against the app served as ``make run`` does: the province
office opens the smart-NTM progress of 2023 from the menu, follows a target to its communes, and designates a pilot
smart commune (a wrong date refused, naming the field); the pages fit a phone. Screenshots:
artifacts/screenshots/smart-*.png."""

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _progress_2023(page, base):
    page.goto(base + "/nong-thon-thong-minh/?nam=2023")
    page.wait_for_selector("tr[data-target='qd924-ho-so-xa']")


def test_the_province_office_reads_the_progress_and_designates_a_pilot(watched, fits, app_server, login, screenshot):
    page, problems = watched(DESKTOP)
    login(page, app_server, "vpdp.tinh")
    page.click("header nav >> text=NTM thông minh")
    page.wait_for_selector("h1:has-text('Nông thôn mới thông minh')")
    page.select_option("form[data-smart-filters] select[name=nam]", "2023")
    page.click("form[data-smart-filters] button[type=submit]")
    page.wait_for_selector("tr[data-target='qd924-ho-so-xa']")
    row = page.locator("tr[data-target='qd924-xa-8-4']")
    assert row.get_attribute("data-status") == "met"
    assert "≥ 97,0%" in row.locator("td[data-col=goal]").inner_text()
    assert page.locator("tr[data-target='qd924-huyen-nc-6-5']").get_attribute("data-status") == "not_computable"
    assert fits(page)
    screenshot(page, "smart-progress-desktop", full_page=False)

    # a target, commune by commune
    page.click("tr[data-target='qd924-ho-so-xa'] td[data-col=label] a")
    page.wait_for_selector("table.smart-units tr[data-unit]")
    assert page.locator("table.smart-units tr[data-unit]").count() == 126
    assert "122/126" in page.locator("[data-note]").inner_text()
    screenshot(page, "smart-target-desktop", full_page=False)

    # the pilots; a designation with a date to come is refused, naming the field, then recorded
    page.goto(app_server + "/nong-thon-thong-minh/thi-diem/?nam=2023")
    page.wait_for_selector("form[data-designate-form]")
    assert page.locator("tr[data-commune='05641']").get_attribute("data-rule") == "met"
    form = page.locator("form[data-designate-form]")
    form.locator("select[name=kind]").select_option("commune")
    form.locator("input[name=commune]").fill("05635")
    form.locator("input[name=decision_number]").fill("2345/QĐ-UBND")
    form.locator("input[name=decision_date]").fill("12/9/2099")
    form.locator("input[name=authority]").fill("UBND tỉnh Thái Nguyên")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-error=decision_date]")
    assert "ở tương lai" in page.locator("[data-error=decision_date]").inner_text()
    screenshot(page, "smart-designate-error-desktop", full_page=False)
    form = page.locator("form[data-designate-form]")
    form.locator("input[name=decision_date]").fill("12/9/2023")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages >> text=Xã Phú Đô")
    pilot = page.locator("section[data-section=communes] tr[data-pilot]", has_text="Xã Phú Đô")
    assert pilot.count() == 1 and "2345/QĐ-UBND" in pilot.inner_text()
    screenshot(page, "smart-pilots-desktop", full_page=False)
    assert problems == []


def test_the_smart_pages_fit_a_phone(watched, fits, app_server, login, screenshot):
    page, problems = watched(PHONE)
    login(page, app_server, "vpdp.tinh")
    _progress_2023(page, app_server)
    assert fits(page)
    box = page.locator("tr[data-target='qd924-ho-so-xa']").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # one card per target, on screen
    screenshot(page, "smart-progress-phone", full_page=False)
    page.locator("tr[data-target='qd924-ho-so-xa']").scroll_into_view_if_needed()
    screenshot(page, "smart-progress-rows-phone", full_page=False)
    page.goto(app_server + "/nong-thon-thong-minh/thi-diem/?nam=2023")
    page.wait_for_selector("section[data-section=register] tr[data-commune]")
    assert fits(page)
    for selector in ("form[data-designate-form] input[name=decision_number]", "form[data-designate-form] select"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
    screenshot(page, "smart-pilots-phone", full_page=False)
    page.locator("form[data-designate-form]").scroll_into_view_if_needed()
    screenshot(page, "smart-designate-phone", full_page=False)
    assert problems == []
