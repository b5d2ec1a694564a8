"""The province office confirms thresholds against the official text (``ThresholdConfirmation``).

The catalogue's rows carry a ``verified`` flag and a source, but most of them were transcribed from summaries
(«Chưa đối chiếu văn bản»). The province office reads the act and records, per threshold row, where the threshold is
written — document, article, appendix, page — and the row then shows as confirmed wherever it is the threshold a unit
of that province is judged against (``backing``: the scorecard, the entry page, the exports, the API).

- **Who**: the province office, for its own province — the province units its roles cover (the version granted on
  and the versions it succeeded by lineage, which share its GSO code or were merged into it); a superuser for any
  province. Checked here (``refusal``), not only by the page.
- **Which rows**: of a national set, the national rows and the province's own overrides, each confirmed by every
  province for itself; of a provincial set, its rows, by its province only. Rows of other regions than the
  province's are not listed (they never apply to its units).
- **Writes** (``confirm``, ``withdraw``) are audited in their transaction; confirming again with the same citation
  changes nothing and writes nothing.
- A confirmation keeps the value it confirmed: if the row's value changes afterwards (a set not yet in use may still
  be edited), the confirmation no longer backs it and the page asks for a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from nongthonso.accounts.models import Role
from nongthonso.accounts.services import memberships, role_at
from nongthonso.audit.services import record
from nongthonso.core.text import same_value
from nongthonso.units.choices import CommuneGroup, Region
from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL

from . import engine
from .catalogue import compiled
from .models import CriteriaSet, Indicator, Threshold, ThresholdConfirmation
from .wording import provenance_label, threshold_text

_PAGE = re.compile(r"^\d{1,4}(\s*[-–]\s*\d{1,4})?$")


class ConfirmationRefused(PermissionError):
    """The user may not confirm thresholds for that province; ``message`` (Vietnamese) says why and who may."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CitationRejected(ValueError):
    """The citation or the choice of rows does not hold: ``errors`` maps a field to a Vietnamese message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Citation:
    """Where a threshold is written: «Quyết định 318/QĐ-TTg ngày 08/3/2022», «Điều 1», «Phụ lục I», page «5»."""

    document: str = ""
    article: str = ""
    appendix: str = ""
    page: str = ""

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Citation:
        return cls(**{f.name: " ".join(str(data.get(f.name) or "").split()) for f in fields(cls)})

    def errors(self) -> dict[str, str]:
        """Field → what is wrong and how to fix it; empty when the citation can be recorded."""
        found = {}
        limits = {f.name: ThresholdConfirmation._meta.get_field(f.name).max_length for f in fields(self)}
        if not self.document:
            found["document"] = _("Chưa ghi văn bản. Ghi số, ký hiệu và ngày của văn bản quy định ngưỡng, ví dụ "
                                  "«Quyết định 318/QĐ-TTg ngày 08/3/2022».")
        if not self.article and not self.appendix:
            found["article"] = _("Chưa ghi điều, khoản hoặc phụ lục. Ghi nơi ngưỡng được quy định trong văn bản, ví "
                                 "dụ «Điều 1, khoản 2» hoặc «Phụ lục I, mục 6.1».")
        if not self.page:
            found["page"] = _("Chưa ghi trang. Ghi số trang của văn bản có ngưỡng, ví dụ 5 hoặc 12–13.")
        elif not _PAGE.match(self.page):
            found["page"] = _("Trang «%(page)s» không đúng dạng. Ghi một số trang (ví dụ 5) hoặc một khoảng trang "
                              "(ví dụ 12–13).") % {"page": self.page}
        for name, limit in limits.items():
            if name not in found and len(getattr(self, name)) > limit:
                found[name] = _("Quá dài (%(n)s ký tự, tối đa %(limit)s). Rút gọn lại.") % {
                    "n": len(getattr(self, name)), "limit": limit}
        return found

    @property
    def text(self) -> str:
        return ThresholdConfirmation(**{f.name: getattr(self, f.name) for f in fields(self)}).citation


def last_citation(cset: CriteriaSet, province_code: str) -> Citation:
    """The citation the province gave last for a row of ``cset`` (to start the next one from), or an empty one."""
    last = (ThresholdConfirmation.objects.filter(threshold__indicator__criteria_set=cset, province_code=province_code)
            .order_by("-confirmed_at", "-pk").first())
    return Citation() if last is None else Citation.from_data({f.name: getattr(last, f.name) for f in fields(Citation)})


# --- who may confirm ------------------------------------------------------------------------------------------------

def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def provinces_for(user) -> dict[str, Unit]:
    """The provinces ``user`` may confirm thresholds for, by GSO code (each code's latest version): the province units
    covered by the user's province-office roles; a superuser, every province. Empty for anyone else."""
    if not _active(user):
        return {}
    provinces = Unit.objects.filter(unit_type__level__code=PROVINCE_LEVEL)
    if not user.is_superuser:
        paths = {p for m in memberships(user) if m.role == Role.PROVINCE_OFFICE for p in m.covered}
        provinces = provinces.filter(path__in=paths)
    return {u.code: u for u in provinces.order_by("valid_from", "pk")}


def may_review(user) -> bool:
    """Whether the menu offers ``user`` the threshold review page: a province office (its role is granted on a
    province: ``accounts.ROLE_LEVELS``) or a superuser. No query beyond the user's memberships, read once per
    request."""
    return _active(user) and (user.is_superuser or any(m.role == Role.PROVINCE_OFFICE for m in memberships(user)))


def refusal(user, province_code: str) -> str | None:
    """None when ``user`` may confirm thresholds for the province ``province_code``; otherwise why not (Vietnamese)."""
    if not _active(user):
        return _("Bạn cần đăng nhập để xác nhận ngưỡng theo văn bản.")
    allowed = provinces_for(user)
    if province_code in allowed:
        return None
    if allowed:
        names = ", ".join(u.name for u in allowed.values())
        return _("Bạn là Văn phòng Điều phối NTM của %(names)s nên chỉ xác nhận được ngưỡng áp dụng cho tỉnh mình, "
                 "không phải cho tỉnh mã %(code)s.") % {"names": names, "code": province_code}
    roles = "; ".join(role_at(m.role, m.unit) for m in memberships(user))
    if roles:
        return _("Vai trò của bạn (%(roles)s) không xác nhận được ngưỡng. Việc này do Văn phòng Điều phối NTM tỉnh "
                 "thực hiện.") % {"roles": roles}
    return _("Tài khoản của bạn chưa được giao vai trò nào. Việc xác nhận ngưỡng do Văn phòng Điều phối NTM tỉnh "
             "thực hiện.")


def _check(user, province_code: str) -> None:
    refused = refusal(user, province_code)
    if refused is not None:
        raise ConfirmationRefused(refused)


# --- the rows a province reviews ------------------------------------------------------------------------------------

def sets_for(province_code: str) -> list[CriteriaSet]:
    """The criteria sets whose thresholds the province reviews: every national set and its own provincial ones,
    the latest in force first."""
    return list(CriteriaSet.objects.filter(Q(province_code="") | Q(province_code=province_code))
                .order_by("-effective_from", "code", "-version"))


@dataclass
class ReviewRow:
    threshold: Threshold  # with its indicator and criterion
    confirmation: ThresholdConfirmation | None  # this province's, if any

    @property
    def indicator(self) -> Indicator:
        return self.threshold.indicator

    @property
    def stale(self) -> bool:
        """Confirmed for another value than the row now holds."""
        return self.confirmation is not None and not same_value(self.confirmation.value, self.threshold.value)

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None and not self.stale

    @property
    def value_text(self) -> str:
        ind = self.indicator
        return threshold_text(self.threshold.value, ind.comparator, ind.value_type, ind.unit)

    @property
    def confirmed_value_text(self) -> str:
        """The value the province confirmed (differs from ``value_text`` when ``stale``)."""
        ind = self.indicator
        return "" if self.confirmation is None else threshold_text(self.confirmation.value, ind.comparator,
                                                                   ind.value_type, ind.unit)

    @property
    def applies_to(self) -> str:
        """Which units the row is for: «Mọi xã», «Vùng Trung du và miền núi phía Bắc, năm 2023», «Quy định của tỉnh»."""
        t = self.threshold
        parts = []
        if t.province_code:
            parts.append(_("Quy định riêng của tỉnh"))
        if t.region:
            parts.append(_("Vùng %(name)s") % {"name": Region(t.region).label if t.region in Region.values
                                               else t.region})
        if t.commune_group is not None:
            parts.append(str(CommuneGroup(t.commune_group).label) if t.commune_group in CommuneGroup.values
                         else _("Nhóm %(n)s") % {"n": t.commune_group})
        if t.year is not None:
            parts.append(_("năm %(year)s") % {"year": t.year})
        return ", ".join(parts) if parts else _("Mọi xã")

    @property
    def source(self) -> str:
        """Where the catalogue took the row from."""
        return self.threshold.source or self.indicator.source

    @property
    def provenance_label(self) -> str:
        """The row's provenance tag in words: «Trích từ văn bản», «Theo nguồn thứ cấp», «Tạm đặt, chưa đối chiếu»."""
        return provenance_label(self.threshold.provenance)


def _regions(province_code: str, cset: CriteriaSet) -> set[str]:
    """The regions of the province's units (every version with its code), and the region the set applies to
    especially disadvantaged and ATK communes: the rows of other regions never apply to the province."""
    roots = Unit.objects.filter(code=province_code, unit_type__level__code=PROVINCE_LEVEL).values_list("path",
                                                                                                          flat=True)
    condition = Q(pk__in=[])
    for path in roots:
        condition |= Q(path__startswith=path)
    found = set(Unit.objects.filter(condition).exclude(region="").values_list("region", flat=True).distinct())
    override = (cset.region_override or {}).get("region")
    return found | ({override} if override else set())


def review_rows(cset: CriteriaSet, province_code: str) -> list[ReviewRow]:
    """The threshold rows of ``cset`` the province ``province_code`` reviews, in the set's order (criterion, indicator,
    then national before provincial, general before specific), each with the province's confirmation. A provincial set
    of another province: none. Three queries."""
    if cset.province_code and cset.province_code != province_code:
        return []
    rows = (Threshold.objects.filter(indicator__criteria_set=cset)
            .filter(Q(province_code="") | Q(province_code=province_code))
            .select_related("indicator__criterion")
            .order_by("indicator__criterion__position", "indicator__position", "province_code", "region",
                      "commune_group", "year", "pk"))
    regions = _regions(province_code, cset) if cset.threshold_dimension == "region" else set()
    if regions:
        rows = rows.filter(Q(region="") | Q(region__in=regions))
    rows = list(rows)
    confirmations = {c.threshold_id: c for c in ThresholdConfirmation.objects.filter(
        threshold__in=rows, province_code=province_code)}
    return [ReviewRow(t, confirmations.get(t.pk)) for t in rows]


def confirmed_indicators(cset: CriteriaSet, province_code: str | None) -> dict[str, list[ThresholdConfirmation]]:
    """Indicator code → the province's confirmations of its rows, for the indicators of ``cset`` whose every row the
    province reviews is confirmed (for an export that lists indicators, not rows). Three queries; none without a
    province."""
    if not province_code:
        return {}
    rows: dict[str, list[ReviewRow]] = {}
    for r in review_rows(cset, province_code):
        rows.setdefault(r.indicator.code, []).append(r)
    return {code: [r.confirmation for r in found] for code, found in rows.items() if all(r.confirmed for r in found)}


# --- writes ---------------------------------------------------------------------------------------------------------

def _after(c: ThresholdConfirmation) -> dict:
    t = c.threshold
    return {"threshold": t.pk, "set": t.indicator.criteria_set.code, "version": t.indicator.criteria_set.version,
            "indicator": t.indicator.code, "province": c.province_code, "value": c.value, "document": c.document,
            "article": c.article, "appendix": c.appendix, "page": c.page}


def _chosen(cset: CriteriaSet, province_code: str, threshold_ids: Iterable[int]) -> list[ReviewRow]:
    ids = list(dict.fromkeys(int(i) for i in threshold_ids))
    if not ids:
        raise CitationRejected({"thresholds": _("Chưa chọn ngưỡng nào. Đánh dấu các ngưỡng đã đối chiếu trong bảng rồi "
                                                 "bấm «Xác nhận».")})
    rows = {r.threshold.pk: r for r in review_rows(cset, province_code)}
    foreign = [i for i in ids if i not in rows]
    if foreign:
        raise CitationRejected({"thresholds": _(
            "Ngưỡng mã %(ids)s không thuộc bộ «%(set)s» hoặc không áp dụng cho tỉnh mã %(code)s. Tải lại trang và "
            "chọn trong bảng.") % {"ids": ", ".join(map(str, foreign)), "set": cset.name, "code": province_code}})
    return [rows[i] for i in ids]


@transaction.atomic
def confirm(user, cset: CriteriaSet, province_code: str, threshold_ids: Iterable[int],
            citation: Citation) -> list[ThresholdConfirmation]:
    """Record that ``user`` (the province office of ``province_code``) read the rows ``threshold_ids`` of ``cset``
    in the text ``citation`` names; a row already confirmed takes the new citation and value. Each change audited; a
    row confirmed with the same citation and value is left as it is (nothing written). Returns the confirmations
    written. Raises ConfirmationRefused, CitationRejected (nothing written)."""
    _check(user, province_code)
    errors = citation.errors()
    if errors:
        raise CitationRejected(errors)
    rows = _chosen(cset, province_code, threshold_ids)
    locked = {c.threshold_id: c for c in ThresholdConfirmation.objects.select_for_update().filter(
        threshold__in=[r.threshold for r in rows], province_code=province_code)}
    now, name = timezone.now(), user.get_full_name() or user.get_username()
    written = []
    for row in rows:
        current = locked.get(row.threshold.pk)
        wanted = {"value": row.threshold.value, **{f.name: getattr(citation, f.name) for f in fields(citation)}}
        if current is not None and all(same_value(getattr(current, k), v) for k, v in wanted.items()):
            continue
        before = None if current is None else _after(current)
        current = current or ThresholdConfirmation(threshold=row.threshold, province_code=province_code)
        for key, value in wanted.items():
            setattr(current, key, value)
        current.confirmed_by, current.confirmed_by_name, current.confirmed_at = user, name, now
        current.save()
        record("create" if before is None else "update", current, before=before, after=_after(current), user=user)
        written.append(current)
    return written


@transaction.atomic
def withdraw(user, cset: CriteriaSet, province_code: str, threshold_id: int) -> bool:
    """Take back the province's confirmation of the row ``threshold_id`` of ``cset`` (audited). False when there was
    none. Raises ConfirmationRefused, CitationRejected."""
    _check(user, province_code)
    (row,) = _chosen(cset, province_code, [threshold_id])
    current = ThresholdConfirmation.objects.select_for_update().filter(threshold=row.threshold,
                                                                       province_code=province_code).first()
    if current is None:
        return False
    record("delete", current, before=_after(current), user=user)
    current.delete()
    return True


# --- what backs the threshold a unit is judged against ---------------------------------------------------------------

def backing(cset: CriteriaSet, province_code: str | None, year: int, *, region: str | None = None,
            group: int | None = None, flags: Sequence[str] = ()) -> dict[str, ThresholdConfirmation]:
    """Indicator code → the confirmation, by the province ``province_code``, of the threshold row a unit of that
    province (``region``, commune ``group``, ``flags``) is judged against in ``year`` — the row the engine picks
    (``engine.most_specific``; for an indicator whose threshold is taken from another set, that set's row) — when the
    province confirmed that row for the value it holds. Indicators whose row is not confirmed are absent. A few
    queries (the compiled set is cached)."""
    if not province_code:
        return {}
    cls = compiled(cset, province_code).threshold_class(region=region, group=group, flags=flags)
    indicators = list(cset.indicators.only("id", "code", "threshold_ref"))
    refs = {i.code: i.threshold_ref for i in indicators if i.threshold_ref}
    targets = {}
    for ref in refs.values():
        target = CriteriaSet.objects.filter(code=ref["set"]).order_by("-version").first()
        if target is not None:
            targets[ref["set"]] = target
    owners = {(cset.pk, i.code): i.code for i in indicators if i.code not in refs}
    owners.update({(targets[r["set"]].pk, str(r["indicator"])): code
                   for code, r in refs.items() if r["set"] in targets})
    rows: dict[str, list[dict]] = {}
    for pk, set_id, ind_code, region_, group_, year_, province_ in Threshold.objects.filter(
            indicator__criteria_set_id__in={cset.pk, *(t.pk for t in targets.values())}).values_list(
            "pk", "indicator__criteria_set_id", "indicator__code", "region", "commune_group", "year", "province_code"):
        code = owners.get((set_id, ind_code))
        if code is not None:
            rows.setdefault(code, []).append({"id": pk, "region": region_, "commune_group": group_, "year": year_,
                                              "province": province_})
    applied = {code: row["id"] for code, candidates in rows.items()
               if (row := engine.most_specific(candidates, year, cls, province_code)) is not None}
    found = {c.threshold_id: c for c in ThresholdConfirmation.objects.filter(
        threshold_id__in=list(applied.values()), province_code=province_code).select_related("threshold")}
    return {code: found[pk] for code, pk in applied.items()
            if pk in found and same_value(found[pk].value, found[pk].threshold.value)}
