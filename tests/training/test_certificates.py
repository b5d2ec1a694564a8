"""Certificates: the attendance rule per course, issuing with numbers and verification codes, the PDF with its QR code,
revoking with a reason, and the public verification page (valid / revoked / unknown, no contact data)."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nongthonso.audit.models import AuditEntry
from nongthonso.training import certificates
from nongthonso.training.models import Attendance, AttendanceMethod, AttendanceMode, Certificate

from .public_world import world  # noqa: F401 - the fixture


def attend(world, person, n: int):  # noqa: F811
    Attendance.objects.bulk_create([Attendance(session=s, participant=person, mode=AttendanceMode.IN_PERSON,
                                               method=AttendanceMethod.ROLL_CALL) for s in world.sessions[:n]])


@pytest.fixture
def attended(world):  # noqa: F811
    """An 5/5 sessions, Bình 4/5 (80%: just enough), Chi 3/5, Dũng none, the erased person 5/5."""
    p = world.people
    for person, n in ((p.an, 5), (p.binh, 4), (p.chi, 3), (p.erased, 5)):
        attend(world, person, n)
    return world


def certified(world):  # noqa: F811
    """The certificates of the world's course (the demo has courses of its own)."""
    return Certificate.objects.filter(participant__course=world.course)


def organiser_client(world):  # noqa: F811
    client = Client()
    client.force_login(world.organiser)
    return client


def page(world):  # noqa: F811
    return reverse("training_certificates", args=[world.course.code])


def test_the_rule_counts_sessions_attended_against_the_course_s_share(attended):
    rows = {r.participant.pk: r for r in certificates.rows(attended.course)}
    p = attended.people
    assert [rows[x.pk].attended for x in (p.an, p.binh, p.chi, p.dung)] == [5, 4, 3, 0]
    assert {x.pk for x in vars(p).values() if rows[x.pk].eligible} == {p.an.pk, p.binh.pk}  # not the erased one
    certificates.set_share(attended.organiser, attended.course, 60)
    rows = {r.participant.pk: r for r in certificates.rows(attended.course)}
    assert rows[p.chi.pk].eligible and not rows[p.dung.pk].eligible


def test_a_course_without_sessions_certifies_nobody(world):  # noqa: F811
    world.course.sessions.all().delete()
    assert not any(r.eligible for r in certificates.rows(world.course))


def test_the_organiser_sets_the_share_within_bounds(world):  # noqa: F811
    client = organiser_client(world)
    assert client.post(page(world), {"action": "share", "share": "75"}).status_code == 302
    world.course.refresh_from_db()
    assert world.course.certificate_share == 75
    entry = AuditEntry.objects.filter(model="training.course", object_id=str(world.course.pk)).latest("pk")
    assert (entry.before, entry.after) == ({"certificate_share": 80}, {"certificate_share": 75})
    for bad in ("0", "101", "tám mươi"):
        response = client.post(page(world), {"action": "share", "share": bad})
        assert response.status_code == 400 and "từ 1 đến 100" in response.content.decode()


def test_issuing_numbers_each_eligible_participant_once(attended):
    client = organiser_client(attended)
    assert client.post(page(attended), {"action": "issue"}).status_code == 302
    issued = list(certified(attended).order_by("number"))
    assert [c.participant for c in issued] == [attended.people.an, attended.people.binh]
    year = timezone.localdate().year
    assert [c.number for c in issued] == [f"0001/{year}/GCN-{attended.course.pk}",
                                          f"0002/{year}/GCN-{attended.course.pk}"]
    assert len({c.code for c in issued}) == 2 and all(len(c.code) >= 16 for c in issued)
    assert all(c.issued_by == attended.organiser for c in issued)
    assert AuditEntry.objects.filter(model="training.certificate", action="create",
                                     object_id__in=[str(c.pk) for c in issued]).count() == 2
    client.post(page(attended), {"action": "issue"})
    assert certified(attended).count() == 2
    attend(attended, attended.people.dung, 4)
    certificates.issue(attended.organiser, attended.course)
    assert Certificate.objects.get(participant=attended.people.dung).number.startswith("0003/")


def test_only_the_course_s_organisers_issue(attended):
    outsider = Client()
    outsider.force_login(attended.outsider)
    assert outsider.post(page(attended), {"action": "issue"}).status_code == 404
    assert Client().post(page(attended), {"action": "issue"}).status_code == 302  # to the login page
    with pytest.raises(Exception, match="Chỉ ban tổ chức"):
        certificates.issue(attended.outsider, attended.course)
    assert not certified(attended).exists()


def pdf_text(content: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext (Debian package poppler-utils) reads it, pages separated by a form feed."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext (Debian package poppler-utils) is needed: .ci/run installs it")
    path = tmp_path / "chung-nhan.pdf"
    path.write_bytes(content)
    return subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode()


