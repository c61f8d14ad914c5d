"""Catalog import from MARC21 binary and MARCXML: real records from pymarc's test suite
(tests/data/catalog/marc/, see its README) and Vietnamese records built here."""

import unicodedata
from pathlib import Path

from django.utils import translation

import pymarc
import pytest
from pymarc import Field, Indicators, Subfield

from catalog.importing import FILE_LEVEL, catalog_import
from catalog.models import ContributorRole, Copy, DigitalFile, Language, MaterialKind, Record

MARC_DIR = Path(__file__).resolve().parent.parent / "data" / "catalog" / "marc"


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def marc_file(name: str) -> bytes:
    return (MARC_DIR / name).read_bytes()


def datafield(tag: str, indicators: str, *pairs: tuple[str, str]) -> Field:
    return Field(
        tag=tag,
        indicators=Indicators(indicators[0], indicators[1]),
        subfields=[Subfield(code, value) for code, value in pairs],
    )


def vietnamese_record(*extra: Field, leader: str = "00000nam a2200000 i 4500", title="Đất rừng phương Nam :"):
    """A record as a Vietnamese library system (Koha) exports it."""
    record = pymarc.Record(force_utf8=True, leader=leader)
    record.add_field(
        Field(tag="008", data="250101s2019    vm            000 1 vie d"),
        datafield("020", "  ", ("a", "9786042152341 (bìa mềm)")),
        datafield("041", "0 ", ("a", "vie")),
        datafield("082", "04", ("a", "895.9223/34"), ("2", "23")),
        datafield("100", "0 ", ("a", "Đoàn Giỏi,"), ("4", "aut")),
        datafield("245", "10", ("a", title), ("b", "tiểu thuyết /"), ("c", "Đoàn Giỏi ; Tạ Huy Long minh họa.")),
        datafield("250", "  ", ("a", "Tái bản lần thứ 10.")),
        datafield("260", "  ", ("a", "Hà Nội :"), ("b", "Kim Đồng,"), ("c", "2019.")),
        datafield("520", "  ", ("a", "Cuộc phiêu lưu của bé An qua vùng đất rừng U Minh.")),
        datafield("521", "  ", ("a", "Lớp 6; Lớp 7")),
        datafield("650", " 4", ("a", "Ngữ văn.")),
        datafield("650", " 4", ("a", "Văn học thiếu nhi")),
        datafield("653", "  ", ("a", "Nam Bộ")),
        datafield("700", "0 ", ("a", "Tạ Huy Long"), ("e", "minh họa.")),
        datafield("952", "  ", ("a", "thcs-cau-kieu"), ("p", "KD-0001"), ("o", "895.922 Đ406G"), ("c", "Kệ văn học")),
        datafield("952", "  ", ("p", "kd-0002"), ("o", "895.922 Đ406G")),
        datafield("952", "  ", ("o", "895.922 Đ406G")),
        *extra,
    )
    return record


def test_library_of_congress_records_are_mapped_field_by_field(library):
    # Given ten MARC-8 records from the Library of Congress (pymarc's test.dat)
    report = catalog_import(library=library, filename="test.dat", data=marc_file("test.dat"))

    assert (report.format, report.total, report.errors, report.created) == ("marc", 10, [], 10)
    activeperl = Record.objects.get(title="ActivePerl with ASP and ADO")
    assert (activeperl.publisher, activeperl.year, activeperl.isbn, activeperl.ddc, activeperl.language) == (
        "John Wiley & Sons",
        2000,
        "9780471383147",  # 0471383147 (paper/cd-rom : alk. paper)
        "005.133",  # 005.13/3
        Language.ENGLISH,
    )
    assert list(activeperl.contributors.values_list("name", "role")) == [("Martinsson, Tobias", "author")]
    assert list(activeperl.keywords.names()) == ["Perl (Computer program language)"]
    assert activeperl.kind == MaterialKind.PRINTED_BOOK
    programming = Record.objects.get(title="Programming Perl")
    assert programming.edition == "3rd ed"
    assert list(programming.contributors.values_list("name", flat=True)) == [
        "Wall, Larry",
        "Christiansen, Tom",
        "Orwant, Jon",
    ]
    # "Perl: programmer's reference" and "Perl: the complete reference" (same author, same year) stay two works
    assert sorted(Record.objects.filter(title="Perl").values_list("subtitle", flat=True)) == [
        "programmer's reference",
        "the complete reference",
    ]
    assert Record.objects.get(isbn="9780130208682").contributors.get().name == "Lowe, Vincent"


