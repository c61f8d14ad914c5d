"""``manage.py import_catalog``: what the operator sees and the exit status."""

import io

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

import pymarc
import pytest

from catalog.models import Record


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalog", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_a_good_file_is_imported_with_progress_and_a_summary(tmp_path, library, librarian):
    path = tmp_path / "sach.csv"
    rows = "".join(f"Tuyển tập truyện ngắn số {n},Nhiều tác giả,2020,TT-{n:05d}\n" for n in range(2500))
    path.write_text("Nhan đề,Tác giả,Năm xuất bản,Mã vạch\n" + rows, encoding="utf-8")

    out, err = run(str(path), library=library.code, user=librarian.username)

    assert "1,000 / 2,500" in err
    assert err.count("2,500 / 2,500") == 1
    assert "sach.csv: CSV (written)" in out
    assert "new records:        2500" in out
    assert "copies added:       2500" in out
    assert Record.objects.filter(created_by=librarian).count() == 2500


def test_errors_are_listed_with_their_rows_and_the_exit_status_is_one(tmp_path, library):
    path = tmp_path / "loi.csv"
    path.write_text("Nhan đề,ISBN\nSách một,978-604-2-12452-4\n,\nSách ba,\n", encoding="utf-8")
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_catalog", str(path), library=library.code, stdout=out, stderr=io.StringIO())

    assert raised.value.returncode == 1
    assert "1 error(s) in loi.csv; nothing was written." in str(raised.value)
    assert "row 2 [ISBN]: ISBN 978-604-2-12452-4 has a wrong check digit." in out.getvalue()
    assert "(NOT written)" in out.getvalue()
    assert Record.objects.count() == 0


def test_marc_errors_are_listed_by_record_number(tmp_path, library):
    path = tmp_path / "hong.mrc"
    good = pymarc.Record(force_utf8=True)
    good.add_field(
        pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"), subfields=[pymarc.Subfield("a", "Quê nội")])
    )
    path.write_bytes(good.as_marc() + b"00999nam a2200")
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_catalog", str(path), library=library.code, stdout=out, stderr=io.StringIO())

    assert "record 2: Record 2 cannot be read: the record is cut short." in out.getvalue()


def test_a_dry_run_writes_nothing_and_says_so(tmp_path, library):
    path = tmp_path / "sach.csv"
    path.write_text("Nhan đề\nTruyện Kiều\n", encoding="utf-8")

    out, _err = run(str(path), "--dry-run", library=library.code)

    assert "(dry run, nothing written)" in out
    assert "new records:        1" in out
    assert Record.objects.count() == 0


def test_an_unknown_library_or_file_is_a_command_error(tmp_path, library):
    path = tmp_path / "sach.csv"
    path.write_text("Nhan đề\nTruyện Kiều\n", encoding="utf-8")

    with pytest.raises(CommandError, match="No library has the code 'khong-co'"):
        run(str(path), library="khong-co")
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.csv"), library=library.code)
