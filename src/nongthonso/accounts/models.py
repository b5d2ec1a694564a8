"""Roles scoped to units.

A ``Membership`` gives one user one role over one unit *version* (``units.Unit`` row), everything below it in
the tree (by materialised ``path``), and the versions it succeeded by lineage with everything below them (the
new province's office keeps the old provinces' dossiers; a merged commune's officer, its predecessors').
The roles and the actions are registry entries (``core.registry.Role``, ``Action``): this app registers the four
roles and the eight actions on a dossier defined here (``ROLES``, ``DOSSIER_ACTIONS``, from ``apps.py``); other apps
add theirs the same way, and ``Membership.role`` takes its choices from the registry. What a role may do is
``registry.role_actions``; whether a step is possible *now* (the dossier's state) is the workflow's business
(``assessments.workflow``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from nongthonso.core import registry
from nongthonso.units.models import Unit, UnitLevel


class Role(models.TextChoices):
    """The codes (stored in ``Membership.role``: never rename one) and labels of the roles this app registers."""

    PROVINCE_OFFICE = "province_office", "Văn phòng Điều phối NTM tỉnh"
    DISTRICT_OFFICE = "district_office", "Văn phòng Điều phối NTM huyện"
    COMMUNE_OFFICER = "commune_officer", "Cán bộ phụ trách NTM xã"
    VIEWER = "viewer", "Người xem"


class Action(models.TextChoices):
    """Everything a role may be allowed to do to an assessment (its dossier): the actions this app registers."""

    VIEW = "view", "Xem hồ sơ"
    EDIT_VALUES = "edit_values", "Nhập, sửa số liệu"
    SUBMIT = "submit", "Gửi hồ sơ tự đánh giá"
    VERIFY = "verify", "Xác nhận hồ sơ"
    RETURN = "return", "Trả lại hồ sơ"
    APPROVE = "approve", "Thẩm định, phê duyệt hồ sơ"
    RECORD_DECISION = "record_decision", "Ghi quyết định công nhận"
    REOPEN = "reopen", "Mở lại hồ sơ"


# Each role: the levels (``UnitLevel.code``, data) of the units it may be granted on — None: any level — and what it
# may do there. Keyed by level, not by depth in the tree: a commune sits at depth 3 under a district (to 30/6/2025)
# and at depth 2 directly under the province (since 1/7/2025); its officer is a commune officer either way. Which
# role at which level takes which dossier step is the workflow's data (``assessments.models.WorkflowStep.actors``).
ROLES: tuple[registry.Role, ...] = (
    registry.Role(Role.PROVINCE_OFFICE.value, Role.PROVINCE_OFFICE.label, levels=("tinh",),
                  title="Văn phòng Điều phối NTM {unit}",
                  actions=(Action.VIEW, Action.RETURN, Action.APPROVE, Action.RECORD_DECISION, Action.REOPEN)),
    registry.Role(Role.DISTRICT_OFFICE.value, Role.DISTRICT_OFFICE.label, levels=("huyen",),
                  title="Văn phòng Điều phối NTM {unit}", actions=(Action.VIEW, Action.VERIFY, Action.RETURN)),
    registry.Role(Role.COMMUNE_OFFICER.value, Role.COMMUNE_OFFICER.label, levels=("xa",),
                  title="cán bộ phụ trách NTM {unit}", actions=(Action.VIEW, Action.EDIT_VALUES, Action.SUBMIT)),
    registry.Role(Role.VIEWER.value, Role.VIEWER.label, levels=None, title="người xem dữ liệu của {unit}",
                  actions=(Action.VIEW,)),
)
DOSSIER_ACTIONS: tuple[registry.Action, ...] = tuple(registry.Action(a.value, a.label) for a in Action)


def role_choices() -> list[tuple[str, str]]:
    """Every registered role, for ``Membership.role`` (read when used, so another app's roles are included)."""
    return [(role.code, role.label) for role in registry.entries(registry.Role)]


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name="người dùng")
    role = models.CharField("vai trò", max_length=30, choices=role_choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships",
                             verbose_name="đơn vị phụ trách",
                             help_text="Vai trò có hiệu lực với đơn vị này và mọi đơn vị trực thuộc.")
    created_at = models.DateTimeField("ngày giao", auto_now_add=True)
    note = models.CharField("ghi chú", max_length=300, blank=True)

    class Meta:
        ordering = ["user__username", "role", "unit__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="membership_unique"),
        ]
        verbose_name = "vai trò theo đơn vị"
        verbose_name_plural = "vai trò theo đơn vị"

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.unit}"

    def clean(self):
        role = registry.find(registry.Role, self.role)
        levels = role.levels if role is not None else None
        if levels is None or not self.unit_id:
            return
        actual = self.unit.unit_type.level
        if actual.code not in levels:
            wanted = " hoặc ".join(UnitLevel.objects.filter(code__in=levels).values_list("name", flat=True))
            raise ValidationError({"unit": (
                f"Vai trò «{self.get_role_display()}» phải gắn với một đơn vị {wanted.lower()}; "
                f"«{self.unit}» là đơn vị {actual.name.lower()}. Chọn lại đơn vị hoặc đổi vai trò.")})
