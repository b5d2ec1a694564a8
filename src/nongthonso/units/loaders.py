"""Loading unit versions: from the ``vietnamadminunits`` package, Thái Nguyên's history, and CSV files.

- ``load_province_from_package``: one province as in the package's three-tier list (as of 2025-01).
- ``load_province_2025_from_package``: one province as in the package's two-tier list (from 01/07/2025).
- ``load_thai_nguyen_history``: Thái Nguyên from 01/10/2022 to the two-tier province, with every change
  as a ``LineageEvent`` (``data/thai-nguyen-lineage.yaml``). Idempotent.
- ``import_units``: the all-or-nothing CSV/XLSX import behind ``nongthonso import units FILE``.

Loaders write with ``bulk_create``/``bulk_update`` and compute ``path``, ``sort_key`` and
``search_text`` themselves (``Unit.save`` is not called); re-running changes nothing that is already
right. Versions are matched on (code, valid_from), the model's unique key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from nongthonso.audit.services import record
from nongthonso.core.imports import (
    PREVIEW_CHANGES,
    Change,
    ImportFailed,
    ImportResult,
    RowError,
    no_data_message,
    read_csv,
)
from nongthonso.core.text import fold, format_date, vi_sort_key

from .choices import LineageKind, Region
from .models import LineageEvent, Unit, UnitType, repath_descendants
from .reference import NAME_PREFIXES, ensure_reference_data
from .signals import units_changed

LINEAGE_FILE = Path(__file__).with_name("data") / "thai-nguyen-lineage.yaml"
PACKAGE = "vietnamadminunits"
ONE_DAY = dt.timedelta(days=1)

PROVINCE_TYPES = {"Tỉnh": "tinh", "Thành phố": "thanh_pho_tw"}
DISTRICT_TYPES = {"Huyện": "huyen", "Thị xã": "thi_xa", "Thành phố": "thanh_pho_thuoc_tinh", "Quận": "quan"}
COMMUNE_TYPES = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"}


# --------------------------------------------------------------------------------------------------
# Version specs and the idempotent writer
# --------------------------------------------------------------------------------------------------

@dataclass(eq=False)
class _Spec:
    """A unit version to be in the database."""

    code: str
    name: str
    type_code: str
    valid_from: dt.date
    valid_to: dt.date | None
    parent: _Spec | None = None
    region: str = ""

    @property
    def key(self) -> tuple[str, dt.date]:
        return (self.code, self.valid_from)

    def valid_on(self, date: dt.date) -> bool:
        return self.valid_from <= date and (self.valid_to is None or self.valid_to >= date)


@dataclass(eq=False)
class _EventSpec:
    kind: str
    effective_date: dt.date
    legal_basis: str
    verified: bool
    note: str = ""
    predecessors: list[_Spec] = field(default_factory=list)
    successors: list[_Spec] = field(default_factory=list)


@dataclass
class _Stats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events_created: int = 0
    events_updated: int = 0

    def result(self) -> ImportResult:
        return ImportResult(
            created=self.created, updated=self.updated, unchanged=self.unchanged,
            messages=[f"Biến động đơn vị: tạo mới {self.events_created}, cập nhật {self.events_updated}."],
        )


def _write_units(specs: list[_Spec], stats: _Stats) -> dict[_Spec, Unit]:
    """Create or update the versions in ``specs`` (matched on code + valid_from); parents first."""
    types = {t.code: t for t in UnitType.objects.select_related("level")}
    missing = sorted({s.type_code for s in specs} - set(types))
    if missing:
        raise ValueError(f"Unknown unit type(s) {missing}; run ensure_reference_data().")
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"Two versions with the same code and valid_from: {dupes}")
    existing = {(u.code, u.valid_from): u for u in Unit.objects.filter(code__in={s.code for s in specs})}
    done: dict[_Spec, Unit] = {}
    by_depth: dict[int, list[_Spec]] = defaultdict(list)
    for spec in specs:
        by_depth[types[spec.type_code].level.depth].append(spec)
    for depth in sorted(by_depth):
        to_create, to_update, moved = [], [], []
        for spec in by_depth[depth]:
            parent = done.get(spec.parent) if spec.parent else None
            if spec.parent is not None and parent is None:
                parent = existing.get(spec.parent.key)
                if parent is None:
                    raise ValueError(f"Parent {spec.parent.key} of {spec.key} is not loaded")
            unit_type = types[spec.type_code]
            unit = existing.get(spec.key)
            if unit is None:
                unit = Unit(code=spec.code, name=spec.name, unit_type=unit_type, parent=parent,
                            valid_from=spec.valid_from, valid_to=spec.valid_to, region=spec.region,
                            sort_key=vi_sort_key(spec.name), search_text=fold(f"{spec.name} {spec.code}"))
                to_create.append(unit)
            else:
                wanted = {"name": spec.name, "unit_type_id": unit_type.pk,
                          "parent_id": parent.pk if parent else None, "valid_to": spec.valid_to,
                          "sort_key": vi_sort_key(spec.name), "search_text": fold(f"{spec.name} {spec.code}")}
                if spec.region:
                    wanted["region"] = spec.region
                path = (parent.path if parent else "/") + f"{unit.pk}/"
                changed = {k: v for k, v in wanted.items() if getattr(unit, k) != v}
                for k, v in changed.items():
                    setattr(unit, k, v)
                if "parent_id" in changed:
                    unit.parent = parent
                path_changed = unit.path != path
                if path_changed:
                    moved.append((unit.path, path))
                    unit.path = path
                if changed:
                    stats.updated += 1
                    to_update.append(unit)
                else:
                    stats.unchanged += 1
                    if path_changed:
                        to_update.append(unit)  # a derived path fix, not counted as an update
            done[spec] = unit
        if to_create:
            Unit.objects.bulk_create(to_create)
            for unit in to_create:
                unit.path = (unit.parent.path if unit.parent_id else "/") + f"{unit.pk}/"
            Unit.objects.bulk_update(to_create, ["path"])
            stats.created += len(to_create)
        if to_update:
            Unit.objects.bulk_update(to_update, ["name", "unit_type", "parent", "valid_to", "region",
                                                 "sort_key", "search_text", "path"])
            units_changed.send(sender=Unit, unit_ids={unit.pk for unit in to_update})
        for old_path, new_path in moved:
            if old_path:
                repath_descendants(old_path, new_path)
    return done


def _write_events(specs: list[_EventSpec], units: dict[_Spec, Unit], stats: _Stats) -> None:
    """Create the lineage events not yet present; an event is the same when its kind, date,
    predecessors and successors are (legal basis, note and verified are then brought up to date)."""
    def signature(kind, date, preds, succs):
        return (kind, date, frozenset(preds), frozenset(succs))

    existing = {}
    for event in (LineageEvent.objects.filter(effective_date__in={s.effective_date for s in specs})
                  .prefetch_related("predecessors", "successors")):
        sig = signature(event.kind, event.effective_date, [u.pk for u in event.predecessors.all()],
                        [u.pk for u in event.successors.all()])
        existing[sig] = event
    new_events, links, to_update = [], [], []
    for spec in specs:
        preds = [units[s].pk for s in spec.predecessors]
        succs = [units[s].pk for s in spec.successors]
        sig = signature(spec.kind, spec.effective_date, preds, succs)
        event = existing.get(sig)
        if event is not None:
            wanted = {"legal_basis": spec.legal_basis, "note": spec.note, "verified": spec.verified}
            if any(getattr(event, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(event, k, v)
                to_update.append(event)
            continue
        event = LineageEvent(kind=spec.kind, effective_date=spec.effective_date, legal_basis=spec.legal_basis,
                             note=spec.note, verified=spec.verified)
        existing[sig] = event
        new_events.append(event)
        links.append((event, preds, succs))
    if new_events:
        LineageEvent.objects.bulk_create(new_events)
        pred_through = LineageEvent.predecessors.through
        succ_through = LineageEvent.successors.through
        pred_through.objects.bulk_create(
            [pred_through(lineageevent_id=e.pk, unit_id=pk) for e, preds, _ in links for pk in set(preds)])
        succ_through.objects.bulk_create(
            [succ_through(lineageevent_id=e.pk, unit_id=pk) for e, _, succs in links for pk in set(succs)])
    if to_update:
        LineageEvent.objects.bulk_update(to_update, ["legal_basis", "note", "verified"])
    stats.events_created += len(new_events)
    stats.events_updated += len(to_update)


# --------------------------------------------------------------------------------------------------
# The vietnamadminunits package
# --------------------------------------------------------------------------------------------------

def _package_query(sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    ref = resources.files(PACKAGE) / "data" / "dataset.db"
    with resources.as_file(ref) as db_path, closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, params)]


def _package_converter() -> dict:
    ref = resources.files(PACKAGE) / "data" / "converter_2025.json"
    return json.loads(ref.read_text(encoding="utf-8"))


def _split_type(name: str, types: dict[str, str]) -> tuple[str, str]:
    """("Thành phố Thái Nguyên", PROVINCE_TYPES) → ("Thành phố", "thanh_pho_tw")."""
    for word in sorted(types, key=len, reverse=True):
        if name.lower().startswith(word.lower() + " "):
            return word, types[word]
    raise ValueError(f"Cannot tell the unit type of «{name}»")


def type_from_name(name: str) -> str:
    """The ``UnitType`` code of an official name by its leading type word: "Xã Vạn Phú" → "xa"."""
    for prefix in sorted(NAME_PREFIXES, key=len, reverse=True):
        if name.startswith(prefix + " "):
            return NAME_PREFIXES[prefix]
    raise ValueError(f"Cannot tell the unit type of «{name}» from its name")


@dataclass
class _ProvinceSpecs:
    province: _Spec
    districts: list[_Spec]
    communes: list[_Spec]
    package_key: str  # the package's key of the province, e.g. "tinhthainguyen"
    by_package_key: dict[str, _Spec]  # commune key in the converter's form → spec

    @property
    def all(self) -> list[_Spec]:
        return [self.province, *self.districts, *self.communes]


def _legacy_specs(province_code: str, valid_from: dt.date, valid_to: dt.date | None, region: str) -> _ProvinceSpecs:
    rows = _package_query(
        "SELECT province, provinceShort, provinceKey, districtCode, districtShort, districtType, districtKey,"
        " wardCode, wardShort, wardType, wardKey FROM admin_units_legacy WHERE provinceCode = ?"
        " AND wardCode IS NOT NULL AND wardCode != '' ORDER BY districtCode, wardCode", (province_code,))
    if not rows:
        raise ValueError(f"Province {province_code} is not in the package's three-tier list")
    word, province_type = _split_type(rows[0]["province"], PROVINCE_TYPES)
    province = _Spec(province_code, f"{word} {rows[0]['provinceShort']}", province_type, valid_from, valid_to,
                     region=region)
    district_types = dict(DISTRICT_TYPES)
    if province_type == "thanh_pho_tw":
        district_types["Thành phố"] = "thanh_pho_thuoc_tp"
    districts: dict[str, _Spec] = {}
    communes, by_key = [], {}
    for row in rows:
        district = districts.get(row["districtCode"])
        if district is None:
            district = districts[row["districtCode"]] = _Spec(
                row["districtCode"], f"{row['districtType']} {row['districtShort']}",
                district_types[row["districtType"]], valid_from, valid_to, parent=province)
        commune = _Spec(row["wardCode"], f"{row['wardType']} {row['wardShort']}", COMMUNE_TYPES[row["wardType"]],
                        valid_from, valid_to, parent=district)
        communes.append(commune)
        by_key[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"] = commune
    return _ProvinceSpecs(province, list(districts.values()), communes, rows[0]["provinceKey"], by_key)


def _two_tier_specs(province_code: str, valid_from: dt.date, valid_to: dt.date | None, region: str) -> _ProvinceSpecs:
    rows = _package_query(
        "SELECT province, provinceShort, provinceKey, wardCode, wardShort, wardType, wardKey FROM admin_units"
        " WHERE provinceCode = ? AND wardCode IS NOT NULL AND wardCode != '' ORDER BY wardCode", (province_code,))
    if not rows:
        raise ValueError(f"Province {province_code} is not in the package's two-tier list")
    word, province_type = _split_type(rows[0]["province"], PROVINCE_TYPES)
    province = _Spec(province_code, f"{word} {rows[0]['provinceShort']}", province_type, valid_from, valid_to,
                     region=region)
    communes, by_key = [], {}
    for row in rows:
        commune = _Spec(row["wardCode"], f"{row['wardType']} {row['wardShort']}", COMMUNE_TYPES[row["wardType"]],
                        valid_from, valid_to, parent=province)
        communes.append(commune)
        by_key[row["wardKey"]] = commune
    return _ProvinceSpecs(province, [], communes, rows[0]["provinceKey"], by_key)


def _load(specs: list[_Spec], events: list[_EventSpec], note: str) -> tuple[dict[_Spec, Unit], _Stats]:
    ensure_reference_data()
    stats = _Stats()
    with transaction.atomic():
        units = _write_units(specs, stats)
        _write_events(events, units, stats)
        if stats.created or stats.updated or stats.events_created or stats.events_updated:
            top = units[specs[0]]
            record("import", top, after={"source": PACKAGE, "created": stats.created, "updated": stats.updated,
                                         "events_created": stats.events_created}, note=note)
    return units, stats


def load_province_from_package(province_code: str, valid_from: dt.date, valid_to: dt.date | None,
                               region: str = "") -> Unit:
    """Load a province, its districts and communes as the package's three-tier list has them (2025-01).

    Every version gets ``valid_from``/``valid_to``; ``region`` goes on the province. Idempotent.
    Returns the province version.
    """
    specs = _legacy_specs(province_code, valid_from, valid_to, region)
    units, _ = _load(specs.all, [], f"Tỉnh mã {province_code} theo danh mục 3 cấp của gói {PACKAGE}")
    return units[specs.province]


def load_province_2025_from_package(province_code: str, valid_from: dt.date, valid_to: dt.date | None = None,
                                    region: str = "") -> Unit:
    """Load a province and its communes as the package's two-tier list has them (from 01/07/2025)."""
    specs = _two_tier_specs(province_code, valid_from, valid_to, region)
    units, _ = _load(specs.all, [], f"Tỉnh mã {province_code} theo danh mục 2 cấp của gói {PACKAGE}")
    return units[specs.province]


