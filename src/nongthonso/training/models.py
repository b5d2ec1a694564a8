"""Training of officials: courses, their sessions and bridge points, the people who take part, attendance, evaluation.

Every figure of a course report is counted from the rows here, never typed in: «180 người trực tiếp» is the number of
participants with an in-person ``Attendance`` row, «gần 1.000 học viên tại hơn 50 điểm cầu» the online ones and the
sub-points they attended at (``training.reports``).

Participants are people, not accounts (Decree 13/2023/NĐ-CP on personal data): a name, a position, a unit, a target
group — the minimum a coverage report needs — and an optional phone or e-mail, only to match a video platform's
attendance report to the person and to send the certificate. The organiser may export or erase them
(``services.erase_participant``: the person's details are blanked; the attendance rows stay, so the figures do not
change; the audit log names people by id only, ``audit_name``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from nongthonso.core.choices import Provenance
from nongthonso.core.text import vi_sort_key
from nongthonso.units.models import Unit


def new_code(nbytes: int = 6) -> str:
    """A random, URL-safe code (check-in, self-registration): not guessable."""
    return secrets.token_urlsafe(nbytes)


def new_verification_code() -> str:
    """A certificate's verification code (in its QR code and its public URL)."""
    return secrets.token_urlsafe(12)



# --- catalogues (data) -----------------------------------------------------------------------------------------------

class TopicGroup(models.Model):
    """A group of the training framework: QĐ 3360/QĐ-BNN-VPĐP has three (I basic, II focal, III skills)."""

    code = models.CharField("mã nhóm", max_length=20, unique=True)
    title = models.CharField("tên nhóm", max_length=300)
    framework = models.CharField("khung chương trình", max_length=200, help_text="QĐ 3360/QĐ-BNN-VPĐP (06/9/2022)")
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)
    source = models.CharField("trích nguồn", max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "nhóm chuyên đề"
        verbose_name_plural = "nhóm chuyên đề"

    def __str__(self):
        return f"{self.code}. {self.title}"


class Topic(models.Model):
    """A training topic: the framework's (``province`` null) or one a province adds (``province`` set)."""

    group = models.ForeignKey(TopicGroup, on_delete=models.PROTECT, related_name="topics", verbose_name="nhóm")
    code = models.CharField("mã chuyên đề", max_length=20, unique=True)
    title = models.CharField("tên chuyên đề", max_length=300)
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)
    source = models.CharField("trích nguồn", max_length=500, blank=True)
    province = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="tỉnh bổ sung")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group__order", "order", "code"]
        verbose_name = "chuyên đề tập huấn"
        verbose_name_plural = "chuyên đề tập huấn"

    def __str__(self):
        return f"{self.code} {self.title}"


class TargetGroup(models.Model):
    """Who a course is for, as role × level (data): «Lãnh đạo UBND xã phụ trách CĐS» (xa), «Trưởng xóm» (xom)."""

    code = models.SlugField("mã", max_length=40, unique=True)
    label = models.CharField("tên nhóm đối tượng", max_length=200)
    level = models.CharField("cấp", max_length=20, blank=True, help_text="Mã cấp đơn vị (UnitLevel.code): tinh, xa …")
    grassroots = models.BooleanField("cán bộ cơ sở", default=False,
                                     help_text="Thuộc hệ thống chính trị cơ sở (chỉ tiêu ≥ 80% được tập huấn).")
    full_time_ntm = models.BooleanField("cán bộ chuyên trách NTM", default=False,
                                        help_text="Cán bộ chuyên trách NTM các cấp (chỉ tiêu 100% được tập huấn).")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "nhóm đối tượng"
        verbose_name_plural = "nhóm đối tượng"

    def __str__(self):
        return self.label


# --- a course ------------------------------------------------------------------------------------------------------

class Mode(models.TextChoices):
    IN_PERSON = "in_person", "Trực tiếp"
    ONLINE = "online", "Trực tuyến"
    HYBRID = "hybrid", "Trực tiếp kết hợp trực tuyến"


