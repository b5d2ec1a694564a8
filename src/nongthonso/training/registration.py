"""Self-registration for a course through its public link (``/dang-ky-tap-huan/<registration_code>/``).

Open only while the organiser keeps ``Course.registration_open`` on. The form asks for the minimum a coverage report
needs — name, position, unit, target group, the bridge point the person follows from — and, optionally, a phone number
or e-mail address (to match a video platform's attendance report and to send the certificate). Above it, the notice
Decree 13/2023/NĐ-CP requires (what is collected, why, who sees it, how long, how to have it erased); the person must
tick their consent, and the audit entry of the registration records that consent and the notice's version — not the
personal data itself.

A phone number or e-mail address already registered for the course is refused with a message saying what to do:
one person, one registration (the check-in and the attendance import find people by these).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.audit.services import record
from nongthonso.units.models import Unit
from nongthonso.units.services import COMMUNE_LEVEL, DISTRICT_LEVEL, PROVINCE_LEVEL

from .checkin import PUBLIC_ACTOR, Throttle, phone_digits, with_phone
from .checkin_cache import candidates
from .models import BridgePoint, Course, Participant, RegisteredVia, TargetGroup

# bumped whenever the notice's wording changes (registration_notice.html): the audit entry says which one was agreed
NOTICE_VERSION = "2025-1"
ATTEMPTS = Throttle("register", "TRAINING_REGISTRATION_MAX", 200)  # registrations tried per address and code
UNIT_LEVELS = (PROVINCE_LEVEL, DISTRICT_LEVEL, COMMUNE_LEVEL)


def course_by_code(code: str) -> Course | None:
    return Course.objects.filter(registration_code=code).first()


# --- the choices ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitGroup:
    label: str  # the district (or province) the units sit in
    units: list[Unit]


def unit_groups(course: Course) -> list[UnitGroup]:
    """The units a participant may work at: the organiser's province, its districts and communes in force on the
    course's first day, grouped by district (a commune directly under the province — from 1/7/2025 — under the
    province), in Vietnamese order. One query."""
    root = "/" + course.organiser.path.strip("/").split("/")[0] + "/"
    units = list(Unit.objects.valid_on(course.starts_on).filter(path__startswith=root)
                 .filter(unit_type__level__code__in=UNIT_LEVELS)
                 .select_related("unit_type__level").order_by("sort_key", "code"))
    by_pk = {u.pk: u for u in units}
    groups: dict[int, list[Unit]] = {}
    heads = [u for u in units if u.unit_type.level.code != COMMUNE_LEVEL]
    for unit in units:
        if unit.unit_type.level.code == COMMUNE_LEVEL:
            groups.setdefault(unit.parent_id, []).append(unit)
    found = []
    for head in sorted(heads, key=lambda u: (u.unit_type.level.code != PROVINCE_LEVEL, u.sort_key)):
        found.append(UnitGroup(head.name, [head, *groups.pop(head.pk, [])]))
    for parent_id, members in groups.items():  # communes whose parent is not in force that day (should not happen)
        found.append(UnitGroup(by_pk[parent_id].name if parent_id in by_pk else _("Đơn vị khác"), members))
    return found


def target_groups(course: Course):
    """The course's target groups; every group when the course names none."""
    chosen = course.target_groups.all()
    return chosen if chosen.exists() else TargetGroup.objects.all()


def points(course: Course):
    return BridgePoint.objects.filter(course=course).select_related("host_unit")


# --- the form -------------------------------------------------------------------------------------------------------

def _required(what: str) -> dict:
    return {"required": what}


