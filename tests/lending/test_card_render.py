import datetime
import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile

from wagtail.images.models import Image as WagtailImage

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageChops

from lending.card_codes import card_payload
from lending.card_render import CARD_SIZE_MM, card_image, card_png, cards_pdf
from lending.models import Card
from lending.services.cards import card_issue
from lending.services.scan import card_scan
from library_site.demo.images import draw_logo
from tests.factories.lending import MembershipFactory, ReaderFactory
from tests.factories.libraries import LibraryFactory

A4_POINTS = (595, 842)
CARD_PX = (1011, 638)
MM = 300 / 25.4
# Regions of a 300 dpi card, in pixels (see the layout constants of lending.card_render).
NAME_BAND = (int(24.6 * MM), int(14.6 * MM), int(60.6 * MM), int(19.5 * MM))
PHOTO_BOX = (int(3.5 * MM), int(15.1 * MM), int(21.5 * MM), int(39.4 * MM))
LOGO_BOX = (int(3 * MM), int(2.4 * MM), int(11.6 * MM), int(11 * MM))


def unsaved_card(*, full_name="Trần Minh Anh", id_number="7900012345", issuer="moet", serial=1, library=None) -> Card:
    """A card drawn without the database (as in a preview)."""
    library = library or LibraryFactory.build(name="Thư viện Trường THCS Cầu Kiệu", code="thcs-cau-kieu")
    reader = ReaderFactory.build(full_name=full_name, id_number=id_number, id_issuer=issuer)
    membership = MembershipFactory.build(reader=reader, library=library, class_name="7A3")
    prefix = id_number if issuer == "moet" else f"{issuer}-{id_number}"
    return Card(
        membership=membership,
        reader=reader,
        serial=serial,
        number=f"{prefix}-{serial:02d}".upper(),
        valid_until=datetime.date(2027, 8, 31),
    )


def decode(image, barcode_format) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image, formats=barcode_format)]


def has_ink(image, box) -> bool:
    """Whether anything darker than light grey is drawn in ``box``."""
    return image.crop(box).convert("L").getextrema()[0] < 128


def border_is_blank(image, mm: float = 1.5) -> bool:
    """Nothing is drawn in the outer ``mm`` of the card (where a cut may fall)."""
    edge = round(mm * MM)
    grey = image.convert("L")
    strips = [
        (0, 0, grey.width, edge),
        (0, grey.height - edge, grey.width, grey.height),
        (0, 0, edge, grey.height),
        (grey.width - edge, 0, grey.width, grey.height),
    ]
    return all(grey.crop(strip).getextrema() == (255, 255) for strip in strips)


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def render_page(pdf: bytes, index: int = 0):
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[index]
        image = page.render(scale=300 / 72).to_pil()
        page.close()
        return image
    finally:
        document.close()


def test_a_card_is_cr80_at_300_dpi():
    image = card_image(unsaved_card())

    assert CARD_SIZE_MM == (85.6, 54.0)
    assert image.size == CARD_PX
    assert image.info["dpi"] == (300, 300)
    assert border_is_blank(image)


def test_the_card_png_carries_the_signed_qr_and_the_card_number_barcode(reader, reader_card, library):
    # Given the PNG of a reader's card, as printed or shown on a phone
    printed = Image.open(io.BytesIO(card_png(reader_card)))

    # When both codes on it are scanned
    qr = decode(printed, zxingcpp.BarcodeFormat.QRCode)
    code128 = decode(printed, zxingcpp.BarcodeFormat.Code128)

    # Then the QR is the signed payload that lets the reader in, the barcode the number
    assert printed.size == CARD_PX
    assert printed.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert qr == [card_payload(reader_card)]
    assert card_scan(text=qr[0], library=library, today=datetime.date(2026, 10, 1)).reader == reader
    assert code128 == [reader_card.number]
    assert card_scan(text=code128[0], library=library, today=datetime.date(2026, 10, 1)).reader == reader


def test_a_64_character_id_still_fits_and_round_trips(library):
    # Given a reader with the longest local ID a library can give
    reader = ReaderFactory(id_issuer="thcs-cau-kieu", id_number="HS-" + "7" * 61, full_name="Lê Văn Dài")
    card = card_issue(membership=MembershipFactory(reader=reader, library=library))

    # When the card is drawn and its QR scanned
    image = card_image(card)
    qr = decode(image, zxingcpp.BarcodeFormat.QRCode)

    # Then nothing runs off the card, and the scan finds the reader
    assert border_is_blank(image)
    assert qr == [card_payload(card)]
    assert card_scan(text=qr[0], library=library, today=datetime.date(2026, 10, 1)).reader == reader


def test_a_very_long_name_stays_inside_the_card():
    name = "Tôn Nữ Thị Phương Thảo Nguyễn Hoàng Bảo Ngọc Khánh Linh Huyền Trân"

    image = card_image(unsaved_card(full_name=name))

    assert border_is_blank(image)
    assert decode(image, zxingcpp.BarcodeFormat.QRCode)  # the text kept clear of the QR's quiet zone


