"""Fitting text into a width on printed things: cut with an ellipsis, wrapped at spaces,
or shrunk step by step until it fits (``TextBlock``). Widths are in pixels of a Pillow
font, except ``wrap_words``, which takes any measure (PDF points, for ``text_pdf``).

(Not to be confused with ``library_site.text``: NFC and diacritic folding of data.)"""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from PIL import ImageFont

from library_site.printing.fonts import block_height, font, line_height
from library_site.printing.units import pt_to_px

ELLIPSIS = "…"


def fit_text(text: str, text_font: ImageFont.FreeTypeFont, width: int) -> str:
    """``text`` on one line of ``width`` pixels, cut with an ellipsis when too long."""
    text = " ".join(text.split())
    if text_font.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_font.getlength(_cut(text, middle) + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    cut = _cut(text, low)
    if low < len(text) and text[low] != " " and " " in cut:
        # Cut at the last whole word unless that throws away too much.
        words = _cut(cut.rsplit(" ", 1)[0], len(cut))
        if len(words) >= 0.6 * len(cut):
            cut = words
    return cut + ELLIPSIS if cut else ELLIPSIS


def wrap_text(text: str, text_font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """``text`` wrapped at spaces into at most ``max_lines`` lines of ``width`` pixels; the
    last line ends with an ellipsis when the text does not fit."""
    words = text.split()
    lines: list[str] = []
    while words and len(lines) < max_lines:
        if len(lines) == max_lines - 1:
            lines.append(fit_text(" ".join(words), text_font, width))
            break
        line = words.pop(0)
        while words and text_font.getlength(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(fit_text(line, text_font, width))
    return lines


def wrap_words(text: str, measure: Callable[[str], float], width: float, *, break_anywhere: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width`` by ``measure``; a
    word wider than the line is broken between characters (never before a combining
    mark). With ``break_anywhere`` (IDs, numbers) every line is filled up to its width.
    Empty text gives no lines."""
    lines: list[str] = []
    line = ""
    for word in [text] if break_anywhere else text.split():
        candidate = f"{line} {word}" if line else word
        if measure(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while measure(line) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and measure(line[:cut]) > width:
                cut -= 1
            while cut > 1 and unicodedata.combining(line[cut]):
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


@dataclass(frozen=True)
class TextBlock:
    """A text to set in at most ``max_lines`` lines, as large as fits between ``max_pt``
    and ``min_pt``, in Be Vietnam Pro ``weight`` and ``colour`` (an RGB tuple)."""

    text: str
    weight: str
    colour: tuple[int, int, int]
    max_pt: float
    min_pt: float
    max_lines: int
    break_anywhere: bool = False  # IDs and numbers: fill each line, no word breaks

    def layout(
        self, width: int, dpi: int, *, max_height: int | None = None
    ) -> tuple[ImageFont.FreeTypeFont, list[str]]:
        """The largest size from ``max_pt`` down to ``min_pt`` (half-point steps) at which
        the text wraps into ``max_lines`` lines of ``width`` pixels (and ``max_height``);
        at ``min_pt`` the last line that fits ends with an ellipsis."""
        text = " ".join(unicodedata.normalize("NFC", self.text).split())
        pt = self.max_pt
        while True:
            text_font = font(pt_to_px(pt, dpi), weight=self.weight)
            lines = wrap_words(text, text_font.getlength, width, break_anywhere=self.break_anywhere)
            fits_height = max_height is None or block_height(lines, text_font) <= max_height
            if len(lines) <= self.max_lines and fits_height:
                return text_font, lines
            if pt - 0.5 < self.min_pt:
                break
            pt -= 0.5
        room = self.max_lines
        if max_height is not None:
            room = max(1, min(room, max_height // line_height(text_font)))
        kept = lines[: room - 1]
        rest = text
        for line in kept:  # lines are consecutive pieces of the text, split at spaces or not
            rest = rest[len(line) :].lstrip(" ")
        last = fit_text(rest, text_font, width)
        if not last.endswith(ELLIPSIS):
            last = fit_text(rest + ELLIPSIS, text_font, width)
        return text_font, [*kept, last]


def _cut(text: str, length: int) -> str:
    """The first ``length`` characters, without a dangling space or combining mark."""
    cut = text[:length]
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]
    return cut.rstrip(" ,;:-–")
