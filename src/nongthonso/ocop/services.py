"""The writes of the OCOP management pages and the products import: producers, products and the annual cycle's
registrations (product ideas, business plans). Photos are ``images``.

Who may write what (the rows come from ``scope``'s querysets; the unit checks from ``accounts``):

- an **office** (``manage_ocop``: the province and district offices, the commune officer) registers and edits the
  producers and products of the communes in its scope, names a producer's accounts, and decides on registrations;
- a **producer's account** (``Producer.members``) edits its own producer's contacts and its own products, and adds
  products and registrations for it — never the commune of a product or a producer (an office's decision), nor the
  accounts of a producer, nor a registration's status.

Each write validates what it is given (``Invalid``: a Vietnamese message per field saying how to fix it), runs in one
transaction and is recorded in the audit log (the whole row when created, the fields that changed otherwise). A row
the user may not see is the caller's 404; one they see but may not change is ``Refused`` (403).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from nongthonso.accounts.services import can, restrict, scope_paths, unit_phrase
from nongthonso.audit.services import record
from nongthonso.core.dates import default_as_of
from nongthonso.core.errors import Invalid, Refused
from nongthonso.core.text import format_date
from nongthonso.units.models import Unit

from . import scope
from .apps import MANAGE
from .models import (
    Producer,
    ProducerKind,
    Product,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    SubGroup,
)

COMMUNE_LEVEL = "xa"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
PHONE = re.compile(r"^\+?[0-9 .]{8,20}$")
PRODUCER_TEXT = {"name": 300, "address": 400, "representative": 200, "registration_number": 50, "tax_code": 20,
                 "cooperative_key": 50}
PRODUCT_TEXT = ("description", "quality_declaration", "packaging", "story", "sales_channels")
MAX_LONG_TEXT = 10_000
# what a producer's own account may change of its producer (the rest is the office's: the commune, the legal
# registration, the accounts)
MEMBER_PRODUCER_FIELDS = frozenset({"address", "representative", "phone", "email"})


def _text(value: Any, limit: int | None = None) -> str:
    text = str(value or "").strip()
    return text if limit is None else text[:limit]


def _long_text(data: dict, field: str, errors: dict[str, str]) -> str:
    text = _text(data.get(field)).replace("\x00", "")
    if len(text) > MAX_LONG_TEXT:
        errors[field] = f"Nội dung dài {len(text)} ký tự, quá {MAX_LONG_TEXT} ký tự cho phép. Rút gọn lại."
    return text


def _collect(errors: dict[str, str], check, *args, **kwargs):
    """``check(*args, **kwargs)``; its ``Invalid`` messages added to ``errors`` (and None returned) instead of raised,
    so that a form shows every field's error at once."""
    try:
        return check(*args, **kwargs)
    except Invalid as invalid:
        errors.update(invalid.errors)
        return None


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _record_change(obj, before: dict, after: dict, user, note: str = "") -> bool:
    """An «update» entry with the fields that changed (none when nothing did); whether anything changed."""
    old, new = _changes(before, after)
    if new:
        record("update", obj, before=old, after=new, user=user, note=note)
    return bool(new)


# --- units --------------------------------------------------------------------------------------------------------

def managed_communes(user, on: dt.date | None = None) -> QuerySet[Unit]:
    """The communes in force on ``on`` (today) whose producers and products ``user`` manages."""
    on = on or default_as_of()
    return restrict(Unit.objects.valid_on(on).at_level(COMMUNE_LEVEL), user, MANAGE, path_field="path")


def commune(code: Any, field: str, *, user=None, on: dt.date | None = None, what: str = "xã, phường") -> Unit:
    """The commune of GSO code ``code`` in force on ``on`` (today) — one ``user`` manages, when given — or
    ``Invalid`` on ``field``."""
    on = on or default_as_of()
    code = _text(code, 20)
    if not code:
        raise Invalid({field: f"Nhập mã GSO của {what} (5 chữ số, ví dụ 05845), hoặc bấm «tìm mã theo tên»."})
    unit = (Unit.objects.valid_on(on).at_level(COMMUNE_LEVEL).filter(code=code)
            .select_related("unit_type__level").first())
    if unit is None:
        raise Invalid({field: f"Không có xã, phường mã «{code}» còn hiệu lực ngày {format_date(on)}. Kiểm tra mã GSO "
                              "(xã, phường có 5 chữ số) theo địa giới hiện hành."})
    if user is not None and not can(user, MANAGE, unit):
        raise Invalid({field: f"{unit.name} ({code}) nằm ngoài phạm vi bạn được quản lý OCOP. Chọn xã, phường trong "
                              "phạm vi của bạn, hoặc đề nghị cán bộ của xã đó nhập."})
    return unit


