"""Spreadsheet cells that cannot run: the one escaping rule of every CSV and XLSX file the
system writes (catalog export, course reports, admin listing and report downloads).

Residents and staff type free text (names, wards, wishes, survey answers, titles) that
ends up in files opened in Excel or LibreOffice. A cell such as ``=HYPERLINK("http://…")``
or ``=cmd|' /C calc'!A0`` would be taken for a formula there (CSV/formula injection).
Following OWASP's "CSV Injection" guidance, a *text* value that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return — or with one of the first four after leading
white space — is written with a single quote in front; the spreadsheet then shows it as
text. Numbers, dates, times and booleans are written as typed values, untouched (a
negative number stays a number).

    cell_escape("=1+1") == "'=1+1"     cell_escape(-5) == -5     cell_escape("Phường 7") == "Phường 7"
    cell_unescape("'=1+1") == "=1+1"   # for imports reading a file we exported

``csv_bytes`` and ``xlsx_bytes`` write whole files through it; Wagtail's own listing and
report downloads (``SpreadsheetExportMixin``) are routed through it by
``wagtail_exports_escape``, called once from ``LibrariesConfig.ready``."""

import csv
import io
from collections.abc import Iterable
from functools import wraps

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r")
ESCAPE = "'"


def cell_needs_escape(text: str) -> bool:
    return text.startswith(CONTROL_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def cell_escape(value):
    """``value`` as a spreadsheet cell that is never a formula: text that a spreadsheet
    would run gets a leading single quote; any other value is returned as it is."""
    if isinstance(value, str) and cell_needs_escape(value):
        return ESCAPE + value
    return value


def cell_unescape(text: str) -> str:
    """The text ``cell_escape`` was given: the leading quote is removed only where
    ``cell_escape`` would have put it."""
    if text.startswith(ESCAPE) and cell_needs_escape(text[1:]):
        return text[1:]
    return text


def row_escape(values: Iterable) -> list:
    return [cell_escape(value) for value in values]


def csv_bytes(rows: Iterable[Iterable], *, bom: bool = True) -> bytes:
    """A CSV file (UTF-8, CRLF; with a byte-order mark by default so Excel shows
    Vietnamese letters) of escaped rows."""
    return csv_text(rows, bom=bom).encode("utf-8")


def csv_text(rows: Iterable[Iterable], *, bom: bool = True) -> str:
    buffer = io.StringIO(newline="")
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row_escape(row))
    return buffer.getvalue()


def xlsx_cell(value):
    """An escaped value openpyxl can store: control characters that XML cannot hold
    (openpyxl refuses them with ``IllegalCharacterError``) are dropped."""
    value = cell_escape(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_append(sheet, values: Iterable) -> None:
    """``sheet.append`` of escaped values; a cell is never stored as a formula."""
    sheet.append([xlsx_cell(value) for value in values])


# --- Wagtail ---------------------------------------------------------------------------
def wagtail_exports_escape() -> None:
    """Escape every cell of Wagtail's listing and report downloads (``?export=csv`` and
    ``?export=xlsx`` of snippet and model view sets, the site history and other reports,
    form submissions).

    They are all written by ``wagtail.admin.views.mixins.SpreadsheetExportMixin``, which
    runs each value through ``preprocess_field_value`` (after ``to_row_dict``) and each
    heading through ``get_heading``, in both formats. Wrapping those two methods on the
    mixin itself covers every view that uses it — ours and Wagtail's own, which we
    cannot subclass without re-registering their URLs. Wagtail only turns XLSX formula
    cells back into strings; its CSV is written as is. If a Wagtail upgrade renames the
    methods this fails at start-up (``AttributeError``) rather than silently exporting
    formulas; ``tests/libraries/test_spreadsheets.py`` downloads both formats."""
    # Imported here: Wagtail's admin views load models, and this runs from an app's ready().
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    if getattr(SpreadsheetExportMixin, "_cells_escaped", False):
        return
    preprocess = SpreadsheetExportMixin.preprocess_field_value
    heading = SpreadsheetExportMixin.get_heading

    @wraps(preprocess)
    def preprocess_field_value(self, field, value, export_format):
        value = preprocess(self, field, value, export_format)
        return xlsx_cell(value) if export_format == self.FORMAT_XLSX else cell_escape(value)

    @wraps(heading)
    def get_heading(self, queryset, field):
        return xlsx_cell(heading(self, queryset, field))

    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
    SpreadsheetExportMixin.get_heading = get_heading
    SpreadsheetExportMixin._cells_escaped = True
