"""End to end in headless Chromium: log in, read the dashboard, walk a dossier commune → district →
province, and see the summary change. Screenshots: artifacts/screenshots/*.png."""

import re

from tests.browser.conftest import login, screenshot

AS_OF = "2023-06-30"


def _ntm_figure(page, base):
    page.goto(f"{base}/bang-dieu-khien/?as_of={AS_OF}")
    return page.locator('[data-figure="ntm"] b').first.inner_text()


def test_dashboard_shows_the_demo_figures(page, app_server):
    login(page, app_server, "vpdp.tinh")
    page.goto(f"{app_server}/bang-dieu-khien/?as_of={AS_OF}")
    assert page.locator('[data-figure="ntm"] b').first.inner_text() == "108/126"
    assert "85,7%" in page.locator('[data-figure="ntm"]').first.inner_text()
    assert page.locator('[data-figure="avg_criteria"] b').first.inner_text() == "18,2"
    page.wait_for_function("document.querySelectorAll('canvas').length > 0")
    screenshot(page, "dashboard")


def test_a_dossier_goes_from_the_commune_to_a_decision(browser, app_server):
    def as_user(username):
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        login(page, app_server, username)
        return page

    # the commune officer opens the work list and the commune's dossier
    officer = as_user("canbo.namao")
    officer.goto(f"{app_server}/ho-so/")
    officer.locator('[data-waiting="edit_values"] a', has_text="Na Mao").first.click()
    officer.wait_for_selector('[data-state="draft"]')
    dossier_url = officer.url

    # typing a bad value is flagged while typing, and nothing is saved
    field = officer.locator("#v-2\\.1")
    field.fill("")
    field.type("nhiều")
    officer.wait_for_selector("#check-i2_1 [role=alert]")
    assert "không phải là số" in officer.locator("#check-i2_1").inner_text()

    # a valid value is saved on leaving the field and the criterion is re-evaluated at once
    field.fill("64,5")
    version = officer.locator("#dossier-version").input_value()
    field.blur()  # leave the field: change → htmx save (press() races the swap)
    # criterion 2 is already "not met" in the demo: wait for the save's answer (it bumps the page's version)
    officer.wait_for_function(f"document.getElementById('dossier-version').value !== '{version}'")
    officer.wait_for_selector('#crit-2[data-status="not_met"]')
    assert "thiếu" in officer.locator('[data-indicator="2.1"] .entry-status').inner_text()
    officer.wait_for_load_state("networkidle")  # no htmx request in flight before the screenshot
    officer.evaluate("document.getElementById('crit-2').scrollIntoView()")  # looked up now, never a stale node
    screenshot(officer, "entry-form", full_page=False)
    officer.click('[data-step="submit"] button')
    officer.wait_for_selector('[data-state="submitted"]')

    # the district returns it, with a reason
    district = as_user("vpdp.daitu")
    district.goto(dossier_url)
    district.click('[data-step="return"] button')  # without a reason: refused, says why
    assert "Phải ghi lý do trả lại hồ sơ" in district.locator(".messages").inner_text()
    district.fill('[data-step="return"] textarea', "Tiêu chí 2: tỷ lệ đường xã chưa khớp biên bản nghiệm thu")
    district.click('[data-step="return"] button')
    district.wait_for_selector('[data-state="returned"]')

    # the officer sees the reason, fixes the value and resubmits
    officer.goto(dossier_url)
    assert "chưa khớp biên bản nghiệm thu" in officer.locator("#timeline").inner_text()
    officer.locator("#v-2\\.1").fill("100")
    officer.locator("#v-2\\.1").blur()  # leave the field: change → htmx save (press() races the swap)
    officer.wait_for_selector('#crit-2[data-status="met"]')
    officer.click('[data-step="submit"] button')
    officer.wait_for_selector('[data-state="submitted"]')

    # the district verifies; the province approves and records the decision
    district.goto(dossier_url)
    district.click('[data-step="verify"] button')
    district.wait_for_selector('[data-state="verified"]')
    province = as_user("vpdp.tinh")
    before = _ntm_figure(province, app_server)
    province.goto(dossier_url)
    province.click('[data-step="approve"] button')
    province.wait_for_selector('[data-state="approved"]')
    province.fill('[data-step="record_decision"] input[name=number]', "1234/QĐ-UBND")
    province.fill('[data-step="record_decision"] input[name=date]', "2023-06-15")
    province.click('[data-step="record_decision"] button')
    province.wait_for_selector('[data-state="recognised"]')
    timeline = province.locator("#timeline").inner_text()
    steps = ("Gửi hồ sơ tự đánh giá", "Trả lại hồ sơ", "Xác nhận hồ sơ", "phê duyệt hồ sơ", "Ghi quyết định công nhận")
    for step in steps:
        assert re.search(step, timeline, re.IGNORECASE), step

    # the summary follows: one more commune meets the standard on 30/6/2023
    assert before == "108/126"
    assert _ntm_figure(province, app_server) == "109/126"
    province.goto(f"{app_server}/xa/?q=na+mao")  # searched without diacritics
    province.locator("a", has_text="Na Mao").first.click()
    province.wait_for_selector("table.criteria")
    assert "1234/QĐ-UBND" in province.content()
    screenshot(province, "scorecard")
