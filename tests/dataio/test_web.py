"""The import page (upload → preview or errors → confirm, progress), the export page, and their scope."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from nongthonso.accounts.models import Role
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.dataio import uploads
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db
IMPORT, CONFIRM = "/nhap-du-lieu/", "/nhap-du-lieu/xac-nhan/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def officer(commune_code, make_user):
    commune = Unit.objects.filter(code=commune_code).order_by("-valid_from").first()
    return make_user("can-bo-xa", Role.COMMUNE_OFFICER, commune)


def upload(client, name: str, content: bytes, kind: str = "values", token: str = "tokentokentoken1"):
    return client.post(IMPORT, {"kind": kind, "token": token, "file": SimpleUploadedFile(name, content)})


def pending_files(media) -> list:
    folder = media / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_pages_need_a_login(client):
    for path in (IMPORT, "/xuat-du-lieu/", "/xuat-du-lieu/mau/?set=xa-ntm-2021-2025"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_upload_preview_then_confirm(client, officer, commune_code, media, import_counts):
    client.force_login(officer)
    page = client.get(IMPORT).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="token"' in page and "hx-get=" in page
    content = f"unit_code,year,indicator_code,value\n{commune_code},2023,2.1,97.5\n{commune_code},2023,1.1,Đạt\n"
    before = import_counts()
    response = upload(client, "gia tri.csv", content.encode())
    html = response.content.decode()
    assert response.status_code == 200
    assert import_counts() == before  # the preview wrote nothing
    assert 'data-count="updated">1<' in html and 'data-count="unchanged">1<' in html
    assert "Xem trước: giá trị chỉ tiêu từ tệp «gia tri.csv»" in html
    assert f"({commune_code}) · 2023 · chỉ tiêu 2.1</td><td>" in html and "<td>97,5</td>" in html
    assert 'action="/nhap-du-lieu/xac-nhan/"' in html and ">Xác nhận nhập<" in html
    (stored,) = pending_files(media)
    assert stored.suffix == ".upload" and "gia" not in stored.name  # a random name, not the uploader's
    response = client.post(CONFIRM, {"token": "tokentokentoken1"})
    html = response.content.decode()
    assert response.status_code == 200 and "Đã nhập tệp «gia tri.csv»" in html and 'data-count="updated">1<' in html
    value = IndicatorValue.objects.get(assessment__unit__code=commune_code, assessment__year=2023,
                                       assessment__criteria_set__code="xa-ntm-2021-2025", indicator__code="2.1")
    assert (value.value, value.updated_by) == (97.5, officer)
    assert pending_files(media) == []  # deleted once imported
    # the same token cannot import twice
    assert client.post(CONFIRM, {"token": "tokentokentoken1"}).status_code == 400


def test_errors_are_listed_and_nothing_waits_for_confirmation(client, officer, commune_code, media, import_counts):
    client.force_login(officer)
    content = f"unit_code,year,indicator_code,value\n{commune_code},2023,2.1,nhiều\n99999,2023,2.1,90\n"
    before = import_counts()
    html = upload(client, "loi.csv", content.encode()).content.decode()
    assert import_counts() == before
    assert "Tệp «loi.csv» có lỗi — chưa ghi gì vào cơ sở dữ liệu" in html
    assert ('<tr data-row="2"><td class="num">2</td><td>value</td><td>nhiều</td><td>Chỉ tiêu 2.1 cần một số (%); '
            "«nhiều» không phải là số. Dùng dấu phẩy cho phần thập phân, ví dụ 85,7.</td></tr>") in html
    assert '<tr data-row="3"><td class="num">3</td><td>unit_code</td><td>99999</td>' in html
    assert ">Xác nhận nhập<" not in html and pending_files(media) == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("rong.csv", b"", "Tệp «rong.csv» rỗng. Hãy dùng tệp mẫu và điền dữ liệu."),
    ("anh.png", "png", "Tệp «anh.png» không phải CSV hoặc XLSX"),
    ("tieu-de.csv", b"unit_code,year,indicator_code,value\n",
     "Tệp «tieu-de.csv» không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Điền dữ liệu từ dòng 2."),
])
def test_bad_files_through_the_web(client, officer, name, content, message, not_a_table):
    # content: the bytes, or the kind of a sample file that is no table (conftest's ``not_a_table``)
    client.force_login(officer)
    html = upload(client, name, not_a_table[content] if isinstance(content, str) else content).content.decode()
    assert message in html and ">Xác nhận nhập<" not in html


def test_rows_outside_the_users_scope_and_kinds_the_user_may_not_import(client, officer, commune_code):
    client.force_login(officer)
    other = (Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025")
             .exclude(unit__code=commune_code).select_related("unit").order_by("unit__code").first().unit)
    html = upload(client, "x.csv", f"unit_code,year,indicator_code,value\n{other.code},2023,2.1,90\n".encode()
                  ).content.decode()
    assert f"<td>unit_code</td><td>{other.code}</td><td>Bạn là cán bộ phụ trách NTM" in html
    # a kind the officer may not import at all: refused once, for the file, before it is read (issue 11)
    response = upload(client, "qd.csv", (f"number,date,authority,kind,level,for_year,unit_codes\n1/QĐ,2023-07-01,"
                                         f"UBND,,xa_ntm,,{commune_code}\n").encode(), kind="decisions")
    html = response.content.decode()
    assert response.status_code == 403 and html.count("không được nhập") == 1
    assert (f"Vai trò của bạn (cán bộ phụ trách NTM {officer.memberships.get().unit.name[:1].lower()}"
            f"{officer.memberships.get().unit.name[1:]}) không được nhập «Quyết định công nhận». Việc này do Văn "
            "phòng Điều phối NTM tỉnh thực hiện. Bạn được nhập: «Giá trị chỉ tiêu», «Số liệu chuyển đổi số», «Sản phẩm "
            "OCOP và chủ thể»") in html  # then the co-operatives' kinds a commune officer may import, in their order
    assert "» — của các đơn vị trong phạm vi vai trò của mình." in html
    html = upload(client, "dv.csv", b"code,name,type,parent_code,valid_from,valid_to\n", kind="units").content.decode()
    assert "không được nhập «Đơn vị hành chính». Việc này do quản trị hệ thống thực hiện." in html


def test_a_token_of_another_user_imports_nothing(client, officer, commune_code, media, import_counts, make_user):
    client.force_login(officer)
    upload(client, "v.csv", f"unit_code,year,indicator_code,value\n{commune_code},2023,2.1,11\n".encode())
    intruder = make_user("nguoi-khac", Role.COMMUNE_OFFICER,
                         Unit.objects.filter(code=commune_code).order_by("-valid_from").first())
    client.force_login(intruder)  # a new session: the pending file is not in it
    before = import_counts()
    response = client.post(CONFIRM, {"token": "tokentokentoken1"})
    assert response.status_code == 400 and "Không còn tệp chờ nhập" in response.content.decode()
    assert import_counts() == before


def test_cancel_deletes_the_file(client, officer, commune_code, media):
    client.force_login(officer)
    upload(client, "v.csv", f"unit_code,year,indicator_code,value\n{commune_code},2023,2.1,11\n".encode())
    assert len(pending_files(media)) == 1
    html = client.post("/nhap-du-lieu/huy/", {"token": "tokentokentoken1"}).content.decode()
    assert "Đã hủy; tệp đã được xóa." in html and pending_files(media) == []


def test_the_progress_fragment(client, officer, make_user):
    client.force_login(officer)
    url = "/nhap-du-lieu/tien-do/tokentokentoken9/"
    assert client.get(url).content.decode().strip() == ""
    cache.set(uploads.progress_key(officer.pk, "tokentokentoken9"),
              {"phase": "write", "rows": 250000, "done": 5_000_000, "total": 20_000_000}, 60)
    html = client.get(url).content.decode()
    assert "Đang ghi: 250.000 dòng" in html and '<progress max="100" value="25">' in html
    other = make_user("khac", None)
    client.force_login(other)
    assert client.get(url).content.decode().strip() == ""  # another user's progress is not shown


def test_the_export_page_and_downloads(client, officer, commune_code):
    client.force_login(officer)
    html = client.get("/xuat-du-lieu/").content.decode()
    assert 'action="/xuat-du-lieu/mau/"' in html and 'action="/xuat-du-lieu/tai/"' in html
    response = client.get("/xuat-du-lieu/mau/", {"set": "xa-ntm-2021-2025"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="mau-nhap-xa-ntm-2021-2025.xlsx"' in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).sheetnames[:2] == ["Giá trị", "Chỉ tiêu"]
    # values: only the units the user may see (the officer's commune), though the province was asked for
    response = client.get("/xuat-du-lieu/tai/", {"kind": "values", "unit": "19", "year": "2023", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows and {r["unit_code"] for r in rows} == {commune_code}
    response = client.get("/xuat-du-lieu/tai/", {"kind": "decisions", "unit": "19", "format": "xlsx"})
    assert load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"].value == "number"
    response = client.get("/xuat-du-lieu/tai/", {"kind": "values", "unit": "19", "format": "csv"})
    assert response.status_code == 400 and "cần mã đơn vị và năm" in response.content.decode()


def test_the_import_and_export_pages_in_english(client, officer, commune_code, settings):
    # given the language switch set to English
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # when the import page is shown
    html = client.get(IMPORT).content.decode()
    # then its labels are English, and the file's column names and values stay as the file writes them
    assert '<html lang="en">' in html
    assert "<title>Import data — Nông thôn số</title>" in html
    assert "<h1>Import data from a CSV or Excel file</h1>" in html
    assert "<label>Kind of data\n" in html
    # (a commune officer imports values, and the smart-NTM figures of its commune: the kinds offered)
    assert ('<select name="kind"><option value="values" selected>Indicator values</option>'
            '<option value="smart_figures">') in html
    assert "<label>CSV (UTF-8) or XLSX file, at most 200 MB\n" in html
    assert '<button type="submit">Check (dry run)</button>' in html
    assert "<h2>The columns of each kind of file</h2>" in html
    assert "«Đạt» (met) or «Không đạt» (not met)" in html
    assert "Templates are on the page <a href=\"/xuat-du-lieu/\">Export data</a>." in html
    for vietnamese in ("Nhập dữ liệu từ tệp", "Loại dữ liệu", "Kiểm tra (chạy thử)", "Các cột của từng loại tệp"):
        assert vietnamese not in html
    # and a preview: English labels around the row data, which stays as the importer wrote it
    content = f"unit_code,year,indicator_code,value\n{commune_code},2023,2.1,97.5\n"
    html = upload(client, "gia tri.csv", content.encode()).content.decode()
    assert "Preview: indicator values from the file «gia tri.csv»" in html
    assert 'data-count="updated">1</b><span>to be updated</span>' in html
    assert '<th scope="col" class="num">Row</th><th scope="col">Action</th><th scope="col">Data</th>' in html
    assert "<td>Update</td>" in html and ">Confirm import<" in html and ">Cancel and delete the file<" in html
    assert "Xem trước" not in html and "Xác nhận nhập" not in html
    # and the form errors of the page follow the language
    html = client.post(IMPORT, {"kind": "", "token": "tokentokentoken2"}).content.decode()
    assert '<p class="card error" role="alert">Choose the kind of data to import.</p>' in html
    html = client.get("/xuat-du-lieu/").content.decode()
    assert "<h1>Data export and templates</h1>" in html and '<button type="submit">Download</button>' in html


def test_the_progress_fragment_in_english(client, officer, settings):
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = "/nhap-du-lieu/tien-do/tokentokentoken9/"
    cache.set(uploads.progress_key(officer.pk, "tokentokentoken9"),
              {"phase": "write", "rows": 250000, "done": 5_000_000, "total": 20_000_000}, 60)
    assert "Writing: 250.000 rows" in client.get(url).content.decode()
    cache.set(uploads.progress_key(officer.pk, "tokentokentoken9"),
              {"phase": "evaluate", "rows": 0, "done": 0, "total": 1200}, 60)
    assert "Recomputing results: 1.200 assessments…" in client.get(url).content.decode()


def test_the_import_menu_only_for_those_who_may_import(client, officer, make_user, province_19):
    # a commune officer imports values: the menu links the import page
    client.force_login(officer)
    assert f'<a href="{IMPORT}">Nhập dữ liệu</a>' in client.get("/").content.decode()
    # a viewer imports nothing: no link, and the page says why, without a form (issue 11)
    client.force_login(make_user("nguoi-xem", Role.VIEWER, province_19))
    assert f'href="{IMPORT}"' not in client.get("/").content.decode()
    response = client.get(IMPORT)
    html = response.content.decode()
    assert response.status_code == 403 and 'enctype="multipart/form-data"' not in html
    assert ("Vai trò của bạn (người xem dữ liệu của tỉnh Thái Nguyên) không nhập dữ liệu từ tệp. Vai trò này không "
            "nhập được loại dữ liệu nào; bạn vẫn xem và tải dữ liệu về ở trang «Xuất dữ liệu».") in html