# --------------------------------------------------------------------------------------------------
# Thái Nguyên's history
# --------------------------------------------------------------------------------------------------

def _find(specs: list[_Spec], code: str, name: str, date: dt.date) -> _Spec | None:
    found = [s for s in specs if s.code == code and s.name == name and s.valid_on(date)]
    if len(found) > 1:
        raise ValueError(f"{code} {name}: several versions on {date}")
    return found[0] if found else None


def _apply_events(events: list[dict], communes: list[_Spec], districts: dict[str, _Spec],
                  start: dt.date) -> list[_EventSpec]:
    """Turn the YAML events into versions (editing/adding to ``communes``) and event specs.

    Events are applied from the latest back: a successor starts on the effective date, a predecessor
    ends the day before (created when the package list lacks it).
    """
    result = []
    for ev in sorted(events, key=lambda e: e["effective_date"], reverse=True):
        date = ev["effective_date"]
        eve = date - ONE_DAY
        spec = _EventSpec(LineageKind(ev["kind"]).value, date, ev["legal_basis"], bool(ev["verified"]),
                          " ".join(str(ev.get("note", "")).split()))
        for entry in ev["successors"]:
            unit = _find(communes, entry["code"], entry["name"], date)
            if unit is None:
                raise ValueError(f"{ev['key']}: successor {entry['code']} {entry['name']} not found")
            if not entry.get("continues"):
                if unit.valid_on(eve):
                    unit.valid_from = date
                else:
                    raise ValueError(f"{ev['key']}: successor {entry['code']} already starts later")
            elif not unit.valid_on(eve):
                raise ValueError(f"{ev['key']}: {entry['code']} is marked as continuing but starts on {date}")
            spec.successors.append(unit)
        for entry in ev["predecessors"]:
            unit = _find(communes, entry["code"], entry["name"], eve)
            if entry.get("continues"):
                if unit is None or not unit.valid_on(date):
                    raise ValueError(f"{ev['key']}: continuing {entry['code']} {entry['name']} not found")
            elif unit is not None:
                unit.valid_to = eve
            else:
                parent = districts[str(entry.get("parent", ev["parent"]))]
                unit = _Spec(entry["code"], entry["name"], type_from_name(entry["name"]), start, eve, parent=parent)
                communes.append(unit)
            spec.predecessors.append(unit)
        result.append(spec)
    return result[::-1]


