"""Digital loans: never more than the licences, a queue with true positions, access that
ends by itself, open access without a loan, and the last licence under concurrency."""

import datetime
import threading

from django.core.files.base import ContentFile
from django.db import connection, connections
from django.utils import timezone, translation

import pytest

from catalog.models import DigitalFile, DigitalFormat
from catalog.selectors import digital_file_access
from lending.models import DigitalHold, DigitalLoan, HoldStatus, LoanRule, ReaderCategory
from lending.selectors import digital_availability
from lending.services.circulation import LoanRefused
from lending.services.digital import (
    digital_hold_place,
    digital_holds_refresh,
    digital_loan_create,
    digital_loan_return,
)
from lending.services.readers import reader_account_ensure
from tests.factories.lending import MembershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def ebook(record, licences):
    return DigitalFile.objects.create(
        record=record,
        format=DigitalFormat.PDF,
        file=ContentFile(PDF, name="dat-rung.pdf"),
        mime_type="application/pdf",
        size_bytes=len(PDF),
        licence_count=licences,
    )


@pytest.fixture
def members(library):
    names = ["Nguyễn An", "Trần Bình", "Lê Châu", "Phạm Dũng"]
    return [MembershipFactory(library=library, reader__full_name=name) for name in names]


def test_no_more_loans_than_licences(record, members):
    file = ebook(record, licences=2)

    digital_loan_create(membership=members[0], digital_file=file)
    digital_loan_create(membership=members[1], digital_file=file)
    with pytest.raises(LoanRefused) as refused:
        digital_loan_create(membership=members[2], digital_file=file)

    assert refused.value.code == "no_licence_free"
    availability = digital_availability(digital_file=file, membership=members[2])
    assert (availability.licences, availability.lent, availability.free) == (2, 2, 0)


def test_the_queue_shows_each_reader_their_true_position(record, members):
    file = ebook(record, licences=1)
    loan = digital_loan_create(membership=members[0], digital_file=file)
    digital_hold_place(membership=members[1], digital_file=file)
    digital_hold_place(membership=members[2], digital_file=file)

    positions = [digital_availability(digital_file=file, membership=m).position for m in members[1:3]]
    assert positions == [1, 2]

    # The licence comes back: the head of the queue may borrow, a newcomer may not jump it.
    digital_loan_return(loan=loan)
    assert digital_availability(digital_file=file, membership=members[1]).can_borrow
    assert not digital_availability(digital_file=file, membership=members[2]).can_borrow
    with pytest.raises(LoanRefused) as jumped, translation.override("en"):
        digital_loan_create(membership=members[3], digital_file=file)
    assert jumped.value.code == "no_licence_free"
    assert "kept for the 2 readers already waiting" in jumped.value.messages[0]

    digital_loan_create(membership=members[1], digital_file=file)
    assert DigitalHold.objects.get(membership=members[1]).status == HoldStatus.COLLECTED
    assert digital_availability(digital_file=file, membership=members[2]).position == 1


def test_access_ends_by_itself_when_the_loan_expires(record, members, library):
    LoanRule.objects.create(library=library, category=ReaderCategory.STUDENT, loan_days=7)
    file = ebook(record, licences=1)
    reader_user = reader_account_ensure(reader=members[0].reader)
    borrowed_at = timezone.now() - datetime.timedelta(days=8)

    loan = digital_loan_create(membership=members[0], digital_file=file, now=borrowed_at)

    assert loan.expires_at == borrowed_at + datetime.timedelta(days=7)
    assert not digital_file_access(user=reader_user, digital_file=file).allowed
    # and the licence is free again for someone else, without any job having run
    assert digital_availability(digital_file=file).free == 1


def test_a_reader_opens_the_file_during_the_loan_only(record, members):
    file = ebook(record, licences=1)
    user = reader_account_ensure(reader=members[0].reader)
    assert digital_file_access(user=user, digital_file=file).status == 403

    loan = digital_loan_create(membership=members[0], digital_file=file)
    assert digital_file_access(user=user, digital_file=file).allowed

    digital_loan_return(loan=loan)
    assert not digital_file_access(user=user, digital_file=file).allowed


def test_open_access_needs_no_loan(record, members):
    file = ebook(record, licences=None)
    user = reader_account_ensure(reader=members[0].reader)

    with pytest.raises(LoanRefused) as refused:
        digital_loan_create(membership=members[0], digital_file=file)

    assert refused.value.code == "open_access"
    assert digital_file_access(user=user, digital_file=file).allowed


def test_joining_the_queue_is_refused_while_a_licence_is_free(record, members):
    file = ebook(record, licences=1)

    with pytest.raises(LoanRefused) as refused:
        digital_hold_place(membership=members[0], digital_file=file)

    assert refused.value.code == "licence_free"


def test_a_ready_hold_not_used_in_time_lapses_and_the_next_reader_moves_up(record, members, library):
    LoanRule.objects.create(library=library, category=ReaderCategory.STUDENT, hold_pickup_days=2)
    file = ebook(record, licences=1)
    loan = digital_loan_create(membership=members[0], digital_file=file)
    first = digital_hold_place(membership=members[1], digital_file=file)
    second = digital_hold_place(membership=members[2], digital_file=file)
    digital_loan_return(loan=loan)
    now = timezone.now()

    assert digital_holds_refresh(now=now) == (1, 0)
    assert digital_holds_refresh(now=now) == (0, 0)  # safe to run again
    assert digital_holds_refresh(now=now + datetime.timedelta(days=3)) == (1, 1)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == HoldStatus.EXPIRED
    assert second.ready_since is not None
    assert digital_availability(digital_file=file, membership=members[2]).can_borrow


def test_digital_loans_count_against_the_readers_limit(library, members):
    from tests.factories.catalog import RecordFactory

    LoanRule.objects.create(library=library, category=ReaderCategory.STUDENT, max_loans=1)
    files = [ebook(RecordFactory(library=library), licences=5) for _ in range(2)]
    digital_loan_create(membership=members[0], digital_file=files[0])

    with pytest.raises(LoanRefused) as refused:
        digital_loan_create(membership=members[0], digital_file=files[1])

    assert refused.value.code == "limit_reached"


def _race(targets):
    barrier = threading.Barrier(len(targets))
    outcomes = {}

    def borrow(name, membership, digital_file):
        try:
            barrier.wait()
            digital_loan_create(membership=membership, digital_file=digital_file)
            outcomes[name] = "lent"
        except LoanRefused as refused:
            outcomes[name] = refused.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=borrow, args=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
def test_two_readers_taking_the_last_licence_at_once_only_one_gets_it(record, members):
    file = ebook(record, licences=2)
    digital_loan_create(membership=members[0], digital_file=file)

    outcomes = _race([("b", members[1], file), ("c", members[2], file)])

    assert sorted(outcomes.values()) == ["lent", "no_licence_free"]
    assert DigitalLoan.objects.filter(digital_file=file).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
def test_the_head_of_the_queue_wins_a_freed_licence_against_a_newcomer(record, members):
    file = ebook(record, licences=1)
    loan = digital_loan_create(membership=members[0], digital_file=file)
    digital_hold_place(membership=members[1], digital_file=file)
    digital_loan_return(loan=loan)

    outcomes = _race([("head", members[1], file), ("newcomer", members[2], file)])

    assert outcomes == {"head": "lent", "newcomer": "no_licence_free"}
