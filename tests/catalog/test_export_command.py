"""``manage.py export_catalog``: a library's records and copies, or the whole catalog."""

import csv
import io

from django.core.management import call_command
from django.core.management.base import CommandError

import pymarc
import pytest

from catalog.services.records import record_withdraw
from tests.factories.catalog import CopyFactory, RecordFactory


def rows(data: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.lstrip("\ufeff"))))


def test_a_library_export_holds_its_records_and_the_shared_ones_it_holds_copies_of(
    tmp_path, record, other_library, other_library_record
):
    # Given the other library owns one record and holds a copy of the first library's record
    CopyFactory(record=record, library=other_library, barcode="PNT-0001")
    out = tmp_path / "pnt.csv"

    call_command("export_catalog", library=other_library.code, format="csv", out=str(out), stderr=io.StringIO())

    exported = rows(out.read_text(encoding="utf-8"))
    assert sorted((row["Nhan đề"], row["Mã vạch"]) for row in exported) == [
        ("Dế Mèn phiêu lưu ký", ""),
        ("Đất rừng phương Nam", "PNT-0001"),  # only its own copy, not the owner's CK000001
    ]


def test_the_whole_catalog_as_marc_leaves_withdrawn_records_out(tmp_path, record, other_library_record, library):
    record_withdraw(record=RecordFactory(library=library, title="Sách đã thanh lý"))
    out = tmp_path / "all.mrc"

    call_command("export_catalog", "--all", format="marc", out=str(out), stderr=io.StringIO())

    titles = sorted(marc["245"]["a"] for marc in pymarc.MARCReader(out.read_bytes()))
    assert titles == ["Dế Mèn phiêu lưu ký", "Đất rừng phương Nam"]


def test_without_out_the_export_goes_to_standard_output(record):
    stdout = io.StringIO()

    call_command("export_catalog", "--all", format="marcxml", stdout=stdout)

    assert stdout.getvalue().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "Đất rừng phương Nam" in stdout.getvalue()


def test_an_unknown_library_is_a_command_error(db):
    with pytest.raises(CommandError, match="No library has the code"):
        call_command("export_catalog", library="khong-co", format="csv")
