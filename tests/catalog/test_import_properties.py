"""Property tests of the catalog import (``catalog.importing.catalog_import``, the service
behind the admin import and ``import_catalog``): whatever the file — random bytes, CSV in
any encoding with shuffled, missing or repeated headings and hostile cells, XLSX with
cells of every type, damaged MARC — the import answers with a report, never an
exception; a refused file leaves every table as it was (the import is all or nothing, as
its docstring says); every error names its row (or the file) and says something."""

import datetime
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from catalog.importing import FILE_LEVEL, catalog_import
from catalog.importing.vocabulary import COLUMNS
from catalog.models import Copy, DigitalFile, Record, RecordContributor
from tests.properties import BOUNDED, CELL
from tests.workbooks import xlsx_bytes

pytestmark = pytest.mark.django_db

MARC_DIR = Path(__file__).resolve().parent.parent / "data" / "catalog" / "marc"
VALID_MARC = (MARC_DIR / "utf8_with_leader_flag.dat").read_bytes()
MARC_BATCH = (MARC_DIR / "test.dat").read_bytes()

HEADINGS = [heading for column in COLUMNS for heading in (column.vietnamese, column.english)] + ["Ghi chú", ""]


def _counts() -> tuple[int, ...]:
    return (
        Record.objects.count(),
        Copy.objects.count(),
        RecordContributor.objects.count(),
        DigitalFile.objects.count(),
    )


def _assert_contract(library, data: bytes, filename: str):
    """The documented contract of ``catalog_import``: all or nothing, clear errors."""
    before = _counts()
    report = catalog_import(library=library, filename=filename, data=data)
    after = _counts()
    if report.errors:
        assert not report.committed
        assert after == before, "a refused file wrote rows"
        for error in report.errors:
            assert error.message.strip(), error
            assert error.row == FILE_LEVEL or error.row > 0, error
            assert error.row != FILE_LEVEL or not error.field, error  # a file-level error names the file
    else:
        assert report.committed
        assert after[0] == before[0] + report.created
        assert after[1] == before[1] + report.copies_created
    return report


def _no_control_characters_stored():
    """What was imported can be stored by PostgreSQL too and shown on a label: no NUL or
    other control characters in one-line fields."""
    for values in Record.objects.values_list("title", "subtitle", "publisher", "edition", "ddc", "isbn"):
        for value in values:
            assert not any(ord(ch) < 32 for ch in value or ""), values
    for values in Copy.objects.values_list("barcode", "call_number", "shelf_location"):
        for value in values:
            assert not any(ord(ch) < 32 for ch in value or ""), values
    for (name,) in RecordContributor.objects.values_list("name"):
        assert not any(ord(ch) < 32 for ch in name), name
    for (summary,) in Record.objects.values_list("summary"):
        assert "\x00" not in summary


@BOUNDED
@given(data=st.binary(max_size=3000))
@example(data=b"\x00")
@example(data=b"PK\x03\x04garbage")
@example(data=b"\xd0\xcf\x11\xe0")
@example(data=b"<collection>")
@example(data=b"00000     " + b"\x1e" * 3)
def test_any_bytes_get_a_report_and_a_refusal_writes_nothing(library, data):
    _assert_contract(library, data, "upload.bin")


def _csv(headings: list[str], rows: list[list[str]], delimiter: str) -> str:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    lines = [delimiter.join(cell(h) for h in headings)]
    lines += [delimiter.join(cell(v) for v in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


@BOUNDED
@given(
    headings=st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=8),
    rows=st.lists(st.lists(CELL, max_size=9), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "latin-1"]),
)
@example(headings=["Nhan đề"], rows=[["Toán\x00 6"]], delimiter=",", encoding="utf-8")
@example(headings=["title", "authors"], rows=[["Sách\x1b", "A\x00B"]], delimiter=",", encoding="utf-8")
@example(headings=["Nhan đề", "Mã vạch"], rows=[["Toán", "TV\x0001"]], delimiter=",", encoding="utf-8")
@example(headings=["Nhan đề", "Nhan đề"], rows=[["A", "B"]], delimiter=",", encoding="utf-8")
def test_csv_files_are_all_or_nothing_with_clear_errors(library, headings, rows, delimiter, encoding):
    text = _csv(headings, rows, delimiter)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
    _assert_contract(library, data, "sach.csv")
    _no_control_characters_stored()


XLSX_VALUE = st.one_of(
    st.none(),
    CELL.map(lambda value: value[:2000]),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(2100, 1, 1)),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)),
    st.sampled_from(["=1+1", "=SUM(A1:A2)", '=HYPERLINK("http://x")']),
)


def _xlsx_safe(value):
    # openpyxl itself refuses control characters in strings: what Excel cannot hold.
    if isinstance(value, str):
        return "".join(ch for ch in value if ord(ch) >= 32 or ch in "\t\n\r")
    return value


@BOUNDED
@given(
    headings=st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=8),
    rows=st.lists(st.lists(XLSX_VALUE, max_size=9), max_size=5),
)
@example(headings=["Nhan đề", "Năm xuất bản"], rows=[["Toán 6", 2024.5]])
@example(headings=["Nhan đề", "ISBN"], rows=[["Toán 6", 9786042123456]])
@example(headings=["Nhan đề", "Năm xuất bản"], rows=[["Toán 6", datetime.datetime(2020, 1, 1)]])
def test_xlsx_files_with_any_cell_types_are_all_or_nothing(library, headings, rows):
    data = xlsx_bytes([_xlsx_safe(h) for h in headings], [[_xlsx_safe(v) for v in row] for row in rows])
    _assert_contract(library, data, "sach.xlsx")
    _no_control_characters_stored()


def _mutate(data: bytes, edits) -> bytes:
    buffer = bytearray(data)
    for kind, position, value in edits:
        if not buffer:
            break
        index = position % len(buffer)
        if kind == "replace":
            buffer[index] = value
        elif kind == "insert":
            buffer.insert(index, value)
        elif kind == "delete":
            del buffer[index]
        else:  # truncate
            del buffer[index:]
    return bytes(buffer)


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["replace", "insert", "delete", "truncate"]),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=0, max_value=255),
    ),
    min_size=1,
    max_size=6,
)


@BOUNDED
@given(source=st.sampled_from([VALID_MARC, MARC_BATCH]), edits=EDITS)
@example(source=VALID_MARC, edits=[("replace", 9, 0x20)])  # leader/09: MARC-8 claimed
@example(source=VALID_MARC, edits=[("truncate", 30, 0)])
@example(source=VALID_MARC, edits=[("replace", 12, ord("X"))])  # base address
def test_damaged_marc_records_are_all_or_nothing_with_record_numbers(library, source, edits):
    report = _assert_contract(library, _mutate(source, edits), "sach.mrc")
    for error in report.errors:
        assert error.row >= 0


@BOUNDED
@given(body=st.binary(min_size=1, max_size=400), length=st.integers(min_value=0, max_value=99999))
def test_random_marc_like_bytes_get_a_report(library, body, length):
    leader = f"{length:05d}nam a22     4500".encode()
    _assert_contract(library, leader + body + b"\x1e\x1d", "sach.mrc")
