"""Reading an uploaded file: format detection by content, text decoding, and the raw rows
or records of each format. Nothing here looks at the database."""

import codecs
import csv
import datetime
import decimal
import io
import re
import unicodedata
import warnings
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice
from xml.sax import SAXException, SAXParseException
from xml.sax.handler import feature_namespaces

from django.utils.translation import gettext as _

import pymarc
from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser
from pymarc.marcxml import XmlHandler

from library_site.spreadsheets import cell_unescape

from .vocabulary import ColumnSet
from .workbook import Limits, WorkbookRefused, grouped, too_many_values, workbook_open, zip_members_check

CSV = "csv"
XLSX = "xlsx"
MARC = "marc"
MARCXML = "marcxml"

HEADER_SEARCH_ROWS = 10  # a title line or two above the headings is fine
CSV_FIELD_MAX = 10 * 1024 * 1024  # characters in one CSV cell
END_OF_RECORD = b"\x1d"
END_OF_FIELD = b"\x1e"


class FileRefused(Exception):
    """The file as a whole cannot be imported; ``message`` says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Format detection ------------------------------------------------------------------
_MARCXML_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?(?:collection|record)[\s>/]")


def format_detect(data: bytes) -> str:
    """``marc``, ``marcxml``, ``xlsx`` or ``csv``, judged by the bytes, never the name."""
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _(
                "This is an old Excel workbook (.xls). Open it in Excel and save it as "
                "“Excel Workbook (.xlsx)” or “CSV UTF-8 (Comma delimited)”, then upload it again."
            )
        )
    text_head = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text_head.startswith(b"<"):
        if _MARCXML_ELEMENT.search(data[:65536]):
            return MARCXML
        raise FileRefused(_("This XML file contains no MARC records (a MARCXML “collection” or “record” element)."))
    if (head[:5].isdigit() or head[20:24] == b"4500") and END_OF_FIELD in data[:200_000]:
        return MARC
    return CSV


# --- Text decoding (CSV) ---------------------------------------------------------------
_VIETNAMESE_LETTERS = set(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
)
# Letters only Vietnamese uses among Latin scripts (breve, horn, hook above, dot below,
# đ, or two marks on one vowel): with them a Windows-1258 reading is more than a guess.
_VIETNAMESE_MARKS = set("\u0306\u031b\u0309\u0323")
_VIETNAMESE_ONLY = set("đĐ") | {
    ch
    for ch in _VIETNAMESE_LETTERS
    if _VIETNAMESE_MARKS & set(unicodedata.normalize("NFD", ch))
    or sum(unicodedata.combining(mark) > 0 for mark in unicodedata.normalize("NFD", ch)) > 1
}
_PRINTABLE_CONTROLS = set("\t\r\n")


def _plausible_vietnamese(text: str) -> bool:
    """Letters beyond ASCII are nearly all Vietnamese ones, some only Vietnamese uses, and
    there are no control characters. Punctuation (– “ ” …) does not count either way."""
    if any((ord(ch) < 32 and ch not in _PRINTABLE_CONTROLS) or 0x80 <= ord(ch) < 0xA0 for ch in text):
        return False
    letters = [ch for ch in text if ord(ch) > 127 and unicodedata.category(ch)[0] in "LM"]
    vietnamese = sum(ch in _VIETNAMESE_LETTERS for ch in letters)
    specific = any(ch in _VIETNAMESE_ONLY for ch in letters)
    return specific and vietnamese >= 0.9 * len(letters)


def text_decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding found: UTF-8 (with or without BOM), UTF-16
    with BOM (Excel's "Unicode Text"), or Windows-1258 when the bytes are not UTF-8 and
    read as Vietnamese. Always NFC. Anything else is refused with how to convert it."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return unicodedata.normalize("NFC", data[3:].decode("utf-8")), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_vietnamese(text):
        return text, "cp1258"
    raise FileRefused(
        _(
            "The file is not in UTF-8 and does not read as Vietnamese in Windows-1258 (CP1258) either, "
            "so its letters cannot be read reliably. In Excel choose File → Save As → “CSV UTF-8 "
            "(Comma delimited) (*.csv)”; or convert the file with: iconv -f CP1258 -t UTF-8 in.csv > out.csv"
        )
    )


# --- Tables (CSV and XLSX) -------------------------------------------------------------
@dataclass
class Table:
    """Rows of a spreadsheet with recognised columns. ``rows`` holds (line number, {key:
    value}) for non-blank data rows; ``labels`` the heading of each key as written."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    header_row: int = 1


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def _recognised(cells: list[str], columns: ColumnSet) -> set[str]:
    return {key for key in (columns.key_for(cell) for cell in cells if cell) if key}


