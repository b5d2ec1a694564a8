"""The extension registry: a new app plugs into every extension point from its ``ready()`` alone.

``tests/registry_app`` (installed for the test run by ``tests/conftest.py``) registers one entry of each kind —
a role and an action, an import and an export kind, a derived table, a revision table, a menu entry, a public page —
as a training module would. Each test shows one consumer picking its entry up; the last ones, that a code registered
twice stops the site, and that every page not registered as public asks for a login.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command, load_command_class
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from nongthonso.accounts.forms import AccountFilter, RoleForm
from nongthonso.accounts.models import Membership
from nongthonso.accounts.services import can, grant, refusal, roles_for
from nongthonso.audit.models import AuditEntry
from nongthonso.core import registry
from nongthonso.reports.selectors import data_revision
from nongthonso.units.models import Unit
from tests.registry_app.models import Course, CourseTally

ROOT = Path(__file__).resolve().parents[1]
HELD_ON = dt.date(2024, 5, 20)
DAI_TU = "171"
# the menu as base.html had it written out, and the OCOP catalogue (nongthonso.ocop's public pages)
MENU = ["Tổng hợp", "Xã đạt chuẩn", "Dữ liệu mở", "Sản phẩm OCOP", "Chợ nông sản"]  # the board: nongthonso.market
SIGNED_IN_MENU = [*MENU, "Bảng điều khiển", "Danh sách xã", "Hồ sơ", "Nhập dữ liệu", "Xuất dữ liệu"]
PUBLIC_MENU = [*MENU[:3], "Bản đồ", *MENU[3:]]  # the public map (nongthonso.maps), for visitors
NOTIFICATIONS = "Thông báo"
SMART = "NTM thông minh"  # the smart-NTM pages (nongthonso.smart), for every NTM role
OCOP_EXPORT = "ocop_products"  # the certified OCOP products (nongthonso.ocop), for every user: public open data
COOPS_EXPORT = "coops"  # the co-operatives' yearly update (nongthonso.coops, order 850), for whoever sees co-operatives


def with_smart(menu: list[str]) -> list[str]:
    """``menu`` as an NTM role sees it: the smart-NTM entry after «Hồ sơ»."""
    at = menu.index("Hồ sơ") + 1
    return [*menu[:at], SMART, *menu[at:]]


def with_foresight(menu: list[str]) -> list[str]:
    """``menu`` as whoever sees some unit's dossiers sees it: «Dự báo» (``nongthonso.foresight``) after the smart-NTM
    entry (signed in, the map has no entry of its own: its dashboard panel links to it)."""
    at = menu.index(SMART) + 1
    return [*menu[:at], "Dự báo", *menu[at:]]


def with_ocop(menu: list[str]) -> list[str]:
    """``menu`` as an NTM role sees it: the OCOP entry (``nongthonso.ocop``, every NTM role) after the smart-NTM one,
    then the co-operatives' («Hợp tác xã», ``nongthonso.coops``: ``view_coops`` is every NTM role's too)."""
    at = menu.index(SMART) + 1
    return [*menu[:at], "OCOP", "Hợp tác xã", *menu[at:]]


pytestmark = pytest.mark.django_db


def unit(code: str) -> Unit:
    return Unit.objects.valid_on(HELD_ON).get(code=code)


def commune_of(district: Unit) -> Unit:
    return Unit.objects.valid_on(HELD_ON).filter(parent=district).order_by("code").first()


def user_with(username: str, role: str | None = None, on: Unit | None = None):
    user = get_user_model().objects.create_user(username=username, password=None)
    if role is not None:
        grant(user, role, on)
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def courses_csv(tmp_path: Path, *rows: tuple[str, str, str], name: str = "khoa.csv") -> Path:
    path = tmp_path / name
    lines = ["unit_code,title,held_on", *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def with_training(labels: list[str]) -> list[str]:
    """``labels`` with the training app's menu entry, which every NTM role sees, after «Nhập dữ liệu»."""
    at = labels.index("Nhập dữ liệu") + 1
    return [*labels[:at], "Tập huấn", *labels[at:]]


