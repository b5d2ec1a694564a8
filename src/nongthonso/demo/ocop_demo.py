"""The OCOP part of the Thái Nguyên demo: producers, products, the annual cycle's registrations, rating councils with
each member's points, the rating dossiers and the certificates decided from them — every row synthetic
(``synthetic=True``), built deterministically (fixed seed), as raw inputs.

What is real: the communes (their 2023 versions: producers registered before the 2025 reorganisation keep the
commune they registered in), the kinds of local products the province is known for (Tân Cương tea, Định Hóa rice,
dong-vermicelli, honey, La Hiên custard apples …), the workflow of Decision 148/QĐ-TTg (district councils rate 3★,
the province 4★, the ministry 5★, to 5/7/2025) and of Decision 1489/QĐ-TTg after it, the 36 months of a certificate.
What is synthetic: every producer, product name and story, council, member, point, decision number and date.

Nothing here is a result. The councils' members score each criterion of the scoring sheet in force (the catalogue's
``sheet_for``); the points engine computes each evaluation's total and stars (``scoring.refresh``), and each dossier
then goes the way its council's stars send it — a certificate of the stars the evaluation gave (3★ by the district,
4★ by the province, 5★ recorded from the ministry for the products the province forwarded), or not recognised. The
stars a product holds on any date are those of its certificates (``ocop.status``). The certificates expiring within
the next quarter are dated from today (``core.dates``): 36 months before it (and after 2023: ``AFTER_2023``), so that
the expiry notices have work to do whenever the demo is built; those of 2020 (recorded decisions from before the
system, under Decision 1048/QĐ-TTg) expire in the quarter after the 2023 report date. Most certificates running out
in 2026 are renewed by a 2026 re-rating under Decision 1489 (``renewals``: the provincial council's sitting after
30/6/2026, the dossier linked to the certificate it renews), so that today's catalogue is not nearly empty.

Built with the models directly, like the rest of the demo (its rows are not user writes, so nothing is audited); the
member scores in bulk. Nothing here changes a row of the 2023 or 2026 NTM demo.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from nongthonso.core.dates import default_as_of
from nongthonso.core.derived import writing
from nongthonso.ocop.catalogue import sheet_for
from nongthonso.ocop.models import (
    Certificate,
    Council,
    CouncilMember,
    Evaluation,
    MemberScore,
    Producer,
    ProducerKind,
    Product,
    Rating,
    RatingEvent,
    RatingState,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    Round,
    SheetCriterion,
    SubGroup,
    add_months,
)
from nongthonso.ocop.scoring import refresh
from nongthonso.units.models import Unit

SEED = 20231120
REPORT_DAY = dt.date(2023, 6, 30)  # the 2023 demo's report date: the units producers registered in
PROVINCE = "19"
# the certificates expiring in the quarter after today are decided after 2023, so that the demo's 2023 figures (and
# those of 30/6/2026, while the demo is built before mid-2029) do not depend on the day it is built
AFTER_2023 = dt.date(2024, 1, 1)
THREE_TIER_END = dt.date(2025, 7, 5)  # Decision 148's workflow (district councils) to this day; 1489's after it
WORKFLOW_148, WORKFLOW_1489 = "ocop-148", "ocop-1489"
PROVINCE_AUTHORITY = "UBND tỉnh Thái Nguyên"
MINISTRY_AUTHORITY = "Bộ Nông nghiệp và Phát triển nông thôn"
DEMO_ACTOR = "Dữ liệu minh họa"
NOTE = "Số, ngày quyết định là minh họa (demo)."
# the producer whose account is the demo's OCOP producer login (demo_users)
DEMO_PRODUCER = "Hợp tác xã Chè Tân Hương"

# producers: key → (name, kind, commune code on 30/6/2023, representative)
PRODUCERS = {
    "tanhuong": (DEMO_PRODUCER, ProducerKind.COOPERATIVE, "05503", "Nguyễn Thị Hương"),
    "labang": ("Hợp tác xã Chè La Bằng", ProducerKind.COOPERATIVE, "05815", "Lê Văn Bằng"),
    "hoangnong": ("Hợp tác xã Chè an toàn Hoàng Nông", ProducerKind.COOPERATIVE, "05818", "Trần Văn Nông"),
    "khecoc": ("Hợp tác xã Chè Khe Cốc", ProducerKind.COOPERATIVE, "05641", "Hoàng Văn Cốc"),
    "phudo": ("Tổ hợp tác chè Phú Đô", ProducerKind.COOPERATIVE_GROUP, "05635", "Đặng Thị Đô"),
    "songcau": ("Hợp tác xã Chè Sông Cầu", ProducerKind.COOPERATIVE, "05656", "Dương Văn Cầu"),
    "phuctrieu": ("Hộ kinh doanh chè Phúc Trìu", ProducerKind.HOUSEHOLD, "05494", "Vũ Thị Trìu"),
    "binhyen": ("Hợp tác xã Nông nghiệp Bình Yên", ProducerKind.COOPERATIVE, "05587", "Ma Văn Yên"),
    "phuongtien": ("Tổ hợp tác miến dong Phượng Tiến", ProducerKind.COOPERATIVE_GROUP, "05566", "Nông Thị Tiến"),
    "quyky": ("Hợp tác xã Dược liệu Quy Kỳ", ProducerKind.COOPERATIVE, "05545", "Lường Văn Kỳ"),
    "colung": ("Hợp tác xã Bánh chưng Bờ Đậu", ProducerKind.COOPERATIVE, "05650", "Phạm Thị Lũng"),
    "yenlac": ("Hộ kinh doanh mật ong Yên Lạc", ProducerKind.HOUSEHOLD, "05623", "Đinh Văn Lạc"),
    "lahien": ("Hợp tác xã Na La Hiên", ProducerKind.COOPERATIVE, "05740", "La Văn Hiên"),
    "trangxa": ("Tổ hợp tác thổ cẩm Tràng Xá", ProducerKind.COOPERATIVE_GROUP, "05746", "Triệu Thị Xá"),
    "ucky": ("Hợp tác xã Nông sản Úc Kỳ", ProducerKind.COOPERATIVE, "05950", "Ngô Văn Kỳ"),
    "tanduc": ("Công ty TNHH Nông sản Tân Đức", ProducerKind.ENTERPRISE, "05947", "Bùi Văn Đức"),
    "khason": ("Hộ kinh doanh bún khô Kha Sơn", ProducerKind.HOUSEHOLD, "05959", "Đỗ Thị Sơn"),
    "thanhcong": ("Hợp tác xã Chè Thành Công", ProducerKind.COOPERATIVE, "05881", "Tạ Văn Công"),
    "minhduc": ("Công ty Cổ phần Thực phẩm Minh Đức", ProducerKind.ENTERPRISE, "05872", "Kiều Văn Minh"),
    "vanhan": ("Hợp tác xã Chè Văn Hán", ProducerKind.COOPERATIVE, "05680", "Lý Văn Hán"),
    "hoabinh": ("Hợp tác xã Du lịch cộng đồng Hòa Bình", ProducerKind.COOPERATIVE, "05671", "Hà Thị Bình"),
    "phuxuyen": ("Hộ kinh doanh rượu men lá Phú Xuyên", ProducerKind.HOUSEHOLD, "05797", "Chu Văn Xuyên"),
    "tanquang": ("Hợp tác xã Tinh dầu Tân Quang", ProducerKind.COOPERATIVE, "05527", "Mai Thị Quang"),
    "diemmac": ("Hợp tác xã Chè Điềm Mặc", ProducerKind.COOPERATIVE, "05590", "Lục Văn Mặc"),
    "vanyen": ("Hợp tác xã Chè Văn Yên", ProducerKind.COOPERATIVE, "05842", "Triệu Văn Yên"),
    "lamvy": ("Tổ hợp tác miến dong Lam Vỹ", ProducerKind.COOPERATIVE_GROUP, "05542", "Ma Thị Vỹ"),
}

# products: (producer key, name, sub-group code, path). A path says where its dossiers go (the stars come from the
# points the councils give, chosen about a target total — `TARGETS`):
#   c3 / c4 / c5   rated in 2023: 3★ by the district, 4★ by the province, 5★ by the ministry (forwarded)
#   soon3 / soon4  rated about 36 months before today: their certificates expire within the next quarter
#   old / renew    a 2020 certificate recorded from the province's decision (Decision 1048), expiring in the quarter
#                  after 30/6/2023; «renew»: re-rated in 2023, the new dossier linked to it
#   revoked        3★ in 2023, revoked in 2025 with its reason
#   fail           scored below 3★ by the district in 2023: not recognised
#   draft / submitted / returned / proposed / scored   this year's dossiers under Decision 1489, still open
#   none           registered, not rated yet
PRODUCTS = [
    ("tanhuong", "Chè xanh Tân Cương đặc biệt", "2.2", "c5"),
    ("tanhuong", "Chè móc câu Tân Cương", "2.2", "soon4"),
    ("tanhuong", "Chè búp tôm Tân Hương", "2.2", "renew"),
    ("tanhuong", "Trà xanh túi lọc Tân Hương", "2.2", "submitted"),
    ("labang", "Chè xanh La Bằng", "2.2", "c4"),
    ("labang", "Chè đinh La Bằng", "2.2", "soon3"),
    ("hoangnong", "Chè an toàn Hoàng Nông", "2.2", "c3"),
    ("khecoc", "Chè Khe Cốc", "2.2", "c4"),
    ("khecoc", "Hồng trà Khe Cốc", "2.2", "proposed"),
    ("phudo", "Chè xanh Phú Đô", "2.2", "old"),
    ("songcau", "Chè Sông Cầu", "2.2", "renew"),
    ("songcau", "Chè nõn tôm Sông Cầu", "2.2", "scored"),
    ("phuctrieu", "Chè Phúc Trìu", "2.2", "revoked"),
    ("binhyen", "Gạo Bao thai Định Hóa", "1.2.a", "c3"),
    ("binhyen", "Gạo nếp vải Bình Yên", "1.2.a", "soon3"),
    ("binhyen", "Gạo lứt Bình Yên", "1.2.a", "draft"),
    ("phuongtien", "Miến dong Phượng Tiến", "1.3.b", "c4"),
    ("phuongtien", "Miến dong sắn dây Phượng Tiến", "1.3.b", "returned"),
    ("quyky", "Trà hoa vàng Quy Kỳ", "3.1", "c3"),
    ("quyky", "Cao dược liệu Quy Kỳ", "3.2", "fail"),
    ("colung", "Bánh chưng Bờ Đậu", "1.3.b", "c4"),
    ("colung", "Bánh chưng gạo lứt Bờ Đậu", "1.3.b", "soon4"),
    ("yenlac", "Mật ong rừng Yên Lạc", "1.2.b", "c3"),
    ("yenlac", "Mật ong hoa nhãn Yên Lạc", "1.2.b", "none"),
    ("lahien", "Na La Hiên", "1.1.a", "c4"),
    ("lahien", "Na dai La Hiên sấy", "1.3.c", "proposed"),
    ("trangxa", "Khăn thổ cẩm Tràng Xá", "4.3", "c3"),
    ("ucky", "Gạo nếp cái hoa vàng Úc Kỳ", "1.2.a", "old"),
    ("ucky", "Bánh gio Úc Kỳ", "1.3.b", "c3"),
    ("tanduc", "Bí xanh thơm Tân Đức", "1.1.a", "c4"),
    ("tanduc", "Dưa lưới Tân Đức", "1.1.a", "soon3"),
    ("khason", "Bún khô Kha Sơn", "1.3.b", "c3"),
    ("thanhcong", "Chè xanh Thành Công", "2.2", "c4"),
    ("thanhcong", "Trà ô long Thành Công", "2.2", "fail"),
    ("minhduc", "Giò chả Minh Đức", "1.3.d", "c3"),
    ("minhduc", "Ruốc nấm Minh Đức", "1.3.c", "scored"),
    ("vanhan", "Chè Văn Hán", "2.2", "c3"),
    ("hoabinh", "Điểm du lịch cộng đồng Hòa Bình", "6.1", "c3"),
    ("phuxuyen", "Rượu men lá Phú Xuyên", "2.1", "c3"),
    ("tanquang", "Tinh dầu sả chanh Tân Quang", "3.4", "c4"),
    ("tanquang", "Xà phòng thảo dược Tân Quang", "3.3", "draft"),
    ("diemmac", "Chè Điềm Mặc", "2.2", "c5"),
    ("diemmac", "Chè vàng Điềm Mặc", "2.2", "none"),
    ("vanyen", "Chè xanh Văn Yên", "2.2", "c3"),
    ("vanyen", "Chè túi lọc Văn Yên", "2.2", "submitted"),
    ("lamvy", "Miến dong Lam Vỹ", "1.3.b", "submitted"),
]

# about which council total the members' points are drawn, by path and council level (the engine decides the stars)
TARGETS = {"c3": 61, "soon3": 63, "revoked": 58, "c4": 79, "soon4": 80, "renew": 76, "c5": 93, "fail": 42,
           "scored": 74, "renewal": 79}
# the 2026 re-ratings (Decision 1489: the commune pre-assesses and proposes, the provincial council scores, the province
# decides) of the products whose 2023 certificates run out in 2026, through the provincial council's second sitting of
# 2026 — after 30/6/2026, so that the demo's figures of that date (the golden files) do not change; a demo built
# before the decision day has none of them
RENEWAL_YEAR = 2026
RENEWAL_ROUND = dt.date(2026, 10, 14)
RENEWAL_DECIDED = dt.date(2026, 11, 4)
# what becomes of each expiring certificate, in the order of its product's code (cycled): «keep» the stars, «change»
# them (3★ raised, 4★ lowered), «fail» (not recognised), «scored» (awaiting the decision), «proposed» (awaiting the
# council), «lapse» (no re-rating: the certificate simply runs out)
RENEWAL_PLAN = ("keep", "change", "keep", "fail", "keep", "proposed", "change", "keep", "keep", "scored", "keep",
                "change", "lapse", "keep", "fail", "keep", "change", "proposed", "keep", "keep", "change", "keep")
# about which council total the members' points are drawn, by outcome and the stars renewed
RENEWAL_TARGETS = {("keep", 3): 62, ("keep", 4): 79, ("change", 3): 76, ("change", 4): 64, ("scored", 3): 66,
                   ("scored", 4): 77}
MEMBERS = ["Nguyễn Văn Hải", "Trần Thị Lan", "Lê Văn Sơn", "Phạm Thị Hà", "Hoàng Văn Minh", "Đỗ Thị Thu",
           "Vũ Văn Long", "Bùi Thị Mai", "Đặng Văn Tùng", "Ngô Thị Hòa"]
POSITIONS = ["Chủ tịch Hội đồng", "Phó Chủ tịch Hội đồng", "Ủy viên", "Ủy viên", "Ủy viên"]
REVOCATION_REASON = ("Chủ thể không duy trì công bố chất lượng sản phẩm và sử dụng nhãn OCOP trên bao bì sản phẩm "
                     "khác (kiểm tra định kỳ năm 2025).")
STORIES = {
    "2.2": "Chè được hái một tôm hai lá, sao suốt bằng chảo gang theo cách truyền thống của vùng chè Thái Nguyên.",
    "1.2.a": "Lúa cấy một vụ trên ruộng bậc thang, phơi và bảo quản theo kinh nghiệm của đồng bào Tày.",
    "1.3.b": "Làm từ nguyên liệu trồng tại địa phương, không chất tẩy trắng, phơi nắng tự nhiên.",
}


@dataclass
class _Books:
    """What the build has made so far: councils by (unit, year), rounds by (council, date), decision numbers."""

    rng: random.Random
    councils: dict
    rounds: dict
    serial: int = 100

    def number(self, suffix: str) -> str:
        self.serial += self.rng.randint(3, 17)
        return f"{self.serial}/{suffix}"


def clear() -> None:
    """Remove every synthetic OCOP row (certificates before the dossiers they end, dossiers before their rounds), the
    evaluations the deleted scores touch refreshed once (``core.derived.writing``), not once per score."""
    with writing():
        _clear()


def _clear() -> None:
    Certificate.objects.filter(synthetic=True).update(rating=None)
    Rating.objects.filter(synthetic=True, previous__isnull=False).update(previous=None)
    Certificate.objects.filter(synthetic=True).delete()
    Rating.objects.filter(synthetic=True).delete()
    Round.objects.filter(synthetic=True).delete()
    Council.objects.filter(synthetic=True).delete()
    Registration.objects.filter(synthetic=True).delete()
    Product.objects.filter(synthetic=True).delete()
    Producer.objects.filter(synthetic=True).delete()


def _council(books: _Books, unit: Unit, year: int) -> Council:
    key = (unit.pk, year)
    if key not in books.councils:
        level = "tỉnh" if unit.unit_type.level.code == "tinh" else "huyện"
        council = Council.objects.create(
            name=f"Hội đồng đánh giá, phân hạng sản phẩm OCOP {level} năm {year} ({unit.name})", unit=unit,
            decision_number=books.number("QĐ-UBND"), decision_date=dt.date(year, 3, books.rng.randint(1, 28)),
            year=year, synthetic=True)
        names = books.rng.sample(MEMBERS, len(POSITIONS))
        CouncilMember.objects.bulk_create([CouncilMember(council=council, full_name=name, position=position, order=i)
                                           for i, (name, position) in enumerate(zip(names, POSITIONS, strict=True))])
        books.councils[key] = council
    return books.councils[key]


def _round(books: _Books, council: Council, day: dt.date) -> Round:
    key = (council.pk, day)
    if key not in books.rounds:
        sitting = Round.objects.create(council=council, name=f"Đợt đánh giá ngày {day:%d/%m/%Y}", date=day,
                                       synthetic=True)
        sitting.members.set(council.members.all())
        books.rounds[key] = sitting
    return books.rounds[key]


def _points(rng: random.Random, criteria: list[SheetCriterion], members: list[CouncilMember], target: float,
            evaluation: Evaluation, passing: bool) -> list[MemberScore]:
    """Each member's points on each criterion, about ``target`` per cent of its maximum (a bonus criterion: one point
    or none); a gate's minimum met when the dossier is meant to pass, missed when it is not."""
    rows = []
    for member in members:
        for criterion in criteria:
            top = float(criterion.max_points)
            if criterion.bonus:
                value = float(rng.random() < .5)
            else:
                value = top * min(1.0, max(0.0, rng.gauss(target / 100, .06)))
            if criterion.minimum_points is not None:
                floor = float(criterion.minimum_points)
                value = max(value, floor) if passing else min(value, floor - .5)
            rows.append(MemberScore(evaluation=evaluation, member=member, criterion=criterion,
                                    points=Decimal(str(round(min(max(value, 0), top) * 4) / 4))))
    return rows