def _reorganisation_events(reorg: dict, olds: list[_ProvinceSpecs], new: _ProvinceSpecs,
                           old_end: dt.date) -> list[_EventSpec]:
    date = reorg["effective_date"]
    provinces = [*(p.province for p in olds), new.province]
    pe = reorg["province_event"]
    province_event = _EventSpec(LineageKind(pe["kind"]).value, date, pe["legal_basis"], bool(pe["verified"]),
                                " ".join(pe.get("note", "").split()))
    for entry in pe["predecessors"]:
        found = _find(provinces, entry["code"], entry["name"], old_end)
        if found is None:
            raise ValueError(f"province {entry['code']} {entry['name']} not found on {old_end}")
        province_event.predecessors.append(found)
    for entry in pe["successors"]:
        found = _find(provinces, entry["code"], entry["name"], date)
        if found is None:
            raise ValueError(f"province {entry['code']} {entry['name']} not found on {date}")
        province_event.successors.append(found)

    converter = _package_converter()
    whole = converter["DICT_PROVINCE_WARD_NO_DIVIDED"][new.package_key]
    divided = converter["DICT_PROVINCE_WARD_DIVIDED"].get(new.package_key, {})
    old_by_key = {k: v for p in olds for k, v in p.by_package_key.items()}
    sources: dict[str, list[tuple[_Spec, bool]]] = defaultdict(list)  # new key → [(old unit, partly?)]
    for new_key, old_keys in whole.items():
        sources[new_key].extend((old_by_key[k], False) for k in old_keys)
    for old_key, targets in divided.items():
        for target in targets:
            sources[target["newWardKey"]].append((old_by_key[old_key], True))
    unmapped = set(old_by_key.values()) - {u for pairs in sources.values() for u, _ in pairs}
    if unmapped:
        raise ValueError(f"Old units without a successor: {sorted(u.code for u in unmapped)}")
    ce = reorg["commune_events"]
    events = [province_event]
    for new_key in sorted(sources, key=lambda k: new.by_package_key[k].code):
        pairs = sources[new_key]
        note = " ".join(ce.get("note", "").split())
        parts = [u for u, partly in pairs if partly]
        if parts:
            names = ", ".join(f"{u.name} ({u.parent.name})" for u in parts)
            note += f" Gồm một phần của: {names}."
        events.append(_EventSpec(LineageKind(ce["kind"]).value, date, ce["legal_basis"], bool(ce["verified"]),
                                 note.strip(), [u for u, _ in pairs], [new.by_package_key[new_key]]))
    return events


