import pytest

from catalog.models import CopyStatus
from lending.card_codes import card_payload
from lending.models import Loan
from tests.factories.catalog import CopyFactory

pytestmark = pytest.mark.django_db

DESK = "/admin/desk/"


def _scan(client, code):
    client.post(DESK, {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    return client.get(DESK, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_scan_a_card_lend_two_copies_and_return_one(client, librarian, reader_card, record, library):
    second = CopyFactory(record=record, library=library, barcode="CK000002")
    client.force_login(librarian)

    page = _scan(client, card_payload(reader_card))
    assert "Trần Minh Anh" in page
    assert "Lent" not in page

    assert "Lent: Đất rừng phương Nam (CK000001)" in _scan(client, "CK000001")
    page = _scan(client, "ck000002")  # typed in lower case
    assert "Lent: Đất rừng phương Nam (CK000002)" in page
    assert Loan.objects.filter(returned_at__isnull=True).count() == 2

    client.post(DESK, {"action": "return"})
    page = _scan(client, "CK000001")
    assert "Returned: Đất rừng phương Nam (CK000001), borrowed by Trần Minh Anh" in page
    second.refresh_from_db()
    assert second.status == CopyStatus.ON_LOAN
    assert record.copies.get(barcode="CK000001").status == CopyStatus.AVAILABLE


def test_copies_before_a_card_and_refused_cards_are_explained(client, librarian, reader_card_revoked, record):
    client.force_login(librarian)

    assert "Scan the reader&#x27;s card first" in _scan(client, "CK000001")
    page = _scan(client, card_payload(reader_card_revoked))
    assert "desk-result--error" in page
    assert not Loan.objects.exists()


def test_renew_from_the_desk(client, librarian, reader_card, record):
    client.force_login(librarian)
    _scan(client, card_payload(reader_card))
    _scan(client, "CK000001")
    loan = Loan.objects.get()

    client.post(DESK, {"action": "renew", "loan": loan.pk})

    loan.refresh_from_db()
    assert loan.renewals == 1


def test_the_desk_is_for_library_staff(client, reader):
    from lending.services.readers import reader_account_ensure

    client.force_login(reader_account_ensure(reader=reader))

    assert client.get(DESK).status_code in (302, 403)


def test_return_announces_the_hold_shelf_and_the_copy_is_kept_for_that_reader(
    client, librarian, reader_card, record, library
):
    from lending.services.holds import hold_place
    from tests.factories.lending import MembershipFactory

    waiting = MembershipFactory(library=library, reader__full_name="Võ Thị Sáu")
    client.force_login(librarian)
    _scan(client, card_payload(reader_card))
    _scan(client, "CK000001")
    hold_place(membership=waiting, record=record)

    client.post(DESK, {"action": "return"})
    page = _scan(client, "CK000001")

    assert "put it on the hold shelf for Võ Thị Sáu" in page
    assert record.copies.get().status == CopyStatus.ON_HOLD_SHELF
    client.post(DESK, {"action": "checkout"})
    _scan(client, card_payload(reader_card))
    assert "on the hold shelf for another reader" in _scan(client, "CK000001")


def test_mark_a_borrowed_copy_lost_at_the_desk(client, librarian, reader_card, record):
    client.force_login(librarian)
    _scan(client, card_payload(reader_card))
    _scan(client, "CK000001")
    loan = Loan.objects.get()

    client.post(DESK, {"action": "lost", "loan": loan.pk}, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(DESK, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Copy CK000001 is marked lost" in page
    assert record.copies.get().status == CopyStatus.LOST
    loan.refresh_from_db()
    assert loan.ended_as == "lost"


def test_the_desk_script_gets_answers_as_json_without_a_page_reload(client, librarian, reader_card, record):
    client.force_login(librarian)

    def post(data):
        response = client.post(DESK, data, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en")
        assert response["Content-Type"] == "application/json"
        return response.json()

    card = post({"code": card_payload(reader_card)})
    assert card["ok"] is True
    assert card["member"] == "Trần Minh Anh"
    lent = post({"code": "CK000001"})
    assert lent["message"].startswith("Lent: Đất rừng phương Nam (CK000001)")
    assert "CK000001" in lent["panel"]  # the reader's loans, redrawn
    again = post({"code": "CK000001"})
    assert again["ok"] is False
    assert post({"action": "return"})["mode"] == "return"
    assert Loan.objects.filter(returned_at__isnull=True).count() == 1
