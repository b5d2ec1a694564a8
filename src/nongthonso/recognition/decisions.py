"""Recording a recognition decision for a unit: the one write path the dossier workflow uses (its «record decision»
step, ``assessments.workflow``) to make a unit's status change.

``record_decision`` checks the decision (an existing ``Decision`` to add the unit to, or the number, date and
authority of one), finds or creates it — one decision names every unit it recognises, so the same number and date
recorded for a second commune adds that commune — audits the write and refreshes the unit's spells once, before the
write commits (``spells.SPELLS``, the write path of ``core.derived``). A refusal is ``DecisionRejected``, its
message in Vietnamese saying what is missing or wrong and how to proceed.

Who may record a decision is the caller's to decide (the workflow's step actors and separation of duties); this
module knows nothing of dossiers: the caller names what the decision is recorded for (``subject``, e.g. «hồ sơ năm
2023 của xã Na Mao»), for the messages and the audit note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from nongthonso.audit.services import record
from nongthonso.core.derived import writing
from nongthonso.core.vocabulary import parse_date
from nongthonso.criteria.choices import Level
from nongthonso.units.models import Unit

from . import spells
from .models import Decision


@dataclass(frozen=True)
class DecisionInput:
    """The recognition decision the province records: number, date of issue, issuing authority."""

    number: str
    date: dt.date | str | None
    authority: str
    note: str = ""


class DecisionRejected(ValueError):
    """A decision that cannot be recorded; ``message`` (Vietnamese) says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _decision_input(decision) -> DecisionInput:
    if isinstance(decision, DecisionInput):
        return decision
    if isinstance(decision, Mapping):
        return DecisionInput(number=str(decision.get("number") or ""), date=decision.get("date"),
                             authority=str(decision.get("authority") or ""), note=str(decision.get("note") or ""))
    raise DecisionRejected("Để ghi quyết định công nhận, cần số quyết định, ngày ban hành và cơ quan ban hành "
                           "(ví dụ: 1234/QĐ-UBND, 20/12/2023, UBND tỉnh Thái Nguyên).")


def _existing(decision: Decision, level: str, for_year: int, subject: str) -> Decision:
    """``decision`` when it recognises ``level`` for ``for_year``; DecisionRejected naming what differs otherwise."""
    problems = []
    if decision.kind != Decision.Kind.RECOGNITION:
        problems.append("không phải quyết định công nhận")
    if decision.level != level:
        problems.append(f"công nhận mức «{decision.get_level_display()}», còn hồ sơ là mức «{Level(level).label}»")
    if decision.for_year != for_year:
        problems.append(f"công nhận cho năm {decision.for_year}, còn hồ sơ là năm {for_year}")
    if problems:
        raise DecisionRejected(f"Không dùng được {decision} cho {subject}: {'; '.join(problems)}. Chọn đúng quyết "
                               "định hoặc nhập quyết định mới.")
    return decision


def _checked(data: DecisionInput, for_year: int) -> tuple[str, dt.date, str]:
    """The number, date and authority of ``data``; DecisionRejected listing every problem otherwise."""
    number, authority = data.number.strip(), data.authority.strip()
    date = parse_date(data.date)
    problems = []
    if not number:
        problems.append("thiếu số, ký hiệu quyết định (ví dụ 1234/QĐ-UBND)")
    if date is None:
        problems.append("thiếu ngày ban hành hoặc ngày không đúng dạng ngày/tháng/năm (ví dụ 20/12/2023)")
    elif date > timezone.localdate():
        problems.append(f"ngày ban hành {date.day}/{date.month}/{date.year} ở tương lai; chỉ ghi quyết định đã "
                        "ban hành")
    elif date.year < for_year:
        problems.append(f"ngày ban hành {date.day}/{date.month}/{date.year} trước năm {for_year}, trong khi quyết "
                        f"định công nhận cho năm {for_year}")
    if not authority:
        problems.append("thiếu cơ quan ban hành (ví dụ UBND tỉnh Thái Nguyên)")
    if problems:
        raise DecisionRejected("Chưa ghi được quyết định công nhận: " + "; ".join(problems) + ".")
    return number, date, authority


def _add_unit(decision: Decision, unit: Unit) -> None:
    """Name ``unit`` in ``decision``; its spells are refreshed once, at the end of the write (the link is written
    directly, so the signal that keeps spells in step with edits made elsewhere — the admin — adds nothing)."""
    Decision.units.through.objects.create(decision=decision, unit=unit)
    spells.SPELLS.touch([unit.pk])


@writing()
def record_decision(unit: Unit, *, level: str, for_year: int, decision, subject: str, user=None) -> Decision:
    """Record that ``decision`` recognises ``unit`` at ``level`` (a ``Level``) for ``for_year``, as ``user``;
    ``subject`` names what it is recorded for, in the messages and the audit note. Returns the decision.

    ``decision``: an existing ``Decision`` (a recognition of ``level`` for ``for_year``) to add the unit to; or a
    ``DecisionInput`` or mapping with number, date (a date, «2023-12-20» or «20/12/2023»), authority (and note):
    the decision of that number and date (compared ignoring case and spacing) if recorded — it must be a
    recognition of the same level, year and authority — or a new one. Raises DecisionRejected."""
    if isinstance(decision, Decision):
        target = _existing(decision, level, for_year, subject)
    else:
        data = _decision_input(decision)
        number, date, authority = _checked(data, for_year)
        # compared in Python: SQLite's case-insensitive match folds ASCII only, not «Đ»/«đ»
        same = [d for d in Decision.objects.filter(date=date) if _folded(d.number) == _folded(number)]
        target = next((d for d in same if d.kind == Decision.Kind.RECOGNITION and d.level == level
                       and d.for_year == for_year and _folded(d.authority) == _folded(authority)), None)
        if target is None and same:
            raise DecisionRejected(f"Đã có {same[0]} của {same[0].authority}, mức «{same[0].get_level_display()}», "
                                   f"cho năm {same[0].for_year}; không khớp với hồ sơ này (mức «{Level(level).label}», "
                                   f"năm {for_year}). Kiểm tra lại số, ngày và cơ quan ban hành.")
        if target is None:
            target = Decision.objects.create(number=number, date=date, authority=authority,
                                             kind=Decision.Kind.RECOGNITION, level=level, for_year=for_year,
                                             note=data.note.strip())
            _add_unit(target, unit)
            record("create", target, after={"number": number, "date": date.isoformat(), "authority": authority,
                                            "kind": target.kind, "level": level, "for_year": for_year,
                                            "units": [unit.code]},
                   user=user, note=f"Ghi theo {subject}")
            return target
    if not target.units.filter(pk=unit.pk).exists():
        before = sorted(target.units.values_list("code", flat=True))
        _add_unit(target, unit)
        record("update", target, before={"units": before}, after={"units": sorted([*before, unit.code])},
               user=user, note=f"Thêm {unit} theo {subject}")
    return target
