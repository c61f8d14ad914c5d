"""Reader cards drawn with Pillow: one card as an image, many as an A4 PDF to cut out.

A card is ID-1/CR80 size (85.6 × 54 mm; 1011 × 638 pixels at 300 dpi) on a white ground:

- a header with the library's logo (a drawn book when it has none), its name and
  "Reader card", over a thin rule in the accent colour;
- the reader's photo (a drawn silhouette when there is none), full name, class and
  category, displayed ID and validity date;
- the signed QR code (``lending.card_codes.card_payload``, error correction M) on the
  right, and the Code 128 barcode of the card number along the bottom.

Text uses the bundled Be Vietnam Pro font (no system fonts), so Vietnamese renders
correctly and a card is the same on every machine. Long texts wrap and shrink, and are
cut with an ellipsis only when even the smallest size does not fit: nothing overflows.
Card texts are in the site's language (``LANGUAGE_CODE``, Vietnamese) whoever prints
them, since the card is for the library's readers, not for the librarian's screen.

``cards_pdf`` lays 10 cards on each A4 page (2 columns × 5 rows, CR80 size when printed
at "actual size") with cut marks at every card corner. Each page is one lossless image
(Flate: text, QR codes and bars stay sharp, about 50 KB a card) with the readers'
photos placed over it as JPEG images. Pages are drawn one at a time and written straight
into the PDF, so memory stays at a couple of pages however many cards a batch has
(``cards_pdf_write`` writes to a file for big batches).

Speed: compression (zlib, which releases the GIL) runs in a helper thread while the next
card or page is drawn, so both cores of a small server work; PNGs are written by a small
encoder here for the same reason (Pillow's PNG encoder holds the GIL and spends most of
its time choosing row filters that flat card graphics do not need).
"""

import datetime
import io
import logging
import struct
import unicodedata
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import BinaryIO

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont, ImageOps

from catalog.barcodes import barcode_image, font, mm_to_px, pt_to_px
from catalog.labels import ELLIPSIS, fit_text
from lending.card_codes import card_payload
from lending.models import Card

logger = logging.getLogger(__name__)

DPI = 300
CARD_SIZE_MM = (85.6, 54.0)
A4_MM = (210.0, 297.0)

# Print-friendly: a white ground, dark ink, one accent colour for the header.
WHITE = (255, 255, 255)
INK = (27, 31, 36)
MUTED = (74, 85, 97)
ACCENT = (11, 79, 124)
PHOTO_GROUND = (232, 236, 241)
PHOTO_FIGURE = (182, 191, 203)
PHOTO_FRAME = (160, 170, 182)

# The card's layout in millimetres.
MARGIN = 3.0
HEADER_TOP = 2.4
LOGO_SIZE = 8.6
HEADER_RULE_Y = 12.0
HEADER_RULE_MM = 0.35
BODY_TOP = 14.6
PHOTO_SIZE = (19.0, 25.3)  # 3 × 4 portrait
QR_BOX = 20.0
QR_TOP = 15.2
COLUMN_GAP = 2.6  # photo → text; text → QR is wider, for the QR's quiet zone
QR_GAP = 3.0
BODY_BOTTOM = 38.6
BARCODE_TOP = 40.0
BARCODE_BARS = 7.4
BARCODE_TEXT_PT = 6.5

# The A4 sheet: 2 × 5 cards with gutters for the cut marks.
COLUMNS, ROWS = 2, 5
GAP_X, GAP_Y = 6.0, 3.0
CUT_MARK_OFFSET = 0.5
CUT_MARK_LENGTH = 3.0
CUT_MARK_WIDTH = 0.17
PHOTO_JPEG_QUALITY = 90
ZLIB_LEVEL = 3  # the fastest level of zlib's fast strategy; 6 is 2–3 times slower for 10–30 % less
PIPELINE_DEPTH = 4  # cards (or pages) drawn ahead of the compressing thread

