"""Import, export and templates through the API (``/api/imports``, ``/api/exports``, ``/api/templates``): the same
importers, scope and messages as the web pages, all or nothing, audited, in the API's one error format."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from nongthonso.accounts.models import Role
from nongthonso.accounts.services import refusal
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import not_a_table_message
from nongthonso.dataio import uploads
from nongthonso.demo.thai_nguyen_2026 import SET_2021 as NTM_SET
from nongthonso.recognition.models import Registration
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db
HEADER = "unit_code,year,indicator_code,value\n"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def commune(dossiers_open) -> Unit:
    """A commune meeting all 19 criteria whose 2023 dossier is open for editing (a draft)."""
    return (Assessment.objects.filter(year=2023, criteria_set__code=NTM_SET, criteria_met=19)
            .select_related("unit").order_by("unit__code").first().unit)


@pytest.fixture
def officer(commune, make_user, token_for):
    """The commune officer of ``commune`` and a token."""
    user = make_user("api.can-bo-xa", Role.COMMUNE_OFFICER, commune)
    return user, token_for(user)


def upload(kind: str, name: str, content: bytes, token: str | None, dry_run: bool | None = None):
    url = f"/api/imports/{kind}" + ("" if dry_run is None else f"?dry_run={str(dry_run).lower()}")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(url, {"file": SimpleUploadedFile(name, content)}, headers=headers)


def get(url: str, token: str, **params):
    return Client().get(url, params, headers={"Authorization": f"Bearer {token}"})


def value_of(code: str, indicator: str) -> IndicatorValue:
    return IndicatorValue.objects.get(assessment__unit__code=code, assessment__year=2023,
                                      assessment__criteria_set__code=NTM_SET, indicator__code=indicator)


# --- import -------------------------------------------------------------------------------------------------------

def test_a_dry_run_previews_the_changes_and_writes_nothing(officer, commune, import_counts):
    # given a file changing one value of the officer's commune and repeating another
    _, token = officer
    old = value_of(commune.code, "2.1").value
    content = f"{HEADER}{commune.code},2023,2.1,97.5\n{commune.code},2023,1.1,Đạt\n".encode()
    before = import_counts()

    # when it is checked through the API
    response = upload("values", "gia tri.csv", content, token, dry_run=True)

    # then the preview lists the change, and nothing was written
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    assert {k: data[k] for k in ("kind", "dry_run", "file", "rows", "created", "updated", "unchanged")} == {
        "kind": "values", "dry_run": True, "file": "gia tri.csv", "rows": 2, "created": 0, "updated": 1,
        "unchanged": 1}
    assert data["summary"] == ("Sẽ tạo mới 0, cập nhật 1, giữ nguyên 1 dòng. (Chạy thử: chưa ghi gì vào cơ sở dữ "
                               "liệu.)")
    (change,) = data["changes"]
    assert (change["row"], change["action"], change["after"]) == (2, "update", "97,5")
    assert change["what"].endswith(f"({commune.code}) · 2023 · chỉ tiêu 2.1")
    assert import_counts() == before and value_of(commune.code, "2.1").value == old
    assert list(uploads.folder().glob("*.upload")) == []  # the upload is not kept


def test_an_import_writes_and_is_audited_under_the_callers_name(officer, commune):
    user, token = officer
    audited = AuditEntry.objects.count()

    # when the officer imports without dry_run (the default: import)
    response = upload("values", "gia-tri.csv", f"{HEADER}{commune.code},2023,2.1,97.5\n".encode(), token)

    # then the value is stored by the officer, and the audit log names the officer
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    assert (data["dry_run"], data["updated"], data["summary"]) == (
        False, 1, "Đã tạo mới 0, cập nhật 1, giữ nguyên 0 dòng.")
    assert data["messages"] == ["Đã tính lại kết quả của 1 bản đánh giá."]
    stored = value_of(commune.code, "2.1")
    assert (stored.value, stored.updated_by) == (97.5, user)
    (entry,) = AuditEntry.objects.order_by("-pk")[:AuditEntry.objects.count() - audited]
    assert (entry.action, entry.user, entry.actor, entry.model) == (
        "import", user, user.get_username(), "assessments.assessment")
    assert entry.object_id == str(stored.assessment_id) and entry.note == "Nhập tệp gia-tri.csv"
    assert list(uploads.folder().glob("*.upload")) == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("rong.csv", b"", "Tệp «rong.csv» rỗng. Hãy dùng tệp mẫu và điền dữ liệu."),
    ("anh.png", "png", not_a_table_message("anh.png")),
    ("van-ban.xlsx", "docx", not_a_table_message("van-ban.xlsx")),
    ("tieu-de.csv", HEADER.encode(),
     "Tệp «tieu-de.csv» không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Điền dữ liệu từ dòng 2."),
])
def test_a_bad_file_gets_the_importers_message_and_writes_nothing(officer, name, content, message, assert_error,
                                                                  import_counts, not_a_table):
    # content: the bytes, or the kind of a sample file that is no table (conftest's ``not_a_table``)
    _, token = officer
    content = not_a_table[content] if isinstance(content, str) else content
    before = import_counts()
    error = assert_error(upload("values", name, content, token), 422, "import_failed")
    assert error["message"] == message
    assert error["details"] == [{"row": 0, "field": None, "location": "file", "value": "", "code": "file",
                                 "message": message}]
    assert import_counts() == before


def test_every_bad_row_is_listed_and_nothing_is_written(officer, commune, assert_error, import_counts):
    # given a file with a good row, a value of the wrong type and an unknown unit code (rows 2, 3 and 4)
    _, token = officer
    content = f"{HEADER}{commune.code},2023,2.1,90\n{commune.code},2023,2.1,nhiều\n99999,2023,2.1,90\n".encode()
    before = import_counts()

    error = assert_error(upload("values", "loi.csv", content, token), 422, "import_failed")

    # then each bad row is a detail (row, column, value, fix) and not even the good row was written
    assert error["message"] == ("Tệp «loi.csv» có 2 lỗi — chưa ghi gì vào cơ sở dữ liệu. Sửa từng lỗi nêu trong "
                                "«details» (dòng, cột, giá trị, cách sửa) rồi gửi lại.")
    assert error["details"] == [
        {"row": 3, "field": "value", "location": "file", "value": "nhiều", "code": "row",
         "message": "Dòng 3, cột «value» (giá trị «nhiều»): Chỉ tiêu 2.1 cần một số (%); «nhiều» không phải là số. "
                    "Dùng dấu phẩy cho phần thập phân, ví dụ 85,7."},
        {"row": 4, "field": "unit_code", "location": "file", "value": "99999", "code": "row",
         "message": "Dòng 4, cột «unit_code» (giá trị «99999»): không có đơn vị hành chính mã 99999 trong năm 2023. "
                    "Kiểm tra mã GSO (cấp xã có 5 chữ số) hoặc năm đánh giá."},
    ]
    assert import_counts() == before


def test_values_of_another_commune_are_refused_and_nothing_is_written(officer, commune, assert_error, import_counts):
    # given the officer of one commune and a file with a row of its own and one of another commune
    user, token = officer
    other = (Assessment.objects.filter(year=2023, criteria_set__code=NTM_SET).exclude(unit__code=commune.code)
             .select_related("unit").order_by("unit__code").first().unit)
    content = f"{HEADER}{commune.code},2023,2.1,90\n{other.code},2023,2.1,90\n".encode()
    before = import_counts()

    error = assert_error(upload("values", "hai-xa.csv", content, token), 422, "import_failed")

    # then the other commune's row is refused with the web app's refusal, and the own row is not written either
    (detail,) = error["details"]
    assert (detail["row"], detail["field"], detail["value"]) == (3, "unit_code", other.code)
    assert detail["message"] == (f"Dòng 3, cột «unit_code» (giá trị «{other.code}»): "
                                 f"{refusal(user, 'edit_values', other).message} Bỏ các dòng của đơn vị này.")
    assert "Bạn là cán bộ phụ trách NTM" in detail["message"]
    assert import_counts() == before


def test_a_viewer_may_import_nothing_and_is_told_once_before_the_file_is_read(
        commune, assert_error, import_counts, make_user, token_for, province_19, monkeypatch):
    viewer = make_user("api.xem", Role.VIEWER, province_19)
    token = token_for(viewer)
    before = import_counts()
    monkeypatch.setattr(uploads, "write", lambda upload: pytest.fail("the file was stored"))
    for kind, content in [("values", f"{HEADER}{commune.code},2023,2.1,90\n"),
                          ("decisions", "number,date,authority,kind,level,for_year,unit_codes\n"),
                          ("units", "code,name,type,parent_code,valid_from,valid_to\n")]:
        error = assert_error(upload(kind, "x.csv", content.encode(), token), 403, "forbidden")
        assert error["message"].startswith("Vai trò của bạn (người xem dữ liệu của tỉnh Thái Nguyên) không được nhập «")
        assert error["message"].endswith("Vai trò này không nhập được loại dữ liệu nào; bạn vẫn xem và tải dữ liệu về "
                                         "ở trang «Xuất dữ liệu».")
    assert import_counts() == before


def test_a_district_office_reimporting_its_own_export_is_told_once(commune, assert_error, make_user, token_for):
    # given the export of the district's 2023 values, as the district office downloads it
    district = commune.parent
    office = make_user("api.vp-huyen", Role.DISTRICT_OFFICE, district)
    token = token_for(office)
    content = get("/api/exports/values", token, unit=district.code, year=2023).getvalue()
    assert content.count(b"\n") > 500  # hundreds of rows: the old check refused each one
    # when the office sends it back: one refusal for the file, naming its role and what it may import
    error = assert_error(upload("values", "gia-tri.csv", content, token, dry_run=True), 403, "forbidden")
    assert error["details"] == []
    name = district.name[:1].lower() + district.name[1:]
    assert error["message"] == (
        f"Vai trò của bạn (Văn phòng Điều phối NTM {name}) không được nhập «Giá trị chỉ tiêu». Việc này do cán bộ phụ "
        "trách NTM cấp xã thực hiện. Bạn được nhập: «Đăng ký đạt chuẩn», «Số liệu chuyển đổi số», «Sản phẩm OCOP và "
        "chủ thể», «Điểm chấm sản phẩm OCOP», «Hợp tác xã» — của các đơn vị trong phạm vi vai trò của mình.")

def test_an_anonymous_upload_is_401_and_writes_nothing(commune, assert_error, import_counts):
    before = import_counts()
    assert_error(upload("values", "v.csv", f"{HEADER}{commune.code},2023,2.1,90\n".encode(), None),
                 401, "unauthenticated")
    assert_error(upload("values", "v.csv", b"x", "nts_sai"), 401, "invalid_token")
    assert import_counts() == before


def test_a_session_upload_needs_the_csrf_token(officer, commune, assert_error):
    user, _ = officer
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    file = SimpleUploadedFile("v.csv", f"{HEADER}{commune.code},2023,2.1,90\n".encode())
    assert_error(client.post("/api/imports/values?dry_run=true", {"file": file}), 403, "csrf_failed")


def test_a_file_over_the_limit_is_413(officer, commune, settings, assert_error, import_counts):
    _, token = officer
    settings.IMPORT_MAX_BYTES = 10
    before = import_counts()
    error = assert_error(upload("values", "lon.csv", f"{HEADER}{commune.code},2023,2.1,90\n".encode(), token),
                         413, "file_too_large")
    assert error["message"] == ("Tệp «lon.csv» lớn quá 0 MB. Chia tệp thành nhiều phần, hoặc nhập bằng dòng lệnh "
                                "(nongthonso import).")
    assert import_counts() == before


def test_a_missing_file_or_unknown_kind_is_a_validation_error(officer, assert_error):
    _, token = officer
    response = Client().post("/api/imports/values", {}, headers={"Authorization": f"Bearer {token}"})
    error = assert_error(response, 422, "validation_error")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("file", "missing")]
    assert error["message"] == (
        "Dữ liệu gửi lên không hợp lệ: «file» (tệp) là bắt buộc nhưng chưa có: gửi tệp theo dạng multipart/form-data "
        "trong trường «file», ví dụ curl -F \"file=@tep.xlsx\". Sửa các trường nêu trên rồi gửi lại.")
    # a body that is not multipart at all, or multipart cut short, gets the same answer
    for body, content_type in ((b"not multipart", "text/plain"),
                               (b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc',
                                "multipart/form-data; boundary=xyz")):
        response = Client().generic("POST", "/api/imports/values", body, content_type=content_type,
                                    headers={"Authorization": f"Bearer {token}"})
        assert assert_error(response, 422, "validation_error")["details"][0]["field"] == "file"
    error = assert_error(upload("diem", "v.csv", b"a", token), 422, "validation_error")
    assert [(d["field"], d["location"]) for d in error["details"]] == [("kind", "path")]


# --- export and templates ------------------------------------------------------------------------------------------

def _rows(response) -> list[list]:
    if response["Content-Type"].startswith("text/csv"):
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_emptied_year_gives_the_same_values(officer, commune, fmt):
    # given the values of the officer's commune for 2023, exported through the API
    _, token = officer
    response = get("/api/exports/values", token, unit=commune.code, year=2023, format=fmt)
    assert response.status_code == 200
    assert response["Content-Type"] == ("text/csv; charset=utf-8" if fmt == "csv" else XLSX_TYPE)
    assert response["Content-Disposition"] == f'attachment; filename="gia-tri-{commune.code}-2023.{fmt}"'
    content = response.content if fmt == "xlsx" else b"".join(response.streaming_content)
    stored = IndicatorValue.objects.filter(assessment__unit=commune, assessment__year=2023)
    expected = {(v.assessment.criteria_set.code, v.indicator.code): (v.value, v.note, v.source)
                for v in stored.select_related("assessment__criteria_set", "indicator")}
    assert expected

    # when the year is emptied and the file imported back through the API
    stored.delete()
    response = upload("values", f"xuat.{fmt}", content, token)

    # then every value is back, the same
    assert response.status_code == 200, response.content.decode()
    assert (response.json()["created"], response.json()["updated"]) == (len(expected), 0)
    back = {(v.assessment.criteria_set.code, v.indicator.code): (v.value, v.note, v.source)
            for v in IndicatorValue.objects.filter(assessment__unit=commune, assessment__year=2023)
            .select_related("assessment__criteria_set", "indicator")}
    assert back == expected


def test_exports_are_scoped_like_the_web(officer, commune):
    # the officer asks for the whole province: values and registrations only of its own commune
    _, token = officer
    rows = _rows(get("/api/exports/values", token, unit="19", year=2023))
    assert rows[0][:4] == ["unit_code", "year", "indicator_code", "value"]
    assert len(rows) > 1 and {r[0] for r in rows[1:]} == {commune.code}
    own = Registration.objects.filter(unit__path__startswith=commune.path).count()
    rows = _rows(get("/api/exports/registrations", token, unit="19", format="xlsx"))
    assert rows[0][0] == "unit_code" and len(rows) - 1 == own
    assert {r[0] for r in rows[1:]} <= {commune.code}
    # decisions are public
    rows = _rows(get("/api/exports/decisions", token, unit="19", format="xlsx"))
    assert rows[0][0] == "number" and len(rows) > 10


def test_export_errors(officer, assert_error):
    _, token = officer
    error = assert_error(get("/api/exports/values", token, unit="19"), 422, "export")
    assert error["message"] == "Xuất giá trị chỉ tiêu cần mã đơn vị và năm, ví dụ 19 và 2023."
    error = assert_error(get("/api/exports/values", token, unit="99999", year=2023), 404, "not_found")
    assert error["message"] == ("Không có đơn vị mã «99999» còn hiệu lực trong khoảng 1/1/2023 – 31/12/2023. Kiểm "
                                "tra mã GSO hoặc năm.")
    error = assert_error(get("/api/exports/values", token, unit="19", year=2023, format="pdf"), 422,
                         "validation_error")
    assert [d["field"] for d in error["details"]] == ["format"]
    assert_error(Client().get("/api/exports/decisions"), 401, "unauthenticated")


def test_the_template_opens_with_openpyxl(officer, commune):
    _, token = officer
    response = get(f"/api/templates/{NTM_SET}", token)
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="mau-nhap-{NTM_SET}.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames[:2] == ["Giá trị", "Chỉ tiêu"]

    # pre-filled for the commune's district: every commune's block, recorded values only of the officer's commune
    district = commune.parent.code
    response = get(f"/api/templates/{NTM_SET}", token, unit=district, year=2023)
    assert response["Content-Disposition"] == f'attachment; filename="mau-nhap-{NTM_SET}-{district}-2023.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    rows = [[c.value for c in r] for r in book["Giá trị"].iter_rows(min_row=3) if r[0].value]
    assert len({r[0] for r in rows}) > 1
    assert {r[0] for r in rows if r[4] is not None} == {commune.code}  # E: the value (D: the indicator's name)


def test_template_errors(officer, assert_error):
    _, token = officer
    error = assert_error(get("/api/templates/khong-co", token), 404, "not_found")
    assert error["message"].startswith("Không có bộ tiêu chí mã «khong-co». Dùng một trong: ")
    error = assert_error(get(f"/api/templates/{NTM_SET}", token, unit="171"), 422, "export")
    assert error["message"] == "Muốn điền sẵn danh sách xã, cần cả mã đơn vị và năm."
    error = assert_error(get(f"/api/templates/{NTM_SET}", token, unit="171", year=2019), 422, "export")
    assert error["message"] == f"Bộ tiêu chí «{NTM_SET}» chỉ áp dụng cho các năm 2022–2025. Sửa năm."
