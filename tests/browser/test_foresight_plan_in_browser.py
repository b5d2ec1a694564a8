"""In headless Chromium, at 1366 px and on a 390 px phone, against the app served as ``make run`` does: the province
office makes a registration plan for 2024 from 30/6/2023 (every commune NTM), reads the first suggestion's reasons,
accepts it and sees the registration it became. Screenshots: artifacts/screenshots/foresight-plan-*.png."""

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _make_plan_and_accept(page, base: str) -> str:
    page.goto(base + "/du-bao/gan-dat-chuan/?tinh=19&as_of=2023-06-30&muc=xa_ntm")
    page.locator("nav.foresight-nav a", has_text="Kế hoạch đăng ký").click()
    form = page.locator("form[data-plan-form]")
    form.locator("input[name=as_of]").fill("2023-06-30")
    form.locator("input[name=year]").fill("2024")
    form.locator("input[name=target_xa_ntm]").fill("100%")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("article[data-suggestion]")
    first = page.locator("article[data-suggestion][data-status=suggested]").first
    assert first.locator("[data-reasons] li").count() >= 4
    assert "Xác suất đạt chuẩn" in first.inner_text()
    anchor = first.get_attribute("id")
    first.locator("input[name=note]").fill("Đồng ý theo đề xuất")
    first.locator("button[name=decision][value=accept]").click()
    page.wait_for_selector(f"#{anchor}[data-status=accepted] [data-registration]")
    return anchor


def test_make_a_plan_and_accept_a_suggestion(watched, fits, app_server, login, screenshot):
    page, problems = watched(DESKTOP)
    login(page, app_server, "vpdp.tinh")
    anchor = _make_plan_and_accept(page, app_server)
    accepted = page.locator(f"#{anchor}")
    assert "đã đăng ký «Xã đạt chuẩn nông thôn mới» năm 2024" in accepted.inner_text()
    assert accepted.locator("form").count() == 0  # decided: no more buttons
    assert fits(page)
    screenshot(page, "foresight-plan-desktop", full_page=False)
    assert problems == []


def test_the_plan_fits_a_phone(watched, fits, app_server, login, screenshot):
    page, problems = watched(PHONE)
    login(page, app_server, "vpdp.tinh")
    anchor = _make_plan_and_accept(page, app_server)
    assert fits(page)
    box = page.locator(f"#{anchor}").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "foresight-plan-phone", full_page=False)
    assert problems == []
