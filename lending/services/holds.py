"""Holds on physical copies: a reader reserves a record (any copy) at a pickup library.

The queue is first come, first served, per record and pickup library. A copy of the
pickup library that comes back (``loan_return``) or is picked from the shelves for a
hold (``hold_trap`` at the desk) waits on the hold shelf for the head of the queue until
the pickup window closes; uncollected (``holds_expire``, run daily), the hold expires
and the copy passes to the next reader.

Allocation is serialised per record: ``hold_trap`` locks the record's row before it
picks the head of the queue, so two copies returned at the same moment at two desks go
to the first and the second reader, never both to the first (a plain ``FOR UPDATE …
LIMIT 1`` on the queue would let the second desk see no hold at all on PostgreSQL)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Copy, CopyStatus, Record
from lending.models import Hold, HoldStatus, Loan, Membership, MembershipStatus
from lending.services.circulation import LoanRefused, copy_status_set, due_date_compute, loan_rule_for
from lending.signals import hold_ready

UNUSABLE_COPY_STATUSES = [CopyStatus.LOST, CopyStatus.WITHDRAWN]


@transaction.atomic
def hold_place(*, membership: Membership, record: Record) -> Hold:
    """Reserve ``record`` for the member, to collect at the member's library."""
    membership = (
        Membership.objects.select_for_update(of=("self",)).select_related("reader", "library").get(pk=membership.pk)
    )
    if membership.status != MembershipStatus.ACTIVE:
        raise LoanRefused(
            _("A hold needs an active membership; this one is %(status)s.")
            % {"status": membership.get_status_display().lower()},
            code="membership_inactive",
        )
    if record.is_withdrawn:
        raise LoanRefused(_("This title has been withdrawn from the catalog."), code="record_withdrawn")
    copies = Copy.objects.filter(record=record, library=membership.library).exclude(status__in=UNUSABLE_COPY_STATUSES)
    if not copies.exists():
        raise LoanRefused(
            _("%(library)s has no copy of this title to hold.") % {"library": membership.library.short_name},
            code="no_copy_here",
        )
    if Loan.objects.filter(membership=membership, copy__record=record, returned_at__isnull=True).exists():
        raise LoanRefused(_("You already have this title on loan."), code="already_on_loan")
    if Hold.objects.filter(
        membership=membership, record=record, status__in=[HoldStatus.WAITING, HoldStatus.READY]
    ).exists():
        raise LoanRefused(_("You already have a hold on this title."), code="already_held")
    try:
        with transaction.atomic():
            return Hold.objects.create(
                record=record,
                membership=membership,
                reader_category=membership.category,
                pickup_library=membership.library,
            )
    except IntegrityError as error:  # the same reader, twice at once
        raise LoanRefused(_("You already have a hold on this title."), code="already_held") from error


@transaction.atomic
def hold_cancel(*, hold: Hold) -> Hold:
    """The reader (or the desk) cancels a hold; a copy waiting on the shelf for it passes
    to the next reader or goes back to the shelves."""
    copy_id = Hold.objects.filter(pk=hold.pk).values_list("copy_id", flat=True).get()
    if copy_id:
        Copy.objects.select_for_update().get(pk=copy_id)  # lock order: copy, record, hold
    Record.objects.select_for_update().get(pk=hold.record_id)
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.status not in (HoldStatus.WAITING, HoldStatus.READY):
        return hold
    copy = hold.copy
    hold.status, hold.closed_at = HoldStatus.CANCELLED, timezone.now()
    hold.save(update_fields=["status", "closed_at"])
    if copy is not None:
        _copy_release(copy=copy)
    return hold


def _copy_release(*, copy: Copy, today: datetime.date | None = None) -> None:
    """A copy that was on the hold shelf is free again: to the next reader, or the shelves."""
    copy = Copy.objects.select_for_update().get(pk=copy.pk)
    if copy.status == CopyStatus.ON_HOLD_SHELF:
        copy_status_set(copy=copy, status=CopyStatus.AVAILABLE)
    hold_trap(copy=copy, today=today)


@transaction.atomic
def hold_trap(*, copy: Copy, today: datetime.date | None = None) -> Hold | None:
    """Put an available ``copy`` on the hold shelf for the head of its record's queue at
    the copy's library, with the pickup window of the reader's loan rule. Returns that
    hold, or None when nobody waits (the copy stays available)."""
    today = today or timezone.localdate()
    copy = Copy.objects.select_for_update(of=("self",)).select_related("record", "library").get(pk=copy.pk)
    if copy.status != CopyStatus.AVAILABLE:
        return None
    Record.objects.select_for_update().get(pk=copy.record_id)  # one allocation per record at a time
    head = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("membership")
        .filter(record=copy.record_id, pickup_library=copy.library_id, status=HoldStatus.WAITING)
        .order_by("placed_at", "pk")
        .first()
    )
    if head is None:
        return None
    rule = loan_rule_for(library=copy.library, category=head.reader_category, material_kind=copy.record.kind)
    head.status, head.copy, head.ready_at = HoldStatus.READY, copy, timezone.now()
    head.expires_on = due_date_compute(library=copy.library, start=today, days=rule.hold_pickup_days)
    head.save(update_fields=["status", "copy", "ready_at", "expires_on"])
    copy_status_set(copy=copy, status=CopyStatus.ON_HOLD_SHELF)
    transaction.on_commit(lambda: hold_ready.send(sender=Hold, hold=head))
    return head


def holds_expire(*, today: datetime.date | None = None) -> int:
    """Expire holds not collected by their last pickup day; each copy passes to the next
    reader or back to the shelves. Safe to run again. Returns how many expired."""
    today = today or timezone.localdate()
    expired = 0
    for pk in Hold.objects.filter(status=HoldStatus.READY, expires_on__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            hold = Hold.objects.filter(pk=pk).select_related("copy").first()
            if hold is None or hold.copy is None:
                continue
            Copy.objects.select_for_update().get(pk=hold.copy_id)
            Record.objects.select_for_update().get(pk=hold.record_id)
            hold = Hold.objects.select_for_update().get(pk=pk)
            if hold.status != HoldStatus.READY or hold.expires_on >= today:
                continue  # collected or cancelled meanwhile
            copy = hold.copy
            hold.status, hold.closed_at = HoldStatus.EXPIRED, timezone.now()
            hold.save(update_fields=["status", "closed_at"])
            _copy_release(copy=copy, today=today)
            expired += 1
    return expired
