"""Load criteria-set files into the database and turn database rows back into engine specs.

Files are the source of the national sets and of the provincial ones (``catalogue/*.yaml``, format in
docs/criteria-format.md; ``province:`` makes a set provincial), and of the correspondences between the indicators
of two periods (``catalogue/mappings/FROM__TO.yaml``, loaded into ``IndicatorMapping`` after the sets);
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
from .choices import Level
from .models import CriteriaSet, Criterion, Indicator, IndicatorMapping, Threshold

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
MAPPINGS = "mappings"  # the folder of the catalogue holding the indicator mappings between sets

_SET_FIELDS = ("level", "name", "name_en", "legal_basis", "effective_from", "effective_to", "province_code",
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
    if spec.get("level") not in Level.values:
        raise CatalogueError(f"Tệp «{path.name}»: cấp công nhận «{spec.get('level')}» không có. Dùng một trong: "
                             f"{', '.join(Level.values)}.")
    province = spec.get("province")
    if province is not None:
        province = str(province)
        if not province.isdigit() or len(province) > 10:
            raise CatalogueError(f"Tệp «{path.name}»: «province» phải là mã GSO của tỉnh (chữ số, ví dụ \"19\"), "
                                 f"không phải «{province}». Bỏ khóa này nếu là bộ tiêu chí quốc gia.")
        spec["province"] = province
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
    """The Threshold rows of a file's indicator, each with its source text and provenance tag (its own, else the
    indicator's, else derived: ``engine.provenance_of``)."""
    if ind.get("threshold") is not None:
        row = {"value": ind["threshold"], "verified": ind.get("verified", False), "source": ind.get("source", "")}
        yield dict(row, provenance=engine.provenance_of(row, ind))
    for row in ind.get("thresholds") or ():
        out = {
            "value": row["value"], "region": row.get("region", ""), "commune_group": row.get("group"),
            "year": row.get("year"), "province_code": str(row.get("province", "") or ""),
            "verified": row.get("verified", ind.get("verified", False)),
            "source": row.get("source", ind.get("source", "")),
        }
        yield dict(out, provenance=engine.provenance_of(dict(row, verified=out["verified"]), ind))


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
    fields["province_code"] = spec.get("province") or ""
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
        copy_mappings(current, cset)
    record("create", cset, after={"spec_hash": digest, "version": version}, actor=actor)
    return cset, "new_version" if current else "created"


def load_catalogue(directory: Path = CATALOGUE_DIR, *, actor: str = "nongthonso criteria load"
                   ) -> list[tuple[CriteriaSet, str]]:
    """Load every set file of ``directory``, then its indicator mappings (``load_all``); the sets' outcomes."""
    return load_all(directory, actor=actor)[0]


@transaction.atomic
def load_all(directory: Path = CATALOGUE_DIR, *, actor: str = "nongthonso criteria load"
             ) -> tuple[list[tuple[CriteriaSet, str]], list[tuple[str, str, str]]]:
    """Load every set file of ``directory`` and then its mapping files, all or nothing: every file is checked
    before anything is written. Returns the outcome of each set and of each mapping file."""
    specs = read_catalogue(directory)
    files = read_mappings(directory, specs)
    results = [load_spec(spec, actor=actor) for spec in specs]
    return results, load_mappings(directory, actor=actor, files=files)


# --- indicator mappings between two sets (2021-2025 → 2026-2030) --------------------------------------------------

_VALUE_TYPES = {"boolean": "Đạt/Không", "percent": "tỷ lệ (%)", "number": "số", "money": "tiền",
                "category": "phân loại"}


def _mapping_error(path: Path, message: str, n: int | None = None, pair: tuple | None = None) -> CatalogueError:
    where = f"Tệp «{MAPPINGS}/{path.name}»"
    if n is not None:
        where += f", cặp thứ {n}" + (f" ({pair[0]} → {pair[1]})" if pair else "")
    return CatalogueError(f"{where}: {message}")


