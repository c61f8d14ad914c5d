"""Catalog export (CSV, MARC21, MARCXML) and the round trip: export, empty the catalog,
import the file, and the same records come back."""

import csv
import io

from django.utils import translation

import pymarc
import pytest

from catalog.exporting import catalog_export
from catalog.importing import catalog_import, catalog_import_template
from catalog.models import AccessLevel, Copy, DigitalFile, Language, MaterialKind, Record, RecordContributor
from tests.factories.catalog import CopyFactory, RecordFactory

CATALOG_CSV = """Nhan đề,Phụ đề,Tác giả,Nhà xuất bản,Năm xuất bản,Lần xuất bản,ISBN,Ngôn ngữ,Tóm tắt,Phân loại DDC,\
Môn học,Khối lớp,Từ khóa,Loại tài liệu,Quyền truy cập,Ghi chú bản quyền,Mã vạch,Ký hiệu xếp giá,Vị trí kệ,Liên kết
Đất rừng phương Nam,Tiểu thuyết,Đoàn Giỏi; Tạ Huy Long (minh họa),Kim Đồng,2019,Tái bản lần thứ 10,9786042152341,\
Tiếng Việt,"Bé An lưu lạc.

Phần hai: rừng U Minh.",895.922334,Ngữ văn,6;7,Văn học thiếu nhi; Nam Bộ,Sách in,Mọi người,,CK-0101;CK-0102,\
895.922 Đ406G,Kệ văn học,
Toán 6. Tập một,,Hà Huy Khoái (chủ biên); Nguyễn Huy Đoan,Giáo dục Việt Nam,2021,,,Tiếng Việt,,510,Toán,6,,\
Sách điện tử,Bạn đọc đã đăng nhập,Bản quyền NXB Giáo dục Việt Nam,,,,https://hanhtrangso.example.vn/toan-6
The Little Prince,,"Saint-Exupéry, Antoine de; Nguyễn Thành Long (dịch)",Hội Nhà văn,2017,,,Tiếng Anh,,843.912,\
,Mầm non,,Sách nói,Cán bộ thư viện,,CK-0103,,,
=SUM(1+1) không phải công thức,,,,,,,,,,,,,Giáo án,,,,,,
"""


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def catalog(library, librarian):
    """Four imported records of every kind of value, and a record catalogued by hand."""
    report = catalog_import(library=library, filename="catalog.csv", data=CATALOG_CSV.encode(), user=librarian)
    assert report.committed, report.errors
    manual = RecordFactory(
        library=library, title="Quê nội", authors=["Võ Quảng"], year=1974, isbn="9786042021838", ddc="895.9223"
    )
    RecordContributor.objects.create(record=manual, name="Lê Minh Hà", role="editor", sort_order=1)
    CopyFactory(record=manual, library=library, barcode="CK-0104", call_number="895.922 V400Q", shelf_location="")
    return Record.objects.all()


def snapshot() -> list[tuple]:
    """Everything the round trip must keep, record by record (codes are given anew)."""
    rows = []
    for record in Record.objects.all():
        rows.append(
            (
                record.title,
                record.subtitle,
                tuple(record.contributors.values_list("name", "role")),
                record.publisher,
                record.year,
                record.edition,
                record.isbn,
                record.language,
                record.summary,
                record.ddc,
                tuple(sorted(record.subjects.values_list("code", flat=True))),
                tuple(sorted(record.grades.values_list("code", flat=True))),
                tuple(sorted(record.keywords.names())),
                record.kind,
                record.access_level,
                record.licence_note,
                tuple(sorted(record.copies.values_list("barcode", "library__code", "call_number", "shelf_location"))),
                tuple(record.digital_files.values_list("format", "url")),
            )
        )
    return sorted(rows)


def catalog_empty() -> None:
    Copy.objects.all().delete()
    Record.objects.all().delete()


@pytest.mark.parametrize("export_format", ["csv", "marc", "marcxml"])
def test_an_export_imported_into_an_empty_catalog_recreates_the_records(catalog, library, export_format):
    # Given a catalog with printed books, an e-book with a link, an audiobook and a lesson plan
    before = snapshot()
    assert len(before) == 5

    # When it is exported, the catalog emptied, and the file imported again
    data = catalog_export(records=catalog, format=export_format)
    catalog_empty()
    report = catalog_import(library=library, filename=f"export.{export_format}", data=data)

    # Then the same records, contributors, subjects, grades, keywords, copies and links come back
    assert report.errors == []
    assert (report.format, report.total, report.created, report.copies_created, report.links_created) == (
        export_format,
        5,
        5,
        4,
        1,
    )
    assert snapshot() == before


