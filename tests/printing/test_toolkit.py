"""The app-neutral printing toolkit (``library_site.printing``); labels and cards test
what is drawn with it (tests/catalog/test_labels.py, tests/lending/test_card_render.py)."""

import ast
import io
from pathlib import Path

from PIL import Image

from library_site import printing
from library_site.printing.fonts import font
from library_site.printing.png import png_encode
from library_site.printing.sheets import SheetGrid
from library_site.printing.text import ELLIPSIS, TextBlock, wrap_words
from library_site.printing.units import A4_MM, mm_to_px

APPS = {"catalog", "lending", "search", "community_courses"}


def test_the_toolkit_imports_no_app():
    for path in Path(printing.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {name.split(".")[0] for name in names} & APPS, f"{path.name} imports {names}"


def test_words_wrap_at_spaces_and_a_long_word_breaks_between_letters():
    assert wrap_words("", len, 10) == []
    assert wrap_words("aa bb cc", len, 5) == ["aa bb", "cc"]
    assert wrap_words("abcdefghij kl", len, 4) == ["abcd", "efgh", "ij", "kl"]
    assert wrap_words("ab cd", len, 3, break_anywhere=True) == ["ab ", "cd"]


def test_a_broken_word_never_starts_a_line_with_a_combining_mark():
    word = "abc\u0301def"  # c + combining acute: a line may not start with the mark
    lines = wrap_words(word, len, 3)
    assert "".join(lines) == word
    assert all(not line.startswith("\u0301") for line in lines)


def test_a_text_block_shrinks_then_ends_with_an_ellipsis():
    width = mm_to_px(20, 300)
    text_font, lines = TextBlock("Trần Minh Anh", "Bold", (0, 0, 0), 10.0, 6.0, 1).layout(width, 300)
    assert lines == ["Trần Minh Anh"]
    small_font, lines = TextBlock("Nguyễn " * 20, "Regular", (0, 0, 0), 8.0, 6.0, 2).layout(width, 300)
    assert small_font.size <= text_font.size
    assert len(lines) == 2
    assert lines[-1].endswith(ELLIPSIS)
    assert all(small_font.getlength(line) <= width for line in lines)


def test_a_grid_cuts_items_into_pages_after_skipped_places():
    grid = SheetGrid(columns=3, rows=2, piece_mm=(60, 30), gap_mm=(2, 0), origin_mm=(5, 10))
    assert grid.pages(list("abcde"), skip=2) == [[None, None, "a", "b", "c", "d"], ["e"]]
    assert grid.position_mm(4) == (5 + 62, 10 + 30)
    assert grid.neighbours(1, 5) == {"above": False, "below": True, "left": True, "right": True}
    assert grid.neighbours(2, 5) == {"above": False, "below": False, "left": True, "right": False}


def test_a_centred_grid_sits_in_the_middle_of_the_page():
    grid = SheetGrid.centred(columns=2, rows=5, piece_mm=(85.6, 54.0), gap_mm=(6.0, 3.0))
    left, top = grid.position_mm(0)
    right, bottom = grid.position_mm(grid.per_page - 1)
    assert abs(left - (A4_MM[0] - right - 85.6)) < 1e-9
    assert abs(top - (A4_MM[1] - bottom - 54.0)) < 1e-9


def test_the_png_encoder_keeps_pixels_and_resolution():
    image = Image.new("RGB", (30, 20), (255, 255, 255))
    image.paste((11, 79, 124), (5, 5, 25, 15))
    with Image.open(io.BytesIO(png_encode(image, dpi=300))) as decoded:
        assert decoded.mode == "RGB"
        assert decoded.tobytes() == image.tobytes()
        assert round(decoded.info["dpi"][0]) == 300


def test_fonts_are_cached():
    assert font(40, weight="Bold") is font(40, weight="Bold")
