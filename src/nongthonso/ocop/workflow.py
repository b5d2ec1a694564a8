"""The OCOP rating workflow, held as data (``workflows/*.yaml``), applied to rating dossiers (``Rating``).

Two definitions ship: ``ocop-148`` (Decision 148/QĐ-TTg, 24/2/2023 – 5/7/2025: district council 3★ or forward
≥ 70 points → province council 4★ or forward 90–100 → the central 5★ decision, recorded by the province) and
``ocop-1489`` (Decision 1489/QĐ-TTg, from 6/7/2025: the commune pre-assesses and proposes, the provincial council
rates 3★ and 4★, 90–100 points go to the ministry for 5★). A dossier follows the definition in force on the day it is
submitted (``Rating.workflow``, stored then); a draft shows the one in force today.

Who takes a step is data: ``producer`` (an account of the product's producer) or a role granted on a unit of a given
level that covers the product's commune (``accounts.services.covers``, lineage included). Separation of duties is
data too: whoever submitted or pre-assessed a dossier may not close its scoring or decide it, whatever roles they
hold. Every step runs in one transaction with the rating row locked, checks the version the user's page carried
(``expected_version``: a stale one is refused naming who changed the dossier), bumps ``Rating.version``, writes a
``RatingEvent`` and an audit entry, issues the certificate on a decision step (``certificates.issue``), and tells the
next actors (``notices.tell_step``: notifications in the transaction, e-mails after it commits).

A dossier started under ``ocop-148`` and still open after 5/7/2025 continues under ``ocop-1489`` (``transfer``: the
file's ``transfer`` map, "state@stage" → "state@stage"; the district stage moves to the province), with an event
saying why; the next step, or the dossier page's first step, writes the move.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import F, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from nongthonso.accounts.services import _active, actors_text, covers, memberships, role_at, unit_phrase
from nongthonso.assessments.workflow import WorkflowError
from nongthonso.audit.services import record
from nongthonso.core import registry
from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import parse_date

from . import certificates
from .catalogue import sheet_for
from .certificates import CertificateRejected, points_text
from .models import Certificate, Evaluation, Rating, RatingEvent, RatingState
from .scope import MANAGE, products

# sent in the step's transaction (``notices`` tells the next actors; it imports this module, not the reverse)
step_taken = Signal()

WORKFLOW_DIR = Path(__file__).resolve().parent / "workflows"
PRODUCER = "producer"
STAGES = ("xa", "huyen", "tinh", "trung_uong")
STAGE_NAMES = {"xa": "cấp xã", "huyen": "cấp huyện", "tinh": "cấp tỉnh", "trung_uong": "Trung ương"}
NEEDS = ("pre_assessment",)
TRANSFER = "transfer"
START = "start"
# a step's name (the timeline, buttons, messages); data-level words, checked by tests word for word
LABELS = {
    START: "Lập hồ sơ đánh giá",
    "submit": "Gửi hồ sơ đánh giá",
    "preassess": "Đánh giá sơ bộ và đề xuất",
    "return": "Trả lại hồ sơ",
    "score": "Chốt kết quả chấm của hội đồng",
    "decide": "Ghi quyết định công nhận",
    "forward": "Chuyển cấp trên đánh giá",
    "not_recognise": "Kết luận không công nhận",
    TRANSFER: "Chuyển sang quy trình mới",
}
OPEN_STATES = (RatingState.DRAFT, RatingState.SUBMITTED, RatingState.RETURNED, RatingState.PROPOSED,
               RatingState.SCORED, RatingState.FORWARDED)


# Refusals are the dossier workflow's ``WorkflowError`` (a Vietnamese ``message`` saying why and what must happen
# first, and a ``code``): here login, role, separation, state, step, stale, reason, needs, evaluation, points, stars,
# decision, workflow.


class DefinitionError(ValueError):
    """A workflow file that cannot be used; the message names the file, the key and how to fix it."""


# --------------------------------------------------------------------------------------- the definitions

@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str
    stage: str  # "": any stage
    next_stage: str  # "": unchanged
    actors: tuple[tuple[str, str], ...]  # (role, unit level code): notifications.services.actors reads this
    producer: bool  # an account of the product's producer may take it
    description: str
    reason_hint: str = ""
    stars: tuple[int, ...] = ()
    minimum_points: Decimal | None = None
    needs: tuple[str, ...] = ()
    requires_evaluation: bool = False

    @property
    def label(self) -> str:
        return LABELS[self.action]

    @property
    def needs_reason(self) -> bool:
        return bool(self.reason_hint)

    @property
    def key(self) -> str:
        """Unique within a definition: the action and the stage it applies at («decide@tinh»)."""
        return f"{self.action}@{self.stage}" if self.stage else self.action

    def applies(self, state: str, stage: str) -> bool:
        return state in self.sources and (not self.stage or self.stage == stage)


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    legal_basis: str
    verified: bool
    valid_from: dt.date
    valid_to: dt.date | None
    successor: str | None
    transfer: dict[tuple[str, str | None], tuple[str, str | None]]
    transfer_reason: str
    separation: dict[str, tuple[str, ...]]
    state_labels: dict[str, str]
    steps: tuple[Step, ...] = field(default=())

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def ended_before(self, day: dt.date) -> bool:
        return self.valid_to is not None and self.valid_to < day

    def state_label(self, state: str) -> str:
        return self.state_labels.get(state) or RatingState(state).label

    def has(self, action: str) -> bool:
        return any(s.action == action for s in self.steps)

    def moved(self, state: str, stage: str) -> tuple[str, str] | None:
        """(state, stage) a dossier in ``state`` at ``stage`` has under the successor; None: it does not move."""
        found = self.transfer.get((state, stage)) or self.transfer.get((state, None))
        if found is None:
            return None
        return found[0], stage if found[1] is None else found[1]


def _date(raw: Any, where: str) -> dt.date:
    day = parse_date(raw)
    if day is None:
        raise DefinitionError(f"{where}: «{raw}» không phải ngày dạng YYYY-MM-DD.")
    return day


def _state(raw: str, where: str) -> str:
    if raw not in RatingState.values:
        raise DefinitionError(f"{where}: trạng thái «{raw}» không có; dùng một trong {', '.join(RatingState.values)}.")
    return raw


def _stage(raw: str, where: str) -> str:
    if raw and raw not in STAGES:
        raise DefinitionError(f"{where}: cấp «{raw}» không có; dùng một trong {', '.join(STAGES)}.")
    return raw or ""


def _state_at(raw: str, where: str) -> tuple[str, str | None]:
    state, _, stage = str(raw).partition("@")
    return _state(state, where), (_stage(stage, where) or None)


def _actors(raw: list, where: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    pairs, producer = [], False
    for actor in raw or ():
        if actor == PRODUCER:
            producer = True
            continue
        role, level = (actor or {}).get("role"), (actor or {}).get("level")
        entry = registry.find(registry.Role, role) if role else None
        if entry is None:
            raise DefinitionError(f"{where}: vai trò «{role}» chưa được đăng ký; ghi `producer` hoặc "
                                  "{role: <mã vai trò>, level: <mã cấp>}.")
        if entry.levels is not None and level not in entry.levels:
            raise DefinitionError(f"{where}: vai trò «{role}» không giao ở cấp «{level}» (chỉ: "
                                  f"{', '.join(entry.levels)}).")
        pairs.append((role, level))
    if not pairs and not producer:
        raise DefinitionError(f"{where}: bước phải có ít nhất một người thực hiện (actors).")
    return tuple(pairs), producer


def _step(raw: dict, where: str) -> Step:
    action = raw.get("action")
    if action not in LABELS or action in (START, TRANSFER):
        raise DefinitionError(f"{where}: bước «{action}» không có; dùng một trong "
                              f"{', '.join(a for a in LABELS if a not in (START, TRANSFER))}.")
    where = f"{where} ({action})"
    actors, producer = _actors(raw.get("actors"), where)
    stars = tuple(int(s) for s in raw.get("stars") or ())
    if any(not 3 <= s <= 5 for s in stars):
        raise DefinitionError(f"{where}: stars chỉ gồm 3, 4 hoặc 5 (giấy chứng nhận OCOP từ 3 sao).")
    needs = tuple(raw.get("needs") or ())
    if any(n not in NEEDS for n in needs):
        raise DefinitionError(f"{where}: needs chỉ gồm {', '.join(NEEDS)}.")
    minimum = raw.get("minimum_points")
    return Step(action=action, sources=tuple(_state(s, where) for s in raw.get("sources") or ()),
                target=_state(raw.get("target", ""), where), stage=_stage(raw.get("stage", ""), where),
                next_stage=_stage(raw.get("next_stage", ""), where), actors=actors, producer=producer,
                description=str(raw.get("description", "")).strip(),
                reason_hint=" ".join(str(raw.get("reason_hint", "")).split()), stars=stars,
                minimum_points=Decimal(str(minimum)) if minimum is not None else None, needs=needs,
                requires_evaluation=bool(raw.get("requires_evaluation")))


def parse(raw: dict, where: str) -> Definition:
    """A definition from a file's mapping, checked; DefinitionError says what is wrong and where."""
    for key in ("code", "name", "legal_basis", "valid_from", "steps"):
        if not raw.get(key):
            raise DefinitionError(f"{where}: thiếu khóa «{key}».")
    steps = tuple(_step(s, f"{where}, bước {i}") for i, s in enumerate(raw["steps"], 1))
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        raise DefinitionError(f"{where}: hai bước trùng hành động và cấp ({', '.join(sorted(keys))}).")
    actions = {s.action for s in steps}
    separation = {}
    for action, earlier in (raw.get("separation") or {}).items():
        unknown = [a for a in [action, *earlier] if a not in actions]
        if unknown:
            raise DefinitionError(f"{where}: separation nhắc tới bước không có trong quy trình: {', '.join(unknown)}.")
        separation[action] = tuple(earlier)
    transfer = {_state_at(k, f"{where}, transfer"): _state_at(v, f"{where}, transfer")
                for k, v in (raw.get("transfer") or {}).items()}
    if transfer and not raw.get("successor"):
        raise DefinitionError(f"{where}: có transfer nhưng thiếu successor (quy trình tiếp nối).")
    valid_to = _date(raw["valid_to"], f"{where}, valid_to") if raw.get("valid_to") else None
    return Definition(code=str(raw["code"]), name=str(raw["name"]), legal_basis=str(raw["legal_basis"]),
                      verified=bool(raw.get("verified")), valid_from=_date(raw["valid_from"], f"{where}, valid_from"),
                      valid_to=valid_to, successor=raw.get("successor") or None, transfer=transfer,
                      transfer_reason=" ".join(str(raw.get("transfer_reason", "")).split()),
                      separation=separation,
                      state_labels={_state(k, where): str(v) for k, v in (raw.get("state_labels") or {}).items()},
                      steps=steps)


