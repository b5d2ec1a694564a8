"""In headless Chromium, against the app served as ``make run`` does, not signed in: a shopper's phone (390 px) finds a
product in the OCOP catalogue by typing without diacritics («tra tan cuong»), opens its page (stars, certificate,
photo, QR code) and the printable QR label; the same pages on a desktop screen and on paper. Pages fit the screen
and break no Content-Security-Policy rule. Screenshots: artifacts/screenshots/ocop-public-*.png.

The served demo may hold OCOP products of its own; the test adds one (synthetic) through ``nongthonso shell``."""

import os
import subprocess
import sys
from pathlib import Path

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CODE = "BROWSER-CHE-01"
SEED = f"""
import datetime as dt
from django.core.files.base import ContentFile
from django.utils import timezone
from nongthonso.ocop.models import Certificate, Producer, Product, ProductImage, SubGroup, add_months
from nongthonso.units.models import Unit

if not Product.objects.filter(code="{CODE}").exists():
    today = timezone.localdate()
    commune = Unit.objects.valid_on(today).filter(unit_type__level__code="xa", code="05845").first() or \\
        Unit.objects.valid_on(today).filter(unit_type__level__code="xa").first()
    sub = SubGroup.objects.get(code="2.2")  # Đồ uống không cồn (the catalogue loaded by migrate)
    producer = Producer.objects.create(name="Hợp tác xã chè Tân Cương (minh họa)", kind="hop_tac_xa", unit=commune,
                                       synthetic=True)
    product = Product.objects.create(code="{CODE}", name="Chè Tân Cương thượng hạng", producer=producer,
                                     subgroup=sub, unit=commune, synthetic=True,
                                     description="Chè búp một tôm hai lá, sao tay trên chảo gang (dữ liệu minh họa).",
                                     story="Câu chuyện của vùng chè Tân Cương, kể lại cho trang thử nghiệm.")
    decided = today - dt.timedelta(days=200)
    Certificate.objects.create(product=product, stars=4, decision_number="1234/QĐ-UBND", decision_date=decided,
                               valid_until=add_months(decided, 36), issuing_level="tinh",
                               issuing_authority="Ủy ban nhân dân tỉnh Thái Nguyên", synthetic=True)
    image = ProductImage(product=product, caption="Hộp chè", content_type="image/png", size={{size}})
    image.file.save("che.png", ContentFile(bytes.fromhex("{{png}}")), save=False)
    image.save()
"""
# a 4×3 green PNG
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000040000000308020000003b9639910000001049444154789c63"
                    "90ceb68223069c1c00ae330901eded58800000000049454e44ae426082")


def _seed(browser_data: Path) -> None:
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data), "DJANGO_DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    code = SEED.replace("{size}", str(len(PNG))).replace("{png}", PNG.hex())
    subprocess.run([script, "shell", "-c", code], env=env, check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parents[2])


def test_a_shopper_finds_a_product_and_its_qr_label_on_a_phone(watched, fits, app_server, screenshot, browser_data):
    _seed(browser_data)
    page, problems = watched(PHONE)
    page.goto(app_server + "/san-pham-ocop/")
    assert page.locator("h1").inner_text() == "Sản phẩm OCOP được công nhận"
    assert fits(page)
    page.fill("input[name=q]", "tra tan cuong")
    page.click("form.ocop-filters button[type=submit]")
    card = page.locator(f"li[data-product='{CODE}']")
    card.wait_for()
    assert "bốn sao" in card.inner_text()
    assert fits(page)
    screenshot(page, "ocop-public-catalogue-phone")

    card.locator("h2 a").click()
    page.wait_for_selector("article.ocop-product[data-state='in_force']")
    assert "Sản phẩm OCOP 4 sao" in page.locator(".ocop-status").inner_text()
    assert page.locator("[data-certificate-number]").inner_text() == "1234/QĐ-UBND"
    photo = page.locator(".ocop-photos img").first
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")  # the photo is served, publicly
    qr = page.locator(".ocop-qr svg.qr")
    assert qr.is_visible() and qr.bounding_box()["width"] <= PHONE["width"]
    assert page.locator("[data-qr-url]").inner_text().endswith(f"/san-pham-ocop/{CODE}/")
    assert fits(page)
    screenshot(page, "ocop-public-product-phone")

    page.click("[data-label-link]")
    page.wait_for_selector(f"section.ocop-label[data-label='{CODE}']")
    assert page.locator(".ocop-label svg.qr").is_visible()
    assert fits(page)
    screenshot(page, "ocop-public-label-phone")
    page.emulate_media(media="print")
    assert not page.locator("button[data-print]").is_visible()  # paper: the label alone
    screenshot(page, "ocop-public-label-print")
    assert problems == []


def test_the_catalogue_and_a_product_page_on_a_desktop(watched, fits, app_server, screenshot, browser_data):
    _seed(browser_data)
    page, problems = watched(DESKTOP)
    page.goto(app_server + "/")
    page.click("header nav >> text=Sản phẩm OCOP")
    page.wait_for_selector(f"li[data-product='{CODE}']")
    page.select_option("select[name=sao]", "4")
    page.click("form.ocop-filters button[type=submit]")
    page.wait_for_selector(f"li[data-product='{CODE}']")
    assert fits(page)
    screenshot(page, "ocop-public-catalogue-desktop")
    page.goto(f"{app_server}/san-pham-ocop/{CODE}/")
    assert "Hợp tác xã chè Tân Cương (minh họa)" in page.locator("[data-producer]").inner_text()
    assert fits(page)
    screenshot(page, "ocop-public-product-desktop")
    assert page.goto(f"{app_server}/san-pham-ocop/KHONG-CO-MA-NAY/").status == 404
    assert problems == []
