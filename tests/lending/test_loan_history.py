"""A reader's own loan history, and its anonymisation after the retention period."""

import datetime

from django.core import mail
from django.utils import timezone

import pytest

from lending.models import Loan, Notice, ReaderCategory
from lending.services.history import loan_history_anonymise, reader_loan_history
from lending.services.loans import loan_create, loan_return
from lending.services.notices import notices_send
from tests.factories.catalog import CopyFactory, RecordFactory

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
