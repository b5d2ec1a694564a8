"""The ``ocop-products`` import: products and their producers from CSV or XLSX, all rows or nothing, with Vietnamese
row errors; producers matched by registration number or by name in their commune, created when new; only the
communes the user manages; every write audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.demo.thai_nguyen_2026 import AS_OF as DAY_2026
from nongthonso.ocop import imports_products
from nongthonso.ocop.models import Producer, ProducerKind, Product, ProductGroup, Provenance, SubGroup

pytestmark = pytest.mark.django_db
HEADER = ["product_code", "product_name", "subgroup", "commune_code", "producer_name", "producer_kind",
          "producer_registration_number", "description"]


@pytest.fixture
def subgroup(db):
    found = SubGroup.objects.first()
    if found is not None:
        return found
    group = ProductGroup.objects.create(code="T1", name="Thực phẩm (kiểm thử)", provenance=Provenance.PLACEHOLDER)
    return SubGroup.objects.create(group=group, code="T1.1", name="Chè (kiểm thử)", provenance=Provenance.PLACEHOLDER)


@pytest.fixture
def place(today_is, van_phu, lam_vy, make_user):
    today_is(DAY_2026)
    return dict(van_phu=van_phu, lam_vy=lam_vy, officer=make_user("cb.vp", "commune_officer", van_phu))


def _csv(tmp_path, rows, header=HEADER, name="san-pham.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _counts():
    audited = AuditEntry.objects.filter(model__startswith="ocop.").count()
    return Producer.objects.count(), Product.objects.count(), audited


def test_a_good_file_creates_products_and_new_producers_once_and_updates_on_a_second_run(tmp_path, place, subgroup):
    vp = place["van_phu"].code
    path = _csv(tmp_path, [
        ["IMP-1", "Chè xanh Vạn Phú", subgroup.code, vp, "HTX Chè Vạn Phú", "hop_tac_xa", "4601000001", "Chè búp"],
        ["IMP-2", "Chè móc câu Vạn Phú", subgroup.code, vp, "HTX Chè Vạn Phú", "", "4601000001", ""],
        ["IMP-3", "Mật ong rừng", subgroup.name, vp, "Hộ kinh doanh Nguyễn Văn A", "Hộ kinh doanh", "", ""],
    ])
    before = _counts()
    dry = imports_products.run(path, dry_run=True, user=place["officer"])
    assert (dry.created, dry.updated) == (3, 0) and _counts() == before
    assert "Sẽ tạo 2 chủ thể mới." in dry.messages
    done = imports_products.run(path, user=place["officer"])
    assert (done.created, done.updated, done.unchanged) == (3, 0, 0)
    coop = Producer.objects.get(registration_number="4601000001")
    assert (coop.kind, coop.unit) == (ProducerKind.COOPERATIVE, place["van_phu"])
    assert sorted(coop.products.values_list("code", flat=True)) == ["IMP-1", "IMP-2"]
    assert Product.objects.get(code="IMP-3").producer.kind == ProducerKind.HOUSEHOLD
    entries = AuditEntry.objects.filter(model__in=["ocop.producer", "ocop.product"], action="create")
    assert entries.count() == 5 and all("Nhập tệp san-pham.csv, dòng" in e.note for e in entries)

    again = _csv(tmp_path, [
        ["IMP-1", "Chè xanh Vạn Phú đặc biệt", subgroup.code, vp, "htx che van phu", "", "", "Chè búp"],
        ["IMP-2", "Chè móc câu Vạn Phú", subgroup.code, vp, "HTX Chè Vạn Phú", "", "4601000001", ""],
    ], name="lan-2.csv")
    second = imports_products.run(again, user=place["officer"])
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert Producer.objects.filter(name__iexact="HTX Chè Vạn Phú").count() == 1
    assert Product.objects.get(code="IMP-1").name == "Chè xanh Vạn Phú đặc biệt"
    update = AuditEntry.objects.filter(model="ocop.product", action="update").latest("pk")
    assert update.after == {"name": "Chè xanh Vạn Phú đặc biệt"}


def test_a_bad_file_writes_nothing_and_names_each_row_column_and_fix(tmp_path, place, subgroup):
    vp, lv = place["van_phu"].code, place["lam_vy"].code
    path = _csv(tmp_path, [
        ["IMP-1", "Chè xanh", subgroup.code, vp, "HTX Mới", "", "", ""],
        ["mã có dấu", "", "khong-co", "99999", "HTX B", "xuong", "", ""],
        ["IMP-3", "Miến dong", subgroup.code, lv, "HTX Lam Vỹ", "hop_tac_xa", "", ""],
        ["IMP-1", "Trùng", subgroup.code, vp, "HTX Mới", "hop_tac_xa", "", ""],
    ])
    before = _counts()
    with pytest.raises(ImportFailed) as failed:
        imports_products.run(path, user=place["officer"])
    text = "\n".join(str(e) for e in failed.value.errors)
    assert "Dòng 3, cột «product_code» (giá trị «mã có dấu»): mã chỉ gồm chữ, số" in text
    assert "Dòng 3, cột «product_name»: thiếu tên sản phẩm" in text
    assert "Dòng 3, cột «subgroup» (giá trị «khong-co»): không có phân nhóm này" in text
    assert "Dòng 3, cột «commune_code» (giá trị «99999»): không có xã, phường mã này còn hiệu lực" in text
    assert "Dòng 3, cột «producer_kind» (giá trị «xuong»): không có loại hình này" in text
    assert f"Dòng 4, cột «commune_code» (giá trị «{lv}»): Bạn không được nhập sản phẩm OCOP của xã Lam Vỹ" in text
    assert "Dòng 5, cột «product_code» (giá trị «IMP-1»): trùng với dòng 2" in text
    assert _counts() == before


def test_a_new_producer_without_its_kind_and_a_product_of_another_commune_are_refused(tmp_path, place, subgroup,
                                                                                     make_user):
    other = Producer.objects.create(name="HTX Lam Vỹ", kind=ProducerKind.COOPERATIVE, unit=place["lam_vy"])
    Product.objects.create(code="LV-1", name="Miến dong Lam Vỹ", producer=other, subgroup=subgroup,
                           unit=place["lam_vy"])
    path = _csv(tmp_path, [
        ["IMP-9", "Bún khô", subgroup.code, place["van_phu"].code, "Cơ sở bún chưa có", "", "", ""],
        ["LV-1", "Miến dong (đổi tên)", subgroup.code, place["van_phu"].code, "HTX Lam Vỹ", "", "", ""],
    ])
    before = _counts()
    with pytest.raises(ImportFailed) as failed:
        imports_products.run(path, user=place["officer"])
    text = "\n".join(str(e) for e in failed.value.errors)
    assert "Dòng 2, cột «producer_kind»: chủ thể «Cơ sở bún chưa có» chưa có trong hệ thống" in text
    assert "Dòng 3, cột «product_code» (giá trị «LV-1»): mã này là của sản phẩm «Miến dong Lam Vỹ»" in text
    assert _counts() == before
    viewer = make_user("chi.xem", "viewer", place["van_phu"])
    with pytest.raises(ImportFailed) as nobody:
        imports_products.run(path, user=viewer)
    assert "Chỉ Văn phòng Điều phối NTM và cán bộ NTM xã" in str(nobody.value)


def test_the_command_takes_xlsx_with_vietnamese_headers_and_a_dry_run(tmp_path, place, subgroup):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã sản phẩm", "Tên sản phẩm", "Phân nhóm", "Mã xã", "Tên chủ thể", "Loại hình chủ thể"])
    sheet.append(["X-1", "Gạo nếp vải", subgroup.code, place["van_phu"].code, "Tổ hợp tác gạo", "to_hop_tac"])
    path = tmp_path / "san-pham.xlsx"
    book.save(path)
    out = io.StringIO()
    call_command("import", "ocop-products", str(path), "--dry-run", stdout=out)
    assert "Sẽ tạo mới 1" in out.getvalue() and not Product.objects.filter(code="X-1").exists()
    call_command("import", "ocop-products", str(path), stdout=io.StringIO())
    assert Product.objects.get(code="X-1").producer.kind == ProducerKind.COOPERATIVE_GROUP
