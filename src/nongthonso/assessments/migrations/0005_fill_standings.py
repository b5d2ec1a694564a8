"""Standings computed from the assessments already stored (assessments.standings)."""

from django.db import migrations


def fill(apps, schema_editor):
    from nongthonso.assessments.standings import rebuild

    rebuild(apps.get_model("assessments", "Standing"), apps.get_model("assessments", "Assessment"),
            apps.get_model("criteria", "CriteriaSet"), apps.get_model("units", "Unit"))


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_standing")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
