"""The smart-NTM reference data: programmes, targets and measures from ``data/targets.yaml``, and the provinces'
smart-village criteria sets from ``catalogue/*.yaml`` (the criteria catalogue's format, loaded by the criteria app's
own loader, ``criteria.catalogue.load_all``).

Both are loaded after every ``migrate`` (``apps.SmartConfig``: every installation has them, the demo's or not) and
by ``nongthonso smart load``. A programme is rewritten only when its entry in the file changed (``file_hash``), so a
correction made in the admin stays until the file itself changes; a smart-village set follows the criteria
catalogue's rules (a set in use gets a new version). Every write is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml
from django.db import transaction

from nongthonso.audit.services import record
from nongthonso.criteria.catalogue import CatalogueError, load_all

from .models import (
    LEVELS,
    Aggregate,
    Comparator,
    Kind,
    Measure,
    Pillar,
    PilotKind,
    Programme,
    Provenance,
    Target,
    TraineeFlag,
    ValueUnit,
)

TARGETS_FILE = Path(__file__).resolve().parent / "data" / "targets.yaml"
VILLAGE_CATALOGUE = Path(__file__).resolve().parent / "catalogue"
ACTOR = "nongthonso smart load"


class TargetsError(ValueError):
    """A targets file that cannot be loaded; the message (Vietnamese) names the entry and the fix."""


def _hash(entry: dict) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _date(value, where: str, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise TargetsError(f"{where}: «{key}» phải là ngày dạng YYYY-MM-DD, không phải «{value}».") from None


def _choice(value, choices, where: str, key: str) -> str:
    allowed = [c[0] for c in choices]
    if value not in allowed:
        raise TargetsError(f"{where}: «{key}: {value}» không hợp lệ; dùng một trong: {', '.join(allowed)}.")
    return value


def read_targets(path: Path = TARGETS_FILE) -> dict:
    """The file read and checked: ``{"measures": [...], "programmes": [...], "smart_villages": {...}}``, each
    programme with its targets as model fields. Raises TargetsError naming the entry and what to fix."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TargetsError(f"Tệp «{Path(path).name}» không đúng cú pháp YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("programmes"), list):
        raise TargetsError(f"Tệp «{Path(path).name}» phải có danh sách «programmes» (và «measures»).")
    measures = {}
    for entry in data.get("measures") or []:
        where = f"Số liệu nhập «{entry.get('code')}»"
        levels = list(entry.get("levels") or [])
        for level in levels:
            _choice(level, LEVELS, where, "levels")
        if not entry.get("code") or not levels:
            raise TargetsError(f"{where}: cần «code», «label», «numerator», «denominator» và «levels».")
        measures[entry["code"]] = {
            "label": _text(entry["label"]), "numerator_label": _text(entry["numerator"]),
            "denominator_label": _text(entry["denominator"]), "levels": levels, "note": _text(entry.get("note")),
        }
    programmes, codes = [], set()
    for entry in data["programmes"]:
        where = f"Chương trình «{entry.get('code')}»"
        fields = {
            "name": _text(entry.get("name")), "short_name": _text(entry.get("short_name")),
            "legal_basis": _text(entry.get("legal_basis")), "issuer": _text(entry.get("issuer")),
            "issued_on": _date(entry.get("issued_on"), where, "issued_on"),
            "province_code": str(entry.get("province") or ""),
            "applies_from": _date(entry.get("applies_from"), where, "applies_from"),
            "applies_to": _date(entry["applies_to"], where, "applies_to") if entry.get("applies_to") else None,
            "source": _text(entry.get("source")), "verified": bool(entry.get("verified", False)),
        }
        missing = [k for k in ("name", "short_name", "legal_basis", "issuer", "source") if not fields[k]]
        if missing:
            raise TargetsError(f"{where}: thiếu {', '.join(missing)}.")
        targets = [_target(t, measures, f"{where}, mục tiêu «{t.get('code')}»") for t in entry.get("targets") or []]
        for t in targets:
            if t["code"] in codes:
                raise TargetsError(f"{where}: mã mục tiêu «{t['code']}» đã dùng; mỗi mục tiêu một mã riêng.")
            codes.add(t["code"])
        programmes.append({"code": entry["code"], "fields": fields, "targets": targets, "hash": _hash(entry)})
    return {"measures": measures, "programmes": programmes, "smart_villages": data.get("smart_villages") or {}}


