"""OCOP certificates: issued by a rating dossier's decision step, revoked by a decision with a reason.

``issue`` (called by ``workflow.perform`` in the decision step's transaction): the decision's number, date and issuing
authority; the issuing level (the stage deciding: huyen, tinh, trung_uong) and unit (the district or province of the
product's commune, the version in force on the decision date); the stars — among those the step allows and not above
what the council's score gives (``Evaluation.stars``, the engine's class after its minimum-requirement gates); valid
for the sheet's ``certificate_months`` from the decision date (``models.add_months``: 29/2/2024 + 36 months is
28/2/2027). A re-rating's dossier names the certificate it renews (``Rating.previous``, set when it is opened).

``revoke``: a revocation decision (number, date, reason), audited; the certificate stays in force on the days before
the revocation date, so a product's status as of an earlier date is unchanged (``status.stars_on``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from nongthonso.accounts.services import chain_by_level, unit_phrase
from nongthonso.audit.services import record
from nongthonso.core.text import format_date, format_number
from nongthonso.core.vocabulary import parse_date
from nongthonso.units.services import successors_in_force

from .models import Certificate, Evaluation, Rating, add_months
from .scope import RATE, products
from .status import certificate_status

CENTRAL = "trung_uong"
LEVEL_NAMES = {"huyen": "cấp huyện", "tinh": "cấp tỉnh", CENTRAL: "Trung ương"}


class CertificateRejected(ValueError):
    """A certificate not issued or not revoked: ``message`` (Vietnamese) names the field and how to fix it; ``code``:
    decision, stars, role, state."""

    def __init__(self, message: str, code: str = "decision"):
        super().__init__(message)
        self.message = message
        self.code = code


def _day(raw: Any, field: str) -> dt.date:
    day = parse_date(raw)
    if day is None:
        raise CertificateRejected(f"{field} «{raw or ''}» không hợp lệ; ghi ngày dạng ngày/tháng/năm, ví dụ "
                                  "15/8/2025.")
    return day


def issuing_unit(rating: Rating, level: str, day: dt.date):
    """The unit whose people's committee decides at ``level`` for the rating's product, in force on ``day`` (the
    successor by lineage when the product's district or province has since been reorganised); None for the centre."""
    if level == CENTRAL:
        return None
    unit = chain_by_level(rating.product.unit).get(level)
    if unit is None or unit.is_valid_on(day):
        return unit
    later = successors_in_force([unit], day).get(unit.pk) or []
    return later[0] if len(later) == 1 else unit


def points_text(value) -> str:
    """85,5 / 70 / «chưa có» (no total yet)."""
    return "chưa có" if value is None else format_number(float(value), 2 if value % 1 else 0)


def _stars(stars: Any, allowed: tuple[int, ...], evaluation: Evaluation | None) -> int:
    allowed_text = " hoặc ".join(f"{s} sao" for s in allowed)
    if stars in (None, "") and len(allowed) == 1:
        stars = allowed[0]
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        raise CertificateRejected(f"Hạng sao «{stars or ''}» không hợp lệ; chọn {allowed_text}.", "stars") from None
    if stars not in allowed:
        raise CertificateRejected(f"Bước này chỉ công nhận {allowed_text}, không công nhận {stars} sao.", "stars")
    scored = evaluation.stars if evaluation is not None else None
    if scored is None or stars > scored:
        total = points_text(evaluation.total if evaluation is not None else None)
        gates = ""
        if evaluation is not None and evaluation.gates_failed:
            gates = f"; yêu cầu tối thiểu chưa đạt: {', '.join(str(g) for g in evaluation.gates_failed)}"
        raise CertificateRejected(
            f"Kết quả chấm của hội đồng ({total} điểm, hạng {scored or 'dưới 1'} sao{gates}) không đủ để công nhận "
            f"{stars} sao. Chọn hạng sao không cao hơn kết quả chấm, hoặc kết luận không công nhận.", "stars")
    return stars


def issue(rating: Rating, evaluation: Evaluation | None, *, level: str, allowed: tuple[int, ...], stars: Any,
          decision: dict | None, user, today: dt.date | None = None) -> Certificate:
    """The certificate of ``rating``'s decision at ``level``, created and audited in the caller's transaction;
    CertificateRejected when a field is missing or the stars are not allowed."""
    today = today or timezone.localdate()
    decision = decision or {}
    number = str(decision.get("number") or "").strip()
    if not number:
        raise CertificateRejected("Phải ghi số quyết định công nhận, ví dụ «1234/QĐ-UBND».")
    day = _day(decision.get("date"), "Ngày quyết định")
    if day > today:
        raise CertificateRejected(f"Ngày quyết định {format_date(day)} sau ngày hôm nay ({format_date(today)}); ghi "
                                  "ngày đã ký quyết định.")
    if evaluation is not None and day < evaluation.round.date:
        raise CertificateRejected(f"Ngày quyết định {format_date(day)} trước ngày hội đồng họp chấm điểm "
                                  f"({format_date(evaluation.round.date)}); kiểm tra lại ngày quyết định.")
    stars = _stars(stars, allowed, evaluation)
    unit = issuing_unit(rating, level, day)
    authority = str(decision.get("authority") or "").strip()
    if not authority:
        if unit is None:
            raise CertificateRejected("Phải ghi cơ quan ban hành quyết định công nhận 5 sao, ví dụ «Bộ Nông nghiệp "
                                      "và Môi trường».")
        authority = f"Ủy ban nhân dân {unit_phrase(unit)}"
    if Certificate.objects.filter(rating=rating).exists():
        raise CertificateRejected("Hồ sơ này đã có giấy chứng nhận; mỗi hồ sơ chỉ có một quyết định công nhận.",
                                  "state")
    certificate = Certificate.objects.create(
        product=rating.product, rating=rating, stars=stars, decision_number=number, decision_date=day,
        issuing_unit=unit, issuing_level=level, issuing_authority=authority[:200],
        valid_until=add_months(day, rating.sheet.certificate_months), synthetic=rating.synthetic)
    record("create", certificate, after=_state(certificate), user=user,
           note=f"Công nhận {stars} sao theo quyết định {number} ngày {format_date(day)}")
    return certificate


def _state(certificate: Certificate) -> dict:
    return {"product": certificate.product_id, "rating": certificate.rating_id, "stars": certificate.stars,
            "decision_number": certificate.decision_number, "decision_date": certificate.decision_date.isoformat(),
            "issuing_level": certificate.issuing_level, "issuing_unit": certificate.issuing_unit_id,
            "issuing_authority": certificate.issuing_authority, "valid_until": certificate.valid_until.isoformat(),
            "revoked_on": certificate.revoked_on.isoformat() if certificate.revoked_on else None,
            "revocation_decision": certificate.revocation_decision,
            "revocation_reason": certificate.revocation_reason}


def may_revoke(user, certificate: Certificate) -> bool:
    """An office rating OCOP over the product's commune (``rate_ocop``)."""
    return products(user, RATE).filter(pk=certificate.product_id).exists()


def revoke(certificate: Certificate, *, number: str, date: Any, reason: str, user,
           today: dt.date | None = None) -> Certificate:
    """Record the revocation of ``certificate`` (decision number, date, reason), audited; CertificateRejected says
    what is missing. Updates ``certificate`` in place."""
    today = today or timezone.localdate()
    if not may_revoke(user, certificate):
        raise CertificateRejected(f"Bạn không được thu hồi giấy chứng nhận OCOP của sản phẩm «{certificate.product}». "
                                  "Việc này do Văn phòng Điều phối NTM cấp đã công nhận thực hiện.", "role")
    number, reason = str(number or "").strip(), str(reason or "").strip()
    if not number:
        raise CertificateRejected("Phải ghi số quyết định thu hồi, ví dụ «567/QĐ-UBND».")
    day = _day(date, "Ngày thu hồi")
    if not reason:
        raise CertificateRejected("Phải ghi lý do thu hồi, ví dụ «Không đăng ký đánh giá lại khi hết 36 tháng».")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_on is not None:
            raise CertificateRejected(f"Giấy chứng nhận theo quyết định {locked.decision_number} đã bị thu hồi ngày "
                                      f"{format_date(locked.revoked_on)} (quyết định {locked.revocation_decision}).",
                                      "state")
        if day < locked.decision_date or day > today:
            raise CertificateRejected(f"Ngày thu hồi {format_date(day)} phải từ ngày quyết định công nhận "
                                      f"({format_date(locked.decision_date)}) đến hôm nay ({format_date(today)}).")
        before = _state(locked)
        locked.revoked_on, locked.revocation_decision, locked.revocation_reason = day, number, reason
        locked.save(update_fields=["revoked_on", "revocation_decision", "revocation_reason"])
        record("update", locked, before=before, after=_state(locked), user=user,
               note=f"Thu hồi theo quyết định {number} ngày {format_date(day)}: {reason}")
    certificate.revoked_on, certificate.revocation_decision, certificate.revocation_reason = day, number, reason
    return certificate


def status_text(certificate: Certificate, day: dt.date) -> str:
    """«Còn hiệu lực đến 14/8/2028», «Hết hiệu lực từ …», «Đã thu hồi từ …» on ``day``
    (``status.certificate_status``)."""
    return certificate_status(certificate, day).text