def menu_labels(html: str) -> list[str]:
    nav = re.search(r'<nav id="main-menu" aria-label="[^"]*">(.*?)</nav>', html, re.S).group(1)
    return [label.strip() for label in re.findall(r'<a href="[^"]*"[^>]*>([^<]*)', nav)]


@pytest.fixture
def district() -> Unit:
    return unit(DAI_TU)


@pytest.fixture
def trainer(district):
    return user_with("giang-vien", "course_trainer", district)


@pytest.fixture
def viewer(district):
    return user_with("nguoi-xem", "viewer", district)


# --- roles and actions ------------------------------------------------------------------------------------------

def test_its_role_and_action_are_listed_with_the_others(district, trainer, admin_client, admin_user):
    # the role is a choice of Membership.role, after those of the apps installed before it, in the admin's form too
    choices = [code for code, _label in Membership._meta.get_field("role").choices]
    assert choices[:4] == ["province_office", "district_office", "commune_officer", "viewer"]
    assert choices[-1] == "course_trainer"
    html = admin_client.get(reverse("admin:accounts_membership_add")).content.decode()
    assert '<option value="course_trainer">Giảng viên tập huấn</option>' in html
    # and on the province office's accounts page (granting a role, filtering by role)
    assert ("course_trainer", "Giảng viên tập huấn") in RoleForm(actor=admin_user).fields["role"].choices
    assert ("course_trainer", "Giảng viên tập huấn") in AccountFilter().fields["role"].choices
    # its action is carried by its role (its entry) and by the province office (the action's entry)
    assert roles_for("record_course") == ("province_office", "course_trainer")
    assert registry.role_actions("course_trainer") == {"record_course"}
    assert "record_course" in registry.role_actions("province_office")
    assert can(trainer, "record_course", commune_of(district)) and not can(trainer, "view", commune_of(district))
    # and refusals name who may, in the words its entry gives
    elsewhere = unit("164")
    message = refusal(trainer, "record_course", elsewhere).message
    assert message.startswith("Bạn là giảng viên tập huấn của huyện Đại Từ, nên không được ghi khoá tập huấn của")


def test_its_role_keeps_to_the_levels_it_registered(district):
    user = user_with("giang-vien")
    with pytest.raises(ValidationError, match="Vai trò «Giảng viên tập huấn» phải gắn với một đơn vị cấp huyện"):
        grant(user, "course_trainer", commune_of(district))
    assert grant(user, "course_trainer", district).get_role_display() == "Giảng viên tập huấn"


# --- the menu ----------------------------------------------------------------------------------------------------

def test_the_menu_shows_its_entry_to_its_role_only(trainer, viewer, admin_user):
    province = Unit.objects.valid_on(HELD_ON).get(code="19", unit_type__level__code="tinh")
    office = user_with("van-phong", "province_office", province)
    assert menu_labels(Client().get("/cong-khai/tap-huan/").content.decode()) == PUBLIC_MENU
    # a viewer may import no kind of file: no import menu (issue 11)
    # and the smart-NTM app's entry and the training app's own «Tập huấn» (after «Nhập dữ liệu») for every NTM role
    assert menu_labels(signed_in(viewer).get("/").content.decode()) == with_foresight(with_ocop(with_smart([
        *(label for label in with_training(SIGNED_IN_MENU) if label != "Nhập dữ liệu"), NOTIFICATIONS])))
    offices = with_foresight(with_ocop(with_smart([*with_training(SIGNED_IN_MENU), "Vai trò", "Tài khoản", "Ngưỡng",
                                                   NOTIFICATIONS])))
    assert menu_labels(signed_in(office).get("/").content.decode()) == offices
    assert menu_labels(signed_in(admin_user).get("/").content.decode()) == offices
    html = signed_in(trainer).get("/").content.decode()
    assert menu_labels(html) == [*SIGNED_IN_MENU, "Tập huấn", NOTIFICATIONS]
    assert '<a href="/cong-khai/tap-huan/">Tập huấn</a>' in html


# --- import and export kinds -----------------------------------------------------------------------------------

