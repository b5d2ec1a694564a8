"""A small hand-made course for the tests of the course's public pages (check-in, self-registration, evaluation,
certificates): the test modules take the ``world`` fixture from here (``from .public_world import world``), and the
autouse ``fresh_cache``, until the shared ``tests/training/conftest.py`` offers the same.

The course (Thái Nguyên's coordination office, 11–15/10/2023, hybrid) has five sessions, a main bridge point and a
sub-point, and six participants chosen for the identification rules: An (phone written with spaces and e-mail),
Bình (e-mail only, in capitals), Chi and Chí (the same name once folded, in two communes), Dũng (phone written
«+84…»), and one whose details were erased.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

START = dt.date(2023, 10, 11)


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture(autouse=True)
def fresh_cache():
    """An empty cache around each test: the check-in pages keep what they show there, the throttle counts there."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db, make_user):
    from nongthonso.training.models import (
        BridgePoint,
        Course,
        Mode,
        Participant,
        RegisteredVia,
        Session,
        SessionKind,
        TargetGroup,
    )
    from nongthonso.units.models import Unit

    province = Unit.objects.valid_on(START).get(code="19", unit_type__level__code="tinh")
    district = Unit.objects.valid_on(START).get(code="171", unit_type__level__code="huyen")
    communes = list(Unit.objects.valid_on(START).filter(parent=district).order_by("code")[:2])
    group = TargetGroup.objects.create(code="kiem-thu-lanh-dao-xa", label="Lãnh đạo xã (kiểm thử)", level="xa")
    other_group = TargetGroup.objects.create(code="kiem-thu-truong-xom", label="Trưởng xóm (kiểm thử)", level="xom")
    course = Course.objects.create(
        code="cds-2023", title="Tập huấn chuyển đổi số trong xây dựng nông thôn mới", organiser=province,
        organiser_name="Văn phòng Điều phối NTM tỉnh", plan="Kế hoạch 154/KH-UBND ngày 15/10/2022",
        starts_on=START, ends_on=START + dt.timedelta(days=4), mode=Mode.HYBRID)
    course.target_groups.add(group, other_group)
    sessions = [Session.objects.create(
        course=course, kind=SessionKind.THEORY if i < 2 else SessionKind.FIELD_VISIT, title=f"Buổi {i + 1}",
        starts_at=at(START + dt.timedelta(days=i), 8), ends_at=at(START + dt.timedelta(days=i), 11),
        venue="Hội trường tỉnh") for i in range(5)]
    main = BridgePoint.objects.create(course=course, name="Điểm cầu chính", is_main=True, host_unit=province)
    sub = BridgePoint.objects.create(course=course, name="Điểm cầu Đại Từ", host_unit=district)

    def person(name: str, unit, **fields) -> Participant:
        return Participant.objects.create(course=course, full_name=name, position="Phó Chủ tịch UBND xã", unit=unit,
                                          target_group=group, bridge_point=main, registered_via=RegisteredVia.ORGANISER,
                                          **fields)

    people = SimpleNamespace(
        an=person("Nguyễn Văn An", communes[0], phone="0977 654 321", email="an@example.vn"),
        binh=person("Trần Thị Bình", communes[0], email="Binh.Tran@Example.VN"),
        chi=person("Lê Thị Chi", communes[0]),
        chi2=person("Lê Thị Chí", communes[1]),
        dung=person("Phạm Văn Dũng", communes[1], phone="+84 983.111.222"),
        erased=person("Đã xoá", communes[1], phone="", erased_at=timezone.now()),
    )
    return SimpleNamespace(
        course=course, sessions=sessions, session=sessions[0], main=main, sub=sub, people=people, group=group,
        province=province, district=district, communes=communes,
        organiser=make_user("tochuc.tinh", "training_organiser", province),
        outsider=make_user("tochuc.khac", "training_organiser", district),
    )
