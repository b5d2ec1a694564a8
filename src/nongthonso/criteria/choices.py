from django.db import models


class Level(models.TextChoices):
    """Recognition levels; a criteria set and a decision each name one."""

    XA_NTM = "xa_ntm", "Xã đạt chuẩn nông thôn mới"
    XA_NANG_CAO = "xa_ntm_nang_cao", "Xã đạt chuẩn nông thôn mới nâng cao"
    XA_KIEU_MAU = "xa_ntm_kieu_mau", "Xã đạt chuẩn nông thôn mới kiểu mẫu"
    HUYEN_NTM = "huyen_ntm", "Huyện đạt chuẩn nông thôn mới"
    HOAN_THANH = "hoan_thanh_nhiem_vu", "Hoàn thành nhiệm vụ xây dựng nông thôn mới"
    XOM_KIEU_MAU = "xom_ntm_kieu_mau", "Xóm nông thôn mới kiểu mẫu"
    # 2026-2030 (Decision 51/2025/QĐ-TTg): the pilot level whose criteria each province sets (Phụ lục II), and the
    # province's own completion of the programme (Phụ lục III), which replaces counting completed districts
    XA_HIEN_DAI = "xa_ntm_hien_dai", "Xã nông thôn mới hiện đại"
    TINH_HOAN_THANH = "tinh_hoan_thanh_nhiem_vu", "Tỉnh hoàn thành nhiệm vụ xây dựng nông thôn mới"
    # a village meeting the province's smart-village criteria (Decision 924/QĐ-TTg; Decision 319/QĐ-TTg asks a
    # model commune for at least one): the level of the provincial smart-village sets (``smart/catalogue``)
    THON_THONG_MINH = "thon_thong_minh", "Thôn (xóm) thông minh"


COMMUNE_LEVELS = (Level.XA_NTM, Level.XA_NANG_CAO, Level.XA_KIEU_MAU, Level.XA_HIEN_DAI)
DISTRICT_LEVELS = (Level.HUYEN_NTM, Level.HOAN_THANH)
PROVINCE_LEVELS = (Level.TINH_HOAN_THANH,)
# the order in which a commune's levels are shown (the highest held is its level)
LEVEL_RANK = {Level.XA_NTM: 1, Level.XA_NANG_CAO: 2, Level.XA_KIEU_MAU: 3, Level.XA_HIEN_DAI: 4}
# a commune recognised at a level also counts at the levels it builds on: kiểu mẫu ⊃ nâng cao ⊃ NTM (2021-2025);
# "NTM hiện đại" (2026-2030) builds on NTM only — it is not a 2021-2025 advanced or model commune
IMPLIES = {
    Level.XA_NTM: frozenset({Level.XA_NTM}),
    Level.XA_NANG_CAO: frozenset({Level.XA_NTM, Level.XA_NANG_CAO}),
    Level.XA_KIEU_MAU: frozenset({Level.XA_NTM, Level.XA_NANG_CAO, Level.XA_KIEU_MAU}),
    Level.XA_HIEN_DAI: frozenset({Level.XA_NTM, Level.XA_HIEN_DAI}),
}
# for each commune level, the levels whose holders count at it
AT_LEAST = {level: tuple(held for held in COMMUNE_LEVELS if level in IMPLIES[held]) for level in COMMUNE_LEVELS}


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
