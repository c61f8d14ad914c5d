"""A reader's loan history, and forgetting it after ``LOAN_HISTORY_RETENTION_DAYS``.

Anonymising detaches ended loans, holds and digital loans from the member (``membership``
becomes empty) and keeps what statistics count: library, title, copy, dates and the
reader's category at the time. Sent-notice records, which name the reader, are deleted."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lending.models import DigitalHold, DigitalLoan, Hold, HoldStatus, Loan, Notice, Reader


@dataclass(frozen=True)
class AnonymisedCounts:
    loans: int
    holds: int
    digital_loans: int
    digital_holds: int
    notices: int


def loan_history_cutoff(*, today: datetime.date | None = None) -> datetime.datetime:
    today = today or timezone.localdate()
    start = datetime.datetime.combine(
        today - datetime.timedelta(days=settings.LOAN_HISTORY_RETENTION_DAYS), datetime.time()
    )
    return timezone.make_aware(start)


@transaction.atomic
def loan_history_anonymise(*, today: datetime.date | None = None) -> AnonymisedCounts:
    """Forget who borrowed what, for everything that ended before the retention cutoff.
    Open loans and holds are never touched. Safe to run again."""
    cutoff = loan_history_cutoff(today=today)
    closed = [HoldStatus.COLLECTED, HoldStatus.EXPIRED, HoldStatus.CANCELLED]
    return AnonymisedCounts(
        loans=Loan.objects.filter(membership__isnull=False, returned_at__lt=cutoff).update(membership=None),
        holds=Hold.objects.filter(membership__isnull=False, status__in=closed, closed_at__lt=cutoff).update(
            membership=None
        ),
        digital_loans=DigitalLoan.objects.filter(membership__isnull=False)
        .filter(Q(returned_at__lt=cutoff) | Q(expires_at__lt=cutoff))
        .update(membership=None),
        digital_holds=DigitalHold.objects.filter(
            membership__isnull=False, status__in=closed, closed_at__lt=cutoff
        ).update(membership=None),
        notices=Notice.objects.filter(sent_at__lt=cutoff).delete()[0],
    )


def reader_loan_history(*, reader: Reader):
    """The reader's ended loans at every library, newest first (what retention left)."""
    return (
        Loan.objects.filter(membership__reader=reader, returned_at__isnull=False)
        .select_related("copy__record", "library")
        .order_by("-returned_at")
    )