@pytest.mark.parametrize("name", ["marc8.dat", "utf8_with_leader_flag.dat", "utf8_without_leader_flag.dat"])
def test_marc8_and_utf8_encodings_of_one_record_give_the_same_record(library, name):
    report = catalog_import(library=library, filename=name, data=marc_file(name))

    assert report.errors == []
    record = Record.objects.get()
    assert (record.title, record.publisher, record.year, record.language) == (
        "Escape from loneliness",
        "Westminster Press",
        1962,
        Language.ENGLISH,
    )
    assert list(record.contributors.values_list("name", flat=True)) == ["Tournier, Paul"]
    assert sorted(record.keywords.names()) == ["Loneliness", "Self", "Social Isolation", "Social psychology"]


def test_a_vietnamese_koha_record_brings_subjects_grades_keywords_and_copies(library, librarian):
    data = vietnamese_record().as_marc()

    report = catalog_import(library=library, filename="koha.mrc", data=data, user=librarian)

    assert (report.errors, report.created, report.copies_created) == ([], 1, 3)
    record = Record.objects.get()
    assert (record.title, record.subtitle, record.publisher, record.year, record.edition) == (
        "Đất rừng phương Nam",
        "tiểu thuyết",
        "Kim Đồng",
        2019,
        "Tái bản lần thứ 10",
    )
    assert (record.isbn, record.ddc, record.language, record.kind) == (
        "9786042152341",
        "895.922334",
        Language.VIETNAMESE,
        MaterialKind.PRINTED_BOOK,
    )
    assert record.summary == "Cuộc phiêu lưu của bé An qua vùng đất rừng U Minh."
    assert list(record.contributors.values_list("name", "role")) == [
        ("Đoàn Giỏi", ContributorRole.AUTHOR),
        ("Tạ Huy Long", ContributorRole.ILLUSTRATOR),
    ]
    assert list(record.subjects.values_list("code", flat=True)) == ["ngu-van"]
    assert sorted(record.grades.values_list("code", flat=True)) == ["6", "7"]
    assert sorted(record.keywords.names()) == ["Nam Bộ", "Văn học thiếu nhi"]
    barcodes = sorted(Copy.objects.filter(record=record, library=library).values_list("barcode", flat=True))
    assert barcodes[:2] == ["KD-0001", "KD-0002"]
    assert barcodes[2].startswith("TV")  # the item without a barcode got a generated one
    assert Copy.objects.get(barcode="KD-0001").shelf_location == "Kệ văn học"
    assert record.created_by == librarian


def test_decomposed_text_in_a_marc_record_is_stored_composed(library):
    data = vietnamese_record(title=unicodedata.normalize("NFD", "Đất rừng phương Nam :")).as_marc()

    catalog_import(library=library, filename="nfd.mrc", data=data)

    assert Record.objects.get().title == unicodedata.normalize("NFC", "Đất rừng phương Nam")


def test_utf8_vietnamese_without_the_leader_flag_is_read_as_utf8(library):
    # Given a record whose leader/09 says MARC-8 although its bytes are UTF-8
    data = bytearray(vietnamese_record().as_marc())
    data[9:10] = b" "

    report = catalog_import(library=library, filename="noflag.mrc", data=bytes(data))

    assert report.errors == []
    assert Record.objects.get().title == "Đất rừng phương Nam"


def test_damaged_records_are_reported_by_number_and_nothing_is_written(library):
    # Given pymarc's bad_records.mrc: records 1 and 8 are good, the others damaged in different ways
    report = catalog_import(library=library, filename="bad.mrc", data=marc_file("bad_records.mrc"))

    assert report.total == 9
    assert [e.row for e in report.errors] == [2, 3, 4, 5, 6, 7, 9]
    assert report.errors[0].message == ("Record 2 cannot be read: the base address of its data in the leader is wrong.")
    assert report.errors[-1].message == "Record 9 cannot be read: the record is cut short."
    assert not report.committed
    assert Record.objects.count() == 0


def test_an_invalid_isbn_in_020_is_an_error_of_that_record(library):
    good = vietnamese_record()
    bad = vietnamese_record(title="Quê nội :")
    bad.remove_fields("020", "952")
    bad.add_ordered_field(datafield("020", "  ", ("a", "978-604-2-15234-9")))
    data = good.as_marc() + bad.as_marc()

    report = catalog_import(library=library, filename="x.mrc", data=data)

    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (2, "020", "ISBN 978-604-2-15234-9 has a wrong check digit.")
    ]
    assert Record.objects.count() == 0


@pytest.mark.parametrize(
    ("leader_type", "extra", "kind"),
    [
        ("a", [], MaterialKind.PRINTED_BOOK),
        ("a", [datafield("856", "40", ("u", "https://sachdientu.example.vn/dat-rung"))], MaterialKind.EBOOK),
        ("i", [], MaterialKind.AUDIOBOOK),
        ("g", [], MaterialKind.VIDEO),
        ("k", [], MaterialKind.IMAGE),
        ("m", [], MaterialKind.ELEARNING_LECTURE),
        ("g", [datafield("942", "  ", ("c", "online_lesson"))], MaterialKind.ONLINE_LESSON),
    ],
)
def test_the_material_kind_follows_the_leader(library, leader_type, extra, kind):
    record = vietnamese_record(*extra, leader=f"00000n{leader_type}m a2200000 i 4500")

    catalog_import(library=library, filename="x.mrc", data=record.as_marc())

    assert Record.objects.get().kind == kind


