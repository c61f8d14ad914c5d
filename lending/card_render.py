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
card or page is drawn, so both cores of a small server work; PNGs are written by
``library_site.printing.png`` for the same reason.

This module is the card's (and the slip's) layout only; fonts, text fitting, barcodes
and QR codes, the sheet grid with its cut marks, the PNG encoder and the PDF writer come
from ``library_site.printing``.
"""

import datetime
import io
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from wagtail.images import get_image_model

from PIL import Image, ImageDraw, ImageOps

from lending.card_codes import card_payload
from lending.models import Card
from library_site.printing.barcodes import barcode_image, qr_image
from library_site.printing.fonts import block_height, font, line_height
from library_site.printing.images import cover_crop, on_white
from library_site.printing.pdf import ImagePdfWriter, PdfPage, page_encode
from library_site.printing.png import png_encode
from library_site.printing.sheets import SheetGrid
from library_site.printing.text import TextBlock
from library_site.printing.units import mm_to_px, page_px, pt_to_px

logger = logging.getLogger(__name__)

DPI = 300
CARD_SIZE_MM = (85.6, 54.0)

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

# The A4 sheet: 2 × 5 cards in the middle, with gutters for the cut marks.
SHEET = SheetGrid.centred(columns=2, rows=5, piece_mm=CARD_SIZE_MM, gap_mm=(6.0, 3.0))
PIPELINE_DEPTH = 4  # cards (or pages) drawn ahead of the compressing thread

CARDS_PER_PAGE = SHEET.per_page


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
    writer = ImagePdfWriter(out, title=title, producer=__name__)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="card-pdf") as pool:
        pending: deque[tuple[int, Future]] = deque()

        def write_oldest() -> None:
            done, future = pending.popleft()
            writer.add_page(*future.result())
            if progress:
                progress(done, total)

        for start in range(0, total, CARDS_PER_PAGE):
            page = _draw_page(cards[start : start + CARDS_PER_PAGE])
            pending.append((min(start + CARDS_PER_PAGE, total), pool.submit(page_encode, page)))
            if len(pending) >= 2:
                write_oldest()
        while pending:
            write_oldest()
    if slips:
        _slip_pages(writer, slips)
    writer.close()
    return writer.page_count


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
            TextBlock(group, "Regular", MUTED, 7.0, 5.5, 2),
            TextBlock(gettext("ID: %(id)s") % {"id": self.reader.display_id}, "Regular", INK, 7.0, 5.0, 3, True),
            TextBlock(
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
        below_name = sum(block_height(lines, text_font) for text_font, lines in laid_out) + gap * len(laid_out)
        name_font, name_lines = TextBlock(self.reader.full_name, "Bold", INK, 10.0, 6.5, 3).layout(
            width, self.dpi, max_height=bottom - top - below_name
        )
        y = top
        for text_font, lines, colour in [
            (name_font, name_lines, INK),
            *((f, ls, block.colour) for (f, ls), block in zip(laid_out, smaller, strict=True)),
        ]:
            for line in lines:
                self.draw_.text((left, y), line, font=text_font, fill=colour, anchor="la")
                y += line_height(text_font)
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
            text_font, lines = TextBlock(number, "Regular", INK, BARCODE_TEXT_PT, 5.0, 2, True).layout(
                self.px(width), self.dpi
            )
            y = self.px(BARCODE_TOP + BARCODE_BARS / 2) - block_height(lines, text_font) // 2
            for line in lines:
                self.draw_.text((self.image.width // 2, y), line, font=text_font, fill=INK, anchor="ma")
                y += line_height(text_font)
            return
        self.image.paste(barcode, ((self.image.width - barcode.width) // 2, self.px(BARCODE_TOP)))


def _date(value: datetime.date) -> str:
    """Dates as Vietnamese cards print them: 31/08/2027."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


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
    title_height = line_height(title_font)
    name_font, name_lines = TextBlock(library_name, "Bold", ACCENT, 8.0, 5.5, 2).layout(
        text_width, dpi, max_height=rule_y - top - title_height - mm_to_px(0.6, dpi)
    )
    block = block_height(name_lines, name_font) + title_height
    y = top + max(0, (logo_px - block) // 2)
    for line in name_lines:
        draw.text((left, y), line, font=name_font, fill=ACCENT, anchor="la")
        y += line_height(name_font)
    draw.text((left, y), gettext("READER CARD"), font=title_font, fill=MUTED, anchor="la")
    draw.rectangle(
        [margin, rule_y, width - margin - 1, rule_y + max(1, mm_to_px(HEADER_RULE_MM, dpi)) - 1], fill=ACCENT
    )
    return header


def _logo(logo_key: tuple[int, str], size_px: int) -> Image.Image | None:
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
    image = on_white(image)
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
            return cover_crop(on_white(image), size)
    except Exception:  # a missing or broken photo must not stop the printing of cards
        logger.warning("Photo of reader %s could not be read; drawing the silhouette.", reader.pk, exc_info=True)
        return None


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


def _draw_page(cards: Sequence[Card]) -> PdfPage:
    page = PdfPage(Image.new("RGB", page_px(DPI), WHITE))
    draw = ImageDraw.Draw(page.image)
    for index, (card, (left, top)) in enumerate(zip(cards, SHEET.positions_px(DPI), strict=False)):
        drawing = _card_drawing(card, dpi=DPI, with_photo=False)
        page.image.paste(drawing.image, (left, top))
        box = (left, top, left + drawing.image.width, top + drawing.image.height)
        SHEET.cut_marks(draw, box, index=index, count=len(cards), dpi=DPI, fill=INK)
        if drawing.photo is not None:
            page.photos.append((drawing.photo, (left + drawing.photo_box[0], top + drawing.photo_box[1])))
        drawing.image.close()
    return page


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
        writer = ImagePdfWriter(out, title=gettext("Activation slips"), producer=__name__)
    _slip_pages(writer, slips)
    writer.close()
    return writer.page_count


def _slip_pages(writer: ImagePdfWriter, slips: Sequence[ActivationSlip]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        for batch in SHEET.pages(slips):
            page = PdfPage(Image.new("RGB", page_px(DPI), WHITE))
            draw = ImageDraw.Draw(page.image)
            for index, (slip, (left, top)) in enumerate(zip(batch, SHEET.positions_px(DPI), strict=False)):
                image = _activation_slip_image(slip)
                page.image.paste(image, (left, top))
                box = (left, top, left + image.width, top + image.height)
                SHEET.cut_marks(draw, box, index=index, count=len(batch), dpi=DPI, fill=INK)
                image.close()
            writer.add_page(*page_encode(page))


def _activation_slip_image(slip: ActivationSlip) -> Image.Image:
    def px(mm: float) -> int:
        return mm_to_px(mm, DPI)

    image = Image.new("RGB", (px(CARD_SIZE_MM[0]), px(CARD_SIZE_MM[1])), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, image.width - 1, image.height - 1], outline=PHOTO_FRAME, width=max(1, px(0.2)))
    left, width = px(MARGIN), px(CARD_SIZE_MM[0] - 2 * MARGIN)
    who = slip.full_name if not slip.class_name else f"{slip.full_name} · {slip.class_name}"
    blocks = [
        (TextBlock(slip.library_name, "SemiBold", ACCENT, 6.5, 5.0, 1), 0.6),
        (TextBlock(gettext("Reader account activation slip"), "Bold", INK, 8.0, 6.0, 1), 1.2),
        (TextBlock(who, "Bold", INK, 8.5, 6.0, 2), 0.4),
        (TextBlock(gettext("ID: %(id)s") % {"id": slip.display_id}, "Regular", INK, 7.5, 5.5, 2, True), 1.0),
        (TextBlock(gettext("Activation code"), "Regular", MUTED, 6.5, 5.5, 1), 0.2),
        (TextBlock(slip.code, "Bold", INK, 16.0, 10.0, 1), 1.2),
        (
            TextBlock(
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
            y += line_height(text_font)
        y += px(gap_mm)
    image.info["dpi"] = (DPI, DPI)
    return image
