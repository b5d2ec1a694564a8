"""The OCOP management pages: who may see and change producers, products, photos and registrations (roles × own or
other commune, a producer's account on its own or another producer), what each form writes and audits, the
Vietnamese messages of what is refused, photos checked by content and size and served by permission, search without
diacritics."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from nongthonso.audit.models import AuditEntry
from nongthonso.demo.thai_nguyen_2026 import AS_OF as DAY_2026
from nongthonso.ocop import services
from nongthonso.ocop.models import (
    Producer,
    ProducerKind,
    Product,
    ProductGroup,
    ProductImage,
    Provenance,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    SubGroup,
)

pytestmark = pytest.mark.django_db
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _entries(model: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(model=f"ocop.{model}").order_by("pk"))


@pytest.fixture
def subgroup(db):
    """A sub-group of the catalogue (the first one loaded; a test's own when the catalogue is empty)."""
    found = SubGroup.objects.select_related("group").first()
    if found is not None:
        return found
    group = ProductGroup.objects.create(code="T1", name="Thực phẩm (kiểm thử)", provenance=Provenance.PLACEHOLDER)
    return SubGroup.objects.create(group=group, code="T1.1", name="Chè và sản phẩm từ chè (kiểm thử)",
                                   provenance=Provenance.PLACEHOLDER)


@pytest.fixture
def world(today_is, van_phu, lam_vy, new_unit, make_user, subgroup):
    """Two communes of the new province (Vạn Phú, Lam Vỹ), each with a producer and a product; their officers, the
    province office, a viewer, a producer's account of the Vạn Phú producer."""
    today_is(DAY_2026)
    province = new_unit("19", "tinh")
    producer_vp = Producer.objects.create(name="Hợp tác xã chè Vạn Phú", kind=ProducerKind.COOPERATIVE, unit=van_phu)
    producer_lv = Producer.objects.create(name="Tổ hợp tác miến Lam Vỹ", kind=ProducerKind.COOPERATIVE_GROUP,
                                          unit=lam_vy)
    owner = make_user("chuthe.vanphu")
    producer_vp.members.add(owner)
    product_vp = Product.objects.create(code="T-VP-1", name="Chè xanh Vạn Phú", producer=producer_vp,
                                        subgroup=subgroup, unit=van_phu)
    product_lv = Product.objects.create(code="T-LV-1", name="Miến dong Lam Vỹ", producer=producer_lv,
                                        subgroup=subgroup, unit=lam_vy)
    return dict(
        van_phu=van_phu, lam_vy=lam_vy, province=province, subgroup=subgroup, owner=owner,
        producer_vp=producer_vp, producer_lv=producer_lv, product_vp=product_vp, product_lv=product_lv,
        officer_vp=make_user("cb.vp", "commune_officer", van_phu),
        officer_lv=make_user("cb.lv", "commune_officer", lam_vy),
        office=make_user("vp.tinh", "province_office", province),
        viewer=make_user("xem.tinh", "viewer", province),
        stranger=make_user("khong.vai.tro"),
    )


# --- who sees what -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "vp", "lv"), [
    ("officer_vp", 200, 404), ("officer_lv", 404, 200), ("office", 200, 200), ("viewer", 200, 200),
    ("owner", 200, 404), ("stranger", 404, 404),
])
def test_a_product_page_opens_to_who_may_see_it_and_is_not_found_elsewhere(world, who, vp, lv):
    client = _client(world[who])
    assert client.get(f"/ocop/san-pham/{world['product_vp'].pk}/").status_code == vp
    assert client.get(f"/ocop/san-pham/{world['product_lv'].pk}/").status_code == lv
    assert client.get(f"/ocop/chu-the/{world['producer_vp'].pk}/").status_code == vp


@pytest.mark.parametrize(("who", "vp", "lv"), [
    ("officer_vp", 200, 404), ("officer_lv", 404, 200), ("office", 200, 200), ("viewer", 403, 403),
    ("owner", 200, 404),
])
def test_editing_a_product_is_for_its_commune_office_and_its_producer_account(world, who, vp, lv):
    client = _client(world[who])
    assert client.get(f"/ocop/san-pham/{world['product_vp'].pk}/sua/").status_code == vp
    assert client.get(f"/ocop/san-pham/{world['product_lv'].pk}/sua/").status_code == lv


