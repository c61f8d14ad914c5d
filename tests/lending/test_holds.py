"""Holds: first come first served, the hold shelf, pickup expiry, renewals refused while
someone waits, lost and damaged copies, and the queue head under concurrent returns."""

import datetime
import threading

from django.db import connection, connections
from django.utils import translation

import pytest

from catalog.models import CopyStatus
from lending.models import ClosedDay, Hold, HoldStatus, Loan, LoanEnd, MembershipStatus
from lending.selectors import hold_for_copy, hold_position, holds_to_fetch
from lending.services.circulation import LoanRefused
from lending.services.holds import hold_cancel, hold_place, hold_trap, holds_expire
from lending.services.loans import copy_mark, loan_create, loan_renew, loan_return
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.lending import MembershipFactory

MONDAY = datetime.date(2026, 11, 23)

pytestmark = pytest.mark.django_db


@pytest.fixture
def copy(record):
    return record.copies.get()


@pytest.fixture
def borrowed(reader_membership, copy, library):
    """The only copy of the record is on loan to the reader."""
    return loan_create(membership=reader_membership, copy=copy, library=library, today=MONDAY)


@pytest.fixture
def waiting(library):
    """Two other students of the library, in the order they will place holds."""
    return [
        MembershipFactory(library=library, reader__full_name="Võ Thị Sáu"),
        MembershipFactory(library=library, reader__full_name="Lý Tự Trọng"),
    ]


def test_holds_queue_first_come_first_served(borrowed, record, waiting):
    first = hold_place(membership=waiting[0], record=record)
    second = hold_place(membership=waiting[1], record=record)

    assert (hold_position(hold=first), hold_position(hold=second)) == (1, 2)
    hold_cancel(hold=first)
    second.refresh_from_db()
    assert hold_position(hold=second) == 1


def test_returned_copy_goes_to_the_hold_shelf_for_the_head_of_the_queue(borrowed, copy, record, waiting, library):
    # The library opens Monday to Friday; Thursday 26 November is declared closed.
    ClosedDay.objects.create(library=library, date=datetime.date(2026, 11, 26), reason="Kiểm kê")
    hold_place(membership=waiting[0], record=record)
    hold_place(membership=waiting[1], record=record)

    loan_return(copy=copy, today=MONDAY)

    copy.refresh_from_db()
    hold = hold_for_copy(copy=copy)
    assert copy.status == CopyStatus.ON_HOLD_SHELF
    assert hold.membership == waiting[0]
    assert hold.status == HoldStatus.READY
    # Three days' pickup window from Monday ends Thursday, closed: Friday is the last day.
    assert hold.expires_on == datetime.date(2026, 11, 27)


def test_a_copy_on_the_hold_shelf_is_lent_only_to_its_reader(borrowed, copy, record, waiting, library):
    hold_place(membership=waiting[0], record=record)
    loan_return(copy=copy, today=MONDAY)

    with pytest.raises(LoanRefused) as refused:
        loan_create(membership=waiting[1], copy=copy, library=library, today=MONDAY)
    assert refused.value.code == "held_for_other"

    loan = loan_create(membership=waiting[0], copy=copy, library=library, today=MONDAY)
    assert loan.membership == waiting[0]
    assert Hold.objects.get(membership=waiting[0]).status == HoldStatus.COLLECTED


def test_renewal_is_refused_while_another_reader_waits(borrowed, record, waiting):
    hold_place(membership=waiting[0], record=record)

    with pytest.raises(LoanRefused) as refused, translation.override("en"):
        loan_renew(loan=borrowed, today=MONDAY + datetime.timedelta(days=10))

    assert refused.value.code == "hold_waiting"
    assert "Another reader is waiting for this title" in refused.value.messages[0]
    borrowed.refresh_from_db()
    assert borrowed.renewals == 0


def test_uncollected_hold_expires_and_passes_to_the_next_reader(borrowed, copy, record, waiting):
    first = hold_place(membership=waiting[0], record=record)
    second = hold_place(membership=waiting[1], record=record)
    loan_return(copy=copy, today=MONDAY)
    first.refresh_from_db()

    assert holds_expire(today=first.expires_on) == 0  # the last pickup day still counts
    assert holds_expire(today=first.expires_on + datetime.timedelta(days=1)) == 1
    assert holds_expire(today=first.expires_on + datetime.timedelta(days=1)) == 0  # safe to run again

    first.refresh_from_db()
    second.refresh_from_db()
    copy.refresh_from_db()
    assert first.status == HoldStatus.EXPIRED
    assert (second.status, second.copy) == (HoldStatus.READY, copy)
    assert copy.status == CopyStatus.ON_HOLD_SHELF


