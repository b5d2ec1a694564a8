"""The forms of the rating pages: a workflow step, a new dossier, a revocation, a council, a round.

The forms check what a person typed (dates, required fields, lines of members); the rules of the workflow, the
certificates and the scores are checked again by the services (``workflow``, ``certificates``, ``scoring``), whose
Vietnamese refusals the pages show beside the form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from nongthonso.core.vocabulary import parse_date

from .models import Council, CouncilMember, Rating


class VietnameseDateField(forms.DateField):
    """A date typed as 15/8/2025 or 2025-08-15 (the date picker's value)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        day = parse_date(value)
        if day is None:
            raise forms.ValidationError(_("«%(value)s» không phải ngày; ghi dạng ngày/tháng/năm, ví dụ 15/8/2025."),
                                        params={"value": value}, code="invalid")
        return day


class StepForm(forms.Form):
    """A workflow step: the version the page showed, and what the step may need."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(required=False, max_length=2000)
    pre_assessment = forms.CharField(required=False, max_length=5000)
    stars = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                   choices=[("", "—"), (3, "3"), (4, "4"), (5, "5")])
    number = forms.CharField(required=False, max_length=50)
    date = VietnameseDateField(required=False)
    authority = forms.CharField(required=False, max_length=200)

    def decision(self) -> dict | None:
        data = self.cleaned_data
        if not (data.get("number") or data.get("date") or data.get("authority")):
            return None
        return {"number": data.get("number", ""), "date": data.get("date"), "authority": data.get("authority", "")}


class StartForm(forms.Form):
    product = forms.ModelChoiceField(queryset=None, label=_("Sản phẩm"))
    self_assessment = forms.CharField(label=_("Báo cáo tự đánh giá"), required=False, max_length=10000,
                                      widget=forms.Textarea(attrs={"rows": 4}),
                                      help_text=_("Chủ thể tự đánh giá sản phẩm theo phiếu đánh giá (Quyết định "
                                                  "148/QĐ-TTg); có thể bổ sung trước khi gửi."))

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class RevokeForm(forms.Form):
    number = forms.CharField(label=_("Số quyết định thu hồi"), max_length=50)
    date = VietnameseDateField(label=_("Ngày thu hồi"))
    reason = forms.CharField(label=_("Lý do thu hồi"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CouncilForm(forms.ModelForm):
    """A council, and its members one per line: «Họ và tên; chức danh; tên đăng nhập (nếu có)»."""

    members_text = forms.CharField(
        label=_("Thành viên"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mỗi dòng một thành viên: «Họ và tên; chức danh; tên đăng nhập» — tên đăng nhập chỉ ghi khi thành "
                    "viên tự nhập điểm của mình trên hệ thống, ví dụ «Nguyễn Văn An; Chủ tịch hội đồng; an.nv»."))
    decision_date = VietnameseDateField(label=_("Ngày quyết định"), required=False)

    class Meta:
        model = Council
        fields = ["name", "unit", "decision_number", "decision_date", "year"]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label = _("Cấp thành lập (đơn vị của bạn)")
        if len(units) == 1:  # the office's one unit, chosen already
            self.fields["unit"].empty_label = None

    def clean_members_text(self) -> list[dict]:
        users = get_user_model().objects
        members, errors = [], []
        for number, line in enumerate(self.cleaned_data["members_text"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) > 3 or not parts[0]:
                errors.append(_("Dòng %(n)d «%(line)s»: ghi «Họ và tên; chức danh; tên đăng nhập», tối đa ba phần "
                                "cách nhau bằng dấu chấm phẩy.") % {"n": number, "line": line.strip()})
                continue
            name, position, username = ([*parts, "", ""])[:3]
            user = None
            if username:
                user = users.filter(username=username, is_active=True).first()
                if user is None:
                    errors.append(_("Dòng %(n)d: không có tài khoản đang hoạt động tên «%(u)s»; sửa tên đăng nhập "
                                    "hoặc bỏ trống nếu thành viên không tự nhập điểm.") % {"n": number, "u": username})
                    continue
            members.append({"full_name": name[:200], "position": position[:200], "user": user})
        if errors:
            raise forms.ValidationError(errors)
        if not members:
            raise forms.ValidationError(_("Hội đồng phải có ít nhất một thành viên."))
        return members


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Tên đợt"), max_length=200)
    date = VietnameseDateField(label=_("Ngày họp"))
    members = forms.ModelMultipleChoiceField(queryset=CouncilMember.objects.none(), label=_("Thành viên dự họp"),
                                             widget=forms.CheckboxSelectMultiple)
    ratings = forms.ModelMultipleChoiceField(queryset=Rating.objects.none(), label=_("Hồ sơ đưa ra đợt này"),
                                             widget=forms.CheckboxSelectMultiple,
                                             help_text=_("Các hồ sơ đang chờ hội đồng cấp này chấm."))

    def __init__(self, *args, council: Council, ratings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = council.members.all()
        self.fields["ratings"].queryset = ratings
        self.fields["ratings"].label_from_instance = (
            lambda r: f"{r.product.name} — {r.product.producer.name} ({r.year})")
