"""What a backup must carry over: row counts of every model, a few rows field by field, the provincial
summary and the evidence files' SHA-256. Computed the same way in the test process (the source) and,
through ``python -m tests.ops.fingerprint``, in a process pointed at the restored database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path


def _rows(qs, n: int = 3) -> list[dict]:
    rows = list(qs.order_by("pk").values())
    return rows[:n] + rows[-n:]


def fingerprint() -> dict:
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from nongthonso.assessments.models import Assessment, Evidence, IndicatorValue, WorkflowEvent
    from nongthonso.audit.models import AuditEntry
    from nongthonso.recognition.models import Decision
    from nongthonso.reports.services import summary
    from nongthonso.units.models import LineageEvent, Unit

    # the registry's test app (tests/conftest.py) is installed in the test process only, not in the restoring one
    counts = {m._meta.label_lower: m._base_manager.count() for m in apps.get_models()
              if m._meta.label_lower != "sessions.session" and m._meta.app_label != "registry_app"}
    media = Path(settings.MEDIA_ROOT)
    files = {p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(media.rglob("*")) if p.is_file()} if media.is_dir() else {}
    rows = {
        "units": list(Unit.objects.filter(code__in=["19", "171", "05431"]).order_by("pk").values()),
        "values": _rows(IndicatorValue.objects),
        "assessments": _rows(Assessment.objects),
        "audit": _rows(AuditEntry.objects),
        "events": _rows(WorkflowEvent.objects),
        "evidence": _rows(Evidence.objects),
        "users": _rows(get_user_model().objects),
        "content_types": list(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model")),
        "decision_units": [(d.pk, sorted(d.units.values_list("pk", flat=True)))
                           for d in Decision.objects.order_by("pk")],
        "lineage": [(e.pk, sorted(e.predecessors.values_list("pk", flat=True)),
                     sorted(e.successors.values_list("pk", flat=True))) for e in LineageEvent.objects.order_by("pk")],
    }
    figures = summary("19", dt.date(2023, 6, 30)).to_dict()
    return json.loads(json.dumps({"counts": counts, "rows": rows, "summary": figures, "media": files}, default=str,
                                 sort_keys=True))


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(fingerprint(), ensure_ascii=False))
