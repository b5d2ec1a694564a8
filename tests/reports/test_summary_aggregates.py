"""The summary counted in the database (issue 5) gives exactly the figures of the previous implementation, which
loaded every unit, decision and assessment and counted in Python (``reference_summary.py``): on the Thái Nguyên
demo, for the province, a district, a commune and the whole country, on dates before, at and after the demo's
report, the NQ 1240 merger (provisional statuses) and the 2025 reorganisation."""

import datetime as dt
from collections import Counter

import pytest

from nongthonso.assessments.latest import latest_criteria_met
from nongthonso.assessments.models import LATEST_ORDER, Assessment
from nongthonso.criteria.choices import AT_LEAST, COMMUNE_LEVELS, LEVEL_RANK, Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.services import commune_level_counts, count_holding, statuses_on
from nongthonso.reports.services import NATIONAL, SummaryUnit, summary, summary_text
from nongthonso.units.models import Unit

DATES = [dt.date(2022, 10, 1), dt.date(2022, 12, 31), dt.date(2023, 6, 30), dt.date(2024, 11, 30),
         dt.date(2024, 12, 1), dt.date(2025, 1, 15), dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2026, 3, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_the_province_summary_equals_the_previous_implementation(as_of, reference_summary):
    assert summary("19", as_of).to_dict() == reference_summary("19", as_of)


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [dt.date(2023, 6, 30), dt.date(2025, 1, 15)], ids=str)
def test_the_national_summary_equals_the_previous_implementation(as_of, reference_summary):
    data = summary(NATIONAL, as_of)
    assert data.to_dict() == reference_summary(NATIONAL, as_of)
    assert data.communes_total >= summary("19", as_of).communes_total
    assert data.unit == SummaryUnit("VN", "Cả nước", "Cả nước")
    assert "Đến nay, cả nước có" in summary_text(data)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["173", "170", "164", "05431"])
def test_district_and_commune_summaries_equal_the_previous_implementation(code, reference_summary):
    for as_of in (dt.date(2023, 6, 30), dt.date(2025, 1, 15)):
        assert summary(code, as_of).to_dict() == reference_summary(code, as_of)


@pytest.mark.django_db
def test_a_period_other_than_the_year_equals_the_previous_implementation(reference_summary):
    start, as_of = dt.date(2019, 1, 1), dt.date(2023, 6, 30)
    data = summary("19", as_of, start)
    assert data.to_dict() == reference_summary("19", as_of, start)
    assert data.decisions_in_period[Level.XA_NTM].for_years == [2018, 2019, 2020, 2021, 2022]


@pytest.mark.django_db
def test_the_merger_rule_is_counted_as_statuses_on_counts_it():
    # given the day after the NQ 1240 merger: Vạn Phú holds "nâng cao" provisionally (both predecessors held it)
    as_of = dt.date(2025, 1, 15)
    communes = Unit.objects.valid_on(as_of).rural_communes()
    statuses = statuses_on(list(communes), as_of)
    # when the levels are counted in the database
    counts = commune_level_counts(communes, as_of)
    # then each level counts the units statuses_on says hold it, the provisional one included
    assert counts == {**{level: sum(s.holds(level) for s in statuses.values()) for level in COMMUNE_LEVELS},
                      "provisional": sum(s.provisional for s in statuses.values())}
    assert counts["provisional"] >= 1


@pytest.mark.django_db
def test_count_holding_counts_units_by_decisions_only():
    as_of = dt.date(2023, 6, 30)
    hamlets = Unit.objects.valid_on(as_of).at_level("xom")
    statuses = statuses_on(list(hamlets), as_of, merger_rule=False)
    assert count_holding(hamlets, as_of, {"model": [Level.XOM_KIEU_MAU]}) == {
        "model": sum(Level.XOM_KIEU_MAU in s.levels for s in statuses.values())} == {"model": 88}


