"""``nongthonso import plots FILE [--dry-run]`` (ImportKind ``plots``): the plots of co-operatives, all or nothing.

One row a plot, keyed by the co-operative's registration code and the plot's code: a new pair creates the plot, a
known one updates it. The geometry is a GeoJSON text (``geometry``) or a point from ``lat`` and ``lon``; it is checked
as on the page (``plots.parse``: type, validity, inside Vietnam). Every row is checked first and every error reported
(Vietnamese, naming the row and the column); nothing is written unless there are none. A drawn area more than 20 %
off the declared one is a warning (the result's messages), not an error. Through the pages and the API the importing
user must manage the co-operative (``scope.managed``); the command line is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nongthonso.core.imports import (
    PREVIEW_CHANGES,
    Change,
    ErrorList,
    ImportFailed,
    ImportResult,
    Progress,
    RowError,
    TableFile,
    unique_rows,
)
from nongthonso.units.models import Unit

from . import plots, scope
from .models import Cooperative, Member, Plot

KIND = "plots"
REQUIRED = ("cooperative_code", "plot_code", "commune_code", "area_m2", "crop")
OPTIONAL = ("plot_name", "member_code", "season", "growing_area_code", "geometry", "lat", "lon")
LABELS = {"cooperative_code": "Mã hợp tác xã", "plot_code": "Mã thửa", "commune_code": "Mã xã",
          "area_m2": "Diện tích (m2)", "crop": "Cây trồng", "plot_name": "Tên thửa", "member_code": "Mã thành viên",
          "season": "Mùa vụ", "growing_area_code": "Mã số vùng trồng", "geometry": "Ranh giới (GeoJSON)",
          "lat": "Vĩ độ", "lon": "Kinh độ"}
COLUMNS_HELP = _("cooperative_code (mã số đăng ký hợp tác xã), plot_code, commune_code (mã GSO xã), area_m2, crop; "
                 "tuỳ chọn: plot_name, member_code, season, growing_area_code, geometry (GeoJSON Point, Polygon "
                 "hoặc MultiPolygon, tọa độ [kinh độ, vĩ độ]) hoặc lat và lon (một điểm). Thửa đã có (cùng hợp tác "
                 "xã, cùng mã thửa) được cập nhật.")
NOBODY = ("Chỉ tài khoản quản lý hợp tác xã và cơ quan quản lý hợp tác xã được nhập thửa đất. Gửi tệp cho hợp tác xã "
          "hoặc cán bộ quản lý của địa bàn.")


def may_import(user) -> bool:
    return scope.managed(user).exists()


@dataclass
class _Row:
    n: int
    cooperative: Cooperative
    code: str
    values: dict


class _Lookup:
    def __init__(self, user):
        self.managed = None if user is None else set(scope.managed(user).values_list("pk", flat=True))
        self.cooperatives: dict[str, Cooperative | None] = {}
        self.units: dict[str, Unit | None] = {}
        self.today = timezone.localdate()

    def cooperative(self, code: str) -> Cooperative | None:
        if code not in self.cooperatives:
            self.cooperatives[code] = Cooperative.objects.filter(registration_code=code).select_related("unit").first()
        return self.cooperatives[code]

    def commune(self, code: str) -> Unit | None:
        if code not in self.units:
            self.units[code] = (Unit.objects.valid_on(self.today).at_level("xa").filter(code=code).first())
        return self.units[code]


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None


def _geometry(n: int, raw: dict, add) -> plots.Geometry | None:
    text, lat, lon = raw.get("geometry", ""), raw.get("lat", ""), raw.get("lon", "")
    if text and (lat or lon):
        add(RowError(n, "geometry", "", "ghi ranh giới GeoJSON hoặc vĩ độ, kinh độ — không cả hai. Xóa một bên."))
        return None
    try:
        if text:
            return plots.parse(text)
        if lat or lon:
            y, x = _number(lat), _number(lon)
            if y is None or x is None:
                add(RowError(n, "lat" if y is None else "lon", lat if y is None else lon,
                             "vĩ độ và kinh độ là số thập phân, ví dụ 21.59 và 105.85."))
                return None
            return plots.point(float(y), float(x))
    except plots.GeometryError as error:
        add(RowError(n, "geometry" if text else "lat", text[:60] if text else lat, str(error)))
    return None


def _parse(n: int, raw: dict, lookup: _Lookup, errors: ErrorList) -> _Row | None:
    found: list[RowError] = []
    code = raw["cooperative_code"]
    cooperative = lookup.cooperative(code) if code else None
    if cooperative is None:
        found.append(RowError(n, "cooperative_code", code, "không có hợp tác xã mã số này. Ghi mã số đăng ký hợp "
                                                          "tác xã như trong danh sách hợp tác xã."))
    elif lookup.managed is not None and cooperative.pk not in lookup.managed:
        found.append(RowError(n, "cooperative_code", code, f"bạn không quản lý hợp tác xã «{cooperative.name}». Bỏ "
                                                          "dòng này, hoặc gửi cho hợp tác xã đó."))
        cooperative = None
    plot_code = raw["plot_code"]
    if not plot_code or len(plot_code) > 40:
        found.append(RowError(n, "plot_code", plot_code, "ghi mã thửa (tối đa 40 ký tự), ví dụ T01."))
    unit = lookup.commune(raw["commune_code"]) if raw["commune_code"] else None
    if unit is None:
        found.append(RowError(n, "commune_code", raw["commune_code"], "không có xã, phường mã này còn hiệu lực hôm "
                                                                     "nay. Ghi mã GSO (5 chữ số) theo địa giới hiện "
                                                                     "hành."))
    area = _number(raw["area_m2"])
    if area is None or area <= 0 or area >= Decimal("1e11"):
        found.append(RowError(n, "area_m2", raw["area_m2"], "diện tích là số m² lớn hơn 0, ví dụ 5000."))
    if not raw["crop"]:
        found.append(RowError(n, "crop", "", "ghi cây trồng, vật nuôi, ví dụ «Chè Trung du»."))
    for column, limit in (("plot_name", 200), ("season", 100), ("growing_area_code", 60), ("crop", 200)):
        if len(raw.get(column, "")) > limit:
            found.append(RowError(n, column, raw[column][:60], f"dài quá {limit} ký tự; rút gọn."))
    member = None
    if raw.get("member_code") and cooperative is not None:
        member = Member.objects.filter(cooperative=cooperative, code=raw["member_code"]).first()
        if member is None:
            found.append(RowError(n, "member_code", raw["member_code"], f"hợp tác xã «{cooperative.name}» không có "
                                                                       "thành viên mã này. Kiểm tra mã thành viên."))
    geometry = _geometry(n, raw, found.append)
    for error in found:
        errors.add(error)
    if found:
        return None
    values = {"name": raw.get("plot_name", ""), "member": member, "unit": unit, "area_m2": area.quantize(
        Decimal("0.1")), "crop": raw["crop"], "season": raw.get("season", ""),
        "growing_area_code": raw.get("growing_area_code", ""), "geometry": geometry}
    return _Row(n, cooperative, plot_code, values)


def _same(plot: Plot, values: dict) -> bool:
    geometry = values["geometry"].geojson if values["geometry"] else None
    return all(getattr(plot, k) == v for k, v in values.items() if k != "geometry") and plot.geometry == geometry


def run(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
        progress: Progress | None = None) -> ImportResult:
    """Import plots, all or nothing. Raises ImportFailed with every error."""
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", NOBODY)])
    table = TableFile(path, REQUIRED, OPTIONAL, name=name, labels=LABELS, verbatim=("geometry",))
    lookup, errors = _Lookup(user), ErrorList()
    rows = unique_rows(table, lambda n, raw: _parse(n, raw, lookup, errors),
                       lambda row: (row.cooperative.pk, row.code), column="plot_code",
                       same="hợp tác xã và mã thửa", errors=errors, progress=progress)
    existing = {(p.cooperative_id, p.code): p for p in Plot.objects.filter(
        cooperative__in={r.cooperative.pk for r in rows}, code__in={r.code for r in rows})}
    result = ImportResult(dry_run=dry_run)
    plans = []
    for row in rows:
        plot = existing.get((row.cooperative.pk, row.code))
        warning = plots.area_warning(row.values["geometry"], row.values["area_m2"])
        if warning:
            result.messages.append(f"Dòng {row.n} (thửa {row.code}): {warning}")
        if plot is not None and _same(plot, row.values):
            result.unchanged += 1
            continue
        result.created += plot is None
        result.updated += plot is not None
        plans.append((row, plot))
        if len(result.changes) < PREVIEW_CHANGES:
            result.changes.append(Change(row.n, "create" if plot is None else "update",
                                         f"{row.cooperative.name} · thửa {row.code} · {row.values['crop']}"))
    if dry_run:
        return result
    with transaction.atomic():
        for row, plot in plans:
            plots.save_plot(row.cooperative, {"code": row.code, **row.values}, user=user, plot=plot, check=False)
    return result
