"""Reports for a two-tier province (from 1/7/2025): the demo's new Thái Nguyên (old Thái Nguyên + old Bắc Kạn, 92
commune-level units directly under the province) on 30/6/2026, with a handful of raw 2026 inputs created by each
test — decisions, 2026 self-assessments on the 2026-2030 set, registrations, commune groups. The summary, its
paragraph, the grouping of the tables (former district from lineage, commune group), the province's completion, the
dashboards and the exports. Whatever 2026 data another part of the demo adds is cleared first, so that every figure
below follows from the inputs written here."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import Counter

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nongthonso.assessments.bulk import store_values
from nongthonso.assessments.evaluation import unit_context
from nongthonso.assessments.models import Assessment
from nongthonso.assessments.services import get_or_create_assessment
from nongthonso.core.text import vi_sort_key
from nongthonso.criteria.catalogue import compiled
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.demo import ocop_demo
from nongthonso.recognition.models import Decision, Registration
from nongthonso.recognition.services import statuses_on
from nongthonso.reports import documents, selectors
from nongthonso.reports.documents.figures import report_figures
from nongthonso.reports.services import (
    CriteriaSetFigures,
    LevelDecisions,
    ProvinceDecision,
    SummaryGrouping,
    summary,
    summary_text,
    summary_text_en,
)
from nongthonso.units import groupings
from nongthonso.units.choices import LineageKind
from nongthonso.units.models import CommuneGroupAssignment, LineageEvent, Unit

AS_OF = dt.date(2026, 6, 30)
EVE = dt.date(2025, 6, 30)  # the last day of the three-tier structure
SET_2026 = "xa-ntm-2026-2030"
URL = "/bang-dieu-khien/"
PROVINCE_AUTHORITY = "UBND tỉnh Thái Nguyên"

# the communes the tests give data to (names of the demo's 2025 units, from the official lineage)
DAI_PHUC = "Xã Đại Phúc"  # formed from communes of three former districts: Đại Từ 2, TP Thái Nguyên 2, Phổ Yên 1
BACH_THONG = "Xã Bạch Thông"  # old Bắc Kạn: Bạch Thông 2, Chợ Đồn 1
PHONG_QUANG = "Xã Phong Quang"  # old Bắc Kạn: TP Bắc Kạn 1, Bạch Thông 1 (a tie)


def province() -> Unit:
    return Unit.objects.valid_on(AS_OF).get(code="19", unit_type__level__code="tinh")


def xa(name: str) -> Unit:
    return Unit.objects.valid_on(AS_OF).within(province()).rural_communes().get(name=name)


def rural_communes() -> list[Unit]:
    return list(Unit.objects.valid_on(AS_OF).within(province()).rural_communes().order_by("code"))


def predecessors(unit: Unit) -> list[Unit]:
    event = LineageEvent.objects.get(kind=LineageKind.MERGE, effective_date=unit.valid_from, successors=unit)
    return list(event.predecessors.select_related("parent"))


def decide(number: str, date: dt.date, level: str, units: list[Unit], *, for_year: int | None,
           authority: str = PROVINCE_AUTHORITY, kind: str = Decision.Kind.RECOGNITION) -> Decision:
    decision = Decision.objects.create(number=number, date=date, authority=authority, kind=kind, level=level,
                                       for_year=for_year)
    decision.units.set(units)
    return decision


def place_in_group(unit: Unit, group: int) -> None:
    CommuneGroupAssignment.objects.create(unit=unit, group=group, valid_from=dt.date(2026, 2, 15),
                                          decision_number="15/QĐ-UBND", decision_date=dt.date(2026, 2, 10),
                                          authority=PROVINCE_AUTHORITY)


def _value(cs, col: int, threshold: float, passing: bool):
    op, kind = cs.comparators[col], cs.value_types[col]
    if kind == "boolean":
        return bool(threshold) if passing else not bool(threshold)
    if op in (">=", ">"):
        return float(threshold) + (1 if op == ">" else 0) if passing else float(threshold) - 1
    if op in ("<=", "<"):
        return float(threshold) - (1 if op == "<" else 0) if passing else float(threshold) + 1
    return threshold if passing else None


def assess(unit: Unit, failing: set[str]) -> Assessment:
    """A 2026 self-assessment on the 2026-2030 set: raw values meeting every criterion except ``failing`` (their
    first indicator misses its threshold). The engine, not this helper, says how many criteria are met."""
    cset = CriteriaSet.objects.get(code=SET_2026, superseded_by__isnull=True)
    ctx = unit_context(unit)
    cs = compiled(cset, ctx.province_code)
    thresholds = cs.thresholds_for(2026, cs.threshold_class(region=ctx.region, group=ctx.group_in(2026)))
    fail_cols = {min(i for i, c in enumerate(cs.indicator_criterion) if cs.criteria_codes[c] == code)
                 for code in failing}
    assessment = get_or_create_assessment(unit, 2026, cset)
    indicators = {i.code: i for i in cset.indicators.all()}
    store_values([(assessment, indicators[code], _value(cs, col, thresholds[col], col not in fail_cols), "", "")
                  for col, code in enumerate(cs.indicator_codes)])
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def clean_2026(db):
    """The new province with none of its own inputs yet: no decision, no 2026 dossier, registration or commune
    group (whatever another part of the demo may add), so every figure below comes from the tests' inputs."""
    Decision.objects.all().delete()
    Registration.objects.filter(target_year__gte=2026).delete()
    ocop_demo.clear()  # the OCOP section of the summary: none
    Assessment.objects.filter(unit__valid_from__gte=dt.date(2025, 7, 1)).delete()
    CommuneGroupAssignment.objects.all().delete()


