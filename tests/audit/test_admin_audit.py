"""Edits in /admin/ are audited and locked like writes through the services (issue 11, item 4): changing a decision's
number, granting a role, moving a dossier, a password, a bulk deletion — each writes an audit entry (who, before and
after, the request id) in the same transaction; a submitted or decided dossier keeps its unit, year and set, a
decision recorded through the workflow keeps its link, a criteria set in use keeps its rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import ManyToManyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.forms import CheckboxInput, MultiWidget

from nongthonso.accounts.models import Membership
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.assessments.workflow import perform
from nongthonso.audit.admin import HIDDEN, AuditedModelAdmin
from nongthonso.audit.models import AuditEntry
from nongthonso.criteria.models import CriteriaSet
from nongthonso.demo.thai_nguyen_2026 import SET_2021 as NTM_SET
from nongthonso.recognition.models import Decision, Registration

pytestmark = pytest.mark.django_db

DECISION = {"number": "77/QĐ-UBND", "date": dt.date(2023, 12, 20), "authority": "UBND tỉnh Thái Nguyên"}


def form_data(page) -> dict:
    """What the browser would post back from an admin change page as loaded: the main form, each inline's
    management form and rows."""
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in forms:
        for field in form:
            widget, value, name = field.field.widget, field.value(), field.html_name
            if isinstance(widget, MultiWidget):
                parts = value if isinstance(value, list) else widget.decompress(value)
                data.update({name + suffix: part for suffix, part in zip(widget.widgets_names, parts, strict=True)
                             if part is not None})
            elif isinstance(widget, ManyToManyRawIdWidget):
                data[name] = ",".join(str(v) for v in value or ())
            elif isinstance(widget, CheckboxInput):
                if value:
                    data[name] = "on"
            elif isinstance(value, list | tuple):
                data[name] = [str(v) for v in value]
            elif value is not None:
                data[name] = value
    return data


def entries(obj, action: str | None = None):
    """The entries the admin wrote about ``obj`` (the demo's own are not of the admin)."""
    found = AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk),
                                      note__startswith="Trong trang quản trị")
    return found.filter(action=action) if action else found


def change_url(obj) -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --------------------------------------------------------------------------------------------- every admin


def unaudited(site) -> list[str]:
    return [f"{model._meta.label}: {type(model_admin).__name__}" for model, model_admin in site._registry.items()
            if not isinstance(model_admin, AuditedModelAdmin)]


def test_every_registered_admin_is_audited():
    assert unaudited(admin.site) == [], "derive these admins from nongthonso.audit.admin.AuditedModelAdmin"
    for model in (Decision, Membership, Assessment, get_user_model(), Group, AuditEntry):
        assert model in admin.site._registry
    # the check sees an admin that forgot
    site = admin.AdminSite(name="check")
    site.register(Registration, admin.ModelAdmin)
    assert unaudited(site) == ["recognition.Registration: ModelAdmin"]


# --------------------------------------------------------------------------------------------- the log


def test_changing_a_decisions_number_is_audited_with_who_before_after_and_the_request_id(admin_client, admin_user):
    decision = Decision.objects.filter(units__isnull=False).order_by("pk").first()
    old = decision.number
    data = form_data(admin_client.get(change_url(decision)))
    data["number"] = "999/QĐ-UBND"

    response = admin_client.post(change_url(decision), data, headers={"X-Request-ID": "qt-so-quyet-dinh"})

    assert response.status_code == 302, response.content.decode()[:3000]
    entry = entries(decision).get()
    assert (entry.action, entry.user, entry.actor) == ("update", admin_user, admin_user.username)
    assert (entry.before, entry.after) == ({"number": old}, {"number": "999/QĐ-UBND"})
    assert entry.request_id == "qt-so-quyet-dinh" and entry.note == "Trong trang quản trị"
    # saved again unchanged: nothing to record
    admin_client.post(change_url(decision), {**data})
    assert entries(decision).count() == 1


def test_the_entry_is_written_in_the_same_transaction_as_the_change(admin_client, monkeypatch):
    decision = Decision.objects.filter(units__isnull=False).order_by("pk").first()
    data = {**form_data(admin_client.get(change_url(decision))), "number": "1/QĐ-UBND"}

    def broken(*args, **kwargs):
        raise RuntimeError("nhật ký không ghi được")

    monkeypatch.setattr("nongthonso.audit.admin.record", broken)
    with pytest.raises(RuntimeError):
        admin_client.post(change_url(decision), data)
    assert Decision.objects.get(pk=decision.pk).number == decision.number


