import pytest


@pytest.fixture
def province_user(db, make_user, province_19):
    return make_user("api.tinh", "province_office", province_19)


@pytest.fixture
def province_token(province_user, token_for):
    return token_for(province_user)