@pytest.fixture
def world(clean_2026):
    """The given of most tests:

    - Xã Đại Phúc: formed on 1/7/2025 from five communes, all recognised NTM in 2025 before the merger, and no
      decision of its own yet → holds NTM provisionally; group 1; 2026 self-assessment failing criteria 3 and 7;
    - Xã Bạch Thông (old Bắc Kạn): recognised NTM (for 2025) on 20/3/2026; group 3; meets all 10; registered for
      "NTM hiện đại" in 2026;
    - Xã Phong Quang (old Bắc Kạn): recognised NTM on 10/4/2026 and "xã NTM hiện đại" on 15/5/2026 (both for
      2025); group 2; meets all 10;
    - two other communes, in group 3, registered for NTM in 2026; the first has a self-assessment failing 4
      criteria.
    """
    dai_phuc, bach_thong, phong_quang = xa(DAI_PHUC), xa(BACH_THONG), xa(PHONG_QUANG)
    decide("45/QĐ-UBND", dt.date(2025, 3, 10), Level.XA_NTM, predecessors(dai_phuc), for_year=2024)
    decide("210/QĐ-UBND", dt.date(2026, 3, 20), Level.XA_NTM, [bach_thong], for_year=2025)
    decide("305/QĐ-UBND", dt.date(2026, 4, 10), Level.XA_NTM, [phong_quang], for_year=2025)
    decide("402/QĐ-UBND", dt.date(2026, 5, 15), Level.XA_HIEN_DAI, [phong_quang], for_year=2025)
    others = [c for c in rural_communes() if c.pk not in {dai_phuc.pk, bach_thong.pk, phong_quang.pk}][:2]
    for unit, group in ((dai_phuc, 1), (bach_thong, 3), (phong_quang, 2), (others[0], 3), (others[1], 3)):
        place_in_group(unit, group)
    met = {unit.name: assess(unit, failing).criteria_met for unit, failing in (
        (dai_phuc, {"3", "7"}), (bach_thong, set()), (phong_quang, set()), (others[0], {"1", "2", "5", "9"}))}
    for unit, level in ((others[0], Level.XA_NTM), (others[1], Level.XA_NTM), (bach_thong, Level.XA_HIEN_DAI)):
        Registration.objects.create(unit=unit, target_level=level, target_year=2026,
                                    registered_on=dt.date(2026, 1, 15))
    return {"dai_phuc": dai_phuc, "bach_thong": bach_thong, "phong_quang": phong_quang, "others": others,
            "met": met}