def test_the_command_line_lists_and_runs_its_import_and_export(tmp_path, district):
    commune = commune_of(district)
    path = courses_csv(tmp_path, (commune.code, "Chuyển đổi số", "2024-05-20"), (DAI_TU, "Sổ tay NTM", "2024-06-01"))
    parser = load_command_class("nongthonso.dataio", "import").create_parser("nongthonso", "import")
    # after the other apps' kinds (by their order: smart's, training's 700, OCOP's products 790 and scores 800,
    # co-operatives' plots 820), as its order (900) says
    assert ("units (đơn vị hành chính), boundaries (ranh giới đơn vị (geojson)), smart_figures (số liệu chuyển đổi "
            "số), attendance (điểm danh buổi học từ báo "
            "cáo họp trực tuyến), training_headcounts (số cán bộ cần tập huấn theo nhóm đối tượng), ocop-products (sản "
            "phẩm ocop và chủ thể), ocop-scores (điểm chấm sản phẩm ocop), coops (hợp tác xã), plots (thửa đất, vùng "
            "sản xuất của hợp tác xã), members (thành viên hợp tác xã), courses (khoá tập huấn), "
            "diary (nhật ký sản xuất), indicator-costs (đơn giá khắc phục chỉ tiêu).") in " ".join(
        parser.format_help().split())

    out = io.StringIO()
    call_command("import", "courses", str(path), "--dry-run", stdout=out)
    assert out.getvalue().startswith("Sẽ tạo mới 2, cập nhật 0, giữ nguyên 0 dòng.") and not Course.objects.exists()
    call_command("import", "courses", str(path), stdout=io.StringIO())
    assert sorted(Course.objects.values_list("unit__code", "title")) == sorted(
        [(commune.code, "Chuyển đổi số"), (DAI_TU, "Sổ tay NTM")])
    assert AuditEntry.objects.filter(model="registry_app.course", action="create",
                                     actor="nongthonso import courses").count() == 2
    assert dict(CourseTally.objects.values_list("unit__code", "courses")) == {commune.code: 1, DAI_TU: 1}

    output = tmp_path / "ra.csv"
    call_command("export", "courses", "--unit", DAI_TU, "--year", "2024", "--output", str(output),
                 stderr=io.StringIO())
    assert output.read_text(encoding="utf-8-sig").splitlines() == [
        "unit_code,title,held_on", f"{commune.code},Chuyển đổi số,2024-05-20", f"{DAI_TU},Sổ tay NTM,2024-06-01"]
    # its formats are its own: CSV only
    with pytest.raises(CommandError, match=r"«Khoá tập huấn» không xuất được dạng XLSX; dùng --format csv\."):
        call_command("export", "courses", "--output", str(tmp_path / "ra.xlsx"), stderr=io.StringIO())


