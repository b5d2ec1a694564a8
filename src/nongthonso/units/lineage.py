"""Thái Nguyên's history: ``load_thai_nguyen_history`` loads the province from 01/10/2022 to the two-tier
province, with every change as a ``LineageEvent`` (``data/thai-nguyen-lineage.yaml``). Idempotent: it writes
through the package loader's idempotent writer (``units.packages``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import yaml

from nongthonso.core.imports import ImportResult
from nongthonso.core.vocabulary import unit_type_of

from .choices import LineageKind
from .packages import (
    EventSpec,
    ProvinceSpecs,
    Spec,
    legacy_specs,
    load_specs,
    package_converter,
    two_tier_specs,
)

LINEAGE_FILE = Path(__file__).with_name("data") / "thai-nguyen-lineage.yaml"
ONE_DAY = dt.timedelta(days=1)


def _find(specs: list[Spec], code: str, name: str, date: dt.date) -> Spec | None:
    found = [s for s in specs if s.code == code and s.name == name and s.valid_on(date)]
    if len(found) > 1:
        raise ValueError(f"{code} {name}: several versions on {date}")
    return found[0] if found else None


def _apply_events(events: list[dict], communes: list[Spec], districts: dict[str, Spec],
                  start: dt.date) -> list[EventSpec]:
    """Turn the YAML events into versions (editing/adding to ``communes``) and event specs.

    Events are applied from the latest back: a successor starts on the effective date, a predecessor
    ends the day before (created when the package list lacks it).
    """
    result = []
    for ev in sorted(events, key=lambda e: e["effective_date"], reverse=True):
        date = ev["effective_date"]
        eve = date - ONE_DAY
        spec = EventSpec(LineageKind(ev["kind"]).value, date, ev["legal_basis"], bool(ev["verified"]),
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
                _, type_code = unit_type_of(entry["name"], "xa")
                unit = Spec(entry["code"], entry["name"], type_code, start, eve, parent=parent)
                communes.append(unit)
            spec.predecessors.append(unit)
        result.append(spec)
    return result[::-1]


def _reorganisation_events(reorg: dict, olds: list[ProvinceSpecs], new: ProvinceSpecs,
                           old_end: dt.date) -> list[EventSpec]:
    date = reorg["effective_date"]
    provinces = [*(p.province for p in olds), new.province]
    pe = reorg["province_event"]
    province_event = EventSpec(LineageKind(pe["kind"]).value, date, pe["legal_basis"], bool(pe["verified"]),
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

    converter = package_converter()
    whole = converter["DICT_PROVINCE_WARD_NO_DIVIDED"][new.package_key]
    divided = converter["DICT_PROVINCE_WARD_DIVIDED"].get(new.package_key, {})
    old_by_key = {k: v for p in olds for k, v in p.by_package_key.items()}
    sources: dict[str, list[tuple[Spec, bool]]] = defaultdict(list)  # new key → [(old unit, partly?)]
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
        events.append(EventSpec(LineageKind(ce["kind"]).value, date, ce["legal_basis"], bool(ce["verified"]),
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

    home = legacy_specs(str(data["province"]["code"]), start, old_end, data["province"].get("region", ""))
    districts = {d.code: d for d in home.districts}
    communes = list(home.communes)
    events = _apply_events(data["events"], communes, districts, start)
    home.communes = communes

    olds = [home]
    for merged in reorg["merged_provinces"]:
        olds.append(legacy_specs(str(merged["code"]), merged["known_since"], old_end, merged.get("region", "")))
    new = two_tier_specs(str(reorg["new_province"]["code"]), new_date, None, reorg["new_province"].get("region", ""))
    events += _reorganisation_events(reorg, olds, new, old_end)

    specs = [*(s for p in olds for s in p.all), *new.all]
    _, stats = load_specs(specs, events, f"Lịch sử đơn vị hành chính Thái Nguyên ({Path(path).name})")
    return stats.result()
