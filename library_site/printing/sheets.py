"""Pieces (cards, slips, labels) laid out in a grid on a page, and cut marks around them.

Positions are worked out in millimetres and rounded to pixels only at the end, so every
piece lands on the same spot whatever the resolution."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from PIL import ImageDraw

from library_site.printing.units import A4_MM, mm_to_px

T = TypeVar("T")

# Cut marks: short lines continuing each edge of a piece, this far from its corner.
CUT_MARK_OFFSET_MM = 0.5
CUT_MARK_LENGTH_MM = 3.0
CUT_MARK_WIDTH_MM = 0.17


@dataclass(frozen=True)
class SheetGrid:
    """``columns`` × ``rows`` pieces of ``piece_mm`` (width, height) with ``gap_mm``
    between them, the first one's top-left corner at ``origin_mm`` on the page."""

    columns: int
    rows: int
    piece_mm: tuple[float, float]
    gap_mm: tuple[float, float] = (0.0, 0.0)
    origin_mm: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def centred(
        cls,
        *,
        columns: int,
        rows: int,
        piece_mm: tuple[float, float],
        gap_mm: tuple[float, float],
        page_mm: tuple[float, float] = A4_MM,
    ) -> "SheetGrid":
        """The grid in the middle of a page (A4 by default)."""
        grid_width = columns * piece_mm[0] + (columns - 1) * gap_mm[0]
        grid_height = rows * piece_mm[1] + (rows - 1) * gap_mm[1]
        origin = ((page_mm[0] - grid_width) / 2, (page_mm[1] - grid_height) / 2)
        return cls(columns=columns, rows=rows, piece_mm=piece_mm, gap_mm=gap_mm, origin_mm=origin)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def position_mm(self, index: int) -> tuple[float, float]:
        """The top-left corner of the ``index``-th piece of a page, in millimetres."""
        row, column = divmod(index, self.columns)
        return (
            self.origin_mm[0] + column * (self.piece_mm[0] + self.gap_mm[0]),
            self.origin_mm[1] + row * (self.piece_mm[1] + self.gap_mm[1]),
        )

    def positions_px(self, dpi: int) -> list[tuple[int, int]]:
        """The top-left corner of each piece of a page in pixels at ``dpi``, row by row."""
        return [
            (mm_to_px(left, dpi), mm_to_px(top, dpi))
            for left, top in (self.position_mm(index) for index in range(self.per_page))
        ]

    def pages(self, items: Sequence[T], *, skip: int = 0) -> list[list[T | None]]:
        """``items`` cut into pages of ``per_page``, after ``skip`` empty places (``None``)
        at the start of the first page (a partly used sheet of labels)."""
        slots: list[T | None] = [None] * skip + list(items)
        return [slots[start : start + self.per_page] for start in range(0, len(slots), self.per_page)]

    def neighbours(self, index: int, count: int) -> dict[str, bool]:
        """Which sides of the ``index``-th of ``count`` pieces on a page touch another."""
        row, column = divmod(index, self.columns)
        return {
            "above": row > 0,
            "below": index + self.columns < count,
            "left": column > 0,
            "right": column < self.columns - 1 and index + 1 < count,
        }

    def cut_marks(
        self,
        draw: ImageDraw.ImageDraw,
        box: tuple[int, int, int, int],
        *,
        index: int,
        count: int,
        dpi: int,
        fill,
    ) -> None:
        """Cut marks around the ``index``-th of ``count`` pieces, drawn at ``box`` (left,
        top, right, bottom in pixels): short lines continuing each edge outwards from
        its corners, in the gutters and margins only (never on a piece), so a cut along
        them leaves no line on the piece. Towards a neighbouring piece the marks stop
        before the middle of the gutter."""
        left, top, right, bottom = box
        neighbours = self.neighbours(index, count)

        def length(side: str, gap_mm: float) -> int:
            room = gap_mm / 2 - CUT_MARK_OFFSET_MM - 0.25 if neighbours[side] else CUT_MARK_LENGTH_MM
            return mm_to_px(min(CUT_MARK_LENGTH_MM, room), dpi)

        offset, stroke = mm_to_px(CUT_MARK_OFFSET_MM, dpi), max(1, mm_to_px(CUT_MARK_WIDTH_MM, dpi))
        to_left, to_right = length("left", self.gap_mm[0]), length("right", self.gap_mm[0])
        up, down = length("above", self.gap_mm[1]), length("below", self.gap_mm[1])
        for y in (top, bottom - stroke):  # horizontal marks continue the top and bottom edges
            draw.rectangle([left - offset - to_left, y, left - offset - 1, y + stroke - 1], fill=fill)
            draw.rectangle([right + offset, y, right + offset + to_right - 1, y + stroke - 1], fill=fill)
        for x in (left, right - stroke):  # vertical marks continue the left and right edges
            draw.rectangle([x, top - offset - up, x + stroke - 1, top - offset - 1], fill=fill)
            draw.rectangle([x, bottom + offset, x + stroke - 1, bottom + offset + down - 1], fill=fill)
