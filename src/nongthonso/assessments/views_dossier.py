"""The dossier pages: data entry with inline validation (htmx), evidence, workflow steps, timeline.

Every view loads the dossier through ``Assessment.objects.restrict(user, "view")`` (404 outside the
user's units); every write goes through the services (``set_value``, ``evidence.attach``,
``workflow.perform``), which check the role, the unit and the state again and say why they refuse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import can, chain_by_level, unit_phrase
from nongthonso.audit.models import AuditEntry
from nongthonso.core import filetypes
from nongthonso.core.text import format_number, typed_value
from nongthonso.criteria.choices import ValueType
from nongthonso.criteria.engine import MET, NOT_MET
from nongthonso.criteria.models import Indicator
from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL

from . import carry, definitions, queue, workflow
from . import evidence as evidence_service
from .errors import ValueRejected
from .filters import QueueFilter
from .imports import MAX_YEAR, MIN_YEAR
from .models import Assessment, Evidence, IndicatorValue, WorkflowEvent
from .presenters import CriterionRow, IndicatorRow, criterion_rows, input_text, status_label
from .selectors import no_role_message, threshold_confirmations
from .services import SetNotApplicable, open_dossier, parse_value, set_value
from .workflow import WorkflowError


def _dossier(user, pk: int) -> Assessment:
    qs = Assessment.objects.restrict(user, Action.VIEW).select_related(
        "unit__unit_type__level", "unit__parent__unit_type__level", "unit__parent__parent", "criteria_set")
    return get_object_or_404(qs, pk=pk)


@dataclass
class EntryRow:
    """An indicator of the entry page: the presenter's row (threshold, verdict and gap as the scorecard shows them)
    and the input beside it."""

    row: IndicatorRow
    indicator: Indicator
    value: str  # the input's text (``presenters.input_text``), or the rejected input being corrected
    note: str
    error: str = ""
    # a value carried from the earlier period (``carry``): its provenance, and whether it still awaits confirmation
    carried: dict | None = None
    carried_sources: str = ""
    needs_confirmation: bool = False

    @property
    def carried_years(self) -> str:
        return carry.years_text(self.carried)

    @property
    def dom(self) -> str:
        """An id fragment unique per indicator ("1.1" and "11" must not collide)."""
        return "i" + self.indicator.code.replace(".", "_")

    @property
    def choices(self) -> list[tuple[str, str]]:
        if self.indicator.value_type == ValueType.BOOLEAN:
            return [("1", status_label(MET)), ("0", status_label(NOT_MET))]
        return [(c, c) for c in self.indicator.categories]


@dataclass
class EntryCriterion:
    criterion: CriterionRow
    rows: list[EntryRow]


class EntryCriteria(list):
    """The dossier's criteria (``EntryCriterion``), and the values among them still awaiting confirmation."""

    @property
    def unconfirmed(self) -> list[EntryRow]:
        return [r for c in self for r in c.rows if r.needs_confirmation]

    @property
    def carried_years(self) -> str:
        """The year(s) the unconfirmed values come from: «2024», «2023–2024»."""
        return carry.years_text(*(r.carried for r in self.unconfirmed))


def _entry_criteria(assessment: Assessment, errors: dict[str, tuple[str, str]] | None = None,
                    only: str | None = None) -> EntryCriteria:
    """The criteria of the dossier (``presenters.criterion_rows``) with an input per indicator holding its stored
    value, and whether the value was carried from the earlier period (and awaits confirmation). ``errors``: indicator
    code → (rejected input, message), shown in place of the stored value."""
    errors = errors or {}
    indicators = {i.code: i for i in assessment.criteria_set.indicators.all()}
    values = {v.indicator.code: v for v in IndicatorValue.objects.filter(assessment=assessment)
              .select_related("indicator")}
    result = EntryCriteria()
    for crit in criterion_rows(assessment.results, indicators, values, only=only,
                               confirmations=threshold_confirmations(assessment)):
        rows = []
        for row in crit.indicators:
            indicator, stored, rejected = indicators[row.code], values.get(row.code), errors.get(row.code)
            rows.append(EntryRow(
                row=row, indicator=indicator,
                value=rejected[0] if rejected else input_text(stored.value if stored else None, indicator.value_type),
                note=stored.note if stored else "", error=rejected[1] if rejected else "",
                carried=stored.carried if stored else None,
                carried_sources=carry.carried_text(stored.carried, indicator) if stored else "",
                needs_confirmation=bool(stored and stored.needs_confirmation)))
        result.append(EntryCriterion(crit, rows))
    return result


@dataclass
class TimelineItem:
    when: dt.datetime
    who: str
    what: str
    detail: str
    kind: str