@pytest.mark.django_db
def test_a_revocation_ends_the_status_in_the_counts(province_19, reference_summary):
    # given a commune recognised NTM, then a revocation dated later
    from nongthonso.recognition.models import Decision

    as_of = dt.date(2023, 6, 30)
    communes = Unit.objects.valid_on(as_of).within(province_19).rural_communes()
    statuses = statuses_on(list(communes), as_of)
    held = next(pk for pk, s in statuses.items() if s.commune_level == Level.XA_NTM)
    revocation = Decision.objects.create(number="1/QĐ-UBND", date=dt.date(2023, 3, 1), authority="UBND tỉnh",
                                         kind=Decision.Kind.REVOCATION, level=Level.XA_NTM)
    revocation.units.set([held])
    # then it no longer counts, as statuses_on says, and the summary still equals the previous implementation
    counts = commune_level_counts(communes, as_of)
    assert counts[Level.XA_NTM] == sum(s.holds(Level.XA_NTM) for s in statuses.values()) - 1
    assert summary("19", as_of).to_dict() == reference_summary("19", as_of)
    assert summary("19", as_of).revocations_in_period == 1


@pytest.mark.django_db
def test_the_latest_assessment_counts_equal_the_previous_choice_also_with_ties(province_19, reference_summary,
                                                                               latest_assessments):
    as_of = dt.date(2023, 6, 30)
    communes = Unit.objects.valid_on(as_of).within(province_19).rural_communes()
    # given a commune assessed in 2023 against two sets of the NTM level (same version: the one in force later
    # wins, as LATEST_ORDER says)
    later_set = CriteriaSet.objects.get(code="xa-ntm-2026-2030")
    unit = communes.order_by("code").first()
    Assessment.objects.create(unit=unit, year=2023, criteria_set=later_set, criteria_met=3, criteria_total=19)

    def reference(year, among=None):
        latest = latest_assessments(communes, Level.XA_NTM, year)
        if among is not None:
            latest = {}
            for a in among.filter(unit__in=communes, year__lte=year, criteria_set__level=Level.XA_NTM).order_by(
                    "unit_id", *LATEST_ORDER):
                latest.setdefault(a.unit_id, a)
        counts = Counter(a.criteria_met for a in latest.values())
        if len(latest) < communes.count():
            counts[None] = communes.count() - len(latest)
        return dict(counts)

    # then the counts equal the previous choice, for every year and among published assessments only
    for year in (2021, 2022, 2023, 2024):
        assert latest_criteria_met(communes, Level.XA_NTM, year) == reference(year)
    published = Assessment.objects.filter(state__in=("approved", "recognised"))
    assert latest_criteria_met(communes, Level.XA_NTM, 2023, published) == reference(2023, published)
    assert latest_criteria_met(communes, Level.XA_NTM, 2023)[3] == 1
    assert latest_criteria_met(communes, Level.XA_NTM, 2020) == {None: communes.count()}
    # and the pages that list the latest assessments pick the same one as the counts
    from nongthonso.assessments.latest import latest_assessments as pages_latest
    from nongthonso.reports.selectors import latest_assessments as selectors_latest

    assert pages_latest(communes, Level.XA_NTM, 2023)[unit.pk].criteria_set == later_set
    assert selectors_latest(communes, Level.XA_NTM, 2023)[unit.pk].criteria_set == later_set
    assert summary("19", as_of).to_dict() == reference_summary("19", as_of)


@pytest.mark.django_db
def test_a_set_of_a_higher_version_wins_a_tie_on_the_year(province_19, reference_summary):
    # a single set per level gives no CASE; two versions of one set do, and the higher version wins
    from nongthonso.criteria.catalogue import new_version

    as_of = dt.date(2023, 6, 30)
    communes = Unit.objects.valid_on(as_of).within(province_19).rural_communes()
    v2 = new_version(CriteriaSet.objects.get(code="xa-ntm-2021-2025", superseded_by__isnull=True))
    unit = communes.order_by("code").last()
    Assessment.objects.create(unit=unit, year=2023, criteria_set=v2, criteria_met=7, criteria_total=19)
    assert latest_criteria_met(communes, Level.XA_NTM, 2023)[7] == 1
    assert summary("19", as_of).to_dict() == reference_summary("19", as_of)


