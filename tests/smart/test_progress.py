"""How each kind of target is computed (``smart.progress``), on data made by hand in a province of the test's own:
the share of units meeting an indicator by their latest dossier, the entered figures pooled / averaged / counted,
the pilots designated, the people trained; the boundaries of ≥ and ≤ decided exactly; what cannot be computed said
so."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from nongthonso.assessments.services import get_or_create_assessment, set_value
from nongthonso.criteria.models import CriteriaSet
from nongthonso.smart.models import Figure, Measure, Pilot
from nongthonso.smart.progress import MET, MISSING, NO_DATA, NOT_COMPUTABLE, NOT_MET, target_progress
from nongthonso.training.models import (
    Attendance,
    Course,
    Headcount,
    Participant,
    Session,
    TargetGroup,
)

pytestmark = pytest.mark.django_db
NTM_SET = "xa-ntm-2021-2025"


def _assess(unit, year: int, indicator: str, value) -> None:
    cset = CriteriaSet.objects.get(code=NTM_SET, superseded_by__isnull=True)
    set_value(get_or_create_assessment(unit, year, cset), indicator, value)


def _figure(code: str, unit, numerator: int, denominator: int, year: int = 2023) -> Figure:
    return Figure.objects.create(measure=Measure.objects.get(code=code), unit=unit, year=year, numerator=numerator,
                                 denominator=denominator, source="thử")


# --- indicator ---------------------------------------------------------------------------------------------------

def test_indicator_share_counts_every_commune_and_a_missing_dossier_as_not_met(make_target, small_province):
    a, b, c, d, _e = small_province.communes
    _assess(a, 2023, "8.4", True)
    _assess(b, 2022, "8.4", True)  # an earlier year's dossier is the latest up to 2023
    _assess(c, 2023, "8.4", False)
    _assess(d, 2023, "1.1", True)  # a dossier without 8.4: unknown
    target = make_target("t-84", "indicator", "xa", 40, set_code=NTM_SET, indicator_code="8.4")
    p = target_progress(target, small_province.province, 2023)
    assert (p.numerator, p.denominator, p.units_total, p.units_with_data) == (2, 5, 5, 4)  # the ward is no commune
    assert p.value == Fraction(40) and p.status == MET  # 40% ≥ 40%: met at the boundary
    assert [r.status for r in p.rows] == [MET, MET, NOT_MET, "unknown", MISSING]
    assert "1/5 xã chưa có hồ sơ" in p.note
    assert p.rows[0].link.startswith("/ho-so/")


def test_indicator_just_below_the_target_is_not_met(make_target, small_province):
    a, b, *_ = small_province.communes
    _assess(a, 2023, "8.4", True)
    _assess(b, 2023, "8.4", True)
    target = make_target("t-84b", "indicator", "xa", "40.01", set_code=NTM_SET, indicator_code="8.4")
    p = target_progress(target, small_province.province, 2023)
    assert p.value == Fraction(40) and p.status == NOT_MET and p.gap == Fraction("0.01")


def test_a_later_years_dossier_does_not_count_for_an_earlier_year(make_target, small_province):
    _assess(small_province.communes[0], 2024, "8.4", True)
    target = make_target("t-84c", "indicator", "xa", 1, set_code=NTM_SET, indicator_code="8.4")
    p = target_progress(target, small_province.province, 2023)
    assert p.status == NO_DATA and p.value is None and "Chưa xã nào có hồ sơ" in p.note


def test_indicator_of_a_set_not_in_the_catalogue_cannot_be_computed(make_target, small_province):
    target = make_target("t-65", "indicator", "huyen", 25, set_code="huyen-ntm-nang-cao-2021-2025",
                         indicator_code="6.5")
    p = target_progress(target, small_province.province, 2023)
    assert p.status == NOT_COMPUTABLE and "chưa có trong danh mục" in p.note


def test_the_demo_province_share_of_communes_meeting_8_4_matches_its_dossiers(province_2023):
    """Computed independently: each commune's 2023 NTM dossier and its value of 8.4 (a yes/no indicator)."""
    from nongthonso.assessments.models import IndicatorValue
    from nongthonso.smart.models import Target

    values = dict(IndicatorValue.objects.filter(assessment__year=2023, assessment__criteria_set__code=NTM_SET,
                                                indicator__code="8.4", assessment__unit__parent__parent=province_2023)
                  .values_list("assessment__unit_id", "value"))
    p = target_progress(Target.objects.get(code="kh154-xa-8-4"), province_2023, 2023)
    assert p.denominator == 126 == len(values)
    assert p.numerator == sum(v is True for v in values.values())