PARAGRAPH_2026 = (
    "Trong 6 tháng đầu năm 2026, đã công nhận 2 xã đạt chuẩn nông thôn mới, 1 xã nông thôn mới hiện đại năm 2025. "
    "Đến nay, toàn tỉnh có 3/77 xã đạt chuẩn nông thôn mới, bằng 3,9% tổng số xã, trong đó 1 xã hình thành sau "
    "sắp xếp đơn vị hành chính được tạm giữ mức đạt chuẩn, chờ quyết định công nhận; 1 xã nông thôn mới hiện đại; "
    "bình quân đạt 8,5/10 tiêu chí/xã theo Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030 (Quyết "
    "định 51/2025/QĐ-TTg), tính trên 4/77 xã đã có bản đánh giá; 2 xã đạt đủ 10/10 tiêu chí. Năm 2026, có 2 xã "
    "đăng ký đạt chuẩn nông thôn mới; 1 xã đăng ký xây dựng xã nông thôn mới hiện đại. Tỉnh Thái Nguyên chưa được "
    "công nhận hoàn thành nhiệm vụ xây dựng nông thôn mới (Quyết định 51/2025/QĐ-TTg, Phụ lục III). Mục tiêu đến "
    "năm 2030 (Nghị quyết 257/2025/QH15, theo tin báo chí, chưa đối chiếu văn bản): khoảng 65% số xã đạt chuẩn "
    "nông thôn mới (hiện đạt 3,9%) và khoảng 10% số xã nông thôn mới hiện đại (hiện đạt 1,3%)."
)


# --- the summary ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_given_inputs_are_what_the_engine_and_the_units_say(world):
    # the new province has 77 xã (and 15 phường, not counted) directly under it
    assert len(rural_communes()) == 77
    assert all(c.parent_id == province().pk for c in rural_communes())
    # the engine, over the raw values, meets exactly the criteria the inputs were written to meet
    assert world["met"] == {DAI_PHUC: 8, BACH_THONG: 10, PHONG_QUANG: 10, world["others"][0].name: 6}


@pytest.mark.django_db
def test_the_2026_summary_counts_the_new_province(world):
    data = summary("19", AS_OF)
    assert {k: getattr(data, k) for k in ("communes_total", "ntm", "ntm_pct", "provisional", "modern", "advanced",
                                          "model", "model_hamlets", "communes_assessed", "avg_criteria",
                                          "criteria_met_sum", "min_criteria", "communes_all_met", "criteria_total",
                                          "structure")} == {
        "communes_total": 77, "ntm": 3, "ntm_pct": 3.9, "provisional": 1, "modern": 1, "advanced": 0, "model": 0,
        "model_hamlets": 0, "communes_assessed": 4, "avg_criteria": 8.5, "criteria_met_sum": 34, "min_criteria": 6,
        "communes_all_met": 2, "criteria_total": 10, "structure": "two_tier"}
    assert data.criteria_sets == [CriteriaSetFigures(
        code=SET_2026, name="Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030",
        legal_basis="Quyết định 51/2025/QĐ-TTg ngày 29/12/2025, Phụ lục I", criteria=10, communes=4,
        criteria_met_sum=34, all_met=2, avg_criteria=8.5)]
    assert data.criteria_distribution == {"6": 1, "8": 1, "10": 2}
    # the levels of 2026: NTM (the 2026-2030 set is in force) and those the decisions and registrations name
    assert data.decisions_in_period == {Level.XA_NTM: LevelDecisions(communes=2, for_years=[2025]),
                                        Level.XA_HIEN_DAI: LevelDecisions(communes=1, for_years=[2025])}
    assert data.registrations == {Level.XA_NTM: 2, Level.XA_HIEN_DAI: 1}
    # no district anywhere
    assert data.completed_districts == [] and data.district_decisions_in_period == []
    assert data.grouping == SummaryGrouping("huyen-cu", "Huyện cũ (theo lịch sử đơn vị)")