def test_the_pages_offer_its_kinds_to_its_role_only(tmp_path, district, trainer, viewer):
    def options(html: str) -> list[str]:
        return re.findall(r'<option value="([a-z_]+)"', re.search(r'<select name="kind">(.*?)</select>', html,
                                                                  re.S).group(1))

    existing = ["values", "decisions", "registrations", "commune_groups", "units", "training_headcounts"]
    smart = ["smart_targets", "smart_figures"]  # for the NTM roles (nongthonso.smart), after «units»
    # a viewer may import nothing (the page says so, with no form), and export everything public
    response = signed_in(viewer).get("/nhap-du-lieu/")
    assert response.status_code == 403 and '<select name="kind">' not in response.content.decode()
    # OCOP's national-layout export (for the NTM roles) and its open data (public), after training's
    assert options(signed_in(viewer).get("/xuat-du-lieu/").content.decode()) == [*existing[:5], *smart, *existing[5:],
                                                                              "ocop_national", COOPS_EXPORT,
                                                                              OCOP_EXPORT]
    # the trainer imports courses only (no other kind's right), and exports them too
    page = signed_in(trainer).get("/nhap-du-lieu/").content.decode()
    assert options(page) == ["courses"]
    assert "<li><b>Khoá tập huấn</b> (giảng viên tập huấn): unit_code, title, held_on.</li>" in page
    assert options(signed_in(trainer).get("/xuat-du-lieu/").content.decode()) == [*existing, OCOP_EXPORT, "courses"]

    # a viewer sending a file of that kind is refused before the file is read
    path = courses_csv(tmp_path, (commune_of(district).code, "Chuyển đổi số", "2024-05-20"))
    with path.open("rb") as f:
        response = signed_in(viewer).post("/nhap-du-lieu/", {"kind": "courses", "file": f, "token": ""})
    assert response.status_code == 403
    assert ("Vai trò của bạn (người xem dữ liệu của huyện Đại Từ) không được nhập «Khoá tập huấn». Việc này do giảng "
            "viên tập huấn thực hiện. Vai trò này không nhập được loại dữ liệu nào;") in response.content.decode()
    # the trainer's file is checked (a dry run), then imported
    client = signed_in(trainer)
    with path.open("rb") as f:
        html = client.post("/nhap-du-lieu/", {"kind": "courses", "file": f, "token": ""}).content.decode()
    assert "Xem trước: khoá tập huấn từ tệp «khoa.csv»" in html and not Course.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    client.post("/nhap-du-lieu/xac-nhan/", {"token": token})
    assert Course.objects.get().title == "Chuyển đổi số"
    # an XLSX file of a kind that takes CSV only is refused, saying so
    xlsx = tmp_path / "khoa.xlsx"
    xlsx.write_bytes(b"PK\x03\x04" + bytes(100))
    with xlsx.open("rb") as f:
        html = client.post("/nhap-du-lieu/", {"kind": "courses", "file": f, "token": ""}).content.decode()
    assert "Tệp «khoa.xlsx» không dùng được cho «Khoá tập huấn»: loại dữ liệu này chỉ nhận tệp CSV." in html
    # its export, for the trainer only
    response = client.get("/xuat-du-lieu/tai/", {"kind": "courses", "unit": DAI_TU, "format": "csv"})
    assert response["Content-Disposition"] == f'attachment; filename="khoa-tap-huan-{DAI_TU}.csv"'
    assert signed_in(viewer).get("/xuat-du-lieu/tai/", {"kind": "courses", "format": "csv"}).status_code == 403


def test_the_api_documents_and_serves_its_kinds(tmp_path, district, trainer, viewer):
    doc = Client().get("/api/openapi.json").json()
    existing = ["values", "decisions", "registrations", "commune_groups", "units"]
    for path, method, more, ocop in (("/api/imports/{kind}", "post", ["boundaries", "smart_figures", "attendance"],
                                      ["ocop-products", "ocop-scores", "coops", "plots", "members"]),
                                     ("/api/exports/{kind}", "get", ["smart_targets", "smart_figures"],
                                      ["ocop_national", COOPS_EXPORT, OCOP_EXPORT])):
        kind = next(p for p in doc["paths"][path][method]["parameters"] if p["name"] == "kind")
        diary = ["diary"] if method == "post" else []  # the co-operatives' production diaries (issue 14)
        # foresight's unit costs, ranking and registration plan (issue 15)
        foresight = ["indicator-costs"] if method == "post" else ["foresight-gaps", "foresight-plan"]
        assert kind["schema"]["enum"] == [*existing, *more, "training_headcounts", *ocop, "courses", *diary,
                                          *foresight]

    path = courses_csv(tmp_path, (commune_of(district).code, "Chuyển đổi số", "2024-05-20"))
    with path.open("rb") as f:
        response = signed_in(trainer).post("/api/imports/courses", {"file": f})
    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "courses" and response.json()["created"] == 1
    with path.open("rb") as f:
        refused = signed_in(viewer).post("/api/imports/courses", {"file": f})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"

    response = signed_in(trainer).get("/api/exports/courses", {"unit": DAI_TU})
    assert b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[1].endswith(
        "Chuyển đổi số,2024-05-20")
    assert signed_in(viewer).get("/api/exports/courses").status_code == 403


# --- an import kind's options (what the file alone does not say) ------------------------------------------------

