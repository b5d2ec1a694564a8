"""QR check-in: the public page a phone opens from a session's poster, and the organiser's poster with its switches."""

import re

import pytest
import segno
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.training import checkin, checkin_cache
from nongthonso.training.models import Attendance, AttendanceMethod, AttendanceMode, Participant, RegisteredVia

from .public_world import fresh_cache, world  # noqa: F401 - the fixtures


@pytest.fixture
def opened(world):  # noqa: F811
    world.session.checkin_open = True
    world.session.save()
    return world


def attendance(world):  # noqa: F811
    """The attendance rows of the world's course (the demo has courses of its own)."""
    return Attendance.objects.filter(session__course=world.course)


def page(session):
    return reverse("training_checkin", args=[session.checkin_code])


def tap(client, session, **data):
    return client.post(page(session), data)


def test_an_unknown_code_is_a_vietnamese_404(db):
    response = Client().get(reverse("training_checkin", args=["khong-co-ma"]))
    assert response.status_code == 404
    assert "Không có mã điểm danh này" in response.content.decode()


def test_a_closed_session_says_so_and_takes_nobody(world):  # noqa: F811
    client = Client()
    response = client.get(page(world.session))
    assert response.status_code == 403 and "Đang đóng điểm danh" in response.content.decode()
    assert tap(client, world.session, contact="0977654321").status_code == 403
    assert not attendance(world).exists()


