"""The bundled Be Vietnam Pro font (OFL): no system fonts, so Vietnamese renders
correctly and printed output is the same on every machine."""

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
WEIGHTS = ("Regular", "SemiBold", "Bold")


def font_file(weight: str = "Regular") -> Path:
    """The TrueType file of Be Vietnam Pro in ``weight`` (``Regular``, ``SemiBold`` or ``Bold``)."""
    return FONT_DIR / f"BeVietnamPro-{weight}.ttf"


@cache
def font(size_px: int, *, weight: str = "Regular") -> ImageFont.FreeTypeFont:
    """Be Vietnam Pro (``Regular``, ``SemiBold`` or ``Bold``) at ``size_px`` pixels."""
    return ImageFont.truetype(str(font_file(weight)), size_px)


def line_height(text_font: ImageFont.FreeTypeFont) -> int:
    """The height of one line of ``text_font`` in pixels: ascent plus descent."""
    ascent, descent = text_font.getmetrics()
    return ascent + descent


def block_height(lines: Sequence[str], text_font: ImageFont.FreeTypeFont) -> int:
    """The height of ``lines`` set one under another in ``text_font``."""
    return len(lines) * line_height(text_font)
