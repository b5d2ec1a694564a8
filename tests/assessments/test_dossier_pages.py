"""The dossier pages: entry with inline validation, evidence, workflow steps, timeline — through HTTP."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from nongthonso.assessments.models import Assessment, Evidence, IndicatorValue, WorkflowEvent
from nongthonso.audit.models import AuditEntry

# the 2023 dossiers walk the three-tier workflow: today is 1/6/2025 here (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("before_two_tier")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def setup(db, assessed_communes, dai_tu, dossier, make_user, unit_at, province_19):
    communes = assessed_communes(dai_tu)
    commune, neighbour = communes[0], communes[1]
    other_district = unit_at("167", "huyen")
    return {
        "dossier": dossier(commune), "neighbour": dossier(neighbour),
        "officer": make_user("canbo", "commune_officer", commune),
        "district": make_user("huyen", "district_office", dai_tu),
        "other_district": make_user("huyen2", "district_office", other_district),
        "province": make_user("tinh", "province_office", province_19),
    }


def _value(a, code):
    return IndicatorValue.objects.filter(assessment=a, indicator__code=code).values_list("value", flat=True).first()


@pytest.mark.django_db
def test_the_officer_sees_the_entry_form_and_only_the_submit_step(client, setup):
    client.force_login(setup["officer"])
    html = client.get(f"/ho-so/{setup['dossier'].pk}/").content.decode()
    assert 'id="v-2.1"' in html and 'name="value"' in html
    assert 'data-step="submit"' in html
    assert 'data-step="verify"' not in html and 'data-step="approve"' not in html


@pytest.mark.django_db
def test_typing_is_checked_without_saving(client, setup):
    a = setup["dossier"]
    client.force_login(setup["officer"])
    before = _value(a, "2.1")
    bad = client.post(f"/ho-so/{a.pk}/kiem-tra/2.1/", {"value": "1o0"}).content.decode()
    good = client.post(f"/ho-so/{a.pk}/kiem-tra/2.1/", {"value": "99,5"}).content.decode()
    assert "Chỉ tiêu 2.1 cần một số (%); «1o0» không phải là số." in bad
    assert "Hợp lệ — rời ô nhập để lưu." in good
    assert _value(a, "2.1") == before


@pytest.mark.django_db
def test_a_saved_value_reevaluates_the_criterion_at_once(client, setup):
    a = setup["dossier"]
    client.force_login(setup["officer"])
    html = client.post(f"/ho-so/{a.pk}/gia-tri/2.1/", {"value": "12,5"}).content.decode()
    assert 'id="crit-2"' in html and 'data-status="not_met"' in html
    assert 'id="dossier-figures"' in html and 'hx-swap-oob="true"' in html
    assert _value(a, "2.1") == 12.5
    assert AuditEntry.objects.filter(model="assessments.indicatorvalue", user=setup["officer"]).exists()


@pytest.mark.django_db
def test_a_rejected_value_is_shown_with_its_message_and_not_saved(client, setup):
    a = setup["dossier"]
    client.force_login(setup["officer"])
    before = _value(a, "2.1")
    html = client.post(f"/ho-so/{a.pk}/gia-tri/2.1/", {"value": "140"}).content.decode()
    assert "Chỉ tiêu 2.1 là tỷ lệ phần trăm, phải từ 0 đến 100; «140» nằm ngoài khoảng này." in html
    assert 'value="140"' in html  # the input keeps what was typed, to be corrected
    assert _value(a, "2.1") == before


@pytest.mark.django_db
def test_the_district_cannot_edit_values_and_nothing_changes(client, setup):
    a = setup["dossier"]
    client.force_login(setup["district"])
    before = _value(a, "2.1")
    html = client.post(f"/ho-so/{a.pk}/gia-tri/2.1/", {"value": "50"}).content.decode()
    assert "cán bộ" in html and "role=\"alert\"" in html
    assert _value(a, "2.1") == before


@pytest.mark.django_db
def test_another_district_sees_no_such_dossier(client, setup):
    client.force_login(setup["other_district"])
    assert client.get(f"/ho-so/{setup['dossier'].pk}/").status_code == 404
    assert client.post(f"/ho-so/{setup['dossier'].pk}/gia-tri/2.1/", {"value": "50"}).status_code == 404


@pytest.mark.django_db
def test_return_needs_a_reason_then_keeps_the_history(client, setup):
    a = setup["dossier"]
    client.force_login(setup["officer"])
    client.post(f"/ho-so/{a.pk}/buoc/submit/", {"version": a.version})
    client.force_login(setup["district"])
    page = client.post(f"/ho-so/{a.pk}/buoc/return/", {"reason": "  "}, follow=True).content.decode()
    assert "Phải ghi lý do trả lại hồ sơ" in page
    assert Assessment.objects.get(pk=a.pk).state == "submitted"
    page = client.post(f"/ho-so/{a.pk}/buoc/return/", {"reason": "Thiếu biểu tổng hợp thu nhập"},
                       follow=True).content.decode()
    assert Assessment.objects.get(pk=a.pk).state == "returned"
    assert "Thiếu biểu tổng hợp thu nhập" in page  # in the timeline
    assert list(WorkflowEvent.objects.filter(assessment=a).values_list("action", flat=True)) == ["submit", "return"]


@pytest.mark.django_db
def test_a_step_the_user_may_not_take_is_refused_with_the_reason(client, setup):
    a = setup["dossier"]
    client.force_login(setup["officer"])
    page = client.post(f"/ho-so/{a.pk}/buoc/approve/", follow=True).content.decode()
    assert "Văn phòng Điều phối NTM" in page or "tỉnh" in page
    assert Assessment.objects.get(pk=a.pk).state == "draft"


@pytest.mark.django_db
def test_evidence_upload_checks_the_content_and_serves_only_those_allowed(client, setup, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    a = setup["dossier"]
    client.force_login(setup["officer"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = client.post(f"/ho-so/{a.pk}/minh-chung/", {
        "file": SimpleUploadedFile("bien-ban.pdf", PDF, "application/pdf"), "indicator": "2.1"}, follow=True)
    assert "Đã tải lên minh chứng «bien-ban.pdf»." in ok.content.decode()
    item = Evidence.objects.get(assessment=a)
    assert item.content_type == "application/pdf" and item.indicator.code == "2.1"
    assert "bien-ban" not in item.file.name  # stored under a random name
    fake = client.post(f"/ho-so/{a.pk}/minh-chung/", {
        "file": SimpleUploadedFile("anh.png", b"MZ\x90\x00 not an image", "image/png")}, follow=True)
    assert "không phải PDF, PNG, JPEG (kiểm tra theo nội dung tệp, không theo tên)" in fake.content.decode()
    empty = client.post(f"/ho-so/{a.pk}/minh-chung/", {
        "file": SimpleUploadedFile("rong.pdf", b"", "application/pdf")}, follow=True)
    assert "rỗng (0 byte)" in empty.content.decode()
    with override_settings(EVIDENCE_MAX_BYTES=10):
        big = client.post(f"/ho-so/{a.pk}/minh-chung/", {
            "file": SimpleUploadedFile("anh.png", PNG, "image/png")}, follow=True)
    assert "vượt giới hạn" in big.content.decode()
    assert Evidence.objects.filter(assessment=a).count() == 1
    # served to the officer and the district; not to another district
    response = client.get(f"/minh-chung/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(setup["district"])
    assert client.get(f"/minh-chung/{item.pk}/").status_code == 200
    client.force_login(setup["other_district"])
    assert client.get(f"/minh-chung/{item.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/minh-chung/{item.pk}/").status_code == 302


@pytest.mark.django_db
def test_the_officer_opens_next_years_dossier_from_the_scorecard(client, setup):
    commune = setup["dossier"].unit
    client.force_login(setup["officer"])
    response = client.post(f"/xa/{commune.pk}/mo-ho-so/", {"year": "2024"})
    created = Assessment.objects.get(unit=commune, year=2024)
    assert response["Location"] == f"/ho-so/{created.pk}/"
    assert (created.state, created.criteria_unknown, created.criteria_total) == ("draft", 19, 19)
    client.force_login(setup["district"])
    before = Assessment.objects.filter(unit=commune).count()
    refused = client.post(f"/xa/{commune.pk}/mo-ho-so/", {"year": "2021"}, follow=True).content.decode()
    assert "Chỉ cán bộ xã của" in refused
    assert Assessment.objects.filter(unit=commune).count() == before


@pytest.mark.django_db
def test_the_work_list_shows_what_waits_for_each_role(client, setup):
    a = setup["dossier"]
    client.force_login(setup["officer"])
    client.post(f"/ho-so/{a.pk}/buoc/submit/", {"version": a.version})
    client.force_login(setup["district"])
    html = client.get("/ho-so/").content.decode()
    assert f'<tr data-dossier="{a.pk}" data-next="verify">' in html and f"/ho-so/{a.pk}/#buoc-verify" in html


def _entry_rows(page: str) -> dict[str, tuple[str, str, str]]:
    """Indicator code → (threshold, verdict, gap) as the entry page shows them."""
    rows = {}
    for code, body in re.findall(r'<div class="entry-row" data-indicator="([^"]+)"(.*?)</div>', page, re.S):
        threshold = re.search(r'<span class="entry-threshold">(.*?)(?: <span class="badge|</span>)', body, re.S)[1]
        status = re.search(r'<span class="entry-status [a-z_]+">(.*?)</span>', body, re.S)[1]
        verdict, _sep, gap = unescape(status).partition(" · ")
        rows[code] = (unescape(threshold), verdict, gap)
    return rows


def _scorecard_rows(page: str) -> dict[str, tuple[str, str, str]]:
    """Indicator code → (threshold, verdict, gap) as the scorecard's table shows them ("—": no gap)."""
    rows = {}
    for code, body in re.findall(r'<tr data-indicator="([^"]+)"[^>]*>(.*?)</tr>', page, re.S):
        cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body,
                                                                                        re.S)]
        rows[code] = (cells[2], cells[4], "" if cells[3] == "—" else cells[3])
    return rows


