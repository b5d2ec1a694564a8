"""The OCOP rating workflow as data: the two definitions by date, transitions, refusals, separation of duties,
the move of open dossiers to Decision 1489 on 6/7/2025, stale versions, notifications."""

import datetime as dt

import pytest

from nongthonso.audit.models import AuditEntry
from nongthonso.notifications.models import Notification
from nongthonso.ocop import workflow
from nongthonso.ocop.models import Certificate, RatingEvent
from nongthonso.ocop.workflow import WorkflowError

DECISION = {"number": "123/QĐ-UBND", "date": "2025-08-10", "authority": ""}


def refused(call) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call()
    return caught.value


def test_the_definition_is_chosen_by_the_day_of_submission():
    assert set(workflow.definitions()) == {"ocop-148", "ocop-1489"}
    assert workflow.select(dt.date(2025, 7, 5)).code == "ocop-148"
    assert workflow.select(dt.date(2025, 7, 6)).code == "ocop-1489"
    assert workflow.select(dt.date(2023, 2, 23)) is None


def test_a_bad_file_is_refused_with_where_and_how(tmp_path):
    (tmp_path / "x.yaml").write_text("code: x\nname: X\nlegal_basis: L\nvalid_from: 2020-01-01\nsteps:\n"
                                     "  - {action: submit, sources: [draft], target: submitted, actors: [{role: "
                                     "ghost, level: xa}]}\n", encoding="utf-8")
    with pytest.raises(workflow.DefinitionError) as caught:
        workflow.definitions(tmp_path)
    assert str(caught.value) == ("x.yaml, bước 1 (submit): vai trò «ghost» chưa được đăng ký; ghi `producer` hoặc "
                                 "{role: <mã vai trò>, level: <mã cấp>}.")


def test_three_levels_under_decision_148_to_a_4_star_certificate(rating_world, new_rating, council_scores, today_is):
    w = rating_world
    today_is(dt.date(2025, 3, 1))
    rating = new_rating()
    workflow.perform(rating, "submit", w.producer_user)
    assert (rating.workflow, rating.state, rating.stage) == ("ocop-148", "submitted", "huyen")
    council_scores(rating, "huyen", day=dt.date(2025, 3, 10))
    today_is(dt.date(2025, 3, 15))
    workflow.perform(rating, "score", w.huyen)
    workflow.perform(rating, "forward", w.huyen)
    assert (rating.state, rating.stage) == ("forwarded", "tinh")
    council_scores(rating, "tinh", day=dt.date(2025, 4, 1))
    today_is(dt.date(2025, 4, 20))
    workflow.perform(rating, "score", w.tinh)
    workflow.perform(rating, "decide", w.tinh, stars=4, decision={"number": "88/QĐ-UBND", "date": "2025-04-15"})
    certificate = Certificate.objects.get(rating=rating)
    assert (certificate.stars, certificate.issuing_level, certificate.valid_until) == (4, "tinh", dt.date(2028, 4, 15))
    assert certificate.issuing_authority == "Ủy ban nhân dân tỉnh Thái Nguyên"
    assert [e.action for e in workflow.history(rating)] == ["submit", "score", "forward", "score", "decide"]
    assert AuditEntry.objects.filter(model="ocop.rating", object_id=str(rating.pk), action="transition").count() == 5
    # the producer is told of the decision, with the certificate
    told = Notification.objects.get(recipient=w.producer_user, verb="decide")
    assert told.link == f"/ocop/ho-so/{rating.pk}/"
    assert "Công nhận 4 sao, quyết định 88/QĐ-UBND ngày 15/4/2025, hiệu lực đến 15/4/2028." in told.text


def test_the_district_gives_3_stars_only_and_forwards_from_70_points(rating_world, new_rating, council_scores,
                                                                      today_is):
    w = rating_world
    today_is(dt.date(2025, 3, 1))
    rating = new_rating()
    workflow.perform(rating, "submit", w.producer_user)
    council_scores(rating, "huyen", points=(25, 15, 25), day=dt.date(2025, 3, 10))  # 65 points: 3★
    today_is(dt.date(2025, 3, 15))
    workflow.perform(rating, "score", w.huyen)
    error = refused(lambda: workflow.perform(rating, "forward", w.huyen))
    assert error.message == ("Tổng điểm hội đồng của hồ sơ đánh giá OCOP năm 2025 của sản phẩm «Chè búp Kiểm Thử» là "
                             "65, dưới 70 điểm, nên không chuyển cấp trên đánh giá được (huyện chuyển sản phẩm đạt "
                             "từ 70 điểm lên tỉnh).")
    error = refused(lambda: workflow.perform(rating, "decide", w.huyen, stars=4,
                                             decision={"number": "5/QĐ-UBND", "date": "2025-03-12"}))
    assert error.message == "Bước này chỉ công nhận 3 sao, không công nhận 4 sao."
    workflow.perform(rating, "decide", w.huyen, decision={"number": "5/QĐ-UBND", "date": "2025-03-12"})
    certificate = Certificate.objects.get(rating=rating)
    assert (certificate.stars, certificate.issuing_level, certificate.issuing_unit.code) == (3, "huyen", "171")


