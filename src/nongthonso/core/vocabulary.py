"""The words people type and read, in one place: yes/no words, Vietnamese numbers and dates, unit-type words.

Every path that reads a value a person wrote goes through these parsers — the imports (CSV/XLSX), the entry form, the
API, the commands and the pages' ``?as_of=`` — so a word accepted in one place means the same everywhere.

No Django here: the criteria engine (``criteria.engine``, pure Python + numpy) encodes booleans with
:func:`parse_bool`. Messages are Vietnamese (the import files and the commands speak Vietnamese); the pages, which
translate, build their own messages around :func:`parse_date` (``core.dates``).
"""

from __future__ import annotations

import datetime as dt
import re

# --- yes / no ----------------------------------------------------------------------------------------------

# compared lower-cased with runs of spaces as one; Vietnamese with and without diacritics (a keyboard without them)
TRUE_WORDS = frozenset({"1", "x", "c", "có", "co", "đạt", "dat", "đúng", "true", "yes"})
FALSE_WORDS = frozenset({"0", "k", "không", "khong", "không đạt", "khong dat", "chưa đạt", "sai", "false", "no"})


def parse_bool(value: object) -> bool | None:
    """True for a yes word (``TRUE_WORDS``: «Đạt», «có», «x», 1 …), False for a no word (``FALSE_WORDS``: «Không
    đạt», «không», 0 …), a bool as it is; None for anything else — empty included (the caller decides what an
    empty cell means)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {1: True, 0: False}.get(value)
    if not isinstance(value, str):
        return None
    word = " ".join(value.split()).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


# --- numbers -----------------------------------------------------------------------------------------------

class NumberInvalid(ValueError):
    """Text that is not a number."""


def parse_number(text: str) -> float:
    """A number as written in Vietnamese: decimal comma (85,7), dot thousands with a decimal comma (1.234,5), a
    percent sign (85,7%), spaces anywhere; a dot alone is a decimal point (85.7, as the API and spreadsheets send
    it). Raises :class:`NumberInvalid`. Not-a-number and infinities come back as floats: the caller says whether
    it takes them."""
    cleaned = str(text).strip().replace(" ", "").rstrip("%")
    if "," in cleaned and "." in cleaned:  # 1.234,5 → 1234.5
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        raise NumberInvalid(f"«{text}» không phải là số. Dùng dấu phẩy cho phần thập phân, ví dụ 85,7.") from None


# --- dates -------------------------------------------------------------------------------------------------

DATE_HINT = "Viết ngày theo dạng 2024-12-01 hoặc 01/12/2024."
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class DateInvalid(ValueError):
    """Text that is not a date in a form people write; the message (Vietnamese) says which forms are."""

    def __init__(self, text: object):
        self.text = text
        super().__init__(f"Ngày «{text}» không hợp lệ. {DATE_HINT}")


def parse_date(value: object) -> dt.date | None:
    """The date in ``value``: 2024-12-01, 01/12/2024 or 1/12/2024 (day first, as Vietnamese writes it), or a
    date (a datetime's date); None when empty or not a valid date — :func:`require_date` says why."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = "" if value is None else str(value).strip()
    if m := _ISO_DATE.match(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _VN_DATE.match(text):
        d, mo, y = (int(g) for g in m.groups())
    else:
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:  # 31/02/2024, 2024-13-01
        return None


def require_date(value: object) -> dt.date:
    """:func:`parse_date`, raising :class:`DateInvalid` (its message in Vietnamese) for what is not a date."""
    date = parse_date(value)
    if date is None:
        raise DateInvalid(value)
    return date


# --- administrative units ----------------------------------------------------------------------------------

# The words official unit names begin with, by level, and the unit type (``units.reference.TYPES``) each names
# there: «Thành phố» is a centrally-run city among provinces, a provincial city among districts.
UNIT_TYPE_WORDS: dict[str, dict[str, str]] = {
    "tinh": {"Tỉnh": "tinh", "Thành phố": "thanh_pho_tw"},
    "huyen": {"Huyện": "huyen", "Thị xã": "thi_xa", "Thành phố": "thanh_pho_thuoc_tinh", "Quận": "quan"},
    "xa": {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"},
}
# every type word, the longest first (so that a word that begins another is tried after it)
TYPE_WORDS = tuple(sorted({w for words in UNIT_TYPE_WORDS.values() for w in words}, key=lambda w: (-len(w), w)))


def type_word(name: str) -> str:
    """The type word ``name`` begins with: "Huyện Phú Bình" → "Huyện"; "" when it begins with none."""
    folded = name.lower()
    return next((word for word in TYPE_WORDS if folded.startswith(word.lower() + " ")), "")


def bare_name(name: str) -> str:
    """The name without its type word: "Tỉnh Thái Nguyên" → "Thái Nguyên" (a document's place line)."""
    word = type_word(name)
    return name[len(word) + 1:] if word else name


def running_name(name: str) -> str:
    """The name as running text writes it, its type word in lower case: «huyện Chợ Đồn (cũ)», «thành phố Thái
    Nguyên»."""
    word = type_word(name)
    return word.lower() + name[len(word):] if word else name


def unit_type_of(name: str, level: str) -> tuple[str, str]:
    """(type word, unit type code) of an official name of a unit of ``level`` (tinh, huyen, xa): ("Thành phố Thái
    Nguyên", "tinh") → ("Thành phố", "thanh_pho_tw"). Raises ValueError when the name begins with no type word of
    that level."""
    word = type_word(name)
    code = UNIT_TYPE_WORDS[level].get(word)
    if code is None:
        raise ValueError(f"Cannot tell the unit type of «{name}» from its name (level {level})")
    return word, code