@pytest.mark.django_db
def test_the_2026_paragraph(world):
    data = summary("19", AS_OF)
    assert summary_text(data) == PARAGRAPH_2026
    assert "huyện" not in summary_text(data).lower()
    assert summary_text_en(data) == (
        "In the first 6 months of 2026, 2 communes meeting the new rural standard and 1 commune recognised as a "
        "modern new rural commune were recognised for 2025. To date, Tỉnh Thái Nguyên has 3/77 communes meeting the "
        "new rural standard (3,9% of all communes), of which 1 formed by the reorganisation of administrative units "
        "hold the standard provisionally, awaiting a recognition decision; 1 modern new rural commune; communes meet "
        "8,5/10 criteria on average under the Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030 (Quyết "
        "định 51/2025/QĐ-TTg), counting the 4/77 communes assessed; 2 communes meet all 10. For 2026, 2 communes "
        "registered to meet the new rural standard; 1 commune registered to become a modern new rural commune. "
        "Tỉnh Thái Nguyên has not yet been recognised as having completed the new rural development programme "
        "(Quyết định 51/2025/QĐ-TTg, Phụ lục III). Targets for 2030 (Nghị quyết 257/2025/QH15, as reported in the "
        "press, not checked): about 65% of communes meeting the new rural standard (now 3,9%) and about 10% of "
        "communes recognised as modern new rural communes (now 1,3%).")


@pytest.mark.django_db
def test_the_summary_follows_the_reference_computation_in_2026(world, reference_summary):
    assert summary("19", AS_OF).to_dict() == reference_summary("19", AS_OF)


@pytest.mark.django_db
def test_the_province_completion_without_and_with_a_decision(world):
    # given no decision at the province level: not completed; the targets beside the shares reached
    completion = summary("19", AS_OF).province_completion
    assert {k: getattr(completion, k) for k in ("level", "legal_basis", "applies", "completed", "decision",
                                                "decision_in_period")} == {
        "level": Level.TINH_HOAN_THANH, "legal_basis": "Quyết định 51/2025/QĐ-TTg, Phụ lục III", "applies": True,
        "completed": False, "decision": None, "decision_in_period": False}
    assert [(t.code, t.level, t.target_pct, t.by_year, t.communes, t.actual_pct, t.verified)
            for t in completion.targets] == [("xa-ntm", Level.XA_NTM, 65.0, 2030, 3, 3.9, False),
                                                ("xa-ntm-hien-dai", Level.XA_HIEN_DAI, 10.0, 2030, 1, 1.3, False)]
    assert all("257/2025/QH15" in t.source for t in completion.targets)

    # a decision for the OLD province (its 2023 version) is not the new province's completion
    old = Unit.objects.valid_on(EVE).get(code="19", unit_type__level__code="tinh")
    decide("88/QĐ-TTg", dt.date(2025, 5, 5), Level.TINH_HOAN_THANH, [old], for_year=2024,
           authority="Thủ tướng Chính phủ")
    assert summary("19", AS_OF).province_completion.completed is False

    # when the Prime Minister recognises the new province
    decide("123/QĐ-TTg", dt.date(2026, 6, 20), Level.TINH_HOAN_THANH, [province()], for_year=2025,
           authority="Thủ tướng Chính phủ")
    data = summary("19", AS_OF)
    completion = data.province_completion
    assert (completion.completed, completion.decision_in_period) == (True, True)
    assert completion.decision == ProvinceDecision(number="123/QĐ-TTg", date=dt.date(2026, 6, 20),
                                                   authority="Thủ tướng Chính phủ", kind="recognition",
                                                   level=Level.TINH_HOAN_THANH, for_year=2025)
    text = summary_text(data)
    assert ("Ngày 20/6/2026, Thủ tướng Chính phủ đã ban hành Quyết định số 123/QĐ-TTg công nhận tỉnh Thái Nguyên "
            "hoàn thành nhiệm vụ xây dựng nông thôn mới năm 2025.") in text
    assert "chưa được công nhận" not in text
    # a year on, the decision is history: the province stands completed
    later = summary_text(summary("19", dt.date(2027, 6, 30)))
    assert "Tỉnh Thái Nguyên đã được công nhận hoàn thành nhiệm vụ xây dựng nông thôn mới (Quyết định số " \
           "123/QĐ-TTg ngày 20/6/2026)." in later