def test_the_page_lists_nobody_and_carries_a_csrf_token(opened):
    body = Client().get(page(opened.session)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    for person in vars(opened.people).values():
        assert person.full_name not in body
        assert not person.phone or person.phone not in body
        assert not person.email or person.email not in body
    # the units of the «name + unit» choice are there (units are public, people are not)
    assert all(f'value="{u.pk}"' in body for u in opened.communes)


@pytest.mark.parametrize("typed", ["0977654321", "0977 654 321", "+84 977 654 321", "84977654321", "0977.654.321"])
def test_a_phone_number_finds_the_person_however_it_is_written(opened, typed):
    response = tap(Client(), opened.session, contact=typed)
    assert response.status_code == 200, response.content.decode()
    row = attendance(opened).get(session=opened.session)
    assert row.participant == opened.people.an
    assert (row.mode, row.method, row.bridge_point) == (AttendanceMode.IN_PERSON, AttendanceMethod.QR, opened.main)
    body = response.content.decode()
    assert "Đã điểm danh" in body and "N. V. An" in body and "Nguyễn Văn An" not in body


def test_a_stored_international_number_and_an_e_mail_in_capitals_match(opened):
    client = Client()
    assert tap(client, opened.session, contact="0983 111 222").status_code == 200
    assert tap(client, opened.session, contact="binh.tran@example.vn").status_code == 200
    assert set(attendance(opened).values_list("participant_id", flat=True)) == {opened.people.dung.pk,
                                                                                 opened.people.binh.pk}


def test_a_second_check_in_says_so_and_writes_nothing(opened):
    client = Client()
    tap(client, opened.session, contact="an@example.vn")
    entries = AuditEntry.objects.filter(model="training.attendance").count()
    response = tap(client, opened.session, contact="0977654321")
    assert response.status_code == 200
    assert "Bạn đã điểm danh rồi" in response.content.decode()
    assert attendance(opened).filter(session=opened.session).count() == 1
    assert AuditEntry.objects.filter(model="training.attendance").count() == entries


def test_a_check_in_is_audited_without_personal_data(opened):
    tap(Client(), opened.session, contact="0977654321")
    row = attendance(opened).get()
    entry = AuditEntry.objects.get(model="training.attendance", object_id=str(row.pk))
    assert entry.action == "create" and entry.actor == checkin.PUBLIC_ACTOR and entry.user is None
    assert entry.after == {"session": opened.session.pk, "participant": opened.people.an.pk, "mode": "in_person",
                           "method": "qr", "bridge_point": opened.main.pk}


def test_name_and_unit_identify_one_person(opened):
    client = Client()
    chi, chi2 = opened.people.chi, opened.people.chi2
    response = tap(client, opened.session, name="  le thi   CHI ", unit=str(chi.unit_id))
    assert response.status_code == 200 and "L. T. Chi" in response.content.decode()
    response = tap(client, opened.session, name="Lê Thị Chí", unit=str(chi2.unit_id))
    assert response.status_code == 200
    assert set(attendance(opened).values_list("participant_id", flat=True)) == {chi.pk, chi2.pk}


def test_a_name_without_its_unit_asks_for_the_unit(opened):
    response = tap(Client(), opened.session, name="Lê Thị Chi")
    assert response.status_code == 400
    assert "Chọn đơn vị công tác" in response.content.decode()
    assert not attendance(opened).exists()


def test_nobody_found_and_two_found_are_refused_with_what_to_do(opened):
    client = Client()
    response = tap(client, opened.session, contact="0999 999 999")
    assert response.status_code == 400
    assert "Không tìm thấy học viên đã đăng ký khoá này" in response.content.decode()
    Participant.objects.create(course=opened.course, full_name="Nguyễn Văn Anh", phone="0977654321",
                               registered_via=RegisteredVia.ORGANISER)
    response = tap(client, opened.session, contact="0977654321")
    assert response.status_code == 400 and "nhiều hơn một người" in response.content.decode()
    response = tap(client, opened.session, contact="abc")
    assert response.status_code == 400 and "không phải số điện thoại hay địa chỉ e-mail" in response.content.decode()
    assert not attendance(opened).exists()


def test_an_erased_participant_is_never_found(opened):
    erased = opened.people.erased
    response = tap(Client(), opened.session, name=erased.full_name, unit=str(erased.unit_id))
    assert response.status_code == 400
    assert not attendance(opened).exists()


def test_misses_are_throttled_per_address_and_code(opened, settings):
    settings.TRAINING_PUBLIC_MAX_MISSES = 3
    client = Client()
    for _ in range(3):
        assert tap(client, opened.session, contact="0999999999").status_code == 400
    response = tap(client, opened.session, contact="0977654321")  # right, but too late
    assert response.status_code == 429 and "Đã thử quá nhiều lần" in response.content.decode()
    assert not attendance(opened).exists()
    other = Client(REMOTE_ADDR="10.0.0.7")  # another phone network is not held back
    assert tap(other, opened.session, contact="0977654321").status_code == 200


def test_successful_check_ins_are_not_throttled(opened, settings):
    settings.TRAINING_PUBLIC_MAX_MISSES = 2
    client = Client()
    for _ in range(5):
        assert tap(client, opened.session, contact="0977654321").status_code == 200


def test_the_form_needs_its_csrf_token(opened):
    client = Client(enforce_csrf_checks=True)
    assert tap(client, opened.session, contact="0977654321").status_code == 403
    assert not attendance(opened).exists()
    body = client.get(page(opened.session)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    assert tap(client, opened.session, contact="0977654321", csrfmiddlewaretoken=token).status_code == 200


def test_the_public_page_is_cheap(opened, django_assert_max_num_queries, django_assert_num_queries):
    client = Client()
    with django_assert_max_num_queries(4):  # the first visit reads the session, its course and point, the units
        assert client.get(page(opened.session)).status_code == 200
    with django_assert_num_queries(0):  # the next phones are served from the cache
        assert Client().get(page(opened.session)).status_code == 200
    with django_assert_max_num_queries(6):  # the course's phone numbers and e-mails (once), the person, two inserts
        # (and the savepoint around them the test's transaction adds)
        assert tap(client, opened.session, contact="0977654321").status_code == 200
    with django_assert_max_num_queries(5):  # the next person: no list to build
        assert tap(client, opened.session, contact="binh.tran@example.vn").status_code == 200
    with django_assert_max_num_queries(6):  # checked in already: the insert refused, the row's time read
        assert "Bạn đã điểm danh rồi" in tap(client, opened.session, contact="0977654321").content.decode()


def test_the_kept_page_follows_the_organiser_s_changes(opened):
    client = Client()
    assert "Chưa đăng ký khoá này?" not in client.get(page(opened.session)).content.decode()
    checkin.set_switch(opened.organiser, opened.course, "registration_open", True)
    assert "Chưa đăng ký khoá này?" in client.get(page(opened.session)).content.decode()
    opened.session.title = "Buổi khai mạc"
    opened.session.save()
    assert "Buổi khai mạc" in client.get(page(opened.session)).content.decode()
    newcomer = Participant.objects.create(course=opened.course, full_name="Người Mới", unit=opened.district,
                                          registered_via=RegisteredVia.SELF)
    assert f'value="{newcomer.unit_id}"' in client.get(page(opened.session)).content.decode()
    checkin.set_switch(opened.organiser, opened.session, "checkin_open", False)
    assert client.get(page(opened.session)).status_code == 403


def test_each_phone_gets_its_own_csrf_token_in_the_kept_page(opened):
    tokens = set()
    for _ in range(2):
        phone = Client(enforce_csrf_checks=True)
        body = phone.get(page(opened.session)).content.decode()
        assert "placeholder" not in body.split('name="csrfmiddlewaretoken"')[1][:80]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        tokens.add(phone.cookies["csrftoken"].value)
        assert tap(phone, opened.session, contact="0977654321", csrfmiddlewaretoken=token).status_code == 200
    assert len(tokens) == 2


def test_registration_is_offered_only_when_open(opened):
    link = reverse("training_register", args=[opened.course.registration_code])
    assert link not in Client().get(page(opened.session)).content.decode()
    opened.course.registration_open = True
    opened.course.save()
    assert link in Client().get(page(opened.session)).content.decode()


def test_check_in_refuses_someone_of_another_course(opened):
    from nongthonso.training.models import Course

    other = Course.objects.create(code="khac", title="Khoá khác", organiser=opened.province, starts_on=opened.course
                                  .starts_on, ends_on=opened.course.ends_on, mode="online")
    stranger = Participant.objects.create(course=other, full_name="Người Lạ", registered_via=RegisteredVia.ORGANISER)
    with pytest.raises(PermissionDenied, match="không phải học viên"):
        checkin.check_in(checkin_cache.page_for(opened.session.checkin_code), stranger)


# --- the poster ---------------------------------------------------------------------------------------------------

def poster(world):  # noqa: F811
    return reverse("training_checkin_poster", args=[world.course.code, world.session.pk])


def test_the_poster_is_the_organisers_only(world, make_user):  # noqa: F811
    url = poster(world)
    assert Client().get(url).status_code == 302
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"action": "open"}).status_code == 404
    world.session.refresh_from_db()
    assert not world.session.checkin_open


