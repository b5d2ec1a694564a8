import pytest

from tests.accounts.helpers import make_user, unit

from .helpers import token_for


@pytest.fixture
def province_user(db):
    return make_user("api.tinh", "province_office", unit("19", "tinh"))


@pytest.fixture
def province_token(province_user):
    return token_for(province_user)
