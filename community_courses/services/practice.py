"""Registering for practice sessions at partner centres.

A session is never over capacity, also when many learners press "Register" at the same
moment: the session row is locked (SELECT … FOR UPDATE) while its registrations are
counted and the new one is written, so the second of two requests for the last place
waits, then counts the first one's registration and is refused."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community_courses.models import Enrolment, PracticeRegistration, PracticeSession


class PracticeRefused(ValidationError):
    """A registration the learner cannot make; ``code`` says why."""


@transaction.atomic
def practice_registration_create(
    *, session: PracticeSession, enrolment: Enrolment, now: datetime.datetime | None = None
) -> PracticeRegistration:
    now = now or timezone.now()
    session = PracticeSession.objects.select_for_update().get(pk=session.pk)
    if session.course_id != enrolment.course_id:
        raise PracticeRefused(_("This practice session belongs to another course."), code="other_course")
    if session.starts_at <= now:
        raise PracticeRefused(_("This practice session has already started."), code="started")
    existing = PracticeRegistration.objects.filter(session=session, enrolment=enrolment).first()
    if existing is not None:
        return existing
    taken = PracticeRegistration.objects.filter(session=session).count()
    if taken >= session.capacity:
        raise PracticeRefused(_("This practice session is full. Choose another time."), code="full")
    return PracticeRegistration.objects.create(session=session, enrolment=enrolment, created_at=now)


@transaction.atomic
def practice_registration_cancel(*, session: PracticeSession, enrolment: Enrolment) -> None:
    """Give the place back (the lock keeps the count right for a concurrent sign-up)."""
    session = PracticeSession.objects.select_for_update().get(pk=session.pk)
    PracticeRegistration.objects.filter(session=session, enrolment=enrolment).delete()
