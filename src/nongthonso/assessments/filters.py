"""The commune list's filter: the row of the list's grouping (the district in the three-tier years; for communes
directly under their province the former district or the commune group, ``units.groupings``), level, criteria
range and a diacritic-free search.

The date (``?as_of=``) is read first by ``core.dates.parse_as_of``: the rows offered depend on it.

``CommuneFilter`` is a form (so it validates and redisplays the query string, with Vietnamese messages)
that filters in two steps: ``filter_units`` narrows the communes (group, search) before the status
and assessments are looked up, ``filter_rows`` narrows the rows (level, criteria met) after. Neither
step queries the database.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from nongthonso.core.text import fold
from nongthonso.criteria.choices import Level
from nongthonso.units import groupings
from nongthonso.units.groupings import Group, Grouping
from nongthonso.units.models import Unit

from .selectors import CommuneRow

NOT_RECOGNISED = "chua-dat"
LEVEL_CHOICES = [
    ("", _("Mọi mức")),
    (NOT_RECOGNISED, _("Chưa đạt chuẩn")),
    (Level.XA_NTM.value, _("Đạt chuẩn NTM (kể cả nâng cao, kiểu mẫu)")),
    (Level.XA_NANG_CAO.value, _("NTM nâng cao (kể cả kiểu mẫu)")),
    (Level.XA_KIEU_MAU.value, _("NTM kiểu mẫu")),
    (Level.XA_HIEN_DAI.value, _("NTM hiện đại")),
]
MAX_CRITERIA = 19


def _criteria_field(label):
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=MAX_CRITERIA,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_CRITERIA, "inputmode": "numeric"}),
        error_messages={"invalid": _("Nhập số tiêu chí là một số nguyên, ví dụ 15."),
                        "min_value": _("Số tiêu chí không nhỏ hơn 0."),
                        "max_value": _("Số tiêu chí không lớn hơn %(limit_value)s.")})


class CommuneFilter(forms.Form):
    q = forms.CharField(label=_("Tìm xã, huyện"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("ví dụ: dai tu")}))
    district = forms.ChoiceField(label=_("Huyện"), required=False,
                                 error_messages={"invalid_choice": _(
                                     "Huyện đã chọn không thuộc phạm vi bạn được xem; chọn lại trong danh sách.")})
    level = forms.ChoiceField(label=_("Mức công nhận"), required=False, choices=LEVEL_CHOICES,
                              error_messages={"invalid_choice": _("Chọn một mức công nhận trong danh sách.")})
    min_criteria = _criteria_field(_("Số tiêu chí đạt từ"))
    max_criteria = _criteria_field(_("Số tiêu chí đạt đến"))

    def __init__(self, data=None, *, grouping: Grouping | None = None, groups: Sequence[Group] = (), **kwargs):
        """``grouping``: how the list groups its communes (``selectors.grouping_of``); ``groups``: its rows that
        hold a commune in scope, the choices of the first filter (districts, former districts or commune groups)."""
        super().__init__(data, **kwargs)
        self.grouping = grouping
        if grouping is not None and grouping.kind == groupings.COMMUNE_GROUP:
            self.fields["district"].label = grouping.label
            self.fields["district"].error_messages["invalid_choice"] = _(
                "Nhóm xã đã chọn không có xã nào trong phạm vi bạn được xem; chọn lại trong danh sách.")
        elif grouping is not None and grouping.kind == groupings.FORMER_DISTRICT:
            self.fields["district"].label = grouping.label
        self.fields["district"].choices = [("", _("Tất cả")), *((g.key, g.name) for g in groups)]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_criteria"), data.get("max_criteria")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(
                _("Khoảng số tiêu chí không hợp lệ: «từ» (%(low)s) lớn hơn «đến» (%(high)s). Sửa lại để «từ» nhỏ "
                  "hơn hoặc bằng «đến»."), params={"low": low, "high": high}, code="range")
        return data

    @property
    def values(self) -> dict:
        """The valid criteria (an invalid field is ignored, and its message shown)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = dict(self.cleaned_data)
        if "__all__" in self.errors:  # an inverted range filters nothing
            data.pop("min_criteria", None)
            data.pop("max_criteria", None)
        return data

    @property
    def active(self) -> bool:
        data = self.values
        return any(data.get(k) not in (None, "") for k in ("q", "district", "level", "min_criteria",
                                                             "max_criteria"))

    def filter_units(self, communes: list[Unit]) -> list[Unit]:
        """District and search: the search is folded ("Đại Từ" → "dai tu") and matched against the folded
        name and code of the commune and of its district."""
        data = self.values
        of = self.grouping.of if self.grouping is not None else {}
        key = data.get("district")
        if key:
            communes = [c for c in communes if c.pk in of and of[c.pk].key == key]
        query = " ".join(fold(data.get("q") or "").split())
        if query:
            communes = [c for c in communes if query in c.search_text or (c.pk in of and query in fold(of[c.pk].name))]
        return communes

    def filter_rows(self, rows: list[CommuneRow]) -> list[CommuneRow]:
        """Level (at least that level; «chưa đạt» = no commune level) and number of criteria met."""
        data = self.values
        level = data.get("level")
        if level == NOT_RECOGNISED:
            rows = [r for r in rows if r.level is None]
        elif level:
            rows = [r for r in rows if r.status.holds(level)]
        low, high = data.get("min_criteria"), data.get("max_criteria")
        if low is not None:
            rows = [r for r in rows if r.criteria_met is not None and r.criteria_met >= low]
        if high is not None:
            rows = [r for r in rows if r.criteria_met is not None and r.criteria_met <= high]
        return rows


class QueueFilter(forms.Form):
    """The work queue's filter (``queue.filtered``): year, criteria set, state — each offering only what the user's
    queue holds (``queue.choices``) — and a diacritic-free search of the commune or the unit above it."""

    q = forms.CharField(label=_("Tìm xã"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("ví dụ: van phu")}))
    year = forms.TypedChoiceField(label=_("Năm"), required=False, coerce=int, empty_value=None, error_messages={
        "invalid_choice": _("Không có hồ sơ năm %(value)s nào đang chờ bạn xử lý; chọn một năm trong danh sách.")})
    set = forms.ChoiceField(label=_("Bộ tiêu chí"), required=False, error_messages={
        "invalid_choice": _("Không có hồ sơ nào theo bộ tiêu chí «%(value)s» đang chờ bạn xử lý; chọn một bộ tiêu "
                            "chí trong danh sách.")})
    state = forms.ChoiceField(label=_("Trạng thái"), required=False, error_messages={
        "invalid_choice": _("Không có hồ sơ nào ở trạng thái «%(value)s» đang chờ bạn xử lý; chọn một trạng thái "
                            "trong danh sách.")})

    def __init__(self, data=None, *, choices, **kwargs):
        """``choices``: a ``queue.Choices``."""
        super().__init__(data, **kwargs)
        everything = ("", _("Tất cả"))
        self.fields["year"].choices = [everything, *((str(y), str(y)) for y in choices.years)]
        self.fields["set"].choices = [everything, *choices.sets]
        self.fields["state"].choices = [everything, *choices.states]

    @property
    def values(self) -> dict:
        """The valid fields (an invalid one is ignored, and its message shown), as ``queue.filtered``'s keywords."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = self.cleaned_data
        return {"year": data.get("year"), "set_code": data.get("set") or None, "state": data.get("state") or None,
                "query": data.get("q") or ""}

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for v in self.values.values())
