"""A library's figures for a period (issue 14, §2 "A library's figures"): the selectors the
admin page, the quarterly reports, the officer home and the stats API are built on.

Definitions, as computed here (the period is ``start``..``end``, both dates inclusive, in
``reports.periods.REPORT_TIME_ZONE``; "as of" is the period's end, or today if the period
has not ended yet):

- **Roster** — the library's *active* memberships per category (students; teachers and
  staff). Memberships keep no history, so the roster is the roster *now*, not at the end
  of a past period. **Cards** — those memberships holding a valid card: not revoked and
  valid until the "as of" day or later (the programme's target: 100 %).
- **Digital items** — the library's own records (``Record.library``) catalogued by the end of
  the period, not withdrawn (by then), with at least one digital file or link.
  **Coded** — of those, records with a record code (``Record.code``, e.g. HL00001234, given
  from ``CodeSequence`` when the record is saved: "mã hóa 100% nguồn sách số", plan 001 §3c).
  Codes are given automatically, so coded normally equals digital items; a record without
  one (an import gone wrong) shows as a gap. ``digital_classified`` counts those with a DDC
  class as well, the librarians' other sense of "coded".
- **Loans** — physical loans made by the library in the period (``Loan.library``), per month
  and in total; **active readers** — distinct members who borrowed (anonymised loans have no
  member and count as loans only). **Most borrowed titles** — the 10 records lent most often.
- **Digital loans** — loans of licensed digital files of the library's records in the period.
  **Digital opens and downloads are not recorded**: ``catalog.views.digital_file`` serves a
  file without writing any log row, so ``digital_opens``/``digital_downloads`` are ``None``
  and ``digital_access_recorded`` is false, never a made-up number.
- **Activity posts** — live ``ActivityPostPage``s under the library's home page first
  published in the period, per kind.
- **Courses** — enrolments made in the period in the library's courses (``Enrolment.library``)
  and how many of them are completed, from ``community_courses.selectors.participation``;
  **satisfaction change** per course — the mean, over the course's Likert items whose paired
  comparison is shown, of the mean change (after − before) from
  ``community_courses.selectors.survey_results`` (which hides small groups itself, here with
  the stricter of ``REPORT_MIN_GROUP_SIZE`` and ``SURVEY_MIN_GROUP_SIZE``). It covers all of
  the course's survey sheets, not only those of the period (the survey is per course).
- **Coverage** — ``reports.selectors.coverage`` (reused, not recomputed): the school's share
  of lessons with a digital material; ``None`` for a library that is not a school.

**Small groups.** A count of people below ``settings.REPORT_MIN_GROUP_SIZE`` (default 5) —
active readers (of a month or the period), a course's people — is suppressed: the figure is
``None`` and a ``*_suppressed`` flag is set (zero is shown: it singles out no one). The loans
of such a month are activity counts and stay.

Every figure is a database aggregate; ``library_figures`` costs a fixed number of queries
(plus a few per course with enrolments, at most ``MAX_COURSES`` courses) whatever the data,
``libraries_figures`` a fixed number for any number of libraries.
"""

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from catalog.models import DigitalFile, Record
from community_courses.conf import survey_min_group_size
from community_courses.models import CoursePage, Enrolment
from community_courses.selectors.participation import participation_report
from community_courses.selectors.survey_results import survey_results
from lending.models import Card, DigitalLoan, Loan, Membership, MembershipStatus, ReaderCategory
from library_site.libraries.models import Library
from library_site.portals.models import ActivityKind, ActivityPostPage, LibraryHomePage
from reports.periods import REPORT_TIME_ZONE
from reports.selectors.coverage import coverage_for_library, percent, school_level

DEFAULT_REPORT_MIN_GROUP_SIZE = 5
TOP_TITLES = 10
# Courses whose satisfaction change is computed (each costs a few queries); by enrolments.
MAX_COURSES = 20


def report_min_group_size() -> int:
    return max(1, int(getattr(settings, "REPORT_MIN_GROUP_SIZE", DEFAULT_REPORT_MIN_GROUP_SIZE)))


def suppress(count: int | None, minimum: int) -> tuple[int | None, bool]:
    """``(count, False)``, or ``(None, True)`` for a count of 1 to ``minimum - 1`` people."""
    if count is not None and 0 < count < minimum:
        return None, True
    return count, False


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Aware datetimes ``[start 00:00, end + 1 day 00:00)`` in the report's time zone."""
    if end < start:
        raise ValueError("end before start")
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=REPORT_TIME_ZONE)
    stop = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=REPORT_TIME_ZONE)
    return begin, stop