def _signature(folder: Path) -> tuple:
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml")))


@lru_cache(maxsize=4)
def _load(folder: Path, signature: tuple) -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    for name, _mtime in signature:
        with open(folder / name, encoding="utf-8") as f:
            definition = parse(yaml.safe_load(f) or {}, name)
        if definition.code in found:
            raise DefinitionError(f"{name}: mã quy trình «{definition.code}» đã dùng ở tệp khác.")
        found[definition.code] = definition
    for definition in found.values():
        if definition.successor and definition.successor not in found:
            raise DefinitionError(f"{definition.code}: quy trình tiếp nối «{definition.successor}» không có.")
        for target_state, target_stage in definition.transfer.values():
            if definition.successor and not any(
                    s.applies(target_state, target_stage or s.stage) for s in found[definition.successor].steps):
                raise DefinitionError(f"{definition.code}: transfer sang «{target_state}@{target_stage}» nhưng "
                                      f"quy trình «{definition.successor}» không có bước nào từ trạng thái đó.")
    ordered = sorted(found.values(), key=lambda d: d.valid_from)
    for before, after in itertools.pairwise(ordered):
        if before.valid_to is None or before.valid_to >= after.valid_from:
            raise DefinitionError(f"{before.code} và {after.code}: thời gian áp dụng chồng nhau.")
    return found


