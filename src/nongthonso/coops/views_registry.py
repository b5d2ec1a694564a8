"""The co-operative registry pages (``/hop-tac-xa/…``): the list in scope, a co-operative's page (identity, officers,
members with their capital, service use, yearly figures), and the forms of the office and of the co-operative's
manager.

Rows are read through ``scope`` (out of scope: 404); a page the user may see but not use answers 403 with a
Vietnamese reason; every write is a POST (CSRF) handled by ``services``, which checks again and audits.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.core.dates import default_as_of
from nongthonso.core.forms import apply
from nongthonso.core.text import fold
from nongthonso.units.collation import vi_name_order

from . import scope, services
from .forms import (
    ContributionForm,
    CooperativeForm,
    ManagersForm,
    MemberForm,
    OfficerForm,
    ServiceUseForm,
    YearFiguresForm,
)
from .models import Cooperative, LegalForm, Member, MemberStatus, Sector

PAGE_SIZE = 30
OTHER_PAGES = (("coops_plots", _("Thửa đất, chứng nhận")), ("coops_diary", _("Nhật ký sản xuất")),
               ("coops_lots", _("Lô hàng, truy xuất")))


def refused(request, message: str, status: int = 403) -> HttpResponse:
    return render(request, "coops/coop_refused.html", {"message": message}, status=status)


def _or_404(queryset, pk: int, what: str):
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404(_("Không có %(what)s số %(pk)s, hoặc không thuộc phạm vi bạn được xem.")
                      % {"what": what, "pk": pk})
    return row


def _coop(request, pk: int) -> Cooperative:
    return _or_404(scope.cooperatives(request.user).select_related("unit"), pk, _("hợp tác xã"))


def _form_page(request, form, save, done, template: str, **context) -> HttpResponse:
    if request.method == "POST":
        try:
            saved = apply(form, save)
        except services.Refused as error:
            return refused(request, error.message)
        if saved is not None:
            return done(saved)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, {"form": form, "today": default_as_of(), **context}, status=status)


def _back(request, coop: Cooperative, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("coops_detail", args=[coop.pk]))


# --- the list and a co-operative's page ------------------------------------------------------------------------------

@login_required
@require_GET
def coop_list(request):
    if not scope.may_view(request.user):
        return refused(request, _("Tài khoản của bạn chưa được giao vai trò xem hợp tác xã và không quản lý hợp tác xã "
                                  "nào. Đề nghị Văn phòng Điều phối NTM giao vai trò."))
    rows = scope.cooperatives(request.user).select_related("unit").annotate(
        n_members=Count("members", filter=Q(members__status=MemberStatus.ACTIVE), distinct=True))
    q, unit, sector, form, status = (request.GET.get(k, "").strip() for k in ("q", "unit", "sector", "form", "status"))
    if q:
        rows = rows.filter(search__contains=fold(q))
    if unit:
        rows = services.within_unit(rows, unit)
    if sector in Sector.values:
        rows = rows.filter(sector=sector)
    if form in LegalForm.values:
        rows = rows.filter(legal_form=form)
    if status == "active":
        rows = rows.filter(ceased_on__isnull=True)
    elif status == "ceased":
        rows = rows.filter(ceased_on__isnull=False)
    page = Paginator(rows.order_by(vi_name_order(), "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, request.GET[k]) for k in ("q", "unit", "sector", "form", "status") if request.GET.get(k)])
    return render(request, "coops/coop_list.html", {
        "page": page, "q": q, "unit": unit, "sector": sector, "form": form, "status": status, "query": query,
        "sectors": Sector.choices, "forms": LegalForm.choices, "may_add": services.may_add(request.user),
    })


def _links(coop: Cooperative) -> list[tuple[str, str]]:
    """The pages of plots, diaries and lots (other parts of the app) that are installed."""
    found = []
    for name, label in OTHER_PAGES:
        try:
            found.append((label, reverse(name, args=[coop.pk])))
        except NoReverseMatch:
            continue
    return found


@login_required
@require_GET
def coop_detail(request, pk: int):
    coop = _coop(request, pk)
    members = list(coop.members.annotate(capital=services.capital_of()).prefetch_related("service_uses"))
    active = [m for m in members if m.status == MemberStatus.ACTIVE]
    return render(request, "coops/coop_detail.html", {
        "coop": coop, "members": members, "n_active": len(active),
        "capital": sum((m.capital for m in members), Decimal(0)),
        "officers": coop.officers.all(), "years": coop.years.all(), "links": _links(coop),
        "managers": coop.managers.order_by("username"),
        "may_keep": services.may_keep(request.user, coop), "office": services.is_office(request.user, coop),
    })


# --- the co-operative itself -----------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def coop_new(request):
    if not services.may_add(request.user):
        return refused(request, _("Chỉ Văn phòng Điều phối NTM và cán bộ xã được giao quản lý hợp tác xã mới đăng ký "
                                  "được hợp tác xã."))
    form = CooperativeForm(request.POST or None)
    return _form_page(request, form, lambda data: services.create_cooperative(request.user, data),
                      lambda coop: _back(request, coop, _("Đã đăng ký hợp tác xã «%(name)s».") % {"name": coop.name}),
                      "coops/coop_form.html", title=_("Đăng ký hợp tác xã"), coop=None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def coop_edit(request, pk: int):
    coop = _coop(request, pk)
    if not services.may_keep(request.user, coop):
        return refused(request, _("Bạn xem được nhưng không được sửa hợp tác xã «%(name)s».") % {"name": coop.name})
    office = services.is_office(request.user, coop)
    initial = {**services.snapshot(coop), "unit": coop.unit.code}
    form = CooperativeForm(request.POST or None, initial=initial, manager=not office)
    return _form_page(request, form, lambda data: services.update_cooperative(request.user, coop, data),
                      lambda changed: _back(request, coop, _("Đã lưu hợp tác xã.") if changed
                                            else _("Thông tin hợp tác xã không thay đổi.")),
                      "coops/coop_form.html", title=_("Sửa hợp tác xã"), coop=coop)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def coop_managers(request, pk: int):
    coop = _coop(request, pk)
    if not services.is_office(request.user, coop):
        return refused(request, _("Chỉ cán bộ quản lý hợp tác xã của xã hoặc Văn phòng Điều phối NTM mới giao được tài "
                                  "khoản quản lý hợp tác xã."))
    initial = {"managers": ", ".join(coop.managers.order_by("username").values_list("username", flat=True))}
    form = ManagersForm(request.POST or None, initial=initial)
    return _form_page(request, form, lambda data: services.set_managers(request.user, coop, data["managers"]) or True,
                      lambda _saved: _back(request, coop, _("Đã lưu tài khoản quản lý hợp tác xã.")),
                      "coops/coop_form.html", title=_("Tài khoản quản lý hợp tác xã"), coop=coop)


# --- its records -----------------------------------------------------------------------------------------------------

def _record_page(request, coop: Cooperative, form_class, *, owner, instance=None, title: str):
    if not services.may_keep(request.user, coop):
        return refused(request, _("Bạn xem được nhưng không được sửa hồ sơ của hợp tác xã «%(name)s». Việc này do tài "
                                  "khoản quản lý hợp tác xã hoặc cán bộ quản lý hợp tác xã của xã thực hiện.")
                       % {"name": coop.name})
    form = form_class(request.POST or None, instance=instance, owner=owner)
    return _form_page(request, form, lambda _data: services.save_record(request.user, form.instance) or True,
                      lambda _saved: _back(request, coop, _("Đã lưu.")), "coops/coop_form.html", title=title,
                      coop=coop)


def _member(coop: Cooperative, member_pk: int) -> Member:
    return _or_404(coop.members.all(), member_pk, _("thành viên"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def officer_new(request, pk: int):
    coop = _coop(request, pk)
    return _record_page(request, coop, OfficerForm, owner=coop, title=_("Thêm cán bộ quản lý"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def officer_edit(request, pk: int, officer: int):
    coop = _coop(request, pk)
    row = _or_404(coop.officers.all(), officer, _("cán bộ"))
    return _record_page(request, coop, OfficerForm, owner=coop, instance=row, title=_("Sửa cán bộ quản lý"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_new(request, pk: int):
    coop = _coop(request, pk)
    return _record_page(request, coop, MemberForm, owner=coop, title=_("Thêm thành viên"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_edit(request, pk: int, member: int):
    coop = _coop(request, pk)
    row = _member(coop, member)
    return _record_page(request, coop, MemberForm, owner=coop, instance=row,
                        title=_("Sửa thành viên «%(name)s» (ra khỏi hợp tác xã: chọn tình trạng và ngày ra khỏi)")
                        % {"name": row.name})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contribution_new(request, pk: int, member: int):
    coop = _coop(request, pk)
    row = _member(coop, member)
    return _record_page(request, coop, ContributionForm, owner=row,
                        title=_("Góp vốn, trả vốn của «%(name)s»") % {"name": row.name})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def service_new(request, pk: int, member: int):
    coop = _coop(request, pk)
    row = _member(coop, member)
    return _record_page(request, coop, ServiceUseForm, owner=row,
                        title=_("Sử dụng dịch vụ của «%(name)s»") % {"name": row.name})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def year_new(request, pk: int):
    coop = _coop(request, pk)
    return _record_page(request, coop, YearFiguresForm, owner=coop, title=_("Thêm số liệu năm"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def year_edit(request, pk: int, year: int):
    coop = _coop(request, pk)
    row = _or_404(coop.years.all(), year, _("số liệu năm"))
    return _record_page(request, coop, YearFiguresForm, owner=coop, instance=row,
                        title=_("Sửa số liệu năm %(year)s") % {"year": row.year})
