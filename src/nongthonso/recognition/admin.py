from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.dispatch import Signal

from nongthonso.audit.admin import AuditedModelAdmin

from .models import Decision, Registration


@dataclass(frozen=True)
class Reference:
    """A record elsewhere that names a decision for one of its units (a dossier's «record_decision» step): while it
    exists, the decision keeps its kind, level and year and that unit, and is not deleted. ``text`` names the record
    («hồ sơ năm 2023 của xã Phúc Lương»); ``remedy`` says how to correct a decision recorded wrongly."""

    decision_id: int
    unit_id: int
    unit_name: str
    text: str
    remedy: str


# Sent with ``ids`` (decision ids); each receiver returns the References it knows of. Filled by the apps that refer to
# decisions (the dossier workflow: assessments/admin.py), so that this app needs none of them.
references = Signal()


def references_to(ids: Iterable[int]) -> dict[int, list[Reference]]:
    found: dict[int, list[Reference]] = {}
    for _receiver, answer in references.send(sender=Decision, ids=list(ids)):
        for reference in answer:
            found.setdefault(reference.decision_id, []).append(reference)
    return found


def _texts(found: list[Reference]) -> str:
    return ", ".join(dict.fromkeys(r.text for r in found))


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ("number", "date", "authority", "kind", "level", "for_year", "units", "note", "synthetic")

    def clean_units(self):
        units = self.cleaned_data["units"]
        if self.instance.pk is None:
            return units
        kept = {u.pk for u in units}
        dropped = [r for r in references_to([self.instance.pk]).get(self.instance.pk, []) if r.unit_id not in kept]
        if dropped:
            names = ", ".join(dict.fromkeys(r.unit_name for r in dropped))
            raise forms.ValidationError(
                f"Không bỏ được {names} khỏi quyết định này: {_texts(dropped)} dẫn chiếu quyết định này cho đơn vị đó. "
                f"Giữ {names} trong danh sách đơn vị; nếu quyết định ghi nhầm đơn vị, {dropped[0].remedy}")
        return units


@admin.register(Decision)
class DecisionAdmin(AuditedModelAdmin):
    """Decisions. One that a dossier's workflow recorded («Ghi quyết định công nhận») keeps its link: its kind, level
    and year are read-only here, the dossier's unit stays on it, and it cannot be deleted (the dossier's history names
    it); its number, date, issuing authority and note can be corrected (audited)."""

    form = DecisionForm
    locked_fields = ("kind", "level", "for_year")
    list_display = ("number", "date", "authority", "kind", "level", "for_year", "synthetic")
    list_filter = ("kind", "level", "for_year", "synthetic")
    search_fields = ("number", "authority", "units__name")
    date_hierarchy = "date"
    raw_id_fields = ("units",)

    def lock_reason(self, obj):
        found = references_to([obj.pk]).get(obj.pk)
        if not found:
            return None
        return (f"{obj} được dẫn chiếu ở {_texts(found)}: ở trang quản trị chỉ sửa được số, ngày, cơ quan ban hành "
                "và ghi chú; loại, mức, năm công nhận và các đơn vị được dẫn chiếu giữ nguyên, và quyết định không xóa "
                f"được. Nếu quyết định ghi nhầm, {found[0].remedy}")

    def locked(self, queryset):
        return queryset.filter(pk__in=list(references_to(queryset.values_list("pk", flat=True))))


@admin.register(Registration)
class RegistrationAdmin(AuditedModelAdmin):
    list_display = ("unit", "target_level", "target_year", "registered_on", "synthetic")
    list_filter = ("target_level", "target_year")
    search_fields = ("unit__name", "unit__code")
    raw_id_fields = ("unit",)