@pytest.mark.django_db
def test_the_2023_summary_has_the_new_keys_and_says_nothing_of_them(province_19):
    data = summary("19", dt.date(2023, 6, 30))
    assert data.structure == "three_tier" and data.grouping == SummaryGrouping("don-vi", "Đơn vị")
    assert (data.modern, data.criteria_total, data.communes_all_met) == (0, 19, data.criteria_distribution["19"])
    assert data.province_completion.applies is False and data.province_completion.targets == []
    assert list(data.decisions_in_period) == [Level.XA_NTM, Level.XA_NANG_CAO, Level.XA_KIEU_MAU]


@pytest.mark.django_db
def test_the_command_line_gives_the_2026_report(world):
    out = io.StringIO()
    call_command("report", "summary", "--unit", "19", "--as-of", "2026-06-30", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["communes_total"], data["communes_assessed"], data["avg_criteria"], data["criteria_total"]) == (
        77, 4, 8.5, 10)
    out = io.StringIO()
    call_command("report", "summary", "--unit", "19", "--as-of", "2026-06-30", stdout=out)
    assert out.getvalue().strip() == PARAGRAPH_2026


# --- grouping ---------------------------------------------------------------------------------------------

def former_district_reference() -> dict[str, Counter]:
    """Commune name → Counter(former district name → predecessors), the slow way: each new xã's merge event, each
    predecessor's parent."""
    return {c.name: Counter(p.parent.name for p in predecessors(c)) for c in rural_communes()}


@pytest.mark.django_db
def test_communes_are_grouped_by_their_former_district_from_lineage(world):
    scope = selectors.Scope(province(), AS_OF)
    grouping = scope.grouping
    assert grouping.kind == "huyen-cu" and grouping.label == "Huyện cũ (theo lịch sử đơn vị)"
    row_of = {c.name: scope.group_of(c).name for c in scope.communes}
    # the commune formed from communes of three former districts goes to the one that gave most (Đại Từ and
    # thành phố Thái Nguyên gave 2 each: Vietnamese order decides), the others are named
    assert former_district_reference()[DAI_PHUC] == Counter(
        {"Huyện Đại Từ": 2, "Thành phố Thái Nguyên": 2, "Thành phố Phổ Yên": 1})
    assert row_of[DAI_PHUC] == "Huyện Đại Từ (cũ)"
    assert [g.name for g in grouping.also_from[world["dai_phuc"].pk]] == ["Thành phố Thái Nguyên (cũ)",
                                                                           "Thành phố Phổ Yên (cũ)"]
    # old Bắc Kạn communes, the tie of Phong Quang (TP Bắc Kạn 1, Bạch Thông 1) included
    assert (row_of[BACH_THONG], row_of[PHONG_QUANG]) == ("Huyện Bạch Thông (cũ)", "Huyện Bạch Thông (cũ)")
    # every commune as the slow computation says
    expected = {}
    for name, counter in former_district_reference().items():
        best = min(counter, key=lambda d: (-counter[d], vi_sort_key(d)))
        expected[name] = f"{best} (cũ)"
    assert row_of == expected
    assert [g.name for g in grouping.groups] == sorted(set(expected.values()), key=vi_sort_key)

    rows = {r.name: r for r in selectors.group_table(province(), AS_OF, scope=scope)}
    assert sum(r.communes for r in rows.values()) == 77
    bach_thong = rows["Huyện Bạch Thông (cũ)"]
    assert (bach_thong.communes, bach_thong.ntm, bach_thong.modern, bach_thong.assessed, bach_thong.avg_criteria) == (
        sum(1 for v in expected.values() if v == "Huyện Bạch Thông (cũ)"), 2, 1, 2, 10.0)
    assert bach_thong.note == ("Xã Bạch Thông gồm một phần từ huyện Chợ Đồn (cũ); Xã Phong Quang gồm một phần từ "
                               "thành phố Bắc Kạn (cũ)")
    dai_tu = rows["Huyện Đại Từ (cũ)"]
    assert (dai_tu.ntm, dai_tu.assessed, dai_tu.avg_criteria) == (1, 1, 8.0)
    assert dai_tu.note == "Xã Đại Phúc gồm một phần từ thành phố Thái Nguyên (cũ), thành phố Phổ Yên (cũ)"
    assert sum(r.ntm for r in rows.values()) == 3 and sum(r.modern for r in rows.values()) == 1


