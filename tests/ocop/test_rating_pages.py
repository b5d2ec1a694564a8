"""The rating pages: the dossier page and its step forms, the work list, councils, rounds, the score grid, the
revocation form — scoped (404 outside), CSRF-protected forms, refusals shown in Vietnamese."""

import datetime as dt

import pytest
from django.test import Client

from nongthonso.audit.models import AuditEntry
from nongthonso.ocop import workflow
from nongthonso.ocop.models import Certificate, Council, Evaluation, MemberScore, Round


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def submitted(rating_world, new_rating, today_is):
    """A dossier under Decision 1489 submitted by the producer and proposed by the commune (today 1/8/2025)."""
    today_is(dt.date(2025, 8, 1))
    rating = new_rating()
    workflow.perform(rating, "submit", rating_world.producer_user)
    workflow.perform(rating, "preassess", rating_world.xa, pre_assessment="Đủ hồ sơ; đề xuất 4 sao.")
    return rating


def test_the_producer_submits_from_the_dossier_page(rating_world, new_rating, today_is):
    today_is(dt.date(2025, 8, 1))
    rating = new_rating()
    client = signed_in(rating_world.producer_user)
    page = client.get(f"/ocop/ho-so/{rating.pk}/").content.decode()
    assert 'id="buoc-submit"' in page and "csrfmiddlewaretoken" in page
    assert "Quy trình OCOP hai cấp (Quyết định 1489/QĐ-TTg)" in page
    response = client.post(f"/ocop/ho-so/{rating.pk}/buoc/submit/", {"version": 0}, follow=True)
    assert "Đã thực hiện: Gửi hồ sơ đánh giá. Trạng thái hồ sơ: Đã gửi, chờ xã đánh giá sơ bộ." in (
        response.content.decode())
    rating.refresh_from_db()
    assert rating.state == "submitted"
    # the same page posted again (version 0) is stale
    response = client.post(f"/ocop/ho-so/{rating.pk}/buoc/submit/", {"version": 0}, follow=True)
    assert "trang của bạn là phiên bản 0" in response.content.decode()


def test_outside_the_scope_the_dossier_is_not_found(rating_world, submitted, make_user, dai_tu):
    from nongthonso.units.models import Unit

    elsewhere = (Unit.objects.valid_on(dt.date(2023, 6, 30)).filter(unit_type__level__code="xa")
                 .exclude(path__startswith=dai_tu.path).order_by("code").first())
    stranger = make_user("xa_khac", "commune_officer", elsewhere)
    assert signed_in(stranger).get(f"/ocop/ho-so/{submitted.pk}/").status_code == 404


def test_the_work_list_shows_what_the_user_may_do(rating_world, submitted, council_scores):
    client = signed_in(rating_world.tinh)
    page = client.get("/ocop/ho-so/").content.decode()
    assert "Trả lại hồ sơ" in page and "Chốt kết quả chấm của hội đồng" not in page  # no scores yet
    assert "Chè búp Kiểm Thử" not in signed_in(rating_world.huyen).get("/ocop/ho-so/").content.decode()
    assert "Chè búp Kiểm Thử" in signed_in(rating_world.huyen).get("/ocop/ho-so/?tat-ca=1").content.decode()
    council_scores(submitted, "tinh")
    page = client.get("/ocop/ho-so/").content.decode()
    assert "Chè búp Kiểm Thử" in page and "Chốt kết quả chấm của hội đồng" in page


def test_the_province_sets_up_a_council_and_a_round(rating_world, submitted, province_19):
    client = signed_in(rating_world.tinh)
    response = client.post("/ocop/hoi-dong/", {
        "name": "Hội đồng OCOP tỉnh 2025", "unit": province_19.pk, "year": 2025, "decision_number": "12/QĐ-UBND",
        "decision_date": "2/1/2025",
        "members_text": "Lê Văn Cường; Chủ tịch hội đồng; ocop_huyen\nPhạm Thị Dung; Ủy viên\n"})
    council = Council.objects.get(name="Hội đồng OCOP tỉnh 2025")
    assert response.status_code == 302 and response.url == f"/ocop/hoi-dong/{council.pk}/"
    members = list(council.members.order_by("order"))
    assert [(m.full_name, m.position, m.user and m.user.username) for m in members] == [
        ("Lê Văn Cường", "Chủ tịch hội đồng", "ocop_huyen"), ("Phạm Thị Dung", "Ủy viên", None)]
    assert AuditEntry.objects.filter(model="ocop.council", object_id=str(council.pk), action="create").exists()
    bad = client.post("/ocop/hoi-dong/", {"name": "X", "unit": province_19.pk, "year": 2025,
                                          "members_text": "An; Ủy viên; khong_co"})
    assert ("Dòng 1: không có tài khoản đang hoạt động tên «khong_co»; sửa tên đăng nhập hoặc bỏ trống nếu thành "
            "viên không tự nhập điểm.") in bad.content.decode()
    page = client.get(f"/ocop/hoi-dong/{council.pk}/").content.decode()
    assert "Chè búp Kiểm Thử" in page  # proposed, waiting for the provincial council
    response = client.post(f"/ocop/hoi-dong/{council.pk}/", {
        "name": "Đợt 1", "date": "5/8/2025", "members": [m.pk for m in members], "ratings": [submitted.pk]})
    sitting = Round.objects.get(council=council)
    assert response.url == f"/ocop/dot-danh-gia/{sitting.pk}/"
    assert Evaluation.objects.filter(round=sitting, rating=submitted).exists()
    # a district office may not set up a council of the province
    assert signed_in(rating_world.xa).post("/ocop/hoi-dong/", {"name": "Y"}).status_code == 403


