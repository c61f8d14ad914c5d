"""One-time activation codes: how a reader signs in before they have a password.

A date of birth is known to a whole class, so it is no password. Instead the library
hands each reader who has not chosen a password yet a slip with a random code (printed
after the cards of a card batch, or one slip from the reader's admin page). The reader
signs in with the ID on their card and that code, and must then choose a password; once
they have, the code is gone.

Only a keyed hash of the code is stored (HMAC with the site's secret key: the code is
random, so a slow password hash would add nothing but minutes to a batch of 500 slips).
A code is valid for ``READER_ACTIVATION_CODE_DAYS``; issuing a new one replaces the
old. Guessing is bounded by the sign-in throttle (django-axes, ``lending.auth``):
8 characters of a 31-letter alphabet are 2^39 codes, 5 attempts per lock period.
"""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from lending.card_render import ActivationSlip
from lending.models import Reader

# No 0/O, 1/I/L: a code is read off paper and typed on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
_SALT = "lending.activation-code"


def _digest(reader_pk: int, code: str) -> str:
    return salted_hmac(_SALT, f"{reader_pk}:{code}", algorithm="sha256").hexdigest()


def activation_code_normalise(typed: str) -> str:
    """The code as typed, in capitals, without the spaces or dashes people add."""
    return "".join(ch for ch in (typed or "").upper() if ch not in " -\t")


def activation_code_format(code: str) -> str:
    """``ABCD-EFGH``: two groups of four, easier to copy."""
    return f"{code[:4]}-{code[4:]}"


def reader_needs_activation(reader: Reader) -> bool:
    """True when the reader has no password of their own yet."""
    user = reader.user
    return user is None or not user.has_usable_password()


@transaction.atomic
def activation_code_issue(*, reader: Reader, reset_password: bool = False, code: str | None = None) -> str:
    """A new code for ``reader`` (replacing any earlier one), formatted for printing.

    ``reset_password``: the reader forgot their password; it stops working, and the
    reader signs in with the code and chooses a new one. ``code`` is for the demo data
    only (a code everyone can read in the README); real codes are random."""
    reader = Reader.objects.select_for_update(of=("self",)).select_related("user").get(pk=reader.pk)
    if reader.anonymised_at:
        raise ValueError("An anonymised reader has no account to activate.")
    code = activation_code_normalise(code) if code else "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    if len(code) != LENGTH:
        raise ValueError(f"An activation code has {LENGTH} characters.")
    reader.activation_code_hash = _digest(reader.pk, code)
    reader.activation_code_issued_at = timezone.now()
    reader.save(update_fields=["activation_code_hash", "activation_code_issued_at", "updated_at"])
    if reset_password and reader.user is not None and reader.user.has_usable_password():
        reader.user.set_unusable_password()
        reader.user.save(update_fields=["password"])
    return activation_code_format(code)


def activation_code_check(*, reader: Reader, typed: str) -> bool:
    """Whether ``typed`` is the reader's current, unexpired code."""
    if not reader.activation_code_hash or reader.activation_code_issued_at is None:
        return False
    valid_for = datetime.timedelta(days=settings.READER_ACTIVATION_CODE_DAYS)
    if timezone.now() > reader.activation_code_issued_at + valid_for:
        return False
    code = activation_code_normalise(typed)
    if len(code) != LENGTH:
        return False
    return constant_time_compare(_digest(reader.pk, code), reader.activation_code_hash)


def activation_code_clear(*, reader: Reader) -> None:
    """The reader chose a password: the code no longer works."""
    Reader.objects.filter(pk=reader.pk).update(activation_code_hash="", activation_code_issued_at=None)


def activation_slips_issue(*, cards) -> list:
    """A new code, and its slip, for the reader of each card who has not chosen a
    password yet (readers who have are left alone: their password keeps working)."""
    valid_for = datetime.timedelta(days=settings.READER_ACTIVATION_CODE_DAYS)
    slips = []
    for card in cards:
        reader = card.reader
        if reader.anonymised_at or not reader_needs_activation(reader):
            continue
        code = activation_code_issue(reader=reader)
        library = card.membership.library
        slips.append(
            ActivationSlip(
                library_name=library.name,
                full_name=reader.full_name,
                class_name=card.membership.class_name,
                display_id=reader.display_id,
                code=code,
                sign_in_url=reader_sign_in_url(library=library),
                valid_until=timezone.localdate() + valid_for,
            )
        )
    return slips


def reader_sign_in_url(*, library) -> str:
    """The reader sign-in page on the library's own portal, as printed on a slip."""
    path = reverse("reader:login")
    site = getattr(library, "site", None)
    return f"{site.root_url}{path}" if site is not None else path
