"""The supply–demand board (kết nối cung cầu): offers to sell and requests to buy, from co-operatives, OCOP producers
and registered buyers, and the matches between them (computed by ``market.matching`` from the listings' rows and
kept as derived rows, each notified once).

Public pages show listings without contacts; a signed-in party sees the contacts of the listings it matched or that
are public to signed-in users (``Listing.contact_*``)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from nongthonso.core.text import fold
from nongthonso.units.models import Unit


class Buyer(models.Model):
    """A registered buyer (trader, enterprise, school kitchen …): its own accounts post requests for it."""

    name = models.CharField("tên người mua", max_length=300)
    kind = models.CharField("loại", max_length=100, blank=True, help_text="doanh nghiệp, thương lái, bếp ăn …")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="địa bàn")
    address = models.CharField("địa chỉ", max_length=400, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="market_buyers",
                                   verbose_name="tài khoản")
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "người mua đã đăng ký"
        verbose_name_plural = "người mua đã đăng ký"

    def __str__(self):
        return self.name


class ListingKind(models.TextChoices):
    OFFER = "offer", "Chào bán"
    REQUEST = "request", "Cần mua"


class ListingStatus(models.TextChoices):
    OPEN = "open", "Đang mở"
    CLOSED = "closed", "Đã đóng"


class Listing(models.Model):
    """An offer or a request: product, quantity and unit, period, place (a unit: distance from its centroid), price
    or range (đồng per quantity unit), quality or certification asked/held, contact. Posted for a co-operative, an
    OCOP producer or a buyer (exactly one); an offer may show an OCOP product or a traced lot."""

    kind = models.CharField("loại tin", max_length=10, choices=ListingKind.choices)
    product = models.CharField("sản phẩm", max_length=200)
    product_key = models.CharField(max_length=200, editable=False, db_index=True)
    quantity = models.DecimalField("số lượng", max_digits=14, decimal_places=3, validators=[MinValueValidator(0)])
    quantity_unit = models.CharField("đơn vị", max_length=30)
    period_start = models.DateField("từ ngày")
    period_end = models.DateField("đến ngày")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="nơi giao, nhận")
    price_min = models.DecimalField("giá từ (đồng)", max_digits=14, decimal_places=0, null=True, blank=True)
    price_max = models.DecimalField("giá đến (đồng)", max_digits=14, decimal_places=0, null=True, blank=True)
    quality = models.CharField("chất lượng, chứng nhận", max_length=300, blank=True)
    certifications = models.JSONField("chứng nhận có / yêu cầu", default=list, blank=True,
                                      help_text='mã loại chứng nhận: ["vietgap", "ocop"]')
    cooperative = models.ForeignKey("coops.Cooperative", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="listings", verbose_name="hợp tác xã")
    producer = models.ForeignKey("ocop.Producer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="listings", verbose_name="chủ thể OCOP")
    buyer = models.ForeignKey(Buyer, null=True, blank=True, on_delete=models.CASCADE, related_name="listings",
                              verbose_name="người mua")
    ocop_product = models.ForeignKey("ocop.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="sản phẩm OCOP")
    lot = models.ForeignKey("coops.Lot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            verbose_name="lô hàng truy xuất")
    contact_name = models.CharField("người liên hệ", max_length=200)
    contact_phone = models.CharField("điện thoại liên hệ", max_length=30, blank=True)
    contact_email = models.EmailField("thư điện tử liên hệ", blank=True)
    note = models.TextField("ghi chú", blank=True)
    status = models.CharField("tình trạng", max_length=10, choices=ListingStatus.choices, default=ListingStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(default=timezone.now)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["-created", "pk"]
        indexes = [models.Index(fields=["kind", "status", "period_end"], name="market_listing_open")]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="market_listing_period"),
        ]
        verbose_name = "tin cung cầu"
        verbose_name_plural = "tin cung cầu"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.product}"

    def save(self, *args, **kwargs):
        self.product_key = fold(self.product)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "product_key"}
        super().save(*args, **kwargs)


class Match(models.Model):
    """An offer and a request that fit (derived by ``market.matching``: product, overlapping periods, quantities,
    distance), with its score and when the two parties were told."""

    offer = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="matches_as_offer",
                              verbose_name="tin chào bán")
    request = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="matches_as_request",
                                verbose_name="tin cần mua")
    score = models.FloatField("mức phù hợp")
    distance_km = models.FloatField("khoảng cách (km)", null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField("đã báo lúc", null=True, blank=True)

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [models.UniqueConstraint(fields=["offer", "request"], name="market_match_unique")]
        verbose_name = "cặp cung cầu phù hợp"
        verbose_name_plural = "cặp cung cầu phù hợp"

    def __str__(self):
        return f"{self.offer_id} ↔ {self.request_id} ({self.score:.2f})"
