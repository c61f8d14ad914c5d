"""Adding a person another library already serves, while they stand at the desk.

A child who moves from school A to school B, or a resident who is also a student, is one
``Reader`` with a membership elsewhere. Library B's staff cannot pick that reader in the
membership form (it would open someone else's pupil to them, see
``lending.wagtail_hooks.MembershipAdminForm``); they prove the person is present instead:

- **card** — the QR code of a valid card of any library. Its payload is signed
  (``lending.card_codes``), so only the card (or a picture of it) produces it. The printed
  card number is *not* accepted: it is the ID and a serial, which anyone who knows the ID
  can write;
- **ID and date of birth** typed by staff, both matching exactly one reader.

``reader_prove_present`` checks the proof. Every answer that is not a match is the same
neutral refusal, whether the ID exists or not; failures are counted per staff user in the
shared cache and lock the proof for a while, so dates of birth cannot be tried one after
another. ``membership_add_existing`` then makes (or, for a member who had left, reopens)
the membership. Both write to the admin log: successes on the membership (a
``PersonalDataLogEntry``, labelled without a name), refusals on the library, each with
the kind of proof and never the ID or the date of birth typed.
"""

import datetime

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail.log_actions import log

from lending.card_codes import CardCodeError, card_payload_parse, looks_like_payload
from lending.models import NATIONAL_ISSUER, Membership, MembershipStatus, Reader, ReaderCategory
from lending.services.cards import card_issue
from lending.services.scan import card_scan, scan_text_clean
from library_site.libraries.models import Library

ADDED = "lending.membership_add_existing"
REFUSED = "lending.membership_add_existing_refused"

PROOF_CARD = "card"
PROOF_ID_DOB = "id_dob"
PROOFS = (PROOF_CARD, PROOF_ID_DOB)

THROTTLE_CACHE = "shared"


def proof_max_failures() -> int:
    return int(getattr(settings, "MEMBER_PROOF_MAX_FAILURES", 10))


def proof_lock_minutes() -> int:
    return int(getattr(settings, "MEMBER_PROOF_LOCK_MINUTES", 15))


class ProofRefused(Exception):
    """The person was not identified. ``reason`` is ``no_match`` (the one neutral answer
    for an unknown ID, a wrong date of birth, a forged, revoked or expired card) or
    ``locked`` (too many failures by this staff user)."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        self.message = message
        super().__init__(message)


def _failures_key(user) -> str:
    return f"member-proof-failures:{user.pk}"


def proof_locked(*, user) -> bool:
    return caches[THROTTLE_CACHE].get(_failures_key(user), 0) >= proof_max_failures()


def _failure_count(user) -> None:
    key = _failures_key(user)
    timeout = proof_lock_minutes() * 60
    cache = caches[THROTTLE_CACHE]
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=timeout)
    # incr() re-saves the key with the cache's default timeout (see lending.auth).
    cache.touch(key, timeout=timeout)


def no_match_message(proof: str) -> str:
    if proof == PROOF_CARD:
        return _("No valid reader card matches this code; scan it again, or type the ID and date of birth.")
    return _("No person matches; check the ID and date of birth.")


def locked_message() -> str:
    return _("Too many attempts that matched no one. Try again in %(minutes)d minutes.") % {
        "minutes": proof_lock_minutes()
    }


def _refuse(*, library: Library, by_user, proof: str, reason: str) -> ProofRefused:
    log(instance=library, action=REFUSED, user=by_user, data={"proof": proof, "reason": reason})
    if reason == "locked":
        return ProofRefused(reason, locked_message())
    return ProofRefused(reason, no_match_message(proof))


def reader_prove_present(
    *,
    library: Library,
    by_user,
    card_code: str = "",
    login: str = "",
    date_of_birth: datetime.date | None = None,
) -> tuple[Reader, str]:
    """The reader proved to be present, and the kind of proof (``card`` or ``id_dob``).

    With ``card_code``, the QR payload of a valid card of any library; otherwise the
    ``login`` (an ID as ``reader_find_by_login`` reads it) and the ``date_of_birth``.
    Raises ``ProofRefused``; every refusal is logged on ``library`` and, unless the user
    is already locked, counted against ``by_user``."""
    proof = PROOF_CARD if card_code else PROOF_ID_DOB
    if proof_locked(user=by_user):
        raise _refuse(library=library, by_user=by_user, proof=proof, reason="locked")
    reader = _reader_by_card(card_code) if card_code else _reader_by_id_and_birth(login, date_of_birth)
    if reader is None:
        _failure_count(by_user)
        raise _refuse(library=library, by_user=by_user, proof=proof, reason="no_match")
    return reader, proof


def card_code_is_qr(text: str) -> bool:
    """Whether a scanned text claims to be a card's QR payload (the only card proof)."""
    return looks_like_payload(scan_text_clean(text))


