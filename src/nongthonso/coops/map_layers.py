"""Co-operatives on the maps (``core.registry.MapLayer``): how many co-operatives of each commune were in operation on
the map's date (established by then, or no date known, and not ceased); a co-operative recorded on a commune before a
merger counts for the merged one."""

from django.db.models import Q
from django.utils.translation import ngettext

from nongthonso.core.registry import MapRequest
from nongthonso.units.services import counts_onto

from .models import Cooperative


def active_cooperatives(request: MapRequest) -> dict[int, int]:
    day = request.as_of
    rows = (Cooperative.objects.filter(Q(established_on__isnull=True) | Q(established_on__lte=day))
            .filter(Q(ceased_on__isnull=True) | Q(ceased_on__gt=day)).values_list("unit_id", flat=True))
    return counts_onto([u.pk for u in request.units], rows)


def cooperatives_text(n: int) -> str:
    """The count in words for the map's popup and list, in the request's language."""
    return ngettext("%(n)s hợp tác xã", "%(n)s hợp tác xã", n) % {"n": n}
