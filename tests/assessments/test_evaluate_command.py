import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nongthonso.assessments.models import Assessment


@pytest.mark.django_db
def test_evaluate_prints_the_engine_result_as_json():
    assessment = Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025").order_by("unit__code")[0]
    out = io.StringIO()
    call_command("evaluate", "--unit", assessment.unit.code, "--year", "2023", stdout=out)
    data = json.loads(out.getvalue())
    assert data["unit"]["code"] == assessment.unit.code
    assert data["criteria_met"] == assessment.criteria_met
    assert len(data["criteria"]) == 19
    assert {"code", "value", "threshold", "comparator", "status", "gap", "verified"} <= set(
        data["criteria"][0]["indicators"][0])


@pytest.mark.django_db
def test_evaluate_names_what_is_missing():
    message = "Không có bản đánh giá năm 2023 theo bộ «xa-ntm-2021-2025» cho đơn vị mã «00000»"
    with pytest.raises(CommandError, match=message):
        call_command("evaluate", "--unit", "00000", "--year", "2023")
