"""What an uploaded file is, read from its content — never from the name or the type the browser sends.

An app lists the kinds it takes (:class:`Kind`: PDF, PNG, JPEG, the Office Open XML documents …) and calls
:func:`check` with its size limit: an empty file, a file over the limit and a file of another kind are refused with a
Vietnamese message (:class:`FileRejected`) naming the file and saying what to upload instead. The size is checked
before a byte is read. A PDF or an image is known by its first bytes; a Word, Excel or PowerPoint document is a ZIP
archive, known by the part it must hold (``word/document.xml`` …), read from the archive's directory only.
Evidence of a dossier (``assessments.evidence``) and course materials (``training``) are checked here, and served
back by :func:`served`.
"""

from __future__ import annotations

import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse

from .text import format_number

MB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_MEMBERS = 5000  # an Office document holds dozens of parts; an archive with more is not one


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str
    magic: tuple[bytes, ...]
    label: str
    member: str = ""  # a ZIP-based kind: the part its archive must hold


PDF = Kind("application/pdf", ".pdf", (b"%PDF-",), "PDF")
PNG = Kind("image/png", ".png", (b"\x89PNG\r\n\x1a\n",), "PNG")
JPEG = Kind("image/jpeg", ".jpg", (b"\xff\xd8\xff",), "JPEG")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", (ZIP_MAGIC,),
            "DOCX", member="word/document.xml")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", (ZIP_MAGIC,), "XLSX",
            member="xl/workbook.xml")
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", (ZIP_MAGIC,),
            "PPTX", member="ppt/presentation.xml")


class FileRejected(ValueError):
    """The message (Vietnamese) says what is wrong with the file and what to upload instead."""


def labels(kinds: Sequence[Kind]) -> str:
    """«PDF, PNG, JPEG»: the kinds as a message names them."""
    return ", ".join(k.label for k in kinds)


def _zip_members(upload: UploadedFile) -> set[str]:
    """The names in the archive's directory (nothing is decompressed); empty when it is not a ZIP archive this reads
    or holds too many parts to be a document."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            return set() if len(infos) > MAX_ZIP_MEMBERS else {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return set()
    finally:
        upload.seek(0)


def kind_of(upload: UploadedFile, kinds: Sequence[Kind]) -> Kind | None:
    """The first of ``kinds`` that ``upload``'s content is, or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    matching = [k for k in kinds if any(head.startswith(m) for m in k.magic)]
    plain = next((k for k in matching if not k.member), None)
    if plain is not None or not matching:
        return plain
    members = _zip_members(upload)
    return next((k for k in matching if k.member in members), None)


def check(upload: UploadedFile | None, kinds: Sequence[Kind], max_bytes: int, *, advice: str) -> Kind:
    """The kind of ``upload`` among ``kinds``; :class:`FileRejected` when there is no file, it is empty, larger than
    ``max_bytes`` (checked before reading it) or of no kind listed — ``advice`` ends that last message: what to do."""
    allowed = labels(kinds)
    if upload is None:
        raise FileRejected(f"Chưa chọn tệp. Chọn một tệp {allowed} để tải lên.")
    if upload.size == 0:
        raise FileRejected(f"Tệp «{upload.name}» rỗng (0 byte). Chọn lại tệp {allowed} có nội dung.")
    if upload.size > max_bytes:
        raise FileRejected(
            f"Tệp «{upload.name}» dung lượng {format_number(upload.size / MB, 1)} MB, vượt giới hạn "
            f"{format_number(max_bytes / MB, 0)} MB. Nén hoặc chia nhỏ tệp rồi tải lại.")
    kind = kind_of(upload, kinds)
    if kind is None:
        raise FileRejected(
            f"Tệp «{upload.name}» không phải {allowed} (kiểm tra theo nội dung tệp, không theo tên). {advice}")
    return kind


def random_path(folder: str, filename: str) -> str:
    """Where an upload is stored: ``folder``/a random name with the upload's extension (lower case), so that a
    stored file's name says nothing about its owner and cannot be guessed."""
    return f"{folder}/{secrets.token_hex(16)}{PurePosixPath(filename).suffix.lower()}"


def served(handle, content_type: str, filename: str, *, as_attachment: bool) -> FileResponse:
    """A stored upload as a response a browser never runs: the type found when it was checked, no sniffing of
    another, a Content-Security-Policy that sandboxes it, never cached (it is served by permission)."""
    response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
