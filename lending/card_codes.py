"""The signed payload of a reader card's QR code.

A payload reads ``TV1.<issuer>.<id number>.<serial>.<MAC>``, e.g.
``TV1.moet.7900012345.2.ABCDEFGHIJKLMNOP``:

- ``TV1`` — the format and its version (``TV`` for *thư viện*);
- the issuer of the reader's ID (``moet`` or a library code: lower-case letters, digits
  and hyphens, never a dot), the ID number (letters, digits, ``- . /``: it may contain
  dots, so it is everything between the issuer and the serial) and the card serial;
- a MAC: HMAC-SHA256 of everything before it, keyed by a key derived from
  ``SECRET_KEY`` (``django.utils.crypto.salted_hmac`` with its own salt), cut to
  10 bytes and written in base32 without padding (16 characters).

No name or other personal data is in the payload: a lost card tells a finder nothing the
printed card does not already show, and the QR stays small (version 3 for a national ID,
error correction M). The MAC makes the code tamper-proof: changing the ID or the serial
(to borrow on someone else's card, or on a revoked one) is refused as forged.

Rotating ``SECRET_KEY`` invalidates every printed card unless the old key is kept in
``SECRET_KEY_FALLBACKS``: payloads signed with a fallback key are still accepted.
"""

import base64
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

VERSION = "TV1"
MAC_SALT = "lending.card_codes.v1"
MAC_BYTES = 10
MAC_LENGTH = 16  # base32 of 10 bytes, no padding

# A payload of any version: the prefix tells a QR payload from a scanned card number.
PAYLOAD_PREFIX = re.compile(r"^TV\d+\.")
ISSUER_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-./]{0,63}$")
SERIAL_RE = re.compile(r"^[1-9][0-9]{0,8}$")
MAC_RE = re.compile(rf"^[A-Z2-7]{{{MAC_LENGTH}}}$")


class CardCodeError(ValueError):
    """A scanned payload that cannot be trusted: ``reason`` is ``"unreadable"`` (not a
    payload of a known version, or malformed) or ``"forged"`` (well-formed, but the MAC
    does not match: altered, or signed with another key)."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(detail or reason)


@dataclass(frozen=True)
class ParsedPayload:
    issuer: str
    id_number: str
    serial: int


def card_payload(card) -> str:
    """The text of ``card``'s QR code (see the module docstring)."""
    reader = card.reader
    body = _body(reader.id_issuer, reader.id_number, card.serial)
    return f"{body}.{_mac(body, settings.SECRET_KEY)}"


def card_payload_parse(text: str) -> ParsedPayload:
    """The issuer, ID number and serial of a payload made by ``card_payload``.

    Raises ``CardCodeError(reason="unreadable")`` for text that is not a well-formed
    payload of this version, and ``CardCodeError(reason="forged")`` when the MAC does not
    match any of the site's keys (``SECRET_KEY``, then ``SECRET_KEY_FALLBACKS``)."""
    parts = text.split(".")
    if len(parts) < 5 or parts[0] != VERSION:
        raise CardCodeError("unreadable", "Not a reader card payload of version TV1.")
    issuer, id_number, serial, mac = parts[1], ".".join(parts[2:-2]), parts[-2], parts[-1]
    if not (ISSUER_RE.match(issuer) and ID_NUMBER_RE.match(id_number) and SERIAL_RE.match(serial)):
        raise CardCodeError("unreadable", "Malformed reader card payload.")
    if len(mac) != MAC_LENGTH:  # cut short (a scanner dropping characters) or padded
        raise CardCodeError("unreadable", "The payload's MAC has the wrong length.")
    if not MAC_RE.match(mac):  # the right length, but characters no MAC of ours has: altered
        raise CardCodeError("forged", "The payload's MAC is malformed.")
    body = text[: -(len(mac) + 1)]
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(mac, _mac(body, key)) for key in keys):
        raise CardCodeError("forged", "The payload's MAC does not match.")
    return ParsedPayload(issuer=issuer, id_number=id_number, serial=int(serial))


def looks_like_payload(text: str) -> bool:
    """Whether ``text`` claims to be a QR payload (of any version), as opposed to a card
    number typed or read from the Code 128 barcode."""
    return bool(PAYLOAD_PREFIX.match(text))


def _body(issuer: str, id_number: str, serial: int) -> str:
    if not ISSUER_RE.match(issuer):
        raise ValueError(f"ID issuer {issuer!r} cannot go into a card payload.")
    if not ID_NUMBER_RE.match(id_number):
        raise ValueError(f"ID number {id_number!r} cannot go into a card payload.")
    return f"{VERSION}.{issuer}.{id_number}.{int(serial)}"


def _mac(body: str, secret) -> str:
    digest = salted_hmac(MAC_SALT, body, secret=secret, algorithm="sha256").digest()[:MAC_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=")