def period_months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first day of every month the period touches."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def as_of_day(end: datetime.date) -> datetime.date:
    return min(end, timezone.localdate(timezone=REPORT_TIME_ZONE))


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass(frozen=True)
class CardFigures:
    category: str  # ReaderCategory value: "student" or "staff"
    roster: int  # active memberships
    cards: int  # of them holding a valid card

    @property
    def percent(self) -> Decimal | None:
        return percent(self.cards, self.roster)

    @property
    def meets_target(self) -> bool | None:
        return None if not self.roster else self.cards >= self.roster


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date  # first day of the month
    loans: int
    active_readers: int | None
    active_readers_suppressed: bool = False


@dataclass(frozen=True)
class TitleFigures:
    record_id: int
    code: str
    title: str
    loans: int


@dataclass(frozen=True)
class PostFigures:
    kind: str  # ActivityKind value
    posts: int


@dataclass(frozen=True)
class CourseFigures:
    course_id: int
    title: str
    enrolled: int | None
    completed: int | None
    suppressed: bool = False
    satisfaction_change: float | None = None  # mean change (after − before), Likert points
    satisfaction_pairs: int | None = None  # pairs behind it (None: not shown)


class _Shares:
    """The shares both a library's figures and its headline derive from their counts, and
    their plain JSON form (dates as ISO strings, percents as strings)."""

    @property
    def coverage_percent(self) -> Decimal | None:
        return percent(self.coverage_covered, self.coverage_lessons) if self.coverage_lessons else None

    @property
    def digital_coded_percent(self) -> Decimal | None:
        return percent(self.digital_coded, self.digital_items)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["coverage_percent"] = self.coverage_percent
        data["digital_coded_percent"] = self.digital_coded_percent
        for card, row in zip(self.cards, data["cards"], strict=True):
            row["percent"] = card.percent
        return _jsonable(data)


@dataclass(frozen=True)
class LibraryFigures(_Shares):
    library_id: int
    library_code: str
    library_name: str
    start: datetime.date
    end: datetime.date
    as_of: datetime.date
    min_group_size: int
    cards: tuple[CardFigures, ...]
    digital_items: int
    digital_coded: int
    digital_classified: int
    loans: int
    active_readers: int | None
    active_readers_suppressed: bool
    months: tuple[MonthFigures, ...]
    top_titles: tuple[TitleFigures, ...]
    digital_loans: int
    posts: tuple[PostFigures, ...]
    courses: tuple[CourseFigures, ...]
    course_enrolled: int | None
    course_completed: int | None
    course_suppressed: bool
    coverage_applicable: bool
    coverage_lessons: int | None
    coverage_covered: int | None
    # Not recorded by the system (see the module docstring): always None / False.
    digital_opens: int | None = None
    digital_downloads: int | None = None
    digital_access_recorded: bool = False

    @property
    def posts_total(self) -> int:
        return sum(post.posts for post in self.posts)

    @property
    def months_max_loans(self) -> int:
        return max((month.loans for month in self.months), default=0)


# --- Building blocks, each one query for any number of libraries ---------------------------


def _cards_by_library(library_ids: list[int], as_of: datetime.date) -> dict[int, dict[str, tuple[int, int]]]:
    valid_card = Card.objects.filter(membership=OuterRef("pk"), revoked_at__isnull=True, valid_until__gte=as_of)
    rows = (
        Membership.objects.filter(
            library_id__in=library_ids,
            status=MembershipStatus.ACTIVE,
            category__in=[ReaderCategory.STUDENT, ReaderCategory.STAFF],
        )
        .annotate(has_card=Exists(valid_card))
        .order_by()
        .values("library_id", "category")
        .annotate(roster=Count("pk"), cards=Count("pk", filter=Q(has_card=True)))
    )
    result: dict[int, dict[str, tuple[int, int]]] = {}
    for row in rows:
        result.setdefault(row["library_id"], {})[row["category"]] = (row["roster"], row["cards"])
    return result


def _card_figures(by_category: dict[str, tuple[int, int]]) -> tuple[CardFigures, ...]:
    return tuple(
        CardFigures(category, *by_category.get(category, (0, 0)))
        for category in (ReaderCategory.STUDENT.value, ReaderCategory.STAFF.value)
    )


