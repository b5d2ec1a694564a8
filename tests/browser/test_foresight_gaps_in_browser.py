"""In headless Chromium, at 1366 px and on a 390 px phone, against the app served as ``make run`` does: the province
office opens the communes closest to the NTM standard on 30/6/2023, takes a commune one indicator short, and in a
what-if sets that indicator to its threshold: the commune's verdict flips to «Đạt», nothing saved. Screenshots:
artifacts/screenshots/foresight-*.png."""

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
RANKING = "/du-bao/gan-dat-chuan/?tinh=19&as_of=2023-06-30&muc=xa_ntm"
WHATIF = "/du-bao/kich-ban/?tinh=19&as_of=2023-06-30&muc=xa_ntm"


def _one_short(page):
    """The first ranked commune failing exactly one indicator with nothing unknown: its code, the indicator, and the
    value that meets the threshold (the threshold itself, as the page writes it: 85,7 or Đạt)."""
    row = page.locator("tr[data-eligible='0'][data-failing='1'][data-unknown='0']").first
    gap = row.locator("span.gap")
    threshold = gap.get_attribute("data-threshold")
    return row.get_attribute("data-unit"), gap.get_attribute("data-indicator"), threshold


def _what_if(page, base: str, code: str, indicator: str, value: str) -> None:
    """On the what-if page, set the commune's indicator to ``value`` and wait for the commune's verdict."""
    page.goto(base + WHATIF)
    form = page.locator("form[data-whatif]")
    form.locator("select[name=unit]").select_option(code)
    form.locator("select[name=indicator]").select_option(indicator)
    form.locator("input[name=value]").fill(value)
    form.locator("button[name=add][value=value]").click()
    page.wait_for_selector(f"tr[data-verdict='{code}']")


def test_the_ranking_and_a_what_if_that_flips_a_verdict(watched, fits, app_server, login, screenshot):
    page, problems = watched(DESKTOP)
    login(page, app_server, "vpdp.tinh")
    page.goto(app_server + RANKING)
    page.wait_for_selector("table.foresight-ranking tr[data-unit]")
    assert page.locator("table.foresight-ranking tr[data-unit]").count() > 5
    assert page.locator("details[data-met] a[data-unit]").count() > 50  # those meeting it by their values, apart
    assert fits(page)
    screenshot(page, "foresight-ranking-desktop", full_page=False)
    code, indicator, value = _one_short(page)

    _what_if(page, app_server, code, indicator, value)
    assert page.locator(f"tr[data-verdict='{code}']").get_attribute("data-eligible-after") == "1"
    assert "Chưa đạt → Đạt" in page.locator(f"tr[data-verdict='{code}']").inner_text()
    reaching = page.locator("tr[data-figure=reaching] td.num").all_inner_texts()
    assert int(reaching[1]) == int(reaching[0]) + 1
    screenshot(page, "foresight-whatif-desktop")
    assert problems == []


def test_the_foresight_pages_fit_a_phone(watched, fits, app_server, login, screenshot):
    page, problems = watched(PHONE)
    login(page, app_server, "vpdp.tinh")
    page.goto(app_server + RANKING)
    page.wait_for_selector("table.foresight-ranking tr[data-unit]")
    assert fits(page)
    box = page.locator("table.foresight-ranking tr[data-unit]").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "foresight-ranking-phone", full_page=False)
    code, indicator, value = _one_short(page)
    _what_if(page, app_server, code, indicator, value)
    assert page.locator(f"tr[data-verdict='{code}']").get_attribute("data-eligible-after") == "1"
    assert fits(page)
    screenshot(page, "foresight-whatif-phone")
    assert problems == []
