"""Self-registration through a course's public link: open only when the organiser says so, the Decree 13/2023 notice
and consent, one registration per phone number or e-mail address, audited without the personal data."""

import pytest
from django.test import Client
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.training import registration
from nongthonso.training.models import Participant, RegisteredVia, TargetGroup

from .public_world import fresh_cache, world  # noqa: F401 - the fixtures


@pytest.fixture
def opened(world):  # noqa: F811
    world.course.registration_open = True
    world.course.save()
    return world


def selves(world):  # noqa: F811
    """The world's course's self-registered participants (the demo has courses of its own)."""
    return Participant.objects.filter(course=world.course, registered_via=RegisteredVia.SELF)


def url(world):  # noqa: F811
    return reverse("training_register", args=[world.course.registration_code])


def form(world, **changes):  # noqa: F811
    data = {"full_name": "  Hoàng   Văn Em ", "position": "Trưởng xóm", "unit": str(world.communes[1].pk),
            "target_group": str(world.group.pk), "phone": "0988 000 111", "email": "em@example.vn",
            "bridge_point": str(world.sub.pk), "consent": "1"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_unknown_and_closed_links_say_so(world):  # noqa: F811
    client = Client()
    response = client.get(reverse("training_register", args=["khong-co"]))
    assert response.status_code == 404 and "Không có đường dẫn đăng ký này" in response.content.decode()
    response = client.get(url(world))
    assert response.status_code == 403 and "Đã đóng đăng ký" in response.content.decode()
    assert client.post(url(world), form(world)).status_code == 403
    assert not selves(world).exists()


def test_the_page_holds_the_notice_and_the_course_s_choices(opened):
    body = Client().get(url(opened)).content.decode()
    assert "Nghị định 13/2023/NĐ-CP" in body and f'data-notice="{registration.NOTICE_VERSION}"' in body
    for words in ("Thu thập gì", "Để làm gì", "Ai được xem", "yêu cầu xoá"):
        assert words in body
    assert 'name="consent"' in body and 'name="csrfmiddlewaretoken"' in body
    assert opened.main.name in body and opened.sub.name in body
    assert opened.group.label in body
    outside = TargetGroup.objects.create(code="khac", label="Nhóm không thuộc khoá")
    assert outside.label not in Client().get(url(opened)).content.decode()
    # the units of the organiser's province in force on the course's first day, grouped by district
    assert f'<optgroup label="{opened.district.name}">' in body
    assert all(f'value="{u.pk}"' in body for u in opened.communes)
    for person in vars(opened.people).values():
        assert person.full_name not in body


def test_a_person_registers_themselves(opened):
    response = Client().post(url(opened), form(opened))
    assert response.status_code == 200, response.content.decode()
    person = selves(opened).get()
    assert (person.course, person.full_name, person.position, person.unit, person.target_group, person.bridge_point,
            person.phone, person.email) == (opened.course, "Hoàng Văn Em", "Trưởng xóm", opened.communes[1],
                                            opened.group, opened.sub, "0988000111", "em@example.vn")
    assert "H. V. Em" in response.content.decode()
    entry = AuditEntry.objects.get(model="training.participant", object_id=str(person.pk))
    assert entry.after["consent"] is True and entry.after["notice"] == registration.NOTICE_VERSION
    assert entry.after["registered_via"] == "self" and entry.user is None
    assert "0988000111" not in str(entry.after) and "em@example.vn" not in str(entry.after)


def test_contact_details_are_optional(opened):
    assert Client().post(url(opened), form(opened, phone="", email="")).status_code == 200
    person = selves(opened).get()
    assert (person.phone, person.email) == ("", "")


@pytest.mark.parametrize("changes, field, words", [
    ({"consent": None}, "consent", "Đánh dấu ô đồng ý"),
    ({"full_name": " "}, "full_name", "Nhập họ và tên đầy đủ"),
    ({"position": ""}, "position", "Nhập chức vụ"),
    ({"unit": ""}, "unit", "Chọn đơn vị công tác"),
    ({"target_group": ""}, "target_group", "Chọn nhóm đối tượng"),
    ({"bridge_point": ""}, "bridge_point", "Chọn điểm cầu"),
    ({"phone": "12ab"}, "phone", "không phải số điện thoại Việt Nam"),
    ({"email": "em@"}, "email", "Địa chỉ e-mail chưa đúng dạng"),
])
def test_a_bad_form_names_the_field_and_the_fix(opened, changes, field, words):
    response = Client().post(url(opened), form(opened, **changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="err-{field}"' in body and words in body
    assert not selves(opened).exists()


def test_a_unit_or_point_outside_the_course_is_refused(opened, unit_at):
    from nongthonso.training.models import BridgePoint, Course

    elsewhere = Course.objects.create(code="khac", title="Khoá khác", organiser=opened.province, mode="online",
                                      starts_on=opened.course.starts_on, ends_on=opened.course.ends_on)
    point = BridgePoint.objects.create(course=elsewhere, name="Điểm khác", host_unit=opened.province)
    assert Client().post(url(opened), form(opened, bridge_point=str(point.pk))).status_code == 400
    hamlet_level = opened.communes[0].__class__.objects.filter(unit_type__level__code="xom").first()
    assert Client().post(url(opened), form(opened, unit=str(hamlet_level.pk))).status_code == 400
    assert not selves(opened).exists()


def test_a_phone_or_e_mail_already_registered_is_refused(opened):
    client = Client()
    response = client.post(url(opened), form(opened, phone="+84 977 654 321", email=""))  # An's, written otherwise
    assert response.status_code == 400
    assert "đã được dùng để đăng ký khoá này" in response.content.decode()
    response = client.post(url(opened), form(opened, phone="", email="BINH.TRAN@example.vn"))
    assert response.status_code == 400 and 'id="err-email"' in response.content.decode()
    assert client.post(url(opened), form(opened)).status_code == 200
    assert client.post(url(opened), form(opened, full_name="Người Khác")).status_code == 400
    assert selves(opened).count() == 1


def test_registrations_are_throttled(opened, settings):
    settings.TRAINING_REGISTRATION_MAX = 2
    client = Client()
    assert client.post(url(opened), form(opened, phone="0988000001", email="")).status_code == 200
    assert client.post(url(opened), form(opened, phone="0988000002", email="")).status_code == 200
    response = client.post(url(opened), form(opened, phone="0988000003", email=""))
    assert response.status_code == 429 and "Đã thử quá nhiều lần" in response.content.decode()


def test_the_form_needs_its_csrf_token(opened):
    assert Client(enforce_csrf_checks=True).post(url(opened), form(opened)).status_code == 403


def test_from_the_check_in_page_the_person_goes_back_to_check_in(opened):
    opened.session.checkin_open = True
    opened.session.save()
    code = opened.session.checkin_code
    body = Client().get(url(opened) + f"?diem-danh={code}").content.decode()
    assert f'name="diem-danh" value="{code}"' in body
    response = Client().post(url(opened), form(opened, **{"diem-danh": code}))
    assert reverse("training_checkin", args=[code]) in response.content.decode()
    # and a registered person can check in at once
    checked = Client().post(reverse("training_checkin", args=[code]), {"contact": "0988000111"})
    assert checked.status_code == 200 and "Đã điểm danh" in checked.content.decode()


def test_the_organiser_page_opens_registration_and_shows_its_qr_code(world):  # noqa: F811
    page = reverse("training_registration_poster", args=[world.course.code])
    assert Client().get(page).status_code == 302
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(page).status_code == 404
    client = Client()
    client.force_login(world.organiser)
    body = client.get(page).content.decode()
    assert "<svg" in body and f'data-qr-url="http://testserver{url(world)}"' in body
    client.post(page, {"action": "open"})
    world.course.refresh_from_db()
    assert world.course.registration_open
    assert AuditEntry.objects.filter(model="training.course", after={"registration_open": True}).exists()
    old = url(world)
    client.post(page, {"action": "renew"})
    world.course.refresh_from_db()
    assert Client().get(old).status_code == 404 and Client().get(url(world)).status_code == 200


def test_a_course_without_bridge_points_does_not_ask_for_one(opened):
    from nongthonso.training.models import BridgePoint

    Participant.objects.filter(course=opened.course).update(bridge_point=None)
    BridgePoint.objects.filter(course=opened.course).delete()
    assert 'name="bridge_point"' not in Client().get(url(opened)).content.decode()
    assert Client().post(url(opened), form(opened, bridge_point=None)).status_code == 200
    assert selves(opened).get().bridge_point is None
