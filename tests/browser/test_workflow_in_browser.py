"""End to end in headless Chromium, at desktop width and on a 390 px phone: the dashboards of 2023 and today, and a
2026 dossier of a merged commune walked through the two-tier workflow — values carried from 2025 and confirmed,
commune → province, returned with a reason, resubmitted, a user holding two roles refused approving what they
submitted, approved and recognised by the province office. No district anywhere. Screenshots:
artifacts/screenshots/*.png."""

import datetime as dt
import re

AS_OF_2023 = "2023-06-30"
PHONE = {"width": 390, "height": 844}



def _figure(page, base, name, as_of=""):
    page.goto(f"{base}/bang-dieu-khien/" + (f"?as_of={as_of}" if as_of else ""))
    return page.locator(f'[data-figure="{name}"] b').first.inner_text()


def test_the_2023_view_is_one_date_away(page, app_server, login, screenshot):
    login(page, app_server, "vpdp.tinh")
    page.goto(f"{app_server}/bang-dieu-khien/?as_of={AS_OF_2023}")
    assert page.locator('[data-figure="ntm"] b').first.inner_text() == "108/126"
    assert "85,7%" in page.locator('[data-figure="ntm"]').first.inner_text()
    assert page.locator('[data-figure="avg_criteria"] b').first.inner_text() == "18,2"
    page.wait_for_function("() => document.querySelectorAll('canvas').length > 0")
    screenshot(page, "dashboard-2023")


def test_the_dashboard_opens_on_today_without_districts(app_server, screenshot, signed_in):
    for name, viewport in (("desktop", None), ("phone", PHONE)):
        page = signed_in("vpdp.tinh", viewport)
        page.goto(f"{app_server}/bang-dieu-khien/")
        # today's province: 77 communes directly under it, the 2026-2030 set (10 criteria)
        assert re.fullmatch(r"\d+/77", page.locator('[data-figure="ntm"] b').first.inner_text())
        assert dt.date.today().strftime("%Y-%m-%d") in page.content()
        page.wait_for_function("() => document.querySelectorAll('canvas').length > 0")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
        screenshot(page, f"dashboard-today-{name}")
        page.context.close()


def test_a_merged_communes_2026_dossier_goes_to_the_province_and_is_recognised(app_server, screenshot, signed_in):
    # the officer of Vạn Phú (formed on 1/7/2025) opens the commune's 2026 dossier from the work list
    officer = signed_in("canbo.vanphu")
    officer.goto(f"{app_server}/ho-so/")
    officer.locator('tr[data-next="submit"]', has_text="Vạn Phú").locator("a").first.click()
    officer.wait_for_selector('[data-state="draft"][data-workflow="hai-cap"]')
    url = officer.url.split("#")[0]  # the queue links to the step on the page
    assert "huyện" not in officer.locator("main").inner_text().lower()

    # values carried from 2025 are marked, with where they came from; the submission waits for them
    pending = officer.locator('.entry-row[data-carried="pending"]')
    assert pending.count() > 0
    first_row = pending.first
    assert "Mang sang từ năm 2025, cần xác nhận" in first_row.inner_text()
    assert "Văn Yên" in officer.locator("[data-carried-sources]").first.inner_text() or \
        "Vạn Phú" in officer.locator("[data-carried-sources]").first.inner_text()
    assert officer.locator('[data-step="submit"] button').count() == 0
    assert "chưa được xác nhận" in officer.locator('.held-back[data-step="submit"]').inner_text()
    screenshot(officer, "dossier-carried-values")

    # one value confirmed as it is, one changed (which confirms it too), then all the rest at once
    code = first_row.get_attribute("data-indicator")
    first_row.locator("button.confirm").click()
    officer.wait_for_selector(f'.entry-row[data-indicator="{code}"][data-carried="confirmed"]')
    second = officer.locator('.entry-row[data-carried="pending"] input[name=value]').first
    version = officer.locator("#dossier-version").input_value()
    second.fill("99,5" if second.input_value() == "100" else "100")  # a different value: a change to save
    second.blur()
    officer.wait_for_function(f"() => document.getElementById('dossier-version').value !== '{version}'")
    officer.wait_for_load_state("networkidle")
    officer.click("#carried button[name=all]")
    officer.wait_for_selector('[data-step="submit"] button')
    assert officer.locator('.entry-row[data-carried="pending"]').count() == 0
    officer.click('[data-step="submit"] button')
    officer.wait_for_selector('[data-state="submitted"]')
    assert "Đã gửi, chờ tỉnh thẩm định" in officer.locator(".state").inner_text()

    # the province office returns it, with a reason (refused without one)
    province = signed_in("vpdp.tinh")
    province.goto(f"{app_server}/ho-so/")
    assert province.locator('tr[data-next="approve"]', has_text="Vạn Phú").count() == 1
    province.goto(url)
    assert province.locator('[data-step="verify"]').count() == 0  # no district step
    province.click('[data-step="return"] button')
    assert "Phải ghi lý do trả lại hồ sơ" in province.locator(".messages").inner_text()
    province.fill('[data-step="return"] textarea', "Tiêu chí 6: thiếu danh sách hộ nghèo đa chiều đã phê duyệt")
    province.click('[data-step="return"] button')
    province.wait_for_selector('[data-state="returned"]')

    # the commune resubmits — this time the colleague who also works at the province office
    both = signed_in("kiemnhiem.vanphu")
    both.goto(url)
    assert "thiếu danh sách hộ nghèo" in both.locator("#timeline").inner_text()
    both.click('[data-step="submit"] button')
    both.wait_for_selector('[data-state="submitted"]')
    # holding both roles, they may not approve what they submitted: the page says why instead of offering it
    assert both.locator('[data-step="approve"] button').count() == 0
    refusal = both.locator('.held-back[data-step="approve"]').inner_text()
    assert "tách bạch nhiệm vụ" in refusal and "một cán bộ khác của Văn phòng Điều phối NTM tỉnh" in refusal
    screenshot(both, "dossier-separation-of-duties")
    phone = signed_in("kiemnhiem.vanphu", PHONE)
    phone.goto(url)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "dossier-separation-of-duties-phone")
    phone.context.close()

    # the province office approves and records the decision
    province.goto(url)
    province.click('[data-step="approve"] button')
    province.wait_for_selector('[data-state="approved"]')
    province.fill('[data-step="record_decision"] input[name=number]', "2301/QĐ-UBND")
    province.fill('[data-step="record_decision"] input[name=date]', dt.date.today().isoformat())
    assert province.locator('[data-step="record_decision"] input[name=authority]').input_value() == \
        "UBND tỉnh Thái Nguyên"
    province.click('[data-step="record_decision"] button')
    province.wait_for_selector('[data-state="recognised"]')
    timeline = province.locator("#timeline").inner_text()
    for step in ("Gửi hồ sơ tự đánh giá", "Trả lại hồ sơ", "phê duyệt hồ sơ", "Ghi quyết định công nhận"):
        assert re.search(step, timeline, re.IGNORECASE), step
    assert "Xác nhận hồ sơ" not in timeline
    assert "huyện" not in province.locator("main").inner_text().lower()
    screenshot(province, "dossier-recognised")

    # the scorecard shows the decision and where the commune came from
    province.locator("a", has_text="Kết quả đánh giá của xã").first.click()
    province.wait_for_selector("table.criteria")
    assert "2301/QĐ-UBND" in province.content()
    assert "Văn Yên" in province.content()
    screenshot(province, "scorecard-merged-commune")
    for page in (officer, province, both):
        page.context.close()