@pytest.mark.django_db
def test_communes_are_grouped_by_commune_group(world):
    rows = selectors.group_table(province(), AS_OF, group_by="nhom-xa")
    assert [(r.key, r.name, r.communes, r.ntm, r.modern, r.assessed, r.avg_criteria) for r in rows] == [
        ("nhom-1", "Nhóm 1 (ven đô thị, định hướng đô thị hóa)", 1, 1, 0, 1, 8.0),
        ("nhom-2", "Nhóm 2", 1, 1, 1, 1, 10.0),
        ("nhom-3", "Nhóm 3 (khu vực II, III vùng đồng bào DTTS và miền núi)", 3, 1, 0, 2, 8.0),
        ("chua-xep-nhom", "Chưa xếp nhóm", 72, 0, 0, 0, None),
    ]
    assert summary("19", AS_OF, grouping="nhom-xa").grouping == SummaryGrouping(
        "nhom-xa", "Nhóm xã (Quyết định 51/2025/QĐ-TTg)")


@pytest.mark.django_db
def test_the_setting_chooses_the_grouping(world, settings):
    settings.NONGTHONSO_REPORT_GROUPING = "nhom-xa"
    assert selectors.Scope(province(), AS_OF).grouping.kind == "nhom-xa"
    assert summary("19", AS_OF).grouping.code == "nhom-xa"
    # the three-tier years keep their districts whatever the setting
    old = Unit.objects.valid_on(EVE).get(code="19", unit_type__level__code="tinh")
    assert selectors.Scope(old, EVE).grouping.kind == "don-vi"
    settings.NONGTHONSO_REPORT_GROUPING = "theo-ý-thích"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="NONGTHONSO_REPORT_GROUPING"):
        groupings.configured()


@pytest.mark.django_db
def test_the_lineage_is_read_in_a_few_queries_whatever_the_number_of_communes(world):
    root = province()
    communes = selectors.Scope(root, AS_OF).communes
    counts = []
    for some in (communes[:5], communes):
        with CaptureQueriesContext(connection) as ctx:
            groupings.resolve(some, root, AS_OF)
        counts.append(len(ctx.captured_queries))
    # one step back in the lineage (two queries), the districts' names (one)
    assert counts == [3, 3]
    with CaptureQueriesContext(connection) as ctx:
        groupings.resolve(communes, root, AS_OF, "nhom-xa")
    assert len(ctx.captured_queries) == 1


# --- pages ------------------------------------------------------------------------------------------------

def _headers(html: str) -> list[str]:
    return re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', html)


@pytest.mark.django_db
def test_the_dashboard_of_2026_groups_by_former_district_and_names_no_district(admin_client, world):
    html = admin_client.get(URL, {"as_of": "2026-06-30"}).content.decode()
    assert '<div class="figure" data-figure="ntm"><b>3/77</b><span>xã đạt chuẩn NTM (3,9%)</span></div>' in html
    assert '<div class="figure" data-figure="modern"><b>1</b>' in html
    assert '<div class="figure" data-figure="avg_criteria"><b>8,5/10</b>' in html
    assert '<table data-table="groups" data-grouping="huyen-cu">' in html and "data-district=" not in html
    assert "Kết quả theo huyện cũ (theo lịch sử đơn vị)" in html
    # no column header says «huyện» except the labelled former-district grouping
    headers = _headers(html)
    assert "Huyện cũ (theo lịch sử đơn vị)" in headers
    assert [h for h in headers if "huyện" in h.lower()] == ["Huyện cũ (theo lịch sử đơn vị)"] * headers.count(
        "Huyện cũ (theo lịch sử đơn vị)")
    assert ('<th scope="row">Huyện Đại Từ (cũ)<br><span class="note">Xã Đại Phúc gồm một phần từ thành phố Thái '
            'Nguyên (cũ), thành phố Phổ Yên (cũ)</span></th>') in html
    assert 'data-completion="not-completed"' in html and 'data-target="xa-ntm-hien-dai"' in html
    assert "chưa đối chiếu văn bản" in html  # the targets come from press summaries
    assert PARAGRAPH_2026 in html