class Course(models.Model):
    code = models.SlugField("mã khoá", max_length=40, unique=True)
    title = models.CharField("tên khoá", max_length=300)
    plan = models.CharField("căn cứ, kế hoạch", max_length=300, blank=True,
                            help_text="Ví dụ: Kế hoạch 154/KH-UBND ngày 15/10/2022")
    organiser = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị tổ chức")
    organiser_name = models.CharField("cơ quan tổ chức", max_length=200, blank=True,
                                      help_text="Ví dụ: Văn phòng Điều phối NTM tỉnh")
    starts_on = models.DateField("từ ngày")
    ends_on = models.DateField("đến ngày")
    mode = models.CharField("hình thức", max_length=20, choices=Mode.choices)
    description = models.TextField("nội dung", blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="courses", verbose_name="chuyên đề")
    target_groups = models.ManyToManyField(TargetGroup, blank=True, related_name="courses",
                                           verbose_name="nhóm đối tượng")
    registration_code = models.CharField("mã tự đăng ký", max_length=20, unique=True, default=new_code,
                                         help_text="Mã trong đường dẫn tự đăng ký công khai.")
    registration_open = models.BooleanField("mở tự đăng ký", default=False)
    evaluation_code = models.CharField("mã phiếu đánh giá", max_length=20, unique=True, default=new_code,
                                       help_text="Mã trong đường dẫn công khai của phiếu đánh giá khoá học.")
    evaluation_open = models.BooleanField("mở phiếu đánh giá", default=False)
    certificate_share = models.PositiveSmallIntegerField(
        "tỷ lệ buổi tối thiểu để cấp chứng nhận (%)", default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Học viên dự ít nhất tỷ lệ này số buổi của khoá thì được cấp giấy chứng nhận.")
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = "khoá tập huấn"
        verbose_name_plural = "khoá tập huấn"
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="course_dates_in_order"),
                       models.CheckConstraint(condition=models.Q(certificate_share__gte=1, certificate_share__lte=100),
                                              name="course_certificate_share_1_to_100")]

    def __str__(self):
        return self.title


class SessionKind(models.TextChoices):
    THEORY = "theory", "Lý thuyết"
    FIELD_VISIT = "field_visit", "Tham quan, học tập thực tế"


class Session(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions", verbose_name="khoá")
    kind = models.CharField("loại buổi", max_length=20, choices=SessionKind.choices)
    title = models.CharField("nội dung buổi", max_length=300)
    starts_at = models.DateTimeField("bắt đầu")
    ends_at = models.DateTimeField("kết thúc")
    venue = models.CharField("địa điểm", max_length=300, blank=True)
    visited_sites = models.TextField("nơi tham quan", blank=True, help_text="Mỗi dòng một mô hình, địa điểm.")
    topics = models.ManyToManyField(Topic, blank=True, related_name="sessions", verbose_name="chuyên đề")
    checkin_code = models.CharField("mã điểm danh", max_length=20, unique=True, default=new_code)
    checkin_open = models.BooleanField("mở điểm danh QR", default=False)

    class Meta:
        ordering = ["course", "starts_at", "pk"]
        verbose_name = "buổi học"
        verbose_name_plural = "buổi học"
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="session_times_in_order")]

    def __str__(self):
        return f"{self.course.code}: {self.title}"


class Lecturer(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lecturers", verbose_name="khoá")
    name = models.CharField("họ tên", max_length=200)
    title = models.CharField("học hàm, học vị, chức vụ", max_length=200, blank=True)
    organisation = models.CharField("cơ quan", max_length=300, blank=True)
    sessions = models.ManyToManyField(Session, blank=True, related_name="lecturers", verbose_name="buổi giảng")

    class Meta:
        ordering = ["course", "name", "pk"]
        verbose_name = "giảng viên"
        verbose_name_plural = "giảng viên"

    def __str__(self):
        return self.name


def _material_path(instance: Material, filename: str) -> str:
    return f"training/{instance.course_id}/{instance.stored_name}"


class Material(models.Model):
    """A course document (slides, handout): served only to those who may see the course (``views``)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials", verbose_name="khoá")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="materials",
                                verbose_name="buổi")
    title = models.CharField("tên tài liệu", max_length=300)
    file = models.FileField("tệp", upload_to=_material_path, max_length=255)
    stored_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField("tên tệp gốc", max_length=255)
    content_type = models.CharField("loại tệp", max_length=100)
    size = models.PositiveIntegerField("dung lượng (byte)")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course", "uploaded_at", "pk"]
        verbose_name = "tài liệu"
        verbose_name_plural = "tài liệu"

    def __str__(self):
        return self.title


# --- bridge points -------------------------------------------------------------------------------------------------

class BridgePoint(models.Model):
    """A place a course is followed from: the main point (điểm cầu chính) or a sub-point linked to it."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="bridge_points", verbose_name="khoá")
    name = models.CharField("tên điểm cầu", max_length=300)
    is_main = models.BooleanField("điểm cầu chính", default=False)
    host_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị đăng cai")
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    capacity = models.PositiveIntegerField("sức chứa", null=True, blank=True)
    host_name = models.CharField("người chủ trì", max_length=200, blank=True)
    host_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="hosted_bridge_points", verbose_name="tài khoản người chủ trì")

    class Meta:
        ordering = ["course", "-is_main", "host_unit__sort_key", "name", "pk"]
        verbose_name = "điểm cầu"
        verbose_name_plural = "điểm cầu"
        constraints = [
            models.UniqueConstraint(fields=["course"], condition=models.Q(is_main=True), name="one_main_point"),
            models.UniqueConstraint(fields=["course", "name"], name="bridge_point_name_unique"),
        ]

    def __str__(self):
        return self.name


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Đã kết nối"
    UNSTABLE = "unstable", "Kết nối chập chờn"
    FAILED = "failed", "Mất kết nối"


