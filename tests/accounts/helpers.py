"""Shared set-up for the accounts and workflow tests: demo units, users with roles, a DB snapshot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from nongthonso.accounts.services import grant
from nongthonso.assessments.models import Assessment, IndicatorValue, WorkflowEvent
from nongthonso.audit.models import AuditEntry
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.models import Decision
from nongthonso.units.models import Unit, UnitType

AS_OF = dt.date(2023, 6, 30)
NTM_SET = "xa-ntm-2021-2025"
DAI_TU = "171"


def unit(code: str, level: str) -> Unit:
    return Unit.objects.valid_on(AS_OF).get(code=code, unit_type__level__code=level)


def dossier(commune: Unit, year: int = 2023) -> Assessment:
    return (Assessment.objects.select_related("unit", "criteria_set")
            .get(unit=commune, year=year, criteria_set__code=NTM_SET))


def assessed_communes(district: Unit) -> list[Unit]:
    """The district's rural communes with a 2023 NTM assessment, by code."""
    return list(Unit.objects.valid_on(AS_OF).within(district).rural_communes()
                .filter(assessments__year=2023, assessments__criteria_set__code=NTM_SET).order_by("code"))


def make_user(username: str, role: str | None = None, on: Unit | None = None, **fields):
    """A user (no usable password: Argon2 hashing is deliberately slow) with one role over ``on``."""
    user = get_user_model().objects.create_user(username=username, password=None, **fields)
    if role is not None:
        grant(user, role, on)
    return user


def other_province_dossier() -> Assessment:
    """A commune in a second (synthetic) province with its 2023 assessment, outside province 19."""
    province = Unit.objects.create(code="T06", name="Tỉnh Thử Nghiệm", unit_type=UnitType.objects.get(code="tinh"),
                                   valid_from=dt.date(1997, 1, 1), synthetic=True)
    district = Unit.objects.create(code="T061", name="Huyện Thử Nghiệm", parent=province,
                                   unit_type=UnitType.objects.get(code="huyen"), valid_from=dt.date(1997, 1, 1),
                                   synthetic=True)
    commune = Unit.objects.create(code="T06101", name="Xã Thử Nghiệm", parent=district,
                                  unit_type=UnitType.objects.get(code="xa"), valid_from=dt.date(1997, 1, 1),
                                  synthetic=True)
    cset = CriteriaSet.objects.get(code=NTM_SET, superseded_by__isnull=True)
    return Assessment.objects.create(unit=commune, year=2023, criteria_set=cset, synthetic=True)


def put_in_state(assessment: Assessment, state: str) -> Assessment:
    """Test arrangement only: the application changes state through workflow.perform."""
    Assessment.objects.filter(pk=assessment.pk).update(state=state)
    assessment.refresh_from_db()
    return assessment


@dataclass(frozen=True)
class Snapshot:
    state: str
    version: int
    values: dict
    events: int
    audit_entries: int
    decisions: int
    decision_links: int


def snapshot(assessment: Assessment) -> Snapshot:
    """What a refused write must leave as it was."""
    row = Assessment.objects.get(pk=assessment.pk)
    return Snapshot(
        state=row.state, version=row.version,
        values=dict(IndicatorValue.objects.filter(assessment=row).values_list("indicator__code", "value")),
        events=WorkflowEvent.objects.filter(assessment=row).count(),
        audit_entries=AuditEntry.objects.count(),
        decisions=Decision.objects.count(),
        decision_links=Decision.units.through.objects.count(),
    )
