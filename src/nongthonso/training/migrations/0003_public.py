"""The public pages' fields of a course: the evaluation form's code and switch, and the share of sessions a
participant must attend to be given a certificate.

``evaluation_code`` is unique and random per course: added nullable, filled row by row, then made unique (a callable
default alone would give every existing course the same code)."""

import django.core.validators
from django.db import migrations, models

import nongthonso.training.models


def fill_codes(apps, schema_editor):
    Course = apps.get_model("training", "Course")
    for course in Course.objects.filter(evaluation_code__isnull=True).only("pk"):
        Course.objects.filter(pk=course.pk).update(evaluation_code=nongthonso.training.models.new_code())


class Migration(migrations.Migration):

    dependencies = [
        ("training", "0002_catalogue"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="evaluation_code",
            field=models.CharField(max_length=20, null=True, verbose_name="mã phiếu đánh giá"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="course",
            name="evaluation_code",
            field=models.CharField(default=nongthonso.training.models.new_code,
                                   help_text="Mã trong đường dẫn công khai của phiếu đánh giá khoá học.",
                                   max_length=20, unique=True, verbose_name="mã phiếu đánh giá"),
        ),
        migrations.AddField(
            model_name="course",
            name="evaluation_open",
            field=models.BooleanField(default=False, verbose_name="mở phiếu đánh giá"),
        ),
        migrations.AddField(
            model_name="course",
            name="certificate_share",
            field=models.PositiveSmallIntegerField(
                default=80,
                help_text="Học viên dự ít nhất tỷ lệ này số buổi của khoá thì được cấp giấy chứng nhận.",
                validators=[django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(100)],
                verbose_name="tỷ lệ buổi tối thiểu để cấp chứng nhận (%)"),
        ),
        migrations.AddConstraint(
            model_name="course",
            constraint=models.CheckConstraint(condition=models.Q(("certificate_share__gte", 1),
                                                                 ("certificate_share__lte", 100)),
                                              name="course_certificate_share_1_to_100"),
        ),
    ]
