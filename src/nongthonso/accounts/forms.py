"""Forms of the accounts page. The units a role may be granted on come from ``users.grantable_units`` (the office's
scope, in force today): a unit outside it is not a choice, and the service checks again."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as __
from django.utils.translation import gettext_lazy as _

from .models import role_choices
from .throttling import lockouts
from .users import grantable_units

User = get_user_model()
_USERNAME = re.compile(r"^[A-Za-z0-9.@+_-]+$")


class UnitChoiceField(forms.ChoiceField):
    """A unit among ``units`` (a queryset), offered grouped by level («Tỉnh», «Xã» …); cleans to the ``Unit``."""

    def __init__(self, units, **kwargs):
        self.units = units
        groups: dict[str, list[tuple[str, str]]] = {}
        for unit in units:
            groups.setdefault(unit.unit_type.level.name, []).append((str(unit.pk), f"{unit.name} ({unit.code})"))
        super().__init__(choices=[("", _("— chọn đơn vị —")), *groups.items()], **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.units.get(pk=int(value))


class RoleForm(forms.Form):
    """A role on a unit of the office's scope."""

    role = forms.ChoiceField(label=_("Vai trò"), choices=lambda: [("", _("— chọn vai trò —")), *role_choices()])

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(grantable_units(actor), label=_("Đơn vị"),
                                              error_messages={"invalid_choice": _(
                                                  "Đơn vị đã chọn không thuộc phạm vi của bạn; chọn một đơn vị trong "
                                                  "danh sách.")})


class ProfileForm(forms.Form):
    """Name and e-mail of an account. The e-mail receives the password mails, so two accounts never share one."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=150,
                                help_text=_("Viết đầy đủ, theo thứ tự tiếng Việt, ví dụ Hoàng Thị Hoa."))
    email = forms.EmailField(label=_("Thư điện tử"), max_length=254,
                             help_text=_("Thư đặt mật khẩu được gửi tới địa chỉ này."),
                             error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ; ví dụ "
                                                          "ten@thainguyen.gov.vn.")})

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        others = User.objects.filter(email__iexact=email)
        if self.account is not None:
            others = others.exclude(pk=self.account.pk)
        if others.exists():
            raise forms.ValidationError(__("Địa chỉ «%(email)s» đã dùng cho một tài khoản khác; mỗi người dùng một "
                                           "địa chỉ riêng (thư đặt mật khẩu gửi theo địa chỉ này).") % {"email": email})
        return email


class AccountCreateForm(ProfileForm, RoleForm):
    """A new account: its user name, name, e-mail and first role."""

    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150,
                               help_text=_("Chữ không dấu, số và . @ + - _, không dấu cách; ví dụ canbo.vanphu."))
    field_order = ["username", "full_name", "email", "role", "unit"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not _USERNAME.match(username):
            raise forms.ValidationError(__("Tên đăng nhập «%(name)s» có ký tự không dùng được: chỉ dùng chữ không "
                                           "dấu, số và các ký tự . @ + - _ (không dấu cách), ví dụ canbo.vanphu.")
                                        % {"name": username})
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(__("Tên đăng nhập «%(name)s» đã có người dùng; chọn tên khác (ví dụ thêm "
                                           "tên xã hoặc năm sinh).") % {"name": username})
        return username


class AccountFilter(forms.Form):
    """Search and filters of the accounts list (every field optional)."""

    STATES = [("", _("Tất cả")), ("active", _("Đang hoạt động")), ("disabled", _("Đã khóa")),
              ("locked", _("Tạm khóa đăng nhập"))]

    q = forms.CharField(label=_("Tìm"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("tên đăng nhập, họ tên, thư")}))
    state = forms.ChoiceField(label=_("Trạng thái"), choices=STATES, required=False)
    role = forms.ChoiceField(label=_("Vai trò"), choices=lambda: [("", _("Tất cả")), *role_choices()], required=False)

    def filter(self, users, roles_in_scope):
        """``users`` narrowed by the valid fields; ``roles_in_scope``: the memberships the role filter looks at
        (those of the office's scope)."""
        data = self.cleaned_data if self.is_valid() else {}
        if q := data.get("q", "").strip():
            users = users.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
                                 | Q(email__icontains=q))
        if role := data.get("role"):
            users = users.filter(pk__in=roles_in_scope.filter(role=role).values("user_id"))
        state = data.get("state")
        if state in ("active", "disabled"):
            users = users.filter(is_active=state == "active")
        elif state == "locked":
            users = users.filter(username__in=list(lockouts()))
        return users

    @property
    def active(self) -> bool:
        return any(self.data.get(name) for name in self.fields)