def definitions(folder: Path = WORKFLOW_DIR) -> dict[str, Definition]:
    """The definitions of ``folder``, read once per change of its files (a stat per call)."""
    return _load(folder, _signature(folder))


def select(day: dt.date) -> Definition | None:
    """The definition in force on ``day``."""
    return next((d for d in definitions().values() if d.in_force(day)), None)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _selected(day: dt.date) -> Definition:
    found = select(day)
    if found is None:
        ranges = "; ".join(f"«{d.name}» từ {format_date(d.valid_from)}" + (f" đến {format_date(d.valid_to)}"
                                                                            if d.valid_to else "")
                           for d in definitions().values())
        raise WorkflowError(f"Ngày {format_date(day)} không có quy trình OCOP nào đang áp dụng ({ranges}).",
                            "workflow")
    return found


# --------------------------------------------------------------------------------------- where a dossier is

@dataclass(frozen=True)
class Position:
    """Where a dossier stands now: the definition whose steps apply, its state and stage there, and (when its own
    definition has ended) the move that the next step writes."""

    definition: Definition
    state: str
    stage: str
    moving_from: Definition | None = None

    @property
    def state_label(self) -> str:
        return self.definition.state_label(self.state)


def position(rating: Rating, today: dt.date | None = None) -> Position:
    """The definition whose steps apply to ``rating`` now (no writes)."""
    today = _today(today)
    if not rating.workflow:
        return Position(_selected(today), rating.state, rating.stage)
    definition = definitions().get(rating.workflow)
    if definition is None:
        raise WorkflowError(f"{_cap(dossier_phrase(rating))} theo quy trình «{rating.workflow}», quy trình này không "
                            "còn trong hệ thống. Đề nghị quản trị hệ thống kiểm tra thư mục ocop/workflows.",
                            "workflow")
    if definition.ended_before(today) and definition.successor:
        moved = definition.moved(rating.state, rating.stage)
        if moved is not None:
            return Position(definitions()[definition.successor], moved[0], moved[1], moving_from=definition)
    return Position(definition, rating.state, rating.stage)


