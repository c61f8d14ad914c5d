"""Participation counts for centres and district officers, and one learner's progress.

Definitions used by every table (and the exports):

- *enrolled* — enrolments made in the period; *completed* — how many of them have
  completed the course; *completion rate* — completed ÷ enrolled;
- *people* — distinct persons among those enrolments (one person in two courses
  counts once in a centre's total);
- *participations* (lượt) — lesson visits in the period: one participant opening one
  lesson on one day.

Rows by age group and ward covering fewer people than ``SURVEY_MIN_GROUP_SIZE`` are
hidden. Nothing here carries a name.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from community_courses.conf import survey_min_group_size
from community_courses.models import (
    AgeGroup,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonVisit,
    PracticeSession,
    SurveyPhase,
)


@dataclass
class ParticipationRow:
    label: str
    enrolled: int = 0
    completed: int = 0
    people: int = 0
    participations: int = 0
    shown: bool = True

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None


@dataclass
class ParticipationReport:
    min_group_size: int
    date_from: datetime.date | None
    date_to: datetime.date | None
    totals: ParticipationRow
    by_course: list[ParticipationRow] = field(default_factory=list)
    by_month: list[ParticipationRow] = field(default_factory=list)
    by_age_group: list[ParticipationRow] = field(default_factory=list)
    by_ward: list[ParticipationRow] = field(default_factory=list)

    def tables(self) -> list[tuple[str, list[ParticipationRow]]]:
        return [
            (_("By course"), self.by_course),
            (_("By month"), self.by_month),
            (_("By age group"), self.by_age_group),
            (_("By ward"), self.by_ward),
        ]


def _month_key(value) -> tuple[int, int]:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.year, value.month


def _grouped(enrolments: QuerySet, visits: QuerySet, field_name: str) -> dict:
    rows: dict = {}
    for row in enrolments.values(field_name).annotate(
        enrolled=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        people=Count("participant_key", distinct=True),
    ):
        rows[row[field_name]] = [row["enrolled"], row["completed"], row["people"], 0]
    for row in visits.values(f"enrolment__{field_name}").annotate(n=Count("pk")):
        rows.setdefault(row[f"enrolment__{field_name}"], [0, 0, 0, 0])[3] = row["n"]
    return rows


def participation_report(
    *,
    library_ids: Iterable[int],
    course: CoursePage | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    min_group_size: int | None = None,
) -> ParticipationReport:
    """Counts for the courses of ``library_ids`` (the centres a user works for), or
    of one ``course``, between two dates (inclusive, local time)."""
    minimum = min_group_size or survey_min_group_size()
    enrolments = Enrolment.objects.filter(library_id__in=list(library_ids))
    visits = LessonVisit.objects.filter(enrolment__library_id__in=list(library_ids))
    if course is not None:
        enrolments = enrolments.filter(course=course)
        visits = visits.filter(enrolment__course=course)
    if date_from:
        enrolments = enrolments.filter(enrolled_at__date__gte=date_from)
        visits = visits.filter(day__gte=date_from)
    if date_to:
        enrolments = enrolments.filter(enrolled_at__date__lte=date_to)
        visits = visits.filter(day__lte=date_to)

    total = enrolments.aggregate(
        enrolled=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        people=Count("participant_key", distinct=True),
    )
    report = ParticipationReport(
        min_group_size=minimum,
        date_from=date_from,
        date_to=date_to,
        totals=ParticipationRow(label=_("All courses"), participations=visits.count(), **total),
    )

    by_course = _grouped(enrolments, visits, "course_id")
    titles = dict(CoursePage.objects.filter(pk__in=[pk for pk in by_course if pk]).values_list("pk", "title"))
    report.by_course = sorted(
        (ParticipationRow(titles.get(pk, "—"), *values) for pk, values in by_course.items()), key=lambda row: row.label
    )

    months: dict[tuple[int, int], list[int]] = {}
    for row in (
        enrolments.annotate(month=TruncMonth("enrolled_at"))
        .values("month")
        .annotate(
            enrolled=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            people=Count("participant_key", distinct=True),
        )
    ):
        months[_month_key(row["month"])] = [row["enrolled"], row["completed"], row["people"], 0]
    for row in visits.annotate(month=TruncMonth("day")).values("month").annotate(n=Count("pk")):
        months.setdefault(_month_key(row["month"]), [0, 0, 0, 0])[3] = row["n"]
    report.by_month = [
        ParticipationRow(f"{month:02d}/{year}", *months[(year, month)]) for year, month in sorted(months)
    ]

    by_age = _grouped(enrolments, visits, "age_group")
    report.by_age_group = [
        ParticipationRow(str(label), *by_age[value]) for value, label in AgeGroup.choices if value in by_age
    ]
    by_ward = _grouped(enrolments, visits, "ward")
    report.by_ward = [
        ParticipationRow(ward or _("Not given"), *by_ward[ward]) for ward in sorted(by_ward, key=str.casefold)
    ]
    for row in report.by_age_group + report.by_ward:
        if row.people < minimum:
            row.shown = False
            row.enrolled = row.completed = row.people = row.participations = 0
    return report


# --- One learner ----------------------------------------------------------------------------


def participant_key_for(user) -> str:
    """The same person gets the same key in every course: the reader when the account
    is a reader's (so a reader who later signs in differently is still one person),
    else the account."""
    reader = getattr(user, "reader", None)
    return f"reader:{reader.pk}" if reader is not None else f"user:{user.pk}"


def enrolment_for(*, course: CoursePage, user) -> Enrolment | None:
    if user is None or not user.is_authenticated:
        return None
    return Enrolment.objects.filter(course_id=course.pk, participant_key=participant_key_for(user)).first()


def survey_phase_open(*, enrolment: Enrolment, phase: str) -> tuple[bool, str]:
    """Whether ``phase`` may be answered now, and if not, why (shown to the person).

    Before: until the first lesson is completed (later answers would not be "before").
    After: once the course is completed. Each only once."""
    if enrolment.course.survey_template_id is None:
        return False, _("This course has no survey.")
    if phase == SurveyPhase.BEFORE:
        if enrolment.before_answered_at:
            return False, _("You have already answered the survey before the course. Thank you!")
        if enrolment.completions.exists():
            return False, _("The survey before the course closes once you have completed a lesson.")
        return True, ""
    if phase == SurveyPhase.AFTER:
        if enrolment.after_answered_at:
            return False, _("You have already answered the survey after the course. Thank you!")
        if enrolment.completed_at is None:
            return False, _("The survey after the course opens when you have completed every lesson.")
        return True, ""
    return False, _("Unknown survey.")


@dataclass
class LessonProgress:
    lesson: LessonPage
    done: bool


@dataclass
class PracticeOffer:
    session: PracticeSession
    taken: int
    registered: bool

    @property
    def places_left(self) -> int:
        return max(0, self.session.capacity - self.taken)


@dataclass
class CourseProgress:
    enrolment: Enrolment | None
    lessons: list[LessonProgress]
    practice: list[PracticeOffer]
    before_open: bool = False
    after_open: bool = False

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.lessons if item.done)

    @property
    def next_lesson(self) -> LessonPage | None:
        return next((item.lesson for item in self.lessons if not item.done), None)


def course_progress_for_user(*, course: CoursePage, user) -> CourseProgress:
    """What the course page shows this visitor: the lessons (ticked when done), whether
    a survey waits for them, and the practice sessions still to come."""
    enrolment = enrolment_for(course=course, user=user)
    done = set(enrolment.completions.values_list("lesson_id", flat=True)) if enrolment else set()
    lessons = [LessonProgress(lesson, lesson.pk in done) for lesson in course.lessons().specific()]
    sessions = (
        PracticeSession.objects.filter(course=course, starts_at__gt=timezone.now())
        .select_related("host")
        .annotate(taken=Count("registrations"))
    )
    mine = set(enrolment.practice_registrations.values_list("session_id", flat=True)) if enrolment else set()
    practice = [PracticeOffer(session, session.taken, session.pk in mine) for session in sessions]
    progress = CourseProgress(enrolment=enrolment, lessons=lessons, practice=practice)
    if enrolment is not None:
        enrolment.course = course
        progress.before_open = survey_phase_open(enrolment=enrolment, phase=SurveyPhase.BEFORE)[0]
        progress.after_open = survey_phase_open(enrolment=enrolment, phase=SurveyPhase.AFTER)[0]
    return progress
