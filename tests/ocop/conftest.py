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
# --- scoring (o-engine): a product before a provincial council of three -------------------------------------------

@pytest.fixture
def scoring_world(db, unit_at, province_19, make_user):
    """A synthetic tea product of Tức Tranh (05641) rated in 2024 on the 148 sheet, before a round of the province's
    council (three members seated, «Ủy viên» with an account; «Dự khuyết» of the council but not seated), with the
    users of each role. ``score(member, {code: points}, user=None)`` writes through ``scoring.set_scores``;
    ``full(fraction)`` gives every criterion ``fraction`` of its maximum."""
    from nongthonso.ocop import scoring
    from nongthonso.ocop.models import (
        Council,
        CouncilMember,
        Evaluation,
        Producer,
        ProducerKind,
        Product,
        Rating,
        RatingState,
        Round,
        ScoringSheet,
        SubGroup,
    )

    commune = unit_at("05641", "xa")
    producer = Producer.objects.create(name="HTX Chè Tức Tranh (minh họa)", kind=ProducerKind.COOPERATIVE,
                                       unit=commune, synthetic=True)
    product = Product.objects.create(code="TN-KT-001", name="Chè búp Tức Tranh", producer=producer, unit=commune,
                                     subgroup=SubGroup.objects.get(code="1.2.b"), synthetic=True)
    sheet = ScoringSheet.objects.get(code="ocop-148-2023")
    rating = Rating.objects.create(product=product, year=2024, sheet=sheet, workflow="ocop-148",
                                   state=RatingState.PROPOSED, stage="tinh", synthetic=True)
    council = Council.objects.create(name="Hội đồng OCOP tỉnh Thái Nguyên 2024", unit=province_19, year=2024,
                                     synthetic=True)
    member_user = make_user("ocop.uyvien")
    members = {name: CouncilMember.objects.create(council=council, full_name=name, order=i,
                                                  user=member_user if name == "Ủy viên" else None)
               for i, name in enumerate(("Chủ tịch", "Phó chủ tịch", "Ủy viên", "Dự khuyết"))}
    round_ = Round.objects.create(council=council, name="Đợt 1 năm 2024", date=dt.date(2024, 9, 10), synthetic=True)
    round_.members.set([members[n] for n in ("Chủ tịch", "Phó chủ tịch", "Ủy viên")])
    evaluation = Evaluation.objects.create(rating=rating, round=round_)
    criteria = list(scoring.spec_of(sheet).compiled.criterion_codes)
    maxima = dict(zip(criteria, scoring.spec_of(sheet).compiled.max_points.tolist(), strict=True))

    def score(member: str, points: dict, user=None):
        return scoring.set_scores(evaluation, members[member], points, user)

    def full(fraction: float = 1.0) -> dict:
        return {code: round(maxima[code] * fraction, 2) for code in criteria}

    return SimpleNamespace(
        commune=commune, producer=producer, product=product, sheet=sheet, rating=rating, council=council,
        members=members, round=round_, evaluation=evaluation, criteria=criteria, maxima=maxima, score=score,
        full=full,
        office=make_user("ocop.tinh", "province_office", province_19),
        district=make_user("ocop.huyen", "district_office", unit_at("164", "huyen")),
        commune_officer=make_user("ocop.xa", "commune_officer", commune),
        member_user=member_user, nobody=make_user("ocop.khong"),
    )
