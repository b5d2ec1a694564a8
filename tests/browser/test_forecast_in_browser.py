"""In headless Chromium, against the app served as ``make run`` does (the demo with its 2024 history): the province
office opens the forecast of the province — the expected counts beside the target typed in, the communes — then of
Xã Vạn Phú, whose main gaps are drawn by the page's static script (trend, band, threshold), on a desktop and on a
390 px phone. Pages fit the screen and break no Content-Security-Policy rule.
Screenshots: artifacts/screenshots/forecast-*.png."""

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_the_office_reads_the_forecast_on_a_desktop_and_a_phone(watched, fits, app_server, login, screenshot):
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page, problems = watched(viewport)
        login(page, app_server, "vpdp.tinh")
        page.goto(f"{app_server}/du-bao/du-bao/?unit=19&year=2030&targets=2030%3D65%25")
        assert page.locator("table[data-table=communes] tbody tr[data-unit]").count() > 50
        target = page.locator("table[data-table=province] tr[data-year='2030'] td").nth(2).inner_text()
        assert target not in ("", "—")
        assert fits(page), name
        screenshot(page, f"forecast-province-{name}")
        page.goto(f"{app_server}/du-bao/du-bao/?unit=05845&year=2030")
        assert page.locator("tr[data-unit='05845']").count() == 1
        page.wait_for_function("() => { const c = document.getElementById('chart-series-0');"
                               " return c && c.width > 0 && window.Chart && Chart.getChart(c); }")
        assert fits(page), name
        screenshot(page, f"forecast-commune-{name}")
        assert problems == [], problems
