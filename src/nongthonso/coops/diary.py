"""Production diaries: the one write path of a diary entry.

Every entry — typed on the page, queued on a phone offline and synced (``sync.py``), imported from a file
(``imports_diary.py``) — goes through :func:`prepare` (fields checked, Vietnamese messages naming the field) and
:func:`store` (the pre-harvest rule across the cycle, dedupe by ``client_id``, optimistic ``version``, one audit entry
per entry written in bulk). Who may write: the co-operative's managers and the offices with ``manage_coops``
(:func:`cycles`, a queryset over ``scope.managed``).

The pre-harvest rule (thời gian cách ly): a harvest dated before ``spray.date + spray.phi_days`` of any spray of the
same cycle sprayed on or before the harvest day is refused, naming the spray and the first day harvest is allowed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from nongthonso.audit.services import record, record_many
from nongthonso.core import filetypes
from nongthonso.core.bulk import insert_rows, preparer
from nongthonso.core.errors import Invalid

from . import scope
from .models import CropCycle, DiaryEntry, DiaryPhoto, EntryKind, Plot

PHOTO_KINDS = (filetypes.JPEG, filetypes.PNG)
MAX_TEXT = 200
MAX_NOTE = 2000
MAX_PHI = 365
FIELDS = ("kind", "date", "input_name", "dose", "dose_unit", "phi_days", "quantity", "quantity_unit", "note")

_KIND_LABELS = dict(EntryKind.choices)
STORED, DUPLICATE, CONFLICT, INVALID = "stored", "duplicate", "conflict", "invalid"


def max_photo_bytes() -> int:
    """The largest diary photo accepted (``COOPS_DIARY_PHOTO_MAX_BYTES``, 5 MB by default)."""
    return int(getattr(settings, "COOPS_DIARY_PHOTO_MAX_BYTES", 5 * filetypes.MB))


# --- scope -----------------------------------------------------------------------------------------------------------

def plots(user) -> QuerySet[Plot]:
    """The plots whose diaries ``user`` keeps."""
    return Plot.objects.filter(cooperative__in=scope.managed(user))


def cycles(user) -> QuerySet[CropCycle]:
    """The crop cycles whose diaries ``user`` keeps (a manager's, an office's with ``manage_coops``)."""
    return CropCycle.objects.filter(plot__cooperative__in=scope.managed(user)).select_related("plot__cooperative")


def entries(user) -> QuerySet[DiaryEntry]:
    return DiaryEntry.objects.filter(cycle__plot__cooperative__in=scope.managed(user))


# --- fields ----------------------------------------------------------------------------------------------------------

def _day(text: str) -> dt.date | None:
    text = str(text or "").strip()
    if len(text) == 10 and text[4] == "-":  # the phone's ISO date: the quick parser
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _amount(text, label: str, key: str, errors: dict) -> Decimal | None:
    text = str(text if text is not None else "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[key] = f"{label} «{text}» không phải là số. Ghi một số, ví dụ 1.5."
        return None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e11"):
        errors[key] = f"{label} «{text}» phải là một số lớn hơn 0. Sửa lại số."
        return None
    return value.quantize(Decimal("0.001"))


def _text(data, key: str, label: str, errors: dict, limit: int = MAX_TEXT) -> str:
    value = " ".join(str(data.get(key) or "").split()) if key != "note" else str(data.get(key) or "").strip()
    if len(value) > limit:
        errors[key] = f"{label} dài {len(value)} ký tự, quá {limit} ký tự. Rút gọn lại."
    return value


def prepare(data) -> dict:
    """The model fields of an entry from ``data`` (a form, a JSON object, an import row), checked; raises
    :class:`Invalid` with every error."""
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or "").strip()
    if kind not in _KIND_LABELS:
        errors["kind"] = (f"Công việc «{kind}» không có trong danh sách. Chọn một trong: "
                          + ", ".join(f"{v} ({label})" for v, label in EntryKind.choices) + ".")
    day = _day(data.get("date"))
    if day is None:
        errors["date"] = (f"Ngày «{data.get('date') or ''}» không đọc được. Ghi ngày dạng ngày/tháng/năm, "
                          "ví dụ 05/12/2026.")
    elif day > timezone.localdate() + dt.timedelta(days=1):
        errors["date"] = f"Ngày {day:%d/%m/%Y} ở tương lai. Nhật ký ghi việc đã làm: sửa lại ngày."
    fields = {
        "kind": kind, "date": day,
        "input_name": _text(data, "input_name", "Tên vật tư", errors),
        "dose": _amount(data.get("dose"), "Liều lượng", "dose", errors),
        "dose_unit": _text(data, "dose_unit", "Đơn vị liều lượng", errors, 30),
        "quantity": _amount(data.get("quantity"), "Sản lượng", "quantity", errors),
        "quantity_unit": _text(data, "quantity_unit", "Đơn vị sản lượng", errors, 30),
        "note": _text(data, "note", "Ghi chú", errors, MAX_NOTE),
        "phi_days": None,
    }
    phi = str(data.get("phi_days") if data.get("phi_days") is not None else "").strip()
    if phi:
        if not phi.isdigit() or int(phi) > MAX_PHI:
            errors["phi_days"] = (f"Thời gian cách ly «{phi}» phải là số ngày nguyên từ 0 đến {MAX_PHI} (ghi trên "
                                  "nhãn thuốc). Sửa lại.")
        else:
            fields["phi_days"] = int(phi)
    if kind == EntryKind.SPRAYING:
        if not fields["input_name"]:
            errors.setdefault("input_name",
                              "Lần phun thuốc cần tên thuốc bảo vệ thực vật. Ghi tên thuốc như trên nhãn.")
        if not phi:
            errors.setdefault("phi_days", "Lần phun thuốc cần thời gian cách ly (số ngày, ghi trên nhãn thuốc; "
                                          "ghi 0 nếu nhãn không quy định).")
    if kind == EntryKind.FERTILISING and not fields["input_name"]:
        errors.setdefault("input_name", "Lần bón phân cần tên loại phân. Ghi tên phân bón đã dùng.")
    if kind == EntryKind.HARVEST and fields["quantity"] is None:
        errors.setdefault("quantity", "Lần thu hoạch cần sản lượng (một số lớn hơn 0, ví dụ 120 kg).")
    if kind != EntryKind.SPRAYING:
        fields["phi_days"] = None
    if errors:
        raise Invalid(errors)
    return fields


# --- the pre-harvest rule --------------------------------------------------------------------------------------------

@dataclass
class Sprays:
    """The sprays of some cycles, kept in step while a batch is stored (a spray earlier in the batch counts)."""

    by_cycle: dict[int, list[tuple[dt.date, int, str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, cycle_ids) -> Sprays:
        sprays = cls()
        rows = DiaryEntry.objects.filter(cycle_id__in=set(cycle_ids), kind=EntryKind.SPRAYING, phi_days__gt=0)
        for cycle_id, day, phi, name in rows.values_list("cycle_id", "date", "phi_days", "input_name"):
            sprays.add(cycle_id, day, phi, name)
        return sprays

    def add(self, cycle_id: int, day: dt.date, phi: int | None, name: str) -> None:
        if phi:
            self.by_cycle.setdefault(cycle_id, []).append((day, phi, name))

    def blocking(self, cycle_id: int, harvest_day: dt.date) -> str | None:
        """The refusal of a harvest on ``harvest_day``, or None when it is allowed."""
        open_sprays = [(day + dt.timedelta(days=phi), day, phi, name)
                       for day, phi, name in self.by_cycle.get(cycle_id, ())
                       if day <= harvest_day < day + dt.timedelta(days=phi)]
        if not open_sprays:
            return None
        until, day, phi, name = max(open_sprays)
        return (f"Chưa được thu hoạch: lần phun «{name}» ngày {day:%d/%m/%Y} có thời gian cách ly {phi} ngày, "
                f"được thu hoạch từ ngày {until:%d/%m/%Y}.")


# --- storing ---------------------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What became of one entry: ``status`` stored / duplicate / conflict / invalid."""

    client_id: str
    status: str
    entry: DiaryEntry | None = None
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"client_id": self.client_id, "status": self.status, "message": self.message}
        if self.errors:
            out["errors"] = self.errors
        if self.entry is not None and self.entry.pk:
            out["id"] = self.entry.pk
            out["version"] = self.entry.version
            if self.status != STORED:  # what the phone shows beside its own copy: the server's
                out["server"] = snapshot(self.entry)
        return out


