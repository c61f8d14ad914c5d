import datetime

from django.test import override_settings

import pytest

from lending.card_codes import CardCodeError, ParsedPayload, card_payload, card_payload_parse
from lending.models import Card, Membership, Reader

OTHER_KEY = "another-site-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def unsaved_card(*, issuer="moet", id_number="7900012345", serial=2, full_name="Trần Minh Anh") -> Card:
    reader = Reader(id_issuer=issuer, id_number=id_number, full_name=full_name)
    return Card(
        reader=reader,
        membership=Membership(reader=reader),
        serial=serial,
        number=f"{id_number}-{serial:02d}",
        valid_until=datetime.date(2027, 8, 31),
    )


def change_one_character(text: str, index: int) -> str:
    replacement = "B" if text[index] != "B" else "C"
    return text[:index] + replacement + text[index + 1 :]


def test_payload_carries_issuer_id_and_serial_and_reads_back(reader_card):
    payload = card_payload(reader_card)

    assert payload.startswith("TV1.moet.7900012345.1.")
    assert card_payload_parse(payload) == ParsedPayload(issuer="moet", id_number="7900012345", serial=1)


def test_payload_holds_no_personal_data_and_stays_short(reader, reader_card):
    payload = card_payload(reader_card)

    assert "Trần" not in payload
    assert "Anh" not in payload
    assert reader.date_of_birth.strftime("%d%m%Y") not in payload
    assert reader.date_of_birth.isoformat() not in payload
    assert len(payload) <= 40  # a version 3 QR code at error correction M holds 42 bytes


@pytest.mark.parametrize(
    ("issuer", "id_number"),
    [
        ("moet", "7900012345"),
        ("thcs-cau-kieu", "HS.2026/001"),  # a local number with dots and a slash
        ("phuong-7", "A" * 64),  # the longest ID
    ],
)
def test_ids_of_every_shape_round_trip(issuer, id_number):
    card = unsaved_card(issuer=issuer, id_number=id_number, serial=12)

    assert card_payload_parse(card_payload(card)) == ParsedPayload(issuer=issuer, id_number=id_number, serial=12)


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda payload: payload.index("7900012345") + 9, id="last digit of the ID"),
        pytest.param(lambda payload: len(payload) - 1, id="last character of the MAC"),
        pytest.param(lambda payload: len(payload) - 16, id="first character of the MAC"),
    ],
)
def test_one_changed_character_is_forged(where):
    payload = card_payload(unsaved_card())
    altered = change_one_character(payload, where(payload))

    with pytest.raises(CardCodeError) as error:
        card_payload_parse(altered)

    assert error.value.reason == "forged"


def test_a_different_serial_with_the_old_mac_is_forged():
    payload = card_payload(unsaved_card(serial=1))
    altered = payload.replace(".1.", ".2.", 1)

    with pytest.raises(CardCodeError) as error:
        card_payload_parse(altered)

    assert error.value.reason == "forged"


def test_payload_signed_with_another_secret_key_is_forged():
    with override_settings(SECRET_KEY=OTHER_KEY):
        foreign = card_payload(unsaved_card())

    with pytest.raises(CardCodeError) as error:
        card_payload_parse(foreign)

    assert error.value.reason == "forged"


def test_cards_printed_before_a_key_rotation_still_read_with_the_old_key_as_fallback(settings):
    printed = card_payload(unsaved_card())
    old_key = settings.SECRET_KEY

    with override_settings(SECRET_KEY=OTHER_KEY, SECRET_KEY_FALLBACKS=[old_key]):
        parsed = card_payload_parse(printed)

    assert parsed.id_number == "7900012345"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "https://example.com/?q=7900012345",
        "TV2.moet.7900012345.2.ABCDEFGHIJKLMNOP",  # an unknown version
        "TV1.moet.7900012345.ABCDEFGHIJKLMNOP",  # no serial
        "TV1.MOET.7900012345.2.ABCDEFGHIJKLMNOP",  # issuers are lower case
        "TV1.moet.7900012345.x.ABCDEFGHIJKLMNOP",  # serial not a number
        "TV1.moet.7900012345.2.ABCDEFGH",  # MAC cut short
    ],
)
def test_text_that_is_not_a_payload_is_unreadable(text):
    with pytest.raises(CardCodeError) as error:
        card_payload_parse(text)

    assert error.value.reason == "unreadable"
