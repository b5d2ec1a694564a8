"""The forms of the OCOP management pages. They read what was typed (dates, numbers, choices); the rules — which
communes and producers a user may choose, duplicate codes, who may change the commune — are the services'
(``services.Invalid``): ``apply`` puts their messages on the form's fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ProducerKind, RegistrationKind, RegistrationStatus, SubGroup

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date(label, required=True, help_text=""):
    return forms.DateField(label=label, required=required, input_formats=DATE_FORMATS, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": _("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 15/4/2024."),
                                           "required": _("Nhập ngày.")})


def _text(label, help_text="", rows=3):
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _unit(label, help_text, required=True):
    return forms.CharField(label=label, max_length=20, required=required, help_text=help_text,
                           error_messages={"required": _("Nhập mã GSO của xã, phường (5 chữ số), hoặc bấm «tìm mã theo "
                                                         "tên».")})


class ProducerForm(forms.Form):
    """A producer: everything for an office; its contacts only for the producer's own account (``member``)."""

    name = forms.CharField(label=_("Tên chủ thể"), max_length=300,
                           error_messages={"required": _("Nhập tên chủ thể, ví dụ «Hợp tác xã chè Tân Hương».")})
    kind = forms.ChoiceField(label=_("Loại hình"), choices=ProducerKind.choices,
                             error_messages={"invalid_choice": _("Chọn loại hình trong danh sách.")})
    unit = _unit(_("Xã, phường"), _("Xã, phường nơi chủ thể đăng ký, theo địa giới hiện hành."))
    address = forms.CharField(label=_("Địa chỉ"), max_length=400, required=False)
    representative = forms.CharField(label=_("Người đại diện"), max_length=200, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)
    email = forms.CharField(label=_("Thư điện tử"), max_length=254, required=False)
    registration_number = forms.CharField(label=_("Số đăng ký kinh doanh"), max_length=50, required=False,
                                          help_text=_("Số trên giấy chứng nhận đăng ký hợp tác xã, doanh nghiệp hoặc "
                                                      "hộ kinh doanh."))
    tax_code = forms.CharField(label=_("Mã số thuế"), max_length=20, required=False)
    registered_on = _date(_("Ngày đăng ký kinh doanh"), required=False)
    cooperative_key = forms.CharField(label=_("Mã hợp tác xã (liên kết)"), max_length=50, required=False,
                                      help_text=_("Mã của hợp tác xã trong Hệ thống thông tin quốc gia về hợp tác xã, "
                                                  "để liên kết với phân hệ hợp tác xã."))
    members = forms.CharField(label=_("Tài khoản của chủ thể"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Tên đăng nhập của người thuộc chủ thể, cách nhau bởi dấu phẩy. Các tài "
                                          "khoản này xem và sửa được sản phẩm của chủ thể."))

    def __init__(self, *args, member: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if member:
            for name in list(self.fields):
                if name not in ("address", "representative", "phone", "email"):
                    del self.fields[name]


def subgroup_choices() -> list:
    """The sub-groups grouped by their group (``<optgroup>``), in the catalogue's order."""
    groups: dict[int, tuple[str, list]] = {}
    for sub in SubGroup.objects.select_related("group"):
        groups.setdefault(sub.group_id, (str(sub.group), []))[1].append((sub.pk, str(sub)))
    return [("", _("— chọn phân nhóm —")), *groups.values()]


class ProductForm(forms.Form):
    producer = forms.TypedChoiceField(label=_("Chủ thể"), coerce=int, choices=(),
                                      error_messages={"invalid_choice": _("Chọn chủ thể trong danh sách."),
                                                      "required": _("Chọn chủ thể của sản phẩm.")})
    name = forms.CharField(label=_("Tên sản phẩm"), max_length=300,
                           error_messages={"required": _("Nhập tên sản phẩm như trên nhãn.")})
    code = forms.CharField(label=_("Mã sản phẩm"), max_length=40, required=False,
                           help_text=_("Để trống để hệ thống tự đặt theo mã xã, ví dụ OCOP-05845-001."))
    subgroup = forms.TypedChoiceField(label=_("Phân nhóm"), coerce=int, choices=(),
                                      error_messages={"invalid_choice": _("Chọn phân nhóm trong danh mục."),
                                                      "required": _("Chọn phân nhóm sản phẩm.")})
    unit = _unit(_("Xã, phường"), _("Nơi sản xuất sản phẩm; để trống để lấy xã của chủ thể."), required=False)
    description = _text(_("Mô tả sản phẩm"))
    quality_declaration = _text(_("Công bố chất lượng, tiêu chuẩn"),
                                _("Số tự công bố, tiêu chuẩn cơ sở, chứng nhận VietGAP, hữu cơ…"))
    packaging = _text(_("Bao bì, nhãn mác"), rows=2)
    story = _text(_("Câu chuyện sản phẩm"), rows=4)
    sales_channels = _text(_("Kênh bán hàng"), _("Cửa hàng, siêu thị, sàn thương mại điện tử, đường dẫn…"), rows=2)

    def __init__(self, *args, producers=None, editing: bool = False, member: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subgroup"].choices = subgroup_choices()
        if editing:
            del self.fields["producer"]
        else:
            self.fields["producer"].choices = [("", _("— chọn chủ thể —")),
                                               *((p.pk, f"{p.name} ({p.unit.name})") for p in producers or ())]
        if member:  # the commune of a product is the office's to set (the producer's own, for a new one)
            del self.fields["unit"]


class ImageForm(forms.Form):
    file = forms.FileField(label=_("Ảnh sản phẩm (JPEG hoặc PNG)"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}))
    caption = forms.CharField(label=_("Chú thích"), max_length=300, required=False)


class RegistrationForm(forms.Form):
    year = forms.IntegerField(label=_("Năm của chu trình"), min_value=2018, max_value=2100,
                              error_messages={"required": _("Nhập năm, ví dụ 2024."),
                                              "invalid": _("Nhập năm bốn chữ số, ví dụ 2024.")})
    kind = forms.ChoiceField(label=_("Loại đăng ký"), choices=RegistrationKind.choices,
                             error_messages={"invalid_choice": _("Chọn loại đăng ký trong danh sách.")})
    producer = forms.TypedChoiceField(label=_("Chủ thể"), coerce=int, choices=(),
                                      error_messages={"invalid_choice": _("Chọn chủ thể trong danh sách.")})
    product = forms.TypedChoiceField(label=_("Sản phẩm (nếu đã có)"), coerce=int, choices=(), required=False,
                                     empty_value=None,
                                     error_messages={"invalid_choice": _("Chọn sản phẩm trong danh sách, hoặc để "
                                                                         "trống.")})
    unit = _unit(_("Xã tiếp nhận"), _("Để trống để lấy xã của chủ thể."), required=False)
    title = forms.CharField(label=_("Tên ý tưởng, phương án"), max_length=300,
                            error_messages={"required": _("Nhập tên ý tưởng hoặc phương án.")})
    description = _text(_("Nội dung"), rows=4)
    submitted_on = _date(_("Ngày đăng ký"))

    def __init__(self, *args, producers=(), products=(), member: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].choices = [("", _("— chọn chủ thể —")), *((p.pk, p.name) for p in producers)]
        self.fields["product"].choices = [("", _("— chưa có sản phẩm —")),
                                          *((p.pk, f"{p.name} — {p.producer.name}") for p in products)]
        if member:
            del self.fields["unit"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Tình trạng"), choices=RegistrationStatus.choices,
                               error_messages={"invalid_choice": _("Chọn tình trạng trong danh sách.")})
    note = forms.CharField(label=_("Ghi chú, lý do"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Bắt buộc khi không chấp thuận: chủ thể cần biết phải sửa gì."))
