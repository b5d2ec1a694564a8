"""Alerts: communes recognised at a level whose latest assessment for that level does not meet it.

Status comes from decisions (``recognition.services``), compliance from assessments (``assessments.services``); an
alert is where the two disagree. Recording a decision is not refused when the results say the unit does not meet
the level — a signed decision is a legal fact to be recorded — so the disagreement shows here instead, revocation
cases (Decision 18/2022/QĐ-TTg) first. The dashboards list them (``selectors.alert_rows``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from nongthonso.assessments.latest import latest_assessments
from nongthonso.assessments.models import Assessment
from nongthonso.criteria.choices import COMMUNE_LEVELS, LEVEL_RANK
from nongthonso.recognition.services import Status, statuses_on
from nongthonso.units.models import Unit


@dataclass
class Alert:
    unit: Unit
    level: str
    assessment: Assessment
    revoke: bool

    @property
    def action(self) -> str:
        return "Xem xét thu hồi quyết định công nhận" if self.revoke else "Duy trì, nâng chất các tiêu chí"


def alerts(units: Iterable[Unit], date: dt.date, *, statuses: dict[int, Status] | None = None,
           latest: dict[str, dict[int, Assessment]] | None = None) -> list[Alert]:
    """Units recognised at a level whose latest assessment for that level does not meet it.

    A caller that has them already passes the units' ``statuses`` on ``date`` (``statuses_on``) and, per level,
    the latest assessments (``latest_assessments(units, level, date.year)`` among all assessments) of units that
    include every holder of the level: they are not read again."""
    units = list(units)
    if statuses is None:
        statuses = statuses_on(units, date)
    latest = latest or {}
    by_pk = {u.pk: u for u in units}
    found = []
    for level in COMMUNE_LEVELS:
        holders = [by_pk[pk] for pk, st in statuses.items() if level in st.levels]
        if not holders:
            continue
        if level in latest:
            known = latest[level]
            picked = {u.pk: known[u.pk] for u in holders if u.pk in known}
        else:
            picked = latest_assessments(holders, level, date.year)
        for unit_id, assessment in picked.items():
            if not assessment.eligible:
                found.append(Alert(by_pk[unit_id], level, assessment, assessment.revoke))
    found.sort(key=lambda a: (not a.revoke, a.unit.sort_key, LEVEL_RANK.get(a.level, 0)))
    return found
