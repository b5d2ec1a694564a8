"""The OCOP catalogue as data: the product groups and sub-groups (``catalogue/groups.yaml``) and the scoring sheets
(``catalogue/sheets/*.yaml``, one file per sheet version), with the provenance and source text of every row.

``load()`` puts them in the database after every ``migrate`` (``apps.OcopConfig``: every installation has them) and
is idempotent: a row is created when missing, updated when its entry in the file differs (audited, field by field),
left alone otherwise; rows the province added itself (provenance «province») are never touched. A sheet a council
has already scored with is locked: the loader refuses to change its parts, criteria, points, minimum requirements or
bands (``CatalogueError``, saying to ship a new sheet version instead) — its descriptive fields (name, source, dates)
still follow the file.

``sheet_for(subgroup, day)``: the sheet version in force on a day for a sub-group — a sheet naming the sub-group
before a general one (naming none), the latest in force first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Q

from nongthonso.audit.services import record

from .engine import SheetError, compile_sheet
from .models import (
    CouncilRule,
    MemberScore,
    ProductGroup,
    Provenance,
    ScoringSheet,
    SheetCriterion,
    SheetPart,
    StarBand,
    SubGroup,
)

CATALOGUE = Path(__file__).resolve().parent / "catalogue"
GROUPS_FILE = CATALOGUE / "groups.yaml"
SHEETS_DIR = CATALOGUE / "sheets"
ACTOR = "nongthonso ocop catalogue"
HUNDREDTH = Decimal("0.01")

# fields that change what a score means: locked once a council has scored with the sheet
SHEET_SCORING = ("council_rule", "total_points")
PART_SCORING = ("max_points",)
CRITERION_SCORING = ("part", "max_points", "bonus", "minimum_points", "minimum_stars")
BAND_SCORING = ("min_points",)


class CatalogueError(ValueError):
    """A catalogue file that cannot be loaded; the message (Vietnamese) names the file, the row and the fix."""


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _points(value, where: str, key: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(HUNDREDTH)
    except InvalidOperation:
        raise CatalogueError(f"{where}: «{key}» phải là một số, không phải «{value}».") from None


def _provenance(entry: dict, where: str) -> str:
    value = entry.get("provenance")
    allowed = [c for c in Provenance.values if c != Provenance.PROVINCE]
    if value not in allowed:
        raise CatalogueError(f"{where}: «provenance: {value}» không hợp lệ; dùng một trong: {', '.join(allowed)}.")
    if not _text(entry.get("source")):
        raise CatalogueError(f"{where}: thiếu «source» (trích nguồn của dòng này).")
    return value


def _date(value, where: str, key: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CatalogueError(f"{where}: «{key}» phải là ngày dạng YYYY-MM-DD, không phải «{value}».") from None


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"Tệp «{Path(path).name}» không đúng cú pháp YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogueError(f"Tệp «{Path(path).name}» phải là một bảng YAML (khóa: giá trị).")
    return data


def read_groups(path: Path = GROUPS_FILE) -> list[dict]:
    """The groups file checked: ``[{"code", "fields", "subgroups": [{"code", "fields"}]}]``."""
    data = _read(path)
    groups, codes = [], set()
    for order, entry in enumerate(data.get("groups") or [], start=1):
        code = str(entry.get("code") or "")
        where = f"{Path(path).name}, nhóm «{code}»"
        if not code or code in codes:
            raise CatalogueError(f"{where}: mỗi nhóm cần một mã riêng.")
        codes.add(code)
        fields = {"name": _text(entry.get("name")), "provenance": _provenance(entry, where),
                  "source": _text(entry.get("source")), "order": order}
        subgroups = []
        for sub_order, sub in enumerate(entry.get("subgroups") or [], start=1):
            sub_code = str(sub.get("code") or "")
            sub_where = f"{Path(path).name}, phân nhóm «{sub_code}»"
            if not sub_code.startswith(f"{code}.") or sub_code in codes:
                raise CatalogueError(f"{sub_where}: mã phân nhóm phải riêng và bắt đầu bằng mã nhóm «{code}.».")
            codes.add(sub_code)
            subgroups.append({"code": sub_code, "fields": {
                "name": _text(sub.get("name")), "lead_ministry": _text(sub.get("lead_ministry")),
                "provenance": _provenance(sub, sub_where), "source": _text(sub.get("source")), "order": sub_order}})
        if not fields["name"] or any(not s["fields"]["name"] for s in subgroups):
            raise CatalogueError(f"{where}: thiếu tên nhóm hoặc tên phân nhóm.")
        groups.append({"code": code, "fields": fields, "subgroups": subgroups})
    if not groups:
        raise CatalogueError(f"Tệp «{Path(path).name}» phải có danh sách «groups».")
    return groups


def read_sheet(path: Path) -> dict:
    """One sheet file checked by the engine (``compile_sheet``) and turned into model fields: ``{"code", "fields",
    "subgroups", "parts": [{"code", "fields", "criteria": [...]}], "bands": [...], "spec"}``."""
    spec = _read(path)
    code = str(spec.get("code") or "")
    where = f"{Path(path).name}, phiếu «{code}»"
    if not code:
        raise CatalogueError(f"{Path(path).name}: thiếu «code» (mã phiếu).")
    try:
        compile_sheet(spec)
    except SheetError as exc:
        raise CatalogueError(f"{Path(path).name}: {exc}") from None
    if spec.get("council_rule", CouncilRule.MEAN) not in CouncilRule.values:
        raise CatalogueError(f"{where}: «council_rule» phải là một trong: {', '.join(CouncilRule.values)}.")
    fields = {
        "name": _text(spec.get("name")), "legal_basis": _text(spec.get("legal_basis")),
        "version": int(spec.get("version") or 1),
        "valid_from": _date(spec.get("valid_from"), where, "valid_from"),
        "valid_to": _date(spec.get("valid_to"), where, "valid_to"),
        "council_rule": spec.get("council_rule", CouncilRule.MEAN),
        "total_points": _points(spec.get("total_points", 100), where, "total_points"),
        "certificate_months": int(spec.get("certificate_months") or 36),
        "provenance": _provenance(spec, where), "source": _text(spec.get("source")),
        "verified": bool(spec.get("verified", False)),
    }
    if not fields["name"] or not fields["legal_basis"] or fields["valid_from"] is None:
        raise CatalogueError(f"{where}: cần «name», «legal_basis» và «valid_from».")
    if fields["valid_to"] is not None and fields["valid_to"] < fields["valid_from"]:
        raise CatalogueError(f"{where}: «valid_to» phải sau «valid_from».")
    parts = []
    order = 0
    for part_order, part in enumerate(spec["parts"], start=1):
        criteria = []
        for criterion in part["criteria"]:
            order += 1
            cwhere = f"{where}, tiêu chí «{criterion['code']}»"
            criteria.append({"code": str(criterion["code"]), "fields": {
                "name": _text(criterion.get("name")),
                "max_points": _points(criterion["max_points"], cwhere, "max_points"),
                "bonus": bool(criterion.get("bonus", False)),
                "minimum_points": _points(criterion.get("minimum_points"), cwhere, "minimum_points"),
                "minimum_stars": criterion.get("minimum_stars"),
                "provenance": _provenance(criterion, cwhere), "source": _text(criterion.get("source")),
                "order": order}})
        parts.append({"code": str(part["code"]), "criteria": criteria, "fields": {
            "name": _text(part.get("name")), "max_points": _points(part["max_points"], where, "max_points"),
            "order": part_order}})
    bands = []
    for band in spec["bands"]:
        bwhere = f"{where}, hạng {band.get('stars')} sao"
        bands.append({"stars": int(band["stars"]), "fields": {
            "min_points": _points(band["min_points"], bwhere, "min_points"),
            "provenance": _provenance(band, bwhere), "source": _text(band.get("source")),
            "verified": bool(band.get("verified", False))}})
    return {"code": code, "fields": fields, "subgroups": [str(s) for s in spec.get("subgroups") or []],
            "parts": parts, "bands": bands, "spec": spec}


def sheet_files(directory: Path = SHEETS_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.yaml"))


# --- writing -----------------------------------------------------------------------------------------------------

def _shown(value: Any) -> Any:
    if isinstance(value, (Decimal, dt.date)):
        return str(value)
    if hasattr(value, "pk"):
        return str(value)
    return value


class _Writer:
    """Create or update catalogue rows, audited; counts what it did."""

    def __init__(self, actor: str):
        self.actor = actor
        self.counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}

    def sync(self, model, lookup: dict, fields: dict, *, locked: tuple[str, ...] = (), where: str = ""):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **fields)
            record("create", obj, after={k: _shown(v) for k, v in {**lookup, **fields}.items()}, actor=self.actor)
            self.counts["created"] += 1
            return obj
        if getattr(obj, "provenance", None) == Provenance.PROVINCE:
            self.counts["unchanged"] += 1
            return obj
        changed = [k for k, v in fields.items() if getattr(obj, k) != v]
        if not changed:
            self.counts["unchanged"] += 1
            return obj
        refused = [k for k in changed if k in locked]
        if refused:
            raise CatalogueError(
                f"{where}: phiếu đã được hội đồng dùng để chấm điểm nên không sửa được {', '.join(refused)} (tệp ghi "
                f"{', '.join(str(_shown(fields[k])) for k in refused)}, cơ sở dữ liệu ghi "
                f"{', '.join(str(_shown(getattr(obj, k))) for k in refused)}). Ban hành phiếu mới: tệp mới với mã và "
                "phiên bản mới, «valid_from» là ngày áp dụng.")
        before = {k: _shown(getattr(obj, k)) for k in changed}
        for key in changed:
            setattr(obj, key, fields[key])
        obj.save(update_fields=changed)
        record("update", obj, before=before, after={k: _shown(fields[k]) for k in changed}, actor=self.actor,
               note="Theo tệp danh mục OCOP")
        self.counts["updated"] += 1
        return obj

    def delete(self, obj, where: str, locked: bool):
        if locked:
            raise CatalogueError(f"{where}: «{obj}» không còn trong tệp nhưng phiếu đã được dùng để chấm điểm nên "
                                 "không xóa được. Giữ lại trong tệp, hoặc ban hành phiếu mới (mã và phiên bản mới).")
        record("delete", obj, before={"code": getattr(obj, "code", ""), "name": str(obj)}, actor=self.actor,
               note="Không còn trong tệp danh mục OCOP")
        obj.delete()
        self.counts["deleted"] += 1


def in_use(sheet: ScoringSheet) -> bool:
    """Whether a council has scored with ``sheet`` (its scoring rows are then locked)."""
    return sheet.pk is not None and MemberScore.objects.filter(criterion__sheet=sheet).exists()


def _load_groups(writer: _Writer, path: Path) -> dict[str, SubGroup]:
    for entry in read_groups(path):
        group = writer.sync(ProductGroup, {"code": entry["code"]}, entry["fields"])
        for sub in entry["subgroups"]:
            writer.sync(SubGroup, {"code": sub["code"]}, {**sub["fields"], "group": group})
    return {s.code: s for s in SubGroup.objects.all()}


def _load_sheet(writer: _Writer, entry: dict, subgroups: dict[str, SubGroup], name: str) -> ScoringSheet:
    where = f"{name}, phiếu «{entry['code']}»"
    sheet = ScoringSheet.objects.filter(code=entry["code"]).first()
    locked = sheet is not None and in_use(sheet)

    def scoring(names: tuple[str, ...]) -> tuple[str, ...]:
        """The fields the loader may not change: those that give a score its meaning, once the sheet is in use."""
        return names if locked else ()

    sheet = writer.sync(ScoringSheet, {"code": entry["code"]}, entry["fields"], locked=scoring(SHEET_SCORING),
                        where=where)
    missing = [c for c in entry["subgroups"] if c not in subgroups]
    if missing:
        raise CatalogueError(f"{where}: không có phân nhóm {', '.join(missing)} trong groups.yaml.")
    wanted = {subgroups[c].pk for c in entry["subgroups"]}
    current = set(sheet.subgroups.values_list("pk", flat=True))
    if wanted != current:
        sheet.subgroups.set(wanted)
        record("update", sheet, before={"subgroups": sorted(s.code for s in SubGroup.objects.filter(pk__in=current))},
               after={"subgroups": sorted(entry["subgroups"])}, actor=writer.actor, note="Theo tệp danh mục OCOP")
    criteria_codes = []
    for part_entry in entry["parts"]:
        part = writer.sync(SheetPart, {"sheet": sheet, "code": part_entry["code"]}, part_entry["fields"],
                           locked=scoring(PART_SCORING), where=f"{where}, phần «{part_entry['code']}»")
        for criterion in part_entry["criteria"]:
            criteria_codes.append(criterion["code"])
            writer.sync(SheetCriterion, {"sheet": sheet, "code": criterion["code"]},
                        {**criterion["fields"], "part": part}, locked=scoring(CRITERION_SCORING),
                        where=f"{where}, tiêu chí «{criterion['code']}»")
    for gone in sheet.criteria.exclude(code__in=criteria_codes).exclude(provenance=Provenance.PROVINCE):
        writer.delete(gone, where, locked)
    for gone in sheet.parts.exclude(code__in=[p["code"] for p in entry["parts"]]):
        writer.delete(gone, where, locked)
    for band in entry["bands"]:
        writer.sync(StarBand, {"sheet": sheet, "stars": band["stars"]}, band["fields"], locked=scoring(BAND_SCORING),
                    where=f"{where}, hạng {band['stars']} sao")
    for gone in sheet.bands.exclude(stars__in=[b["stars"] for b in entry["bands"]]):
        writer.delete(gone, where, locked)
    return sheet


@transaction.atomic
def load(*, actor: str = ACTOR, groups_file: Path = GROUPS_FILE, sheets_dir: Path = SHEETS_DIR) -> dict[str, int]:
    """Every catalogue file into the database, all or nothing (see the module). Returns the counts of rows created,
    updated, deleted and unchanged. Raises CatalogueError (Vietnamese) naming the file and row at fault."""
    writer = _Writer(actor)
    subgroups = _load_groups(writer, groups_file)
    codes = set()
    for path in sheet_files(sheets_dir):
        entry = read_sheet(path)
        if entry["code"] in codes:
            raise CatalogueError(f"{path.name}: mã phiếu «{entry['code']}» đã có ở tệp khác; mỗi phiếu một mã.")
        codes.add(entry["code"])
        _load_sheet(writer, entry, subgroups, path.name)
    return writer.counts


# --- reading -----------------------------------------------------------------------------------------------------

def sheets_in_force(day: dt.date):
    return ScoringSheet.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def sheet_for(subgroup: SubGroup | int | None, day: dt.date) -> ScoringSheet | None:
    """The scoring sheet in force on ``day`` for ``subgroup`` (an instance, a pk, or None: the general sheet): one
    naming the sub-group if there is one, else a general one (naming no sub-group); the latest in force (then the
    highest version) first. None when no sheet was in force that day."""
    subgroup_id = getattr(subgroup, "pk", subgroup)
    candidates = list(sheets_in_force(day).prefetch_related("subgroups").order_by("-valid_from", "-version", "code"))
    specific = [s for s in candidates if subgroup_id is not None and
                any(g.pk == subgroup_id for g in s.subgroups.all())]
    general = [s for s in candidates if not s.subgroups.all()]
    return (specific or general or [None])[0]


__all__ = ["CatalogueError", "in_use", "load", "read_groups", "read_sheet", "sheet_files", "sheet_for",
           "sheets_in_force"]