def test_its_import_option_reaches_its_run_from_the_command_line(tmp_path, district):
    path = courses_csv(tmp_path, (commune_of(district).code, "Chuyển đổi số", ""))  # no date: the option gives it
    parser = load_command_class("nongthonso.dataio", "import").create_parser("nongthonso", "import")
    assert ("--held-on HELD_ON (courses) Ngày tổ chức: Cho các dòng để trống cột held_on."
            in " ".join(parser.format_help().split()))
    with pytest.raises(CommandError, match=r"^--held-on «20/5» không hợp lệ: cần một ngày dạng 2024-05-20\.$"):
        call_command("import", "courses", str(path), "--held-on", "20/5", stderr=io.StringIO())
    # another kind's option is refused, not ignored
    with pytest.raises(CommandError, match=r"^--held-on không dùng cho «units» \(không có tùy chọn riêng\)\.$"):
        call_command("import", "units", str(path), "--held-on", "2024-05-20", stderr=io.StringIO())
    assert not Course.objects.exists()
    call_command("import", "courses", str(path), "--held-on", "2024-05-20", stdout=io.StringIO())
    assert Course.objects.get().held_on == HELD_ON


def test_the_import_page_asks_for_its_import_option_and_keeps_it_with_the_file(tmp_path, district, trainer):
    client = signed_in(trainer)
    page = client.get("/nhap-du-lieu/").content.decode()
    assert '<fieldset class="import-options" data-kind="courses">' in page and 'name="option-held_on"' in page
    path = courses_csv(tmp_path, (commune_of(district).code, "Chuyển đổi số", ""))
    with path.open("rb") as f:
        response = client.post("/nhap-du-lieu/", {"kind": "courses", "file": f, "token": "", "option-held_on": "20/5"})
    assert response.status_code == 400
    assert "«Ngày tổ chức» «20/5» không hợp lệ: cần một ngày dạng 2024-05-20." in response.content.decode()
    with path.open("rb") as f:
        html = client.post("/nhap-du-lieu/", {"kind": "courses", "file": f, "token": "",
                                              "option-held_on": "2024-05-20"}).content.decode()
    assert "Xem trước: khoá tập huấn từ tệp «khoa.csv»" in html and not Course.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    client.post("/nhap-du-lieu/xac-nhan/", {"token": token})  # the option was kept with the file
    assert Course.objects.get().held_on == HELD_ON


def test_the_api_takes_its_import_option_as_a_query_parameter(tmp_path, district, trainer, assert_error):
    doc = Client().get("/api/openapi.json").json()["paths"]["/api/imports/{kind}"]["post"]
    held_on = next(p for p in doc["parameters"] if p["name"] == "held_on")
    assert (held_on["in"], held_on["description"]) == ("query", "chỉ cho courses — Ngày tổ chức: Cho các dòng để "
                                                                "trống cột held_on.")
    path = courses_csv(tmp_path, (commune_of(district).code, "Chuyển đổi số", ""))
    with path.open("rb") as f:
        error = assert_error(signed_in(trainer).post("/api/imports/courses?held_on=20/5", {"file": f}), 422,
                             "validation_error")
    assert error["details"][0]["field"] == "held_on"
    with path.open("rb") as f:
        response = signed_in(trainer).post("/api/imports/courses?held_on=2024-05-20", {"file": f})
    assert response.status_code == 200, response.content
    assert Course.objects.get().held_on == HELD_ON


def test_an_import_option_is_a_keyword_argument_of_its_own_and_one_command_line_argument(monkeypatch):
    owner = apps.get_app_config("registry_app")
    broken = [registry.ImportKind("broken", "Hỏng", _noop, options=(registry.ImportOption("user", "Người dùng"),)),
              registry.ImportKind("clash", "Trùng", _noop,
                                  options=(registry.ImportOption("held_on", "Có ngày", flag=True),))]
    monkeypatch.setitem(registry._registrations, registry.ImportKind, [
        *registry._registrations[registry.ImportKind],
        *(registry._Registration(owner, 10**9 + i, entry) for i, entry in enumerate(broken))])
    monkeypatch.setattr(registry, "_memo", {})  # read again with the broken entries (the original comes back after)
    assert {error.id: error.msg for error in registry.check_entries()} == {
        "nongthonso.registry.E005": "The import kind «broken» has an option «user» that is not a keyword argument of "
                                    "its own: an identifier, once per kind, none of dry_run, name, path, progress, "
                                    "user.",
        "nongthonso.registry.E006": "The option «held_on» is a switch for the import kind «clash» and takes a value "
                                    "for «courses»: one command-line argument cannot be both. Rename one of them.",
    }


