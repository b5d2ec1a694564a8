"""The maps over the REST API (``registry.ApiRouter("maps", router)``, under /api/maps/): the layers the caller may
draw, a layer's GeoJSON FeatureCollection as of a date — the very data of the map page (``data.layer_geojson``,
cached per data revision) — and the boundary of one unit version.

Scoped as the map page is (``data.scope_of``: the dashboards' scope): the unit drawn is the caller's province or
district, or the unit above their commune (published figures then); a unit outside it, an unknown layer or unit is
**404** with a Vietnamese message; a date that is not ``YYYY-MM-DD`` is **400** ``invalid_date``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import HttpResponse
from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import ERROR_STATUSES, ApiError, Error, NotFound
from nongthonso.api.schemas import CODE_PATTERN, responses
from nongthonso.core.dates import default_as_of

from . import data

router = Router(tags=["Bản đồ"])
AS_OF_HELP = "ngày xem bản đồ, NĂM-THÁNG-NGÀY (mặc định hôm nay)"


class LegendOut(Schema):
    label: str
    color: str = Field(description="màu, dạng #rrggbb")
    value: Any = Field(None, description="(lớp phân loại) mã giá trị của lớp màu")
    low: float | None = Field(None, description="(lớp số) cận dưới, gồm cả cận")
    high: float | None = Field(None, description="(lớp số) cận trên, không gồm; null: không giới hạn")


class ChoiceOut(Schema):
    code: str
    label: str


class LayerOut(Schema):
    key: str
    label: str
    kind: str = Field(description="category (phân loại) hoặc number (số)")
    public: bool = Field(description="có trên bản đồ công khai (chỉ số liệu đã công bố)")
    rural_only: bool = Field(description="chỉ các xã (phường, thị trấn vẽ màu trơn, không có giá trị)")
    legend: list[LegendOut] = Field(description="chú giải cố định; rỗng khi chú giải tùy số liệu (xem dữ liệu lớp)")
    choices: list[ChoiceOut] = Field(description="các lựa chọn của lớp (tham số choice), ví dụ các chỉ tiêu")


def _as_of(raw: str | None) -> dt.date:
    if not raw:
        return default_as_of()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise ApiError(400, "invalid_date", f"Ngày «{raw[:40]}» (tham số as_of) không hợp lệ; ghi ngày dạng "
                                        "NĂM-THÁNG-NGÀY, ví dụ 2023-06-30.")


def _refused(exc: data.MapRefused) -> NotFound:
    return NotFound(str(exc))


@router.get("/maps/layers", response=responses(list[LayerOut]), summary="Các lớp bản đồ bạn được xem")
def list_map_layers(request, as_of: str | None = Query(None, description=AS_OF_HELP, example="2023-06-30")):
    """Các lớp bản đồ (mức đạt chuẩn, tỷ lệ tiêu chí, một chỉ tiêu, đăng ký, sản phẩm OCOP, hợp tác xã …) bạn được
    xem: mã (dùng trong /api/maps/layers/{key}), tên, loại, chú giải, các lựa chọn vào ngày ``as_of``."""
    day = _as_of(as_of)
    return [{"key": layer.code, "label": str(layer.label), "kind": layer.kind, "public": layer.public,
             "rural_only": layer.rural_only,
             "legend": [{"label": str(e.label), "color": e.color, "value": e.value, "low": e.low, "high": e.high}
                        for e in layer.legend],
             "choices": [{"code": code, "label": label} for code, label in
                         (layer.choices(day) if layer.choices is not None else [])]}
            for layer in data.layers_for(request, public=False)]


@router.get("/maps/layers/{key}", response={ERROR_STATUSES: Error}, summary="Dữ liệu một lớp bản đồ (GeoJSON)",
            openapi_extra={"responses": {200: {"description": "GeoJSON FeatureCollection", "content": {
                "application/geo+json": {"schema": {"type": "object"}}}}}})
def map_layer_data(request, key: str = Path(..., pattern=CODE_PATTERN, example="level"),
                   as_of: str | None = Query(None, description=AS_OF_HELP, example="2023-06-30"),
                   unit: str | None = Query(None, pattern=CODE_PATTERN, description="mã GSO của đơn vị vẽ (trong "
                                            "phạm vi của bạn; mặc định như bảng điều khiển)", example="19"),
                   choice: str = Query("", max_length=data.MAX_CHOICE, description="lựa chọn của lớp (ví dụ mã chỉ "
                                       "tiêu của lớp «indicator»)")):
    """GeoJSON FeatureCollection của lớp ``key`` ngày ``as_of``, đúng dữ liệu trang bản đồ: mỗi xã (phường, thị
    trấn) còn hiệu lực thuộc đơn vị vẽ với ranh giới đơn giản hóa (hoặc một điểm), giá trị, lời, màu, đường dẫn
    phiếu đánh giá; kèm chú giải, đơn vị vẽ, số xã chưa có ranh giới (``missing``)."""
    day = _as_of(as_of)
    try:
        body = data.layer_geojson(request, key, day, choice, public=False)
    except data.MapRefused as exc:
        raise _refused(exc) from None
    return HttpResponse(body, content_type="application/geo+json; charset=utf-8")


@router.get("/maps/shapes/{unit_code}", response=responses(dict), summary="Ranh giới một phiên bản đơn vị (GeoJSON)")
def map_shape(request, unit_code: str = Path(..., pattern=CODE_PATTERN, example="05569"),
              as_of: str | None = Query(None, description=AS_OF_HELP, example="2026-06-30")):
    """Ranh giới (như tệp tải lên) của phiên bản đơn vị mã ``unit_code`` còn hiệu lực ngày ``as_of``, dạng GeoJSON
    Feature: diện tích, khung bao, tâm, nguồn, có phải hình minh họa; chỉ các đơn vị trên bản đồ bạn được xem."""
    try:
        return data.shape_feature(request, unit_code, _as_of(as_of))
    except data.MapRefused as exc:
        raise _refused(exc) from None