def test_the_score_grid_columns(rating_world, submitted, province_19):
    w = rating_world
    council = w.councils["tinh"]
    seat = council.members.first()
    seat.user = w.huyen  # this member enters their own scores
    seat.save()
    sitting = Round.objects.create(council=council, name="Đợt 1", date=dt.date(2025, 8, 5))
    sitting.members.set(council.members.all())
    evaluation = Evaluation.objects.create(rating=submitted, round=sitting)
    other = council.members.exclude(pk=seat.pk).get()
    criteria = {c.code: c.pk for c in w.sheet.criteria.all()}
    cell = {code: f"d-{{}}-{pk}" for code, pk in criteria.items()}
    office = signed_in(w.tinh)
    page = office.get(f"/ocop/cham-diem/{evaluation.pk}/").content.decode()
    assert f'name="d-{other.pk}-{criteria["A1"]}"' in page and f'name="d-{seat.pk}-{criteria["A1"]}"' not in page
    assert "<th>Tối đa</th>" in page
    response = office.post(f"/ocop/cham-diem/{evaluation.pk}/", {
        **{cell[c].format(other.pk): p for c, p in (("A1", "30"), ("B1", "20"), ("C1", "25"))},
        **{cell[c].format(seat.pk): "1" for c in criteria}})  # not the office's column: ignored
    assert response.status_code == 302
    assert not MemberScore.objects.filter(member=seat).exists()
    member = signed_in(w.huyen)
    waiting = member.get("/ocop/ho-so/").content.decode()
    assert f'<a href="/ocop/cham-diem/{evaluation.pk}/">Chè búp Kiểm Thử</a>' in waiting  # their seat, to score
    response = member.post(f"/ocop/cham-diem/{evaluation.pk}/", {cell["A1"].format(seat.pk): "45"}, follow=True)
    assert "nằm ngoài thang điểm: ghi từ 0 đến 40 điểm." in response.content.decode()
    response = member.post(f"/ocop/cham-diem/{evaluation.pk}/", {cell[c].format(seat.pk): p for c, p in
                                                                 (("A1", "30"), ("B1", "20"), ("C1", "25,5"))},
                           follow=True)
    assert "Đã lưu điểm; tổng điểm và hạng sao đã được tính lại." in response.content.decode()
    evaluation.refresh_from_db()
    assert (evaluation.total, evaluation.stars, evaluation.complete) == (75.25, 4, True)
    page = office.get(f"/ocop/ho-so/{submitted.pk}/").content.decode()
    assert "<b data-total>75,25</b>" in page


def test_the_decision_and_the_revocation_forms(rating_world, submitted, council_scores, today_is):
    w = rating_world
    council_scores(submitted, "tinh")
    today_is(dt.date(2025, 8, 20))
    client = signed_in(w.tinh)
    client.post(f"/ocop/ho-so/{submitted.pk}/buoc/score/", {"version": 2})
    page = client.get(f"/ocop/ho-so/{submitted.pk}/").content.decode()
    assert 'id="buoc-decide"' in page and 'value="Ủy ban nhân dân tỉnh Thái Nguyên"' in page
    client.post(f"/ocop/ho-so/{submitted.pk}/buoc/decide/", {
        "version": 3, "stars": 4, "number": "77/QĐ-UBND", "date": "2025-08-18", "authority": ""})
    certificate = Certificate.objects.get(rating=submitted)
    assert certificate.stars == 4
    response = client.post(f"/ocop/giay-chung-nhan/{certificate.pk}/thu-hoi/", {
        "number": "3/QĐ-UBND", "date": "19/8/2025", "reason": "Vi phạm nhãn"}, follow=True)
    assert "Đã ghi quyết định thu hồi giấy chứng nhận." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_on == dt.date(2025, 8, 19)
    assert signed_in(w.xa).post(f"/ocop/giay-chung-nhan/{certificate.pk}/thu-hoi/", {
        "number": "4", "date": "19/8/2025", "reason": "x"}).status_code == 403


def test_the_menu_shows_ocop_to_a_producer(rating_world):
    page = signed_in(rating_world.producer_user).get("/ocop/ho-so/").content.decode()
    assert 'href="/ocop/"' in page  # the menu's «OCOP»: the index (ocop_home), which links to the dossiers


def test_the_work_list_reads_a_few_queries(rating_world, new_rating, today_is,
                                                       django_assert_max_num_queries):
    today_is(dt.date(2025, 8, 1))
    for year in range(2018, 2025):  # seven open dossiers of the product (arranged: one is open in real life)
        rating = new_rating(year)
        workflow.perform(rating, "submit", rating_world.producer_user)
    client = signed_in(rating_world.xa)
    client.get("/ocop/ho-so/")  # the session and the menu's first reads
    with django_assert_max_num_queries(15):
        page = client.get("/ocop/ho-so/").content.decode()
    assert page.count("Đánh giá sơ bộ và đề xuất") == 7
