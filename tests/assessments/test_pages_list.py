"""The commune list (/xa/): scope, filters, diacritic-free search, Vietnamese order, paging and a fixed
number of queries whatever the number of communes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nongthonso.accounts.models import Role
from nongthonso.accounts.services import grant
from nongthonso.assessments import standings
from nongthonso.assessments.models import Assessment
from nongthonso.core.text import format_date, vi_sort_key
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.models import Decision
from nongthonso.units.models import Unit, UnitType

AS_OF = dt.date(2023, 6, 30)
ON = {"as_of": "2023-06-30"}  # the list opens on today; these tests look at the demo's 30/6/2023
NTM_SET = "xa-ntm-2021-2025"
URL = "/xa/"

pytestmark = pytest.mark.django_db


def shown_count(response) -> int:
    match = re.search(r'data-count="(\d+)"', response.content.decode())
    assert match, "the page states how many communes match"
    return int(match.group(1))


def rows(response) -> list[tuple[str, str, str]]:
    """(commune code, commune name, district name) of each row on the page."""
    html = response.content.decode()
    found = re.findall(r'<tr data-unit="([^"]+)">\s*<td data-col="commune"><a [^>]+>([^<]+)</a></td>\s*'
                       r'<td data-col="district">([^<]+)</td>', html)
    return found


def province_communes(province) -> list[Unit]:
    return list(Unit.objects.valid_on(AS_OF).within(province).rural_communes().select_related("parent"))


def district(code: str) -> Unit:
    return Unit.objects.valid_on(AS_OF).get(code=code, unit_type__level__code="huyen")


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("quantri", "quantri@example.vn", "mật-khẩu-thử")
    client.force_login(user)
    return client


def client_for(client, username: str, role: str, unit: Unit):
    user = get_user_model().objects.create_user(username, password="mật-khẩu-thử")
    grant(user, role, unit)
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_the_login_page(client):
    # given no one signed in / when the list is requested
    response = client.get(URL)
    # then the login page is shown, returning to the list afterwards
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


def test_a_superuser_sees_the_126_communes_of_the_province_across_three_pages(superuser_client, province_19):
    # given the demo as of 30/6/2023 / when a superuser pages through the list
    pages = [superuser_client.get(URL, {"as_of": "2023-06-30", "page": n}) for n in (1, 2, 3)]
    # then the count shown is 126, the pages hold 50 + 50 + 26 rows, and together they are exactly the
    # province's rural communes in force that day
    assert [shown_count(p) for p in pages] == [126, 126, 126]
    seen = [r for p in pages for r in rows(p)]
    assert [len(rows(p)) for p in pages] == [50, 50, 26]
    assert sorted(code for code, _, _ in seen) == sorted(c.code for c in province_communes(province_19))
    assert "Trang 1/3" in pages[0].content.decode()


def test_the_default_date_is_today(superuser_client):
    today = timezone.localdate()
    response = superuser_client.get(URL)
    assert f'name="as_of" value="{today.isoformat()}"' in response.content.decode()
    assert shown_count(response) == Unit.objects.valid_on(today).rural_communes().count()


def test_a_bad_date_is_explained_in_vietnamese(superuser_client):
    today = timezone.localdate()
    response = superuser_client.get(URL, {"as_of": "30-06-2023"})
    assert (f"Ngày «30-06-2023» không hợp lệ; đang hiển thị số liệu ngày {format_date(today)}."
            in response.content.decode())
    assert shown_count(response) == Unit.objects.valid_on(today).rural_communes().count()


def test_the_first_page_is_in_vietnamese_alphabetical_order(superuser_client, province_19):
    # given the province's communes sorted by the Vietnamese collation key in Python
    expected = sorted((c.name for c in province_communes(province_19)), key=vi_sort_key)[:50]
    # when the first page is shown
    names = [name for _, name, _ in rows(superuser_client.get(URL, {"as_of": "2023-06-30"}))]
    # then it lists the same names in the same order (đ after d, tones only break ties)
    assert names == expected
    assert names != sorted(names)  # plain code-point order differs, so the test can tell them apart


def test_the_district_filter_keeps_only_that_districts_communes(superuser_client):
    dai_tu = district("171")
    expected = Unit.objects.valid_on(AS_OF).within(dai_tu).rural_communes().count()
    response = superuser_client.get(URL, {**ON, "district": dai_tu.code})
    assert shown_count(response) == expected == 27
    assert {d for _, _, d in rows(response)} == {"Huyện Đại Từ"}


@pytest.mark.parametrize(("level", "expected"), [("xa_ntm", 108), ("xa_ntm_nang_cao", 17),
                                                  ("xa_ntm_kieu_mau", 4), ("chua-dat", 18)])
def test_the_level_filter_counts_communes_at_that_level_or_above(superuser_client, level, expected):
    # given the demo calibrated to the province's 2023 report (108 NTM, 17 advanced, 4 model)
    # when the list is filtered by level / then the count matches the report
    assert shown_count(superuser_client.get(URL, {"as_of": "2023-06-30", "level": level})) == expected


def test_the_criteria_range_is_inclusive_and_counted_from_the_latest_assessment(superuser_client, province_19):
    communes = province_communes(province_19)
    ntm_2023 = Assessment.objects.filter(unit__in=communes, year=2023, criteria_set__code=NTM_SET)
    assert ntm_2023.count() == len(communes)  # every commune's latest assessment up to 2023 is the 2023 one
    expected = ntm_2023.filter(criteria_met__gte=10, criteria_met__lte=12).count()
    assert expected > 0
    response = superuser_client.get(URL, {**ON, "min_criteria": 10, "max_criteria": 12})
    assert shown_count(response) == expected
    assert all(re.search(r"\b1[0-2]/19\b", cell) for cell in
               re.findall(r'<td data-col="criteria" class="num">([^<]+)', response.content.decode()))


def test_an_inverted_criteria_range_is_refused_with_the_fix(superuser_client):
    response = superuser_client.get(URL, {**ON, "min_criteria": 12, "max_criteria": 10})
    assert ("Khoảng số tiêu chí không hợp lệ: «từ» (12) lớn hơn «đến» (10). Sửa lại để «từ» nhỏ hơn hoặc bằng "
            "«đến».") in response.content.decode()
    assert shown_count(response) == 126


@pytest.mark.parametrize("query", ["dai tu", "Đại Từ", "  DAI   TU "])
def test_search_without_diacritics_finds_the_communes_of_dai_tu(superuser_client, query):
    response = superuser_client.get(URL, {**ON, "q": query})
    assert shown_count(response) == 27
    assert {d for _, _, d in rows(response)} == {"Huyện Đại Từ"}


def test_search_matches_commune_names_and_codes(superuser_client):
    response = superuser_client.get(URL, {**ON, "q": "na mao"})
    assert [name for _, name, _ in rows(response)] == ["Xã Na Mao"]
    code, _, _ = rows(response)[0]
    assert [c for c, _, _ in rows(superuser_client.get(URL, {**ON, "q": code}))] == [code]


def test_filters_combine(superuser_client):
    dai_tu = district("171")
    response = superuser_client.get(URL, {**ON, "district": dai_tu.code, "level": "chua-dat"})
    communes = Unit.objects.valid_on(AS_OF).within(dai_tu).rural_communes()
    ntm = Decision.objects.filter(units__in=communes, level="xa_ntm", date__lte=AS_OF,
                                  kind="recognition").values("units").distinct().count()
    assert shown_count(response) == communes.count() - ntm == 3


def test_a_district_office_lists_only_its_district(client):
    # given a district office of Đồng Hỷ
    dong_hy, dai_tu = district("169"), district("171")
    client = client_for(client, "vp_dong_hy", Role.DISTRICT_OFFICE, dong_hy)
    # when it opens the list / then it sees Đồng Hỷ's 12 communes only
    response = client.get(URL, ON)
    assert shown_count(response) == 12
    assert {d for _, _, d in rows(response)} == {"Huyện Đồng Hỷ"}
    # and asking for another district is refused, still showing only its own communes
    response = client.get(URL, {**ON, "district": dai_tu.code})
    assert "Huyện đã chọn không thuộc phạm vi bạn được xem; chọn lại trong danh sách." in response.content.decode()
    assert shown_count(response) == 12


def test_a_commune_officer_lists_only_its_commune(client):
    commune = Unit.objects.valid_on(AS_OF).rural_communes().get(name="Xã Na Mao")
    client = client_for(client, "can_bo_na_mao", Role.COMMUNE_OFFICER, commune)
    response = client.get(URL, ON)
    assert shown_count(response) == 1
    assert [code for code, _, _ in rows(response)] == [commune.code]


def test_a_user_without_a_role_sees_no_commune_and_is_told_why(client):
    user = get_user_model().objects.create_user("chua_co_vai_tro", password="mật-khẩu-thử")
    client.force_login(user)
    response = client.get(URL)
    assert shown_count(response) == 0
    assert "Tài khoản của bạn chưa được giao vai trò theo đơn vị nào" in response.content.decode()


# ------------------------------------------------------------------------------------------ query counts


def synthetic_province(small: int, large: int) -> tuple[Unit, Unit, Unit]:
    """A synthetic province with two districts of ``small`` and ``large`` communes; every commune has a 2023
    NTM assessment and every other one a recognition decision."""
    types = {t.code: t for t in UnitType.objects.filter(code__in=["tinh", "huyen", "xa"])}
    start = dt.date(2000, 1, 1)
    province = Unit.objects.create(code="T90", name="Tỉnh Thử Nghiệm", unit_type=types["tinh"], valid_from=start,
                                   synthetic=True)
    districts = []
    for d, size in ((1, small), (2, large)):
        dist = Unit.objects.create(code=f"T90{d}", name=f"Huyện Thử {d}", unit_type=types["huyen"],
                                   parent=province, valid_from=start, synthetic=True)
        for i in range(size):
            Unit.objects.create(code=f"T90{d}{i:03d}", name=f"Xã Thử Nghiệm {d}-{i}", unit_type=types["xa"],
                                parent=dist, valid_from=start, synthetic=True)
        districts.append(dist)
    communes = list(Unit.objects.within(province).rural_communes())
    cset = CriteriaSet.objects.get(code=NTM_SET, superseded_by__isnull=True)
    Assessment.objects.bulk_create(Assessment(unit=c, year=2023, criteria_set=cset, synthetic=True,
                                              criteria_met=10 + i % 10, criteria_total=19)
                                   for i, c in enumerate(communes))
    standings.refresh(c.pk for c in communes)  # bulk_create sends no signals: as any bulk writer must
    decision = Decision.objects.create(number="1/QĐ-THU", date=dt.date(2022, 5, 1), authority="UBND tỉnh Thử",
                                       level="xa_ntm", for_year=2021, synthetic=True)
    decision.units.set(communes[::2])
    return province, districts[0], districts[1]


def count_queries(client, params=None) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {**ON, **(params or {})})
    assert response.status_code == 200
    return len(ctx.captured_queries), shown_count(response)


def test_the_list_runs_the_same_number_of_queries_for_10_and_for_200_communes(client):
    # given a province of 200 communes: a district of 10 and one of 190
    province, small, _large = synthetic_province(10, 190)
    district_user = get_user_model().objects.create_user("vp_huyen_thu", password="x")
    grant(district_user, Role.DISTRICT_OFFICE, small)
    province_user = get_user_model().objects.create_user("vp_tinh_thu", password="x")
    grant(province_user, Role.PROVINCE_OFFICE, province)
    # when the district office (10 communes) and the province office (200) open the list
    client.force_login(district_user)
    district_queries, district_count = count_queries(client)
    client.force_login(province_user)
    province_queries, province_count = count_queries(client)
    # then both see their scope, with the same number of queries
    assert (district_count, province_count) == (10, 200)
    assert district_queries == province_queries
    # session, user, memberships, the versions their units succeeded (lineage), communes, the districts they are
    # grouped by, decisions, 2 × merger check, assessments, the header's count of unread notifications
    assert province_queries <= 11


def test_filters_do_not_change_the_number_of_queries(superuser_client):
    _province, small, _large = synthetic_province(10, 190)
    baseline, total = count_queries(superuser_client)
    by_district, n_small = count_queries(superuser_client, {"district": small.code})
    filtered, _ = count_queries(superuser_client, {"q": "thu nghiem", "min_criteria": 12, "level": "xa_ntm"})
    assert (total, n_small) == (126 + 200, 10)
    assert baseline == by_district == filtered


# ------------------------------------------------------------------------------------------ two tiers


def test_in_2026_the_list_groups_the_communes_by_their_former_district(superuser_client):
    # given the new province (communes directly under it since 1/7/2025)
    on = {"as_of": "2026-06-30"}
    response = superuser_client.get(URL, on)
    html = response.content.decode()
    # then there is no district in force: the column and the filter name the former district, from lineage
    assert shown_count(response) == 77  # the xã in force then (the 15 phường are not rural)
    assert '<th scope="col">Huyện cũ (theo lịch sử đơn vị)</th>' in html
    assert "Tỉnh Thái Nguyên</td>" not in html
    found = {name: group for _, name, group in rows(superuser_client.get(URL, {**on, "q": "van phu"}))}
    assert found == {"Xã Vạn Phú": "Huyện Đại Từ (cũ)"}
    # and the filter keeps the communes formed mostly from a former district's communes
    by_former = rows(superuser_client.get(URL, {**on, "district": "171"}))
    assert len(by_former) > 1 and {group for _, _, group in by_former} == {"Huyện Đại Từ (cũ)"}


def test_in_2026_the_list_can_group_by_commune_group(superuser_client, settings):
    settings.NONGTHONSO_REPORT_GROUPING = "nhom-xa"
    response = superuser_client.get(URL, {"as_of": "2026-06-30", "district": "nhom-3"})
    html = response.content.decode()
    assert '<th scope="col">Nhóm xã (Quyết định 51/2025/QĐ-TTg)</th>' in html
    assert rows(response) and {group for _, _, group in rows(response)} == {
        "Nhóm 3 (khu vực II, III vùng đồng bào DTTS và miền núi)"}