def state_label(rating: Rating) -> str:
    return position(rating).state_label


def dossier_phrase(rating: Rating) -> str:
    return f"hồ sơ đánh giá OCOP năm {rating.year} của sản phẩm «{rating.product.name}»"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _verb(step: Step) -> str:
    return step.label[:1].lower() + step.label[1:]


def stage_name(stage: str) -> str:
    return STAGE_NAMES.get(stage, stage)


# --------------------------------------------------------------------------------------- who may

_PRODUCERS = "_ocop_producer_ids"


def is_producer(user, rating: Rating) -> bool:
    """Whether ``user`` is an account of the rating's producer (their producers read once per user object)."""
    if not _active(user):
        return False
    ids = getattr(user, _PRODUCERS, None)
    if ids is None:
        ids = frozenset(user.ocop_producers.values_list("pk", flat=True))
        setattr(user, _PRODUCERS, ids)
    return rating.product.producer_id in ids


def acting(user, step: Step, rating: Rating) -> list:
    """The user's memberships under which they may take ``step`` on ``rating`` (its product's commune), closest
    first."""
    unit = rating.product.unit
    found = [m for m in memberships(user) if (m.role, m.unit.unit_type.level.code) in step.actors and covers(m, unit)]
    return sorted(found, key=lambda m: (not unit.path.startswith(m.unit.path), -len(m.unit.path)))


def who_takes(step: Step, rating: Rating) -> str:
    """«tài khoản của chủ thể «…» hoặc cán bộ phụ trách NTM xã …»."""
    names = [f"tài khoản của chủ thể «{rating.product.producer.name}»"] if step.producer else []
    if step.actors:
        names.append(actors_text(step.actors, rating.product.unit))
    return " hoặc ".join(names)


def _refusal(user, step: Step, rating: Rating) -> WorkflowError | None:
    if not _active(user):
        return WorkflowError(f"Bạn cần đăng nhập để {_verb(step)}.", "login")
    if user.is_superuser or (step.producer and is_producer(user, rating)) or acting(user, step, rating):
        return None
    own = memberships(user)
    mine = f"Bạn là {'; '.join(role_at(m.role, m.unit) for m in own)}, nên" if own else "Tài khoản của bạn"
    return WorkflowError(f"{mine} không được {_verb(step)} với {dossier_phrase(rating)}. Việc này do "
                         f"{who_takes(step, rating)} thực hiện.", "role")


def _separation(definition: Definition, step: Step, rating: Rating, user) -> WorkflowError | None:
    earlier = definition.separation.get(step.action)
    if not earlier or not _active(user):
        return None
    taken = (RatingEvent.objects.filter(rating=rating, actor=user, action__in=earlier)
             .order_by("timestamp", "pk").first())
    if taken is None:
        return None
    names = " hoặc ".join(f"«{LABELS[a]}»" for a in earlier)
    return WorkflowError(
        f"Bạn đã thực hiện bước «{LABELS[taken.action]}» với {dossier_phrase(rating)} ngày "
        f"{format_date(timezone.localtime(taken.timestamp).date())}, nên không được thực hiện bước «{step.label}» "
        f"với hồ sơ này: theo «{definition.name}», người đã thực hiện bước {names} không được thực hiện bước "
        f"«{step.label}» của cùng hồ sơ (tách bạch nhiệm vụ), dù có vai trò nào. Việc này do một cán bộ khác của "
        f"{who_takes(step, rating)} thực hiện.", "separation")


