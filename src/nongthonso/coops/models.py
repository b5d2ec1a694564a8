"""Agricultural co-operatives: the registry (identity, officers, members and their capital, yearly figures), plots
and certifications, production diaries kept on a phone (offline first), and traceability (lots from harvests and
processing, EPCIS-shaped events).

Raw rows only: a co-operative's number of members, its members' capital, the harvest of a season, a lot's chain are
counted from the rows here, never typed in. ``Cooperative.unit`` is the commune version in force when it was
registered; ``Cooperative.registration_code`` is the key OCOP's ``Producer.cooperative_key`` joins on.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from nongthonso.core import filetypes
from nongthonso.core.text import fold, vi_sort_key
from nongthonso.units.models import Unit

YEAR = [MinValueValidator(1990), MaxValueValidator(2100)]
MONEY = {"max_digits": 18, "decimal_places": 0}  # đồng
AMOUNT = {"max_digits": 14, "decimal_places": 3}


def _random_path(folder: str, filename: str) -> str:
    return filetypes.random_path(folder, filename)


# --- the registry ----------------------------------------------------------------------------------------------------

class LegalForm(models.TextChoices):
    COOPERATIVE = "hop_tac_xa", "Hợp tác xã"
    UNION = "lien_hiep_htx", "Liên hiệp hợp tác xã"
    GROUP = "to_hop_tac", "Tổ hợp tác"


class Sector(models.TextChoices):
    CROPS = "trong_trot", "Trồng trọt"
    LIVESTOCK = "chan_nuoi", "Chăn nuôi"
    AQUACULTURE = "thuy_san", "Thủy sản"
    FORESTRY = "lam_nghiep", "Lâm nghiệp"
    SALT = "diem_nghiep", "Diêm nghiệp"
    MIXED = "tong_hop", "Nông nghiệp tổng hợp"
    SERVICES = "dich_vu", "Dịch vụ nông nghiệp"


class Cooperative(models.Model):
    """A co-operative (or union, or co-operative group). ``managers`` are its own accounts (the co-operative manager:
    they see and edit this co-operative only)."""

    name = models.CharField("tên hợp tác xã", max_length=300)
    registration_code = models.CharField("mã số hợp tác xã (đăng ký)", max_length=30, unique=True)
    tax_code = models.CharField("mã số thuế", max_length=20, blank=True)
    legal_form = models.CharField("loại hình", max_length=20, choices=LegalForm.choices,
                                  default=LegalForm.COOPERATIVE)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cooperatives", verbose_name="xã, phường")
    sector = models.CharField("lĩnh vực", max_length=20, choices=Sector.choices)
    model = models.CharField("mô hình hoạt động", max_length=300, blank=True,
                             help_text="ví dụ: liên kết chuỗi giá trị, ứng dụng công nghệ cao")
    established_on = models.DateField("ngày thành lập", null=True, blank=True)
    address = models.CharField("trụ sở", max_length=400, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    charter_capital = models.DecimalField("vốn điều lệ (đồng)", null=True, blank=True, **MONEY)
    ceased_on = models.DateField("ngày giải thể, chấm dứt", null=True, blank=True)
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="managed_cooperatives",
                                      verbose_name="tài khoản quản lý hợp tác xã")
    search = models.CharField(max_length=700, blank=True, editable=False, db_index=True)
    # the name's Vietnamese order on engines without the ICU collation (``units.collation.vi_name_order``)
    sort_key = models.CharField(max_length=700, blank=True, editable=False, db_index=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sort_key", "pk"]
        verbose_name = "hợp tác xã"
        verbose_name_plural = "hợp tác xã"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search = fold(f"{self.name} {self.registration_code}")
        self.sort_key = vi_sort_key(self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search", "sort_key"}
        super().save(*args, **kwargs)


class Officer(models.Model):
    """A board member or key officer, with the dates of the position."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="officers",
                                    verbose_name="hợp tác xã")
    full_name = models.CharField("họ và tên", max_length=200)
    position = models.CharField("chức danh", max_length=200,
                                help_text="Chủ tịch hội đồng quản trị, Giám đốc, Kiểm soát viên, Kế toán …")
    start_on = models.DateField("từ ngày", null=True, blank=True)
    end_on = models.DateField("đến ngày", null=True, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)

    class Meta:
        ordering = ["cooperative", "start_on", "pk"]
        verbose_name = "cán bộ quản lý"
        verbose_name_plural = "cán bộ quản lý"

    def __str__(self):
        return f"{self.full_name} ({self.position})"


