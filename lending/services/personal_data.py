"""The Decree 13/2023/NĐ-CP toolkit for readers' personal data:

- ``reader_data_export`` — everything held about one reader, as a plain dict (rendered
  as JSON and PDF by ``lending.data_export``);
- ``erasure_request_create`` / ``erasure_request_approve`` / ``erasure_request_refuse`` —
  erasure on request: the reader asks, the staff of one of their libraries decide;
  approval anonymises (``reader_anonymise``: statistics kept);
- ``personal_data_view_log`` / ``personal_data_view_log_many`` — the audit trail of staff
  *reading* personal data (action ``lending.view``): who, which object, when and how,
  never the data itself;
- ``personal_data_log_purge`` — entries older than ``PERSONAL_DATA_LOG_KEEP_DAYS`` go.
"""

import datetime
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail import hooks
from wagtail.log_actions import log

from lending.models import (
    DigitalHold,
    DigitalLoan,
    ErasureRequest,
    ErasureStatus,
    Hold,
    HoldStatus,
    Loan,
    Membership,
    MembershipStatus,
    Notice,
    PersonalDataLogEntry,
    Reader,
    personal_data_log_label,
)
from lending.services.digital import digital_hold_cancel, digital_loan_return
from lending.services.holds import hold_cancel
from lending.services.readers import reader_anonymise

VIEW_ACTION = "lending.view"
EXPORT_ACTION = "lending.data_export"
EXPORT_FORMAT_VERSION = 1

# Apps above lending add their part of a reader's data export through this Wagtail hook:
# a function ``(*, reader) -> dict`` whose keys become top-level sections, after lending's
# own, in hook order (community_courses registers the courses the reader joined).
PERSONAL_DATA_SECTION_HOOK = "register_personal_data_section"


class ErasureRefused(ValidationError):
    """The erasure request cannot be made or decided now; the message says why."""


# --- Export ---------------------------------------------------------------------------


