"""The forecast over the REST API (``registry.ApiRouter("foresight_forecast", router)``, under /api/foresight/):
``GET /api/foresight/forecast?unit=CODE&year=YYYY[&level=L][&target=2030=65%]`` — what ``nongthonso forecast
--format json`` prints, for the communes within the caller's scope (a unit outside it is 404, never 403)."""

from __future__ import annotations

from typing import Literal

from django.utils import timezone
from ninja import Query, Router

from nongthonso.api.errors import ApiError, NotFound
from nongthonso.api.schemas import CODE_PATTERN, responses
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level

from .forecast import LAST_YEAR, ForecastError, NotVisible, for_user

router = Router(tags=["Dự báo"])

LevelCode = Literal[tuple(str(level) for level in COMMUNE_LEVELS)]  # type: ignore[valid-type]


@router.get("/foresight/forecast", response=responses(dict),
            summary="Dự báo khả năng xã đạt chuẩn đến một năm và số xã đạt chuẩn kỳ vọng của tỉnh")
def foresight_forecast(
    request,
    unit: str = Query(..., pattern=CODE_PATTERN, description="mã GSO của xã, huyện hoặc tỉnh", example="19"),
    year: int = Query(LAST_YEAR, ge=2000, le=2100, description="năm dự báo (sau năm hiện tại)", example=2030),
    level: LevelCode = Query(Level.XA_NTM, description="mức đạt chuẩn"),
    target: list[str] = Query([], max_length=10, description="chỉ tiêu của tỉnh: NĂM=SỐ_XÃ hoặc NĂM=TỶ_LỆ%",
                              example=["2030=65%"]),
):
    """Xác suất mỗi xã (trong phạm vi bạn được xem) đạt chuẩn đến năm hỏi, số tiêu chí đạt kỳ vọng, các chỉ tiêu
    còn thiếu chính; số xã đạt chuẩn kỳ vọng của tỉnh theo năm so với chỉ tiêu. Số liệu tính lại mỗi lần từ giá trị
    chỉ tiêu đã lưu."""
    try:
        return for_user(request.auth, unit, year, level, today=timezone.localdate(), targets=target)
    except NotVisible as exc:
        raise NotFound(str(exc)) from exc
    except ForecastError as exc:
        raise ApiError(422, "invalid", str(exc)) from exc
