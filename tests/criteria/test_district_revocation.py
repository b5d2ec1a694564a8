"""Decision 18/2022/QĐ-TTg on districts: a district loses its NTM recognition when at least 30% of its communes had
theirs revoked, or when 30% to under 50% of the district criteria fail including one of its key criteria (Kinh tế;
Môi trường; Chất lượng môi trường sống; Hệ thống chính trị – An ninh, trật tự – Hành chính công), or 50% or more
fail. Hand-made cases on the shipped district set, then the commune count read from decisions."""

import datetime as dt

import pytest

from nongthonso.criteria import engine
from nongthonso.criteria.catalogue import read_catalogue
from nongthonso.criteria.choices import Level
from nongthonso.recognition.models import Decision
from nongthonso.recognition.services import commune_revocations, district_revocation_on
from nongthonso.units.models import Unit


@pytest.fixture(scope="module")
def district_set() -> engine.CompiledSet:
    spec = next(s for s in read_catalogue() if s["code"] == "huyen-ntm-2021-2025")
    return engine.compile_spec(spec)


def statuses(cs: engine.CompiledSet, failing: set[str], *, unknown: set[str] = frozenset()) -> list[int]:
    """The criteria statuses of a district result: the named criteria not met (or unknown), every other met."""
    return [0 if code in failing else -1 if code in unknown else 1 for code in cs.criteria_codes]


def test_the_district_set_counts_nine_criteria_with_its_four_key_ones(district_set):
    counted = [c for c, n in zip(district_set.criteria_codes, district_set.counted, strict=True) if n]
    keys = [n for n, k in zip(district_set.criteria_names, district_set.revocation_key, strict=True) if k]
    assert counted == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    assert keys == ["Kinh tế", "Môi trường", "Chất lượng môi trường sống",
                    "Hệ thống chính trị – An ninh, trật tự – Hành chính công"]


@pytest.mark.parametrize(("communes", "revoked", "expected"), [
    (10, 3, True),   # exactly 30%
    (10, 2, False),  # 20%
    (7, 3, True),    # 42.9%
    (13, 3, False),  # 23.1%
    (0, 0, False),   # a district with no commune left
])
def test_the_share_of_communes_revoked_decides_alone(district_set, communes, revoked, expected):
    revoke, reason = engine.district_revocation(district_set, statuses(district_set, set()), communes=communes,
                                                communes_revoked=revoked)
    assert revoke is expected
    if expected:
        assert reason == (f"{revoked}/{communes} xã của huyện đã bị thu hồi quyết định công nhận đạt chuẩn "
                          "(từ 30% trở lên)")
    else:
        assert reason == ""


@pytest.mark.parametrize(("failing", "expected"), [
    ({"1", "2"}, False),             # 2/9 = 22%: under 30%, even with a key criterion it would not count
    ({"1", "2", "3"}, False),        # 3/9 = 33%, no key criterion
    ({"1", "2", "6"}, True),         # 33% with Kinh tế
    ({"1", "7", "3"}, True),         # 33% with Môi trường
    ({"2", "3", "8"}, True),         # 33% with Chất lượng môi trường sống
    ({"1", "4", "9"}, True),         # 33% with Hệ thống chính trị – An ninh, trật tự – Hành chính công
    ({"1", "2", "3", "4"}, False),   # 44%, no key criterion
    ({"1", "2", "3", "4", "5"}, True),  # 5/9 = 56%: 50% or more, whatever fails
])
def test_the_district_criteria_decide_by_the_30_and_50_percent_rule(district_set, failing, expected):
    revoke, reason = engine.district_revocation(district_set, statuses(district_set, failing), communes=10,
                                                communes_revoked=0)
    assert revoke is expected
    assert bool(reason) is expected
    if expected and len(failing) < 5:
        assert reason.startswith(f"{len(failing)}/9 tiêu chí không đạt (từ 30% đến dưới 50%), trong đó có: ")
    if len(failing) == 5:
        assert reason == "5/9 tiêu chí không đạt (từ 50% trở lên)"


