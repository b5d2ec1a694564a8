"""Production diary pages: the co-operatives a user keeps diaries for, a co-operative's plots and crop cycles (open a
cycle), a cycle's diary (write an entry: the form posts normally without JavaScript; ``diary.js`` queues it in
IndexedDB and syncs it, online or later), the batch sync, photos, and the service worker. Scope: ``diary.cycles``."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.core import filetypes
from nongthonso.units.collation import vi_name_order

from . import diary, scope, sync
from .models import CropCycle, DiaryEntry, DiaryPhoto, EntryKind

STATIC = Path(__file__).resolve().parent / "static" / "coops"


def _not_found():
    return Http404(_("Không tìm thấy, hoặc không thuộc các hợp tác xã bạn ghi nhật ký."))


@login_required
@require_GET
def home(request):
    coops = list(scope.managed(request.user).order_by(vi_name_order(), "pk"))
    if len(coops) == 1:
        return redirect("coops_diary", coops[0].pk)
    return render(request, "coops/diary_home.html", {"coops": coops})


@login_required
@require_http_methods(["GET", "POST"])
def cooperative(request, coop: int):
    found = scope.managed(request.user).filter(pk=coop).first()
    if found is None:
        raise _not_found()
    plots = (diary.plots(request.user).filter(cooperative=found)
             .prefetch_related(Prefetch("cycles", CropCycle.objects.annotate(n=Count("entries")))))
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        plot = plots.filter(pk=request.POST.get("plot") or 0).first()
        if plot is None:
            errors["plot"] = _("Chọn thửa của vụ mới trong danh sách.")
        else:
            try:
                made = diary.create_cycle(request.user, plot, request.POST)
            except diary.Invalid as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Đã mở vụ «%(name)s».") % {"name": made.name})
                return redirect("coops_diary_cycle", made.pk)
    return render(request, "coops/diary_cooperative.html",
                  {"coop": found, "plots": plots, "errors": errors, "values": values},
                  status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def cycle(request, pk: int):
    found = diary.cycles(request.user).filter(pk=pk).select_related("plot__cooperative").first()
    if found is None:
        raise _not_found()
    errors, values = {}, {}
    if request.method == "POST":
        version = request.POST.get("version", "")
        outcome = diary.write(request.user, found, request.POST, client_id=request.POST.get("client_id", ""),
                              base_version=int(version) if version.isdigit() else None)
        if outcome.status in (diary.STORED, diary.DUPLICATE):
            messages.success(request, _("Đã lưu bản sửa.") if version else _("Đã lưu dòng nhật ký."))
            return redirect("coops_diary_cycle", found.pk)
        errors, values = outcome.errors or {"__all__": outcome.message}, request.POST
    elif request.GET.get("sua"):  # the form filled with an entry to edit (the page without its script)
        entry = _entry_of(found, request.GET["sua"])
        if entry is None:
            raise _not_found()
        values = {**diary.snapshot(entry), "client_id": str(entry.client_id)}
    photos = Prefetch("photos", DiaryPhoto.objects.only("pk", "entry_id"))
    rows = DiaryEntry.objects.filter(cycle=found).prefetch_related(photos).order_by("-date", "-pk")
    return render(request, "coops/diary_cycle.html",
                  {"cycle": found, "coop": found.plot.cooperative, "rows": rows, "kinds": EntryKind.choices,
                   "errors": errors, "values": values, "max_mb": diary.max_photo_bytes() // filetypes.MB},
                  status=400 if errors else 200)


def _entry_of(cycle, client_id: str):
    try:
        return DiaryEntry.objects.filter(cycle=cycle, client_id=uuid.UUID(client_id)).first()
    except ValueError:
        return None


@login_required
@require_POST
def sync_view(request):
    try:
        rows = sync.parse(request.body)
    except sync.BadBatch as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return JsonResponse({"results": sync.sync(request.user, rows)})


@login_required
@require_POST
def photo_upload(request, client_id):
    entry = diary.entries(request.user).filter(client_id=client_id).first()
    if entry is None:
        return JsonResponse({"detail": _("Chưa có dòng nhật ký của ảnh này trên máy chủ: đồng bộ dòng nhật ký trước.")},
                            status=404)
    try:
        photo = diary.add_photo(request.user, entry, request.FILES.get("file"))
    except diary.Invalid as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return JsonResponse({"id": photo.pk}, status=201)


@login_required
@require_GET
def photo_file(request, pk: int):
    photo = DiaryPhoto.objects.filter(pk=pk, entry__in=diary.entries(request.user)).first()
    if photo is None:
        raise _not_found()
    return filetypes.served(photo.file.open("rb"), photo.content_type, Path(photo.file.name).name, as_attachment=False)


@require_GET
def service_worker(request):
    """The service worker, served under the diary's path so that its scope covers the diary pages."""
    response = HttpResponse((STATIC / "sw.js").read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
