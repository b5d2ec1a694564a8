"""Import council members' OCOP scores from CSV or XLSX, all rows or nothing (``nongthonso import ocop-scores FILE
[--dry-run]``, /nhap-du-lieu/, ``POST /api/imports/ocop-scores``).

Columns ``product_code, round, member, criterion, points`` (+ ``round_date``, ``rating``): one member's points on one
criterion per row. The dossier is the product's rating evaluated in the round (``rating``: its number, when the
product has several before that round); ``round`` is the round's number, or its name — with ``round_date`` when two
rounds share it; ``member`` the member's full name as the council lists it (without diacritics will do); ``criterion``
a criterion code of the dossier's sheet; ``points`` from 0 to the criterion's maximum (8,5 or 8.5; empty clears the
point). A row for a recorded point replaces it, so an export imports back unchanged.

Every error names the row, the column, the value and the fix; a user imports only the products of the units where
they rate OCOP products (``rate_ocop``). The points go through ``scoring.check_scores``' rules and
``scoring.write_scores`` (audited per member and dossier); every evaluation touched is refreshed once, at the end,
in the import's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from nongthonso.accounts.services import refusal as role_refusal
from nongthonso.accounts.services import scope_paths
from nongthonso.core.derived import writing
from nongthonso.core.imports import (
    PREVIEW_CHANGES,
    Change,
    ErrorList,
    ImportFailed,
    ImportResult,
    Progress,
    Refusals,
    RowError,
    TableFile,
    unique_rows,
)
from nongthonso.core.text import fold, format_date
from nongthonso.core.vocabulary import DateInvalid, require_date

from . import scoring
from .apps import RATE
from .models import CouncilMember, Evaluation, MemberScore

COLUMNS = ("product_code", "round", "member", "criterion", "points")
OPTIONAL = ("round_date", "rating")
EXPORT_COLUMNS = (*COLUMNS, *OPTIONAL)
LABELS = {"product_code": "Mã sản phẩm", "round": "Đợt đánh giá", "member": "Thành viên hội đồng",
          "criterion": "Mã tiêu chí", "points": "Điểm", "round_date": "Ngày họp", "rating": "Số hồ sơ"}
NOBODY = ("Tài khoản của bạn không được nhập điểm chấm OCOP. Việc này do cơ quan được giao đánh giá, phân hạng sản "
          "phẩm OCOP (Văn phòng Điều phối NTM tỉnh, huyện) thực hiện cho các sản phẩm của đơn vị mình.")


def may_import(user) -> bool:
    return scope_paths(user, RATE) != []


def _refusal(user, unit) -> str | None:
    refused = role_refusal(user, RATE, unit)
    return None if refused is None else refused.message


def _name(text: str) -> str:
    return fold(" ".join(str(text).split()))


@dataclass
class _Row:
    n: int
    evaluation: Evaluation
    member: CouncilMember
    criterion: str
    points: Decimal | None


class _Lookups:
    """What the rows name, each looked up once."""

    def __init__(self):
        self.evaluations: dict[str, list[Evaluation]] = {}
        self.members: dict[int, dict[str, list[CouncilMember]]] = {}
        self.seats: dict[int, set[int] | None] = {}

    def evaluations_of(self, code: str) -> list[Evaluation]:
        if code not in self.evaluations:
            self.evaluations[code] = list(Evaluation.objects.filter(rating__product__code=code).select_related(
                "rating__product__unit", "rating__sheet", "round__council").order_by("round__date", "pk"))
        return self.evaluations[code]

    def members_of(self, council_id: int) -> dict[str, list[CouncilMember]]:
        if council_id not in self.members:
            found: dict[str, list[CouncilMember]] = defaultdict(list)
            for member in CouncilMember.objects.filter(council_id=council_id):
                found[_name(member.full_name)].append(member)
            self.members[council_id] = found
        return self.members[council_id]

    def seated(self, evaluation: Evaluation, member: CouncilMember) -> bool:
        round_ = evaluation.round
        if round_.pk not in self.seats:
            listed = set(round_.members.values_list("pk", flat=True))
            self.seats[round_.pk] = listed or None
        listed = self.seats[round_.pk]
        return member.council_id == round_.council_id if listed is None else member.pk in listed


def _evaluation(n: int, raw: dict[str, str], lookups: _Lookups, found: list[RowError]) -> Evaluation | None:
    code = raw["product_code"]
    if not code:
        found.append(RowError(n, "product_code", "", "thiếu mã sản phẩm: điền mã sản phẩm OCOP của hồ sơ được chấm."))
        return None
    candidates = lookups.evaluations_of(code)
    if not candidates:
        found.append(RowError(n, "product_code", code, (
            "không có hồ sơ nào của sản phẩm mã này được đưa ra hội đồng chấm. Kiểm tra mã sản phẩm, hoặc đưa hồ sơ "
            "vào một đợt đánh giá trước khi nhập điểm.")))
        return None
    wanted = raw["round"]
    if not wanted:
        found.append(RowError(n, "round", "", "thiếu đợt đánh giá: điền số hoặc tên đợt họp của hội đồng."))
        return None
    if wanted.isdigit() and any(e.round_id == int(wanted) for e in candidates):
        matched = [e for e in candidates if e.round_id == int(wanted)]
    else:
        matched = [e for e in candidates if _name(e.round.name) == _name(wanted)]
    day_text = raw.get("round_date", "")
    if day_text and matched:
        try:
            day = require_date(day_text)
        except DateInvalid as exc:
            found.append(RowError(n, "round_date", day_text, str(exc)))
            return None
        matched = [e for e in matched if e.round.date == day]
    rounds = "; ".join(f"số {e.round_id} «{e.round.name}» ngày {format_date(e.round.date)}" for e in candidates)
    if not matched:
        found.append(RowError(n, "round", wanted, (
            f"sản phẩm {code} không được chấm trong đợt này. Các đợt của sản phẩm: {rounds}.")))
        return None
    rating = raw.get("rating", "")
    if rating:
        matched = [e for e in matched if str(e.rating_id) == rating]
        if not matched:
            found.append(RowError(n, "rating", rating, (
                f"không có hồ sơ số {rating} của sản phẩm {code} trong đợt này. Để trống cột này nếu sản phẩm chỉ có "
                "một hồ sơ trong đợt.")))
            return None
    if len({e.round_id for e in matched}) > 1:
        found.append(RowError(n, "round_date", day_text, (
            f"có nhiều đợt cùng tên «{wanted}»; điền ngày họp ở cột «round_date», hoặc ghi số đợt. Các đợt: "
            f"{rounds}.")))
        return None
    if len(matched) > 1:
        found.append(RowError(n, "rating", rating, (
            f"sản phẩm {code} có {len(matched)} hồ sơ trong đợt này; ghi số hồ sơ ở cột «rating» ("
            f"{', '.join(str(e.rating_id) for e in matched)}).")))
        return None
    return matched[0]


def _parse(n: int, raw: dict[str, str], lookups: _Lookups, refusal: Refusals, errors: ErrorList) -> _Row | None:
    found: list[RowError] = []
    evaluation = _evaluation(n, raw, lookups, found)
    member = None
    if evaluation is not None:
        refused = refusal(evaluation.rating.product.unit)
        if refused:
            found.append(RowError(n, "product_code", raw["product_code"], refused))
        elif evaluation.rating.state in scoring.CLOSED:
            found.append(RowError(n, "product_code", raw["product_code"], (
                f"hồ sơ số {evaluation.rating_id} đã có kết quả ({evaluation.rating.get_state_display().lower()}), "
                "không sửa điểm được nữa. Bỏ các dòng của hồ sơ này.")))
        name = raw["member"]
        members = lookups.members_of(evaluation.round.council_id).get(_name(name), []) if name else []
        council = evaluation.round.council
        if not name:
            found.append(RowError(n, "member", "", "thiếu tên thành viên hội đồng: điền họ và tên như trong quyết "
                                                   "định thành lập hội đồng."))
        elif len(members) != 1:
            listed = ", ".join(m.full_name for ms in lookups.members_of(council.pk).values() for m in ms)
            what = "không có thành viên tên này" if not members else "có hai thành viên cùng tên này"
            found.append(RowError(n, "member", name, f"hội đồng «{council}» {what}. Các thành viên: {listed}."))
        elif not lookups.seated(evaluation, members[0]):
            found.append(RowError(n, "member", name, (
                f"«{members[0].full_name}» không dự họp đợt «{evaluation.round}»; bỏ dòng này hoặc thêm người này vào "
                "danh sách thành viên dự họp của đợt.")))
        else:
            member = members[0]
    points = None
    criterion = raw["criterion"]
    if evaluation is not None:
        criteria = scoring.spec_of(evaluation.rating.sheet_id).criteria
        if criterion not in criteria:
            found.append(RowError(n, "criterion", criterion, (
                f"phiếu «{evaluation.rating.sheet}» không có tiêu chí mã này. Dùng một trong: {', '.join(criteria)}.")))
        else:
            points, problem = scoring.parse_points(raw["points"], criteria[criterion])
            if problem:
                found.append(RowError(n, "points", raw["points"], problem))
    if found or member is None or evaluation is None:
        for error in sorted(found, key=lambda e: EXPORT_COLUMNS.index(e.column) if e.column in EXPORT_COLUMNS
                            else 99):
            errors.add(error)
        return None
    return _Row(n, evaluation, member, criterion, points)


def import_scores(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                  progress: Progress | None = None, actor: str = "") -> ImportResult:
    """Import council members' points, all or nothing. Raises ImportFailed with every error."""
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", NOBODY)])
    table = TableFile(path, COLUMNS, OPTIONAL, name=name, labels=LABELS)
    lookups = _Lookups()
    errors = ErrorList()
    refusal = Refusals(user, _refusal)
    rows = unique_rows(table, lambda n, raw: _parse(n, raw, lookups, refusal, errors),
                       lambda row: (row.evaluation.pk, row.member.pk, row.criterion), column="criterion",
                       same="sản phẩm, đợt, thành viên và tiêu chí", errors=errors, progress=progress)
    recorded = {(s.evaluation_id, s.member_id, s.criterion.code): s.points for s in MemberScore.objects.filter(
        evaluation__in={r.evaluation.pk for r in rows}).select_related("criterion")}
    result = ImportResult(dry_run=dry_run)
    groups: dict[tuple[int, int], dict[str, Decimal | None]] = defaultdict(dict)
    for row in rows:
        old = recorded.get((row.evaluation.pk, row.member.pk, row.criterion))
        if old == row.points:
            result.unchanged += 1
            continue
        result.created += old is None
        result.updated += old is not None
        groups[(row.evaluation.pk, row.member.pk)][row.criterion] = row.points
        if len(result.changes) < PREVIEW_CHANGES:
            result.changes.append(Change(
                row.n, "create" if old is None else "update",
                f"{row.evaluation.rating.product.code} · {row.evaluation.round.name} · {row.member.full_name} · "
                f"tiêu chí {row.criterion}", "" if old is None else str(old),
                "" if row.points is None else str(row.points)))
    if dry_run:
        return result
    evaluations = {r.evaluation.pk: r.evaluation for r in rows}
    members = {r.member.pk: r.member for r in rows}
    with writing():
        for (evaluation_id, member_id), checked in groups.items():
            scoring.write_scores(evaluations[evaluation_id], members[member_id], checked, user=user,
                                 note=f"Nhập tệp {table.name}" + (f" ({actor})" if actor else ""))
        scoring.EVALUATIONS.touch({e for e, _ in groups})
    if progress is not None:
        progress("write", len(rows), table.size, table.size)
    return result


__all__ = ["COLUMNS", "EXPORT_COLUMNS", "LABELS", "OPTIONAL", "import_scores", "may_import"]
