"""Hand-made OCOP rows for the tests of the public catalogue, product pages and open data (synthetic): the test modules
take the ``ocop_world`` fixture from here (``from .public_world import ocop_world``), and the autouse ``fresh_cache``.

Today is 30/6/2026 (the two-tier province). Products, chosen for the rules:

- «Chè Tân Cương đặc biệt» (tea, 4★): registered in 2023 in Xã Văn Yên, which merged into Xã Vạn Phú on 1/7/2025 —
  found under both communes; two photos;
- «Đậu phụ Vạn Phú» (3★) and «Mật ong rừng Vạn Phú» (3★), of Xã Vạn Phú as it is now: Vietnamese order puts «Đậu»
  before «Mật» (the code points put «Đ» after «M»);
- «Miến dong Văn Yên» — its only certificate ran out on 10/1/2025 (expired);
- «Rượu men lá» (of Xã Văn Yên, 2024) — its certificate was revoked on 1/2/2026, with a decision and a reason;
- «Bánh chưng Vạn Phú» — never certified, with a photo that must stay private.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from nongthonso.demo.thai_nguyen_2026 import AS_OF as DAY_2026

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(autouse=True)
def fresh_cache():
    """An empty cache around each test: the public pages keep what they show there."""
    cache.clear()
    yield
    cache.clear()


def certify(product, stars: int, number: str, decided: dt.date, months: int = 36, **more):
    from nongthonso.ocop.models import Certificate, add_months

    return Certificate.objects.create(
        product=product, stars=stars, decision_number=number, decision_date=decided,
        valid_until=add_months(decided, months), issuing_level="tinh",
        issuing_authority="Ủy ban nhân dân tỉnh Thái Nguyên", synthetic=True, **more)


def photo(product, caption: str = ""):
    from nongthonso.ocop.models import ProductImage

    image = ProductImage(product=product, caption=caption, content_type="image/png", size=len(PNG))
    image.file.save("anh.png", ContentFile(PNG), save=False)
    image.save()
    return image


@pytest.fixture
def ocop_world(db, settings, tmp_path, today_is, van_phu):
    from nongthonso.demo import ocop_demo
    from nongthonso.ocop.models import Producer, ProducerKind, Product, ProductGroup, Provenance, SubGroup
    from nongthonso.units.services import predecessors_of

    ocop_demo.clear()  # the catalogue lists this world's products only, not the demo's
    settings.MEDIA_ROOT = tmp_path
    today = today_is(DAY_2026)
    van_yen = next(u for u in predecessors_of(van_phu) if u.name.endswith("Văn Yên"))
    drinks = ProductGroup.objects.create(code="T-DU", name="Đồ uống (thử)", provenance=Provenance.PLACEHOLDER)
    food = ProductGroup.objects.create(code="T-TP", name="Thực phẩm (thử)", provenance=Provenance.PLACEHOLDER)
    tea = SubGroup.objects.create(group=drinks, code="T-DU-CHE", name="Chè búp, chè lá", provenance="placeholder")
    wine = SubGroup.objects.create(group=drinks, code="T-DU-RUOU", name="Rượu", provenance="placeholder")
    processed = SubGroup.objects.create(group=food, code="T-TP-CB", name="Thực phẩm chế biến",
                                        provenance="placeholder")
    coop = Producer.objects.create(name="Hợp tác xã chè Tân Cương", kind=ProducerKind.COOPERATIVE, unit=van_yen,
                                   synthetic=True)
    household = Producer.objects.create(name="Hộ kinh doanh Nguyễn Văn Bình", kind=ProducerKind.HOUSEHOLD,
                                        unit=van_phu, synthetic=True)

    def product(code, name, producer, subgroup, unit, **more):
        return Product.objects.create(code=code, name=name, producer=producer, subgroup=subgroup, unit=unit,
                                      synthetic=True, **more)

    w = SimpleNamespace(today=today, van_phu=van_phu, van_yen=van_yen, drinks=drinks, food=food)
    w.tea = product("TN-CHE-01", "Chè Tân Cương đặc biệt", coop, tea, van_yen,
                    description="Chè búp một tôm hai lá, sao thủ công.",
                    story="Vùng chè nổi tiếng của Thái Nguyên (dữ liệu minh họa).")
    w.tofu = product("TN-DAU-01", "Đậu phụ Vạn Phú", household, processed, van_phu)
    w.honey = product("TN-MAT-01", "Mật ong rừng Vạn Phú", household, processed, van_phu)
    w.noodles = product("TN-MIEN-01", "Miến dong Văn Yên", coop, processed, van_yen)
    w.wine = product("TN-RUOU-01", "Rượu men lá", household, wine, van_yen)
    w.cake = product("TN-BANH-01", "Bánh chưng Vạn Phú", household, processed, van_phu)
    w.tea_cert = certify(w.tea, 4, "1234/QĐ-UBND", dt.date(2025, 3, 1))
    certify(w.tofu, 3, "88/QĐ-UBND", dt.date(2026, 1, 15))
    certify(w.honey, 3, "89/QĐ-UBND", dt.date(2026, 1, 15))
    w.noodles_cert = certify(w.noodles, 3, "12/QĐ-UBND", dt.date(2022, 1, 10))
    w.wine_cert = certify(w.wine, 3, "300/QĐ-UBND", dt.date(2024, 5, 1), revoked_on=dt.date(2026, 2, 1),
                          revocation_decision="45/QĐ-UBND",
                          revocation_reason="Chủ thể không đăng ký đánh giá lại, vi phạm sử dụng biểu trưng OCOP.")
    w.tea_photos = [photo(w.tea, "Búp chè"), photo(w.tea, "Hộp chè")]
    w.cake_photo = photo(w.cake, "Bánh chưng")
    return w
