"""Erasure on request (Decree 13/2023/NĐ-CP): the reader asks from their account, the
staff of a library where they are a member approve (anonymised, statistics kept) or
refuse with a note; another library's staff never see the request."""

from django.core.cache import caches
from django.test import Client

import pytest

from lending.models import ErasureRequest, ErasureStatus, Loan, MembershipStatus
from lending.services.loans import loan_create, loan_return
from lending.services.personal_data import (
    ErasureRefused,
    erasure_request_approve,
    erasure_request_create,
    erasure_request_refuse,
)
from lending.services.readers import reader_account_ensure

pytestmark = pytest.mark.django_db

DATA_PAGE = "/ban-doc/du-lieu/"
LISTING = "/admin/snippets/lending/erasurerequest/"
PASSWORD = "doc-sach-moi-ngay"


@pytest.fixture(autouse=True)
def clear_login_throttle():
    caches["shared"].clear()


@pytest.fixture
def reader_client(reader, reader_card):
    """The reader's own browser (the staff use ``client``)."""
    user = reader_account_ensure(reader=reader)
    user.set_password(PASSWORD)
    user.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)
    return browser


@pytest.fixture
def erasure(reader):
    return erasure_request_create(reader=reader, reason="Em chuyển trường")


def _decide(client, erasure, **data):
    return client.post(f"/admin/readers/erasure/{erasure.pk}/", data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_reader_asks_for_erasure_and_sees_it_pending(reader_client, reader):
    response = reader_client.post(DATA_PAGE, {"reason": "Em chuyển trường"}, follow=True)

    page = response.content.decode()
    assert "Your request is sent." in page
    assert "Pending" in page
    assert ErasureRequest.objects.get().reader == reader
    # One pending request at a time: the form is gone, and the service refuses a second.
    assert "Ask for erasure" not in page
    with pytest.raises(ErasureRefused):
        erasure_request_create(reader=reader)


def test_staff_of_the_readers_library_list_and_approve_it(client, librarian, erasure, reader, reader_membership):
    client.force_login(librarian)

    listing = client.get(LISTING, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Trần Minh Anh" in listing
    assert f"/admin/readers/erasure/{erasure.pk}/" in listing  # the row's "Decide" button
    response = _decide(client, erasure, decision="approve", note="")

    assert response.status_code == 302
    erasure.refresh_from_db()
    reader.refresh_from_db()
    reader_membership.refresh_from_db()
    assert erasure.status == ErasureStatus.APPROVED
    assert (erasure.decided_by, erasure.reason) == (librarian, "")
    assert reader.anonymised_at is not None
    assert "Trần Minh Anh" not in reader.full_name
    assert reader.date_of_birth is None
    assert reader_membership.status == MembershipStatus.LEFT
    assert not reader.cards.filter(revoked_at__isnull=True).exists()


def test_approval_keeps_the_loan_counts(librarian, erasure, reader, reader_membership, record, library):
    copy = record.copies.get()
    loan_create(membership=reader_membership, copy=copy, library=library)
    loan_return(copy=copy)

    erasure_request_approve(erasure=erasure, user=librarian)

    assert Loan.objects.filter(library=library).count() == 1
    assert Loan.objects.get().reader_category == "student"


def test_approval_is_refused_while_books_are_out(
    client, librarian, erasure, reader, reader_membership, record, library
):
    loan_create(membership=reader_membership, copy=record.copies.get(), library=library)
    client.force_login(librarian)

    response = _decide(client, erasure, decision="approve")

    assert response.status_code == 200
    assert "still has 1 book(s) on loan" in response.content.decode()
    erasure.refresh_from_db()
    reader.refresh_from_db()
    assert erasure.status == ErasureStatus.PENDING
    assert reader.anonymised_at is None


def test_a_refusal_needs_a_note_and_the_reader_reads_it(client, librarian, erasure, reader_client):
    client.force_login(librarian)

    assert _decide(client, erasure, decision="refuse", note="").status_code == 200
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.PENDING

    _decide(client, erasure, decision="refuse", note="Em còn đang học ở trường.")
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.REFUSED
    page = reader_client.get(DATA_PAGE).content.decode()
    assert "Refused" in page
    assert "Em còn đang học ở trường." in page
    assert "Ask for erasure" in page  # a new request may be made


def test_staff_of_another_library_get_404_for_a_foreign_request(client, other_librarian, erasure):
    client.force_login(other_librarian)

    assert _decide(client, erasure, decision="approve").status_code == 404
    assert client.get(f"/admin/readers/erasure/{erasure.pk}/").status_code == 404
    listing = client.get(LISTING).content.decode()
    assert "Trần Minh Anh" not in listing
    inspect = client.get(f"{LISTING}inspect/{erasure.pk}/")
    assert inspect.status_code in (302, 403, 404)
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.PENDING


def test_a_decided_request_cannot_be_decided_again(librarian, erasure):
    erasure_request_refuse(erasure=erasure, user=librarian, note="Chưa đủ điều kiện.")

    with pytest.raises(ErasureRefused):
        erasure_request_approve(erasure=erasure, user=librarian)