@pytest.mark.django_db
def test_the_entry_page_shows_the_scorecards_rows_translated(client, setup):
    """Regression: the entry page built its rows apart from the scorecard's, with labels of its own (a gap always
    «thiếu», without its unit). Both now come from one presenter: in English, the same translated verdicts, thresholds
    and gaps — a floor not reached is short, a ceiling exceeded is over."""
    from nongthonso.assessments.services import set_value

    a, officer = setup["dossier"], setup["officer"]
    set_value(a, "2.1", "12,5", user=officer)  # ≥ 100%: short by 87,5%
    set_value(a, "11", "25,5", user=officer)  # multidimensional poverty ≤ 13% (TDMNPB): over by 12,5%
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(None):  # the requests switch this thread to English: switch back after them
        entry = _entry_rows(client.get(f"/ho-so/{a.pk}/").content.decode())
        card = _scorecard_rows(client.get(f"/xa/{a.unit_id}/", {"year": a.year, "set": a.criteria_set.code})
                               .content.decode())
    assert entry == card and len(entry) == a.criteria_set.indicators.count()
    assert entry["2.1"] == ("≥ 100%", "Not met", "short by 87,5%")
    assert entry["11"] == ("≤ 13%", "Not met", "over by 12,5%")
    assert {verdict for _threshold, verdict, _gap in entry.values()} <= {"Met", "Not met", "Unknown"}
    yes_no = [threshold for code, (threshold, _v, _g) in entry.items()
              if a.criteria_set.indicators.get(code=code).value_type == "boolean"]
    assert yes_no and set(yes_no) <= {"Met", "No"}