def export_iso(value) -> str | None:
    """A date or time as the export writes it (local time, to the second)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def reader_data_export(*, reader: Reader, now: datetime.datetime | None = None) -> dict:
    """Everything the system holds about ``reader``, as plain JSON-ready values: the
    reader row, memberships, cards (never the QR code's secret), loans, holds, digital
    loans and holds, notices, erasure requests and the sections other apps add through
    ``PERSONAL_DATA_SECTION_HOOK`` (the community courses: the enrolments linked to the
    reader with their lesson visits and completions, named survey answers and consent
    records). Only rows that point at this reader (or their account)
    are read: no other reader's data can appear. Anonymous answers (the learning-needs
    survey, anonymous survey sheets) are not linked to anyone and cannot be exported."""
    now = now or timezone.now()
    memberships = list(reader.memberships.select_related("library").prefetch_related("cards").order_by("pk"))
    data: dict = {
        "format_version": EXPORT_FORMAT_VERSION,
        "generated_at": export_iso(now),
        "reader": {
            "full_name": reader.full_name,
            "id": reader.display_id,
            "id_issuer": reader.id_issuer,
            "date_of_birth": export_iso(reader.date_of_birth),
            "email": reader.email,
            "phone": reader.phone,
            "has_photo": bool(reader.photo),
            "has_account": reader.user_id is not None,
            "registered_at": export_iso(reader.created_at),
        },
        "memberships": [
            {
                "library": m.library.name,
                "category": m.get_category_display(),
                "class": m.class_name,
                "school_year": m.school_year,
                "status": m.get_status_display(),
                "since": export_iso(m.created_at),
                "left_on": export_iso(m.left_on),
                "consent_given_at": export_iso(m.consent_given_at),
                "consent_version": m.consent_version,
                "consent_given_by": m.consent_given_by,
            }
            for m in memberships
        ],
        "cards": [
            {
                "library": m.library.name,
                "number": card.number,
                "serial": card.serial,
                "issued_at": export_iso(card.issued_at),
                "valid_until": export_iso(card.valid_until),
                "status": _("Revoked") if card.revoked_at else _("Valid"),
                "revoked_at": export_iso(card.revoked_at),
                "revoked_because": card.get_revoked_reason_display() if card.revoked_reason else "",
            }
            for m in memberships
            for card in m.cards.all()
        ],
    }
    mine = {"membership__reader": reader}
    data["loans"] = [
        {
            "title": loan.copy.record.title,
            "barcode": loan.copy.barcode,
            "library": loan.library.name,
            "borrowed_at": export_iso(loan.borrowed_at),
            "due_on": export_iso(loan.due_on),
            "renewals": loan.renewals,
            "returned_at": export_iso(loan.returned_at),
            "ended_as": loan.get_ended_as_display() if loan.ended_as else "",
            "returned_at_kiosk": loan.returned_at_kiosk,
        }
        for loan in Loan.objects.filter(**mine).select_related("copy__record", "library").order_by("borrowed_at")
    ]
    data["holds"] = [
        {
            "title": hold.record.title,
            "pickup_library": hold.pickup_library.name,
            "placed_at": export_iso(hold.placed_at),
            "status": hold.get_status_display(),
            "collect_by": export_iso(hold.expires_on),
            "closed_at": export_iso(hold.closed_at),
        }
        for hold in Hold.objects.filter(**mine).select_related("record", "pickup_library").order_by("placed_at")
    ]
    data["digital_loans"] = [
        {
            "title": loan.digital_file.record.title,
            "borrowed_at": export_iso(loan.borrowed_at),
            "access_until": export_iso(loan.expires_at),
            "returned_at": export_iso(loan.returned_at),
        }
        for loan in DigitalLoan.objects.filter(**mine).select_related("digital_file__record").order_by("borrowed_at")
    ]
    data["digital_holds"] = [
        {
            "title": hold.digital_file.record.title,
            "placed_at": export_iso(hold.placed_at),
            "status": hold.get_status_display(),
            "closed_at": export_iso(hold.closed_at),
        }
        for hold in DigitalHold.objects.filter(**mine).select_related("digital_file__record").order_by("placed_at")
    ]
    data["notices"] = [
        {"kind": notice.get_kind_display(), "sent_at": export_iso(notice.sent_at)}
        for notice in Notice.objects.filter(reader=reader).order_by("sent_at")
    ]
    data["erasure_requests"] = [
        {
            "requested_at": export_iso(item.requested_at),
            "reason": item.reason,
            "status": item.get_status_display(),
            "decided_at": export_iso(item.decided_at),
            "note": item.staff_note,
        }
        for item in reader.erasure_requests.order_by("requested_at")
    ]
    for section in hooks.get_hooks(PERSONAL_DATA_SECTION_HOOK):
        data.update(section(reader=reader))
    return data


# --- The view log -----------------------------------------------------------------------


def personal_data_view_log(*, user, instance: models.Model, via: str) -> None:
    """Record that ``user`` opened ``instance`` (a reader, membership…) through ``via``
    ("inspect", "edit", "desk"…). The entry's label is "Reader #12": no personal data."""
    if user is None or not user.is_authenticated:
        return
    log(instance=instance, action=VIEW_ACTION, user=user, data={"via": via})


def personal_data_export_log(*, reader: Reader, user, fmt: str) -> None:
    """Record that the reader downloaded their own data (action ``lending.data_export``)."""
    log(instance=reader, action=EXPORT_ACTION, user=user, data={"format": fmt})


def personal_data_view_log_many(*, user, model: type[models.Model], pks: Iterable, via: str) -> int:
    """One view entry per object read in bulk (an export of a reader list), written in
    one query. Returns how many."""
    if user is None or not user.is_authenticated:
        return 0
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    batch = uuid.uuid4()
    entries = [
        PersonalDataLogEntry(
            content_type=content_type,
            object_id=str(pk),
            label=personal_data_log_label(model._meta, pk),
            action=VIEW_ACTION,
            data={"via": via},
            timestamp=now,
            uuid=batch,
            user=user,
        )
        for pk in pks
    ]
    PersonalDataLogEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def personal_data_log_purge(*, now: datetime.datetime | None = None, keep_days: int | None = None) -> int:
    """Delete personal-data log entries older than ``PERSONAL_DATA_LOG_KEEP_DAYS``."""
    now = now or timezone.now()
    keep_days = settings.PERSONAL_DATA_LOG_KEEP_DAYS if keep_days is None else keep_days
    deleted, _counts = PersonalDataLogEntry.objects.filter(
        timestamp__lt=now - datetime.timedelta(days=keep_days)
    ).delete()
    return deleted