CARDS_PER_PAGE = COLUMNS * ROWS


def card_image(card: Card, *, dpi: int = DPI) -> Image.Image:
    """The front of ``card`` as an RGB image at ``dpi`` (1011 × 638 pixels at 300 dpi),
    with ``info["dpi"]`` set so a saved PNG prints at card size."""
    return _card_drawing(card, dpi=dpi, with_photo=True).image


def card_png(card: Card, *, dpi: int = DPI) -> bytes:
    """``card_image`` as PNG bytes."""
    return png_encode(card_image(card, dpi=dpi), dpi=dpi)


def cards_png(cards: Iterable[Card]) -> Iterator[tuple[Card, bytes]]:
    """``(card, PNG bytes)`` for each card, in order. Cards are drawn in this thread and
    compressed in a helper thread, a few cards ahead."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="card-png") as pool:
        pending: deque[tuple[Card, Future]] = deque()
        for card in cards:
            pending.append((card, pool.submit(png_encode, card_image(card), dpi=DPI)))
            if len(pending) >= PIPELINE_DEPTH:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def cards_pdf(cards: Iterable[Card], *, progress: Callable[[int, int], None] | None = None) -> bytes:
    """An A4 PDF of ``cards``, 10 a page with cut marks. ``progress(done, total)`` is
    called after each page. Raises ``ValueError`` when there are no cards."""
    buffer = io.BytesIO()
    cards_pdf_write(cards, buffer, progress=progress)
    return buffer.getvalue()


def cards_pdf_write(
    cards: Iterable[Card],
    out: BinaryIO,
    *,
    progress: Callable[[int, int], None] | None = None,
    slips: Sequence["ActivationSlip"] = (),
) -> int:
    """Write the PDF of ``cards_pdf`` to the binary stream ``out``, page by page; returns
    the number of pages. ``slips`` (activation slips) follow the cards on pages of their
    own. Raises ``ValueError`` (before writing) when there are no cards."""
    cards = list(cards)
    if not cards:
        raise ValueError("No cards to print: select at least one reader.")
    total = len(cards)
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("Reader cards")
    writer = _PdfWriter(out, title=title)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="card-pdf") as pool:
        pending: deque[tuple[int, Future]] = deque()

        def write_oldest() -> None:
            done, future = pending.popleft()
            writer.add_page(*future.result())
            if progress:
                progress(done, total)

        for start in range(0, total, CARDS_PER_PAGE):
            page = _draw_page(cards[start : start + CARDS_PER_PAGE])
            pending.append((min(start + CARDS_PER_PAGE, total), pool.submit(_encode_page, page)))
            if len(pending) >= 2:
                write_oldest()
        while pending:
            write_oldest()
    if slips:
        _slip_pages(writer, slips)
    writer.close()
    return writer.page_count


def png_encode(image: Image.Image, *, dpi: int = DPI) -> bytes:
    """A truecolour PNG of an RGB image (rows unfiltered, zlib level 3) with its
    resolution, so it prints at card size."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    raw = image.tobytes()
    stride = width * 3
    rows = b"".join(b"\x00" + raw[start : start + stride] for start in range(0, len(raw), stride))
    per_metre = round(dpi / 0.0254)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            chunk(b"IDAT", zlib.compress(rows, ZLIB_LEVEL)),
            chunk(b"IEND", b""),
        ]
    )


# --- one card -------------------------------------------------------------------------


def _card_drawing(card: Card, *, dpi: int, with_photo: bool) -> "_CardDrawing":
    with translation.override(settings.LANGUAGE_CODE):
        return _CardDrawing(card, dpi, with_photo=with_photo).draw()


