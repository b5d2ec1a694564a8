"""Unit costs: data with provenance, edited by the province office only (audited), imported all or nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.criteria.models import Indicator
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.foresight.costs import import_costs
from nongthonso.foresight.models import IndicatorCost

pytestmark = pytest.mark.django_db
SET = "xa-ntm-2021-2025"


def _indicator(code="1.1"):
    return Indicator.objects.get(criteria_set__code=SET, criteria_set__superseded_by__isnull=True, code=code)


def test_the_demo_costs_are_labelled_synthetic():
    rows = IndicatorCost.objects.all()
    assert rows and all(r.synthetic and r.provenance == "placeholder" and "minh họa" in r.source for r in rows)


def test_the_province_office_sets_a_cost_on_the_page_audited(client, make_user, province_19):
    client.force_login(make_user("tinh", "province_office", province_19))
    IndicatorCost.objects.filter(indicator=_indicator()).delete()
    response = client.post(reverse("foresight_costs"), {
        "tinh": "19", "as_of": AS_OF.isoformat(), "muc": "xa_ntm", "indicator": "1.1", "cost_per_unit": "150.000.000",
        "unit_of_measure": "1 điểm phần trăm", "source": "Dự toán 2023", "provenance": "province",
        "valid_from": "2023-01-01"})
    assert response.status_code == 302
    cost = IndicatorCost.objects.get(indicator=_indicator(), province=province_19)
    assert cost.cost_per_unit == Decimal(150_000_000) and cost.currency == "VND"
    entry = AuditEntry.objects.get(model="foresight.indicatorcost", object_id=str(cost.pk))
    assert entry.after["cost_per_unit"] == "150000000" and entry.after["source"] == "Dự toán 2023"


def test_a_district_office_may_not_set_costs(client, make_user, dai_tu):
    client.force_login(make_user("huyen", "district_office", dai_tu))
    before = IndicatorCost.objects.count()
    response = client.post(reverse("foresight_costs"), {
        "tinh": "19", "as_of": AS_OF.isoformat(), "indicator": "1.1", "cost_per_unit": "1", "unit_of_measure": "x",
        "source": "y", "provenance": "province"})
    assert response.status_code == 302 and IndicatorCost.objects.count() == before


def test_a_cost_without_source_is_refused_with_the_field_named(client, make_user, province_19):
    client.force_login(make_user("tinh", "province_office", province_19))
    response = client.post(reverse("foresight_costs"), {
        "tinh": "19", "as_of": AS_OF.isoformat(), "indicator": "1.1", "cost_per_unit": "5", "unit_of_measure": "x",
        "source": "", "provenance": "province", "valid_from": "2023-02-01"})
    assert response.status_code == 400 and 'data-error="source"' in response.content.decode()


def _csv(tmp_path, rows):
    path = tmp_path / "costs.csv"
    header = "province,set,indicator,cost_per_unit,unit_of_measure,source,provenance,valid_from\n"
    path.write_text(header + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_import_writes_all_rows_or_none(tmp_path, make_user, province_19):
    office = make_user("tinh", "province_office", province_19)
    good = ["19", SET, "1.1", "200000000", "1 điểm phần trăm", "Dự toán", "province", "2023-03-01"]
    bad = ["19", SET, "99.9", "-5", "x", "y", "province", "2023-03-01"]
    with pytest.raises(ImportFailed) as failed:
        import_costs(_csv(tmp_path, [good, bad]), user=office)
    assert {e.column for e in failed.value.errors} >= {"indicator", "cost_per_unit"}
    assert not IndicatorCost.objects.filter(valid_from=dt.date(2023, 3, 1)).exists()
    IndicatorCost.objects.filter(indicator=_indicator(), province=province_19).update(valid_to=dt.date(2023, 2, 28))
    result = import_costs(_csv(tmp_path, [good]), user=office)
    assert result.created == 1
    assert AuditEntry.objects.filter(model="foresight.indicatorcost", action="create").exists()
    # the same file again changes nothing
    assert import_costs(_csv(tmp_path, [good]), user=office).unchanged == 1


def test_a_district_office_may_not_import_costs(tmp_path, make_user, dai_tu):
    with pytest.raises(ImportFailed, match="Chỉ Văn phòng Điều phối NTM tỉnh"):
        import_costs(_csv(tmp_path, []), user=make_user("huyen", "district_office", dai_tu))