def test_the_poster_s_qr_code_encodes_the_check_in_address(world):  # noqa: F811
    client = Client()
    client.force_login(world.organiser)
    body = client.get(poster(world)).content.decode()
    address = "http://testserver" + page(world.session)
    assert f'data-qr-url="{address}"' in body and f">{address}</a>" in body
    expected = segno.make(address, error="m", micro=False).svg_inline(scale=4, omitsize=True)
    path = re.search(r'<path[^>]* d="([^"]+)"', expected).group(1)
    assert f'd="{path}"' in body
    assert "style=" not in re.search(r"<svg.*?</svg>", body, re.S).group(0)  # the CSP allows no inline style


def test_the_organiser_opens_closes_and_renews_the_code(world):  # noqa: F811
    client = Client()
    client.force_login(world.organiser)
    url = poster(world)
    assert client.post(url, {"action": "open"}).status_code == 302
    world.session.refresh_from_db()
    assert world.session.checkin_open
    entry = AuditEntry.objects.filter(model="training.session", object_id=str(world.session.pk)).latest("pk")
    assert (entry.before, entry.after, entry.user) == ({"checkin_open": False}, {"checkin_open": True},
                                                       world.organiser)
    old = world.session.checkin_code
    client.post(url, {"action": "renew"})
    world.session.refresh_from_db()
    assert world.session.checkin_code != old
    assert Client().get(reverse("training_checkin", args=[old])).status_code == 404
    assert Client().get(page(world.session)).status_code == 200
    client.post(url, {"action": "close"})
    world.session.refresh_from_db()
    assert not world.session.checkin_open
    assert AuditEntry.objects.filter(model="training.session", object_id=str(world.session.pk)).count() == 3


def test_the_poster_counts_the_check_ins(opened):
    tap(Client(), opened.session, contact="0977654321")
    client = Client()
    client.force_login(opened.organiser)
    assert 'data-checked-in-count="1"' in client.get(poster(opened)).content.decode()
