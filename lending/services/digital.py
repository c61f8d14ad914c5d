"""Digital loans of licensed files (``DigitalFile.licence_count`` set; open-access files
need no loan).

A reader borrows a file for the loan period of their rule; access ends by itself at
``expires_at`` (``lending.selectors.digital_loan_check`` compares the time, no job has
to run). Never more active loans than licences: creating a loan locks the file's row,
counts the active loans and the queue, then decides, so two readers taking the last
licence at the same moment cannot both get it.

When every licence is lent, readers join a queue (``DigitalHold``). A reader's position
is the number of waiting holds placed before theirs plus one, and they may borrow as soon
as their position is within the free licences; readers without a hold may borrow only
when more licences are free than readers wait. ``digital_holds_refresh`` (daily, and
whenever it is convenient) marks holds that became borrowable (so the reader is told)
and expires those not used within the pickup window."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import DigitalFile
from lending.models import DigitalHold, DigitalLoan, HoldStatus, Membership, MembershipStatus
from lending.selectors import digital_availability, digital_loans_active
from lending.services.circulation import LoanRefused, loan_rule_for


def _refuse_unless_lendable(digital_file: DigitalFile, membership: Membership) -> None:
    if digital_file.is_open_access:
        raise LoanRefused(_("This item is open access: open it, no loan needed."), code="open_access")
    if digital_file.record.is_withdrawn:
        raise LoanRefused(_("This title has been withdrawn from the catalog."), code="record_withdrawn")
    if membership.status != MembershipStatus.ACTIVE:
        raise LoanRefused(
            _("Borrowing needs an active membership; this one is %(status)s.")
            % {"status": membership.get_status_display().lower()},
            code="membership_inactive",
        )


@transaction.atomic
def digital_loan_create(
    *, membership: Membership, digital_file: DigitalFile, now: datetime.datetime | None = None
) -> DigitalLoan:
    """Lend a licence of ``digital_file`` to the member for their loan period."""
    now = now or timezone.now()
    digital_file = DigitalFile.objects.select_for_update(of=("self",)).select_related("record").get(pk=digital_file.pk)
    membership = (
        Membership.objects.select_for_update(of=("self",)).select_related("reader", "library").get(pk=membership.pk)
    )
    _refuse_unless_lendable(digital_file, membership)
    availability = digital_availability(digital_file=digital_file, membership=membership, now=now)
    if availability.loan is not None:
        raise LoanRefused(_("You are already borrowing this item."), code="already_on_loan")
    if not availability.can_borrow:
        if availability.hold is not None:
            message = _("Every licence is lent. You are number %(position)d in the queue.") % {
                "position": availability.position
            }
        else:
            message = ngettext(
                "Every licence is lent or kept for the reader already waiting. Join the queue to be next.",
                "Every licence is lent or kept for the %(count)d readers already waiting. Join the queue to be next.",
                availability.waiting,
            ) % {"count": availability.waiting}
            if not availability.waiting:
                message = _("Every licence is lent. Join the queue to be next.")
        raise LoanRefused(message, code="no_licence_free")
    rule = loan_rule_for(
        library=membership.library, category=membership.category, material_kind=digital_file.record.kind
    )
    active = digital_loans_active(DigitalLoan.objects.filter(membership=membership), now).count()
    if active >= rule.max_loans:
        raise LoanRefused(
            _("You already borrow %(count)d digital items, the most allowed.") % {"count": active},
            code="limit_reached",
        )
    loan = DigitalLoan.objects.create(
        digital_file=digital_file,
        membership=membership,
        reader_category=membership.category,
        expires_at=now + datetime.timedelta(days=rule.loan_days),
    )
    if availability.hold is not None:
        DigitalHold.objects.filter(pk=availability.hold.pk).update(status=HoldStatus.COLLECTED, closed_at=now)
    return loan


@transaction.atomic
def digital_loan_return(*, loan: DigitalLoan, now: datetime.datetime | None = None) -> DigitalLoan:
    """Give a licence back before the loan ends, so the next reader may borrow it."""
    now = now or timezone.now()
    loan = DigitalLoan.objects.select_for_update().get(pk=loan.pk)
    if loan.returned_at is None and loan.expires_at > now:
        loan.returned_at = now
        loan.save(update_fields=["returned_at"])
    return loan


@transaction.atomic
def digital_hold_place(
    *, membership: Membership, digital_file: DigitalFile, now: datetime.datetime | None = None
) -> DigitalHold:
    """Join the queue for a file whose licences are all lent."""
    digital_file = DigitalFile.objects.select_for_update(of=("self",)).select_related("record").get(pk=digital_file.pk)
    membership = Membership.objects.select_related("reader").get(pk=membership.pk)
    _refuse_unless_lendable(digital_file, membership)
    availability = digital_availability(digital_file=digital_file, membership=membership, now=now)
    if availability.loan is not None:
        raise LoanRefused(_("You are already borrowing this item."), code="already_on_loan")
    if availability.hold is not None:
        raise LoanRefused(
            _("You are already in the queue, number %(position)d.") % {"position": availability.position},
            code="already_held",
        )
    if availability.can_borrow:
        raise LoanRefused(_("A licence is free: borrow it now."), code="licence_free")
    try:
        with transaction.atomic():
            return DigitalHold.objects.create(
                digital_file=digital_file, membership=membership, reader_category=membership.category
            )
    except IntegrityError as error:
        raise LoanRefused(_("You are already in the queue."), code="already_held") from error


def digital_hold_cancel(*, hold: DigitalHold) -> DigitalHold:
    DigitalHold.objects.filter(pk=hold.pk, status=HoldStatus.WAITING).update(
        status=HoldStatus.CANCELLED, closed_at=timezone.now()
    )
    hold.refresh_from_db()
    return hold


def digital_holds_refresh(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Mark waiting holds that may borrow now (``ready_since``; the notice command tells
    the reader) and expire those that did not borrow within their pickup window, which
    lets the next reader move up. Safe to run again. Returns (became ready, expired)."""
    now = now or timezone.now()
    ready = expired = 0
    file_ids = set(DigitalHold.objects.filter(status=HoldStatus.WAITING).values_list("digital_file", flat=True))
    for file_id in file_ids:
        with transaction.atomic():
            digital_file = DigitalFile.objects.select_for_update(of=("self",)).select_related("record").get(pk=file_id)
            while True:  # an expiry frees a place for the next reader: look again
                free = max(
                    (digital_file.licence_count or 0)
                    - digital_loans_active(DigitalLoan.objects.filter(digital_file=digital_file), now).count(),
                    0,
                )
                heads = list(
                    DigitalHold.objects.filter(digital_file=digital_file, status=HoldStatus.WAITING)
                    .select_related("membership__library")
                    .order_by("placed_at", "pk")[:free]
                )
                lapsed = False
                for hold in heads:
                    if hold.ready_since is None:
                        hold.ready_since = now
                        hold.save(update_fields=["ready_since"])
                        ready += 1
                        continue
                    library = hold.membership.library if hold.membership else digital_file.record.library
                    rule = loan_rule_for(
                        library=library, category=hold.reader_category, material_kind=digital_file.record.kind
                    )
                    if hold.ready_since + datetime.timedelta(days=rule.hold_pickup_days) < now:
                        hold.status, hold.closed_at = HoldStatus.EXPIRED, now
                        hold.save(update_fields=["status", "closed_at"])
                        expired += 1
                        lapsed = True
                if not lapsed:
                    break
    return ready, expired
