"""Thái Nguyên's units over time: counts per period, reused codes, lineage, idempotent loading."""

import datetime as dt

import pytest

from nongthonso.core.text import fold, vi_sort_key
from nongthonso.units import services
from nongthonso.units.choices import LineageKind, Region
from nongthonso.units.lineage import load_thai_nguyen_history
from nongthonso.units.models import LineageEvent, Unit

pytestmark = pytest.mark.django_db

BEFORE_NQ729 = dt.date(2022, 12, 31)
MID_2023 = dt.date(2023, 6, 30)
MID_2024 = dt.date(2024, 6, 30)
JAN_2025 = dt.date(2025, 1, 1)
EVE_2025 = dt.date(2025, 6, 30)
JAN_2026 = dt.date(2026, 1, 1)


def _by_type(province, date):
    counts = {}
    for unit in services.communes(province, date, rural_only=False):
        counts[unit.unit_type.code] = counts.get(unit.unit_type.code, 0) + 1
    return counts


def test_mid_2023_has_126_xa_among_177_commune_level_units(history):
    # given the history, when we count Thái Nguyên's communes on 30/6/2023
    province = services.province("19", MID_2023)
    # then: the 2023 report's 126 xã, and 177 units in all (41 phường, 10 thị trấn)
    assert services.communes(province, MID_2023).count() == 126
    assert services.communes(province, MID_2023, rural_only=False).count() == 177
    assert _by_type(province, MID_2023) == {"xa": 126, "phuong": 41, "thi_tran": 10}


def test_january_2025_has_121_xa_among_172_units(history):
    province = services.province("19", JAN_2025)
    assert services.communes(province, JAN_2025).count() == 121
    assert services.communes(province, JAN_2025, rural_only=False).count() == 172
    assert _by_type(province, JAN_2025) == {"xa": 121, "phuong": 41, "thi_tran": 10}


def test_before_nq729_there_were_178_units_with_128_xa(history):
    province = services.province("19", BEFORE_NQ729)
    assert _by_type(province, BEFORE_NQ729) == {"xa": 128, "phuong": 41, "thi_tran": 9}


def test_nine_districts_from_2023_to_mid_2025(history):
    for date in (MID_2023, JAN_2025, EVE_2025):
        province = services.province("19", date)
        districts = services.units_valid_on(date, within=province, level="huyen")
        assert sorted(d.code for d in districts) == ["164", "165", "167", "168", "169", "170", "171", "172", "173"]


def test_per_district_counts_change_as_nq1240_says(history):
    # given the districts whose communes changed on 1/12/2024
    changed = {"167": (23, 22), "168": (15, 14), "169": (15, 14), "171": (29, 27)}
    for code, (mid_2023, jan_2025) in changed.items():
        district = services.unit_on(code, MID_2023)
        # then their commune counts before and after are those of the facts doc
        assert services.units_valid_on(MID_2023, within=district, level="xa").count() == mid_2023
        assert services.units_valid_on(JAN_2025, within=district, level="xa").count() == jan_2025


def test_from_july_2025_the_new_province_has_92_communes_and_no_districts(history):
    # when we look at province 19 in 2026
    province = services.province("19", JAN_2026)
    # then it is a new version, with 77 xã and 15 phường directly under it
    assert province.valid_from == dt.date(2025, 7, 1) and province.valid_to is None
    assert services.communes(province, JAN_2026, rural_only=False).count() == 92
    assert _by_type(province, JAN_2026) == {"xa": 77, "phuong": 15}
    assert not services.units_valid_on(JAN_2026, within=province, level="huyen").exists()
    assert set(services.communes(province, JAN_2026, rural_only=False).values_list("parent", flat=True)) == {
        province.pk}


def test_old_thai_nguyen_and_bac_kan_end_on_30_june_2025(history):
    old_tn = services.province("19", EVE_2025)
    old_bk = services.province("06", EVE_2025)
    assert (old_tn.name, old_tn.valid_to) == ("Tỉnh Thái Nguyên", EVE_2025)
    assert (old_bk.name, old_bk.valid_to) == ("Tỉnh Bắc Kạn", EVE_2025)
    assert services.units_valid_on(EVE_2025, within=old_bk, level="xa").count() == 108
    assert not services.units_valid_on(JAN_2026, within=old_tn).exists()
    with pytest.raises(Unit.DoesNotExist) as exc:
        services.province("06", JAN_2026)
    assert str(exc.value) == "Không có tỉnh mã 06 còn hiệu lực ngày 1/1/2026."


def test_provinces_carry_their_region(history):
    for date, code in ((MID_2023, "19"), (EVE_2025, "06"), (JAN_2026, "19")):
        assert services.province(code, date).region == Region.TDMNPB
    commune = services.unit_on("05845", JAN_2025)
    assert commune.region == "" and commune.threshold_region() == Region.TDMNPB