def test_out_of_scope_rows_are_not_found_and_visible_but_locked_rows_say_why(world):
    officer_lv = _client(world["officer_lv"])
    assert officer_lv.get(f"/ocop/san-pham/{world['product_vp'].pk}/sua/").status_code == 404
    viewer = _client(world["viewer"])
    refused = viewer.get(f"/ocop/san-pham/{world['product_vp'].pk}/sua/")
    assert refused.status_code == 403
    assert "không được sửa sản phẩm «Chè xanh Vạn Phú»" in refused.content.decode()
    assert viewer.get("/ocop/chu-the/moi/").status_code == 403
    stranger = _client(world["stranger"]).get("/ocop/")
    assert stranger.status_code == 403 and "chưa được giao vai trò OCOP" in stranger.content.decode()


def test_lists_hold_the_rows_in_scope_and_search_ignores_diacritics(world):
    officer = _client(world["officer_vp"])
    page = officer.get("/ocop/san-pham/").content.decode()
    assert "Chè xanh Vạn Phú" in page and "Miến dong Lam Vỹ" not in page
    office = _client(world["office"])
    found = office.get("/ocop/san-pham/", {"q": "mien dong"}).content.decode()
    assert "Miến dong Lam Vỹ" in found and "Chè xanh Vạn Phú" not in found
    by_producer = office.get("/ocop/san-pham/", {"q": "hop tac xa che"}).content.decode()
    assert "Chè xanh Vạn Phú" in by_producer and "Miến dong" not in by_producer
    producers = office.get("/ocop/chu-the/", {"kind": ProducerKind.COOPERATIVE_GROUP}).content.decode()
    assert "Tổ hợp tác miến Lam Vỹ" in producers and "Hợp tác xã chè Vạn Phú" not in producers
    home = _client(world["owner"]).get("/ocop/").content.decode()
    assert 'data-count="products"><strong>1</strong>' in home


# --- writes ----------------------------------------------------------------------------------------------------------

