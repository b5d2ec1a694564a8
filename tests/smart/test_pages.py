"""The smart-NTM pages: the progress of the demo's 2023 targets, one target unit by unit (only the units in the
user's scope), the entry of a figure (who may, the checks, the audit, CSRF), the XLSX download, the menu entry."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from nongthonso.audit.models import AuditEntry
from nongthonso.smart.models import Figure, Target

pytestmark = pytest.mark.django_db
URL = reverse("smart_targets")


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-target="{code}".*?</tr>', html, re.S)
    assert match, f"target {code} is listed"
    return match.group(0)


def test_the_progress_page_shows_each_2023_target_with_its_computed_value(client, users):
    client.force_login(users.viewer)
    response = client.get(URL, {"nam": "2023"})
    assert response.status_code == 200
    html = response.content.decode()
    for target in Target.objects.filter(programme__code__in=["qd-924-2022", "kh-154-2022-thai-nguyen"]):
        assert f'data-target="{target.code}"' in html
    row = _row(html, "qd924-xa-8-4")
    assert 'data-status="met"' in row and "≥ 97,0%" in row and "Theo nguồn thứ cấp" in row
    # the advanced-commune targets: 29 dossiers among 126 communes
    row = _row(html, "qd924-nc-8-4")
    assert 'data-status="not_met"' in row and "23,0%" in row and "29/126" in row
    assert 'data-status="not_computable"' in _row(html, "qd924-huyen-nc-6-5")
    assert "Chưa đối chiếu nguyên văn" in html or "chưa đối chiếu nguyên văn" in html


def test_a_year_without_programmes_says_so(client, make_user, new_unit):
    client.force_login(make_user("smart.tinh.2026", "province_office", new_unit("19", "tinh")))
    html = client.get(URL, {"nam": "2026"}).content.decode()
    assert "data-empty" in html and "Năm 2026 không có chương trình" in html


def test_a_year_when_none_of_the_users_units_was_in_force_is_not_found(client, users):
    client.force_login(users.office)  # a role on the province as it was until 30/6/2025
    response = client.get(URL, {"nam": "2026"})
    assert response.status_code == 404 and "không có tỉnh nào trong phạm vi của bạn" in response.content.decode()


def test_a_user_without_a_role_is_refused_and_has_no_menu_entry(client, users):
    client.force_login(users.nobody)
    response = client.get(URL)
    assert response.status_code == 403 and "chưa được giao vai trò" in response.content.decode()
    client.force_login(users.viewer)
    assert f'href="{URL}"' in client.get(reverse("dossiers")).content.decode()


def test_a_province_outside_the_users_scope_is_not_found(client, users):
    client.force_login(users.viewer)
    assert client.get(URL, {"tinh": "01", "nam": "2023"}).status_code == 404


def test_the_drilldown_lists_only_the_units_in_the_users_scope(client, users, at_2023):
    url = reverse("smart_target", args=["qd924-xa-8-4"])
    client.force_login(users.district)  # Phú Lương
    html = client.get(url, {"nam": "2023"}).content.decode()
    listed = set(re.findall(r'<tr data-unit="(\d+)"', html))
    phu_luong = {u.code for u in at_2023("168", "huyen").children.filter(unit_type__code="xa")}
    assert listed == phu_luong
    assert f'data-hidden="{126 - len(phu_luong)}"' in html
    assert "/ho-so/" in html  # each row links to its dossier


def test_an_unknown_target_or_one_of_another_year_is_not_found(client, users):
    client.force_login(users.office)
    assert client.get(reverse("smart_target", args=["khong-co"]), {"nam": "2023"}).status_code == 404
    assert client.get(reverse("smart_target", args=["qd924-xa-8-4"]), {"nam": "2026"}).status_code == 404
    client.force_login(users.commune)  # a province outside the user's scope
    assert client.get(reverse("smart_target", args=["qd924-xa-8-4"]), {"nam": "2023", "tinh": "01"}).status_code == 404


def test_a_commune_officer_enters_the_figure_of_their_commune(client, users, at_2023):
    url = reverse("smart_target", args=["qd924-ho-so-xa"])
    client.force_login(users.commune)
    html = client.get(url, {"nam": "2023"}).content.decode()
    assert "data-figure-form" in html
    before = AuditEntry.objects.count()
    response = client.post(url, {"tinh": "19", "nam": "2023", "unit": "05641", "numerator": "2.169",
                                 "denominator": "2.180", "source": "Hệ thống quản lý văn bản của UBND xã"})
    assert response.status_code == 302
    figure = Figure.objects.get(measure__code="ho-so-truc-tuyen", unit=at_2023("05641"), year=2023)
    assert (figure.numerator, figure.denominator, figure.entered_by) == (2169, 2180, users.commune)
    entry = AuditEntry.objects.filter(model="smart.figure", object_id=str(figure.pk)).latest("pk")
    assert AuditEntry.objects.count() > before and entry.after["numerator"] == 2169 and entry.user == users.commune
    page = client.get(response["Location"]).content.decode()
    assert "số liệu của Xã Tức Tranh: 2.169/2.180" in page


def test_a_commune_officer_may_not_enter_another_communes_figure(client, users):
    url = reverse("smart_target", args=["qd924-ho-so-xa"])
    client.force_login(users.commune)
    before = list(Figure.objects.filter(unit__code="05635").values_list("numerator", flat=True))
    response = client.post(url, {"tinh": "19", "nam": "2023", "unit": "05635", "numerator": "1",
                                 "denominator": "2", "source": "thử"})
    assert response.status_code == 400
    assert "không được nhập số liệu chuyển đổi số" in response.content.decode()
    assert list(Figure.objects.filter(unit__code="05635").values_list("numerator", flat=True)) == before


def test_a_wrong_figure_is_refused_naming_the_field(client, users):
    url = reverse("smart_target", args=["qd924-ho-so-xa"])
    client.force_login(users.office)
    response = client.post(url, {"tinh": "19", "nam": "2023", "unit": "05641", "numerator": "12",
                                 "denominator": "10", "source": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-error="numerator"' in html and "tử số 12 lớn hơn mẫu số 10" in html
    assert 'data-error="source"' in html and "thiếu nguồn số liệu" in html


def test_a_district_unit_is_refused_for_a_commune_measure_level(client, users):
    url = reverse("smart_target", args=["qd924-htx-cds"])
    client.force_login(users.office)
    response = client.post(url, {"tinh": "19", "nam": "2023", "unit": "168", "numerator": "1",
                                 "denominator": "2", "source": "thử"})
    assert response.status_code == 400 and "do đơn vị cấp xã nhập" in response.content.decode()


def test_a_viewer_sees_no_entry_form_and_may_not_post(client, users):
    url = reverse("smart_target", args=["qd924-ho-so-xa"])
    client.force_login(users.viewer)
    assert "data-figure-form" not in client.get(url, {"nam": "2023"}).content.decode()
    response = client.post(url, {"tinh": "19", "nam": "2023", "unit": "05641", "numerator": "1",
                                 "denominator": "2", "source": "thử"})
    assert response.status_code == 403


def test_the_entry_form_needs_the_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.office)
    response = client.post(reverse("smart_target", args=["qd924-ho-so-xa"]),
                           {"tinh": "19", "nam": "2023", "unit": "05641", "numerator": "1", "denominator": "2",
                            "source": "thử"})
    assert response.status_code == 403


def test_the_xlsx_download_has_every_target_with_its_value(client, users):
    client.force_login(users.viewer)
    response = client.get(reverse("smart_targets_xlsx"), {"nam": "2023"})
    assert response.status_code == 200 and "tien-do-ntm-thong-minh-19-2023.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    by_code = {r[header.index("Mã mục tiêu")]: r for r in body}
    assert set(by_code) == set(Target.objects.values_list("code", flat=True))
    row = by_code["qd924-nc-8-4"]
    assert row[header.index("Đạt được")] == 23.02 and row[header.index("Đánh giá")] == "Chưa đạt"
    assert row[header.index("Tử số")] == 29 and row[header.index("Mẫu số")] == 126
