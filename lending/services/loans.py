"""Checkout, return and renewal of physical copies.

Every write locks the rows it decides on (SELECT … FOR UPDATE on the copy, and on the
membership while its loan count is checked), and a partial unique constraint allows one
open loan per copy, so two desks lending the last copy at the same moment cannot both
succeed: the second one waits for the lock, then sees the copy on loan."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Copy, CopyStatus
from lending.models import ClosedDay, Loan, LoanRule, Membership, MembershipStatus
from library_site.libraries.models import Library

DEFAULT_RULE = {"loan_days": 14, "max_loans": 3, "max_renewals": 1, "hold_pickup_days": 3}


class LoanRefused(ValidationError):
    """A checkout, return or renewal the desk must refuse; ``code`` says why."""


def loan_rule_for(*, library: Library, category: str, material_kind: str) -> LoanRule:
    """The rule for this category and kind at this library: a rule for the kind, else the
    library's default for the category, else the built-in default (14 days, 3 loans)."""
    rules = {rule.material_kind: rule for rule in LoanRule.objects.filter(library=library, category=category)}
    return rules.get(material_kind) or rules.get("") or LoanRule(library=library, category=category, **DEFAULT_RULE)


def due_date_compute(*, library: Library, start: datetime.date, days: int) -> datetime.date:
    """``start`` + ``days``, moved forward past closed days and weekdays without opening
    hours, so a book is never due on a day nobody can return it."""
    due = start + datetime.timedelta(days=days)
    closed = set(
        ClosedDay.objects.filter(
            library=library, date__gte=due, date__lte=due + datetime.timedelta(days=60)
        ).values_list("date", flat=True)
    )
    open_weekdays = set(library.opening_hours.values_list("weekday", flat=True))
    for _attempt in range(60):
        if due not in closed and (not open_weekdays or due.weekday() in open_weekdays):
            return due
        due += datetime.timedelta(days=1)
    return due


@transaction.atomic
def loan_create(*, membership: Membership, copy: Copy, library: Library, today: datetime.date | None = None) -> Loan:
    """Lend ``copy`` to the member at the desk of ``library``."""
    today = today or timezone.localdate()
    membership = Membership.objects.select_for_update().select_related("reader").get(pk=membership.pk)
    copy = Copy.objects.select_for_update().select_related("record").get(pk=copy.pk)
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
    if copy.status != CopyStatus.AVAILABLE:
        raise LoanRefused(
            _("Copy %(barcode)s cannot be lent: it is %(status)s.")
            % {"barcode": copy.barcode, "status": copy.get_status_display().lower()},
            code="copy_unavailable",
        )
    rule = loan_rule_for(library=library, category=membership.category, material_kind=copy.record.kind)
    open_loans = Loan.objects.filter(membership=membership, returned_at__isnull=True).count()
    if open_loans >= rule.max_loans:
        raise LoanRefused(
            _("%(name)s already has %(count)d loans, the most allowed.")
            % {"name": membership.reader.full_name, "count": open_loans},
            code="limit_reached",
        )
    loan = Loan.objects.create(
        copy=copy,
        membership=membership,
        library=library,
        due_on=due_date_compute(library=library, start=today, days=rule.loan_days),
    )
    copy.status = CopyStatus.ON_LOAN
    copy.save(update_fields=["status", "updated_at"])
    return loan


@transaction.atomic
def loan_return(*, copy: Copy) -> Loan:
    copy = Copy.objects.select_for_update().get(pk=copy.pk)
    loan = Loan.objects.select_for_update().filter(copy=copy, returned_at__isnull=True).first()
    if loan is None:
        raise LoanRefused(_("Copy %(barcode)s is not on loan.") % {"barcode": copy.barcode}, code="not_on_loan")
    loan.returned_at = timezone.now()
    loan.save(update_fields=["returned_at"])
    copy.status = CopyStatus.AVAILABLE
    copy.save(update_fields=["status", "updated_at"])
    return loan


@transaction.atomic
def loan_renew(*, loan: Loan, today: datetime.date | None = None) -> Loan:
    today = today or timezone.localdate()
    loan = Loan.objects.select_for_update().select_related("membership", "copy__record", "library").get(pk=loan.pk)
    if loan.returned_at is not None:
        raise LoanRefused(_("This loan has ended."), code="returned")
    if loan.membership.status != MembershipStatus.ACTIVE:
        raise LoanRefused(_("The membership is not active."), code="membership_inactive")
    rule = loan_rule_for(library=loan.library, category=loan.membership.category, material_kind=loan.copy.record.kind)
    if loan.renewals >= rule.max_renewals:
        raise LoanRefused(
            _("Already renewed %(count)d times, the most allowed.") % {"count": loan.renewals}, code="renewal_limit"
        )
    loan.renewals += 1
    loan.due_on = due_date_compute(library=loan.library, start=today, days=rule.loan_days)
    loan.save(update_fields=["renewals", "due_on"])
    return loan
