"""A roster can never expel a school by mistake: by default it only adds and updates; a
full roster that would mark many members as left needs their number typed; an applied
sync's leaves can be undone; the upload is read by the task worker and its file does not
outlive the upload."""

import datetime
import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone, translation

from wagtail.users.models import UserProfile

import pytest

from lending.models import Card, CardRevocation, Membership, MembershipStatus, Reader, RosterSync
from lending.services.roster import roster_sync
from lending.services.roster_history import roster_sync_undo
from lending.tasks import roster_sync_run

pytestmark = pytest.mark.django_db

HEADER = "Mã học sinh,Họ và tên,Ngày sinh,Lớp\n"
ROSTER_URL = "/admin/readers/roster/"


def _student(number: int, class_name: str = "7A1") -> str:
    return f"79001{number:05d},Học Sinh Số {number},01/02/2013,{class_name}\n"


def _roster(numbers, class_name: str = "7A1") -> bytes:
    return (HEADER + "".join(_student(number, class_name) for number in numbers)).encode()


CLASS_LIST = _roster([0, 1, 99], class_name="8A1")  # two students of the school, one new


@pytest.fixture(autouse=True)
def english(librarian):
    """The assertions read the English source strings, whatever translations are compiled."""
    profile = UserProfile.get_for_user(librarian)
    profile.preferred_language = "en"
    profile.save()
    with translation.override("en"):
        yield


@pytest.fixture
def school(library):
    """20 students of ``library``, each with a valid card."""
    roster_sync(library=library, data=_roster(range(20)), school_year="2026-2027")
    return Membership.objects.filter(library=library)


def _statuses(school) -> dict[str, int]:
    statuses = {}
    for status in school.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def _valid_cards(library) -> int:
    return Card.objects.filter(membership__library=library, revoked_at__isnull=True).count()


def _upload(client, library, data: bytes, **fields):
    return client.post(
        ROSTER_URL,
        {"library": library.pk, "file": SimpleUploadedFile("danh-sach.csv", data, content_type="text/csv"), **fields},
    )


# --- The service ---------------------------------------------------------------------------


def test_a_class_list_only_adds_and_updates(library, school):
    report = roster_sync(library=library, data=CLASS_LIST, school_year="2026-2027")

    assert (report.new, report.changed, report.left, report.absent) == (1, 2, 0, 18)
    assert _statuses(school) == {MembershipStatus.ACTIVE: 21}
    assert _valid_cards(library) == 21
    assert Membership.objects.get(reader__id_number="7900100000").class_name == "8A1"
    assert RosterSync.objects.get(pk=report.sync_id).leaves == []


def test_a_full_roster_within_the_share_applies_and_is_recorded(library, school):
    report = roster_sync(library=library, data=_roster(range(18)), school_year="2026-2027", full=True)

    assert (report.committed, report.left, report.leave_share_exceeded) == (True, 2, False)
    left = school.filter(status=MembershipStatus.LEFT)
    assert set(left.values_list("reader__id_number", flat=True)) == {"7900100018", "7900100019"}
    sync = RosterSync.objects.get(pk=report.sync_id)
    assert (sync.full, sync.status) == (True, RosterSync.Status.APPLIED)
    assert sorted(leave["membership"] for leave in sync.leaves) == sorted(left.values_list("pk", flat=True))
    assert all(leave["status"] == MembershipStatus.ACTIVE and len(leave["cards"]) == 1 for leave in sync.leaves)


def test_a_full_roster_over_the_share_refuses_without_the_count(library, school):
    with pytest.raises(ValidationError) as refused:
        roster_sync(library=library, data=CLASS_LIST, school_year="2026-2027", full=True)
    with pytest.raises(ValidationError):
        roster_sync(library=library, data=CLASS_LIST, school_year="2026-2027", full=True, confirm_leaves=17)

    assert "18 of 20 members (90%) would be marked as left" in refused.value.messages[0]
    assert _statuses(school) == {MembershipStatus.ACTIVE: 20}
    assert not Reader.objects.filter(id_number="7900100099").exists()
    assert RosterSync.objects.count() == 1  # the school's first roster only


def test_a_full_roster_over_the_share_applies_with_the_count(library, school):
    report = roster_sync(library=library, data=CLASS_LIST, school_year="2026-2027", full=True, confirm_leaves=18)

    assert report.left == 18
    assert _statuses(school) == {MembershipStatus.ACTIVE: 3, MembershipStatus.LEFT: 18}
    assert RosterSync.objects.get(pk=report.sync_id).confirmed_leaves == 18