def test_the_pdf_carries_the_holder_the_course_and_the_verification_qr_code(attended, tmp_path):
    certificates.issue(attended.organiser, attended.course, on=dt.date(2023, 10, 16))
    first = Certificate.objects.get(participant=attended.people.an)
    response = organiser_client(attended).get(reverse("training_certificate_pdf",
                                                      args=[attended.course.code, first.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = " ".join(pdf_text(response.content, tmp_path).split())
    for words in ("GIẤY CHỨNG NHẬN", "Nguyễn Văn An", attended.course.title, "từ ngày 11/10/2023 đến ngày 15/10/2023",
                  f"Số: {first.number}", "Tham dự 5/5 buổi", "ngày 16 tháng 10 năm 2023",
                  f"http://testserver/xac-minh-chung-nhan/{first.code}/"):
        assert words in text, words
    assert b"/Subtype /Image" in response.content  # the QR code
    everyone = organiser_client(attended).get(reverse("training_certificates_pdf", args=[attended.course.code]))
    pages = pdf_text(everyone.content, tmp_path).strip("\f").split("\f")
    assert len(pages) == 2 and "Trần Thị Bình" in pages[1]


def test_revoking_needs_a_reason_and_shows_on_the_public_page(attended):
    certificates.issue(attended.organiser, attended.course)
    cert = Certificate.objects.get(participant=attended.people.binh)
    client = organiser_client(attended)
    response = client.post(page(attended), {"action": "revoke", "certificate": cert.pk, "reason": " "})
    assert response.status_code == 400 and "Ghi lý do thu hồi" in response.content.decode()
    client.post(page(attended), {"action": "revoke", "certificate": cert.pk, "reason": "Ghi nhầm số buổi"})
    cert.refresh_from_db()
    assert cert.revoked_at is not None and cert.revoked_reason == "Ghi nhầm số buổi"
    entry = AuditEntry.objects.filter(model="training.certificate", action="update", object_id=str(cert.pk)).get()
    assert entry.after["revoked_reason"] == "Ghi nhầm số buổi" and entry.before["revoked_at"] is None
    again = client.post(page(attended), {"action": "revoke", "certificate": cert.pk, "reason": "Lần nữa"})
    assert again.status_code == 400 and "đã bị thu hồi" in again.content.decode()
    body = Client().get(reverse("training_certificate_verify", args=[cert.code])).content.decode()
    assert 'data-certificate-state="revoked"' in body
    assert f"đã bị thu hồi ngày {timezone.localdate():%-d/%-m/%Y}" in body
    assert "Ghi nhầm số buổi" not in body  # the reason is the organiser's
    assert organiser_client(attended).get(reverse("training_certificate_pdf", args=[
        attended.course.code, cert.pk])).status_code == 409


def test_the_verification_page_shows_only_what_the_certificate_shows(attended):
    certificates.issue(attended.organiser, attended.course)
    cert = Certificate.objects.get(participant=attended.people.an)
    response = Client().get(reverse("training_certificate_verify", args=[cert.code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-certificate-state="valid"' in body and "còn hiệu lực" in body
    assert "Nguyễn Văn An" in body and attended.course.title in body and cert.number in body and "11/10/2023" in body
    an = attended.people.an
    for private in (an.phone, an.email, an.position, an.unit.name):
        assert private not in body
    unknown = Client().get(reverse("training_certificate_verify", args=["khong-co-ma-nay"]))
    assert unknown.status_code == 404 and "Không có giấy chứng nhận nào với mã này" in unknown.content.decode()


def test_an_erased_holder_s_certificate_shows_no_name(attended):
    certificates.issue(attended.organiser, attended.course)
    cert = Certificate.objects.get(participant=attended.people.an)
    an = attended.people.an
    an.full_name, an.phone, an.email, an.erased_at = "Đã xoá", "", "", timezone.now()
    an.save()
    body = Client().get(reverse("training_certificate_verify", args=[cert.code])).content.decode()
    assert "Đã xoá thông tin cá nhân" in body and 'data-certificate-state="valid"' in body
    listing = organiser_client(attended).get(page(attended)).content.decode()
    assert "Đã xoá thông tin cá nhân" in listing
    assert organiser_client(attended).get(reverse("training_certificate_pdf", args=[
        attended.course.code, cert.pk])).status_code == 409


def test_the_page_counts_from_the_rows(attended):
    body = organiser_client(attended).get(page(attended)).content.decode()
    assert re.search(r"data-eligible>2<", body) and re.search(r"data-waiting>2<", body)
    certificates.issue(attended.organiser, attended.course)
    body = organiser_client(attended).get(page(attended)).content.decode()
    assert re.search(r"data-issued>2<", body) and re.search(r"data-waiting>0<", body)
