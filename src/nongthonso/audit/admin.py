"""The audit log in the admin, and ``AuditedModelAdmin``: the base of every model admin of the project.

An edit in /admin/ is a write like any other: what is added, changed or deleted there — on the form, in an inline
row, in an editable list, by a bulk deletion or an action — is recorded (``services.record``: who, before and
after, the request id) in the same transaction as the change, and the locks the services keep hold there too: an
admin names the fields a row's state locks (``locked_fields``) and why (``lock_reason``); those fields are then
read-only, the row cannot be deleted, and the change page says why. ``tests/audit/test_admin_audit.py`` fails for any
registered admin that does not derive from it.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import NestedObjects
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router, transaction
from django.db.models.fields.files import FieldFile

from .models import AuditEntry
from .services import record

HIDDEN = "[ẩn]"  # what the log shows of a secret (a password hash, a token's hash)
VIA_ADMIN = "Trong trang quản trị"
_PENDING = "_audit_admin_before"  # on an instance between save_form and save_related: its stored row before


def snapshot(obj: models.Model, *, many_to_many: bool = True) -> dict[str, Any]:
    """The stored fields of ``obj`` as JSON values: foreign keys as ids, files as their names, many-to-many fields as
    sorted lists of ids (``many_to_many``: read them; an unsaved row has none)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        value = field.value_from_object(obj)
        data[field.name] = value.name if isinstance(value, FieldFile) else value
    if many_to_many and obj.pk is not None:
        for field in obj._meta.many_to_many:
            data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _stored(obj: models.Model) -> models.Model | None:
    return type(obj)._base_manager.filter(pk=obj.pk).first() if obj.pk is not None else None


def _hide(data: dict | None, secret: tuple[str, ...]) -> dict | None:
    if data is None:
        return None
    return {name: HIDDEN if name in secret and value not in (None, "") else value for name, value in data.items()}


def _changes(before: dict, after: dict, ignored: set[str]) -> tuple[dict, dict]:
    """The fields whose values differ, as (before, after); ``ignored``: fields that change on every save."""
    names = [n for n in after if n not in ignored and before.get(n) != after.get(n)]
    return {n: before.get(n) for n in names}, {n: after[n] for n in names}


