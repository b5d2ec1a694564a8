"""Evidence uploads: checked by content (not by the name the browser sends; ``core.filetypes``), size-limited,
stored under a random name, audited. PDF, PNG and JPEG only."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from nongthonso.audit.services import record
from nongthonso.core import filetypes

from .models import Assessment, Evidence
from .workflow import ensure_editable

KINDS = (filetypes.PDF, filetypes.PNG, filetypes.JPEG)
ALLOWED = filetypes.labels(KINDS)


class EvidenceRejected(ValueError):
    """The message (Vietnamese) says what is wrong with the file and what to upload instead."""


def check(upload: UploadedFile) -> filetypes.Kind:
    """The file's kind, by its content (``core.filetypes``), within ``EVIDENCE_MAX_BYTES``."""
    try:
        return filetypes.check(upload, KINDS, settings.EVIDENCE_MAX_BYTES,
                               advice="Chuyển tài liệu sang PDF hoặc chụp ảnh PNG/JPEG rồi tải lại.")
    except filetypes.FileRejected as exc:
        raise EvidenceRejected(str(exc)) from None


@transaction.atomic
def attach(assessment: Assessment, upload: UploadedFile, *, user, indicator=None, description: str = "") -> Evidence:
    """Check the file and the dossier (values must be open to ``user``), store it, audit it."""
    ensure_editable(assessment, user)
    kind = check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(assessment=assessment, indicator=indicator, stored_name=uuid.uuid4().hex + kind.extension,
                        original_name=upload.name[:255], content_type=kind.content_type, size=upload.size,
                        sha256=digest.hexdigest(), description=description[:300], uploaded_by=user)
    evidence.file.save(evidence.stored_name, upload, save=False)
    evidence.save()
    record("create", evidence, after={"assessment": assessment.pk, "file": evidence.original_name,
                                      "sha256": evidence.sha256, "size": evidence.size,
                                      "indicator": indicator.code if indicator else None}, user=user)
    return evidence