class _Scoring:
    """Evaluations and their members' points, written in bulk, then refreshed by the engine in one pass."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.scores: list[MemberScore] = []
        self.criteria: dict[int, list[SheetCriterion]] = {}

    def evaluate(self, rating: Rating, sitting: Round, target: float, passing: bool = True) -> Evaluation:
        evaluation = Evaluation.objects.create(rating=rating, round=sitting)
        if rating.sheet_id not in self.criteria:
            self.criteria[rating.sheet_id] = list(SheetCriterion.objects.filter(sheet_id=rating.sheet_id))
        members = list(sitting.members.all())
        self.scores += _points(self.rng, self.criteria[rating.sheet_id], members, target, evaluation, passing)
        return evaluation

    def flush(self, evaluations: list[Evaluation]) -> None:
        MemberScore.objects.bulk_create(self.scores, batch_size=2000)
        self.scores = []
        refresh(evaluations)


def _event(rating: Rating, action: str, from_state: str, to_state: str, stage: str, day: dt.date,
           reason: str = "") -> RatingEvent:
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    return RatingEvent(rating=rating, action=action, from_state=from_state, to_state=to_state, stage=stage,
                       actor_name=DEMO_ACTOR, actor_role=DEMO_ACTOR, reason=reason, timestamp=at)


# --- the build ---------------------------------------------------------------------------------------------------

@dataclass
class _Dossier:
    """A rating dossier being built: its path, the days of its steps, its councils' evaluations in order."""

    rating: Rating
    path: str
    submitted: dt.date
    first_round: dt.date  # the district's (Decision 148) or the province's (1489) sitting
    second_round: dt.date | None  # the province's, for a dossier the district forwards (148)
    decided: dt.date  # the decision's day (the ministry's, for 5★: ``ministry``)
    ministry: dt.date
    evaluations: list