def _digital_by_library(library_ids: list[int], stop: datetime.datetime) -> dict[int, dict]:
    rows = (
        Record.objects.filter(library_id__in=library_ids, created_at__lt=stop)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=stop))
        .filter(Exists(DigitalFile.objects.filter(record_id=OuterRef("pk"))))
        .order_by()
        .values("library_id")
        .annotate(
            items=Count("pk"),
            coded=Count("pk", filter=~Q(code="")),
            classified=Count("pk", filter=~Q(code="") & ~Q(ddc="")),
        )
    )
    return {row["library_id"]: row for row in rows}


def loans_by_library(library_ids: list[int], begin, stop) -> dict[int, dict]:
    rows = (
        Loan.objects.filter(library_id__in=library_ids, borrowed_at__gte=begin, borrowed_at__lt=stop)
        .order_by()
        .values("library_id")
        .annotate(loans=Count("pk"), readers=Count("membership_id", distinct=True))
    )
    return {row["library_id"]: row for row in rows}


def _coverage_by_level(libraries: Iterable[Library]) -> dict[str, tuple[int, int]]:
    """Lessons and covered lessons per school level. The catalog is shared, so every school
    of one level has the same coverage: one ``coverage_for_library`` per level (at most 4)."""
    result: dict[str, tuple[int, int]] = {}
    for library in libraries:
        level = school_level(library)
        if level is not None and level not in result:
            total = coverage_for_library(library=library).total
            result[level] = (total.lessons, total.covered) if total else (0, 0)
    return result


# --- One library ---------------------------------------------------------------------------


def _courses(library: Library, start, end, begin, stop, minimum: int) -> tuple[tuple[CourseFigures, ...], dict]:
    report = participation_report(library_ids=[library.pk], date_from=start, date_to=end, min_group_size=minimum)
    enrolments = (
        report.totals.enrolled,
        report.totals.completed,
        report.totals.people,
    )
    per_course = list(
        Enrolment.objects.filter(library=library, enrolled_at__gte=begin, enrolled_at__lt=stop)
        .order_by()
        .values("course_id", "course__title")
        .annotate(
            enrolled=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            people=Count("participant_key", distinct=True),
        )
        .order_by("-enrolled", "course__title", "course_id")[:MAX_COURSES]
    )
    courses = CoursePage.objects.in_bulk([row["course_id"] for row in per_course])
    rows = []
    for row in sorted(per_course, key=lambda row: (row["course__title"], row["course_id"])):
        hidden = 0 < row["people"] < minimum
        change, pairs = None, None
        if not hidden:
            # The stricter of the two minimums: never show survey results the survey hides.
            results = survey_results(
                course=courses[row["course_id"]], min_group_size=max(minimum, survey_min_group_size())
            )
            shown = [item.change for item in results.items if item.change is not None and item.change.shown]
            shown = [c for c in shown if c.mean_change is not None]
            if shown:
                change = round(sum(c.mean_change for c in shown) / len(shown), 2)
                pairs = max(c.pairs for c in shown)
        rows.append(
            CourseFigures(
                course_id=row["course_id"],
                title=row["course__title"],
                enrolled=None if hidden else row["enrolled"],
                completed=None if hidden else row["completed"],
                suppressed=hidden,
                satisfaction_change=change,
                satisfaction_pairs=pairs,
            )
        )
    enrolled, completed, people = enrolments
    hidden = 0 < people < minimum
    totals = {
        "course_enrolled": None if hidden else enrolled,
        "course_completed": None if hidden else completed,
        "course_suppressed": hidden,
    }
    return tuple(rows), totals


