"""The bulk evaluation an import ends with gives exactly what evaluating one assessment at a time gives."""

from __future__ import annotations

import json

import pytest

from nongthonso.assessments.evaluation import evaluate_assessment, evaluate_assessments, unit_context, values_of
from nongthonso.assessments.models import Assessment
from nongthonso.criteria import engine
from nongthonso.criteria.catalogue import compiled

pytestmark = pytest.mark.django_db
FIELDS = ("results", "criteria_met", "criteria_failed", "criteria_unknown", "criteria_total", "eligible", "revoke")


def test_the_json_of_the_bulk_engine_is_the_json_of_evaluate_one():
    checked = 0
    for a in Assessment.objects.select_related("criteria_set", "unit"):
        ctx = unit_context(a.unit)
        cs = compiled(a.criteria_set, ctx.province_code)
        values = values_of(a)
        group = ctx.group_in(a.year)
        one = engine.evaluate_one(cs, values, year=a.year, region=ctx.region, group=group,
                                  flags=ctx.flags).to_dict()
        ((summary, text),) = engine.evaluate_many_json(cs, [(values, a.year, ctx.region, group, ctx.flags)])
        assert text == json.dumps(one)
        assert summary == {k: v for k, v in one.items() if k != "criteria"}
        checked += 1
    assert checked > 250


def test_evaluate_assessments_stores_what_evaluate_assessment_stores():
    ids = list(Assessment.objects.order_by("pk").values_list("pk", flat=True))
    for pk in ids:  # one by one, as a value entered in a form
        evaluate_assessment(Assessment.objects.select_related("unit", "criteria_set__requires").get(pk=pk))
    one_by_one = list(Assessment.objects.order_by("pk").values_list(*FIELDS))
    Assessment.objects.update(results={}, criteria_met=0, eligible=False)
    assert evaluate_assessments(ids, batch=50) == len(ids)
    assert list(Assessment.objects.order_by("pk").values_list(*FIELDS)) == one_by_one
