"""Assessments (dossiers): list and read within the user's units, enter values, take workflow steps.

Reads go through ``Assessment.objects.restrict(user, "view")``: a dossier outside the user's units is 404,
as on the web. Writes first load the dossier the same way, then require ``restrict(…, action)`` (the role
may do this here; otherwise 403 with ``accounts.services.refusal``'s message), and then call the domain
service (``set_value`` / ``workflow.perform``), which checks role, unit and state once more inside its
transaction and refuses a locked dossier (409). Nothing here decides permissions on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Body, Field, Path, Query, Router, Schema

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import refusal, restrict, scope_key
from nongthonso.assessments.carry import confirm_values
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.assessments.selectors import (
    LIST_FIELDS,
    attach_list_relations,
    dossiers_in_scope,
    threshold_confirmations,
)
from nongthonso.assessments.services import SetNotApplicable, open_dossier, set_value
from nongthonso.assessments.workflow import WorkflowError, available_actions, definition_of, perform
from nongthonso.units.collation import vi_name_order
from nongthonso.units.models import Unit

from ..caching import cached_page
from ..errors import ApiError, NotFound
from ..schemas import (
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
from .criteria import ConfirmationOut

router = Router(tags=["Hồ sơ đánh giá"])

StateCode = Literal["draft", "submitted", "returned", "verified", "approved", "recognised"]
StepAction = Literal["submit", "verify", "return", "approve", "record_decision", "reopen"]
INDICATOR_PATTERN = r"^[0-9A-Za-z._-]{1,10}$"
BIG = 10**15  # larger magnitudes are not indicator values (and would not survive a float)

_RELATED = ("unit__unit_type__level", "unit__parent__unit_type__level", "criteria_set")


class SetRef(Schema):
    id: int
    code: str
    version: int
    level: str


class AssessmentOut(Schema):
    id: int
    unit: UnitRef
    year: int
    criteria_set: SetRef
    state: StateCode
    state_label: str = Field(description="trạng thái theo cách gọi của quy trình hồ sơ đang áp dụng")
    workflow: str = Field(description="mã quy trình đang áp dụng: ba-cap (xã → huyện → tỉnh, đến 30/6/2025), "
                                      "hai-cap (xã → tỉnh, từ 1/7/2025) …")
    version: int = Field(description="tăng sau mỗi thay đổi; gửi lại trong expected_version để tránh ghi đè")
    criteria_met: int
    criteria_failed: int
    criteria_unknown: int
    criteria_total: int
    eligible: bool = Field(description="đạt chuẩn theo số liệu (không phải quyết định công nhận)")
    revoke: bool = Field(description="thuộc diện xem xét thu hồi (QĐ 18/2022/QĐ-TTg)")
    evaluated_at: dt.datetime | None
    synthetic: bool


class AssessmentPage(PageMeta):
    items: list[AssessmentOut]


class ValueOut(Schema):
    indicator: str
    value: Any = Field(description="số, true/false, giá trị phân loại, hoặc null (chưa có số liệu)")
    source: str
    note: str
    updated_at: dt.datetime
    updated_by: str | None
    carried: dict[str, Any] | None = Field(description=(
        "giá trị mang sang từ giai đoạn trước (null: nhập trong kỳ): rule (own: giá trị mới nhất của chính xã; "
        "worst_case: xã hình thành do sắp xếp, giá trị bất lợi nhất của các xã trước sắp xếp — không có số dân để "
        "tính bình quân gia quyền), set (mã bộ tiêu chí trước), why, from [{unit_id, code, name, year, indicator, "
        "value}], event (worst_case: loại, ngày, căn cứ của biến động đơn vị)"))
    needs_confirmation: bool = Field(description="giá trị mang sang chưa được xác nhận; hồ sơ chưa gửi được")
    confirmed_at: dt.datetime | None
    confirmed_by: str | None


class ActionOut(Schema):
    action: str
    label: str


class AssessmentDetail(AssessmentOut):
    values: list[ValueOut]
    unconfirmed: list[str] = Field(description="mã các chỉ tiêu có giá trị mang sang còn chờ xác nhận")
    results: dict[str, Any] = Field(description="kết quả đã tính và lưu: từng tiêu chí, chỉ tiêu, ngưỡng, mức thiếu; "
                                                "«notes»: vì sao có chỉ tiêu chưa xác định (ví dụ xã chưa xếp nhóm)")
    actions: list[ActionOut] = Field(description="những gì người gọi làm được với hồ sơ lúc này")
    threshold_confirmations: dict[str, ConfirmationOut] = Field(
        description="mã chỉ tiêu → xác nhận của Văn phòng Điều phối NTM tỉnh cho ngưỡng xã được so sánh (văn bản, "
                    "điều, phụ lục, trang; ai, khi nào); chỉ tiêu chưa được tỉnh xác nhận không có ở đây")


class OpenIn(BodyIn):
    unit_id: int = Field(..., ge=1, le=MAX_ID, description="id đơn vị (phiên bản) của xã")
    year: int = Field(..., ge=MIN_YEAR, le=MAX_YEAR, description="năm đánh giá")
    set: str | None = Field(None, pattern=CODE_PATTERN,
                            description="mã bộ tiêu chí (mặc định: bộ xã NTM có hiệu lực trong năm áp dụng cho xã)")


class OpenOut(AssessmentDetail):
    created: bool = Field(description="true: hồ sơ vừa được tạo (và điền sẵn giá trị mang sang)")


class ConfirmIn(BodyIn):
    indicators: list[Annotated[str, Field(pattern=INDICATOR_PATTERN)]] | None = Field(
        None, max_length=500, description="mã các chỉ tiêu cần xác nhận; null: mọi giá trị mang sang còn chờ")
    expected_version: int | None = Field(None, ge=0, le=MAX_ID,
                                         description="phiên bản hồ sơ bạn đã xem; khác thì bị từ chối (409 stale)")


class ConfirmOut(Schema):
    confirmed: list[str] = Field(description="mã các chỉ tiêu vừa được xác nhận")
    assessment: AssessmentDetail


RawValue = (bool | Annotated[int, Field(ge=-BIG, le=BIG)] | Annotated[float, Field(ge=-BIG, le=BIG)]
            | Annotated[str, Field(max_length=200)] | None)


class ValueIn(BodyIn):
    value: RawValue = Field(description="số (85.7 hoặc «85,7»), true/false, một giá trị phân loại, hoặc null để xóa")
    note: str = Field("", max_length=2000, pattern=TEXT_PATTERN)
    source: str = Field("", max_length=300, pattern=TEXT_PATTERN, description="nguồn số liệu")
    expected_version: int | None = Field(
        None, ge=0, le=MAX_ID,
        description="phiên bản hồ sơ (trường version) khi bạn đọc số liệu; hồ sơ đã đổi từ đó thì giá trị bị từ chối "
                    "(409 stale, nói ai đã đổi, lúc nào) và không ghi gì. Bỏ trống: ghi mà không kiểm tra, có thể đè "
                    "lên thay đổi của người khác")


class ValueWriteOut(Schema):
    value: ValueOut
    assessment: AssessmentDetail = Field(description="hồ sơ sau khi tính lại")


class DecisionIn(BodyIn):
    number: str = Field("", max_length=60, pattern=TEXT_PATTERN, description="số, ký hiệu, ví dụ 1234/QĐ-UBND")
    date: IsoDate | None = Field(None, description="ngày ban hành")
    authority: str = Field("", max_length=200, pattern=TEXT_PATTERN, description="ví dụ UBND tỉnh Thái Nguyên")
    note: str = Field("", max_length=2000, pattern=TEXT_PATTERN)


class StepIn(BodyIn):
    reason: str = Field("", max_length=2000, pattern=TEXT_PATTERN,
                        description="bắt buộc khi trả lại (return) hoặc mở lại (reopen)")
    decision: DecisionIn | None = Field(None, description="chỉ cho record_decision")
    expected_version: int | None = Field(None, ge=0, le=MAX_ID,
                                         description="phiên bản hồ sơ bạn đã xem; khác thì bị từ chối (409 stale)")


class EventOut(Schema):
    id: int
    action: str
    from_state: StateCode
    to_state: StateCode
    actor: str
    actor_role: str
    reason: str
    details: dict[str, Any]
    version: int
    timestamp: dt.datetime


class StepOut(Schema):
    event: EventOut
    assessment: AssessmentOut


def assessment_out(a: Assessment) -> dict:
    cs = a.criteria_set
    definition = definition_of(a)
    return {
        "id": a.pk, "unit": unit_ref(a.unit), "year": a.year,
        "criteria_set": {"id": cs.pk, "code": cs.code, "version": cs.version, "level": cs.level},
        "state": a.state, "state_label": definition.state_label(a.state), "workflow": definition.code,
        "version": a.version,
        "criteria_met": a.criteria_met, "criteria_failed": a.criteria_failed, "criteria_unknown": a.criteria_unknown,
        "criteria_total": a.criteria_total, "eligible": a.eligible, "revoke": a.revoke,
        "evaluated_at": a.evaluated_at, "synthetic": a.synthetic,
    }


def _value_out(v: IndicatorValue) -> dict:
    return {"indicator": v.indicator.code, "value": v.value, "source": v.source, "note": v.note,
            "updated_at": v.updated_at, "updated_by": v.updated_by.get_username() if v.updated_by_id else None,
            "carried": v.carried, "needs_confirmation": v.needs_confirmation, "confirmed_at": v.confirmed_at,
            "confirmed_by": v.confirmed_by.get_username() if v.confirmed_by_id else None}


def assessment_detail(a: Assessment, user) -> dict:
    values = list(IndicatorValue.objects.filter(assessment=a).select_related("indicator", "updated_by", "confirmed_by")
                  .order_by("indicator__position"))
    return {**assessment_out(a), "values": [_value_out(v) for v in values],
            "unconfirmed": [v.indicator.code for v in values if v.needs_confirmation], "results": a.results or {},
            "actions": [{"action": code, "label": label} for code, label in available_actions(a, user)],
            "threshold_confirmations": {code: c.to_dict() for code, c in threshold_confirmations(a).items()}}


def _not_found(pk: int) -> NotFound:
    return NotFound(f"Không có hồ sơ đánh giá id {pk}, hoặc hồ sơ thuộc đơn vị ngoài phạm vi bạn được giao. "
                    "Xem các hồ sơ bạn được xem tại GET /api/assessments.")


def visible(user, pk: int) -> Assessment:
    """The dossier if ``user`` may view it; 404 otherwise (as the web app)."""
    found = Assessment.objects.restrict(user, Action.VIEW).select_related(*_RELATED).filter(pk=pk).first()
    if found is None:
        raise _not_found(pk)
    return found


def allowed(user, pk: int, action: str) -> Assessment:
    """The dossier if ``user`` may do ``action`` on it by role and unit: 404 when it is not visible at all,
    403 (refusal's code and message) when visible but not theirs to act on. State is the service's business."""
    assessment = visible(user, pk)
    if not restrict(Assessment.objects.filter(pk=pk), user, action).exists():
        refused = refusal(user, action, assessment.unit)
        if refused is None:  # restrict and refusal disagree: refuse rather than guess
            raise ApiError(403, "forbidden", "Bạn không được thực hiện thao tác này với hồ sơ này.")
        raise WorkflowError(refused.message, refused.code)
    return assessment


@router.get("/assessments", response=responses(AssessmentPage), summary="Danh sách hồ sơ đánh giá bạn được xem")
def list_assessments(
    request,
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, description="năm đánh giá"),
    unit: int | None = Query(None, ge=1, le=MAX_ID, description="id đơn vị: hồ sơ của đơn vị này và trực thuộc"),
    set: str | None = Query(None, pattern=CODE_PATTERN, description="mã bộ tiêu chí, ví dụ xa-ntm-2021-2025"),
    state: StateCode | None = Query(None, description="trạng thái hồ sơ"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Các hồ sơ trong phạm vi bạn được xem, mới nhất trước. Một trang đã tính được giữ lại đến khi dữ liệu thay
    đổi (bất kỳ lần ghi nào), cho mọi người có cùng phạm vi xem: đọc lại không tính lại."""

    def compute() -> dict:
        within = None
        if unit is not None:
            within = Unit.objects.filter(pk=unit).only("path").first()
            if within is None:
                return page(Assessment.objects.none(), limit, offset, assessment_out)
        qs = dossiers_in_scope(request.auth, Action.VIEW, within).select_related("unit").only(*LIST_FIELDS)
        if year is not None:
            qs = qs.filter(year=year)
        if set:
            qs = qs.filter(criteria_set__code=set)
        if state:
            qs = qs.filter(state=state)
        return page(qs.order_by("-year", vi_name_order("unit__"), "criteria_set__code", "criteria_set__version", "pk"),
                    limit, offset, assessment_out, prepare=attach_list_relations)

    # the page depends on the caller only through the units they may view: callers of the same scope share it; and
    # on the day, with no write (a row's workflow and state label are those in force today: ``definition_of``)
    scope = scope_key(request.auth, Action.VIEW)
    # the scope is read with the token, the page from the memberships read while computing it: a role granted or
    # withdrawn in between gives a page that is returned but not kept under the scope read first
    return cached_page(request, AssessmentPage, "api-assessments",
                       (scope, timezone.localdate(), year, unit, set, state, limit, offset), compute,
                       keep=lambda: scope_key(request.auth, Action.VIEW) == scope)


@router.get("/assessments/{assessment_id}", response=responses(AssessmentDetail),
            summary="Một hồ sơ: số liệu, kết quả đã tính, thao tác được phép")
def get_assessment(request, assessment_id: int = Path(..., ge=1, le=MAX_ID)):
    return assessment_detail(visible(request.auth, assessment_id), request.auth)


@router.put("/assessments/{assessment_id}/values/{indicator_code}", response=responses(ValueWriteOut),
            summary="Nhập hoặc sửa giá trị một chỉ tiêu (tính lại kết quả ngay)")
def put_value(request, payload: ValueIn,
              assessment_id: int = Path(..., ge=1, le=MAX_ID),
              indicator_code: str = Path(..., pattern=INDICATOR_PATTERN)):
    """Như ô nhập số liệu trên web: kiểm tra quyền (cán bộ xã của đơn vị), trạng thái (chỉ hồ sơ đang nhập
    hoặc bị trả lại), kiểu giá trị; ghi nhật ký; tính lại kết quả của hồ sơ. Gửi ``expected_version`` (trường
    ``version`` của hồ sơ khi bạn đọc) như trang web gửi: nếu có người đã sửa hồ sơ từ đó, giá trị không được ghi
    (409 ``stale``); đọc lại hồ sơ (GET /api/assessments/{id}) rồi gửi lại."""
    user = request.auth
    assessment = allowed(user, assessment_id, Action.EDIT_VALUES)
    if not assessment.criteria_set.indicators.filter(code=indicator_code).exists():
        codes = ", ".join(assessment.criteria_set.indicators.order_by("position").values_list("code", flat=True))
        raise NotFound(f"Bộ tiêu chí «{assessment.criteria_set.code}» không có chỉ tiêu mã «{indicator_code}». "
                       f"Các mã chỉ tiêu: {codes}.")
    stored = set_value(assessment, indicator_code, payload.value, user=user, source=payload.source, note=payload.note,
                       expected_version=payload.expected_version)
    fresh = Assessment.objects.select_related(*_RELATED).get(pk=assessment.pk)
    if stored.pk is not None:  # None: an empty value where there was none, nothing stored
        stored = IndicatorValue.objects.select_related("indicator", "updated_by").get(pk=stored.pk)
    return {"value": _value_out(stored), "assessment": assessment_detail(fresh, user)}


@router.post("/assessments", response=responses(OpenOut),
             summary="Mở (hoặc tạo) hồ sơ tự đánh giá của một xã cho một năm")
def open_assessment(request, payload: OpenIn):
    """Như nút «Mở / tạo hồ sơ» trên trang xã: chỉ cán bộ xã của đơn vị (403 nếu không); bộ tiêu chí ``set`` (bộ
    của tỉnh chỉ dùng được cho xã của tỉnh đó, 422 ``criteria_set`` nếu không), mặc định bộ xã NTM có hiệu lực
    trong năm. Hồ sơ mới được điền sẵn các giá trị mang sang từ giai đoạn trước (``values[].carried``), mỗi giá trị
    chờ xác nhận (``unconfirmed``; xác nhận: POST /api/assessments/{id}/confirm)."""
    user = request.auth
    unit = restrict(Unit.objects.select_related("unit_type__level"), user, Action.VIEW).filter(
        pk=payload.unit_id).first()
    if unit is None:
        raise NotFound(f"Không có đơn vị id {payload.unit_id}, hoặc đơn vị nằm ngoài phạm vi bạn được giao. Tìm id "
                       "bằng GET /api/units?as_of=…&code=….")
    try:
        assessment, created = open_dossier(unit, payload.year, user, set_code=payload.set)
    except SetNotApplicable as exc:
        raise ApiError(422, "criteria_set", str(exc),
                       [{"field": "set", "location": "body", "code": "criteria_set", "message": str(exc)}]) from None
    fresh = Assessment.objects.select_related(*_RELATED).get(pk=assessment.pk)
    return {**assessment_detail(fresh, user), "created": created}


def _confirm(request, assessment_id: int, codes: list[str] | None, expected_version: int | None) -> dict:
    user = request.auth
    assessment = allowed(user, assessment_id, Action.EDIT_VALUES)
    done = confirm_values(assessment, codes, user, expected_version=expected_version)
    fresh = Assessment.objects.select_related(*_RELATED).get(pk=assessment.pk)
    return {"confirmed": done, "assessment": assessment_detail(fresh, user)}


@router.post("/assessments/{assessment_id}/confirm", response=responses(ConfirmOut),
             summary="Xác nhận các giá trị mang sang từ giai đoạn trước")
def confirm_carried(request, payload: ConfirmIn = Body(default=None),
                    assessment_id: int = Path(..., ge=1, le=MAX_ID)):
    """Cán bộ xã xác nhận giá trị mang sang (``indicators``; null: mọi giá trị còn chờ) là số liệu của xã; ghi nhật
    ký. Như nhập số liệu: hồ sơ đã gửi (khóa) 409 ``locked``; không phải cán bộ xã của đơn vị 403; chỉ tiêu không
    có giá trị mang sang 422 ``invalid_value``. Sửa một giá trị mang sang (PUT …/values/{mã}) cũng là xác nhận."""
    payload = payload or ConfirmIn()
    return _confirm(request, assessment_id, payload.indicators, payload.expected_version)


@router.post("/assessments/{assessment_id}/values/{indicator_code}/confirm", response=responses(ConfirmOut),
             summary="Xác nhận giá trị mang sang của một chỉ tiêu")
def confirm_carried_value(request, payload: ConfirmIn = Body(default=None),
                          assessment_id: int = Path(..., ge=1, le=MAX_ID),
                          indicator_code: str = Path(..., pattern=INDICATOR_PATTERN)):
    """Như POST /api/assessments/{id}/confirm với một chỉ tiêu (``indicators`` trong nội dung bị bỏ qua)."""
    payload = payload or ConfirmIn()
    return _confirm(request, assessment_id, [indicator_code], payload.expected_version)


@router.post("/assessments/{assessment_id}/steps/{action}", response=responses(StepOut),
             summary="Thực hiện một bước quy trình hồ sơ")
def take_step(request, action: StepAction, payload: StepIn = Body(default=None),
              assessment_id: int = Path(..., ge=1, le=MAX_ID)):
    """Các bước của quy trình hồ sơ đang áp dụng (trường «workflow» của hồ sơ): submit (xã gửi), verify (huyện xác
    nhận — chỉ quy trình ba cấp, đến 30/6/2025), return (trả lại, cần reason), approve (tỉnh thẩm định),
    record_decision (ghi quyết định: decision.number, date, authority), reopen (mở lại, cần reason). Người đã gửi
    hoặc xác nhận hồ sơ không được thẩm định hay ghi quyết định cho chính hồ sơ đó (409 separation)."""
    user = request.auth
    payload = payload or StepIn()
    assessment = visible(user, assessment_id)  # who may take the step is the workflow's: perform says why not
    decision = payload.decision.model_dump() if payload.decision is not None else None
    event = perform(assessment, action, user, reason=payload.reason, decision=decision,
                    expected_version=payload.expected_version)
    fresh = Assessment.objects.select_related(*_RELATED).get(pk=assessment.pk)
    return {"event": {"id": event.pk, "action": event.action, "from_state": event.from_state,
                      "to_state": event.to_state, "actor": event.actor_name, "actor_role": event.actor_role,
                      "reason": event.reason, "details": event.details, "version": event.version,
                      "timestamp": event.timestamp},
            "assessment": assessment_out(fresh)}