class _Build:
    def __init__(self, say):
        self.say = say
        self.rng = random.Random(SEED)
        self.today = default_as_of()
        self.books = _Books(self.rng, {}, {})
        self.scoring = _Scoring(self.rng)
        self.events: list[RatingEvent] = []
        self.provinces: dict[dt.date, Unit] = {}

    # units
    def province_on(self, day: dt.date) -> Unit:
        """The province's version in force on ``day`` (before its recorded history begins: the first version)."""
        if day not in self.provinces:
            versions = list(Unit.objects.filter(code=PROVINCE, unit_type__level__code="tinh")
                            .select_related("unit_type__level").order_by("valid_from"))
            self.provinces[day] = next((u for u in versions if u.is_valid_on(day)), versions[0])
        return self.provinces[day]

    def round_at(self, unit: Unit, day: dt.date) -> Round:
        return _round(self.books, _council(self.books, unit, day.year), day)

    # the rows
    def producers(self) -> dict[str, Producer]:
        codes = {code for _name, _kind, code, _rep in PRODUCERS.values()}
        communes = {u.code: u for u in Unit.objects.valid_on(REPORT_DAY).at_level("xa").filter(code__in=codes)
                    .select_related("parent__unit_type__level", "unit_type__level")}
        made = {}
        for i, (key, (name, kind, code, representative)) in enumerate(PRODUCERS.items(), start=1):
            unit = communes[code]
            coop = kind == ProducerKind.COOPERATIVE
            made[key] = Producer.objects.create(
                name=name, kind=kind, unit=unit, address=f"{unit.name}, {unit.parent.name}, tỉnh Thái Nguyên",
                representative=representative, phone=f"0208 3{self.rng.randint(100_000, 999_999)}",
                registration_number=f"{17 if coop else 46}{self.rng.randint(10_000_000, 99_999_999)}",
                tax_code=f"46{self.rng.randint(10_000_000, 99_999_999)}",
                registered_on=dt.date(self.rng.randint(2010, 2019), self.rng.randint(1, 12), self.rng.randint(1, 28)),
                cooperative_key=f"HTX-{PROVINCE}-{i:04d}" if coop else "", synthetic=True)
        return made

    def products(self, producers: dict[str, Producer]) -> list[tuple[Product, str]]:
        subgroups = {s.code: s for s in SubGroup.objects.select_related("group")}
        made, serial = [], {}
        for key, name, code, path in PRODUCTS:
            producer = producers[key]
            group = code.split(".")[0]
            subgroup = subgroups.get(code) or next(s for s in subgroups.values() if s.group.code == group)
            serial[producer.unit.code] = serial.get(producer.unit.code, 0) + 1
            product = Product.objects.create(
                code=f"OCOP-{producer.unit.code}-{serial[producer.unit.code]:03d}", name=name, producer=producer,
                subgroup=subgroup, unit=producer.unit,
                description=f"{name}: sản phẩm của {producer.name} (dữ liệu minh họa).",
                quality_declaration=f"Bản tự công bố sản phẩm số {self.rng.randint(1, 60):02d}/{producer.unit.code}"
                                    f"/{self.rng.randint(2019, 2022)} (minh họa)",
                packaging="Túi, hộp in nhãn đủ thông tin theo Nghị định 43/2017/NĐ-CP, có mã QR truy xuất.",
                story=STORIES.get(code, f"Sản phẩm gắn với nghề truyền thống của {producer.unit.name}."),
                sales_channels="Cửa hàng giới thiệu sản phẩm OCOP của tỉnh; sàn thương mại điện tử.",
                synthetic=True)
            made.append((product, path))
        return made

    def registrations(self, producers: dict[str, Producer], products: list[tuple[Product, str]]) -> None:
        rows = []
        for i, (product, path) in enumerate(products):
            if path in ("c3", "c4", "c5", "revoked", "fail") and i % 2 == 0:
                producer = product.producer
                idea_day = dt.date(2022, 3 + i % 4, 2 + i % 25)
                rows.append(Registration(year=2022, kind=RegistrationKind.IDEA, producer=producer, product=product,
                                         unit=producer.unit, title=product.name, submitted_on=idea_day,
                                         status=RegistrationStatus.ACCEPTED, synthetic=True))
                rows.append(Registration(year=2022, kind=RegistrationKind.PLAN, producer=producer, product=product,
                                         unit=producer.unit, title=f"Phương án sản xuất, kinh doanh {product.name}",
                                         submitted_on=idea_day + dt.timedelta(days=75),
                                         status=RegistrationStatus.ACCEPTED, synthetic=True))
        # this year's, received by the communes in force today that bear the code of the producer's commune
        today_units = {u.code: u for u in Unit.objects.valid_on(self.today).at_level("xa").filter(
            code__in={p.unit.code for p in producers.values()})}
        current = [(p, today_units[p.unit.code]) for p in producers.values() if p.unit.code in today_units]
        ideas = ["Trà xanh hòa tan", "Bột chè xanh matcha", "Kẹo chè xanh", "Gạo nếp vải đóng hộp quà",
                 "Mật ong ngâm chanh leo", "Bánh chưng đóng gói hút chân không"]
        states = [RegistrationStatus.RECEIVED, RegistrationStatus.ACCEPTED, RegistrationStatus.REFUSED,
                  RegistrationStatus.RECEIVED, RegistrationStatus.ACCEPTED, RegistrationStatus.RECEIVED]
        for i, (idea, state) in enumerate(zip(ideas, states, strict=True)):
            producer, unit = current[i % len(current)]
            rows.append(Registration(
                year=self.today.year, kind=RegistrationKind.IDEA if i % 3 else RegistrationKind.PLAN,
                producer=producer, unit=unit, title=f"{idea} {unit.name.split(' ', 1)[1]}",
                submitted_on=self.today - dt.timedelta(days=90 - 9 * i), status=state,
                note="Chưa có phương án nguồn nguyên liệu ổn định; bổ sung rồi đăng ký lại."
                if state == RegistrationStatus.REFUSED else "", synthetic=True))
        Registration.objects.bulk_create(rows)

    def dossier(self, product: Product, path: str, submitted: dt.date, *, year: int | None = None,
                previous: Certificate | None = None, first: dt.date, second: dt.date | None, decided: dt.date,
                ministry: dt.date | None = None, target: float | None = None) -> _Dossier:
        three_tier = submitted <= THREE_TIER_END
        sheet = sheet_for(product.subgroup, submitted)
        rating = Rating.objects.create(
            product=product, year=year or submitted.year, sheet=sheet,
            workflow=WORKFLOW_148 if three_tier else WORKFLOW_1489, state=RatingState.SUBMITTED,
            stage="huyen" if three_tier else "xa", previous=previous,
            self_assessment=f"Báo cáo tự đánh giá sản phẩm {product.name} theo phiếu {sheet.name} (minh họa).",
            synthetic=True)
        self.events.append(_event(rating, "submit", RatingState.DRAFT, RatingState.SUBMITTED, rating.stage,
                                  submitted))
        if not three_tier:
            self._preassess(rating, submitted + dt.timedelta(days=12))
        council_unit = product.unit.parent if three_tier else self.province_on(first)
        target = (TARGETS[path] if target is None else target) + self.rng.uniform(-2, 2)
        evaluation = self.scoring.evaluate(rating, self.round_at(council_unit, first), target, path != "fail")
        return _Dossier(rating, path, submitted, first, second, decided, ministry or decided, [evaluation])

    def _preassess(self, rating: Rating, day: dt.date) -> None:
        rating.pre_assessment = "UBND xã đã kiểm tra hồ sơ, đề xuất Hội đồng OCOP tỉnh đánh giá (minh họa)."
        self.events.append(_event(rating, "preassess", RatingState.SUBMITTED, RatingState.PROPOSED, "tinh", day))
        rating.state, rating.stage = RatingState.PROPOSED, "tinh"

    def forward(self, dossiers: list[_Dossier]) -> None:
        """The dossiers a district council scored at 4★ or more go to the province's council (Decision 148)."""
        for d in dossiers:
            first = d.evaluations[0]
            if d.rating.workflow != WORKFLOW_148 or d.second_round is None or (first.stars or 0) < 4:
                continue
            self.events.append(_event(d.rating, "score", RatingState.SUBMITTED, RatingState.SCORED, "huyen",
                                      d.first_round + dt.timedelta(days=3)))
            self.events.append(_event(d.rating, "forward", RatingState.SCORED, RatingState.FORWARDED, "tinh",
                                      d.first_round + dt.timedelta(days=14)))
            d.rating.state, d.rating.stage = RatingState.FORWARDED, "tinh"
            target = TARGETS[d.path] + self.rng.uniform(-2, 2)
            d.evaluations.append(self.scoring.evaluate(
                d.rating, self.round_at(self.province_on(d.second_round), d.second_round), target))

    def decide(self, d: _Dossier) -> Certificate | None:
        """The decision the last council's stars lead to: a certificate of those stars at the level that gives them,
        the province forwarding 5★ to the ministry, or not recognised."""
        rating, last = d.rating, d.evaluations[-1]
        stars, stage = last.stars or 0, rating.stage
        scored_from = RatingState.FORWARDED if rating.state == RatingState.FORWARDED else rating.state
        self.events.append(_event(rating, "score", scored_from, RatingState.SCORED, stage,
                                  last.round.date + dt.timedelta(days=3)))
        rating.state = RatingState.SCORED
        if d.path == "scored":
            return None
        district = stage == "huyen"
        if stars < 3 or (district and stars > 3 and d.second_round is None):
            self.events.append(_event(rating, "not_recognise", RatingState.SCORED, RatingState.NOT_RECOGNISED, stage,
                                      d.decided, reason="Tổng điểm của hội đồng dưới mức 3 sao, hoặc chưa đạt yêu cầu "
                                                        "tối thiểu của phiếu đánh giá."))
            rating.state = RatingState.NOT_RECOGNISED
            return None
        day, issuing, level, authority = d.decided, last.round.council.unit, stage, None
        if stars == 5:
            self.events.append(_event(rating, "forward", RatingState.SCORED, RatingState.FORWARDED, "trung_uong",
                                      d.decided))
            day, issuing, level, authority = d.ministry, None, "trung_uong", MINISTRY_AUTHORITY
            rating.stage = "trung_uong"
        number = self.books.number("QĐ-BNN-VPĐP" if level == "trung_uong" else "QĐ-UBND")
        self.events.append(_event(rating, "decide", RatingState.FORWARDED if stars == 5 else RatingState.SCORED,
                                  RatingState.CERTIFIED, rating.stage, day, reason=f"Quyết định {number}"))
        rating.state = RatingState.CERTIFIED
        return Certificate(product=rating.product, rating=rating, stars=stars, decision_number=number,
                           decision_date=day, issuing_unit=issuing, issuing_level=level,
                           issuing_authority=authority or f"UBND {issuing.name}",
                           valid_until=add_months(day, rating.sheet.certificate_months), synthetic=True)

    def open_dossier(self, product: Product, path: str) -> _Dossier | None:
        """This year's dossiers under Decision 1489, where each stands today."""
        today = self.today
        sheet = sheet_for(product.subgroup, today)
        rating = Rating.objects.create(product=product, year=today.year, sheet=sheet, workflow=WORKFLOW_1489,
                                       state=RatingState.DRAFT, stage="", synthetic=True,
                                       self_assessment=f"Báo cáo tự đánh giá sản phẩm {product.name} (minh họa).")
        if path == "draft":
            return None
        submitted = today - dt.timedelta(days=75)
        self.events.append(_event(rating, "submit", RatingState.DRAFT, RatingState.SUBMITTED, "xa", submitted))
        rating.state, rating.stage = RatingState.SUBMITTED, "xa"
        if path == "returned":
            self.events.append(_event(rating, "return", RatingState.SUBMITTED, RatingState.RETURNED, "xa",
                                      submitted + dt.timedelta(days=10),
                                      reason="Thiếu bản tự công bố chất lượng sản phẩm và ảnh nhãn, bao bì."))
            rating.state = RatingState.RETURNED
        elif path == "submitted":
            pass
        else:
            self._preassess(rating, submitted + dt.timedelta(days=15))
        rating.save()
        if path != "scored":
            return None
        first = today - dt.timedelta(days=20)
        evaluation = self.scoring.evaluate(rating, self.round_at(self.province_on(first), first), TARGETS[path])
        return _Dossier(rating, path, submitted, first, None, today, today, [evaluation])

    def renewals(self, certificates: list[Certificate]) -> list[_Dossier]:
        """The 2026 re-ratings of the certificates running out in 2026 (``RENEWAL_PLAN``), each dossier linked to the
        certificate it renews; those the council scored are returned (to be refreshed and decided), those awaiting
        the council are saved here. None when the demo is built before ``RENEWAL_DECIDED``."""
        if self.today < RENEWAL_DECIDED:
            return []
        expiring = sorted((c for c in certificates if c.valid_until.year == RENEWAL_YEAR and c.revoked_on is None),
                          key=lambda c: c.product.code)
        scored = []
        for i, previous in enumerate(expiring):
            outcome = RENEWAL_PLAN[i % len(RENEWAL_PLAN)]
            product = previous.product
            if outcome == "lapse":
                continue
            if outcome == "proposed":
                submitted = RENEWAL_ROUND + dt.timedelta(days=5 + i % 5)
                rating = Rating.objects.create(
                    product=product, year=RENEWAL_YEAR, sheet=sheet_for(product.subgroup, submitted),
                    workflow=WORKFLOW_1489, state=RatingState.SUBMITTED, stage="xa", previous=previous,
                    self_assessment=f"Báo cáo tự đánh giá lại sản phẩm {product.name} khi giấy chứng nhận hết "
                                    "hạn (minh họa).", synthetic=True)
                self.events.append(_event(rating, "submit", RatingState.DRAFT, RatingState.SUBMITTED, "xa",
                                          submitted))
                self._preassess(rating, submitted + dt.timedelta(days=10))
                rating.save(update_fields=["state", "stage", "pre_assessment"])
                continue
            path = outcome if outcome in ("fail", "scored") else "renewal"
            scored.append(self.dossier(
                product, path, dt.date(RENEWAL_YEAR, 8, 3) + dt.timedelta(days=2 * i), year=RENEWAL_YEAR,
                previous=previous, first=RENEWAL_ROUND, second=None, decided=RENEWAL_DECIDED,
                target=RENEWAL_TARGETS.get((outcome, previous.stars))))
        return scored

    def certificates_of_2020(self, product: Product, k: int) -> Certificate:
        """A certificate recorded from the province's decision of 2020 (Decision 1048, before the system): no
        dossier here, its stars those of the decision; it expires in the quarter after 30/6/2023."""
        day = dt.date(2020, 7 + k % 3, 6 + 7 * (k % 3))
        months = sheet_for(product.subgroup, day).certificate_months
        return Certificate.objects.create(
            product=product, stars=3 + k % 2, decision_number=self.books.number("QĐ-UBND"), decision_date=day,
            issuing_unit=self.province_on(day), issuing_level="tinh", issuing_authority=PROVINCE_AUTHORITY,
            valid_until=add_months(day, months), synthetic=True)