# --- entered figures -------------------------------------------------------------------------------------------------

def test_pooled_figures_are_the_sum_of_numerators_over_the_sum_of_denominators(make_target, small_province):
    a, b, c, *_ = small_province.communes
    _figure("ho-so-truc-tuyen", a, 30, 100)
    _figure("ho-so-truc-tuyen", b, 90, 100)
    _figure("ho-so-truc-tuyen", c, 0, 0)  # nothing to count
    _figure("ho-so-truc-tuyen", a, 1, 1, year=2022)  # another year
    target = make_target("t-pool", "entered", "xa", 60, measure=Measure.objects.get(code="ho-so-truc-tuyen"),
                         aggregate="pooled")
    p = target_progress(target, small_province.province, 2023)
    assert (p.numerator, p.denominator, p.value, p.status) == (120, 200, Fraction(60), MET)
    assert p.units_with_data == 3 and "Mới có số liệu của 3/5" in p.note
    assert [r.status for r in p.rows] == [NOT_MET, MET, "unknown", MISSING, MISSING]
    assert p.rows[0].text == "30/100 (30,0%)"


def test_the_mean_of_shares_weighs_each_unit_alike(make_target, small_province):
    a, b, *_ = small_province.communes
    _figure("ho-so-truc-tuyen", a, 1, 2)
    _figure("ho-so-truc-tuyen", b, 900, 1000)
    target = make_target("t-mean", "entered", "xa", 70, measure=Measure.objects.get(code="ho-so-truc-tuyen"),
                         aggregate="mean")
    p = target_progress(target, small_province.province, 2023)
    assert p.value == Fraction(70) and p.status == MET and p.numerator is None


def test_units_any_counts_the_units_with_something_among_those_with_a_denominator(make_target, small_province):
    a, b, c, d, _e = small_province.communes
    _figure("htx-ung-dung-cds", a, 1, 4)
    _figure("htx-ung-dung-cds", b, 0, 3)
    _figure("htx-ung-dung-cds", c, 2, 2)
    _figure("htx-ung-dung-cds", d, 0, 0)  # no co-operative: not counted
    target = make_target("t-any", "entered", "xa", "66.67", measure=Measure.objects.get(code="htx-ung-dung-cds"),
                         aggregate="units_any")
    p = target_progress(target, small_province.province, 2023)
    assert (p.numerator, p.denominator) == (2, 3)
    assert p.status == NOT_MET  # 66,666…% < 66,67%


def test_a_ceiling_is_met_at_and_below_it(make_target, small_province):
    a, *_ = small_province.communes
    _figure("ho-so-truc-tuyen", a, 25, 100)
    measure = Measure.objects.get(code="ho-so-truc-tuyen")
    at = make_target("t-le", "entered", "xa", 25, measure=measure, aggregate="pooled", comparator="<=")
    below = make_target("t-le2", "entered", "xa", "24.99", measure=measure, aggregate="pooled", comparator="<=")
    assert target_progress(at, small_province.province, 2023).status == MET
    over = target_progress(below, small_province.province, 2023)
    assert over.status == NOT_MET and over.gap == Fraction("0.01")


def test_a_province_level_target_reads_the_province_figure(make_target, small_province):
    _figure("ho-so-truc-tuyen", small_province.province, 95, 100)
    target = make_target("t-tinh", "entered", "tinh", 90, measure=Measure.objects.get(code="ho-so-truc-tuyen"),
                         aggregate="pooled")
    p = target_progress(target, small_province.province, 2023)
    assert (p.value, p.status, p.units_total) == (Fraction(95), MET, 1)


def test_no_figure_at_all_is_no_data(make_target, small_province):
    target = make_target("t-none", "entered", "huyen", 80, measure=Measure.objects.get(code="ho-so-truc-tuyen"),
                         aggregate="pooled")
    p = target_progress(target, small_province.province, 2023)
    assert p.status == NO_DATA and p.value is None and "Chưa có đơn vị nào nhập" in p.note


