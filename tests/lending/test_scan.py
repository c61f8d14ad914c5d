import datetime

from django.test import override_settings
from django.utils import translation

import pytest
import zxingcpp

from lending.card_codes import card_payload
from lending.card_render import card_image
from lending.models import Card, MembershipStatus, Reader, ReaderCategory
from lending.services.cards import card_issue
from lending.services.scan import card_scan
from tests.factories.lending import MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 10, 1)


def scan(text, **kwargs):
    kwargs.setdefault("today", TODAY)
    return card_scan(text=text, **kwargs)


def qr_text_on(card) -> str:
    found = zxingcpp.read_barcodes(card_image(card), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    return found[0].text


# --- the service ----------------------------------------------------------------------


def test_the_qr_printed_on_a_card_lets_its_reader_in(reader, reader_card, library):
    # Given the QR code as a desk scanner reads it off the printed card
    text = qr_text_on(reader_card)

    # When the desk checks it
    result = scan(text, library=library)

    # Then the reader is recognised
    assert result.ok
    assert result.reason is None
    assert result.reader == reader
    assert result.card == reader_card
    assert result.membership.library == library
    assert "Trần Minh Anh" in result.message


def test_the_card_number_from_a_1d_scanner_or_typed_in_is_accepted(reader, reader_card, library):
    assert scan(reader_card.number, library=library).reader == reader
    assert scan(reader_card.number.lower() + "\n", library=library).ok


@pytest.mark.parametrize(
    "noise",
    [
        pytest.param("]Q1{}\r\n", id="AIM prefix and CR/LF"),
        pytest.param("  {}\t", id="spaces and a tab"),
        pytest.param("\x02{}\x03", id="STX/ETX framing"),
        pytest.param("\ufeff{}\n", id="byte-order mark"),
    ],
)
def test_scanner_noise_around_the_code_is_ignored(reader, reader_card, library, noise):
    result = scan(noise.format(card_payload(reader_card)), library=library)

    assert result.ok
    assert result.reader == reader


def test_a_replaced_card_is_refused_by_qr_and_by_number(reader_card_revoked, library):
    by_qr = scan(card_payload(reader_card_revoked), library=library)
    by_number = scan(reader_card_revoked.number, library=library)

    assert (by_qr.ok, by_qr.reason) == (False, "revoked")
    assert (by_number.ok, by_number.reason) == (False, "revoked")
    assert by_qr.reader == reader_card_revoked.reader  # the desk still sees who it is


def test_a_suspended_reader_is_refused(reader_suspended, reader_card, library):
    result = scan(card_payload(reader_card), library=library)

    assert (result.ok, result.reason) == (False, "suspended")
    assert result.reader == reader_suspended


def test_a_reader_who_left_is_refused(reader_membership, reader_card, library):
    reader_membership.status = MembershipStatus.LEFT
    reader_membership.left_on = datetime.date(2026, 6, 1)
    reader_membership.save()

    result = scan(card_payload(reader_card), library=library)

    assert (result.ok, result.reason) == (False, "left")


def test_an_expired_card_is_refused_the_day_after_its_last_day(reader_card, library):
    last_day = reader_card.valid_until

    on_last_day = scan(card_payload(reader_card), library=library, today=last_day)
    day_after = scan(card_payload(reader_card), library=library, today=last_day + datetime.timedelta(days=1))

    assert on_last_day.ok
    assert (day_after.ok, day_after.reason) == (False, "expired")


def test_a_card_of_another_library_is_refused_there(resident, library, other_library):
    card = resident.cards.get()

    here = scan(card_payload(card), library=library)
    at_home = scan(card_payload(card), library=other_library)
    anywhere = scan(card_payload(card))

    assert (here.ok, here.reason) == (False, "other_library")
    assert at_home.ok
    assert anywhere.ok


def test_a_reader_with_two_memberships_uses_each_librarys_own_card(reader, reader_card, library, other_library):
    # Given the student is also a resident member of the ward centre, with its card
    ward = MembershipFactory(reader=reader, library=other_library, category=ReaderCategory.RESIDENT, class_name="")
    ward_card = card_issue(membership=ward)

    # When each card is scanned at the other library
    school_card_at_ward = scan(card_payload(reader_card), library=other_library)
    ward_card_at_school = scan(card_payload(ward_card), library=library)

    # Then each is refused, and the desk is told to ask for its own library's card
    assert school_card_at_ward.reason == "other_library"
    assert ward_card_at_school.reason == "other_library"
    with translation.override("en"):
        message = scan(card_payload(ward_card), library=library).message
    assert "also a member here" in message
    assert scan(card_payload(ward_card), library=other_library).ok


def test_a_revoked_card_of_a_suspended_reader_says_revoked_first(reader_card_revoked, reader_suspended, library):
    assert scan(card_payload(reader_card_revoked), library=library).reason == "revoked"


def test_an_unknown_reader_or_card_is_unknown(reader, reader_card):
    # A genuine payload (right key) for a reader or a serial this site never issued
    stranger = Card(reader=Reader(id_issuer="moet", id_number="7999999999"), serial=1)
    future_serial = Card(reader=reader, serial=9)

    assert scan(card_payload(stranger)).reason == "unknown"
    assert scan(card_payload(future_serial)).reason == "unknown"
    assert scan("7999999999-01").reason == "unknown"


def test_a_forged_qr_is_refused(reader_card):
    payload = card_payload(reader_card)
    altered_id = payload.replace("7900012345", "7900012346")
    with override_settings(SECRET_KEY="someone-elses-key-0123456789abcdefghijklmnopqrstuvwxyz"):
        home_made = card_payload(reader_card)

    assert scan(altered_id).reason == "forged"
    assert scan(home_made).reason == "forged"
    assert scan(altered_id).reader is None


@pytest.mark.parametrize("text", ["", "   \r\n", "xin chào", "hello", "https://thuvien.example/the/1", "TV1.moet"])
def test_garbage_is_unreadable(text, reader_card):
    result = scan(text)

    assert (result.ok, result.reason, result.reader) == (False, "unreadable", None)
    assert result.message
