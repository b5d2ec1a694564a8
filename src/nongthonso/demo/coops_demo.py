"""The co-operatives part of the Thái Nguyên demo: co-operatives of the province in force today (tea in Tân Cương and
Đại Từ, rice, honey, vegetables, citrus in former Bắc Kạn communes …) with their officers, members, capital movements
and service use, yearly figures 2023–2025, plots (some with GeoJSON boundaries), certifications, one crop cycle per
plot for the 2026 season with its diary, lots from the harvests with their EPCIS-shaped events (harvesting,
commissioning; a processing lot merging two), and the supply–demand board's buyers, offers and requests — every row
synthetic (``synthetic=True``), built deterministically (fixed seed), as raw inputs.

What is real: the communes (their names in the 2026 structure, looked up in the demo's units), the kinds of local
products, the GS1 check-digit rule, the rule that a harvest waits for the pre-harvest interval of every spray of its
cycle. What is synthetic: every co-operative, person, figure, plot, certificate number and date.

The co-operatives that are also producers of the OCOP demo carry its ``Producer.cooperative_key`` as their
registration code (read from the OCOP demo's rows). Nothing is computed here: capital is the sum of the members'
contributions, a lot's quantity the sum of its harvests, matches between offers and requests are the market's own
derived rows. Built after every other part of the demo with a seed of its own, so no earlier row changes; no row of
it is read by the NTM summaries.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

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
    MemberStatus,
    Officer,
    Plot,
    Sector,
    ServiceUse,
    TraceEvent,
    YearFigures,
)
from nongthonso.core.dates import default_as_of
from nongthonso.market.models import Buyer, Listing, ListingKind
from nongthonso.ocop.models import Certificate, Producer, add_months
from nongthonso.units.models import Unit

SEED = 20260215
PROVINCE = "19"
SEASON = 2026
SEASON_START = dt.date(SEASON, 2, 10)
YEARS = (2023, 2024, 2025)
GS1_PREFIX = "893"  # GS1 Việt Nam
# the co-operative whose account is the demo's co-operative manager login (demo_users)
DEMO_COOPERATIVE = "Hợp tác xã Chè Tân Hương"


@dataclass(frozen=True)
class Coop:
    """A demo co-operative: its commune (name in the structure in force today), sector, crop and product, the OCOP
    producer it is (by name, or none), the centre of its fields (lat, lon), how many members and plots."""

    name: str
    commune: str
    sector: str
    crop: str
    product: str
    unit_of_yield: str
    yield_per_m2: float  # a season's harvest per m² (kg or lít)
    ocop: str | None
    centre: tuple[float, float]
    members: int
    plots: int


COOPS = [
    Coop(DEMO_COOPERATIVE, "Xã Tân Cương", Sector.CROPS, "Chè Trung du", "Chè xanh Tân Cương", "kg", 0.12,
         DEMO_COOPERATIVE, (21.5558, 105.7621), 12, 6),
    Coop("Hợp tác xã Chè La Bằng", "Xã La Bằng", Sector.CROPS, "Chè LDP1", "Chè xanh La Bằng", "kg", 0.11,
         "Hợp tác xã Chè La Bằng", (21.7012, 105.6028), 10, 5),
    Coop("Hợp tác xã Chè an toàn Hoàng Nông", "Xã Đại Từ", Sector.CROPS, "Chè Kim Tuyên", "Chè xanh Đại Từ", "kg",
         0.10, "Hợp tác xã Chè an toàn Hoàng Nông", (21.6395, 105.6327), 9, 4),
    Coop("Hợp tác xã Chè Thành Công", "Xã Thành Công", Sector.CROPS, "Chè Trung du", "Chè xanh Thành Công", "kg",
         0.10, "Hợp tác xã Chè Thành Công", (21.4521, 105.8012), 8, 4),
    Coop("Hợp tác xã Nông nghiệp Bình Yên", "Xã Bình Yên", Sector.CROPS, "Lúa Bao thai", "Gạo Bao thai Định Hóa",
         "kg", 0.55, "Hợp tác xã Nông nghiệp Bình Yên", (21.8762, 105.6158), 11, 5),
    Coop("Hợp tác xã Na La Hiên", "Xã La Hiên", Sector.CROPS, "Na dai", "Na La Hiên", "kg", 1.20,
         "Hợp tác xã Na La Hiên", (21.7368, 105.9311), 9, 4),
    Coop("Hợp tác xã Nông sản Úc Kỳ", "Xã Phú Bình", Sector.CROPS, "Rau cải ngọt", "Rau an toàn Phú Bình", "kg",
         2.40, "Hợp tác xã Nông sản Úc Kỳ", (21.4892, 105.9656), 8, 4),
    Coop("Hợp tác xã Mật ong Ba Bể", "Xã Ba Bể", Sector.LIVESTOCK, "Ong nội (đặt đàn ven rừng)", "Mật ong rừng Ba Bể",
         "lít", 0.04, None, (22.4093, 105.7236), 8, 3),
    Coop("Hợp tác xã Cam quýt Bạch Thông", "Xã Bạch Thông", Sector.CROPS, "Quýt Quang Thuận", "Quýt Bạch Thông",
         "kg", 1.60, None, (22.2158, 105.8372), 10, 5),
    Coop("Hợp tác xã Rau an toàn Chợ Mới", "Xã Chợ Mới", Sector.CROPS, "Rau cải, su hào", "Rau an toàn Chợ Mới",
         "kg", 2.10, None, (21.8792, 105.7763), 8, 4),
    Coop("Hợp tác xã Gạo Bao thai Chợ Đồn", "Xã Chợ Đồn", Sector.CROPS, "Lúa Bao thai", "Gạo Bao thai Chợ Đồn",
         "kg", 0.50, None, (22.1812, 105.5838), 9, 4),
]

FAMILY = ["Nguyễn", "Trần", "Lê", "Hoàng", "Ma", "Nông", "Triệu", "Lường", "Đặng", "Dương", "Vũ", "Hà"]
GIVEN = ["Văn Hùng", "Thị Hoa", "Văn Thắng", "Thị Lan", "Văn Quý", "Thị Nga", "Văn Bình", "Thị Thủy", "Văn Toàn",
         "Thị Hằng", "Văn Dũng", "Thị Huyền", "Văn Khải", "Thị Phương"]
POSITIONS = ("Chủ tịch Hội đồng quản trị kiêm Giám đốc", "Kiểm soát viên", "Kế toán")
SERVICES = ("Cung ứng vật tư đầu vào", "Tiêu thụ sản phẩm")
# the inputs of a season: (kind, input, dose, dose unit, PHI days) — a spray's interval before the harvest
INPUTS = {
    EntryKind.PLANTING: ("Giống {crop}", None, "", None),
    EntryKind.FERTILISING: ("Phân hữu cơ vi sinh Sông Gianh", Decimal("40"), "kg/sào", None),
    EntryKind.SPRAYING: ("Chế phẩm sinh học Bacillus thuringiensis (Bt)", Decimal("0.5"), "lít/sào", 7),
    EntryKind.IRRIGATION: ("Nước giếng khoan, tưới nhỏ giọt", None, "", None),
}
# an OCOP producer (a household, not a co-operative) offering on the board, from Xã Phú Lương
HONEY_HOUSEHOLD = "Hộ kinh doanh mật ong Yên Lạc"
# the hour of the day of each business step (harvest in the morning, processing, then the lot commissioned)
STEP_HOURS = {"harvesting": 7, "transforming": 10, "commissioning": 16}
BUYERS = [
    ("Công ty Cổ phần Thực phẩm sạch Phổ Yên", "doanh nghiệp", "Phường Phổ Yên"),
    ("Bếp ăn bán trú các trường tiểu học Phú Bình", "bếp ăn tập thể", "Xã Phú Bình"),
    ("Cửa hàng nông sản OCOP Phan Đình Phùng", "cửa hàng", "Phường Phan Đình Phùng"),
]


def gs1_check_digit(digits: str) -> int:
    """The GS1 check digit of ``digits`` (a GTIN without its last digit): weights 3 and 1 alternating from the right,
    the digit that brings the sum to a multiple of ten."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def gtin14(company: int, item: int) -> str:
    """A GTIN-14 under GS1 Việt Nam's prefix: indicator 0, prefix 893, a 5-digit company number, a 4-digit item."""
    body = f"0{GS1_PREFIX}{company:05d}{item:04d}"
    return body + str(gs1_check_digit(body))


