"""Notifications: each workflow step tells the next actor (from the workflow's data and the roles) and, when the
dossier is sent back or done, whoever submitted it — in the app (an unread count in the header, a list scoped to the
recipient, opening one marks it read; all audited) and by e-mail once the step is committed (a failure is logged and
the step stands).

Today is the real date (after 1/7/2025): the 2026 dossiers follow the two-tier workflow (commune → province); the
three-tier one is tested with ``before_two_tier``.
"""

import logging
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client, override_settings

from nongthonso.accounts.services import grant
from nongthonso.assessments.definitions import definitions
from nongthonso.assessments.models import State
from nongthonso.assessments.workflow import WorkflowError, perform
from nongthonso.audit.models import AuditEntry
from nongthonso.notifications import services
from nongthonso.notifications.models import Notification

pytestmark = pytest.mark.django_db
REASON = "Tiêu chí 6: thiếu danh sách hộ nghèo đa chiều đã được phê duyệt"


@pytest.fixture
def flow(db, dossier_2026, lam_vy, make_user, new_unit, van_phu):
    """Vạn Phú's 2026 dossier; its two officers (one with an e-mail address), two province office staff (one with an
    address), Lam Vỹ's officer and a viewer of the whole province (neither should ever be told)."""
    province, commune = new_unit("19", "tinh"), van_phu
    return SimpleNamespace(
        dossier=dossier_2026(commune), commune=commune,
        officer=make_user("canbo", "commune_officer", commune, email="canbo@vanphu.example"),
        officer2=make_user("canbo2", "commune_officer", commune),
        office=make_user("tinh", "province_office", province, email="vpdp@thainguyen.example"),
        office2=make_user("tinh2", "province_office", province),
        elsewhere=make_user("canbo.lamvy", "commune_officer", lam_vy, email="lamvy@example.org"),
        viewer=make_user("xem", "viewer", province, email="xem@example.org"),
    )


def _told(verb: str | None = None) -> dict[str, str]:
    rows = Notification.objects.select_related("recipient")
    if verb:
        rows = rows.filter(verb=verb)
    return {n.recipient.username: n.text for n in rows}


