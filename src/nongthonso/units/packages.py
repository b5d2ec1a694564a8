"""Loading unit versions from the ``vietnamadminunits`` package.

- ``load_province_from_package``: one province as in the package's three-tier list (as of 2025-01).
- ``load_province_2025_from_package``: one province as in the package's two-tier list (from 01/07/2025).

The version specs and the idempotent writer here are shared with ``units.lineage`` (Thái Nguyên's history).
They write with ``bulk_create``/``bulk_update`` and compute ``path``, ``sort_key`` and ``search_text``
themselves (``Unit.save`` is not called); re-running changes nothing that is already right. Versions are
matched on (code, valid_from), the model's unique key.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from django.db import transaction

from nongthonso.audit.services import record
from nongthonso.core.imports import ImportResult
from nongthonso.core.text import fold, vi_sort_key
from nongthonso.core.vocabulary import UNIT_TYPE_WORDS, unit_type_of

from .models import LineageEvent, Unit, UnitType, repath_descendants
from .reference import ensure_reference_data
from .signals import units_changed

PACKAGE = "vietnamadminunits"
COMMUNE_TYPES = UNIT_TYPE_WORDS["xa"]  # the package's ward types are the type words


# --------------------------------------------------------------------------------------------------
# Version specs and the idempotent writer
# --------------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Spec:
    """A unit version to be in the database."""

    code: str
    name: str
    type_code: str
    valid_from: dt.date
    valid_to: dt.date | None
    parent: Spec | None = None
    region: str = ""

    @property
    def key(self) -> tuple[str, dt.date]:
        return (self.code, self.valid_from)

    def valid_on(self, date: dt.date) -> bool:
        return self.valid_from <= date and (self.valid_to is None or self.valid_to >= date)


@dataclass(eq=False)
class EventSpec:
    kind: str
    effective_date: dt.date
    legal_basis: str
    verified: bool
    note: str = ""
    predecessors: list[Spec] = field(default_factory=list)
    successors: list[Spec] = field(default_factory=list)


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


def _write_units(specs: list[Spec], stats: _Stats) -> dict[Spec, Unit]:
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
    done: dict[Spec, Unit] = {}
    by_depth: dict[int, list[Spec]] = defaultdict(list)
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


def _write_events(specs: list[EventSpec], units: dict[Spec, Unit], stats: _Stats) -> None:
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


def package_converter() -> dict:
    ref = resources.files(PACKAGE) / "data" / "converter_2025.json"
    return json.loads(ref.read_text(encoding="utf-8"))


def _province_spec(rows: list[dict[str, Any]], province_code: str, valid_from: dt.date, valid_to: dt.date | None,
                   region: str, listing: str) -> Spec:
    """The province of the package's ``rows`` of its ``listing`` (three-tier or two-tier)."""
    if not rows:
        raise ValueError(f"Province {province_code} is not in the package's {listing} list")
    word, province_type = unit_type_of(rows[0]["province"], "tinh")
    return Spec(province_code, f"{word} {rows[0]['provinceShort']}", province_type, valid_from, valid_to,
                region=region)


@dataclass
class ProvinceSpecs:
    province: Spec
    districts: list[Spec]
    communes: list[Spec]
    package_key: str  # the package's key of the province, e.g. "tinhthainguyen"
    by_package_key: dict[str, Spec]  # commune key in the converter's form → spec

    @property
    def all(self) -> list[Spec]:
        return [self.province, *self.districts, *self.communes]


def legacy_specs(province_code: str, valid_from: dt.date, valid_to: dt.date | None, region: str) -> ProvinceSpecs:
    rows = _package_query(
        "SELECT province, provinceShort, provinceKey, districtCode, districtShort, districtType, districtKey,"
        " wardCode, wardShort, wardType, wardKey FROM admin_units_legacy WHERE provinceCode = ?"
        " AND wardCode IS NOT NULL AND wardCode != '' ORDER BY districtCode, wardCode", (province_code,))
    province = _province_spec(rows, province_code, valid_from, valid_to, region, "three-tier")
    district_types = dict(UNIT_TYPE_WORDS["huyen"])
    if province.type_code == "thanh_pho_tw":
        district_types["Thành phố"] = "thanh_pho_thuoc_tp"
    districts: dict[str, Spec] = {}
    communes, by_key = [], {}
    for row in rows:
        district = districts.get(row["districtCode"])
        if district is None:
            district = districts[row["districtCode"]] = Spec(
                row["districtCode"], f"{row['districtType']} {row['districtShort']}",
                district_types[row["districtType"]], valid_from, valid_to, parent=province)
        commune = Spec(row["wardCode"], f"{row['wardType']} {row['wardShort']}", COMMUNE_TYPES[row["wardType"]],
                       valid_from, valid_to, parent=district)
        communes.append(commune)
        by_key[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"] = commune
    return ProvinceSpecs(province, list(districts.values()), communes, rows[0]["provinceKey"], by_key)


def two_tier_specs(province_code: str, valid_from: dt.date, valid_to: dt.date | None, region: str) -> ProvinceSpecs:
    rows = _package_query(
        "SELECT province, provinceShort, provinceKey, wardCode, wardShort, wardType, wardKey FROM admin_units"
        " WHERE provinceCode = ? AND wardCode IS NOT NULL AND wardCode != '' ORDER BY wardCode", (province_code,))
    province = _province_spec(rows, province_code, valid_from, valid_to, region, "two-tier")
    communes, by_key = [], {}
    for row in rows:
        commune = Spec(row["wardCode"], f"{row['wardType']} {row['wardShort']}", COMMUNE_TYPES[row["wardType"]],
                       valid_from, valid_to, parent=province)
        communes.append(commune)
        by_key[row["wardKey"]] = commune
    return ProvinceSpecs(province, [], communes, rows[0]["provinceKey"], by_key)


def load_specs(specs: list[Spec], events: list[EventSpec], note: str) -> tuple[dict[Spec, Unit], _Stats]:
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
    specs = legacy_specs(province_code, valid_from, valid_to, region)
    units, _ = load_specs(specs.all, [], f"Tỉnh mã {province_code} theo danh mục 3 cấp của gói {PACKAGE}")
    return units[specs.province]


def load_province_2025_from_package(province_code: str, valid_from: dt.date, valid_to: dt.date | None = None,
                                    region: str = "") -> Unit:
    """Load a province and its communes as the package's two-tier list has them (from 01/07/2025)."""
    specs = two_tier_specs(province_code, valid_from, valid_to, region)
    units, _ = load_specs(specs.all, [], f"Tỉnh mã {province_code} theo danh mục 2 cấp của gói {PACKAGE}")
    return units[specs.province]
