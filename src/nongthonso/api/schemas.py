"""Schemas shared by the routers: pagination, references to units, and the common response map."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator
from pydantic_core import PydanticCustomError

from nongthonso.units.models import Unit

from .errors import ERROR_STATUSES, Error

MAX_ID = 2**31 - 1
MAX_LIMIT = 500
DEFAULT_LIMIT = 50

MAX_OFFSET = 1_000_000_000
MIN_YEAR, MAX_YEAR = 1900, 2100
# path and query values are bounded (ids, years, patterns) so nothing a client sends reaches the database unchecked
LIMIT_HELP = f"số mục mỗi trang (1–{MAX_LIMIT})"
OFFSET_HELP = "bỏ qua bao nhiêu mục đầu"
LEVEL_PATTERN = r"^[a-z_]{1,30}$"
CODE_PATTERN = r"^[0-9A-Za-z._-]{1,60}$"
TEXT_PATTERN = r"^[^\x00]*$"  # PostgreSQL refuses NUL characters in text


def _iso_date_only(value: Any) -> Any:
    """Dates as YYYY-MM-DD only: pydantic alone would also take 0 or "1700000000" (seconds since 1970)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    raise PydanticCustomError("date_parsing", "Input should be a date in the form YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]


class BodyIn(BaseModel):
    """A request body (or an object inside one): a JSON object, nothing else. Ninja's ``Schema`` reads its fields as
    attributes of whatever it is given, so a body ``"hello"`` or ``[]`` would pass as an empty object (every field
    at its default); a plain pydantic model refuses it (422, «phải là một đối tượng JSON»)."""


def responses(ok, *extra_statuses: int) -> dict:
    """``{200: ok, <every error status>: Error}`` for ``@router.get(..., response=…)``."""
    return {200: ok, ERROR_STATUSES | frozenset(extra_statuses): Error}


class UnitRef(Schema):
    id: int
    code: str
    name: str
    level: str = Field(description="mã cấp: tinh, huyen, xa, xom")


def unit_ref(unit: Unit) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "level": unit.unit_type.level.code}


class PageMeta(Schema):
    count: int = Field(description="tổng số mục khớp bộ lọc")
    limit: int
    offset: int


def page(queryset: QuerySet, limit: int, offset: int, serialize) -> dict:
    """One page of ``queryset`` with the total count, each row through ``serialize``."""
    return {"count": queryset.count(), "limit": limit, "offset": offset,
            "items": [serialize(row) for row in queryset[offset:offset + limit]]}