def test_vietnamese_names_render_with_their_diacritics():
    # Given two readers whose names differ only by tone marks
    plain = card_image(unsaved_card(full_name="Tran Minh Anh"))
    marked = card_image(unsaved_card(full_name="Trần Mính Ánh"))

    # Then the name is drawn, and the marks show where the name goes
    assert has_ink(marked, NAME_BAND)
    assert ImageChops.difference(plain, marked).crop(NAME_BAND).getbbox() is not None
    # and nowhere else (same layout, same everything)
    outside = ImageChops.difference(plain, marked)
    outside.paste((0, 0, 0), NAME_BAND)
    assert outside.getbbox() is None


def test_the_same_card_draws_the_same_pixels_every_time():
    card = unsaved_card()

    assert ImageChops.difference(card_image(card), card_image(card)).getbbox() is None


def test_a_reader_photo_is_printed_and_a_silhouette_drawn_without_one(reader, reader_card):
    without = card_image(reader_card)
    red = Image.new("RGB", (300, 400), (200, 30, 30))
    buffer = io.BytesIO()
    red.save(buffer, format="JPEG")
    reader.photo.save("anh.jpg", ContentFile(buffer.getvalue()))
    reader_card.refresh_from_db()

    with_photo = card_image(reader_card)

    red_pixel = with_photo.getpixel(((PHOTO_BOX[0] + PHOTO_BOX[2]) // 2, (PHOTO_BOX[1] + PHOTO_BOX[3]) // 2))
    grey_pixel = without.getpixel(((PHOTO_BOX[0] + PHOTO_BOX[2]) // 2, (PHOTO_BOX[1] + PHOTO_BOX[3]) // 2))
    assert red_pixel[0] > 150
    assert red_pixel[1] < 80
    assert max(grey_pixel) - min(grey_pixel) < 30  # a grey figure


def test_a_missing_photo_file_falls_back_to_the_silhouette(reader, reader_card):
    reader.photo.name = "readers/da-xoa.jpg"
    reader.save()
    reader_card.refresh_from_db()

    image = card_image(reader_card)

    assert image.size == CARD_PX


def test_the_library_logo_is_printed_when_there_is_one(library, reader_card):
    placeholder = card_image(reader_card)
    logo = WagtailImage(title="Logo", collection=library.collection)
    logo.file = ImageFile(io.BytesIO(draw_logo(initials="CK", palette=1)), name="logo-ck.png")
    logo.save()
    library.logo = logo
    library.save()
    reader_card.refresh_from_db()

    with_logo = card_image(reader_card)

    difference = ImageChops.difference(placeholder, with_logo)
    assert difference.getbbox() is not None
    box = difference.getbbox()
    assert box[0] >= LOGO_BOX[0] - 2  # only the logo changed
    assert box[2] <= LOGO_BOX[2] + 2
    red = with_logo.crop(LOGO_BOX).getcolors(maxcolors=100_000)
    assert any(r > 100 and g < 60 for _count, (r, g, _b) in red)  # palette 1 is red


@pytest.mark.parametrize(("cards", "pages"), [(1, 1), (10, 1), (11, 2), (25, 3)])
def test_ten_cards_to_an_a4_page(cards, pages):
    pdf = cards_pdf([unsaved_card(id_number=f"79000{n:05d}") for n in range(cards)])

    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == pages
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS


def test_every_card_on_a_printed_page_scans_and_has_cut_marks():
    cards = [unsaved_card(id_number=f"79000{n:05d}") for n in range(12)]
    seen = []

    pdf = cards_pdf(cards, progress=lambda done, total: seen.append((done, total)))
    page = render_page(pdf)

    assert sorted(decode(page, zxingcpp.BarcodeFormat.QRCode)) == sorted(card_payload(c) for c in cards[:10])
    assert sorted(decode(page, zxingcpp.BarcodeFormat.Code128)) == sorted(c.number for c in cards[:10])
    assert seen[-1] == (12, 12)
    # Cut marks: ink in the gutters just outside the first card's top-left corner
    left, top = round(16.4 * MM), round(7.5 * MM)
    assert has_ink(page, (left - 30, top - 2, left - 5, top + 3))  # along the top edge, to the left
    assert has_ink(page, (left - 2, top - 30, left + 3, top - 5))  # along the left edge, above


def test_no_cards_no_pdf():
    with pytest.raises(ValueError, match="No cards"):
        cards_pdf([])


def test_photos_are_placed_on_their_cards_in_the_pdf(reader, reader_card):
    # Given a reader with a red photo, printed on a sheet after another card
    photo = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 30, 30)).save(photo, format="JPEG")
    reader.photo.save("anh.jpg", ContentFile(photo.getvalue()))
    reader_card.refresh_from_db()

    page = render_page(cards_pdf([unsaved_card(id_number="7900099999"), reader_card]))

    # Then the photo is inside the second card's photo box, and the first card has the silhouette
    second_left, top = round((16.4 + 85.6 + 6.0) * MM), round(7.5 * MM)
    middle = ((PHOTO_BOX[0] + PHOTO_BOX[2]) // 2, (PHOTO_BOX[1] + PHOTO_BOX[3]) // 2)
    red = page.getpixel((second_left + middle[0], top + middle[1]))
    grey = page.getpixel((round(16.4 * MM) + middle[0], top + middle[1]))
    assert red[0] > 150
    assert red[1] < 80
    assert max(grey) - min(grey) < 30
