"""The date every page, report and command opens on, and the ``?as_of=`` date a page is asked for."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .text import format_date
from .vocabulary import parse_date


def default_as_of() -> dt.date:
    """Today, in the installation's time zone (``TIME_ZONE``): the date the pages and reports open on."""
    return timezone.localdate()


def parse_as_of(raw: str | None) -> tuple[dt.date, str | None]:
    """The ``?as_of=`` date (``vocabulary.parse_date``: ISO or dd/mm/yyyy; default today) and, when it was
    unusable, a Vietnamese message (the page then shows today)."""
    if not raw:
        return default_as_of(), None
    if (date := parse_date(raw)) is not None:
        return date, None
    today = default_as_of()
    return today, _("Ngày «%(raw)s» không hợp lệ; đang hiển thị số liệu ngày %(date)s. Nhập ngày theo dạng "
                    "ngày/tháng/năm, ví dụ 30/6/2023.") % {"raw": raw, "date": format_date(today)}