def table_build(raw_rows: list[tuple[int, list[str]]], *, columns: ColumnSet) -> Table:
    """Find the heading row (the first of the first rows that names every required
    column or two known ones), map headings to keys and collect the data rows below."""
    header_index = None
    for index, (_line, cells) in enumerate(raw_rows[:HEADER_SEARCH_ROWS]):
        found = _recognised(cells, columns)
        if columns.required <= found or len(found) >= 2:
            header_index = index
            break
    if header_index is None:
        header_index = next((i for i, (_line, cells) in enumerate(raw_rows) if any(cells)), None)
    if header_index is None:
        raise FileRefused(_("The file has no rows."))
    header_line, headings = raw_rows[header_index]
    table = Table(header_row=header_line)
    positions: dict[str, int] = {}
    for position, heading in enumerate(headings):
        if not heading:
            continue
        key = columns.key_for(heading)
        if key is None:
            table.ignored_columns.append(heading)
            continue
        if key in positions:
            raise FileRefused(
                _("The columns “%(first)s” and “%(second)s” mean the same thing; keep only one of them.")
                % {"first": table.labels[key], "second": heading}
            )
        positions[key] = position
        table.labels[key] = heading
    for column in columns.columns:
        if column.required and column.key not in positions:
            raise FileRefused(
                _("The required column “%(column)s” is missing. Add a column headed “%(column)s” (or “%(english)s”).")
                % {"column": column.vietnamese, "english": column.english}
            )
    for line, cells in raw_rows[header_index + 1 :]:
        if not any(cells):
            continue
        values = {key: (cells[position] if position < len(cells) else "") for key, position in positions.items()}
        table.rows.append((line, values))
    return table


def _delimiter_guess(text: str, columns: ColumnSet) -> str:
    """The delimiter under which one of the first lines reads as the most known headings
    (a title line above the headings may have none); ties go to the most frequent one."""
    lines = [line for line in text.splitlines()[: HEADER_SEARCH_ROWS * 2] if line.strip()]

    def score(delimiter: str) -> tuple[int, int]:
        known = max(
            (len(_recognised(next(csv.reader([line], delimiter=delimiter)), columns)) for line in lines), default=0
        )
        return known, lines[0].count(delimiter) if lines else 0

    return max((",", ";", "\t"), key=score)


def _csv_cell(value: str) -> str:
    """A cell without surrounding spaces and without the apostrophe the export puts before
    a value a spreadsheet would take for a formula ("'=…", "'+…", "'-…", "'@…")."""
    return cell_unescape(value.strip()).strip()


def _csv_refuse_beyond(limits: Limits, line: int, cells: list[str], count: int) -> None:
    if line > limits.rows:
        raise FileRefused(
            _(
                "Row %(row)s of the CSV file has a value; an import takes at most %(limit)s rows. "
                "Split the file into smaller ones."
            )
            % {"row": grouped(line), "limit": grouped(limits.rows)}
        )
    if len(cells) > limits.columns:
        raise FileRefused(
            _(
                "Row %(row)s of the CSV file has %(count)d columns; an import takes at most %(limit)d. "
                "Delete the columns to the right of your data."
            )
            % {"row": grouped(line), "count": len(cells), "limit": limits.columns}
        )
    if count > limits.cells:
        raise FileRefused(too_many_values(limits).message)


def csv_rows(data: bytes, *, columns: ColumnSet) -> list[tuple[int, list[str]]]:
    """Every row with a value of a CSV file, with its spreadsheet line number (a row whose
    cell holds line breaks is still one row, as in Excel) and without its trailing empty
    cells; the file is refused as soon as it passes the import limits (``Limits``)."""
    text, _encoding = text_decode(data)
    limits = Limits.from_settings()
    csv.field_size_limit(CSV_FIELD_MAX)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter_guess(text, columns))
    rows, count = [], 0
    try:
        for line, raw in enumerate(reader, start=1):
            cells = [_csv_cell(cell) for cell in raw]
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            count += sum(1 for cell in cells if cell)
            _csv_refuse_beyond(limits, line, cells, count)
            rows.append((line, cells))
    except csv.Error as exc:
        raise FileRefused(
            _("The CSV file cannot be read near row %(row)d: %(reason)s") % {"row": reader.line_num, "reason": exc}
        ) from exc
    return rows


def xlsx_rows(data: bytes, *, columns: ColumnSet) -> list[tuple[int, list[str]]]:
    """The rows with a value of the workbook's first sheet that has catalog headings (else
    its first sheet), numbered as Excel shows them. The workbook is read by
    ``workbook.Workbook``, which refuses it as soon as it passes the import limits."""
    try:
        zip_members_check(data, limits=Limits.from_settings())
        archive = zipfile.ZipFile(io.BytesIO(data))
    except WorkbookRefused as refused:
        raise FileRefused(refused.message) from refused
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise FileRefused(_("The file looks like a ZIP archive or Excel workbook but is damaged.")) from exc
    with archive:
        if not any(name.startswith("xl/") for name in archive.namelist()):
            raise FileRefused(
                _("This ZIP file is not an Excel workbook (.xlsx). Upload a .xlsx, a CSV UTF-8 file or a MARC file.")
            )
        try:
            book = workbook_open(archive)
            chosen = book.sheets[0]
            for sheet in book.sheets:
                with closing(book.rows(sheet)) as rows:
                    head = [
                        [_cell_text(value) for value in values] for _line, values in islice(rows, HEADER_SEARCH_ROWS)
                    ]
                if any(columns.required <= _recognised(cells, columns) for cells in head):
                    chosen = sheet
                    break
            return [(line, [_cell_text(value) for value in values]) for line, values in book.rows(chosen)]
        except WorkbookRefused as refused:
            raise FileRefused(refused.message) from refused


