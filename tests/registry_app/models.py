"""No migrations: the tables are made for the test database only (``migrate --run-syncdb``), so nothing of this app is
recorded as applied, and a backup taken in the tests restores in a process without it (tests/ops). Hence no foreign
key constraints either (``db_constraint=False``): the tables are made before the migrated apps' tables."""

from django.db import models

from nongthonso.units.models import Unit


class Course(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                             verbose_name="đơn vị")
    title = models.CharField("tên khoá", max_length=200)
    held_on = models.DateField("ngày tổ chức")

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = "khoá tập huấn"

    def __str__(self):
        return f"{self.title} ({self.unit.code}, {self.held_on.isoformat()})"


class CourseTally(models.Model):
    """Derived: the number of courses held in a unit (kept in step by ``courses.refresh``)."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    courses = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.unit_id}: {self.courses}"
