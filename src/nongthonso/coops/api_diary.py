"""Production diaries over the REST API (``registry.ApiRouter("coops_diary", router)``, under /api/coops/diary/):
the batch sync the diary page uses (``sync.sync``, the same function: per entry stored / duplicate / conflict /
invalid) and the entries of the cycles the caller keeps (``diary.entries``: a co-operative's managers, offices with
``manage_coops``). Token or session, the API's one error format."""

from __future__ import annotations

from typing import Any

from ninja import Field, Query, Router, Schema

from nongthonso.api.errors import ApiError
from nongthonso.api.schemas import (
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    OFFSET_HELP,
    BodyIn,
    PageMeta,
    page,
    responses,
)

from . import diary, sync
from .models import DiaryEntry, EntryKind

router = Router(tags=["Nhật ký sản xuất"])


class DiarySyncIn(BodyIn):
    entries: list[dict[str, Any]] = Field(
        description="các dòng nhật ký chờ gửi: client_id (UUID do điện thoại tạo), cycle (mã vụ), version (phiên bản "
                    "đã sửa, null nếu là dòng mới), kind, date (YYYY-MM-DD), input_name, dose, dose_unit, phi_days, "
                    "quantity, quantity_unit, note, recorded_at")


class DiaryAnswer(Schema):
    client_id: str
    status: str = Field(description="stored | duplicate | conflict | invalid")
    message: str
    id: int | None = None
    version: int | None = None
    errors: dict[str, str] | None = None
    server: dict[str, Any] | None = Field(None, description="bản trên máy chủ (khi đã lưu hoặc xung đột)")


class DiarySyncOut(Schema):
    results: list[DiaryAnswer]


class DiaryEntryOut(Schema):
    id: int
    client_id: str
    cycle: int
    plot: str
    kind: str
    date: str
    input_name: str
    dose: str | None
    dose_unit: str
    phi_days: int | None
    quantity: str | None
    quantity_unit: str
    note: str
    version: int
    synthetic: bool


class DiaryEntryPage(PageMeta):
    items: list[DiaryEntryOut]


@router.post("/coops/diary/sync", response=responses(DiarySyncOut), summary="Đồng bộ nhật ký sản xuất ghi ngoại tuyến")
def sync_diary(request, payload: DiarySyncIn):
    """Như trang nhật ký khi có mạng trở lại: mỗi dòng được trả lời stored (đã lưu), duplicate (đã lưu trước đó, cùng
    client_id), conflict (đã bị sửa trên máy chủ, hoặc vi phạm thời gian cách ly: kèm bản trên máy chủ và lý do) hoặc
    invalid (thông báo lỗi). Tối đa ``COOPS_DIARY_SYNC_MAX`` dòng một lần (422 ``batch``)."""
    if len(payload.entries) > sync.max_entries():
        raise ApiError(422, "batch", f"Gói có {len(payload.entries)} dòng, quá {sync.max_entries()} dòng một lần. "
                                     "Gửi thành nhiều lần.")
    return {"results": sync.sync(request.auth, payload.entries)}


def _entry(e: DiaryEntry) -> dict:
    out = diary.snapshot(e)
    return {**out, "id": e.pk, "plot": e.cycle.plot.code, "synthetic": e.synthetic}


@router.get("/coops/diary/entries", response=responses(DiaryEntryPage), summary="Các dòng nhật ký sản xuất")
def list_entries(
    request,
    cycle: int | None = Query(None, ge=1, le=MAX_ID, description="chỉ các dòng của vụ này"),
    kind: EntryKind | None = Query(None, description="chỉ một loại công việc"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Các dòng nhật ký của các vụ bạn được ghi (hợp tác xã bạn quản lý), theo vụ, ngày."""
    rows = diary.entries(request.auth).select_related("cycle__plot").order_by("cycle", "date", "pk")
    if cycle is not None:
        rows = rows.filter(cycle_id=cycle)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return page(rows, limit, offset, _entry)
