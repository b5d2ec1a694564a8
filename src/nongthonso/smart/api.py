"""The smart-NTM endpoints, added to the one API (``core.registry.ApiRouter``): the progress of a province's
digital-transformation targets for a year, computed as the page computes it (``progress``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from ninja import Field, Query, Router, Schema

from nongthonso.api.errors import NotFound
from nongthonso.api.schemas import CODE_PATTERN, MAX_YEAR, MIN_YEAR, responses
from nongthonso.core.registry import ExportRequest
from nongthonso.dataio.exports import NothingFound

from .exports import province_for
from .models import period_end
from .progress import default_year, progress

router = Router(tags=["Nông thôn mới thông minh"])


class SmartTargetOut(Schema):
    code: str
    programme: str
    pillar: Literal["government", "economy", "society", "pilots"]
    label: str
    level: Literal["tinh", "huyen", "xa"] = Field(description="cấp đơn vị mục tiêu tính: tinh, huyen, xa")
    kind: Literal["indicator", "training_coverage", "pilots", "entered"] = Field(
        description="cách tính: indicator (kết quả đánh giá một chỉ tiêu), training_coverage (tập huấn), pilots "
                    "(số mô hình thí điểm), entered (số liệu các đơn vị nhập)")
    comparator: Literal[">=", "<="]
    target: float = Field(description="chỉ tiêu (tỷ lệ % hoặc số mô hình, theo value_unit)")
    value_unit: Literal["percent", "count"]
    deadline: dt.date
    provenance: Literal["quoted", "secondary", "placeholder", "province"] = Field(
        description="nguồn chỉ tiêu: trích văn bản, nguồn thứ cấp, tạm đặt, tỉnh bổ sung")
    source: str
    value: float | None = Field(description="giá trị đạt được (None: chưa có số liệu hoặc chưa tính được)")
    numerator: int | None
    denominator: int | None
    status: Literal["met", "not_met", "no_data", "not_computable"]
    met: bool | None
    gap: float | None = Field(description="còn thiếu so với chỉ tiêu (0 khi đã đạt)")
    units_total: int = Field(description="số đơn vị mục tiêu tính")
    units_with_data: int = Field(description="số đơn vị có số liệu (hồ sơ, số liệu nhập, số cán bộ)")
    basis: str = Field(description="số liệu lấy từ đâu, tính thế nào")
    note: str


class SmartProgrammeOut(Schema):
    code: str
    short_name: str
    name: str
    legal_basis: str
    province: str = Field(description="mã tỉnh ban hành; rỗng: chương trình quốc gia")
    verified: bool = Field(description="false: chỉ tiêu lấy từ bản tóm tắt, chưa đối chiếu nguyên văn")
    source: str
    targets: list[SmartTargetOut]


class SmartProvinceOut(Schema):
    code: str
    name: str


class SmartTargetsOut(Schema):
    province: SmartProvinceOut
    year: int
    as_of: dt.date = Field(description="ngày số liệu được tính: 31/12 của năm, hoặc hôm nay nếu là năm nay")
    programmes: list[SmartProgrammeOut]


@router.get("/smart/targets", response=responses(SmartTargetsOut),
            summary="Tiến độ các mục tiêu chuyển đổi số, hướng tới nông thôn mới thông minh")
def list_smart_targets(
    request,
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, example=2023,
                             description="năm (mặc định: năm gần nhất đến nay có chương trình áp dụng)"),
    province: str | None = Query(None, pattern=CODE_PATTERN,
                                 description="mã GSO của tỉnh (mặc định tỉnh của hệ thống)", example="19"),
):
    """Mỗi mục tiêu của các chương trình áp dụng cho tỉnh trong năm (QĐ 924/QĐ-TTg, kế hoạch của tỉnh): chỉ tiêu, giá
    trị đạt được tính từ dữ liệu gốc (hồ sơ đánh giá, số liệu nhập, tập huấn, mô hình thí điểm), đạt hay chưa, còn
    thiếu bao nhiêu, nguồn. Chỉ các tỉnh có đơn vị bạn được giao (ngoài phạm vi: 404)."""
    year = year or default_year()
    try:
        unit, year = province_for(ExportRequest(unit=province or settings.HOME_PROVINCE, year=year,
                                                user=request.auth))
    except NothingFound as exc:
        raise NotFound(str(exc)) from None
    return {
        "province": {"code": unit.code, "name": unit.name}, "year": year, "as_of": period_end(year),
        "programmes": [{"code": pp.programme.code, "short_name": pp.programme.short_name,
                        "name": pp.programme.name, "legal_basis": pp.programme.legal_basis,
                        "province": pp.programme.province_code, "verified": pp.programme.verified,
                        "source": pp.programme.source, "targets": [p.to_dict() for p in pp.targets]}
                       for pp in progress(unit, year)],
    }
