"""API tokens expire. A token issued before this migration expires ``API_TOKEN_DAYS`` after it was created, but not
sooner than 30 days after the migration: clients get time to change their token, none stops at the upgrade."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

GRACE = dt.timedelta(days=30)


def first_expiry(created_at: dt.datetime, migrated_at: dt.datetime, lifetime: dt.timedelta) -> dt.datetime:
    return max(created_at + lifetime, migrated_at + GRACE)


def give_expiry(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    lifetime = dt.timedelta(days=settings.API_TOKEN_DAYS)
    migrated_at = timezone.now()
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=first_expiry(token.created_at, migrated_at, lifetime))


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="hết hạn",
                                       help_text="Sau thời điểm này mã không dùng được nữa; tạo mã mới."),
        ),
        migrations.RunPython(give_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="hết hạn",
                                       help_text="Sau thời điểm này mã không dùng được nữa; tạo mã mới."),
        ),
    ]
