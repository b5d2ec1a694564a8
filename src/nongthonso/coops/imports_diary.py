"""Import production diary entries from CSV or XLSX, all rows or nothing (``nongthonso import diary FILE
[--dry-run]``, /nhap-du-lieu/, ``POST /api/imports/diary``).

Columns ``cooperative, plot, cycle, kind, date`` (+ ``input_name, dose, dose_unit, phi_days, quantity, quantity_unit,
note, client_id``): ``cooperative`` the co-operative's registration code, ``plot`` the plot's code, ``cycle`` the
crop cycle's name on that plot (open it on the diary page first), ``kind`` a code (planting, fertilising, spraying,
irrigation, harvest, other) or its Vietnamese name, ``date`` dd/mm/yyyy or yyyy-mm-dd. Rows go through the diary's
one write path (``diary.store``): the same checks, the pre-harvest rule applied across the file in date order (a
spray earlier in the file blocks a harvest later in it), one audit entry per entry. A row without ``client_id`` gets
one derived from its content, so importing the same file twice stores nothing new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from nongthonso.core.imports import (
    PREVIEW_CHANGES,
    Change,
    ErrorList,
    ImportFailed,
    ImportResult,
    Progress,
    RowError,
    TableFile,
    unique_rows,
)
from nongthonso.core.text import fold

from . import diary, scope
from .models import CropCycle, EntryKind

COLUMNS = ("cooperative", "plot", "cycle", "kind", "date")
OPTIONAL = ("input_name", "dose", "dose_unit", "phi_days", "quantity", "quantity_unit", "note", "client_id")
LABELS = {"cooperative": "Mã hợp tác xã", "plot": "Mã thửa", "cycle": "Vụ", "kind": "Công việc", "date": "Ngày",
          "input_name": "Vật tư", "dose": "Liều lượng", "dose_unit": "Đơn vị liều lượng",
          "phi_days": "Thời gian cách ly", "quantity": "Sản lượng", "quantity_unit": "Đơn vị sản lượng",
          "note": "Ghi chú", "client_id": "Mã dòng"}
NOBODY = ("Tài khoản của bạn không quản lý hợp tác xã nào nên không nhập được nhật ký. Việc này do người quản lý "
          "hợp tác xã hoặc cán bộ được giao quản lý hợp tác xã thực hiện.")
KINDS = {**{fold(v): v for v in EntryKind.values}, **{fold(label): v for v, label in EntryKind.choices}}
NAMESPACE = uuid.UUID("5b0c7c1e-3f8a-4d5e-9b1a-6c2d0e4f7a10")


def may_import(user) -> bool:
    return scope.managed(user).exists()


@dataclass
class _Row:
    n: int
    cycle: CropCycle
    data: dict
    client_id: str


def _parse(n: int, raw: dict[str, str], cycles: dict, errors: ErrorList) -> _Row | None:
    key = (fold(raw["cooperative"]), fold(raw["plot"]), fold(raw["cycle"]))
    cycle = cycles.get(key)
    found: list[RowError] = []
    if cycle is None:
        found.append(RowError(n, "cycle", raw["cycle"], (
            f"không có vụ này trên thửa «{raw['plot']}» của hợp tác xã «{raw['cooperative']}» trong các hợp tác xã "
            "bạn quản lý. Kiểm tra mã hợp tác xã, mã thửa, tên vụ; mở vụ trên trang nhật ký trước khi nhập.")))
    data = {k: raw.get(k, "") for k in (*COLUMNS, *OPTIONAL)}
    data["kind"] = KINDS.get(fold(raw["kind"]), raw["kind"])
    try:
        diary.prepare(data)
    except diary.Invalid as exc:
        found += [RowError(n, column, raw.get(column, ""), message) for column, message in exc.errors.items()]
    client_id = raw.get("client_id", "").strip()
    if client_id:
        try:
            client_id = str(uuid.UUID(client_id))
        except ValueError:
            found.append(RowError(n, "client_id", client_id, "phải là một UUID (hoặc để trống)."))
    else:
        content = "|".join([*key, *(fold(str(data[k])) for k in ("kind", "date", *OPTIONAL[:-1]))])
        client_id = str(uuid.uuid5(NAMESPACE, content))
    if found:
        for error in found:
            errors.add(error)
        return None
    return _Row(n, cycle, data, client_id)


def import_diary(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                 progress: Progress | None = None) -> ImportResult:
    """Import diary entries, all or nothing. Raises ImportFailed with every error."""
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", NOBODY)])
    table = TableFile(path, COLUMNS, OPTIONAL, name=name, labels=LABELS)
    allowed = CropCycle.objects.all() if user is None else diary.cycles(user)
    cycles = {(fold(c.plot.cooperative.registration_code), fold(c.plot.code), fold(c.name)): c
              for c in allowed.select_related("plot__cooperative")}
    errors = ErrorList()
    rows = unique_rows(table, lambda n, raw: _parse(n, raw, cycles, errors), lambda r: r.client_id,
                       column="client_id", same="nội dung hoặc mã dòng", errors=errors, progress=progress)
    result = ImportResult(dry_run=dry_run)
    with transaction.atomic():
        outcomes = diary.store(user, [diary.Item(r.cycle, r.data, r.client_id) for r in rows],
                               note=f"Nhập tệp {table.name}")
        for row, outcome in zip(rows, outcomes, strict=True):
            if outcome.status in (diary.CONFLICT, diary.INVALID):
                column = "date" if outcome.status == diary.CONFLICT or "date" in outcome.errors else ""
                errors.add(RowError(row.n, column, row.data["date"], outcome.message))
            elif outcome.status == diary.DUPLICATE:
                result.unchanged += 1
            else:
                result.created += 1
                if len(result.changes) < PREVIEW_CHANGES:
                    e = outcome.entry
                    result.changes.append(Change(row.n, "create", f"{row.cycle} · {e.date:%d/%m/%Y} · "
                                                                  f"{e.get_kind_display()} {e.input_name}".strip()))
        if errors:
            transaction.set_rollback(True)
            raise errors.fail()
        if dry_run:
            transaction.set_rollback(True)
    if progress is not None:
        progress("write", len(rows), table.size, table.size)
    return result


__all__ = ["COLUMNS", "LABELS", "OPTIONAL", "import_diary", "may_import"]
