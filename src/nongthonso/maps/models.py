"""The boundary of a unit *version*: a commune merged on 1/7/2025 is a new version with a shape of its own, so the map
of 2023 and that of 2026 differ as the units did."""

from django.conf import settings
from django.db import models

from nongthonso.units.models import Unit


class UnitShape(models.Model):
    """A unit version's boundary (GeoJSON ``Polygon``/``MultiPolygon``, WGS84 longitude, latitude): as uploaded (checked
    and repaired with shapely, ``maps.geometry``) and simplified for the web, with its area, bounding box and centroid
    (the unit's position where the unit data give none: ``maps.services.positions``)."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="shape", verbose_name="đơn vị")
    geometry = models.JSONField("ranh giới (như tệp tải lên)")
    simplified = models.JSONField("ranh giới đơn giản hóa (hiển thị)")
    area_km2 = models.FloatField("diện tích (km²)")
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    centroid_lat = models.FloatField("vĩ độ tâm")
    centroid_lon = models.FloatField("kinh độ tâm")
    source = models.CharField("nguồn", max_length=300, help_text="Tệp hoặc cơ quan cung cấp ranh giới")
    synthetic = models.BooleanField("dữ liệu minh họa", default=False,
                                    help_text="Hình tổng hợp (ô Voronoi), không phải ranh giới thật.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="người tải lên")
    uploaded_at = models.DateTimeField("thời điểm tải lên", auto_now=True)

    class Meta:
        verbose_name = "ranh giới đơn vị"
        verbose_name_plural = "ranh giới đơn vị"

    def __str__(self):
        return f"Ranh giới {self.unit} ({self.source})"

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees."""
        return self.min_lon, self.min_lat, self.max_lon, self.max_lat
