"""Catalog import from Excel workbooks (.xlsx), built here with openpyxl."""

import io
import zipfile

from django.utils import translation

import openpyxl
import pytest

from catalog.importing import FILE_LEVEL, catalog_import
from catalog.models import Copy, MaterialKind, Record


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def workbook_bytes(*rows, sheet_title="Sheet1", extra_sheet_first=False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if extra_sheet_first:
        sheet.title = "Bìa"
        sheet.append(["Danh mục sách năm học 2025–2026"])
        sheet = workbook.create_sheet(sheet_title)
    else:
        sheet.title = sheet_title
    for values in rows:
        sheet.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_workbook_with_typed_cells_is_imported(library):
    # Given a workbook as librarians type it: numbers as numbers, a title line above the headings
    data = workbook_bytes(
        ["DANH MỤC SÁCH GIÁO KHOA"],
        [],
        ["Nhan đề", "Tác giả", "Năm xuất bản", "ISBN", "Khối lớp", "Mã vạch", "Loại tài liệu"],
        ["Tiếng Việt 1. Tập một", "Bùi Mạnh Hùng (tổng chủ biên)", 2020, 9786040211774, 1, "SGK-0001", "Sách in"],
        [None, None, None, None, None, None, None],
        ["Khoa học 4", "Vũ Văn Hùng", 2023.0, None, "4", "SGK-0002; SGK-0003", "sach dien tu"],
    )

    report = catalog_import(library=library, filename="sgk.xlsx", data=data)

    assert (report.format, report.errors, report.total, report.created, report.copies_created) == (
        "xlsx",
        [],
        2,
        2,
        3,
    )
    first = Record.objects.get(title="Tiếng Việt 1. Tập một")
    assert (first.year, first.isbn, first.kind) == (2020, "9786040211774", MaterialKind.PRINTED_BOOK)
    assert list(first.grades.values_list("code", flat=True)) == ["1"]
    assert first.contributors.get().role == "editor"
    second = Record.objects.get(title="Khoa học 4")
    assert (second.year, second.kind) == (2023, MaterialKind.EBOOK)
    assert sorted(Copy.objects.filter(record=second).values_list("barcode", flat=True)) == ["SGK-0002", "SGK-0003"]


def test_errors_in_a_workbook_name_the_excel_row(library):
    data = workbook_bytes(
        ["Danh mục"],
        ["Nhan đề", "Năm xuất bản"],
        ["Sách một", 2019],
        ["Sách hai", "năm ngoái"],
    )

    report = catalog_import(library=library, filename="x.xlsx", data=data)

    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (4, "Năm xuất bản", "“năm ngoái” is not a year: write four digits, e.g. 2019.")
    ]
    assert Record.objects.count() == 0


def test_the_sheet_with_the_headings_is_used_when_it_is_not_the_first(library):
    data = workbook_bytes(["Nhan đề", "Tác giả"], ["Truyện Kiều", "Nguyễn Du"], extra_sheet_first=True)

    report = catalog_import(library=library, filename="x.xlsx", data=data)

    assert report.created == 1
    assert Record.objects.get().title == "Truyện Kiều"


def test_an_old_xls_workbook_is_refused_with_what_to_do(library):
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

    report = catalog_import(library=library, filename="sach.xls", data=ole_header)

    [error] = report.errors
    assert error.row == FILE_LEVEL
    assert "Excel Workbook (.xlsx)" in error.message


def test_a_zip_that_is_not_a_workbook_is_refused(library):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    report = catalog_import(library=library, filename="sach.xlsx", data=buffer.getvalue())

    assert [e.message for e in report.errors] == [
        "This ZIP file is not an Excel workbook (.xlsx). Upload a .xlsx, a CSV UTF-8 file or a MARC file."
    ]