class _CardDrawing:
    """One card. With ``with_photo=False`` the reader's photo is left out of ``image``
    (its box stays white) and kept in ``photo``, at ``photo_box`` (left, top), for the PDF
    to place as a JPEG image."""

    def __init__(self, card: Card, dpi: int, *, with_photo: bool):
        self.card = card
        self.with_photo = with_photo
        self.photo: Image.Image | None = None
        self.photo_box = (0, 0)
        self.membership = card.membership
        self.library = self.membership.library
        self.reader = card.reader
        self.dpi = dpi
        self.image = Image.new("RGB", (self.px(CARD_SIZE_MM[0]), self.px(CARD_SIZE_MM[1])), WHITE)
        self.draw_ = ImageDraw.Draw(self.image)

    def px(self, mm: float) -> int:
        return mm_to_px(mm, self.dpi)

    def draw(self) -> "_CardDrawing":
        header = _header(self.library.name, _logo_key(self.library), self.dpi, translation.get_language())
        self.image.paste(header, (0, 0))
        self._photo()
        qr_left = self._qr()
        self._details(right=qr_left - self.px(QR_GAP))
        self._barcode()
        self.image.info["dpi"] = (self.dpi, self.dpi)
        return self

    def _photo(self) -> None:
        box = (self.px(MARGIN), self.px(BODY_TOP))
        size = (self.px(PHOTO_SIZE[0]), self.px(PHOTO_SIZE[1]))
        photo = _reader_photo(self.reader, size)
        if photo is None:
            self.image.paste(_silhouette(size), box)
        elif self.with_photo:
            self.image.paste(photo, box)
        else:
            self.photo, self.photo_box = photo, box
        line = max(1, self.px(0.15))  # a frame just outside the photo
        frame = [box[0] - line, box[1] - line, box[0] + size[0] - 1 + line, box[1] + size[1] - 1 + line]
        self.draw_.rectangle(frame, outline=PHOTO_FRAME, width=line)

    def _qr(self) -> int:
        """Draws the QR code at the right; returns its left edge."""
        qr = qr_image(card_payload(self.card), self.px(QR_BOX))
        right = self.image.width - self.px(MARGIN)
        left = right - qr.width
        box_px = self.px(QR_BOX)
        self.image.paste(qr, (left, self.px(QR_TOP) + (box_px - qr.height) // 2))
        return right - box_px

    def _details(self, *, right: int) -> None:
        left = self.px(MARGIN + PHOTO_SIZE[0] + COLUMN_GAP)
        width = right - left
        top, bottom = self.px(BODY_TOP), self.px(BODY_BOTTOM)

        membership = self.membership
        category = str(membership.get_category_display())
        if membership.class_name:
            group = gettext("Class %(class_name)s · %(category)s") % {
                "class_name": membership.class_name,
                "category": category,
            }
        else:
            group = category
        smaller = [
            _TextBlock(group, "Regular", MUTED, 7.0, 5.5, 2),
            _TextBlock(gettext("ID: %(id)s") % {"id": self.reader.display_id}, "Regular", INK, 7.0, 5.0, 3, True),
            _TextBlock(
                gettext("Valid until %(date)s") % {"date": _date(self.card.valid_until)},
                "SemiBold",
                ACCENT,
                7.0,
                5.5,
                1,
            ),
        ]
        gap = self.px(0.8)
        laid_out = [block.layout(width, self.dpi) for block in smaller]
        below_name = sum(_block_height(lines, text_font) for text_font, lines in laid_out) + gap * len(laid_out)
        name_font, name_lines = _TextBlock(self.reader.full_name, "Bold", INK, 10.0, 6.5, 3).layout(
            width, self.dpi, max_height=bottom - top - below_name
        )
        y = top
        for text_font, lines, colour in [
            (name_font, name_lines, INK),
            *((f, ls, block.colour) for (f, ls), block in zip(laid_out, smaller, strict=True)),
        ]:
            for line in lines:
                self.draw_.text((left, y), line, font=text_font, fill=colour, anchor="la")
                y += _line_height(text_font)
            y += gap

    def _barcode(self) -> None:
        number = self.card.number
        width = CARD_SIZE_MM[0] - 2 * MARGIN
        try:
            barcode = barcode_image(
                number, dpi=self.dpi, height_mm=BARCODE_BARS, max_width_mm=width, text_pt=BARCODE_TEXT_PT
            )
        except ValueError:
            # Too long for a scannable Code 128 on a card (IDs of 40+ characters): the QR
            # code carries the card; print the number as text for typing it in.
            text_font, lines = _TextBlock(number, "Regular", INK, BARCODE_TEXT_PT, 5.0, 2, True).layout(
                self.px(width), self.dpi
            )
            y = self.px(BARCODE_TOP + BARCODE_BARS / 2) - _block_height(lines, text_font) // 2
            for line in lines:
                self.draw_.text((self.image.width // 2, y), line, font=text_font, fill=INK, anchor="ma")
                y += _line_height(text_font)
            return
        self.image.paste(barcode, ((self.image.width - barcode.width) // 2, self.px(BARCODE_TOP)))


@dataclass(frozen=True)
class _TextBlock:
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
            lines = _wrap(text, text_font, width, break_anywhere=self.break_anywhere)
            fits_height = max_height is None or _block_height(lines, text_font) <= max_height
            if len(lines) <= self.max_lines and fits_height:
                return text_font, lines
            if pt - 0.5 < self.min_pt:
                break
            pt -= 0.5
        room = self.max_lines
        if max_height is not None:
            room = max(1, min(room, max_height // _line_height(text_font)))
        kept = lines[: room - 1]
        rest = text
        for line in kept:  # lines are consecutive pieces of the text, split at spaces or not
            rest = rest[len(line) :].lstrip(" ")
        last = fit_text(rest, text_font, width)
        if not last.endswith(ELLIPSIS):
            last = fit_text(rest + ELLIPSIS, text_font, width)
        return text_font, [*kept, last]


def _wrap(text: str, text_font: ImageFont.FreeTypeFont, width: int, *, break_anywhere: bool = False) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters (with
    ``break_anywhere``, every line is filled up to its width)."""
    lines: list[str] = []
    line = ""
    for word in [text] if break_anywhere else text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while text_font.getlength(line) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and text_font.getlength(line[:cut]) > width:
                cut -= 1
            while cut > 1 and unicodedata.combining(line[cut]):
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def _line_height(text_font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = text_font.getmetrics()
    return ascent + descent


def _block_height(lines: Sequence[str], text_font: ImageFont.FreeTypeFont) -> int:
    return len(lines) * _line_height(text_font)


def _date(value: datetime.date) -> str:
    """Dates as Vietnamese cards print them: 31/08/2027."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


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


# --- header, logo and photo -----------------------------------------------------------


def _logo_key(library) -> tuple[int, str] | None:
    logo = library.logo if library.logo_id else None
    return (logo.pk, logo.file.name) if logo is not None and logo.file else None


@lru_cache(maxsize=16)
def _header(library_name: str, logo_key: tuple[int, str] | None, dpi: int, language: str) -> Image.Image:
    """The header strip (logo, library name, "Reader card" and the rule) in ``language``
    (the active one): the same for every card of a library, so drawn once per batch.
    Callers paste it and never change it."""
    width = mm_to_px(CARD_SIZE_MM[0], dpi)
    height = mm_to_px(HEADER_RULE_Y + HEADER_RULE_MM, dpi) + 1
    header = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(header)
    margin, top, logo_px = mm_to_px(MARGIN, dpi), mm_to_px(HEADER_TOP, dpi), mm_to_px(LOGO_SIZE, dpi)

    logo = _logo(logo_key, logo_px) if logo_key else None
    if logo is None:
        _draw_book(draw, margin, top, logo_px)
    else:
        header.paste(logo, (margin + (logo_px - logo.width) // 2, top + (logo_px - logo.height) // 2))

    left = margin + logo_px + mm_to_px(2.0, dpi)
    text_width = width - margin - left
    rule_y = mm_to_px(HEADER_RULE_Y, dpi)
    title_font = font(pt_to_px(6.0, dpi), weight="SemiBold")
    title_height = _line_height(title_font)
    name_font, name_lines = _TextBlock(library_name, "Bold", ACCENT, 8.0, 5.5, 2).layout(
        text_width, dpi, max_height=rule_y - top - title_height - mm_to_px(0.6, dpi)
    )
    block = _block_height(name_lines, name_font) + title_height
    y = top + max(0, (logo_px - block) // 2)
    for line in name_lines:
        draw.text((left, y), line, font=name_font, fill=ACCENT, anchor="la")
        y += _line_height(name_font)
    draw.text((left, y), gettext("READER CARD"), font=title_font, fill=MUTED, anchor="la")
    draw.rectangle(
        [margin, rule_y, width - margin - 1, rule_y + max(1, mm_to_px(HEADER_RULE_MM, dpi)) - 1], fill=ACCENT
    )
    return header


def _logo(logo_key: tuple[int, str], size_px: int) -> Image.Image | None:
    from wagtail.images import get_image_model

    pk, _name = logo_key
    try:
        logo = get_image_model().objects.get(pk=pk)
        with logo.file.open("rb") as handle, Image.open(handle) as opened:
            opened.draft("RGB", (size_px * 2, size_px * 2))
            image = ImageOps.exif_transpose(opened)
            image.load()
    except Exception:  # a missing or broken logo must not stop the printing of cards
        logger.warning("Library logo %s could not be read; drawing the placeholder.", pk, exc_info=True)
        return None
    image = _on_white(image)
    image.thumbnail((size_px, size_px), Image.Resampling.LANCZOS)
    return image


def _draw_book(draw: ImageDraw.ImageDraw, left: int, top: int, size: int) -> None:
    """The placeholder logo: an open book in a circle, in the accent colour."""
    stroke = max(2, size // 24)
    draw.ellipse([left, top, left + size - 1, top + size - 1], outline=ACCENT, width=stroke)
    cx, cy = left + size / 2, top + size / 2
    w, h = size * 0.26, size * 0.2
    for side in (-1, 1):
        outer = cx + side * w
        page = [(cx, cy - h * 0.75), (outer, cy - h), (outer, cy + h * 0.8), (cx, cy + h * 1.05)]
        draw.polygon(page, outline=ACCENT, width=stroke)


def _reader_photo(reader, size: tuple[int, int]) -> Image.Image | None:
    """The reader's photo cropped to ``size`` (a little above centre, where faces are);
    ``None`` without a photo or when it cannot be read."""
    if not reader.photo:
        return None
    try:
        with reader.photo.open("rb") as handle, Image.open(handle) as opened:
            # JPEG: decode at a reduced scale that is still large enough either way up.
            opened.draft("RGB", (max(size), max(size)))
            image = ImageOps.exif_transpose(opened)
            return _fit(_on_white(image), size)
    except Exception:  # a missing or broken photo must not stop the printing of cards
        logger.warning("Photo of reader %s could not be read; drawing the silhouette.", reader.pk, exc_info=True)
        return None


def _fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` cropped to the aspect ratio of ``size`` and resized to it."""
    width, height = image.size
    target = size[0] / size[1]
    if width / height > target:  # too wide: keep the middle
        crop_width = height * target
        left = (width - crop_width) / 2
        box = (left, 0, left + crop_width, height)
    else:  # too tall: keep the upper part, where the face is
        crop_height = width / target
        top = (height - crop_height) * 0.35
        box = (0, top, width, top + crop_height)
    return image.resize(size, Image.Resampling.BICUBIC, box=box, reducing_gap=2.0)


def _on_white(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        ground = Image.new("RGBA", rgba.size, WHITE + (255,))
        ground.alpha_composite(rgba)
        return ground.convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


@lru_cache(maxsize=4)
def _silhouette(size: tuple[int, int]) -> Image.Image:
    """The placeholder photo: a light head-and-shoulders figure."""
    width, height = size
    image = Image.new("RGB", size, PHOTO_GROUND)
    draw = ImageDraw.Draw(image)
    radius = width * 0.21
    cx, cy = width / 2, height * 0.38
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=PHOTO_FIGURE)
    draw.ellipse([width * 0.12, height * 0.66, width * 0.88, height * 1.3], fill=PHOTO_FIGURE)
    return image


# --- the A4 sheet ---------------------------------------------------------------------


def card_positions(dpi: int = DPI) -> list[tuple[int, int]]:
    """The top-left corner of each card on an A4 page, in pixels, row by row."""
    grid_width = COLUMNS * CARD_SIZE_MM[0] + (COLUMNS - 1) * GAP_X
    grid_height = ROWS * CARD_SIZE_MM[1] + (ROWS - 1) * GAP_Y
    left0, top0 = (A4_MM[0] - grid_width) / 2, (A4_MM[1] - grid_height) / 2
    return [
        (
            mm_to_px(left0 + column * (CARD_SIZE_MM[0] + GAP_X), dpi),
            mm_to_px(top0 + row * (CARD_SIZE_MM[1] + GAP_Y), dpi),
        )
        for row in range(ROWS)
        for column in range(COLUMNS)
    ]


@dataclass
class _Page:
    image: Image.Image
    photos: list[tuple[Image.Image, tuple[int, int]]] = field(default_factory=list)  # (photo, (left, top))


def _draw_page(cards: Sequence[Card]) -> _Page:
    page = _Page(Image.new("RGB", (mm_to_px(A4_MM[0], DPI), mm_to_px(A4_MM[1], DPI)), WHITE))
    draw = ImageDraw.Draw(page.image)
    for index, (card, (left, top)) in enumerate(zip(cards, card_positions(DPI), strict=False)):
        drawing = _card_drawing(card, dpi=DPI, with_photo=False)
        page.image.paste(drawing.image, (left, top))
        neighbours = _neighbours(index, len(cards))
        _cut_marks(draw, left, top, left + drawing.image.width, top + drawing.image.height, neighbours)
        if drawing.photo is not None:
            page.photos.append((drawing.photo, (left + drawing.photo_box[0], top + drawing.photo_box[1])))
        drawing.image.close()
    return page


def _neighbours(index: int, count: int) -> dict[str, bool]:
    """Which sides of the ``index``-th of ``count`` pieces on a page touch another."""
    row, column = divmod(index, COLUMNS)
    return {
        "above": row > 0,
        "below": index + COLUMNS < count,
        "left": column > 0,
        "right": column < COLUMNS - 1 and index + 1 < count,
    }


def _encode_page(page: _Page) -> tuple[tuple[int, int], bytes, list[tuple[tuple[int, int, int, int], bytes]]]:
    """The page raster compressed (Flate) and each photo as a JPEG with its box in pixels;
    run in the helper thread."""
    raster = zlib.compress(page.image.tobytes(), ZLIB_LEVEL)
    photos = []
    for photo, (left, top) in page.photos:
        buffer = io.BytesIO()
        photo.save(buffer, format="JPEG", quality=PHOTO_JPEG_QUALITY)
        photos.append(((left, top, photo.width, photo.height), buffer.getvalue()))
    size = page.image.size
    page.image.close()
    return size, raster, photos


def _cut_marks(
    draw: ImageDraw.ImageDraw, left: int, top: int, right: int, bottom: int, neighbours: dict[str, bool]
) -> None:
    """Short lines continuing each card edge outwards from its corners, in the gutters
    and margins only (never on a card), so a cut along them leaves no line on the card.
    Towards a neighbouring card the marks stop before the middle of the gutter."""

    def length(side: str, gap_mm: float) -> int:
        room = gap_mm / 2 - CUT_MARK_OFFSET - 0.25 if neighbours[side] else CUT_MARK_LENGTH
        return mm_to_px(min(CUT_MARK_LENGTH, room), DPI)

    offset, stroke = mm_to_px(CUT_MARK_OFFSET, DPI), max(1, mm_to_px(CUT_MARK_WIDTH, DPI))
    to_left, to_right = length("left", GAP_X), length("right", GAP_X)
    up, down = length("above", GAP_Y), length("below", GAP_Y)
    for y in (top, bottom - stroke):  # horizontal marks continue the top and bottom edges
        draw.rectangle([left - offset - to_left, y, left - offset - 1, y + stroke - 1], fill=INK)
        draw.rectangle([right + offset, y, right + offset + to_right - 1, y + stroke - 1], fill=INK)
    for x in (left, right - stroke):  # vertical marks continue the left and right edges
        draw.rectangle([x, top - offset - up, x + stroke - 1, top - offset - 1], fill=INK)
        draw.rectangle([x, bottom + offset, x + stroke - 1, bottom + offset + down - 1], fill=INK)


class _PdfWriter:
    """A minimal PDF writer: each A4 page is a full-page image with photos over it,
    written as it comes (Pillow's PDF writer wants every page before it starts)."""

    def __init__(self, out: BinaryIO, *, title: str):
        self.out = out
        self.position = 0
        self.offsets: dict[int, int] = {}
        self.page_ids: list[int] = []
        self.next_id = 4  # 1 catalog, 2 page tree, 3 document info
        self.title = title
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R >>")

    @property
    def page_count(self) -> int:
        return len(self.page_ids)

    def add_page(
        self, size: tuple[int, int], raster: bytes, photos: Sequence[tuple[tuple[int, int, int, int], bytes]]
    ) -> None:
        """A page: ``raster`` (Flate-compressed RGB of ``size`` pixels) over the whole A4
        page, then each photo (JPEG) at its (left, top, width, height) in those pixels."""
        width_px, height_px = size
        width_pt, height_pt = (mm / 25.4 * 72 for mm in A4_MM)
        x_scale, y_scale = width_pt / width_px, height_pt / height_px
        raster_id = self._image(width_px, height_px, b"/FlateDecode", raster)
        names = [(b"/Im0", raster_id)]
        draw = [b"q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q" % (width_pt, height_pt)]
        for index, ((left, top, width, height), jpeg) in enumerate(photos, start=1):
            name = b"/Im%d" % index
            names.append((name, self._image(width, height, b"/DCTDecode", jpeg)))
            x, y = left * x_scale, height_pt - (top + height) * y_scale
            draw.append(b"q %.4f 0 0 %.4f %.4f %.4f cm %s Do Q" % (width * x_scale, height * y_scale, x, y, name))
        contents = b"\n".join(draw)
        contents_id = self._new_id()
        self._object(contents_id, b"<< /Length %d >>" % len(contents), stream=contents)
        resources = b" ".join(b"%s %d 0 R" % (name, object_id) for name, object_id in names)
        page_id = self._new_id()
        self._object(
            page_id,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] /Resources << /XObject << %s >> >>"
            b" /Contents %d 0 R >>" % (width_pt, height_pt, resources, contents_id),
        )
        self.page_ids.append(page_id)

    def _image(self, width: int, height: int, codec: bytes, data: bytes) -> int:
        image_id = self._new_id()
        self._object(
            image_id,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter %s /Length %d >>" % (width, height, codec, len(data)),
            stream=data,
        )
        return image_id

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % page_id for page_id in self.page_ids)
        self._object(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.page_ids)))
        title = ("\ufeff" + self.title).encode("utf-16-be").hex().upper().encode()
        self._object(3, b"<< /Title <%s> /Producer (lending.card_render) >>" % title)
        xref_at = self.position
        size = self.next_id
        lines = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % self.offsets[number] for number in range(1, size)]
        self._write(b"".join(lines))
        self._write(b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at))

    def _object(self, number: int, dictionary: bytes, *, stream: bytes | None = None) -> None:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n" % number + dictionary)
        if stream is not None:
            self._write(b"\nstream\n")
            self._write(stream)
            self._write(b"\nendstream")
        self._write(b"\nendobj\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)


# --- activation slips -----------------------------------------------------------------


@dataclass(frozen=True)
class ActivationSlip:
    """What one slip says: who it is for, the ID they type and their one-time code."""

    library_name: str
    full_name: str
    class_name: str
    display_id: str
    code: str
    sign_in_url: str
    valid_until: datetime.date


def activation_slips_pdf_write(slips: Sequence[ActivationSlip], out: BinaryIO) -> int:
    """An A4 PDF of activation slips, card-sized, 10 a page with cut marks, for the
    librarian to hand out; returns the number of pages. In the site's language, like
    the cards."""
    if not slips:
        raise ValueError("No activation slips to print.")
    with translation.override(settings.LANGUAGE_CODE):
        writer = _PdfWriter(out, title=gettext("Activation slips"))
    _slip_pages(writer, slips)
    writer.close()
    return writer.page_count


def _slip_pages(writer: "_PdfWriter", slips: Sequence[ActivationSlip]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        for start in range(0, len(slips), CARDS_PER_PAGE):
            page = _Page(Image.new("RGB", (mm_to_px(A4_MM[0], DPI), mm_to_px(A4_MM[1], DPI)), WHITE))
            draw = ImageDraw.Draw(page.image)
            batch = slips[start : start + CARDS_PER_PAGE]
            for index, (slip, (left, top)) in enumerate(zip(batch, card_positions(DPI), strict=False)):
                image = _activation_slip_image(slip)
                page.image.paste(image, (left, top))
                _cut_marks(draw, left, top, left + image.width, top + image.height, _neighbours(index, len(batch)))
                image.close()
            writer.add_page(*_encode_page(page))


def _activation_slip_image(slip: ActivationSlip) -> Image.Image:
    def px(mm: float) -> int:
        return mm_to_px(mm, DPI)

    image = Image.new("RGB", (px(CARD_SIZE_MM[0]), px(CARD_SIZE_MM[1])), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, image.width - 1, image.height - 1], outline=PHOTO_FRAME, width=max(1, px(0.2)))
    left, width = px(MARGIN), px(CARD_SIZE_MM[0] - 2 * MARGIN)
    who = slip.full_name if not slip.class_name else f"{slip.full_name} · {slip.class_name}"
    blocks = [
        (_TextBlock(slip.library_name, "SemiBold", ACCENT, 6.5, 5.0, 1), 0.6),
        (_TextBlock(gettext("Reader account activation slip"), "Bold", INK, 8.0, 6.0, 1), 1.2),
        (_TextBlock(who, "Bold", INK, 8.5, 6.0, 2), 0.4),
        (_TextBlock(gettext("ID: %(id)s") % {"id": slip.display_id}, "Regular", INK, 7.5, 5.5, 2, True), 1.0),
        (_TextBlock(gettext("Activation code"), "Regular", MUTED, 6.5, 5.5, 1), 0.2),
        (_TextBlock(slip.code, "Bold", INK, 16.0, 10.0, 1), 1.2),
        (
            _TextBlock(
                gettext(
                    "Sign in at %(url)s with your ID and this code, then choose your own password. "
                    "Valid until %(date)s. Keep this slip to yourself."
                )
                % {"url": slip.sign_in_url, "date": _date(slip.valid_until)},
                "Regular",
                MUTED,
                6.0,
                4.5,
                4,
            ),
            0,
        ),
    ]
    y = px(MARGIN)
    for block, gap_mm in blocks:
        text_font, lines = block.layout(width, DPI)
        for line in lines:
            draw.text((left, y), line, font=text_font, fill=block.colour, anchor="la")
            y += _line_height(text_font)
        y += px(gap_mm)
    image.info["dpi"] = (DPI, DPI)
    return image
