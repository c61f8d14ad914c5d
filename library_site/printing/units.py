"""Print units: millimetres and points to device pixels, and the A4 page."""

A4_MM = (210.0, 297.0)
# A4 in PDF points (1/72 inch), as written in a PDF's MediaBox.
A4_PT = (595.28, 841.89)
MM_PER_INCH = 25.4
PT_PER_INCH = 72


def mm_to_px(mm: float, dpi: int) -> int:
    """``mm`` millimetres in whole pixels at ``dpi``."""
    return round(mm * dpi / MM_PER_INCH)


def pt_to_px(pt: float, dpi: int) -> int:
    """``pt`` points (a type size) in whole pixels at ``dpi``, at least one."""
    return max(1, round(pt * dpi / PT_PER_INCH))


def mm_to_pt(mm: float) -> float:
    """``mm`` millimetres in PDF points."""
    return mm / MM_PER_INCH * PT_PER_INCH


def page_px(dpi: int, page_mm: tuple[float, float] = A4_MM) -> tuple[int, int]:
    """The size of a page (A4 by default) in whole pixels at ``dpi``."""
    return mm_to_px(page_mm[0], dpi), mm_to_px(page_mm[1], dpi)