def _find_step(definition: Definition, rating: Rating, action: str, state: str, stage: str) -> Step:
    """The step ``action`` open at the dossier's state and stage; WorkflowError when there is none."""
    if not definition.has(action):
        steps = ", ".join(dict.fromkeys(f"«{s.label}»" for s in definition.steps))
        raise WorkflowError(f"{_cap(dossier_phrase(rating))} theo «{definition.name}», không có bước "
                            f"«{LABELS.get(action, action)}». Các bước của quy trình này: {steps}.", "step")
    for step in definition.steps:
        if step.action == action and step.applies(state, stage):
            return step
    candidates = [s for s in definition.steps if s.action == action]
    step = next((s for s in candidates if not s.stage or s.stage == stage), candidates[0])
    return step


def _state_error(definition: Definition, rating: Rating, step: Step, state: str, stage: str) -> WorkflowError:
    where = f" ({stage_name(stage)})" if stage else ""
    need = " hoặc ".join(f"«{definition.state_label(s)}»" for s in step.sources)
    at = f" ở {stage_name(step.stage)}" if step.stage else ""
    return WorkflowError(
        f"{_cap(dossier_phrase(rating))} đang ở trạng thái «{definition.state_label(state)}»{where}, nên chưa "
        f"{_verb(step)} được: bước này chỉ thực hiện khi hồ sơ{at} ở trạng thái {need}.", "state")


def waits_for_council(rating: Rating, level: str, today: dt.date | None = None) -> bool:
    """Whether ``rating`` waits for the scores of a council of ``level`` (its «score» step open at its state and
    stage): a round may take it, its members may score it."""
    here = position(rating, today)
    return here.stage == level and any(s.action == "score" and s.applies(here.state, here.stage)
                                       for s in here.definition.steps)


def enter_scores(evaluation: Evaluation, member, points, user, *, note: str = "") -> Evaluation:
    """A council member's points through ``scoring.set_scores``, under the dossier's row lock as a step takes it: points
    sent while the council's scoring is being closed or decided wait for that step, then find the dossier no longer
    waiting for the council (WorkflowError «state»). The score grid page and the API both write points here."""
    from . import scoring

    council = evaluation.round.council
    level = council.unit.unit_type.level.code
    with transaction.atomic():
        locked = Rating.objects.select_for_update(of=("self",)).select_related("product").get(pk=evaluation.rating_id)
        if not waits_for_council(locked, level):
            raise WorkflowError(f"{_cap(dossier_phrase(locked))} không còn chờ «{council.name}» chấm điểm («"
                                f"{state_label(locked)}»), nên không sửa điểm được.", "state")
        evaluation.rating = locked
        return scoring.set_scores(evaluation, member, points, user, note=note)


def evaluation_at(rating: Rating, stage: str | None) -> Evaluation | None:
    """The council result a step reads: the latest evaluation by a council of ``stage`` (its unit's level); for a
    stage without a council in the system (trung_uong) or None, the latest of any."""
    evaluations = Evaluation.objects.filter(rating=rating).select_related("round__council__unit__unit_type__level")
    if stage and stage != "trung_uong":
        evaluations = evaluations.filter(round__council__unit__unit_type__level__code=stage)
    return evaluations.order_by("-round__date", "-pk").first()


def _evaluation_refusal(step: Step, rating: Rating, stage: str) -> WorkflowError | None:
    if not (step.requires_evaluation or step.minimum_points is not None or step.stars):
        return None
    evaluation = evaluation_at(rating, stage if step.requires_evaluation else None)
    council = f"hội đồng {stage_name(stage)}" if step.requires_evaluation else "hội đồng"
    if evaluation is None:
        return WorkflowError(f"{_cap(dossier_phrase(rating))} chưa được đưa vào đợt đánh giá nào của {council}, nên "
                             f"chưa {_verb(step)} được. Trước đó cần: lập đợt đánh giá có hồ sơ này và nhập điểm của "
                             "các thành viên hội đồng.", "evaluation")
    if not evaluation.complete:
        return WorkflowError(f"Đợt «{evaluation.round}» chưa đủ điểm của mọi thành viên dự họp cho "
                             f"{dossier_phrase(rating)}, nên chưa {_verb(step)} được. Trước đó cần: nhập đủ điểm của "
                             "từng thành viên ở bảng chấm điểm.", "evaluation")
    if step.minimum_points is not None and (evaluation.total is None or evaluation.total < step.minimum_points):
        return WorkflowError(f"Tổng điểm hội đồng của {dossier_phrase(rating)} là {points_text(evaluation.total)}, "
                             f"dưới {points_text(step.minimum_points)} điểm, nên không {_verb(step)} được "
                             f"({step.description}).", "points")
    return None


