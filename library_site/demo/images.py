"""Posters and covers drawn with Pillow at load time, so the demo ships no binary media.

Drawing is deterministic: the same title and palette give the same bytes on every
machine, because the font is bundled (Be Vietnam Pro, OFL) instead of taken from the
system."""

import io
import math
import struct
import textwrap
import wave
from collections.abc import Callable

from django.core.files.images import ImageFile

from wagtail.images.models import Image as WagtailImage
from wagtail.models import Collection

from PIL import Image, ImageColor, ImageDraw, ImageFont

from library_site.printing.fonts import font as printing_font

PALETTES = [
    ("#0b5c8e", "#5fb3e4", "#ffffff"),
    ("#7a1a14", "#e57368", "#ffffff"),
    ("#1b5e20", "#7cc47f", "#ffffff"),
    ("#4527a0", "#a48be0", "#ffffff"),
    ("#6b4a00", "#f2c14e", "#1b1f24"),
    ("#004d57", "#4fc3c9", "#ffffff"),
]


def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Be Vietnam Pro at ``size`` pixels, bold or regular (``library_site.printing.fonts``)."""
    return printing_font(size, weight="Bold" if bold else "Regular")


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


def draw_cover(*, title: str, author: str = "", palette: int = 0, size: tuple[int, int] = (400, 600)) -> bytes:
    """A book cover: coloured band, title and author, a simple emblem."""
    dark, light, ink = PALETTES[palette % len(PALETTES)]
    width, height = size
    image = Image.new("RGB", size, light)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, height * 0.62], fill=dark)
    draw.ellipse([width * 0.35, height * 0.66, width * 0.65, height * 0.86], outline=dark, width=6)
    y = 40
    for line in textwrap.wrap(title, width=16)[:5]:
        draw.text((28, y), line, font=font(38, bold=True), fill="#ffffff")
        y += 48
    if author:
        draw.text((28, height * 0.62 - 52), author[:28], font=font(24), fill="#ffffff")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def draw_pdf(*, title: str, pages: list[str]) -> bytes:
    """A small A5 PDF: a title page and pages of text, drawn with the bundled font."""
    rendered = []
    for number, text in enumerate([title, *pages]):
        page = Image.new("RGB", (874, 1240), "#ffffff")  # A5 at 150 dpi
        draw = ImageDraw.Draw(page)
        if number == 0:
            y = 380
            for line in textwrap.wrap(text, width=22):
                draw.text((437, y), line, font=font(48, bold=True), fill="#1b1f24", anchor="mm")
                y += 64
        else:
            y = 90
            for line in textwrap.wrap(text, width=48):
                draw.text((80, y), line, font=font(26), fill="#1b1f24")
                y += 40
            draw.text((437, 1180), str(number), font=font(22), fill="#4a5561", anchor="mm")
        rendered.append(page)
    buffer = io.BytesIO()
    rendered[0].save(buffer, format="PDF", save_all=True, append_images=rendered[1:], resolution=150)
    return buffer.getvalue()


def draw_wav(*, seconds: float = 2.0, frequency: float = 440.0, rate: int = 16_000) -> bytes:
    """A short mono WAV: a soft tone with a fade in and out (an audio sample)."""
    frames = int(seconds * rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = bytearray()
        for i in range(frames):
            envelope = min(1.0, i / (rate * 0.2), (frames - i) / (rate * 0.2))
            value = int(9000 * envelope * math.sin(2 * math.pi * frequency * i / rate))
            samples += struct.pack("<h", value)
        out.writeframes(bytes(samples))
    return buffer.getvalue()
