"""What the desk and the kiosk learn from a scanned code: ``scan_lookup`` tells a reader
card's QR code from a copy's barcode (both scan into the same field), ``card_scan`` checks
a reader card.

Two kinds of card scan are accepted:

- the **QR code** (``lending.card_codes``): the tamper-proof path. The payload carries
  the reader's ID and the card serial under a MAC, so an altered or home-made code is
  refused as ``forged``;
- the **Code 128 barcode** of the card number (``Card.number``), or the number typed in:
  a convenience for 1D scanners, without a MAC — anyone can print a barcode of a number
  they have seen. The number identifies one card, so a revoked (replaced) card's number
  is still refused, like its QR code.

Outcomes, checked in this order: ``unreadable`` (not a code at all) or ``forged``;
``unknown`` (no such reader or card); ``revoked``; ``left``; ``suspended``; ``expired``
(``valid_until`` is before today); ``other_library``; then accepted.

A reader with memberships at two libraries has a card for each, and each card only
works at its own library: the card of the school library is refused at the ward centre
with ``other_library`` (the message says which library issued it), even when the reader
is also a member there. A card stands for one membership — its status, class and
validity — so accepting it elsewhere would check the wrong membership.

"Not the reader's latest card" needs no check of its own: serials count per reader
across libraries (the latest serial may be another library's card), and issuing a card
revokes the membership's previous one, with a database constraint allowing one
unrevoked card per membership, so an older card of the same membership is always
revoked.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from catalog.models import Copy
from lending.card_codes import CardCodeError, card_payload_parse, looks_like_payload
from lending.models import Card, CardRevocation, Membership, MembershipStatus, Reader
from library_site.libraries.models import Library

REASONS = ("unknown", "revoked", "forged", "suspended", "left", "expired", "other_library", "unreadable")

# A symbology identifier some scanners put before the data (ISO/IEC 15424), e.g. "]Q1"
# for a QR code or "]C0" for Code 128.
AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
# ``lending.services.cards.card_number``: the ID (with its issuer when local) and "-NN".
CARD_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9\-./]{0,110}-[0-9]{2,}$")


@dataclass(frozen=True)
class ScanResult:
    ok: bool
    reason: str | None
    message: str
    reader: Reader | None = None
    membership: Membership | None = None
    card: Card | None = None
    # The library that issued a card refused as another library's ("other_library").
    issuing_library: Library | None = None


@dataclass(frozen=True)
class ScannedCode:
    """What a code scanned at a library's desk or kiosk is: a reader card's QR code
    (``is_card``), the barcode of one of the library's copies (``copy``, with its
    record), or neither (perhaps a card number: ``card_scan`` tells)."""

    code: str
    copy: Copy | None = None
    is_card: bool = False


def scan_lookup(*, code: str, library: Library, cards: bool = True) -> ScannedCode:
    """Whether ``code`` (cleaned by ``scan_text_clean``) is a reader card's QR code or a
    copy of ``library``, the one lookup of the desk and the kiosk. A QR payload is never
    a copy; with ``cards=False`` (only copies are scanned, as when returning) every code
    is looked up as a copy barcode. Barcodes are matched in upper case."""
    if cards and looks_like_payload(code):
        return ScannedCode(code=code, is_card=True)
    copy = Copy.objects.filter(barcode=code.upper(), library=library).select_related("record").first()
    return ScannedCode(code=code, copy=copy)


def card_scan(*, text: str, library: Library | None = None, today: datetime.date | None = None) -> ScanResult:
    """Check a scanned (or typed) reader card: the QR payload or the card number.

    ``library`` is where the desk is: a card of another library is refused (see the
    module docstring); without it, any library's card is accepted. ``today`` defaults to
    the local date. The message is for the librarian at the desk, in the active language.
    """
    today = today or timezone.localdate()
    code = scan_text_clean(text)
    if not code:
        return _refused("unreadable")

    card = None
    if looks_like_payload(code):
        try:
            parsed = card_payload_parse(code)
        except CardCodeError as error:
            # A card number that happens to start like a payload ("TV1.5-01"): try it.
            card = _card_by_number(code) if error.reason == "unreadable" else None
            if card is None:
                return _refused(error.reason)
        else:
            card = (
                _cards()
                .filter(reader__id_issuer=parsed.issuer, reader__id_number=parsed.id_number, serial=parsed.serial)
                .first()
            )
            if card is None:
                return _refused("unknown")
    elif CARD_NUMBER.match(code.upper()):
        card = _card_by_number(code)
        if card is None:
            return _refused("unknown")
    else:
        return _refused("unreadable")
    return _check(card, library=library, today=today)


def scan_text_clean(text: str) -> str:
    """The code without what scanners add: surrounding whitespace, control characters
    (a trailing CR/LF or tab, STX/ETX framing), a byte-order mark, and a leading AIM
    symbology identifier such as ``]Q1``."""
    text = "".join(char for char in (text or "") if unicodedata.category(char) not in ("Cc", "Cf"))
    text = text.strip()
    text = AIM_PREFIX.sub("", text, count=1)
    return text.strip()


def _cards():
    return Card.objects.select_related("reader", "membership__library")


def _card_by_number(code: str) -> Card | None:
    return _cards().filter(number=code.upper()).first()


def _check(card: Card, *, library: Library | None, today: datetime.date) -> ScanResult:
    membership, reader = card.membership, card.reader
    if library is not None and membership.library_id != library.pk:
        # Checked first, and answered without the person: another library's card tells
        # this desk nothing about its holder (not even why it would be refused there).
        message = gettext("This card was issued by %(other)s, not by %(library)s.") % {
            "other": membership.library.short_name,
            "library": library.short_name,
        }
        if Membership.objects.filter(reader=reader, library=library).exists():
            message += " " + gettext("The reader is also a member here: ask for this library's card.")
        return ScanResult(ok=False, reason="other_library", message=message, issuing_library=membership.library)
    found = {"card": card, "membership": membership, "reader": reader}
    # A card revoked because its member left says so ("left"), as the membership does.
    revoked_as_left = card.revoked_reason == CardRevocation.LEFT and membership.status == MembershipStatus.LEFT
    if card.revoked_at is not None and not revoked_as_left:
        message = gettext("This card was cancelled on %(date)s (%(reason)s). Ask %(name)s for the current card.") % {
            "date": _date(timezone.localdate(card.revoked_at)),
            "reason": card.get_revoked_reason_display() or gettext("no reason given"),
            "name": reader.full_name,
        }
        return ScanResult(ok=False, reason="revoked", message=message, **found)
    if membership.status == MembershipStatus.LEFT:
        message = gettext("%(name)s has left %(library)s; the membership is closed.") % {
            "name": reader.full_name,
            "library": membership.library.short_name,
        }
        return ScanResult(ok=False, reason="left", message=message, **found)
    if membership.status == MembershipStatus.SUSPENDED:
        message = gettext("%(name)s's membership is suspended: no borrowing until it is reinstated.") % {
            "name": reader.full_name
        }
        return ScanResult(ok=False, reason="suspended", message=message, **found)
    if card.valid_until < today:
        message = gettext("This card expired on %(date)s. Issue %(name)s a new card.") % {
            "date": _date(card.valid_until),
            "name": reader.full_name,
        }
        return ScanResult(ok=False, reason="expired", message=message, **found)
    message = gettext("Card accepted: %(name)s (%(id)s).") % {"name": reader.full_name, "id": reader.display_id}
    return ScanResult(ok=True, reason=None, message=message, **found)


def _refused(reason: str) -> ScanResult:
    messages = {
        "unreadable": gettext("This is not a reader card code. Scan the card again or type the card number."),
        "forged": gettext(
            "This card code failed the security check: it was altered or not issued by the library system."
        ),
        "unknown": gettext("No reader card matches this code."),
    }
    return ScanResult(ok=False, reason=reason, message=messages[reason])


def _date(value: datetime.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"
