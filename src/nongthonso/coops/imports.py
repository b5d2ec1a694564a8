"""Co-operatives and their members from CSV or XLSX, all rows or nothing (``nongthonso import coops FILE`` and
``nongthonso import members FILE`` [--dry-run], /nhap-du-lieu/, ``POST /api/imports/{coops,members}``).

- ``coops``: one row per co-operative, found by its registration code (``registration_code``): a recorded one is
  updated, any other created in the commune of ``commune_code`` (in force today). Who: the offices with
  ``manage_coops``, for the communes in their scope (a recorded co-operative: only one whose commune they manage).
- ``members``: one row per member, found by the co-operative's registration code and the member's code: recorded
  members are updated, others created. A row's ``capital_amount`` (with ``capital_date``) is a capital movement of
  the member, added unless the same movement (date and amount) is recorded already — the members' capital is always
  the sum of these rows. Who: the co-operative's office and its manager accounts.

Every error names the row, the column, the value and the fix; every created or changed row is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nongthonso.accounts.services import can, unit_phrase
from nongthonso.audit.services import record
from nongthonso.core.dates import default_as_of
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
from nongthonso.core.text import fold
from nongthonso.units.models import Unit

from . import scope, services
from .apps import MANAGE
from .models import Contribution, Cooperative, LegalForm, Member, MemberKind, MemberStatus, Sector

COOPS, MEMBERS = "coops", "members"
COOP_REQUIRED = ("registration_code", "name", "commune_code", "sector")
COOP_OPTIONAL = ("legal_form", "tax_code", "model", "established_on", "address", "phone", "email", "charter_capital",
                 "ceased_on")
COOP_LABELS = {"registration_code": "Mã số hợp tác xã", "name": "Tên hợp tác xã", "commune_code": "Mã xã",
               "sector": "Lĩnh vực", "legal_form": "Loại hình", "tax_code": "Mã số thuế", "model": "Mô hình",
               "established_on": "Ngày thành lập", "address": "Trụ sở", "phone": "Điện thoại",
               "email": "Thư điện tử", "charter_capital": "Vốn điều lệ", "ceased_on": "Ngày giải thể"}
MEMBER_REQUIRED = ("registration_code", "member_code", "name", "kind", "joined_on")
MEMBER_OPTIONAL = ("phone", "status", "left_on", "capital_amount", "capital_date")
MEMBER_LABELS = {"registration_code": "Mã số hợp tác xã", "member_code": "Mã thành viên", "name": "Tên thành viên",
                 "kind": "Loại thành viên", "joined_on": "Ngày gia nhập", "phone": "Điện thoại",
                 "status": "Tình trạng", "left_on": "Ngày ra khỏi", "capital_amount": "Số tiền góp vốn",
                 "capital_date": "Ngày góp vốn"}
TEXT_LIMITS = {"name": 300, "tax_code": 20, "model": 300, "address": 400, "phone": 30, "email": 254}
COOPS_HELP = _("registration_code (mã số hợp tác xã), name, commune_code (mã GSO xã), sector (trong_trot, chan_nuoi, "
               "thuy_san, lam_nghiep, diem_nghiep, tong_hop, dich_vu hoặc tên lĩnh vực); tuỳ chọn: legal_form, "
               "tax_code, model, established_on, address, phone, email, charter_capital, ceased_on. Hợp tác xã được "
               "tìm theo mã số: có rồi thì cập nhật, chưa có thì tạo mới.")
MEMBERS_HELP = _("registration_code (mã số hợp tác xã), member_code, name, kind (ca_nhan, ho_gia_dinh, phap_nhan), "
                 "joined_on; tuỳ chọn: phone, status (active, suspended, left), left_on, capital_amount và "
                 "capital_date (một lần góp vốn; âm khi trả lại vốn).")
NOBODY_COOPS = ("Chỉ Văn phòng Điều phối NTM và cán bộ xã được giao quản lý hợp tác xã mới nhập được danh sách hợp tác "
                "xã. Gửi tệp cho cán bộ của xã.")
NOBODY_MEMBERS = ("Chỉ hợp tác xã (tài khoản quản lý) và cán bộ quản lý hợp tác xã mới nhập được thành viên. Đề nghị "
                  "cán bộ của xã giao tài khoản quản lý hợp tác xã cho bạn.")


def may_import_coops(user) -> bool:
    return services.may_add(user)


def may_import_members(user) -> bool:
    return scope.managed(user).exists()


def _choice(text: str, choices) -> str | None:
    if text in {value for value, _label in choices}:
        return text
    folded = " ".join(fold(text).split())
    return next((value for value, label in choices if fold(str(label)) == folded), None)


def _chosen(n: int, column: str, text: str, choices, what: str, errors: list[RowError], default: str | None = None
            ) -> str | None:
    """The choice ``text`` names (its code or its label, with or without diacritics; ``default`` when empty), or a
    row error listing the choices."""
    if not text and default is not None:
        return default
    value = _choice(text, choices)
    if value is None:
        errors.append(RowError(n, column, text, f"không có {what} này. Điền một trong: " + ", ".join(
            f"{v} ({label})" for v, label in choices) + "."))
    return value


def _date(n: int, column: str, text: str, errors: list[RowError], required: bool = False) -> dt.date | None:
    if not text:
        if required:
            errors.append(RowError(n, column, "", "thiếu ngày. Điền ngày theo dạng ngày/tháng/năm, ví dụ 15/4/2024."))
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if day > default_as_of():
            errors.append(RowError(n, column, text, "ngày này sau hôm nay. Sửa lại ngày."))
            return None
        return day
    errors.append(RowError(n, column, text, "không đọc được ngày. Điền theo dạng ngày/tháng/năm, ví dụ 15/4/2024."))
    return None


def _amount(n: int, column: str, text: str, errors: list[RowError]) -> Decimal | None:
    """A whole amount of đồng; dots, commas and spaces between groups of three digits are read as grouping."""
    if not text:
        return None
    compact = re.sub(r"[ .,](?=[0-9]{3}(?:[ .,]|$))", "", text)
    if not re.fullmatch(r"-?[0-9]{1,18}", compact):
        errors.append(RowError(n, column, text, "số tiền phải là số đồng nguyên, ví dụ 30000000 hoặc 30.000.000."))
        return None
    return Decimal(compact)


def _texts(n: int, raw: dict[str, str], columns, errors: list[RowError]) -> dict[str, str]:
    values = {}
    for column in columns:
        value = " ".join(raw.get(column, "").split())
        limit = TEXT_LIMITS.get(column, 300)
        if len(value) > limit:
            errors.append(RowError(n, column, value[:60] + "…", f"dài quá {limit} ký tự. Rút gọn lại."))
        values[column] = value
    return values


def _plan(result: ImportResult, n: int, existing, what: str) -> None:
    result.created += existing is None
    result.updated += existing is not None
    if len(result.changes) < PREVIEW_CHANGES:
        result.changes.append(Change(n, "create" if existing is None else "update", what))


# --- co-operatives ---------------------------------------------------------------------------------------------------

@dataclass
class _CoopRow:
    n: int
    code: str
    unit: Unit
    values: dict = field(default_factory=dict)


def _coop_refusal(user, unit: Unit) -> str | None:
    if can(user, MANAGE, unit):
        return None
    return (f"Bạn không được nhập hợp tác xã của {unit_phrase(unit)}: xã này nằm ngoài phạm vi bạn quản lý. Bỏ dòng "
            "này, hoặc gửi cho cán bộ của xã đó.")


def _parse_coop(n: int, raw: dict[str, str], communes: dict, refusal: Refusals, found: ErrorList) -> _CoopRow | None:
    errors: list[RowError] = []
    code = raw["registration_code"]
    if not services.CODE.fullmatch(code):
        errors.append(RowError(n, "registration_code", code, (
            "mã số hợp tác xã gồm chữ và số (tối đa 30 ký tự, không dấu cách), ví dụ 4607000123.")))
    values: dict = _texts(n, raw, ("name", "tax_code", "model", "address", "phone", "email"), errors)
    if not values["name"]:
        errors.append(RowError(n, "name", "", "thiếu tên hợp tác xã. Điền tên như trên giấy chứng nhận đăng ký."))
    values["sector"] = _chosen(n, "sector", raw["sector"], Sector.choices, "lĩnh vực", errors)
    values["legal_form"] = _chosen(n, "legal_form", raw.get("legal_form", ""), LegalForm.choices, "loại hình", errors,
                                   default=LegalForm.COOPERATIVE)
    values["established_on"] = _date(n, "established_on", raw.get("established_on", ""), errors)
    values["ceased_on"] = _date(n, "ceased_on", raw.get("ceased_on", ""), errors)
    values["charter_capital"] = _amount(n, "charter_capital", raw.get("charter_capital", ""), errors)
    unit_code = raw["commune_code"]
    if unit_code not in communes:
        communes[unit_code] = Unit.objects.valid_on(default_as_of()).at_level("xa").filter(code=unit_code).first()
    unit = communes[unit_code]
    if unit is None:
        errors.append(RowError(n, "commune_code", unit_code, (
            "không có xã, phường mã này còn hiệu lực hôm nay. Kiểm tra mã GSO (5 chữ số) theo địa giới hiện hành.")))
    elif (refused := refusal(unit)) is not None:
        errors.append(RowError(n, "commune_code", unit_code, refused))
    for error in errors:
        found.add(error)
    return None if errors else _CoopRow(n, code, unit, values)


def run_coops(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
              progress: Progress | None = None) -> ImportResult:
    """Import co-operatives, all or nothing. Raises ImportFailed with every error."""
    if user is not None and not may_import_coops(user):
        raise ImportFailed([RowError(0, "", "", NOBODY_COOPS)])
    table = TableFile(path, COOP_REQUIRED, COOP_OPTIONAL, name=name, labels=COOP_LABELS)
    errors, communes = ErrorList(), {}
    refusal = Refusals(user, _coop_refusal)
    rows = unique_rows(table, lambda n, raw: _parse_coop(n, raw, communes, refusal, errors), lambda r: r.code,
                       column="registration_code", same="mã số hợp tác xã", errors=errors, progress=progress)
    recorded = {c.registration_code: c for c in Cooperative.objects.filter(
        registration_code__in=[r.code for r in rows]).select_related("unit")}
    result = ImportResult(dry_run=dry_run)
    plans = []
    for row in rows:
        existing = recorded.get(row.code)
        if existing is not None and refusal(existing.unit) is not None:
            errors.add(RowError(row.n, "registration_code", row.code, (
                f"mã số này là của «{existing.name}» ({existing.unit.name}), nằm ngoài phạm vi bạn quản lý. Bỏ dòng "
                "này, hoặc gửi cho cán bộ của xã đó.")))
            continue
        values = {**row.values, "unit": row.unit if existing is None or existing.unit.code != row.unit.code
                  else existing.unit}
        if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
            result.unchanged += 1
            continue
        _plan(result, row.n, existing, f"{row.code} · {values['name']} · {row.unit.name}")
        plans.append((row, existing, values))
    if errors:
        raise errors.fail()
    if dry_run:
        return result
    note = f"Nhập tệp {table.name}"
    with transaction.atomic():
        for row, existing, values in plans:
            if existing is None:
                coop = Cooperative.objects.create(registration_code=row.code, **values)
                record("create", coop, after=services.snapshot(coop), user=user, note=f"{note}, dòng {row.n}")
                continue
            before = services.snapshot(existing)
            for attr, value in values.items():
                setattr(existing, attr, value)
            existing.save()
            services.record_change(existing, before, services.snapshot(existing), user, f"{note}, dòng {row.n}")
    return result


# --- members ---------------------------------------------------------------------------------------------------------

@dataclass
class _MemberRow:
    n: int
    coop: Cooperative
    code: str
    values: dict
    capital: tuple[dt.date, Decimal] | None


def _parse_member(n: int, raw: dict[str, str], coops: dict, kept: set[int], found: ErrorList) -> _MemberRow | None:
    errors: list[RowError] = []
    coop = coops.get(raw["registration_code"])
    if coop is None:
        errors.append(RowError(n, "registration_code", raw["registration_code"], (
            "không có hợp tác xã mã số này. Kiểm tra mã số trên giấy chứng nhận đăng ký, hoặc nhập hợp tác xã "
            "trước (loại dữ liệu «coops»).")))
    elif coop.pk not in kept:
        errors.append(RowError(n, "registration_code", raw["registration_code"], (
            f"bạn không quản lý hồ sơ của «{coop.name}». Bỏ dòng này, hoặc gửi cho hợp tác xã đó.")))
    code = raw["member_code"]
    if not services.CODE.fullmatch(code):
        errors.append(RowError(n, "member_code", code, "mã thành viên gồm chữ và số (tối đa 30 ký tự), ví dụ TV001."))
    values: dict = _texts(n, raw, ("name", "phone"), errors)
    if not values["name"]:
        errors.append(RowError(n, "name", "", "thiếu tên thành viên. Điền họ tên, tên hộ hoặc tên pháp nhân."))
    values["kind"] = _chosen(n, "kind", raw["kind"], MemberKind.choices, "loại thành viên", errors)
    values["status"] = _chosen(n, "status", raw.get("status", ""), MemberStatus.choices, "tình trạng", errors,
                               default=MemberStatus.ACTIVE)
    values["joined_on"] = _date(n, "joined_on", raw["joined_on"], errors, required=True)
    values["left_on"] = _date(n, "left_on", raw.get("left_on", ""), errors)
    if values["status"] == MemberStatus.LEFT and values["left_on"] is None and not raw.get("left_on"):
        errors.append(RowError(n, "left_on", "", "thành viên đã ra khỏi hợp tác xã: điền ngày ra khỏi."))
    if values["joined_on"] and values["left_on"] and values["left_on"] < values["joined_on"]:
        errors.append(RowError(n, "left_on", raw["left_on"], "ngày ra khỏi trước ngày gia nhập. Sửa lại ngày."))
    amount = _amount(n, "capital_amount", raw.get("capital_amount", ""), errors)
    day = _date(n, "capital_date", raw.get("capital_date", ""), errors)
    if amount is not None and day is None and not raw.get("capital_date"):
        errors.append(RowError(n, "capital_date", "", "có số tiền góp vốn: điền ngày góp (ngày/tháng/năm)."))
    if amount == 0:
        errors.append(RowError(n, "capital_amount", raw["capital_amount"], "số tiền góp vốn khác 0 (âm khi trả "
                                                                           "lại vốn), hoặc để trống."))
    for error in errors:
        found.add(error)
    if errors:
        return None
    return _MemberRow(n, coop, code, values, (day, amount) if amount is not None else None)


def run_members(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                progress: Progress | None = None) -> ImportResult:
    """Import members (and capital movements), all or nothing. Raises ImportFailed with every error."""
    if user is not None and not may_import_members(user):
        raise ImportFailed([RowError(0, "", "", NOBODY_MEMBERS)])
    table = TableFile(path, MEMBER_REQUIRED, MEMBER_OPTIONAL, name=name, labels=MEMBER_LABELS)
    coops = {c.registration_code: c for c in Cooperative.objects.all()}
    kept = set(Cooperative.objects.values_list("pk", flat=True) if user is None
               else scope.managed(user).values_list("pk", flat=True))
    errors = ErrorList()
    rows = unique_rows(table, lambda n, raw: _parse_member(n, raw, coops, kept, errors),
                       lambda r: (r.coop.pk, r.code), column="member_code", same="hợp tác xã và mã thành viên",
                       errors=errors, progress=progress)
    recorded = {(m.cooperative_id, m.code): m for m in Member.objects.filter(
        cooperative__in={r.coop.pk for r in rows}, code__in={r.code for r in rows})}
    movements = set(Contribution.objects.filter(member__in=[m.pk for m in recorded.values()])
                    .values_list("member_id", "date", "amount"))
    result = ImportResult(dry_run=dry_run)
    plans, n_movements = [], 0
    for row in rows:
        existing = recorded.get((row.coop.pk, row.code))
        changes = existing is None or any(getattr(existing, k) != v for k, v in row.values.items())
        movement = row.capital
        if movement is not None and existing is not None and (existing.pk, *movement) in movements:
            movement = None
        if not changes and movement is None:
            result.unchanged += 1
            continue
        if changes:
            _plan(result, row.n, existing, f"{row.coop.name} · {row.code} · {row.values['name']}")
        else:
            result.updated += 1
        n_movements += movement is not None
        plans.append((row, existing, changes, movement))
    if n_movements:
        result.messages.append(f"{'Sẽ ghi' if dry_run else 'Đã ghi'} {n_movements} lần góp, trả vốn.")
    if dry_run:
        return result
    note = f"Nhập tệp {table.name}"
    with transaction.atomic():
        for row, existing, changes, movement in plans:
            where = f"{note}, dòng {row.n}"
            member = existing
            if existing is None:
                member = Member.objects.create(cooperative=row.coop, code=row.code, **row.values)
                record("create", member, after=services.snapshot(member), user=user, note=where)
            elif changes:
                before = services.snapshot(existing)
                for attr, value in row.values.items():
                    setattr(existing, attr, value)
                existing.save()
                services.record_change(existing, before, services.snapshot(existing), user, where)
            if movement is not None:
                contribution = Contribution.objects.create(member=member, date=movement[0], amount=movement[1])
                record("create", contribution, after=services.snapshot(contribution), user=user, note=where)
    return result