class MemberKind(models.TextChoices):
    INDIVIDUAL = "ca_nhan", "Cá nhân"
    HOUSEHOLD = "ho_gia_dinh", "Hộ gia đình"
    ENTITY = "phap_nhan", "Pháp nhân"


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "Đang là thành viên"
    SUSPENDED = "suspended", "Tạm ngừng"
    LEFT = "left", "Đã ra khỏi hợp tác xã"


class Member(models.Model):
    """A member (individual, household or legal entity). Capital contributed is the sum of its ``Contribution``
    rows; the service use of a year its ``ServiceUse`` rows."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="members",
                                    verbose_name="hợp tác xã")
    code = models.CharField("mã thành viên", max_length=30)
    kind = models.CharField("loại thành viên", max_length=20, choices=MemberKind.choices)
    name = models.CharField("tên thành viên", max_length=300)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="nơi cư trú (xã)")
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    joined_on = models.DateField("ngày gia nhập")
    left_on = models.DateField("ngày ra khỏi", null=True, blank=True)
    status = models.CharField("tình trạng", max_length=20, choices=MemberStatus.choices,
                              default=MemberStatus.ACTIVE)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["cooperative", "code"]
        constraints = [models.UniqueConstraint(fields=["cooperative", "code"], name="coop_member_code_unique")]
        verbose_name = "thành viên hợp tác xã"
        verbose_name_plural = "thành viên hợp tác xã"

    def __str__(self):
        return self.name


class Contribution(models.Model):
    """A capital movement of a member: contributed (positive) or returned (negative), on a date."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="contributions",
                               verbose_name="thành viên")
    date = models.DateField("ngày")
    amount = models.DecimalField("số tiền (đồng, âm khi trả lại)", **MONEY)
    note = models.CharField("ghi chú", max_length=300, blank=True)

    class Meta:
        ordering = ["member", "date", "pk"]
        verbose_name = "góp vốn"
        verbose_name_plural = "góp vốn"

    def __str__(self):
        return f"{self.member} {self.date:%d/%m/%Y}: {self.amount}"


