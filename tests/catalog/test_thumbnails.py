import io

from django.core.files.base import ContentFile

from wagtail.images.models import Image as WagtailImage
from wagtail.models import Collection

import pytest
from PIL import Image, ImageDraw, ImageStat

from catalog.models import DigitalFile, DigitalFormat
from catalog.thumbnails import pdf_first_page_image, record_cover_from_pdf
from tests.catalog.test_uploads import png_bytes, wav_bytes
from tests.factories.catalog import RecordFactory
from tests.factories.libraries import LibraryFactory


def cover_pdf() -> bytes:
    """Two pages: the first has a black left half and a red disc on the right; the second
    is plain blue (it must not be the one used)."""
    first = Image.new("RGB", (400, 600), "white")
    draw = ImageDraw.Draw(first)
    draw.rectangle([0, 0, 199, 599], fill="black")
    draw.ellipse([230, 230, 370, 370], fill="red")
    second = Image.new("RGB", (400, 600), "blue")
    buffer = io.BytesIO()
    first.save(buffer, format="PDF", save_all=True, append_images=[second], resolution=72)
    return buffer.getvalue()


def pdf_file(record, data: bytes | None = None, name: str = "dat-rung-phuong-nam.pdf") -> DigitalFile:
    return DigitalFile.objects.create(
        record=record, format=DigitalFormat.PDF, file=ContentFile(data or cover_pdf(), name=name)
    )


def test_first_page_is_rendered_at_the_requested_width_with_its_content():
    image = pdf_first_page_image(io.BytesIO(cover_pdf()), width=300)

    assert image.size == (300, 450)
    left = ImageStat.Stat(image.crop((0, 0, 150, 450)).convert("L")).mean[0]
    right = ImageStat.Stat(image.crop((150, 0, 300, 450)).convert("L")).mean[0]
    assert left < 10  # the black half
    assert right > 150  # mostly white paper
    assert image.getpixel((225, 225))[:3] == pytest.approx((255, 0, 0), abs=10)  # the red disc, not page 2's blue


def test_unreadable_pdf_gives_a_value_error():
    with pytest.raises(ValueError, match="Cannot open the PDF"):
        pdf_first_page_image(io.BytesIO(b"%PDF-1.7 not really"))


@pytest.mark.django_db
def test_record_without_cover_gets_one_from_its_pdf(record):
    digital_file = pdf_file(record)

    image = record_cover_from_pdf(record=record, digital_file=digital_file)

    record.refresh_from_db()
    assert record.cover == image
    assert image.title == "Bìa: Đất rừng phương Nam"
    assert image.collection == record.library.collection
    assert image.width == 600
    with image.open_file() as stored, Image.open(stored) as picture:
        assert ImageStat.Stat(picture.convert("L")).extrema[0][0] < 20  # not a blank page


@pytest.mark.django_db
def test_record_with_a_cover_keeps_it(record):
    first = record_cover_from_pdf(record=record, digital_file=pdf_file(record))

    second = record_cover_from_pdf(record=record, digital_file=pdf_file(record, name="ban-khac.pdf"))

    record.refresh_from_db()
    assert second is None
    assert record.cover == first
    assert WagtailImage.objects.filter(title__startswith="Bìa: ").count() == 1


@pytest.mark.django_db
def test_cover_goes_to_the_root_collection_when_the_library_has_none():
    record = RecordFactory(library=LibraryFactory(), title="Toán 7 - Tập một")
    assert record.library.collection is None

    image = record_cover_from_pdf(record=record, digital_file=pdf_file(record))

    assert image.collection == Collection.get_first_root_node()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_format", "data", "name"),
    [(DigitalFormat.IMAGE, png_bytes(), "anh.png"), (DigitalFormat.AUDIO, wav_bytes(), "bai-hat.wav")],
)
def test_files_other_than_pdf_make_no_cover(record, file_format, data, name):
    digital_file = DigitalFile.objects.create(record=record, format=file_format, file=ContentFile(data, name=name))

    assert record_cover_from_pdf(record=record, digital_file=digital_file) is None
    record.refresh_from_db()
    assert record.cover is None
