"""The PDF's font: one with every Vietnamese letter, looked for in the configured folder, matplotlib's bundled
DejaVu fonts and the system's (docs/adr/0004-report-formats.md)."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings


class ReportFontMissing(RuntimeError):
    """No font with Vietnamese glyphs could be found for the PDF."""


# Characters every report uses: a font missing any of them would print boxes.
_VIETNAMESE = "ĂăÂâĐđÊêÔôƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
# (family, {style: file name}); the first whose regular and bold files exist and cover Vietnamese wins.
_FAMILIES = (
    ("Times New Roman", {"": "times.ttf", "B": "timesbd.ttf", "I": "timesi.ttf", "BI": "timesbi.ttf"}),
    ("Times New Roman", {"": "Times New Roman.ttf", "B": "Times New Roman Bold.ttf",
                         "I": "Times New Roman Italic.ttf", "BI": "Times New Roman Bold Italic.ttf"}),
    ("DejaVu Serif", {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf",
                      "BI": "DejaVuSerif-BoldItalic.ttf"}),
)
SYSTEM_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu")


@dataclass(frozen=True)
class ReportFont:
    family: str
    files: dict  # style ("", "B", "I", "BI") → path


def _font_dirs() -> list[Path]:
    """Where to look, in order: the setting or environment variable NONGTHONSO_REPORT_FONT_DIR (e.g. a folder
    with the province's licensed Times New Roman), matplotlib's bundled DejaVu fonts (a declared dependency,
    so always there after ``pip install``), then the system's DejaVu fonts (Debian: fonts-dejavu-core and
    fonts-dejavu-extra)."""
    dirs = []
    custom = getattr(settings, "NONGTHONSO_REPORT_FONT_DIR", None) or os.environ.get("NONGTHONSO_REPORT_FONT_DIR")
    if custom:
        dirs.append(Path(custom))
    spec = importlib.util.find_spec("matplotlib")  # locates the package without importing it
    if spec is not None and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf")
    dirs += [Path(d) for d in SYSTEM_FONT_DIRS]
    return dirs


def _covers_vietnamese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    try:
        cmap = TTFont(path, lazy=True).getBestCmap() or {}
    except Exception:  # not a font fontTools reads: not usable
        return False
    return all(ord(c) in cmap for c in _VIETNAMESE)


@lru_cache
def _find_font(dirs: tuple[Path, ...]) -> ReportFont | None:
    for directory in dirs:
        for family, names in _FAMILIES:
            files = {style: directory / name for style, name in names.items() if (directory / name).is_file()}
            if "" not in files or "B" not in files:
                continue
            if not all(_covers_vietnamese(p) for p in files.values()):
                continue
            files.setdefault("I", files[""])  # no italic file: the upright one (legible, not slanted)
            files.setdefault("BI", files["B"])
            return ReportFont(family, {k: str(v) for k, v in files.items()})
    return None


def report_font() -> ReportFont:
    """The PDF's font (see :func:`_font_dirs`). Raises :class:`ReportFontMissing` with what to install."""
    dirs = tuple(_font_dirs())
    found = _find_font(dirs)
    if found is None:
        _find_font.cache_clear()  # a font installed later is found without a restart
        raise ReportFontMissing(
            "Không tìm thấy phông chữ có đủ dấu tiếng Việt để tạo báo cáo PDF. Cài lại gói Python của ứng dụng "
            "(matplotlib kèm phông DejaVu Serif), hoặc cài gói Debian fonts-dejavu-core và fonts-dejavu-extra, "
            "hoặc đặt biến NONGTHONSO_REPORT_FONT_DIR trỏ tới thư mục có times.ttf, timesbd.ttf, timesi.ttf, "
            "timesbi.ttf. Đã tìm trong: " + ", ".join(str(d) for d in dirs) + ".")
    return found
