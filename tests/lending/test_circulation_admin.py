"""Circulation in the admin: each library sets its own loan rules and closed days; loans
and holds are looked up there but changed only at the desk."""

import datetime

import pytest

from lending.models import ClosedDay, LoanRule, ReaderCategory
from lending.services.loans import loan_create

pytestmark = pytest.mark.django_db

RULES = "/admin/snippets/lending/loanrule/"
CLOSED = "/admin/snippets/lending/closedday/"
LOANS = "/admin/snippets/lending/loan/"


def test_a_librarian_adds_a_closed_day_for_their_own_library_only(client, librarian, library, other_library):
    client.force_login(librarian)

    form = client.get(f"{CLOSED}add/").content.decode()
    assert library.name in form
    assert other_library.name not in form

    response = client.post(
        f"{CLOSED}add/", {"library": library.pk, "date": "2027-02-08", "reason": "Nghỉ Tết Nguyên Đán"}
    )
    assert response.status_code == 302
    assert ClosedDay.objects.filter(library=library, date=datetime.date(2027, 2, 8)).exists()

    refused = client.post(f"{CLOSED}add/", {"library": other_library.pk, "date": "2027-02-09", "reason": "x"})
    assert refused.status_code == 200  # the form shows the error
    assert not ClosedDay.objects.filter(library=other_library).exists()


def test_loan_rules_of_other_libraries_are_neither_listed_nor_editable(client, librarian, library, other_library):
    own = LoanRule.objects.create(library=library, category=ReaderCategory.STUDENT, loan_days=10)
    theirs = LoanRule.objects.create(library=other_library, category=ReaderCategory.STUDENT, loan_days=21)
    client.force_login(librarian)

    listing = client.get(RULES).content.decode()
    assert f"{RULES}edit/{own.pk}/" in listing
    assert f"{RULES}edit/{theirs.pk}/" not in listing
    assert client.get(f"{RULES}edit/{theirs.pk}/").status_code in (302, 403)
    assert client.post(f"{RULES}delete/{theirs.pk}/").status_code in (302, 403)
    assert LoanRule.objects.filter(pk=theirs.pk).exists()


def test_loans_are_read_only_in_the_admin_even_for_superusers(client, superuser, reader_membership, record, library):
    loan = loan_create(membership=reader_membership, copy=record.copies.get(), library=library)
    client.force_login(superuser)

    listing = client.get(LOANS).content.decode()
    assert "Đất rừng phương Nam" in listing
    assert client.get(f"{LOANS}inspect/{loan.pk}/").status_code == 200
    assert client.get(f"{LOANS}add/").status_code == 302
    assert client.get(f"{LOANS}edit/{loan.pk}/").status_code == 302
