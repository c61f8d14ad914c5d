"""Saving and withdrawing records."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from catalog.models import Copy, CopyStatus, Record
from library_site.text import match_key, nfc

from .codes import record_codes_reserve

# One-line fields: NFC and single spaces. The summary keeps its line breaks.
TEXT_FIELDS = ["title", "subtitle", "publisher", "edition", "licence_note"]


def record_match_key(*, title: str, first_author: str, year: int | None) -> str:
    """Key for duplicate detection: normalised title + first author + year (cut to the
    column's 700 characters, as the import does)."""
    return "|".join([match_key(title), match_key(first_author), str(year or "")])[:700]


def record_prepare(record: Record) -> None:
    """Normalise text to NFC and give a new record its code (called before every save)."""
    for field in TEXT_FIELDS:
        setattr(record, field, nfc(getattr(record, field)))
    record.summary = (record.summary or "").strip()
    if not record.code:
        record.code = record_codes_reserve(count=1)[0]


def record_refresh_match_key(*, record: Record) -> None:
    """Recompute the duplicate-detection key once contributors are saved."""
    key = record_match_key(title=record.title, first_author=record.first_author, year=record.year)
    if key != record.match_key:
        Record.objects.filter(pk=record.pk).update(match_key=key)
        record.match_key = key


@transaction.atomic
def record_withdraw(*, record: Record, user: AbstractBaseUser | None = None) -> Record:
    """Withdraw a record from the catalog: it leaves search, and copies on the shelf are
    withdrawn with it. Copies on loan stay on loan until they come back."""
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.withdrawn_at is None:
        record.withdrawn_at = timezone.now()
        record.updated_by = user
        record.save(update_fields=["withdrawn_at", "updated_by", "updated_at"])
        Copy.objects.filter(record=record, status=CopyStatus.AVAILABLE).update(
            status=CopyStatus.WITHDRAWN, updated_at=timezone.now()
        )
    return record
