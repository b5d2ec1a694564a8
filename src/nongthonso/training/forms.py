"""The forms of the organiser's and the bridge-point host's pages. They read what was typed (dates, numbers,
choices); the rules — which units, topics, points a user may choose, duplicates, dates within the course — are the
services' (``services.Invalid``), shared with the API: ``core.forms.apply`` puts their messages on the form's fields.

The participant form says, field by field, why each piece of personal data is asked for (Decree 13/2023/NĐ-CP).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ConnectionStatus, Mode, SessionKind, TargetGroup, TopicGroup

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


def _date(label, help_text=""):
    return forms.DateField(label=label, input_formats=DATE_FORMATS, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": _("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 11/10/2023."),
                                           "required": _("Nhập ngày.")})


def _datetime(label):
    return forms.DateTimeField(label=label, input_formats=DATETIME_FORMATS,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                               error_messages={"invalid": _("Nhập ngày giờ, ví dụ 11/10/2023 08:00."),
                                               "required": _("Nhập ngày giờ.")})


def _ids(label, choices, help_text=""):
    return forms.TypedMultipleChoiceField(label=label, coerce=int, required=False, choices=choices,
                                          widget=forms.CheckboxSelectMultiple, help_text=help_text,
                                          error_messages={"invalid_choice": _("Chọn trong danh sách.")})


def session_label(session) -> str:
    """«11/10 08:00 — Khai mạc …»: a session as a choice names it (local time)."""
    return f"{timezone.localtime(session.starts_at):%d/%m %H:%M} — {session.title}"


class CourseForm(forms.Form):
    code = forms.CharField(label=_("Mã khoá"), max_length=40,
                           help_text=_("Chữ thường không dấu, số và dấu gạch ngang, ví dụ cds-ntm-2023; dùng trong "
                                       "đường dẫn, không đổi được sau khi tạo."))
    title = forms.CharField(label=_("Tên khoá"), max_length=300, error_messages={
        "required": _("Nhập tên khoá tập huấn, ví dụ «Tập huấn chuyển đổi số trong xây dựng NTM năm 2023».")})
    plan = forms.CharField(label=_("Căn cứ, kế hoạch"), max_length=300, required=False,
                           help_text=_("Ví dụ: Kế hoạch 154/KH-UBND ngày 15/10/2022 của UBND tỉnh."))
    organiser = forms.CharField(label=_("Đơn vị tổ chức (mã GSO)"), max_length=20,
                                help_text=_("Đơn vị theo địa giới tại ngày khai giảng, trong phạm vi bạn được giao."),
                                error_messages={"required": _("Nhập mã GSO của đơn vị tổ chức, ví dụ 19.")})
    organiser_name = forms.CharField(label=_("Cơ quan tổ chức"), max_length=200, required=False,
                                     help_text=_("Ví dụ: Văn phòng Điều phối nông thôn mới tỉnh."))
    starts_on = _date(_("Ngày khai giảng"))
    ends_on = _date(_("Ngày bế giảng"))
    mode = forms.ChoiceField(label=_("Hình thức"), choices=Mode.choices, error_messages={
        "invalid_choice": _("Chọn hình thức: trực tiếp, trực tuyến, hoặc trực tiếp kết hợp trực tuyến.")})
    description = forms.CharField(label=_("Nội dung, ghi chú"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    topics = _ids(_("Chuyên đề"), ())
    target_groups = _ids(_("Nhóm đối tượng"), ())

    def __init__(self, *args, topics, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic_rows = list(topics)
        self.fields["topics"].choices = [(t.pk, t.title) for t in self.topic_rows]
        self.fields["target_groups"].choices = [(g.pk, g.label) for g in TargetGroup.objects.all()]
        if editing:
            del self.fields["code"]

    def topic_groups(self) -> list[tuple[TopicGroup, list[tuple[Any, bool]]]]:
        """The topics offered, grouped by the framework's groups, each with whether it is ticked."""
        if self.is_bound:
            ticked = {str(v) for v in self.data.getlist("topics")} if hasattr(self.data, "getlist") else set()
        else:
            ticked = {str(v) for v in self.initial.get("topics", ())}
        groups: dict[int, tuple[TopicGroup, list]] = {}
        for topic in self.topic_rows:
            groups.setdefault(topic.group_id, (topic.group, []))[1].append((topic, str(topic.pk) in ticked))
        return sorted(groups.values(), key=lambda g: (g[0].order, g[0].code))


class TopicForm(forms.Form):
    """A topic the province adds to the catalogue (and to the course)."""

    group = forms.ModelChoiceField(label=_("Nhóm chuyên đề"), queryset=TopicGroup.objects.all(),
                                   empty_label=_("— chọn nhóm —"))
    title = forms.CharField(label=_("Tên chuyên đề"), max_length=300)
    source = forms.CharField(label=_("Căn cứ"), max_length=500, required=False,
                             help_text=_("Văn bản của tỉnh đưa chuyên đề vào chương trình, nếu có."))

    def clean_group(self):
        return self.cleaned_data["group"].pk


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại buổi"), choices=SessionKind.choices, error_messages={
        "invalid_choice": _("Chọn loại buổi: lý thuyết, hoặc tham quan, học tập thực tế.")})
    title = forms.CharField(label=_("Nội dung buổi"), max_length=300, error_messages={
        "required": _("Nhập nội dung buổi, ví dụ «Chuyển đổi số trong xây dựng NTM: khái niệm, lộ trình».")})
    starts_at = _datetime(_("Bắt đầu"))
    ends_at = _datetime(_("Kết thúc"))
    venue = forms.CharField(label=_("Địa điểm"), max_length=300, required=False)
    visited_sites = forms.CharField(label=_("Nơi tham quan"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("Buổi tham quan, học tập thực tế: mỗi dòng một mô hình, địa điểm."))
    topics = _ids(_("Chuyên đề của buổi"), ())

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(t.pk, t.title) for t in course.topics.all()]


