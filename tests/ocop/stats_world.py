"""A small OCOP world for the statistics, export, API and page tests, from raw rows over the Thái Nguyên demo: the
test modules take the ``ocop_world`` fixture from here (``ocop_world = stats_world.ocop_world``).

On 30/6/2026 (the two-tier province; every row synthetic):

- **Chè Tân Cương** (Đồ uống), registered in 2023 with the *former* commune Văn Yên, now part of Xã Vạn Phú: a 4★
  certificate of 10/5/2024 (to 10/5/2027) — counted under Vạn Phú, Văn Yên named as its former commune;
- **Miến dong** (Thực phẩm), Vạn Phú (its 2023 version; Mật ong and Gạo nếp: Lam Vỹ's 2023 version): 3★ of
  1/8/2023, valid to 1/8/2026 — expires within 90 days; its re-rating dossier was submitted on 1/5/2026 and
  proposed on 10/6/2026;
- **Rượu ngô** (Đồ uống), Lam Vỹ: 5★ of 1/12/2025;
- **Mật ong** (Thực phẩm), Lam Vỹ: 3★ of 10/1/2024, revoked on 15/3/2026 (not re-registered);
- **Gạo nếp** (Thực phẩm), Lam Vỹ: 3★ of 1/2/2024 and a re-rating to 4★ on 1/4/2026 — counted once, at 4★;
- **Trà hoa vàng** in the other (synthetic) province: 4★, out of scope for province 19.

Producers: a co-operative (Văn Yên, 2023), an enterprise (Vạn Phú), a household business (Lam Vỹ), a co-operative
group registered only in 2027 (not counted on 30/6/2026), and the other province's co-operative.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from nongthonso.demo.thai_nguyen_2026 import AS_OF as DAY_2026

DAY = DAY_2026  # 30/6/2026


def moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def ocop_world(db, van_phu, lam_vy, new_unit):
    from nongthonso.demo import ocop_demo
    from nongthonso.ocop.models import (
        Certificate,
        Producer,
        ProducerKind,
        Product,
        ProductGroup,
        Rating,
        RatingEvent,
        RatingState,
        ScoringSheet,
        SubGroup,
        add_months,
    )
    from nongthonso.units.models import Unit, UnitType
    from nongthonso.units.services import predecessors_of

    ocop_demo.clear()  # the figures are this world's, not the demo's (nongthonso.demo.ocop_demo)

    province = new_unit("19", "tinh")
    before = {unit.code: unit for unit in [*predecessors_of(van_phu), *predecessors_of(lam_vy)]}
    van_yen = next(u for u in predecessors_of(van_phu) if u.code != van_phu.code)
    van_phu_2023, lam_vy_2023 = before[van_phu.code], before[lam_vy.code]
    since = dt.date(1997, 1, 1)
    other_province = Unit.objects.create(code="T07", name="Tỉnh Thử Nghiệm OCOP", valid_from=since, synthetic=True,
                                         unit_type=UnitType.objects.get(code="tinh"))
    other_commune = Unit.objects.create(code="T07001", name="Xã Thử Nghiệm OCOP", parent=other_province,
                                        valid_from=since, synthetic=True, unit_type=UnitType.objects.get(code="xa"))

    # the catalogue's rows (loaded after migrate): groups 1 (Thực phẩm) and 2 (Đồ uống), the 148/QĐ-TTg sheet
    food, drink = ProductGroup.objects.get(code="1"), ProductGroup.objects.get(code="2")
    fresh, processed = SubGroup.objects.get(code="1.2.b"), SubGroup.objects.get(code="1.3.c")
    spirits, tea = SubGroup.objects.get(code="2.1"), SubGroup.objects.get(code="2.2")
    sheet = ScoringSheet.objects.get(code="ocop-148-2023")

    def producer(name, kind, unit, registered_on, **fields):
        return Producer.objects.create(name=name, kind=kind, unit=unit, registered_on=registered_on, synthetic=True,
                                       **fields)

    coop = producer("HTX Chè Văn Yên", ProducerKind.COOPERATIVE, van_yen, dt.date(2023, 3, 1),
                    representative="Nguyễn Văn An", phone="0912 345 678", address="Xóm Đồng Tâm")
    firm = producer("Công ty TNHH Miến Vạn Phú", ProducerKind.ENTERPRISE, van_phu_2023, dt.date(2023, 5, 1),
                    email="mien@example.vn")
    household = producer("Hộ kinh doanh Lý Thị Bình", ProducerKind.HOUSEHOLD, lam_vy_2023, dt.date(2023, 6, 1))
    late = producer("Tổ hợp tác Mây tre", ProducerKind.COOPERATIVE_GROUP, lam_vy, dt.date(2027, 1, 5))
    elsewhere = producer("HTX Thử Nghiệm", ProducerKind.COOPERATIVE, other_commune, dt.date(2023, 1, 1))

    def product(code, name, owner, subgroup, unit):
        return Product.objects.create(code=code, name=name, producer=owner, subgroup=subgroup, unit=unit,
                                      synthetic=True)

    che = product("19-TC-01", "Chè Tân Cương", coop, tea, van_yen)
    mien = product("19-MD-02", "Miến dong Vạn Phú", firm, processed, van_phu_2023)
    ruou = product("19-RN-03", "Rượu ngô Lam Vỹ", household, spirits, lam_vy)
    mat_ong = product("19-MO-04", "Mật ong rừng", household, fresh, lam_vy_2023)
    gao = product("19-GN-05", "Gạo nếp cái hoa vàng", household, fresh, lam_vy_2023)
    tra = product("T07-TH-01", "Trà hoa vàng", elsewhere, tea, other_commune)

    def certify(item, stars, day, number, **fields):
        fields = {"issuing_level": "tinh", "issuing_unit": province, "issuing_authority": "UBND tỉnh Thái Nguyên",
                  **fields}
        return Certificate.objects.create(product=item, stars=stars, decision_number=number, decision_date=day,
                                          valid_until=add_months(day, 36), synthetic=True, **fields)

    certificates = SimpleNamespace(
        che=certify(che, 4, dt.date(2024, 5, 10), "1021/QĐ-UBND"),
        mien=certify(mien, 3, dt.date(2023, 8, 1), "215/QĐ-UBND", issuing_level="huyen"),
        ruou=certify(ruou, 5, dt.date(2025, 12, 1), "2361/QĐ-BNNMT", issuing_level="trung_uong", issuing_unit=None,
                     issuing_authority="Bộ Nông nghiệp và Môi trường"),
        mat_ong=certify(mat_ong, 3, dt.date(2024, 1, 10), "12/QĐ-UBND", revoked_on=dt.date(2026, 3, 15),
                        revocation_decision="88/QĐ-UBND", revocation_reason="Không đăng ký đánh giá lại"),
        gao_old=certify(gao, 3, dt.date(2024, 2, 1), "30/QĐ-UBND"),
        gao=certify(gao, 4, dt.date(2026, 4, 1), "450/QĐ-UBND"),
        tra=certify(tra, 4, dt.date(2024, 6, 1), "77/QĐ-UBND"),
    )
    rerating = Rating.objects.create(product=mien, year=2026, sheet=sheet, workflow="ocop-1489", stage="tinh",
                                     state=RatingState.PROPOSED, previous=certificates.mien, synthetic=True)
    for day, before, after in ((dt.date(2026, 5, 1), RatingState.DRAFT, RatingState.SUBMITTED),
                               (dt.date(2026, 6, 10), RatingState.SUBMITTED, RatingState.PROPOSED)):
        RatingEvent.objects.create(rating=rerating, action="step", from_state=before, to_state=after,
                                   timestamp=moment(day))
    return SimpleNamespace(
        day=DAY, province=province, van_phu=van_phu, lam_vy=lam_vy, van_yen=van_yen, van_phu_2023=van_phu_2023,
        lam_vy_2023=lam_vy_2023, other_province=other_province,
        other_commune=other_commune, groups=SimpleNamespace(food=food, drink=drink), sheet=sheet,
        producers=SimpleNamespace(coop=coop, firm=firm, household=household, late=late, elsewhere=elsewhere),
        products=SimpleNamespace(che=che, mien=mien, ruou=ruou, mat_ong=mat_ong, gao=gao, tra=tra),
        certificates=certificates, rerating=rerating)
