"""A reader's own loan history, and its anonymisation after the retention period."""

import datetime
import io

from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

import pytest

from lending.models import Loan, Notice, PersonalDataLogEntry, ReaderCategory
from lending.selectors import reader_loan_history
from lending.services.history import loan_history_anonymise
from lending.services.loans import loan_create, loan_return
from lending.services.notices import notices_send
from lending.services.readers import reader_account_ensure
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.lending import MembershipFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 23)


def borrow_and_return(membership, library, title):
    copy = CopyFactory(record=RecordFactory(library=library, title=title), library=library)
    loan_create(membership=membership, copy=copy, library=library, today=MONDAY)
    return loan_return(copy=copy, today=MONDAY)


def test_history_is_forgotten_after_the_retention_period_but_still_counted(reader_membership, library, settings):
    settings.LOAN_HISTORY_RETENTION_DAYS = 30
    old = borrow_and_return(reader_membership, library, "Dế Mèn phiêu lưu ký")
    Loan.objects.filter(pk=old.pk).update(returned_at=timezone.now() - datetime.timedelta(days=31))
    recent = borrow_and_return(reader_membership, library, "Tuổi thơ dữ dội")
    still_open = CopyFactory(record=RecordFactory(library=library), library=library)
    loan_create(membership=reader_membership, copy=still_open, library=library, today=MONDAY)

    counts = loan_history_anonymise()

    assert counts.loans == 1
    assert [loan.pk for loan in reader_loan_history(reader=reader_membership.reader)] == [recent.pk]
    old.refresh_from_db()
    assert old.membership is None
    # Statistics still count it: library, title, category and dates stay.
    assert Loan.objects.filter(library=library, reader_category=ReaderCategory.STUDENT).count() == 3
    assert old.copy.record.title == "Dế Mèn phiêu lưu ký"
    assert loan_history_anonymise().loans == 0  # safe to run again


def test_old_sent_notices_which_name_the_reader_are_deleted(reader_membership, library, settings):
    settings.LOAN_HISTORY_RETENTION_DAYS = 30
    reader = reader_membership.reader
    reader.email = "minhanh@example.edu.vn"
    reader.save()
    copy = CopyFactory(record=RecordFactory(library=library), library=library)
    loan = loan_create(membership=reader_membership, copy=copy, library=library, today=MONDAY)
    notices_send(today=loan.due_on)
    assert len(mail.outbox) == 1
    Notice.objects.update(sent_at=timezone.now() - datetime.timedelta(days=31))

    assert loan_history_anonymise().notices == 1
    assert not Notice.objects.exists()


def test_each_library_forgets_its_loans_after_its_own_period(
    reader_membership, library, resident, other_library, settings
):
    # given the school keeps history 400 days, the centre 60 days, the city default 365
    settings.LOAN_HISTORY_RETENTION_DAYS = 365
    library.loan_history_retention_days = 400
    library.save()
    other_library.loan_history_retention_days = 60
    other_library.save()
    at_school = borrow_and_return(reader_membership, library, "Dế Mèn phiêu lưu ký")
    at_centre = borrow_and_return(resident.memberships.get(), other_library, "Nấu ăn gia đình")
    Loan.objects.update(returned_at=timezone.now() - datetime.timedelta(days=100))

    # when the loan history is anonymised
    out = io.StringIO()
    call_command("anonymise_loans", stdout=out)

    # then only the centre's loan (past its 60 days) no longer names the reader
    assert "Anonymised 1 loans" in out.getvalue()
    at_school.refresh_from_db()
    at_centre.refresh_from_db()
    assert at_school.membership == reader_membership
    assert at_centre.membership is None

    # and the school's goes once past its 400 days, not the city's 365
    Loan.objects.filter(pk=at_school.pk).update(returned_at=timezone.now() - datetime.timedelta(days=390))
    assert loan_history_anonymise().loans == 0
    Loan.objects.filter(pk=at_school.pk).update(returned_at=timezone.now() - datetime.timedelta(days=401))
    assert loan_history_anonymise().loans == 1


def test_a_library_without_its_own_period_follows_the_setting(reader_membership, library, other_library, settings):
    settings.LOAN_HISTORY_RETENTION_DAYS = 30
    other_library.loan_history_retention_days = 3650
    other_library.save()
    loan = borrow_and_return(reader_membership, library, "Dế Mèn phiêu lưu ký")
    Loan.objects.filter(pk=loan.pk).update(returned_at=timezone.now() - datetime.timedelta(days=31))

    assert loan_history_anonymise().loans == 1


def test_the_reader_is_told_the_longest_period_of_their_libraries(client, reader, library, other_library, settings):
    settings.LOAN_HISTORY_RETENTION_DAYS = 365
    library.loan_history_retention_days = 90
    library.save()
    other_library.loan_history_retention_days = 200
    other_library.save()
    MembershipFactory(reader=reader, library=other_library, category="resident", class_name="")
    client.force_login(reader_account_ensure(reader=reader))

    page = client.get("/ban-doc/muon/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Your history is kept for 200 days" in page


def test_the_admin_history_of_a_forgotten_loan_no_longer_names_the_reader(reader_membership, library, settings):
    settings.LOAN_HISTORY_RETENTION_DAYS = 30
    loan = borrow_and_return(reader_membership, library, "Dế Mèn phiêu lưu ký")
    log(instance=loan, action="wagtail.edit")
    # Logged into the personal-data log, without the name; an entry in Wagtail's own
    # table from before it existed still names the reader.
    assert "Trần Minh Anh" not in PersonalDataLogEntry.objects.get().label
    ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Loan),
        object_id=str(loan.pk),
        label="Dế Mèn phiêu lưu ký · Trần Minh Anh",
        action="wagtail.edit",
        timestamp=timezone.now(),
    )
    assert "Trần Minh Anh" in ModelLogEntry.objects.get().label
    Loan.objects.filter(pk=loan.pk).update(returned_at=timezone.now() - datetime.timedelta(days=31))

    loan_history_anonymise()

    assert "Trần Minh Anh" not in ModelLogEntry.objects.get().label
