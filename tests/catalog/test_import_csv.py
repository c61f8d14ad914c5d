"""Catalog import from CSV: encodings, headings, row checks, duplicates, all-or-nothing."""

import csv
import io
import json
import unicodedata

from django.utils import translation

import pytest

from catalog.importing import FILE_LEVEL, catalog_import, catalog_import_template
from catalog.models import (
    AccessLevel,
    CodeSequence,
    ContributorRole,
    Copy,
    DigitalFile,
    Language,
    MaterialKind,
    Record,
)
from catalog.services.records import record_withdraw
from tests.encodings import cp1258_encode
from tests.factories.catalog import RecordFactory

HEADINGS = [
    "Nhan đề",
    "Phụ đề",
    "Tác giả",
    "Nhà xuất bản",
    "Năm xuất bản",
    "ISBN",
    "Môn học",
    "Khối lớp",
    "Từ khóa",
    "Loại tài liệu",
    "Mã vạch",
    "Ký hiệu xếp giá",
    "Vị trí kệ",
]


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def csv_bytes(rows, *, headings=HEADINGS, delimiter=",", bom=False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def row(title="Dế Mèn phiêu lưu ký", **values) -> list[str]:
    """A data row in the order of HEADINGS."""
    defaults = {
        "Phụ đề": "",
        "Tác giả": "Tô Hoài",
        "Nhà xuất bản": "Nhà xuất bản Kim Đồng",
        "Năm xuất bản": "2018",
        "ISBN": "",
        "Môn học": "",
        "Khối lớp": "",
        "Từ khóa": "",
        "Loại tài liệu": "",
        "Mã vạch": "",
        "Ký hiệu xếp giá": "",
        "Vị trí kệ": "",
    }
    defaults.update({key.replace("_", " "): value for key, value in values.items()})
    return [title] + [defaults[heading] for heading in HEADINGS[1:]]


def test_a_good_csv_file_creates_records_with_contributors_subjects_grades_keywords_and_copies(library, librarian):
    # Given a UTF-8 CSV with the template's Vietnamese headings
    data = csv_bytes(
        [
            row(
                "Dế Mèn phiêu lưu ký",
                Tác_giả="Tô Hoài; Tạ Huy Long (minh họa)",
                ISBN="978-604-2-15234-1",
                Môn_học="Ngữ văn",
                Khối_lớp="6; 7",
                Từ_khóa="Văn học thiếu nhi; Loài vật",
                Loại_tài_liệu="Sách in",
                Mã_vạch="ck-100; CK101",
                Ký_hiệu_xếp_giá="895.922 T450H",
                Vị_trí_kệ="Kệ văn học",
            ),
            row("Toán 6. Tập một", Tác_giả="Hà Huy Khoái (chủ biên)", Năm_xuất_bản="2021", Môn_học="toan"),
        ]
    )

    # When the librarian imports it
    report = catalog_import(library=library, filename="sach.csv", data=data, user=librarian)

    # Then both records exist, owned by the library, with everything the rows said
    assert (report.format, report.total, report.created, report.matched, report.copies_created) == ("csv", 2, 2, 0, 2)
    assert report.committed
    assert report.errors == []
    novel = Record.objects.get(title="Dế Mèn phiêu lưu ký")
    assert novel.code.startswith("HL")
    assert novel.library == library
    assert (novel.publisher, novel.year, novel.isbn, novel.kind) == (
        "Nhà xuất bản Kim Đồng",
        2018,
        "9786042152341",
        MaterialKind.PRINTED_BOOK,
    )
    assert list(novel.contributors.values_list("name", "role")) == [
        ("Tô Hoài", ContributorRole.AUTHOR),
        ("Tạ Huy Long", ContributorRole.ILLUSTRATOR),
    ]
    assert list(novel.subjects.values_list("code", flat=True)) == ["ngu-van"]
    assert sorted(novel.grades.values_list("code", flat=True)) == ["6", "7"]
    assert sorted(novel.keywords.names()) == ["Loài vật", "Văn học thiếu nhi"]
    assert novel.created_by == librarian
    assert novel.updated_by == librarian
    assert novel.match_key == "de men phieu luu ky|to hoai|2018"
    assert sorted(novel.copies.values_list("barcode", "library__code", "call_number", "shelf_location")) == [
        ("CK-100", library.code, "895.922 T450H", "Kệ văn học"),
        ("CK101", library.code, "895.922 T450H", "Kệ văn học"),
    ]
    textbook = Record.objects.get(title="Toán 6. Tập một")
    assert list(textbook.contributors.values_list("role", flat=True)) == [ContributorRole.EDITOR]
    assert list(textbook.subjects.values_list("code", flat=True)) == ["toan"]
    assert textbook.first_author == "Hà Huy Khoái"


def test_english_headings_semicolons_and_a_bom_are_read_like_the_template(library):
    # Given a CSV saved by Excel as "CSV UTF-8" in a Vietnamese locale: BOM, ";" and English headings
    headings = ["TITLE", "Authors", "Year", "Language", "Kind", "Access", "Barcodes"]
    data = csv_bytes(
        [["Vietnamese Folk Tales", "Nguyen, An (translator)", "2015", "en", "E-book", "readers", ""]],
        headings=headings,
        delimiter=";",
        bom=True,
    )

    report = catalog_import(library=library, filename="books.txt", data=data)

    record = Record.objects.get()
    assert report.committed
    assert record.title == "Vietnamese Folk Tales"  # no BOM glued to the first heading
    assert list(record.contributors.values_list("name", "role")) == [("Nguyen, An", ContributorRole.TRANSLATOR)]
    assert (record.language, record.kind, record.access_level) == (
        Language.ENGLISH,
        MaterialKind.EBOOK,
        AccessLevel.READERS,
    )


def test_decomposed_vietnamese_is_stored_composed(library):
    # Given text typed on a Mac (NFD: tone marks as separate combining characters)
    title = unicodedata.normalize("NFD", "Những ngôi sao xa xôi")
    author = unicodedata.normalize("NFD", "Lê Minh Khuê")
    data = unicodedata.normalize("NFD", "Nhan đề,Tác giả\n").encode() + f"{title},{author}\n".encode()

    catalog_import(library=library, filename="nfd.csv", data=data)

    record = Record.objects.get()
    assert record.title == unicodedata.normalize("NFC", "Những ngôi sao xa xôi")
    assert record.contributors.get().name == unicodedata.normalize("NFC", "Lê Minh Khuê")
    assert record.match_key == "nhung ngoi sao xa xoi|le minh khue|"


def test_a_windows_1258_file_is_recognised_and_imported(library):
    # Given a CSV saved by an old Vietnamese Windows program (CP1258, combining tone marks)
    text = "Nhan đề,Tác giả,Năm xuất bản\nTruyện Kiều,Nguyễn Du,2015\nĐất rừng phương Nam,Đoàn Giỏi,2019\n"
    data = cp1258_encode(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    report = catalog_import(library=library, filename="cu.csv", data=data)

    assert report.committed
    assert report.created == 2
    assert sorted(Record.objects.values_list("title", flat=True)) == ["Truyện Kiều", "Đất rừng phương Nam"]
    assert Record.objects.get(title="Truyện Kiều").contributors.get().name == "Nguyễn Du"


def test_a_file_in_another_encoding_is_refused_with_how_to_convert_it(library):
    # Given a CSV in Windows-1252 (a German list): not UTF-8 and not Vietnamese
    data = "Nhan de,Tac gia\nMärchen,Grüße Müller\n".encode("cp1252")

    report = catalog_import(library=library, filename="de.csv", data=data)

    assert not report.committed
    assert Record.objects.count() == 0
    [error] = report.errors
    assert error.row == FILE_LEVEL
    assert "CSV UTF-8" in error.message
    assert "iconv -f CP1258 -t UTF-8 in.csv > out.csv" in error.message


def test_a_missing_title_column_is_one_error_naming_the_column(library):
    data = csv_bytes([["Tô Hoài", "2018"]], headings=["Tác giả", "Năm xuất bản"])

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert [(e.row, e.message) for e in report.errors] == [
        (FILE_LEVEL, "The required column “Nhan đề” is missing. Add a column headed “Nhan đề” (or “title”).")
    ]


def test_each_bad_value_is_reported_with_its_spreadsheet_row_and_column(library):
    # Given rows with a wrong check digit, a year out of range, a bad DDC class and unknown values
    headings = [*HEADINGS, "Phân loại DDC", "Ngôn ngữ"]
    data = csv_bytes(
        [
            [*row("Sách một", ISBN="978-604-2-12452-5"), "895.922", "Tiếng Việt"],
            [*row("Sách hai", Năm_xuất_bản="3020"), "", ""],
            [*row("Sách ba"), "Văn học", ""],
            [*row("Sách bốn", Môn_học="Toán cao cấp", Khối_lớp="13", Loại_tài_liệu="Sách bay"), "", "Klingon"],
            [*row(""), "", ""],
        ],
        headings=headings,
    )

    report = catalog_import(library=library, filename="loi.csv", data=data)

    # Then every problem is listed with the line the librarian sees in Excel (heading = line 1)
    assert {(e.row, e.field, e.message) for e in report.errors} == {
        (2, "ISBN", "ISBN 978-604-2-12452-5 has a wrong check digit."),
        (3, "Năm xuất bản", "Year 3020 is out of range: it must be between 1000 and " + str(_next_year()) + "."),
        (4, "Phân loại DDC", "DDC class “Văn học” is not valid: a DDC class looks like 895.922 or 510."),
        (
            5,
            "Môn học",
            "Unknown subject “Toán cao cấp”. Use a subject of the 2018 curriculum, e.g. Toán or ngu-van.",
        ),
        (5, "Khối lớp", "Unknown grade “13”. Use 1 to 12, a range such as 6-9, or Mầm non."),
        (
            5,
            "Loại tài liệu",
            "Unknown material kind “Sách bay”. Use e.g. Sách in, Sách điện tử, Sách nói, Video, Giáo án.",
        ),
        (
            5,
            "Ngôn ngữ",
            "Unknown language “Klingon”. Use e.g. Tiếng Việt, Tiếng Anh or a code such as vi, en.",
        ),
        (6, "Nhan đề", "The title is empty."),
    }
    assert not report.committed
    assert Record.objects.count() == 0


def _next_year():
    import datetime

    return datetime.date.today().year + 1


def test_one_bad_row_among_good_ones_writes_nothing(library, librarian):
    # Given two good rows and one with a wrong ISBN check digit
    codes_before = sorted(CodeSequence.objects.values_list("name", "last_value"))
    data = csv_bytes(
        [
            row("Sách tốt một", Mã_vạch="GOOD-0001"),
            row("Sách lỗi", ISBN="9786042124524"),
            row("Sách tốt hai", Mã_vạch="GOOD-0002"),
        ]
    )

    report = catalog_import(library=library, filename="x.csv", data=data, user=librarian)

    # Then nothing at all is written, not even a reserved code
    assert [e.row for e in report.errors] == [3]
    assert (report.committed, report.created, report.copies_created) == (False, 0, 0)
    assert Record.objects.count() == 0
    assert Copy.objects.count() == 0
    assert sorted(CodeSequence.objects.values_list("name", "last_value")) == codes_before


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(library, record):
    data = csv_bytes(
        [
            row("Sách mới", Mã_vạch="NEW-0001; NEW-0002"),
            row("Đất rừng phương Nam", Tác_giả="Đoàn Giỏi", Năm_xuất_bản="2019", Mã_vạch="NEW-0003"),
        ]
    )

    report = catalog_import(library=library, filename="x.csv", data=data, dry_run=True)

    assert (report.dry_run, report.committed) == (True, False)
    assert (report.created, report.matched, report.copies_created) == (1, 1, 3)
    assert Record.objects.count() == 1
    assert Copy.objects.count() == 1


def test_isbn_10_is_stored_as_isbn_13(library):
    report = catalog_import(library=library, filename="x.csv", data=csv_bytes([row(ISBN="0-306-40615-2")]))

    assert report.committed
    assert Record.objects.get().isbn == "9780306406157"


VALID_ISBN = "9786042124522"  # the fixture record's ISBN has a wrong check digit; this is the right one


def with_valid_isbn(record: Record) -> Record:
    Record.objects.filter(pk=record.pk).update(isbn=VALID_ISBN)
    record.refresh_from_db()
    return record


def test_a_row_with_the_isbn_of_a_catalog_record_adds_its_copies_to_that_record(record, other_library):
    # Given the shared catalog has "Đất rừng phương Nam" (owned by another library)
    with_valid_isbn(record)
    data = csv_bytes([row("Dat rung phuong Nam (tai ban)", ISBN="978-604-2-12452-2", Mã_vạch="PNT-0001")])

    # When a second library imports a row with the same ISBN
    report = catalog_import(library=other_library, filename="x.csv", data=data)

    # Then no second record is made: the copy is added to the existing one, held by the importer
    assert (report.created, report.matched, report.copies_created) == (0, 1, 1)
    assert Record.objects.count() == 1
    copy = Copy.objects.get(barcode="PNT-0001")
    assert (copy.record, copy.library) == (record, other_library)
    [duplicate] = report.duplicates
    assert (duplicate.row, duplicate.reason, duplicate.record_code) == (2, "same ISBN", record.code)
    assert duplicate.match == f"{record.code} · Đất rừng phương Nam"


def test_a_row_with_the_title_first_author_and_year_of_a_catalog_record_is_merged(record, library):
    data = csv_bytes([row("ĐẤT RỪNG PHƯƠNG NAM", Tác_giả="Đoàn Giỏi", Năm_xuất_bản="2019", Mã_vạch="CK000002")])

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert (report.created, report.matched) == (0, 1)
    assert report.duplicates[0].reason == "same title, first author and year"
    assert sorted(record.copies.values_list("barcode", flat=True)) == ["CK000001", "CK000002"]


def test_rows_repeating_an_earlier_row_become_one_record_with_all_the_copies(library):
    data = csv_bytes(
        [
            row("Truyện Kiều", Tác_giả="Nguyễn Du", Năm_xuất_bản="2015", ISBN="9786042152341", Mã_vạch="KIEU-001"),
            row("Truyện Kiều", Tác_giả="Nguyễn Du", Năm_xuất_bản="2015", Mã_vạch="KIEU-002"),
            row("Truyen Kieu", Tác_giả="Nguyen Du", Năm_xuất_bản="2016", ISBN="978-604-2-15234-1", Mã_vạch="KIEU-003"),
        ]
    )

    report = catalog_import(library=library, filename="x.csv", data=data)

    record = Record.objects.get()
    assert (report.created, report.matched, report.copies_created) == (1, 2, 3)
    assert sorted(record.copies.values_list("barcode", flat=True)) == ["KIEU-001", "KIEU-002", "KIEU-003"]
    assert [(d.row, d.reason_code, d.other_row, d.record_code) for d in report.duplicates] == [
        (3, "title_author_year", 2, record.code),
        (4, "isbn", 2, record.code),
    ]


def test_different_works_that_share_a_title_are_not_merged(library):
    # Same title, author and year but different ISBNs or subtitles; a bare title without author or year
    data = csv_bytes(
        [
            row("Perl", Phụ_đề="The complete reference", Tác_giả="Brown, Martin C.", Năm_xuất_bản="1999"),
            row("Perl", Phụ_đề="Programmer's reference", Tác_giả="Brown, Martin C.", Năm_xuất_bản="1999"),
            row("Toán 6", Tác_giả="", Năm_xuất_bản="", ISBN="978-604-0-00001-9"),
            row("Toán 6", Tác_giả="", Năm_xuất_bản=""),
        ]
    )

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert report.errors == []
    assert (report.created, report.matched) == (4, 0)


def test_a_withdrawn_record_is_not_matched(record, library):
    record_withdraw(record=with_valid_isbn(record))
    data = csv_bytes([row("Đất rừng phương Nam", ISBN=VALID_ISBN)])

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert (report.created, report.matched) == (1, 0)


def test_barcodes_must_be_valid_new_and_used_once(record, library):
    data = csv_bytes(
        [
            row("Sách một", Mã_vạch="CK000001"),  # a copy of the fixture record has it
            row("Sách hai", Mã_vạch="AB-1234; ab-1234"),  # twice in the file (case does not matter)
            row("Sách ba", Mã_vạch="MÃ SỐ 1"),  # diacritics and a space
        ]
    )

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (2, "Mã vạch", f"Barcode CK000001 is already used by a copy of “Đất rừng phương Nam” ({record.code})."),
        (3, "Mã vạch", "Barcode AB-1234 appears more than once in the file (first in row 3)."),
        (
            4,
            "Mã vạch",
            "Barcode “MÃ SỐ 1” is not valid: a barcode has 4–32 letters without diacritics, digits or hyphens.",
        ),
    ]
    assert Copy.objects.count() == 1


def test_kind_defaults_to_printed_book_and_accepts_values_and_labels(library):
    headings = ["Nhan đề", "Loại tài liệu", "Liên kết"]
    data = csv_bytes(
        [
            ["Sách không ghi loại", "", ""],
            ["Truyện audio", "Sách nói", "https://sachnoi.example.vn/truyen-audio"],
            ["Bài giảng Toán 6", "elearning_lecture", ""],
        ],
        headings=headings,
    )

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert report.links_created == 1
    kinds = dict(Record.objects.values_list("title", "kind"))
    assert kinds == {
        "Sách không ghi loại": MaterialKind.PRINTED_BOOK,
        "Truyện audio": MaterialKind.AUDIOBOOK,
        "Bài giảng Toán 6": MaterialKind.ELEARNING_LECTURE,
    }
    link = DigitalFile.objects.get()
    assert (link.record.title, link.format, link.url) == (
        "Truyện audio",
        "link",
        "https://sachnoi.example.vn/truyen-audio",
    )


def test_a_title_line_above_the_headings_is_skipped_and_unknown_columns_are_listed(library):
    text = (
        "DANH MỤC SÁCH THƯ VIỆN TRƯỜNG THCS CẦU KIỆU,,\n"
        ",,\n"
        "STT,Nhan đề,Giá bìa\n"
        "1,Dế Mèn phiêu lưu ký,45000\n"
        "2,Tôi thấy hoa vàng trên cỏ xanh,110000\n"
    )

    report = catalog_import(library=library, filename="x.csv", data=text.encode())

    assert report.created == 2
    assert report.ignored_columns == ["STT", "Giá bìa"]


def test_an_error_row_number_counts_blank_lines_like_a_spreadsheet(library):
    text = "Nhan đề,ISBN\nSách một,\n\nSách hai,123\n"

    report = catalog_import(library=library, filename="x.csv", data=text.encode())

    assert [e.row for e in report.errors] == [4]
    assert report.total == 2


def test_progress_is_reported_every_few_hundred_rows(library):
    data = csv_bytes([row(f"Tuyển tập số {n}", Năm_xuất_bản="2020") for n in range(600)])
    calls = []

    def progress(done, total):
        calls.append((done, total))

    catalog_import(library=library, filename="x.csv", data=data, progress=progress)

    assert calls[0] == (250, 600)
    assert calls[-1] == (600, 600)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


def test_the_report_is_json_serialisable(record, library):
    with_valid_isbn(record)
    data = csv_bytes([row("Đất rừng phương Nam", ISBN=VALID_ISBN), row("", ISBN="12")])

    report = catalog_import(library=library, filename="x.csv", data=data)

    stored = json.loads(json.dumps(report.as_dict()))
    assert stored["format"] == "csv"
    assert stored["committed"] is False
    assert stored["errors"][0]["row"] == 3
    assert stored["duplicates"][0]["record_code"] == record.code


@pytest.mark.parametrize("template_format", ["csv", "xlsx"])
def test_the_downloadable_template_imports_its_example_row(library, template_format):
    data = catalog_import_template(format=template_format)

    report = catalog_import(library=library, filename=f"mau.{template_format}", data=data)

    assert report.format == template_format
    assert (report.errors, report.created, report.copies_created, report.ignored_columns) == ([], 1, 2, [])
    record = Record.objects.get()
    assert record.title == "Đất rừng phương Nam"
    assert list(record.contributors.values_list("role", flat=True)) == [
        ContributorRole.AUTHOR,
        ContributorRole.ILLUSTRATOR,
    ]


def test_an_empty_file_and_a_file_with_only_headings_are_refused(library):
    empty = catalog_import(library=library, filename="x.csv", data=b"  \n")
    headings_only = catalog_import(library=library, filename="x.csv", data=csv_bytes([]))

    assert [e.message for e in empty.errors] == ["The file is empty."]
    assert [e.message for e in headings_only.errors] == ["The file has no data rows below the column headings."]


def test_an_old_records_title_typed_differently_still_matches_through_its_match_key(library):
    # Given a record catalogued in the admin (its match key is computed from its contributors)
    existing = RecordFactory(library=library, title="Tôi thấy hoa vàng trên cỏ xanh", authors=["Nguyễn Nhật Ánh"])
    data = csv_bytes([row("Tôi thấy hoa vàng trên cỏ xanh!", Tác_giả="NGUYỄN NHẬT ÁNH", Năm_xuất_bản="2020")])

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert (report.matched, report.duplicates[0].record_code) == (1, existing.code)


def test_a_barcode_taken_by_someone_else_during_the_import_is_reported_not_crashed(record, library, monkeypatch):
    # Given another import takes barcode CK000001 between the checks and the writing
    monkeypatch.setattr("catalog.importing.pipeline._barcodes_check", lambda candidates: None)
    data = csv_bytes([row("Sách một", Mã_vạch="NEW-0001"), row("Sách hai", Mã_vạch="CK000001")])

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert not report.committed
    assert [e.row for e in report.errors] == [FILE_LEVEL]
    assert "Nothing was saved" in report.errors[0].message
    assert list(Record.objects.values_list("title", flat=True)) == ["Đất rừng phương Nam"]
    assert not Copy.objects.filter(barcode="NEW-0001").exists()


def test_the_delimiter_is_found_from_the_headings_even_below_a_title_line(library):
    text = "Danh mục sách tặng thư viện, năm 2025\nNhan đề;Tác giả;Năm xuất bản\nTruyện Kiều, bản đẹp;Nguyễn Du;2015\n"

    report = catalog_import(library=library, filename="x.csv", data=text.encode())

    assert report.errors == []
    record = Record.objects.get()
    assert (record.title, record.year, record.contributors.get().name) == ("Truyện Kiều, bản đẹp", 2015, "Nguyễn Du")


def test_an_isbn_that_excel_turned_into_a_number_gets_a_hint(library):
    report = catalog_import(library=library, filename="x.csv", data=csv_bytes([row(ISBN="9.78604E+12")]))

    assert [e.message for e in report.errors] == [
        "ISBN 9.78604E+12 was turned into a number by Excel. Format the ISBN column as Text, type the ISBNs "
        "again and save the file again."
    ]


def test_keywords_reuse_existing_tags_and_new_ones_get_unique_slugs(library):
    from taggit.models import Tag

    existing = Tag.objects.create(name="Thiếu nhi", slug="thiếu-nhi")
    Tag.objects.create(name="perl", slug="perl")
    data = csv_bytes(
        [
            row("Sách một", Từ_khóa="Thiếu nhi; Văn học"),
            row("Sách hai", Từ_khóa="văn học; Perl"),
        ]
    )

    report = catalog_import(library=library, filename="x.csv", data=data)

    assert report.errors == []
    assert set(Record.objects.get(title="Sách một").keywords.all()) == {existing, Tag.objects.get(name="Văn học")}
    assert sorted(Record.objects.get(title="Sách hai").keywords.names()) == ["Perl", "Văn học"]
    assert not Tag.objects.filter(name="văn học").exists()
    assert Tag.objects.get(name="Perl").slug == "perl_1"
