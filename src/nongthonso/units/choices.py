from django.db import models


class Region(models.TextChoices):
    """The seven socio-economic regions of Decision 318/QĐ-TTg (thresholds differ by region)."""

    TDMNPB = "TDMNPB", "Trung du và miền núi phía Bắc"
    DBSH = "DBSH", "Đồng bằng sông Hồng"
    BTB = "BTB", "Bắc Trung Bộ"
    DHNTB = "DHNTB", "Duyên hải Nam Trung Bộ"
    TN = "TN", "Tây Nguyên"
    DNB = "DNB", "Đông Nam Bộ"
    DBSCL = "DBSCL", "Đồng bằng sông Cửu Long"


class CommuneGroup(models.IntegerChoices):
    """Commune groups of Decision 51/2025/QĐ-TTg (2026-2030 thresholds)."""

    G1 = 1, "Nhóm 1 (ven đô thị, định hướng đô thị hóa)"
    G2 = 2, "Nhóm 2"
    G3 = 3, "Nhóm 3 (khu vực II, III vùng đồng bào DTTS và miền núi)"


class LineageKind(models.TextChoices):
    ESTABLISH = "establish", "Thành lập"
    MERGE = "merge", "Nhập / sáp nhập"
    SPLIT = "split", "Chia / điều chỉnh một phần"
    RENAME = "rename", "Đổi tên"
    CHANGE_TYPE = "change_type", "Chuyển đổi loại hình"
    TRANSFER = "transfer", "Chuyển địa giới / cấp trên"
    DISSOLVE = "dissolve", "Giải thể"
