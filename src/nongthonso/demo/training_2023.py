"""The October 2023 training course of the Thái Nguyên demo, rebuilt from raw records.

What is real (the province's 2023 report, ``tests``' seed): Văn phòng Điều phối NTM tỉnh Thái Nguyên trained
officials in digital transformation for NTM from 11 to 15/10/2023 under Kế hoạch 154/KH-UBND (15/10/2022), in the
room and online: two days of theory (11-12/10), three days of field visits (13-15/10: models of digital
transformation, ecological agriculture, modern countryside, smart farmers, green OCOP, rural tourism); 180 people
in person — district staff advising on digital transformation, commune leaders in charge of it, party-cell
secretaries and hamlet heads of the communes piloting smart NTM — and nearly 1,000 officials and learners at more
than 50 online bridge points; lecturers TS. Nguyễn Tiến Dũng (Trường Đại học Kỹ thuật Công nghiệp, Đại học Thái
Nguyên) and ThS. Nguyễn Thị Như Trang (Giám đốc Hợp tác xã Trà Sơn Dung); the topics discussed.

What is synthetic (``synthetic=True`` on the course, every participant, attendance row and headcount): every person,
which communes host a bridge point and pilot smart NTM, who came on which day, the connection reports, the
headcounts. The report's figures are never stored: ``training.reports`` counts them from these rows, and the demo is
built so that they come out as the province reported them —

- 180 in person: 2 district staff × 9 districts (18), the leader in charge of digital transformation of each of the
  126 rural communes (126), the party-cell secretary and the hamlet head of 3 hamlets in each of the 6 pilot
  communes (36); each checked in by QR code on at least one day;
- «gần 1.000» online: 987 people attended (Zoom report) of 1,012 registered at the sub-points — 987 is within 5%
  below 1,000 (``reports.approximate``), 25 registered but never connected;
- «hơn 50» points: 55 sub-points set up (9 district halls, 46 commune halls), 2 of which lost the connection on
  both days and saw nobody: 53 took part — within 10% above 50.

Headcounts for 2023 (per district and rural commune, per target group) are drawn above the number of people each
unit sent, so every share stays at or below 100%: the coverage page has something to compute.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from nongthonso.core.text import fold
from nongthonso.training import catalogue
from nongthonso.training.models import (
    Attendance,
    AttendanceMethod,
    AttendanceMode,
    BridgePoint,
    Connection,
    ConnectionStatus,
    Course,
    Headcount,
    Lecturer,
    Mode,
    Participant,
    RegisteredVia,
    Session,
    SessionKind,
    TargetGroup,
)
from nongthonso.units.models import Unit

SEED = 20231011
CODE = "cds-ntm-thai-nguyen-2023"
PROVINCE = "19"
FIRST_DAY = dt.date(2023, 10, 11)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2023

# the communes piloting «xã nông thôn mới thông minh» (synthetic choice: one in each of six rural districts)
PILOT_COMMUNES = ("05545", "05617", "05665", "05722", "05767", "05911")
PILOT_HAMLETS = 3  # hamlets of each pilot commune whose party-cell secretary and head came in person
DISTRICT_STAFF = 2  # district staff advising on digital transformation, in person, per district
IN_PERSON = 180
ONLINE_ATTENDED = 987
NO_SHOWS = 25  # registered at a sub-point, never connected
COMMUNE_POINTS = 46
FAILED_POINTS = 2  # sub-points whose connection failed on both days
HOST_COMMUNE = "05542"  # Xã Lam Vỹ: hosts a sub-point (its host is a demo user, ``demo_users``)

TITLE = "Tập huấn nâng cao năng lực cho cán bộ các cấp về chuyển đổi số trong xây dựng nông thôn mới"
PLAN = "Kế hoạch 154/KH-UBND ngày 15/10/2022 của UBND tỉnh Thái Nguyên"
ORGANISER = "Văn phòng Điều phối Nông thôn mới tỉnh Thái Nguyên"
DESCRIPTION = (
    "Nâng cao năng lực, kiến thức, kỹ năng chuyên sâu về công nghệ thông tin, sử dụng dịch vụ số an toàn trên không "
    "gian mạng, thực hiện Chương trình chuyển đổi số trong xây dựng nông thôn mới hướng tới nông thôn mới thông minh "
    "tỉnh Thái Nguyên giai đoạn 2021 - 2025; trao đổi, học tập kinh nghiệm thực tế trong và ngoài tỉnh. (Theo báo "
    "cáo năm 2023 của tỉnh; khoá học trong dữ liệu minh họa được dựng lại, người tham dự là dữ liệu giả.)")
THEORY = [
    ("Lý thuyết: thực trạng, giải pháp chuyển đổi số trong xây dựng nông thôn mới tại các xã; chuyển đổi số gắn với "
     "du lịch nông nghiệp và sản phẩm OCOP", "TS. Nguyễn Tiến Dũng"),
    ("Lý thuyết: nông nghiệp công nghệ cao gắn với chuyển đổi số; chuyển đổi số trong hợp tác xã nông nghiệp, đồng "
     "bộ hóa dữ liệu và quy trình sản xuất tại VONACOOP", "ThS. Nguyễn Thị Như Trang"),
]
FIELD_VISITS = [
    ["Mô hình chuyển đổi số", "Mô hình nông nghiệp sinh thái"],
    ["Mô hình nông thôn hiện đại", "Mô hình nông dân thông minh"],
    ["Mô hình sản phẩm OCOP xanh", "Mô hình du lịch nông thôn"],
]
LECTURERS = [
    ("TS. Nguyễn Tiến Dũng", "Tiến sĩ", "Trường Đại học Kỹ thuật Công nghiệp, Đại học Thái Nguyên"),
    ("ThS. Nguyễn Thị Như Trang", "Thạc sĩ, Giám đốc", "Hợp tác xã Trà Sơn Dung"),
]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lương", "Ma", "Hà",
          "Nông", "Triệu", "Lý", "Đàm", "Chu", "La"]
MIDDLE = {"m": ["Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân", "Công", "Thanh"],
          "f": ["Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Kim", "Minh", "Thùy"]}
GIVEN = {"m": ["Hùng", "Dũng", "Thắng", "Tuấn", "Hải", "Long", "Sơn", "Cường", "Nam", "Trung", "Quân", "Bình", "Khánh",
               "Toàn", "Việt", "Hiếu"],
         "f": ["Lan", "Hương", "Hoa", "Mai", "Hạnh", "Nga", "Huyền", "Trang", "Thảo", "Yến", "Linh", "Phương", "Dung",
               "Hà", "Loan", "Vân"]}


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE)


class _People:
    """Synthetic people: a Vietnamese name each (not repeated within the course) and, for most online learners, an
    e-mail address at a reserved domain (``.invalid``: never anyone's) to match the video platform's report."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def name(self) -> str:
        while True:
            sex = self.rng.choice("mf")
            name = " ".join((self.rng.choice(FAMILY), self.rng.choice(MIDDLE[sex]), self.rng.choice(GIVEN[sex])))
            if name not in self.used:
                self.used.add(name)
                return name

    def email(self, name: str, n: int) -> str:
        return f"{fold(name).replace(' ', '.')}.{n}@taphuan-minhhoa.invalid"


def clear() -> None:
    """The demo course with its rows, and the demo headcounts. Its attendance and participants go first: they refer to
    its bridge points, which may not be deleted while anything refers to them (``PROTECT``)."""
    course = Course.objects.filter(code=CODE, synthetic=True)
    Attendance.objects.filter(session__course__in=course).delete()
    Participant.objects.filter(course__in=course).delete()
    course.delete()
    Headcount.objects.filter(synthetic=True).delete()


def build(say=lambda *_: None) -> dict:
    """Create the demo course and the 2023 headcounts (called by ``thai_nguyen.build``, in its transaction)."""
    catalogue.load()
    clear()
    rng = random.Random(SEED)
    people = _People(rng)
    groups = {g.code: g for g in TargetGroup.objects.all()}
    units = Unit.objects.valid_on(FIRST_DAY)
    province = units.get(code=PROVINCE, unit_type__level__code="tinh")
    districts = list(units.filter(parent=province).order_by("code"))
    communes = {d.pk: list(units.within(d).rural_communes().order_by("code")) for d in districts}
    hamlets = {c.pk: list(units.filter(parent=c).order_by("code")) for cs in communes.values() for c in cs}
    district_of = {c.pk: d for d in districts for c in communes[d.pk]}
    all_communes = [c for d in districts for c in communes[d.pk]]

    course = Course.objects.create(
        code=CODE, title=TITLE, plan=PLAN, organiser=province, organiser_name=ORGANISER, starts_on=FIRST_DAY,
        ends_on=FIRST_DAY + dt.timedelta(days=4), mode=Mode.HYBRID, description=DESCRIPTION, synthetic=True)
    course.target_groups.set([groups[code] for code in ("can-bo-cds-huyen", "lanh-dao-xa-cds", "bi-thu-chi-bo",
                                                        "truong-xom", "chuyen-trach-ntm", "he-thong-chinh-tri-co-so",
                                                        "hoc-vien-khac")])
    theory, visits = _sessions(course)
    _lecturers(course, theory)
    main = BridgePoint.objects.create(course=course, name="Điểm cầu chính — Văn phòng Điều phối NTM tỉnh",
                                      is_main=True, host_unit=province, capacity=200, host_name=ORGANISER)

    # in person: registered by the organiser, at the main point; checked in by QR code
    rows: list[Participant] = []
    for district in districts:
        for _ in range(DISTRICT_STAFF):
            rows.append(_person(people, course, district, groups["can-bo-cds-huyen"], main, RegisteredVia.ORGANISER,
                                "Chuyên viên phụ trách chuyển đổi số"))
    for commune in all_communes:
        rows.append(_person(people, course, commune, groups["lanh-dao-xa-cds"], main, RegisteredVia.ORGANISER,
                            rng.choice(["Phó Chủ tịch UBND xã", "Chủ tịch UBND xã"])))
    pilots = [c for c in all_communes if c.code in PILOT_COMMUNES]
    in_person_hamlets = set()
    for commune in pilots:
        for hamlet in hamlets[commune.pk][:PILOT_HAMLETS]:
            in_person_hamlets.add(hamlet.pk)
            rows.append(_person(people, course, hamlet, groups["bi-thu-chi-bo"], main, RegisteredVia.ORGANISER,
                                "Bí thư chi bộ"))
            rows.append(_person(people, course, hamlet, groups["truong-xom"], main, RegisteredVia.ORGANISER,
                                "Trưởng xóm"))
    if len(rows) != IN_PERSON:
        raise ValueError(f"Dữ liệu minh họa: {len(rows)} người dự trực tiếp thay vì {IN_PERSON} (đơn vị hành chính "
                         "ngày 11/10/2023 khác với khi dựng dữ liệu).")
    in_person = Participant.objects.bulk_create(rows)

    # online: sub-points in every old district's hall and in 46 communes (not the pilots, whose people came)
    points = _sub_points(rng, course, districts, all_communes, pilots)
    failed = points[-FAILED_POINTS:]
    sizes = _split(rng, ONLINE_ATTENDED, len(points) - FAILED_POINTS, low=10, high=28)
    no_shows = _split(rng, NO_SHOWS, FAILED_POINTS, low=10, high=15)
    online: list[tuple[Participant, bool]] = []  # (person, attended)
    used_hamlets = set(in_person_hamlets)
    for point, attended in zip(points, [*sizes, *no_shows], strict=True):
        for person in _online_people(rng, people, course, point, attended, district_of, hamlets, used_hamlets,
                                     groups):
            online.append((person, point not in failed))
    registered = Participant.objects.bulk_create([p for p, _ in online])
    attended = [person for person, (_, came) in zip(registered, online, strict=True) if came]

    _attendance(rng, theory, visits, main, in_person, attended)
    _connections(rng, theory, points, failed)
    n_headcounts = _headcounts(rng, course, districts, all_communes, hamlets, groups)
    say(f"Tập huấn 10/2023: {len(in_person)} người dự trực tiếp, {len(registered)} đăng ký tại {len(points)} điểm cầu "
        f"(minh họa), {n_headcounts} dòng số cán bộ năm {YEAR}.")
    return {"participants": len(in_person) + len(registered), "points": len(points) + 1, "headcounts": n_headcounts}


def _sessions(course: Course) -> tuple[list[Session], list[Session]]:
    theory = [Session.objects.create(course=course, kind=SessionKind.THEORY, title=title,
                                     starts_at=_at(FIRST_DAY + dt.timedelta(days=i), 8),
                                     ends_at=_at(FIRST_DAY + dt.timedelta(days=i), 16, 30),
                                     venue="Hội trường điểm cầu chính, thành phố Thái Nguyên (trực tiếp và trực tuyến)")
              for i, (title, _) in enumerate(THEORY)]
    visits = [Session.objects.create(course=course, kind=SessionKind.FIELD_VISIT,
                                     title=f"Tham quan, học tập kinh nghiệm ngoài tỉnh — ngày {i + 1}",
                                     starts_at=_at(FIRST_DAY + dt.timedelta(days=2 + i), 7),
                                     ends_at=_at(FIRST_DAY + dt.timedelta(days=2 + i), 18),
                                     venue="Ngoài tỉnh Thái Nguyên", visited_sites="\n".join(sites))
              for i, sites in enumerate(FIELD_VISITS)]
    return theory, visits


def _lecturers(course: Course, theory: list[Session]) -> None:
    for (name, title, organisation), session in zip(LECTURERS, theory, strict=True):
        lecturer = Lecturer.objects.create(course=course, name=name, title=title, organisation=organisation)
        lecturer.sessions.set([session])


def _person(people: _People, course: Course, unit: Unit, group: TargetGroup, point: BridgePoint, via: str,
            position: str, email: str = "") -> Participant:
    return Participant(course=course, full_name=people.name(), position=position, unit=unit, target_group=group,
                       email=email, bridge_point=point, registered_via=via,
                       registered_at=_at(FIRST_DAY - dt.timedelta(days=6), 9), synthetic=True)


def _sub_points(rng: random.Random, course: Course, districts: list[Unit], communes: list[Unit],
                pilots: list[Unit]) -> list[BridgePoint]:
    """The district halls, then the communes' (Lam Vỹ's among them); the last ``FAILED_POINTS`` are communes whose
    connection will fail."""
    candidates = [c for c in communes if c not in pilots and c.code != HOST_COMMUNE]
    chosen = [next(c for c in communes if c.code == HOST_COMMUNE),
              *rng.sample(candidates, COMMUNE_POINTS - 1)]
    points = [BridgePoint(course=course, name=f"Điểm cầu {d.name}", host_unit=d, address=f"Hội trường UBND {d.name}",
                          capacity=rng.choice([40, 50, 60]), host_name="Văn phòng Điều phối NTM "
                          f"{d.name.removeprefix('Huyện ').removeprefix('Thành phố ')}")
              for d in districts]
    points += [BridgePoint(course=course, name=f"Điểm cầu {c.name}", host_unit=c, address=f"Hội trường UBND {c.name}",
                           capacity=rng.choice([30, 35, 40]), host_name="Văn phòng UBND xã") for c in chosen]
    return BridgePoint.objects.bulk_create(points)


def _split(rng: random.Random, total: int, parts: int, *, low: int, high: int) -> list[int]:
    """``total`` in ``parts`` shares between ``low`` and ``high`` each."""
    sizes = [rng.randint(low, high) for _ in range(parts)]
    while sum(sizes) != total:
        i = rng.randrange(parts)
        step = 1 if sum(sizes) < total else -1
        if low <= sizes[i] + step <= high:
            sizes[i] += step
    return sizes


def _online_people(rng, people: _People, course: Course, point: BridgePoint, n: int, district_of: dict,
                   hamlets: dict, used_hamlets: set, groups: dict) -> Iterator[Participant]:
    """``n`` people registered at ``point`` by its host: a district hall's district staff and full-time NTM staff
    and other learners; a commune hall's grassroots cadres, its full-time NTM officer, hamlet heads and party-cell
    secretaries of hamlets not already in the room, other learners."""
    unit = point.host_unit
    if unit.pk not in hamlets:  # a district
        plan = [("can-bo-cds-huyen", unit, "Chuyên viên phụ trách chuyển đổi số"),
                ("chuyen-trach-ntm", unit, "Cán bộ Văn phòng Điều phối NTM huyện"),
                ("chuyen-trach-ntm", unit, "Cán bộ Văn phòng Điều phối NTM huyện")]
        plan += [("hoc-vien-khac", unit, rng.choice(["Chuyên viên phòng Nông nghiệp", "Chuyên viên phòng Văn hóa - "
                                                     "Thông tin", "Cán bộ Trung tâm Dịch vụ nông nghiệp"]))
                 for _ in range(n - len(plan))]
    else:
        free = [h for h in hamlets[unit.pk] if h.pk not in used_hamlets]
        plan = [("chuyen-trach-ntm", unit, "Công chức phụ trách nông thôn mới xã")]
        for hamlet in free[: max(1, n // 4)]:
            used_hamlets.add(hamlet.pk)
            plan.append(("truong-xom", hamlet, "Trưởng xóm"))
            if len(plan) < n and rng.random() < 0.6:
                plan.append(("bi-thu-chi-bo", hamlet, "Bí thư chi bộ"))
        while len(plan) < n:
            if rng.random() < 0.8:
                plan.append(("he-thong-chinh-tri-co-so", unit, rng.choice([
                    "Công chức Văn phòng - Thống kê", "Phó Chủ tịch Hội Nông dân xã", "Chủ tịch Hội Phụ nữ xã",
                    "Bí thư Đoàn xã", "Công chức Địa chính - Nông nghiệp", "Phó Chủ tịch Ủy ban MTTQ xã"])))
            else:
                plan.append(("hoc-vien-khac", unit, rng.choice(["Cán bộ hợp tác xã", "Chủ hộ sản xuất OCOP"])))
        plan = plan[:n]
    for i, (group, where, position) in enumerate(plan):
        person = _person(people, course, where, groups[group], point, RegisteredVia.HOST, position)
        if rng.random() < 0.85:
            person.email = people.email(person.full_name, point.pk * 100 + i)
        yield person


def _attendance(rng: random.Random, theory: list[Session], visits: list[Session], main: BridgePoint,
                in_person: list[Participant], online: list[Participant]) -> None:
    """In person: a QR check-in on each theory day the person came (at least one), the organiser's roll on the field
    visits; online (those who connected): the Zoom report's row for each theory day followed, at their point."""
    rows = []
    for person in in_person:
        # each came on at least one day: most on both theory days, most on the field visits
        days = [s for s in theory if rng.random() < 0.96] or [theory[0]]
        rows += [Attendance(session=s, participant=person, mode=AttendanceMode.IN_PERSON, bridge_point=main,
                            method=AttendanceMethod.QR, recorded_at=s.starts_at + dt.timedelta(minutes=rng.randint(
                                -40, 25)), synthetic=True) for s in days]
        rows += [Attendance(session=s, participant=person, mode=AttendanceMode.IN_PERSON, bridge_point=main,
                            method=AttendanceMethod.ORGANISER, recorded_at=s.starts_at, synthetic=True)
                 for s in visits if rng.random() < 0.93]
    for person in online:
        days = [s for s in theory if rng.random() < 0.9] or [rng.choice(theory)]
        rows += [Attendance(session=s, participant=person, mode=AttendanceMode.ONLINE,
                            bridge_point=person.bridge_point, method=AttendanceMethod.ZOOM,
                            minutes=rng.randint(150, 450), recorded_at=s.ends_at, synthetic=True) for s in days]
    Attendance.objects.bulk_create(rows, batch_size=1000)


def _connections(rng: random.Random, theory: list[Session], points: list[BridgePoint],
                 failed: list[BridgePoint]) -> None:
    rows = []
    for session in theory:
        for point in points:
            if point in failed:
                status, note = ConnectionStatus.FAILED, "Mất đường truyền, không vào được phòng họp trực tuyến."
            elif rng.random() < 0.06:
                status, note = ConnectionStatus.UNSTABLE, "Đường truyền chập chờn buổi sáng."
            else:
                status, note = ConnectionStatus.CONNECTED, ""
            rows.append(Connection(session=session, bridge_point=point, status=status, note=note,
                                   recorded_at=session.starts_at))
    Connection.objects.bulk_create(rows)


def _headcounts(rng: random.Random, course: Course, districts: list[Unit], communes: list[Unit], hamlets: dict,
                groups: dict) -> int:
    """2023 headcounts of every district and rural commune, at or above the people each sent (hamlet-level groups:
    one party-cell secretary and one head per hamlet)."""
    sent: dict[tuple[int, str], int] = {}
    for unit_id, parent_id, level, group in Participant.objects.filter(course=course).values_list(
            "unit_id", "unit__parent_id", "unit__unit_type__level__code", "target_group__code"):
        key = (parent_id if level == "xom" else unit_id, group)
        sent[key] = sent.get(key, 0) + 1
    rows = []
    for district in districts:
        for group, extra in (("can-bo-cds-huyen", (0, 2)), ("chuyen-trach-ntm", (1, 3))):
            count = sent.get((district.pk, group), 0) + rng.randint(*extra)
            rows.append(Headcount(unit=district, target_group=groups[group], year=YEAR, count=count, synthetic=True))
    for commune in communes:
        n_hamlets = len(hamlets[commune.pk])
        counts = {"lanh-dao-xa-cds": sent.get((commune.pk, "lanh-dao-xa-cds"), 0) + rng.randint(0, 1) or 1,
                  "chuyen-trach-ntm": 1,
                  "bi-thu-chi-bo": n_hamlets, "truong-xom": n_hamlets,
                  "he-thong-chinh-tri-co-so": sent.get((commune.pk, "he-thong-chinh-tri-co-so"), 0)
                  + rng.randint(8, 16)}
        rows += [Headcount(unit=commune, target_group=groups[group], year=YEAR, count=count, synthetic=True)
                 for group, count in counts.items()]
    Headcount.objects.bulk_create(rows)
    return len(rows)