def library_figures(*, library: Library, start: datetime.date, end: datetime.date) -> LibraryFigures:
    """The figures of ``library`` for ``start``..``end`` (inclusive; see the module docstring)."""
    minimum = report_min_group_size()
    begin, stop = period_bounds(start, end)
    as_of = as_of_day(end)

    cards = _card_figures(_cards_by_library([library.pk], as_of).get(library.pk, {}))
    digital = _digital_by_library([library.pk], stop).get(library.pk, {})

    loans = Loan.objects.filter(library=library, borrowed_at__gte=begin, borrowed_at__lt=stop)
    totals = loans.aggregate(loans=Count("pk"), readers=Count("membership_id", distinct=True))
    by_month = {
        timezone.localtime(row["month"], REPORT_TIME_ZONE).date()
        if isinstance(row["month"], datetime.datetime)
        else row["month"]: row
        for row in loans.annotate(month=TruncMonth("borrowed_at", tzinfo=REPORT_TIME_ZONE))
        .order_by()
        .values("month")
        .annotate(loans=Count("pk"), readers=Count("membership_id", distinct=True))
    }
    months = []
    for month in period_months(start, end):
        row = by_month.get(month, {"loans": 0, "readers": 0})
        readers, hidden = suppress(row["readers"], minimum)
        months.append(MonthFigures(month, row["loans"], readers, hidden))
    top = (
        loans.order_by()
        .values("copy__record_id", "copy__record__code", "copy__record__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "copy__record__title", "copy__record_id")[:TOP_TITLES]
    )
    top_titles = tuple(
        TitleFigures(row["copy__record_id"], row["copy__record__code"], row["copy__record__title"], row["n"])
        for row in top
    )
    readers, readers_hidden = suppress(totals["readers"], minimum)

    digital_loans = DigitalLoan.objects.filter(
        digital_file__record__library=library, borrowed_at__gte=begin, borrowed_at__lt=stop
    ).count()

    home = LibraryHomePage.objects.filter(library=library).only("path").first()
    posts_by_kind = {}
    if home is not None:
        posts_by_kind = dict(
            ActivityPostPage.objects.live()
            .filter(path__startswith=home.path, first_published_at__gte=begin, first_published_at__lt=stop)
            .order_by()
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    posts = tuple(PostFigures(kind, posts_by_kind.get(kind, 0)) for kind in ActivityKind.values)

    courses, course_totals = _courses(library, start, end, begin, stop, minimum)

    coverage = _coverage_by_level([library])
    level = school_level(library)
    lessons, covered = coverage.get(level, (None, None)) if level else (None, None)

    return LibraryFigures(
        library_id=library.pk,
        library_code=library.code,
        library_name=library.name,
        start=start,
        end=end,
        as_of=as_of,
        min_group_size=minimum,
        cards=cards,
        digital_items=digital.get("items", 0),
        digital_coded=digital.get("coded", 0),
        digital_classified=digital.get("classified", 0),
        loans=totals["loans"],
        active_readers=readers,
        active_readers_suppressed=readers_hidden,
        months=tuple(months),
        top_titles=top_titles,
        digital_loans=digital_loans,
        posts=posts,
        courses=courses,
        coverage_applicable=level is not None,
        coverage_lessons=lessons,
        coverage_covered=covered,
        **course_totals,
    )


# --- Many libraries (the officer's home, roll-ups) -----------------------------------------


@dataclass(frozen=True)
class LibraryHeadline(_Shares):
    """The headline figures of one library for a period (``libraries_figures``)."""

    library_id: int
    library_code: str
    library_name: str
    district: str
    cards: tuple[CardFigures, ...]
    digital_items: int
    digital_coded: int
    loans: int
    active_readers: int | None
    active_readers_suppressed: bool
    coverage_applicable: bool
    coverage_lessons: int | None
    coverage_covered: int | None


def libraries_figures(
    *, libraries: Iterable[Library], start: datetime.date, end: datetime.date
) -> list[LibraryHeadline]:
    """Headline figures of many libraries, in the order given: a fixed number of queries
    (grouped by library; coverage once per school level) whatever the number of libraries."""
    libraries = list(libraries)
    ids = [library.pk for library in libraries]
    minimum = report_min_group_size()
    begin, stop = period_bounds(start, end)
    cards = _cards_by_library(ids, as_of_day(end))
    digital = _digital_by_library(ids, stop)
    loans = loans_by_library(ids, begin, stop)
    coverage = _coverage_by_level(libraries)
    rows = []
    for library in libraries:
        level = school_level(library)
        lessons, covered = coverage.get(level, (None, None)) if level else (None, None)
        lent = loans.get(library.pk, {"loans": 0, "readers": 0})
        readers, hidden = suppress(lent["readers"], minimum)
        rows.append(
            LibraryHeadline(
                library_id=library.pk,
                library_code=library.code,
                library_name=library.name,
                district=library.district,
                cards=_card_figures(cards.get(library.pk, {})),
                digital_items=digital.get(library.pk, {}).get("items", 0),
                digital_coded=digital.get(library.pk, {}).get("coded", 0),
                loans=lent["loans"],
                active_readers=readers,
                active_readers_suppressed=hidden,
                coverage_applicable=level is not None,
                coverage_lessons=lessons,
                coverage_covered=covered,
            )
        )
    return rows