def snapshot(entry: DiaryEntry) -> dict:
    """An entry as JSON (the audit's before/after, the sync's server version)."""
    def num(value):
        return None if value is None else str(value)
    return {"client_id": str(entry.client_id), "cycle": entry.cycle_id, "kind": entry.kind,
            "date": entry.date.isoformat(), "input_name": entry.input_name, "dose": num(entry.dose),
            "dose_unit": entry.dose_unit, "phi_days": entry.phi_days, "quantity": num(entry.quantity),
            "quantity_unit": entry.quantity_unit, "note": entry.note, "version": entry.version}


@dataclass
class Item:
    """One entry to store: the raw fields, its cycle, the phone's id and the version it edited (None: new)."""

    cycle: CropCycle
    data: dict
    client_id: str = ""
    base_version: int | None = None
    recorded_at: dt.datetime | None = None


def _client_id(text) -> str | None:
    try:
        return str(uuid.UUID(str(text)))
    except (TypeError, ValueError, AttributeError):
        return None


_INSERTED = ("cycle", "client_id", "kind", "date", "input_name", "dose", "dose_unit", "phi_days", "quantity",
             "quantity_unit", "note", "recorded_by", "recorded_at", "received_at", "version", "synthetic")


def _repr(entry: DiaryEntry) -> str:
    """``str(entry)`` without the lookup of the choice's label through the model."""
    return f"{entry.date:%d/%m/%Y} {_KIND_LABELS.get(entry.kind, entry.kind)}"



