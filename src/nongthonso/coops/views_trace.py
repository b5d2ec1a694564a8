"""The lots of a co-operative (signed in; ``registry.Pages("coops_trace", …)``): ``coops_lots`` lists its lots (what
is left of each), its harvests (what is left of each), and — for whoever keeps the co-operative's records
(``scope.managed``) — the forms that make a lot from harvests, process lots into a new one, and record a shipping or
receiving. ``coops_lot_labels`` gives the label sheet (PDF), ``coops_lot_epcis`` the EPCIS 2.0 JSON-LD.

Permission checks live in the querysets (``scope.cooperatives`` / ``scope.managed``): another co-operative is «not
found». Every write goes through ``trace`` (audited)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.reports.documents.fonts import ReportFontMissing

from . import epcis, labels_pdf, scope, trace
from .models import DiaryEntry, EntryKind, Lot

MAX_LABEL_COPIES = 100


def _date(raw: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError as exc:
        raise trace.TraceError(_("Ô «%(field)s»: ngày «%(raw)s» không hợp lệ, ghi theo dạng năm-tháng-ngày.") % {
            "field": field, "raw": (raw or "")[:20]}) from exc


def _data(post) -> trace.LotData:
    best = post.get("best_before", "").strip()
    return trace.LotData(
        gtin=post.get("gtin", "").strip(), lot_number=post.get("lot_number", "").strip(),
        product_name=post.get("product_name", ""), quantity_unit=post.get("quantity_unit", "kg"),
        produced_on=_date(post.get("produced_on", ""), _("Ngày sản xuất")),
        best_before=_date(best, _("Hạn sử dụng")) if best else None, standards=post.get("standards", ""))


def _taken(post, prefix: str, rows: dict) -> list:
    """(row, quantity) for every ``<prefix><id>`` filled in."""
    return [(rows[int(key[len(prefix):])], value) for key, value in post.items()
            if key.startswith(prefix) and key[len(prefix):].isdigit() and int(key[len(prefix):]) in rows
            and value.strip()]


@login_required
@require_http_methods(["GET", "POST"])
def lots(request, coop_id: int):
    coop = get_object_or_404(scope.cooperatives(request.user).select_related("unit"), pk=coop_id)
    may_write = scope.managed(request.user).filter(pk=coop.pk).exists()
    harvests = {e.pk: e for e in DiaryEntry.objects.filter(cycle__plot__cooperative=coop, kind=EntryKind.HARVEST)
                .select_related("cycle__plot").order_by("-date", "pk")}
    own_lots = {x.pk: x for x in Lot.objects.filter(cooperative=coop).order_by("-produced_on", "-pk")}
    if request.method == "POST":
        if not may_write:
            raise Http404(_("Không có hợp tác xã này trong phạm vi được sửa."))
        action = request.POST.get("action")
        try:
            if action == "harvests":
                lot = trace.lot_from_harvests(coop, _data(request.POST), _taken(request.POST, "h", harvests),
                                              user=request.user)
            elif action == "process":
                lot = trace.process(coop, _data(request.POST), _taken(request.POST, "l", own_lots),
                                    request.POST.get("quantity", ""), user=request.user)
            elif action in trace.STEPS:
                lot = own_lots.get(int(request.POST.get("lot", "0") or 0)) if request.POST.get(
                    "lot", "").isdigit() else None
                if lot is None:
                    raise trace.TraceError(_("Ô «Lô»: chọn một lô của hợp tác xã."))
                when = timezone.make_aware(dt.datetime.combine(
                    _date(request.POST.get("day", ""), _("Ngày")), dt.time(12)))
                trace.observe(lot, action, when=when, read_point=request.POST.get("read_point", ""),
                              user=request.user, quantity=request.POST.get("quantity") or None)
            else:
                raise trace.TraceError(_("Không rõ việc cần làm: chọn lại một trong các mẫu bên dưới."))
        except trace.TraceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã ghi lô %(lot)s.") % {"lot": lot.lot_number})
            return redirect("coops_lots", coop.pk)
    last = next(iter(own_lots.values()), None)
    return render(request, "coops/lot_list.html", {
        "coop": coop, "may_write": may_write, "today": timezone.localdate(),
        "lots": [(x, trace.lot_left(x)) for x in own_lots.values()],
        "harvests": [(e, trace.harvest_left(e)) for e in harvests.values()],
        "suggested_gtin": last.gtin if last else "", "steps": trace.STEPS, "post": request.POST,
    })


def _lot(request, coop_id: int, lot_id: int) -> Lot:
    coop = get_object_or_404(scope.cooperatives(request.user), pk=coop_id)
    return get_object_or_404(Lot.objects.select_related("cooperative"), cooperative=coop, pk=lot_id)


@login_required
@require_GET
def labels(request, coop_id: int, lot_id: int):
    lot = _lot(request, coop_id, lot_id)
    raw = request.GET.get("so", "")
    copies = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_LABEL_COPIES else labels_pdf.COLUMNS * labels_pdf.ROWS
    try:
        content = labels_pdf.build_labels_pdf([lot], copies)
    except ReportFontMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{labels_pdf.filename(lot)}"'
    return response


@login_required
@require_GET
def epcis_json(request, coop_id: int, lot_id: int):
    lot = _lot(request, coop_id, lot_id)
    response = HttpResponse(epcis.content(lot), content_type="application/ld+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="epcis-{lot.identifier}.jsonld"'
    return response