def _timeline(assessment: Assessment, events: list[WorkflowEvent]) -> list[TimelineItem]:
    """Workflow steps (``events``, oldest first) and value changes, newest first (two queries)."""
    flows, current = definitions.definitions(), workflow.definition_of(assessment)

    def states(e) -> str:  # in the words of the workflow the step was taken under
        before = flows.get(e.details.get("from_workflow") or e.details.get("workflow"), current)
        after = flows.get(e.details.get("to_workflow") or e.details.get("workflow"), current)
        return f"{before.state_label(e.from_state)} → {after.state_label(e.to_state)}"

    items = [TimelineItem(e.timestamp, e.actor_name or "—", f"{workflow.label(e.action)}: {states(e)}", e.reason,
                          "transfer" if e.action == workflow.TRANSFER else "step")
             for e in events]
    value_ids = {str(pk): (code, unit) for pk, code, unit in IndicatorValue.objects.filter(assessment=assessment)
                 .values_list("pk", "indicator__code", "indicator__unit")}
    entries = AuditEntry.objects.filter(
        Q(model="assessments.indicatorvalue", object_id__in=list(value_ids))
        | Q(model="assessments.evidence", after__assessment=assessment.pk)
        | Q(model="assessments.assessment", object_id=str(assessment.pk), action__in=("import", "create")))
    for entry in entries.order_by("-timestamp", "-pk")[:200]:
        if entry.model == "assessments.indicatorvalue":
            code, unit = value_ids.get(entry.object_id, ("?", ""))
            what = _("Chỉ tiêu %(code)s: %(before)s → %(after)s") % {
                "code": code, "before": typed_value((entry.before or {}).get("value"), unit),
                "after": typed_value((entry.after or {}).get("value"), unit)}
            items.append(TimelineItem(entry.timestamp, entry.actor, what, (entry.after or {}).get("note", ""), "value"))
        elif entry.model == "assessments.evidence":
            items.append(TimelineItem(entry.timestamp, entry.actor, _("Tải lên minh chứng «%(file)s»") % {
                "file": (entry.after or {}).get("file", "")}, "", "evidence"))
        else:
            items.append(TimelineItem(entry.timestamp, entry.actor, entry.get_action_display(), entry.note, "value"))
    items.sort(key=lambda i: i.when, reverse=True)
    return items


@dataclass
class SentBack:
    """The latest step that sent the dossier back (returned, or reopened after approval), for the top of its page."""

    event: WorkflowEvent
    label: str  # the step's name: «Trả lại hồ sơ»
    later: WorkflowEvent | None  # the latest step taken since (a resubmission …), if any

    @property
    def later_label(self) -> str:
        return workflow.label(self.later.action) if self.later else ""


def _sent_back(events: list[WorkflowEvent]) -> SentBack | None:
    """The latest return or reopening among ``events`` (oldest first): who, when, why — and what happened since."""
    backward = {s.action for d in definitions.definitions().values() for s in d.steps if s.needs_reason}
    steps = [e for e in events if e.action != workflow.TRANSFER]
    last = next((i for i in range(len(steps) - 1, -1, -1) if steps[i].action in backward), None)
    if last is None:
        return None
    return SentBack(steps[last], workflow.label(steps[last].action), steps[-1] if last < len(steps) - 1 else None)


def _context(request, assessment: Assessment, **extra) -> dict:
    actions = workflow.available_actions(assessment, request.user)
    events = list(workflow.history(assessment))
    editable = any(a == Action.EDIT_VALUES for a, _label in actions)
    definition = workflow.definition_of(assessment)
    return {
        "a": assessment, "unit": assessment.unit, "criteria": _entry_criteria(assessment),
        "editable": editable, "workflow": definition, "state_label": definition.state_label(assessment.state),
        "steps": [(a, label, definition.step(a)) for a, label in actions if a != Action.EDIT_VALUES],
        "held_back": workflow.held_back(assessment, request.user),
        "authority": _authority(assessment.unit),
        "locked_reason": (None if editable or not can(request.user, Action.EDIT_VALUES, assessment.unit)
                          else workflow.why_not(assessment, Action.EDIT_VALUES, request.user)),
        "evidence": list(Evidence.objects.filter(assessment=assessment).select_related("indicator", "uploaded_by")),
        "indicators": assessment.criteria_set.indicators.order_by("position"),
        "timeline": _timeline(assessment, events),
        "sent_back": _sent_back(events),
        "today": timezone.localdate().isoformat(),
        "max_mb": format_number(settings.EVIDENCE_MAX_BYTES / 1048576, 0),
        **extra,
    }


