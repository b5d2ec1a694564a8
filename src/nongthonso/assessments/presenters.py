"""One presenter for the rows of an assessment's criteria and indicators, as every page and export shows them.

An assessment's stored engine results (``Assessment.results``: per criterion its verdict, per indicator the value,
threshold, comparator, verdict and gap) become :class:`CriterionRow` and :class:`IndicatorRow` — label, value and
threshold as text, the comparator's label, the verdict and its label, the gap (what a floor lacks, what a ceiling
exceeds) — in the active language. The scorecard shows them as a table; the entry page puts an input beside each
(``views_dossier``); a one-commune export lays them out. Nothing here queries: the caller passes the indicators and
stored values it read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.core.choices import Provenance
from nongthonso.core.text import display_value, format_date, format_number
from nongthonso.criteria.choices import Comparator, ValueType
from nongthonso.criteria.engine import MET, NOT_MET, UNKNOWN
from nongthonso.criteria.models import Indicator, ThresholdConfirmation
from nongthonso.criteria.wording import comparator_label, provenance_label, threshold_text

from .models import IndicatorValue

STATUS_LABELS = {
    MET: gettext_lazy("Đạt"),
    NOT_MET: gettext_lazy("Không đạt"),
    UNKNOWN: gettext_lazy("Chưa xác định"),
}
# what backs a threshold: the province office's confirmation, else the catalogue row's provenance tag
# (``core.choices.Provenance``, carried by the engine into each stored result; labels in ``criteria.wording``)
PROVENANCE_LABELS = {"confirmed": gettext_lazy("Đã xác nhận")}


def provenance_tag(result: Mapping[str, Any]) -> str:
    """The provenance tag of a stored indicator result: its own (results evaluated since the tag exists), else derived
    from its ``verified`` flag as the catalogue derived it (a verified row was quoted; any other, a placeholder)."""
    tag = result.get("provenance")
    if tag in Provenance.values:
        return tag
    return Provenance.QUOTED if result.get("verified") else Provenance.PLACEHOLDER


# a floor (≥, >) not reached lacks the gap; a ceiling (≤, <) or an exact value missed exceeds it
FLOORS = (Comparator.GE, Comparator.GT)


def status_label(status: str) -> str:
    """«Đạt», «Không đạt», «Chưa xác định» (the engine's verdict, translated)."""
    return str(STATUS_LABELS.get(status, status))


def gap_text(comparator: str, status: str, gap: float | None, unit: str = "") -> str:
    """How far a value not met is from its threshold: «thiếu 2,5%» under a floor, «vượt 2,8%» over a ceiling; "" for
    a value met, unknown or without a measurable gap."""
    if status != NOT_MET or gap is None:
        return ""
    amount = display_value(gap, unit)
    if comparator in FLOORS:
        return _("thiếu %(amount)s") % {"amount": amount}
    return _("vượt %(amount)s") % {"amount": amount}


def input_text(value: Any, value_type: str) -> str:
    """A stored value as the entry form's input holds it: 85,7 · 1 / 0 (the Đạt / Không đạt choice) · the category;
    no thousands dots (typed back, 1.234 would read as a decimal)."""
    if value is None:
        return ""
    if value_type == ValueType.BOOLEAN:
        return "1" if value else "0"
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return format_number(number, 0 if number.is_integer() else (2 if abs(number) < 10 else 1)).replace(".", "")
    return str(value)


@dataclass
class IndicatorRow:
    code: str
    name: str
    unit: str
    value_type: str
    value: str  # the value as shown (``display_value``): «52,6 triệu đồng/người/năm», «Có», «—»
    threshold: str  # :func:`threshold_text`, its comparator included
    comparator: str  # the comparator's label: «≥»
    status: str  # met / not_met / unknown
    gap: str  # :func:`gap_text`; "" when there is none
    verified: bool  # the threshold was checked against the source document (the catalogue's flag)
    source: str  # where the threshold comes from (Indicator.source)
    value_source: str  # where the value comes from (IndicatorValue.source)
    # the province office's confirmation of the threshold row the unit is judged against (criteria.confirmations)
    confirmation: ThresholdConfirmation | None = None
    tag: str = Provenance.PLACEHOLDER  # the threshold row's provenance tag (``provenance_tag``)

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def provenance(self) -> str:
        """What backs the threshold: «confirmed» by the province, else the catalogue row's tag — «quoted» from the
        decision, «secondary» source, «placeholder», «province»; "" when there is no threshold to back."""
        if self.threshold == "—":
            return ""
        return "confirmed" if self.confirmation else self.tag

    @property
    def provenance_label(self) -> str:
        """«Đã xác nhận», else the tag's label (``criteria.wording.provenance_label``)."""
        if self.provenance == "confirmed":
            return str(PROVENANCE_LABELS["confirmed"])
        return provenance_label(self.provenance)

    @property
    def provenance_note(self) -> str:
        """The citation and who confirmed it when («Quyết định 318/QĐ-TTg, Phụ lục I, trang 5 — xác nhận bởi Nguyễn
        Văn A ngày 2/3/2026»); otherwise the catalogue's source."""
        c = self.confirmation
        if c is None:
            return self.source
        return _("%(citation)s — xác nhận bởi %(who)s ngày %(date)s") % {
            "citation": c.citation, "who": c.confirmed_by_name or "—",
            "date": format_date(timezone.localtime(c.confirmed_at))}


@dataclass
class CriterionRow:
    code: str
    name: str
    status: str
    group: str = ""  # the criterion's group in its set («I. Quy hoạch»), when the caller read it
    condition: bool = False  # a condition of recognition, not counted among the criteria met
    indicators: list[IndicatorRow] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return status_label(self.status)


def indicator_row(result: Mapping[str, Any], indicator: Indicator | None,
                  stored: IndicatorValue | None = None,
                  confirmation: ThresholdConfirmation | None = None) -> IndicatorRow:
    """The row of one indicator's engine result (``results["criteria"][i]["indicators"][j]``); ``indicator`` gives
    its name, unit and threshold source, ``stored`` the value's source, ``confirmation`` the province's confirmation
    of its threshold (``criteria.confirmations.backing``)."""
    unit = (indicator.unit if indicator else "") or ""
    value_type = indicator.value_type if indicator else ""
    comparator = result.get("comparator", "")
    status = result.get("status", UNKNOWN)
    return IndicatorRow(
        code=result["code"], name=indicator.name if indicator else result["code"], unit=unit, value_type=value_type,
        value=display_value(result.get("value"), unit),
        threshold=threshold_text(result.get("threshold"), comparator, value_type, unit),
        comparator=comparator_label(comparator), status=status,
        gap=gap_text(comparator, status, result.get("gap"), unit),
        verified=bool(result.get("verified", indicator.verified if indicator else False)),
        source=indicator.source if indicator else "", value_source=stored.source if stored else "",
        confirmation=confirmation, tag=provenance_tag(result))


def criterion_rows(results: Mapping[str, Any] | None, indicators: Mapping[str, Indicator],
                   values: Mapping[str, IndicatorValue] | None = None, *, groups: Mapping[str, str] | None = None,
                   only: str | None = None,
                   confirmations: Mapping[str, ThresholdConfirmation] | None = None) -> list[CriterionRow]:
    """The rows of an assessment's stored results (``Assessment.results``), in the set's order: ``indicators`` and
    ``values`` by indicator code, ``groups`` (criterion code → group) when shown, ``only`` one criterion's code,
    ``confirmations`` (indicator code → the province's confirmation of its threshold) when read. No results yet: no
    rows."""
    values = values or {}
    groups = groups or {}
    confirmations = confirmations or {}
    rows = []
    for crit in (results or {}).get("criteria") or ():
        code = str(crit["code"])
        if only is not None and code != str(only):
            continue
        rows.append(CriterionRow(
            code=code, name=crit.get("name", ""), status=crit.get("status", UNKNOWN), group=groups.get(code, ""),
            condition=bool(crit.get("condition")),
            indicators=[indicator_row(res, indicators.get(res["code"]), values.get(res["code"]),
                                      confirmations.get(res["code"])) for res in crit.get("indicators", ())]))
    return rows