@pytest.mark.parametrize(("code", "date", "name", "type_code"), [
    ("05569", MID_2024, "Xã Bảo Cường", "xa"),
    ("05569", JAN_2025, "Thị trấn Chợ Chu", "thi_tran"),
    ("05569", JAN_2026, "Xã Định Hóa", "xa"),
    ("05845", MID_2024, "Xã Ký Phú", "xa"),
    ("05845", JAN_2025, "Xã Vạn Phú", "xa"),
    ("05644", MID_2024, "Xã Phấn Mễ", "xa"),
    ("05644", JAN_2025, "Thị trấn Giang Tiên", "thi_tran"),
    ("05692", BEFORE_NQ729, "Xã Hóa Thượng", "xa"),
    ("05692", MID_2023, "Thị trấn Hóa Thượng", "thi_tran"),
    ("05851", BEFORE_NQ729, "Xã Quân Chu", "xa"),
    ("05851", MID_2023, "Thị trấn Quân Chu", "thi_tran"),
    ("05536", MID_2024, "Thị trấn Chợ Chu", "thi_tran"),
])
def test_a_reused_code_resolves_to_the_version_of_the_date(history, code, date, name, type_code):
    unit = services.unit_on(code, date)
    assert (unit.name, unit.unit_type.code) == (name, type_code)


def test_dropped_codes_have_no_version_after_the_change(history):
    for code in ("05536", "05608", "05839", "05782", "05704"):
        assert services.unit_on(code, JAN_2025) is None
    assert services.unit_on("05764", MID_2023) is None


def test_each_code_has_at_most_one_version_on_any_date(history):
    for date in (BEFORE_NQ729, MID_2023, MID_2024, JAN_2025, EVE_2025, JAN_2026):
        codes = list(Unit.objects.valid_on(date).filter(synthetic=False).values_list("code", flat=True))
        assert len(codes) == len(set(codes)), date


def test_van_phu_was_formed_from_van_tho_and_ky_phu(history):
    # given Xã Vạn Phú as of 1/1/2025
    van_phu = services.unit_on("05845", JAN_2025)
    # then its predecessors are Vạn Thọ and Ký Phú (2023 versions), through one verified NQ 1240 merger
    assert [(u.code, u.name) for u in services.predecessors_of(van_phu)] == [
        ("05845", "Xã Ký Phú"), ("05839", "Xã Vạn Thọ")]
    event = van_phu.starting_events.get()
    assert (event.kind, event.effective_date, event.verified) == (LineageKind.MERGE, dt.date(2024, 12, 1), True)
    assert event.legal_basis == "Nghị quyết 1240/NQ-UBTVQH15 ngày 24/10/2024 của Ủy ban Thường vụ Quốc hội"
    assert "26,67 km²" in event.note and "13.018" in event.note


def test_nq1240_clauses_seen_in_the_act_are_verified_and_the_others_are_not(history):
    events = LineageEvent.objects.filter(effective_date=dt.date(2024, 12, 1), legal_basis__contains="1240")
    verified = {tuple(sorted(u.name for u in e.predecessors.all())): e.verified for e in events}
    assert verified == {
        ("Xã Ký Phú", "Xã Vạn Thọ"): True,
        ("Xã Na Mao",): True,
        ("Thị trấn Trại Cau", "Xã Tân Lợi"): True,
        ("Thị trấn Chợ Chu", "Xã Bảo Cường"): False,
        ("Thị trấn Giang Tiên", "Xã Phấn Mễ"): False,
        ("Xã Phấn Mễ",): False,
    }


def test_na_mao_was_split_between_phu_xuyen_and_phu_cuong(history):
    na_mao = services.unit_on("05782", MID_2023)
    assert [u.name for u in services.successors_of(na_mao)] == ["Xã Phú Cường", "Xã Phú Xuyên"]
    assert na_mao.ending_events.get().kind == LineageKind.SPLIT
    # the receiving communes keep their version across the change
    assert services.unit_on("05797", MID_2023) == services.unit_on("05797", JAN_2025)


def test_tan_loi_merged_into_trai_cau_which_continues(history):
    tan_loi = services.unit_on("05704", MID_2023)
    trai_cau = services.unit_on("05662", JAN_2025)
    assert list(services.successors_of(tan_loi)) == [trai_cau]
    assert list(services.predecessors_of(trai_cau)) == [tan_loi]
    assert trai_cau.valid_from < dt.date(2024, 12, 1)


def test_a_2023_commune_has_a_successor_in_the_2025_province(history):
    # given Xã Ký Phú (2023) and the new province
    ky_phu = services.unit_on("05845", MID_2023)
    new_province = services.province("19", JAN_2026)
    # when we follow the lineage to 2026
    later = services.successors_on(ky_phu, JAN_2026)
    # then it is Xã Vạn Phú of the two-tier province
    assert [(u.code, u.name, u.parent) for u in later] == [("05845", "Xã Vạn Phú", new_province)]
    assert [u.name for u in services.predecessors_on(later[0], MID_2023)] == [
        "Xã Ký Phú", "Xã Vạn Thọ", "Xã Văn Yên"]


