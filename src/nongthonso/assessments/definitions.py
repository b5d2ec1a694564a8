"""Dossier workflows as data: the definition files, the loaded rows, and which workflow a dossier follows.

A workflow (``models.Workflow`` with its ``WorkflowStep`` rows) says which steps there are, who takes each — a role
granted on a unit of a given level that covers the dossier's unit — and what each requires. Which one a dossier
follows is chosen by the structure its unit sits in: the three-tier flow (commune → district → province) for a
commune under a district, the two-tier flow (commune → province) for a commune directly under the province, and
among several for the same structure, the one in force in the dossier's year. A dossier keeps the workflow it
started under (``Assessment.workflow``, stored at its first step) until that workflow ends; then, while still in
progress, it moves to the workflow's successor (``workflow.transfer``).

The definitions come from ``workflows/*.yaml`` (``read_files``, ``load``): the migration that introduced them loads
the folder, ``nongthonso workflows load`` loads it again after a change, and the province may edit the rows in the
admin. ``definitions()`` reads the rows once per change (a one-row token query otherwise).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from time import monotonic

import yaml
from django.db.models import Count, Max

from nongthonso.accounts.models import Action
from nongthonso.core import registry

WORKFLOW_DIR = Path(__file__).resolve().parent / "workflows"
STATES = ("draft", "submitted", "returned", "verified", "approved", "recognised")
REQUIREMENT_NAMES = ("confirmed_values",)


class DefinitionError(ValueError):
    """A workflow file that cannot be loaded; the message says where and how to fix it."""


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str
    actors: tuple[tuple[str, str], ...]  # (role, unit level code)
    description: str  # the step as a clause: «tỉnh thẩm định, phê duyệt hồ sơ»
    reason_hint: str = ""  # non-empty: a reason is required, and this says what to write
    needs_decision: bool = False
    requires: tuple[str, ...] = ()

    @property
    def needs_reason(self) -> bool:
        return bool(self.reason_hint)

    @property
    def label(self) -> str:
        return Action(self.action).label

    # the name the templates and older callers use for a step's clause
    @property
    def step(self) -> str:
        return self.description


@dataclass(frozen=True)
class Definition:
    pk: int
    code: str
    name: str
    legal_basis: str
    parent_level: str
    valid_from: dt.date
    valid_to: dt.date | None
    successor: str | None
    transfer_states: dict[str, str]
    transfer_reason: str
    separation: dict[str, tuple[str, ...]]
    state_labels: dict[str, str]
    steps: tuple[Step, ...]
    by_action: dict[str, Step] = field(default_factory=dict)

    def step(self, action: str) -> Step | None:
        return self.by_action.get(action)

    def state_label(self, state: str) -> str:
        from .models import State

        return self.state_labels.get(state) or State(state).label

    def overlaps_year(self, year: int) -> bool:
        return self.valid_from <= dt.date(year, 12, 31) and (self.valid_to is None
                                                              or self.valid_to >= dt.date(year, 1, 1))

    def ended_before(self, date: dt.date) -> bool:
        return self.valid_to is not None and self.valid_to < date


# ---------------------------------------------------------------------------------------------------- files

def check_step(step: dict, at: str) -> None:
    """Refuse a step that could not run (unknown action, state, role, level or requirement), saying where (``at``)."""
    if step.get("action") not in Action.values or step["action"] in (Action.VIEW, Action.EDIT_VALUES):
        raise DefinitionError(f"{at}: «action» phải là một bước quy trình: submit, verify, return, approve, "
                              "record_decision, reopen.")
    states = [*step.get("sources", []), step.get("target")]
    if not step.get("sources") or any(s not in STATES for s in states):
        raise DefinitionError(f"{at}: «sources» và «target» phải là các trạng thái {', '.join(STATES)}.")
    for actor in step.get("actors") or [None]:
        roles = registry.codes(registry.Role)
        if not isinstance(actor, dict) or actor.get("role") not in roles or not actor.get("level"):
            raise DefinitionError(f"{at}: mỗi người thực hiện cần «role» (một trong {', '.join(roles)}) và "
                                  "«level» (mã cấp đơn vị: tinh, huyen, xa …).")
        levels = registry.get(registry.Role, actor["role"]).levels
        if levels is not None and actor["level"] not in levels:
            raise DefinitionError(f"{at}: vai trò «{actor['role']}» chỉ được giao ở cấp {', '.join(levels)}, không "
                                  f"phải «{actor['level']}».")
    unknown = set(step.get("requires") or ()) - set(REQUIREMENT_NAMES)
    if unknown:
        raise DefinitionError(f"{at}: không có điều kiện {sorted(unknown)}; dùng: {', '.join(REQUIREMENT_NAMES)}.")


def _check(spec: dict, name: str) -> None:
    """Refuse a definition that could not run, saying where and how to fix it."""
    where = f"Tệp quy trình «{name}»"
    for key in ("code", "name", "parent_level", "valid_from", "steps"):
        if not spec.get(key):
            raise DefinitionError(f"{where}: thiếu khóa «{key}».")
    actions = set()
    for i, step in enumerate(spec["steps"], start=1):
        at = f"{where}, bước {i} ({step.get('action', '?')})"
        check_step(step, at)
        if step["action"] in actions:
            raise DefinitionError(f"{at}: bước này đã có trong quy trình; mỗi bước chỉ khai báo một lần.")
        actions.add(step["action"])
    steps = {a for a in Action.values if a not in (Action.VIEW, Action.EDIT_VALUES)}
    for action, earlier in (spec.get("separation") or {}).items():
        # the earlier steps may be another workflow's: a dossier verified by a district before 1/7/2025 keeps
        # that step in its round after it moves to the two-tier workflow
        if action not in actions or not set(earlier) <= steps:
            raise DefinitionError(f"{where}: «separation» nêu một bước của quy trình và các bước (của quy trình này "
                                  "hoặc quy trình trước) mà người đã làm không được làm bước đó.")
    for state, target in (spec.get("transfer_states") or {}).items():
        if state not in STATES or target not in STATES:
            raise DefinitionError(f"{where}: «transfer_states» phải ánh xạ trạng thái sang trạng thái.")


def read_files(directory: Path = WORKFLOW_DIR) -> list[dict]:
    """Every definition in ``directory``, checked; successors after the workflows that name them."""
    specs = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DefinitionError(f"Tệp quy trình «{path.name}» không đúng cú pháp YAML: {exc}") from exc
        _check(spec, path.name)
        specs.append(spec)
    codes = {s["code"] for s in specs}
    for spec in specs:
        if spec.get("successor") and spec["successor"] not in codes:
            raise DefinitionError(f"Quy trình «{spec['code']}» chuyển hồ sơ sang «{spec['successor']}», nhưng không "
                                  "có tệp nào khai báo quy trình đó.")
    return specs


def load(specs: list[dict] | None = None, *, workflow_model=None, step_model=None) -> list[str]:
    """Create or update the workflows of ``specs`` (default: the files), their steps replaced. The models can be
    given (a migration passes its historical models). Returns the codes loaded."""
    if workflow_model is None:
        from .models import Workflow, WorkflowStep

        workflow_model, step_model = Workflow, WorkflowStep
    specs = read_files() if specs is None else specs
    rows = {}
    for spec in specs:
        rows[spec["code"]], _ = workflow_model.objects.update_or_create(code=spec["code"], defaults={
            "name": spec["name"], "legal_basis": " ".join(str(spec.get("legal_basis", "")).split()),
            "parent_level": spec["parent_level"], "valid_from": spec["valid_from"],
            "valid_to": spec.get("valid_to"), "transfer_states": spec.get("transfer_states") or {},
            "transfer_reason": " ".join(str(spec.get("transfer_reason", "")).split()),
            "separation": spec.get("separation") or {}, "state_labels": spec.get("state_labels") or {},
            "source": spec.get("source", ""), "verified": bool(spec.get("verified", False))})
    for spec in specs:
        row = rows[spec["code"]]
        row.successor = rows.get(spec.get("successor"))
        row.save(update_fields=["successor", "updated_at"])
        step_model.objects.filter(workflow=row).delete()
        step_model.objects.bulk_create([step_model(
            workflow=row, action=step["action"], sources=list(step["sources"]), target=step["target"],
            actors=[{"role": a["role"], "level": a["level"]} for a in step["actors"]],
            description=step["description"], reason_hint=" ".join(str(step.get("reason_hint", "")).split()),
            needs_decision=bool(step.get("needs_decision")), requires=list(step.get("requires") or ()),
            position=i) for i, step in enumerate(spec["steps"])])
    forget()
    return list(rows)


# ---------------------------------------------------------------------------------------------------- runtime

_cache: dict = {"token": None, "checked": 0.0, "definitions": {}}
_lock = Lock()
RECHECK_SECONDS = 1.0  # how stale another process's admin edit may look here, at most


def _token():
    from .models import Workflow

    # a step saved or deleted touches its workflow's updated_at (models' signals): one aggregate tells any change
    return tuple(Workflow.objects.aggregate(n=Count("pk"), changed=Max("updated_at")).values())


def forget() -> None:
    """Drop the cached definitions (a workflow or step saved in this process: signals, ``load``)."""
    with _lock:
        _cache.update(token=None, checked=0.0)


def definitions() -> dict[str, Definition]:
    """{code: Definition} of every stored workflow. Read again after a change saved in this process (at once) or in
    another one (within ``RECHECK_SECONDS``: the token query runs at most once a second, not on every call)."""
    from .models import Workflow

    now = monotonic()
    if _cache["token"] is not None and now - _cache["checked"] < RECHECK_SECONDS:
        return _cache["definitions"]
    token = _token()
    if _cache["token"] == token:
        _cache["checked"] = now
        return _cache["definitions"]
    found = {}
    for row in Workflow.objects.select_related("successor").prefetch_related("steps"):
        steps = tuple(Step(s.action, tuple(s.sources), s.target,
                           tuple((a["role"], a["level"]) for a in s.actors), s.description, s.reason_hint,
                           s.needs_decision, tuple(s.requires)) for s in row.steps.all())
        found[row.code] = Definition(
            row.pk, row.code, row.name, row.legal_basis, row.parent_level, row.valid_from, row.valid_to,
            row.successor.code if row.successor_id else None, dict(row.transfer_states), row.transfer_reason,
            {k: tuple(v) for k, v in row.separation.items()}, dict(row.state_labels), steps,
            {s.action: s for s in steps})
    with _lock:
        _cache.update(token=token, checked=now, definitions=found)
    return found


def by_pk(pk: int) -> Definition:
    return next(d for d in definitions().values() if d.pk == pk)


def parent_level_of(unit) -> str | None:
    return unit.parent.unit_type.level.code if unit.parent_id else None


def select(unit, year: int) -> Definition | None:
    """The workflow the structure of ``unit`` selects for a dossier of ``year``: the workflows for units whose
    parent is at the unit's parent's level, the one in force during the year first (the latest-starting among
    several), else the nearest in time. None when no workflow applies to that structure."""
    level = parent_level_of(unit)
    candidates = [d for d in definitions().values() if d.parent_level == level]
    if not candidates:
        return None
    during = [d for d in candidates if d.overlaps_year(year)]
    if during:
        return max(during, key=lambda d: d.valid_from)
    jan1 = dt.date(year, 1, 1)
    return min(candidates, key=lambda d: abs((d.valid_from - jan1).days))


def selection_text(unit) -> str:
    """Why no workflow applies, in words, for the refusal."""
    level = unit.parent.unit_type.level.name.lower() if unit.parent_id else "không có cấp trên"
    return (f"Chưa có quy trình hồ sơ nào cho đơn vị trực thuộc {level}. Đề nghị quản trị hệ thống nạp quy trình "
            "(nongthonso workflows load) hoặc khai báo quy trình trong trang quản trị.")
