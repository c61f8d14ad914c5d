import io
import unicodedata

from django.core.management import CommandError, call_command

import openpyxl
import pytest

from lending.models import Card, CardRevocation, Membership, MembershipStatus, Reader, ReaderCategory, RosterSync
from lending.services.roster import roster_sync
from tests.encodings import cp1258_encode
from tests.factories.lending import MembershipFactory, ReaderFactory

pytestmark = pytest.mark.django_db

HEADER = "Mã học sinh,Họ và tên,Ngày sinh,Lớp,Giới tính\n"
ROSTER = HEADER + (
    "7900012345,Trần Minh Anh,02/09/2013,7A3,Nữ\n"
    "7900012346,Lê Hoàng Bảo,15/01/2013,7A3,Nam\n"
    "7900012347,Nguyễn Thị Cẩm Tú,30/04/2012,8A1,Nữ\n"
)


def _sync(library, text: str, **kwargs):
    return roster_sync(library=library, data=text.encode("utf-8"), school_year="2026-2027", **kwargs)


def test_new_students_get_a_reader_a_membership_and_a_card(library):
    report = _sync(library, ROSTER)

    assert (report.total, report.new, report.errors, report.committed) == (3, 3, [], True)
    tu = Reader.objects.get(id_number="7900012347")
    assert tu.full_name == "Nguyễn Thị Cẩm Tú"
    assert tu.date_of_birth.isoformat() == "2012-04-30"
    membership = tu.memberships.get()
    assert (membership.library, membership.class_name, membership.category) == (library, "8A1", ReaderCategory.STUDENT)
    assert membership.cards.get().number == "7900012347-01"


def test_rerunning_the_same_roster_changes_nothing(library):
    _sync(library, ROSTER)
    before = list(Membership.objects.values_list("pk", "class_name", "status", "updated_at"))

    report = _sync(library, ROSTER)

    assert (report.new, report.changed, report.left, report.unchanged) == (0, 0, 0, 3)
    assert list(Membership.objects.values_list("pk", "class_name", "status", "updated_at")) == before
    assert Card.objects.count() == 3
    assert RosterSync.objects.count() == 1  # a sync that writes nothing is not recorded


def test_new_school_year_promotes_classes_and_closes_those_who_left(library):
    _sync(library, ROSTER)
    next_year = HEADER + "7900012345,Trần Minh Anh,02/09/2013,8A3,Nữ\n7900012347,Nguyễn Thị Cẩm Tú,30/04/2012,9A1,Nữ\n"

    report = _sync(library, next_year, full=True, confirm_leaves=1)

    assert (report.changed, report.left) == (2, 1)
    assert Membership.objects.get(reader__id_number="7900012345").class_name == "8A3"
    bao = Membership.objects.get(reader__id_number="7900012346")
    assert bao.status == MembershipStatus.LEFT
    assert bao.left_on is not None
    assert bao.cards.get().revoked_reason == CardRevocation.LEFT
    assert Reader.objects.filter(id_number="7900012346").exists()  # never deleted


def test_a_student_who_comes_back_is_active_again_with_a_new_card(library):
    _sync(library, ROSTER)
    _sync(library, HEADER + "7900012345,Trần Minh Anh,02/09/2013,7A3,Nữ\n", full=True, confirm_leaves=2)

    report = _sync(library, ROSTER)

    assert report.rejoined == 2
    membership = Membership.objects.get(reader__id_number="7900012346")
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.cards.filter(revoked_at__isnull=True).get().serial == 2


def test_names_are_compared_after_nfc_normalisation(library):
    _sync(library, ROSTER)

    report = _sync(library, unicodedata.normalize("NFD", ROSTER))

    assert report.changed == 0
    assert Reader.objects.get(id_number="7900012347").full_name == unicodedata.normalize("NFC", "Nguyễn Thị Cẩm Tú")