def why_not(rating: Rating, action: str, user, today: dt.date | None = None) -> WorkflowError | None:
    """The refusal ``perform`` would give before the reason, stars and decision; None when the step is open."""
    try:
        here = position(rating, today)
        step = _find_step(here.definition, rating, action, here.state, here.stage)
        refused = _refusal(user, step, rating) or _separation(here.definition, step, rating, user)
        if refused is None and not step.applies(here.state, here.stage):
            refused = _state_error(here.definition, rating, step, here.state, here.stage)
        return refused or _evaluation_refusal(step, rating, here.stage)
    except WorkflowError as exc:
        return exc


def available_actions(rating: Rating, user, today: dt.date | None = None) -> list[Step]:
    """The steps ``user`` may take on ``rating`` now (forms the dossier page shows)."""
    here = position(rating, today)
    return [step for step in here.definition.steps if step.applies(here.state, here.stage)
            and why_not(rating, step.action, user, today) is None]


def held_back(rating: Rating, user, today: dt.date | None = None) -> list[tuple[Step, str]]:
    """The steps the dossier's state opens and the user's role allows, but that are refused for another reason
    (separation, an evaluation missing or incomplete, too few points), with why."""
    here = position(rating, today)
    found = []
    for step in here.definition.steps:
        if not step.applies(here.state, here.stage) or _refusal(user, step, rating) is not None:
            continue
        refused = why_not(rating, step.action, user, today)
        if refused is not None:
            found.append((step, refused.message))
    return found


def awaiting(user, ratings: QuerySet[Rating], today: dt.date | None = None) -> list[Rating]:
    """The open dossiers of ``ratings`` (the user's scope) on which ``user`` may take a step now, each with
    ``actions`` (the steps) — the work list. Read in one query, then checked per dossier: a province's open dossiers
    of a year are a few hundred at most."""
    found = []
    for rating in (ratings.filter(state__in=OPEN_STATES)
                   .select_related("product__producer", "product__unit__unit_type__level", "sheet")
                   .order_by("-year", "pk")):
        rating.actions = available_actions(rating, user, today)
        if rating.actions:
            found.append(rating)
    return found


# --------------------------------------------------------------------------------------- steps

def _last_event(rating: Rating) -> RatingEvent | None:
    return RatingEvent.objects.filter(rating=rating).order_by("-timestamp", "-pk").first()


def stale_error(rating: Rating, expected_version: int) -> WorkflowError:
    """The refusal (code "stale") of a step based on version ``expected_version`` of a dossier changed since."""
    event = _last_event(rating)
    if event is None:
        who = "vừa được người khác thay đổi"
    else:
        when = timezone.localtime(event.timestamp)
        who = (f"vừa được {event.actor_name or 'người khác'} thay đổi lúc {when:%H:%M} ngày "
               f"{when.day}/{when.month}/{when.year} (bước «{LABELS.get(event.action, event.action)}»)")
    return WorkflowError(f"{_cap(dossier_phrase(rating))} {who} sau khi bạn mở trang (hồ sơ đang ở phiên bản "
                         f"{rating.version}, trang của bạn là phiên bản {expected_version}). Bước này chưa được "
                         "thực hiện. Tải lại trang, kiểm tra rồi thực hiện lại.", "stale")


def _event(rating: Rating, action: str, from_state: str, user, *, role: str, reason: str = "",
           details: dict | None = None) -> RatingEvent:
    return RatingEvent.objects.create(
        rating=rating, action=action, from_state=from_state, to_state=rating.state, stage=rating.stage,
        actor=user, actor_name=user.get_username() if user is not None else "hệ thống", actor_role=role,
        reason=reason, details=details or {})


