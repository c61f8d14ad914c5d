"""Checks on a digital file before it joins the catalog, and the facts stored with it.

``digital_file_inspect`` refuses a file that is too large, that is not what the chosen
format says (the type is read from the content, not the name: a PDF renamed ``.mp3`` or a
program renamed ``.pdf`` is refused, naming what it really is), or that is damaged; for a
good file it returns its MIME type, size, SHA-256, page count (PDF) and duration (WAV).

Durations are read only where it is cheap without new dependencies: WAV through the
``wave`` module (PCM only). MP3, M4A, OGG, MP4 and WebM durations stay empty; the
librarian may type them in.
"""

import hashlib
import os
import warnings
import wave
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import filetype
import pypdfium2 as pdfium
from PIL import Image

from catalog.models import DigitalFormat

HEAD_BYTES = 8192
CHUNK_BYTES = 1024 * 1024
MEGABYTE = 1024 * 1024

# What each DigitalFormat accepts, by the type detected from the content.
ACCEPTED_TYPES: dict[str, set[str]] = {
    "pdf": {"application/pdf"},
    "epub": {"application/epub+zip"},
    "audio": {"audio/mpeg", "audio/mp4", "audio/wav", "audio/ogg"},
    "video": {"video/mp4", "video/webm"},
    "image": {"image/jpeg", "image/png", "image/webp", "image/gif"},
    "elearning": {"application/zip"},
}

# Same type, several names: store one.
CANONICAL_TYPES = {
    "audio/x-wav": "audio/wav",
    "image/apng": "image/png",
    "video/x-m4v": "video/mp4",
}