def test_who_may_take_a_step_and_what_must_happen_first(rating_world, new_rating, today_is):
    w = rating_world
    today_is(dt.date(2025, 3, 1))
    rating = new_rating()
    error = refused(lambda: workflow.perform(rating, "submit", w.huyen))
    assert error.code == "role"
    assert error.message.endswith("nên không được gửi hồ sơ đánh giá với hồ sơ đánh giá OCOP năm 2025 của sản phẩm "
                                  "«Chè búp Kiểm Thử». Việc này do tài khoản của chủ thể «HTX Chè Kiểm Thử» thực "
                                  "hiện.")
    workflow.perform(rating, "submit", w.producer_user)
    error = refused(lambda: workflow.perform(rating, "score", w.huyen))
    assert (error.code, error.message) == ("evaluation", (
        "Hồ sơ đánh giá OCOP năm 2025 của sản phẩm «Chè búp Kiểm Thử» chưa được đưa vào đợt đánh giá nào của hội đồng "
        "cấp huyện, nên chưa chốt kết quả chấm của hội đồng được. Trước đó cần: lập đợt đánh giá có hồ sơ này và "
        "nhập điểm của các thành viên hội đồng."))
    error = refused(lambda: workflow.perform(rating, "decide", w.huyen))
    assert (error.code, error.message) == ("state", (
        "Hồ sơ đánh giá OCOP năm 2025 của sản phẩm «Chè búp Kiểm Thử» đang ở trạng thái «Đã gửi, chờ hội đồng cấp "
        "huyện chấm» (cấp huyện), nên chưa ghi quyết định công nhận được: bước này chỉ thực hiện khi hồ sơ ở cấp "
        "huyện ở trạng thái «Hội đồng đã chấm, chờ quyết định»."))
    error = refused(lambda: workflow.perform(rating, "return", w.huyen))
    assert (error.code, error.message) == ("reason", "Phải ghi lý do trả lại hồ sơ để chủ thể biết cần bổ sung gì, "
                                                     "ví dụ: «Thiếu bản tự công bố chất lượng sản phẩm».")
    workflow.perform(rating, "return", w.huyen, reason="Thiếu bản công bố chất lượng")
    assert rating.state == "returned"
    assert Notification.objects.filter(recipient=w.producer_user, verb="return").exists()


def test_who_submitted_may_not_close_the_scoring(rating_world, new_rating, council_scores, today_is):
    w = rating_world
    today_is(dt.date(2025, 3, 1))
    w.producer.members.add(w.huyen)  # the district officer is also an account of the producer
    rating = new_rating()
    workflow.perform(rating, "submit", w.huyen)
    council_scores(rating, "huyen", day=dt.date(2025, 3, 1))
    error = refused(lambda: workflow.perform(rating, "score", w.huyen))
    assert error.code == "separation"
    assert error.message == (
        "Bạn đã thực hiện bước «Gửi hồ sơ đánh giá» với hồ sơ đánh giá OCOP năm 2025 của sản phẩm «Chè búp Kiểm Thử» "
        f"ngày {dt.date.today().day}/{dt.date.today().month}/{dt.date.today().year}, nên không được thực hiện bước "
        "«Chốt kết quả chấm của hội đồng» với hồ sơ này: theo «Quy trình OCOP ba cấp (Quyết định 148/QĐ-TTg)», người "
        "đã thực hiện bước «Gửi hồ sơ đánh giá» không được thực hiện bước «Chốt kết quả chấm của hội đồng» của cùng "
        "hồ sơ (tách bạch nhiệm vụ), dù có vai trò nào. Việc này do một cán bộ khác của Văn phòng Điều phối NTM "
        "huyện Đại Từ thực hiện.")
    assert [s.action for s, _why in workflow.held_back(rating, w.huyen)] == ["score"]


def test_decision_1489_commune_proposes_and_the_province_rates(rating_world, new_rating, council_scores, today_is):
    w = rating_world
    today_is(dt.date(2025, 8, 1))
    rating = new_rating()
    workflow.perform(rating, "submit", w.xa)  # the commune officer for the producer
    assert (rating.workflow, rating.state, rating.stage) == ("ocop-1489", "submitted", "xa")
    error = refused(lambda: workflow.perform(rating, "preassess", w.xa))
    assert error.message == ("Phải ghi ý kiến đánh giá sơ bộ của xã (nội dung hồ sơ đã kiểm tra, đề xuất hạng sao) "
                             "trước khi đề xuất sản phẩm lên tỉnh.")
    workflow.perform(rating, "preassess", w.xa, pre_assessment="Hồ sơ đủ; đề xuất 4 sao.")
    assert (rating.state, rating.stage, rating.pre_assessment) == ("proposed", "tinh", "Hồ sơ đủ; đề xuất 4 sao.")
    assert Notification.objects.filter(recipient=w.tinh, verb="preassess").exists()
    evaluation = council_scores(rating, "tinh", day=dt.date(2025, 8, 5))
    assert (evaluation.total, evaluation.stars, evaluation.complete) == (75, 4, True)
    today_is(dt.date(2025, 8, 12))
    workflow.perform(rating, "score", w.tinh)
    assert [s.key for s in workflow.available_actions(rating, w.tinh)] == ["return@tinh", "decide@tinh",
                                                                           "not_recognise@tinh"]
    error = refused(lambda: workflow.perform(rating, "forward", w.tinh))
    assert error.code == "points"
    workflow.perform(rating, "decide", w.tinh, stars=4, decision=DECISION)
    assert rating.state == "certified"
    assert Certificate.objects.get(rating=rating).stars == 4


