"""Lists of people are in Vietnamese alphabetical order: D, Đ, then E … Z (a database orders «Đỗ» after «Zơ»)."""

from __future__ import annotations

import re

from django.urls import reverse

from nongthonso.training.models import Participant, RegisteredVia, in_name_order

NAMES = ["Zơ Râm Hải", "Đỗ Văn Bình", "Dương Thị An", "Ân Văn Cường"]
IN_ORDER = ["Ân Văn Cường", "Dương Thị An", "Đỗ Văn Bình", "Zơ Râm Hải"]


def people(course, sub_point):
    return [Participant.objects.create(course=course, full_name=name, bridge_point=sub_point,
                                       registered_via=RegisteredVia.ORGANISER) for name in NAMES]


def test_people_are_put_in_vietnamese_order(course, sub_point):
    assert [p.full_name for p in in_name_order(people(course, sub_point))] == IN_ORDER


def test_the_participants_page_lists_them_in_that_order(course, sub_point, organiser, client_for):
    people(course, sub_point)
    client = client_for(organiser)
    html = client.get(reverse("training_participants", args=[course.code])).content.decode()
    assert list(dict.fromkeys(re.findall("|".join(NAMES), html))) == IN_ORDER