def test_a_commune_officer_registers_a_producer_of_their_commune_only(world):
    client = _client(world["officer_vp"])
    data = {"name": "Hộ kinh doanh mật ong Vạn Phú", "kind": ProducerKind.HOUSEHOLD, "unit": world["van_phu"].code,
            "phone": "0912 345 678", "tax_code": "4600123456", "members": "chuthe.vanphu"}
    created = client.post("/ocop/chu-the/moi/", data)
    producer = Producer.objects.get(name=data["name"])
    assert created.status_code == 302 and created["Location"] == f"/ocop/chu-the/{producer.pk}/"
    assert list(producer.members.values_list("username", flat=True)) == ["chuthe.vanphu"]
    entry = _entries("producer")[-1]
    assert entry.action == "create" and entry.after["unit"] == world["van_phu"].code and entry.user == world[
        "officer_vp"]
    other = client.post("/ocop/chu-the/moi/", {**data, "name": "Chủ thể xã khác", "unit": world["lam_vy"].code})
    assert other.status_code == 400
    assert "nằm ngoài phạm vi bạn được quản lý OCOP" in other.content.decode()
    bad = client.post("/ocop/chu-the/moi/", {**data, "name": "Chủ thể lỗi", "tax_code": "12", "members": "khong.co.ai"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "Mã số thuế gồm 10 chữ số" in html and "Không có tài khoản đang hoạt động tên "\
        "khong.co.ai" in html
    assert not Producer.objects.filter(name="Chủ thể xã khác").exists()


def test_a_producer_account_edits_its_contacts_but_not_its_commune_or_accounts(world):
    producer = world["producer_vp"]
    client = _client(world["owner"])
    form = client.get(f"/ocop/chu-the/{producer.pk}/sua/").content.decode()
    assert 'name="phone"' in form and 'name="unit"' not in form and 'name="members"' not in form
    saved = client.post(f"/ocop/chu-the/{producer.pk}/sua/", {"phone": "0208 3855 123", "address": "Xóm Đồng Kè",
                                                               "unit": world["lam_vy"].code, "members": ""})
    assert saved.status_code == 302
    producer.refresh_from_db()
    assert (producer.phone, producer.address, producer.unit) == ("0208 3855 123", "Xóm Đồng Kè", world["van_phu"])
    assert list(producer.members.all()) == [world["owner"]]
    assert _entries("producer")[-1].after == {"address": "Xóm Đồng Kè", "phone": "0208 3855 123"}
    assert _client(world["owner"]).get(f"/ocop/chu-the/{world['producer_lv'].pk}/sua/").status_code == 404


def test_products_are_added_by_offices_and_producer_accounts_with_the_commune_theirs_to_set(world):
    office = _client(world["officer_vp"])
    created = office.post("/ocop/san-pham/moi/", {
        "producer": world["producer_vp"].pk, "name": "Chè búp Vạn Phú", "subgroup": world["subgroup"].pk,
        "unit": world["van_phu"].code, "story": "Vùng chè bên sông Công."})
    product = Product.objects.get(name="Chè búp Vạn Phú")
    assert created.status_code == 302 and product.code.startswith(f"OCOP-{world['van_phu'].code}-")
    assert _entries("product")[-1].after["story"] == "Vùng chè bên sông Công."
    refused = office.post("/ocop/san-pham/moi/", {"producer": world["producer_lv"].pk, "name": "Không được",
                                                  "subgroup": world["subgroup"].pk})
    assert refused.status_code == 400 and "Chọn chủ thể trong danh sách" in refused.content.decode()

    owner = _client(world["owner"])
    form = owner.get("/ocop/san-pham/moi/").content.decode()
    assert 'name="unit"' not in form and "Tổ hợp tác miến Lam Vỹ" not in form
    own = owner.post("/ocop/san-pham/moi/", {"producer": world["producer_vp"].pk, "name": "Trà túi lọc Vạn Phú",
                                             "subgroup": world["subgroup"].pk, "unit": world["lam_vy"].code})
    assert own.status_code == 302
    assert Product.objects.get(name="Trà túi lọc Vạn Phú").unit == world["van_phu"]
    moved = owner.post(f"/ocop/san-pham/{world['product_vp'].pk}/sua/", {
        "name": "Chè xanh Vạn Phú thượng hạng", "subgroup": world["subgroup"].pk, "unit": world["lam_vy"].code})
    assert moved.status_code == 302
    world["product_vp"].refresh_from_db()
    assert (world["product_vp"].name, world["product_vp"].unit) == ("Chè xanh Vạn Phú thượng hạng", world["van_phu"])
    duplicate = office.post("/ocop/san-pham/moi/", {"producer": world["producer_vp"].pk, "name": "Trùng mã",
                                                    "subgroup": world["subgroup"].pk, "code": "T-LV-1"})
    assert duplicate.status_code == 400 and "Mã «T-LV-1» đã dùng cho một sản phẩm khác" in duplicate.content.decode()


def test_forms_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["officer_vp"])
    assert client.post("/ocop/chu-the/moi/", {"name": "X"}).status_code == 403
    page = client.get(f"/ocop/san-pham/{world['product_vp'].pk}/").content.decode()
    assert page.count("csrfmiddlewaretoken") >= 1


# --- photos --------------------------------------------------------------------------------------------------------

def test_photos_are_checked_by_content_and_size_served_by_permission_and_deleted_with_an_audit(world, settings,
                                                                                              tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.OCOP_IMAGE_MAX_BYTES = 1024
    product = world["product_vp"]
    url = f"/ocop/san-pham/{product.pk}/anh/"
    owner = _client(world["owner"])
    ok = owner.post(url, {"caption": "Búp chè", "file": SimpleUploadedFile("che.png", PNG, "text/plain")}, follow=True)
    assert "Đã thêm ảnh." in ok.content.decode()
    image = ProductImage.objects.get(product=product)
    assert image.content_type == "image/png" and image.file.name.endswith(".png") and "che" not in image.file.name
    assert _entries("productimage")[-1].after["sha256"]
    fake = owner.post(url, {"file": SimpleUploadedFile("anh.jpg", b"MZ\x90\x00 executable", "image/jpeg")},
                      follow=True)
    assert "không phải JPEG, PNG (kiểm tra theo nội dung tệp, không theo tên)" in fake.content.decode()
    big = owner.post(url, {"file": SimpleUploadedFile("to.jpg", JPEG + b"\x00" * 2048, "image/jpeg")}, follow=True)
    assert "vượt giới hạn" in big.content.decode()
    assert ProductImage.objects.filter(product=product).count() == 1

    served = _client(world["viewer"]).get(f"{url}{image.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert served["X-Content-Type-Options"] == "nosniff" and served["Content-Type"] == "image/png"
    assert _client(world["officer_lv"]).get(f"{url}{image.pk}/").status_code == 404
    assert _client(world["viewer"]).post(f"{url}{image.pk}/xoa/").status_code == 403
    assert _client(world["officer_vp"]).post(f"{url}{image.pk}/xoa/").status_code == 302
    assert not ProductImage.objects.filter(pk=image.pk).exists()
    assert _entries("productimage")[-1].action == "delete"


# --- registrations ---------------------------------------------------------------------------------------------------

def test_registrations_are_received_then_decided_by_the_commune_with_a_reason_for_a_refusal(world):
    owner = _client(world["owner"])
    made = owner.post("/ocop/dang-ky/moi/", {
        "year": 2026, "kind": RegistrationKind.IDEA, "producer": world["producer_vp"].pk,
        "title": "Chè xanh túi lọc", "submitted_on": "2026-04-15"})
    assert made.status_code == 302
    registration = Registration.objects.get(title="Chè xanh túi lọc")
    assert (registration.unit, registration.status) == (world["van_phu"], RegistrationStatus.RECEIVED)
    status_url = f"/ocop/dang-ky/{registration.pk}/tinh-trang/"
    assert owner.post(status_url, {"status": RegistrationStatus.ACCEPTED}).status_code == 403
    assert _client(world["officer_lv"]).post(status_url, {"status": RegistrationStatus.ACCEPTED}).status_code == 404
    officer = _client(world["officer_vp"])
    no_reason = officer.post(status_url, {"status": RegistrationStatus.REFUSED}, follow=True)
    assert "Ghi lý do không chấp thuận" in no_reason.content.decode()
    officer.post(status_url, {"status": RegistrationStatus.ACCEPTED, "note": "Phù hợp quy hoạch vùng chè."})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACCEPTED
    entry = _entries("registration")[-1]
    assert entry.before["status"] == "received" and entry.after["status"] == "accepted"
    locked = owner.post(f"/ocop/dang-ky/{registration.pk}/", {
        "year": 2026, "kind": RegistrationKind.IDEA, "producer": world["producer_vp"].pk, "title": "Đổi tên",
        "submitted_on": "2026-04-15"})
    assert locked.status_code == 403
    listed = owner.get("/ocop/dang-ky/", {"status": "accepted"}).content.decode()
    assert "Chè xanh túi lọc" in listed


def test_a_registration_for_a_product_of_another_producer_is_refused(world):
    with pytest.raises(services.Invalid) as refused:
        services.create_registration(world["office"], {
            "year": 2026, "kind": RegistrationKind.PLAN, "producer": world["producer_vp"].pk,
            "product": world["product_lv"].pk, "title": "Phương án", "submitted_on": dt.date(2026, 5, 2)})
    assert "không phải của chủ thể «Hợp tác xã chè Vạn Phú»" in refused.value.errors["product"]


def test_a_viewer_reads_a_registration_without_a_form(world):
    registration = Registration.objects.create(
        year=2026, kind=RegistrationKind.IDEA, producer=world["producer_vp"], unit=world["van_phu"],
        title="Bột chè xanh", submitted_on=dt.date(2026, 4, 2))
    viewer = _client(world["viewer"])
    page = viewer.get(f"/ocop/dang-ky/{registration.pk}/").content.decode()
    assert "Bột chè xanh" in page and 'name="title"' not in page
    refused = viewer.post(f"/ocop/dang-ky/{registration.pk}/", {"title": "Đổi"})
    assert refused.status_code == 403 and "Chỉ cán bộ quản lý OCOP của xã tiếp nhận" in refused.content.decode()


def test_the_index_is_the_menus_ocop_entry_and_links_the_rating_pages(world):
    page = _client(world["officer_vp"]).get("/").content.decode()
    assert '<a href="/ocop/">OCOP</a>' in page
    home = _client(world["officer_vp"]).get("/ocop/").content.decode()
    assert all(f'href="{url}' in home for url in ("/ocop/ho-so/", "/ocop/hoi-dong/", "/ocop/ho-so/lap-moi/",
                                                   "/ocop/chu-the/", "/ocop/san-pham/", "/ocop/dang-ky/"))
    assert "/ocop/ho-so/lap-moi/" not in _client(world["viewer"]).get("/ocop/").content.decode()


def test_a_merged_communes_filter_finds_the_products_of_its_former_communes(world, subgroup):
    from nongthonso.units.services import predecessors_of

    van_yen = next(u for u in predecessors_of(world["van_phu"]) if u.name.endswith("Văn Yên"))
    producer = Producer.objects.create(name="HTX Chè Văn Yên (cũ)", kind=ProducerKind.COOPERATIVE, unit=van_yen)
    Product.objects.create(code="T-VY-1", name="Chè Văn Yên", producer=producer, subgroup=subgroup, unit=van_yen)
    office = _client(world["office"])
    found = office.get("/ocop/san-pham/", {"unit": world["van_phu"].code}).content.decode()
    assert "Chè Văn Yên" in found and "Chè xanh Vạn Phú" in found and "Miến dong Lam Vỹ" not in found
    producers = office.get("/ocop/chu-the/", {"unit": world["van_phu"].code}).content.decode()
    assert "HTX Chè Văn Yên (cũ)" in producers and "Tổ hợp tác miến Lam Vỹ" not in producers
