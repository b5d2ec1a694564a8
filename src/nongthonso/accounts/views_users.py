"""The accounts page of the province office: list, create, and one account (information, state, roles, password
mail, login lockout). Whom the office manages and what it may change is decided by ``users`` (querysets and
refusals); an account outside its scope answers 404. Every change is a POST (CSRF) and is audited by ``users``."""

from __future__ import annotations

import smtplib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import users
from .forms import AccountCreateForm, AccountFilter, ProfileForm, RoleForm
from .models import Membership
from .services import role_at

PAGE_SIZE = 50


def _refused_page(request):
    return render(request, "accounts/accounts.html", {"allowed": False}, status=403)


def _account_or_404(request, pk: int) -> users.Account:
    row = users.account(request.user, pk)
    if row is None:
        raise Http404(_("Không có tài khoản này trong phạm vi bạn quản lý."))
    return row


def _mail(request, user, *, welcome: bool) -> None:
    """Send the password mail, saying in a message where it went, or why it did not."""
    try:
        users.send_password_mail(request.user, user, request, welcome=welcome)
    except users.Refused as refused:
        messages.warning(request, refused.message)
    except (OSError, smtplib.SMTPException) as error:
        messages.error(request, _("Chưa gửi được thư tới %(email)s: máy chủ thư báo lỗi (%(error)s). Kiểm tra cấu hình "
                                  "thư điện tử của hệ thống rồi bấm «Gửi thư đặt mật khẩu».")
                       % {"email": user.email, "error": error})
    else:
        messages.success(request, _("Đã gửi thư đặt mật khẩu tới %(email)s.") % {"email": user.email})


@login_required
@require_http_methods(["GET", "HEAD"])
def account_list(request):
    if not users.may_manage(request.user):
        return _refused_page(request)
    form = AccountFilter(request.GET)
    found = form.filter(users.managed_users(request.user), users.roles_in_scope(request.user))
    page = Paginator(found.order_by("username"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/accounts.html", {
        "allowed": True, "form": form, "page": page, "rows": users.accounts(request.user, page.object_list),
        "query": query.urlencode(), "office": users.office_label(request.user),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_create(request):
    if not users.may_manage(request.user):
        return _refused_page(request)
    form = AccountCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = users.create_account(request.user, username=data["username"], full_name=data["full_name"],
                                           email=data["email"], role=data["role"], unit=data["unit"])
        except users.Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Đã tạo tài khoản %(user)s.") % {"user": created.get_username()})
            _mail(request, created, welcome=True)
            return redirect("account", pk=created.pk)
    return render(request, "accounts/account_create.html", {"form": form}, status=400 if form.errors else 200)


def _detail(request, row: users.Account, *, profile=None, role_form=None, status: int = 200):
    user = row.user
    return render(request, "accounts/account.html", {
        "row": row, "account": user,
        "profile": profile or ProfileForm(initial={"full_name": user.get_full_name(), "email": user.email},
                                          account=user),
        "role_form": role_form or RoleForm(actor=request.user),
        "is_self": user.pk == request.user.pk,
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def account_detail(request, pk: int):
    if not users.may_manage(request.user):
        return _refused_page(request)
    return _detail(request, _account_or_404(request, pk))


def _changed(request, row: users.Account, change) -> HttpResponse:
    """Run ``change()`` (a ``users`` service call returning the success message): its refusal or its message is shown
    on the account's page, where the browser goes back."""
    try:
        text = change()
    except users.Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, text)
    return redirect("account", pk=row.user.pk)


@login_required
@require_POST
def account_profile(request, pk: int):
    row = _account_or_404(request, pk)
    form = ProfileForm(request.POST, account=row.user)
    if not form.is_valid():
        return _detail(request, row, profile=form, status=400)

    def change() -> str:
        changed = users.update_profile(request.user, row.user, **form.cleaned_data)
        return _("Đã lưu thông tin tài khoản.") if changed else _("Thông tin không thay đổi.")

    return _changed(request, row, change)


@login_required
@require_POST
def account_active(request, pk: int):
    row = _account_or_404(request, pk)
    active = request.POST.get("active") == "1"

    def change() -> str:
        users.set_active(request.user, row.user, active)
        text = _("Đã mở lại tài khoản %(user)s.") if active else _(
            "Đã khóa tài khoản %(user)s: người này không đăng nhập và không dùng mã API được nữa; các vai trò vẫn "
            "giữ để mở lại khi cần.")
        return text % {"user": row.user.get_username()}

    return _changed(request, row, change)


@login_required
@require_POST
def account_grant(request, pk: int):
    row = _account_or_404(request, pk)
    form = RoleForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            membership = users.grant_role(request.user, row.user, form.cleaned_data["role"],
                                          form.cleaned_data["unit"])
        except users.Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Đã giao vai trò %(role)s cho %(user)s.") % {
                "role": role_at(membership.role, membership.unit), "user": row.user.get_username()})
            return redirect("account", pk=pk)
    return _detail(request, row, role_form=form, status=400)


@login_required
@require_POST
def account_revoke(request, pk: int, membership_pk: int):
    row = _account_or_404(request, pk)
    membership = get_object_or_404(Membership.objects.select_related("user", "unit"), pk=membership_pk, user=row.user)

    def change() -> str:
        users.revoke_role(request.user, membership)
        return _("Đã thu hồi vai trò %(role)s của %(user)s.") % {
            "role": role_at(membership.role, membership.unit), "user": row.user.get_username()}

    return _changed(request, row, change)


@login_required
@require_POST
def account_password(request, pk: int):
    row = _account_or_404(request, pk)
    _mail(request, row.user, welcome=not row.user.has_usable_password())
    return redirect("account", pk=pk)


@login_required
@require_POST
def account_unlock(request, pk: int):
    row = _account_or_404(request, pk)

    def change() -> str:
        text = _("Đã mở khóa đăng nhập cho %(user)s.") if users.unlock(request.user, row.user) else _(
            "Tài khoản %(user)s không bị tạm khóa đăng nhập.")
        return text % {"user": row.user.get_username()}

    return _changed(request, row, change)
