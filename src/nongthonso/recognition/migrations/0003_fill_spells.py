"""Spells computed from the decisions already stored (recognition.spells)."""

from django.db import migrations


def fill(apps, schema_editor):
    from nongthonso.recognition.spells import rebuild

    rebuild(apps.get_model("recognition", "Spell"), apps.get_model("recognition", "Decision").units.through,
            apps.get_model("units", "Unit"))


class Migration(migrations.Migration):
    dependencies = [("recognition", "0002_spell")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