def read_mappings(directory: Path, specs: list[dict]) -> list[dict]:
    """The mapping files of ``directory``/mappings, checked against the set specs: both sets exist, each pair names
    an indicator of each with the same value type and comparator (and categories), a later indicator has at most one
    source, every pair has a source (its own or the file's). Raises CatalogueError naming the file, the pair and the
    fix."""
    folder = Path(directory) / MAPPINGS
    if not folder.is_dir():
        return []
    by_code = {spec["code"]: spec for spec in specs}
    files = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise _mapping_error(path, f"không đúng cú pháp YAML: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("mappings"), list):
            raise _mapping_error(path, "phải có các khóa «from_set», «to_set» và danh sách «mappings».")
        names = {}
        for key in ("from_set", "to_set"):
            code = data.get(key)
            if code not in by_code:
                raise _mapping_error(path, f"«{key}: {code}» không phải bộ tiêu chí nào trong danh mục. Dùng mã bộ "
                                           f"tiêu chí, một trong: {', '.join(sorted(by_code))}.")
            names[key] = code
        if path.stem != f"{names['from_set']}__{names['to_set']}":
            raise _mapping_error(path, f"tên tệp phải là «{names['from_set']}__{names['to_set']}.yaml» (bộ trước__bộ "
                                       "sau) cho khớp với from_set và to_set.")
        indicators = {key: {str(i["code"]): i for c in by_code[code]["criteria"] for i in c["indicators"]}
                      for key, code in names.items()}
        seen_to: dict[str, int] = {}
        pairs = []
        for n, pair in enumerate(data["mappings"], start=1):
            if not isinstance(pair, dict) or "from" not in pair or "to" not in pair:
                raise _mapping_error(path, "mỗi cặp cần «from» (mã chỉ tiêu bộ trước) và «to» (mã chỉ tiêu bộ sau).",
                                     n)
            codes = (str(pair["from"]), str(pair["to"]))
            for key, code in zip(("from_set", "to_set"), codes, strict=True):
                if code not in indicators[key]:
                    raise _mapping_error(path, f"bộ «{names[key]}» không có chỉ tiêu mã {code}. Sửa mã chỉ tiêu.", n,
                                         codes)
            old, new = indicators["from_set"][codes[0]], indicators["to_set"][codes[1]]
            if old["value_type"] != new["value_type"]:
                raise _mapping_error(path, (
                    f"chỉ tiêu {codes[0]} của bộ «{names['from_set']}» là {_VALUE_TYPES[old['value_type']]}, còn chỉ "
                    f"tiêu {codes[1]} của bộ «{names['to_set']}» là {_VALUE_TYPES[new['value_type']]}: giá trị không "
                    "mang sang được. Chỉ nối hai chỉ tiêu cùng kiểu giá trị."), n, codes)
            if old["comparator"] != new["comparator"]:
                raise _mapping_error(path, (
                    f"chỉ tiêu {codes[0]} so sánh «{old['comparator']}», chỉ tiêu {codes[1]} so sánh "
                    f"«{new['comparator']}»: hai chỉ tiêu đo theo chiều khác nhau, giá trị không mang sang được. Chỉ "
                    "nối hai chỉ tiêu cùng chiều so sánh."), n, codes)
            if old["value_type"] == "category" and not set(old.get("categories") or ()) <= set(
                    new.get("categories") or ()):
                raise _mapping_error(path, (
                    f"các giá trị phân loại của chỉ tiêu {codes[0]} ({', '.join(old.get('categories') or ())}) không "
                    f"nằm trong các giá trị của chỉ tiêu {codes[1]} ({', '.join(new.get('categories') or ())})."),
                    n, codes)
            if codes[1] in seen_to:
                raise _mapping_error(path, (
                    f"chỉ tiêu {codes[1]} của bộ «{names['to_set']}» đã có nguồn ở cặp thứ {seen_to[codes[1]]}. Mỗi "
                    "chỉ tiêu của bộ sau chỉ nhận giá trị từ một chỉ tiêu của bộ trước."), n, codes)
            seen_to[codes[1]] = n
            source = str(pair.get("source") or data.get("source") or "").strip()
            verified = bool(pair.get("verified", data.get("verified", False)))
            if not source:
                raise _mapping_error(path, (
                    "thiếu «source»: ghi căn cứ của sự tương ứng (văn bản đã đối chiếu, hoặc vì sao suy ra như vậy)."),
                    n, codes)
            pairs.append({"from": codes[0], "to": codes[1], "source": source, "verified": verified})
        files.append({"path": path, **names, "pairs": pairs})
    return files


def load_mappings(directory: Path = CATALOGUE_DIR, *, actor: str = "nongthonso criteria load",
                  files: list[dict] | None = None) -> list[tuple[str, str, str]]:
    """Put the mapping files into ``IndicatorMapping``, between the latest versions of their two sets: pairs added,
    changed (source, verified) or removed to match the file. Returns (from set, to set, outcome) per file."""
    if files is None:
        files = read_mappings(directory, read_catalogue(directory))
    outcomes = []
    for entry in files:
        old = CriteriaSet.objects.filter(code=entry["from_set"], superseded_by__isnull=True).get()
        new = CriteriaSet.objects.filter(code=entry["to_set"], superseded_by__isnull=True).get()
        outcomes.append((entry["from_set"], entry["to_set"], _write_mappings(old, new, entry["pairs"], actor,
                                                                             entry["path"].name)))
    return outcomes


@transaction.atomic
def _write_mappings(old: CriteriaSet, new: CriteriaSet, pairs: list[dict], actor: str, name: str) -> str:
    from_ids = dict(old.indicators.values_list("code", "pk"))
    to_ids = dict(new.indicators.values_list("code", "pk"))
    current = {(m.from_indicator_id, m.to_indicator_id): m for m in IndicatorMapping.objects.filter(
        from_indicator__criteria_set=old, to_indicator__criteria_set=new)}
    wanted = {(from_ids[p["from"]], to_ids[p["to"]]): p for p in pairs}
    created = [IndicatorMapping(from_indicator_id=f, to_indicator_id=t, source=p["source"], verified=p["verified"])
               for (f, t), p in wanted.items() if (f, t) not in current]
    changed = []
    for key, mapping in current.items():
        pair = wanted.get(key)
        if pair is not None and (mapping.source, mapping.verified) != (pair["source"], pair["verified"]):
            mapping.source, mapping.verified = pair["source"], pair["verified"]
            changed.append(mapping)
    removed = [m.pk for key, m in current.items() if key not in wanted]
    if not (created or changed or removed):
        return "unchanged"
    IndicatorMapping.objects.bulk_create(created)
    IndicatorMapping.objects.bulk_update(changed, ["source", "verified"])
    IndicatorMapping.objects.filter(pk__in=removed).delete()
    record("update" if current else "create", new, after={
        "mappings_from": f"{old.code} v{old.version}", "pairs": len(wanted), "added": len(created),
        "changed": len(changed), "removed": len(removed)}, actor=actor, note=f"Tương ứng chỉ tiêu ({MAPPINGS}/{name})")
    return "created" if not current else "updated"


def copy_mappings(old: CriteriaSet, new: CriteriaSet) -> int:
    """Give ``new`` (a new version of ``old``) the mappings ``old`` has, to and from indicators of the same codes."""
    codes = dict(new.indicators.values_list("code", "pk"))
    made = [IndicatorMapping(from_indicator_id=m.from_indicator_id, to_indicator_id=codes[m.to_indicator.code],
                             source=m.source, verified=m.verified)
            for m in IndicatorMapping.objects.filter(to_indicator__criteria_set=old).select_related("to_indicator")
            if m.to_indicator.code in codes]
    made += [IndicatorMapping(from_indicator_id=codes[m.from_indicator.code], to_indicator_id=m.to_indicator_id,
                              source=m.source, verified=m.verified)
             for m in IndicatorMapping.objects.filter(from_indicator__criteria_set=old).select_related("from_indicator")
             if m.from_indicator.code in codes]
    IndicatorMapping.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


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
    copy_mappings(cset, copy)
    record("create", copy, after={"copied_from": cset.pk, "version": copy.version}, actor=actor)
    return copy


def spec_from_db(cset: CriteriaSet) -> dict:
    """The engine spec of a stored set, with every threshold row (national and provincial)."""
    criteria = {c.pk: {"code": c.code, "name": c.name, "name_en": c.name_en, "group": c.group,
                       "revocation_key": c.revocation_key, "condition": c.condition, "indicators": []}
                for c in cset.criteria.order_by("position")}
    rows: dict[int, list[dict]] = {}
    for t in Threshold.objects.filter(indicator__criteria_set=cset).order_by("pk"):
        row = {"value": t.value, "verified": t.verified, "provenance": t.provenance}
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
        "code": cset.code, "version": cset.version, "level": cset.level,
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