def _authority(unit: Unit) -> str:
    """Who recognises a commune by default: the People's Committee of its province («UBND tỉnh Thái Nguyên»)."""
    province = chain_by_level(unit).get(PROVINCE_LEVEL)
    return f"UBND {unit_phrase(province)}" if province is not None else ""


@login_required
@require_GET
def dossier(request, pk: int):
    assessment = _dossier(request.user, pk)
    return render(request, "assessments/dossier.html", _context(request, assessment))


@login_required
@require_GET
def dossier_list(request):
    """The work queue: the dossiers waiting for a step the user may take now, one row per dossier, oldest first,
    filtered and 50 a page (``queue``). Dossiers whose workflow has ended while in progress are listed as the move to
    its successor will leave them; nothing is written."""
    today = timezone.localdate()
    waiting = queue.queue(request.user, today)
    form = QueueFilter(request.GET, choices=queue.choices(waiting))
    form.is_valid()  # invalid fields are reported and ignored; the valid ones still filter
    page = Paginator(queue.ordered(queue.filtered(waiting, **form.values)), queue.PAGE_SIZE).get_page(
        request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "assessments/dossier_list.html", {
        "form": form, "page": page, "rows": queue.present(page, today), "query": params.urlencode(),
        "no_role": no_role_message(request.user),
    })


def _criterion_fragment(request, assessment: Assessment, code: str, errors=None, version: int | None = None,
                        keep_value: bool = False) -> HttpResponse:
    """``version``: what the page's optimistic-lock fields become (default: the dossier's current version;
    after a "stale" refusal, the version the page had, so that its saves stay refused until it reloads).
    ``keep_value``: the errors are about the stored value (a refused confirmation), which stays shown."""
    if keep_value and errors:
        stored = IndicatorValue.objects.filter(assessment=assessment, indicator__code=code).select_related(
            "indicator").first()
        shown = input_text(stored.value, stored.indicator.value_type) if stored else ""
        errors = {c: (shown, message) for c, (_raw, message) in errors.items()}
    crit_code = next(c["code"] for c in assessment.results["criteria"]
                     if any(i["code"] == code for i in c["indicators"]))
    steps = [a for a, _label in workflow.available_actions(assessment, request.user) if a != Action.EDIT_VALUES]
    return render(request, "assessments/_dossier_criterion.html", {
        "a": assessment, "c": _entry_criteria(assessment, errors, only=crit_code)[0], "editable": True,
        "oob_figures": True, "step_actions": steps,
        "version": assessment.version if version is None else version,
    })


@login_required
@require_POST
def dossier_value(request, pk: int, code: str):
    """Save one value (htmx: on change). Returns the indicator's criterion, re-evaluated, and the figures."""
    assessment = _dossier(request.user, pk)
    raw = request.POST.get("value", "")
    seen = request.POST.get("version", "")  # the dossier version the page holds (optimistic locking)
    expected = int(seen) if seen.isdigit() else None
    try:
        set_value(assessment, code, raw, user=request.user, note=request.POST.get("note", "").strip(),
                  source=_("Nhập trực tiếp"), expected_version=expected)
    except (ValueRejected, WorkflowError) as exc:
        assessment.refresh_from_db()
        stale = isinstance(exc, WorkflowError) and exc.code == "stale"
        return _criterion_fragment(request, assessment, code, {code: (raw, str(exc))},
                                   version=expected if stale else None)
    assessment.refresh_from_db()
    return _criterion_fragment(request, assessment, code)


@login_required
@require_POST
def dossier_check(request, pk: int, code: str):
    """Validate a value as it is typed (htmx: keyup), without saving: the error, or what it would mean."""
    assessment = _dossier(request.user, pk)
    indicator = assessment.criteria_set.indicators.filter(code=code).first()
    if indicator is None:
        raise Http404
    raw = request.POST.get("value", "")
    try:
        value = parse_value(indicator, raw)
    except ValueRejected as exc:
        return HttpResponse(f'<span class="not_met" role="alert">{_escape(str(exc))}</span>')
    if value is None:
        return HttpResponse('<span class="unknown">' + _("Để trống: chỉ tiêu sẽ là «chưa xác định».") + "</span>")
    return HttpResponse('<span class="met">' + _("Hợp lệ — rời ô nhập để lưu.") + "</span>")


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


