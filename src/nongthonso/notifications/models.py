"""Notifications: a message to one user about a dossier — a step was taken and the next one is theirs, or the dossier
they submitted was sent back or has reached the end of its workflow. Written by ``services.notify_step`` in the step's
transaction; read and marked read only by their recipient (``Notification.objects.for_recipient``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user):
        """Only ``user``'s own notifications (none for a user signed out or disabled)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name="người nhận")
    assessment = models.ForeignKey("assessments.Assessment", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+", verbose_name="hồ sơ")
    link = models.CharField("đường dẫn", max_length=300, help_text="the page the notification opens: /ho-so/12/")
    verb = models.CharField("việc", max_length=30, help_text="the workflow step it tells of: submit, return …")
    text = models.TextField("nội dung")
    created = models.DateTimeField("thời điểm", default=timezone.now)
    read_at = models.DateTimeField("đã đọc lúc", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            # the header's unread count and the list page, both per recipient
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created"], name="notification_list"),
        ]
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"

    def __str__(self):
        return f"{self.recipient} — {self.verb} — {self.created:%d/%m/%Y %H:%M}"

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]
