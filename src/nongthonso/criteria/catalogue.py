"""Load criteria-set files into the database and turn database rows back into engine specs.

Files are the source of the national sets (``catalogue/*.yaml``, format in docs/criteria-format.md);
the province may edit thresholds in the admin. ``spec_from_db`` rebuilds the spec from the database
so the engine always evaluates what the database holds, and ``compiled`` caches the compiled form
per set version and province until a row of the set changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from threading import Lock

import yaml
from django.db import transaction

from nongthonso.audit.services import record

from . import engine
from .models import CriteriaSet, Criterion, Indicator, Threshold

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"

_SET_FIELDS = ("level", "name", "name_en", "legal_basis", "effective_from", "effective_to",
               "threshold_dimension", "source", "verified")


class CatalogueError(ValueError):
    pass


def read_spec(path: Path) -> dict:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"Tệp «{path.name}» không đúng cú pháp YAML: {exc}") from exc
    if not isinstance(spec, dict) or "code" not in spec or "criteria" not in spec:
        raise CatalogueError(f"Tệp «{path.name}» phải có các khóa «code» và «criteria».")
    for key in ("effective_from", "effective_to"):
        if isinstance(spec.get(key), str):
            spec[key] = dt.date.fromisoformat(spec[key])
    return spec


def spec_hash(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def _dependencies(spec: dict) -> set[str]:
    deps = set()
    requires = spec.get("requires")
    if isinstance(requires, dict) and requires.get("set"):
        deps.add(requires["set"])
    for criterion in spec["criteria"]:
        for ind in criterion.get("indicators") or ():
            if ind.get("threshold_ref"):
                deps.add(ind["threshold_ref"]["set"])
    return deps


def read_catalogue(directory: Path = CATALOGUE_DIR) -> list[dict]:
    """All specs in ``directory``, validated by compiling them, in dependency order."""
    specs = {}
    for path in sorted(directory.glob("*.yaml")):
        spec = read_spec(path)
        specs[spec["code"]] = spec
    ordered, done = [], set()

    def visit(code, trail=()):
        if code in done:
            return
        if code in trail:
            raise CatalogueError(f"Các bộ tiêu chí tham chiếu vòng tròn: {' → '.join((*trail, code))}")
        if code not in specs:
            raise CatalogueError(f"Thiếu bộ tiêu chí «{code}» mà bộ «{trail[-1]}» tham chiếu tới.")
        for dep in _dependencies(specs[code]):
            visit(dep, (*trail, code))
        done.add(code)
        ordered.append(specs[code])

    for code in sorted(specs):
        visit(code)
    for spec in ordered:
        try:
            engine.compile_spec(spec, referenced=specs)
        except engine.SpecError as exc:
            raise CatalogueError(str(exc)) from exc
    return ordered


def _threshold_rows(ind: dict) -> Iterable[dict]:
    if ind.get("threshold") is not None:
        yield {"value": ind["threshold"], "verified": ind.get("verified", False), "source": ind.get("source", "")}
    for row in ind.get("thresholds") or ():
        yield {
            "value": row["value"], "region": row.get("region", ""), "commune_group": row.get("group"),
            "year": row.get("year"), "province_code": str(row.get("province", "") or ""),
            "verified": row.get("verified", ind.get("verified", False)),
            "source": row.get("source", ind.get("source", "")),
        }


def _write_set_content(cset: CriteriaSet, spec: dict) -> None:
    cset.criteria.all().delete()
    position = 0
    thresholds = []
    for cpos, crit in enumerate(spec["criteria"]):
        criterion = Criterion.objects.create(
            criteria_set=cset, code=str(crit["code"]), name=crit["name"], name_en=crit.get("name_en") or "",
            group=crit.get("group") or "", revocation_key=bool(crit.get("revocation_key")),
            condition=bool(crit.get("condition")), position=cpos,
        )
        for ind in crit["indicators"]:
            position += 1
            indicator = Indicator.objects.create(
                criteria_set=cset, criterion=criterion, code=str(ind["code"]), name=ind["name"],
                name_en=ind.get("name_en") or "", unit=ind.get("unit") or "", value_type=ind["value_type"],
                comparator=ind["comparator"], categories=list(ind.get("categories") or []),
                threshold_ref=dict(ind.get("threshold_ref") or {}), position=position,
                source=ind.get("source", ""), verified=bool(ind.get("verified", False)),
            )
            thresholds += [Threshold(indicator=indicator, **{k: v for k, v in row.items() if v is not None})
                           for row in _threshold_rows(ind)]
    Threshold.objects.bulk_create(thresholds)


@transaction.atomic
def load_spec(spec: dict, *, actor: str = "nongthonso criteria load") -> tuple[CriteriaSet, str]:
    """Create or update the set described by ``spec``. Returns (set, "created"|"updated"|"unchanged"|
    "new_version"). A set that assessments already use is never changed in place: a changed file
    becomes a new version that supersedes it."""
    digest = spec_hash(spec)
    current = (CriteriaSet.objects.filter(code=spec["code"]).order_by("-version").first())
    fields = {f: spec.get(f) for f in _SET_FIELDS}
    fields["name_en"] = fields["name_en"] or ""
    fields["source"] = fields["source"] or ""
    fields["verified"] = bool(fields["verified"])
    fields["threshold_dimension"] = fields["threshold_dimension"] or "region"
    fields["region_override"] = dict(spec.get("region_override") or {})
    requires = spec.get("requires")
    requires_code = requires.get("set") if isinstance(requires, dict) else requires
    fields["requires"] = (CriteriaSet.objects.filter(code=requires_code).order_by("-version").first()
                          if requires_code else None)
    if current is not None and current.spec_hash == digest:
        return current, "unchanged"
    if current is not None and not current.is_in_use():
        before = {"spec_hash": current.spec_hash}
        for name, value in fields.items():
            setattr(current, name, value)
        current.spec_hash = digest
        current.save()
        _write_set_content(current, spec)
        record("update", current, before=before, after={"spec_hash": digest}, actor=actor)
        return current, "updated"
    version = max(int(spec.get("version", 1)), (current.version + 1) if current else 1)
    cset = CriteriaSet.objects.create(code=spec["code"], version=version, spec_hash=digest, **fields)
    _write_set_content(cset, spec)
    if current is not None:
        current.superseded_by = cset
        current.save(update_fields=["superseded_by"])
    record("create", cset, after={"spec_hash": digest, "version": version}, actor=actor)
    return cset, "new_version" if current else "created"


def load_catalogue(directory: Path = CATALOGUE_DIR, *, actor: str = "nongthonso criteria load"
                   ) -> list[tuple[CriteriaSet, str]]:
    return [load_spec(spec, actor=actor) for spec in read_catalogue(directory)]


@transaction.atomic
def new_version(cset: CriteriaSet, *, actor: str = "") -> CriteriaSet:
    """Copy ``cset`` (criteria, indicators, thresholds) as the next version, which supersedes it."""
    spec = spec_from_db(cset)
    latest = CriteriaSet.objects.filter(code=cset.code).order_by("-version").first()
    fields = {f: getattr(cset, f) for f in _SET_FIELDS}
    copy = CriteriaSet.objects.create(
        code=cset.code, version=latest.version + 1, region_override=cset.region_override,
        requires=cset.requires, spec_hash=spec_hash(spec), **fields,
    )
    _write_set_content(copy, spec)
    latest.superseded_by = copy
    latest.save(update_fields=["superseded_by"])
    record("create", copy, after={"copied_from": cset.pk, "version": copy.version}, actor=actor)
    return copy


def spec_from_db(cset: CriteriaSet) -> dict:
    """The engine spec of a stored set, with every threshold row (national and provincial)."""
    criteria = {c.pk: {"code": c.code, "name": c.name, "name_en": c.name_en, "group": c.group,
                       "revocation_key": c.revocation_key, "condition": c.condition, "indicators": []}
                for c in cset.criteria.order_by("position")}
    rows: dict[int, list[dict]] = {}
    for t in Threshold.objects.filter(indicator__criteria_set=cset).order_by("pk"):
        row = {"value": t.value, "verified": t.verified}
        if t.region:
            row["region"] = t.region
        if t.commune_group is not None:
            row["group"] = t.commune_group
        if t.year is not None:
            row["year"] = t.year
        if t.province_code:
            row["province"] = t.province_code
        rows.setdefault(t.indicator_id, []).append(row)
    for ind in cset.indicators.order_by("position"):
        entry = {"code": ind.code, "name": ind.name, "value_type": ind.value_type,
                 "comparator": ind.comparator, "categories": ind.categories,
                 "thresholds": rows.get(ind.pk, []), "verified": ind.verified}
        if ind.threshold_ref:
            entry["threshold_ref"] = ind.threshold_ref
        criteria[ind.criterion_id]["indicators"].append(entry)
    return {
        "code": cset.code, "version": cset.version, "level": cset.level, "legal_basis": cset.legal_basis,
        "threshold_dimension": cset.threshold_dimension, "region_override": cset.region_override,
        "requires": {"set": cset.requires.code} if cset.requires_id else None,
        "criteria": list(criteria.values()),
    }


_cache: dict[tuple, engine.CompiledSet] = {}
_cache_lock = Lock()


def compiled(cset: CriteriaSet, province_code: str | None = None) -> engine.CompiledSet:
    """The compiled form of a stored set for a province, cached until the set changes."""
    key = (cset.pk, province_code, cset.updated_at)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    spec = spec_from_db(cset)
    referenced = {}
    for ind in cset.indicators.exclude(threshold_ref={}):
        code = ind.threshold_ref["set"]
        target = CriteriaSet.objects.filter(code=code).order_by("-version").first()
        if target is not None:
            referenced[code] = spec_from_db(target)
    result = engine.compile_spec(spec, province=province_code, referenced=referenced)
    with _cache_lock:
        for old in [k for k in _cache if k[0] == cset.pk and k[1] == province_code]:
            del _cache[old]
        _cache[key] = result
    return result
