"""Reads of the lending app (the services write): hold queues and the hold shelf, a
licensed file's availability, the reader's loan history, and the reader's pages (their
circulation at a glance, one title's availability as they see it). Selectors import
models and other selectors, never services; services may import selectors."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Copy, CopyStatus, DigitalFile, Record
from lending.models import (
    DigitalHold,
    DigitalLoan,
    Hold,
    HoldStatus,
    Loan,
    Membership,
    MembershipStatus,
    Reader,
)
from library_site.libraries.models import Library

# Holds on physical copies


def holds_with_position(queryset):
    """``queryset`` with ``position`` on each hold: 1 for the head of its queue (waiting
    holds for the same record and pickup library placed before it, plus one), 0 once the
    hold no longer waits. One query for any number of holds."""
    ahead = (
        Hold.objects.filter(
            record=OuterRef("record"), pickup_library=OuterRef("pickup_library"), status=HoldStatus.WAITING
        )
        .filter(Q(placed_at__lt=OuterRef("placed_at")) | Q(placed_at=OuterRef("placed_at"), pk__lt=OuterRef("pk")))
        .order_by()
        .values("record")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        position=Case(
            When(status=HoldStatus.WAITING, then=Coalesce(Subquery(ahead), 0) + 1),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def hold_position(*, hold: Hold) -> int:
    """The hold's place in its queue (see ``holds_with_position``)."""
    return holds_with_position(Hold.objects.filter(pk=hold.pk)).values_list("position", flat=True).get()


def hold_for_copy(*, copy: Copy) -> Hold | None:
    """The hold this copy waits for on the hold shelf, if any."""
    return Hold.objects.select_related("membership__reader").filter(copy=copy, status=HoldStatus.READY).first()


def holds_to_fetch(*, library: Library):
    """Waiting holds at ``library`` for which a copy stands on its shelves: the desk's
    list of copies to fetch and scan onto the hold shelf."""
    available = Copy.objects.filter(record=OuterRef("record"), library=library, status=CopyStatus.AVAILABLE)
    return (
        Hold.objects.filter(pickup_library=library, status=HoldStatus.WAITING)
        .filter(Exists(available))
        .select_related("record", "membership__reader")
        .order_by("placed_at", "pk")
    )


def hold_shelf(*, library: Library):
    """Copies waiting on the hold shelf at ``library``, oldest pickup day first."""
    return (
        Hold.objects.filter(pickup_library=library, status=HoldStatus.READY)
        .select_related("record", "copy", "membership__reader")
        .order_by("expires_on", "pk")
    )


# Digital loans of licensed files


@dataclass(frozen=True)
class DigitalAvailability:
    """What a reader sees next to a licensed file: "2 of 3 licences free", "you are 4th"."""

    licences: int
    lent: int
    waiting: int
    loan: DigitalLoan | None  # the reader's active loan
    hold: DigitalHold | None  # the reader's waiting hold
    position: int  # the reader's place in the queue (0: not queued)

    @property
    def free(self) -> int:
        return max(self.licences - self.lent, 0)

    @property
    def can_borrow(self) -> bool:
        if self.loan is not None:
            return False
        if self.hold is not None:
            return self.position <= self.free
        return self.waiting < self.free


def digital_loans_active(queryset, now):
    """The loans in ``queryset`` still running at ``now`` (not given back, not expired)."""
    return queryset.filter(returned_at__isnull=True, expires_at__gt=now)


def digital_membership_for(*, reader: Reader, digital_file: DigitalFile) -> Membership | None:
    """The membership a digital loan goes on: at the library that owns the record if the
    reader is a member there, else the reader's oldest active membership (licensed files
    are lent to members of every library of the network)."""
    memberships = reader.memberships.filter(status=MembershipStatus.ACTIVE).select_related("library")
    own = memberships.filter(library=digital_file.record.library_id).first()
    return own or memberships.order_by("created_at", "pk").first()


def digital_availability(
    *, digital_file: DigitalFile, membership: Membership | None = None, now: datetime.datetime | None = None
) -> DigitalAvailability:
    now = now or timezone.now()
    lent = digital_loans_active(DigitalLoan.objects.filter(digital_file=digital_file), now).count()
    waiting = list(
        DigitalHold.objects.filter(digital_file=digital_file, status=HoldStatus.WAITING)
        .order_by("placed_at", "pk")
        .values_list("pk", "membership_id")
    )
    loan = hold = None
    position = 0
    if membership is not None:
        reader_memberships = set(membership.reader.memberships.values_list("pk", flat=True))
        loan = (
            digital_loans_active(
                DigitalLoan.objects.filter(digital_file=digital_file, membership__in=reader_memberships), now
            )
            .order_by("-expires_at")
            .first()
        )
        for index, (hold_pk, member_pk) in enumerate(waiting, start=1):
            if member_pk in reader_memberships:
                hold, position = DigitalHold.objects.get(pk=hold_pk), index
                break
    return DigitalAvailability(
        licences=digital_file.licence_count or 0,
        lent=lent,
        waiting=len(waiting),
        loan=loan,
        hold=hold,
        position=position,
    )


def digital_loan_check(*, user, digital_file: DigitalFile) -> bool:
    """``CATALOG_DIGITAL_LOAN_CHECK``: may this signed-in user open the licensed file now?
    Yes while one of the reader's digital loans of it is active."""
    reader = getattr(user, "reader", None)
    if reader is None or reader.anonymised_at:
        return False
    return digital_loans_active(
        DigitalLoan.objects.filter(digital_file=digital_file, membership__reader=reader), timezone.now()
    ).exists()


# Loan history


def reader_loan_history(*, reader: Reader):
    """The reader's ended loans at every library, newest first (what retention left)."""
    return (
        Loan.objects.filter(membership__reader=reader, returned_at__isnull=False)
        .select_related("copy__record", "library")
        .order_by("-returned_at")
    )


# The reader's pages

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