# --- producers ----------------------------------------------------------------------------------------------------

def may_manage_commune_of(user, unit: Unit) -> bool:
    """Whether ``user`` acts as an office for ``unit`` (a producer's or a product's commune)."""
    return can(user, MANAGE, unit)


def may_add_producers(user) -> bool:
    return scope_paths(user, MANAGE) != []


def is_member(user, producer: Producer) -> bool:
    return bool(user and user.is_authenticated) and producer.members.filter(pk=user.pk).exists()


def producer_snapshot(p: Producer) -> dict:
    return {"name": p.name, "kind": p.kind, "unit": p.unit.code, "unit_id": p.unit_id, "address": p.address,
            "representative": p.representative, "phone": p.phone, "email": p.email,
            "registration_number": p.registration_number, "tax_code": p.tax_code,
            "registered_on": p.registered_on.isoformat() if p.registered_on else None,
            "cooperative_key": p.cooperative_key,
            "members": sorted(p.members.values_list("username", flat=True))}


def _accounts(text: Any, field: str) -> list:
    """The active accounts named in ``text`` (user names separated by commas, spaces or lines)."""
    names = sorted({n for n in re.split(r"[\s,;]+", _text(text)) if n})
    if not names:
        return []
    users = list(get_user_model().objects.filter(username__in=names, is_active=True))
    missing = sorted(set(names) - {u.username for u in users})
    if missing:
        raise Invalid({field: f"Không có tài khoản đang hoạt động tên {', '.join(missing)}. Kiểm tra tên đăng nhập, "
                              "hoặc đề nghị quản trị hệ thống tạo tài khoản cho chủ thể trước."})
    return users


