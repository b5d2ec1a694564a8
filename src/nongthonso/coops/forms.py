"""The forms of the co-operative registry pages. They read what was typed (dates, amounts, choices); who may write
what is the services' (``services.Invalid`` / ``Refused``). The record forms are bound to their co-operative (or
member) before validation, so that their unique codes and years are checked within it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contribution, LegalForm, Member, Officer, Sector, ServiceUse, YearFigures

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERRORS = {"invalid": _("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 15/4/2024."), "required": _("Nhập ngày.")}


def _date(label, required=False):
    return forms.DateField(label=label, required=required, input_formats=DATE_FORMATS, error_messages=DATE_ERRORS,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _dated(form_class):
    """Date inputs of the browser's date picker, read as ISO or dd/mm/yyyy, with the Vietnamese messages."""
    for field in form_class.base_fields.values():
        if isinstance(field, forms.DateField):
            field.input_formats = DATE_FORMATS
            field.error_messages.update(DATE_ERRORS)
            field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return form_class


class CooperativeForm(forms.Form):
    """A co-operative: everything for its office; the contacts only for its manager (``manager=True``)."""

    name = forms.CharField(label=_("Tên hợp tác xã"), max_length=300,
                           error_messages={"required": _("Nhập tên hợp tác xã, ví dụ «Hợp tác xã chè La Bằng».")})
    registration_code = forms.CharField(label=_("Mã số hợp tác xã"), max_length=30,
                                        help_text=_("Mã số trên giấy chứng nhận đăng ký hợp tác xã; chủ thể OCOP nối "
                                                    "với hợp tác xã qua mã này."),
                                        error_messages={"required": _("Nhập mã số hợp tác xã trên giấy chứng nhận "
                                                                      "đăng ký.")})
    legal_form = forms.ChoiceField(label=_("Loại hình"), choices=LegalForm.choices)
    unit = forms.CharField(label=_("Xã, phường"), max_length=20,
                           help_text=_("Xã, phường nơi đặt trụ sở, theo địa giới hiện hành."),
                           error_messages={"required": _("Nhập mã GSO của xã, phường (5 chữ số), hoặc bấm «tìm mã "
                                                         "theo tên».")})
    sector = forms.ChoiceField(label=_("Lĩnh vực"), choices=Sector.choices)
    model = forms.CharField(label=_("Mô hình hoạt động"), max_length=300, required=False)
    established_on = _date(_("Ngày thành lập"))
    address = forms.CharField(label=_("Trụ sở"), max_length=400, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False,
                             error_messages={"invalid": _("Thư điện tử không đúng dạng, ví dụ htx.labang@gmail.com.")})
    tax_code = forms.CharField(label=_("Mã số thuế"), max_length=20, required=False)
    charter_capital = forms.DecimalField(label=_("Vốn điều lệ (đồng)"), required=False, min_value=0,
                                         max_digits=18, decimal_places=0)
    ceased_on = _date(_("Ngày giải thể, chấm dứt"))

    def __init__(self, *args, manager: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if manager:
            for name in list(self.fields):
                if name not in {"model", "address", "phone", "email", "tax_code", "charter_capital"}:
                    del self.fields[name]


class ManagersForm(forms.Form):
    managers = forms.CharField(label=_("Tài khoản quản lý hợp tác xã"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Tên đăng nhập, cách nhau bằng dấu phẩy. Để trống để thu hồi hết."))


class _Bound(forms.ModelForm):
    """A record of a co-operative (``owner``: the co-operative, or the member for a member's records), set on the
    instance before validation."""

    owner_field = "cooperative"

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owner is not None:
            setattr(self.instance, self.owner_field, owner)

    def validate_unique(self):
        try:
            self.instance.validate_constraints()
        except forms.ValidationError as error:
            self._update_errors(error)


@_dated
class OfficerForm(_Bound):
    class Meta:
        model = Officer
        fields = ["full_name", "position", "start_on", "end_on", "phone"]


@_dated
class MemberForm(_Bound):
    def clean(self):
        data = super().clean()
        joined, left = data.get("joined_on"), data.get("left_on")
        if joined and left and left < joined:
            self.add_error("left_on", _("Ngày ra khỏi không được trước ngày gia nhập."))
        if data.get("status") == "left" and not left:
            self.add_error("left_on", _("Thành viên đã ra khỏi hợp tác xã: nhập ngày ra khỏi."))
        return data

    class Meta:
        model = Member
        fields = ["code", "kind", "name", "phone", "joined_on", "status", "left_on"]
        error_messages = {"code": {"required": _("Nhập mã thành viên, ví dụ TV001.")},
                          "name": {"required": _("Nhập họ tên (hoặc tên pháp nhân) của thành viên.")}}


@_dated
class ContributionForm(_Bound):
    owner_field = "member"

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Nhập số tiền khác 0: dương khi góp thêm, âm khi trả lại vốn."))
        return amount

    class Meta:
        model = Contribution
        fields = ["date", "amount", "note"]


class ServiceUseForm(_Bound):
    owner_field = "member"

    class Meta:
        model = ServiceUse
        fields = ["year", "service", "value"]


@_dated
class YearFiguresForm(_Bound):
    class Meta:
        model = YearFigures
        fields = ["year", "revenue", "profit", "distributed", "employees", "reported_on"]