def load_thai_nguyen_history(path: str | Path = LINEAGE_FILE) -> ImportResult:
    """Thái Nguyên (code 19) from 01/10/2022 on, with lineage. Idempotent (re-running adds nothing).

    - 01/10/2022 – 09/04/2023: 178 commune-level units (128 xã); NQ 729 → from 10/04/2023: 177 (126 xã),
      9 districts (164, 165, 167–173);
    - NQ 1240 → from 01/12/2024: 172 (121 xã);
    - 30/06/2025: old Thái Nguyên and old Bắc Kạn (06; loaded as known since 01/01/2025) end;
      from 01/07/2025 the new province 19 with 92 communes directly under it (77 xã, 15 phường),
      one MERGE event per new commune (NQ 1683/NQ-UBTVQH15) and one for the provinces (NQ 202/2025/QH15).
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    start: dt.date = data["history_start"]
    reorg = data["reorganisation_2025"]
    new_date: dt.date = reorg["effective_date"]
    old_end = new_date - ONE_DAY

    home = _legacy_specs(str(data["province"]["code"]), start, old_end, data["province"].get("region", ""))
    districts = {d.code: d for d in home.districts}
    communes = list(home.communes)
    events = _apply_events(data["events"], communes, districts, start)
    home.communes = communes

    olds = [home]
    for merged in reorg["merged_provinces"]:
        olds.append(_legacy_specs(str(merged["code"]), merged["known_since"], old_end, merged.get("region", "")))
    new = _two_tier_specs(str(reorg["new_province"]["code"]), new_date, None, reorg["new_province"].get("region", ""))
    events += _reorganisation_events(reorg, olds, new, old_end)

    specs = [*(s for p in olds for s in p.all), *new.all]
    _, stats = _load(specs, events, f"Lịch sử đơn vị hành chính Thái Nguyên ({Path(path).name})")
    return stats.result()


# --------------------------------------------------------------------------------------------------
# CSV import: nongthonso import units FILE [--dry-run]
# --------------------------------------------------------------------------------------------------

UNIT_COLUMNS = ("code", "name", "type", "parent_code", "valid_from", "valid_to")
UNIT_OPTIONAL_COLUMNS = ("region", "dac_biet_kho_khan", "atk")
# columns the units file no longer takes, and what to do instead
RETIRED_UNIT_COLUMNS = {
    "commune_group": (
        "nhóm xã không còn được nhập cùng đơn vị hành chính. Từ giai đoạn 2026-2030, nhóm xã (Quyết định "
        "51/2025/QĐ-TTg) do quyết định của UBND tỉnh xếp, có thời hạn áp dụng, nên được nhập riêng kèm số và ngày "
        "quyết định. Xóa cột này khỏi tệp đơn vị, rồi nhập nhóm xã bằng loại dữ liệu «Nhóm xã» (commune_groups; các "
        "cột unit_code, group, valid_from, decision_number, decision_date, authority)."),
}
DATE_HINT = "Viết ngày theo dạng 2024-12-01 hoặc 01/12/2024."
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TRUE = {"1", "x", "có", "co", "c", "true", "yes", "đúng"}
_FALSE = {"", "0", "không", "khong", "k", "false", "no", "sai"}


def parse_date(text: str) -> dt.date | None:
    """2024-12-01 or 01/12/2024 (also 1/12/2024) → date; None when not a valid date."""
    text = text.strip()
    if m := _ISO_DATE.match(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _VN_DATE.match(text):
        d, mo, y = (int(g) for g in m.groups())
    else:
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


@dataclass(eq=False)
class _Version:
    """A unit version as it will be after the import: from the database, a file row, or both."""

    code: str
    name: str
    unit_type: UnitType | None
    valid_from: dt.date
    valid_to: dt.date | None
    unit: Unit | None = None  # the existing row
    row: _Row | None = None  # the file row that creates/updates it

    def valid_on(self, date: dt.date) -> bool:
        return self.valid_from <= date and (self.valid_to is None or self.valid_to >= date)

    def span(self) -> str:
        end = f" – {format_date(self.valid_to)}" if self.valid_to else " – nay"
        return f"{format_date(self.valid_from)}{end}"


@dataclass(eq=False)
class _Row:
    number: int
    raw: dict[str, str]
    code: str = ""
    name: str = ""
    unit_type: UnitType | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # optional columns present in the file
    parent: _Version | None = None
    version: _Version | None = None


def _snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code, "name": unit.name, "type": unit.unit_type.code,
        "parent": unit.parent.code if unit.parent_id else None,
        "valid_from": unit.valid_from.isoformat(), "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "region": unit.region, "dac_biet_kho_khan": unit.dac_biet_kho_khan, "atk": unit.atk,
    }


def _parse_row(number: int, raw: dict[str, str], types: dict[str, UnitType], errors: list[RowError]) -> _Row:
    row = _Row(number, raw)

    def error(column: str, message: str) -> None:
        errors.append(RowError(number, column, raw.get(column, ""), message))

    row.code = raw["code"]
    if not row.code:
        error("code", "thiếu mã đơn vị. Điền mã GSO của đơn vị (ví dụ 05569).")
    elif len(row.code) > 20 or any(c.isspace() for c in row.code):
        error("code", "mã không hợp lệ: tối đa 20 ký tự, không có khoảng trắng.")
    row.name = " ".join(raw["name"].split())
    if not row.name:
        error("name", "thiếu tên đơn vị. Điền tên đầy đủ kèm loại, ví dụ «Xã Vạn Phú».")
    elif len(row.name) > 200:
        error("name", "tên dài quá 200 ký tự.")
    row.unit_type = types.get(raw["type"])
    if row.unit_type is None:
        by_level: dict[str, list[str]] = defaultdict(list)
        for t in types.values():
            by_level[t.level.name.lower()].append(t.code)
        allowed = "; ".join(f"{level}: {', '.join(codes)}" for level, codes in by_level.items())
        what = "thiếu loại đơn vị" if not raw["type"] else "không có loại đơn vị này"
        error("type", f"{what}. Dùng một trong các mã — {allowed}.")
    if not raw["valid_from"]:
        error("valid_from", f"thiếu ngày bắt đầu hiệu lực. {DATE_HINT}")
    else:
        row.valid_from = parse_date(raw["valid_from"])
        if row.valid_from is None:
            error("valid_from", f"ngày không hợp lệ. {DATE_HINT}")
    if raw["valid_to"]:
        row.valid_to = parse_date(raw["valid_to"])
        if row.valid_to is None:
            error("valid_to", f"ngày không hợp lệ. {DATE_HINT} Để trống nếu đơn vị còn hiệu lực.")
        elif row.valid_from and row.valid_to < row.valid_from:
            error("valid_to", f"ngày hết hiệu lực trước ngày bắt đầu hiệu lực ({format_date(row.valid_from)}). "
                              "Sửa lại, hoặc để trống nếu đơn vị còn hiệu lực.")
    if "region" in raw:
        region = raw["region"].upper()
        if region and region not in Region.values:
            allowed = ", ".join(f"{value} ({label})" for value, label in Region.choices)
            error("region", f"không có vùng này. Dùng một trong các mã: {allowed}, hoặc để trống.")
        row.extra["region"] = region
    for column in ("dac_biet_kho_khan", "atk"):
        if column in raw:
            value = raw[column].lower()
            if value in _TRUE:
                row.extra[column] = True
            elif value in _FALSE:
                row.extra[column] = False
            else:
                error(column, "giá trị không hợp lệ. Điền «có» hoặc «không» (hoặc 1/0), hoặc để trống.")
    return row


def _retired_columns(exc: ImportFailed) -> ImportFailed:
    """``exc`` with the header errors about a retired column (``RETIRED_UNIT_COLUMNS``) saying what to do."""
    errors = [RowError(e.row, e.column, e.value, RETIRED_UNIT_COLUMNS[e.column])
              if e.row == 1 and e.column in RETIRED_UNIT_COLUMNS else e for e in exc.errors]
    return ImportFailed(errors, total=exc.total)


def import_units(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                 progress=None) -> ImportResult:
    """Import unit versions from a CSV file, all or nothing.

    Columns: code, name, type, parent_code, valid_from, valid_to (+ optional region,
    dac_biet_kho_khan, atk). Commune groups are dated decisions of their own (kind ``commune_groups``,
    ``recognition.group_imports``); a file with the former ``commune_group`` column is refused, saying so.
    ``parent_code`` resolves to the version in force on the row's ``valid_from`` (in the database or
    earlier in the same file). A row with the code and valid_from of an existing version updates it.
    Raises ``ImportFailed`` with every error found. The file may be CSV or XLSX; ``name`` is the file
    name to show (an upload's). ``user`` (a web upload): only a superuser may change the catalogue of
    units.
    """
    path = Path(path)
    name = name or path.name
    if user is not None and not user.is_superuser:
        raise ImportFailed([RowError(0, "", "", (
            "Chỉ quản trị hệ thống được nhập danh mục đơn vị hành chính (danh mục dùng chung cho mọi tỉnh). "
            "Gửi tệp cho quản trị hệ thống, hoặc chọn loại dữ liệu khác."))])
    try:
        rows_raw = list(read_csv(path, UNIT_COLUMNS, UNIT_OPTIONAL_COLUMNS, name=name))
    except ImportFailed as exc:
        raise _retired_columns(exc) from None
    if progress is not None:
        progress("check", len(rows_raw), path.stat().st_size, path.stat().st_size)
    if not rows_raw:
        raise ImportFailed([RowError(0, "", "", no_data_message(name))])
    if not UnitType.objects.exists():
        ensure_reference_data()
    types = {t.code: t for t in UnitType.objects.select_related("level")}
    errors: list[RowError] = []
    rows = [_parse_row(number, raw, types, errors) for number, raw in rows_raw]

    # the versions of every code the file names, as they will be after the import
    codes = {r.code for r in rows if r.code} | {r.raw["parent_code"] for r in rows if r.raw["parent_code"]}
    versions: dict[tuple[str, dt.date], _Version] = {}
    for unit in Unit.objects.filter(code__in=codes).select_related("unit_type__level", "parent__unit_type"):
        versions[(unit.code, unit.valid_from)] = _Version(unit.code, unit.name, unit.unit_type, unit.valid_from,
                                                          unit.valid_to, unit=unit)
    seen: dict[tuple[str, dt.date], _Row] = {}
    for row in rows:
        if not (row.code and row.valid_from):
            continue
        key = (row.code, row.valid_from)
        if key in seen:
            errors.append(RowError(row.number, "valid_from", row.raw["valid_from"], (
                f"mã {row.code} với ngày bắt đầu hiệu lực này đã có ở dòng {seen[key].number}. "
                "Mỗi phiên bản đơn vị chỉ ghi một dòng.")))
            continue
        seen[key] = row
        version = versions.get(key)
        if version is None:
            version = versions[key] = _Version(row.code, row.name, row.unit_type, row.valid_from, row.valid_to)
        else:
            version.name, version.unit_type, version.valid_to = row.name, row.unit_type, row.valid_to
        version.row = row
        row.version = version
    by_code: dict[str, list[_Version]] = defaultdict(list)
    for version in versions.values():
        by_code[version.code].append(version)

    for row in rows:
        parent_code = row.raw["parent_code"]
        if row.unit_type is None or row.valid_from is None:
            continue
        depth = row.unit_type.level.depth
        if depth == 1:
            if parent_code:
                errors.append(RowError(row.number, "parent_code", parent_code,
                                       "đơn vị cấp tỉnh không có cấp trên. Để trống cột này."))
            continue
        if not parent_code:
            errors.append(RowError(row.number, "parent_code", "", (
                f"thiếu mã đơn vị cấp trên. Điền mã tỉnh hoặc huyện chứa đơn vị này, "
                f"còn hiệu lực ngày {format_date(row.valid_from)}.")))
            continue
        candidates = [v for v in by_code.get(parent_code, []) if v.valid_on(row.valid_from)]
        if not candidates:
            errors.append(RowError(row.number, "parent_code", parent_code, (
                f"không có đơn vị cấp trên mã {parent_code} còn hiệu lực ngày {format_date(row.valid_from)}. "
                "Kiểm tra mã hoặc ngày hiệu lực.")))
            continue
        if len(candidates) > 1:
            errors.append(RowError(row.number, "parent_code", parent_code, (
                f"mã {parent_code} có nhiều phiên bản cùng còn hiệu lực ngày {format_date(row.valid_from)}. "
                "Sửa ngày hiệu lực của các phiên bản đó trước.")))
            continue
        parent = candidates[0]
        if parent.unit_type is not None and parent.unit_type.level.depth >= depth:
            errors.append(RowError(row.number, "parent_code", parent_code, (
                f"«{parent.name}» là đơn vị {parent.unit_type.level.name.lower()}, không thể là cấp trên của "
                f"đơn vị {row.unit_type.level.name.lower()}. Điền mã đơn vị cấp cao hơn.")))
            continue
        row.parent = parent

    # two versions of one code may not be in force on the same day
    for code_versions in by_code.values():
        code_versions.sort(key=lambda v: v.valid_from)
        for i, later in enumerate(code_versions):
            for earlier in code_versions[:i]:
                if earlier.valid_to is not None and earlier.valid_to < later.valid_from:
                    continue
                row = later.row or earlier.row
                if row is None:
                    continue  # already so in the database; not this file's doing
                other = earlier if row is later.row else later
                where = f" (dòng {other.row.number})" if other.row else ""
                errors.append(RowError(row.number, "valid_from", row.raw["valid_from"], (
                    f"trùng thời gian hiệu lực với phiên bản «{other.name}» cùng mã {row.code}{where}, "
                    f"hiệu lực {other.span()}. Đặt ngày hết hiệu lực cho phiên bản trước, hoặc sửa ngày.")))

    if errors:
        errors.sort(key=lambda e: (e.row, UNIT_COLUMNS.index(e.column) if e.column in UNIT_COLUMNS else 99))
        raise ImportFailed(errors)

    result = ImportResult(dry_run=dry_run)
    plan = []
    for row in rows:
        unit = row.version.unit
        if unit is None:
            result.created += 1
            plan.append((row, "create"))
            continue
        wanted = _wanted_fields(row)
        if any(getattr(unit, k) != v for k, v in wanted.items()):
            result.updated += 1
            plan.append((row, "update"))
        else:
            result.unchanged += 1
    for row, action in plan[:PREVIEW_CHANGES]:
        unit = row.version.unit
        result.changes.append(Change(
            row.number, action, f"{row.name} ({row.code}), hiệu lực từ {format_date(row.valid_from)}",
            "" if unit is None else f"{unit.name}, {unit.unit_type.name}, đến "
                                    f"{format_date(unit.valid_to) if unit.valid_to else 'nay'}",
            f"{row.name}, {row.unit_type.name}, đến {format_date(row.valid_to) if row.valid_to else 'nay'}"))
    if dry_run:
        return result

    with transaction.atomic():
        created: dict[int, Unit] = {}
        for row, action in sorted(plan, key=lambda p: (p[0].unit_type.level.depth, p[0].number)):
            wanted = _wanted_fields(row)
            wanted["parent"] = _parent_unit(row, created)
            wanted.pop("parent_id", None)
            if action == "create":
                unit = Unit(code=row.code, valid_from=row.valid_from, **wanted)
                unit.save()
                created[id(row.version)] = unit
                record("create", unit, after=_snapshot(unit), note=f"Nhập tệp {name}, dòng {row.number}")
            else:
                unit = row.version.unit
                before, old_path = _snapshot(unit), unit.path
                for k, v in wanted.items():
                    setattr(unit, k, v)
                unit.save()
                if unit.path != old_path:
                    repath_descendants(old_path, unit.path)
                record("update", unit, before=before, after=_snapshot(unit),
                       note=f"Nhập tệp {name}, dòng {row.number}")
    return result


def _wanted_fields(row: _Row) -> dict[str, Any]:
    parent = row.parent
    parent_id = None
    if parent is not None:
        parent_id = parent.unit.pk if parent.unit is not None else -1  # -1: created by this file
    wanted = {"name": row.name, "unit_type": row.unit_type, "parent_id": parent_id, "valid_to": row.valid_to}
    for column in UNIT_OPTIONAL_COLUMNS:
        if column in row.extra:
            wanted[column] = row.extra[column]
    return wanted


def _parent_unit(row: _Row, created: dict[int, Unit]) -> Unit | None:
    if row.parent is None:
        return None
    return row.parent.unit if row.parent.unit is not None else created[id(row.parent)]