# --- derived tables, the data revision --------------------------------------------------------------------------

def test_rebuild_derived_checks_and_rebuilds_its_table(tmp_path, district):
    commune = commune_of(district)
    call_command("import", "courses", str(courses_csv(tmp_path, (commune.code, "Chuyển đổi số", "2024-05-20"))),
                 stdout=io.StringIO())
    CourseTally.objects.update(courses=7)  # written around the application
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 dòng dẫn xuất lệch với dữ liệu gốc"):
        call_command("rebuild_derived", "--check", stdout=out)
    assert out.getvalue().splitlines() == [
        f"số khoá tập huấn theo đơn vị: đơn vị {commune.pk}: 1 khoá, bảng dẫn xuất ghi 7"]
    out = io.StringIO()
    call_command("rebuild_derived", stdout=out)
    assert re.fullmatch(r"Đã tính lại \d+ thời kỳ đạt chuẩn, \d+ dòng bản đánh giá mới nhất, \d+ kết quả chấm OCOP, "
                        r"\d+ cặp cung cầu phù hợp và 1 số khoá tập huấn theo đơn vị\.\n", out.getvalue())
    call_command("rebuild_derived", "--check", stdout=io.StringIO())
    assert CourseTally.objects.get().courses == 1


def test_a_row_of_its_table_bumps_the_data_revision(district):
    before = data_revision()
    assert data_revision() == before
    Course.objects.create(unit=district, title="Chuyển đổi số", held_on=HELD_ON)  # no audit entry: a raw write
    assert data_revision() != before


# --- public pages --------------------------------------------------------------------------------------------------

def test_its_public_page_needs_no_login(district):
    Course.objects.create(unit=district, title="Chuyển đổi số", held_on=HELD_ON)
    response = Client().get("/cong-khai/tap-huan/")
    assert response.status_code == 200
    assert "Chuyển đổi số — Huyện Đại Từ, 20/5/2024" in response.content.decode()


def test_its_signed_in_pages_are_served_to_its_role_in_scope(district, trainer, viewer):
    Course.objects.create(unit=district, title="Chuyển đổi số", held_on=HELD_ON)
    assert Client().get("/khoa-tap-huan/cua-toi/").status_code == 302  # a login first
    assert "Chuyển đổi số" in signed_in(trainer).get("/khoa-tap-huan/cua-toi/").content.decode()
    assert "Chuyển đổi số" not in signed_in(viewer).get("/khoa-tap-huan/cua-toi/").content.decode()


def test_its_api_router_is_served_and_documented(district, trainer, viewer):
    Course.objects.create(unit=district, title="Chuyển đổi số", held_on=HELD_ON)
    assert signed_in(trainer).get("/api/test-courses").json() == [{"unit_code": DAI_TU, "title": "Chuyển đổi số"}]
    assert signed_in(viewer).get("/api/test-courses").json() == []
    assert Client().get("/api/test-courses").status_code == 401
    assert "/api/test-courses" in signed_in(viewer).get("/api/openapi.json").json()["paths"]


# Reachable without login by design, outside the apps' pages: Django's login, logout and language switch, the health
# check (and the favicon, a redirect without a name), the admin (its own login page) and the API (401 in its own
# format).
INFRASTRUCTURE = {"login", "logout", "set_language", "healthz"}
OWN_LOGIN = ("admin/", "api/")
SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def _patterns(resolver: URLResolver, prefix: str = ""):
    """(route, name) of every page of the site, the admin's and the API's left out."""
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(OWN_LOGIN):
            continue
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and pattern.name and pattern.name not in INFRASTRUCTURE:
            yield route, pattern.name