def test_undo_reverses_exactly_the_leaves_of_that_sync(library, school, librarian):
    earlier = roster_sync(library=library, data=_roster(range(19)), school_year="2026-2027", full=True)
    suspended = school.get(reader__id_number="7900100017")
    suspended.status = MembershipStatus.SUSPENDED
    suspended.save()
    cards_before = dict(Card.objects.filter(revoked_at__isnull=True).values_list("membership_id", "pk"))
    report = roster_sync(library=library, data=_roster(range(15)), school_year="2026-2027", full=True, confirm_leaves=4)
    assert report.left == 4  # 15..18; 19 left with the earlier sync

    restored = roster_sync_undo(sync=RosterSync.objects.get(pk=report.sync_id), user=librarian)

    assert restored == 4
    assert _statuses(school) == {MembershipStatus.ACTIVE: 18, MembershipStatus.SUSPENDED: 1, MembershipStatus.LEFT: 1}
    assert school.get(reader__id_number="7900100019").status == MembershipStatus.LEFT
    assert school.get(reader__id_number="7900100017").status == MembershipStatus.SUSPENDED
    assert not school.filter(left_on__isnull=False).exclude(reader__id_number="7900100019").exists()
    # The same cards work again: no reprint needed.
    assert dict(Card.objects.filter(revoked_at__isnull=True).values_list("membership_id", "pk")) == cards_before
    assert Card.objects.get(membership__reader__id_number="7900100019").revoked_reason == CardRevocation.LEFT
    with pytest.raises(ValidationError, match="undone already"):
        roster_sync_undo(sync=RosterSync.objects.get(pk=report.sync_id))
    assert RosterSync.objects.get(pk=earlier.sync_id).undone_at is None


def test_undo_is_refused_after_the_undo_days(library, school):
    report = roster_sync(library=library, data=_roster(range(18)), school_year="2026-2027", full=True)
    sync = RosterSync.objects.get(pk=report.sync_id)

    with pytest.raises(ValidationError, match="30 days"):
        roster_sync_undo(sync=sync, now=sync.applied_at + datetime.timedelta(days=31))

    assert _statuses(school) == {MembershipStatus.ACTIVE: 18, MembershipStatus.LEFT: 2}


# --- The command ---------------------------------------------------------------------------


def test_command_adds_and_updates_only_by_default(library, school, tmp_path):
    roster = tmp_path / "lop-8a1.csv"
    roster.write_bytes(CLASS_LIST)
    out = io.StringIO()

    call_command("import_roster", str(roster), library=library.code, stdout=out)

    assert "0 left" in out.getvalue()
    assert "18 members are not in the file and stay as they are" in out.getvalue()
    assert _statuses(school) == {MembershipStatus.ACTIVE: 21}


def test_command_full_over_the_share_needs_the_count_and_can_be_undone(library, school, tmp_path):
    roster = tmp_path / "toan-truong.csv"
    roster.write_bytes(CLASS_LIST)

    with pytest.raises(CommandError, match=r"18 of 20 members \(90%\) would be marked as left"):
        call_command("import_roster", str(roster), library=library.code, full=True, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "import_roster", str(roster), library=library.code, full=True, confirm_leaves=3, stdout=io.StringIO()
        )
    assert _statuses(school) == {MembershipStatus.ACTIVE: 20}
    assert not Reader.objects.filter(id_number="7900100099").exists()

    call_command("import_roster", str(roster), library=library.code, full=True, confirm_leaves=18, stdout=io.StringIO())
    assert _statuses(school) == {MembershipStatus.ACTIVE: 3, MembershipStatus.LEFT: 18}

    out = io.StringIO()
    call_command("import_roster", undo=RosterSync.objects.get(full=True).pk, stdout=out)
    assert "18 members restored" in out.getvalue()
    assert _statuses(school) == {MembershipStatus.ACTIVE: 21}


# --- The admin screen ----------------------------------------------------------------------


def test_admin_class_list_leaves_nobody_and_its_file_is_deleted_once_applied(client, library, school, librarian):
    client.force_login(librarian)

    response = _upload(client, library, CLASS_LIST)

    sync = RosterSync.objects.get(file__startswith="rosters/")
    name = sync.file.name
    page = client.get(response["Location"]).content.decode()
    assert "18 members are not in this file and stay as they are" in page
    assert sync.file.storage.exists(name)
    client.post(response["Location"], {"action": "apply"})
    sync.refresh_from_db()
    assert sync.status == RosterSync.Status.APPLIED
    assert _statuses(school) == {MembershipStatus.ACTIVE: 21}
    assert not sync.file
    assert not sync.file.storage.exists(name)


