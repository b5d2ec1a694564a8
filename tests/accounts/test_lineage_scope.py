"""Scope through lineage, and what it must not reach: a role covers the versions its unit succeeded — only those
an event ended, never a unit still in force that merely gave land; a dashboard goes back to a role's predecessors,
never forward; a new dossier only for a rural commune in force in its year."""

import datetime as dt

import pytest
from django.test import Client

from nongthonso.accounts.services import can, visible_units
from nongthonso.assessments.models import Assessment
from nongthonso.assessments.services import SetNotApplicable, open_dossier
from nongthonso.criteria.choices import Level
from nongthonso.recognition.models import Decision
from nongthonso.recognition.services import status_on
from nongthonso.units.choices import LineageKind
from nongthonso.units.models import LineageEvent, Unit, UnitType

pytestmark = pytest.mark.django_db
START = dt.date(2000, 1, 1)


def _units():
    """A synthetic province: commune A gives land to C on 1/1/2024 and continues; B merges into C that day."""
    types = {t.code: t for t in UnitType.objects.filter(code__in=["tinh", "xa"])}
    province = Unit.objects.create(code="T80", name="Tỉnh Thử", unit_type=types["tinh"], valid_from=START,
                                   synthetic=True)

    def commune(code, name, start=START, end=None):
        return Unit.objects.create(code=code, name=name, unit_type=types["xa"], parent=province, valid_from=start,
                                   valid_to=end, synthetic=True)

    a, b = commune("T8001", "Xã Cho Đất"), commune("T8002", "Xã Nhập Vào", end=dt.date(2023, 12, 31))
    c = commune("T8003", "Xã Mới", start=dt.date(2024, 1, 1))
    event = LineageEvent.objects.create(kind=LineageKind.MERGE, effective_date=dt.date(2024, 1, 1),
                                        legal_basis="Nghị quyết thử")
    event.predecessors.set([a, b])
    event.successors.set([c])
    return province, a, b, c


def test_a_role_reaches_the_versions_an_event_ended_not_one_still_in_force(make_user):
    _province, a, b, c = _units()
    officer = make_user("canbo.moi", "commune_officer", c)
    assert can(officer, "edit_values", b)  # merged into C: its records are C's now
    assert not can(officer, "edit_values", a) and not can(officer, "view", a)  # gave land, still its own
    assert set(visible_units(officer, dt.date(2023, 6, 30)).values_list("code", flat=True)) == {"T8002"}


def test_the_merger_rule_keeps_only_the_levels_every_predecessor_held():
    province, _a, b, c = _units()
    d = Unit.objects.create(code="T8004", name="Xã Hiện Đại", unit_type=b.unit_type, parent=province,
                            valid_from=START, valid_to=dt.date(2023, 12, 31), synthetic=True)
    LineageEvent.objects.get(successors=c).predecessors.set([b, d])  # two rural predecessors, both ended
    for unit, level in ((b, Level.XA_KIEU_MAU), (d, Level.XA_HIEN_DAI)):
        Decision.objects.create(number=f"{unit.code}/QĐ", date=dt.date(2023, 5, 1), authority="UBND tỉnh Thử",
                                level=level, for_year=2022).units.set([unit])
    status = status_on(c, dt.date(2024, 6, 30))
    # kiểu mẫu ⊃ nâng cao ⊃ NTM and hiện đại ⊃ NTM share NTM only
    assert (status.levels, status.provisional) == ({Level.XA_NTM}, True)


def test_a_dashboard_of_a_role_on_a_ceased_commune_does_not_show_its_successor(make_user, van_phu):
    # given the officer of Văn Yên, merged into Vạn Phú on 1/7/2025 (the role not handed over)
    van_yen = Unit.objects.get(code="05842", valid_to=dt.date(2025, 6, 30))
    officer = make_user("canbo.vanyen", "commune_officer", van_yen)
    assert not can(officer, "view", van_phu)  # a role reaches back, never forward
    client = Client()
    client.force_login(officer)
    # when they open the dashboard on a 2026 date: nothing of Vạn Phú is shown
    html = client.get("/bang-dieu-khien/", {"as_of": "2026-06-30"}).content.decode()
    assert "Vạn Phú" not in html


def test_a_new_dossier_only_for_a_rural_commune_in_force_that_year(make_user, new_unit, van_phu):
    van_phu_2024 = Unit.objects.get(code=van_phu.code, valid_from=dt.date(2024, 12, 1))  # ended 30/6/2025
    officer = make_user("canbo.vanphu2", "commune_officer", van_phu)  # reaches it through lineage
    assert can(officer, "edit_values", van_phu_2024)
    before = Assessment.objects.count()
    with pytest.raises(SetNotApplicable) as refused:
        open_dossier(van_phu_2024, 2027, officer)
    assert str(refused.value) == ("Xã Vạn Phú (mã 05845) chỉ có từ 1/12/2024 đến 30/6/2025, nên không mở được hồ sơ "
                                  "năm 2027. Hồ sơ năm 2027 mở cho đơn vị kế thừa: Xã Vạn Phú.")
    province = new_unit("19", "tinh")
    admin = make_user("quantri.thu", is_superuser=True)
    with pytest.raises(SetNotApplicable) as refused:
        open_dossier(province, 2026, admin)
    assert str(refused.value).startswith("Tỉnh Thái Nguyên là tỉnh, không phải xã")
    assert Assessment.objects.count() == before
