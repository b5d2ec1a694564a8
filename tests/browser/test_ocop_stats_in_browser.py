"""In headless Chromium, against the app served as ``make run`` does: the province office opens the OCOP statistics
of the province — figures (those of ``nongthonso report ocop``, over the demo's OCOP rows and two products written
here), the chart drawn by its static script, the tables — on a desktop and on a 390 px phone, and finds the OCOP
card on its dashboard. Pages fit the screen and break no Content-Security-Policy rule.
Screenshots: artifacts/screenshots/ocop-stats-*.png."""

import json
import os
import subprocess
import sys
from pathlib import Path

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
DAY = "2026-06-30"

# two synthetic certified products of Xã Vạn Phú (2026), one expiring within 90 days of DAY, written as raw rows
SEED = """
import datetime as dt
from nongthonso.ocop.models import Certificate, Producer, ProducerKind, Product, SubGroup, add_months
from nongthonso.units.models import Unit
day = dt.date(2026, 6, 30)
commune = Unit.objects.valid_on(day).get(code="05845", unit_type__level__code="xa")
province = Unit.objects.valid_on(day).get(code="19", unit_type__level__code="tinh")
producer, _ = Producer.objects.get_or_create(name="HTX Chè Vạn Phú (minh họa)", defaults=dict(
    kind=ProducerKind.COOPERATIVE, unit=commune, registered_on=dt.date(2023, 3, 1), synthetic=True))
for code, name, group, stars, decided in (("BR-OCOP-1", "Chè búp Vạn Phú", "2.2", 4, dt.date(2025, 10, 1)),
                                          ("BR-OCOP-2", "Miến dong Vạn Phú", "1.3.c", 3, dt.date(2023, 8, 1))):
    product, created = Product.objects.get_or_create(code=code, defaults=dict(
        name=name, producer=producer, unit=commune, subgroup=SubGroup.objects.get(code=group), synthetic=True))
    if created:
        Certificate.objects.create(product=product, stars=stars, decision_number=f"{code}/QĐ-UBND",
                                   decision_date=decided, valid_until=add_months(decided, 36), issuing_level="tinh",
                                   issuing_unit=province, synthetic=True)
"""


def _run(browser_data: Path, *command: str) -> str:
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data), "DJANGO_DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    return subprocess.run([script, *command], env=env, check=True, capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2]).stdout


def _seed(browser_data: Path) -> dict:
    """The two products written, then the figures the pages must show: those of ``nongthonso report ocop`` (the demo's
    OCOP rows count too)."""
    _run(browser_data, "shell", "-c", SEED)
    return json.loads(_run(browser_data, "report", "ocop", "--unit", "19", "--as-of", DAY, "--format", "json"))


def test_the_office_reads_the_ocop_statistics_on_a_desktop_and_a_phone(watched, fits, app_server, login,
                                                                       screenshot, browser_data):
    report = _seed(browser_data)
    total, expiring = str(report["products_total"]), str(report["expiring_90_days"]["count"])
    van_phu = next(str(row["total"]) for row in report["products_by_commune"] if row["code"] == "05845")
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page, problems = watched(viewport)
        login(page, app_server, "vpdp.tinh")
        page.goto(f"{app_server}/ocop/thong-ke/?unit=19&as_of={DAY}")
        assert page.inner_text("[data-figure=total] b") == total
        assert page.inner_text("[data-figure=expiring] b") == expiring
        page.wait_for_function("() => { const c = document.getElementById('chart-ocop-groups');"
                               " return c && c.width > 0 && window.Chart && Chart.getChart(c); }")
        assert page.locator("tr[data-commune='05845'] td.num").first.inner_text() == van_phu
        assert fits(page), name
        screenshot(page, f"ocop-stats-{name}")
        page.goto(f"{app_server}/bang-dieu-khien/?unit=19&as_of={DAY}")
        assert page.inner_text("[data-section=ocop] [data-figure=ocop_total] b") == total
        assert fits(page), name
        assert problems == [], problems