def _touched_on_save(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every write is audited, and which refuses what the row's state locks.

    ``locked_fields``: fields read-only while ``lock_reason(obj)`` gives a reason (Vietnamese: why, and how to
    proceed — shown on the change page and when a deletion is refused); a locked row cannot be deleted.
    ``locked(queryset)``: the rows of ``queryset`` that are locked (one query, for bulk deletions).
    ``audit_secret_fields``: fields whose values the log never shows (only that they changed)."""

    locked_fields: tuple[str, ...] = ()
    audit_secret_fields: tuple[str, ...] = ("password", "key_hash")

    # ----------------------------------------------------------------------------------------------- locks

    def lock_reason(self, obj) -> str | None:
        return None

    def locked(self, queryset):
        return queryset.none()

    def _lock_reason(self, obj) -> str | None:
        """``lock_reason``, asked once per row and request (the admin asks for the read-only fields several times)."""
        cache = obj.__dict__.setdefault("_audit_lock_reason", {})
        if "reason" not in cache:
            cache["reason"] = self.lock_reason(obj)
        return cache["reason"]

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and self.locked_fields and self._lock_reason(obj):
            fields += tuple(f for f in self.locked_fields if f not in fields)
        return fields

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not self._lock_reason(obj))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        reason = self._lock_reason(obj) if obj is not None else None
        if reason:
            messages.warning(request, reason)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _function, name, description = actions["delete_selected"]
            actions["delete_selected"] = (type(self)._delete_unlocked, name, description)
        return actions

    def _delete_unlocked(self, request, queryset):
        """Django's bulk deletion, refused at once (with the reason) when a selected row is locked."""
        refused = list(self.locked(queryset)[:6])
        if refused:
            shown = "; ".join(f"«{obj}»: {self.lock_reason(obj)}" for obj in refused[:5])
            more = " …" if len(refused) > 5 else ""
            self.message_user(request, f"Không xóa được các mục đã chọn, vì có mục đã khóa — {shown}{more} Bỏ chọn "
                                       "các mục này rồi xóa lại.", messages.ERROR)
            return None
        return delete_selected(self, request, queryset)

    def response_action(self, request, queryset):
        # an action (a bulk deletion, «Tạo phiên bản mới» …) writes all of its rows and their audit entries, or none
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().response_action(request, queryset)

    # ----------------------------------------------------------------------------------------------- the log

    def _record(self, request, action: str, obj, before=None, after=None, note: str = VIA_ADMIN) -> None:
        secret = self.audit_secret_fields
        user = request.user if request.user.is_authenticated else None
        record(action, obj, before=_hide(before, secret), after=_hide(after, secret), user=user, note=note)

    def _record_change(self, request, obj, before: dict, note: str = VIA_ADMIN) -> None:
        """An "update" entry with the fields that differ between ``before`` and the stored row; none when none do."""
        changed_before, changed_after = _changes(before, snapshot(_stored(obj)), _touched_on_save(type(obj)))
        if changed_after:
            self._record(request, "update", obj, before=changed_before, after=changed_after, note=note)

    @contextlib.contextmanager
    def audited_change(self, request, obj):
        """For a view of the admin that saves ``obj`` without ``save_model`` (the user admin's password form): the
        change made inside is recorded on leaving (call it inside the view's transaction)."""
        stored = _stored(obj) if obj is not None else None
        before = snapshot(stored) if stored is not None else None
        yield
        if before is not None:
            self._record_change(request, stored, before)

    def save_form(self, request, form, change):
        # the stored row, before save_model (which an admin may override) writes the form's values
        obj = super().save_form(request, form, change)
        stored = _stored(obj) if change else None
        obj.__dict__[_PENDING] = snapshot(stored) if stored is not None else None
        return obj

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the many-to-many fields and inline rows
        obj = form.instance
        if _PENDING not in obj.__dict__:
            return
        before = obj.__dict__.pop(_PENDING)
        if before is None:
            self._record(request, "create", obj, after=snapshot(_stored(obj)))
        else:
            self._record_change(request, obj, before)

    def save_formset(self, request, form, formset, change):
        """Inline rows: each one added, changed or deleted gets its own entry."""
        note = f"{VIA_ADMIN}, trên trang của «{form.instance}»"
        deleted = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        for obj in deleted:
            self._record(request, "delete", obj, before=snapshot(_stored(obj)), note=note)
        changed = [f.instance.pk for f in formset.initial_forms
                   if f.instance.pk is not None and f.has_changed() and f.instance not in deleted]
        before = {obj.pk: snapshot(obj) for obj in formset.model._base_manager.filter(pk__in=changed)}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            self._record(request, "create", obj, after=snapshot(_stored(obj)), note=note)
        for obj, _fields in formset.changed_objects:
            self._record_change(request, obj, before[obj.pk], note=note)

    def _deleted_rows(self, objs: list) -> list[tuple[models.Model, dict]]:
        """``objs`` and every row their deletion cascades to (not the many-to-many links: those are in their
        row's snapshot), each with its snapshot, ``objs`` first."""
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        rows = [(obj, snapshot(obj)) for obj in objs]
        chosen = {(type(o), o.pk) for o in objs}
        for model, instances in collector.model_objs.items():
            if model._meta.auto_created:
                continue
            rows += [(o, snapshot(o, many_to_many=False)) for o in sorted(instances, key=lambda o: o.pk)
                     if (model, o.pk) not in chosen]
        return rows

    def _record_deletions(self, request, objs: list) -> None:
        main = {(type(o), o.pk) for o in objs}
        for obj, before in self._deleted_rows(objs):
            note = VIA_ADMIN if (type(obj), obj.pk) in main else f"{VIA_ADMIN}: xóa kèm theo mục được xóa"
            self._record(request, "delete", obj, before=before, note=note)

    def delete_model(self, request, obj):
        if self._lock_reason(obj):
            raise PermissionDenied(self._lock_reason(obj))
        self._record_deletions(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            if self.locked(queryset).exists():
                raise PermissionDenied("Có mục đã khóa trong các mục được chọn; không xóa.")
            self._record_deletions(request, list(queryset))
            super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedModelAdmin):
    list_display = ("timestamp", "actor", "action", "model", "object_repr", "request_id")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "actor", "request_id", "object_id")
    date_hierarchy = "timestamp"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