def test_granting_and_withdrawing_a_role_is_audited(admin_client, assessed_communes, dai_tu, make_user):
    commune = assessed_communes(dai_tu)[0]
    user = make_user("moi.vao")
    response = admin_client.post("/admin/accounts/membership/add/",
                                 {"user": user.pk, "role": "commune_officer", "unit": commune.pk, "note": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    membership = Membership.objects.get(user=user)
    entry = entries(membership, "create").get()
    assert entry.after["role"] == "commune_officer" and entry.after["unit"] == commune.pk
    assert entry.after["user"] == user.pk

    # on the user's page, a role added in the inline and the first one withdrawn
    page = admin_client.get(change_url(user))
    data = form_data(page)
    data.update({"memberships-0-DELETE": "on", "memberships-TOTAL_FORMS": "2", "memberships-1-role": "viewer",
                 "memberships-1-unit": str(commune.pk), "memberships-1-user": str(user.pk)})
    response = admin_client.post(change_url(user), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Membership.objects.get(user=user)
    assert added.role == "viewer"
    assert entries(added, "create").get().note == f"Trong trang quản trị, trên trang của «{user}»"
    assert entries(membership, "delete").get().before["role"] == "commune_officer"


def test_a_password_set_in_the_admin_is_audited_without_its_hash(admin_client, admin_user, make_user):
    user = make_user("doi.mat.khau")
    response = admin_client.post(f"/admin/auth/user/{user.pk}/password/",
                                 {"password1": "Mật-khẩu-mới-2024!", "password2": "Mật-khẩu-mới-2024!"})
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.has_usable_password()
    entry = entries(user, "update").get()
    assert entry.after == {"password": HIDDEN} and entry.user == admin_user
    assert user.password not in str(entry.before) + str(entry.after)


def test_a_bulk_deletion_records_each_row(admin_client):
    rows = list(Registration.objects.order_by("pk")[:2])
    response = admin_client.post("/admin/recognition/registration/", {
        "action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"})
    assert response.status_code == 302
    assert not Registration.objects.filter(pk__in=[r.pk for r in rows]).exists()
    for row in rows:
        entry = entries(row, "delete").get()
        assert entry.before["unit"] == row.unit_id and entry.before["target_year"] == row.target_year


def test_deleting_a_draft_dossier_records_it_and_the_rows_that_go_with_it(admin_client, dossiers_open,
                                                                          assessed_communes, dai_tu, dossier):
    a = dossier(assessed_communes(dai_tu)[0])
    values = list(IndicatorValue.objects.filter(assessment=a))
    assert values
    response = admin_client.post(f"/admin/assessments/assessment/{a.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert entries(a, "delete").get().before["year"] == 2023
    for value in values:
        entry = entries(value, "delete").get()
        assert entry.before["value"] == value.value and "xóa kèm theo" in entry.note


# --------------------------------------------------------------------------------------------- locks


def test_an_approved_dossier_cannot_be_moved_to_another_year_nor_deleted(admin_client):
    a = Assessment.objects.filter(state=Assessment.State.APPROVED, year=2023).order_by("pk").first()
    page = admin_client.get(change_url(a))
    [reason] = messages_of(page)
    assert "đã được tỉnh thẩm định nên số liệu đã khóa" in reason and "mở lại hồ sơ" in reason
    assert "đơn vị, năm, bộ tiêu chí và quy trình của hồ sơ này chỉ xem được" in reason
    assert not {"unit", "year", "criteria_set", "workflow"} & set(page.context["adminform"].form.fields)

    data = {**form_data(page), "year": "2024", "unit": str(a.unit_id + 1)}
    admin_client.post(change_url(a), data)
    moved = Assessment.objects.get(pk=a.pk)
    assert (moved.year, moved.unit_id) == (a.year, a.unit_id)
    assert not entries(a).exists()

    assert admin_client.post(f"/admin/assessments/assessment/{a.pk}/delete/", {"post": "yes"}).status_code == 403
    # nor is one opened here, past open_dossier's checks
    assert admin_client.get("/admin/assessments/assessment/add/").status_code == 403
    draft = Assessment.objects.filter(state=Assessment.State.DRAFT).order_by("pk").first()
    response = admin_client.post("/admin/assessments/assessment/", {
        "action": "delete_selected", "_selected_action": [a.pk, draft.pk], "post": "yes"}, follow=True)
    [refused] = [m for m in messages_of(response) if m.startswith("Không xóa được các mục đã chọn")]
    assert str(a) in refused and "đã khóa" in refused
    assert Assessment.objects.filter(pk__in=[a.pk, draft.pk]).count() == 2


def test_a_draft_dossier_moved_to_another_year_is_audited(admin_client, dossiers_open, assessed_communes, dai_tu,
                                                          dossier):
    a = dossier(assessed_communes(dai_tu)[0])
    page = admin_client.get(change_url(a))
    assert messages_of(page) == []
    response = admin_client.post(change_url(a), {**form_data(page), "year": "2024"})
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = entries(a, "update").get()
    assert entry.before == {"year": 2023, "version": a.version}
    assert entry.after == {"year": 2024, "version": a.version + 1}  # pages opened before are now stale


def test_a_dossier_submitted_while_the_admin_form_is_filled_in_is_not_moved(admin_user, dossiers_open, rf,
                                                                            assessed_communes, dai_tu, dossier):
    a = dossier(assessed_communes(dai_tu)[0])
    request = rf.post("/")
    request.user = admin_user
    model_admin = admin.site._registry[Assessment]
    Form = model_admin.get_form(request, a)
    form = Form({"unit": a.unit_id, "year": 2024, "criteria_set": a.criteria_set_id, "workflow": ""}, instance=a)
    Assessment.objects.filter(pk=a.pk).update(state=Assessment.State.SUBMITTED)  # the commune submits meanwhile

    assert not form.is_valid()
    assert "đã được gửi nên không sửa được số liệu" in form.non_field_errors()[0]


@pytest.mark.parametrize("year", ["0", "1", "2009", "2101", "65535"])
def test_a_year_out_of_range_is_refused_in_the_admin(admin_client, dossiers_open, year, assessed_communes, dai_tu,
                                                     dossier):
    a = dossier(assessed_communes(dai_tu)[0])
    response = admin_client.post(change_url(a), {**form_data(admin_client.get(change_url(a))), "year": year})
    assert response.status_code == 200
    assert "từ 2010 đến 2100" in str(response.context["adminform"].form.errors["year"])
    assert Assessment.objects.get(pk=a.pk).year == 2023 and not entries(a).exists()


@pytest.fixture
def recorded(dossiers_open, assessed_communes, dai_tu, dossier, make_user, province_19):
    """A 2023 dossier taken through the workflow to its recognition decision: (dossier, decision)."""
    communes = assessed_communes(dai_tu)
    commune = communes[0]
    officer = make_user("canbo.qt", "commune_officer", commune)
    province = make_user("tinh.qt", "province_office", province_19)
    a = dossier(commune)
    for action, user in (("submit", officer), ("approve", province), ("record_decision", province)):
        event = perform(a, action, user, decision=DECISION if action == "record_decision" else None)
    decision = Decision.objects.get(pk=event.details["decision"]["id"])
    decision.units.add(communes[1])  # another commune on the same decision, not recorded through a dossier
    return a, decision


def test_a_decision_recorded_through_the_workflow_keeps_its_link(admin_client, recorded):
    a, decision = recorded
    page = admin_client.get(change_url(decision))
    [reason] = messages_of(page)
    assert f"hồ sơ năm 2023 của {a.unit.name[:1].lower()}{a.unit.name[1:]}" in reason and "không xóa được" in reason
    assert not {"kind", "level", "for_year"} & set(page.context["adminform"].form.fields)
    data = form_data(page)

    # the dossier's commune cannot leave the decision; the other commune can
    other = decision.units.exclude(pk=a.unit_id).get()
    response = admin_client.post(change_url(decision), {**data, "units": str(other.pk)})
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["units"]
    assert error.startswith(f"Không bỏ được {a.unit.name[:1].lower()}") and "mở lại hồ sơ" in error
    response = admin_client.post(change_url(decision), {**data, "units": str(a.unit_id), "number": "78/QĐ-UBND"})
    assert response.status_code == 302, response.content.decode()[:3000]
    decision.refresh_from_db()
    assert set(decision.units.values_list("pk", flat=True)) == {a.unit_id} and decision.number == "78/QĐ-UBND"
    entry = entries(decision, "update").filter(note="Trong trang quản trị").get()
    assert entry.before == {"number": DECISION["number"], "units": sorted([a.unit_id, other.pk])}
    assert entry.after == {"number": "78/QĐ-UBND", "units": [a.unit_id]}

    assert admin_client.post(f"/admin/recognition/decision/{decision.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post("/admin/recognition/decision/", {
        "action": "delete_selected", "_selected_action": [decision.pk], "post": "yes"}, follow=True)
    assert any(m.startswith("Không xóa được các mục đã chọn") for m in messages_of(response))
    assert Decision.objects.filter(pk=decision.pk).exists()


def test_a_decision_no_dossier_recorded_can_be_deleted(admin_client):
    decision = Decision.objects.filter(units__isnull=False).order_by("pk").first()
    units = sorted(decision.units.values_list("pk", flat=True))
    assert messages_of(admin_client.get(change_url(decision))) == []
    assert admin_client.post(f"/admin/recognition/decision/{decision.pk}/delete/", {"post": "yes"}).status_code == 302
    assert entries(decision, "delete").get().before["units"] == units


def test_a_criteria_set_in_use_keeps_its_rules(admin_client):
    cset = CriteriaSet.objects.get(code=NTM_SET, superseded_by__isnull=True)
    page = admin_client.get(change_url(cset))
    assert "đã được dùng cho các bản đánh giá" in messages_of(page)[0]
    fields = set(page.context["adminform"].form.fields)
    assert not {"level", "effective_from", "requires", "threshold_dimension"} & fields and "name" in fields
    criterion = cset.criteria.order_by("position").first()
    page = admin_client.get(change_url(criterion))
    assert not {"revocation_key", "condition", "code"} & set(page.context["adminform"].form.fields)