def test_a_marcxml_collection_is_imported_with_links(library):
    # Given pymarc's batch.xml: an LC sound recording and a web site with two 856 links
    report = catalog_import(library=library, filename="batch.xml", data=marc_file("batch.xml"))

    assert (report.format, report.errors, report.created, report.links_created) == ("marcxml", [], 2, 2)
    sound = Record.objects.get(title="The Great Ray Charles")
    assert (sound.kind, sound.year, sound.publisher) == (MaterialKind.AUDIOBOOK, 1957, "Atlantic")
    assert list(sound.contributors.values_list("name", flat=True)) == ["Charles, Ray"]
    site = Record.objects.get(title="The White House")
    assert site.kind == MaterialKind.ELEARNING_LECTURE
    assert site.summary.startswith("Features the White House.")
    assert sorted(DigitalFile.objects.filter(record=site).values_list("format", "url", "label")) == [
        ("link", "http://lcweb.loc.gov/staff/wpp/whitehouse.html", "Web site archive"),
        ("link", "http://www.whitehouse.gov", ""),
    ]


def test_marcxml_without_a_namespace_and_with_a_damaged_record(library):
    data = """<?xml version="1.0" encoding="UTF-8"?>
<collection>
  <record>
    <leader>00000nam a2200000 i 4500</leader>
    <datafield tag="245" ind1="0" ind2="0"><subfield code="a">Truyện Kiều /</subfield></datafield>
  </record>
  <record>
    <leader>too short</leader>
    <datafield tag="245" ind1="0" ind2="0"><subfield code="a">Quê nội</subfield></datafield>
  </record>
</collection>""".encode()

    report = catalog_import(library=library, filename="x.xml", data=data)

    assert report.total == 2
    assert [(e.row, e.message) for e in report.errors] == [
        (2, "Record 2 cannot be read: its leader (the first 24 characters) is damaged.")
    ]


def test_xml_that_is_not_well_formed_is_refused_with_the_line(library):
    data = b'<?xml version="1.0"?>\n<collection>\n<record><leader>x</leader>\n</collection>\n'

    report = catalog_import(library=library, filename="x.xml", data=data)

    [error] = report.errors
    assert error.row == FILE_LEVEL
    assert error.message.startswith("The MARCXML file is not well-formed XML (line 4,")


def test_a_marc_duplicate_of_a_catalog_record_adds_its_items_there(library, other_library):
    # Given library A catalogued the book from MARC; library B imports the same MARC with its own items
    record = vietnamese_record()
    catalog_import(library=library, filename="a.mrc", data=record.as_marc())
    record.remove_fields("952")
    record.add_ordered_field(datafield("952", "  ", ("p", "PNT-0009")))

    report = catalog_import(library=other_library, filename="b.mrc", data=record.as_marc())

    assert (report.created, report.matched, report.copies_created) == (0, 1, 1)
    existing = Record.objects.get()
    assert Copy.objects.get(barcode="PNT-0009").record == existing
    assert existing.library == library


def test_an_unexpected_structure_in_one_record_is_an_error_of_that_record_not_a_crash(library, monkeypatch):
    # Given the second record trips over something the mapping did not foresee
    from catalog.importing import pipeline

    original = pipeline.marc_candidate

    def fragile(number, record, reference):
        if number == 2:
            raise AttributeError("'NoneType' object has no attribute 'second'")
        return original(number, record, reference)

    monkeypatch.setattr(pipeline, "marc_candidate", fragile)
    data = vietnamese_record().as_marc() + vietnamese_record(title="Quê nội").as_marc()

    report = catalog_import(library=library, filename="x.mrc", data=data)

    assert [(e.row, e.message) for e in report.errors] == [
        (2, "Record 2 cannot be read: its fields are not laid out as in MARC21 (AttributeError).")
    ]
    assert Record.objects.count() == 0


def test_an_856_that_is_not_a_web_address_is_a_warning_and_the_record_is_imported(library):
    record = vietnamese_record(datafield("856", "42", ("u", r"\\maychu\ebook\dat-rung.pdf")))

    report = catalog_import(library=library, filename="x.mrc", data=record.as_marc())

    assert report.committed
    assert [(w.row, w.field, w.message) for w in report.warnings] == [
        (1, "856", r"“\\maychu\ebook\dat-rung.pdf” is not a web address, so no link was made for it.")
    ]
    assert report.as_dict()["warnings"][0]["row"] == 1
    assert DigitalFile.objects.count() == 0