def test_csv_export_uses_the_import_headings_and_vietnamese_values(catalog):
    data = catalog_export(records=catalog.filter(title="Toán 6. Tập một"), format="csv")

    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the diacritics
    [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    template_headings = next(csv.reader(io.StringIO(catalog_import_template(format="csv").decode("utf-8-sig"))))
    assert set(template_headings) < set(row)
    assert row["Mã học liệu"].startswith("HL")
    assert row["Tác giả"] == "Hà Huy Khoái (biên tập); Nguyễn Huy Đoan"
    assert (row["Ngôn ngữ"], row["Loại tài liệu"], row["Quyền truy cập"]) == (
        "Tiếng Việt",
        "Sách điện tử",
        "Bạn đọc đã đăng nhập",
    )
    assert (row["Môn học"], row["Khối lớp"], row["Liên kết"]) == (
        "Toán",
        "Lớp 6",
        "https://hanhtrangso.example.vn/toan-6",
    )


def test_csv_export_keeps_spreadsheets_from_running_a_title_as_a_formula(catalog):
    data = catalog_export(records=catalog.filter(kind=MaterialKind.LESSON_PLAN), format="csv")

    [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert row["Nhan đề"] == "'=SUM(1+1) không phải công thức"


def test_marc_export_is_utf8_marc21_with_holdings(catalog):
    data = catalog_export(records=catalog.filter(title="Đất rừng phương Nam"), format="marc")

    [marc] = list(pymarc.MARCReader(data, to_unicode=True))
    assert marc.leader[6] == "a"
    assert marc.leader[9] == "a"
    assert marc["245"]["a"] == "Đất rừng phương Nam :"
    assert marc["245"]["b"] == "Tiểu thuyết"
    assert marc["020"]["a"] == "9786042152341"
    assert marc["008"].data[35:38] == "vie"
    assert [(f["a"], f["4"]) for f in marc.get_fields("100", "700")] == [
        ("Đoàn Giỏi", "aut"),
        ("Tạ Huy Long", "ill"),
    ]
    assert sorted((f["p"], f["o"], f["c"]) for f in marc.get_fields("952")) == [
        ("CK-0101", "895.922 Đ406G", "Kệ văn học"),
        ("CK-0102", "895.922 Đ406G", "Kệ văn học"),
    ]
    assert marc["001"].data.startswith("HL")


def test_marcxml_export_is_a_marc21_slim_collection(catalog):
    data = catalog_export(records=catalog, format="marcxml")

    assert b'<collection xmlns="http://www.loc.gov/MARC21/slim">' in data
    records = pymarc.parse_xml_to_array(io.BytesIO(data), strict=True)
    assert len(records) == 5
    audiobook = next(r for r in records if r["245"]["a"] == "The Little Prince")
    assert audiobook.leader[6] == "i"
    assert audiobook["942"]["c"] == MaterialKind.AUDIOBOOK


def test_an_export_for_a_library_carries_only_its_copies(record, library, other_library):
    CopyFactory(record=record, library=other_library, barcode="PNT-0001")

    data = catalog_export(records=Record.objects.all(), format="csv", library=other_library)

    [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert row["Mã vạch"] == "PNT-0001"


def test_withdrawn_copies_are_not_exported(record):
    Copy.objects.filter(barcode="CK000001").update(status="withdrawn")

    data = catalog_export(records=Record.objects.all(), format="marc")

    [marc] = list(pymarc.MARCReader(data))
    assert marc.get_fields("952") == []


def test_every_kind_language_and_access_level_survives_a_marc_round_trip(library):
    kinds, languages, levels = MaterialKind.values, Language.values, AccessLevel.values
    for index, kind in enumerate(kinds):
        RecordFactory(
            library=library,
            title=f"Học liệu số {index}",
            kind=kind,
            language=languages[index % len(languages)],
            access_level=levels[index % len(levels)],
        )
    before = snapshot()
    data = catalog_export(records=Record.objects.all(), format="marc")
    catalog_empty()

    catalog_import(library=library, filename="x.mrc", data=data)

    assert snapshot() == before
    assert DigitalFile.objects.count() == 0


def test_csv_export_escapes_every_formula_a_librarian_typed_and_the_import_reads_it_back(library):
    # Given a record whose title, author and publisher a spreadsheet would run as formulas
    RecordFactory(
        library=library,
        title="-2+3+cmd|' /C calc'!A0",
        authors=["@SUM(A1:A9)"],
        publisher='=HYPERLINK("http://evil.example","Nhà xuất bản")',
        year=2021,
    )

    # When the catalog is exported as CSV
    data = catalog_export(records=Record.objects.all(), format="csv")

    # Then each of them is text behind a quote, no cell starts a formula, the rest is as typed
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    [row] = [dict(zip(header, values, strict=True)) for values in rows]
    assert (row["Nhan đề"], row["Tác giả"], row["Nhà xuất bản"], row["Năm xuất bản"]) == (
        "'-2+3+cmd|' /C calc'!A0",
        "'@SUM(A1:A9)",
        '\'=HYPERLINK("http://evil.example","Nhà xuất bản")',
        "2021",
    )
    assert not [cell for cell in row.values() if cell.lstrip().startswith(("=", "+", "-", "@"))]
    # And importing the file gives back the text as it was typed
    catalog_empty()
    assert catalog_import(library=library, filename="export.csv", data=data).committed
    record = Record.objects.get()
    assert (record.title, record.publisher, record.contributors.get().name) == (
        "-2+3+cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example","Nhà xuất bản")',
        "@SUM(A1:A9)",
    )
