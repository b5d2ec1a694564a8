import datetime as dt

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .services import UnitNotFound, summary, summary_text

DEFAULT_UNIT = "19"


@require_GET
def summary_page(request):
    """Public provincial summary as of a chosen date (published figures only)."""
    error = None
    try:
        as_of = dt.date.fromisoformat(request.GET.get("as_of") or "2023-06-30")
    except ValueError:
        as_of = dt.date(2023, 6, 30)
        error = "Ngày không hợp lệ; hiển thị số liệu ngày 30/6/2023. Chọn ngày theo dạng ngày/tháng/năm."
    code = request.GET.get("unit") or DEFAULT_UNIT
    data = text = None
    try:
        data = summary(code, as_of)
        text = summary_text(data)
    except UnitNotFound as exc:
        error = str(exc)
    return render(request, "reports/summary.html", {"data": data, "text": text, "as_of": as_of, "error": error})