# Said in messages about what a file really is.
TYPE_DESCRIPTIONS = {
    "application/pdf": _("a PDF document"),
    "application/epub+zip": _("an EPUB e-book"),
    "application/zip": _("a ZIP archive"),
    "audio/mpeg": _("an MP3 audio file"),
    "audio/mp4": _("an M4A audio file"),
    "audio/wav": _("a WAV audio file"),
    "audio/ogg": _("an OGG audio file"),
    "video/mp4": _("an MP4 video"),
    "video/webm": _("a WebM video"),
    "image/jpeg": _("a JPEG image"),
    "image/png": _("a PNG image"),
    "image/webp": _("a WebP image"),
    "image/gif": _("a GIF image"),
    "application/x-msdownload": _("a Windows program (EXE)"),
    "application/x-executable": _("a program (executable)"),
    "application/msword": _("a Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _("a Word document"),
    "application/vnd.ms-excel": _("an Excel spreadsheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("an Excel spreadsheet"),
    "application/vnd.ms-powerpoint": _("a PowerPoint presentation"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _("a PowerPoint presentation"),
    "application/x-rar-compressed": _("a RAR archive"),
    "application/x-7z-compressed": _("a 7-Zip archive"),
}

# A web package (SCORM, or exported from an authoring tool) opens with one of these.
PACKAGE_START_FILES = ("imsmanifest.xml", "index.html", "story.html")


@dataclass(frozen=True)
class FileFacts:
    mime_type: str
    size_bytes: int
    sha256: str
    page_count: int | None = None
    duration_seconds: int | None = None


def digital_file_inspect(fileobj: IO[bytes], *, declared_format: str, name: str = "") -> FileFacts:
    """Check ``fileobj`` against the ``DigitalFile.format`` it is uploaded as and return its
    facts; raises ``ValidationError`` with a message for the librarian. The file is read
    from the start and rewound afterwards."""
    if declared_format not in ACCEPTED_TYPES:
        raise ValueError(f"Format {declared_format!r} has no file to inspect.")
    name = os.path.basename(name or getattr(fileobj, "name", "") or "") or gettext("This file")
    try:
        size = _size(fileobj)
        _check_size(size, name=name)
        fileobj.seek(0)
        head = fileobj.read(HEAD_BYTES)
        mime_type = _detect(head, fileobj)
        if mime_type not in ACCEPTED_TYPES[declared_format]:
            raise _wrong_type(name=name, actual=mime_type, declared_format=declared_format)
        page_count = duration = None
        if mime_type == "application/pdf":
            page_count = _pdf_page_count(fileobj, name=name)
        elif mime_type.startswith("image/"):
            _verify_image(fileobj, name=name)
        elif mime_type == "application/zip":
            _check_package(fileobj, name=name)
        elif mime_type == "audio/wav":
            duration = _wav_duration(fileobj)
        return FileFacts(
            mime_type=mime_type,
            size_bytes=size,
            sha256=_sha256(fileobj),
            page_count=page_count,
            duration_seconds=duration,
        )
    finally:
        fileobj.seek(0)


def _size(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if isinstance(size, int):
        return size
    fileobj.seek(0, os.SEEK_END)
    return fileobj.tell()


def megabytes(size: int) -> str:
    """A size in MB for messages, with one decimal below 10 MB (localised separator)."""
    value = size / MEGABYTE
    if value >= 10 or value == int(value):
        return formats.number_format(round(value), decimal_pos=0)
    return formats.number_format(value, decimal_pos=1)


def _check_size(size: int, *, name: str) -> None:
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty."), code="empty_file", params={"name": name})
    limit = settings.CATALOG_MAX_FILE_SIZE
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s MB; a file may be at most %(limit)s MB."),
            code="file_too_large",
            params={"name": name, "size": megabytes(size), "limit": megabytes(limit)},
        )


def _detect(head: bytes, fileobj) -> str | None:
    """The file's MIME type from its content, or None when it is not recognised."""
    kind = filetype.guess(head)
    if kind is None:
        return "audio/mpeg" if _is_mpeg_audio(head) else None
    mime_type = CANONICAL_TYPES.get(kind.mime, kind.mime)
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(fileobj, default=mime_type)
    return mime_type


def _is_mpeg_audio(head: bytes) -> bool:
    """An MP3 without an ID3 tag: the first bytes are an MPEG layer III frame header
    (filetype knows only some of them)."""
    return len(head) > 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) == 0x02


def _zip_type(fileobj, *, default: str) -> str:
    """Look inside a ZIP: an EPUB starts with a ``mimetype`` entry saying so."""
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            entries = archive.infolist()
            if entries and entries[0].filename == "mimetype" and entries[0].file_size < 200:
                declared = archive.read(entries[0]).strip()
                if declared == b"application/epub+zip":
                    return "application/epub+zip"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        return default
    return default if default != "application/epub+zip" else "application/zip"


def _wrong_type(*, name: str, actual: str | None, declared_format: str) -> ValidationError:
    if actual is None:
        description = _("a file of unknown type")
    else:
        description = TYPE_DESCRIPTIONS.get(actual) or gettext("a file of type %(type)s") % {"type": actual}
    return ValidationError(
        _("“%(name)s” is really %(actual)s, which does not match the format “%(format)s”."),
        code="wrong_type",
        params={"name": name, "actual": description, "format": DigitalFormat(declared_format).label},
    )


def _pdf_page_count(fileobj, *, name: str) -> int:
    fileobj.seek(0)
    try:
        pdf = pdfium.PdfDocument(fileobj)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise ValidationError(
                _("“%(name)s” is protected by a password; upload a copy without one."),
                code="password_protected",
                params={"name": name},
            ) from error
        raise _damaged(name=name, kind="pdf") from error
    try:
        page_count = len(pdf)
        if page_count < 1:
            raise _damaged(name=name, kind="pdf")
        pdf[0].close()  # the first page must load
    except pdfium.PdfiumError as error:
        raise _damaged(name=name, kind="pdf") from error
    finally:
        pdf.close()
    return page_count


def _verify_image(fileobj, *, name: str) -> None:
    """Refuse damaged images and decompression bombs: more pixels than
    ``WAGTAILIMAGES_MAX_IMAGE_PIXELS`` (checked from the header, before decoding), or
    more than Pillow's own ``MAX_IMAGE_PIXELS`` guard, whose warning is an error here."""
    limit = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    fileobj.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(fileobj) as image:
                width, height = image.size
                if limit and width * height > limit:
                    raise _too_many_pixels(name=name, pixels=width * height, limit=limit)
                image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels(name=name, pixels=None, limit=limit) from error
        except ValidationError:
            raise
        except Exception as error:  # Pillow raises many kinds for broken files
            raise _damaged(name=name, kind="image") from error


def _too_many_pixels(*, name: str, pixels: int | None, limit: int) -> ValidationError:
    params = {"name": name, "limit": formats.number_format(limit / 1e6, decimal_pos=1)}
    if pixels is None:  # Pillow refused it before telling the size
        return ValidationError(
            _("“%(name)s” is too large an image; the limit is %(limit)s megapixels."),
            code="too_many_pixels",
            params=params,
        )
    return ValidationError(
        _("“%(name)s” is too large an image (%(megapixels)s megapixels); the limit is %(limit)s megapixels."),
        code="too_many_pixels",
        params={**params, "megapixels": formats.number_format(pixels / 1e6, decimal_pos=1)},
    )


def _check_package(fileobj, *, name: str) -> None:
    """An e-learning package: a ZIP with ``imsmanifest.xml`` (SCORM), or an
    ``index.html``/``story.html`` to start from, at the top level."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = [entry.filename for entry in archive.infolist()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise _damaged(name=name, kind="zip") from error
    top_level = {entry.lower() for entry in names if "/" not in entry.rstrip("/")}
    if any(start in top_level for start in PACKAGE_START_FILES):
        return
    nested = sorted(entry for entry in names if entry.rsplit("/", 1)[-1].lower() in PACKAGE_START_FILES)
    if nested:
        raise ValidationError(
            _(
                "“%(name)s” has its start file in a folder (%(path)s). Zip the contents of the "
                "package folder, not the folder itself."
            ),
            code="package_in_folder",
            params={"name": name, "path": nested[0]},
        )
    raise ValidationError(
        _(
            "“%(name)s” is not an e-learning package: it needs imsmanifest.xml (SCORM), index.html "
            "or story.html at the top level of the ZIP."
        ),
        code="not_a_package",
        params={"name": name},
    )


DAMAGED_MESSAGES = {
    "pdf": _("“%(name)s” could not be opened as a PDF document; it may be damaged."),
    "image": _("“%(name)s” could not be read as an image; it may be damaged."),
    "zip": _("“%(name)s” could not be opened as a ZIP archive; it may be damaged."),
}


def _damaged(*, name: str, kind: str) -> ValidationError:
    return ValidationError(DAMAGED_MESSAGES[kind], code="damaged", params={"name": name})


def _wav_duration(fileobj) -> int | None:
    """Seconds, rounded; None for WAV encodings the ``wave`` module does not read."""
    fileobj.seek(0)
    try:
        with wave.open(fileobj, "rb") as audio:
            frames, rate = audio.getnframes(), audio.getframerate()
    except (wave.Error, EOFError, OSError):
        return None
    return round(frames / rate) if rate else None


def _sha256(fileobj) -> str:
    fileobj.seek(0)
    digest = hashlib.sha256()
    while chunk := fileobj.read(CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()
