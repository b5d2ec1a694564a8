"""Fixtures of the OCOP tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

# --- the rating workflow, councils, certificates (o-workflow) --------------------------------------------------------


@pytest.fixture
def rating_world(db, make_user, unit_at, dai_tu, province_19):
    """A synthetic product of a Đại Từ commune with a scoring sheet (A1 40 · B1 25 · C1 35 points, bands
    90/70/50/30), its producer's account ``producer``, the district office ``huyen``, the province office ``tinh``,
    the commune officer ``xa``, and a council of two members (no accounts) at the district and at the province."""
    from nongthonso.ocop.models import (
        Council,
        CouncilMember,
        Producer,
        ProducerKind,
        Product,
        ProductGroup,
        Provenance,
        ScoringSheet,
        SheetCriterion,
        SheetPart,
        StarBand,
        SubGroup,
    )
    from nongthonso.units.models import Unit

    commune = (Unit.objects.valid_on(dt.date(2023, 6, 30)).filter(parent=dai_tu, unit_type__level__code="xa")
               .order_by("code").first())
    group = ProductGroup.objects.create(code="tst", name="Nhóm kiểm thử", provenance=Provenance.PLACEHOLDER)
    subgroup = SubGroup.objects.create(group=group, code="tst-1", name="Chè kiểm thử",
                                       provenance=Provenance.PLACEHOLDER)
    sheet = ScoringSheet.objects.create(code="tst-sheet", name="Phiếu kiểm thử", legal_basis="kiểm thử",
                                        valid_from=dt.date(2019, 1, 1), provenance=Provenance.PLACEHOLDER)
    sheet.subgroups.add(subgroup)
    for order, (code, points) in enumerate((("A", 40), ("B", 25), ("C", 35))):
        part = SheetPart.objects.create(sheet=sheet, code=code, name=f"Phần {code}", max_points=points, order=order)
        SheetCriterion.objects.create(sheet=sheet, part=part, code=f"{code}1", name=f"Tiêu chí {code}1",
                                      max_points=points, provenance=Provenance.PLACEHOLDER, order=order)
    for stars, points in ((5, 90), (4, 70), (3, 50), (2, 30), (1, 0)):
        StarBand.objects.create(sheet=sheet, stars=stars, min_points=points, provenance=Provenance.PLACEHOLDER)
    producer = Producer.objects.create(name="HTX Chè Kiểm Thử", kind=ProducerKind.COOPERATIVE, unit=commune,
                                       synthetic=True)
    producer_user = make_user("chu_the", email="chuthe@example.vn")
    producer.members.add(producer_user)
    product = Product.objects.create(code="TST-001", name="Chè búp Kiểm Thử", producer=producer, subgroup=subgroup,
                                     unit=commune, synthetic=True)
    councils = {}
    for level, unit in (("huyen", dai_tu), ("tinh", province_19)):
        council = Council.objects.create(name=f"Hội đồng OCOP {unit.name}", unit=unit, year=2025, synthetic=True)
        for order, name in enumerate(("Nguyễn Văn An", "Trần Thị Bình"), 1):
            CouncilMember.objects.create(council=council, full_name=name, order=order)
        councils[level] = council
    return SimpleNamespace(
        commune=commune, sheet=sheet, producer=producer, product=product, councils=councils,
        producer_user=producer_user,
        huyen=make_user("ocop_huyen", "district_office", dai_tu, email="huyen@example.vn"),
        tinh=make_user("ocop_tinh", "province_office", province_19, email="tinh@example.vn"),
        xa=make_user("ocop_xa", "commune_officer", commune),
    )


@pytest.fixture
def new_rating(rating_world):
    """``new_rating(year=2025)``: a draft dossier of the world's product (arranged, as ``workflow.start`` writes it)."""
    from nongthonso.ocop.models import Rating

    def make(year: int = 2025) -> Rating:
        return Rating.objects.create(product=rating_world.product, year=year, sheet=rating_world.sheet,
                                     synthetic=True)

    return make


@pytest.fixture
def council_scores(rating_world):
    """``council_scores(rating, level, points=(30, 20, 25), day=…)``: a round of the ``level`` council with the
    dossier, each member scoring A1, B1, C1 with ``points`` (through ``scoring.set_scores``); returns the
    evaluation (total 75 → 4★ by default)."""
    from nongthonso.ocop import scoring
    from nongthonso.ocop.models import Evaluation, Round

    def score(rating, level: str, points=(30, 20, 25), day: dt.date = dt.date(2025, 8, 5)):
        council = rating_world.councils[level]
        sitting = Round.objects.create(council=council, name=f"Đợt {day:%d/%m}", date=day, synthetic=True)
        sitting.members.set(council.members.all())
        evaluation = Evaluation.objects.create(rating=rating, round=sitting)
        for member in council.members.all():
            scoring.set_scores(evaluation, member, dict(zip(("A1", "B1", "C1"), map(Decimal, map(str, points)),
                                                            strict=True)), None)
        evaluation.refresh_from_db()
        return evaluation

    return score