def rectangle(lat: float, lon: float, width_m: float, height_m: float) -> dict:
    """A GeoJSON polygon of ``width_m`` × ``height_m`` metres centred on (lat, lon) (local equirectangular metres)."""
    dlat = height_m / 2 / 111_320
    dlon = width_m / 2 / (111_320 * math.cos(math.radians(lat)))
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat], [lon - dlon, lat + dlat],
            [lon - dlon, lat - dlat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}


def clear() -> None:
    """Remove every synthetic co-operative and market row (events and lots before the co-operatives they protect)."""
    Listing.objects.filter(synthetic=True).delete()
    Buyer.objects.filter(synthetic=True).delete()
    TraceEvent.objects.filter(synthetic=True).delete()
    Lot.objects.filter(synthetic=True).delete()
    Cooperative.objects.filter(synthetic=True).delete()


class _Build:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.today = default_as_of()
        names = {c.commune for c in COOPS} | {b[2] for b in BUYERS} | {"Xã Phú Lương"}
        in_force = Unit.objects.valid_on(self.today).filter(name__in=names, parent__code=PROVINCE)
        self.units = {u.name: u for u in in_force}
        missing = names - set(self.units)
        if missing:
            raise LookupError(f"Thiếu đơn vị hành chính của tỉnh hiện hành: {', '.join(sorted(missing))}")
        self.producers = {p.name: p for p in Producer.objects.filter(synthetic=True).exclude(cooperative_key="")}

    def person(self) -> str:
        return f"{self.rng.choice(FAMILY)} {self.rng.choice(GIVEN)}"

    def phone(self) -> str:
        return f"09{self.rng.randint(10_000_000, 99_999_999)}"

    def cooperative(self, i: int, spec: Coop) -> Cooperative:
        producer = self.producers.get(spec.ocop) if spec.ocop else None
        unit = self.units[spec.commune]
        established = dt.date(self.rng.randint(2012, 2020), self.rng.randint(1, 12), self.rng.randint(1, 28))
        coop = Cooperative.objects.create(
            name=spec.name, registration_code=producer.cooperative_key if producer else f"HTX-{PROVINCE}-{900 + i:04d}",
            tax_code=f"46{self.rng.randint(10_000_000, 99_999_999)}", unit=unit, sector=spec.sector,
            model="Liên kết sản xuất, tiêu thụ theo chuỗi giá trị" if i % 2 == 0 else "Dịch vụ đầu vào, tiêu thụ chung",
            established_on=established, address=f"{unit.name}, tỉnh Thái Nguyên", phone=self.phone(),
            charter_capital=Decimal(self.rng.choice([500, 800, 1_000, 1_500])) * 1_000_000, synthetic=True)
        Officer.objects.bulk_create([
            Officer(cooperative=coop, full_name=self.person(), position=position, start_on=established,
                    phone=self.phone()) for position in POSITIONS])
        return coop

    def members(self, coop: Cooperative, spec: Coop) -> list[Member]:
        rows = []
        for n in range(1, spec.members + 1):
            kind = MemberKind.ENTITY if n == spec.members else (
                MemberKind.HOUSEHOLD if n % 3 == 0 else MemberKind.INDIVIDUAL)
            name = (f"Tổ hợp tác sản xuất {spec.crop.lower()} thôn {n}" if kind == MemberKind.ENTITY
                    else f"Hộ ông (bà) {self.person()}" if kind == MemberKind.HOUSEHOLD else self.person())
            joined = coop.established_on + dt.timedelta(days=self.rng.randint(0, 900))
            left = n == 2  # one member left in 2025, their capital returned
            rows.append(Member(
                cooperative=coop, code=f"TV{n:03d}", kind=kind, name=name, unit=coop.unit, phone=self.phone(),
                joined_on=joined, left_on=dt.date(2025, 9, 30) if left else None,
                status=MemberStatus.LEFT if left else MemberStatus.ACTIVE, synthetic=True))
        return Member.objects.bulk_create(rows)

    def capital(self, members: list[Member]) -> tuple[list[Contribution], list[ServiceUse]]:
        money, uses = [], []
        for member in members:
            first = Decimal(self.rng.choice([10, 20, 30, 50])) * 1_000_000
            money.append(Contribution(member=member, date=member.joined_on, amount=first, note="Góp vốn khi gia nhập"))
            if member.status == MemberStatus.LEFT:
                money.append(Contribution(member=member, date=member.left_on, amount=-first,
                                          note="Trả lại vốn góp khi ra khỏi hợp tác xã"))
                continue
            if self.rng.random() < 0.4:
                money.append(Contribution(member=member, date=dt.date(2024, 3, self.rng.randint(1, 28)),
                                          amount=Decimal(self.rng.choice([5, 10])) * 1_000_000,
                                          note="Góp thêm vốn theo nghị quyết đại hội thành viên"))
            for year in YEARS[1:]:
                for service in SERVICES:
                    uses.append(ServiceUse(member=member, year=year, service=service,
                                           value=Decimal(self.rng.randint(8, 90)) * 1_000_000))
        return money, uses

    def years(self, coop: Cooperative, size: int) -> list[YearFigures]:
        rows, revenue = [], self.rng.randint(900, 2_500) * size * 1_000
        for year in YEARS:
            revenue = int(revenue * self.rng.uniform(1.02, 1.18))
            profit = int(revenue * self.rng.uniform(0.05, 0.12))
            rows.append(YearFigures(
                cooperative=coop, year=year, revenue=Decimal(revenue) * 1_000, profit=Decimal(profit) * 1_000,
                distributed=Decimal(int(profit * self.rng.uniform(0.3, 0.5))) * 1_000,
                employees=self.rng.randint(3, 12), reported_on=dt.date(year + 1, 3, self.rng.randint(1, 28)),
                synthetic=True))
        return rows

    def plots(self, coop: Cooperative, spec: Coop, members: list[Member]) -> list[Plot]:
        farming = [m for m in members if m.status == MemberStatus.ACTIVE and m.kind != MemberKind.ENTITY]
        rows = []
        lat, lon = spec.centre
        for n in range(1, spec.plots + 1):
            width, height = self.rng.randint(40, 110), self.rng.randint(30, 90)
            drawn = n % 2 == 1  # every other plot has its boundary drawn
            here = (lat + self.rng.uniform(-0.01, 0.01), lon + self.rng.uniform(-0.01, 0.01))
            rows.append(Plot(
                cooperative=coop, member=farming[(n - 1) % len(farming)], code=f"T{n:02d}",
                name=f"Khu {['Đồng Cả', 'Gò Chè', 'Bãi Sông', 'Đồi Thông', 'Nà Pài', 'Khuổi Nạc'][n % 6]}",
                unit=coop.unit, area_m2=Decimal(width * height), crop=spec.crop, season=f"Vụ {SEASON}",
                geometry=rectangle(*here, width, height) if drawn else
                {"type": "Point", "coordinates": [round(here[1], 7), round(here[0], 7)]},
                growing_area_code=f"VN-{PROVINCE}-{coop.registration_code[-4:]}-{n:03d}", synthetic=True))
        return Plot.objects.bulk_create(rows)

    def certifications(self, i: int, coop: Cooperative, plots: list[Plot]) -> None:
        kind = CertificationKind.ORGANIC if i in (1, 7) else CertificationKind.VIETGAP
        # three years of validity; the first co-operative's VietGAP runs out within 30 days of today (the expiry
        # notice's work), the others issued in the two years before today (well clear of it)
        if i == 0:
            valid = self.today + dt.timedelta(days=18)
            issued = add_months(valid, -36)
        else:
            issued = self.today - dt.timedelta(days=self.rng.randint(60, 700))
            valid = add_months(issued, 36)
        certificate = Certification.objects.create(
            cooperative=coop, kind=kind, number=f"VG{self.rng.randint(1000, 9999)}/{issued.year}" if kind ==
            CertificationKind.VIETGAP else f"HC-{self.rng.randint(100, 999)}/{issued.year}",
            certifier="Trung tâm Kiểm nghiệm và Chứng nhận chất lượng nông lâm thủy sản (minh họa)",
            scope=f"Sản xuất {plots[0].crop.lower()} trên {len(plots)} thửa", issued_on=issued,
            valid_until=valid, synthetic=True)
        certificate.plots.set(plots)
        producer = self.producers.get(coop.name)
        held = Certificate.objects.filter(product__producer=producer, revoked_on__isnull=True).order_by(
            "-decision_date").select_related("product").first() if producer else None
        if held:
            Certification.objects.create(
                cooperative=coop, kind=CertificationKind.OCOP, number=held.decision_number or f"OCOP-{held.pk}",
                certifier="UBND tỉnh Thái Nguyên", scope=f"Sản phẩm OCOP {held.stars} sao: {held.product.name}",
                ocop_product=held.product, issued_on=held.decision_date, valid_until=held.valid_until,
                synthetic=True)

    def diary(self, spec: Coop, plots: list[Plot]) -> tuple[list[CropCycle], list[DiaryEntry]]:
        cycles = CropCycle.objects.bulk_create([
            CropCycle(plot=plot, name=f"Vụ {SEASON}", crop=spec.crop, started_on=SEASON_START + dt.timedelta(
                days=self.rng.randint(0, 20)), synthetic=True) for plot in plots])
        entries = []
        for cycle, plot in zip(cycles, plots, strict=True):
            day = cycle.started_on
            sprayed = None
            for kind in (EntryKind.PLANTING, EntryKind.FERTILISING, EntryKind.IRRIGATION, EntryKind.SPRAYING):
                name, dose, dose_unit, phi = INPUTS[kind]
                day += dt.timedelta(days=self.rng.randint(10, 25))
                entries.append(self._entry(cycle, kind, day, input_name=name.format(crop=spec.crop), dose=dose,
                                           dose_unit=dose_unit, phi_days=phi))
                sprayed = day if kind == EntryKind.SPRAYING else sprayed
            harvest_on = sprayed + dt.timedelta(days=INPUTS[EntryKind.SPRAYING][3] + self.rng.randint(2, 12))
            quantity = (plot.area_m2 * Decimal(str(spec.yield_per_m2))).quantize(Decimal("0.1"))
            entries.append(self._entry(cycle, EntryKind.HARVEST, harvest_on, quantity=quantity,
                                       quantity_unit=spec.unit_of_yield))
            cycle.ended_on = harvest_on
        CropCycle.objects.bulk_update(cycles, ["ended_on"])
        return cycles, DiaryEntry.objects.bulk_create(entries)

    def _entry(self, cycle: CropCycle, kind: str, day: dt.date, **fields) -> DiaryEntry:
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(self.rng.randint(6, 17), self.rng.randint(0, 59))))
        return DiaryEntry(cycle=cycle, client_id=uuid.UUID(int=self.rng.getrandbits(128), version=4), kind=kind,
                          date=day, recorded_at=at, received_at=at + dt.timedelta(minutes=self.rng.randint(1, 600)),
                          synthetic=True, **{k: v for k, v in fields.items() if v not in (None, "")})

    def lots(self, i: int, coop: Cooperative, spec: Coop, harvests: list[DiaryEntry]) -> list[Lot]:
        """The harvests in two lots (the first half of the plots and the rest), each with its harvesting and
        commissioning events; the demo co-operative's two lots then merged by processing into a third."""
        made = []
        halves = [harvests[: len(harvests) // 2], harvests[len(harvests) // 2:]]
        producer = self.producers.get(coop.name)
        ocop_product = producer.products.order_by("code").first() if producer else None
        for n, part in enumerate(halves, start=1):
            made.append(self._lot(i, coop, spec.product, max(h.date for h in part), n, sum(h.quantity for h in part),
                                  spec.unit_of_yield, ocop_product, harvests=part))
        if i == 0:
            merged = self._lot(i, coop, f"{spec.product} (sao suốt)", max(lot.produced_on for lot in made) +
                               dt.timedelta(days=3), 3, sum(lot.quantity for lot in made) / Decimal(4),
                               spec.unit_of_yield, ocop_product, harvests=[])
            self._event(coop, EventType.TRANSFORMATION, "", "transforming", "in_progress", merged.produced_on,
                        inputs=made, outputs=[merged], source=None)
            self._event(coop, EventType.OBJECT, "ADD", "commissioning", "active", merged.produced_on,
                        inputs=[], outputs=[merged], source=None)
            made.append(merged)
        return made

    def _lot(self, i, coop, product, day, n, quantity, unit, ocop_product, harvests) -> Lot:
        gtin = gtin14(10_000 + i * 37, 100 + n)
        number = f"{day:%y%m%d}{n:02d}"
        lot = Lot.objects.create(
            cooperative=coop, gtin=gtin, lot_number=number, identifier=f"{gtin}-{number}", product_name=product,
            ocop_product=ocop_product, quantity=quantity, quantity_unit=unit, produced_on=day,
            best_before=day + dt.timedelta(days=365), standards=", ".join(
                c.get_kind_display() for c in coop.certifications.exclude(kind=CertificationKind.OCOP)),
            synthetic=True)
        if harvests:
            lot.harvests.set(harvests)
            self._event(coop, EventType.OBJECT, "ADD", "harvesting", "active", day, inputs=[], outputs=[lot],
                        source=harvests[-1])
            self._event(coop, EventType.OBJECT, "ADD", "commissioning", "active", day, inputs=[], outputs=[lot],
                        source=None)
        return lot

    def _event(self, coop, event_type, action, step, disposition, day, inputs, outputs, source) -> TraceEvent:
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(STEP_HOURS[step], self.rng.randint(0, 59))))
        event = TraceEvent.objects.create(
            event_id=f"urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}", event_type=event_type,
            action=action, event_time=at, biz_step=step, disposition=disposition,
            read_point=f"{coop.name}, {coop.unit.name}", biz_location=coop.unit, cooperative=coop,
            quantities={str(lot.pk): {"quantity": float(lot.quantity), "uom": "KGM" if lot.quantity_unit == "kg"
                                      else "LTR"} for lot in [*inputs, *outputs]},
            source_entry=source, recorded_at=at, synthetic=True)
        event.inputs.set(inputs)
        event.outputs.set(outputs)
        return event

    def market(self, coops: dict[str, Cooperative], lots: dict[str, list[Lot]]) -> list[Listing]:
        """Buyers and their requests; offers from co-operatives and from OCOP producers: open from today for two
        months. The tea, rice and honey requests fit offers (product, period, place, price, certification)."""
        start, end = self.today, self.today + dt.timedelta(days=60)
        buyers = Buyer.objects.bulk_create([
            Buyer(name=name, kind=kind, unit=self.units[place], address=f"{place}, tỉnh Thái Nguyên",
                  phone=self.phone(), synthetic=True) for name, kind, place in BUYERS])
        tea, rice = coops[DEMO_COOPERATIVE], coops["Hợp tác xã Nông nghiệp Bình Yên"]
        honey, citrus = coops["Hợp tác xã Mật ong Ba Bể"], coops["Hợp tác xã Cam quýt Bạch Thông"]
        greens = coops["Hợp tác xã Rau an toàn Chợ Mới"]
        household = Producer.objects.filter(synthetic=True, name=HONEY_HOUSEHOLD).first()

        def listing(kind, product, quantity, unit, place, low, high, certs, **party) -> Listing:
            return Listing(kind=kind, product=product, quantity=Decimal(quantity), quantity_unit=unit, unit=place,
                           period_start=start, period_end=end, price_min=Decimal(low), price_max=Decimal(high),
                           certifications=certs, quality=", ".join(certs), contact_name=self.person(),
                           contact_phone=self.phone(), synthetic=True, **party)

        top_lot = lots[DEMO_COOPERATIVE][-1]
        rows = [
            listing(ListingKind.OFFER, "Chè xanh Tân Cương", 300, "kg", tea.unit, 350_000, 450_000,
                    ["vietgap", "ocop"], cooperative=tea, lot=top_lot, ocop_product=top_lot.ocop_product),
            listing(ListingKind.OFFER, "Gạo Bao thai", 3_000, "kg", rice.unit, 22_000, 26_000, ["vietgap"],
                    cooperative=rice),
            listing(ListingKind.OFFER, "Mật ong rừng", 120, "lít", honey.unit, 400_000, 500_000, ["huu_co"],
                    cooperative=honey),
            listing(ListingKind.OFFER, "Quýt Bạch Thông", 2_000, "kg", citrus.unit, 25_000, 35_000, ["vietgap"],
                    cooperative=citrus),
            listing(ListingKind.OFFER, "Rau cải ngọt", 800, "kg", greens.unit, 12_000, 15_000, ["vietgap"],
                    cooperative=greens),
            listing(ListingKind.REQUEST, "Chè xanh Tân Cương", 200, "kg", buyers[2].unit, 300_000, 420_000,
                    ["vietgap"], buyer=buyers[2]),
            listing(ListingKind.REQUEST, "Gạo Bao thai", 2_000, "kg", buyers[1].unit, 20_000, 24_000, [],
                    buyer=buyers[1]),
            listing(ListingKind.REQUEST, "Rau cải ngọt", 500, "kg", buyers[1].unit, 10_000, 14_000, ["vietgap"],
                    buyer=buyers[1]),
            listing(ListingKind.REQUEST, "Mật ong rừng", 50, "lít", buyers[0].unit, 380_000, 480_000, [],
                    buyer=buyers[0]),
        ]
        if household is not None:
            product = household.products.order_by("code").first()
            rows.append(listing(ListingKind.OFFER, "Mật ong rừng", 80, "lít", self.units["Xã Phú Lương"], 350_000,
                                450_000, ["ocop"], producer=household, ocop_product=product))
        for row in rows:  # one by one: a listing's save keeps its folded product key (what matching joins on)
            row.save()
        return rows


