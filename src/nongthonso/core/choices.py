"""Choices more than one app stores."""

from django.db import models


class Provenance(models.TextChoices):
    """Where a catalogue row comes from (as the criteria catalogue tags its thresholds): the training topics, the
    smart-NTM targets and the OCOP catalogue rows carry it."""

    QUOTED = "quoted", "Trích từ văn bản"
    SECONDARY = "secondary", "Theo nguồn thứ cấp"
    PLACEHOLDER = "placeholder", "Tạm đặt, chưa đối chiếu"
    PROVINCE = "province", "Do tỉnh bổ sung"
