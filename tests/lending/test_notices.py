"""Daily notices: due soon, overdue and hold ready, by email, never twice."""

import datetime
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

import pytest

from lending.services.holds import hold_place
from lending.services.loans import loan_create, loan_renew, loan_return
from lending.services.notices import notices_send
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.lending import MembershipFactory

MONDAY = datetime.date(2026, 11, 23)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(reader_membership):
    reader = reader_membership.reader
    reader.email = "minhanh@example.edu.vn"
    reader.save()
    return reader_membership


def lend(member, library, title, today):
    copy = CopyFactory(record=RecordFactory(library=library, title=title), library=library)
    return loan_create(membership=member, copy=copy, library=library, today=today)


def test_due_soon_notice_lists_every_loan_due_in_one_email_and_is_sent_once(member, library):
    # Two books due Monday 7 December, reminded two days before (NOTICE_DUE_SOON_DAYS).
    lend(member, library, "Dế Mèn phiêu lưu ký", MONDAY)
    lend(member, library, "Tuổi thơ dữ dội", MONDAY)
    saturday = datetime.date(2026, 12, 5)

    assert notices_send(today=saturday - datetime.timedelta(days=1))["due_soon"] == 0
    assert notices_send(today=saturday)["due_soon"] == 1
    assert notices_send(today=saturday)["due_soon"] == 0  # run again: nothing new
    assert notices_send(today=saturday + datetime.timedelta(days=1))["due_soon"] == 0

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["minhanh@example.edu.vn"]
    assert "Trần Minh Anh" in email.body
    assert "Dế Mèn phiêu lưu ký" in email.body
    assert "Tuổi thơ dữ dội" in email.body
    assert "07/12/2026" in email.body
    assert "/ban-doc/muon/" in email.body


def test_a_renewed_loan_is_reminded_again_for_its_new_due_date(member, library):
    loan = lend(member, library, "Dế Mèn phiêu lưu ký", MONDAY)
    notices_send(today=loan.due_on - datetime.timedelta(days=1))

    loan = loan_renew(loan=loan, today=loan.due_on - datetime.timedelta(days=1))
    sent = notices_send(today=loan.due_on - datetime.timedelta(days=1))

    assert sent["due_soon"] == 1
    assert len(mail.outbox) == 2


def test_overdue_notice_once_per_due_date(member, library):
    loan = lend(member, library, "Dế Mèn phiêu lưu ký", MONDAY)

    first = notices_send(today=loan.due_on + datetime.timedelta(days=1))
    again = notices_send(today=loan.due_on + datetime.timedelta(days=5))

    assert (first["overdue"], again["overdue"]) == (1, 0)
    # In the site's language, Vietnamese.
    assert mail.outbox[-1].subject == "Sách bạn mượn đã quá hạn"
    assert "đã quá hạn từ" in mail.outbox[-1].body


def test_hold_ready_notice_names_the_pickup_library_and_last_day(member, library, record):
    copy = record.copies.get()
    other = MembershipFactory(library=library)
    loan_create(membership=other, copy=copy, library=library, today=MONDAY)
    hold = hold_place(membership=member, record=record)
    loan_return(copy=copy, today=MONDAY)
    hold.refresh_from_db()

    sent = notices_send(today=MONDAY)

    assert sent["hold_ready"] == 1
    email = mail.outbox[0]
    assert "Đất rừng phương Nam" in email.body
    assert library.short_name in email.body
    assert f"{hold.expires_on:%d/%m/%Y}" in email.body


def test_readers_without_email_are_counted_not_skipped_for_ever(reader_membership, library):
    loan = lend(reader_membership, library, "Dế Mèn phiêu lưu ký", MONDAY)
    day = loan.due_on - datetime.timedelta(days=1)

    assert notices_send(today=day)["no_email"] == 1
    reader = reader_membership.reader
    reader.email = "minhanh@example.edu.vn"
    reader.save()
    assert notices_send(today=day)["due_soon"] == 1  # told once an address is recorded


def test_daily_command_reports_and_can_run_twice(member, library):
    loan = lend(member, library, "Dế Mèn phiêu lưu ký", MONDAY)
    day = (loan.due_on + datetime.timedelta(days=1)).isoformat()
    out = StringIO()

    call_command("circulation_daily", "--date", day, stdout=out)
    call_command("circulation_daily", "--date", day, stdout=out)

    assert out.getvalue().count("Notices sent (overdue): 1") == 1
    assert out.getvalue().count("Notices sent (overdue): 0") == 1
    assert len(mail.outbox) == 1


def test_the_reader_is_told_as_soon_as_the_copy_reaches_the_hold_shelf(
    member, library, record, django_capture_on_commit_callbacks
):
    # The task sends on the day it runs: the copy comes back today, not on a fixed date (a
    # fixed one made the pickup window end before the day the suite runs).
    today = timezone.localdate()
    copy = record.copies.get()
    loan_create(membership=MembershipFactory(library=library), copy=copy, library=library, today=today)
    hold_place(membership=member, record=record)

    with django_capture_on_commit_callbacks(execute=True):
        loan_return(copy=copy, today=today)

    assert len(mail.outbox) == 1  # the task ran (inline in tests; by db_worker in production)
    assert "Đất rừng phương Nam" in mail.outbox[0].body
    assert notices_send(today=today)["hold_ready"] == 0  # the daily run does not repeat it