def build(say=lambda *_: None) -> dict:
    """Create the co-operatives demo (after the OCOP demo, whose co-operative producers it joins); synthetic rows
    replaced."""
    clear()
    b = _Build()
    coops, lots = {}, {}
    money, uses, years = [], [], []
    for i, spec in enumerate(COOPS):
        coop = b.cooperative(i, spec)
        members = b.members(coop, spec)
        given, used = b.capital(members)
        money += given
        uses += used
        years += b.years(coop, spec.members)
        plots = b.plots(coop, spec, members)
        b.certifications(i, coop, plots)
        _cycles, entries = b.diary(spec, plots)
        lots[spec.name] = b.lots(i, coop, spec, [e for e in entries if e.kind == EntryKind.HARVEST])
        coops[spec.name] = coop
    Contribution.objects.bulk_create(money)
    ServiceUse.objects.bulk_create(uses)
    YearFigures.objects.bulk_create(years)
    b.market(coops, lots)
    mine = Q(synthetic=True)
    counts = {
        "cooperatives": Cooperative.objects.filter(mine).count(),
        "members": Member.objects.filter(mine).count(),
        "plots": Plot.objects.filter(mine).count(),
        "entries": DiaryEntry.objects.filter(mine).count(),
        "lots": Lot.objects.filter(mine).count(),
        "events": TraceEvent.objects.filter(mine).count(),
        "listings": Listing.objects.filter(mine).count(),
    }
    say(f"Hợp tác xã: {counts['cooperatives']} hợp tác xã, {counts['members']} thành viên, {counts['plots']} thửa, "
        f"{counts['entries']} dòng nhật ký, {counts['lots']} lô hàng, {counts['events']} sự kiện truy xuất, "
        f"{counts['listings']} tin cung cầu (minh họa).")
    return counts
