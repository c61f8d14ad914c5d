"""Checkout, return, renewal, and lost or damaged copies.

Every write locks the rows it decides on (SELECT … FOR UPDATE on the copy, and on the
membership while its loan count is checked), and a partial unique constraint allows one
open loan per copy, so two desks lending the last copy at the same moment cannot both
succeed: the second one waits for the lock, then sees the copy on loan.

Holds (``lending.services.holds``) meet loans here: a returned copy goes to the hold
shelf when a reader waits for its record at this library; a copy on the hold shelf is
lent only to the reader it waits for; a loan is not renewed while others wait."""

import datetime
import logging

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Copy, CopyStatus
from lending.models import Hold, HoldStatus, Loan, LoanEnd, Membership, MembershipStatus
from lending.services.circulation import LoanRefused, copy_status_set, due_date_compute, loan_rule_for
from lending.services.holds import hold_trap
from library_site.libraries.models import Library

logger = logging.getLogger(__name__)


@transaction.atomic
def loan_create(*, membership: Membership, copy: Copy, library: Library, today: datetime.date | None = None) -> Loan:
    """Lend ``copy`` to the member at the desk of ``library``."""
    today = today or timezone.localdate()
    # Two locking reads that also bring what the checks need (the member's open loans,
    # the member's waiting hold on this title): fewer round trips per checkout.
    open_loans = (
        Loan.objects.filter(membership=OuterRef("pk"), returned_at__isnull=True)
        .order_by()
        .values("membership")
        .annotate(n=Count("pk"))
        .values("n")
    )
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("reader")
        .annotate(open_loans=Coalesce(Subquery(open_loans), 0))
        .get(pk=membership.pk)
    )
    waiting_hold = Hold.objects.filter(
        membership=membership.pk, record=OuterRef("record"), status=HoldStatus.WAITING
    ).values("pk")[:1]
    copy = (
        Copy.objects.select_for_update(of=("self",))
        .select_related("record")
        .annotate(waiting_hold_id=Subquery(waiting_hold))
        .get(pk=copy.pk)
    )
    if membership.library_id != library.pk:
        raise LoanRefused(
            _("%(name)s is not a member of this library.") % {"name": membership.reader.full_name}, code="not_member"
        )
    if membership.status != MembershipStatus.ACTIVE:
        raise LoanRefused(
            _("%(name)s cannot borrow: the membership is %(status)s.")
            % {"name": membership.reader.full_name, "status": membership.get_status_display().lower()},
            code="membership_inactive",
        )
    if copy.library_id != library.pk:
        raise LoanRefused(
            _("Copy %(barcode)s belongs to another library.") % {"barcode": copy.barcode}, code="other_library"
        )
    hold = None
    if copy.status == CopyStatus.ON_HOLD_SHELF:
        hold = Hold.objects.select_for_update().filter(copy=copy, status=HoldStatus.READY).first()
        if hold is not None and hold.membership_id != membership.pk:
            raise LoanRefused(
                _("Copy %(barcode)s is on the hold shelf for another reader.") % {"barcode": copy.barcode},
                code="held_for_other",
            )
    elif copy.status != CopyStatus.AVAILABLE:
        raise LoanRefused(
            _("Copy %(barcode)s cannot be lent: it is %(status)s.")
            % {"barcode": copy.barcode, "status": copy.get_status_display().lower()},
            code="copy_unavailable",
        )
    rule = loan_rule_for(library=library, category=membership.category, material_kind=copy.record.kind)
    if membership.open_loans >= rule.max_loans:
        raise LoanRefused(
            _("%(name)s already has %(count)d loans, the most allowed.")
            % {"name": membership.reader.full_name, "count": membership.open_loans},
            code="limit_reached",
        )
    loan = Loan.objects.create(
        copy=copy,
        membership=membership,
        reader_category=membership.category,
        library=library,
        due_on=due_date_compute(library=library, start=today, days=rule.loan_days),
    )
    copy_status_set(copy=copy, status=CopyStatus.ON_LOAN)
    # Collecting a hold: the one on the shelf for this copy, or (an available copy taken
    # from the shelves) the reader's waiting hold for the record.
    hold_id = hold.pk if hold is not None else copy.waiting_hold_id
    if hold_id is not None:
        Hold.objects.filter(pk=hold_id, status__in=[HoldStatus.READY, HoldStatus.WAITING]).update(
            status=HoldStatus.COLLECTED, closed_at=timezone.now()
        )
    return loan


