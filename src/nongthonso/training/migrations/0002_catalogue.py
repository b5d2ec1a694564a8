"""The training catalogue (``training/catalogue.yaml``): the topic groups and topics of QĐ 3360/QĐ-BNN-VPĐP, the
target groups and the coverage targets to 2025. Reversible: going back removes the rows nothing uses."""

from django.db import migrations

from nongthonso.training import catalogue


def load(apps, schema_editor):
    catalogue.load(catalogue.Models.of(apps))


def unload(apps, schema_editor):
    catalogue.unload(catalogue.Models.of(apps))


class Migration(migrations.Migration):

    dependencies = [
        ("training", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