@login_required
@require_POST
def dossier_step(request, pk: int, action: str):
    """Take a workflow step; the service refuses anything the user may not do, and says why."""
    assessment = _dossier(request.user, pk)
    decision = None
    if action == Action.RECORD_DECISION:
        decision = {"number": request.POST.get("number", "").strip(), "date": request.POST.get("date", "").strip(),
                    "authority": request.POST.get("authority", "").strip()}
    expected = request.POST.get("version")
    try:
        workflow.perform(assessment, action, request.user, reason=request.POST.get("reason", ""), decision=decision,
                         expected_version=int(expected) if expected and expected.isdigit() else None)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã thực hiện: %(step)s. Trạng thái hồ sơ: %(state)s.") % {
            "step": workflow.label(action), "state": workflow.state_label(assessment)})
    return redirect("dossier", pk=assessment.pk)


@login_required
@require_POST
def dossier_evidence(request, pk: int):
    assessment = _dossier(request.user, pk)
    code = request.POST.get("indicator", "")
    indicator = assessment.criteria_set.indicators.filter(code=code).first() if code else None
    try:
        item = evidence_service.attach(assessment, request.FILES.get("file"), user=request.user, indicator=indicator,
                                       description=request.POST.get("description", "").strip())
    except (evidence_service.EvidenceRejected, WorkflowError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã tải lên minh chứng «%(name)s».") % {"name": item.original_name})
    return redirect("dossier", pk=assessment.pk)


@login_required
@require_GET
def evidence_file(request, pk: int):
    """Serve an evidence file to a user allowed to view its dossier; others get 404."""
    item = get_object_or_404(Evidence.objects.select_related("assessment"), pk=pk)
    if not Assessment.objects.restrict(request.user, Action.VIEW).filter(pk=item.assessment_id).exists():
        raise Http404
    return filetypes.served(item.file.open("rb"), item.content_type, item.original_name,
                            as_attachment=item.content_type == "application/pdf")


@login_required
@require_POST
def dossier_open(request, unit_id: int):
    """Open (or create) the commune's dossier for a year against the set asked for (``set``: one of the sets that
    apply to the unit, national or its own province's), by default the commune NTM set in force that year. A new
    dossier starts with the values carried from the earlier period, each awaiting confirmation."""
    unit = get_object_or_404(Unit.objects.all(), pk=unit_id)
    raw_year = request.POST.get("year", "").strip()
    year = int(raw_year) if raw_year.isdecimal() and raw_year.isascii() else None
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        messages.error(request, _("Năm «%(raw)s» không hợp lệ: nhập năm đánh giá bằng 4 chữ số, từ %(first)s đến "
                                  "%(last)s, ví dụ 2024.") % {"raw": raw_year, "first": MIN_YEAR, "last": MAX_YEAR})
        return redirect("scorecard", unit_id=unit.pk)
    try:
        assessment, created = open_dossier(unit, year, request.user, set_code=request.POST.get("set") or None)
    except WorkflowError:
        messages.error(request, _("Chỉ cán bộ xã của %(unit)s mới mở được hồ sơ tự đánh giá của xã.") % {
            "unit": unit.name})
        return redirect("scorecard", unit_id=unit.pk)
    except SetNotApplicable as exc:
        messages.error(request, str(exc))
        return redirect("scorecard", unit_id=unit.pk)
    pending = carry.unconfirmed(assessment) if created else []
    if pending:
        messages.info(request, _("Đã điền sẵn %(n)s giá trị mang sang từ giai đoạn trước; mỗi giá trị cần được xác "
                                 "nhận (hoặc sửa) trước khi gửi hồ sơ.") % {"n": len(pending)})
    return redirect("dossier", pk=assessment.pk)


@login_required
@require_POST
def dossier_confirm(request, pk: int):
    """Confirm carried values: one (``code``; htmx: the criterion comes back re-rendered) or every one still awaiting
    confirmation (``all``). The service refuses a locked dossier or a user who may not enter its values."""
    assessment = _dossier(request.user, pk)
    code = request.POST.get("code", "").strip()
    seen = request.POST.get("version", "")
    expected = int(seen) if seen.isdigit() else None
    try:
        done = carry.confirm_values(assessment, [code] if code else None, request.user, expected_version=expected)
    except (ValueRejected, WorkflowError) as exc:
        if code and request.headers.get("HX-Request"):
            assessment.refresh_from_db()
            stale = isinstance(exc, WorkflowError) and exc.code == "stale"
            return _criterion_fragment(request, assessment, code, {code: ("", str(exc))},
                                       version=expected if stale else None, keep_value=True)
        messages.error(request, str(exc))
        return redirect("dossier", pk=assessment.pk)
    if code and request.headers.get("HX-Request"):
        assessment.refresh_from_db()
        return _criterion_fragment(request, assessment, code)
    messages.success(request, _("Đã xác nhận %(n)s giá trị mang sang.") % {"n": len(done)})
    return redirect("dossier", pk=assessment.pk)