def test_the_recognition_conditions_are_not_counted_among_the_failing_criteria(district_set):
    # "0" (100% of communes NTM, residents' satisfaction) failing with two criteria: 2/9, not 3/10
    revoke, _ = engine.district_revocation(district_set, statuses(district_set, {"0", "1", "6"}), communes=10,
                                           communes_revoked=0)
    assert revoke is False


def test_unknown_criteria_are_not_failures(district_set):
    revoke, _ = engine.district_revocation(district_set, statuses(district_set, {"1"}, unknown={"2", "3", "6"}),
                                           communes=10, communes_revoked=0)
    assert revoke is False


def test_the_engine_evaluation_of_a_district_gives_the_criteria_part(district_set):
    # values meeting everything but criteria 2, 5 and 7 (Môi trường, a key one): 3/9 fail → revoked
    values = {}
    for col, code in enumerate(district_set.indicator_codes):
        crit = district_set.criteria_codes[district_set.indicator_criterion[col]]
        threshold = district_set.thresholds_for(2024, "TDMNPB")[col]
        passing = crit not in {"2", "5", "7"}
        if district_set.value_types[col] == "boolean":
            values[code] = bool(threshold) if passing else not bool(threshold)
        elif district_set.comparators[col] in (">=", ">"):
            values[code] = threshold if passing else threshold - 1
        else:
            values[code] = threshold if passing else threshold + 1
    result = engine.evaluate_one(district_set, values, year=2024, region="TDMNPB")
    crit_status = [{"met": 1, "not_met": 0, "unknown": -1}[c.status] for c in result.criteria]
    assert result.revoke is True
    assert engine.district_revocation(district_set, crit_status, communes=12, communes_revoked=1) == (
        True, result.revoke_reason)


def test_impossible_counts_are_refused(district_set):
    with pytest.raises(ValueError, match="số xã bị thu hồi"):
        engine.district_revocation(district_set, statuses(district_set, set()), communes=3, communes_revoked=4)


@pytest.mark.django_db
def test_the_communes_revoked_are_read_from_the_latest_decision_of_each(unit_at, district_set):
    # given Phú Bình (recognised NTM in 2023) on 1/6/2024, and its rural communes then
    day = dt.date(2024, 6, 1)
    district = Unit.objects.valid_on(day).get(code="173", unit_type__level__code="huyen")
    communes = list(Unit.objects.valid_on(day).rural_communes().within(district).order_by("code"))
    total, revoked = commune_revocations(district, day)
    assert (total, revoked) == (len(communes), 0)
    needed = -(-3 * total // 10)  # the fewest communes that make 30%

    def revoke(units, on, number):
        decision = Decision.objects.create(number=number, date=on, authority="UBND tỉnh Thái Nguyên (thử)",
                                           kind=Decision.Kind.REVOCATION, level=Level.XA_NTM, synthetic=True)
        decision.units.set(units)

    # when one commune fewer than 30% is revoked: the district keeps its recognition
    revoke(communes[:needed - 1], dt.date(2024, 3, 1), "T-1/QĐ-UBND")
    assert commune_revocations(district, day) == (total, needed - 1)
    assert district_revocation_on(district, day, district_set, statuses(district_set, set()))[0] is False
    # and a revocation dated after the day does not count yet
    revoke(communes[needed - 1:needed], dt.date(2024, 7, 1), "T-2/QĐ-UBND")
    assert commune_revocations(district, day) == (total, needed - 1)
    # when that commune's revocation is in force: 30% reached
    later = dt.date(2024, 8, 1)
    revoked_now, reason = district_revocation_on(district, later, district_set, statuses(district_set, set()))
    assert revoked_now is True and reason.startswith(f"{needed}/{total} xã của huyện")
    # and a commune recognised again afterwards no longer counts as revoked
    again = Decision.objects.create(number="T-3/QĐ-UBND", date=dt.date(2024, 9, 1), authority="UBND tỉnh (thử)",
                                    kind=Decision.Kind.RECOGNITION, level=Level.XA_NTM, synthetic=True)
    again.units.set(communes[:1])
    assert commune_revocations(district, dt.date(2024, 10, 1)) == (total, needed - 1)
