"""The demo's history (``demo.history``: the 2024 values) is added by ``nongthonso demo``, not by the test database's
``thai_nguyen.build``; the tests that stand on it add it inside their own transaction (rolled back after)."""

import pytest


@pytest.fixture
def demo_history(db):
    from django.core.cache import cache

    from nongthonso.demo import history

    built = history.build()
    cache.clear()  # pages cached before the history was added are not served as if computed after it
    return built
