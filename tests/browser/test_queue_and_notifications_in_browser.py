"""The work queue and the notifications in headless Chromium, at 1366 px and on a 390 px phone: Lam Vỹ's officer
submits the commune's 2026 dossier from the queue, the province office is told (the header's unread count, the
list), finds the dossier in its queue with its set, state, age and next step, and returns it with a reason; the
officer is told, and the reason heads the dossier page. Screenshots: artifacts/screenshots/queue-*.png,
dossier-returned-*.png, notifications-*.png.

Lam Vỹ's dossier ends returned (open for editing again), so the other browser tests that edit it still can."""

import pytest

WIDTHS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}
REASON = "Tiêu chí 6: thiếu danh sách hộ nghèo đa chiều đã được phê duyệt"


def _fits(page) -> bool:
    """Nothing wider than the screen (a wide table scrolls inside its box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _unread(page) -> int:
    return int(page.locator("header nav a[data-unread]").get_attribute("data-unread"))


@pytest.fixture
def pages(signed_in):
    """``pages(username, width="1366")``: a new tab signed in as ``username`` at one of the widths tested."""

    def open_as(username, width="1366"):
        return signed_in(username, WIDTHS[width])

    return open_as


def test_the_queue_leads_to_the_next_step_and_a_return_is_told_and_shown_at_the_top(pages, app_server, screenshot):
    # the officer's queue: one row, which leads to the carried values to confirm before submitting
    officer = pages("canbo.lamvy")
    officer.goto(f"{app_server}/ho-so/")
    row = officer.locator("tr[data-dossier]", has_text="Lam Vỹ")
    assert row.count() == 1 and row.get_attribute("data-next") == "submit"
    row.locator("a").click()
    officer.wait_for_selector("#dossier-version", state="attached")
    if officer.locator("#carried button[name=all]").count():
        officer.click("#carried button[name=all]")
    officer.wait_for_selector('[data-step="submit"] button')
    officer.click('[data-step="submit"] button')
    officer.wait_for_selector('[data-state="submitted"]')
    url = officer.url.split("#")[0]

    # the province office is told: the header counts it, the list says what and links to the dossier
    province = pages("vpdp.tinh")
    province.goto(f"{app_server}/thong-bao/")
    assert _unread(province) >= 1
    told = province.locator('.notification[data-verb="submit"]', has_text="xã Lam Vỹ").first
    assert "Việc tiếp theo của bạn: Thẩm định, phê duyệt hồ sơ." in told.inner_text()

    # its queue: one row per dossier, with the set, the state, the age and the one next step; at both widths
    for width in WIDTHS:
        page = province if width == "1366" else pages("vpdp.tinh", width)
        page.goto(f"{app_server}/ho-so/")
        rows = page.locator("table.queue tbody tr")
        assert rows.count() >= 1
        ids = [rows.nth(i).get_attribute("data-dossier") for i in range(rows.count())]
        assert len(ids) == len(set(ids))
        mine = page.locator("tr[data-dossier]", has_text="Lam Vỹ")
        assert mine.get_attribute("data-next") == "approve"
        assert mine.locator('[data-col="set"]').inner_text() == \
            "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030"
        assert mine.locator('[data-col="state"]').inner_text() == "Đã gửi, chờ tỉnh thẩm định"
        assert mine.locator('[data-col="waited"]').inner_text() == "hôm nay"
        assert mine.locator("a").inner_text() == "Thẩm định, phê duyệt hồ sơ"
        assert _fits(page), width
        screenshot(page, f"queue-{width}")
    province.goto(f"{app_server}/ho-so/?q=lam+vy")
    assert province.locator("table.queue tbody tr").count() == 1

    # the province returns it with a reason, from the row's link
    province.locator("tr[data-dossier]", has_text="Lam Vỹ").locator("a").click()
    province.wait_for_selector('[data-state="submitted"]')
    province.fill('[data-step="return"] textarea', REASON)
    province.click('[data-step="return"] button')
    province.wait_for_selector('[data-state="returned"]')

    # the officer is told; opening the notification marks it read and opens the dossier, the reason at the top
    officer.goto(f"{app_server}/thong-bao/")
    assert _unread(officer) >= 1
    unread = _unread(officer)
    notification = officer.locator('.notification[data-verb="return"][data-read="0"]').first
    assert REASON in notification.inner_text()
    screenshot(officer, "notifications-1366")
    notification.locator("a").click()
    officer.wait_for_selector('[data-state="returned"]')
    assert officer.url == url and _unread(officer) == unread - 1
    for width in WIDTHS:
        page = officer if width == "1366" else pages("canbo.lamvy", width)
        page.goto(url)
        box = page.locator("#sent-back")
        text = box.inner_text()
        assert REASON in text and "Văn phòng Điều phối NTM tỉnh Thái Nguyên (vpdp.tinh)" in text
        top = box.bounding_box()["y"]
        assert top < page.locator("#dossier-figures").bounding_box()["y"]
        assert top < page.locator("#dossier-entry").bounding_box()["y"]
        if width == "1366":
            assert top + box.bounding_box()["height"] <= WIDTHS[width]["height"]  # in the first screen
        assert _fits(page), width
        screenshot(page, f"dossier-returned-{width}", full_page=False)
    phone = page  # the officer on the phone
    phone.goto(f"{app_server}/thong-bao/")
    assert _fits(phone)
    screenshot(phone, "notifications-390")
