"""The registration plan over the REST API (``registry.ApiRouter("foresight_plan", router)``, under
/api/foresight/plans): the plans the caller may see, one plan with its suggestions and their reasons, a plan made
(``plan.create``) and a suggestion decided (``plan.decide``) as on the pages /du-bao/ke-hoach/.

Scoped like the pages (``plan.plans`` / ``plan.suggestions``: ``view``, or ``record_decision`` to decide, over the
plan's province): a plan or suggestion the caller may not see is **404**; one they see but may not decide is **403**
``role``. A decision the plan refuses (already decided — the message names who and when —, the commune already
registered for that level and year, an edit that changes nothing) is **409** ``refused``; a plan that cannot be made
(a target unreadable, the year not after the date, no criteria set) **422** ``refused``. Writes are audited by
``plan`` (the suggestion, the registration an acceptance creates, the plan).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count
from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import ApiError, NotFound
from nongthonso.api.schemas import (
    CODE_PATTERN,
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_YEAR,
    MIN_YEAR,
    OFFSET_HELP,
    TEXT_PATTERN,
    BodyIn,
    IsoDate,
    PageMeta,
    UnitRef,
    page,
    responses,
    unit_ref,
)
from nongthonso.core.dates import default_as_of
from nongthonso.criteria.choices import COMMUNE_LEVELS

from . import plan as planning
from . import scope
from .models import Plan, PlanSuggestion

router = Router(tags=["Dự báo"])

LevelCode = Literal[tuple(str(level) for level in COMMUNE_LEVELS)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(PlanSuggestion.Status.values)]  # type: ignore[valid-type]
NOT_FOUND = "Không có kế hoạch số {pk} trong phạm vi bạn được xem (kế hoạch của tỉnh mà vai trò của bạn bao trùm)."


class PlanOut(Schema):
    id: int
    province: UnitRef
    year: int = Field(description="năm đăng ký đạt chuẩn")
    as_of: dt.date = Field(description="ngày lấy số liệu để tính")
    targets: dict = Field(description="mục tiêu theo mức: {mức: {value, share, count}}")
    summary: dict = Field(description="theo mức: số xã, đang giữ mức, mục tiêu, số xã kỳ vọng, thiếu hụt, chi phí …")
    created_by: str | None
    created_at: dt.datetime
    suggestions: dict[str, int] = Field(description="số đề xuất theo trạng thái (suggested, accepted, rejected)")


class PlanPage(PageMeta):
    items: list[PlanOut]


class SuggestionOut(Schema):
    id: int
    unit: UnitRef
    level: LevelCode = Field(description="mức đề xuất")
    edited_level: LevelCode | Literal[""] = Field(description="mức đã sửa (rỗng: chưa sửa)")
    chosen_level: LevelCode = Field(description="mức sẽ đăng ký: mức đã sửa, nếu không thì mức đề xuất")
    rank: int = Field(description="thứ tự theo chi phí cho mỗi xã kỳ vọng đạt chuẩn, trong mức")
    cost: int = Field(description="chi phí khắc phục ước tính, đồng")
    probability: float = Field(description="xác suất đạt chuẩn đến năm đăng ký theo dự báo")
    reasons: dict = Field(description="lý do: tiêu chí chưa đạt, khoảng cách chính, khả năng đạt, lời giải thích "
                                      "(text)")
    status: StatusCode
    note: str
    decided_by: str | None
    decided_at: dt.datetime | None
    registration: int | None = Field(description="số hiệu bản đăng ký đã tạo khi chấp nhận")


class PlanDetail(PlanOut):
    may_decide: bool = Field(description="bạn được quyết định các đề xuất (Văn phòng Điều phối NTM tỉnh)")
    items: list[SuggestionOut]


class PlanIn(BodyIn):
    province: str = Field(..., pattern=CODE_PATTERN, description="mã GSO của tỉnh", examples=["19"])
    as_of: IsoDate | None = Field(None, description="ngày lấy số liệu (mặc định hôm nay)")
    year: int = Field(..., ge=MIN_YEAR, le=MAX_YEAR, description="năm đăng ký đạt chuẩn, sau năm của as_of")
    targets: dict[LevelCode, str] = Field(..., description="mục tiêu theo mức: số xã («40») hoặc tỷ lệ số xã của "
                                                           "tỉnh («65%»)", examples=[{"xa_ntm": "65%"}])


class DecisionIn(BodyIn):
    decision: Literal["accept", "reject", "edit"] = Field(..., description="accept: chấp nhận (tạo bản đăng ký); "
                                                                           "reject: từ chối; edit: sửa mức")
    level: LevelCode | Literal[""] = Field("", description="mức mới (edit; accept: đăng ký ở mức này)")
    note: str = Field("", max_length=1000, pattern=TEXT_PATTERN, description="ghi chú")


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def _with_counts(plans: list[Plan]) -> list[Plan]:
    """``plans``, each with ``counts``: its suggestions by status (one query for them all)."""
    for p in plans:
        p.counts = dict.fromkeys(PlanSuggestion.Status.values, 0)
    by_pk = {p.pk: p for p in plans}
    for plan_id, status, n in (PlanSuggestion.objects.filter(plan__in=plans).order_by().values("plan_id", "status")
                               .annotate(n=Count("pk")).values_list("plan_id", "status", "n")):
        by_pk[plan_id].counts[status] = n
    return plans


def _plan(p: Plan) -> dict:
    return {"id": p.pk, "province": unit_ref(p.province), "year": p.year, "as_of": p.as_of, "targets": p.targets,
            "summary": p.summary, "created_by": _name(p.created_by), "created_at": p.created_at,
            "suggestions": p.counts}


def _suggestion(s: PlanSuggestion) -> dict:
    return {"id": s.pk, "unit": unit_ref(s.unit), "level": s.level, "edited_level": s.edited_level,
            "chosen_level": s.chosen_level, "rank": s.rank, "cost": int(s.cost), "probability": s.probability,
            "reasons": s.reasons, "status": s.status, "note": s.note, "decided_by": _name(s.decided_by),
            "decided_at": s.decided_at, "registration": s.registration_id}


def _visible(user):
    return planning.plans(user).select_related("province__unit_type__level")


def _detail(user, p: Plan) -> dict:
    rows = (p.suggestions.select_related("unit__unit_type__level", "decided_by").order_by("level", "rank"))
    return {**_plan(_with_counts([p])[0]), "may_decide": planning.plans(user, planning.DECIDE).filter(pk=p.pk).exists(),
            "items": [_suggestion(s) for s in rows]}


@router.get("/foresight/plans", response=responses(PlanPage), summary="Kế hoạch đăng ký đạt chuẩn")
def list_plans(
    request,
    province: str | None = Query(None, pattern=CODE_PATTERN, description="mã GSO của tỉnh", example="19"),
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, description="năm đăng ký đạt chuẩn"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Các kế hoạch đăng ký đạt chuẩn của các tỉnh bạn được xem, mới nhất trước."""
    rows = _visible(request.auth).select_related("created_by")
    if province:
        rows = rows.filter(province__code=province)
    if year:
        rows = rows.filter(year=year)
    return page(rows, limit, offset, _plan, prepare=_with_counts)


