"""In headless Chromium, against the app served as ``make run`` does: Vạn Phú's commune officer registers an OCOP
producer with an account, adds its product with a photo (checked by its content) at 1366 px; the producer's demo
account finds its own products on a 390 px phone. Pages fit the screen and break no Content-Security-Policy rule.
Screenshots: artifacts/screenshots/ocop-manage-*.png."""

import struct
import zlib

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
VAN_PHU = "05845"  # Xã Vạn Phú (2026); canbo.vanphu is its officer
SIDE = 48


def _png(side: int = SIDE) -> bytes:
    """A honey-coloured square as a PNG file (RGB, 8 bits)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((214, 158, 46)) * side for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_the_commune_officer_registers_a_producer_and_a_product_with_a_photo(watched, fits, app_server, login,
                                                                            screenshot):
    page, problems = watched(DESKTOP)
    login(page, app_server, "canbo.vanphu")
    page.goto(app_server + "/ocop/")
    page.click("a.button:has-text('Đăng ký chủ thể')")
    assert page.input_value("input[name=unit]") == VAN_PHU  # the officer's only commune, filled in
    page.fill("input[name=name]", "Hợp tác xã Mật ong Vạn Phú")
    page.select_option("select[name=kind]", "hop_tac_xa")
    page.fill("input[name=representative]", "Nguyễn Văn Phú")
    page.fill("input[name=phone]", "0912 345 678")
    page.fill("textarea[name=members]", "chuthe.tancuong")
    screenshot(page, "ocop-manage-producer-new-desktop")
    page.click("main form.stacked button[type=submit]")
    page.wait_for_selector("h1:has-text('Hợp tác xã Mật ong Vạn Phú')")
    assert "Đã đăng ký chủ thể «Hợp tác xã Mật ong Vạn Phú»" in page.locator(".messages").inner_text()

    page.click("a.button:has-text('Thêm sản phẩm')")
    page.fill("input[name=name]", "Mật ong hoa rừng Vạn Phú")
    page.select_option("select[name=subgroup]", index=1)
    page.fill("textarea[name=story]", "Mật ong của đàn ong nuôi dưới tán rừng keo, vải (minh họa).")
    screenshot(page, "ocop-manage-product-new-desktop")
    page.click("main form.stacked button[type=submit]")
    page.wait_for_selector("h1:has-text('Mật ong hoa rừng Vạn Phú')")

    # a file that only calls itself a photo is refused, a PNG is kept and shown
    page.set_input_files("input[name=file]", {"name": "anh.jpg", "mimeType": "image/jpeg", "buffer": b"MZ not a photo"})
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector(".messages")
    assert "không phải JPEG, PNG" in page.locator(".messages").inner_text()
    page.set_input_files("input[name=file]", {"name": "mat-ong.png", "mimeType": "image/png", "buffer": _png()})
    page.fill("input[name=caption]", "Hũ mật ong 500 ml")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_function("() => document.querySelector('ul.photos img')?.complete")
    assert page.evaluate("() => document.querySelector('ul.photos img').naturalWidth") == SIDE
    screenshot(page, "ocop-manage-product-desktop")
    assert fits(page)
    assert problems == []

    # the product on a phone, and the list searched without diacritics
    phone, phone_problems = watched(PHONE)
    login(phone, app_server, "canbo.vanphu")
    phone.goto(app_server + "/ocop/san-pham/?q=mat+ong+hoa+rung")
    phone.wait_for_selector("table.products >> text=Mật ong hoa rừng Vạn Phú")
    assert fits(phone)
    screenshot(phone, "ocop-manage-products-phone")
    phone.click("text=Mật ong hoa rừng Vạn Phú")
    phone.wait_for_selector("ul.photos img")
    assert fits(phone)
    screenshot(phone, "ocop-manage-product-phone")
    assert phone_problems == []


def test_the_producer_account_sees_its_own_products_on_a_phone(watched, fits, app_server, login, screenshot):
    phone, problems = watched(PHONE)
    login(phone, app_server, "chuthe.tancuong")
    phone.goto(app_server + "/ocop/san-pham/")
    phone.wait_for_selector("table.products >> text=Chè xanh Tân Cương đặc biệt")
    assert phone.locator("a.button:has-text('Thêm sản phẩm')").count() == 1
    assert fits(phone)
    screenshot(phone, "ocop-manage-producer-account-phone")
    phone.click("text=Chè xanh Tân Cương đặc biệt")
    phone.wait_for_selector("h1 .stars")
    assert fits(phone)
    assert problems == []
