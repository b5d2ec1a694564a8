from django.db import models


class Level(models.TextChoices):
    """Recognition levels; a criteria set and a decision each name one."""

    XA_NTM = "xa_ntm", "Xã đạt chuẩn nông thôn mới"
    XA_NANG_CAO = "xa_ntm_nang_cao", "Xã đạt chuẩn nông thôn mới nâng cao"
    XA_KIEU_MAU = "xa_ntm_kieu_mau", "Xã đạt chuẩn nông thôn mới kiểu mẫu"
    HUYEN_NTM = "huyen_ntm", "Huyện đạt chuẩn nông thôn mới"
    HOAN_THANH = "hoan_thanh_nhiem_vu", "Hoàn thành nhiệm vụ xây dựng nông thôn mới"
    XOM_KIEU_MAU = "xom_ntm_kieu_mau", "Xóm nông thôn mới kiểu mẫu"


COMMUNE_LEVELS = (Level.XA_NTM, Level.XA_NANG_CAO, Level.XA_KIEU_MAU)
DISTRICT_LEVELS = (Level.HUYEN_NTM, Level.HOAN_THANH)
# a commune recognised at a higher level also counts at the lower ones
LEVEL_RANK = {Level.XA_NTM: 1, Level.XA_NANG_CAO: 2, Level.XA_KIEU_MAU: 3}


class ValueType(models.TextChoices):
    BOOLEAN = "boolean", "Đạt / Không đạt"
    PERCENT = "percent", "Tỷ lệ (%)"
    NUMBER = "number", "Số"
    MONEY = "money", "Tiền"
    CATEGORY = "category", "Phân loại"


class Comparator(models.TextChoices):
    GE = ">=", "≥"
    LE = "<=", "≤"
    GT = ">", ">"
    LT = "<", "<"
    EQ = "==", "="
    IN = "in", "thuộc"


class ThresholdDimension(models.TextChoices):
    REGION = "region", "Theo vùng"
    COMMUNE_GROUP = "commune_group", "Theo nhóm xã"
    NONE = "none", "Chung"
