"""Reading an uploaded Excel workbook (.xlsx) within fixed bounds.

An .xlsx file is a ZIP of XML parts, and its size says little about what it holds: a
1.6 KB upload that claims ``<dimension ref="A1:XFD1048576"/>`` and has a cell in that
corner made openpyxl pad a million rows to 16,384 columns each (gigabytes of memory);
a cell at row 1,000,000 or column XFD, a sheet without ``<row>`` elements, or a part
that inflates a thousandfold do the same in other ways. So this module does not hand
the file to ``openpyxl.load_workbook`` (which also parses a sheet without a dimension
to its end just to size it); it reads the parts itself, in one pass each:

1. **The ZIP** (before any XML is parsed): at most ``members`` parts (counted from the
   ZIP's end record before ``zipfile`` reads its directory), their unpacked
   sizes together at most ``unzipped_bytes``, and no part over 1 MB unpacking to more
   than ``ratio`` times its packed size (100, Apache POI's ``ZipSecureFile`` default).
   ``zipfile`` never inflates a part beyond the size it declares, so these sizes bound
   what is read.
2. **The XML** with ``defusedxml`` (no DTDs, no entities), streamed: every element is
   dropped from memory once read, so a row of a million cells or a sheet without rows
   costs time, not memory.
3. **The sheet**: a ``<dimension>`` claiming more than ``rows`` rows or ``columns``
   columns is refused up front; a value at a row or column beyond them, or more than
   ``cells`` values in the sheet (or shared strings in the workbook), is refused the
   moment it is read. A row is a list as long as its last value — never padded to a
   claimed width — and rows without values are skipped.

Values are what openpyxl gives with ``data_only=True``: the cached result of a formula,
numbers as ``int``/``float``, dates (by the cell's number format) as ``datetime``,
booleans, text. Limits come from settings (``IMPORT_MAX_ROWS``, ``IMPORT_MAX_COLUMNS``,
``IMPORT_MAX_CELLS``, ``IMPORT_MAX_UNZIPPED_BYTES``, ``IMPORT_MAX_ZIP_RATIO``,
``IMPORT_MAX_ZIP_MEMBERS``) and also bound CSV files (``sources.csv_rows``)."""

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

RATIO_CHECK_FROM = 1024 * 1024  # small parts (rels, a short sheet) may compress very well
_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,9})$")
_ROW_NUMBER = re.compile(r"^\d{1,9}$")


class WorkbookRefused(Exception):
    """The workbook is refused; ``message`` says why and what to do (``sources`` turns
    it into a ``FileRefused``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    rows: int = 100_000
    columns: int = 100
    cells: int = 3_000_000
    unzipped_bytes: int = 256 * 1024 * 1024
    ratio: int = 100
    members: int = 1000

    @classmethod
    def from_settings(cls) -> "Limits":
        defaults = cls()
        return cls(
            rows=getattr(settings, "IMPORT_MAX_ROWS", defaults.rows),
            columns=getattr(settings, "IMPORT_MAX_COLUMNS", defaults.columns),
            cells=getattr(settings, "IMPORT_MAX_CELLS", defaults.cells),
            unzipped_bytes=getattr(settings, "IMPORT_MAX_UNZIPPED_BYTES", defaults.unzipped_bytes),
            ratio=getattr(settings, "IMPORT_MAX_ZIP_RATIO", defaults.ratio),
            members=getattr(settings, "IMPORT_MAX_ZIP_MEMBERS", defaults.members),
        )


def grouped(number: int) -> str:
    """1,000,000 in English, 1.000.000 in Vietnamese (whose Django formats do not group)."""
    return f"{number:,}".replace(",", get_format("THOUSAND_SEPARATOR"))


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _reference(text: str | None) -> tuple[int, int] | None:
    """(row, column) of "B7" or "$B$7"; None when absent or not a cell reference."""
    match = _REFERENCE.match(text or "")
    return (int(match[2]), _column_number(match[1])) if match else None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element) -> str:
    """The text of a shared or inline string: its ``t``, or the ``t`` of its runs
    (``r``); phonetic hints (``rPh``) are not part of the value."""
    parts = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(grandchild.text or "" for grandchild in child if _local(grandchild.tag) == "t")
    return "".join(parts)


def _refuse_damaged(exc: Exception):
    return WorkbookRefused(_("The Excel workbook cannot be read: %(reason)s") % {"reason": exc})


def _elements(source) -> Iterator[tuple[str, object, list]]:
    """("start" | "end", element, open ancestors) for every element, each dropped from its
    parent once its end has been handled — except inside a ``c`` (cell) or ``si``
    (shared string), which go together with their cell or string."""
    ancestors: list = []
    keep = 0
    try:
        for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
            tag = _local(element.tag)
            if event == "start":
                if tag in {"c", "si"}:
                    keep += 1
                yield "start", element, ancestors
                ancestors.append(element)
                continue
            ancestors.pop()
            yield "end", element, ancestors
            if tag in {"c", "si"}:
                keep -= 1
            if not keep and ancestors:
                element.clear()
                ancestors[-1].remove(element)
    except (ParseError, DefusedXmlException) as exc:
        raise _refuse_damaged(exc) from exc


def too_many_values(limits: Limits) -> WorkbookRefused:
    return WorkbookRefused(
        _("The file holds more than %(limit)s values; an import takes at most that many. Split it into smaller files.")
        % {"limit": grouped(limits.cells)}
    )


def too_many_parts(count: int, limits: Limits) -> WorkbookRefused:
    return WorkbookRefused(
        _("The workbook is made of %(count)d parts, more than an Excel file has (at most %(limit)d).")
        % {"count": count, "limit": limits.members}
    )


def zip_members_check(data: bytes, *, limits: Limits) -> None:
    """Refuse a ZIP whose end record declares more than ``limits.members`` parts, before
    ``zipfile`` reads its central directory (a ``ZipInfo`` per part: a few hundred bytes
    each, so millions of empty parts would cost gigabytes). A ZIP64 file keeps the count
    in its ZIP64 end record; anything unusual is left to ``zipfile`` and the count check
    after it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65_535))
    if end < 0 or end + 22 > len(data):
        return
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    locator = end - 20
    if count == 0xFFFF and locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        offset = int.from_bytes(data[locator + 8 : locator + 16], "little")
        if data[offset : offset + 4] == b"PK\x06\x06":
            count = int.from_bytes(data[offset + 32 : offset + 40], "little")
    if count > limits.members:
        raise too_many_parts(count, limits)