def _reader_by_card(text: str) -> Reader | None:
    code = scan_text_clean(text)
    if not looks_like_payload(code):
        return None
    try:
        card_payload_parse(code)
    except CardCodeError:
        return None
    # Any library's card: refused only when forged, unknown, revoked, left, suspended or
    # expired. Its message (which names the holder) is never shown here.
    result = card_scan(text=code, library=None)
    return result.reader if result.ok and result.reader.anonymised_at is None else None


def _reader_by_id_and_birth(login: str, date_of_birth: datetime.date | None) -> Reader | None:
    login = (login or "").strip()
    if not login or date_of_birth is None:
        return None
    issuer, _sep, number = login.rpartition(":")
    issuer = issuer.strip().lower() or NATIONAL_ISSUER
    number = number.strip()
    if not number:
        return None
    matches = list(
        Reader.objects.filter(
            id_issuer=issuer, id_number__iexact=number, date_of_birth=date_of_birth, anonymised_at__isnull=True
        )[:2]
    )
    return matches[0] if len(matches) == 1 else None


def membership_add_existing(
    *,
    library: Library,
    reader: Reader,
    proof: str,
    by_user,
    category: str,
    class_name: str = "",
    school_year: str = "",
    consent_given_by: str = "",
    consent_version: str = "",
) -> Membership:
    """Make ``reader`` (proved present with ``proof``, see ``reader_prove_present``) a
    member of ``library`` and issue them this library's card, in one transaction.

    A member who had *left* the library comes back: the same membership becomes active
    again with the new category, class and school year (as a roster does for someone back
    on it). An active or suspended member is refused (``ValidationError`` with code
    ``already_member``), and the refusal is logged on that membership. The log entries
    record the proof's kind only."""
    if proof not in PROOFS:
        raise ValueError(f"Unknown proof {proof!r}.")
    try:
        return _membership_add(
            library=library,
            reader=reader,
            proof=proof,
            by_user=by_user,
            category=category,
            class_name=class_name,
            school_year=school_year,
            consent_given_by=consent_given_by,
            consent_version=consent_version,
        )
    except ValidationError as refused:
        # Logged after the rollback, so the refusal stays on record.
        if refused.code == "already_member":
            _already_member_log(library=library, reader=reader, proof=proof, by_user=by_user)
        raise


def membership_already_check(*, library: Library, reader: Reader, proof: str, by_user) -> None:
    """Refuse (and log) at once a person who is an active or suspended member of
    ``library`` already: nothing to add. A member who left may come back."""
    if Membership.objects.filter(reader=reader, library=library).exclude(status=MembershipStatus.LEFT).exists():
        _already_member_log(library=library, reader=reader, proof=proof, by_user=by_user)
        raise _already_member_error(reader, library)


def _already_member_error(reader: Reader, library: Library) -> ValidationError:
    return ValidationError(
        _("%(name)s is already a member of %(library)s.") % {"name": reader.full_name, "library": library.short_name},
        code="already_member",
    )


def _already_member_log(*, library, reader, proof, by_user) -> None:
    membership = Membership.objects.filter(reader=reader, library=library).first()
    if membership is not None:
        log(instance=membership, action=REFUSED, user=by_user, data={"proof": proof, "reason": "already_member"})


@transaction.atomic
def _membership_add(
    *, library, reader, proof, by_user, category, class_name, school_year, consent_given_by, consent_version
) -> Membership:
    if category not in ReaderCategory.values:
        raise ValidationError(_("Choose a category."), code="category")
    reader = Reader.objects.select_for_update().get(pk=reader.pk)
    if reader.anonymised_at is not None:
        raise ValidationError(no_match_message(proof), code="no_match")
    membership = Membership.objects.select_for_update().filter(reader=reader, library=library).first()
    rejoined = membership is not None
    if membership is not None and membership.status != MembershipStatus.LEFT:
        raise _already_member_error(reader, library)
    if membership is None:
        membership = Membership(reader=reader, library=library)
    membership.category = category
    # Written as the roster writes it (7a3, "7A 3" → 7A3); only students have a class.
    membership.class_name = (class_name or "").upper().replace(" ", "") if category == ReaderCategory.STUDENT else ""
    membership.school_year = school_year or ""
    membership.status = MembershipStatus.ACTIVE
    if consent_given_by:
        membership.consent_given_by = consent_given_by
        membership.consent_version = consent_version
        membership.consent_given_at = timezone.now()
    membership.save()
    if not membership.cards.filter(revoked_at__isnull=True).exists():
        card_issue(membership=membership)
    log(instance=membership, action=ADDED, user=by_user, data={"proof": proof, "rejoined": rejoined})
    return membership
