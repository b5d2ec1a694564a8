"""The training reports in a browser, at desktop width and on a 390 px phone: the demo course's report (the sentence
of the province's report, computed), its downloads, and the coverage page with its drill-down — nothing wider than
the screen, no script error or Content-Security-Policy violation. Screenshots go to artifacts/screenshots/."""

import pytest

from nongthonso.demo.training_2023 import CODE

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SENTENCE = "180 người trực tiếp, gần 1.000 học viên tại hơn 50 điểm cầu trực tuyến"


@pytest.mark.parametrize("viewport", [pytest.param(DESKTOP, id="1366"), pytest.param(PHONE, id="390")])
def test_the_organiser_reads_the_course_report_and_the_coverage(app_server, login, watched, fits, screenshot,
                                                                viewport):
    page, problems = watched(viewport)
    login(page, app_server, "taphuan.tinh")
    page.goto(f"{app_server}/tap-huan/{CODE}/bao-cao/")
    assert page.locator("[data-sentence]").inner_text() == SENTENCE
    assert page.locator('[data-figure="bridge_points"] b').inner_text() == "53/55"
    assert page.locator('table[data-table="sessions"] tbody tr').count() == 5
    assert fits(page), "the course report is wider than the screen"
    screenshot(page, f"training-report-{viewport['width']}")
    with page.expect_download() as download:
        page.locator("[data-downloads] a", has_text="XLSX").click()
    assert download.value.suggested_filename == f"bao-cao-tap-huan-{CODE}.xlsx"

    page.locator("[data-downloads] a", has_text="Độ bao phủ tập huấn").click()
    page.wait_for_selector('table[data-table="targets"]')
    assert "Tỉnh Thái Nguyên, năm 2023" in page.locator("h1").inner_text()
    assert page.locator('table[data-table="targets"] tbody tr').count() == 2
    assert fits(page), "the coverage page is wider than the screen"
    screenshot(page, f"training-coverage-{viewport['width']}")
    page.locator('table[data-table="units"] a', has_text="Huyện Đại Từ").first.click()
    page.wait_for_selector('table[data-table="units"]')
    assert "Huyện Đại Từ, năm 2023" in page.locator("h1").inner_text()
    assert fits(page)
    assert problems == []