# --- Erasure on request -----------------------------------------------------------------


@transaction.atomic
def erasure_request_create(*, reader: Reader, reason: str = "") -> ErasureRequest:
    """The reader asks for their personal data to be erased. One pending request at a
    time; an anonymised reader has nothing left to erase."""
    reader = Reader.objects.select_for_update().get(pk=reader.pk)
    if reader.anonymised_at:
        raise ErasureRefused(_("Your personal data has already been erased."), code="anonymised")
    if reader.erasure_requests.filter(status=ErasureStatus.PENDING).exists():
        raise ErasureRefused(_("You already have a request waiting for the library's decision."), code="pending")
    reason = " ".join((reason or "").split())
    if len(reason) > 1000:
        raise ErasureRefused(_("Keep the reason under 1000 characters."), code="reason")
    try:
        with transaction.atomic():
            return ErasureRequest.objects.create(reader=reader, reason=reason)
    except IntegrityError as error:  # a double submit: the other one won
        raise ErasureRefused(
            _("You already have a request waiting for the library's decision."), code="pending"
        ) from error


def _pending(erasure: ErasureRequest) -> ErasureRequest:
    erasure = ErasureRequest.objects.select_for_update().select_related("reader").get(pk=erasure.pk)
    if erasure.status != ErasureStatus.PENDING:
        raise ErasureRefused(_("This request has already been decided."), code="decided")
    return erasure


@transaction.atomic
def erasure_request_approve(*, erasure: ErasureRequest, user, note: str = "") -> ErasureRequest:
    """Erase the reader's personal data (``reader_anonymise``: loan counts and course
    statistics stay). Refused while the reader still has books on loan, at any library:
    they must be returned (or marked lost) first. Open holds, digital holds and digital
    loans end; every membership becomes *left*; the request's free-text reason goes."""
    erasure = _pending(erasure)
    reader = erasure.reader
    memberships = Membership.objects.filter(reader=reader)
    open_loans = Loan.objects.filter(membership__in=memberships, returned_at__isnull=True).count()
    if open_loans:
        raise ErasureRefused(
            _(
                "The reader still has %(count)d book(s) on loan. They must be returned (or marked lost) "
                "at the desk before the personal data can be erased."
            )
            % {"count": open_loans},
            code="open_loans",
        )
    for hold in Hold.objects.filter(membership__in=memberships, status__in=[HoldStatus.WAITING, HoldStatus.READY]):
        hold_cancel(hold=hold)
    for hold in DigitalHold.objects.filter(membership__in=memberships, status=HoldStatus.WAITING):
        digital_hold_cancel(hold=hold)
    for loan in DigitalLoan.objects.filter(membership__in=memberships, returned_at__isnull=True):
        digital_loan_return(loan=loan)
    for membership in memberships.exclude(status=MembershipStatus.LEFT):
        membership.status = MembershipStatus.LEFT
        membership.save(update_fields=["status", "updated_at"])
    reader_anonymise(reader=reader)
    erasure.status = ErasureStatus.APPROVED
    erasure.reason = ""
    erasure.decided_by = user
    erasure.decided_at = timezone.now()
    erasure.staff_note = " ".join((note or "").split())[:1000]
    erasure.save()
    log(instance=erasure, action="lending.erasure_approved", user=user)
    return erasure


@transaction.atomic
def erasure_request_refuse(*, erasure: ErasureRequest, user, note: str) -> ErasureRequest:
    """Refuse the request; the note (required) tells the reader why."""
    note = " ".join((note or "").split())
    if not note:
        raise ErasureRefused(_("Write a note telling the reader why the request is refused."), code="note")
    erasure = _pending(erasure)
    erasure.status = ErasureStatus.REFUSED
    erasure.decided_by = user
    erasure.decided_at = timezone.now()
    erasure.staff_note = note[:1000]
    erasure.save()
    log(instance=erasure, action="lending.erasure_refused", user=user)
    return erasure
