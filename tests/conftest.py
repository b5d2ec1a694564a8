"""Test set-up: every test database holds the Thái Nguyên demo (raw inputs only), built once per run.

Tests run inside a transaction that is rolled back, so each starts from the same demo state.
"""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from nongthonso.demo.thai_nguyen import build

    with django_db_blocker.unblock():
        build()


@pytest.fixture
def province_19(db):
    import datetime as dt

    from nongthonso.units.models import Unit

    return Unit.objects.valid_on(dt.date(2023, 6, 30)).get(code="19", unit_type__level__code="tinh")


@pytest.fixture
def dossiers_open(db):
    """The demo publishes its 2022/2023 dossiers (approved, so locked); tests that edit values or walk the
    workflow from the start reopen the 2023 ones, as the province would."""
    from nongthonso.assessments.models import Assessment

    Assessment.objects.filter(year=2023).update(state=Assessment.State.DRAFT)


THREE_TIER_TODAY = __import__("datetime").date(2025, 6, 1)


@pytest.fixture
def before_two_tier(monkeypatch):
    """Today is 1/6/2025: districts still exist, so the three-tier workflow is in force and the 2023 dossiers are
    not moved to the two-tier one. Only today's date moves (``timezone.localdate()``); timestamps stay real."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return THREE_TIER_TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return THREE_TIER_TODAY