def test_every_page_not_registered_as_public_asks_for_a_login():
    public = set(registry.codes(registry.PublicPage))
    assert {"home", "public_recognised", "open_data", "open_data_file", "password_reset", "public_courses"} <= public
    client, seen = Client(), set()
    login = reverse("login")
    for route, name in _patterns(get_resolver()):
        url = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        seen.add(name)
        if name in public:
            assert response.status_code in (200, 404), (name, url, response.status_code)
        else:
            assert response.status_code == 302 and response["Location"].startswith(login), (name, url)
    assert public <= seen and len(seen - public) > 15


# --- the report command ----------------------------------------------------------------------------------------------

def test_the_report_command_runs_its_report_kind(district):
    Course.objects.create(unit=district, title="Chuyển đổi số", held_on=HELD_ON)
    out = io.StringIO()
    call_command("report", "courses", "--unit", DAI_TU, "--format", "json", stdout=out)  # --unit: the summary's own
    assert json.loads(out.getvalue()) == [{"unit_code": DAI_TU, "title": "Chuyển đổi số"}]
    out = io.StringIO()
    call_command("report", "courses", stdout=out)
    assert out.getvalue() == f"{DAI_TU}: Chuyển đổi số\n"
    parser = load_command_class("nongthonso.reports", "report").create_parser("nongthonso", "report")
    assert "courses" in next(a for a in parser._actions if a.dest == "kind").choices
    with pytest.raises(CommandError, match="Báo cáo courses không có định dạng xlsx"):
        call_command("report", "courses", "--format", "xlsx", "--output", "x.xlsx")
    with pytest.raises(CommandError, match="--as-of chỉ dùng cho báo cáo summary; báo cáo courses nhận: --unit"):
        call_command("report", "courses", "--as-of", "2024-05-20")
    with pytest.raises(CommandError, match="Không có đơn vị mã «99»"):
        call_command("report", "courses", "--unit", "99")


# --- a section of the provincial summary ------------------------------------------------------------------------------

@pytest.fixture
def courses_section(monkeypatch):
    """The test app's summary section (``courses.summary_section``), registered for this test only: the test app is
    installed for the whole run, and a section of its own would change every summary's JSON, golden files included."""
    from tests.registry_app import courses

    entry = registry.SummarySection("courses", "Khoá tập huấn", courses.summary_section,
                                    "registry_app/_summary_section.html", sentence=courses.summary_sentence, order=900)
    monkeypatch.setitem(registry._registrations, registry.SummarySection, [
        *registry._registrations[registry.SummarySection],
        registry._Registration(apps.get_app_config("registry_app"), 10**9, entry)])
    monkeypatch.setattr(registry, "_memo", {})  # read again with the entry (the original comes back after)
    return entry