def test_an_open_148_dossier_moves_to_1489_with_the_reason(rating_world, new_rating, council_scores, today_is):
    w = rating_world
    today_is(dt.date(2025, 6, 20))
    rating = new_rating()
    workflow.perform(rating, "submit", w.producer_user)
    today_is(dt.date(2025, 7, 10))
    here = workflow.position(rating)
    assert (here.definition.code, here.state, here.stage, here.moving_from.code) == (
        "ocop-1489", "proposed", "tinh", "ocop-148")
    council_scores(rating, "tinh", day=dt.date(2025, 7, 10))
    workflow.perform(rating, "score", w.tinh)
    moved = RatingEvent.objects.get(rating=rating, action="transfer")
    assert (moved.from_state, moved.to_state, moved.stage) == ("submitted", "proposed", "tinh")
    assert moved.reason.startswith("Từ ngày 06/7/2025 Quyết định 1489/QĐ-TTg sửa Phụ lục II")
    assert (rating.workflow, rating.state, rating.stage) == ("ocop-1489", "scored", "tinh")


def test_a_stale_page_is_refused_naming_who_changed_the_dossier(rating_world, new_rating, today_is):
    w = rating_world
    today_is(dt.date(2025, 3, 1))
    rating = new_rating()
    workflow.perform(rating, "submit", w.producer_user, expected_version=0)
    error = refused(lambda: workflow.perform(rating, "return", w.huyen, reason="Thiếu", expected_version=0))
    assert error.code == "stale"
    assert "vừa được chu_the thay đổi lúc" in error.message
    assert error.message.endswith("(bước «Gửi hồ sơ đánh giá») sau khi bạn mở trang (hồ sơ đang ở phiên bản 1, "
                                  "trang của bạn là phiên bản 0). Bước này chưa được thực hiện. Tải lại trang, kiểm "
                                  "tra rồi thực hiện lại.")
    assert rating.state == "submitted"


def test_a_producer_opens_a_dossier_linked_to_its_last_certificate(rating_world, today_is):
    w = rating_world
    today_is(dt.date(2025, 9, 1))
    first = workflow.start(w.product, w.producer_user, self_assessment="Tự đánh giá")
    assert (first.sheet, first.previous, first.state) == (w.sheet, None, "draft")
    error = refused(lambda: workflow.start(w.product, w.producer_user))
    assert error.message == ("Sản phẩm «Chè búp Kiểm Thử» đã có hồ sơ đánh giá năm 2025 đang xử lý («Chủ thể đang "
                             "chuẩn bị hồ sơ»); mở hồ sơ đó thay vì lập hồ sơ mới.")


def test_90_points_go_to_the_ministry_and_the_province_records_its_5_stars(rating_world, new_rating,
                                                                          council_scores, today_is):
    w = rating_world
    today_is(dt.date(2025, 8, 1))
    rating = new_rating()
    workflow.perform(rating, "submit", w.producer_user)
    workflow.perform(rating, "preassess", w.xa, pre_assessment="Đề xuất 5 sao.")
    council_scores(rating, "tinh", points=(38, 24, 33), day=dt.date(2025, 8, 5))  # 95 points
    today_is(dt.date(2025, 8, 10))
    workflow.perform(rating, "score", w.tinh)
    workflow.perform(rating, "forward", w.tinh)
    assert (rating.state, rating.stage) == ("forwarded", "trung_uong")
    today_is(dt.date(2025, 12, 1))
    error = refused(lambda: workflow.perform(rating, "decide", w.tinh,
                                             decision={"number": "4567/QĐ-BNNMT", "date": "2025-11-20"}))
    assert error.message == ("Phải ghi cơ quan ban hành quyết định công nhận 5 sao, ví dụ «Bộ Nông nghiệp và Môi "
                             "trường».")
    workflow.perform(rating, "decide", w.tinh, decision={"number": "4567/QĐ-BNNMT", "date": "2025-11-20",
                                                         "authority": "Bộ Nông nghiệp và Môi trường"})
    certificate = Certificate.objects.get(rating=rating)
    assert (certificate.stars, certificate.issuing_level, certificate.issuing_unit) == (5, "trung_uong", None)