_ATTNAMES = tuple(f.attname for f in DiaryEntry._meta.concrete_fields)


def _new_entry(values: dict) -> DiaryEntry:
    """A new entry from the values of all its fields, given in the order of the model's fields (Django's quick
    path, a third of the cost of keyword arguments: a synced batch builds a thousand)."""
    return DiaryEntry(*(values[name] for name in _ATTNAMES))


def _insert(fresh: list[tuple[int, DiaryEntry]]) -> None:
    """Insert the new entries as plain rows (``core.bulk.insert_rows``: an instance's ``bulk_create`` costs more
    than the insert itself for a synced batch) and give each its id, read back by ``client_id`` (unique)."""
    if not fresh:
        return
    prepare = preparer(DiaryEntry, _INSERTED)
    insert_rows(DiaryEntry, _INSERTED, (prepare((e.cycle_id, e.client_id, e.kind, e.date, e.input_name, e.dose,
                                                 e.dose_unit, e.phi_days, e.quantity, e.quantity_unit, e.note,
                                                 e.recorded_by_id, e.recorded_at, e.received_at, e.version,
                                                 e.synthetic))
                                        for _, e in fresh), batch=1000)
    ids = dict(DiaryEntry.objects.filter(client_id__in=[e.client_id for _, e in fresh])
               .values_list("client_id", "pk").order_by())
    for _, entry in fresh:
        entry.pk = ids[uuid.UUID(str(entry.client_id))]