def test_every_old_unit_of_june_2025_leads_into_the_new_province(history):
    new_province = services.province("19", JAN_2026)
    for code in ("19", "06"):
        old = services.province(code, EVE_2025)
        communes = services.units_valid_on(EVE_2025, within=old, level="xa").prefetch_related(
            "ending_events__successors")
        assert len(communes) == {"19": 172, "06": 108}[code]
        for commune in communes:
            successors = {s for e in commune.ending_events.all() for s in e.successors.all()} - {commune}
            assert successors, commune
            assert {s.parent_id for s in successors} == {new_province.pk}, commune


def test_a_divided_ward_links_to_every_ward_it_went_to(history):
    cam_gia = services.unit_on("05467", EVE_2025)
    assert cam_gia.name == "Phường Cam Giá"
    assert [u.name for u in services.successors_of(cam_gia)] == ["Phường Gia Sàng", "Phường Tích Lương"]
    event = LineageEvent.objects.get(successors=services.unit_on("05500", JAN_2026))
    assert event.legal_basis == "Nghị quyết 1683/NQ-UBTVQH15 ngày 16/06/2025 của Ủy ban Thường vụ Quốc hội"
    assert "Gồm một phần của: Phường Cam Giá (Thành phố Thái Nguyên)" in event.note


def test_the_provinces_merged_under_nq202(history):
    new_province = services.province("19", JAN_2026)
    event = new_province.starting_events.get()
    assert (event.kind, event.effective_date) == (LineageKind.MERGE, dt.date(2025, 7, 1))
    assert event.legal_basis.startswith("Nghị quyết 202/2025/QH15")
    assert [u.name for u in services.predecessors_of(new_province)] == ["Tỉnh Bắc Kạn", "Tỉnh Thái Nguyên"]


def test_ancestors_of_a_2023_commune_are_its_province_and_district(history):
    commune = services.unit_on("05839", MID_2023)  # Xã Vạn Thọ
    province = services.province("19", MID_2023)
    district = services.unit_on("171", MID_2023)
    assert services.ancestors(commune) == [province, district]
    assert district.name == "Huyện Đại Từ"


def test_bulk_loaded_units_have_path_sort_key_and_search_text(history):
    commune = services.unit_on("05839", MID_2023)
    district, province = commune.parent, commune.parent.parent
    assert commune.path == f"/{province.pk}/{district.pk}/{commune.pk}/"
    assert commune.sort_key == vi_sort_key("Xã Vạn Thọ")
    assert commune.search_text == fold("Xã Vạn Thọ 05839") == "xa van tho 05839"


def test_loading_twice_creates_no_duplicates(history):
    # given the history already loaded
    through_p, through_s = LineageEvent.predecessors.through, LineageEvent.successors.through
    before = (Unit.objects.count(), LineageEvent.objects.count(), through_p.objects.count(),
              through_s.objects.count())
    # when it is loaded again
    result = load_thai_nguyen_history()
    # then nothing is added or changed
    after = (Unit.objects.count(), LineageEvent.objects.count(), through_p.objects.count(),
             through_s.objects.count())
    assert after == before
    assert (result.created, result.updated, result.unchanged) == (0, 0, 403)
    assert result.messages == ["Biến động đơn vị: tạo mới 0, cập nhật 0."]


def test_units_valid_on_filters_by_level_and_loads_ancestors(history, django_assert_num_queries):
    province = services.province("19", MID_2023)
    with django_assert_num_queries(1):
        communes = list(services.units_valid_on(MID_2023, within=province, level="xa"))
        names = {c.parent.parent.name for c in communes}
    assert len(communes) == 177 and names == {"Tỉnh Thái Nguyên"}


def test_a_unit_moved_under_another_parent_takes_its_descendants_along(history):
    # given a district of Thái Nguyên, its communes and their hamlets under its path
    province = Unit.objects.valid_on(MID_2023).get(code="19", unit_type__level__code="tinh")
    district = Unit.objects.valid_on(MID_2023).get(code="173", unit_type__level__code="huyen")
    other = Unit.objects.exclude(pk=province.pk).filter(unit_type__level__code="tinh").first()  # any other version
    below = list(Unit.objects.within(district).values_list("pk", flat=True))
    assert below
    # when it is saved under another province (the admin's change form)
    district.parent = other
    district.save()
    # then its path and every descendant's path start with the new parent's, none is left under the old one
    assert district.path == f"{other.path}{district.pk}/"
    assert sorted(Unit.objects.within(district).values_list("pk", flat=True)) == sorted(below)
    assert not Unit.objects.filter(pk__in=below, path__startswith=f"{province.path}{district.pk}/").exists()
