"""Issuing and revoking reader cards; deleting printed card batches after a week."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from lending.models import NATIONAL_ISSUER, Card, CardBatch, CardRevocation, Membership, Reader, ReaderCategory


def card_number(*, reader: Reader, serial: int) -> str:
    """The printed card number (also its Code128 barcode): the ID, its issuer when local,
    and the serial, so every card of a reader has its own number."""
    prefix = reader.id_number if reader.id_issuer == NATIONAL_ISSUER else f"{reader.id_issuer}-{reader.id_number}"
    return f"{prefix}-{serial:02d}".upper()


def card_default_valid_until(*, membership: Membership, today: datetime.date | None = None) -> datetime.date:
    """Students' and staff cards last to the end of the school year (31 August);
    residents' cards one year."""
    today = today or timezone.localdate()
    if membership.category == ReaderCategory.RESIDENT:
        try:
            return today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            return today.replace(year=today.year + 1, day=28)
    end_year = today.year + 1 if today.month >= 9 else today.year
    return datetime.date(end_year, 8, 31)


@transaction.atomic
def card_issue(
    *,
    membership: Membership,
    valid_until: datetime.date | None = None,
    replaces_because: str = CardRevocation.OTHER,
) -> Card:
    """A new card for the membership; the card it replaces is revoked with the reason
    given. The reader row is locked so two desks never hand out the same serial."""
    reader = Reader.objects.select_for_update().get(pk=membership.reader_id)
    cards_revoke(cards=Card.objects.filter(membership=membership), reason=replaces_because)
    serial = (Card.objects.filter(reader=reader).aggregate(last=Max("serial"))["last"] or 0) + 1
    return Card.objects.create(
        membership=membership,
        reader=reader,
        serial=serial,
        number=card_number(reader=reader, serial=serial),
        valid_until=valid_until or card_default_valid_until(membership=membership),
    )


def cards_revoke(*, cards: QuerySet[Card], reason: str, now: datetime.datetime | None = None) -> int:
    """Revoke the still valid cards among ``cards``, with ``reason`` (a ``CardRevocation``).
    Every revocation goes through here: a replacement card (``card_issue``, the desk, a
    batch re-issue), a member who leaves (the admin form, the roster sync) and an
    anonymised reader. Cards revoked already keep their date and reason. Returns how many
    were revoked."""
    return cards.filter(revoked_at__isnull=True).update(revoked_at=now or timezone.now(), revoked_reason=reason)


@transaction.atomic
def card_batches_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of card batches printed more than ``CARD_BATCH_KEEP_DAYS`` ago: a
    batch holds a whole class's names, IDs and photos. The batch row stays, as the record
    of who printed which class when; its download answers "gone". Returns how many files
    were deleted. Safe to run again."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.CARD_BATCH_KEEP_DAYS)
    expired = (
        CardBatch.objects.select_for_update()
        .filter(status=CardBatch.Status.DONE, file_deleted_at__isnull=True, created_at__lt=cutoff)
        .exclude(file="")
    )
    count = 0
    for batch in expired:
        batch.file.delete(save=False)
        batch.file_deleted_at = now
        batch.save(update_fields=["file", "file_deleted_at"])
        count += 1
    return count
