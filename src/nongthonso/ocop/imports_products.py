"""OCOP products and their producers from CSV or XLSX, all rows or nothing (``nongthonso import ocop-products FILE
[--dry-run]``, /nhap-du-lieu/, ``POST /api/imports/ocop-products``).

One row per product. A row's product is found by its code (``product_code``): a recorded product is updated, any
other created. Its producer is found by its business registration number (``producer_registration_number``) when the
row gives one, else by its name (without regard to case or diacritics) in its commune (``producer_commune``, by
default the product's); a producer found nowhere is created, which needs its kind (``producer_kind``). Units are
communes in force today, by GSO code. Every error names the row, the column, the value and the fix; nothing is
written unless every row is right.

Who: the offices and commune officers (``manage_ocop``), for the communes in their scope — the product's commune, and
a new producer's —, and for a recorded product, only when they may manage it; the command line, for every commune.
Each created or changed producer and product is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nongthonso.accounts.services import can, scope_paths, unit_phrase
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
    text_error,
    unique_rows,
)
from nongthonso.core.text import fold
from nongthonso.units.models import Unit

from . import scope
from .apps import MANAGE
from .models import Producer, ProducerKind, Product, SubGroup
from .services import CODE, MAX_LONG_TEXT, PRODUCT_TEXT, producer_snapshot, product_snapshot

KIND = "ocop-products"
REQUIRED = ("product_code", "product_name", "subgroup", "commune_code", "producer_name")
OPTIONAL = ("producer_kind", "producer_registration_number", "producer_commune", "producer_address",
            "producer_representative", "producer_phone", "producer_tax_code", *PRODUCT_TEXT)
LABELS = {"product_code": "Mã sản phẩm", "product_name": "Tên sản phẩm", "subgroup": "Phân nhóm",
          "commune_code": "Mã xã", "producer_name": "Tên chủ thể", "producer_kind": "Loại hình chủ thể",
          "producer_registration_number": "Số đăng ký kinh doanh", "producer_commune": "Mã xã của chủ thể",
          "producer_address": "Địa chỉ chủ thể", "producer_representative": "Người đại diện",
          "producer_phone": "Điện thoại", "producer_tax_code": "Mã số thuế", "description": "Mô tả",
          "quality_declaration": "Công bố chất lượng, tiêu chuẩn", "packaging": "Bao bì, nhãn mác",
          "story": "Câu chuyện sản phẩm", "sales_channels": "Kênh bán hàng"}
COLUMNS_HELP = _("product_code, product_name, subgroup (mã phân nhóm), commune_code (mã GSO xã), producer_name; tuỳ "
                 "chọn: producer_kind (bắt buộc khi chủ thể mới: hop_tac_xa, doanh_nghiep, to_hop_tac, "
                 "ho_kinh_doanh hoặc tên loại hình), producer_registration_number, producer_commune, "
                 "producer_address, producer_representative, producer_phone, producer_tax_code, description, "
                 "quality_declaration, packaging, story, sales_channels. Chủ thể được tìm theo số đăng ký kinh doanh, "
                 "hoặc theo tên trong xã; chưa có thì được tạo mới.")
NOBODY = ("Chỉ Văn phòng Điều phối NTM và cán bộ NTM xã (quyền quản lý OCOP) được nhập sản phẩm OCOP. Gửi tệp cho cán "
          "bộ NTM của xã, hoặc chọn loại dữ liệu khác.")
PRODUCER_FIELDS = {"producer_address": ("address", 400), "producer_representative": ("representative", 200),
                   "producer_phone": ("phone", 30), "producer_tax_code": ("tax_code", 20)}


def may_import(user) -> bool:
    """Whether ``user`` may send a products file at all: they manage OCOP somewhere."""
    return scope_paths(user, MANAGE) != []


def _refusal(user, unit: Unit) -> str | None:
    if can(user, MANAGE, unit):
        return None
    return (f"bạn không được nhập sản phẩm OCOP của {unit_phrase(unit)}: xã này nằm ngoài phạm vi quản lý OCOP của "
            "bạn. Bỏ dòng này, hoặc gửi cho cán bộ NTM của xã đó.")


def _kind(text: str) -> str | None:
    if text in ProducerKind.values:
        return text
    folded = " ".join(fold(text).split())
    return next((value for value, label in ProducerKind.choices if fold(str(label)) == folded), None)


@dataclass
class _Row:
    n: int
    code: str
    name: str
    subgroup: SubGroup
    unit: Unit
    producer_name: str
    producer_unit: Unit
    kind: str | None
    registration_number: str
    producer_fields: dict[str, str]
    texts: dict[str, str] = field(default_factory=dict)


class _Catalogue:
    def __init__(self):
        self.subgroups = {s.code: s for s in SubGroup.objects.all()}
        self.folded = {" ".join(fold(s.name).split()): s for s in self.subgroups.values()}
        self.today = default_as_of()
        self.units: dict[str, Unit | None] = {}

    def subgroup(self, text: str) -> SubGroup | None:
        return self.subgroups.get(text) or self.folded.get(" ".join(fold(text).split()))

    def commune(self, code: str) -> Unit | None:
        if code not in self.units:
            self.units[code] = (Unit.objects.valid_on(self.today).at_level("xa").filter(code=code)
                                .select_related("unit_type__level").first())
        return self.units[code]


def _unit(n: int, column: str, code: str, catalogue: _Catalogue, refusal: Refusals,
          errors: list[RowError]) -> Unit | None:
    if not code:
        errors.append(RowError(n, column, "", "thiếu mã xã. Điền mã GSO của xã, phường (5 chữ số), ví dụ 05845."))
        return None
    unit = catalogue.commune(code)
    if unit is None:
        errors.append(RowError(n, column, code, (
            "không có xã, phường mã này còn hiệu lực hôm nay. Kiểm tra mã GSO (5 chữ số) theo địa giới hiện hành.")))
        return None
    refused = refusal(unit)
    if refused is not None:
        errors.append(RowError(n, column, code, refused[:1].upper() + refused[1:]))
        return None
    return unit


def _parse(n: int, raw: dict[str, str], catalogue: _Catalogue, refusal: Refusals, found: ErrorList) -> _Row | None:
    errors: list[RowError] = []
    code = raw["product_code"]
    if not code:
        errors.append(RowError(n, "product_code", "", "thiếu mã sản phẩm. Điền mã, ví dụ OCOP-05845-001."))
    elif not CODE.fullmatch(code):
        errors.append(RowError(n, "product_code", code, (
            "mã chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (tối đa 40 ký tự). Sửa lại mã.")))
    name = " ".join(raw["product_name"].split())
    if not name:
        errors.append(RowError(n, "product_name", "", "thiếu tên sản phẩm. Điền tên như trên nhãn."))
    elif len(name) > 300:
        errors.append(RowError(n, "product_name", name[:60] + "…", "tên dài quá 300 ký tự. Rút gọn lại."))
    subgroup = catalogue.subgroup(raw["subgroup"]) if raw["subgroup"] else None
    if subgroup is None:
        hint = ", ".join(list(catalogue.subgroups)[:8])
        errors.append(RowError(n, "subgroup", raw["subgroup"], (
            f"{'thiếu phân nhóm' if not raw['subgroup'] else 'không có phân nhóm này'}. Điền mã phân nhóm trong danh "
            f"mục OCOP (ví dụ {hint}…), hoặc tên phân nhóm.")))
    unit = _unit(n, "commune_code", raw["commune_code"], catalogue, refusal, errors)
    producer_code = raw.get("producer_commune", "")
    producer_unit = (_unit(n, "producer_commune", producer_code, catalogue, refusal, errors) if producer_code
                     else unit)
    producer_name = " ".join(raw["producer_name"].split())
    if not producer_name:
        errors.append(RowError(n, "producer_name", "", "thiếu tên chủ thể. Điền tên hợp tác xã, doanh nghiệp, tổ hợp "
                                                      "tác hoặc hộ kinh doanh."))
    elif len(producer_name) > 300:
        errors.append(RowError(n, "producer_name", producer_name[:60] + "…", "tên dài quá 300 ký tự. Rút gọn lại."))
    kind_text = raw.get("producer_kind", "")
    kind = _kind(kind_text) if kind_text else None
    if kind_text and kind is None:
        errors.append(RowError(n, "producer_kind", kind_text, (
            "không có loại hình này. Điền một trong: " + ", ".join(f"{v} ({label})" for v, label in
                                                                 ProducerKind.choices) + ".")))
    registration_number = raw.get("producer_registration_number", "")[:50]
    producer_fields = {}
    for column, (attr, limit) in PRODUCER_FIELDS.items():
        value = " ".join(raw.get(column, "").split())
        if len(value) > limit:
            errors.append(RowError(n, column, value[:60] + "…", f"dài quá {limit} ký tự. Rút gọn lại."))
        elif value:
            producer_fields[attr] = value
    phone = producer_fields.get("phone", "")
    if phone and not re.fullmatch(r"\+?[0-9 .]{8,20}", phone):
        errors.append(RowError(n, "producer_phone", phone, "số điện thoại chỉ gồm chữ số (8–15 số), ví dụ 0208 "
                                                          "3855 123."))
    texts = {}
    for column in PRODUCT_TEXT:
        text = raw.get(column, "")
        problem = text_error(n, column, text, MAX_LONG_TEXT)
        if problem is not None:
            errors.append(problem)
        texts[column] = text
    for error in errors:
        found.add(error)
    if errors or unit is None or producer_unit is None or subgroup is None:
        return None
    return _Row(n, code, name, subgroup, unit, producer_name, producer_unit, kind, registration_number,
                producer_fields, texts)


class _Producers:
    """The producers the rows name: recorded ones (by registration number, or folded name and commune code) and those
    the file creates (one per key, the first row's details)."""

    def __init__(self, rows: list[_Row]):
        numbers = {r.registration_number for r in rows if r.registration_number}
        names = {fold(r.producer_name) for r in rows}
        self.by_number = {p.registration_number: p for p in Producer.objects.filter(
            registration_number__in=numbers).select_related("unit")}
        self.by_name: dict[tuple[str, str], Producer] = {}
        for p in Producer.objects.filter(unit__code__in={r.producer_unit.code for r in rows}).select_related("unit"):
            if fold(p.name) in names:
                self.by_name.setdefault((fold(p.name), p.unit.code), p)
        self.new: dict[tuple[str, str], _Row] = {}

    @staticmethod
    def key(row: _Row) -> tuple[str, str]:
        return ("so", row.registration_number) if row.registration_number else (fold(row.producer_name),
                                                                               row.producer_unit.code)

    def find(self, row: _Row) -> Producer | None:
        if row.registration_number and row.registration_number in self.by_number:
            return self.by_number[row.registration_number]
        return self.by_name.get((fold(row.producer_name), row.producer_unit.code))


def run(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
        progress: Progress | None = None) -> ImportResult:
    """Import products (and new producers), all or nothing. Raises ImportFailed with every error."""
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", NOBODY)])
    table = TableFile(path, REQUIRED, OPTIONAL, name=name, labels=LABELS, verbatim=PRODUCT_TEXT)
    catalogue, errors = _Catalogue(), ErrorList()
    refusal = Refusals(user, _refusal)
    rows = unique_rows(table, lambda n, raw: _parse(n, raw, catalogue, refusal, errors), lambda row: row.code,
                       column="product_code", same="mã sản phẩm", errors=errors, progress=progress)

    producers = _Producers(rows)
    recorded = {p.code: p for p in Product.objects.filter(code__in=[r.code for r in rows])
                .select_related("producer", "subgroup", "unit")}
    managed = (set(scope.products(user, MANAGE).filter(pk__in=[p.pk for p in recorded.values()])
                   .values_list("pk", flat=True)) if user is not None else {p.pk for p in recorded.values()})
    for row in rows:
        existing = recorded.get(row.code)
        if existing is not None and existing.pk not in managed:
            errors.add(RowError(row.n, "product_code", row.code, (
                f"mã này là của sản phẩm «{existing.name}» ({existing.unit.name}), bạn không được sửa. Đổi mã sản "
                "phẩm, hoặc gửi dòng này cho cán bộ NTM của xã đó.")))
        if producers.find(row) is None:
            key = producers.key(row)
            if row.kind is None and key not in producers.new:
                errors.add(RowError(row.n, "producer_kind", "", (
                    f"chủ thể «{row.producer_name}» chưa có trong hệ thống nên sẽ được tạo mới: điền loại hình "
                    "(hop_tac_xa, doanh_nghiep, to_hop_tac hoặc ho_kinh_doanh). Nếu chủ thể đã có, kiểm tra lại tên "
                    "hoặc số đăng ký kinh doanh.")))
            producers.new.setdefault(key, row)
    if errors:
        raise errors.fail()

    result = ImportResult(dry_run=dry_run)
    plans: list[tuple[_Row, Product | None, dict]] = []
    for row in rows:
        existing = recorded.get(row.code)
        values = {"name": row.name, "subgroup": row.subgroup, "unit": row.unit, **row.texts}
        producer = producers.find(row)
        if existing is not None and producer is not None and producer.pk == existing.producer_id \
                and all(getattr(existing, k) == v for k, v in values.items()):
            result.unchanged += 1
            continue
        result.created += existing is None
        result.updated += existing is not None
        plans.append((row, existing, values))
        if len(result.changes) < PREVIEW_CHANGES:
            result.changes.append(Change(row.n, "create" if existing is None else "update",
                                         f"{row.code} · {row.name} · {row.unit.name}",
                                         "" if existing is None else existing.name, row.producer_name))
    new_producers = [key for key in producers.new if producers.find(producers.new[key]) is None]
    if new_producers:
        result.messages.append(f"{'Sẽ tạo' if dry_run else 'Đã tạo'} {len(new_producers)} chủ thể mới.")
    if dry_run:
        return result
    note = f"Nhập tệp {table.name}"
    with transaction.atomic():
        made: dict[tuple[str, str], Producer] = {}
        for row, existing, values in plans:
            producer = producers.find(row) or made.get(producers.key(row))
            if producer is None:
                first = producers.new[producers.key(row)]
                producer = Producer.objects.create(name=first.producer_name, kind=first.kind, unit=first.producer_unit,
                                                   registration_number=first.registration_number,
                                                   **first.producer_fields)
                made[producers.key(row)] = producer
                record("create", producer, after=producer_snapshot(producer), user=user,
                       note=f"{note}, dòng {first.n}")
            if existing is None:
                product = Product.objects.create(code=row.code, producer=producer, **values)
                record("create", product, after=product_snapshot(product), user=user, note=f"{note}, dòng {row.n}")
                continue
            before = product_snapshot(existing)
            for attr, value in values.items():
                setattr(existing, attr, value)
            existing.producer = producer
            existing.save()
            after = product_snapshot(existing)
            changed = [k for k in after if before.get(k) != after.get(k)]
            record("update", existing, before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
                   user=user, note=f"{note}, dòng {row.n}")
    return result