@transaction.atomic
def loan_return(*, copy: Copy, today: datetime.date | None = None, kiosk: str = "") -> Loan:
    """End the copy's open loan. If a reader waits for the record at this library, the
    copy goes to the hold shelf for them (``hold_for_copy`` tells the desk who).
    ``kiosk`` names the self-service kiosk the reader returned it at (empty at the desk):
    the loan records it and the return is logged with it, so a librarian can tell a copy
    put in the kiosk's return box from one handed over at the desk."""
    copy = Copy.objects.select_for_update().get(pk=copy.pk)
    loan = Loan.objects.select_for_update().filter(copy=copy, returned_at__isnull=True).first()
    if loan is None:
        raise LoanRefused(_("Copy %(barcode)s is not on loan.") % {"barcode": copy.barcode}, code="not_on_loan")
    loan.returned_at = timezone.now()
    loan.ended_as = LoanEnd.RETURNED
    loan.returned_at_kiosk = kiosk[: Loan._meta.get_field("returned_at_kiosk").max_length]
    loan.save(update_fields=["returned_at", "ended_as", "returned_at_kiosk"])
    if kiosk:
        logger.info(
            "Loan %s of copy %s (library %s) returned at kiosk %r", loan.pk, copy.barcode, loan.library_id, kiosk
        )
    copy_status_set(copy=copy, status=CopyStatus.AVAILABLE)
    hold_trap(copy=copy, today=today)
    return loan


@transaction.atomic
def loan_renew(*, loan: Loan, today: datetime.date | None = None) -> Loan:
    today = today or timezone.localdate()
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("membership", "copy__record", "library")
        .get(pk=loan.pk)
    )
    if loan.returned_at is not None:
        raise LoanRefused(_("This loan has ended."), code="returned")
    if loan.membership.status != MembershipStatus.ACTIVE:
        raise LoanRefused(_("The membership is not active."), code="membership_inactive")
    rule = loan_rule_for(library=loan.library, category=loan.membership.category, material_kind=loan.copy.record.kind)
    if loan.renewals >= rule.max_renewals:
        raise LoanRefused(
            _("Already renewed %(count)d times, the most allowed.") % {"count": loan.renewals}, code="renewal_limit"
        )
    if Hold.objects.filter(record=loan.copy.record_id, pickup_library=loan.library, status=HoldStatus.WAITING).exists():
        raise LoanRefused(
            _("Another reader is waiting for this title: please return it by %(date)s.")
            % {"date": loan.due_on.strftime("%d/%m/%Y")},
            code="hold_waiting",
        )
    loan.renewals += 1
    loan.due_on = due_date_compute(library=loan.library, start=today, days=rule.loan_days)
    loan.save(update_fields=["renewals", "due_on"])
    return loan


@transaction.atomic
def copy_mark(*, copy: Copy, status: str) -> Loan | None:
    """Mark a copy lost or damaged at the desk. An open loan ends with it (``ended_as``
    says how; the reader no longer has the copy on their card); a hold waiting on the
    shelf with this copy goes back to the head of the queue. Returns the ended loan."""
    if status not in (CopyStatus.LOST, CopyStatus.DAMAGED):
        raise ValueError(f"copy_mark() marks copies lost or damaged, not {status!r}")
    copy = Copy.objects.select_for_update().get(pk=copy.pk)
    if copy.status == CopyStatus.WITHDRAWN:
        raise LoanRefused(_("Copy %(barcode)s has been withdrawn.") % {"barcode": copy.barcode}, code="copy_withdrawn")
    loan = Loan.objects.select_for_update().filter(copy=copy, returned_at__isnull=True).first()
    if loan is not None:
        loan.returned_at = timezone.now()
        loan.ended_as = LoanEnd.LOST if status == CopyStatus.LOST else LoanEnd.DAMAGED
        loan.save(update_fields=["returned_at", "ended_as"])
    Hold.objects.filter(copy=copy, status=HoldStatus.READY).update(
        status=HoldStatus.WAITING, copy=None, ready_at=None, expires_on=None
    )
    copy_status_set(copy=copy, status=status)
    return loan
