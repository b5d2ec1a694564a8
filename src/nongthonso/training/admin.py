"""Training in the admin: every model, audited (``audit.admin.AuditedModelAdmin``).

Personal data stays out of the log here too (Decree 13/2023/NĐ-CP): a participant's name, position, phone and e-mail
are logged as «[ẩn]», and a participant — or a row whose name shows theirs (attendance, a test score) — is named
«Học viên #id» rather than by name. The participants' list has the action that erases their personal data, as the
organiser's page does (``services.erase_participant``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction

from nongthonso.audit.admin import VIA_ADMIN, AuditedModelAdmin

from . import services
from .models import (
    Answer,
    Attendance,
    BridgePoint,
    Certificate,
    Connection,
    Course,
    CoverageTarget,
    EvaluationResponse,
    Headcount,
    Lecturer,
    Material,
    Participant,
    Question,
    Session,
    TargetGroup,
    TestScore,
    Topic,
    TopicGroup,
)

NAMED_AFTER_A_PERSON = (Participant, Attendance, TestScore)


class TrainingAdmin(AuditedModelAdmin):
    """An audited admin whose log never names a participant."""

    audit_secret_fields = (*AuditedModelAdmin.audit_secret_fields, *services.PERSONAL_FIELDS)

    def _record(self, request, action, obj, before=None, after=None, note=VIA_ADMIN):
        shown = services.logged(obj) if isinstance(obj, NAMED_AFTER_A_PERSON) else obj
        super()._record(request, action, shown, before, after, note)


@admin.register(TopicGroup)
class TopicGroupAdmin(TrainingAdmin):
    list_display = ("code", "title", "framework", "provenance", "order")
    list_filter = ("provenance",)


@admin.register(Topic)
class TopicAdmin(TrainingAdmin):
    list_display = ("code", "title", "group", "provenance", "province")
    list_filter = ("group", "provenance")
    search_fields = ("code", "title")
    raw_id_fields = ("province",)


@admin.register(TargetGroup)
class TargetGroupAdmin(TrainingAdmin):
    list_display = ("code", "label", "level", "grassroots", "full_time_ntm", "order")
    list_filter = ("grassroots", "full_time_ntm")


class SessionInline(admin.TabularInline):
    model = Session
    fields = ("kind", "title", "starts_at", "ends_at", "venue")
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(TrainingAdmin):
    list_display = ("code", "title", "organiser", "starts_on", "ends_on", "mode", "synthetic")
    list_filter = ("mode", "synthetic")
    search_fields = ("code", "title", "plan")
    date_hierarchy = "starts_on"
    raw_id_fields = ("organiser", "created_by")
    filter_horizontal = ("topics", "target_groups")
    inlines = [SessionInline]


@admin.register(Session)
class SessionAdmin(TrainingAdmin):
    list_display = ("title", "course", "kind", "starts_at", "ends_at", "checkin_open")
    list_filter = ("kind", "checkin_open")
    search_fields = ("title", "course__code")
    raw_id_fields = ("course",)
    filter_horizontal = ("topics",)


@admin.register(Lecturer)
class LecturerAdmin(TrainingAdmin):
    list_display = ("name", "title", "organisation", "course")
    search_fields = ("name", "course__code")
    raw_id_fields = ("course",)


@admin.register(Material)
class MaterialAdmin(TrainingAdmin):
    list_display = ("title", "course", "original_name", "content_type", "size", "uploaded_at")
    search_fields = ("title", "original_name", "course__code")
    raw_id_fields = ("course", "session", "uploaded_by")
    readonly_fields = ("stored_name", "sha256", "size", "content_type")


@admin.register(BridgePoint)
class BridgePointAdmin(TrainingAdmin):
    list_display = ("name", "course", "is_main", "host_unit", "capacity", "host_name")
    list_filter = ("is_main",)
    search_fields = ("name", "course__code", "host_unit__code")
    raw_id_fields = ("course", "host_unit", "host_user")


@admin.register(Connection)
class ConnectionAdmin(TrainingAdmin):
    list_display = ("bridge_point", "session", "status", "recorded_at")
    list_filter = ("status",)
    raw_id_fields = ("session", "bridge_point", "recorded_by")


@admin.action(description="Xoá thông tin cá nhân của các học viên đã chọn (Nghị định 13/2023/NĐ-CP)")
def erase_personal_data(modeladmin, request, queryset):
    try:
        with transaction.atomic():
            people = list(queryset.filter(erased_at__isnull=True).select_related("course"))
            for person in people:
                services.erase_participant(request.user, person)
    except services.Refused as error:
        modeladmin.message_user(request, f"Không xoá được: {error.message}", messages.ERROR)
        return
    modeladmin.message_user(request, f"Đã xoá thông tin cá nhân của {len(people)} học viên; đơn vị, nhóm đối tượng và "
                                     "điểm danh được giữ.", messages.SUCCESS)


@admin.register(Participant)
class ParticipantAdmin(TrainingAdmin):
    list_display = ("full_name", "course", "unit", "target_group", "bridge_point", "registered_via", "erased_at")
    list_filter = ("registered_via", "synthetic", "target_group")
    search_fields = ("full_name", "course__code", "email", "phone")
    raw_id_fields = ("course", "unit", "bridge_point", "registered_by")
    readonly_fields = ("erased_at",)
    actions = [erase_personal_data]


@admin.register(Attendance)
class AttendanceAdmin(TrainingAdmin):
    list_display = ("participant", "session", "mode", "bridge_point", "method", "recorded_at")
    list_filter = ("mode", "method", "synthetic")
    raw_id_fields = ("session", "participant", "bridge_point", "recorded_by")


@admin.register(Question)
class QuestionAdmin(TrainingAdmin):
    list_display = ("text", "course", "aspect", "scale", "order")
    list_filter = ("aspect",)
    raw_id_fields = ("course",)


@admin.register(EvaluationResponse)
class EvaluationResponseAdmin(TrainingAdmin):
    list_display = ("pk", "course", "submitted_at", "synthetic")
    raw_id_fields = ("course", "participant")


@admin.register(Answer)
class AnswerAdmin(TrainingAdmin):
    list_display = ("response", "question", "score")
    raw_id_fields = ("response", "question")


@admin.register(TestScore)
class TestScoreAdmin(TrainingAdmin):
    list_display = ("participant", "kind", "score", "max_score", "recorded_at")
    list_filter = ("kind",)
    raw_id_fields = ("participant", "recorded_by")


@admin.register(Certificate)
class CertificateAdmin(TrainingAdmin):
    list_display = ("number", "participant", "issued_on", "revoked_at")
    search_fields = ("number", "code")
    raw_id_fields = ("participant", "issued_by")


@admin.register(CoverageTarget)
class CoverageTargetAdmin(TrainingAdmin):
    list_display = ("target_group", "period_start", "period_end", "share", "provenance")
    list_filter = ("provenance",)


@admin.register(Headcount)
class HeadcountAdmin(TrainingAdmin):
    list_display = ("unit", "target_group", "year", "count", "synthetic")
    list_filter = ("year", "target_group", "synthetic")
    raw_id_fields = ("unit",)
