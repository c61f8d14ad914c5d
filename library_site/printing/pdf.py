"""PDFs of page images.

- ``ImagePdfWriter`` writes pages as they come (Pillow's PDF writer wants every page
  before it starts), so memory stays at a couple of pages however long the document: each
  page is one lossless RGB image (Flate: text, QR codes and bars stay sharp) with photos
  placed over it as JPEG images. ``page_encode`` compresses a ``PdfPage`` for it; zlib
  releases the GIL, so that can run in a helper thread while the next page is drawn.
- ``bilevel_pdf`` writes black-and-white pages (labels) with CCITT Group 4 compression
  (lossless, a few kilobytes a page), through a multi-page TIFF that Pillow's PDF writer
  reads frame by frame, so memory stays at about one page too.
"""

import io
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from PIL import Image, TiffImagePlugin

from library_site.printing.png import ZLIB_LEVEL
from library_site.printing.units import A4_MM, mm_to_pt

JPEG_QUALITY = 90

# A photo placed on a page: (left, top, width, height) in page pixels, and its JPEG.
PlacedJpeg = tuple[tuple[int, int, int, int], bytes]


@dataclass
class PdfPage:
    """A page being drawn: the RGB ``image`` of the whole page and the photos to place
    over it as JPEG images, each with the (left, top) of its box in page pixels."""

    image: Image.Image
    photos: list[tuple[Image.Image, tuple[int, int]]] = field(default_factory=list)


def page_encode(
    page: PdfPage, *, level: int = ZLIB_LEVEL, jpeg_quality: int = JPEG_QUALITY
) -> tuple[tuple[int, int], bytes, list[PlacedJpeg]]:
    """The arguments of ``ImagePdfWriter.add_page`` for ``page``: its size, its raster
    compressed (Flate) and each photo as a JPEG with its box in pixels. Closes the page
    image."""
    raster = zlib.compress(page.image.tobytes(), level)
    photos = []
    for photo, (left, top) in page.photos:
        buffer = io.BytesIO()
        photo.save(buffer, format="JPEG", quality=jpeg_quality)
        photos.append(((left, top, photo.width, photo.height), buffer.getvalue()))
    size = page.image.size
    page.image.close()
    return size, raster, photos


class ImagePdfWriter:
    """A minimal PDF writer: each page (A4 by default) is a full-page image with photos
    over it, written to ``out`` as it comes. ``close`` writes the page tree and the
    document information (``title``, ``producer``)."""

    def __init__(self, out: BinaryIO, *, title: str, producer: str, page_mm: tuple[float, float] = A4_MM):
        self.out = out
        self.position = 0
        self.offsets: dict[int, int] = {}
        self.page_ids: list[int] = []
        self.next_id = 4  # 1 catalog, 2 page tree, 3 document info
        self.title = title
        self.producer = producer
        self.page_pt = (mm_to_pt(page_mm[0]), mm_to_pt(page_mm[1]))
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R >>")

    @property
    def page_count(self) -> int:
        return len(self.page_ids)

    def add_page(self, size: tuple[int, int], raster: bytes, photos: Sequence[PlacedJpeg]) -> None:
        """A page: ``raster`` (Flate-compressed RGB of ``size`` pixels) over the whole
        page, then each photo (JPEG) at its (left, top, width, height) in those pixels."""
        width_px, height_px = size
        width_pt, height_pt = self.page_pt
        x_scale, y_scale = width_pt / width_px, height_pt / height_px
        raster_id = self._image(width_px, height_px, b"/FlateDecode", raster)
        names = [(b"/Im0", raster_id)]
        draw = [b"q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q" % (width_pt, height_pt)]
        for index, ((left, top, width, height), jpeg) in enumerate(photos, start=1):
            name = b"/Im%d" % index
            names.append((name, self._image(width, height, b"/DCTDecode", jpeg)))
            x, y = left * x_scale, height_pt - (top + height) * y_scale
            draw.append(b"q %.4f 0 0 %.4f %.4f %.4f cm %s Do Q" % (width * x_scale, height * y_scale, x, y, name))
        contents = b"\n".join(draw)
        contents_id = self._new_id()
        self._object(contents_id, b"<< /Length %d >>" % len(contents), stream=contents)
        resources = b" ".join(b"%s %d 0 R" % (name, object_id) for name, object_id in names)
        page_id = self._new_id()
        self._object(
            page_id,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] /Resources << /XObject << %s >> >>"
            b" /Contents %d 0 R >>" % (width_pt, height_pt, resources, contents_id),
        )
        self.page_ids.append(page_id)

    def _image(self, width: int, height: int, codec: bytes, data: bytes) -> int:
        image_id = self._new_id()
        self._object(
            image_id,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter %s /Length %d >>" % (width, height, codec, len(data)),
            stream=data,
        )
        return image_id

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % page_id for page_id in self.page_ids)
        self._object(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.page_ids)))
        title = ("\ufeff" + self.title).encode("utf-16-be").hex().upper().encode()
        producer = self.producer.encode("ascii")
        self._object(3, b"<< /Title <%s> /Producer (%s) >>" % (title, producer))
        xref_at = self.position
        size = self.next_id
        lines = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % self.offsets[number] for number in range(1, size)]
        self._write(b"".join(lines))
        self._write(b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at))

    def _object(self, number: int, dictionary: bytes, *, stream: bytes | None = None) -> None:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n" % number + dictionary)
        if stream is not None:
            self._write(b"\nstream\n")
            self._write(stream)
            self._write(b"\nendstream")
        self._write(b"\nendobj\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)


def bilevel_pdf(pages: Iterable[Image.Image], *, dpi: int, title: str) -> bytes:
    """A PDF of black-and-white ``pages`` (mode ``1``) at ``dpi``, CCITT Group 4
    compressed; pages are drawn lazily if ``pages`` is a generator."""
    frames = io.BytesIO()
    with TiffImagePlugin.AppendingTiffWriter(frames, new=True) as tiff:
        for page in pages:
            page.save(tiff, format="TIFF", compression="group4", dpi=(dpi, dpi))
            tiff.newFrame()
    frames.seek(0)
    output = io.BytesIO()
    with Image.open(frames) as opened:
        opened.save(output, format="PDF", save_all=True, resolution=dpi, title=title)
    return output.getvalue()
