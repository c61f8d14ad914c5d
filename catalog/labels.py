"""Spine and barcode labels for copies, printed on A4 sticker sheets.

Each label carries the library's short name, the record title (cut to fit), the call
number and the copy's Code 128 barcode with its human-readable text. Pages are drawn with
Pillow at 300 dpi in pure black and white using the bundled Be Vietnam Pro font, so
Vietnamese renders correctly and the output is the same on every machine, and saved as a
multi-page PDF (CCITT Group 4 compression: lossless, a few kilobytes a page), one page
at a time (``library_site.printing.pdf.bilevel_pdf``).

The two layouts match common sticker paper (the sizes are printed in the admin so the
librarian can pick the matching sheets); print at "actual size", not "fit to page".
This module is the label's layout only; fonts, text fitting, barcodes, the sheet grid
and the PDF come from ``library_site.printing``.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from PIL import Image, ImageDraw, ImageFont

from catalog.models import Copy
from library_site.printing.barcodes import barcode_image
from library_site.printing.fonts import font, line_height
from library_site.printing.pdf import bilevel_pdf
from library_site.printing.sheets import SheetGrid
from library_site.printing.text import fit_text, wrap_text
from library_site.printing.units import mm_to_px, page_px, pt_to_px

DPI = 300


@dataclass(frozen=True)
class LabelLayout:
    """Where the labels sit on an A4 sheet, in millimetres, and the type sizes in points."""

    key: str
    name: str | Promise
    columns: int
    rows: int
    label_width_mm: float
    label_height_mm: float
    margin_top_mm: float
    margin_left_mm: float
    gap_x_mm: float
    gap_y_mm: float
    padding_x_mm: float
    padding_y_mm: float
    library_pt: float
    title_pt: float
    title_lines: int
    call_number_pt: float
    barcode_text_pt: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def grid(self) -> SheetGrid:
        return SheetGrid(
            columns=self.columns,
            rows=self.rows,
            piece_mm=(self.label_width_mm, self.label_height_mm),
            gap_mm=(self.gap_x_mm, self.gap_y_mm),
            origin_mm=(self.margin_left_mm, self.margin_top_mm),
        )

    @property
    def size_text(self) -> str:
        """E.g. "63.5 × 33.9 mm"."""
        return f"{self.label_width_mm:g} × {self.label_height_mm:g} mm"

    def __str__(self) -> str:
        return str(self.name)


LABEL_LAYOUTS: dict[str, LabelLayout] = {
    # Avery L7159 and compatible sheets: 3 columns × 8 rows, 63.5 × 33.9 mm.
    "3x8": LabelLayout(
        key="3x8",
        name=_("24 labels a sheet (3 × 8), each 63.5 × 33.9 mm"),
        columns=3,
        rows=8,
        label_width_mm=63.5,
        label_height_mm=33.9,
        margin_top_mm=12.9,
        margin_left_mm=7.25,
        gap_x_mm=2.5,
        gap_y_mm=0.0,
        padding_x_mm=2.5,
        padding_y_mm=2.0,
        library_pt=7,
        title_pt=8,
        title_lines=2,
        call_number_pt=9,
        barcode_text_pt=8,
    ),
    # Avery L7654 and compatible sheets: 4 columns × 10 rows, 45.7 × 25.4 mm.
    "4x10": LabelLayout(
        key="4x10",
        name=_("40 labels a sheet (4 × 10), each 45.7 × 25.4 mm"),
        columns=4,
        rows=10,
        label_width_mm=45.7,
        label_height_mm=25.4,
        margin_top_mm=21.5,
        margin_left_mm=9.7,
        gap_x_mm=2.6,
        gap_y_mm=0.0,
        padding_x_mm=1.8,
        padding_y_mm=1.5,
        library_pt=6,
        title_pt=7,
        title_lines=1,
        call_number_pt=8,
        barcode_text_pt=7,
    ),
}


def labels_pdf(*, copies: Sequence[Copy], layout: str = "3x8", skip: int = 0) -> bytes:
    """An A4 PDF of labels for ``copies``, in the given order, ``LABEL_LAYOUTS[layout]``.

    ``skip`` leaves that many positions empty at the start of the first sheet, so a
    partly used sheet can go through the printer again. Pages: ceil((skip + n) / per page).
    Raises ``ValueError`` for an empty selection, an unknown layout or a barcode that
    cannot be printed.
    """
    if layout not in LABEL_LAYOUTS:
        raise ValueError(f"Unknown label layout {layout!r}; choose one of {', '.join(LABEL_LAYOUTS)}.")
    if not copies:
        raise ValueError("No copies selected: choose at least one copy to print labels for.")
    spec = LABEL_LAYOUTS[layout]
    if not 0 <= skip < spec.per_page:
        raise ValueError(f"skip must be between 0 and {spec.per_page - 1}.")

    pages = spec.grid.pages(copies, skip=skip)
    return bilevel_pdf((_draw_page(spec, page) for page in pages), dpi=DPI, title=gettext("Copy labels"))


def _draw_page(spec: LabelLayout, slots: Sequence[Copy | None]) -> Image.Image:
    page = Image.new("1", page_px(DPI), 1)
    draw = ImageDraw.Draw(page)
    for index, copy in enumerate(slots):
        if copy is None:
            continue
        left_mm, top_mm = spec.grid.position_mm(index)
        _draw_label(page, draw, spec, copy, left_mm=left_mm, top_mm=top_mm)
    return page


def _draw_label(
    page: Image.Image, draw: ImageDraw.ImageDraw, spec: LabelLayout, copy: Copy, *, left_mm: float, top_mm: float
) -> None:
    left = mm_to_px(left_mm + spec.padding_x_mm, DPI)
    top = mm_to_px(top_mm + spec.padding_y_mm, DPI)
    width = mm_to_px(spec.label_width_mm - 2 * spec.padding_x_mm, DPI)
    bottom = mm_to_px(top_mm + spec.label_height_mm - spec.padding_y_mm, DPI)

    y = top
    lines: list[tuple[str, ImageFont.FreeTypeFont]] = []
    library_font = font(pt_to_px(spec.library_pt, DPI), weight="SemiBold")
    lines.append((fit_text(copy.library.short_name, library_font, width), library_font))
    title_font = font(pt_to_px(spec.title_pt, DPI))
    lines.extend((line, title_font) for line in wrap_text(copy.record.title, title_font, width, spec.title_lines))
    if copy.call_number:
        call_font = font(pt_to_px(spec.call_number_pt, DPI), weight="Bold")
        lines.append((fit_text(copy.call_number, call_font, width), call_font))
    for text, text_font in lines:
        draw.text((left, y), text, font=text_font, fill=0, anchor="la")
        y += line_height(text_font)

    # The barcode takes the rest of the label: bars, then the human-readable text.
    text_font = font(pt_to_px(spec.barcode_text_pt, DPI))
    text_block = round(text_font.size * 0.25) + line_height(text_font)
    y += round(text_font.size * 0.2)
    bars_px = bottom - y - text_block
    if bars_px < mm_to_px(4, DPI):
        raise ValueError(f"Label layout {spec.key} leaves too little room for a barcode.")
    barcode = barcode_image(
        copy.barcode,
        dpi=DPI,
        height_mm=bars_px * 25.4 / DPI,
        max_width_mm=spec.label_width_mm - 2 * spec.padding_x_mm,
        text_pt=spec.barcode_text_pt,
    )
    page.paste(barcode, (left + (width - barcode.width) // 2, y))