@router.get("/foresight/plans/{plan_id}", response=responses(PlanDetail), summary="Một kế hoạch và các đề xuất")
def get_plan(request, plan_id: int = Path(..., ge=1, le=MAX_ID, description="số hiệu kế hoạch")):
    """Kế hoạch với các đề xuất (xã, mức, thứ tự, chi phí, xác suất, lý do) và quyết định đã ghi cho từng đề xuất."""
    found = _visible(request.auth).filter(pk=plan_id).first()
    if found is None:
        raise NotFound(NOT_FOUND.format(pk=plan_id))
    return _detail(request.auth, found)


@router.post("/foresight/plans", response=responses(PlanDetail), summary="Lập kế hoạch đăng ký đạt chuẩn")
def create_plan(request, payload: PlanIn):
    """Như biểu mẫu trên trang /du-bao/ke-hoach/ (``plan.create``): chỉ Văn phòng Điều phối NTM tỉnh; tính từ số liệu
    ngày ``as_of`` các xã nên đăng ký cho năm ``year`` để tỉnh đạt mục tiêu với chi phí thấp nhất; được ghi nhật ký."""
    as_of = payload.as_of or default_as_of()
    province = next((p for p in scope.provinces(request.auth, as_of, planning.DECIDE) if p.code == payload.province),
                    None)
    if province is None:
        raise ApiError(403, "role", f"Chỉ Văn phòng Điều phối NTM tỉnh lập được kế hoạch đăng ký đạt chuẩn; tỉnh mã "
                                    f"«{payload.province}» không thuộc phạm vi bạn phụ trách ngày "
                                    f"{as_of:%d/%m/%Y}.")
    try:
        targets = {level: target for level, text in payload.targets.items()
                   if (target := planning.parse_target(text, level)) is not None}
        made = planning.create(request.auth, province, as_of, payload.year, targets)
    except planning.PlanRefused as exc:
        raise ApiError(422, "refused", str(exc)) from None
    return _detail(request.auth, _visible(request.auth).get(pk=made.pk))


@router.post("/foresight/plans/{plan_id}/suggestions/{suggestion_id}", response=responses(SuggestionOut),
             summary="Quyết định một đề xuất: chấp nhận, sửa mức, từ chối")
def decide_suggestion(request, payload: DecisionIn,
                      plan_id: int = Path(..., ge=1, le=MAX_ID, description="số hiệu kế hoạch"),
                      suggestion_id: int = Path(..., ge=1, le=MAX_ID, description="số hiệu đề xuất")):
    """Như các nút trên trang kế hoạch (``plan.decide``): chấp nhận tạo bản đăng ký đạt chuẩn; sửa mức giữ đề xuất chờ
    quyết định; từ chối. Chỉ Văn phòng Điều phối NTM tỉnh (403 ``role``); mỗi đề xuất được quyết định một lần (409
    ``refused`` nói ai đã quyết định, lúc nào); được ghi nhật ký."""
    user = request.auth
    if not planning.plans(user).filter(pk=plan_id).exists():
        raise NotFound(NOT_FOUND.format(pk=plan_id))
    if not planning.suggestions(user, planning.DECIDE).filter(pk=suggestion_id, plan_id=plan_id).exists():
        if planning.suggestions(user).filter(pk=suggestion_id, plan_id=plan_id).exists():
            raise ApiError(403, "role", "Chỉ Văn phòng Điều phối NTM tỉnh được quyết định các đề xuất đăng ký.")
        raise NotFound(f"Không có đề xuất số {suggestion_id} trong kế hoạch số {plan_id}.")
    try:
        done = planning.decide(user, suggestion_id, payload.decision, level=payload.level, note=payload.note)
    except planning.PlanRefused as exc:
        raise ApiError(409, "refused", str(exc)) from None
    except ObjectDoesNotExist:
        raise NotFound(f"Không có đề xuất số {suggestion_id} trong kế hoạch số {plan_id}.") from None
    return _suggestion(PlanSuggestion.objects.select_related("unit__unit_type__level", "decided_by").get(pk=done.pk))
