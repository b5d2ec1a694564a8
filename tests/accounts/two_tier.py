"""Shared set-up for the two-tier tests: the new Thái Nguyên (from 1/7/2025), merged communes, 2026 dossiers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.assessments.services import get_or_create_assessment
from nongthonso.criteria.models import CriteriaSet
from nongthonso.units.models import Unit

DAY = dt.date(2026, 6, 30)
SET_2026 = "xa-ntm-2026-2030"
VAN_PHU, LAM_VY, DAI_TU_2025 = "05845", "05542", "05830"  # merged communes of the new province


def new_unit(code: str, level: str = "xa") -> Unit:
    """The version of ``code`` in force in 2026 (the new province, a commune directly under it)."""
    return Unit.objects.valid_on(DAY).select_related("unit_type__level", "parent__unit_type__level").get(
        code=code, unit_type__level__code=level)


def dossier_2026(commune: Unit, *, confirmed: bool = True) -> Assessment:
    """The commune's 2026 dossier (the demo's, or a new one with values carried from 2025); ``confirmed``: its
    carried values confirmed, as an officer does before submitting."""
    cset = CriteriaSet.objects.get(code=SET_2026, superseded_by__isnull=True)
    assessment = get_or_create_assessment(commune, 2026, cset)
    if confirmed:
        IndicatorValue.objects.filter(assessment=assessment, carried__isnull=False).update(confirmed_at=timezone.now())
    return Assessment.objects.select_related("unit__unit_type__level", "unit__parent__unit_type__level",
                                             "criteria_set").get(pk=assessment.pk)
