"""In headless Chromium, against the app served as ``make run`` does: Vạn Phú's commune officer adds a plot of a
(synthetic) co-operative with a pasted GeoJSON polygon at 1366 px — a ring crossing itself is refused in Vietnamese,
a drawn area far from the declared one is warned — then reads the list and the certifications on a 390 px phone.
Pages fit the screen and break no Content-Security-Policy rule. Screenshots: artifacts/screenshots/coops-plots-*.png."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SQUARE = {"type": "Polygon", "coordinates": [[[105.80, 21.50], [105.801, 21.50], [105.801, 21.501],
                                              [105.80, 21.501], [105.80, 21.50]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[105.80, 21.50], [105.801, 21.501], [105.801, 21.50],
                                              [105.80, 21.501], [105.80, 21.50]]]}
MAKE_COOPERATIVE = """
from django.utils import timezone
from nongthonso.coops.models import Cooperative
from nongthonso.units.models import Unit
unit = Unit.objects.valid_on(timezone.localdate()).get(code="05845", unit_type__level__code="xa")
coop, _ = Cooperative.objects.get_or_create(registration_code="KT-HTX-PLOTS", defaults=dict(
    name="HTX chè Vạn Phú (minh họa, kiểm thử)", unit=unit, sector="trong_trot", synthetic=True))
print(coop.pk)
"""


@pytest.fixture
def cooperative(app_server, browser_data) -> int:
    """A synthetic co-operative of Vạn Phú written into the served database; its id."""
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data),
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}", "DJANGO_DEBUG": "1"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    done = subprocess.run([script, "shell", "-c", MAKE_COOPERATIVE], env=env, check=True, capture_output=True,
                          cwd=ROOT, text=True)
    return int(done.stdout.strip().splitlines()[-1])


def test_the_commune_officer_adds_a_plot_and_reads_it_on_a_phone(watched, fits, app_server, login, screenshot,
                                                                 cooperative):
    page, problems = watched(DESKTOP)
    login(page, app_server, "canbo.vanphu")
    page.goto(f"{app_server}/hop-tac-xa/{cooperative}/thua-dat/")
    page.click("a.button:has-text('Thêm thửa')")
    page.fill("input[name=code]", "T01")
    page.select_option("select[name=unit]", label="Xã Vạn Phú")
    page.fill("input[name=area_m2]", "5000")
    page.fill("input[name=crop]", "Chè Trung du")
    page.fill("textarea[name=geometry_text]", json.dumps(BOWTIE))
    page.click("main form.stacked button[type=submit]")
    page.wait_for_selector(".field-error")
    assert "tự cắt nhau" in page.locator("[data-field=geometry_text] .field-error").inner_text()
    screenshot(page, "coops-plots-refused-desktop")
    page.fill("textarea[name=geometry_text]", json.dumps(SQUARE))
    page.click("main form.stacked button[type=submit]")
    page.wait_for_selector("tr[data-plot=T01]")
    assert "khác diện tích khai báo" in page.locator(".messages").inner_text()
    assert "21.50050, 105.80050" in page.locator("tr[data-plot=T01]").inner_text()
    screenshot(page, "coops-plots-list-desktop")
    assert fits(page) and problems == []

    phone, phone_problems = watched(PHONE)
    login(phone, app_server, "canbo.vanphu")
    phone.goto(f"{app_server}/hop-tac-xa/{cooperative}/thua-dat/")
    phone.wait_for_selector("tr[data-plot=T01]")
    assert fits(phone)
    screenshot(phone, "coops-plots-list-phone")
    phone.click("a:has-text('Chứng nhận')")
    phone.wait_for_selector("h1:has-text('Chứng nhận')")
    assert fits(phone) and phone_problems == []
    screenshot(phone, "coops-plots-certifications-phone")