def _transfer_locked(locked: Rating, user=None, today: dt.date | None = None) -> RatingEvent | None:
    here = position(locked, today)
    if here.moving_from is None:
        return None
    before = {"state": locked.state, "stage": locked.stage, "workflow": locked.workflow, "version": locked.version}
    Rating.objects.filter(pk=locked.pk).update(state=here.state, stage=here.stage, workflow=here.definition.code,
                                               version=F("version") + 1)
    locked.refresh_from_db(fields=["state", "stage", "workflow", "version"])
    ended = here.moving_from
    details = {"from_workflow": ended.code, "to_workflow": here.definition.code, "from_stage": before["stage"],
               "ended": ended.valid_to.isoformat() if ended.valid_to else None}
    event = _event(locked, TRANSFER, before["state"], user, role="quy trình hồ sơ", reason=ended.transfer_reason,
                   details=details)
    record("transition", locked, before=before,
           after={"state": locked.state, "stage": locked.stage, "workflow": locked.workflow,
                  "version": locked.version, "action": TRANSFER}, user=user, note=ended.transfer_reason)
    return event


def _lock(rating: Rating) -> Rating:
    return (Rating.objects.select_for_update(of=("self",))
            .select_related("product__producer", "product__unit__unit_type__level", "sheet").get(pk=rating.pk))


def transfer(rating: Rating, *, user=None, today: dt.date | None = None) -> RatingEvent | None:
    """Move the dossier to its definition's successor when that has ended while the dossier is open (an event says
    why); None when nothing was due. Updates ``rating`` in place."""
    with transaction.atomic():
        locked = _lock(rating)
        event = _transfer_locked(locked, user, today)
    if event is not None:
        _copy(locked, rating)
    return event


def _copy(source: Rating, target: Rating) -> None:
    for name in ("state", "stage", "workflow", "version", "pre_assessment"):
        setattr(target, name, getattr(source, name))


def perform(rating: Rating, action: str, user, *, reason: str = "", stars: int | None = None,
            decision: dict | None = None, pre_assessment: str | None = None, expected_version: int | None = None,
            today: dt.date | None = None) -> RatingEvent:
    """Take step ``action`` on ``rating`` as ``user``, or raise WorkflowError (Vietnamese) saying why not.

    ``reason``: required by the steps with a ``reason_hint`` (return, not_recognise). ``pre_assessment``: the
    commune's opinion (required by «preassess»). ``stars`` and ``decision`` (number, date, authority): a decision
    step's certificate (``certificates.issue``). Updates ``rating`` in place; returns the event."""
    reason = (reason or "").strip()
    today = _today(today)
    with transaction.atomic():
        locked = _lock(rating)
        here = position(locked, today)
        step = _find_step(here.definition, locked, action, here.state, here.stage)
        refused = _refusal(user, step, locked)
        if refused is not None:
            raise refused
        if expected_version is not None and expected_version != locked.version:
            raise stale_error(locked, expected_version)
        _transfer_locked(locked, user, today)
        definition = position(locked, today).definition
        refused = _separation(definition, step, locked, user)
        if refused is None and not step.applies(locked.state, locked.stage):
            refused = _state_error(definition, locked, step, locked.state, locked.stage)
        refused = refused or _evaluation_refusal(step, locked, locked.stage)
        if refused is not None:
            raise refused
        if step.needs_reason and not reason:
            raise WorkflowError(step.reason_hint, "reason")
        updates: dict[str, Any] = {}
        if "pre_assessment" in step.needs:
            text = (pre_assessment if pre_assessment is not None else locked.pre_assessment).strip()
            if not text:
                raise WorkflowError("Phải ghi ý kiến đánh giá sơ bộ của xã (nội dung hồ sơ đã kiểm tra, đề xuất hạng "
                                    "sao) trước khi đề xuất sản phẩm lên tỉnh.", "needs")
            updates["pre_assessment"] = text
        details: dict[str, Any] = {"workflow": definition.code, "step": step.key}
        if step.requires_evaluation or step.stars or step.minimum_points is not None:
            evaluation = evaluation_at(locked, locked.stage if step.requires_evaluation else None)
            details["evaluation"] = {"id": evaluation.pk, "total": str(evaluation.total), "stars": evaluation.stars,
                                     "parts": evaluation.parts, "gates_failed": evaluation.gates_failed}
        if step.stars:
            try:
                certificate = certificates.issue(locked, evaluation, level=step.stage, allowed=step.stars,
                                                 stars=stars, decision=decision, user=user, today=today)
            except CertificateRejected as exc:
                raise WorkflowError(exc.message, exc.code) from None
            details["certificate"] = {"id": certificate.pk, "stars": certificate.stars,
                                      "number": certificate.decision_number,
                                      "date": certificate.decision_date.isoformat(),
                                      "valid_until": certificate.valid_until.isoformat()}
        elif stars is not None or decision:
            raise WorkflowError(f"Bước «{step.label}» không kèm quyết định công nhận; quyết định chỉ ghi ở bước "
                                f"«{LABELS['decide']}».", "decision")
        from_state, before = locked.state, {"state": locked.state, "stage": locked.stage, "version": locked.version}
        Rating.objects.filter(pk=locked.pk).update(state=step.target, stage=step.next_stage or locked.stage,
                                                   workflow=definition.code, version=F("version") + 1, **updates)
        locked.refresh_from_db(fields=["state", "stage", "workflow", "version", "pre_assessment"])
        members = acting(user, step, locked)
        role = (role_at(members[0].role, members[0].unit) if members
                else f"chủ thể «{locked.product.producer.name}»" if step.producer and is_producer(user, locked)
                else "quản trị hệ thống")
        event = _event(locked, action, from_state, user, role=role, reason=reason, details=details)
        record("transition", locked, before=before,
               after={"state": locked.state, "stage": locked.stage, "version": locked.version, "action": action,
                      **details}, user=user, note=reason)
        step_taken.send(sender=Rating, rating=locked, event=event, step=step)
    _copy(locked, rating)
    return event


