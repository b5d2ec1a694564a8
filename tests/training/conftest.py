"""Fixtures of the training tests: a small course built from raw rows over the Thái Nguyên demo.

The course is the seed's, in miniature: organised by the province (its 30/6/2023 version) from 11 to 15/10/2023,
with a theory session, the main bridge point at the province and a sub-point at a commune of Đại Từ. The people: the
training organiser (role on the province), the sub-point's host (bridge-point host role on its commune), one
participant registered at the sub-point. Keep fixtures generic: other parts of the app's tests use them.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

COURSE_CODE = "cds-ntm-2023"
STARTS_ON, ENDS_ON = dt.date(2023, 10, 11), dt.date(2023, 10, 15)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime in the installation's time zone."""
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def catalogue(db):
    """The catalogue's rows (migration 0002): two groups of the framework, topic I.5 as a province names it after
    checking the text (quoted) and III.1 still a placeholder, three target groups."""
    from nongthonso.training.models import Provenance, TargetGroup, Topic, TopicGroup

    Topic.objects.filter(code="I.5").update(title="Chuyển đổi số trong xây dựng NTM", provenance=Provenance.QUOTED)
    groups = {g.code: g for g in TargetGroup.objects.filter(code__in=["lanh-dao-xa-cds", "bi-thu-chi-bo",
                                                                      "truong-xom"])}
    return SimpleNamespace(
        basic=TopicGroup.objects.get(code="I"), skills=TopicGroup.objects.get(code="III"),
        digital=Topic.objects.get(code="I.5"), skill=Topic.objects.get(code="III.1"),
        leader=groups["lanh-dao-xa-cds"], secretary=groups["bi-thu-chi-bo"], hamlet_head=groups["truong-xom"],
    )


@pytest.fixture
def host_commune(dai_tu, assessed_communes):
    """The commune of Đại Từ hosting the sub-point."""
    return assessed_communes(dai_tu)[0]


@pytest.fixture
def course(province_19, catalogue):
    from nongthonso.training.models import Course, Mode

    course = Course.objects.create(code=COURSE_CODE, title="Tập huấn chuyển đổi số trong xây dựng NTM",
                                   plan="Kế hoạch 154/KH-UBND ngày 15/10/2022", organiser=province_19,
                                   organiser_name="Văn phòng Điều phối NTM tỉnh", starts_on=STARTS_ON,
                                   ends_on=ENDS_ON, mode=Mode.HYBRID)
    course.topics.set([catalogue.digital])
    course.target_groups.set([catalogue.leader, catalogue.hamlet_head])
    return course


@pytest.fixture
def session(course):
    from nongthonso.training.models import Session, SessionKind

    return Session.objects.create(course=course, kind=SessionKind.THEORY, title="Chuyển đổi số: khái niệm, lộ trình",
                                  starts_at=local(STARTS_ON, 8), ends_at=local(STARTS_ON, 11, 30),
                                  venue="Hội trường UBND tỉnh")


@pytest.fixture
def main_point(course, province_19):
    from nongthonso.training.models import BridgePoint

    return BridgePoint.objects.create(course=course, name="Điểm cầu chính — Hội trường UBND tỉnh", is_main=True,
                                      host_unit=province_19, capacity=200, host_name="Văn phòng Điều phối NTM tỉnh")


@pytest.fixture
def sub_point(course, host_commune):
    from nongthonso.training.models import BridgePoint

    return BridgePoint.objects.create(course=course, name=f"Điểm cầu {host_commune.name}", host_unit=host_commune,
                                      capacity=40, address="Hội trường UBND xã")


@pytest.fixture
def organiser(make_user, province_19):
    return make_user("btc.tinh", "training_organiser", province_19)


@pytest.fixture
def host(make_user, host_commune):
    return make_user("chutri.xa", "bridge_host", host_commune)


@pytest.fixture
def participant(course, sub_point, host_commune, catalogue):
    from nongthonso.training.models import Participant, RegisteredVia

    return Participant.objects.create(course=course, full_name="Nguyễn Thị Hoa", position="Phó Chủ tịch UBND xã",
                                      unit=host_commune, target_group=catalogue.leader, phone="0912345678",
                                      email="hoa@example.vn", bridge_point=sub_point,
                                      registered_via=RegisteredVia.ORGANISER)


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client signed in as ``user`` (CSRF checks on, as in a browser)."""

    def sign_in(user, *, csrf: bool = False) -> Client:
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(user)
        return client

    return sign_in
