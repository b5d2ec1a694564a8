"""The scorecard of a commune formed by a merger: its lineage (event, date, legal basis), each predecessor as it stood
on the eve of the merger (levels held with the deciding decision, or «chưa đạt chuẩn»; the latest criteria met),
links to their scorecards; its commune-group history; a bounded number of queries. The units are the test's own."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nongthonso.assessments import selectors
from nongthonso.assessments.models import Assessment
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.models import Decision
from nongthonso.units.models import CommuneGroupAssignment, LineageEvent, Unit, UnitType

pytestmark = pytest.mark.django_db
MERGED_ON = dt.date(2025, 7, 1)
OLD_END = dt.date(2025, 6, 30)


def _unit(code, name, parent, start, end=None):
    return Unit.objects.create(code=code, name=name, unit_type=UnitType.objects.get(code="xa"), parent=parent,
                               valid_from=start, valid_to=end, synthetic=True)


def _decision(number, date, level, *units, kind="recognition"):
    decision = Decision.objects.create(number=number, date=date, authority="UBND tỉnh Thái Nguyên", kind=kind,
                                       level=level, for_year=date.year)
    decision.units.set(units)
    return decision


@pytest.fixture
def merged():
    """«Xã Hợp Nhất» (1/7/2025) from «Xã An» (NTM 2022, nâng cao 2024), «Xã Bình» (NTM 2021, revoked 2024) and
    «Xã Chưa» (never recognised); An and Chưa have assessments."""
    province = Unit.objects.get(code="19", valid_from=MERGED_ON)
    old = Unit.objects.get(code="19", valid_to=OLD_END)
    an = _unit("T9201", "Xã An", old, dt.date(2020, 1, 1), OLD_END)
    binh = _unit("T9202", "Xã Bình", old, dt.date(2020, 1, 1), OLD_END)
    chua = _unit("T9203", "Xã Chưa", old, dt.date(2020, 1, 1), OLD_END)
    unit = _unit("T9301", "Xã Hợp Nhất", province, MERGED_ON)
    event = LineageEvent.objects.create(kind="merge", effective_date=MERGED_ON, legal_basis="Nghị quyết 9999/NQ-TEST")
    event.predecessors.set([an, binh, chua])
    event.successors.set([unit])
    _decision("10/QĐ-UBND", dt.date(2022, 5, 4), "xa_ntm", an)
    _decision("20/QĐ-UBND", dt.date(2024, 9, 1), "xa_ntm_nang_cao", an)
    _decision("5/QĐ-UBND", dt.date(2021, 3, 1), "xa_ntm", binh)
    _decision("30/QĐ-UBND", dt.date(2024, 10, 1), "xa_ntm", binh, kind="revocation")
    _decision("40/QĐ-UBND", dt.date(2025, 8, 1), "xa_ntm", an)  # after the eve: not shown
    cset = CriteriaSet.objects.get(code="xa-ntm-2021-2025", superseded_by__isnull=True)
    Assessment.objects.create(unit=an, year=2024, criteria_set=cset, criteria_met=19, criteria_total=19)
    Assessment.objects.create(unit=chua, year=2023, criteria_set=cset, criteria_met=12, criteria_total=19)
    CommuneGroupAssignment.objects.create(unit=unit, group=2, valid_from=dt.date(2026, 2, 15),
                                          valid_to=dt.date(2026, 12, 31), decision_number="120/QĐ-UBND",
                                          decision_date=dt.date(2026, 2, 10), authority="UBND tỉnh Thái Nguyên")
    CommuneGroupAssignment.objects.create(unit=unit, group=1, valid_from=dt.date(2027, 1, 1),
                                          decision_number="45/QĐ-UBND", decision_date=dt.date(2026, 12, 20))
    return unit, an, binh, chua


@pytest.fixture
def admin(client):
    user = get_user_model().objects.create_superuser("quantri", "qt@example.org", None)
    client.force_login(user)
    return user


def _row(html, code):
    match = re.search(rf'<tr data-predecessor="{code}">.*?</tr>', html, re.S)
    assert match, code
    return re.sub(r"\s+", " ", match.group(0))


def test_the_scorecard_shows_the_merger_and_each_predecessor_on_the_eve(client, admin, merged):
    unit, an, _binh, _chua = merged
    html = client.get(f"/xa/{unit.pk}/?as_of=2026-06-30").content.decode()
    section = html[html.index('<article class="card lineage"'):html.index("</article>", html.index("card lineage"))]
    assert "<b>Nhập / sáp nhập</b> ngày 1/7/2025 — Nghị quyết 9999/NQ-TEST" in section
    assert "Mức đạt chuẩn ngày 30/6/2025" in section
    assert _row(html, "T9201") == (
        f'<tr data-predecessor="T9201"> <td><a href="/xa/{an.pk}/?as_of=2025-06-30">Xã An</a> <span class="note">'
        '(T9201) minh họa</span></td> <td data-col="level">NTM nâng cao</td> <td data-col="decisions">NTM nâng cao: '
        "20/QĐ-UBND ngày 1/9/2024<br>Đạt chuẩn NTM: 10/QĐ-UBND ngày 4/5/2022</td> "
        '<td class="num" data-col="criteria">19/19 (2024)</td> </tr>')
    assert '<td data-col="level">Chưa đạt chuẩn</td> <td data-col="decisions">—</td>' in _row(html, "T9202")
    assert '<td class="num" data-col="criteria">—</td>' in _row(html, "T9202")
    assert '<td class="num" data-col="criteria">12/19 (2023)</td>' in _row(html, "T9203")


def test_the_scorecard_shows_the_commune_group_history(client, admin, merged):
    unit = merged[0]
    html = re.sub(r"\s+", " ", client.get(f"/xa/{unit.pk}/").content.decode())
    section = html[html.index('<article class="card groups"'):]
    section = section[:section.index("</article>")]
    assert "Nhóm xã (Quyết định 51/2025/QĐ-TTg)" in section
    assert ('<tr data-group="2"><td>Nhóm 2</td><td>15/2/2026 – 31/12/2026</td><td>120/QĐ-UBND ngày 10/2/2026</td>'
            "<td>UBND tỉnh Thái Nguyên</td></tr>") in section
    assert ('<tr data-group="1"><td>Nhóm 1 (ven đô thị, định hướng đô thị hóa)</td><td>1/1/2027 – nay</td>'
            "<td>45/QĐ-UBND ngày 20/12/2026</td><td>—</td></tr>") in section


def test_a_commune_without_a_group_says_so_and_an_old_commune_has_no_group_section(client, admin, merged):
    unit, an, *_ = merged
    CommuneGroupAssignment.objects.filter(unit=unit).delete()
    html = client.get(f"/xa/{unit.pk}/").content.decode()
    assert ("Xã chưa được xếp nhóm. Các chỉ tiêu có ngưỡng theo nhóm xã chưa xác định được cho đến khi Văn phòng Điều "
            "phối NTM tỉnh nhập quyết định xếp nhóm (Nhập dữ liệu → Nhóm xã).") in html
    old = client.get(f"/xa/{an.pk}/?as_of=2024-06-30").content.decode()
    assert 'class="card groups"' not in old and 'class="card lineage"' not in old


def test_predecessors_the_user_may_not_see_are_named_without_a_link(merged, make_user):
    unit, _an, *_ = merged

    viewer = make_user("xem-xa", "viewer", unit)
    rows = selectors.lineage(unit, viewer)
    visible = {p.unit.code: p.visible for p in rows[0].predecessors}
    from nongthonso.accounts.services import restrict

    expected = set(restrict(Unit.objects.filter(code__in=["T9201", "T9202", "T9203"]), viewer, "view")
                   .values_list("code", flat=True))
    assert {code for code, shown in visible.items() if shown} == expected
    assert selectors.lineage(unit, None)[0].predecessors[0].visible is False


def test_the_lineage_takes_the_same_number_of_queries_for_three_or_six_predecessors(merged):
    unit = merged[0]
    with CaptureQueriesContext(connection) as three:
        selectors.lineage(unit)
    event = LineageEvent.objects.get(successors=unit)
    old = Unit.objects.get(code="19", valid_to=OLD_END)
    event.predecessors.add(*[_unit(f"T94{i:02d}", f"Xã Thêm {i}", old, dt.date(2020, 1, 1), OLD_END) for i in range(3)])
    with CaptureQueriesContext(connection) as six:
        rows = selectors.lineage(unit)
    assert len(rows[0].predecessors) == 6
    assert len(six) == len(three)


def test_a_commune_that_was_not_reorganised_has_no_lineage(merged):
    _, an, *_ = merged
    assert selectors.lineage(an) == []


def test_the_communes_officer_may_open_a_dossier_on_the_provinces_own_set_too(client, merged, make_user):
    unit = merged[0]
    client.force_login(make_user("canbo-hopnhat", "commune_officer", unit))
    html = re.sub(r"\s+", " ", client.get(f"/xa/{unit.pk}/?as_of=2026-06-30").content.decode())
    assert ('<select name="set"><option value="xa-ntm-hien-dai-19-2026">Bộ tiêu chí xã nông thôn mới hiện đại tỉnh '
            "Thái Nguyên giai đoạn 2026-2030 (thí điểm) (bộ của tỉnh)</option><option value=\"xa-ntm-2026-2030\">Bộ "
            "tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030</option></select>") in html


NO_GROUP = ("Xã chưa được xếp nhóm theo Quyết định 51/2025/QĐ-TTg cho năm 2026 nên các chỉ tiêu có ngưỡng theo nhóm xã "
            "chưa xác định được. Đề nghị Văn phòng Điều phối NTM tỉnh nhập quyết định xếp nhóm xã (Nhập dữ liệu → Nhóm "
            "xã).")


def test_the_dossier_and_the_scorecard_say_why_group_thresholds_are_undetermined(client, merged, make_user):
    from nongthonso.assessments.services import get_or_create_assessment

    unit = merged[0]
    CommuneGroupAssignment.objects.filter(unit=unit).delete()
    cset = CriteriaSet.objects.get(code="xa-ntm-2026-2030", superseded_by__isnull=True)
    officer = make_user("canbo-hopnhat", "commune_officer", unit)
    a = get_or_create_assessment(unit, 2026, cset, user=officer)
    assert a.results["notes"][0]["message"] == NO_GROUP
    client.force_login(officer)
    dossier = client.get(f"/ho-so/{a.pk}/").content.decode()
    assert f'<p class="card note" role="status" data-note="commune_group_missing">{NO_GROUP}</p>' in dossier
    card = client.get(f"/xa/{unit.pk}/?year=2026&set=xa-ntm-2026-2030&as_of=2026-06-30").content.decode()
    assert f'<p class="note" role="status" data-note="commune_group_missing">{NO_GROUP}</p>' in card
    # once grouped, the note is gone
    CommuneGroupAssignment.objects.create(unit=unit, group=2, valid_from=dt.date(2026, 2, 15))
    from nongthonso.units.signals import groups_changed

    groups_changed.send(sender=CommuneGroupAssignment, unit_ids={unit.pk})
    assert 'data-note="commune_group_missing"' not in client.get(f"/ho-so/{a.pk}/").content.decode()
