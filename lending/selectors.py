"""Reads for the reader's pages: their circulation at a glance, and one title's
availability (copies per library, holds, digital licences) as they see it."""

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone

from catalog.models import CopyStatus, Record
from lending.models import DigitalHold, DigitalLoan, Hold, HoldStatus, Loan, Membership, Reader
from lending.services.digital import DigitalAvailability, digital_availability, digital_membership_for
from lending.services.history import reader_loan_history
from lending.services.holds import holds_with_position

HISTORY_PAGE_SIZE = 20


@dataclass(frozen=True)
class LibraryAvailability:
    library_id: int
    library_name: str
    available: int
    total: int
    queue: int


def reader_circulation_summary(*, reader: Reader, history_page: int = 1) -> dict:
    now = timezone.now()
    loans = list(
        Loan.objects.filter(membership__reader=reader, returned_at__isnull=True)
        .select_related("copy__record", "library")
        .order_by("due_on")
    )
    holds = list(
        holds_with_position(
            Hold.objects.filter(membership__reader=reader, status__in=[HoldStatus.WAITING, HoldStatus.READY])
        )
        .select_related("record", "pickup_library", "copy")
        .order_by("placed_at")
    )
    digital_loans = list(
        DigitalLoan.objects.filter(membership__reader=reader, returned_at__isnull=True, expires_at__gt=now)
        .select_related("digital_file__record")
        .order_by("expires_at")
    )
    digital_holds = list(
        DigitalHold.objects.filter(membership__reader=reader, status=HoldStatus.WAITING)
        .select_related("digital_file__record", "membership")
        .order_by("placed_at")
    )
    for hold in digital_holds:
        hold.availability = digital_availability(digital_file=hold.digital_file, membership=hold.membership, now=now)
    history = Paginator(reader_loan_history(reader=reader), HISTORY_PAGE_SIZE).get_page(history_page)
    return {
        "reader": reader,
        "loans": loans,
        "holds": holds,
        "digital_loans": digital_loans,
        "digital_holds": digital_holds,
        "history": history,
        # The longest of the reader's libraries' periods: no history is kept longer.
        "retention_days": max(
            (m.library.loan_history_retention for m in reader.memberships.select_related("library")),
            default=settings.LOAN_HISTORY_RETENTION_DAYS,
        ),
        "today": timezone.localdate(),
    }


def record_availability(*, record: Record) -> list[LibraryAvailability]:
    """Copies of ``record`` per library: available now, in all (lost and withdrawn copies
    not counted), and readers waiting."""
    rows = (
        record.copies.exclude(status__in=[CopyStatus.LOST, CopyStatus.WITHDRAWN])
        .values("library", "library__name")
        .annotate(total=Count("pk"), available=Count("pk", filter=Q(status=CopyStatus.AVAILABLE)))
        .order_by("library__name")
    )
    queues = dict(
        Hold.objects.filter(record=record, status=HoldStatus.WAITING)
        .values_list("pickup_library")
        .annotate(n=Count("pk"))
    )
    return [
        LibraryAvailability(
            row["library"], row["library__name"], row["available"], row["total"], queues.get(row["library"], 0)
        )
        for row in rows
    ]


def record_for_reader(*, record: Record, reader: Reader, memberships: list[Membership]) -> dict:
    availability = record_availability(record=record)
    libraries_with_copies = {row.library_id for row in availability}
    files: list[tuple] = []
    for digital_file in record.digital_files.all():
        state: DigitalAvailability | None = None
        if not digital_file.is_open_access:
            membership = digital_membership_for(reader=reader, digital_file=digital_file)
            state = digital_availability(digital_file=digital_file, membership=membership)
        files.append((digital_file, state))
    open_hold = holds_with_position(
        Hold.objects.filter(record=record, membership__reader=reader, status__in=[HoldStatus.WAITING, HoldStatus.READY])
    ).first()
    return {
        "record": record,
        "reader": reader,
        "availability": availability,
        "hold_memberships": [m for m in memberships if m.library_id in libraries_with_copies],
        "open_hold": open_hold,
        "files": files,
    }
