"""``nongthonso ocop_workflows transfer [--dry-run]``: every open ocop-148 dossier moved to ocop-1489 after 5/7/2025
through ``workflow.transfer`` (the lazy move), with its event and audit entry, counted; closed and 1489 dossiers
untouched; a dry run writes nothing; a second run finds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from nongthonso.audit.models import AuditEntry
from nongthonso.ocop.models import Rating, RatingEvent, RatingState

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("ocop_workflows", "transfer", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def dossiers(rating_world):
    w = rating_world

    def make(workflow: str, state: str, stage: str) -> Rating:
        return Rating.objects.create(product=w.product, year=2025, sheet=w.sheet, workflow=workflow, state=state,
                                     stage=stage, synthetic=True)

    return {"open": make("ocop-148", RatingState.SUBMITTED, "huyen"),
            "closed": make("ocop-148", RatingState.CERTIFIED, "huyen"),
            "new": make("ocop-1489", RatingState.SUBMITTED, "xa")}


def test_a_dry_run_lists_and_writes_nothing(dossiers):
    out = run("--dry-run", "--today", "2025-07-10")
    assert f"Sẽ chuyển hồ sơ {dossiers['open'].pk} (Chè búp Kiểm Thử, năm 2025): ocop-148 submitted@huyen → " \
           "ocop-1489 proposed@tinh" in out
    assert out.rstrip().endswith("Chạy thử: 1 hồ sơ sẽ được chuyển sang quy trình mới vào ngày 10/7/2025; chưa ghi gì.")
    dossiers["open"].refresh_from_db()
    assert (dossiers["open"].workflow, dossiers["open"].version) == ("ocop-148", 0)
    assert not RatingEvent.objects.filter(rating__in=list(dossiers.values())).exists()


def test_open_148_dossiers_move_once_with_event_and_audit(dossiers):
    assert run("--today", "2025-07-05").rstrip().endswith("0 hồ sơ đã được chuyển sang quy trình mới vào ngày "
                                                          "5/7/2025.")  # 148 still in force
    out = run("--today", "2025-07-10")
    assert out.rstrip().endswith("1 hồ sơ đã được chuyển sang quy trình mới vào ngày 10/7/2025.")
    moved = Rating.objects.get(pk=dossiers["open"].pk)
    assert (moved.workflow, moved.state, moved.stage, moved.version) == ("ocop-1489", "proposed", "tinh", 1)
    event = RatingEvent.objects.get(rating=moved)
    assert (event.action, event.from_state, event.to_state, event.details["from_workflow"]) == (
        "transfer", "submitted", "proposed", "ocop-148")
    assert event.reason.startswith("Từ ngày 06/7/2025 Quyết định 1489/QĐ-TTg")
    audit = AuditEntry.objects.get(model="ocop.rating", object_id=str(moved.pk))
    assert (audit.actor, audit.before["workflow"], audit.after["workflow"]) == ("ocop_workflows", "ocop-148",
                                                                                 "ocop-1489")
    for untouched in ("closed", "new"):
        row = Rating.objects.get(pk=dossiers[untouched].pk)
        assert (row.workflow, row.version) == (dossiers[untouched].workflow, 0)
    assert run("--today", "2025-07-11").rstrip().endswith("0 hồ sơ đã được chuyển sang quy trình mới vào ngày "
                                                          "11/7/2025.")
    assert RatingEvent.objects.filter(rating__in=list(dossiers.values())).count() == 1


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="không phải ngày"):
        run("--today", "mai")
