"""The public summary page shows the engine's figures in Vietnamese formats, without a login."""

import pytest
from django.utils import timezone

from nongthonso.core.text import format_date


@pytest.mark.django_db
def test_public_summary_page(client):
    response = client.get("/", {"as_of": "2023-06-30"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="figure" data-figure="ntm"><b>108/126</b><span>xã đạt chuẩn NTM (85,7%)</span></div>' in html
    assert '<div class="figure" data-figure="avg_criteria"><b>18,2</b>' in html
    assert "108/126 xã đạt chuẩn nông thôn mới, bằng 85,7% tổng số xã" in html


@pytest.mark.django_db
def test_a_bad_date_gets_a_vietnamese_message(client):
    # when the date cannot be read, the page shows today's figures and says so
    response = client.get("/", {"as_of": "30-06-2023"})
    assert response.status_code == 200
    today = format_date(timezone.localdate())
    assert (f"Ngày «30-06-2023» không hợp lệ; đang hiển thị số liệu ngày {today}. Nhập ngày theo dạng "
            "ngày/tháng/năm, ví dụ 30/6/2023.") in response.content.decode()


@pytest.mark.django_db
def test_a_unit_that_did_not_exist_then_is_named(client):
    response = client.get("/", {"as_of": "2023-06-30", "unit": "99"})
    assert "Không có đơn vị mã «99» còn hiệu lực ngày 30/6/2023." in response.content.decode()


@pytest.mark.django_db
def test_the_page_refuses_writes(client):
    assert client.post("/").status_code == 405
