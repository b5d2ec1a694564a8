"""Fixtures of the OCOP tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

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
