"""OCOP on the maps (``core.registry.MapLayer``): how many products of each commune hold an OCOP certificate in force
on the map's date (``status.certified_on``); products recorded on a commune before a merger count for the merged one."""

from django.utils.translation import ngettext

from nongthonso.core.registry import MapRequest
from nongthonso.units.services import counts_onto

from .status import certified_on


def certified_products(request: MapRequest) -> dict[int, int]:
    rows = certified_on(request.as_of).values_list("unit_id", flat=True)
    return counts_onto([u.pk for u in request.units], rows)


def products_text(n: int) -> str:
    """The count in words for the map's popup and list, in the request's language."""
    return ngettext("%(n)s sản phẩm OCOP", "%(n)s sản phẩm OCOP", n) % {"n": n}
