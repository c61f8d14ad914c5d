"""A small writer of text-only A4 PDFs with the bundled Be Vietnam Pro font.

Pillow draws pictures of text (the card sheets): a reader's data export must be text a
PDF reader can search, copy and read aloud. The font is embedded whole as a TrueType
CID font (``Identity-H``: each character is written as its glyph id) with a
``ToUnicode`` map, so Vietnamese with all its diacritics shows the same everywhere and
extracts back to the same text. Glyph ids and widths are read from the font's own
``cmap``, ``hmtx``, ``hhea`` and ``head`` tables; lines wrap at word boundaries (a word
longer than a line breaks anywhere, ``printing.text.wrap_words``). No PDF library needed."""

import struct
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from library_site.printing.fonts import font_file
from library_site.printing.text import wrap_words
from library_site.printing.units import A4_PT

MARGIN = 50.0


@dataclass
class _Font:
    name: str
    data: bytes
    units_per_em: int
    ascent: int
    descent: int
    bbox: tuple[int, int, int, int]
    cmap: dict[int, int]
    advances: list[int]
    used: dict[int, str] = field(default_factory=dict)  # glyph id → text, for ToUnicode

    def glyph(self, char: str) -> int:
        return self.cmap.get(ord(char), 0)

    def width(self, text: str, size: float) -> float:
        last = len(self.advances) - 1
        return sum(self.advances[min(self.glyph(c), last)] for c in text) * size / self.units_per_em

    def encode(self, text: str) -> str:
        hexes = []
        for char in text:
            gid = self.glyph(char)
            self.used.setdefault(gid, char)
            hexes.append(f"{gid:04X}")
        return "".join(hexes)


@lru_cache(maxsize=4)
def _font_tables(weight: str) -> tuple:
    data = font_file(weight).read_bytes()
    (num_tables,) = struct.unpack_from(">H", data, 4)
    tables = {}
    for index in range(num_tables):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        tables[tag.decode("latin-1")] = (offset, length)
    head = tables["head"][0]
    units_per_em = struct.unpack_from(">H", data, head + 18)[0]
    bbox = struct.unpack_from(">hhhh", data, head + 36)
    hhea = tables["hhea"][0]
    ascent, descent = struct.unpack_from(">hh", data, hhea + 4)
    (metrics_count,) = struct.unpack_from(">H", data, hhea + 34)
    hmtx = tables["hmtx"][0]
    advances = [struct.unpack_from(">H", data, hmtx + 4 * i)[0] for i in range(metrics_count)]
    return data, units_per_em, ascent, descent, bbox, _cmap(data, tables["cmap"][0]), advances


