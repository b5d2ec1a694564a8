"""The OCOP management pages (``/ocop/…``): the index (``ocop_home``), producers, products and their photos, the
annual cycle's registrations of product ideas and business plans.

Every page reads its rows through ``scope`` (a producer, product or registration the user may not see is «not
found», 404, as a dossier outside the user's units is). A page or form the user may see but not use answers 403
with a Vietnamese reason; every write is a POST (CSRF) handled by ``services``/``images``, which check the
permission again and audit the change.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.accounts.services import under
from nongthonso.core.dates import default_as_of
from nongthonso.core.forms import apply
from nongthonso.core.text import fold
from nongthonso.units.models import Unit
from nongthonso.units.services import predecessors_of

from . import images, scope, services
from .apps import MANAGE
from .forms import ImageForm, ProducerForm, ProductForm, RegistrationForm, StatusForm
from .models import (
    Producer,
    ProducerKind,
    Product,
    ProductGroup,
    RatingState,
    RegistrationKind,
    RegistrationStatus,
)
from .status import stars_on

PAGE_SIZE = 30
CLOSED = (RatingState.CERTIFIED, RatingState.NOT_RECOGNISED)


# --- shared by the pages ---------------------------------------------------------------------------------------------

def refused(request, message: str, status: int = 403) -> HttpResponse:
    """The page saying why the user may not do this here, and where to go back."""
    return render(request, "ocop/producer_refused.html", {"message": message}, status=status)


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _form_page(request, form, save, done, template: str, **context) -> HttpResponse:
    """On GET the form; on POST ``save(cleaned_data)`` through ``forms.apply``, then ``done(saved)``; otherwise the
    form again with its errors (400). A refusal of the service is the 403 page."""
    if request.method == "POST":
        try:
            saved = apply(form, save)
        except services.Refused as error:
            return refused(request, error.message)
        if saved is not None:
            return done(saved)
    return render(request, template, {"form": form, **context}, status=_status(form))


def _saved_to(request, message: str, url: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(url)


def _say_errors(request, form) -> None:
    """A small form posted from another page (a photo, a status): its errors shown as messages on that page."""
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


def _within_code(rows, code: str, field: str = "unit"):
    """The rows whose ``field`` lies in the unit of GSO ``code`` — any version of it, and the units its versions were
    formed from (a merged commune's products registered in its former communes), with what lies below them."""
    versions = list(Unit.objects.filter(code=code))
    paths = {u.path for u in versions} | {p.path for u in versions for p in predecessors_of(u)}
    return rows.filter(under(paths, f"{field}__path"))


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(request, *names: str) -> str:
    """The filters of a list (without ``page``), for its pagination links."""
    return urlencode([(n, request.GET[n]) for n in names if request.GET.get(n)])


def _or_404(queryset, pk: int, what: str):
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404(_("Không có %(what)s số %(pk)s, hoặc không thuộc phạm vi bạn được xem.")
                      % {"what": what, "pk": pk})
    return row


def _no_view(request) -> HttpResponse | None:
    if scope.may_view(request.user):
        return None
    return refused(request, _("Tài khoản của bạn chưa được giao vai trò OCOP nào và không thuộc chủ thể OCOP nào. Đề "
                              "nghị Văn phòng Điều phối NTM tỉnh giao vai trò, hoặc chủ thể thêm tài khoản của bạn."))


# --- the index -------------------------------------------------------------------------------------------------------

@login_required
@require_GET
def home(request):
    """What the user manages in OCOP: counts of producers, products and registrations in scope, the links."""
    if (answer := _no_view(request)) is not None:
        return answer
    user = request.user
    today = default_as_of()
    products = scope.products(user)
    held = stars_on(products.values_list("pk", flat=True), today)
    by_stars = sorted({s for s, _c in held.values()}, reverse=True)
    return render(request, "ocop/producer_home.html", {
        "today": today,
        "n_producers": scope.producers(user).count(),
        "n_products": products.count(),
        "n_certified": len(held),
        "by_stars": [(s, sum(1 for v, _c in held.values() if v == s)) for s in by_stars],
        "n_registrations": scope.registrations(user).filter(year=today.year).count(),
        "may_add_producer": services.may_add_producers(user),
        "may_add_product": services.may_add_products(user),
        "may_start_rating": scope.products(user, MANAGE).exists(),
        "n_open_ratings": scope.ratings(user).exclude(state__in=CLOSED).count(),
    })


# --- producers -------------------------------------------------------------------------------------------------------

@login_required
@require_GET
def producer_list(request):
    if (answer := _no_view(request)) is not None:
        return answer
    rows = scope.producers(request.user).select_related("unit").annotate(n_products=Count("products", distinct=True))
    q, kind, unit = (request.GET.get(k, "").strip() for k in ("q", "kind", "unit"))
    if q:
        folded = fold(q)
        rows = rows.filter(Q(products__search__contains=folded) | Q(name__icontains=q) | Q(registration_number=q)
                           | Q(tax_code=q) | Q(cooperative_key=q)).distinct()
    if kind in ProducerKind.values:
        rows = rows.filter(kind=kind)
    if unit:
        rows = _within_code(rows, unit)
    page = _page(request, rows.order_by("name", "pk"))
    return render(request, "ocop/producer_list.html", {
        "page": page, "q": q, "kind": kind, "unit": unit, "kinds": ProducerKind.choices,
        "query": _query(request, "q", "kind", "unit"), "may_add": services.may_add_producers(request.user),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def producer_new(request):
    if not services.may_add_producers(request.user):
        return refused(request, _("Chỉ Văn phòng Điều phối NTM và cán bộ NTM xã mới đăng ký được chủ thể OCOP."))
    communes = list(services.managed_communes(request.user)[:2])
    initial = {"unit": communes[0].code} if len(communes) == 1 else {}
    form = ProducerForm(request.POST or None, initial=initial)
    return _form_page(request, form, lambda data: services.create_producer(request.user, data), lambda p: _saved_to(
        request, _("Đã đăng ký chủ thể «%(name)s». Thêm sản phẩm của chủ thể bên dưới.") % {"name": p.name},
        reverse("ocop_producer", args=[p.pk])), "ocop/producer_form.html", producer=None, today=default_as_of())


@login_required
@require_GET
def producer_detail(request, pk: int):
    producer = _or_404(scope.producers(request.user).select_related("unit"), pk, _("chủ thể"))
    products = scope.products(request.user).filter(producer=producer).select_related("subgroup", "unit")
    held = stars_on([p.pk for p in products], default_as_of())
    return render(request, "ocop/producer_detail.html", {
        "producer": producer, "products": [(p, held.get(p.pk, (None, None))[0]) for p in products],
        "members": producer.members.order_by("username"),
        "may_edit": scope.producers(request.user, MANAGE).filter(pk=pk).exists(),
        "office": services.may_manage_commune_of(request.user, producer.unit),
        "registrations": scope.registrations(request.user).filter(producer=producer).select_related("unit")[:20],
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def producer_edit(request, pk: int):
    producer = _or_404(scope.producers(request.user).select_related("unit"), pk, _("chủ thể"))
    if not scope.producers(request.user, MANAGE).filter(pk=pk).exists():
        return refused(request, _("Bạn xem được nhưng không được sửa chủ thể «%(name)s». Việc này do cán bộ NTM của xã "
                                  "hoặc Văn phòng Điều phối NTM thực hiện.") % {"name": producer.name})
    office = services.may_manage_commune_of(request.user, producer.unit)
    snapshot = services.producer_snapshot(producer)
    initial = {**snapshot, "registered_on": producer.registered_on, "members": ", ".join(snapshot["members"])}
    form = ProducerForm(request.POST or None, initial=initial, member=not office)
    return _form_page(request, form, lambda data: services.update_producer(request.user, producer, data),
                      lambda changed: _saved_to(request, _("Đã lưu thông tin chủ thể.") if changed else _(
                          "Thông tin chủ thể không thay đổi."), reverse("ocop_producer", args=[pk])),
                      "ocop/producer_form.html", producer=producer, today=default_as_of())


# --- products --------------------------------------------------------------------------------------------------------

@login_required
@require_GET
def product_list(request):
    """The products in scope; search without diacritics (name, producer, code), filters by group, commune, producer,
    stars held today."""
    if (answer := _no_view(request)) is not None:
        return answer
    today = default_as_of()
    rows = scope.products(request.user).select_related("producer", "subgroup__group", "unit")
    q, group, unit, producer, stars = (request.GET.get(k, "").strip()
                                       for k in ("q", "group", "unit", "producer", "stars"))
    if q:
        rows = rows.filter(search__contains=fold(q))
    if group:
        rows = rows.filter(subgroup__group__code=group)
    if unit:
        rows = _within_code(rows, unit)
    if producer.isdigit():
        rows = rows.filter(producer_id=int(producer))
    if stars in ("3", "4", "5", "0"):
        held = stars_on(rows.values_list("pk", flat=True), today)
        wanted = [pk for pk, (s, _c) in held.items() if s == int(stars)] if stars != "0" else list(held)
        rows = rows.exclude(pk__in=wanted) if stars == "0" else rows.filter(pk__in=wanted)
    page = _page(request, rows.order_by("name", "pk"))
    held = stars_on([p.pk for p in page.object_list], today)
    return render(request, "ocop/product_list.html", {
        "page": page, "rows": [(p, held.get(p.pk, (None, None))[0]) for p in page.object_list],
        "q": q, "group": group, "unit": unit, "producer": producer, "stars": stars, "today": today,
        "groups": ProductGroup.objects.all(), "query": _query(request, "q", "group", "unit", "producer", "stars"),
        "may_add": services.may_add_products(request.user),
    })


def _is_member_only(user, producer: Producer) -> bool:
    return not services.may_manage_commune_of(user, producer.unit) and services.is_member(user, producer)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def product_new(request):
    user = request.user
    if not services.may_add_products(user):
        return refused(request, _("Chỉ cán bộ quản lý OCOP hoặc tài khoản của chủ thể mới thêm được sản phẩm."))
    producers = list(services.product_producers(user).order_by("name", "pk"))
    member = not services.may_add_producers(user)
    wanted = request.GET.get("chu_the", "")
    initial = {"producer": int(wanted)} if wanted.isdigit() else {}
    form = ProductForm(request.POST or None, producers=producers, member=member, initial=initial)
    return _form_page(request, form, lambda data: services.create_product(user, data), lambda p: _saved_to(
        request, _("Đã thêm sản phẩm «%(name)s» (mã %(code)s). Tải ảnh sản phẩm bên dưới.") % {"name": p.name,
                                                                                               "code": p.code},
        reverse("ocop_product", args=[p.pk])), "ocop/product_form.html", product=None, today=default_as_of())


@login_required
@require_GET
def product_detail(request, pk: int):
    product = _or_404(scope.products(request.user).select_related("producer", "subgroup__group", "unit"), pk,
                      _("sản phẩm"))
    today = default_as_of()
    held = stars_on([product.pk], today).get(product.pk)
    may_edit = scope.may(request.user, MANAGE, product)
    return render(request, "ocop/product_detail.html", {
        "product": product, "stars": held[0] if held else None, "certificate": held[1] if held else None,
        "today": today, "images": product.images.all(), "may_edit": may_edit,
        "image_form": ImageForm() if may_edit else None, "max_mb": images.max_bytes() // (1024 * 1024),
        "certificates": product.certificates.select_related("issuing_unit").order_by("-decision_date", "-pk"),
        "ratings": scope.ratings(request.user).filter(product=product).order_by("-year", "-pk"),
        "registrations": scope.registrations(request.user).filter(product=product),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def product_edit(request, pk: int):
    product = _or_404(scope.products(request.user).select_related("producer", "subgroup", "unit"), pk, _("sản phẩm"))
    if not scope.may(request.user, MANAGE, product):
        return refused(request, _("Bạn xem được nhưng không được sửa sản phẩm «%(name)s».") % {"name": product.name})
    member = not services.may_manage_commune_of(request.user, product.unit)
    initial = {**services.product_snapshot(product), "subgroup": product.subgroup_id}
    form = ProductForm(request.POST or None, editing=True, member=member, initial=initial)
    return _form_page(request, form, lambda data: services.update_product(request.user, product, data),
                      lambda changed: _saved_to(request, _("Đã lưu sản phẩm.") if changed else _(
                          "Thông tin sản phẩm không thay đổi."), reverse("ocop_product", args=[pk])),
                      "ocop/product_form.html", product=product, today=default_as_of())


@login_required
@require_POST
def image_upload(request, pk: int):
    product = _or_404(scope.products(request.user), pk, _("sản phẩm"))
    form = ImageForm(request.POST, request.FILES)
    try:
        saved = apply(form, lambda data: images.add_image(request.user, product, data.get("file"), data["caption"]))
    except services.Refused as error:
        return refused(request, error.message)
    if saved is not None:
        return _saved_to(request, _("Đã thêm ảnh."), reverse("ocop_product", args=[pk]) + "#anh")
    _say_errors(request, form)
    return redirect(reverse("ocop_product", args=[pk]) + "#anh")


@login_required
@require_GET
def image_file(request, pk: int, image: int):
    found = images.visible_image(request.user, pk, image)
    if found is None:
        raise Http404(_("Không có ảnh này, hoặc sản phẩm không thuộc phạm vi bạn được xem."))
    return images.served(found)


@login_required
@require_POST
def image_delete(request, pk: int, image: int):
    found = images.visible_image(request.user, pk, image)
    if found is None:
        raise Http404(_("Không có ảnh này, hoặc sản phẩm không thuộc phạm vi bạn được xem."))
    try:
        images.delete_image(request.user, found)
    except services.Refused as error:
        return refused(request, error.message)
    return _saved_to(request, _("Đã xoá ảnh."), reverse("ocop_product", args=[pk]) + "#anh")


# --- registrations of the annual cycle -------------------------------------------------------------------------------

@login_required
@require_GET
def registration_list(request):
    if (answer := _no_view(request)) is not None:
        return answer
    rows = scope.registrations(request.user).select_related("producer", "product", "unit")
    year, kind, state = (request.GET.get(k, "").strip() for k in ("year", "kind", "status"))
    if year.isdigit():
        rows = rows.filter(year=int(year))
    if kind in RegistrationKind.values:
        rows = rows.filter(kind=kind)
    if state in RegistrationStatus.values:
        rows = rows.filter(status=state)
    years = sorted(set(scope.registrations(request.user).values_list("year", flat=True)), reverse=True)
    page = _page(request, rows.order_by("-year", "-submitted_on", "-pk"))
    return render(request, "ocop/registration_list.html", {
        "page": page, "year": year, "kind": kind, "status": state, "years": years,
        "kinds": RegistrationKind.choices, "statuses": RegistrationStatus.choices,
        "query": _query(request, "year", "kind", "status"), "may_add": services.may_add_products(request.user),
    })


def _registration_choices(user):
    producers = list(scope.producers(user, MANAGE).order_by("name", "pk"))
    products = list(Product.objects.filter(producer__in=producers).select_related("producer").order_by("name", "pk"))
    return producers, products


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def registration_new(request):
    user = request.user
    if not services.may_add_products(user):
        return refused(request, _("Chỉ cán bộ quản lý OCOP hoặc tài khoản của chủ thể mới đăng ký được ý tưởng, phương "
                                  "án sản phẩm."))
    producers, products = _registration_choices(user)
    today = default_as_of()
    form = RegistrationForm(request.POST or None, producers=producers, products=products,
                            member=not services.may_add_producers(user),
                            initial={"year": today.year, "submitted_on": today, "kind": RegistrationKind.IDEA})
    return _form_page(request, form, lambda data: services.create_registration(user, data), lambda r: _saved_to(
        request, _("Đã ghi đăng ký «%(title)s».") % {"title": r.title}, reverse("ocop_registrations")),
        "ocop/registration_form.html", registration=None, may_edit=True, today=today)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def registration_edit(request, pk: int):
    user = request.user
    registration = _or_404(scope.registrations(user).select_related("producer", "product", "unit"), pk,
                           _("đăng ký"))
    office = services.may_decide(user, registration)
    may_edit = services.may_edit_registration(user, registration)
    if request.method == "POST" and not may_edit:
        return refused(request, _("Chỉ cán bộ quản lý OCOP của xã tiếp nhận sửa được đăng ký này; chủ thể chỉ sửa được "
                                  "khi đăng ký còn chờ xem xét."))
    producers, products = _registration_choices(user)
    initial = {**services.registration_snapshot(registration), "submitted_on": registration.submitted_on}
    form = RegistrationForm(request.POST or None, producers=producers, products=products, member=not office,
                            initial=initial)
    status_form = StatusForm(initial={"status": registration.status}) if office else None
    return _form_page(request, form, lambda data: services.update_registration(user, registration, data),
                      lambda changed: _saved_to(request, _("Đã lưu đăng ký.") if changed else _(
                          "Đăng ký không thay đổi."), reverse("ocop_registration_edit", args=[pk])),
                      "ocop/registration_form.html", registration=registration, status_form=status_form,
                      may_edit=may_edit, today=default_as_of())


@login_required
@require_POST
def registration_status(request, pk: int):
    registration = _or_404(scope.registrations(request.user), pk, _("đăng ký"))
    form = StatusForm(request.POST)
    try:
        changed = apply(form, lambda data: services.set_registration_status(request.user, registration,
                                                                            data["status"], data["note"]))
    except services.Refused as error:
        return refused(request, error.message)
    if changed is None:
        _say_errors(request, form)
    else:
        messages.success(request, _("Đã ghi tình trạng «%(status)s».") % {
            "status": registration.get_status_display()} if changed else _("Tình trạng không thay đổi."))
    return redirect(reverse("ocop_registration_edit", args=[pk]))