class RegistrationForm(forms.Form):
    """What a person types to register (the choices are the course's); Vietnamese messages name the field and
    the fix."""

    full_name = forms.CharField(max_length=200, error_messages={
        **_required(gettext_lazy("Nhập họ và tên đầy đủ, có dấu, ví dụ «Nguyễn Văn An».")),
        "max_length": gettext_lazy("Họ tên dài quá 200 ký tự; nhập đúng họ và tên.")})
    position = forms.CharField(max_length=200, error_messages={
        **_required(gettext_lazy("Nhập chức vụ, ví dụ «Phó Chủ tịch UBND xã» hoặc «Trưởng xóm».")),
        "max_length": gettext_lazy("Chức vụ dài quá 200 ký tự; rút gọn lại.")})
    unit = forms.TypedChoiceField(coerce=int, error_messages={
        **_required(gettext_lazy("Chọn đơn vị công tác trong danh sách.")),
        "invalid_choice": gettext_lazy("Đơn vị đã chọn không có trong danh sách; tải lại trang và chọn lại.")})
    target_group = forms.ModelChoiceField(queryset=TargetGroup.objects.none(), error_messages={
        **_required(gettext_lazy("Chọn nhóm đối tượng của bạn trong danh sách.")),
        "invalid_choice": gettext_lazy("Nhóm đối tượng đã chọn không có trong danh sách; chọn lại.")})
    phone = forms.CharField(max_length=20, required=False, error_messages={
        "max_length": gettext_lazy("Số điện thoại dài quá 20 ký tự; nhập dạng 0912 345 678.")})
    email = forms.EmailField(max_length=254, required=False, error_messages={
        "invalid": gettext_lazy("Địa chỉ e-mail chưa đúng dạng (ví dụ ten@thainguyen.gov.vn); sửa lại hoặc để "
                                "trống.")})
    bridge_point = forms.ModelChoiceField(queryset=BridgePoint.objects.none(), error_messages={
        **_required(gettext_lazy("Chọn điểm cầu bạn sẽ tham dự (điểm cầu chính nếu bạn học trực tiếp tại lớp).")),
        "invalid_choice": gettext_lazy("Điểm cầu đã chọn không thuộc khoá này; chọn lại.")})
    consent = forms.BooleanField(error_messages=_required(gettext_lazy(
        "Đánh dấu ô đồng ý để đăng ký. Nếu không đồng ý, bạn có thể nhờ ban tổ chức đăng ký trực tiếp.")))

    def __init__(self, course: Course, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        self.groups = unit_groups(course)
        self.fields["unit"].choices = [("", "")] + [(u.pk, u.name) for g in self.groups for u in g.units]
        self.fields["target_group"].queryset = target_groups(course)
        self.fields["bridge_point"].queryset = points(course)
        for name in ("target_group", "bridge_point"):  # nothing to choose from (no catalogue, no point yet): optional
            self.fields[name].required = self.fields[name].queryset.exists()

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_position(self):
        return " ".join(self.cleaned_data["position"].split())

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if raw and not phone_digits(raw):
            raise forms.ValidationError(_("«%(value)s» không phải số điện thoại Việt Nam; nhập dạng 0912 345 678 "
                                          "hoặc để trống.") % {"value": raw})
        return phone_digits(raw)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RegistrationRefused(Exception):
    """Field → message (Vietnamese): what was refused and what to do."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@transaction.atomic
def register(course: Course, data: dict) -> Participant:
    """Register a person for ``course`` from a valid form's ``cleaned_data`` (``registered_via`` self), audited with
    their consent and without their personal data. Raises ``PermissionDenied`` when registration is closed,
    :class:`RegistrationRefused` when their phone number or e-mail is already registered for the course."""
    course = Course.objects.select_for_update().get(pk=course.pk)  # two registrations of one number wait in turn
    if not course.registration_open:
        raise PermissionDenied(_("Khoá này đã đóng đăng ký."))
    errors = {}
    people = candidates(course.pk)
    if data.get("phone") and with_phone(people, data["phone"], limit=1):
        errors["phone"] = _("Số điện thoại %(value)s đã được dùng để đăng ký khoá này. Nếu đó là bạn, bạn đã có tên "
                            "trong danh sách, không cần đăng ký lại; nếu không, kiểm tra lại số hoặc để trống và báo "
                            "ban tổ chức.") % {"value": data["phone"]}
    if data.get("email") and people.filter(email__iexact=data["email"]).exists():
        errors["email"] = _("E-mail %(value)s đã được dùng để đăng ký khoá này. Nếu đó là bạn, bạn đã có tên trong "
                            "danh sách, không cần đăng ký lại; nếu không, kiểm tra lại địa chỉ hoặc để trống.") % {
            "value": data["email"]}
    if errors:
        raise RegistrationRefused(errors)
    person = Participant.objects.create(
        course=course, full_name=data["full_name"], position=data["position"], unit_id=data["unit"],
        target_group=data["target_group"], phone=data.get("phone", ""), email=data.get("email", ""),
        bridge_point=data["bridge_point"], registered_via=RegisteredVia.SELF)
    record("create", person, actor=PUBLIC_ACTOR, after={
        "course": course.pk, "unit": person.unit_id, "target_group": person.target_group_id,
        "bridge_point": person.bridge_point_id, "registered_via": RegisteredVia.SELF, "phone_given": bool(person.phone),
        "email_given": bool(person.email), "consent": True, "notice": NOTICE_VERSION})
    return person

