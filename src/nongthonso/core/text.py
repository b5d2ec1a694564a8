"""Vietnamese text helpers: sort keys in Vietnamese alphabetical order, diacritic-free folding, and numbers, dates
and indicator values written the Vietnamese way (85,7% · 24/5/2023 · «Có»/«Không»).

The Vietnamese alphabet orders letters as a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y;
tone marks only break ties (no tone < huyền < hỏi < ngã < sắc < nặng, as ICU's ``vi`` collation does).
``vi_sort_key`` returns a plain string whose binary order is that order, so it can be stored in an
indexed column and sorted by any database.
"""

import unicodedata
from typing import Any

from django.utils.translation import gettext as _

_BASE_ORDER = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# combining marks for tones, in Vietnamese order
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
# combining marks that make a new base letter
_LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
                 ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}


def _letters(text: str):
    """Yield (base letter, tone digit) for each character of ``text`` (lower-cased)."""
    for ch in text.lower():
        if ch == "đ":
            yield "đ", "0"
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        tone = "0"
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            else:
                base = _LETTER_MARKS.get((base, mark), base)
        yield base, tone


def vi_sort_key(text: str) -> str:
    """A string key whose ordinary (binary) order is Vietnamese alphabetical order."""
    primary, secondary = [], []
    for base, tone in _letters(text):
        idx = _BASE_ORDER.find(base)
        if idx >= 0:
            primary.append(chr(0x41 + idx))  # 'A'.. in alphabet order
        elif base.isspace():
            primary.append(" ")  # space sorts before every letter ("Ba Bể" < "Bách Quang")
        elif base.isdigit():
            primary.append("0" + base)  # digits before letters
        else:
            primary.append(base)
        secondary.append(tone)
    return "".join(primary) + "\x01" + "".join(secondary)


def fold(text: str) -> str:
    """Lower-case, diacritic-free form for searching: "Đại Từ" → "dai tu"."""
    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def format_number(value: float | int, decimals: int = 0) -> str:
    """Vietnamese number format: 1.234.567 and 85,7."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(value: float, decimals: int = 1) -> str:
    return format_number(value, decimals) + "%"


def format_date(value) -> str:
    """24/5/2023 (no leading zeros, as Vietnamese administrative documents write dates)."""
    return f"{value.day}/{value.month}/{value.year}"


def short_number(value: float) -> str:
    """85,7 / 1.234 / 0,25 — Vietnamese format, at most two decimals, no trailing zeros."""
    value = float(value)
    if value.is_integer():
        return format_number(value, 0)
    return format_number(round(value, 2), 2).rstrip("0").rstrip(",")


def display_value(value: Any, unit: str = "") -> str:
    """A value or threshold as shown to people: «Có»/«Không», 85,7%, 3.500 m, a category."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, int | float):
        text = short_number(value)
        if unit == "%":
            return f"{text}%"
        return f"{text} {unit}" if unit else text
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def same_value(a: Any, b: Any) -> bool:
    """Equal as indicator values or thresholds, as people typed them: 71 and 71.0 are; Đạt (True) and 1 are not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def typed_value(value: Any, unit: str = "") -> str:
    """An indicator value as people type and read it on the entry page, for histories: «Đạt» / «Không đạt», 59,5% and
    71% (not 71,0), 1.234,25 m — every decimal given kept, none added, with ``unit``; a category as it is; «—» for
    none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Đạt") if value else _("Không đạt")
    if isinstance(value, int | float):
        number = float(value)
        text = format_number(number, 0) if number.is_integer() else format_number(number, 6).rstrip("0").rstrip(",")
        return f"{text}%" if unit == "%" else f"{text} {unit}" if unit else text
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
