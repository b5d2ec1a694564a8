"""The co-operatives part of the demo: synthetic raw rows only, registration codes joining the OCOP demo's co-operative
producers, capital from the contributions, plots whose drawn boundaries match their areas, diaries that respect the
pre-harvest interval, lots with valid GS1 check digits whose quantities are their harvests', a processing lot merging
two, offers and requests on the board; deterministic; the co-operative manager's demo account manages one co-operative.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.core.management import call_command
from django.db.models import Sum
from shapely.geometry import shape

from nongthonso.coops import scope
from nongthonso.coops.models import (
    Certification,
    CertificationKind,
    Contribution,
    Cooperative,
    CropCycle,
    DiaryEntry,
    EntryKind,
    EventType,
    Lot,
    Member,
    MemberKind,
    Plot,
    ServiceUse,
    TraceEvent,
    YearFigures,
)
from nongthonso.core.dates import default_as_of
from nongthonso.demo import coops_demo
from nongthonso.demo.management.commands.demo_users import COOPERATIVE_ACCOUNTS
from nongthonso.market.models import Buyer, Listing, ListingKind
from nongthonso.ocop.models import Producer, ProducerKind

pytestmark = pytest.mark.django_db


def test_every_row_is_synthetic_and_the_printed_counts_are_the_rows():
    said = []
    counts = coops_demo.build(say=said.append)
    for model in (Cooperative, Member, Plot, Certification, CropCycle, DiaryEntry, Lot, TraceEvent, YearFigures,
                  Buyer, Listing):
        assert model.objects.exists() and not model.objects.filter(synthetic=False).exists(), model
    assert counts["cooperatives"] == Cooperative.objects.count() == len(coops_demo.COOPS)
    assert counts["entries"] == DiaryEntry.objects.count() and counts["lots"] == Lot.objects.count()
    (line,) = said
    assert f"{counts['cooperatives']} hợp tác xã" in line and f"{counts['listings']} tin cung cầu" in line


def test_the_cooperatives_are_communes_of_the_province_today_and_join_the_ocop_producers():
    today = default_as_of()
    for coop in Cooperative.objects.select_related("unit"):
        assert coop.unit.valid_from <= today and (coop.unit.valid_to is None or coop.unit.valid_to >= today)
    keys = dict(Producer.objects.filter(kind=ProducerKind.COOPERATIVE).values_list("name", "cooperative_key"))
    joined = [c for c in Cooperative.objects.all() if c.name in keys]
    assert joined and all(c.registration_code == keys[c.name] for c in joined)
    names = set(Cooperative.objects.values_list("unit__name", flat=True))
    assert {"Xã Tân Cương", "Xã Đại Từ"} <= names


def test_members_of_every_kind_with_capital_from_their_contributions_and_service_use():
    assert set(Member.objects.values_list("kind", flat=True)) == set(MemberKind.values)
    for member in Member.objects.filter(left_on__isnull=False):
        assert member.contributions.aggregate(s=Sum("amount"))["s"] == 0
    capital = Contribution.objects.filter(member__left_on__isnull=True).aggregate(s=Sum("amount"))["s"]
    assert capital > 0 and ServiceUse.objects.exists()
    for coop in Cooperative.objects.all():
        assert sorted(coop.years.values_list("year", flat=True)) == [2023, 2024, 2025]
        assert coop.officers.exists()


def test_drawn_plots_have_the_area_they_record():
    drawn = Plot.objects.filter(geometry__type="Polygon")
    assert drawn.exists() and Plot.objects.exclude(pk__in=drawn).exists()
    for plot in drawn:
        polygon = shape(plot.geometry)
        lat = polygon.centroid.y
        metres = polygon.area * 111_320 ** 2 * math.cos(math.radians(lat))
        assert abs(metres - float(plot.area_m2)) / float(plot.area_m2) < 0.01, plot.code


def test_certifications_include_organic_ocop_and_one_vietgap_expiring_within_30_days():
    today = default_as_of()
    kinds = set(Certification.objects.values_list("kind", flat=True))
    assert {CertificationKind.VIETGAP, CertificationKind.ORGANIC, CertificationKind.OCOP} <= kinds
    assert Certification.objects.filter(kind=CertificationKind.OCOP, ocop_product__isnull=True).count() == 0
    soon = Certification.objects.filter(valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=30))
    assert soon.filter(kind=CertificationKind.VIETGAP).count() == 1


def test_one_2026_cycle_per_plot_and_every_harvest_after_the_interval_of_its_sprays():
    assert CropCycle.objects.count() == Plot.objects.count()
    assert not CropCycle.objects.exclude(started_on__year=coops_demo.SEASON).exists()
    for cycle in CropCycle.objects.prefetch_related("entries"):
        kinds = {e.kind for e in cycle.entries.all()}
        assert {EntryKind.PLANTING, EntryKind.FERTILISING, EntryKind.SPRAYING, EntryKind.IRRIGATION,
                EntryKind.HARVEST} <= kinds
        sprays = [e for e in cycle.entries.all() if e.kind == EntryKind.SPRAYING]
        assert sprays and all(e.phi_days for e in sprays)
        for harvest in (e for e in cycle.entries.all() if e.kind == EntryKind.HARVEST):
            assert harvest.quantity > 0
            assert all(harvest.date >= s.date + dt.timedelta(days=s.phi_days) for s in sprays)


def _gs1_valid(gtin: str) -> bool:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(reversed(gtin)))
    return len(gtin) == 14 and gtin.isdigit() and total % 10 == 0


def test_lots_carry_valid_gtins_and_the_quantities_of_their_harvests():
    for lot in Lot.objects.prefetch_related("harvests"):
        assert _gs1_valid(lot.gtin), lot.gtin
        harvests = list(lot.harvests.all())
        if harvests:
            assert lot.quantity == sum(h.quantity for h in harvests)
            assert lot.produced_on >= max(h.date for h in harvests)
            assert set(lot.produced_by.values_list("biz_step", flat=True)) == {"harvesting", "commissioning"}
    merge = TraceEvent.objects.get(event_type=EventType.TRANSFORMATION)
    assert merge.inputs.count() == 2 and merge.outputs.count() == 1
    assert {str(lot.pk) for lot in [*merge.inputs.all(), *merge.outputs.all()]} == set(merge.quantities)


def test_the_check_digit_function_agrees_with_a_published_gtin():
    assert coops_demo.gs1_check_digit("629104150021") == 3  # GS1's own worked example: 6291041500213


def test_offers_from_cooperatives_and_ocop_producers_and_requests_from_buyers():
    offers = Listing.objects.filter(kind=ListingKind.OFFER)
    assert offers.filter(cooperative__isnull=False).exists() and offers.filter(producer__isnull=False).exists()
    requests = Listing.objects.filter(kind=ListingKind.REQUEST)
    assert requests.exists() and not requests.filter(buyer__isnull=True).exists()
    fitting = {o.product_key for o in offers} & {r.product_key for r in requests}
    assert len(fitting) >= 2


def test_the_build_is_deterministic():
    def rows():
        return (sorted(Cooperative.objects.values_list("name", "registration_code", "unit__code")),
                sorted(Contribution.objects.values_list("member__code", "member__cooperative__name", "amount")),
                sorted(DiaryEntry.objects.values_list("client_id", "kind", "date", "quantity")),
                sorted(Lot.objects.values_list("gtin", "lot_number", "quantity")))

    before = rows()
    coops_demo.build()
    assert rows() == before


def test_the_cooperative_manager_demo_account_manages_exactly_one_cooperative(settings):
    settings.DEBUG = True  # demo_users refuses to run with DEBUG off
    call_command("demo_users", stdout=io.StringIO())
    (username, coop_name), = COOPERATIVE_ACCOUNTS.items()
    coop = Cooperative.objects.get(name=coop_name)
    user = coop.managers.get()
    assert user.username == username and not user.memberships.exists()
    assert list(scope.managed(user)) == [coop] and list(scope.cooperatives(user)) == [coop]


def test_a_lots_events_run_harvesting_then_commissioning():
    for lot in Lot.objects.filter(harvests__isnull=False).distinct():
        steps = list(lot.produced_by.order_by("event_time").values_list("biz_step", flat=True))
        assert steps == ["harvesting", "commissioning"]