def _target(entry: dict, measures: dict, where: str) -> dict:
    try:
        value = Decimal(str(entry.get("value")))
    except InvalidOperation:
        raise TargetsError(f"{where}: «value» phải là một số, không phải «{entry.get('value')}».") from None
    kind = _choice(entry.get("kind"), Kind.choices, where, "kind")
    measure = entry.get("measure") or ""
    if measure and measure not in measures:
        raise TargetsError(f"{where}: không có số liệu nhập «{measure}» trong «measures».")
    target = Target(
        code=str(entry.get("code") or ""), pillar=_choice(entry.get("pillar"), Pillar.choices, where, "pillar"),
        label=_text(entry.get("label")), level=_choice(entry.get("level"), LEVELS, where, "level"),
        comparator=_choice(entry.get("comparator", ">="), Comparator.choices, where, "comparator"), value=value,
        value_unit=_choice(entry.get("value_unit", "percent"), ValueUnit.choices, where, "value_unit"),
        deadline=_date(entry.get("deadline"), where, "deadline"),
        provenance=_choice(entry.get("provenance"), Provenance.choices, where, "provenance"),
        source=_text(entry.get("source")), kind=kind, set_code=entry.get("set", ""),
        indicator_code=str(entry.get("indicator", "")), aggregate=entry.get("aggregate", ""),
        pilot_kind=entry.get("pilot_kind", ""), trainee_groups=list(entry.get("trainee_groups") or []),
        trainee_flag=entry.get("trainee_flag", ""), unit_types=list(entry.get("unit_types") or []),
    )
    target.measure_id = -1 if measure else None  # «named»: the check below only asks whether there is one
    if target.aggregate:
        _choice(target.aggregate, Aggregate.choices, where, "aggregate")
    if target.pilot_kind:
        _choice(target.pilot_kind, PilotKind.choices, where, "pilot_kind")
    if target.trainee_flag:
        _choice(target.trainee_flag, TraineeFlag.choices, where, "trainee_flag")
    problems = target.problems()
    if measure and target.level not in measures[measure]["levels"]:
        problems.append(f"số liệu «{measure}» không nhập ở cấp «{target.level}»")
    if not target.code or not target.label or not target.source:
        problems.append("cần «code», «label» và «source»")
    if problems:
        raise TargetsError(f"{where}: {'; '.join(problems)}.")
    fields = {f.name: getattr(target, f.attname) for f in Target._meta.concrete_fields
              if f.name not in ("id", "programme", "measure", "position")}
    return {**fields, "measure": measure}


def _snapshot(obj, names) -> dict:
    return {name: (str(v) if isinstance(v, (dt.date, Decimal)) else v)
            for name in names for v in [getattr(obj, name)]}


