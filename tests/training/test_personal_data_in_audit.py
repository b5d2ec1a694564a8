"""Erasing a participant leaves no name behind: the audit log names people by id (Decree 13/2023/NĐ-CP).

Every write that touches a person — the organiser's registration, a QR check-in, a test score — is audited, and the
entry is written before the person may be erased, so it must never have held the name in the first place.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.training import models as training
from nongthonso.training import services
from nongthonso.training.evaluation_scores import Wanted, save_scores

from .public_world import fresh_cache, world  # noqa: F401 - the fixtures

NAME = "Nguyễn Văn An"


def entries_naming(name: str) -> list[AuditEntry]:
    """The audit entries holding ``name`` anywhere: the row's name, the note, before or after."""
    return [e for e in AuditEntry.objects.all()
            if name in " ".join((e.object_repr, e.note, json.dumps(e.before, ensure_ascii=False),
                                 json.dumps(e.after, ensure_ascii=False)))]


def test_the_log_of_a_checked_in_and_scored_person_holds_no_name_once_erased(world, fresh_cache):  # noqa: F811
    an = world.people.an
    world.session.checkin_open = True
    world.session.save()
    page = reverse("training_checkin", args=[world.session.checkin_code])
    response = Client().post(page, {"contact": "an@example.vn"})
    assert response.status_code == 200
    assert world.session.attendance.filter(participant=an).exists()
    save_scores(world.organiser, world.course, [Wanted(an, training.TestKind.PRE, Decimal("7"), Decimal("10"))])
    before = AuditEntry.objects.count()

    services.erase_participant(world.organiser, an)

    an.refresh_from_db()
    assert an.erased_at is not None and NAME not in an.full_name
    assert AuditEntry.objects.count() > before  # the erasure itself is logged
    assert entries_naming(NAME) == []
    assert AuditEntry.objects.filter(model="training.attendance", object_repr__contains=f"học viên #{an.pk}").exists()


def test_the_audit_names_a_participant_by_id():
    person = training.Participant(pk=42, full_name=NAME)
    assert person.audit_name() == "Học viên #42"


def test_a_course_is_deleted_whole_but_a_bridge_point_with_people_is_kept(world):  # noqa: F811
    from django.db.models import RestrictedError

    with pytest.raises(RestrictedError):
        world.main.delete()  # its participants name it
    course_id = world.course.pk
    world.course.delete()  # the points go with their course, and the people with it
    assert not training.Participant.objects.filter(course_id=course_id).exists()