class ServiceUse(models.Model):
    """A member's use of a co-operative service in a year (the law's measure of a member's participation)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="service_uses",
                               verbose_name="thành viên")
    year = models.PositiveSmallIntegerField("năm", validators=YEAR)
    service = models.CharField("dịch vụ", max_length=200)
    value = models.DecimalField("giá trị (đồng)", **MONEY)

    class Meta:
        ordering = ["member", "year", "service"]
        verbose_name = "sử dụng dịch vụ"
        verbose_name_plural = "sử dụng dịch vụ"

    def __str__(self):
        return f"{self.member} {self.year}: {self.service}"


class YearFigures(models.Model):
    """A co-operative's figures of one year as its financial statements give them (revenue, profit, the profit
    distributed to members): raw inputs of the yearly update (Circular 09/2024/TT-BKHĐT)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="years",
                                    verbose_name="hợp tác xã")
    year = models.PositiveSmallIntegerField("năm", validators=YEAR)
    revenue = models.DecimalField("doanh thu (đồng)", null=True, blank=True, **MONEY)
    profit = models.DecimalField("lợi nhuận (đồng)", null=True, blank=True, **MONEY)
    distributed = models.DecimalField("lãi chia cho thành viên (đồng)", null=True, blank=True, **MONEY)
    employees = models.PositiveIntegerField("số lao động thường xuyên", null=True, blank=True)
    reported_on = models.DateField("ngày báo cáo", null=True, blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["cooperative", "-year"]
        constraints = [models.UniqueConstraint(fields=["cooperative", "year"], name="coop_year_unique")]
        verbose_name = "số liệu năm"
        verbose_name_plural = "số liệu năm"

    def __str__(self):
        return f"{self.cooperative} {self.year}"


# --- plots and certifications ----------------------------------------------------------------------------------------

class Plot(models.Model):
    """A plot farmed by the co-operative or one of its members: area, crop, season, a GeoJSON point or polygon
    (``geometry``, validated with shapely), the growing-area code (mã số vùng trồng)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="plots",
                                    verbose_name="hợp tác xã")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="plots",
                               verbose_name="thành viên canh tác")
    code = models.CharField("mã thửa", max_length=40)
    name = models.CharField("tên thửa, khu", max_length=200, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="xã")
    area_m2 = models.DecimalField("diện tích (m²)", max_digits=12, decimal_places=1)
    crop = models.CharField("cây trồng, vật nuôi", max_length=200)
    season = models.CharField("mùa vụ", max_length=100, blank=True)
    geometry = models.JSONField("vị trí, ranh giới (GeoJSON)", null=True, blank=True)
    growing_area_code = models.CharField("mã số vùng trồng", max_length=60, blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["cooperative", "code"]
        constraints = [models.UniqueConstraint(fields=["cooperative", "code"], name="coop_plot_code_unique")]
        verbose_name = "thửa đất, vùng sản xuất"
        verbose_name_plural = "thửa đất, vùng sản xuất"

    def __str__(self):
        return f"{self.code} {self.name}".strip()


class CertificationKind(models.TextChoices):
    VIETGAP = "vietgap", "VietGAP"
    GLOBALGAP = "globalgap", "GlobalG.A.P."
    ORGANIC = "huu_co", "Hữu cơ (TCVN 11041)"
    FOOD_SAFETY = "attp", "Đủ điều kiện an toàn thực phẩm"
    OCOP = "ocop", "OCOP"
    OTHER = "khac", "Khác"


class Certification(models.Model):
    """A certification held by the co-operative (for some of its plots): certifier, scope, dates, a scan; an OCOP
    certification links the OCOP product (``ocop_product``)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="certifications",
                                    verbose_name="hợp tác xã")
    kind = models.CharField("loại chứng nhận", max_length=20, choices=CertificationKind.choices)
    number = models.CharField("số giấy chứng nhận", max_length=80)
    certifier = models.CharField("tổ chức chứng nhận", max_length=300)
    scope = models.TextField("phạm vi chứng nhận", blank=True)
    plots = models.ManyToManyField(Plot, blank=True, related_name="certifications", verbose_name="thửa được chứng nhận")
    ocop_product = models.ForeignKey("ocop.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="sản phẩm OCOP")
    issued_on = models.DateField("ngày cấp")
    valid_until = models.DateField("hiệu lực đến", null=True, blank=True)
    scan = models.FileField("bản chụp", upload_to="coops/certifications/", blank=True, max_length=255)
    expiry_notice_sent_at = models.DateTimeField("đã báo sắp hết hạn lúc", null=True, blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["cooperative", "-issued_on", "pk"]
        verbose_name = "chứng nhận"
        verbose_name_plural = "chứng nhận"

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


# --- production diaries ----------------------------------------------------------------------------------------------

class CropCycle(models.Model):
    """A crop cycle (vụ) on a plot: the diary's frame."""

    plot = models.ForeignKey(Plot, on_delete=models.CASCADE, related_name="cycles", verbose_name="thửa")
    name = models.CharField("tên vụ", max_length=200)
    crop = models.CharField("cây trồng", max_length=200)
    started_on = models.DateField("bắt đầu")
    ended_on = models.DateField("kết thúc", null=True, blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["plot", "-started_on"]
        verbose_name = "vụ sản xuất"
        verbose_name_plural = "vụ sản xuất"

    def __str__(self):
        return f"{self.plot} — {self.name}"


class EntryKind(models.TextChoices):
    PLANTING = "planting", "Gieo trồng"
    FERTILISING = "fertilising", "Bón phân"
    SPRAYING = "spraying", "Phun thuốc bảo vệ thực vật"
    IRRIGATION = "irrigation", "Tưới nước"
    HARVEST = "harvest", "Thu hoạch"
    OTHER = "other", "Việc khác"


class DiaryEntry(models.Model):
    """One line of a production diary. ``client_id`` is made by the phone when the entry is written (offline): a
    queued entry sent twice is stored once. A spraying entry carries its pre-harvest interval (``phi_days``); a
    harvest before the interval of a spray of its cycle has run out is refused."""

    cycle = models.ForeignKey(CropCycle, on_delete=models.CASCADE, related_name="entries", verbose_name="vụ")
    client_id = models.UUIDField("mã do điện thoại tạo", default=uuid.uuid4, unique=True)
    kind = models.CharField("công việc", max_length=20, choices=EntryKind.choices)
    date = models.DateField("ngày")
    input_name = models.CharField("vật tư (giống, phân, thuốc)", max_length=200, blank=True)
    dose = models.DecimalField("liều lượng", null=True, blank=True, **AMOUNT)
    dose_unit = models.CharField("đơn vị liều lượng", max_length=30, blank=True)
    phi_days = models.PositiveSmallIntegerField("thời gian cách ly (ngày)", null=True, blank=True)
    quantity = models.DecimalField("sản lượng", null=True, blank=True, **AMOUNT)
    quantity_unit = models.CharField("đơn vị sản lượng", max_length=30, blank=True)
    note = models.TextField("ghi chú", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="người ghi")
    recorded_at = models.DateTimeField("ghi trên điện thoại lúc", default=timezone.now)
    received_at = models.DateTimeField("máy chủ nhận lúc", default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["cycle", "date", "pk"]
        indexes = [models.Index(fields=["cycle", "kind", "date"], name="diary_cycle_kind_date")]
        verbose_name = "nhật ký sản xuất"
        verbose_name_plural = "nhật ký sản xuất"

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


def _photo_path(instance, filename: str) -> str:
    return _random_path("coops/diary", filename)


class DiaryPhoto(models.Model):
    entry = models.ForeignKey(DiaryEntry, on_delete=models.CASCADE, related_name="photos", verbose_name="nhật ký")
    file = models.FileField("ảnh", upload_to=_photo_path, max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entry", "pk"]
        verbose_name = "ảnh nhật ký"
        verbose_name_plural = "ảnh nhật ký"

    def __str__(self):
        return f"Ảnh {self.pk} của nhật ký {self.entry_id}"


# --- traceability ----------------------------------------------------------------------------------------------------

class Lot(models.Model):
    """A lot (lô hàng): from harvests (``harvests``) or from processing that merges lots (``TraceEvent`` of type
    transformation with its inputs). Identified GS1-style by GTIN + lot number; ``identifier`` is the public
    path segment of its page (``/truy-xuat/<identifier>/``) and of its GS1 Digital Link URI."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="lots",
                                    verbose_name="hợp tác xã")
    gtin = models.CharField("GTIN", max_length=14, help_text="14 chữ số, có số kiểm tra GS1")
    lot_number = models.CharField("số lô", max_length=20)
    identifier = models.CharField("mã truy xuất", max_length=60, unique=True)
    product_name = models.CharField("tên sản phẩm", max_length=300)
    ocop_product = models.ForeignKey("ocop.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="sản phẩm OCOP")
    quantity = models.DecimalField("khối lượng, số lượng", **AMOUNT)
    quantity_unit = models.CharField("đơn vị", max_length=30)
    produced_on = models.DateField("ngày sản xuất, thu hoạch")
    best_before = models.DateField("hạn sử dụng", null=True, blank=True)
    standards = models.CharField("tiêu chuẩn áp dụng", max_length=400, blank=True)
    harvests = models.ManyToManyField(DiaryEntry, blank=True, related_name="lots", verbose_name="lần thu hoạch")
    image = models.FileField("ảnh sản phẩm", upload_to="coops/lots/", blank=True, max_length=255)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-produced_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["gtin", "lot_number"], name="coop_lot_gtin_unique")]
        verbose_name = "lô hàng"
        verbose_name_plural = "lô hàng"

    def __str__(self):
        return f"{self.product_name} — lô {self.lot_number}"


class EventType(models.TextChoices):
    OBJECT = "ObjectEvent", "ObjectEvent"
    AGGREGATION = "AggregationEvent", "AggregationEvent"
    TRANSFORMATION = "TransformationEvent", "TransformationEvent"


class TraceEvent(models.Model):
    """An EPCIS 2.0-shaped event: what (input/output lots with quantities), when (event time and its time-zone
    offset), where (read point, business location: a unit), why (business step, disposition)."""

    event_id = models.CharField("mã sự kiện", max_length=80, unique=True,
                                help_text="urn:uuid:… (EPCIS eventID)")
    event_type = models.CharField("loại sự kiện", max_length=30, choices=EventType.choices)
    action = models.CharField("action", max_length=10, blank=True, help_text="ADD, OBSERVE, DELETE (not for "
                                                                            "TransformationEvent)")
    event_time = models.DateTimeField("thời điểm")
    event_timezone = models.CharField("múi giờ", max_length=6, default="+07:00")
    biz_step = models.CharField("bước nghiệp vụ (CBV)", max_length=40,
                                help_text="commissioning, harvesting, transforming, shipping, receiving …")
    disposition = models.CharField("trạng thái (CBV)", max_length=40, blank=True)
    read_point = models.CharField("điểm ghi nhận", max_length=200, blank=True)
    biz_location = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="địa điểm")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="events",
                                    verbose_name="hợp tác xã")
    inputs = models.ManyToManyField(Lot, blank=True, related_name="consumed_by", verbose_name="lô đầu vào")
    outputs = models.ManyToManyField(Lot, blank=True, related_name="produced_by", verbose_name="lô đầu ra")
    quantities = models.JSONField("số lượng theo lô", default=dict, blank=True,
                                  help_text='{"<lot id>": {"quantity": 12.5, "uom": "KGM"}}')
    source_entry = models.ForeignKey(DiaryEntry, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="từ nhật ký")
    recorded_at = models.DateTimeField(default=timezone.now)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["event_time", "pk"]
        verbose_name = "sự kiện truy xuất"
        verbose_name_plural = "sự kiện truy xuất"

    def __str__(self):
        return f"{self.biz_step} {self.event_time:%d/%m/%Y %H:%M}"