def build(say=lambda *_: None) -> dict:
    """Create the OCOP demo (after the units, the catalogue and the 2023/2026 demo); synthetic rows replaced. One
    write block (``core.derived.writing``): what the deletions and the rounds' seats touch is refreshed once, at its
    end, not once per member score."""
    with writing():
        return _build(say)


def _build(say) -> dict:
    _clear()
    b = _Build(say)
    producers = b.producers()
    products = b.products(producers)
    b.registrations(producers, products)

    districts = sorted({p.unit.parent.code for p, _path in products})
    district_round = {code: dt.date(2023, 8, 8 + 2 * i) for i, code in enumerate(districts)}
    province_round, province_decision, ministry_day = dt.date(2023, 10, 18), dt.date(2023, 11, 15), \
        dt.date(2024, 5, 28)
    soon_start = add_months(b.today, -36)
    dossiers: list[_Dossier] = []
    opened: list[_Dossier] = []
    soon = old = 0
    for product, path in products:
        if path == "none":
            continue
        if path in ("draft", "submitted", "returned", "proposed", "scored"):
            found = b.open_dossier(product, path)
            opened += [found] if found else []
            continue
        previous = None
        if path in ("old", "renew"):
            previous = b.certificates_of_2020(product, old)
            old += 1
            if path == "old":
                continue
        if path in ("soon3", "soon4"):
            decided = max(soon_start, AFTER_2023) + dt.timedelta(days=6 + 13 * soon)
            soon += 1
            dossiers.append(b.dossier(product, path, decided - dt.timedelta(days=90), first=decided - dt.timedelta(
                days=45), second=decided - dt.timedelta(days=20) if path == "soon4" else None, decided=decided))
            continue
        first = district_round[product.unit.parent.code]
        forwarded = path in ("c4", "c5", "renew")
        dossiers.append(b.dossier(
            product, path, dt.date(2023, 5, 4 + len(dossiers) % 20), previous=previous, first=first,
            second=province_round if forwarded else None,
            decided=province_decision if forwarded else first + dt.timedelta(days=20), ministry=ministry_day))

    b.scoring.flush([e for d in dossiers + opened for e in d.evaluations])
    b.forward(dossiers)
    b.scoring.flush([d.evaluations[-1] for d in dossiers if len(d.evaluations) > 1])
    decided = [(d, b.decide(d)) for d in dossiers + opened]
    Certificate.objects.bulk_create([c for _d, c in decided if c is not None])
    revoked = next(c for d, c in decided if c is not None and d.path == "revoked")
    revoked.revoked_on = dt.date(2025, 3, 18)
    revoked.revocation_decision = b.books.number("QĐ-UBND")
    revoked.revocation_reason = REVOCATION_REASON
    revoked.save(update_fields=["revoked_on", "revocation_decision", "revocation_reason"])
    renewed = b.renewals([c for _d, c in decided if c is not None])
    b.scoring.flush([e for d in renewed for e in d.evaluations])
    Certificate.objects.bulk_create([c for c in map(b.decide, renewed) if c is not None])
    for d in dossiers + opened + renewed:
        d.rating.save(update_fields=["state", "stage", "pre_assessment"])
    RatingEvent.objects.bulk_create(b.events)

    counts = {
        "producers": Producer.objects.filter(synthetic=True).count(),
        "products": Product.objects.filter(synthetic=True).count(),
        "registrations": Registration.objects.filter(synthetic=True).count(),
        "councils": Council.objects.filter(synthetic=True).count(),
        "scores": MemberScore.objects.filter(evaluation__rating__synthetic=True).count(),
        "ratings": Rating.objects.filter(synthetic=True).count(),
        "certificates": Certificate.objects.filter(synthetic=True).count(),
    }
    say(f"OCOP: {counts['producers']} chủ thể, {counts['products']} sản phẩm, {counts['registrations']} đăng ký ý "
        f"tưởng, phương án, {counts['councils']} hội đồng, {counts['scores']} điểm của thành viên, "
        f"{counts['ratings']} hồ sơ đánh giá, {counts['certificates']} giấy chứng nhận (minh họa).")
    return counts