def _producer_values(data: dict, errors: dict[str, str]) -> dict:
    values: dict[str, Any] = {k: _text(data.get(k), n) for k, n in PRODUCER_TEXT.items()}
    if not values["name"]:
        errors["name"] = "Nhập tên chủ thể, ví dụ «Hợp tác xã chè Tân Hương»."
    kind = _text(data.get("kind"))
    if kind not in ProducerKind.values:
        errors["kind"] = ("Chọn loại hình chủ thể: " + ", ".join(str(label) for label in ProducerKind.labels)
                          + ".")
    values["kind"] = kind
    phone = _text(data.get("phone"), 30)
    if phone and not PHONE.fullmatch(phone):
        errors["phone"] = "Số điện thoại chỉ gồm chữ số (8–15 số, có thể bắt đầu bằng +), ví dụ 0208 3855 123."
    values["phone"] = phone
    email = _text(data.get("email"), 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Thư điện tử không đúng dạng, ví dụ htx.tanhuong@gmail.com."
    values["email"] = email
    tax = values["tax_code"]
    if tax and not re.fullmatch(r"[0-9]{10}(-[0-9]{3})?", tax):
        errors["tax_code"] = "Mã số thuế gồm 10 chữ số (chi nhánh: 10 chữ số, gạch ngang, 3 chữ số), ví dụ 4600123456."
    registered_on = data.get("registered_on")
    if registered_on and registered_on > default_as_of():
        errors["registered_on"] = "Ngày đăng ký không được sau hôm nay. Sửa lại ngày trên giấy đăng ký."
    values["registered_on"] = registered_on or None
    return values


@transaction.atomic
def create_producer(user, data: dict, *, synthetic: bool = False) -> Producer:
    """A new producer in a commune ``user`` manages (``data``: the form's fields; ``members``: user names)."""
    if not may_add_producers(user):
        raise Refused("Chỉ Văn phòng Điều phối NTM và cán bộ NTM xã mới đăng ký được chủ thể OCOP. Chủ thể liên hệ "
                      "UBND xã để được đăng ký.")
    errors: dict[str, str] = {}
    values = _producer_values(data, errors)
    values["unit"] = _collect(errors, commune, data.get("unit"), "unit", user=user)
    members = _collect(errors, _accounts, data.get("members"), "members")
    if errors:
        raise Invalid(errors)
    producer = Producer.objects.create(synthetic=synthetic, **values)
    producer.members.set(members)
    record("create", producer, after=producer_snapshot(producer), user=user)
    return producer


@transaction.atomic
def update_producer(user, producer: Producer, data: dict) -> bool:
    """Save a producer's fields: all of them for an office of its commune (a new commune: one it manages too), its
    contacts for its own account. Whether anything changed."""
    if not scope.producers(user, MANAGE).filter(pk=producer.pk).exists():
        raise Refused(f"Bạn không được sửa thông tin chủ thể «{producer.name}». Việc này do cán bộ NTM "
                      f"{unit_phrase(producer.unit)} hoặc Văn phòng Điều phối NTM thực hiện.")
    office = may_manage_commune_of(user, producer.unit)
    before = producer_snapshot(producer)
    errors: dict[str, str] = {}
    current = {k: getattr(producer, k) for k in (*PRODUCER_TEXT, "kind", "phone", "email", "registered_on")}
    given = data if office else {k: v for k, v in data.items() if k in MEMBER_PRODUCER_FIELDS}
    values = _producer_values({**current, **given}, errors)
    if not office:
        values = {k: v for k, v in values.items() if k in MEMBER_PRODUCER_FIELDS}
    members = None
    if office:
        code = _text(data.get("unit"))
        if code and code != producer.unit.code:
            values["unit"] = _collect(errors, commune, code, "unit", user=user)
        if "members" in data:
            members = _collect(errors, _accounts, data.get("members"), "members")
    if errors:
        raise Invalid(errors)
    for name, value in values.items():
        setattr(producer, name, value)
    producer.save()
    if members is not None:
        producer.members.set(members)
    if before["name"] != producer.name:  # a product's search text holds its producer's name
        for product in producer.products.all():
            product.save(update_fields=["search"])
    return _record_change(producer, before, producer_snapshot(producer), user)


# --- products -----------------------------------------------------------------------------------------------------

def product_snapshot(p: Product) -> dict:
    return {"code": p.code, "name": p.name, "producer": p.producer_id, "subgroup": p.subgroup.code,
            "unit": p.unit.code, "unit_id": p.unit_id, **{k: getattr(p, k) for k in PRODUCT_TEXT}}


def may_add_products(user) -> bool:
    return may_add_producers(user) or Producer.objects.filter(members=user).exists()


def product_producers(user) -> QuerySet[Producer]:
    """The producers ``user`` may add a product for: those of the communes they manage, and their own."""
    return scope.producers(user, MANAGE).select_related("unit")


def next_code(unit: Unit) -> str:
    """A free product code for ``unit``: «OCOP-05845-003» (the commune's code and the next number)."""
    prefix = f"OCOP-{unit.code}-"
    taken = set(Product.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


def _product_values(data: dict, errors: dict[str, str]) -> dict:
    values: dict[str, Any] = {"name": _text(data.get("name"), 300)}
    if not values["name"]:
        errors["name"] = "Nhập tên sản phẩm như trên nhãn, ví dụ «Chè xanh Tân Cương đặc biệt»."
    subgroup = data.get("subgroup")
    if not isinstance(subgroup, SubGroup):
        subgroup = SubGroup.objects.filter(pk=int(subgroup)).first() if str(subgroup or "").isdigit() else None
    if subgroup is None:
        errors["subgroup"] = "Chọn phân nhóm sản phẩm trong danh mục (theo Quyết định 148/QĐ-TTg)."
    values["subgroup"] = subgroup
    for field in PRODUCT_TEXT:
        values[field] = _long_text(data, field, errors)
    return values


def _code(data: dict, errors: dict[str, str], unit: Unit | None, current: str = "") -> str:
    code = _text(data.get("code"))
    if not code:
        return current or (next_code(unit) if unit is not None else "")
    if not CODE.fullmatch(code):
        errors["code"] = ("Mã sản phẩm chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (tối đa 40 ký tự), ví dụ "
                          "OCOP-05845-001; để trống để hệ thống tự đặt.")
    elif code != current and Product.objects.filter(code=code).exists():
        errors["code"] = f"Mã «{code}» đã dùng cho một sản phẩm khác. Chọn mã khác, hoặc để trống để hệ thống tự đặt."
    return code


@transaction.atomic
def create_product(user, data: dict, *, synthetic: bool = False) -> Product:
    """A new product of a producer ``user`` manages or belongs to. Its commune: one the user manages (an office),
    the producer's (its own account)."""
    errors: dict[str, str] = {}
    producer = data.get("producer")
    if not isinstance(producer, Producer):
        producer = (product_producers(user).filter(pk=int(producer)).first()
                    if str(producer or "").isdigit() else None)
    elif not product_producers(user).filter(pk=producer.pk).exists():
        producer = None
    if producer is None:
        if not may_add_products(user):
            raise Refused("Chỉ cán bộ quản lý OCOP hoặc tài khoản của chủ thể mới thêm được sản phẩm.")
        errors["producer"] = "Chọn chủ thể trong danh sách các chủ thể bạn quản lý."
    values = _product_values(data, errors)
    unit = None
    if producer is not None and not may_manage_commune_of(user, producer.unit) and is_member(user, producer):
        unit = producer.unit  # the producer's own account: the commune is the producer's, set by the office
    else:
        code = data.get("unit") or (producer.unit.code if producer else "")
        unit = _collect(errors, commune, code, "unit", user=user)
    values["code"] = _code(data, errors, unit)
    if errors:
        raise Invalid(errors)
    try:
        with transaction.atomic():
            product = Product.objects.create(producer=producer, unit=unit, synthetic=synthetic, **values)
    except IntegrityError:
        raise Invalid({"code": f"Mã «{values['code']}» vừa được dùng; chọn mã khác."}) from None
    record("create", product, after=product_snapshot(product), user=user)
    return product


@transaction.atomic
def update_product(user, product: Product, data: dict) -> bool:
    """Save a product's fields. Its commune changes only by an office managing both communes; its producer stays."""
    if not scope.may(user, MANAGE, product):
        raise Refused(f"Bạn không được sửa sản phẩm «{product.name}». Việc này do chủ thể của sản phẩm, cán bộ NTM "
                      f"{unit_phrase(product.unit)} hoặc Văn phòng Điều phối NTM thực hiện.")
    before = product_snapshot(product)
    errors: dict[str, str] = {}
    values = _product_values({**before, "subgroup": product.subgroup, **data}, errors)
    values["code"] = _code(data, errors, product.unit, product.code)
    code = _text(data.get("unit"))
    if code and code != product.unit.code:
        if not may_manage_commune_of(user, product.unit):
            errors["unit"] = (f"Chỉ cán bộ quản lý OCOP của {unit_phrase(product.unit)} mới đổi được xã, phường của "
                              "sản phẩm. Giữ nguyên xã, hoặc đề nghị cán bộ xã sửa.")
        else:
            values["unit"] = _collect(errors, commune, code, "unit", user=user)
    if errors:
        raise Invalid(errors)
    for name, value in values.items():
        setattr(product, name, value)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise Invalid({"code": f"Mã «{values['code']}» vừa được dùng; chọn mã khác."}) from None
    return _record_change(product, before, product_snapshot(product), user)


# --- registrations of the annual cycle --------------------------------------------------------------------------------

def registration_snapshot(r: Registration) -> dict:
    return {"year": r.year, "kind": r.kind, "producer": r.producer_id, "product": r.product_id, "unit": r.unit.code,
            "unit_id": r.unit_id, "title": r.title, "description": r.description,
            "submitted_on": r.submitted_on.isoformat(), "status": r.status, "note": r.note}


def _registration_values(user, data: dict, errors: dict[str, str], current: Registration | None) -> dict:
    values: dict[str, Any] = {"title": _text(data.get("title"), 300), "description": _long_text(data, "description",
                                                                                                errors)}
    if not values["title"]:
        errors["title"] = "Nhập tên ý tưởng hoặc phương án, ví dụ «Chè xanh túi lọc Tân Cương»."
    year = data.get("year")
    if not isinstance(year, int) or not 2018 <= year <= default_as_of().year + 1:
        errors["year"] = f"Nhập năm của chu trình OCOP, từ 2018 đến {default_as_of().year + 1}, ví dụ 2024."
    values["year"] = year
    kind = _text(data.get("kind"))
    if kind not in RegistrationKind.values:
        errors["kind"] = "Chọn loại đăng ký: ý tưởng sản phẩm, hoặc phương án, dự án sản xuất kinh doanh."
    values["kind"] = kind
    submitted = data.get("submitted_on")
    if not isinstance(submitted, dt.date):
        errors["submitted_on"] = "Nhập ngày đăng ký, ví dụ 15/4/2024."
    elif submitted > default_as_of():
        errors["submitted_on"] = "Ngày đăng ký không được sau hôm nay."
    elif isinstance(year, int) and abs(submitted.year - year) > 1:
        errors["submitted_on"] = f"Ngày đăng ký ({format_date(submitted)}) không thuộc chu trình năm {year}. Sửa năm " \
                                 "hoặc ngày."
    values["submitted_on"] = submitted
    producer = data.get("producer")
    if current is not None and not isinstance(producer, Producer) and not producer:
        producer = current.producer
    if not isinstance(producer, Producer):
        producer = (scope.producers(user, MANAGE).filter(pk=int(producer)).first()
                    if str(producer or "").isdigit() else None)
    elif not scope.producers(user, MANAGE).filter(pk=producer.pk).exists():
        producer = None
    if producer is None:
        errors["producer"] = "Chọn chủ thể trong danh sách các chủ thể bạn quản lý."
    values["producer"] = producer
    product = data.get("product")
    if product and not isinstance(product, Product):
        product = Product.objects.filter(pk=int(product)).first() if str(product).isdigit() else None
    if product and producer is not None and product.producer_id != producer.pk:
        errors["product"] = f"Sản phẩm «{product.name}» không phải của chủ thể «{producer.name}». Chọn sản phẩm của " \
                            "chủ thể, hoặc để trống khi mới là ý tưởng."
    values["product"] = product or None
    values["note"] = _long_text(data, "note", errors)
    return values


@transaction.atomic
def create_registration(user, data: dict, *, synthetic: bool = False) -> Registration:
    """A product idea or business plan registered with a commune: an office's commune, or the producer's own
    commune for its own account. Starts «Đã tiếp nhận»."""
    errors: dict[str, str] = {}
    values = _registration_values(user, data, errors, None)
    producer = values["producer"]
    unit = None
    if producer is not None and not may_manage_commune_of(user, producer.unit) and is_member(user, producer):
        unit = producer.unit
    elif producer is not None or data.get("unit"):
        unit = _collect(errors, commune, data.get("unit") or producer.unit.code, "unit", user=user, what="xã tiếp nhận")
    if errors:
        raise Invalid(errors)
    registration = Registration.objects.create(unit=unit, synthetic=synthetic, **values)
    record("create", registration, after=registration_snapshot(registration), user=user)
    return registration


def may_decide(user, registration: Registration) -> bool:
    """Whether ``user`` decides on ``registration`` (an office of its commune)."""
    return may_manage_commune_of(user, registration.unit)


def may_edit_registration(user, registration: Registration) -> bool:
    """An office of its commune, or the producer's account while it awaits a decision."""
    return may_decide(user, registration) or (registration.status == RegistrationStatus.RECEIVED
                                              and is_member(user, registration.producer))


@transaction.atomic
def update_registration(user, registration: Registration, data: dict) -> bool:
    """Save a registration's content: an office of its commune, or the producer's account while it awaits a
    decision."""
    office = may_decide(user, registration)
    if not may_edit_registration(user, registration):
        raise Refused("Chỉ cán bộ quản lý OCOP của xã tiếp nhận sửa được đăng ký này (chủ thể chỉ sửa được khi đăng ký "
                      "còn chờ xem xét).")
    before = registration_snapshot(registration)
    errors: dict[str, str] = {}
    values = _registration_values(user, {**before, "producer": registration.producer,
                                         "submitted_on": registration.submitted_on, **data}, errors, registration)
    if values["producer"] is not None and values["producer"].pk != registration.producer_id and not office:
        errors["producer"] = "Chủ thể của đăng ký không đổi được."
    if errors:
        raise Invalid(errors)
    for name, value in values.items():
        setattr(registration, name, value)
    registration.save()
    return _record_change(registration, before, registration_snapshot(registration), user)


@transaction.atomic
def set_registration_status(user, registration: Registration, status: str, note: str = "") -> bool:
    """The commune's decision on a registration (accepted, refused, or back to received), with a note; audited.
    A refusal needs its reason."""
    if not may_decide(user, registration):
        raise Refused(f"Chỉ cán bộ quản lý OCOP của {unit_phrase(registration.unit)} hoặc cấp trên mới chấp thuận "
                      "hay không chấp thuận đăng ký này.")
    if status not in RegistrationStatus.values:
        raise Invalid({"status": "Chọn tình trạng: đã tiếp nhận, được chấp thuận hoặc không được chấp thuận."})
    note = _text(note)[:MAX_LONG_TEXT]
    if status == RegistrationStatus.REFUSED and not note:
        raise Invalid({"note": "Ghi lý do không chấp thuận để chủ thể biết cần bổ sung, sửa gì."})
    if status == registration.status and not note:
        return False
    before = {"status": registration.status, "note": registration.note}
    registration.status = status
    if note:
        registration.note = note
    registration.save(update_fields=["status", "note"])
    record("update", registration, before=before, after={"status": status, "note": registration.note}, user=user,
           note="Thay đổi tình trạng đăng ký")
    return True
