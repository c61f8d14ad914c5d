"""Covers for digital records, made from the first page of their PDF."""

import io
import os

from django.core.files.images import ImageFile
from django.db import transaction

from wagtail.images.models import Image as WagtailImage
from wagtail.models import Collection

import pypdfium2 as pdfium
from PIL import Image

from catalog.models import DigitalFile, DigitalFormat, Record

# The cover's title in the Wagtail image library ("Cover: <title>"); stored data in the
# catalogue's language, not an interface string.
COVER_TITLE_PREFIX = "Bìa: "
COVER_WIDTH = 600


def pdf_first_page_image(fileobj, *, width: int = COVER_WIDTH) -> Image.Image:
    """The first page of the PDF in ``fileobj`` (a path, bytes or a readable, seekable
    binary file) rendered ``width`` pixels wide on white, as an RGB image. Raises
    ``ValueError`` when the PDF cannot be read or has no pages."""
    if width < 1:
        raise ValueError("width must be at least 1 pixel")
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    try:
        pdf = pdfium.PdfDocument(fileobj)
    except pdfium.PdfiumError as error:
        raise ValueError(f"Cannot open the PDF: {error}") from error
    try:
        if len(pdf) < 1:
            raise ValueError("The PDF has no pages.")
        page = pdf[0]
        try:
            page_width, page_height = page.get_size()  # as displayed, after the page's /Rotate
            # A freak page shape (a long strip) must not make a huge bitmap: at most 3:1.
            scale = min(width / page_width, 3 * width / page_height)
            bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
            image = bitmap.to_pil().convert("RGB")
            bitmap.close()
        finally:
            page.close()
    except pdfium.PdfiumError as error:
        raise ValueError(f"Cannot render the PDF: {error}") from error
    finally:
        pdf.close()
        if hasattr(fileobj, "seek"):
            fileobj.seek(0)
    return image


def record_cover_from_pdf(*, record: Record, digital_file: DigitalFile) -> WagtailImage | None:
    """Give ``record`` a cover made from the first page of ``digital_file`` (a PDF) when it
    has none yet. The image goes into the record's library collection (or the root
    collection) titled "Bìa: <record title>". Returns the new image, or None when the
    record already has a cover or the file is not a readable PDF."""
    if record.cover_id or digital_file.format != DigitalFormat.PDF or not digital_file.file:
        return None
    try:
        with digital_file.file.open("rb") as stored:
            page = pdf_first_page_image(stored)
    except (ValueError, OSError):
        return None

    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=85, optimize=True)
    collection = record.library.collection or Collection.get_first_root_node()
    filename = f"bia-{record.code or record.pk}-{os.path.splitext(os.path.basename(digital_file.file.name))[0]}.jpg"
    with transaction.atomic():
        # Lock the record so two uploads at once do not both give it a cover.
        current = Record.objects.select_for_update().only("cover").get(pk=record.pk)
        if current.cover_id:
            record.cover_id = current.cover_id
            return None
        image = WagtailImage(title=f"{COVER_TITLE_PREFIX}{record.title}"[:255], collection=collection)
        image.file = ImageFile(buffer, name=filename)
        image.save()
        record.cover = image
        record.save(update_fields=["cover", "updated_at"])
    return image