def test_expired_hold_with_nobody_next_puts_the_copy_back_on_the_shelves(borrowed, copy, record, waiting):
    hold = hold_place(membership=waiting[0], record=record)
    loan_return(copy=copy, today=MONDAY)
    hold.refresh_from_db()

    holds_expire(today=hold.expires_on + datetime.timedelta(days=1))

    copy.refresh_from_db()
    assert copy.status == CopyStatus.AVAILABLE


def test_cancelling_a_ready_hold_hands_the_copy_to_the_next_reader(borrowed, copy, record, waiting):
    first = hold_place(membership=waiting[0], record=record)
    second = hold_place(membership=waiting[1], record=record)
    loan_return(copy=copy, today=MONDAY)

    hold_cancel(hold=first)

    second.refresh_from_db()
    assert second.status == HoldStatus.READY
    assert second.copy == copy


def test_hold_placed_while_a_copy_is_on_the_shelves_is_listed_to_fetch(copy, record, waiting, library):
    hold = hold_place(membership=waiting[0], record=record)

    assert list(holds_to_fetch(library=library)) == [hold]
    hold_trap(copy=copy, today=MONDAY)  # the librarian scans the copy fetched from the shelf

    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY
    assert list(holds_to_fetch(library=library)) == []


def test_hold_is_refused_with_a_reason(borrowed, record, reader_membership, waiting, other_library, library):
    with pytest.raises(LoanRefused) as on_loan:
        hold_place(membership=reader_membership, record=record)
    assert on_loan.value.code == "already_on_loan"

    hold_place(membership=waiting[0], record=record)
    with pytest.raises(LoanRefused) as twice:
        hold_place(membership=waiting[0], record=record)
    assert twice.value.code == "already_held"

    waiting[1].status = MembershipStatus.SUSPENDED
    waiting[1].save()
    with pytest.raises(LoanRefused) as suspended:
        hold_place(membership=waiting[1], record=record)
    assert suspended.value.code == "membership_inactive"

    elsewhere = MembershipFactory(library=other_library)
    with pytest.raises(LoanRefused) as no_copy:
        hold_place(membership=elsewhere, record=record)
    assert no_copy.value.code == "no_copy_here"
    assert Hold.objects.count() == 1


def test_marking_a_borrowed_copy_lost_ends_the_loan(borrowed, copy):
    loan = copy_mark(copy=copy, status=CopyStatus.LOST)

    copy.refresh_from_db()
    assert copy.status == CopyStatus.LOST
    assert loan.pk == borrowed.pk
    assert loan.ended_as == LoanEnd.LOST
    assert loan.returned_at is not None
    assert not Loan.objects.filter(returned_at__isnull=True).exists()


def test_a_damaged_copy_on_the_hold_shelf_sends_its_hold_back_to_the_head_of_the_queue(
    borrowed, copy, record, waiting, library
):
    first = hold_place(membership=waiting[0], record=record)
    hold_place(membership=waiting[1], record=record)
    loan_return(copy=copy, today=MONDAY)

    copy_mark(copy=copy, status=CopyStatus.DAMAGED)

    first.refresh_from_db()
    assert (first.status, first.copy, hold_position(hold=first)) == (HoldStatus.WAITING, None, 1)
    # The next copy that comes back goes to the same reader.
    spare = CopyFactory(record=record, library=library, status=CopyStatus.AVAILABLE)
    assert hold_trap(copy=spare, today=MONDAY) == first


def test_a_copy_of_another_library_does_not_fill_the_hold(borrowed, record, waiting, other_library):
    hold_place(membership=waiting[0], record=record)
    foreign = CopyFactory(record=record, library=other_library)

    assert hold_trap(copy=foreign, today=MONDAY) is None
    foreign.refresh_from_db()
    assert foreign.status == CopyStatus.AVAILABLE


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
def test_two_copies_returned_at_once_go_to_the_first_and_second_readers(library):
    record = RecordFactory(library=library, title="Tôi thấy hoa vàng trên cỏ xanh")
    copies = [CopyFactory(record=record, library=library) for _ in range(2)]
    borrowers = [MembershipFactory(library=library) for _ in range(2)]
    for membership, copy in zip(borrowers, copies, strict=True):
        loan_create(membership=membership, copy=copy, library=library, today=MONDAY)
    queue = [hold_place(membership=MembershipFactory(library=library), record=record) for _ in range(3)]
    barrier = threading.Barrier(2)
    errors = []

    def desk(copy):
        try:
            barrier.wait()
            loan_return(copy=copy, today=MONDAY)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk, args=(copy,)) for copy in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statuses = [Hold.objects.get(pk=hold.pk).status for hold in queue]
    assert statuses == [HoldStatus.READY, HoldStatus.READY, HoldStatus.WAITING]
    assert {Hold.objects.get(pk=hold.pk).copy_id for hold in queue[:2]} == {copy.pk for copy in copies}