@transaction.atomic
def load_targets(path: Path = TARGETS_FILE, *, actor: str = ACTOR) -> list[tuple[str, str]]:
    """Put the file's measures, programmes and targets in the database. Returns (code, "created" | "updated" |
    "unchanged") per programme. A programme whose entry did not change is left as it is (an admin's edit stays)."""
    data = read_targets(path)
    for position, (code, fields) in enumerate(data["measures"].items()):
        measure = Measure.objects.filter(code=code).first()
        wanted = {**fields, "position": position}
        if measure is None:
            measure = Measure.objects.create(code=code, **wanted)
            record("create", measure, after={"code": code, **wanted}, actor=actor)
        elif any(getattr(measure, k) != v for k, v in wanted.items()):
            before = _snapshot(measure, wanted)
            for key, value in wanted.items():
                setattr(measure, key, value)
            measure.save()
            record("update", measure, before=before, after=_snapshot(measure, wanted), actor=actor)
    measures = {m.code: m for m in Measure.objects.all()}
    outcomes = []
    for position, entry in enumerate(data["programmes"]):
        programme = Programme.objects.filter(code=entry["code"]).first()
        if programme is not None and programme.file_hash == entry["hash"]:
            outcomes.append((entry["code"], "unchanged"))
            continue
        fields = {**entry["fields"], "position": position, "file_hash": entry["hash"]}
        if programme is None:
            programme = Programme.objects.create(code=entry["code"], **fields)
            record("create", programme, after=_snapshot(programme, entry["fields"]), actor=actor)
            outcome = "created"
        else:
            before = _snapshot(programme, entry["fields"])
            for key, value in fields.items():
                setattr(programme, key, value)
            programme.save()
            record("update", programme, before=before, after=_snapshot(programme, entry["fields"]), actor=actor)
            outcome = "updated"
        _write_targets(programme, entry["targets"], measures, actor)
        outcomes.append((entry["code"], outcome))
    return outcomes


def _write_targets(programme: Programme, targets: list[dict], measures: dict[str, Measure], actor: str) -> None:
    existing = {t.code: t for t in Target.objects.filter(code__in=[t["code"] for t in targets])}
    for position, wanted in enumerate(targets):
        fields = {k: v for k, v in wanted.items() if k != "measure"}
        fields.update(programme=programme, measure=measures.get(wanted["measure"]), position=position)
        names = [k for k in fields if k not in ("programme", "measure")]
        target = existing.get(wanted["code"])
        if target is None:
            target = Target.objects.create(**fields)
            record("create", target, after=_snapshot(target, names), actor=actor)
        else:
            before = _snapshot(target, names)
            for key, value in fields.items():
                setattr(target, key, value)
            target.save()
            if before != _snapshot(target, names):
                record("update", target, before=before, after=_snapshot(target, names), actor=actor)
    for gone in programme.targets.exclude(code__in=[t["code"] for t in targets]):
        record("delete", gone, before={"code": gone.code, "label": gone.label}, actor=actor,
               note="Mục tiêu không còn trong tệp targets.yaml")
        gone.delete()


def load_village_sets(directory: Path = VILLAGE_CATALOGUE, *, actor: str = ACTOR) -> list[tuple[str, int, str]]:
    """The provinces' smart-village criteria sets, through the criteria catalogue's loader: (code, version,
    outcome) per set. Raises CatalogueError (Vietnamese) for a file that does not compile."""
    results, _mappings = load_all(directory, actor=actor)
    return [(cset.code, cset.version, outcome) for cset, outcome in results]


@transaction.atomic
def load(*, actor: str = ACTOR) -> tuple[list[tuple[str, str]], list[tuple[str, int, str]]]:
    """Both files, all or nothing."""
    return load_targets(actor=actor), load_village_sets(actor=actor)


# --- the smart-village rules (read from the file: pointers into the criteria catalogue, not figures) ----------------

@dataclass(frozen=True)
class VillageRule:
    """A commune set's condition on smart villages (QĐ 319/QĐ-TTg: a model commune has ≥ 1): the set's code and
    the indicator's; its threshold is the catalogue's."""

    set_code: str
    indicator_code: str


@dataclass(frozen=True)
class SmartVillages:
    rules: tuple[VillageRule, ...]
    village_sets: dict[str, str]  # province code → the code of its smart-village criteria set


@lru_cache
def smart_villages(path: Path = TARGETS_FILE) -> SmartVillages:
    config = read_targets(path)["smart_villages"]
    return SmartVillages(
        rules=tuple(VillageRule(r["set"], str(r["indicator"])) for r in config.get("rules") or []),
        village_sets={str(k): v for k, v in (config.get("village_sets") or {}).items()},
    )


__all__ = ["CatalogueError", "TargetsError", "VillageRule", "load", "load_targets", "load_village_sets",
           "read_targets", "smart_villages"]