def test_a_submission_tells_the_province_office_in_the_app_and_by_email(flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        perform(flow.dossier, "submit", flow.officer)
    # the next step (appraisal) is the province office's: both its staff are told; nobody else
    told = _told("submit")
    assert set(told) == {"tinh", "tinh2"}
    assert told["tinh"] == (
        "Gửi hồ sơ tự đánh giá: hồ sơ năm 2026 của xã Vạn Phú.\n"
        "Bộ tiêu chí: Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030.\n"
        f"Người thực hiện: cán bộ phụ trách NTM xã Vạn Phú (canbo), lúc {services._when(_last_event(flow))}.\n"
        "Trạng thái hồ sơ: Đã gửi, chờ tỉnh thẩm định. Việc tiếp theo của bạn: Thẩm định, phê duyệt hồ sơ.")
    # the one with an address gets an e-mail, with the link to the dossier
    assert [m.to for m in mail.outbox] == [["vpdp@thainguyen.example"]]
    message = mail.outbox[0]
    assert message.subject == "[Nông thôn số] Gửi hồ sơ tự đánh giá: hồ sơ năm 2026 của xã Vạn Phú."
    assert told["tinh"] in message.body and f"http://127.0.0.1:8000/ho-so/{flow.dossier.pk}/" in message.body
    # each notification is in the audit log: who was told of what
    entries = AuditEntry.objects.filter(model="notifications.notification", action="create")
    assert sorted(e.after["recipient"] for e in entries) == ["tinh", "tinh2"]
    assert {e.actor for e in entries} == {"canbo"}


def _last_event(flow):
    return flow.dossier.workflow_events.order_by("-timestamp", "-pk").first().timestamp


def test_a_return_tells_the_commune_why_and_the_submitter_even_without_the_role_now(
        flow, django_capture_on_commit_callbacks):
    perform(flow.dossier, "submit", flow.officer)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        perform(flow.dossier, "return", flow.office, reason=REASON)
    # the commune's officers (the next step is theirs), not the province office that returned it
    told = _told("return")
    assert set(told) == {"canbo", "canbo2"}
    assert f"Lý do: «{REASON}»." in told["canbo"]
    assert "Người thực hiện: Văn phòng Điều phối NTM tỉnh Thái Nguyên (tinh)" in told["canbo"]
    assert told["canbo"].endswith("Trạng thái hồ sơ: Bị trả lại, chờ xã sửa. Việc tiếp theo của bạn: Gửi hồ sơ tự "
                                  "đánh giá.")
    assert [m.to for m in mail.outbox] == [["canbo@vanphu.example"]]
    assert REASON in mail.outbox[0].body

    # the submitter is told of the next return even after their role went to someone else
    from nongthonso.accounts.services import revoke

    perform(flow.dossier, "submit", flow.officer)
    revoke(flow.officer, "commune_officer", flow.commune)
    Notification.objects.all().delete()
    perform(flow.dossier, "return", flow.office2, reason=REASON)
    told = _told("return")
    assert set(told) == {"canbo", "canbo2"}
    assert told["canbo"].endswith("Trạng thái hồ sơ: Bị trả lại, chờ xã sửa.")  # no step of theirs now
    assert "Việc tiếp theo của bạn: Gửi hồ sơ tự đánh giá." in told["canbo2"]


def test_approval_tells_who_records_the_decision_and_the_decision_tells_the_submitter(flow, dossier_2026, lam_vy,
                                                                                      make_user):
    # Lam Vỹ holds no decision: once approved, its dossier waits for one
    commune = lam_vy
    a = dossier_2026(commune)
    officer = make_user("canbo.lamvy2", "commune_officer", commune)
    perform(a, "submit", officer)
    perform(a, "approve", flow.office)
    # the decision is the province office's too: the colleague is told, not the one who approved
    assert set(_told("approve")) == {"tinh2"}
    assert "Việc tiếp theo của bạn: Ghi quyết định công nhận." in _told("approve")["tinh2"]
    perform(a, "record_decision", flow.office2,
            decision={"number": "15/QĐ-UBND", "date": "2026-09-15", "authority": "UBND tỉnh Thái Nguyên"})
    # the end of the workflow: no next actor; the commune that submitted learns of it
    assert set(_told("record_decision")) == {"canbo.lamvy2"}
    assert "Trạng thái hồ sơ: Đã có quyết định công nhận." in _told("record_decision")["canbo.lamvy2"]
    # a reopening sends it back to the commune's officers, with the reason
    perform(a, "reopen", flow.office, reason="Sửa số liệu tiêu chí 8 theo kết luận kiểm tra")
    assert set(_told("reopen")) == {"canbo.lamvy", "canbo.lamvy2"}
    assert "Lý do: «Sửa số liệu tiêu chí 8 theo kết luận kiểm tra»." in _told("reopen")["canbo.lamvy"]


def test_approval_of_a_commune_recognised_already_asks_nobody_for_a_decision(flow):
    # Vạn Phú, formed on 1/7/2025, was recognised again by a decision of 11/3/2026 (the demo): nothing to decide
    perform(flow.dossier, "submit", flow.officer)
    perform(flow.dossier, "approve", flow.office)
    assert set(_told("approve")) == {"canbo"}
    assert _told("approve")["canbo"].endswith("Trạng thái hồ sơ: Tỉnh đã thẩm định, chờ quyết định công nhận.")


def test_three_tier_steps_tell_the_district_then_the_province(before_two_tier, assessed_communes, dai_tu, dossier,
                                                              make_user, put_in_state, unit_at, province_19):
    commune = assessed_communes(dai_tu)[0]
    a = put_in_state(dossier(commune), State.DRAFT)
    officer = make_user("canbo", "commune_officer", commune)
    make_user("huyen", "district_office", dai_tu)
    make_user("huyen.khac", "district_office", unit_at("167", "huyen"))
    make_user("tinh", "province_office", province_19)
    perform(a, "submit", officer)
    assert set(_told("submit")) == {"huyen"}  # the district that verifies; not another district, nor the province
    perform(a, "verify", Notification.objects.get(verb="submit").recipient)
    assert set(_told("verify")) == {"tinh"}


def test_the_actors_of_a_step_include_the_offices_that_succeeded_the_units_above(flow, assessed_communes, dai_tu,
                                                                                 dossier):
    # a 2023 dossier of an old commune of the old province: the new province's office covers it by lineage
    old = dossier(assessed_communes(dai_tu)[0])
    approve = definitions()["hai-cap"].step("approve")
    assert [u.username for u in services.actors(approve, old.unit)] == ["tinh", "tinh2"]
    assert [u.username for u in services.actors(approve, flow.commune)] == ["tinh", "tinh2"]
    submit = definitions()["hai-cap"].step("submit")
    assert [u.username for u in services.actors(submit, flow.commune)] == ["canbo", "canbo2"]
    flow.officer2.is_active = False
    flow.officer2.save()
    assert [u.username for u in services.actors(submit, flow.commune)] == ["canbo"]


@override_settings(EMAIL_BACKEND="tests.notifications.failing.FailingBackend")
def test_an_email_that_cannot_be_sent_is_logged_and_the_step_stands(flow, django_capture_on_commit_callbacks,
                                                                   caplog):
    with caplog.at_level(logging.ERROR, logger="nongthonso.notifications"), \
            django_capture_on_commit_callbacks(execute=True):
        perform(flow.dossier, "submit", flow.officer)
    flow.dossier.refresh_from_db()
    assert flow.dossier.state == State.SUBMITTED
    assert set(_told("submit")) == {"tinh", "tinh2"}  # the notifications are in the app
    assert "not e-mailed to vpdp@thainguyen.example" in caplog.text


def test_notifications_that_cannot_be_written_are_logged_and_the_step_stands(flow, monkeypatch, caplog):
    def broken(assessment, event):
        Notification.objects.create(recipient=flow.office, assessment=assessment, link="/", verb="x", text="x")
        raise RuntimeError("no")

    monkeypatch.setattr(services, "notify_step", broken)
    with caplog.at_level(logging.ERROR, logger="nongthonso.notifications"):
        perform(flow.dossier, "submit", flow.officer)
    flow.dossier.refresh_from_db()
    assert flow.dossier.state == State.SUBMITTED
    assert not Notification.objects.exists()  # the half-written ones rolled back with their savepoint
    assert "not written" in caplog.text


def test_a_refused_step_tells_nobody(flow):
    with pytest.raises(WorkflowError):
        perform(flow.dossier, "approve", flow.office)
    assert not Notification.objects.exists()


# --- the pages ------------------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_header_counts_the_unread_and_the_list_is_the_recipients_own(flow):
    perform(flow.dossier, "submit", flow.officer)
    perform(flow.dossier, "return", flow.office, reason=REASON)
    mine = Notification.objects.get(recipient=flow.officer)
    client = _client(flow.officer)
    header = client.get("/ho-so/").content.decode().split("<main>")[0]
    assert 'href="/thong-bao/" data-unread="1"' in header and "Thông báo: 1 chưa đọc" in header
    page = client.get("/thong-bao/").content.decode()
    assert f'data-notification="{mine.pk}"' in page and 'data-read="0"' in page and REASON in page
    assert "1 thông báo chưa đọc." in page
    # the province office's notification is not on the commune's list, and cannot be opened by it
    theirs = Notification.objects.get(recipient=flow.office2, verb="submit")
    assert f'data-notification="{theirs.pk}"' not in page
    assert client.get(f"/thong-bao/{theirs.pk}/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    # a viewer of the whole province is told nothing
    assert 'data-unread="0"' in _client(flow.viewer).get("/thong-bao/").content.decode()


def test_opening_a_notification_marks_it_read_and_goes_to_the_dossier(flow):
    perform(flow.dossier, "submit", flow.officer)
    perform(flow.dossier, "return", flow.office, reason=REASON)
    mine = Notification.objects.get(recipient=flow.officer)
    client = _client(flow.officer)
    response = client.get(f"/thong-bao/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/ho-so/{flow.dossier.pk}/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    entry = AuditEntry.objects.get(model="notifications.notification", object_id=str(mine.pk), action="update")
    assert (entry.actor, entry.before, entry.after["read_at"]) == ("canbo", {"read_at": None},
                                                                   mine.read_at.isoformat())
    assert 'data-unread="0"' in client.get("/thong-bao/").content.decode()
    # opening it again changes nothing more
    client.get(f"/thong-bao/{mine.pk}/")
    assert AuditEntry.objects.filter(model="notifications.notification", action="update").count() == 1


def test_marking_all_read_touches_only_the_users_own(flow):
    perform(flow.dossier, "submit", flow.officer)
    perform(flow.dossier, "return", flow.office, reason=REASON)
    perform(flow.dossier, "submit", flow.officer2)
    client = _client(flow.office2)
    assert Notification.objects.filter(recipient=flow.office2, read_at__isnull=True).count() == 2
    assert client.get("/thong-bao/da-doc/").status_code == 405
    response = client.post("/thong-bao/da-doc/", follow=True).content.decode()
    assert "Đã đánh dấu 2 thông báo là đã đọc." in response
    assert not Notification.objects.filter(recipient=flow.office2, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=flow.office, read_at__isnull=True).count() == 2  # both submissions
    assert Notification.objects.filter(recipient=flow.officer, read_at__isnull=True).count() == 1


def test_the_pages_need_a_login(client):
    assert client.get("/thong-bao/")["Location"].startswith("/dang-nhap/")
    assert client.post("/thong-bao/da-doc/")["Location"].startswith("/dang-nhap/")


def test_a_user_holding_both_roles_is_not_told_of_their_own_step(flow, make_user, new_unit):
    both = make_user("kiemnhiem", "commune_officer", flow.commune)
    grant(both, "province_office", new_unit("19", "tinh"))
    perform(flow.dossier, "submit", both)
    assert set(_told("submit")) == {"tinh", "tinh2"}
