"""``recognition.decisions.record_decision``: the write path of a recognition decision (the workflow's «record
decision» step calls it): checked, written with its unit, audited, the unit's spells refreshed once."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from nongthonso.audit.models import AuditEntry
from nongthonso.criteria.choices import Level
from nongthonso.recognition import spells
from nongthonso.recognition.decisions import DecisionInput, DecisionRejected, record_decision
from nongthonso.recognition.models import Decision, Spell
from nongthonso.recognition.services import status_on, statuses_on
from nongthonso.units.models import Unit

DATE = dt.date(2023, 12, 20)
SUBJECT = "hồ sơ năm 2023 của xã thử"
DECISION = {"number": "9876/QĐ-UBND", "date": "20/12/2023", "authority": "UBND tỉnh Thái Nguyên"}


@pytest.fixture
def communes(province_19) -> list[Unit]:
    """Two rural communes of Thái Nguyên in force on the decision's date, neither holding the advanced level."""
    units = list(Unit.objects.valid_on(DATE).within(province_19).rural_communes().order_by("code"))
    statuses = statuses_on(units, DATE)
    return [u for u in units if not statuses[u.pk].holds(Level.XA_NANG_CAO)][:2]


@pytest.fixture
def refreshes(monkeypatch) -> list[list[int]]:
    """The unit ids of each refresh of spells."""
    calls = []
    real = spells.refresh

    def counted(unit_ids):
        calls.append(sorted(unit_ids))
        return real(unit_ids)

    monkeypatch.setattr(spells, "refresh", counted)
    return calls


@pytest.fixture
def officer(db):
    return get_user_model().objects.create_user("vpdp.thu")


def _entries(decision: Decision) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(model="recognition.decision", object_id=str(decision.pk)).order_by("pk"))


@pytest.mark.django_db
def test_a_new_decision_is_written_with_its_unit_audited_and_the_unit_holds_the_level(communes, refreshes, officer):
    commune = communes[0]
    decision = record_decision(commune, level=Level.XA_NANG_CAO, for_year=2023, decision=DECISION, subject=SUBJECT,
                               user=officer)
    assert (decision.number, decision.date, decision.authority, decision.kind, decision.level, decision.for_year) == (
        "9876/QĐ-UBND", DATE, "UBND tỉnh Thái Nguyên", Decision.Kind.RECOGNITION, Level.XA_NANG_CAO, 2023)
    assert list(decision.units.all()) == [commune]
    [entry] = _entries(decision)
    assert (entry.action, entry.user, entry.note) == ("create", officer, f"Ghi theo {SUBJECT}")
    assert entry.after == {"number": "9876/QĐ-UBND", "date": "2023-12-20", "authority": "UBND tỉnh Thái Nguyên",
                           "kind": "recognition", "level": Level.XA_NANG_CAO, "for_year": 2023,
                           "units": [commune.code]}
    # the spells follow in the same transaction, refreshed once for the one unit
    assert refreshes == [[commune.pk]]
    assert Spell.objects.filter(unit=commune, level=Level.XA_NANG_CAO, start=DATE, decision=decision).exists()
    assert spells.check() == []
    assert status_on(commune, DATE).holds(Level.XA_NANG_CAO)
    assert not status_on(commune, DATE - dt.timedelta(days=1)).holds(Level.XA_NANG_CAO)


@pytest.mark.django_db
def test_the_same_number_and_date_adds_a_second_unit_to_the_decision(communes, refreshes, officer):
    first, second = communes
    decision = record_decision(first, level=Level.XA_NANG_CAO, for_year=2023, decision=DECISION, subject=SUBJECT)
    # written another way (case, spacing, an ISO date, a DecisionInput): the same decision
    again = record_decision(second, level=Level.XA_NANG_CAO, for_year=2023, subject="hồ sơ thứ hai", user=officer,
                            decision=DecisionInput(" 9876/qđ-ubnd ", "2023-12-20", "UBND  tỉnh Thái Nguyên"))
    assert again == decision
    assert set(decision.units.all()) == {first, second}
    update = _entries(decision)[-1]
    assert (update.action, update.note) == ("update", f"Thêm {second} theo hồ sơ thứ hai")
    assert (update.before, update.after) == ({"units": [first.code]}, {"units": sorted([first.code, second.code])})
    assert refreshes == [[first.pk], [second.pk]]
    # recorded once more for a unit it names already: nothing written
    entries = len(_entries(decision))
    same = record_decision(second, level=Level.XA_NANG_CAO, for_year=2023, decision=decision, subject=SUBJECT)
    assert same == decision
    assert len(_entries(decision)) == entries and refreshes == [[first.pk], [second.pk]]
    assert spells.check() == []


@pytest.mark.django_db
def test_refusals_say_what_is_wrong_and_write_nothing(communes, refreshes):
    commune = communes[0]
    other = Decision.objects.create(number="1/QĐ-UBND", date=DATE, authority="UBND tỉnh Thái Nguyên",
                                    kind=Decision.Kind.REVOCATION, level=Level.XA_NTM, for_year=2022)
    before = (Decision.objects.count(), Spell.objects.count(), AuditEntry.objects.count())
    cases = [
        (other, f"Không dùng được {other} cho {SUBJECT}: không phải quyết định công nhận; công nhận mức «Xã đạt "
                f"chuẩn nông thôn mới», còn hồ sơ là mức «{Level.XA_NANG_CAO.label}»; công nhận cho năm 2022, còn "
                "hồ sơ là năm 2023. Chọn đúng quyết định hoặc nhập quyết định mới."),
        ({"number": "1/qđ-ubnd", "date": DATE, "authority": "UBND tỉnh Thái Nguyên"},
         f"Đã có {other} của UBND tỉnh Thái Nguyên, mức «Xã đạt chuẩn nông thôn mới», cho năm 2022; không khớp với "
         f"hồ sơ này (mức «{Level.XA_NANG_CAO.label}», năm 2023). Kiểm tra lại số, ngày và cơ quan ban hành."),
        ({"number": "", "date": "30/2/2023", "authority": " "},
         "Chưa ghi được quyết định công nhận: thiếu số, ký hiệu quyết định (ví dụ 1234/QĐ-UBND); thiếu ngày ban hành "
         "hoặc ngày không đúng dạng ngày/tháng/năm (ví dụ 20/12/2023); thiếu cơ quan ban hành (ví dụ UBND tỉnh Thái "
         "Nguyên)."),
        ("1234/QĐ-UBND", "Để ghi quyết định công nhận, cần số quyết định, ngày ban hành và cơ quan ban hành (ví dụ: "
                         "1234/QĐ-UBND, 20/12/2023, UBND tỉnh Thái Nguyên)."),
    ]
    for decision, message in cases:
        with pytest.raises(DecisionRejected) as refused:
            record_decision(commune, level=Level.XA_NANG_CAO, for_year=2023, decision=decision, subject=SUBJECT)
        assert refused.value.message == message
    assert (Decision.objects.count(), Spell.objects.count(), AuditEntry.objects.count()) == before
    assert refreshes == []
