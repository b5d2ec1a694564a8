"""The scratch table of the results staged beside a write on PostgreSQL (``assessments.staging``, ADR 0013): no model,
nothing on other databases."""

from django.db import migrations

CREATE = (
    "CREATE UNLOGGED TABLE IF NOT EXISTS assessments_results_stage (token uuid NOT NULL, id bigint NOT NULL, "
    "results jsonb NOT NULL, criteria_met integer NOT NULL, criteria_failed integer NOT NULL, "
    "criteria_unknown integer NOT NULL, criteria_total integer NOT NULL, eligible boolean NOT NULL, "
    "revoke boolean NOT NULL, staged_at timestamptz NOT NULL DEFAULT now())",
    "CREATE UNIQUE INDEX IF NOT EXISTS assessments_results_stage_token ON assessments_results_stage (token, id)",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS assessments_results_stage")


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0009_standing_sets'),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