@pytest.mark.django_db
def test_within_finds_the_same_units_on_every_engine():
    # path__startswith adds a range of path on SQLite (so that the index serves it): the same rows as a prefix
    paths = dict(Unit.objects.values_list("pk", "path"))
    for unit in Unit.objects.filter(unit_type__level__depth__lte=3).order_by("pk")[:60]:
        expected = {pk for pk, path in paths.items() if path.startswith(unit.path) and pk != unit.pk}
        assert set(Unit.objects.within(unit).values_list("pk", flat=True)) == expected
        assert set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True)) == expected | {
            unit.pk}


@pytest.mark.django_db
def test_the_summary_runs_the_same_few_queries_for_a_province_and_the_country(django_assert_max_num_queries):
    # no query per unit or per decision: the count does not grow with the scope (the OCOP section, a registered
    # SummarySection, adds two: the root's earlier versions by lineage and the certificates)
    as_of = dt.date(2023, 6, 30)
    for code in ("19", NATIONAL, "173"):
        with django_assert_max_num_queries(16):
            summary(code, as_of)


def test_levels_rank_as_the_counts_assume():
    # commune_level_counts counts a level's holders as the holders of the levels that imply it (AT_LEAST): the
    # 2021-2025 ladder NTM < advanced < model, and "NTM hiện đại" (2026-2030), which builds on NTM only
    assert sorted(COMMUNE_LEVELS, key=LEVEL_RANK.get) == [Level.XA_NTM, Level.XA_NANG_CAO, Level.XA_KIEU_MAU,
                                                           Level.XA_HIEN_DAI]
    assert AT_LEAST == {
        Level.XA_NTM: (Level.XA_NTM, Level.XA_NANG_CAO, Level.XA_KIEU_MAU, Level.XA_HIEN_DAI),
        Level.XA_NANG_CAO: (Level.XA_NANG_CAO, Level.XA_KIEU_MAU),
        Level.XA_KIEU_MAU: (Level.XA_KIEU_MAU,),
        Level.XA_HIEN_DAI: (Level.XA_HIEN_DAI,),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [dt.date(2023, 6, 30), dt.date(2025, 1, 15)], ids=str)
def test_the_public_summary_equals_the_previous_implementation(as_of):
    from nongthonso.reports import selectors

    # given some of the 2023 dossiers back in draft (not published)
    Assessment.objects.filter(year=2023, unit__code__endswith="1").update(state=Assessment.State.DRAFT)
    data = selectors.public_summary("19", as_of)
    root = Unit.objects.valid_on(as_of).get(code="19")
    communes = list(Unit.objects.valid_on(as_of).within(root).rural_communes())
    counts = [a.criteria_met for a in selectors.latest_assessments(communes, Level.XA_NTM, as_of.year,
                                                                   published=True).values()]
    assert (data.communes_assessed, data.criteria_met_sum, data.min_criteria, data.avg_criteria) == (
        len(counts), sum(counts), min(counts), round(sum(counts) / len(counts), 1))
    assert data.criteria_distribution == {str(k): n for k, n in sorted(Counter(counts).items())}


@pytest.mark.django_db
def test_the_trend_counts_recognised_communes_as_statuses_on_does(province_19):
    from nongthonso.reports import selectors

    # the province over the years of its history, the NQ 1240 merger (provisional statuses) included
    as_of = dt.date(2025, 6, 30)
    rows = selectors.trend(province_19, range(2018, 2026), as_of=as_of)
    for row in rows:
        units_on = max(row["date"], province_19.valid_from)
        present = list(Unit.objects.filter(path__startswith=province_19.path).rural_communes().valid_on(units_on))
        statuses = statuses_on(present, row["date"]) if present and row["date"].year == row["year"] else {}
        assert row["communes"] == len(present)
        assert row["ntm"] == sum(s.holds(Level.XA_NTM) for s in statuses.values())
    assert any(row["ntm"] for row in rows)


