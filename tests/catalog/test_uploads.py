import hashlib
import io
import struct
import wave
import zipfile
import zlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.panels.base import get_form_for_model

import pytest
from PIL import Image, ImageDraw

from catalog.forms import DigitalFileForm, DigitalFileInlinePanel
from catalog.models import DigitalFile, Record
from catalog.uploads import digital_file_inspect

# --- Small real files, made here -------------------------------------------------------


def pdf_bytes(pages: int = 1) -> bytes:
    """A PDF of A5-ish pages, each with a black block and the page number."""
    images = []
    for number in range(1, pages + 1):
        image = Image.new("RGB", (420, 595), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle([40, 40, 200, 300], fill="black")
        draw.text((60, 400), f"Trang {number}", fill="black")
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=72)
    return buffer.getvalue()


def png_bytes(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#0b5c8e").save(buffer, format="PNG")
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def wav_bytes(seconds: float = 2.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return buffer.getvalue()


def epub_bytes() -> bytes:
    return zip_bytes(
        {
            "mimetype": b"application/epub+zip",
            "META-INF/container.xml": b"<container/>",
            "OEBPS/content.opf": b"<package/>",
            "OEBPS/chuong-1.xhtml": "<p>Chương 1</p>".encode(),
        }
    )


def scorm_bytes() -> bytes:
    return zip_bytes({"imsmanifest.xml": b"<manifest/>", "index.html": b"<html></html>", "js/app.js": b""})


def inspect(data: bytes, declared_format: str, name: str):
    return digital_file_inspect(io.BytesIO(data), declared_format=declared_format, name=name)


def refusal(data: bytes, declared_format: str, name: str) -> str:
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            inspect(data, declared_format, name)
        # Lazy messages become text here, so read them while English is active.
        return " ".join(caught.value.messages)


# --- Accepted files -------------------------------------------------------------------


def test_pdf_is_accepted_with_its_pages_size_and_checksum():
    data = pdf_bytes(pages=3)
    upload = io.BytesIO(data)

    facts = digital_file_inspect(upload, declared_format="pdf", name="Đất rừng phương Nam.pdf")

    assert facts.mime_type == "application/pdf"
    assert facts.page_count == 3
    assert facts.size_bytes == len(data)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.duration_seconds is None
    assert upload.tell() == 0  # rewound for saving


def test_wav_is_accepted_with_its_duration():
    facts = inspect(wav_bytes(seconds=2), "audio", "bai-hat.wav")

    assert facts.mime_type == "audio/wav"
    assert facts.duration_seconds == 2


def test_mp3_without_id3_tag_is_recognised_but_has_no_duration():
    frame = b"\xff\xfb\x90\x64" + b"\0" * 413  # an MPEG-1 layer III frame header

    facts = inspect(frame * 3, "audio", "truyen-audio.mp3")

    assert facts.mime_type == "audio/mpeg"
    assert facts.duration_seconds is None


def test_png_is_accepted_as_an_image():
    assert inspect(png_bytes(), "image", "ban-do.png").mime_type == "image/png"


def test_epub_is_a_zip_that_starts_with_its_mimetype():
    assert inspect(epub_bytes(), "epub", "de-men.epub").mime_type == "application/epub+zip"


@pytest.mark.parametrize(
    "entries",
    [
        {"imsmanifest.xml": b"<manifest/>", "sco/index.html": b""},  # SCORM
        {"index.html": b"<html></html>", "assets/a.css": b""},  # plain web package
        {"story.html": b"<html></html>", "story_content/data.js": b""},  # Articulate Storyline
    ],
    ids=["scorm", "index-html", "storyline"],
)
def test_elearning_package_is_accepted(entries):
    assert inspect(zip_bytes(entries), "elearning", "bai-giang.zip").mime_type == "application/zip"


# --- Refused files --------------------------------------------------------------------


def test_png_renamed_pdf_is_refused_naming_what_it_is():
    message = refusal(png_bytes(), "pdf", "de-thi.pdf")

    assert message == "“de-thi.pdf” is really a PNG image, which does not match the format “PDF document”."


def test_pdf_renamed_mp3_is_refused_as_audio():
    message = refusal(pdf_bytes(), "audio", "bai-doc.mp3")

    assert "is really a PDF document" in message
    assert "Audio (MP3, M4A, WAV, OGG)" in message


def test_program_renamed_pdf_is_refused():
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 120 + b"This program cannot be run in DOS mode."

    assert "is really a Windows program (EXE)" in refusal(exe, "pdf", "tai-lieu.pdf")


def test_text_file_is_refused_as_unknown_type():
    assert "a file of unknown type" in refusal("Xin chào".encode(), "pdf", "ghi-chu.pdf")


def test_corrupt_pdf_is_refused():
    data = b"%PDF-1.7\n" + bytes(range(256)) * 20

    assert "could not be opened as a PDF document" in refusal(data, "pdf", "hong.pdf")


def test_oversized_file_is_refused_saying_the_limit_in_mb():
    data = pdf_bytes() + b"\0" * (1024 * 1024)

    with override_settings(CATALOG_MAX_FILE_SIZE=1024 * 1024):
        message = refusal(data, "pdf", "sach-dai.pdf")

    assert message.startswith("“sach-dai.pdf” is 1.0 MB")
    assert message.endswith("a file may be at most 1 MB.")


def test_empty_file_is_refused():
    assert "is empty" in refusal(b"", "pdf", "trong.pdf")


def test_image_with_more_pixels_than_the_setting_allows_is_refused():
    # A 300-byte PNG claiming 5000 × 5000 pixels: 25 megapixels to decode.
    bomb = png_declaring(5000, 5000)

    with override_settings(WAGTAILIMAGES_MAX_IMAGE_PIXELS=1_000_000):
        message = refusal(bomb, "image", "bom.png")

    assert message == "“bom.png” is too large an image (25.0 megapixels); the limit is 1.0 megapixels."


def test_decompression_bomb_beyond_pillows_guard_is_refused():
    assert "too large an image" in refusal(png_declaring(40_000, 40_000), "image", "bom.png")


def test_broken_png_is_refused():
    data = bytearray(png_bytes())
    data[40] ^= 0xFF  # inside the image data: its checksum no longer matches

    assert "could not be read as an image" in refusal(bytes(data), "image", "anh.png")


def test_zip_without_mimetype_is_not_an_epub():
    data = zip_bytes({"OEBPS/content.opf": b"<package/>"})

    assert "is really a ZIP archive" in refusal(data, "epub", "sach.epub")


def test_zip_without_a_start_file_is_not_an_elearning_package():
    message = refusal(zip_bytes({"anh/1.png": png_bytes()}), "elearning", "anh.zip")

    assert "needs imsmanifest.xml (SCORM), index.html or story.html" in message


def test_package_zipped_with_its_folder_is_refused_with_a_hint():
    data = zip_bytes({"bai-1/imsmanifest.xml": b"<manifest/>", "bai-1/index.html": b""})

    message = refusal(data, "elearning", "bai-1.zip")

    assert "bai-1/imsmanifest.xml" in message
    assert "Zip the contents of the package folder" in message


def test_epub_is_not_an_elearning_package():
    assert "is really an EPUB e-book" in refusal(epub_bytes(), "elearning", "sach.zip")


# --- The admin form -------------------------------------------------------------------

FORM_FIELDS = ["label", "format", "file", "url", "page_count", "duration_seconds", "licence_count"]


def digital_file_form(data, files=None, record=None):
    form_class = get_form_for_model(DigitalFile, form_class=DigitalFileForm, fields=FORM_FIELDS)
    return form_class(data=data, files=files or {}, instance=DigitalFile(record=record))


@pytest.mark.django_db
def test_form_stores_the_facts_of_an_uploaded_pdf(record, settings):
    data = pdf_bytes(pages=2)
    form = digital_file_form(
        {"label": "Toàn văn", "format": "pdf"},
        {"file": SimpleUploadedFile("Đất rừng phương Nam.pdf", data, content_type="application/pdf")},
        record=record,
    )

    assert form.is_valid(), form.errors
    saved = form.save()

    saved.refresh_from_db()
    assert (saved.mime_type, saved.size_bytes, saved.page_count) == ("application/pdf", len(data), 2)
    assert saved.sha256 == hashlib.sha256(data).hexdigest()
    # Stored in private storage, outside the public media folder.
    assert saved.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))


