"""Reads of a librarian's admin home (their day): loans due today and overdue, holds to
fetch and hold-shelf items about to expire, background jobs running, and the overdue list
per class for homeroom teachers. Every read is scoped to one library the user works for;
each panel costs a fixed number of queries whatever the data."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet

from catalog.models import ImportJob
from lending.models import CardBatch, Loan, RosterSync
from lending.selectors import hold_shelf, holds_to_fetch
from library_site.libraries.models import Library

# Lines shown under each count on the home panel.
HOME_LINES = 5
# A ready hold "about to expire": to be collected within this many days.
HOLD_EXPIRING_DAYS = 2
# Jobs listed on the home panel, per kind.
HOME_JOBS = 5


def home_libraries(*, user) -> QuerySet[Library]:
    """The libraries whose staff group ``user`` belongs to, by name. Superusers (city
    administrators) and users outside every staff group get none: the librarian's home is
    for people who work at a library."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_superuser:
        return Library.objects.none()
    return Library.objects.filter(staff_group__user=user).order_by("name", "pk")


def loans_open(*, library: Library) -> QuerySet[Loan]:
    """Open loans of ``library`` lent to its own members (never another library's reader)."""
    return Loan.objects.filter(library=library, returned_at__isnull=True, membership__library=library)


def loans_overdue(*, library: Library, today: datetime.date) -> QuerySet[Loan]:
    return loans_open(library=library).filter(due_on__lt=today)


@dataclass
class JobLine:
    kind: str  # "import", "cards", "roster"
    job: object
    url_name: str


@dataclass
class LibrarianDay:
    library: Library
    today: datetime.date
    due_today: int = 0
    overdue: int = 0
    overdue_oldest: datetime.date | None = None
    due_today_lines: list = field(default_factory=list)
    overdue_lines: list = field(default_factory=list)
    to_fetch: int = 0
    to_fetch_lines: list = field(default_factory=list)
    on_shelf: int = 0
    expiring: int = 0
    expiring_lines: list = field(default_factory=list)
    expiring_until: datetime.date | None = None
    jobs: list[JobLine] = field(default_factory=list)

    @property
    def overdue_days_oldest(self) -> int:
        return (self.today - self.overdue_oldest).days if self.overdue_oldest else 0


def librarian_day(
    *, library: Library, today: datetime.date, lines: int = HOME_LINES, expiring_days: int = HOLD_EXPIRING_DAYS
) -> LibrarianDay:
    """What the home panel shows for ``library`` on ``today``: at most 10 queries."""
    day = LibrarianDay(library=library, today=today, expiring_until=today + datetime.timedelta(days=expiring_days))
    open_loans = loans_open(library=library)
    figures = open_loans.aggregate(
        due_today=Count("pk", filter=Q(due_on=today)),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        oldest=Min("due_on", filter=Q(due_on__lt=today)),
    )
    day.due_today, day.overdue, day.overdue_oldest = figures["due_today"], figures["overdue"], figures["oldest"]
    with_lines = open_loans.select_related("copy__record", "membership__reader")
    if day.due_today:
        day.due_today_lines = list(
            with_lines.filter(due_on=today).order_by("membership__class_name", "membership__reader__full_name", "pk")[
                :lines
            ]
        )
    if day.overdue:
        day.overdue_lines = list(with_lines.filter(due_on__lt=today).order_by("due_on", "pk")[:lines])

    fetch = holds_to_fetch(library=library)
    day.to_fetch = fetch.count()
    if day.to_fetch:
        day.to_fetch_lines = list(fetch[:lines])

    shelf = hold_shelf(library=library)
    shelf_figures = shelf.aggregate(
        total=Count("pk"), expiring=Count("pk", filter=Q(expires_on__lte=day.expiring_until))
    )
    day.on_shelf, day.expiring = shelf_figures["total"], shelf_figures["expiring"]
    if day.expiring:
        day.expiring_lines = list(shelf.filter(expires_on__lte=day.expiring_until)[:lines])

    day.jobs = jobs_running(library=library)
    return day


def jobs_running(*, library: Library, limit: int = HOME_JOBS) -> list[JobLine]:
    """Catalog imports, card batches and roster syncs of ``library`` still under way (or,
    for imports and roster uploads, waiting for the librarian to confirm a preview):
    three queries."""
    imports = ImportJob.objects.filter(
        library=library,
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING, ImportJob.Status.PREVIEWED],
    ).order_by("-created_at")[:limit]
    batches = CardBatch.objects.filter(
        library=library, status__in=[CardBatch.Status.QUEUED, CardBatch.Status.RUNNING]
    ).order_by("-created_at")[:limit]
    syncs = RosterSync.objects.filter(library=library, status__in=RosterSync.PENDING).order_by("-created_at")[:limit]
    return (
        [JobLine("import", job, "catalog_import_job") for job in imports]
        + [JobLine("cards", job, "lending_card_batch_detail") for job in batches]
        + [JobLine("roster", job, "lending_roster_sync") for job in syncs]
    )


def overdue_classes(*, library: Library, today: datetime.date) -> list[tuple[str, int]]:
    """The classes of ``library`` with overdue loans and how many, by class: one query."""
    rows = (
        loans_overdue(library=library, today=today)
        .values("membership__class_name")
        .annotate(loans=Count("pk"))
        .order_by("membership__class_name")
    )
    return [(row["membership__class_name"], row["loans"]) for row in rows]


def overdue_by_class(*, library: Library, today: datetime.date, class_name: str | None = None) -> QuerySet[Loan]:
    """Overdue loans of ``library``'s members, by class then reader's name then due date
    (one query); only ``class_name``'s when given."""
    loans = loans_overdue(library=library, today=today)
    if class_name is not None:
        loans = loans.filter(membership__class_name=class_name)
    return loans.select_related("copy__record", "membership__reader").order_by(
        "membership__class_name", "membership__reader__full_name", "membership__pk", "due_on", "pk"
    )
