from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One write: who, when, what, before and after. Written in the same transaction as the change."""

    class Action(models.TextChoices):
        CREATE = "create", "Tạo"
        UPDATE = "update", "Sửa"
        DELETE = "delete", "Xóa"
        IMPORT = "import", "Nhập tệp"
        TRANSITION = "transition", "Chuyển trạng thái"

    timestamp = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    actor = models.CharField(max_length=150, blank=True, help_text="user name, or the command that wrote")
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    model = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-timestamp", "-pk"]
        indexes = [models.Index(fields=["model", "object_id"])]
        verbose_name = "nhật ký thay đổi"
        verbose_name_plural = "nhật ký thay đổi"

    def __str__(self):
        return f"{self.timestamp:%d/%m/%Y %H:%M} {self.actor} {self.get_action_display()} {self.object_repr}"
