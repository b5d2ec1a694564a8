import pytest


@pytest.fixture(autouse=True)
def _open_2023_dossiers(dossiers_open):
    """These tests start from 2023 dossiers open for editing (see tests/conftest.py)."""
