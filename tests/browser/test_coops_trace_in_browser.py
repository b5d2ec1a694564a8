"""In headless Chromium, against the app served as ``make run`` does, not signed in: a shopper's phone (390 px) opens
a processed lot's page — what a QR code on a package opens — with its codes, growing area, standards, the chain back
to the input lots and its events, follows an input lot, and resolves the lot's GS1 Digital Link; the same page on a
desktop screen. Pages fit the screen and break no Content-Security-Policy rule. Screenshots:
artifacts/screenshots/coops-trace-*.png.

The test adds a synthetic co-operative, harvests and lots through the traceability services in ``nongthonso shell``."""

import os
import subprocess
import sys
from pathlib import Path

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SEED = """
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from nongthonso.coops import trace
from nongthonso.coops.models import Certification, Cooperative, CropCycle, DiaryEntry, Lot, Plot
from nongthonso.units.models import Unit

if not Lot.objects.filter(lot_number="BR-HOP-1").exists():
    today = timezone.localdate()
    commune = Unit.objects.valid_on(today).filter(unit_type__level__code="xa").order_by("sort_key").first()
    coop = Cooperative.objects.create(name="Hợp tác xã chè Tân Cương (minh họa)", registration_code="BR-HTX-1",
                                      unit=commune, sector="trong_trot", address="Xóm Soi", synthetic=True)
    plot = Plot.objects.create(cooperative=coop, code="BR-01", name="Đồi chè", unit=commune, crop="Chè",
                               area_m2=4000, growing_area_code="VN-TN-BR-0001", synthetic=True)
    cert = Certification.objects.create(
        cooperative=coop, kind="vietgap", number="VG-BR-01", certifier="Tổ chức (minh họa)",
        issued_on=today - dt.timedelta(days=300), valid_until=today + dt.timedelta(days=700), synthetic=True)
    cert.plots.set([plot])
    cycle = CropCycle.objects.create(plot=plot, name="Vụ xuân", crop="Chè", started_on=today - dt.timedelta(days=90),
                                     synthetic=True)
    lots = []
    for i in range(2):
        day = today - dt.timedelta(days=10 - i)
        entry = DiaryEntry.objects.create(cycle=cycle, kind="harvest", date=day, quantity=Decimal(60),
                                          quantity_unit="kg", synthetic=True)
        lots.append(trace.lot_from_harvests(coop, trace.LotData(
            gtin=trace.demo_gtin(1), lot_number=f"BR-BUP-{i + 1}", product_name="Chè búp tươi", quantity_unit="kg",
            produced_on=day, synthetic=True), [(entry, "60")]))
    packed = trace.process(coop, trace.LotData(
        gtin=trace.demo_gtin(2), lot_number="BR-HOP-1", product_name="Chè Tân Cương hộp 200 g", quantity_unit="hộp",
        produced_on=today - dt.timedelta(days=5), best_before=today + dt.timedelta(days=360),
        standards="TCVN 9740:2013", synthetic=True), [(lots[0], "60"), (lots[1], "60")], "100")
    trace.observe(packed, "shipping", when=timezone.now() - dt.timedelta(days=2), read_point="Cửa hàng đặc sản")
print(Lot.objects.get(lot_number="BR-HOP-1").identifier)
"""


def _seed(browser_data: Path) -> str:
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data), "DJANGO_DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    done = subprocess.run([script, "shell", "-c", SEED], env=env, check=True, capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    return done.stdout.strip().splitlines()[-1]


def test_a_shopper_opens_a_lots_page_and_its_chain_on_a_phone(watched, fits, app_server, screenshot, browser_data):
    identifier = _seed(browser_data)
    page, problems = watched(PHONE)
    page.goto(f"{app_server}/truy-xuat/{identifier}/")
    assert page.locator("[data-product-name]").inner_text() == "Chè Tân Cương hộp 200 g"
    assert page.locator("[data-growing-areas]").inner_text() == "VN-TN-BR-0001"
    assert "VG-BR-01" in page.locator("[data-certifications]").inner_text()
    assert "Cửa hàng đặc sản" in page.locator("[data-events]").inner_text()
    qr = page.locator(".ocop-qr svg.qr")
    assert qr.is_visible() and qr.bounding_box()["width"] <= PHONE["width"]
    assert fits(page)
    screenshot(page, "coops-trace-lot-phone")

    page.locator("[data-inputs] a").first.click()
    page.wait_for_selector("[data-outputs]")
    assert page.locator("[data-lot-number]").inner_text() == "BR-BUP-1"
    assert fits(page)
    screenshot(page, "coops-trace-input-lot-phone")

    link = page.locator("[data-digital-link]").inner_text()
    path = link.split("/01/", 1)[1]
    page.goto(f"{app_server}/01/{path}")
    assert page.url.endswith("/truy-xuat/" + page.locator("article.trace-lot").get_attribute("data-lot") + "/")
    assert page.locator("[data-lot-number]").inner_text() == "BR-BUP-1"
    assert problems == []


def test_a_lots_page_on_a_desktop(watched, fits, app_server, screenshot, browser_data):
    identifier = _seed(browser_data)
    page, problems = watched(DESKTOP)
    page.goto(f"{app_server}/truy-xuat/{identifier}/")
    assert "Hợp tác xã chè Tân Cương (minh họa)" in page.locator("[data-producer]").inner_text()
    assert fits(page)
    screenshot(page, "coops-trace-lot-desktop")
    assert page.goto(f"{app_server}/truy-xuat/KHONG-CO-LO-NAY/").status == 404
    assert problems == []
