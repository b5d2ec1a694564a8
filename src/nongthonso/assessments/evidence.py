"""Evidence uploads: checked by content (not by the name the browser sends), size-limited, stored under a
random name, audited. PDF, PNG and JPEG only."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from nongthonso.audit.services import record
from nongthonso.core.text import format_number

from .models import Assessment, Evidence
from .workflow import ensure_editable


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str
    magic: tuple[bytes, ...]
    label: str


KINDS = (
    Kind("application/pdf", ".pdf", (b"%PDF-",), "PDF"),
    Kind("image/png", ".png", (b"\x89PNG\r\n\x1a\n",), "PNG"),
    Kind("image/jpeg", ".jpg", (b"\xff\xd8\xff",), "JPEG"),
)
ALLOWED = ", ".join(k.label for k in KINDS)


class EvidenceRejected(ValueError):
    """The message (Vietnamese) says what is wrong with the file and what to upload instead."""


def _kind_of(head: bytes) -> Kind | None:
    return next((k for k in KINDS if any(head.startswith(m) for m in k.magic)), None)


def check(upload: UploadedFile) -> Kind:
    if upload is None:
        raise EvidenceRejected(f"Chưa chọn tệp. Chọn một tệp {ALLOWED} để tải lên.")
    if upload.size == 0:
        raise EvidenceRejected(f"Tệp «{upload.name}» rỗng (0 byte). Chọn lại tệp {ALLOWED} có nội dung.")
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise EvidenceRejected(
            f"Tệp «{upload.name}» dung lượng {format_number(upload.size / 1048576, 1)} MB, vượt giới hạn "
            f"{format_number(limit / 1048576, 0)} MB. Nén hoặc chia nhỏ tệp rồi tải lại.")
    upload.seek(0)
    kind = _kind_of(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise EvidenceRejected(
            f"Tệp «{upload.name}» không phải {ALLOWED} (kiểm tra theo nội dung tệp, không theo tên). Chuyển tài "
            "liệu sang PDF hoặc chụp ảnh PNG/JPEG rồi tải lại.")
    return kind


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
