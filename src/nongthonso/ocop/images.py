"""Product photos: uploaded by whoever may manage the product, checked by their content (``core.filetypes``: JPEG or
PNG, whatever the name or the browser says) and their size before a byte is read, stored under a random name
(``ProductImage.file``), served back only to users who may see the product (``scope.products``), with the headers
that keep a browser from running them. Adding and deleting are audited.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from nongthonso.accounts.services import unit_phrase
from nongthonso.audit.services import record
from nongthonso.core import filetypes

from . import scope
from .apps import MANAGE
from .models import Product, ProductImage
from .services import Invalid, Refused

IMAGE_KINDS = (filetypes.JPEG, filetypes.PNG)
MAX_CAPTION = 300


def max_bytes() -> int:
    """The largest photo accepted (``OCOP_IMAGE_MAX_BYTES``, 5 MB by default)."""
    return int(getattr(settings, "OCOP_IMAGE_MAX_BYTES", 5 * filetypes.MB))


def max_images() -> int:
    """How many photos a product may have (``OCOP_MAX_IMAGES``, 12 by default)."""
    return int(getattr(settings, "OCOP_MAX_IMAGES", 12))


def _snapshot(image: ProductImage, digest: str = "") -> dict:
    shown = {"product": image.product.code, "caption": image.caption, "content_type": image.content_type,
             "size": image.size, "file": image.file.name}
    return {**shown, "sha256": digest} if digest else shown


def require_manager(user, product: Product, doing: str) -> None:
    if not scope.may(user, MANAGE, product):
        raise Refused(f"Bạn không được {doing} của sản phẩm «{product.name}». Việc này do chủ thể của sản phẩm, cán bộ "
                      f"NTM {unit_phrase(product.unit)} hoặc Văn phòng Điều phối NTM thực hiện.")


@transaction.atomic
def add_image(user, product: Product, upload, caption: str = "") -> ProductImage:
    """Store a photo of ``product`` (JPEG or PNG by content, at most ``max_bytes()``, checked before reading it)."""
    require_manager(user, product, "thêm ảnh")
    if product.images.count() >= max_images():
        raise Invalid({"file": f"Sản phẩm đã có {max_images()} ảnh, mức tối đa. Xoá bớt ảnh cũ rồi tải ảnh mới."})
    try:
        kind = filetypes.check(upload, IMAGE_KINDS, max_bytes(),
                               advice="Chụp hoặc lưu ảnh thành JPEG (.jpg) hoặc PNG rồi tải lại.")
    except filetypes.FileRejected as exc:
        raise Invalid({"file": str(exc)}) from None
    caption = " ".join(str(caption or "").split())
    if len(caption) > MAX_CAPTION:
        raise Invalid({"caption": f"Chú thích dài {len(caption)} ký tự, quá {MAX_CAPTION} ký tự. Rút gọn lại."})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    order = (product.images.aggregate(m=Max("order"))["m"] or 0) + 1
    image = ProductImage(product=product, caption=caption, content_type=kind.content_type, size=upload.size,
                         order=order, uploaded_by=user)
    # the stored name is random (``models._image_path``); only its extension comes from the kind found
    image.file.save("anh" + kind.extension, upload, save=False)
    image.save()
    record("create", image, after=_snapshot(image, digest.hexdigest()), user=user)
    return image


@transaction.atomic
def delete_image(user, image: ProductImage) -> None:
    """Remove a photo (the row now, the file once committed); audited."""
    require_manager(user, image.product, "xoá ảnh")
    record("delete", image, before=_snapshot(image), user=user)
    file = image.file
    image.delete()
    transaction.on_commit(lambda: file.storage.delete(file.name))


def visible_image(user, product_pk: int, image_pk: int) -> ProductImage | None:
    """The photo, when ``user`` may see its product (None: the caller's 404)."""
    return (ProductImage.objects.filter(pk=image_pk, product_id=product_pk,
                                        product__in=scope.products(user).values("pk"))
            .select_related("product").first())


def served(image: ProductImage):
    """The photo as a response shown inline, never sniffed as another type, never cached by a shared cache."""
    return filetypes.served(image.file.open("rb"), image.content_type, f"anh-{image.pk}{_extension(image)}",
                            as_attachment=False)


def _extension(image: ProductImage) -> str:
    return next((k.extension for k in IMAGE_KINDS if k.content_type == image.content_type), "")