def test_the_path_prefix_range_is_exact():
    from nongthonso.units.lookups import prefix_end

    assert prefix_end("/12/345/") == "/12/3450"
    assert prefix_end("") is None
    for path in ("/12/345/", "/12/345/6/", "/12/3456/", "/12/34/", "/12/345"):
        inside = "/12/345/" <= path < prefix_end("/12/345/")
        assert inside == path.startswith("/12/345/")


@pytest.mark.django_db
def test_the_english_paragraph_says_what_the_vietnamese_one_says():
    from nongthonso.reports.services import summary_text_en

    data = summary("19", dt.date(2023, 6, 30))
    assert summary_text_en(data) == (
        "In the first 6 months of 2023, 10 communes meeting the new rural standard, 9 communes meeting the advanced "
        "new rural standard and 4 communes meeting the model new rural standard were recognised for 2022. To date, "
        "Tỉnh Thái Nguyên has 108/126 communes meeting the new rural standard (85,7% of all communes), 17 advanced "
        "and 4 model new rural communes, and 88 model new rural hamlets; communes meet 18,2 criteria on average, "
        "and none meets fewer than 10. For 2023, 11 communes registered to meet the new rural standard; 12 "
        "communes registered to meet the advanced new rural standard; 4 communes registered to meet the model new "
        "rural standard. On 24/5/2023, Thủ tướng Chính phủ issued Decision No. 567/QĐ-TTg recognising huyện Phú "
        "Bình as meeting the new rural standard for 2022. To date, 4 district-level units of Tỉnh Thái Nguyên have "
        "completed the new rural development programme: thành phố Thái Nguyên, thành phố Sông Công, thành phố Phổ "
        "Yên and huyện Phú Bình.")
    assert summary_text_en(summary(NATIONAL, dt.date(2023, 6, 30))).count("To date, the country has") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["19", "171", NATIONAL])
def test_the_kept_statements_give_what_a_first_call_gives_and_follow_the_data(code, reference_summary, settings):
    """As production runs them (``core.compiled`` with no check): the statements compiled by a first call, run again,
    give the same figures — across several days and periods, and after a write."""
    from nongthonso.core import compiled
    from nongthonso.recognition.models import Decision

    settings.NONGTHONSO_CHECK_COMPILED = False
    compiled.forget()
    cases = [(dt.date(2023, 6, 30), None), (dt.date(2025, 1, 15), None), (dt.date(2023, 6, 30), dt.date(2019, 1, 1))]
    first = [summary(code, as_of, start).to_dict() for as_of, start in cases]
    assert compiled.kept_keys()
    assert [summary(code, as_of, start).to_dict() for as_of, start in cases] == first
    assert first[0] == reference_summary(code, dt.date(2023, 6, 30))
    # when a recognition of the period is withdrawn, the kept statements read it at once
    link = Decision.units.through.objects.filter(
        decision__kind=Decision.Kind.RECOGNITION, decision__level=Level.XA_NTM,
        decision__date__gte=dt.date(2023, 1, 1), decision__date__lte=dt.date(2023, 6, 30),
        unit__path__startswith="/" if code == NATIONAL else Unit.objects.filter(code=code).first().path).first()
    link.decision.units.remove(link.unit_id)  # (the spells follow: m2m_changed)
    after = summary(code, *cases[0]).to_dict()
    assert after["decisions_in_period"][Level.XA_NTM]["communes"] == first[0]["decisions_in_period"][Level.XA_NTM][
        "communes"] - 1
    assert after == reference_summary(code, dt.date(2023, 6, 30))
    compiled.forget()