# --------------------------------------------------------------------------------------- a new dossier

def may_start(user, product) -> bool:
    """An account of the product's producer, or an office managing OCOP over its commune."""
    return _active(user) and (product.producer.members.filter(pk=user.pk).exists()
                              or products(user, MANAGE).filter(pk=product.pk).exists())


def start(product, user, *, year: int | None = None, self_assessment: str = "",
          today: dt.date | None = None) -> Rating:
    """Open a rating dossier (draft) for ``product``: the sheet in force today for its sub-group; linked to the
    product's latest certificate (``previous``: a re-rating renews it). Refused while another dossier of the product
    is open."""
    today = _today(today)
    if not may_start(user, product):
        raise WorkflowError(f"Bạn không được lập hồ sơ đánh giá cho sản phẩm «{product.name}». Việc này do tài khoản "
                            f"của chủ thể «{product.producer.name}» hoặc cán bộ quản lý OCOP của "
                            f"{unit_phrase(product.unit)} thực hiện.", "role")
    sheet = sheet_for(product.subgroup, today)
    if sheet is None:
        raise WorkflowError(f"Chưa có phiếu đánh giá OCOP nào áp dụng ngày {format_date(today)} cho phân nhóm "
                            f"«{product.subgroup.name}». Đề nghị Văn phòng Điều phối NTM tỉnh nạp danh mục phiếu "
                            "đánh giá.", "workflow")
    with transaction.atomic():
        open_one = (Rating.objects.select_for_update().filter(product=product, state__in=OPEN_STATES)
                    .order_by("pk").first())
        if open_one is not None:
            raise WorkflowError(f"Sản phẩm «{product.name}» đã có hồ sơ đánh giá năm {open_one.year} đang xử lý "
                                f"(«{position(open_one, today).state_label}»); mở hồ sơ đó thay vì lập hồ sơ mới.",
                                "state")
        previous = Certificate.objects.filter(product=product).order_by("-decision_date", "-pk").first()
        rating = Rating.objects.create(product=product, year=year or today.year, sheet=sheet, workflow="",
                                       state=RatingState.DRAFT, self_assessment=self_assessment.strip(),
                                       previous=previous)
        details = {"sheet": sheet.code, "previous": previous.pk if previous else None}
        _event(rating, START, RatingState.DRAFT, user, role=_starter_role(user, product), details=details)
        record("create", rating, after={"product": product.pk, "year": rating.year, **details}, user=user)
    return rating


def _starter_role(user, product) -> str:
    if product.producer.members.filter(pk=user.pk).exists():
        return f"chủ thể «{product.producer.name}»"
    own = memberships(user)
    return role_at(own[0].role, own[0].unit) if own else "quản trị hệ thống"


def history(rating: Rating) -> QuerySet[RatingEvent]:
    return RatingEvent.objects.filter(rating=rating).select_related("actor").order_by("timestamp", "pk")
