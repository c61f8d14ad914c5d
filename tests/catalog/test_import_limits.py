"""Import limits: a small crafted workbook (a "dimension bomb") or an oversized CSV is
refused with a clear message before rows are built, and nothing is written."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

import pytest

from catalog.importing import FILE_LEVEL, catalog_import
from catalog.models import ImportJob, Record
from tests.workbooks import BOMBS, catalog_bomb, row_xml, workbook_zip

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What each bomb's message names, in any language.
NAMED = {
    "dimension": "A1:XFD1048576",
    "far_row": "1,000,000",
    "far_column": "XFD",
    "claimed_corner": "A1:XFD1048576",
}


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def _refusal(report) -> str:
    assert not report.committed
    [error] = report.errors
    assert error.row == FILE_LEVEL
    return error.message


@pytest.mark.parametrize("kind", BOMBS)
def test_a_dimension_bomb_is_refused_with_what_to_do_and_nothing_is_written(library, kind):
    # Given a 2 KB workbook with a real heading and row, and a claimed or real far cell
    data = catalog_bomb(kind)
    assert len(data) < 2048

    # When it is imported
    report = catalog_import(library=library, filename="bom.xlsx", data=data)

    # Then it is refused, naming the far cell or the claim, and nothing is saved
    message = _refusal(report)
    assert NAMED[kind] in message
    assert "import takes at most" in message or "more than an import takes" in message
    assert Record.objects.count() == 0


def test_a_workbook_within_the_limits_and_its_dimension_is_imported(library):
    rows = [row_xml(1, {"A": "Nhan đề", "B": "Tác giả"}), row_xml(2, {"A": "Đất rừng phương Nam", "B": "Đoàn Giỏi"})]

    report = catalog_import(library=library, filename="ok.xlsx", data=workbook_zip(rows, dimension="A1:B2"))

    assert (report.errors, report.created) == ([], 1)


def test_rows_and_columns_limits_come_from_the_settings(library, settings):
    settings.IMPORT_MAX_ROWS = 3
    settings.IMPORT_MAX_COLUMNS = 2
    heading = row_xml(1, {"A": "Nhan đề"})

    too_long = catalog_import(
        library=library,
        filename="x.xlsx",
        data=workbook_zip([heading, *(row_xml(n, {"A": f"Sách {n}"}) for n in (2, 3, 4))]),
    )
    too_wide = catalog_import(library=library, filename="x.xlsx", data=workbook_zip([heading, row_xml(2, {"C": "x"})]))

    assert "row 4" in _refusal(too_long)
    assert "column C" in _refusal(too_wide)
    assert Record.objects.count() == 0


def test_too_many_values_are_refused(library, settings):
    settings.IMPORT_MAX_CELLS = 3
    rows = [row_xml(1, {"A": "Nhan đề", "B": "Tác giả"}), row_xml(2, {"A": "Sách", "B": "Tác giả"})]

    report = catalog_import(library=library, filename="x.xlsx", data=workbook_zip(rows))

    assert "more than 3 values" in _refusal(report)


def test_a_part_that_inflates_a_thousandfold_is_refused_as_a_zip_bomb(library):
    # Given a workbook carrying 8 MB of zeros that pack into a few kilobytes
    data = workbook_zip([row_xml(1, {"A": "Nhan đề"})], extra={"xl/media/padding.bin": bytes(8 * 1024 * 1024)})
    assert len(data) < 64 * 1024

    report = catalog_import(library=library, filename="x.xlsx", data=data)

    assert "xl/media/padding.bin" in _refusal(report)
    assert "ZIP bomb" in _refusal(report)


def test_too_many_parts_or_too_much_unpacked_data_is_refused(library, settings):
    settings.IMPORT_MAX_ZIP_MEMBERS = 10
    many = workbook_zip([row_xml(1, {"A": "Nhan đề"})], extra={f"xl/media/{n}.txt": b"x" for n in range(10)})
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1024
    large = workbook_zip([row_xml(1, {"A": "Nhan đề"})], extra={"xl/media/a.txt": b"x" * 2048})

    assert "parts" in _refusal(catalog_import(library=library, filename="x.xlsx", data=many))
    assert "unpacks to more than" in _refusal(catalog_import(library=library, filename="x.xlsx", data=large))


def test_a_workbook_with_a_dtd_is_refused_as_unreadable(library):
    # Given a sheet with entities that would expand (the "billion laughs" shape)
    sheet = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><worksheet><sheetData/></worksheet>'
    data = workbook_zip([], sheet=sheet)

    assert "cannot be read" in _refusal(catalog_import(library=library, filename="x.xlsx", data=data))


def test_csv_rows_and_columns_limits(library, settings):
    settings.IMPORT_MAX_ROWS = 3
    settings.IMPORT_MAX_COLUMNS = 3
    long_csv = "Nhan đề\nA\nB\nC\n"
    wide_csv = "Nhan đề,Tác giả\nA,B,,,,\nC,D,E,F\n"
    trailing_blank_lines = "Nhan đề\nA\n" + "\n" * 50 + ",,,,,,\n" * 50

    assert "Row 4" in _refusal(catalog_import(library=library, filename="x.csv", data=long_csv.encode()))
    assert "Row 3 of the CSV file has 4 columns" in _refusal(
        catalog_import(library=library, filename="x.csv", data=wide_csv.encode())
    )
    assert catalog_import(library=library, filename="x.csv", data=trailing_blank_lines.encode()).created == 1


@pytest.mark.parametrize("kind", ["claimed_corner", "far_row"])
def test_the_admin_import_page_shows_the_refusal(client, library, librarian, kind):
    client.force_login(librarian)

    response = client.post(
        "/admin/catalog/import/",
        {"library": library.pk, "file": SimpleUploadedFile("bom.xlsx", catalog_bomb(kind), content_type=XLSX)},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert NAMED[kind] in job.report["errors"][0]["message"]
    assert "XFD" in response.content.decode() or "1,000,000" in response.content.decode()
    assert Record.objects.count() == 0
