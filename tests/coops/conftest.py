"""Fixtures shared by the co-operatives' tests."""

import pytest


@pytest.fixture(autouse=True)
def _without_the_coops_demo(request):
    """The demo's synthetic co-operatives, lots and listings set aside for each test (inside its transaction, so they
    come back after it), except in the demo's own tests."""
    if "db" in request.fixturenames and not request.node.module.__name__.endswith("test_demo_coops"):
        from nongthonso.demo import coops_demo

        request.getfixturevalue("db")
        coops_demo.clear()
    yield
