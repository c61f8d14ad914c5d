"""The basics every circulation service shares (loans, holds, digital loans): the refusal
they raise, the one place a copy's status changes, the loan rule that applies, and the
due date a rule gives. Imports no other service, so ``loans``, ``holds`` and ``digital``
all build on it without importing one another in a circle."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.models import Copy
from lending.models import ClosedDay, LoanRule
from library_site.libraries.models import Library
from search.indexing import record_changed

DEFAULT_RULE = {"loan_days": 14, "max_loans": 3, "max_renewals": 1, "hold_pickup_days": 3}


class LoanRefused(ValidationError):
    """A checkout, return or renewal the desk must refuse; ``code`` says why."""


def copy_status_set(*, copy: Copy, status: str) -> None:
    """Every status change of a copy by circulation goes through here (the search index
    hooks in at this one place). A queryset update: ``Copy.save()`` would also queue a
    Wagtail reference-index task per checkout, for a field no reference depends on."""
    copy.status = status
    Copy.objects.filter(pk=copy.pk).update(status=status, updated_at=timezone.now())
    record_changed(copy.record_id)


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