@pytest.mark.django_db
def test_the_dashboard_groups_by_commune_group_on_request(admin_client, world):
    html = admin_client.get(URL, {"as_of": "2026-06-30", "nhom": "nhom-xa"}).content.decode()
    assert '<table data-table="groups" data-grouping="nhom-xa">' in html
    assert [h for h in _headers(html) if "huyện" in h.lower()] == []
    assert re.findall(r'<tr data-group="([\w-]+)">', html) == ["nhom-1", "nhom-2", "nhom-3", "chua-xep-nhom"]
    html = admin_client.get(URL, {"as_of": "2026-06-30", "nhom": "tinh-thanh"}).content.decode()
    assert "Cách nhóm «tinh-thanh» không có" in html and 'data-grouping="huyen-cu"' in html


@pytest.mark.django_db
def test_both_dates_render_on_the_public_pages(client, world):
    html = client.get("/", {"as_of": "2026-06-30"}).content.decode()
    assert '<b>3/77</b>' in html and 'data-grouping="huyen-cu"' in html
    # dossiers of 2026 are drafts: no criteria figure is published
    assert '<div class="figure" data-figure="avg_criteria"><b>—</b>' in html
    html = client.get("/", {"as_of": "2023-06-30"}).content.decode()
    assert 'data-table="districts"' in html and 'data-grouping' not in html
    html = client.get("/cong-khai/xa-dat-chuan/", {"as_of": "2026-06-30"}).content.decode()
    ntm = re.search(rf'<table data-level="{Level.XA_NTM}">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'<tr data-commune="(\w+)">', ntm) == [c.code for c in sorted(
        (world["bach_thong"], world["dai_phuc"], world["phong_quang"]), key=lambda c: c.sort_key)]
    assert f'<table data-level="{Level.XA_HIEN_DAI}">' in html
    assert f'<table data-level="{Level.XA_NANG_CAO}">' not in html  # a 2021-2025 level no commune holds
    # filtered by a former district: its code
    code = next(p.parent.code for p in predecessors(world["bach_thong"]) if p.parent.name == "Huyện Bạch Thông")
    html = client.get("/cong-khai/xa-dat-chuan/", {"as_of": "2026-06-30", "huyen": code}).content.decode()
    assert f'<option value="{code}" selected>Huyện Bạch Thông (cũ)</option>' in html
    rows = re.findall(r'<tr data-commune="(\w+)">', re.search(
        rf'<table data-level="{Level.XA_NTM}">(.*?)</table>', html, re.S).group(1))
    assert rows == [c.code for c in sorted((world["bach_thong"], world["phong_quang"]), key=lambda c: c.sort_key)]


@pytest.mark.django_db
def test_a_commune_officer_of_2026_sees_the_province(client, django_user_model, world):
    from nongthonso.accounts.services import grant

    user = django_user_model.objects.create_user("canbo.daiphuc", password=None)
    grant(user, "commune_officer", world["dai_phuc"])
    client.force_login(user)
    html = client.get(URL, {"as_of": "2026-06-30"}).content.decode()
    # the unit above the commune is the province itself (no district): its published figures, the commune's alerts
    assert "Số liệu của Tỉnh Thái Nguyên là số liệu đã công bố" in html
    assert "<h1>Kết quả xây dựng nông thôn mới — Tỉnh Thái Nguyên</h1>" in html


QUERY_BOUND_2026 = 120  # the merger rule (statuses of merged communes) costs a few queries per date counted


@pytest.mark.django_db
def test_the_2026_dashboard_queries_do_not_grow_with_the_data(admin_client, world, count_queries):
    params = {"as_of": "2026-06-30"}
    before = count_queries(admin_client, URL, params)
    # more of the same: ten more merged communes whose predecessors were all NTM, three more dossiers
    more = [c for c in rural_communes() if c.pk not in {world["dai_phuc"].pk, world["bach_thong"].pk,
                                                          world["phong_quang"].pk, *(o.pk for o in world["others"])}]
    decide("46/QĐ-UBND", dt.date(2025, 3, 11), Level.XA_NTM, [p for c in more[:10] for p in predecessors(c)],
           for_year=2024)
    for unit in more[10:13]:
        place_in_group(unit, 2)
        assess(unit, {"4"})
    after = count_queries(admin_client, URL, params)
    assert before == after <= QUERY_BOUND_2026
    assert summary("19", AS_OF).communes_assessed == 7


