"""Views that belong to no feature.

- ``healthz`` (``/healthz``, name ``healthz``): a tiny plain-text "ok" for load balancers and uptime checks.
  It touches neither the database nor the session, so it says the process answers, not that the database
  does; it is also the trivial view the dashboard benchmark (bench/dashboard_rps.py) compares against.
"""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
