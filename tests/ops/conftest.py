"""Fixtures of the operations tests (backup, restore, deployment)."""

import pytest

from . import fingerprint as fingerprints


@pytest.fixture
def fingerprint(db):
    """``fingerprint()``: what a backup must carry over, computed in this process on the test database. A restored
    copy is fingerprinted by running the same module, ``python -m tests.ops.fingerprint``, pointed at it."""
    return fingerprints.fingerprint
