"""The board's signed-in pages: my listings and their matches (ranked, with the reasons), post, edit and close a
listing, register a buyer. Permission checks are the querysets of ``market.scope``; writes go through
``market.services`` (audited, matches refreshed in the same transaction)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.accounts.services import scope_paths
from nongthonso.coops.apps import MANAGE as MANAGE_COOPS

from . import scope, services
from .forms import BuyerForm, ListingForm
from .models import Listing, ListingStatus


def _refused(request, message: str):
    return render(request, "market/refused.html", {"message": message}, status=403)


def _own(request, pk: int) -> Listing:
    listing = scope.editable(request.user).select_related("unit").filter(pk=pk).first()
    if listing is None:
        raise Http404(_("Không có tin số %(pk)s trong các tin bạn quản lý.") % {"pk": pk})
    return listing


@login_required
@require_GET
def mine(request):
    listings = list(scope.editable(request.user).select_related("unit", "cooperative", "producer", "buyer")
                    .order_by("status", "-created", "pk"))
    matches = (scope.matches(request.user).select_related("offer__unit", "request__unit", "offer__cooperative",
                                                           "offer__producer", "request__cooperative",
                                                           "request__buyer")
               .order_by("-score", "pk"))
    own = {x.pk for x in listings}
    ranked = [{"match": m, "mine": m.offer if m.offer_id in own else m.request,
               "other": m.request if m.offer_id in own else m.offer,
               "other_party": services.party_name(m.request if m.offer_id in own else m.offer),
               "reasons": services.reasons(m), "percent": round(m.score * 100)} for m in matches[:200]]
    return render(request, "market/mine.html", {"listings": listings, "ranked": ranked,
                                                "may_post": scope.may_post(request.user)})


def _listing_form(request, listing: Listing | None):
    parties = scope.parties(request.user)
    if not any(q.exists() for q in parties.values()):
        return _refused(request, _("Bạn chưa quản lý hợp tác xã, chủ thể OCOP hay người mua nào nên chưa đăng tin "
                                   "được. Đăng ký người mua trước, hoặc nhờ cán bộ NTM xã gắn tài khoản của bạn."))
    before = services.state(listing) if listing else None
    form = ListingForm(request.POST or None, instance=listing or Listing(), parties=parties)
    if request.method == "POST" and form.is_valid():
        saved = services.save_listing(form.apply(), request.user, before=before)
        messages.success(request, _("Đã lưu tin «%(what)s». Các cặp phù hợp hiện trong mục «Tin cung cầu của "
                                    "tôi».") % {"what": str(saved)})
        return redirect("market_mine")
    return render(request, "market/listing_form.html", {"form": form, "listing": listing},
                  status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def listing_new(request):
    return _listing_form(request, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def listing_edit(request, pk: int):
    listing = _own(request, pk)
    if listing.status == ListingStatus.CLOSED:
        return _refused(request, _("Tin «%(what)s» đã đóng, không sửa được nữa. Đăng tin mới nếu cần.")
                        % {"what": str(listing)})
    return _listing_form(request, listing)


@login_required
@require_POST
def listing_close(request, pk: int):
    listing = services.close_listing(_own(request, pk), request.user)
    messages.success(request, _("Đã đóng tin «%(what)s»: tin không còn trên bảng cung cầu.") % {"what": str(listing)})
    return redirect("market_mine")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def buyer_new(request):
    paths = scope_paths(request.user, MANAGE_COOPS)
    form = BuyerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        buyer = form.apply()
        # an office registers a buyer of its units for it; anyone else (or outside the units) registers their own
        for_office = paths is None or any(buyer.unit.path.startswith(p) for p in paths)
        buyer = services.register_buyer(buyer, request.user, own=not for_office or request.POST.get("own") == "1")
        messages.success(request, _("Đã đăng ký người mua «%(name)s». Giờ có thể đăng tin cần mua cho người mua "
                                    "này.") % {"name": buyer.name})
        return redirect(reverse("market_listing_new"))
    return render(request, "market/buyer_form.html", {"form": form, "office": paths != []},
                  status=400 if form.is_bound else 200)
