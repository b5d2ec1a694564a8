"""Open data of the OCOP products (``ocop.opendata``): public CSV and JSON of the products certified by the date with
their certificate's status that day, listed on /du-lieu-mo/; the same rows as the export kind ``ocop_products``
(CSV/XLSX); no cell a spreadsheet could take for a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
from django.core.management import call_command

from nongthonso.core import registry
from nongthonso.core.registry import ExportRequest
from nongthonso.ocop.opendata import FIELDS

from . import public_world

fresh_cache, ocop_world = public_world.fresh_cache, public_world.ocop_world  # the fixtures

COLUMNS = ["code", "name", "group", "subgroup", "stars", "producer", "producer_kind", "commune_code", "commune_name",
           "certificate_number", "decision_date", "issuing_authority", "valid_until", "status", "revoked_on"]


def csv_rows(content: bytes) -> tuple[list[str], list[dict]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads the Vietnamese letters
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return reader.fieldnames, list(reader)


def test_the_csv_has_the_columns_and_a_row_per_certified_product_with_its_status(client, ocop_world):
    w = ocop_world
    response = client.get("/san-pham-ocop/du-lieu-mo.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="san-pham-ocop-19-2026-06-30.csv"'
    header, rows = csv_rows(response.content)
    assert header == COLUMNS == [name for name, _ in FIELDS]
    by_code = {r["code"]: r for r in rows}
    # Vietnamese order of names; the product never certified is not there
    assert [r["code"] for r in rows] == [w.tea.code, w.tofu.code, w.honey.code, w.noodles.code, w.wine.code]
    tea = by_code[w.tea.code]
    assert tea == {
        "code": "TN-CHE-01", "name": "Chè Tân Cương đặc biệt", "group": "Đồ uống (thử)",
        "subgroup": "Chè búp, chè lá", "stars": "4", "producer": "Hợp tác xã chè Tân Cương",
        "producer_kind": "Hợp tác xã", "commune_code": w.van_phu.code, "commune_name": w.van_phu.name,
        "certificate_number": "1234/QĐ-UBND", "decision_date": "2025-03-01",
        "issuing_authority": "Ủy ban nhân dân tỉnh Thái Nguyên", "valid_until": "2028-03-01",
        "status": "con_hieu_luc", "revoked_on": ""}
    assert (by_code[w.noodles.code]["status"], by_code[w.noodles.code]["valid_until"]) == ("het_han", "2025-01-10")
    assert (by_code[w.wine.code]["status"], by_code[w.wine.code]["revoked_on"]) == ("thu_hoi", "2026-02-01")


def test_the_json_carries_the_fields_and_a_past_date(client, ocop_world):
    w = ocop_world
    response = client.get("/san-pham-ocop/du-lieu-mo.json", {"as_of": "2024-06-01"})
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert data["dataset"] == "san-pham-ocop" and data["as_of"] == "2024-06-01" and data["unit"]["code"] == "19"
    assert [f["name"] for f in data["fields"]] == COLUMNS
    rows = {r["code"]: r for r in data["rows"]}
    # on 1/6/2024 the tea was not certified yet (1/3/2025); the noodles' certificate was in force, the wine's too
    assert set(rows) == {w.noodles.code, w.wine.code}
    assert rows[w.noodles.code]["status"] == rows[w.wine.code]["status"] == "con_hieu_luc"
    assert rows[w.wine.code]["revoked_on"] == ""
    # the tea's commune on that date: Văn Yên had not merged yet
    assert client.get("/san-pham-ocop/du-lieu-mo.json", {"as_of": "2025-06-01"}).json()["rows"][0]["commune_name"] \
        == w.van_yen.name


def test_a_unit_narrows_the_rows_and_bad_requests_say_why(client, ocop_world):
    w = ocop_world
    rows = client.get("/san-pham-ocop/du-lieu-mo.json", {"unit": w.van_phu.code}).json()["rows"]
    assert len(rows) == 5  # every product comes from Vạn Phú (the tea's and the noodles' through Văn Yên)
    missing = client.get("/san-pham-ocop/du-lieu-mo.csv", {"unit": "99999"})
    assert missing.status_code == 404 and "Không có đơn vị mã «99999»" in missing.content.decode()
    bad = client.get("/san-pham-ocop/du-lieu-mo.csv", {"as_of": "ngày mai"})
    assert bad.status_code == 400 and "không hợp lệ" in bad.content.decode()
    assert client.get("/san-pham-ocop/du-lieu-mo.xml").status_code == 404


def test_no_cell_is_a_formula(client, ocop_world, tmp_path):
    w = ocop_world
    w.tea.producer.name = '=HYPERLINK("http://example.invalid","bấm")'
    w.tea.producer.save()
    w.honey.name = "+84 Mật ong"
    w.honey.save()
    _, rows = csv_rows(client.get("/san-pham-ocop/du-lieu-mo.csv").content)
    by_code = {r["code"]: r for r in rows}
    assert by_code[w.tea.code]["producer"] == "'" + w.tea.producer.name
    assert by_code[w.honey.code]["name"] == "'+84 Mật ong"
    # the export kind's XLSX: text cells, never formulas
    out = tmp_path / "ocop.xlsx"
    call_command("export", "ocop_products", "--as-of", "2026-06-30", "--output", str(out))
    sheet = openpyxl.load_workbook(out).active
    cells = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert list(next(sheet.iter_rows(max_row=1, values_only=True))) == COLUMNS
    assert cells[w.tea.code][5] == w.tea.producer.name
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_export_kind_gives_the_same_rows(ocop_world, make_user, province_19, token_for, call):
    kind = registry.get(registry.ExportKind, "ocop_products")
    table = kind.table(ExportRequest(as_of=dt.date(2026, 6, 30)))
    assert list(table.header) == COLUMNS
    assert [r[0] for r in table.rows] == ["TN-CHE-01", "TN-DAU-01", "TN-MAT-01", "TN-MIEN-01", "TN-RUOU-01"]
    # through the API, for any signed-in user (the rows are public facts)
    viewer = make_user("xem.tinh", "viewer", province_19)
    response = call("get", "/api/exports/ocop_products?as_of=2026-06-30&format=csv", token_for(viewer))
    assert response.status_code == 200
    header, rows = csv_rows(b"".join(response.streaming_content))
    assert header == COLUMNS and [r["code"] for r in rows] == [r[0] for r in table.rows]


def test_listed_on_the_open_data_page(client, ocop_world):
    html = client.get("/du-lieu-mo/", {"as_of": "2026-06-30"}).content.decode()
    assert 'data-dataset="ocop_products"' in html
    assert 'href="/san-pham-ocop/du-lieu-mo.csv?as_of=2026-06-30&amp;unit=19"' in html
    assert 'href="/san-pham-ocop/du-lieu-mo.json?as_of=2026-06-30&amp;unit=19"' in html
    assert "Sản phẩm OCOP được công nhận" in html
