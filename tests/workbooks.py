"""Hand-written XLSX files for the import limits: a workbook is a ZIP of a few XML parts,
so a file of a kilobyte or two can claim a million rows or a cell at column XFD — the
"dimension bombs" an import must refuse before building any row."""

import io
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
</Relationships>"""
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData>
</worksheet>"""


def row_xml(number: int, cells: dict[str, str]) -> str:
    """A row of inline-string cells, e.g. ``row_xml(1, {"A": "Nhan đề"})``."""
    xml = "".join(
        f'<c r="{column}{number}" t="inlineStr"><is><t>{escape(text)}</t></is></c>' for column, text in cells.items()
    )
    return f'<row r="{number}">{xml}</row>'


def workbook_zip(
    rows: list[str], *, dimension: str | None = None, extra: dict[str, bytes] | None = None, sheet: str = ""
) -> bytes:
    """A one-sheet workbook of the given ``row_xml`` rows, with an optional
    ``<dimension ref=…>`` claim and extra ZIP members; or with ``sheet`` as its sheet XML."""
    sheet = sheet or SHEET.format(
        dimension=f'<dimension ref="{dimension}"/>' if dimension else "",
        rows="".join(rows),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


BOMBS = ("dimension", "far_row", "far_column", "claimed_corner")


def _bomb(kind: str, rows: list[str]) -> bytes:
    if kind == "dimension":  # a claim only: the real cells are in the first rows
        return workbook_zip(rows, dimension="A1:XFD1048576")
    if kind == "far_row":
        return workbook_zip([*rows, row_xml(1_000_000, {"A": "x"})])
    if kind == "far_column":
        return workbook_zip([*rows, row_xml(3, {"A": "x", "XFD": "x"})])
    if kind == "claimed_corner":  # the claim and a cell in its last corner
        return workbook_zip([*rows, row_xml(1_048_576, {"XFD": "x"})], dimension="A1:XFD1048576")
    raise ValueError(kind)


def catalog_bomb(kind: str) -> bytes:
    """A catalog workbook with real headings and one real row, plus one of ``BOMBS``:
    ``dimension`` (claims A1:XFD1048576), ``far_row`` (a cell at row 1,000,000),
    ``far_column`` (a cell at column XFD) or ``claimed_corner`` (the claim and a cell at
    XFD1048576)."""
    heading = {"A": "Nhan đề", "B": "Tác giả"}
    return _bomb(kind, [row_xml(1, heading), row_xml(2, {"A": "Đất rừng phương Nam", "B": "Đoàn Giỏi"})])


def roster_bomb(kind: str) -> bytes:
    """The same bombs in a roster (student ID, name, date of birth, class)."""
    heading = {"A": "Mã học sinh", "B": "Họ và tên", "C": "Ngày sinh", "D": "Lớp"}
    student = {"A": "7900012345", "B": "Trần Minh Anh", "C": "02/09/2013", "D": "7A3"}
    return _bomb(kind, [row_xml(1, heading), row_xml(2, student)])


def xlsx_bytes(headings: list, rows: list[list]) -> bytes:
    """A real workbook (openpyxl) of one sheet: ``headings`` then ``rows``."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
