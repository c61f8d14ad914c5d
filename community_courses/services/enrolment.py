"""Joining a course, opening lessons and completing them."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community_courses.consent import ConsentText
from community_courses.models import (
    AgeGroup,
    CoursePage,
    Enrolment,
    EnrolmentChannel,
    LessonCompletion,
    LessonPage,
    LessonVisit,
)
from community_courses.selectors.participation import participant_key_for
from community_courses.services.consent import consent_record_create
from library_site.text import nfc


class EnrolmentRefused(ValidationError):
    """Joining (or acting in) a course is not possible; ``code`` says why."""


def ward_normalise(value: str) -> str:
    """One spelling per ward so the report groups them: NFC, single spaces, a capital
    first letter ("phường  13" → "Phường 13")."""
    value = " ".join(nfc(value or "").split())[:100]
    return value[:1].upper() + value[1:]


@transaction.atomic
def enrolment_create(
    *,
    course: CoursePage,
    user,
    age_group: str = "",
    ward: str = "",
    channel: str = EnrolmentChannel.WEB,
    now: datetime.datetime | None = None,
    consent: ConsentText | None = None,
) -> Enrolment:
    """Enrol ``user`` in ``course``; joining twice returns the first enrolment.

    The age group comes from the reader's date of birth when the account is a reader's
    (kept only as a bucket), else from what the person chose. ``consent`` (the text the
    joining form showed and the person ticked) is recorded with the new enrolment, in the
    same transaction; the public forms always pass it."""
    enrolment = _enrolment_create(
        course=course, user=user, age_group=age_group, ward=ward, channel=channel, now=now or timezone.now()
    )
    if consent is not None and not enrolment.consents.exists():
        consent_record_create(consent=consent, enrolment=enrolment)
    return enrolment


def _enrolment_create(*, course, user, age_group, ward, channel, now) -> Enrolment:
    if user is None or not user.is_authenticated:
        raise EnrolmentRefused(_("Sign in to join a course."), code="anonymous")
    course = CoursePage.objects.get(pk=course.pk)
    if not course.live:
        raise EnrolmentRefused(_("This course is not open."), code="not_live")
    key = participant_key_for(user)
    existing = Enrolment.objects.filter(course=course, participant_key=key).first()
    if existing is not None:
        return existing
    if course.has_ended(timezone.localdate(now)):
        raise EnrolmentRefused(_("This course has ended."), code="ended")
    centre = course.centre
    if centre is None:
        raise EnrolmentRefused(_("This course does not belong to a centre."), code="no_centre")
    reader = getattr(user, "reader", None)
    if reader is not None and reader.date_of_birth:
        age_group = AgeGroup.for_birth_date(reader.date_of_birth, timezone.localdate(now))
    elif age_group not in AgeGroup.values:
        age_group = AgeGroup.UNKNOWN
    if channel not in EnrolmentChannel.values:
        raise EnrolmentRefused(_("Unknown way of joining."), code="channel")
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                course=course,
                library=centre,
                user=user,
                reader=reader,
                participant_key=key,
                age_group=age_group,
                ward=ward_normalise(ward),
                channel=channel,
                enrolled_at=now,
            )
    except IntegrityError:
        # The same person pressed "Join" twice at once: the other request won.
        return Enrolment.objects.get(course=course, participant_key=key)


def _lesson_of(enrolment: Enrolment, lesson: LessonPage) -> None:
    if lesson.get_parent().pk != enrolment.course_id:
        raise EnrolmentRefused(_("This lesson belongs to another course."), code="other_course")


@transaction.atomic
def lesson_visit_record(*, enrolment: Enrolment, lesson: LessonPage, now: datetime.datetime | None = None):
    """Count one participation (lượt) per participant, lesson and day; later openings
    the same day only add to ``opens``."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    updated = LessonVisit.objects.filter(enrolment=enrolment, lesson=lesson, day=day).update(
        opens=F("opens") + 1, last_at=now
    )
    if updated:
        return
    _lesson_of(enrolment, lesson)
    try:
        with transaction.atomic():
            LessonVisit.objects.create(enrolment=enrolment, lesson=lesson, day=day, first_at=now, last_at=now)
    except IntegrityError:
        LessonVisit.objects.filter(enrolment=enrolment, lesson=lesson, day=day).update(
            opens=F("opens") + 1, last_at=now
        )


@transaction.atomic
def lesson_complete(*, enrolment: Enrolment, lesson: LessonPage, now: datetime.datetime | None = None) -> Enrolment:
    """Mark ``lesson`` done; the enrolment is complete once every live lesson of the
    course is. A completed course stays completed if lessons are added later."""
    now = now or timezone.now()
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    _lesson_of(enrolment, lesson)
    if not lesson.live:
        raise EnrolmentRefused(_("This lesson is not open."), code="not_live")
    LessonCompletion.objects.get_or_create(enrolment=enrolment, lesson=lesson, defaults={"completed_at": now})
    if enrolment.completed_at is None:
        live_lessons = set(LessonPage.objects.child_of(enrolment.course).live().values_list("pk", flat=True))
        done = set(enrolment.completions.values_list("lesson_id", flat=True))
        if live_lessons <= done:
            enrolment.completed_at = now
            enrolment.save(update_fields=["completed_at"])
    return enrolment
