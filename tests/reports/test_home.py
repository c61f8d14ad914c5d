"""The librarian's admin home (their day) and the overdue list per class for homeroom
teachers; the next quarterly report deadline."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from catalog.models import CopyStatus, ImportJob
from lending.models import CardBatch, Hold, HoldStatus, Loan, ReaderCategory, RosterSync
from reports.periods import report_deadline_next
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.lending import MembershipFactory, ReaderFactory
from tests.factories.libraries import UserFactory

pytestmark = pytest.mark.django_db

HOME = "/admin/"
OVERDUE = "/admin/reports/overdue/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _member(library, name, class_name="7A3"):
    return MembershipFactory(reader=ReaderFactory(full_name=name), library=library, class_name=class_name)


def _loan(library, membership, title, barcode, due_in_days):
    record = RecordFactory(library=library, title=title)
    copy = CopyFactory(record=record, library=library, barcode=barcode, status=CopyStatus.ON_LOAN)
    return Loan.objects.create(
        copy=copy,
        membership=membership,
        library=library,
        reader_category=ReaderCategory.STUDENT,
        due_on=_days(due_in_days),
    )


@pytest.fixture
def day(library, other_library):
    """At ``library``: two loans due today, three overdue (oldest 12 days) in two classes,
    one due next week and one returned overdue; at ``other_library`` an overdue loan of
    its own student of class 5B."""
    anh = _member(library, "Trần Minh Anh", "7A3")
    binh = _member(library, "Lê Văn Bình", "7A3")
    chi = _member(library, "Phạm Thị Chi", "8B1")
    _loan(library, anh, "Dế Mèn phiêu lưu ký", "CK000101", 0)
    _loan(library, chi, "Kính vạn hoa", "CK000102", 0)
    _loan(library, binh, "Tuổi thơ im lặng", "CK000103", -12)
    _loan(library, anh, "Cho tôi xin một vé đi tuổi thơ", "CK000104", -3)
    _loan(library, chi, '=HYPERLINK("http://x")', "CK000105", -1)
    _loan(library, binh, "Hoàng tử bé", "CK000106", 7)
    returned = _loan(library, chi, "Không gia đình", "CK000107", -20)
    Loan.objects.filter(pk=returned.pk).update(returned_at=timezone.now(), ended_as="returned")
    zelda = _member(other_library, "Vương Zelda Quyxx", "5B")
    _loan(other_library, zelda, "Tuổi thơ dữ dội", "PNT00001", -30)
    _loan(other_library, zelda, "Totto-chan", "PNT00002", 0)
    return {"anh": anh, "binh": binh, "chi": chi}


def test_a_librarian_sees_loans_due_today_and_overdue_of_their_library_only(client, librarian, library, day):
    client.force_login(librarian)

    page = client.get(HOME, **EN).content.decode()

    assert "2 loans due today" in page
    assert "Dế Mèn phiêu lưu ký" in page
    assert "CK000101" in page
    assert "Trần Minh Anh" in page
    assert "7A3" in page
    assert "Kính vạn hoa" in page
    assert "8B1" in page
    assert "3 overdue loans" in page
    oldest = _days(-12).strftime("%d/%m/%Y")
    assert f"The oldest was due on {oldest} (12 days overdue)" in page
    assert "Tuổi thơ im lặng" in page
    # Returned, not yet due, and the other library's loans are not there.
    assert "Không gia đình" not in page
    assert "Hoàng tử bé" not in page
    assert "Zelda" not in page
    assert "Tuổi thơ dữ dội" not in page
    assert "Totto-chan" not in page
    assert f"/admin/desk/?library={library.pk}" in page
    assert f"{OVERDUE}?library={library.pk}" in page


def test_the_other_librarian_sees_only_theirs(client, other_librarian, other_library, day):
    client.force_login(other_librarian)

    page = client.get(HOME, **EN).content.decode()

    assert "1 loan due today" in page
    assert "Totto-chan" in page
    assert "1 overdue loan" in page
    assert "Vương Zelda Quyxx" in page
    assert "Trần Minh Anh" not in page
    assert "Kính vạn hoa" not in page


def test_holds_to_fetch_and_hold_shelf_items_about_to_expire(client, librarian, library, other_library, day):
    waiting_for = RecordFactory(library=library, title="Bỉ vỏ")
    CopyFactory(record=waiting_for, library=library, barcode="CK000201")
    Hold.objects.create(
        record=waiting_for, membership=day["anh"], reader_category=ReaderCategory.STUDENT, pickup_library=library
    )
    for title, barcode, expires_in, member in (
        ("Số đỏ", "CK000202", 1, day["binh"]),
        ("Vợ nhặt", "CK000203", 5, day["chi"]),
    ):
        record = RecordFactory(library=library, title=title)
        copy = CopyFactory(record=record, library=library, barcode=barcode, status=CopyStatus.ON_HOLD_SHELF)
        Hold.objects.create(
            record=record,
            copy=copy,
            membership=member,
            reader_category=ReaderCategory.STUDENT,
            pickup_library=library,
            status=HoldStatus.READY,
            ready_at=timezone.now(),
            expires_on=_days(expires_in),
        )
    foreign = RecordFactory(library=other_library, title="Chí Phèo")
    CopyFactory(record=foreign, library=other_library, barcode="PNT00003")
    zelda = MembershipFactory(reader=ReaderFactory(full_name="Zelda Hai"), library=other_library)
    Hold.objects.create(
        record=foreign, membership=zelda, reader_category=ReaderCategory.STUDENT, pickup_library=other_library
    )
    client.force_login(librarian)

    page = client.get(HOME, **EN).content.decode()

    assert "1 hold to fetch from the shelves" in page
    assert "Bỉ vỏ" in page
    assert f"2 items on the hold shelf; <strong>1 to be collected by {_days(2):%d/%m/%Y}</strong>" in page
    assert "Số đỏ (CK000202) — Lê Văn Bình" in page
    assert "Vợ nhặt" not in page  # on the shelf, not about to expire
    assert "Chí Phèo" not in page
    assert "Zelda" not in page


def test_jobs_under_way_link_to_their_pages(client, librarian, library, other_library):
    running = ImportJob.objects.create(
        library=library, filename="sach-moi.xlsx", status=ImportJob.Status.RUNNING, processed=3, total=10
    )
    ImportJob.objects.create(library=library, filename="xong.xlsx", status=ImportJob.Status.IMPORTED)
    ImportJob.objects.create(library=other_library, filename="hang-xom.xlsx", status=ImportJob.Status.RUNNING)
    batch = CardBatch.objects.create(library=library, class_name="6A1", status=CardBatch.Status.RUNNING, total=40)
    sync = RosterSync.objects.create(library=library, status=RosterSync.Status.PREVIEWED)
    client.force_login(librarian)

    page = client.get(HOME, **EN).content.decode()

    assert f'href="/admin/catalog/import/{running.pk}/"' in page
    assert "sach-moi.xlsx" in page
    assert "3/10" in page
    assert f'href="/admin/readers/cards/{batch.pk}/"' in page
    assert "6A1" in page
    assert f'href="/admin/readers/roster/{sync.pk}/"' in page
    assert "xong.xlsx" not in page
    assert "hang-xom.xlsx" not in page


def test_the_next_report_deadline_is_on_the_home(client, librarian):
    client.force_login(librarian)
    deadline = report_deadline_next(timezone.now())

    page = client.get(HOME, **EN).content.decode()

    assert f"due before 17:00 on {deadline.due_at:%d/%m/%Y}" in page
    assert f"Report of quarter {deadline.quarter}/{deadline.year}" in page


def test_superusers_and_users_outside_every_library_get_no_librarian_panels(client, superuser, day, db):
    editors = Group.objects.create(name="Biên tập cổng thành phố")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    editor = UserFactory(username="bientap", groups=[editors])
    for user in (superuser, editor):
        client.force_login(user)
        response = client.get(HOME, **EN)
        page = response.content.decode()
        assert response.status_code == 200
        assert "loans due today" not in page
        assert "Next quarterly report" not in page
        assert "Trần Minh Anh" not in page


def test_staff_of_two_libraries_get_a_section_per_library(client, library, other_library, day):
    both = UserFactory(username="thuthu.hai.truong", groups=[library.staff_group, other_library.staff_group])
    client.force_login(both)

    page = client.get(HOME, **EN).content.decode()

    assert "Today at THCS Cầu Kiệu" in page
    assert "Today at TH Phạm Ngọc Thạch" in page
    assert "2 loans due today" in page
    assert "1 loan due today" in page


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **EN)
    assert response.status_code == 200
    return len(queries)


def _more(library, start, count):
    """``count`` more of everything the home lists: overdue loans, holds to fetch, items
    about to leave the hold shelf, imports and card batches."""
    for n in range(start, start + count):
        member = _member(library, f"Học Sinh Thêm {n}", f"9C{n % 4}")
        _loan(library, member, f"Sách thêm {n}", f"CK9{n:05d}", -(n % 5))
        record = RecordFactory(library=library, title=f"Sách đặt trước {n}")
        CopyFactory(record=record, library=library, barcode=f"CK8{n:05d}")
        Hold.objects.create(
            record=record, membership=member, reader_category=ReaderCategory.STUDENT, pickup_library=library
        )
        shelved_record = RecordFactory(library=library, title=f"Sách chờ lấy {n}")
        shelved = CopyFactory(
            record=shelved_record, library=library, barcode=f"CK7{n:05d}", status=CopyStatus.ON_HOLD_SHELF
        )
        Hold.objects.create(
            record=shelved_record,
            copy=shelved,
            membership=member,
            reader_category=ReaderCategory.STUDENT,
            pickup_library=library,
            status=HoldStatus.READY,
            expires_on=_days(1),
        )
        ImportJob.objects.create(library=library, filename=f"{n}.csv", status=ImportJob.Status.RUNNING)
        CardBatch.objects.create(library=library, class_name=member.class_name, total=10)
        RosterSync.objects.create(library=library)


def test_the_home_costs_the_same_queries_whatever_the_data(
    client, librarian, library, day, django_assert_max_num_queries
):
    _more(library, 0, 1)
    client.force_login(librarian)
    client.get(HOME)  # the session and caches warmed up
    before = _queries(client, HOME)

    _more(library, 1, 30)

    assert _queries(client, HOME) == before
    with django_assert_max_num_queries(40):  # the whole admin home, menus included
        client.get(HOME, **EN)


# The overdue list per class


def test_overdue_list_groups_by_class_sorted_by_name(client, librarian, library, day):
    client.force_login(librarian)

    response = client.get(OVERDUE, **EN)
    page = response.content.decode()

    assert response.status_code == 200
    assert "Class 7A3: 2 overdue loans" in page
    assert "Class 8B1: 1 overdue loan" in page
    assert page.index("Class 7A3") < page.index("Class 8B1")
    # Sorted by name within the class: Lê Văn Bình before Trần Minh Anh.
    assert page.index("Lê Văn Bình") < page.index("Trần Minh Anh") < page.index("Phạm Thị Chi")
    assert "Tuổi thơ im lặng" in page
    assert _days(-12).strftime("%d/%m/%Y") in page
    assert "<td>12</td>" in page
    assert "<td>3</td>" in page
    assert "data-print" in page
    assert "reports/home/overdue.css" in page
    assert "Dế Mèn phiêu lưu ký" not in page  # due today, not overdue
    assert "Zelda" not in page
    assert "5B" not in page


def test_overdue_list_of_one_class(client, librarian, library, day):
    client.force_login(librarian)

    page = client.get(OVERDUE, {"library": library.pk, "class": "8B1"}, **EN).content.decode()

    assert "Phạm Thị Chi" in page
    assert "Lê Văn Bình" not in page
    assert "Trần Minh Anh" not in page


def test_another_librarys_class_is_never_listed(client, librarian, library, other_library, day):
    client.force_login(librarian)

    page = client.get(OVERDUE, {"class": "5B"}, **EN).content.decode()
    assert "Zelda" not in page
    assert "No overdue loans." in page

    assert client.get(OVERDUE, {"library": other_library.pk, "class": "5B"}).status_code == 404
    csv_response = client.get(OVERDUE, {"library": other_library.pk, "format": "csv"})
    assert csv_response.status_code == 404


def test_overdue_csv_own_library_only_and_escaped(client, librarian, library, day):
    client.force_login(librarian)

    response = client.get(OVERDUE, {"library": library.pk, "format": "csv"}, **EN)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"qua-han-{library.code}-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Class", "Reader", "Title", "Copy barcode", "Due on", "Days overdue"]
    assert rows[1:] == [
        ["7A3", "Lê Văn Bình", "Tuổi thơ im lặng", "CK000103", _days(-12).strftime("%d/%m/%Y"), "12"],
        ["7A3", "Trần Minh Anh", "Cho tôi xin một vé đi tuổi thơ", "CK000104", _days(-3).strftime("%d/%m/%Y"), "3"],
        ["8B1", "Phạm Thị Chi", '\'=HYPERLINK("http://x")', "CK000105", _days(-1).strftime("%d/%m/%Y"), "1"],
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"library": "abc"},
        {"library": "0"},
        {"library": "9" * 40},
        {"class": "7A3" * 10},
        {"class": "7A\x003"},
        {"format": "xlsx"},
    ],
)
def test_bad_parameters_get_400(client, librarian, day, params):
    client.force_login(librarian)

    assert client.get(OVERDUE, params).status_code == 400


def test_the_overdue_list_is_for_library_staff(client, superuser, reader, day):
    response = client.get(OVERDUE)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    # A city administrator works for no library: Wagtail sends them back to the home.
    client.force_login(superuser)
    response = client.get(OVERDUE)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(OVERDUE, {"format": "csv"}).status_code == 302


# The next quarterly report deadline


def _at(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=HCM)


@pytest.mark.parametrize(
    ("now", "due", "days_left", "label"),
    [
        (_at(2026, 3, 24, 23), _at(2026, 3, 25, 17), 1, "2026Q1"),
        (_at(2026, 3, 25, 16, 59), _at(2026, 3, 25, 17), 0, "2026Q1"),
        (_at(2026, 3, 25, 17), _at(2026, 6, 25, 17), 92, "2026Q2"),
        (_at(2026, 1, 1, 0), _at(2026, 3, 25, 17), 83, "2026Q1"),
        (_at(2026, 9, 25, 18), _at(2026, 12, 25, 17), 91, "2026Q4"),
        (_at(2026, 12, 25, 17), _at(2027, 3, 25, 17), 90, "2027Q1"),
        (_at(2026, 12, 31, 23, 59), _at(2027, 3, 25, 17), 84, "2027Q1"),
    ],
)
def test_report_deadline_next(now, due, days_left, label):
    deadline = report_deadline_next(now)

    assert deadline.due_at == due
    assert deadline.days_left == days_left
    assert deadline.label == label


def test_report_deadline_in_local_time_whatever_the_zone_given():
    # 09:59 UTC is 16:59 in Hồ Chí Minh City; 10:00 UTC is 17:00.
    utc = datetime.UTC
    assert report_deadline_next(datetime.datetime(2026, 3, 25, 9, 59, tzinfo=utc)).label == "2026Q1"
    assert report_deadline_next(datetime.datetime(2026, 3, 25, 10, 0, tzinfo=utc)).label == "2026Q2"
    # 24/3 18:00 UTC is already 25/3 01:00 locally: due today.
    assert report_deadline_next(datetime.datetime(2026, 3, 24, 18, 0, tzinfo=utc)).days_left == 0
    with pytest.raises(ValueError, match="aware"):
        report_deadline_next(datetime.datetime(2026, 3, 25, 10, 0))


@pytest.mark.parametrize(("now", "near"), [(_at(2026, 3, 14, 23), False), (_at(2026, 3, 15, 0), True)])
def test_the_reminder_starts_ten_days_before(now, near):
    assert report_deadline_next(now).is_near is near


def test_the_home_speaks_vietnamese(client, librarian, day):
    client.force_login(librarian)

    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "2 lượt mượn đến hạn trả hôm nay" in page
    assert "3 lượt mượn quá hạn" in page
    assert "Báo cáo quý sắp tới" in page
    overdue = client.get(OVERDUE, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Lớp 7A3: 2 lượt mượn quá hạn" in overdue


@pytest.mark.parametrize(
    ("now", "shown", "near"),
    [
        (_at(2026, 3, 20, 10), "5 days left.", True),
        (_at(2026, 3, 25, 16, 59), "Due today.", True),
        (_at(2026, 3, 1, 8), "24 days left.", False),
    ],
)
def test_the_deadline_panel_is_highlighted_from_ten_days_before(client, librarian, monkeypatch, now, shown, near):
    monkeypatch.setattr("reports.home.report_deadline_next", lambda _now: report_deadline_next(now))
    client.force_login(librarian)

    page = client.get(HOME, **EN).content.decode()

    assert "Report of quarter 1/2026: due before 17:00 on 25/03/2026." in page
    assert shown in page
    assert ("reports-deadline--near" in page) is near
