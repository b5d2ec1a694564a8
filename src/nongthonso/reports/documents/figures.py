"""What a report shows: the figures of a unit on a date, gathered from the dashboard's own functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nongthonso.units import groupings
from nongthonso.units.services import find_unit

from .. import selectors
from ..selectors import GroupRow
from ..services import Summary, summary, summary_text


@dataclass
class ReportFigures:
    """What a report shows: the summary (``reports.services.summary``, or ``selectors.public_summary``),
    its Vietnamese paragraph, the table by group (``districts``: rows of ``selectors.group_table``; ``grouping``:
    what they group by) and the criterion shares — as the dashboard shows them."""

    data: Summary
    text: str
    districts: list[GroupRow]
    shares: list[dict]
    grouping: str = groupings.IN_FORCE

    @property
    def two_tier(self) -> bool:
        return self.data.two_tier

    @property
    def grouped_by_unit_in_force(self) -> bool:
        return self.grouping == groupings.IN_FORCE

    @property
    def as_of(self) -> dt.date:
        return self.data.as_of

    @property
    def unit_code(self) -> str:
        return self.data.unit.code

    @property
    def unit_name(self) -> str:
        return self.data.unit.name


def report_figures(code: str, as_of: dt.date, *, period_start: dt.date | None = None, published: bool = False,
                   grouping: str | None = None) -> ReportFigures:
    """The figures of unit ``code`` on ``as_of``, from the same functions as the dashboard
    (``reports.views._compute_figures``); ``grouping``: see ``reports.groupings`` (default the setting's). Raises
    ``UnitNotFound``."""
    data = (selectors.public_summary(code, as_of, grouping=grouping) if published
            else summary(code, as_of, period_start, grouping=grouping))
    root = find_unit(code, as_of)
    scope = selectors.Scope(root, as_of, published, grouping)
    return ReportFigures(data, summary_text(data), selectors.group_table(root, as_of, scope=scope),
                         selectors.criterion_shares(root, as_of, scope=scope), scope.grouping.kind)
