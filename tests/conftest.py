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
