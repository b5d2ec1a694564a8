"""The ranking of the communes closest to the standard on the demo: page, export, API, scope."""

import csv
import io

import pytest
from django.urls import reverse

from nongthonso.criteria.choices import Level
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.units import groupings

pytestmark = pytest.mark.django_db


def test_the_ranking_page_lists_the_district_s_communes_closest_first(client, make_user, dai_tu, province_19):
    # given a district office of Đại Từ
    client.force_login(make_user("huyen", "district_office", dai_tu))
    # when it opens the ranking of 30/6/2023
    page = client.get(reverse("foresight_ranking"), {"as_of": AS_OF.isoformat(), "muc": Level.XA_NTM})
    assert page.status_code == 200
    ranking = page.context["ranking"]
    # then only its own communes are ranked, closest first by failing criteria then distance
    assert ranking.rows and all(r.unit.path.startswith(dai_tu.path) for r in ranking.rows)
    keys = [(r.criteria_failing, round(r.distance, 9)) for r in ranking.rows]
    assert keys == sorted(keys)
    # the demo's synthetic unit costs price the gaps: cost = Σ unit cost × gap of the priced failing indicators
    row = next(r for r in ranking.rows if any(g.cost for g in r.gaps))
    assert row.cost == pytest.approx(sum(g.cost for g in row.gaps if g.cost is not None))
    assert f'data-unit="{row.unit.code}"' in page.content.decode()


def test_a_user_without_a_role_is_refused(client, make_user):
    client.force_login(make_user("ai-do"))
    page = client.get(reverse("foresight_ranking"), {"as_of": AS_OF.isoformat()})
    assert page.status_code == 403 and "chưa được giao đơn vị" in page.content.decode()


def test_the_export_is_formula_safe_and_scoped(client, make_user, dai_tu):
    from nongthonso.core import registry
    from nongthonso.foresight.exports_gaps import KIND

    assert registry.find(registry.ExportKind, KIND) is not None
    client.force_login(make_user("huyen", "district_office", dai_tu))
    response = client.get(reverse("data_export_file"), {"kind": KIND, "unit": "19", "year": 2023, "format": "csv"})
    assert response.status_code == 200, response.content[:500]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["level", "group", "rank", "unit_code", "unit_name"]
    assert len(rows) > 1 and {r[1] for r in rows[1:]} == {"Huyện Đại Từ"}
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)
    xlsx = client.get(reverse("data_export_file"), {"kind": KIND, "unit": "19", "year": 2023, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_api_ranks_within_the_token_s_scope(call, make_user, token_for, dai_tu, assert_error):
    token = token_for(make_user("huyen", "district_office", dai_tu))
    response = call("GET", f"/api/foresight/gaps?province=19&as_of={AS_OF.isoformat()}", token)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["criteria_set"] == "xa-ntm-2021-2025" and data["communes"]
    assert [c["rank"] for c in data["communes"]] == list(range(1, len(data["communes"]) + 1))
    assert all(c["group"] == "Huyện Đại Từ" for c in data["communes"])
    wrong = call("GET", f"/api/foresight/gaps?province=19&as_of={AS_OF.isoformat()}&level=khong-co", token)
    assert_error(wrong, 422, "invalid_level")


def _former(group):
    return group.key == groupings.NO_FORMER_KEY or group.name.endswith("(cũ)")


def _commune_group(group):
    return group.key == groupings.NO_GROUP_KEY or group.key.startswith("nhom-")


@pytest.mark.parametrize(("choice", "belongs"), [("nhom-xa", _commune_group), ("huyen-cu", _former)])
def test_in_2026_the_ranking_groups_by_former_district_or_commune_group(client, make_user, new_unit, choice, belongs):
    # given the province office of the two-tier province of 2026
    client.force_login(make_user("tinh", "province_office", new_unit("19", "tinh")))
    # when it ranks the communes of 30/6/2026 grouped by commune group or by former district
    page = client.get(reverse("foresight_ranking"), {"as_of": "2026-06-30", "cach": choice})
    assert page.status_code == 200
    ranking = page.context["ranking"]
    # then the 2026-2030 set is used, and every ranked commune sits in a group of the grouping asked for
    assert ranking.cset.code == "xa-ntm-2026-2030" and ranking.rows
    assert page.context["place"].grouping.kind == choice
    assert all(r.group is not None and belongs(r.group) for r in ranking.rows)