def test_admin_full_roster_over_the_share_needs_the_typed_count(client, library, school, librarian):
    client.force_login(librarian)
    response = _upload(client, library, CLASS_LIST, full="on")
    sync_url = response["Location"]

    page = client.get(sync_url).content.decode()
    refused = client.post(sync_url, {"action": "apply"})
    wrong = client.post(sync_url, {"action": "apply", "confirm_leaves": "17"})

    assert "18 of 20 members (90%) would be marked as left" in page
    assert page.index("Học Sinh Số 19") < page.index("Apply these changes")  # the list, then the button
    assert refused.status_code == wrong.status_code == 200
    assert "Type 18" in wrong.content.decode()
    assert _statuses(school) == {MembershipStatus.ACTIVE: 20}

    client.post(sync_url, {"action": "apply", "confirm_leaves": "18"})

    assert _statuses(school) == {MembershipStatus.ACTIVE: 3, MembershipStatus.LEFT: 18}
    assert RosterSync.objects.get(full=True).status == RosterSync.Status.APPLIED


def test_admin_full_roster_within_the_share_applies_with_a_click(client, library, school, librarian):
    client.force_login(librarian)
    response = _upload(client, library, _roster(range(18)), full="on")

    client.post(response["Location"], {"action": "apply"})

    assert _statuses(school) == {MembershipStatus.ACTIVE: 18, MembershipStatus.LEFT: 2}


def test_admin_undo_leaves_by_the_librarys_staff_only(client, library, school, librarian, other_librarian):
    report = roster_sync(library=library, data=_roster(range(18)), school_year="2026-2027", full=True, user=librarian)
    undo_url = f"{ROSTER_URL}{report.sync_id}/undo/"

    client.force_login(other_librarian)
    assert client.post(undo_url).status_code in (302, 403)
    assert client.get(f"{ROSTER_URL}{report.sync_id}/").status_code in (302, 403)
    assert _statuses(school) == {MembershipStatus.ACTIVE: 18, MembershipStatus.LEFT: 2}

    client.force_login(librarian)
    assert undo_url in client.get(ROSTER_URL).content.decode()
    assert "marked 2 members as left" in client.get(undo_url).content.decode()  # asks first
    client.post(undo_url)

    assert _statuses(school) == {MembershipStatus.ACTIVE: 20}
    assert undo_url not in client.get(ROSTER_URL).content.decode()  # once only


def test_admin_undo_is_refused_after_the_undo_days(client, library, school, librarian):
    report = roster_sync(library=library, data=_roster(range(18)), school_year="2026-2027", full=True)
    RosterSync.objects.filter(pk=report.sync_id).update(applied_at=timezone.now() - datetime.timedelta(days=31))
    client.force_login(librarian)

    client.post(f"{ROSTER_URL}{report.sync_id}/undo/")

    assert _statuses(school) == {MembershipStatus.ACTIVE: 18, MembershipStatus.LEFT: 2}


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_the_upload_is_read_by_the_task_worker_not_the_web_request(client, library, librarian):
    client.force_login(librarian)

    response = _upload(client, library, CLASS_LIST)

    sync = RosterSync.objects.get()
    assert (sync.status, sync.report) == (RosterSync.Status.UPLOADED, {})
    assert "This page refreshes by itself" in client.get(response["Location"]).content.decode()
    roster_sync_run.call(sync.pk)
    sync.refresh_from_db()
    assert (sync.status, sync.report["new"]) == (RosterSync.Status.PREVIEWED, 3)
    assert not Reader.objects.exists()


def test_a_cancelled_upload_deletes_its_file(client, library, librarian):
    client.force_login(librarian)
    response = _upload(client, library, CLASS_LIST)
    sync = RosterSync.objects.get()
    name = sync.file.name
    assert sync.file.storage.exists(name)

    client.post(response["Location"], {"action": "cancel"})

    sync.refresh_from_db()
    assert sync.status == RosterSync.Status.CANCELLED
    assert not sync.file
    assert not sync.file.storage.exists(name)
    assert "changes" not in sync.report
    assert not Reader.objects.exists()


def test_an_abandoned_upload_is_deleted_by_the_daily_run(client, library, librarian):
    client.force_login(librarian)
    _upload(client, library, CLASS_LIST)
    _upload(client, library, CLASS_LIST)
    old, recent = RosterSync.objects.order_by("pk")
    name = old.file.name
    RosterSync.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))

    call_command("circulation_daily", stdout=io.StringIO())

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == RosterSync.Status.EXPIRED
    assert not old.file
    assert not old.file.storage.exists(name)
    assert "changes" not in old.report
    assert recent.file
    assert recent.file.storage.exists(recent.file.name)


def test_a_preview_with_errors_deletes_its_file_at_once(client, library, librarian):
    client.force_login(librarian)

    _upload(client, library, (HEADER + "79001#0001,Tên,01/01/2013,7A1\n").encode())

    sync = RosterSync.objects.get()
    assert sync.status == RosterSync.Status.PREVIEWED
    assert sync.report["errors"]
    assert not sync.file
