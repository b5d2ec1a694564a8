"""The reason a dossier was last sent back (returned, or reopened after approval) heads its page — who, when, why —
instead of waiting in the history at the bottom; once the dossier has moved on, the page says what followed."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from nongthonso.assessments.workflow import perform

pytestmark = pytest.mark.django_db
REASON = "Tiêu chí 6: thiếu danh sách hộ nghèo đa chiều đã được phê duyệt"


def _page(user, a) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/ho-so/{a.pk}/").content.decode()


def _box(html: str) -> str:
    found = re.search(r'<section class="card sent-back".*?</section>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split()) if found else ""


def test_the_return_reason_is_at_the_top_of_the_dossier_with_who_and_when(dossier_2026, lam_vy, make_user, new_unit):
    commune = lam_vy
    officer = make_user("canbo", "commune_officer", commune)
    office = make_user("tinh", "province_office", new_unit("19", "tinh"))
    a = dossier_2026(commune)
    perform(a, "submit", officer)
    assert _box(_page(officer, a)) == ""  # nothing was sent back yet
    event = perform(a, "return", office, reason=REASON)

    html = _page(officer, a)
    when = timezone.localtime(event.timestamp)
    assert _box(html) == (f"Lý do trả lại hồ sơ {REASON} Văn phòng Điều phối NTM tỉnh Thái Nguyên (tinh), lúc "
                          f"{when:%H:%M} {when.day}/{when.month}/{when.year}.")
    assert 'data-current="1"' in html and 'role="status"' in html
    # above the figures, the entry form and the history
    assert html.index('id="sent-back"') < min(html.index('id="dossier-figures"'), html.index('id="dossier-entry"'),
                                              html.index('id="timeline"'))

    # resubmitted: the reason stays, saying what followed
    perform(a, "submit", officer, reason="Đã bổ sung danh sách")
    html = _page(office, a)
    assert REASON in _box(html) and "Sau đó: «Gửi hồ sơ tự đánh giá» (canbo, lúc" in _box(html)
    assert 'data-current="0"' in html

    # approved, then reopened: the reopening's reason is the latest
    perform(a, "approve", make_user("tinh2", "province_office", new_unit("19", "tinh")))
    perform(a, "reopen", office, reason="Sửa số liệu tiêu chí 8 theo kết luận kiểm tra ngày 12/9/2026")
    box = _box(_page(officer, a))
    assert box.startswith("Lý do mở lại hồ sơ Sửa số liệu tiêu chí 8 theo kết luận kiểm tra ngày 12/9/2026")
    assert REASON not in box
