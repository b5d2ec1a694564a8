"""The board's forms: a listing (its party chosen among the user's own, ``market.scope.parties``) and a buyer."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nongthonso.core.text import vi_sort_key
from nongthonso.units.services import UnitNotFound, find_unit

from .models import Buyer, Listing, ListingKind

CERT_CODE = re.compile(r"^[a-z0-9_-]{1,30}$")
PARTY_LABELS = {"cooperative": _("Hợp tác xã"), "producer": _("Chủ thể OCOP"), "buyer": _("Người mua")}


def _unit_field(label):
    return forms.CharField(label=label, max_length=20, help_text=_("Mã GSO của xã, phường (5 chữ số)."),
                           error_messages={"required": _("Nhập mã GSO của xã, phường nơi giao, nhận hàng.")})


def _clean_unit(code: str):
    try:
        return find_unit(code.strip(), timezone.localdate())
    except UnitNotFound as error:
        raise ValidationError(str(error)) from error


class ListingForm(forms.ModelForm):
    party = forms.ChoiceField(
        label=_("Đăng cho"), help_text=_("Hợp tác xã, chủ thể OCOP hoặc người mua mà bạn quản lý."),
        error_messages={"invalid_choice": _("Bạn không được đăng tin cho đơn vị này. Chọn một đơn vị trong danh sách."),
                        "required": _("Chọn hợp tác xã, chủ thể OCOP hoặc người mua mà bạn được đăng tin.")})
    place = _unit_field(_("Nơi giao, nhận (mã xã)"))
    certifications_text = forms.CharField(
        label=_("Chứng nhận có / yêu cầu"), required=False, max_length=300,
        help_text=_("Mã loại chứng nhận, cách nhau bằng dấu phẩy: vietgap, huu_co, ocop."))

    class Meta:
        model = Listing
        fields = ["kind", "product", "quantity", "quantity_unit", "period_start", "period_end", "price_min",
                  "price_max", "quality", "contact_name", "contact_phone", "contact_email", "note"]
        localized_fields = ["quantity", "price_min", "price_max"]  # 12,5 as typed in Vietnamese
        widgets = {"period_start": forms.DateInput(attrs={"type": "date"}),
                   "period_end": forms.DateInput(attrs={"type": "date"}), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, parties: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = parties
        choices = [("", "—")]
        for kind, rows in parties.items():
            # at most 500 parties a kind (a bound, not a page), shown in Vietnamese order
            group = [(f"{kind}:{p.pk}", p.name) for p in sorted(rows.only("pk", "name").order_by("pk")[:500],
                                                               key=lambda p: (vi_sort_key(p.name), p.pk))]
            if group:
                choices.append((PARTY_LABELS[kind], group))
        self.fields["party"].choices = choices
        if self.instance.pk:
            current = next(((k, getattr(self.instance, f"{k}_id")) for k in PARTY_LABELS
                            if getattr(self.instance, f"{k}_id")), None)
            self.initial.setdefault("party", f"{current[0]}:{current[1]}" if current else "")
            self.initial.setdefault("place", self.instance.unit.code)
            self.initial.setdefault("certifications_text", ", ".join(self.instance.certifications))

    def clean_party(self):
        value = self.cleaned_data["party"]
        kind, _sep, pk = value.partition(":")
        if kind not in self.parties or not pk.isdigit():
            raise ValidationError(_("Chọn hợp tác xã, chủ thể OCOP hoặc người mua mà bạn được đăng tin."))
        party = self.parties[kind].filter(pk=int(pk)).first()
        if party is None:
            raise ValidationError(_("Bạn không được đăng tin cho đơn vị này. Chọn một đơn vị trong danh sách."))
        return kind, party

    def clean_place(self):
        return _clean_unit(self.cleaned_data["place"])

    def clean_certifications_text(self):
        codes = [c.strip().lower() for c in self.cleaned_data["certifications_text"].split(",") if c.strip()]
        bad = [c for c in codes if not CERT_CODE.match(c)]
        if bad:
            raise ValidationError(_("Mã chứng nhận «%(code)s» không hợp lệ: chỉ dùng chữ không dấu, số, dấu gạch "
                                    "(ví dụ vietgap, huu_co).") % {"code": bad[0][:40]})
        return sorted(set(codes))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and high < low:
            self.add_error("price_max", _("Giá đến phải không nhỏ hơn giá từ."))
        if data.get("quantity") is not None and data["quantity"] <= 0:
            self.add_error("quantity", _("Số lượng phải lớn hơn 0."))
        party = data.get("party")
        if party and party[0] == "buyer" and data.get("kind") == ListingKind.OFFER:
            self.add_error("kind", _("Người mua chỉ đăng tin cần mua; chọn «Cần mua» hoặc đăng cho hợp tác xã, "
                                     "chủ thể OCOP."))
        if party and party[0] == "producer" and data.get("kind") == ListingKind.REQUEST:
            self.add_error("kind", _("Chủ thể OCOP đăng tin chào bán; tin cần mua đăng cho hợp tác xã hoặc người "
                                     "mua."))
        return data

    def apply(self) -> Listing:
        listing = self.instance
        kind, party = self.cleaned_data["party"]
        listing.cooperative = party if kind == "cooperative" else None
        listing.producer = party if kind == "producer" else None
        listing.buyer = party if kind == "buyer" else None
        listing.unit = self.cleaned_data["place"]
        listing.certifications = self.cleaned_data["certifications_text"]
        return listing


class BuyerForm(forms.ModelForm):
    place = _unit_field(_("Xã, phường (mã GSO)"))

    class Meta:
        model = Buyer
        fields = ["name", "kind", "address", "phone", "email"]

    def clean_place(self):
        return _clean_unit(self.cleaned_data["place"])

    def apply(self) -> Buyer:
        self.instance.unit = self.cleaned_data["place"]
        return self.instance
