"""In headless Chromium, at 1366 px and on a 390 px phone, against the app served as ``make run`` does: the province
office confirms a threshold on the review page (/tieu-chi/doi-chieu-nguong/), an incomplete citation is refused
naming the field, and the scorecard then shows the threshold as confirmed with its citation; a commune without a level
is not shown in the colour of success. Screenshots: artifacts/screenshots/thresholds-*.png."""

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NTM_2021 = "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021-2025"
RED = "rgb(179, 38, 30)"


def _open_review(page, base):
    page.click("header nav >> text=Ngưỡng")
    page.wait_for_selector("h1:has-text('Đối chiếu ngưỡng với văn bản')")
    page.select_option("form[data-review-filters] select[name=bo]", label=f"{NTM_2021} (v2)")
    page.click("form[data-review-filters] button[type=submit]")
    page.wait_for_selector("tbody[data-indicator='2.1'] tr[data-threshold]")


def _colour(page, selector: str) -> str:
    return page.eval_on_selector(selector, "element => getComputedStyle(element).color")


def test_the_province_office_confirms_a_threshold_and_the_scorecard_shows_it(watched, fits, app_server, login,
                                                                             screenshot):
    page, problems = watched(DESKTOP)
    login(page, app_server, "vpdp.tinh")
    _open_review(page, app_server)
    assert page.locator("[data-review-count]").get_attribute("data-review-count").startswith("0/")
    roads = page.locator("tbody[data-indicator='2.1'] tr[data-threshold]").first
    assert roads.get_attribute("data-confirmed") == "0"
    screenshot(page, "thresholds-review-desktop", full_page=False)

    # a citation without a page is refused, naming the field, and the row stays ticked
    roads.locator("input[type=checkbox]").check()
    page.fill("input[name=document]", "Quyết định 318/QĐ-TTg ngày 08/3/2022")
    page.fill("input[name=appendix]", "Phụ lục I")
    page.fill("input[name=page]", "")
    page.evaluate("() => document.querySelector('input[name=page]').removeAttribute('required')")
    page.click("fieldset.citation button[type=submit]")
    page.wait_for_selector("#err-page")
    assert "Chưa ghi trang" in page.locator("#err-page").inner_text()
    assert page.locator("tbody[data-indicator='2.1'] tr[data-threshold] input[type=checkbox]").first.is_checked()
    screenshot(page, "thresholds-review-error-desktop", full_page=False)

    # with the page, the threshold is confirmed: who, when, where
    page.fill("input[name=page]", "5")
    page.click("fieldset.citation button[type=submit]")
    page.wait_for_selector(".messages >> text=Đã xác nhận 1 ngưỡng")
    roads = page.locator("tbody[data-indicator='2.1'] tr[data-threshold]").first
    assert roads.get_attribute("data-confirmed") == "1"
    status = roads.locator("td[data-col=status]").inner_text()
    assert "Phụ lục I, trang 5" in status and "Văn phòng Điều phối NTM" in status
    assert page.locator("[data-review-count]").get_attribute("data-review-count").startswith("1/")
    assert fits(page)
    screenshot(page, "thresholds-review-confirmed-desktop", full_page=False)

    # the 2023 scorecard of a commune of the province shows the threshold as confirmed, the others not
    page.goto(app_server + "/xa/?as_of=2023-06-30&q=na+mao")
    page.click("tr[data-unit] a:has-text('Xã Na Mao')")
    page.wait_for_selector("tr[data-indicator='2.1']")
    assert page.locator("tr[data-indicator='2.1'] .badge.confirmed").inner_text() == "Đã xác nhận"
    assert "trang 5" in page.locator("tr[data-indicator='2.1'] .provenance-note").inner_text()
    other = page.locator("tr[data-indicator='2.2'] .badge[data-provenance=secondary]")
    assert other.inner_text() == "Theo nguồn thứ cấp"
    # Na Mao holds no level: «Chưa đạt chuẩn» in red, and no revocation label though its data fail half the criteria
    assert page.locator("[data-figure=level] b").inner_text() == "Chưa đạt chuẩn"
    assert _colour(page, "[data-figure=level] b") == RED
    assert _colour(page, "[data-figure=eligible] b") == RED
    assert page.locator("[data-revocation]").count() == 0
    page.locator("tr[data-indicator='2.1']").scroll_into_view_if_needed()
    screenshot(page, "thresholds-scorecard-desktop", full_page=False)
    assert problems == []


def test_the_review_page_and_the_scorecard_fit_a_phone(watched, fits, app_server, login, screenshot):
    page, problems = watched(PHONE)
    login(page, app_server, "vpdp.tinh")
    page.goto(app_server + "/tieu-chi/doi-chieu-nguong/")
    page.wait_for_selector("h1:has-text('Đối chiếu ngưỡng với văn bản')")
    page.select_option("form[data-review-filters] select[name=bo]", label=f"{NTM_2021} (v2)")
    page.click("form[data-review-filters] button[type=submit]")
    page.wait_for_selector("tbody[data-indicator='2.1'] tr[data-threshold]")
    assert fits(page)
    for selector in ("form[data-review-filters] select[name=bo]", "input[name=document]"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
    box = page.locator("tbody[data-indicator='2.1'] tr[data-threshold]").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # one card per threshold, on screen
    screenshot(page, "thresholds-review-phone", full_page=False)
    page.locator("tbody[data-indicator='2.1']").scroll_into_view_if_needed()
    screenshot(page, "thresholds-review-rows-phone", full_page=False)
    page.goto(app_server + "/xa/?as_of=2023-06-30&q=na+mao")
    page.click("tr[data-unit] a:has-text('Xã Na Mao')")
    page.wait_for_selector("[data-figure=level]")
    assert _colour(page, "[data-figure=level] b") == RED
    screenshot(page, "thresholds-scorecard-phone", full_page=False)
    assert problems == []