# --- exports ----------------------------------------------------------------------------------------------

def _without_former_districts(text: str) -> str:
    text = re.sub(r"[Hh]uyện cũ", "", text)
    return re.sub(r"[Hh]uyện [^()\n]*? \(cũ\)", "", text)


@pytest.mark.django_db
def test_the_2026_exports_have_no_district_wording(world):
    figures = report_figures("19", AS_OF)
    wb = openpyxl.load_workbook(io.BytesIO(documents.build("xlsx", figures)))
    assert wb.sheetnames == ["Tổng hợp", "Theo huyện cũ", "Theo tiêu chí"]
    items = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert (items["Tổng số xã"], items["Xã đạt chuẩn nông thôn mới"], items["Xã nông thôn mới hiện đại"],
            items["Số tiêu chí của bộ"], items["Số xã đạt đủ tiêu chí của bộ"]) == (77, 3, 1, 10, 2)
    assert items["Tỉnh hoàn thành nhiệm vụ xây dựng NTM (Quyết định 51/2025/QĐ-TTg, Phụ lục III)"] == "Chưa công nhận"
    assert not any("huyện" in str(label).lower() for label in items)
    sheet = list(wb["Theo huyện cũ"].iter_rows(values_only=True))
    assert sheet[0][1] == "Huyện cũ (theo lịch sử đơn vị)" and sheet[0][-1] == "Ghi chú"
    assert sum(r[2] for r in sheet[1:-1]) == 77 and sheet[-1][1:4] == ("Tổng cộng", 77, 3)

    document = docx.Document(io.BytesIO(documents.build("docx", figures)))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for row in t.rows for c in row.cells])
    assert "UBND các xã, phường thuộc tỉnh Thái Nguyên;" in text
    assert "2. Kết quả theo huyện cũ (theo lịch sử đơn vị)" in text
    assert PARAGRAPH_2026 in text
    assert "huyện" not in _without_former_districts(text).lower()


@pytest.mark.django_db
def test_the_2026_download_by_commune_group(admin_client, world):
    response = admin_client.get("/bao-cao/tong-hop.xlsx", {"unit": "19", "as_of": "2026-06-30", "nhom": "nhom-xa"})
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Tổng hợp", "Theo nhóm xã", "Theo tiêu chí"]
    assert [r[0] for r in wb["Theo nhóm xã"].iter_rows(min_row=2, values_only=True)] == ["1", "2", "3", None, None]
    assert admin_client.get("/bao-cao/tong-hop.pdf", {"unit": "19", "as_of": "2026-06-30"}).status_code == 200


@pytest.mark.django_db
def test_the_open_data_of_2026_names_the_grouping(client, world):
    data = client.get("/du-lieu-mo/theo-huyen.json", {"as_of": "2026-06-30", "unit": "19"}).json()
    assert {row["grouping"] for row in data["rows"]} == {"huyen-cu"}
    assert sum(row["communes"] for row in data["rows"]) == 77
    data = client.get("/du-lieu-mo/xa-dat-chuan.json", {"as_of": "2026-06-30", "unit": "19"}).json()
    by_commune = {(row["commune_name"], row["level"]): row for row in data["rows"]}
    assert by_commune[(PHONG_QUANG, Level.XA_HIEN_DAI)]["district_name"] == "Huyện Bạch Thông (cũ)"
    assert by_commune[(DAI_PHUC, Level.XA_NTM)]["provisional"] is True


@pytest.mark.django_db
def test_statuses_agree_with_the_summary(world):
    statuses = statuses_on(rural_communes(), AS_OF)
    data = summary("19", AS_OF)
    assert data.ntm == sum(s.holds(Level.XA_NTM) for s in statuses.values())
    assert data.modern == sum(s.holds(Level.XA_HIEN_DAI) for s in statuses.values())
    assert data.provisional == sum(s.provisional for s in statuses.values())
