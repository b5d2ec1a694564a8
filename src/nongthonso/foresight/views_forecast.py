"""The forecast page ``/du-bao/du-bao/?unit=&year=&level=&target=`` (signed in): for the communes of a unit within
the user's scope (default: the highest unit of their roles, else the home province), the probability of meeting a
level by a year, the expected criteria met, the main gaps; the province's expected count by year beside the targets
typed in; for one commune, the trend of each main gap with its band (Chart.js, served by the app). Every figure is
computed from the stored values on each request (``foresight.forecast``); nothing is written."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import granted_units
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level

from .forecast import LAST_YEAR, ForecastError, NotVisible, for_user


def _default_unit(user) -> str:
    units = sorted(granted_units(user, Action.VIEW), key=lambda unit: (len(unit.path), unit.code))
    return units[0].code if units else settings.HOME_PROVINCE


@login_required
@require_GET
def forecast_page(request):
    today = timezone.localdate()
    code = (request.GET.get("unit") or "").strip() or _default_unit(request.user)
    level = request.GET.get("level") or Level.XA_NTM
    typed = request.GET.get("targets", "")[:200]
    targets = [t.strip() for t in typed.replace(";", ",").split(",") if t.strip()][:10]
    error, data, status = None, None, 200
    try:
        year = int(request.GET.get("year") or LAST_YEAR)
    except ValueError:
        error = _("Năm dự báo «%(value)s» không phải số; ghi năm bốn chữ số, ví dụ 2030.") % {
            "value": request.GET.get("year")}
        year, status = LAST_YEAR, 400
    if level not in COMMUNE_LEVELS:
        error = _("Mức đạt chuẩn «%(value)s» không có; chọn một mức trong danh sách.") % {"value": level}
        level, status = Level.XA_NTM, 400
    if error is None:
        try:
            data = for_user(request.user, code, year, level, today=today, targets=targets)
        except NotVisible as exc:
            error, status = str(exc), 404
        except ForecastError as exc:
            error, status = str(exc), 400
    chart = None
    if data and data["series"]:
        chart = {"series": data["series"], "labels": {"history": _("Giá trị đã nhập"), "trend": _("Xu hướng"),
                                                      "band": _("Khoảng dự báo (bách phân vị 10–90)"),
                                                      "threshold": _("Ngưỡng đạt")}}
    levels = [(str(value), label) for value, label in Level.choices if value in COMMUNE_LEVELS]
    return render(request, "foresight/forecast.html", {
        "data": data, "error": error, "unit": code, "year": year, "level": level, "levels": levels,
        "targets": typed, "chart": chart}, status=status)
