"""Reader accounts and personal data: sign-in accounts, anonymisation after the
retention period (Decree 13/2023/NĐ-CP)."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from lending.models import NATIONAL_ISSUER, CardRevocation, MembershipStatus, Reader


def reader_find_by_login(login: str) -> Reader | None:
    """The reader whose card ID is ``login``: a national ID as printed, or a local one
    written ``library-code:number``."""
    login = (login or "").strip()
    if not login:
        return None
    issuer, _sep, number = login.rpartition(":")
    issuer = issuer.lower() or NATIONAL_ISSUER
    return Reader.objects.filter(id_issuer=issuer, id_number__iexact=number, anonymised_at__isnull=True).first()


@transaction.atomic
def reader_account_ensure(*, reader: Reader):
    """The reader's sign-in account, created on first use (with no password until the
    reader chooses one)."""
    reader = Reader.objects.select_for_update().get(pk=reader.pk)
    if reader.user_id:
        return reader.user
    user = get_user_model()(username=f"reader-{reader.pk}", first_name=reader.full_name[:150])
    user.set_unusable_password()
    user.save()
    reader.user = user
    reader.save(update_fields=["user", "updated_at"])
    return user


def readers_due_for_anonymisation(*, today: datetime.date | None = None):
    """Readers whose every membership ended more than ``READER_RETENTION_DAYS`` ago."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.READER_RETENTION_DAYS)
    return (
        Reader.objects.filter(anonymised_at__isnull=True)
        .exclude(memberships__status__in=[MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED])
        .annotate(last_left=Max("memberships__left_on"))
        .filter(Q(last_left__lt=cutoff))
    )


@transaction.atomic
def reader_anonymise(*, reader: Reader) -> Reader:
    """Remove what identifies the reader, keep the row (so loan counts stay right):
    name, ID, date of birth, contact, photo and the sign-in account go; cards are revoked."""
    reader = Reader.objects.select_for_update().get(pk=reader.pk)
    if reader.anonymised_at:
        return reader
    if reader.photo:
        reader.photo.delete(save=False)
    user = reader.user
    reader.full_name = f"Bạn đọc #{reader.pk}"
    reader.id_issuer = "anonymised"
    reader.id_number = f"anon-{reader.pk}"
    reader.date_of_birth = None
    reader.email = ""
    reader.phone = ""
    reader.user = None
    reader.anonymised_at = timezone.now()
    reader.save()
    reader.cards.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_reason=CardRevocation.LEFT)
    reader.memberships.update(consent_given_by="", class_name="")
    if user is not None:
        user.delete()
    return reader