@dataclass
class _Sheet:
    name: str
    path: str


class Workbook:
    """An opened, checked workbook: ``sheets`` in order, ``rows(sheet)`` streams one."""

    def __init__(self, archive: zipfile.ZipFile, *, limits: Limits):
        self.archive = archive
        self.limits = limits
        self._check_zip()
        self.names = set(archive.namelist())
        book_path = self._office_document()
        relations = self._relations(book_path)
        self.sheets: list[_Sheet] = []
        self.epoch = CALENDAR_WINDOWS_1900
        for event, element, _ancestors in self._parse(book_path):
            tag = _local(element.tag)
            if event != "start":
                continue
            if tag == "workbookPr" and element.get("date1904", "").lower() in {"1", "true"}:
                self.epoch = CALENDAR_MAC_1904
            elif tag == "sheet":
                relation = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
                kind, path = relations.get(relation, ("", ""))
                if kind == "worksheet" and path in self.names:
                    self.sheets.append(_Sheet(name=element.get("name", ""), path=path))
        if not self.sheets:
            raise WorkbookRefused(_("The Excel workbook has no worksheet."))
        by_kind = dict(relations.values())
        self.strings = self._shared_strings(by_kind.get("sharedStrings"))
        self.date_styles, self.duration_styles = self._date_styles(by_kind.get("styles"))

    # --- The parts -----------------------------------------------------------------------
    def _check_zip(self) -> None:
        limits = self.limits
        members = self.archive.infolist()
        if len(members) > limits.members:
            raise too_many_parts(len(members), limits)
        if sum(member.file_size for member in members) > limits.unzipped_bytes:
            raise WorkbookRefused(
                _("The workbook unpacks to more than %(limit)d MB. Split it into smaller files.")
                % {"limit": limits.unzipped_bytes // (1024 * 1024)}
            )
        for member in members:
            if member.file_size > RATIO_CHECK_FROM and member.file_size > limits.ratio * max(member.compress_size, 1):
                raise WorkbookRefused(
                    _(
                        "The part “%(name)s” of the workbook unpacks to %(ratio)d times its packed size, which "
                        "Excel files never do, so the file is refused as a possible “ZIP bomb”. Open it in Excel, "
                        "save it again (or as CSV UTF-8) and upload that."
                    )
                    % {"name": member.filename, "ratio": member.file_size // max(member.compress_size, 1)}
                )

    def _parse(self, path: str):
        try:
            source = self.archive.open(path)
        except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise _refuse_damaged(exc) from exc
        with source:
            try:
                yield from _elements(source)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:  # CRC errors, truncated data
                raise _refuse_damaged(exc) from exc

    def _relations(self, part: str) -> dict[str, tuple[str, str]]:
        """{relation id: (kind, part path)} of ``part``'s relationships; the kind is the last
        word of the relationship type ("worksheet", "sharedStrings", "officeDocument"…),
        which is the same in transitional and strict OOXML."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        relations = {}
        if rels not in self.names:
            return relations
        for event, element, _ancestors in self._parse(rels):
            if event == "start" and _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                kind = element.get("Type", "").rsplit("/", 1)[-1]
                relations[element.get("Id")] = (kind, posixpath.normpath(path))
        return relations

    def _office_document(self) -> str:
        for kind, path in self._relations("").values():
            if kind == "officeDocument" and path in self.names:
                return path
        if "xl/workbook.xml" in self.names:
            return "xl/workbook.xml"
        raise WorkbookRefused(_("The Excel workbook has no worksheet."))

    def _shared_strings(self, path: str | None) -> list[str]:
        strings: list[str] = []
        if not path or path not in self.names:
            return strings
        for event, element, _ancestors in self._parse(path):
            if event == "end" and _local(element.tag) == "si":
                if len(strings) >= self.limits.cells:
                    raise self._too_many_cells()
                strings.append(_text(element))
        return strings

    def _date_styles(self, path: str | None) -> tuple[set[int], set[int]]:
        """The cell styles (indexes of ``cellXfs``) whose number format is a date, and
        those of them that are a duration ([h]:mm)."""
        if not path or path not in self.names:
            return set(), set()
        formats = dict(BUILTIN_FORMATS)
        styles: list[int] = []
        for event, element, ancestors in self._parse(path):
            if event != "start" or not ancestors:
                continue
            tag, parent = _local(element.tag), _local(ancestors[-1].tag)
            if tag == "numFmt" and parent == "numFmts":
                if len(formats) > self.limits.cells:
                    raise self._too_many_cells()
                formats[int(element.get("numFmtId", "0") or 0)] = element.get("formatCode", "")
            elif tag == "xf" and parent == "cellXfs":
                if len(styles) > self.limits.cells:
                    raise self._too_many_cells()
                styles.append(int(element.get("numFmtId", "0") or 0))
        dates = {index for index, number in enumerate(styles) if is_date_format(formats.get(number, ""))}
        durations = {index for index in dates if is_timedelta_format(formats.get(styles[index], ""))}
        return dates, durations

    def _too_many_cells(self) -> WorkbookRefused:
        return too_many_values(self.limits)

    # --- Rows ----------------------------------------------------------------------------
    def rows(self, sheet: _Sheet) -> Iterator[tuple[int, list]]:
        """(row number as Excel shows it, values from column A to the row's last value)
        for every row with a value, read lazily: stop early and the rest is never read."""
        limits = self.limits
        row_number, column, cells = 0, 0, 0
        values: list = []
        for event, element, _ancestors in self._parse(sheet.path):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    number = element.get("r", "")
                    row_number = int(number) if _ROW_NUMBER.match(number) else row_number + 1
                    column, values = 0, []
                elif tag == "dimension":
                    self._dimension_check(sheet, element.get("ref", ""))
                continue
            if tag == "c":
                position = _reference(element.get("r"))
                if position:
                    row_number, column = position
                else:
                    column += 1
                value = self._value(element)
                if value is None or value == "":
                    continue
                cells += 1
                if row_number > limits.rows:
                    raise WorkbookRefused(
                        _(
                            "The sheet “%(sheet)s” has a value in row %(row)s; an import takes at most %(limit)s "
                            "rows. Delete what is below your data (or copy the data into a new workbook) and "
                            "upload the file again."
                        )
                        % {"sheet": sheet.name, "row": grouped(row_number), "limit": grouped(limits.rows)}
                    )
                if column > limits.columns:
                    raise WorkbookRefused(
                        _(
                            "The sheet “%(sheet)s” has a value in column %(column)s (row %(row)s); an import takes "
                            "at most %(limit)d columns. Delete the columns to the right of your data and upload "
                            "the file again."
                        )
                        % {
                            "sheet": sheet.name,
                            "column": column_letters(column),
                            "row": row_number,
                            "limit": limits.columns,
                        }
                    )
                if cells > limits.cells:
                    raise self._too_many_cells()
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
            elif tag == "row" and values:
                yield row_number, values
                values = []

    def _dimension_check(self, sheet: _Sheet, ref: str) -> None:
        corner = _reference(ref.rsplit(":", 1)[-1])
        if corner and (corner[0] > self.limits.rows or corner[1] > self.limits.columns):
            raise WorkbookRefused(
                _(
                    "The sheet “%(sheet)s” says it spans %(range)s, more than an import takes (%(rows)s rows, "
                    "%(columns)d columns). Copy your data into a new workbook and upload that."
                )
                % {"sheet": sheet.name, "range": ref, "rows": grouped(self.limits.rows), "columns": self.limits.columns}
            )

    def _value(self, cell):
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = next((child for child in cell if _local(child.tag) == "is"), None)
            return None if inline is None else _text(inline)
        raw = next((child.text for child in cell if _local(child.tag) == "v"), None)
        if raw is None:
            return None
        try:
            if kind == "s":
                index = int(raw)
                return self.strings[index] if 0 <= index < len(self.strings) else None
            if kind == "b":
                return raw.strip() in {"1", "true"}
            if kind == "d":
                return from_ISO8601(raw)
            if kind in {"str", "e"}:
                return raw
            number = float(raw) if any(mark in raw for mark in ".eE") else int(raw)
            style = int(cell.get("s", "0") or 0)
            if style in self.date_styles:
                return from_excel(number, self.epoch, timedelta=style in self.duration_styles)
            return number
        except (ValueError, OverflowError):
            return raw


def workbook_open(archive: zipfile.ZipFile, *, limits: Limits | None = None) -> Workbook:
    return Workbook(archive, limits=limits or Limits.from_settings())
