from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("units", "0005_commune_group_assignments"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="lat",
            field=models.FloatField(blank=True, help_text="WGS84, độ thập phân (ví dụ 21.5942)", null=True,
                                    verbose_name="vĩ độ"),
        ),
        migrations.AddField(
            model_name="unit",
            name="lon",
            field=models.FloatField(blank=True, help_text="WGS84, độ thập phân (ví dụ 105.8482)", null=True,
                                    verbose_name="kinh độ"),
        ),
    ]
