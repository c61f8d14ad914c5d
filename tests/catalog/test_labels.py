import io

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from catalog.labels import LABEL_LAYOUTS, labels_pdf
from library_site.printing.fonts import font
from library_site.printing.text import fit_text
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.libraries import LibraryFactory

A4_POINTS = (595, 842)


@pytest.fixture
def library_unsaved():
    return LibraryFactory.build(short_name="THCS Cầu Kiệu")


def build_copies(count: int, library) -> list:
    """Unsaved copies: labels need no database."""
    record = RecordFactory.build(title="Đất rừng phương Nam", library=library)
    return [
        CopyFactory.build(record=record, library=library, barcode=f"CK{n:06d}", call_number="895.922 Đ406")
        for n in range(1, count + 1)
    ]


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def render_page(pdf: bytes, index: int = 0, dpi: int = 300):
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[index]
        image = page.render(scale=dpi / 72).to_pil()
        page.close()
        return image
    finally:
        document.close()


@pytest.mark.parametrize(
    ("layout", "copies", "pages"),
    [
        ("3x8", 1, 1),
        ("3x8", 24, 1),
        ("3x8", 25, 2),
        ("3x8", 80, 4),
        ("4x10", 1, 1),
        ("4x10", 24, 1),
        ("4x10", 25, 1),
        ("4x10", 80, 2),
    ],
)
def test_one_a4_page_per_sheet_of_labels(library_unsaved, layout, copies, pages):
    pdf = labels_pdf(copies=build_copies(copies, library_unsaved), layout=layout)

    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == pages
    first_page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(first_page.mediabox.width)), round(float(first_page.mediabox.height))) == A4_POINTS


@pytest.mark.parametrize("layout", ["3x8", "4x10"])
def test_every_barcode_on_a_printed_page_scans(library_unsaved, layout):
    # Given a full sheet of copies
    per_page = LABEL_LAYOUTS[layout].per_page
    copies = build_copies(per_page + 1, library_unsaved)

    # When the PDF is printed (rendered at the printer's 300 dpi) and scanned
    image = render_page(labels_pdf(copies=copies, layout=layout))
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)

    # Then each label of the first sheet scans as its copy's barcode
    assert sorted(result.text for result in found) == [copy.barcode for copy in copies[:per_page]]


def test_skipped_positions_stay_blank_for_a_partly_used_sheet(library_unsaved):
    copies = build_copies(23, library_unsaved)

    pdf = labels_pdf(copies=copies, layout="3x8", skip=2)

    assert page_count(pdf) == 2  # 2 used + 23 new positions
    first = zxingcpp.read_barcodes(render_page(pdf), formats=zxingcpp.BarcodeFormat.Code128)
    assert sorted(result.text for result in first) == [copy.barcode for copy in copies[:22]]


def test_empty_selection_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="No copies selected"):
        labels_pdf(copies=[], layout="3x8")


def test_unknown_layout_is_refused(library_unsaved):
    with pytest.raises(ValueError, match="Unknown label layout"):
        labels_pdf(copies=build_copies(1, library_unsaved), layout="5x13")


@pytest.mark.parametrize("layout", LABEL_LAYOUTS.values(), ids=LABEL_LAYOUTS.keys())
def test_layouts_fit_on_a4_and_say_their_label_size(layout):
    right = layout.margin_left_mm + layout.columns * layout.label_width_mm + (layout.columns - 1) * layout.gap_x_mm
    bottom = layout.margin_top_mm + layout.rows * layout.label_height_mm + (layout.rows - 1) * layout.gap_y_mm

    assert layout.margin_left_mm > 0
    assert right < 210
    assert layout.margin_top_mm > 0
    assert bottom < 297
    assert f"{layout.label_width_mm:g} × {layout.label_height_mm:g} mm" in str(layout.name)


def test_long_vietnamese_title_is_cut_at_a_word_with_an_ellipsis():
    title = "Tuyển tập truyện ngắn hay nhất của các nhà văn Việt Nam thế kỷ XX"
    title_font = font(33)
    width = 400

    line = fit_text(title, title_font, width)

    assert line.endswith("…")
    assert title_font.getlength(line) <= width
    kept = line.removesuffix("…")
    assert title.startswith(kept)
    assert title[len(kept)] == " "  # cut between words, not inside one
