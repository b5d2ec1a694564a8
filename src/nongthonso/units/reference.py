"""Levels and unit types: reference data every database needs (created idempotently)."""

LEVELS = [
    # code, name, name_en, depth
    ("tinh", "Cấp tỉnh", "Province level", 1),
    ("huyen", "Cấp huyện", "District level", 2),
    ("xa", "Cấp xã", "Commune level", 3),
    ("xom", "Thôn, xóm", "Hamlet level", 4),
]

TYPES = [
    # code, name, name_en, level, is_rural
    ("tinh", "Tỉnh", "Province", "tinh", False),
    ("thanh_pho_tw", "Thành phố trực thuộc Trung ương", "Centrally-run city", "tinh", False),
    ("huyen", "Huyện", "Rural district", "huyen", False),
    ("thi_xa", "Thị xã", "District-level town", "huyen", False),
    ("thanh_pho_thuoc_tinh", "Thành phố thuộc tỉnh", "Provincial city", "huyen", False),
    ("quan", "Quận", "Urban district", "huyen", False),
    ("thanh_pho_thuoc_tp", "Thành phố thuộc thành phố trực thuộc TW", "City within a centrally-run city",
     "huyen", False),
    ("xa", "Xã", "Commune", "xa", True),
    ("phuong", "Phường", "Ward", "xa", False),
    ("thi_tran", "Thị trấn", "Township", "xa", False),
    ("dac_khu", "Đặc khu", "Special zone", "xa", False),
    ("xom", "Xóm", "Hamlet (xóm)", "xom", False),
    ("thon", "Thôn", "Hamlet (thôn)", "xom", False),
    ("ban", "Bản", "Hamlet (bản)", "xom", False),
    ("to_dan_pho", "Tổ dân phố", "Residential group", "xom", False),
]


def ensure_reference_data() -> None:
    from .models import UnitLevel, UnitType

    levels = {}
    for code, name, name_en, depth in LEVELS:
        levels[code], _ = UnitLevel.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "depth": depth})
    for code, name, name_en, level, rural in TYPES:
        UnitType.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": levels[level], "is_rural": rural})