class Connection(models.Model):
    """A bridge point's connection during a session, as its host (or the organiser) reported it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="connections")
    bridge_point = models.ForeignKey(BridgePoint, on_delete=models.CASCADE, related_name="connections")
    status = models.CharField("tình trạng kết nối", max_length=20, choices=ConnectionStatus.choices)
    note = models.CharField("ghi chú", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "kết nối điểm cầu"
        verbose_name_plural = "kết nối điểm cầu"
        constraints = [models.UniqueConstraint(fields=["session", "bridge_point"], name="connection_unique")]

    def __str__(self):
        return f"{self.bridge_point} — {self.get_status_display()}"


# --- people and attendance -----------------------------------------------------------------------------------------

class RegisteredVia(models.TextChoices):
    ORGANISER = "organiser", "Ban tổ chức nhập"
    HOST = "host", "Điểm cầu đăng ký"
    SELF = "self", "Tự đăng ký"
    IMPORT = "import", "Nhập từ tệp"


class Participant(models.Model):
    """A person registered for a course (not an account). See the module's note on personal data."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="participants", verbose_name="khoá")
    full_name = models.CharField("họ tên", max_length=200)
    position = models.CharField("chức vụ", max_length=200, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="đơn vị công tác")
    target_group = models.ForeignKey(TargetGroup, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="participants", verbose_name="nhóm đối tượng")
    phone = models.CharField("điện thoại", max_length=20, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    bridge_point = models.ForeignKey(BridgePoint, null=True, blank=True, on_delete=models.RESTRICT,
                                     related_name="participants", verbose_name="điểm cầu đăng ký")
    registered_via = models.CharField("đăng ký qua", max_length=20, choices=RegisteredVia.choices)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField("đã xoá thông tin cá nhân lúc", null=True, blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["course", "full_name", "pk"]
        verbose_name = "học viên"
        verbose_name_plural = "học viên"
        indexes = [models.Index(fields=["course", "email"]), models.Index(fields=["course", "phone"])]

    def __str__(self):
        return self.full_name

    def audit_name(self) -> str:
        """The audit log names a participant by id only: erasing the person leaves no name behind in the log."""
        return f"Học viên #{self.pk}"


def in_name_order(people: Iterable[Participant]) -> list[Participant]:
    """``people`` in Vietnamese alphabetical order of their names (Đ after D, tones after the bare letter), which no
    database ordering by ``full_name`` gives on SQLite; the lists a course shows are a few thousand at most."""
    return sorted(people, key=lambda p: (vi_sort_key(p.full_name), p.pk))


class AttendanceMethod(models.TextChoices):
    QR = "qr", "Quét mã QR tại lớp"
    ROLL_CALL = "roll_call", "Điểm danh của điểm cầu"
    ORGANISER = "organiser", "Ban tổ chức ghi"
    ZOOM = "zoom", "Báo cáo Zoom"
    MEET = "meet", "Báo cáo Google Meet"
    TEAMS = "teams", "Báo cáo Microsoft Teams"
    CSV = "csv", "Tệp điểm danh (mẫu của hệ thống)"


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", "Trực tiếp"
    ONLINE = "online", "Trực tuyến"


class Attendance(models.Model):
    """One person present at one session: how it was recorded, and whether in person or online (at which point)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendance")
    mode = models.CharField("hình thức dự", max_length=20, choices=AttendanceMode.choices)
    bridge_point = models.ForeignKey(BridgePoint, null=True, blank=True, on_delete=models.RESTRICT,
                                     related_name="attendance", verbose_name="điểm cầu")
    method = models.CharField("cách ghi nhận", max_length=20, choices=AttendanceMethod.choices)
    minutes = models.PositiveIntegerField("số phút tham dự", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        verbose_name = "điểm danh"
        verbose_name_plural = "điểm danh"
        constraints = [models.UniqueConstraint(fields=["session", "participant"], name="attendance_unique")]

    def __str__(self):
        return f"{self.participant} — {self.session}"

    def audit_name(self) -> str:
        return f"Điểm danh #{self.pk} (học viên #{self.participant_id}, buổi #{self.session_id})"


# --- evaluation, tests, certificates -------------------------------------------------------------------------------

class EvaluationObject(models.TextChoices):
    """The six objects of evaluation of Circular 10/2017/TT-BNV."""

    PROGRAMME = "programme", "Chương trình"
    LEARNERS = "learners", "Học viên"
    LECTURERS = "lecturers", "Giảng viên"
    FACILITIES = "facilities", "Cơ sở vật chất"
    ORGANISATION = "organisation", "Tổ chức khoá học"
    EFFECT = "effect", "Hiệu quả sau đào tạo"


class Question(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    aspect = models.CharField("đối tượng đánh giá", max_length=20, choices=EvaluationObject.choices)
    text = models.CharField("câu hỏi", max_length=500)
    scale = models.BooleanField("chấm điểm 1–5", default=True, help_text="Bỏ chọn: câu trả lời bằng lời.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["course", "order", "pk"]
        verbose_name = "câu hỏi đánh giá"
        verbose_name_plural = "câu hỏi đánh giá"

    def __str__(self):
        return self.text


class EvaluationResponse(models.Model):
    """One filled evaluation form (anonymous: the participant is kept only to allow one form each)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "participant"], name="one_response_each")]

    def __str__(self):
        return f"Phiếu đánh giá {self.pk} ({self.course})"