class LecturerForm(forms.Form):
    name = forms.CharField(label=_("Họ tên"), max_length=200,
                           error_messages={"required": _("Nhập họ tên giảng viên.")})
    title = forms.CharField(label=_("Học hàm, học vị, chức vụ"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Cơ quan"), max_length=300, required=False)
    sessions = _ids(_("Buổi giảng"), ())

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].choices = [(s.pk, session_label(s)) for s in course.sessions.all()]


class PointForm(forms.Form):
    """A bridge point: every field for the organiser; address, capacity and host person for its host."""

    name = forms.CharField(label=_("Tên điểm cầu"), max_length=300, error_messages={
        "required": _("Nhập tên điểm cầu, ví dụ «Điểm cầu UBND xã Vạn Phú».")})
    is_main = forms.BooleanField(label=_("Điểm cầu chính"), required=False,
                                 help_text=_("Nơi giảng viên giảng bài; học viên ở đây được tính là dự trực tiếp."))
    host_unit = forms.CharField(label=_("Đơn vị đăng cai (mã GSO)"), max_length=20,
                                help_text=_("Đơn vị theo địa giới tại ngày khai giảng."),
                                error_messages={"required": _("Nhập mã GSO của đơn vị đăng cai điểm cầu.")})
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    capacity = forms.IntegerField(label=_("Sức chứa (người)"), min_value=1, max_value=100_000, required=False)
    host_name = forms.CharField(label=_("Người chủ trì"), max_length=200, required=False,
                                help_text=_("Họ tên, chức vụ người chủ trì tại điểm cầu."))
    host_user = forms.CharField(label=_("Tài khoản người chủ trì"), max_length=150, required=False,
                                help_text=_("Tên đăng nhập (nếu có): người này đăng ký học viên, điểm danh và báo tình "
                                            "trạng kết nối của điểm cầu."))

    def __init__(self, *args, organiser: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not organiser:
            for name in ("name", "is_main", "host_unit", "host_user"):
                del self.fields[name]


class ConnectionForm(forms.Form):
    status = forms.ChoiceField(label=_("Tình trạng kết nối"), required=False,
                               choices=[("", _("— chưa báo —")), *ConnectionStatus.choices], error_messages={
                                   "invalid_choice": _("Chọn tình trạng kết nối trong danh sách.")})
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class ParticipantForm(forms.Form):
    """A person registered for a course. Each field's help says why it is collected (Decree 13/2023/NĐ-CP)."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=200,
                                help_text=_("Để điểm danh và ghi giấy chứng nhận."),
                                error_messages={"required": _("Nhập họ và tên người học, ví dụ Nguyễn Thị Hoa.")})
    position = forms.CharField(label=_("Chức vụ"), max_length=200, required=False,
                               help_text=_("Để xếp đúng nhóm đối tượng và ghi giấy chứng nhận."))
    unit = forms.CharField(label=_("Đơn vị công tác (mã GSO)"), max_length=20,
                           help_text=_("Để tính tỷ lệ cán bộ của từng đơn vị đã được tập huấn."),
                           error_messages={"required": _("Nhập mã GSO của đơn vị công tác của người học.")})
    target_group = forms.ChoiceField(
        label=_("Nhóm đối tượng"), help_text=_("Để tính tỷ lệ cán bộ theo từng nhóm đối tượng đã được tập huấn."),
        error_messages={"required": _("Chọn nhóm đối tượng của người học (cần cho báo cáo tỷ lệ cán bộ được tập "
                                      "huấn)."),
                        "invalid_choice": _("Chọn nhóm đối tượng trong danh sách.")})
    phone = forms.CharField(label=_("Điện thoại (không bắt buộc)"), max_length=40, required=False,
                            help_text=_("Chỉ để đối chiếu báo cáo điểm danh của phần mềm họp trực tuyến và điểm danh "
                                        "bằng mã QR."))
    email = forms.CharField(label=_("Thư điện tử (không bắt buộc)"), max_length=254, required=False,
                            help_text=_("Chỉ để đối chiếu báo cáo điểm danh của phần mềm họp trực tuyến và gửi giấy "
                                        "chứng nhận."))
    bridge_point = forms.ChoiceField(label=_("Điểm cầu"), required=False,
                                     help_text=_("Nơi người học theo dõi khoá học."), error_messages={
                                         "required": _("Chọn điểm cầu của bạn, nơi người học theo dõi khoá học."),
                                         "invalid_choice": _("Chọn điểm cầu trong danh sách các điểm cầu bạn được "
                                                             "đăng ký người học.")})

    def __init__(self, *args, points, organiser: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_group"].choices = [("", _("— chọn nhóm —")),
                                               *[(g.pk, g.label) for g in TargetGroup.objects.all()]]
        choices = [(p.pk, p.name) for p in points]
        if organiser:
            choices.insert(0, ("", _("— không qua điểm cầu —")))
        else:
            self.fields["bridge_point"].required = True
        self.fields["bridge_point"].choices = choices


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Tên tài liệu"), max_length=300, required=False,
                            help_text=_("Để trống: dùng tên tệp."))
    session = forms.ChoiceField(label=_("Buổi học"), required=False, error_messages={
        "invalid_choice": _("Chọn buổi học trong các buổi của khoá này, hoặc để trống.")})
    file = forms.FileField(label=_("Tệp"), error_messages={"required": _("Chọn tệp để tải lên.")})

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [("", _("— cả khoá —")),
                                          *[(s.pk, session_label(s)) for s in course.sessions.all()]]
