"""The plots and certifications of a co-operative (``registry.Pages("coops_plots", …)``): lists, create and edit
forms, the certification scan served by permission.

Rows are read through ``scope``: a co-operative the user may not see is «not found» (404); one they may see but not
manage shows its lists without the forms, and a form posted anyway answers 403 with a Vietnamese reason. Every write
is a POST (CSRF) handled by ``plots.save_plot`` / ``certifications.save_certification``, which check the permission
again and audit the change.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.core import filetypes
from nongthonso.units.models import Unit
from nongthonso.units.services import units_valid_on

from . import certifications, plots, scope
from .models import Certification, CertificationKind, Cooperative, Plot

MAX_GEOJSON_FILE = plots.MAX_GEOJSON_BYTES


# --- forms ----------------------------------------------------------------------------------------------------------

def _communes(cooperative: Cooperative):
    """The communes a plot of ``cooperative`` may lie in: those in force in its district, and its own commune."""
    district = cooperative.unit.parent
    found = units_valid_on(timezone.localdate(), within=district, level="xa") if district else Unit.objects.none()
    return Unit.objects.filter(pk__in=[*found.values_list("pk", flat=True), cooperative.unit_id]).order_by(
        "sort_key", "pk")


class PlotForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Mã thửa"), max_length=40,
                           error_messages={"required": gettext_lazy("Nhập mã thửa, ví dụ «T01» (duy nhất trong hợp "
                                                                    "tác xã).")})
    name = forms.CharField(label=gettext_lazy("Tên thửa, khu"), max_length=200, required=False)
    member = forms.ModelChoiceField(label=gettext_lazy("Thành viên canh tác"), queryset=None, required=False,
                                    empty_label=gettext_lazy("— hợp tác xã canh tác —"))
    unit = forms.ModelChoiceField(label=gettext_lazy("Xã"), queryset=None,
                                  error_messages={"required": gettext_lazy("Chọn xã nơi có thửa đất.")})
    area_m2 = forms.DecimalField(label=gettext_lazy("Diện tích (m²)"), min_value=1, max_digits=12, decimal_places=1,
                                 error_messages={"required": gettext_lazy("Nhập diện tích thửa (m²), ví dụ 5000."),
                                                 "invalid": gettext_lazy("Diện tích là một số (m²), ví dụ 5000.")})
    crop = forms.CharField(label=gettext_lazy("Cây trồng, vật nuôi"), max_length=200,
                           error_messages={"required": gettext_lazy("Nhập cây trồng, ví dụ «Chè Trung du».")})
    season = forms.CharField(label=gettext_lazy("Mùa vụ"), max_length=100, required=False)
    growing_area_code = forms.CharField(label=gettext_lazy("Mã số vùng trồng"), max_length=60, required=False)
    geometry_text = forms.CharField(
        label=gettext_lazy("Vị trí, ranh giới (GeoJSON)"), required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=gettext_lazy("Dán GeoJSON một điểm (Point) hoặc vùng (Polygon, MultiPolygon), tọa độ [kinh độ, vĩ "
                               "độ]; để trống nếu chưa có."))
    geometry_file = forms.FileField(
        label=gettext_lazy("hoặc tải tệp .geojson"), required=False,
        help_text=gettext_lazy("Tệp GeoJSON tối đa 512 KB; thay cho nội dung đã dán."))

    def __init__(self, *args, cooperative: Cooperative, plot: Plot | None = None, **kwargs):
        self.cooperative, self.plot, self.geometry = cooperative, plot, None
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = cooperative.members.order_by("name", "pk")
        self.fields["unit"].queryset = _communes(cooperative)

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        taken = self.cooperative.plots.filter(code=code)
        if self.plot is not None:
            taken = taken.exclude(pk=self.plot.pk)
        if taken.exists():
            raise forms.ValidationError(_("Mã thửa «%(code)s» đã có trong hợp tác xã; chọn mã khác.") % {"code": code})
        return code

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("geometry_file"), (cleaned.get("geometry_text") or "").strip()
        if upload is not None:
            if upload.size > MAX_GEOJSON_FILE:
                self.add_error("geometry_file", _("Tệp «%(name)s» lớn quá 512 KB; đơn giản hóa ranh giới rồi tải "
                                                  "lại.") % {"name": upload.name})
                return cleaned
            text = upload.read(MAX_GEOJSON_FILE + 1)
            field = "geometry_file"
        else:
            field = "geometry_text"
        if text:
            try:
                self.geometry = plots.parse(text)
            except plots.GeometryError as error:
                self.add_error(field, str(error))
        return cleaned

    def values(self) -> dict:
        keep = ("code", "name", "member", "unit", "area_m2", "crop", "season", "growing_area_code")
        return {**{k: self.cleaned_data[k] for k in keep}, "geometry": self.geometry}


class CertificationForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Loại chứng nhận"), choices=CertificationKind.choices,
                             error_messages={"invalid_choice": gettext_lazy("Chọn loại chứng nhận trong danh "
                                                                            "sách.")})
    number = forms.CharField(label=gettext_lazy("Số giấy chứng nhận"), max_length=80,
                             error_messages={"required": gettext_lazy("Nhập số giấy chứng nhận.")})
    certifier = forms.CharField(label=gettext_lazy("Tổ chức chứng nhận"), max_length=300,
                                error_messages={"required": gettext_lazy("Nhập tên tổ chức chứng nhận.")})
    scope = forms.CharField(label=gettext_lazy("Phạm vi chứng nhận"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    plots = forms.ModelMultipleChoiceField(label=gettext_lazy("Thửa được chứng nhận"), queryset=None,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    ocop_product = forms.ModelChoiceField(label=gettext_lazy("Sản phẩm OCOP"), queryset=None, required=False,
                                          empty_label=gettext_lazy("— không —"))
    issued_on = forms.DateField(label=gettext_lazy("Ngày cấp"), widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"required": gettext_lazy("Nhập ngày cấp."),
                                                "invalid": gettext_lazy("Ngày cấp ghi dạng 2025-08-15.")})
    valid_until = forms.DateField(label=gettext_lazy("Hiệu lực đến"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"invalid": gettext_lazy("Ngày hết hạn ghi dạng 2028-08-15.")})
    scan = forms.FileField(label=gettext_lazy("Bản chụp (PDF, PNG, JPEG; tối đa 10 MB)"), required=False)

    def __init__(self, *args, cooperative: Cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plots"].queryset = cooperative.plots.order_by("code")
        self.fields["ocop_product"].queryset = certifications.ocop_products(cooperative)
        self.fields["ocop_product"].help_text = _(
            "Các sản phẩm OCOP của chủ thể có mã hợp tác xã «%(code)s».") % {"code": cooperative.registration_code}

    def clean_scan(self):
        upload = self.cleaned_data.get("scan")
        if upload:
            try:
                certifications.check_scan(upload)
            except filetypes.FileRejected as error:
                raise forms.ValidationError(str(error)) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        issued, until = cleaned.get("issued_on"), cleaned.get("valid_until")
        if issued and until and until < issued:
            self.add_error("valid_until", _("Ngày hết hạn trước ngày cấp; kiểm tra lại hai ngày."))
        if cleaned.get("kind") == CertificationKind.OCOP and not cleaned.get("ocop_product") \
                and self.fields["ocop_product"].queryset.exists():
            self.add_error("ocop_product", _("Chứng nhận OCOP: chọn sản phẩm OCOP được công nhận."))
        return cleaned


# --- pages ----------------------------------------------------------------------------------------------------------

def _visible(request, pk: int) -> Cooperative:
    return get_object_or_404(scope.cooperatives(request.user).select_related("unit"), pk=pk)


def _manages(request, cooperative: Cooperative) -> bool:
    return scope.managed(request.user).filter(pk=cooperative.pk).exists()


def _refused(request, message: str) -> HttpResponse:
    return render(request, "coops/plot_refused.html", {"message": message}, status=403)


@login_required
@require_GET
def plot_list(request, pk: int):
    cooperative = _visible(request, pk)
    rows = []
    for plot in cooperative.plots.select_related("member", "unit").prefetch_related("certifications"):
        geometry = plots.describe(plot)
        rows.append((plot, geometry, plots.area_warning(geometry, plot.area_m2)))
    return render(request, "coops/plot_list.html", {
        "cooperative": cooperative, "rows": rows, "may_edit": _manages(request, cooperative),
        "total_area": sum(p.area_m2 for p, _g, _w in rows)})


@login_required
@require_http_methods(["GET", "POST"])
def plot_form(request, pk: int, plot_id: int | None = None):
    cooperative = _visible(request, pk)
    plot = get_object_or_404(cooperative.plots, pk=plot_id) if plot_id is not None else None
    if not _manages(request, cooperative):
        return _refused(request, _("Bạn chỉ được xem hợp tác xã «%(name)s»: chỉ tài khoản của hợp tác xã và cơ quan "
                                   "quản lý hợp tác xã của địa bàn được sửa thửa đất.") % {"name": cooperative.name})
    initial = {}
    if plot is not None:
        initial = {**plots.snapshot(plot), "unit": plot.unit_id, "member": plot.member_id,
                   "area_m2": plot.area_m2, "geometry_text": plots.json.dumps(plot.geometry) if plot.geometry else ""}
    form = PlotForm(request.POST or None, request.FILES or None, cooperative=cooperative, plot=plot, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = plots.save_plot(cooperative, form.values(), user=request.user, plot=plot)
        except plots.Refused as error:
            return _refused(request, error.message)
        messages.success(request, _("Đã lưu thửa «%(code)s».") % {"code": saved.code})
        warning = plots.area_warning(form.geometry, saved.area_m2)
        if warning:
            messages.warning(request, warning)
        return redirect(reverse("coops_plots", args=[cooperative.pk]))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "coops/plot_form.html", {"cooperative": cooperative, "plot": plot, "form": form},
                  status=status)


@login_required
@require_GET
def certification_list(request, pk: int):
    cooperative = _visible(request, pk)
    today = timezone.localdate()
    rows = cooperative.certifications.select_related("ocop_product").prefetch_related("plots")
    return render(request, "coops/certification_list.html", {
        "cooperative": cooperative, "rows": rows, "today": today, "may_edit": _manages(request, cooperative),
        "soon": today + certifications.dt.timedelta(days=certifications.NOTICE_DAYS)})


@login_required
@require_http_methods(["GET", "POST"])
def certification_form(request, pk: int, certification_id: int | None = None):
    cooperative = _visible(request, pk)
    certification = (get_object_or_404(cooperative.certifications, pk=certification_id)
                     if certification_id is not None else None)
    if not _manages(request, cooperative):
        return _refused(request, _("Bạn chỉ được xem hợp tác xã «%(name)s»: chỉ tài khoản của hợp tác xã và cơ quan "
                                   "quản lý hợp tác xã của địa bàn được sửa chứng nhận.") % {"name": cooperative.name})
    initial = {}
    if certification is not None:
        initial = {**certifications.snapshot(certification), "plots": list(certification.plots.all()),
                   "ocop_product": certification.ocop_product_id}
    form = CertificationForm(request.POST or None, request.FILES or None, cooperative=cooperative, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "scan"}
        try:
            saved = certifications.save_certification(cooperative, values, user=request.user,
                                                      certification=certification,
                                                      scan=form.cleaned_data.get("scan") or None)
        except plots.Refused as error:
            return _refused(request, error.message)
        messages.success(request, _("Đã lưu chứng nhận «%(name)s».") % {"name": str(saved)})
        return redirect(reverse("coops_certifications", args=[cooperative.pk]))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "coops/certification_form.html",
                  {"cooperative": cooperative, "certification": certification, "form": form}, status=status)


@login_required
@require_GET
def certification_scan(request, pk: int, certification_id: int):
    cooperative = _visible(request, pk)
    certification = get_object_or_404(Certification, pk=certification_id, cooperative=cooperative)
    if not certification.scan:
        raise Http404(_("Chứng nhận này chưa có bản chụp."))
    handle = certification.scan.open("rb")
    kind = filetypes.kind_of(handle, certifications.SCAN_KINDS)
    if kind is None:
        handle.close()
        raise Http404(_("Bản chụp đã lưu không đọc được; tải lại bản chụp."))
    handle.seek(0)
    return filetypes.served(handle, kind.content_type, f"chung-nhan-{certification.pk}{kind.extension}",
                            as_attachment=False)
