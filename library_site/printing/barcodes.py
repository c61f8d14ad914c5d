"""Barcodes for printing: Code 128 (copy labels, card numbers) drawn with python-barcode's
``ImageWriter``, and QR codes (reader cards; inline SVG for pages) drawn with ``qrcode``.

Bars are painted on whole device pixels: a module (the narrowest bar) is a whole number
of pixels at the target resolution, so every bar of the same width prints with the same
width and scanners read the label reliably. ``PixelImageWriter`` is python-barcode's
``ImageWriter`` with its sizes taken in whole pixels instead of millimetres.

The human-readable text under the bars is drawn with the bundled Be Vietnam Pro font,
so the output is the same on every machine. QR codes, too, have whole-pixel modules.
"""

import re

import qrcode
import qrcode.constants
from barcode import Code128
from barcode.errors import BarcodeError
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw
from qrcode.image.svg import SvgPathImage

from library_site.printing.fonts import font
from library_site.printing.units import mm_to_px, pt_to_px

# The nominal module width: 0.25 mm (3 pixels at 300 dpi), comfortable for laser
# printers and hand-held scanners.
NOMINAL_MODULE_MM = 0.25
# Code 128 needs a quiet zone of at least 10 modules on both sides.
QUIET_ZONE_MODULES = 10
# Each Code 128 symbol character is 11 modules; the stop pattern 13.
SYMBOL_MODULES = 11


def barcode_modules(value: str) -> int:
    """How many modules wide the Code 128 symbol for ``value`` is, without quiet zones."""
    return len(_code128(value).build()[0])


def barcode_module_px(value: str, *, dpi: int = 300, max_width_mm: float | None = None) -> int:
    """The module width in whole pixels: the nominal 0.25 mm, narrowed (down to one pixel)
    until the symbol and its quiet zones fit in ``max_width_mm``. Raises ``ValueError``
    when even one-pixel modules do not fit."""
    nominal = max(1, mm_to_px(NOMINAL_MODULE_MM, dpi))
    if max_width_mm is None:
        return nominal
    total_modules = barcode_modules(value) + 2 * QUIET_ZONE_MODULES
    available_px = max_width_mm * dpi / 25.4
    module_px = min(nominal, int(available_px // total_modules))
    if module_px < 1:
        raise ValueError(f"Barcode {value!r} does not fit in {max_width_mm} mm at {dpi} dpi.")
    return module_px


class PixelImageWriter(ImageWriter):
    """``ImageWriter`` whose sizes (module width and height, quiet zone, margins) are whole
    pixels, so bars land exactly on the pixel grid."""

    def _init(self, code: list[str]) -> None:
        width, height = self.calculate_size(len(code[0]), 1)
        self._image = Image.new(self.mode, (round(width), round(height)), self.background)
        self._draw = ImageDraw.Draw(self._image)

    def _paint_module(self, xpos: float, ypos: float, width: float, color) -> None:
        left, top = round(xpos), round(ypos)
        right, bottom = round(xpos + width) - 1, round(ypos + self.module_height) - 1
        if right >= left:
            self._draw.rectangle([(left, top), (right, bottom)], fill=color)


def barcode_image(
    value: str,
    *,
    dpi: int = 300,
    height_mm: float = 10.0,
    module_px: int | None = None,
    max_width_mm: float | None = None,
    text: bool = True,
    text_pt: float = 8.0,
) -> Image.Image:
    """A Code 128 barcode for ``value`` as a greyscale (pure black and white) image.

    ``height_mm`` is the height of the bars; with ``text`` the value is printed under them
    (``text_pt`` points). The image includes the quiet zones and carries ``dpi`` in its
    ``info``. Modules are ``module_px`` pixels wide, by default the nominal 0.25 mm,
    narrowed to fit ``max_width_mm`` when given. Raises ``ValueError`` for an empty value
    or characters Code 128 cannot encode (e.g. letters with diacritics).
    """
    if module_px is None:
        module_px = barcode_module_px(value, dpi=dpi, max_width_mm=max_width_mm)
    bars_px = max(1, mm_to_px(height_mm, dpi))
    writer = PixelImageWriter(format="PNG", mode="L", dpi=dpi)
    bars = _code128(value, writer=writer).render(
        {
            "module_width": module_px,
            "module_height": bars_px,
            "quiet_zone": QUIET_ZONE_MODULES * module_px,
            "margin_top": 0,
            "margin_bottom": 0,
            "write_text": False,
        }
    )
    if not text:
        bars.info["dpi"] = (dpi, dpi)
        return bars

    text_font = font(pt_to_px(text_pt, dpi))
    ascent, descent = text_font.getmetrics()
    gap = max(1, round(text_font.size * 0.25))
    image = Image.new("L", (bars.width, bars_px + gap + ascent + descent), 255)
    image.paste(bars, (0, 0))
    ImageDraw.Draw(image).text((bars.width / 2, bars_px + gap), value, font=text_font, fill=0, anchor="ma")
    image.info["dpi"] = (dpi, dpi)
    return image


def _code128(value: str, writer=None) -> Code128:
    if not value:
        raise ValueError("A barcode needs a value.")
    try:
        return Code128(value, writer=writer)
    except BarcodeError as error:
        raise ValueError(f"Code 128 cannot encode {value!r}: {error}") from error


def qr_image(text: str, box_px: int) -> Image.Image:
    """A QR code (error correction M, no quiet zone: the card around it is white) as a
    greyscale image at most ``box_px`` square, each module a whole number of pixels."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    module_px = box_px // modules
    if module_px < 2:
        raise ValueError(f"A QR code of {modules} modules does not fit in {box_px} pixels.")
    raw = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (modules, modules), raw)
    return image.resize((modules * module_px, modules * module_px), Image.Resampling.NEAREST)


def qr_svg(text: str, *, box_size: int = 10, size_px: int | None = None) -> str:
    """A QR code as inline SVG markup (a path, border of 2 modules), for a page to show:
    ``size_px`` fixes its displayed width and height and marks it as an image."""
    svg = qrcode.make(text, image_factory=SvgPathImage, box_size=box_size, border=2).to_string(encoding="unicode")
    if size_px is not None:
        svg = re.sub(r'width="[^"]*" height="[^"]*"', f'width="{size_px}" height="{size_px}" role="img"', svg, count=1)
    return svg
