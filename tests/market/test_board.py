"""The board's services, pages and API: matches derived and notified once, scope, no contacts on public pages."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from django.test import Client
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.maps.services import positions
from nongthonso.market import scope, services
from nongthonso.market.models import Listing, Match
from nongthonso.notifications.models import Notification
from nongthonso.units.services import distance_km

pytestmark = pytest.mark.django_db


def test_a_match_is_stored_and_both_parties_told_once(market_world, post, django_capture_on_commit_callbacks):
    w = market_world
    with django_capture_on_commit_callbacks(execute=False):
        offer = post("offer", w.manager)
        request = post("request", w.buyer_user, product="Trà búp tươi", quantity=200)
    match = Match.objects.get()
    assert (match.offer, match.request) == (offer, request)
    # the places' positions (the demo's synthetic centroids): the distance term counts, 20% of the weight
    places = positions([w.van_phu, w.lam_vy])
    km = float(distance_km(places[w.van_phu.pk], [places[w.lam_vy.pk]])[0])
    near = math.exp(-km / 50)
    assert match.distance_km == pytest.approx(km) and km > 0
    assert match.score == pytest.approx(0.4 * 1 + 0.4 * 0.5 + 0.2 * near)
    assert match.notified_at is not None
    told = Notification.objects.filter(verb=services.NOTICE)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["htx_che", "nguoi_mua"]
    assert all(n.link == reverse("market_mine") for n in told)
    # another write of the same product refreshes the match without telling again
    before = services.state(request)
    request.quantity = 100
    services.save_listing(request, w.buyer_user, before=before)
    assert Match.objects.get().score == pytest.approx(0.4 + 0.4 + 0.2 * near)
    assert told.count() == 2
    assert AuditEntry.objects.filter(action="update").exists()
    assert services.check() == []


def test_closing_a_listing_removes_its_matches(market_world, post):
    w = market_world
    offer = post("offer", w.manager)
    post("request", w.buyer_user)
    assert Match.objects.count() == 1
    services.close_listing(offer, w.manager)
    assert Match.objects.count() == 0 and services.check() == []


def test_no_match_when_certification_asked_is_not_held(market_world, post):
    w = market_world
    post("offer", w.manager, certifications=["ocop"])
    post("request", w.buyer_user, certifications=["vietgap"])
    assert not Match.objects.exists()
    post("offer", w.manager, certifications=["vietgap", "ocop"])
    assert Match.objects.count() == 1


def test_check_tells_a_missing_match_and_rebuild_repairs_it(market_world, post):
    w = market_world
    post("offer", w.manager)
    post("request", w.buyer_user)
    Match.objects.all().delete()
    assert len(services.check()) == 1 and "thiếu" in services.check()[0]
    assert services.rebuild() == 1 and services.check() == []


def test_scope_parties_edit_only_their_own(market_world, post):
    w = market_world
    offer = post("offer", w.manager)
    request = post("request", w.buyer_user)
    assert list(scope.editable(w.manager)) == [offer]
    assert list(scope.editable(w.buyer_user)) == [request]
    assert not scope.editable(w.stranger).exists()
    assert set(scope.with_contacts(w.manager)) == {offer, request}  # matched
    assert not scope.with_contacts(w.stranger).exists()
    client = Client()
    client.force_login(w.stranger)
    assert client.get(reverse("market_listing_edit", args=[offer.pk])).status_code == 404
    assert client.post(reverse("market_listing_close", args=[offer.pk])).status_code == 404
    assert Listing.objects.get(pk=offer.pk).status == "open"


PHONE_OR_EMAIL = re.compile(r"0\d{9}|[\w.]+@example\.vn|tel:|mailto:")


def test_public_board_shows_listings_without_contacts(market_world, post):
    w = market_world
    offer = post("offer", w.manager, product="Chè Tân Cương")
    post("request", w.buyer_user, product="chè tân cương")
    client = Client()
    html = client.get("/cho-nong-san/").content.decode()
    assert "Chè Tân Cương" in html and f'data-listing="{offer.pk}"' in html
    assert not PHONE_OR_EMAIL.search(html)
    found = client.get("/cho-nong-san/", {"q": "che tan cuong", "loai": "offer"}).content.decode()
    assert 'data-total="1"' in found and f'data-listing="{offer.pk}"' in found
    detail = client.get(f"/cho-nong-san/tin/{offer.pk}/").content.decode()
    assert "Chè Tân Cương" in detail and not PHONE_OR_EMAIL.search(detail)
    client.force_login(w.buyer_user)  # the matched party sees the contacts
    assert "0987654321" in client.get(f"/cho-nong-san/tin/{offer.pk}/").content.decode()


def test_board_links_a_traced_lot_by_its_identifier(market_world, post):
    from nongthonso.coops.models import Lot

    w = market_world
    lot = Lot.objects.create(cooperative=w.coop, lot_number="L01", identifier="KT-L01", product_name="Chè",
                             quantity=10, produced_on=w.today)
    post("offer", w.manager, lot=lot)
    assert 'href="/truy-xuat/KT-L01/"' in Client().get("/cho-nong-san/").content.decode()


def test_my_page_ranks_matches_with_reasons(market_world, post):
    w = market_world
    post("offer", w.manager, quantity=50)
    post("offer", w.manager, quantity=100, period_start=w.today + dt.timedelta(days=15))
    post("request", w.buyer_user)
    client = Client()
    client.force_login(w.buyer_user)
    html = client.get(reverse("market_mine")).content.decode()
    assert html.count("data-match=") == 2
    assert "cùng sản phẩm" in html and "thời gian trùng" in html
    assert re.search(r"cách \d+ km", html)  # the places' positions give the distance


def test_post_a_listing_through_the_form(market_world):
    w = market_world
    client = Client(enforce_csrf_checks=False)
    client.force_login(w.manager)
    data = {"party": f"cooperative:{w.coop.pk}", "kind": "offer", "product": "Chè xanh", "quantity": "12,5",
            "quantity_unit": "kg", "period_start": w.today.isoformat(),
            "period_end": (w.today + dt.timedelta(days=5)).isoformat(), "place": w.van_phu.code,
            "contact_name": "Chị Thử", "certifications_text": "VietGAP, ocop"}
    response = client.post(reverse("market_listing_new"), data)
    assert response.status_code == 302, re.findall(r'role="alert">([^<]*)<', response.content.decode())
    listing = Listing.objects.get(product="Chè xanh")
    assert listing.cooperative == w.coop and listing.certifications == ["ocop", "vietgap"]
    assert AuditEntry.objects.filter(action="create", object_id=str(listing.pk)).exists()
    refused = client.post(reverse("market_listing_new"), {**data, "party": f"buyer:{w.buyer.pk}"})
    assert refused.status_code == 400 and "Bạn không được đăng tin" in refused.content.decode()
    bad = client.post(reverse("market_listing_new"), {**data, "place": "00000"})
    assert bad.status_code == 400 and "Không có đơn vị mã" in bad.content.decode()


def test_self_service_buyer_registration(market_world):
    w = market_world
    client = Client()
    client.force_login(w.stranger)
    response = client.post(reverse("market_buyer_new"), {"name": "Bếp ăn Trường Kiểm Thử", "kind": "bếp ăn",
                                                         "place": w.lam_vy.code})
    assert response.status_code == 302
    assert list(scope.buyers(w.stranger).values_list("name", flat=True)) == ["Bếp ăn Trường Kiểm Thử"]
    assert scope.may_post(w.stranger)


def test_api_listings_and_my_matches(market_world, post, token_for, call):
    w = market_world
    offer = post("offer", w.manager)
    post("request", w.buyer_user)
    stranger = call("GET", "/api/market/listings", token=token_for(w.stranger)).json()
    assert stranger["count"] == 2 and all(item["contact"] is None for item in stranger["items"])
    mine = call("GET", "/api/market/matches", token=token_for(w.buyer_user)).json()
    assert mine["count"] == 1
    item = mine["items"][0]
    assert item["offer"]["id"] == offer.pk and item["offer"]["contact"]["phone"] == "0987654321"
    assert "cùng sản phẩm" in item["reasons"]
    assert call("GET", "/api/market/matches", token=token_for(w.stranger)).json()["count"] == 0
