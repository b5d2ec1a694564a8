"""In headless Chromium, against the app served as ``make run`` does: a visitor's phone (390 px) reads the public
supply–demand board (no contacts on it), then a registered buyer signed in on a desktop (1366 px) and on a phone sees
the offer that matches its request, ranked with the reasons and the seller's contact. Pages fit the screen and break
no Content-Security-Policy rule. Screenshots: artifacts/screenshots/market-*.png.

The test adds a synthetic co-operative, buyer and their two listings through ``nongthonso shell``."""

import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import DEMO_PASSWORD

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
BUYER = "browser.nguoimua"
SEED = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from nongthonso.coops.models import Cooperative
from nongthonso.market import services
from nongthonso.market.models import Buyer, Listing
from nongthonso.units.models import Unit

User = get_user_model()
if not User.objects.filter(username="{buyer}").exists():
    today = timezone.localdate()
    communes = list(Unit.objects.valid_on(today).filter(unit_type__level__code="xa").order_by("code")[:2])
    seller = User.objects.create_user("browser.htx", password="{password}")
    coop = Cooperative.objects.create(name="HTX Chè Trình Duyệt (minh họa)", registration_code="BROWSER-HTX-1",
                                      unit=communes[0], sector="trong_trot", synthetic=True)
    coop.managers.add(seller)
    user = User.objects.create_user("{buyer}", password="{password}")
    buyer = Buyer.objects.create(name="Công ty Thu Mua Trình Duyệt (minh họa)", unit=communes[1], synthetic=True)
    buyer.users.add(user)
    common = dict(product="Chè búp tươi", quantity_unit="kg", period_start=today,
                  period_end=today + dt.timedelta(days=30), synthetic=True)
    services.save_listing(Listing(kind="offer", cooperative=coop, unit=communes[0], quantity=300,
                                  contact_name="Chị Bán", contact_phone="0911222333", **common), seller)
    services.save_listing(Listing(kind="request", buyer=buyer, unit=communes[1], quantity=500,
                                  contact_name="Anh Mua", contact_phone="0944555666",
                                  **{{**common, "product": "Trà búp tươi"}}), user)
"""
PHONE_NUMBER = re.compile(r"09\\d{8}")


def _seed(browser_data: Path, password: str) -> None:
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data), "DJANGO_DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    subprocess.run([script, "shell", "-c", SEED.format(buyer=BUYER, password=password)], env=env, check=True,
                   capture_output=True, cwd=Path(__file__).resolve().parents[2])


def test_the_board_and_a_buyers_match_on_desktop_and_phone(watched, fits, signed_in, app_server, screenshot,
                                                           browser_data):
    _seed(browser_data, DEMO_PASSWORD)
    page, problems = watched(PHONE)
    page.goto(app_server + "/cho-nong-san/")
    page.fill("input[name=q]", "bup tuoi")  # «Chè búp tươi» and «Trà búp tươi»
    page.click("form.market-filters button[type=submit]")
    page.locator("li.market-card").first.wait_for()
    assert page.locator("li.market-card").count() >= 2
    assert not PHONE_NUMBER.search(page.content())  # no contacts on the public board
    assert fits(page)
    screenshot(page, "market-board-phone")
    assert problems == []

    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        tab = signed_in(BUYER, viewport)
        tab.goto(app_server + "/cho-nong-san/cua-toi/")
        match = tab.locator("[data-match]").first
        match.wait_for()
        text = match.inner_text()
        assert "HTX Chè Trình Duyệt" in text and "cùng loại sản phẩm" in text and "0911222333" in text
        assert fits(tab)
        screenshot(tab, f"market-matches-{name}")
