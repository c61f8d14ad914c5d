"""Posters and covers drawn with Pillow at load time, so the demo ships no binary media.

Drawing is deterministic: the same title and palette give the same bytes on every
machine, because the font is bundled (Be Vietnam Pro, OFL) instead of taken from the
system."""

import io
import textwrap
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.images import ImageFile

from wagtail.images.models import Image as WagtailImage
from wagtail.models import Collection

from PIL import Image, ImageColor, ImageDraw, ImageFont

FONT_DIR = Path(settings.BASE_DIR) / "library_site" / "static" / "fonts"

PALETTES = [
    ("#0b5c8e", "#5fb3e4", "#ffffff"),
    ("#7a1a14", "#e57368", "#ffffff"),
    ("#1b5e20", "#7cc47f", "#ffffff"),
    ("#4527a0", "#a48be0", "#ffffff"),
    ("#6b4a00", "#f2c14e", "#1b1f24"),
    ("#004d57", "#4fc3c9", "#ffffff"),
]


@cache
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "BeVietnamPro-Bold.ttf" if bold else "BeVietnamPro-Regular.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def draw_poster(
    *, title: str, subtitle: str = "", palette: int = 0, size: tuple[int, int] = (1200, 675), with_text: bool = True
) -> bytes:
    """A PNG poster: a vertical gradient, a row of book spines, and (unless a banner) the title."""
    dark, light, ink = PALETTES[palette % len(PALETTES)]
    width, height = size
    image = Image.new("RGB", size, dark)
    draw = ImageDraw.Draw(image)
    top, bottom = ImageColor.getrgb(dark), ImageColor.getrgb(light)
    for y in range(height):
        t = y / max(height - 1, 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    # Book spines along the bottom edge, widths derived from the title for variety.
    x = 40
    for index, char in enumerate(title):
        spine_width = 28 + (ord(char) * 7 + index * 13) % 40
        spine_height = 120 + (ord(char) * 11 + index * 29) % 140
        if x + spine_width > width - 40:
            break
        shade = PALETTES[(palette + index) % len(PALETTES)][index % 2]
        draw.rounded_rectangle([x, height - 40 - spine_height, x + spine_width, height - 40], radius=4, fill=shade)
        draw.line(
            [x + 6, height - 40 - spine_height + 20, x + spine_width - 6, height - 40 - spine_height + 20], fill=ink
        )
        x += spine_width + 6
    lines = textwrap.wrap(title, width=30)[:3] if with_text else []
    y = 60
    for line in lines:
        draw.text((60, y), line, font=font(64, bold=True), fill=ink)
        y += 80
    if subtitle and with_text:
        draw.text((60, y + 10), subtitle, font=font(34), fill=ink)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def draw_logo(*, initials: str, palette: int = 0, size: int = 256) -> bytes:
    """A round badge with the library's initials."""
    dark, light, _ink = PALETTES[palette % len(PALETTES)]
    image = Image.new("RGB", (size, size), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.ellipse([8, 8, size - 8, size - 8], fill=dark, outline=light, width=10)
    text_font = font(size // (2 + max(len(initials) - 2, 0)), bold=True)
    draw.text((size / 2, size / 2), initials, font=text_font, fill="#ffffff", anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def generated_image(
    *, collection: Collection, title: str, description: str, filename: str, draw: Callable[[], bytes]
) -> WagtailImage:
    """The Wagtail image with this title in this collection; ``draw()`` makes its PNG
    bytes the first time only."""
    existing = WagtailImage.objects.filter(collection=collection, title=title).first()
    if existing:
        return existing
    image = WagtailImage(title=title, description=description, collection=collection)
    image.file = ImageFile(io.BytesIO(draw()), name=filename)
    image.save()
    return image