def test_a_summary_section_joins_the_json_the_paragraph_and_the_dashboard(courses_section, admin_client):
    from django.core.cache import cache

    from nongthonso.reports.services import summary, summary_text

    day = dt.date(2026, 6, 30)
    province = Unit.objects.valid_on(day).get(code="19", unit_type__level__code="tinh")
    commune = Unit.objects.valid_on(day).filter(parent=province).order_by("code").first()
    Course.objects.create(unit=commune, title="Chuyển đổi số", held_on=dt.date(2026, 5, 4))
    data = summary("19", day)
    assert data.to_dict()["courses"] == {"courses": 1}
    assert summary_text(data).endswith("Trong kỳ đã tổ chức 1 khoá tập huấn.")  # the two-tier paragraph
    out = io.StringIO()
    call_command("report", "summary", "--unit", "19", "--as-of", "2026-06-30", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["courses"] == {"courses": 1}
    cache.clear()
    page = admin_client.get("/bang-dieu-khien/?unit=19&as_of=2026-06-30").content.decode()
    assert '<section class="card" data-section="courses"><h2>Khoá tập huấn</h2><p>1 khoá tập huấn trong kỳ.' in page
    # the three-tier paragraph is the province's 2023 report, word for word: no section adds to it
    assert "khoá tập huấn" not in summary_text(summary("19", dt.date(2023, 6, 30)))


# --- one code per kind ---------------------------------------------------------------------------------------------

def _noop(*args, **kwargs):
    return None


TAKEN = [
    registry.Action("view", "Xem"),
    registry.Role("viewer", "Người xem", levels=None, title="{unit}"),
    registry.ImportKind("values", "Giá trị", _noop),
    registry.ExportKind("values", "Giá trị", _noop, "gia-tri"),
    registry.DerivedTable("spells", "thời kỳ", refresh=_noop, rebuild=_noop, check=_noop),
    registry.RevisionTable(Course),
    registry.MenuEntry("home", "Tổng hợp", "home", order=1),
    registry.PublicPage("home", "trang-chu/", _noop),
    registry.Pages("reports", "nongthonso.reports.urls"),
    registry.ApiRouter("registry_app", None),
    registry.ReportKind("courses", "Khoá tập huấn", _noop),
    registry.SummarySection("ocop", "Sản phẩm OCOP", _noop, "ocop/_summary_section.html"),
    registry.MapLayer("level", "Mức đạt chuẩn", _noop),
    registry.DashboardPanel("maps", "maps/_dashboard_panel.html"),
]


def test_every_kind_is_tried_below():
    assert set(registry.KINDS) == {type(e) for e in TAKEN}


@pytest.mark.parametrize("entry", TAKEN, ids=lambda e: type(e).__name__)
def test_a_code_registered_twice_is_refused(entry):
    before = registry.entries(type(entry))
    with pytest.raises(registry.DuplicateEntry, match=rf"«{re.escape(entry.code)}» is registered twice"):
        registry.register(apps.get_app_config("registry_app"), entry)
    assert registry.entries(type(entry)) == before


def test_an_app_registering_a_code_taken_stops_the_site_from_starting(tmp_path):
    (tmp_path / "duplicate_settings.py").write_text(
        "from nongthonso.settings import *  # noqa: F403\n"
        "INSTALLED_APPS = [*INSTALLED_APPS, 'tests.registry_app', 'tests.registry_app.duplicate']  # noqa: F405\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "duplicate_settings", "NONGTHONSO_DATA_DIR": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert ("nongthonso.core.registry.DuplicateEntry: The import kind «values» is registered twice: by "
            "nongthonso.assessments and by tests.registry_app.duplicate.") in result.stderr


def test_the_registry_is_read_once_the_apps_are_ready(monkeypatch):
    from django.core.exceptions import AppRegistryNotReady

    monkeypatch.setattr(apps, "ready", False)
    with pytest.raises(AppRegistryNotReady):
        registry.entries(registry.MenuEntry)


def test_the_references_between_entries_are_a_system_check(monkeypatch):
    from nongthonso.accounts.apps import role_codes_fit

    assert registry.check_entries() == [] and role_codes_fit() == []
    owner = apps.get_app_config("registry_app")
    broken = {
        registry.Role: registry.Role("a_role_whose_code_is_far_too_long", "Ma", levels=None, title="{unit}",
                                     actions=("haunt",)),
        registry.Action: registry.Action("wander", "Đi lang thang", roles=("nobody",)),
        registry.MenuEntry: registry.MenuEntry("ghost", "Ma", "nowhere", order=1),
    }
    for kind, entry in broken.items():
        monkeypatch.setitem(registry._registrations, kind,
                            [*registry._registrations[kind], registry._Registration(owner, 10**9, entry)])
    monkeypatch.setattr(registry, "_memo", {})  # read again with the broken entries (the original comes back after)
    found = {error.id: error.msg for error in [*registry.check_entries(), *role_codes_fit()]}
    assert found == {
        "nongthonso.registry.E001": "The role «a_role_whose_code_is_far_too_long» names the action «haunt», which no "
                                    "installed app registers.",
        "nongthonso.accounts.E001": "The role code «a_role_whose_code_is_far_too_long» is longer than 30 characters, "
                                    "the length of accounts.Membership.role.",
        "nongthonso.registry.E003": "The action «wander» names the role «nobody», which no installed app registers.",
        "nongthonso.registry.E004": "The menu entry «ghost» links to the URL name «nowhere», which does not resolve "
                                    "without arguments.",
    }
