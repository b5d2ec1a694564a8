"""Fixtures of the reports tests: the 2023 report, dossiers whose values a test moves across a threshold,
dashboards grown to many communes and the queries they cost, and the reference summary."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nongthonso.assessments import standings
from nongthonso.assessments.evaluation import unit_context
from nongthonso.assessments.models import Assessment
from nongthonso.criteria.catalogue import compiled
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.demo.thai_nguyen_2026 import SET_2021
from nongthonso.recognition import spells
from nongthonso.recognition.models import Decision, Registration
from nongthonso.units.models import Unit

from . import reference_summary as reference

# The paragraph of the province's 2023 report that the demo's figures reproduce word for word.
REPORT_2023 = (
    "Trong 6 tháng đầu năm 2023, đã công nhận 10 xã đạt chuẩn nông thôn mới, 9 xã đạt chuẩn nông thôn mới "
    "nâng cao, 4 xã đạt chuẩn nông thôn mới kiểu mẫu năm 2022. Đến nay, toàn tỉnh có 108/126 xã đạt chuẩn nông "
    "thôn mới, bằng 85,7% tổng số xã; 17 xã đạt chuẩn nông thôn mới nâng cao; 4 xã đạt chuẩn nông thôn mới kiểu "
    "mẫu; 88 xóm nông thôn mới kiểu mẫu; bình quân đạt 18,2 tiêu chí/xã và không có xã dưới 10 tiêu chí. "
    "Năm 2023, có 11 xã đăng ký đạt chuẩn nông thôn mới; 12 xã đăng ký đạt chuẩn nông thôn mới nâng cao; 4 xã "
    "đăng ký đạt chuẩn nông thôn mới kiểu mẫu. Ngày 24/5/2023, Thủ tướng Chính phủ đã ban hành Quyết định số "
    "567/QĐ-TTg công nhận huyện Phú Bình đạt chuẩn nông thôn mới năm 2022. Đến nay, tỉnh có 4 đơn vị cấp huyện "
    "hoàn thành nhiệm vụ xây dựng nông thôn mới gồm thành phố Thái Nguyên, thành phố Sông Công, thành phố Phổ "
    "Yên và huyện Phú Bình."
)


@pytest.fixture
def report_2023() -> str:
    """The summary paragraph of Thái Nguyên's report on the first half of 2023."""
    return REPORT_2023


# --- dossiers and values --------------------------------------------------------------------------------------

@pytest.fixture
def latest_2023(db):
    """``latest_2023()``: the communes' 2023 NTM assessments (2021-2025 set), by commune code, read afresh."""

    def assessments():
        return (Assessment.objects.filter(year=2023, criteria_set__code=SET_2021)
                .select_related("unit", "criteria_set").order_by("unit__code"))

    return assessments


@pytest.fixture
def first_met_indicator():
    """``first_met_indicator(assessment)``: (criterion code, its first indicator's result) of the first criterion
    the assessment meets."""

    def find(assessment) -> tuple[str, dict]:
        for criterion in assessment.results["criteria"]:
            if criterion["status"] == "met":
                return criterion["code"], criterion["indicators"][0]
        raise AssertionError("no met criterion")

    return find


@pytest.fixture
def failing_value():
    """``failing_value(assessment, code)``: a value that misses indicator ``code``'s threshold for this commune."""

    def value(assessment, code: str):
        ctx = unit_context(assessment.unit)
        cs = compiled(assessment.criteria_set, ctx.province_code)
        col = cs.index[code]
        threshold = cs.thresholds_for(assessment.year, cs.threshold_class(region=ctx.region, flags=ctx.flags))[col]
        if cs.value_types[col] == "boolean":
            return not bool(threshold)
        return threshold - 1 if cs.comparators[col] in (">=", ">") else threshold + 1

    return value


# --- dashboards at scale --------------------------------------------------------------------------------------

@pytest.fixture
def rural_communes(db):
    """``rural_communes(root)``: the rural communes under ``root`` on 30/6/2023, by code."""

    def communes(root: Unit) -> list[Unit]:
        return list(Unit.objects.valid_on(AS_OF).within(root).rural_communes().order_by("code"))

    return communes


@pytest.fixture
def grow(rural_communes):
    """``grow(district, total)``: add synthetic communes to ``district`` until it has ``total`` rural communes on
    30/6/2023, each a copy of an existing commune of the district (same decisions, registrations and assessments),
    so the data has the same shape, only more of it."""

    def add(district: Unit, total: int) -> None:
        templates = rural_communes(district)
        through = Decision.units.through
        links, copies, registrations = [], [], []
        for i in range(len(templates), total):
            template = templates[i % len(templates)]
            commune = Unit(code=f"T{district.code}{i:04d}", name=f"Xã Thử {district.code}-{i}",
                           unit_type_id=template.unit_type_id, parent=district, valid_from=template.valid_from,
                           valid_to=template.valid_to, region=template.region, synthetic=True)
            commune.save()
            links += [through(decision_id=d, unit_id=commune.pk)
                      for d in through.objects.filter(unit=template).values_list("decision_id", flat=True)]
            for a in Assessment.objects.filter(unit=template):
                a.pk, a.unit = None, commune
                copies.append(a)
            for r in Registration.objects.filter(unit=template):
                r.pk, r.unit = None, commune
                registrations.append(r)
        through.objects.bulk_create(links)
        Assessment.objects.bulk_create(copies)
        Registration.objects.bulk_create(registrations)
        # bulk_create sends no signals: the derived rows of the new communes, as any bulk writer must
        new = {link.unit_id for link in links} | {a.unit_id for a in copies}
        spells.refresh(new)
        standings.refresh(new)
        assert len(rural_communes(district)) == total

    return add


@pytest.fixture
def count_queries():
    """``count_queries(client, url, params)``: the number of queries a successful GET of the page makes."""

    def count(client, url: str, params: dict) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    return count


@pytest.fixture
def query_bound() -> int:
    """The most queries a 2023 dashboard page (signed-in or public) may make: a constant, whatever the number of
    communes."""
    return 80


@pytest.fixture
def district_rows():
    """``district_rows(html)``: (code, communes, NTM) per row of a dashboard's district table."""

    def rows(html: str) -> list[tuple[str, int, int]]:
        found = re.findall(r'<tr data-district="(\w+)"><th scope="row">[^<]+</th><td class="num">([\d.]+)</td>\s*'
                           r'<td class="num">([\d.]+)</td>', html)
        return [(code, int(n.replace(".", "")), int(ntm.replace(".", ""))) for code, n, ntm in found]

    return rows


# --- the reference summary -------------------------------------------------------------------------------------

@pytest.fixture
def reference_summary(db):
    """``reference_summary(code, as_of, period_start=None)``: the provincial summary computed the slow way — every
    unit, decision and assessment loaded and counted in Python — as JSON data (``tests/reports/reference_summary.py``,
    which the national benchmark times too)."""
    return reference.reference_summary


@pytest.fixture
def latest_assessments(db):
    """``latest_assessments(units, level, year)``: each unit's latest assessment at ``level`` up to ``year``, found
    the way the reference summary finds it."""
    return reference.latest_assessments
