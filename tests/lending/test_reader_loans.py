"""The reader's own pages: loans, holds with their place in the queue, digital loans,
history; placing a hold and borrowing a digital item from a title's page."""

import datetime

from django.core.files.base import ContentFile

import pytest

from catalog.models import DigitalFile, DigitalFormat
from lending.models import DigitalLoan, Hold, HoldStatus
from lending.services.holds import hold_place
from lending.services.loans import loan_create, loan_return
from lending.services.readers import reader_account_ensure
from tests.factories.lending import MembershipFactory

pytestmark = pytest.mark.django_db

LOANS = "/ban-doc/muon/"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader_account_ensure(reader=reader))
    return client


def page(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_loans_page_shows_loans_holds_and_history(signed_in, reader_membership, record, library):
    copy = record.copies.get()
    loan_create(membership=reader_membership, copy=copy, library=library)
    other = MembershipFactory(library=library, reader__full_name="Võ Thị Sáu")
    hold_place(membership=other, record=record)

    html = page(signed_in, LOANS)
    assert "Đất rừng phương Nam" in html
    assert "Võ Thị Sáu" not in html  # other readers' holds are not shown

    loan_return(copy=copy)
    html = page(signed_in, LOANS)
    assert "You have nothing on loan." in html
    assert "History" in html
    assert "Đất rừng phương Nam" in html


def test_a_reader_places_a_hold_and_sees_their_place_in_the_queue(signed_in, reader_membership, record, library):
    first = MembershipFactory(library=library)
    loan_create(membership=first, copy=record.copies.get(), library=library)
    hold_place(membership=MembershipFactory(library=library), record=record)

    response = signed_in.post(
        f"/ban-doc/tai-lieu/{record.pk}/",
        {"action": "hold", "membership": reader_membership.pk},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert "Your hold is placed" in response.content.decode()
    assert Hold.objects.filter(membership=reader_membership, status=HoldStatus.WAITING).exists()
    assert "Number 2 in the queue" in page(signed_in, LOANS)


def test_a_reader_cannot_cancel_someone_elses_hold(signed_in, record, library):
    copy = record.copies.get()
    loan_create(membership=MembershipFactory(library=library), copy=copy, library=library)
    hold = hold_place(membership=MembershipFactory(library=library), record=record)

    response = signed_in.post(LOANS, {"action": "cancel_hold", "pk": hold.pk})

    assert response.status_code == 404
    hold.refresh_from_db()
    assert hold.status == HoldStatus.WAITING


def test_borrow_a_licensed_file_then_open_it(signed_in, reader_membership, record):
    digital_file = DigitalFile.objects.create(
        record=record,
        format=DigitalFormat.PDF,
        file=ContentFile(PDF, name="dat-rung.pdf"),
        mime_type="application/pdf",
        size_bytes=len(PDF),
        licence_count=1,
        label="Bản điện tử",
    )
    url = f"/ban-doc/tai-lieu/{record.pk}/"
    assert "1 of 1 licences free" in page(signed_in, url)
    assert signed_in.get(f"/catalog/files/{digital_file.pk}/").status_code == 403

    response = signed_in.post(
        url, {"action": "borrow", "file": digital_file.pk}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )

    assert "Borrowed." in response.content.decode()
    assert DigitalLoan.objects.filter(membership=reader_membership).count() == 1
    assert signed_in.get(f"/catalog/files/{digital_file.pk}/").status_code == 200
    assert "open until" in page(signed_in, LOANS)


def test_renew_online(signed_in, reader_membership, record, library):
    loan = loan_create(
        membership=reader_membership, copy=record.copies.get(), library=library, today=datetime.date(2026, 11, 23)
    )

    signed_in.post(LOANS, {"action": "renew", "pk": loan.pk})

    loan.refresh_from_db()
    assert loan.renewals == 1


def test_loans_page_needs_a_reader(client):
    assert client.get(LOANS).status_code == 302
