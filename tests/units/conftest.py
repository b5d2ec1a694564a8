import datetime as dt

import pytest

from nongthonso.units.lineage import load_thai_nguyen_history
from nongthonso.units.models import Unit


@pytest.fixture
def history(db):
    """Thái Nguyên's unit history is loaded (the session's demo database normally has it already)."""
    if not Unit.objects.filter(code="19", valid_from=dt.date(2025, 7, 1)).exists():
        load_thai_nguyen_history()
