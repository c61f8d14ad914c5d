"""Forgetting who borrowed what after the lending library's retention period
(``Library.loan_history_retention``: its own, else ``LOAN_HISTORY_RETENTION_DAYS``); the
reader reads what is left with ``lending.selectors.reader_loan_history``.

Anonymising detaches ended loans, holds and digital loans from the member (``membership``
becomes empty) and keeps what statistics count: library, title, copy, dates and the
reader's category at the time. Sent-notice records, which name the reader, are deleted."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lending.models import DigitalHold, DigitalLoan, Hold, HoldStatus, Loan, Notice
from lending.services.readers import log_entries_scrub
from library_site.libraries.models import Library


@dataclass(frozen=True)
class AnonymisedCounts:
    loans: int
    holds: int
    digital_loans: int
    digital_holds: int
    notices: int


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _library_cutoffs(*, today: datetime.date) -> dict[datetime.datetime, list[int]]:
    """Each library with its own period (``Library.loan_history_retention_days``), grouped
    by the cutoff that period gives."""
    cutoffs: dict[datetime.datetime, list[int]] = {}
    for pk, days in Library.objects.filter(loan_history_retention_days__isnull=False).values_list(
        "pk", "loan_history_retention_days"
    ):
        cutoffs.setdefault(_start_of_day(today - datetime.timedelta(days=days)), []).append(pk)
    return cutoffs


def _ended_before_retention(*, today: datetime.date, library_cutoffs, library_field: str, ended_before) -> Q:
    """``ended_before(cutoff)`` with each library's cutoff: ``LOAN_HISTORY_RETENTION_DAYS``
    for the libraries without a period of their own."""
    overridden = [pk for pks in library_cutoffs.values() for pk in pks]
    default_cutoff = _start_of_day(today - datetime.timedelta(days=settings.LOAN_HISTORY_RETENTION_DAYS))
    condition = ended_before(default_cutoff) & ~Q(**{f"{library_field}__in": overridden})
    for cutoff, pks in library_cutoffs.items():
        condition |= ended_before(cutoff) & Q(**{f"{library_field}__in": pks})
    return condition


def _detach(objects, *, label: str) -> int:
    log_entries_scrub(objects=objects, label=label)
    return objects.update(membership=None)


@transaction.atomic
def loan_history_anonymise(*, today: datetime.date | None = None) -> AnonymisedCounts:
    """Forget who borrowed what, for everything that ended before the retention cutoff of
    the library that lent it (or of the pickup library, for holds); the admin history of
    those rows stops naming the reader too. Sent-notice records, which are not tied to a
    library, go after ``LOAN_HISTORY_RETENTION_DAYS``. Open loans and holds are never
    touched. Safe to run again."""
    today = today or timezone.localdate()
    closed = [HoldStatus.COLLECTED, HoldStatus.EXPIRED, HoldStatus.CANCELLED]
    with translation.override(settings.LANGUAGE_CODE):
        label = _("Anonymised")

    library_cutoffs = _library_cutoffs(today=today)

    def ended(library_field, ended_before):
        return _ended_before_retention(
            today=today, library_cutoffs=library_cutoffs, library_field=library_field, ended_before=ended_before
        )

    return AnonymisedCounts(
        loans=_detach(
            Loan.objects.filter(membership__isnull=False).filter(
                ended("library", lambda cutoff: Q(returned_at__lt=cutoff))
            ),
            label=label,
        ),
        holds=_detach(
            Hold.objects.filter(membership__isnull=False, status__in=closed).filter(
                ended("pickup_library", lambda cutoff: Q(closed_at__lt=cutoff))
            ),
            label=label,
        ),
        digital_loans=_detach(
            DigitalLoan.objects.filter(membership__isnull=False).filter(
                ended("membership__library", lambda cutoff: Q(returned_at__lt=cutoff) | Q(expires_at__lt=cutoff))
            ),
            label=label,
        ),
        digital_holds=_detach(
            DigitalHold.objects.filter(membership__isnull=False, status__in=closed).filter(
                ended("membership__library", lambda cutoff: Q(closed_at__lt=cutoff))
            ),
            label=label,
        ),
        notices=Notice.objects.filter(
            sent_at__lt=_start_of_day(today - datetime.timedelta(days=settings.LOAN_HISTORY_RETENTION_DAYS))
        ).delete()[0],
    )