def test_a_resident_who_is_also_a_student_keeps_one_identity(library, other_library):
    resident = ReaderFactory(id_number="7900012345", full_name="Trần Minh Anh")
    MembershipFactory(reader=resident, library=other_library, category=ReaderCategory.RESIDENT, class_name="")

    _sync(library, ROSTER)

    assert Reader.objects.filter(id_number="7900012345").count() == 1
    assert set(resident.memberships.values_list("library__code", "category")) == {
        (library.code, ReaderCategory.STUDENT),
        (other_library.code, ReaderCategory.RESIDENT),
    }


def test_a_student_roster_leaves_teachers_and_residents_alone(library, teacher):
    report = _sync(library, ROSTER, full=True)

    assert report.left == 0
    assert teacher.memberships.get().status == MembershipStatus.ACTIVE


def test_dry_run_previews_without_writing(library):
    report = _sync(library, ROSTER, dry_run=True)

    assert (report.new, report.committed) == (3, False)
    assert [change.change for change in report.changes] == ["new", "new", "new"]
    assert not Reader.objects.exists()


def test_bad_rows_are_all_reported_and_nothing_is_written(library):
    bad = HEADER + (
        "7900012345,Trần Minh Anh,02/09/2013,7A3,Nữ\n"
        "7900012345,Lê Hoàng Bảo,15/01/2013,7A3,Nam\n"
        ",Không Có Mã,01/01/2013,7A1,Nam\n"
        "7900012349,Ngày Sai,31/02/2013,7A1,Nam\n"
        "7900012350,,01/01/2013,,Nam\n"
    )

    report = _sync(library, bad)

    problems = {(error.row, error.field) for error in report.errors}
    assert problems == {
        (3, "Mã học sinh"),
        (4, "Mã học sinh"),
        (5, "Ngày sinh"),
        (6, "Họ và tên"),
        (6, "Lớp"),
    }
    duplicate = next(error for error in report.errors if error.row == 3)
    assert "7900012345" in duplicate.message
    assert not report.committed
    assert not Reader.objects.exists()


def test_missing_column_is_refused_with_its_name(library):
    report = _sync(library, "Mã học sinh,Họ và tên,Lớp\n7900012345,Trần Minh Anh,7A3\n")

    assert len(report.errors) == 1
    assert "Ngày sinh" in report.errors[0].message


def test_windows_1258_roster_is_read(library):
    data = cp1258_encode(ROSTER)

    report = roster_sync(library=library, data=data, school_year="2026-2027")

    assert report.new == 3
    assert Reader.objects.filter(full_name="Nguyễn Thị Cẩm Tú").exists()


def test_unreadable_encoding_is_refused_with_how_to_convert(library):
    report = roster_sync(library=library, data="Mã học sinh,Họ và tên\n".encode("utf-16-le"), school_year="2026-2027")

    assert report.errors
    assert "UTF-8" in report.errors[0].message


def test_english_headers_and_xlsx_are_accepted(library):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["student_id", "full_name", "date_of_birth", "class", "gender"])
    sheet.append(["7900099999", "Võ Thanh Tâm", "05/06/2014", "6A2", "Nam"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = roster_sync(library=library, data=buffer.getvalue(), school_year="2026-2027")

    assert report.new == 1
    assert Membership.objects.get(reader__id_number="7900099999").class_name == "6A2"


def test_local_ids_are_issued_by_the_school(library):
    _sync(library, HEADER + "123,Trần Minh Anh,02/09/2013,7A3,Nữ\n", local_ids=True)

    reader = Reader.objects.get(id_number="123")
    assert reader.id_issuer == library.code
    assert reader.display_id == f"{library.code}:123"


def test_command_prints_the_preview_and_fails_on_errors(library, tmp_path):
    roster = tmp_path / "danh-sach.csv"
    roster.write_text(ROSTER, encoding="utf-8-sig")
    out = io.StringIO()

    call_command("import_roster", str(roster), library=library.code, dry_run=True, stdout=out)

    assert "3 new" in out.getvalue()
    assert not Reader.objects.exists()
    roster.write_text(HEADER + "7900#12,Tên,01/01/2013,7A1,Nam\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_roster", str(roster), library=library.code, stdout=io.StringIO(), stderr=io.StringIO())