class Answer(models.Model):
    response = models.ForeignKey(EvaluationResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique"),
            models.CheckConstraint(condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                                   name="answer_score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.question}: {self.score if self.score is not None else self.text[:40]}"


class TestKind(models.TextChoices):
    PRE = "pre", "Kiểm tra đầu khoá"
    POST = "post", "Kiểm tra cuối khoá"


class TestScore(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="test_scores")
    kind = models.CharField("bài kiểm tra", max_length=10, choices=TestKind.choices)
    score = models.DecimalField("điểm", max_digits=5, decimal_places=2)
    max_score = models.DecimalField("thang điểm", max_digits=5, decimal_places=2, default=10)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "kind"], name="test_score_unique"),
            models.CheckConstraint(condition=models.Q(score__gte=0) & models.Q(score__lte=models.F("max_score")),
                                   name="test_score_in_range"),
        ]

    def __str__(self):
        return f"{self.participant} — {self.get_kind_display()}: {self.score}/{self.max_score}"

    def audit_name(self) -> str:
        return f"Điểm kiểm tra #{self.pk} (học viên #{self.participant_id})"


class Certificate(models.Model):
    """A certificate of completion: its PDF carries a QR code to the public verification page (``code``)."""

    participant = models.OneToOneField(Participant, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField("số chứng nhận", max_length=40, unique=True)
    issued_on = models.DateField("ngày cấp")
    code = models.CharField("mã xác minh", max_length=24, unique=True, default=new_verification_code)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    revoked_reason = models.CharField("lý do thu hồi", max_length=300, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["issued_on", "number"]
        verbose_name = "giấy chứng nhận"
        verbose_name_plural = "giấy chứng nhận"

    def __str__(self):
        return self.number


# --- coverage targets (data per period) ----------------------------------------------------------------------------

class CoverageTarget(models.Model):
    """A share of a target group to be trained within a period (QĐ 3360: 100% of full-time NTM staff, ≥ 80% of
    grassroots cadres by 2025), with its source."""

    target_group = models.ForeignKey(TargetGroup, on_delete=models.PROTECT, related_name="coverage_targets")
    period_start = models.DateField("từ ngày")
    period_end = models.DateField("đến ngày")
    share = models.DecimalField("tỷ lệ mục tiêu (%)", max_digits=5, decimal_places=2)
    source = models.CharField("căn cứ", max_length=300)
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)

    class Meta:
        ordering = ["period_start", "target_group__order"]
        verbose_name = "chỉ tiêu tập huấn"
        verbose_name_plural = "chỉ tiêu tập huấn"

    def __str__(self):
        return f"{self.target_group}: {self.share}% ({self.period_start.year}–{self.period_end.year})"


class Headcount(models.Model):
    """How many people of a target group a unit has (the coverage's denominator), as entered for a year."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    target_group = models.ForeignKey(TargetGroup, on_delete=models.PROTECT, related_name="headcounts")
    year = models.PositiveSmallIntegerField("năm")
    count = models.PositiveIntegerField("số người")
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        verbose_name = "số cán bộ theo nhóm đối tượng"
        verbose_name_plural = "số cán bộ theo nhóm đối tượng"
        constraints = [models.UniqueConstraint(fields=["unit", "target_group", "year"], name="headcount_unique")]


    def __str__(self):
        return f"{self.unit} — {self.target_group} ({self.year}): {self.count}"
