"""In headless Chromium, against the app served as ``make run`` does: the map of the demo province as of 30/6/2023
(three tiers, the communes before the mergers) and as of 30/6/2026 (two tiers, merged communes) draws different
shapes; clicking a commune on the map opens its scorecard; the public map and the dashboards' map panel work on a
phone (390 px) within the Content-Security-Policy. Screenshots: artifacts/screenshots/maps-*.png."""

import re

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _drawn(page) -> list[str]:
    """The codes of the communes drawn, once the map has loaded."""
    page.wait_for_selector(".map-wrap.map-ready")
    return page.eval_on_selector_all(".map-canvas [data-code]", "nodes => nodes.map(n => n.getAttribute('data-code'))")


def _inside_point(page) -> tuple[str, float, float]:
    """A commune's code and a point of the screen where its shape is the topmost element (a click there hits it)."""
    return page.evaluate("""() => {
        for (const node of document.querySelectorAll('.map-canvas path[data-code]:not(.map-inert)')) {
            const box = node.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            if (box.width > 8 && box.height > 8 && document.elementFromPoint(x, y) === node) {
                return [node.getAttribute('data-code'), x, y];
            }
        }
        return null;
    }""")


def test_the_map_of_2023_and_2026_differ_and_a_click_opens_the_scorecard(signed_in, screenshot):
    page = signed_in("vpdp.tinh", DESKTOP)
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/ban-do/?layer=level&as_of=2023-06-30")
    before = _drawn(page)
    assert "minh họa tổng hợp" in page.locator(".map-note").inner_text()
    assert page.locator(".map-legend li").count() >= 4
    screenshot(page, "maps-2023-desktop")
    base = page.url.split("/ban-do/")[0]
    page.goto(base + "/ban-do/?layer=level&as_of=2026-06-30")
    after = _drawn(page)
    assert before and after and set(before) != set(after) and len(after) < len(before)
    screenshot(page, "maps-2026-desktop")
    code, x, y = _inside_point(page)
    expected = page.locator(f".map-table tr[data-code='{code}'] a").get_attribute("href")
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r".*/xa/\d+/.*"))
    assert page.url.startswith(base + expected)
    assert page.locator(".map-table").count() == 0 and page.locator("h1").count() == 1


def test_the_public_map_and_the_dashboard_panel_on_a_phone(watched, fits, app_server, screenshot):
    page, problems = watched(PHONE)
    page.goto(app_server + "/cong-khai/ban-do/?layer=level&as_of=2026-06-30")
    assert _drawn(page)
    assert fits(page)
    screenshot(page, "maps-2026-phone")
    page.goto(app_server + "/cong-khai/ban-do/?layer=criteria_met&as_of=2023-06-30")
    assert _drawn(page)
    screenshot(page, "maps-2023-criteria-phone")
    page.goto(app_server + "/?as_of=2026-06-30")
    panel = page.locator(".map-panel")
    panel.scroll_into_view_if_needed()
    assert _drawn(page) and fits(page)
    screenshot(page, "maps-dashboard-phone")
    page.emulate_media(media="print")
    assert page.locator(".map-panel .map-canvas").is_visible()
    assert problems == []
