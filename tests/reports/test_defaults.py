"""Pages and commands open on today (``timezone.localdate()``) and on the home province (``settings.HOME_PROVINCE``);
the 2023 report stays one date away (the date field and quick links to the usual report dates)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from nongthonso.core.dates import parse_as_of
from nongthonso.core.text import format_date
from nongthonso.reports.views import report_dates

MID_2023 = dt.date(2023, 6, 30)


@pytest.fixture
def mid_2023(monkeypatch):
    """Today is 30/6/2023 (for the tests that compare a default page with the 2023 report)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: MID_2023)


def test_the_quick_links_are_the_usual_report_dates_up_to_today():
    assert report_dates(dt.date(2026, 12, 4)) == [
        dt.date(2026, 6, 30), dt.date(2025, 12, 31), dt.date(2025, 6, 30), dt.date(2024, 12, 31),
        dt.date(2024, 6, 30), dt.date(2023, 12, 31), dt.date(2023, 6, 30)]
    assert report_dates(dt.date(2027, 6, 30))[:2] == [dt.date(2027, 6, 30), dt.date(2026, 12, 31)]
    assert report_dates(dt.date(2026, 12, 31))[0] == dt.date(2026, 12, 31)


@pytest.mark.django_db
def test_the_public_dashboard_opens_on_today_with_links_to_the_report_dates(client):
    today = timezone.localdate()
    html = client.get("/").content.decode()
    assert f'<input type="date" name="as_of" value="{today.isoformat()}">' in html
    assert f"Số liệu đến ngày {format_date(today)}" in html
    links = re.search(r"<span class=\"note\" data-quick-links>(.*?)</span>", html, re.S).group(1)
    assert re.findall(r'href="\?as_of=([\d-]+)"', links) == [d.isoformat() for d in report_dates(today)]
    assert [text for text in re.findall(r">([\d/]+)</a>", links)] == [format_date(d) for d in report_dates(today)]


@pytest.mark.django_db
def test_the_quick_links_keep_the_unit_and_the_grouping(admin_client):
    html = admin_client.get("/bang-dieu-khien/", {"unit": "19", "nhom": "nhom-xa", "as_of": "2026-06-30"}
                            ).content.decode()
    assert '<a href="?unit=19&amp;nhom=nhom-xa&amp;as_of=2026-06-30" aria-current="date">30/6/2026</a>' in html


@pytest.mark.django_db
def test_a_default_page_is_the_report_of_today(client, mid_2023):
    # given today is 30/6/2023: the page without a date is the 2023 report
    html = client.get("/").content.decode()
    assert "<b>108/126</b>" in html and "Số liệu đến ngày 30/6/2023" in html


@pytest.mark.django_db
def test_the_home_province_comes_from_the_settings(client):
    today = format_date(timezone.localdate())
    with override_settings(HOME_PROVINCE="99"):
        html = client.get("/").content.decode()
        assert f"Không có đơn vị mã «99» còn hiệu lực ngày {today}." in html
        html = client.get("/cong-khai/xa-dat-chuan/").content.decode()
        assert f"Không có đơn vị mã «99» còn hiệu lực ngày {today}." in html
        html = client.get("/du-lieu-mo/").content.decode()
        assert '<input name="unit" size="6" value="99">' in html
    html = client.get("/", {"as_of": "2023-06-30"}).content.decode()
    assert "<b>108/126</b>" in html


@pytest.mark.django_db
def test_the_report_command_defaults_to_today_and_the_home_province(mid_2023, report_2023):
    out = io.StringIO()
    call_command("report", "summary", stdout=out)
    assert out.getvalue().strip() == report_2023
    with override_settings(HOME_PROVINCE="99"), pytest.raises(CommandError, match="Không có đơn vị mã «99»"):
        call_command("report", "summary", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_commune_pages_open_on_today():
    today = timezone.localdate()
    assert parse_as_of(None) == (today, None)
    assert parse_as_of("") == (today, None)
    assert parse_as_of("30/6/2023") == (MID_2023, None)
    assert parse_as_of("hôm qua") == (today, f"Ngày «hôm qua» không hợp lệ; đang hiển thị số liệu ngày "
                                              f"{format_date(today)}. Nhập ngày theo dạng ngày/tháng/năm, ví dụ "
                                              "30/6/2023.")


@pytest.mark.django_db
def test_the_data_pages_open_on_today_and_the_home_province(admin_client):
    today = timezone.localdate()
    html = admin_client.get("/du-lieu-mo/").content.decode()
    assert f'<input type="date" name="as_of" value="{today.isoformat()}">' in html
    assert '<input name="unit" size="6" value="19">' in html
    with override_settings(HOME_PROVINCE="20"):
        html = admin_client.get("/xuat-du-lieu/").content.decode()
    assert '<input name="unit" size="8" placeholder="20">' in html
    assert '<input name="unit" size="8" value="20">' in html
    assert f'<input name="year" type="number" min="2000" max="2100" value="{today.year}">' in html
    response = admin_client.get("/du-lieu-mo/xa-dat-chuan.json")
    assert response.json()["as_of"] == today.isoformat()


@pytest.mark.django_db
def test_a_download_without_a_date_is_todays(admin_client):
    response = admin_client.get("/bao-cao/tong-hop.xlsx", {"unit": "19"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="bao-cao-tong-hop-19-{timezone.localdate().isoformat()}.xlsx"')
