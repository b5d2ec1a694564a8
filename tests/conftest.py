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


def pytest_configure(config):
    """The extension registry's test app (``tests/registry_app``) is installed for the whole run, as a new module
    would be: it registers one entry of every kind from its ``ready()``, and ``tests/test_registry.py`` shows every
    consumer picks them up. Django is set up by now (pytest-django), before any test module is imported: the apps
    are loaded again with it (``override_settings``, never disabled). Only users given its role see its entries."""
    from django.conf import settings
    from django.test.utils import override_settings

    if settings.configured and "tests.registry_app" not in settings.INSTALLED_APPS:
        override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.registry_app"]).enable()
