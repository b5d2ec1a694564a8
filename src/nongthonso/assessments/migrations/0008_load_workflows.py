from django.db import migrations


def load_workflows(apps, schema_editor):
    """The three-tier and two-tier workflows from assessments/workflows/*.yaml (loaded again, after a change to the
    files, by `nongthonso workflows load`)."""
    from nongthonso.assessments import definitions

    definitions.load(workflow_model=apps.get_model("assessments", "Workflow"),
                     step_model=apps.get_model("assessments", "WorkflowStep"))


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0007_workflows_as_data_carried_values"),
    ]

    operations = [
        migrations.RunPython(load_workflows, migrations.RunPython.noop),
    ]