def _cmap(data: bytes, start: int) -> dict[int, int]:
    """Unicode code point → glyph id, from the best Unicode subtable (format 12, else 4)."""
    (count,) = struct.unpack_from(">H", data, start + 2)
    subtables = {}
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, start + 4 + 8 * index)
        subtables[(platform, encoding)] = start + offset
    for key in ((3, 10), (0, 4), (0, 6)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 12:
            return _cmap_format_12(data, subtables[key])
    for key in ((3, 1), (0, 3), (0, 4), (0, 1), (0, 0)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 4:
            return _cmap_format_4(data, subtables[key])
    raise ValueError("The font has no Unicode character map.")


def _cmap_format_12(data: bytes, at: int) -> dict[int, int]:
    (groups,) = struct.unpack_from(">I", data, at + 12)
    mapping = {}
    for index in range(groups):
        first, last, glyph = struct.unpack_from(">III", data, at + 16 + 12 * index)
        for code in range(first, last + 1):
            mapping[code] = glyph + code - first
    return mapping


def _cmap_format_4(data: bytes, at: int) -> dict[int, int]:
    seg_count = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{seg_count}H", data, at + 14)
    starts = struct.unpack_from(f">{seg_count}H", data, at + 16 + 2 * seg_count)
    deltas = struct.unpack_from(f">{seg_count}h", data, at + 16 + 4 * seg_count)
    range_at = at + 16 + 6 * seg_count
    offsets = struct.unpack_from(f">{seg_count}H", data, range_at)
    mapping = {}
    for seg in range(seg_count):
        for code in range(starts[seg], ends[seg] + 1):
            if code == 0xFFFF:
                continue
            if offsets[seg] == 0:
                glyph = (code + deltas[seg]) & 0xFFFF
            else:
                address = range_at + 2 * seg + offsets[seg] + 2 * (code - starts[seg])
                glyph = struct.unpack_from(">H", data, address)[0]
                glyph = (glyph + deltas[seg]) & 0xFFFF if glyph else 0
            if glyph:
                mapping[code] = glyph
    return mapping


def _font(weight: str) -> _Font:
    data, units, ascent, descent, bbox, cmap, advances = _font_tables(weight)
    return _Font(f"BeVietnamPro-{weight}", data, units, ascent, descent, bbox, cmap, advances)


def _clean(text: str) -> str:
    """NFC (Vietnamese as precomposed letters, which the font has), no control characters."""
    text = unicodedata.normalize("NFC", str(text))
    return "".join(c if c == "\n" or unicodedata.category(c)[0] != "C" else " " for c in text)


class TextPdf:
    """Lines of text on A4 pages, top to bottom; a new page when one is full."""

    def __init__(self, *, title: str = ""):
        self.title = _clean(title)
        self.fonts = {"F1": _font("Regular"), "F2": _font("Bold")}
        self.pages: list[list[str]] = [[]]
        self.y = A4_PT[1] - MARGIN

    def _line(self, text: str, *, size: float, bold: bool, indent: float) -> None:
        leading = size * 1.4
        if self.y - leading < MARGIN:
            self.pages.append([])
            self.y = A4_PT[1] - MARGIN
        self.y -= leading
        key = "F2" if bold else "F1"
        encoded = self.fonts[key].encode(text)
        self.pages[-1].append(f"BT /{key} {size:.1f} Tf {MARGIN + indent:.2f} {self.y:.2f} Td <{encoded}> Tj ET")

    def text(self, text: str, *, size: float = 10.0, bold: bool = False, indent: float = 0.0) -> None:
        """Write ``text`` (wrapped to the page's width; ``\\n`` starts a new line)."""
        font = self.fonts["F2" if bold else "F1"]
        width = A4_PT[0] - 2 * MARGIN - indent
        for paragraph in _clean(text).split("\n"):
            for line in wrap_words(paragraph, lambda text: font.width(text, size), width) or [""]:
                self._line(line, size=size, bold=bold, indent=indent)

    def space(self, points: float = 6.0) -> None:
        self.y -= points

    def render(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        def stream(content: bytes, extra: str = "") -> bytes:
            packed = zlib.compress(content)
            head = f"<< /Length {len(packed)} /Filter /FlateDecode{extra} >>\nstream\n"
            return head.encode() + packed + b"\nendstream"

        catalog = add(b"")  # filled in below
        pages = add(b"")
        page_contents = []
        for number, lines in enumerate(self.pages, 1):
            footer = self.fonts["F1"].encode(f"{number} / {len(self.pages)}")
            page_contents.append(
                "\n".join([*lines, f"BT /F1 8.0 Tf {A4_PT[0] / 2:.2f} {MARGIN / 2:.2f} Td <{footer}> Tj ET"])
            )
        # After every text is encoded: the fonts' widths and ToUnicode cover what is used.
        font_refs = {key: self._font_objects(font, add, stream) for key, font in self.fonts.items()}
        resources = "<< /Font << " + " ".join(f"/{k} {ref} 0 R" for k, ref in font_refs.items()) + " >> >>"
        kids = []
        for content in page_contents:
            contents = add(stream(content.encode("ascii")))
            kids.append(
                add(
                    f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {A4_PT[0]} {A4_PT[1]}] "
                    f"/Resources {resources} /Contents {contents} 0 R >>".encode()
                )
            )
        objects[pages - 1] = (
            f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
        )
        objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages} 0 R >>".encode()
        info = add(f"<< /Title <{_utf16(self.title)}> /Producer (Thu vien so) >>".encode())

        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, 1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
        out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n".encode()
        out += f"startxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)

    @staticmethod
    def _font_objects(font: _Font, add, stream) -> int:
        scale = 1000 / font.units_per_em
        last = len(font.advances) - 1
        widths = " ".join(f"{gid} [{round(font.advances[min(gid, last)] * scale)}]" for gid in sorted(font.used))
        file_ref = add(stream(font.data, f" /Length1 {len(font.data)}"))
        x0, y0, x1, y1 = (round(v * scale) for v in font.bbox)
        descriptor = add(
            f"<< /Type /FontDescriptor /FontName /{font.name} /Flags 32 /FontBBox [{x0} {y0} {x1} {y1}] "
            f"/ItalicAngle 0 /Ascent {round(font.ascent * scale)} /Descent {round(font.descent * scale)} "
            f"/CapHeight {round(font.ascent * scale)} /StemV 80 /FontFile2 {file_ref} 0 R >>".encode()
        )
        cid_font = add(
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{font.name} "
            f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [{widths}] /CIDToGIDMap /Identity >>".encode()
        )
        to_unicode = add(stream(_to_unicode(font.used).encode("ascii")))
        return add(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{font.name} /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode()
        )


def _utf16(text: str) -> str:
    return "FEFF" + text.encode("utf-16-be").hex().upper()


def _to_unicode(used: dict[int, str]) -> str:
    entries = [f"<{gid:04X}> <{_utf16(char)[4:]}>" for gid, char in sorted(used.items()) if gid]
    blocks = [
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar"
        for chunk in (entries[i : i + 100] for i in range(0, len(entries), 100))
    ]
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
