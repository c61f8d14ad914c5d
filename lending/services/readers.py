"""Reader accounts and personal data: sign-in accounts, anonymisation after the
retention period (Decree 13/2023/NĐ-CP)."""

import datetime
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, Max
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wagtail.models import ModelLogEntry

from lending.models import (
    NATIONAL_ISSUER,
    Card,
    CardRevocation,
    DigitalHold,
    DigitalLoan,
    Hold,
    Loan,
    Membership,
    MembershipStatus,
    PersonalDataLogEntry,
    Reader,
)
from lending.services.cards import cards_revoke
from library_site.libraries.models import Library


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


def log_entries_scrub(*, objects, label: str) -> int:
    """Rewrite the admin log entries (Wagtail's history) about ``objects``, a queryset:
    their label is the object's name at the time it was logged ("Nguyễn Văn A
    (7900100006)") and their data may hold more. Returns how many were rewritten."""
    object_ids = objects.annotate(log_object_id=Cast("pk", CharField())).values("log_object_id")
    content_type = ContentType.objects.get_for_model(objects.model)
    # Entries logged before ``PersonalDataLogEntry`` existed (or by code that bypassed
    # it) may sit in Wagtail's table; the scoped table's labels never named anyone, but
    # its data is cleared too.
    return sum(
        entries.objects.filter(content_type=content_type, object_id__in=object_ids).update(label=label, data={})
        for entries in (ModelLogEntry, PersonalDataLogEntry)
    )


def readers_due_for_anonymisation(*, today: datetime.date | None = None) -> list[Reader]:
    """Readers none of whose memberships is active or suspended, each of which ended more
    than its library's retention period ago (``Library.reader_retention``): a reader who
    left two libraries is kept for the longer of their periods. A member marked as left
    without a leaving date (rows from before it was always set) counts from the last
    change of the membership."""
    today = today or timezone.localdate()
    overrides = Library.objects.filter(reader_retention_days__isnull=False).values_list(
        "reader_retention_days", flat=True
    )
    shortest = min([settings.READER_RETENTION_DAYS, *overrides])
    candidates = (
        Reader.objects.filter(anonymised_at__isnull=True)
        .exclude(memberships__status__in=[MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED])
        .annotate(last_left=Max(Coalesce("memberships__left_on", TruncDate("memberships__updated_at"))))
        .filter(last_left__lt=today - datetime.timedelta(days=shortest))
        .prefetch_related("memberships__library")
    )

    def retained_until(membership) -> datetime.date:
        left_on = membership.left_on or timezone.localtime(membership.updated_at).date()
        return left_on + datetime.timedelta(days=membership.library.reader_retention)

    return [reader for reader in candidates if all(retained_until(m) < today for m in reader.memberships.all())]


@transaction.atomic
def reader_anonymise(*, reader: Reader) -> Reader:
    """Remove what identifies the reader, keep the row (so loan counts stay right):
    name, ID, date of birth, contact, photo (deleted from storage) and the sign-in
    account go; cards are revoked and renumbered (a card number holds the ID); the
    admin history about the reader, their memberships, cards, loans and holds no longer
    names them."""
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
    reader.photo = ""
    reader.activation_code_hash = ""
    reader.activation_code_issued_at = None
    reader.user = None
    reader.anonymised_at = timezone.now()
    reader.save()
    cards_revoke(cards=reader.cards.all(), reason=CardRevocation.LEFT)
    for card in reader.cards.all():
        # Lower case: never one of the upper-case numbers ``card_number`` makes.
        card.number = f"anon-{uuid.uuid4().hex}"
        card.save(update_fields=["number"])
    reader.memberships.update(consent_given_by="", class_name="")
    with translation.override(settings.LANGUAGE_CODE):
        label = _("Reader #%(pk)d (anonymised)") % {"pk": reader.pk}
    memberships = Membership.objects.filter(reader=reader)
    for objects in (
        Reader.objects.filter(pk=reader.pk),
        memberships,
        Card.objects.filter(reader=reader),
        Loan.objects.filter(membership__in=memberships),
        Hold.objects.filter(membership__in=memberships),
        DigitalLoan.objects.filter(membership__in=memberships),
        DigitalHold.objects.filter(membership__in=memberships),
    ):
        log_entries_scrub(objects=objects, label=label)
    # A staff account the reader was linked to belongs to the employee: only unlinked.
    if user is not None and not (user.is_staff or user.is_superuser):
        user.delete()
    return reader