@pytest.mark.django_db
def test_form_measured_duration_replaces_a_typed_one():
    form = digital_file_form(
        {"format": "audio", "duration_seconds": "99"},
        {"file": SimpleUploadedFile("doc-truyen.wav", wav_bytes(seconds=3), content_type="audio/wav")},
    )

    assert form.is_valid(), form.errors
    assert form.instance.duration_seconds == 3


@pytest.mark.django_db
def test_form_refuses_a_file_of_the_wrong_type_on_the_file_field():
    form = digital_file_form(
        {"format": "pdf"}, {"file": SimpleUploadedFile("de-thi.pdf", png_bytes(), content_type="application/pdf")}
    )

    with translation.override("en"):
        assert not form.is_valid()
        assert form.errors["file"] == [
            "“de-thi.pdf” is really a PNG image, which does not match the format “PDF document”."
        ]


@pytest.mark.django_db
def test_form_needs_a_file_for_files_and_a_url_for_links():
    with translation.override("en"):
        file_form = digital_file_form({"format": "pdf"})
        link_form = digital_file_form({"format": "link"})

        assert not file_form.is_valid()
        assert file_form.errors["file"] == ["Upload the file for this format."]
        assert not link_form.is_valid()
        assert link_form.errors["url"] == ["Enter the address of the external resource."]


@pytest.mark.django_db
def test_form_accepts_a_link_with_its_url():
    form = digital_file_form({"format": "link", "url": "https://hanhtrangso.nxbgd.vn/sach/toan-7"})

    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_record_editor_checks_uploads_in_the_digital_files_inline(record):
    # Given the record editor with digital files inline
    panel = ObjectList([FieldPanel("title"), DigitalFileInlinePanel("digital_files", panels=FORM_FIELDS_PANELS)])
    form_class = panel.bind_to_model(Record).get_form_class()
    formset_class = form_class.formsets["digital_files"]
    prefix = "digital_files"
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-format": "pdf",
        f"{prefix}-0-label": "Toàn văn",
        f"{prefix}-0-ORDER": "1",
    }
    files = {f"{prefix}-0-file": SimpleUploadedFile("de-thi.pdf", png_bytes(), content_type="application/pdf")}

    # When a librarian uploads a PNG as a PDF
    formset = formset_class(data=data, files=files, instance=record, prefix=prefix)

    # Then the row is refused with the reason
    with translation.override("en"):
        assert not formset.is_valid()
        assert "is really a PNG image" in formset.forms[0].errors["file"][0]


FORM_FIELDS_PANELS = [FieldPanel(name) for name in ("label", "format", "file", "url", "licence_count")]
