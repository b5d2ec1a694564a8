"""How a threshold reads beside a value, on every page and export that shows one (the presenter of criterion and
indicator rows, the threshold review page, the data-entry workbook): «≥ 42 triệu đồng/người/năm», «≤ 13%», «Đạt»,
and where it comes from — its provenance tag: «Trích từ văn bản», «Theo nguồn thứ cấp», «Tạm đặt, chưa đối chiếu»,
«Do tỉnh bổ sung»."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from nongthonso.core.choices import Provenance
from nongthonso.core.text import display_value

from .choices import Comparator, ValueType


def provenance_label(tag: str) -> str:
    """A threshold row's provenance tag in words — the labels of ``core.choices.Provenance``, as every catalogue row
    of the project shows its tag: «Trích từ văn bản», «Theo nguồn thứ cấp», «Tạm đặt, chưa đối chiếu», «Do tỉnh bổ
    sung»; "" for no tag."""
    return str(Provenance(tag).label) if tag in Provenance.values else ""


def comparator_label(comparator: str) -> str:
    """The comparator as ``Comparator``'s choices write it: «≥», «≤», «=» …"""
    return str(Comparator(comparator).label) if comparator in Comparator.values else comparator


def threshold_text(threshold: Any, comparator: str, value_type: str, unit: str = "") -> str:
    """A threshold as read beside a value: «≥ 42 triệu đồng/người/năm», «≤ 13%», «Đạt» (a yes/no indicator that must
    be met; «Không»: one that must not), the allowed categories; «—» when the unit has none."""
    if threshold is None or threshold == "":
        return "—"
    if value_type == ValueType.BOOLEAN or isinstance(threshold, bool):
        return _("Đạt") if threshold else _("Không")
    if isinstance(threshold, list | tuple):
        return ", ".join(str(t) for t in threshold)
    return f"{comparator_label(comparator)} {display_value(threshold, unit)}"