@transaction.atomic
def store(user, items: list[Item], *, note: str = "") -> list[Outcome]:
    """Store ``items`` (in the order given for the answers; the pre-harvest rule applied in date order, a spray
    earlier in the batch counting for a later harvest). New entries are inserted in bulk, edits saved with their
    version raised, and each written entry gets one audit entry (in bulk)."""
    user_id = user.pk if user else None
    ids = [_client_id(item.client_id) or str(uuid.uuid4()) for item in items]
    existing = {str(e.client_id): e for e in DiaryEntry.objects.filter(client_id__in=ids).select_related("cycle")}
    sprays = Sprays.of(item.cycle.pk for item in items)
    outcomes: list[Outcome | None] = [None] * len(items)
    fresh: list[tuple[int, DiaryEntry]] = []
    edits: list[tuple[int, DiaryEntry, dict]] = []
    now = timezone.now()
    prepared = []
    for i, item in enumerate(items):
        if item.client_id and not _client_id(item.client_id):
            outcomes[i] = Outcome(str(item.client_id), INVALID, message=f"Mã «{item.client_id}» không phải UUID.")
            continue
        try:
            prepared.append((i, prepare(item.data)))
        except Invalid as exc:
            outcomes[i] = Outcome(ids[i], INVALID, message=str(exc), errors=exc.errors)
    seen: set[str] = set()
    for i, fields in sorted(prepared, key=lambda p: (p[1]["date"], p[1]["kind"] != EntryKind.SPRAYING, p[0])):
        item, cid = items[i], ids[i]
        stored = existing.get(cid)
        if cid in seen or (stored is not None and item.base_version is None):
            outcomes[i] = Outcome(cid, DUPLICATE, stored, "Đã lưu trước đó (cùng mã trên điện thoại).")
            continue
        seen.add(cid)
        if stored is not None and (stored.version != item.base_version or stored.cycle_id != item.cycle.pk):
            outcomes[i] = Outcome(cid, CONFLICT, stored, (
                f"Dòng nhật ký này đã được sửa trên máy chủ (phiên bản {stored.version}, bạn sửa từ phiên bản "
                f"{item.base_version}). Xem bản trên máy chủ rồi bỏ bản của bạn hoặc gửi lại."))
            continue
        if stored is None and item.base_version is not None:
            outcomes[i] = Outcome(cid, CONFLICT, None, "Dòng nhật ký bạn sửa không còn trên máy chủ. Bỏ hoặc gửi lại "
                                                       "như một dòng mới.")
            continue
        if fields["kind"] == EntryKind.HARVEST:
            refusal = sprays.blocking(item.cycle.pk, fields["date"])
            if refusal:
                outcomes[i] = Outcome(cid, CONFLICT, stored, refusal, {"date": refusal})
                continue
        if fields["date"] < item.cycle.started_on:
            message = (f"Ngày {fields['date']:%d/%m/%Y} trước ngày bắt đầu vụ «{item.cycle.name}» "
                       f"({item.cycle.started_on:%d/%m/%Y}). Sửa lại ngày hoặc chọn đúng vụ.")
            outcomes[i] = Outcome(cid, INVALID, None, message, {"date": message})
            continue
        if fields["kind"] == EntryKind.SPRAYING:
            sprays.add(item.cycle.pk, fields["date"], fields["phi_days"], fields["input_name"])
        if stored is None:
            entry = _new_entry({**fields, "id": None, "cycle_id": item.cycle.pk, "client_id": cid,
                                "recorded_by_id": user_id, "recorded_at": item.recorded_at or now, "received_at": now,
                                "version": 1, "synthetic": False})
            entry.cycle = item.cycle
            fresh.append((i, entry))
        else:
            before = snapshot(stored)
            for name, value in fields.items():
                setattr(stored, name, value)
            stored.version += 1
            stored.received_at = now
            edits.append((i, stored, before))
    _insert(fresh)
    if edits:
        DiaryEntry.objects.bulk_update([e for _, e, _ in edits], [*FIELDS, "version", "received_at"], batch_size=500)
    record_many(DiaryEntry, [("create", e.pk, _repr(e), None, snapshot(e)) for _, e in fresh]
                + [("update", e.pk, _repr(e), b, snapshot(e)) for _, e, b in edits], user=user, note=note)
    for i, entry in fresh:
        outcomes[i] = Outcome(ids[i], STORED, entry, "Đã lưu.")
    for i, entry, _ in edits:
        outcomes[i] = Outcome(ids[i], STORED, entry, "Đã lưu bản sửa.")
    return [o for o in outcomes if o is not None]


def write(user, cycle: CropCycle, data, *, client_id: str = "", base_version: int | None = None) -> Outcome:
    """Store one entry (the diary page's form): the same path as a synced batch of one."""
    return store(user, [Item(cycle, dict(data.items()), client_id, base_version)])[0]


# --- cycles and photos -----------------------------------------------------------------------------------------------

@transaction.atomic
def create_cycle(user, plot: Plot, data) -> CropCycle:
    """Open a crop cycle on ``plot`` (name, crop — the plot's by default —, start day); audited."""
    errors: dict[str, str] = {}
    name = _text(data, "name", "Tên vụ", errors)
    if not name:
        errors["name"] = "Ghi tên vụ, ví dụ «Vụ xuân 2026»."
    crop = _text(data, "crop", "Cây trồng", errors) or plot.crop
    started = _day(data.get("started_on"))
    if started is None:
        errors["started_on"] = "Ghi ngày bắt đầu vụ dạng ngày/tháng/năm, ví dụ 01/02/2026."
    if errors:
        raise Invalid(errors)
    cycle = CropCycle.objects.create(plot=plot, name=name, crop=crop, started_on=started)
    record("create", cycle, after={"plot": plot.code, "name": name, "crop": crop, "started_on": started.isoformat()},
           user=user)
    return cycle


@transaction.atomic
def add_photo(user, entry: DiaryEntry, upload) -> DiaryPhoto:
    """Attach a photo to ``entry``: JPEG or PNG by content, at most ``max_photo_bytes()``, checked before reading."""
    try:
        kind = filetypes.check(upload, PHOTO_KINDS, max_photo_bytes(),
                               advice="Chụp hoặc lưu ảnh thành JPEG (.jpg) hoặc PNG rồi gửi lại.")
    except filetypes.FileRejected as exc:
        raise Invalid({"file": str(exc)}) from None
    photo = DiaryPhoto(entry=entry, content_type=kind.content_type, size=upload.size)
    photo.file.save("anh" + kind.extension, upload, save=False)
    photo.save()
    record("create", photo, after={"entry": str(entry.client_id), "content_type": kind.content_type,
                                   "size": upload.size, "file": photo.file.name}, user=user)
    return photo