# --- MARC21 binary ---------------------------------------------------------------------
@dataclass
class MarcItem:
    """One record of a MARC file: parsed, or the reason it could not be."""

    number: int
    record: pymarc.Record | None = None
    problem: str = ""


def _marc_problem(exc: Exception) -> str:
    exceptions = pymarc.exceptions
    if isinstance(exc, exceptions.TruncatedRecord | exceptions.EndOfRecordNotFound):
        return _("the record is cut short")
    if isinstance(exc, exceptions.RecordLengthInvalid | exceptions.RecordLeaderInvalid):
        return _("its leader (the first 24 characters) is damaged")
    if isinstance(exc, exceptions.BaseAddressInvalid | exceptions.BaseAddressNotFound):
        return _("the base address of its data in the leader is wrong")
    if isinstance(exc, exceptions.RecordDirectoryInvalid):
        return _("its directory of fields is damaged")
    if isinstance(exc, exceptions.NoFieldsFound):
        return _("it has no fields")
    if isinstance(exc, UnicodeDecodeError) and exc.encoding != "ascii":
        return _("its text is not valid in the character set its leader names (position 09)")
    if isinstance(exc, UnicodeDecodeError | ValueError):  # letters where the leader/directory has digits
        return _("its leader or directory is damaged")
    return _("it is damaged (%(reason)s)") % {"reason": exc.__class__.__name__}


def _looks_utf8(chunk: bytes) -> bool:
    """UTF-8 bytes without the leader/09 flag (common in exports of Vietnamese systems):
    MARC-8 text with diacritics is never valid UTF-8, so valid UTF-8 with non-ASCII
    bytes is read as UTF-8."""
    if chunk.isascii():
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def marc_items(data: bytes) -> list[MarcItem]:
    """Split on the end-of-record byte (so one damaged record does not hide the rest) and
    parse each record; leader/09 'a' means UTF-8, anything else MARC-8."""
    parts = data.split(END_OF_RECORD)
    items: list[MarcItem] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index, part in enumerate(parts):
            chunk = part.lstrip(b"\r\n\x00 \x1a")
            is_last = index == len(parts) - 1
            if is_last and not chunk.strip(b"\r\n\x00 \x1a"):
                break
            item = MarcItem(number=len(items) + 1)
            items.append(item)
            if is_last:
                item.problem = _("the record is cut short")
                continue
            chunk += END_OF_RECORD
            if len(chunk) < 25 or not chunk[:5].isdigit():
                item.problem = _("its leader (the first 24 characters) is damaged")
                continue
            utf8 = chunk[9:10] == b"a" or _looks_utf8(chunk)
            try:
                item.record = pymarc.Record(data=chunk, to_unicode=True, force_utf8=utf8, hide_utf8_warnings=True)
            except Exception as exc:  # pymarc raises its own, ValueError, UnicodeDecodeError…
                item.problem = _marc_problem(exc)
    return items


# --- MARCXML ---------------------------------------------------------------------------
class _CollectingHandler(XmlHandler):
    """pymarc's SAX handler, but a damaged record becomes a ``MarcItem`` with a problem
    instead of stopping the whole file."""

    def __init__(self):
        super().__init__(strict=False, normalize_form="NFC")
        self.items: list[MarcItem] = []
        self._problem: Exception | None = None

    def startElementNS(self, name, qname, attrs):
        if name[1] == "record":
            self._problem = None
        try:
            super().startElementNS(name, qname, attrs)
        except Exception as exc:
            self._problem = self._problem or exc

    def endElementNS(self, name, qname):
        try:
            super().endElementNS(name, qname)
        except Exception as exc:
            self._problem = self._problem or exc
            if name[1] == "record" and self._record is not None:
                self.process_record(self._record)
                self._record = None

    def process_record(self, record):
        item = MarcItem(number=len(self.items) + 1)
        if self._problem is None:
            item.record = record
        else:
            item.problem = _marc_problem(self._problem)
        self.items.append(item)
        self._problem = None


def marcxml_items(data: bytes) -> list[MarcItem]:
    handler = _CollectingHandler()
    parser = make_parser()
    parser.setContentHandler(handler)
    parser.setFeature(feature_namespaces, 1)
    try:
        parser.parse(io.BytesIO(data))
    except SAXParseException as exc:
        raise FileRefused(
            _("The MARCXML file is not well-formed XML (line %(line)s, column %(column)s): %(reason)s")
            % {"line": exc.getLineNumber(), "column": exc.getColumnNumber(), "reason": exc.getMessage()}
        ) from exc
    except (SAXException, DefusedXmlException) as exc:
        raise FileRefused(_("The MARCXML file cannot be read: %(reason)s") % {"reason": exc}) from exc
    return handler.items
