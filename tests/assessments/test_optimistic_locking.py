"""Two officers editing the same dossier: the second save, based on a page loaded before the first, is
refused with a message naming who changed the dossier and when; nothing is lost (optimistic locking on
``Assessment.version``). The page keeps its version current after its own saves."""

import re

import pytest
from django.utils import timezone

from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.assessments.services import set_value
from nongthonso.assessments.workflow import WorkflowError, perform
from nongthonso.audit.models import AuditEntry


@pytest.fixture
def two_officers(db, assessed_communes, dai_tu, dossier, make_user):
    commune = assessed_communes(dai_tu)[0]
    return (dossier(commune), make_user("hoa", "commune_officer", commune),
            make_user("binh", "commune_officer", commune))


def _value(a, code):
    return IndicatorValue.objects.filter(assessment=a, indicator__code=code).values_list("value", flat=True).get()


def _page_version(html: str) -> int:
    return int(re.search(r'id="dossier-version" value="(\d+)"', html).group(1))


@pytest.mark.django_db
def test_the_second_save_from_a_stale_page_is_refused_and_the_first_is_kept(two_officers, snapshot):
    a, hoa, binh = two_officers
    seen_by_hoa = Assessment.objects.get(pk=a.pk)
    seen_by_binh = Assessment.objects.get(pk=a.pk)
    loaded = seen_by_hoa.version
    set_value(seen_by_hoa, "2.1", "88", user=hoa, expected_version=loaded)
    before = snapshot(a)
    with pytest.raises(WorkflowError) as refused:
        set_value(seen_by_binh, "2.1", "45", user=binh, expected_version=loaded)
    error = refused.value
    assert error.code == "stale"
    when = timezone.localtime(AuditEntry.objects.filter(model="assessments.indicatorvalue").latest("pk").timestamp)
    assert f"vừa được hoa thay đổi lúc {when:%H:%M} ngày {when.day}/{when.month}/{when.year}" in error.message
    assert "nhập chỉ tiêu 2.1 = 88" in error.message
    assert "chưa được lưu" in error.message and "Tải lại trang" in error.message and "nhập lại" in error.message
    assert f"phiên bản {loaded + 1}, trang của bạn là phiên bản {loaded}" in error.message
    assert snapshot(a) == before  # nothing written: no value, no audit entry, no version bump
    assert _value(a, "2.1") == 88


@pytest.mark.django_db
def test_a_save_without_a_version_or_with_the_current_one_goes_through(two_officers):
    a, hoa, binh = two_officers
    set_value(a, "2.1", "88", user=hoa)
    set_value(Assessment.objects.get(pk=a.pk), "2.2", "90", user=binh, expected_version=a.version)
    assert (_value(a, "2.1"), _value(a, "2.2")) == (88, 90)


@pytest.mark.django_db
def test_a_workflow_step_names_who_changed_the_dossier_too(two_officers):
    a, hoa, binh = two_officers
    loaded = a.version
    set_value(Assessment.objects.get(pk=a.pk), "2.1", "88", user=hoa)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "submit", binh, expected_version=loaded)
    assert refused.value.code == "stale"
    assert "vừa được hoa thay đổi" in refused.value.message and "Tải lại trang" in refused.value.message


@pytest.mark.django_db
def test_two_officers_on_the_entry_page(client, django_user_model, two_officers):
    from django.test import Client

    a, hoa, binh = two_officers
    hoa_client, binh_client = Client(), Client()
    hoa_client.force_login(hoa)
    binh_client.force_login(binh)
    hoa_page = hoa_client.get(f"/ho-so/{a.pk}/").content.decode()
    binh_page = binh_client.get(f"/ho-so/{a.pk}/").content.decode()
    loaded = _page_version(hoa_page)
    assert loaded == _page_version(binh_page) == a.version
    # every value input sends the page's version with its save
    assert hoa_page.count('hx-include="#dossier-version"') == hoa_page.count("hx-post=\"/ho-so/") - \
        hoa_page.count("/kiem-tra/")

    first = hoa_client.post(f"/ho-so/{a.pk}/gia-tri/2.1/", {"value": "88", "version": loaded}).content.decode()
    assert 'role="alert"' not in first
    assert _page_version(first) == loaded + 1  # swapped into the page (hx-swap-oob): hoa's next save is current
    assert f'id="version-submit" value="{loaded + 1}"' in first

    second = binh_client.post(f"/ho-so/{a.pk}/gia-tri/2.1/", {"value": "45", "version": loaded}).content.decode()
    assert "vừa được hoa thay đổi" in second and "Tải lại trang" in second
    assert 'value="45"' in second  # binh's input is still in the box, to re-enter after reloading
    assert _page_version(second) == loaded  # binh's page stays stale: its further saves are refused too
    assert _value(a, "2.1") == 88

    again = hoa_client.post(f"/ho-so/{a.pk}/gia-tri/2.2/", {"value": "91", "version": loaded + 1}).content.decode()
    assert 'role="alert"' not in again and _page_version(again) == loaded + 2
    assert _value(a, "2.2") == 91

    reloaded = binh_client.get(f"/ho-so/{a.pk}/").content.decode()
    assert _page_version(reloaded) == loaded + 2
    binh_client.post(f"/ho-so/{a.pk}/gia-tri/2.1/", {"value": "45", "version": loaded + 2})
    assert _value(a, "2.1") == 45