# --- pilots ----------------------------------------------------------------------------------------------------------

def test_pilots_are_counted_from_their_designation_on(make_target, small_province):
    target = make_target("t-pilot", "pilots", "tinh", 1, pilot_kind="commune", value_unit="count")
    p = target_progress(target, small_province.province, 2023)
    assert (p.value, p.status) == (Fraction(0), NOT_MET)
    Pilot.objects.create(kind="commune", commune=small_province.communes[0], decision_number="1/QĐ-UBND",
                         decision_date=dt.date(2024, 3, 1), authority="UBND tỉnh")
    assert target_progress(target, small_province.province, 2023).status == NOT_MET  # designated in 2024
    p = target_progress(target, small_province.province, 2024)
    assert (p.value, p.status) == (Fraction(1), MET) and p.rows[0].text == "Đang thí điểm"


# --- training coverage ------------------------------------------------------------------------------------------

def test_training_coverage_is_the_training_reports_count_over_the_flagged_groups(make_target, small_province):
    """As the training coverage page counts (``training.reports.coverage``): a person once across registrations,
    the headcounts of the year, the groups flagged as full-time NTM staff added up; rows per unit below the
    province."""
    a, b, *_ = small_province.communes
    staff = TargetGroup.objects.create(code="can-bo-ntm-thu", label="Cán bộ NTM (thử)", full_time_ntm=True)
    other = TargetGroup.objects.create(code="khac-thu", label="Nhóm khác (thử)")
    Headcount.objects.create(unit=a, target_group=staff, year=2022, count=4)  # another year: not counted
    Headcount.objects.create(unit=a, target_group=staff, year=2023, count=3)
    Headcount.objects.create(unit=b, target_group=staff, year=2023, count=4)
    Headcount.objects.create(unit=b, target_group=other, year=2023, count=50)
    course = Course.objects.create(code="thu-2023", title="Lớp thử", organiser=small_province.province,
                                   starts_on=dt.date(2023, 10, 11), ends_on=dt.date(2023, 10, 15), mode="hybrid")
    first, second = (Session.objects.create(course=course, kind="theory", title=f"Buổi {i}",
                                            starts_at=dt.datetime(2023, 10, 10 + i, 8, tzinfo=dt.UTC),
                                            ends_at=dt.datetime(2023, 10, 10 + i, 11, tzinfo=dt.UTC))
                     for i in (1, 2))

    def attend(name: str, unit, group, *sessions) -> None:
        person = Participant.objects.create(course=course, full_name=name, unit=unit, target_group=group,
                                            registered_via="organiser")
        for session in sessions:
            Attendance.objects.create(session=session, participant=person, mode="in_person", method="qr")

    attend("Nguyễn Văn An", a, staff, first, second)
    attend("nguyễn văn  an", a, staff, first)  # the same person registered twice
    attend("Trần Thị Bình", a, staff, first)
    attend("Lê C", b, staff, second)
    attend("Phạm F", b, other, first)  # another group
    Participant.objects.create(course=course, full_name="Hoàng G", unit=a, target_group=staff,
                               registered_via="organiser")  # registered, never attended
    target = make_target("t-train", "training_coverage", "tinh", "42.86", trainee_flag="full_time_ntm")
    p = target_progress(target, small_province.province, 2023)
    assert (p.numerator, p.denominator) == (3, 7)
    assert p.status == NOT_MET and p.gap == Fraction("42.86") - Fraction(300, 7)  # 42,857…% < 42,86%
    assert [(r.unit.code, r.text) for r in p.rows] == [(small_province.district.code, "3/7 (42,9%)")]


def test_training_coverage_without_a_target_group_cannot_be_computed(make_target, small_province):
    target = make_target("t-train2", "training_coverage", "tinh", 100, trainee_groups=["khong-co"])
    p = target_progress(target, small_province.province, 2023)
    assert p.status == NOT_COMPUTABLE and "khong-co" in p.note


def test_a_district_target_has_no_units_once_districts_are_gone(new_unit):
    from nongthonso.smart.models import Target

    p = target_progress(Target.objects.get(code="qd924-ho-so-huyen"), new_unit("19", "tinh"), 2025)
    assert p.units_total == 0 and p.status == NO_DATA and "không có đơn vị cấp huyện" in p.note
