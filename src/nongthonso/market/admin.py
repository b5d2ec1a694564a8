"""The supply–demand board in the admin: buyers, listings and matches, audited (``audit.admin.AuditedModelAdmin``).
The board's pages are where co-operatives, producers and buyers keep their listings; a match is computed (its score
and distance are read-only here)."""

from __future__ import annotations

from django.contrib import admin

from nongthonso.audit.admin import AuditedModelAdmin

from .models import Buyer, Listing, Match


@admin.register(Buyer)
class BuyerAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "unit", "phone", "synthetic")
    list_filter = ("synthetic",)
    search_fields = ("name", "kind", "phone", "email")
    raw_id_fields = ("unit",)
    filter_horizontal = ("users",)


@admin.register(Listing)
class ListingAdmin(AuditedModelAdmin):
    list_display = ("product", "kind", "status", "quantity", "quantity_unit", "period_start", "period_end", "unit",
                    "synthetic")
    list_filter = ("kind", "status", "synthetic")
    search_fields = ("product", "product_key", "contact_name", "cooperative__name", "producer__name", "buyer__name")
    raw_id_fields = ("unit", "cooperative", "producer", "buyer", "ocop_product", "lot", "created_by")


@admin.register(Match)
class MatchAdmin(AuditedModelAdmin):
    list_display = ("offer", "request", "score", "distance_km", "computed_at", "notified_at")
    raw_id_fields = ("offer", "request")
    readonly_fields = ("score", "distance_km", "computed_at", "notified_at")
