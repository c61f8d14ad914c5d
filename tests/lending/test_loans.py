import datetime
import threading

from django.db import connection, connections

import pytest

from catalog.models import CopyStatus, MaterialKind
from lending.models import ClosedDay, Loan, LoanRule, MembershipStatus, ReaderCategory
from lending.services.circulation import LoanRefused, due_date_compute
from lending.services.loans import loan_create, loan_renew, loan_return
from tests.factories.catalog import CopyFactory, RecordFactory
from tests.factories.lending import MembershipFactory

MONDAY = datetime.date(2026, 11, 23)


@pytest.fixture
def copy(record):
    return record.copies.get()


@pytest.mark.django_db
def test_checkout_lends_the_copy_until_the_due_date(reader_membership, copy, library):
    loan = loan_create(membership=reader_membership, copy=copy, library=library, today=MONDAY)

    copy.refresh_from_db()
    assert copy.status == CopyStatus.ON_LOAN
    assert loan.due_on == MONDAY + datetime.timedelta(days=14)


@pytest.mark.django_db
def test_due_date_moves_past_closed_days_and_closed_weekdays(library):
    # The library opens Monday to Friday (fixture); 7 December 2026 is declared closed.
    ClosedDay.objects.create(library=library, date=datetime.date(2026, 12, 7), reason="Hội khỏe Phù Đổng")

    due = due_date_compute(library=library, start=MONDAY, days=12)  # Saturday 5 December

    assert due == datetime.date(2026, 12, 8)  # Saturday, Sunday, closed Monday → Tuesday


@pytest.mark.django_db
def test_loan_rule_per_category_and_kind(reader_membership, library):
    LoanRule.objects.create(library=library, category=ReaderCategory.STUDENT, loan_days=7, max_loans=5)
    LoanRule.objects.create(
        library=library, category=ReaderCategory.STUDENT, material_kind=MaterialKind.PRINTED_BOOK, loan_days=21
    )
    book = CopyFactory(record=RecordFactory(library=library), library=library)
    document = CopyFactory(record=RecordFactory(library=library, kind=MaterialKind.TEACHING_DOCUMENT), library=library)

    assert loan_create(
        membership=reader_membership, copy=book, library=library, today=MONDAY
    ).due_on == MONDAY + datetime.timedelta(days=21)
    assert loan_create(
        membership=reader_membership, copy=document, library=library, today=MONDAY
    ).due_on == datetime.date(2026, 11, 30)


@pytest.mark.django_db
def test_suspended_reader_cannot_borrow(reader_suspended, reader_membership, copy, library):
    with pytest.raises(LoanRefused) as refused:
        loan_create(membership=reader_membership, copy=copy, library=library)

    assert refused.value.code == "membership_inactive"
    copy.refresh_from_db()
    assert copy.status == CopyStatus.AVAILABLE


@pytest.mark.django_db
def test_loan_limit(reader_membership, library):
    LoanRule.objects.create(library=library, category=ReaderCategory.STUDENT, max_loans=1)
    first, second = (CopyFactory(record=RecordFactory(library=library), library=library) for _ in range(2))
    loan_create(membership=reader_membership, copy=first, library=library)

    with pytest.raises(LoanRefused) as refused:
        loan_create(membership=reader_membership, copy=second, library=library)

    assert refused.value.code == "limit_reached"


@pytest.mark.django_db
def test_a_copy_on_loan_or_lost_cannot_be_lent(reader_membership, teacher, copy, library):
    loan_create(membership=reader_membership, copy=copy, library=library)
    lost = CopyFactory(record=copy.record, library=library, status=CopyStatus.LOST)

    for item in (copy, lost):
        with pytest.raises(LoanRefused) as refused:
            loan_create(membership=teacher.memberships.get(), copy=item, library=library)
        assert refused.value.code == "copy_unavailable"


@pytest.mark.django_db
def test_members_of_another_library_and_copies_of_another_library_are_refused(
    resident, reader_membership, copy, library, other_library
):
    with pytest.raises(LoanRefused) as refused:
        loan_create(membership=resident.memberships.get(), copy=copy, library=library)
    assert refused.value.code == "not_member"

    foreign = CopyFactory(record=copy.record, library=other_library)
    with pytest.raises(LoanRefused) as refused:
        loan_create(membership=reader_membership, copy=foreign, library=library)
    assert refused.value.code == "other_library"


@pytest.mark.django_db
def test_return_puts_the_copy_back_and_ends_the_loan(reader_membership, copy, library):
    loan_create(membership=reader_membership, copy=copy, library=library)

    loan = loan_return(copy=copy)

    copy.refresh_from_db()
    assert loan.returned_at is not None
    assert copy.status == CopyStatus.AVAILABLE
    with pytest.raises(LoanRefused):
        loan_return(copy=copy)


@pytest.mark.django_db
def test_renewal_extends_from_today_until_the_limit(reader_membership, copy, library):
    loan = loan_create(membership=reader_membership, copy=copy, library=library, today=MONDAY)

    renewed = loan_renew(loan=loan, today=datetime.date(2026, 12, 1))

    assert renewed.due_on == datetime.date(2026, 12, 15)
    with pytest.raises(LoanRefused) as refused:
        loan_renew(loan=renewed, today=datetime.date(2026, 12, 2))
    assert refused.value.code == "renewal_limit"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL (SQLite has one writer)"
)
def test_two_desks_lending_the_last_copy_at_once_only_one_succeeds(library, record):
    copy = record.copies.get()
    members = [MembershipFactory(library=library, status=MembershipStatus.ACTIVE) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def desk(membership):
        try:
            barrier.wait()
            loan_create(membership=membership, copy=copy, library=library)
            outcomes.append("lent")
        except LoanRefused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["copy_unavailable", "lent"]
    assert Loan.objects.filter(copy=copy, returned_at__isnull=True).count() == 1
